"""Packaged data works outside the repo: every code package is listed and the wheel ships the data."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_every_subpackage_is_listed_in_pyproject() -> None:
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    found = {"dossier." + p.parent.relative_to(ROOT / "src" / "dossier").as_posix().replace("/", ".")
             for p in (ROOT / "src" / "dossier").rglob("__init__.py") if p.parent != ROOT / "src" / "dossier"}
    assert found <= listed, f"not in pyproject packages: {sorted(found - listed)}"


@pytest.mark.slow
def test_wheel_ships_packs_schemas_and_templates(tmp_path: Path) -> None:
    res = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
                         capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stderr[-2000:]
    wheel = next(tmp_path.glob("dossier-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for pid in ("guangzhou", "wuhan", "lianping", "qingpu", "yongchuan"):
        assert f"dossier/outlines/{pid}/pack.yaml" in names
    assert "dossier/schemas/report.schema.json" in names
    assert any(n.startswith("dossier/templates/") and n.endswith(".docx") for n in names)
    assert "dossier/templates/report/report.html.j2" in names
    # Load a pack from the installed wheel, outside the repository.
    target = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(target)
    code = "from dossier.packs import load_pack; p = load_pack('yongchuan'); print(p.id, len(p.documents))"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                         env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"}, check=False)
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.startswith("yongchuan ")
