"""The committed templates are what templates/build_templates.py builds, and rendering is deterministic."""

from __future__ import annotations

import importlib.util
import zipfile
from pathlib import Path

import pytest

from dossier.generate import generate_document
from dossier.model import Pack
from dossier.resources import templates_root

REPO = Path(__file__).resolve().parents[2]
PARTS = ("word/document.xml", "word/styles.xml", "word/numbering.xml", "word/settings.xml")


def _parts(data: Path | bytes) -> dict[str, bytes]:
    import io

    src = io.BytesIO(data) if isinstance(data, bytes) else data
    with zipfile.ZipFile(src) as zf:
        return {name: zf.read(name) for name in PARTS if name in zf.namelist()}


def test_committed_templates_match_the_build_script(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "build_templates", REPO / "templates" / "build_templates.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    built = module.build(tmp_path)
    assert {p.name for p in built} == {
        "report.docx",
        "form.docx",
        "table.docx",
        "placeholder.docx",
        "checklist.docx",
    }
    for path in built:
        shipped = (templates_root() / "skeleton" / path.name).read_bytes()
        assert _parts(path) == _parts(shipped), (
            f"templates/skeleton/{path.name} is stale: rerun build_templates.py"
        )


@pytest.mark.parametrize("doc_id", ["report-a", "form-a", "table-a"])
def test_rendering_is_deterministic(mini_pack: Pack, doc_id: str, tmp_path: Path) -> None:
    a = generate_document(mini_pack, doc_id, {"supervised": True}, tmp_path / "a.docx")
    b = generate_document(mini_pack, doc_id, {"supervised": True}, tmp_path / "b.docx")
    assert _parts(a) == _parts(b)
