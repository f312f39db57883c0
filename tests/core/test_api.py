"""The public Python API as a user calls it: `import dossier; dossier.check(...)`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import dossier
from dossier.cli import app

ROOT = Path(__file__).resolve().parents[2]
GAPS = ROOT / "corpus" / "dossiers" / "yongchuan-final-acceptance-gaps"
AS_OF = "2023-10-20"


def _facts() -> dict[str, object]:
    return dict(yaml.safe_load((GAPS / "facts.yaml").read_text(encoding="utf-8")))


def _key(f: dict[str, object]) -> tuple[object, ...]:
    return (f["code"], f["severity"], f["requirement"], json.dumps(f["location"], sort_keys=True), f["message"])


def test_check_returns_the_same_findings_as_the_cli(tmp_path: Path) -> None:
    report = dossier.check(str(GAPS / "dossier.zip"), jurisdiction="yongchuan", stage="final-acceptance",
                           facts=_facts(), as_of=AS_OF)
    assert isinstance(report, dossier.Report)
    out = tmp_path / "r.json"
    res = CliRunner().invoke(app, ["check", str(GAPS / "dossier.zip"), "-j", "yongchuan", "-s", "final-acceptance",
                                   "--facts", str(GAPS / "facts.yaml"), "--as-of", AS_OF, "-f", "json", "-o", str(out)])
    assert res.exit_code == report.exit_code("error") == 1
    cli = json.loads(out.read_text(encoding="utf-8"))
    assert [_key(f) for f in cli["findings"]] == [_key(f.as_dict()) for f in report.findings]
    assert cli == report.to_json()
    assert report.summary.errors == cli["summary"]["errors"] > 0
    rows = report.flatten()
    assert len(rows) == len(report.findings) and rows[0]["code"] == report.findings[0].code
    assert dossier.Report.from_json(cli) == dossier.Report.from_json(report.to_json())
    for f in report.findings:  # each section finding knows its document; material findings have none
        doc = report.document_of(f)
        if f.code.startswith("DOS-S"):
            assert doc is not None and doc.path == f.location.file and doc.type == f.location.document
        if f.code in ("DOS-M001", "DOS-M002"):
            assert doc is None


def test_paths_and_facts_files_are_accepted(tmp_path: Path) -> None:
    by_path = dossier.check(GAPS / "dossier.zip", jurisdiction=dossier.load_pack("yongchuan"),
                            stage="final-acceptance", facts=GAPS / "facts.yaml", as_of=AS_OF)
    by_str = dossier.check(str(GAPS / "dossier.zip"), jurisdiction="yongchuan", stage="final-acceptance",
                           facts=str(GAPS / "facts.yaml"), as_of=AS_OF)
    assert by_path.to_json() == by_str.to_json()
    assert dossier.load_pack(ROOT / "outlines" / "yongchuan").id == "yongchuan"


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"jurisdiction": "nowhere", "stage": "final-acceptance"}, ["nowhere", "known packs"]),
    ({"jurisdiction": "yongchuan", "stage": "launch"}, ["launch", "final-acceptance"]),
    ({"jurisdiction": "yongchuan", "stage": "final-acceptance", "facts": {"investmnet": "350万元"}}, ["investmnet"]),
    ({"jurisdiction": "yongchuan", "stage": "final-acceptance", "facts": {"investment": "很多"}}, ["investment"]),
    ({"jurisdiction": "yongchuan", "stage": "final-acceptance", "facts": "no-such-facts.yaml"}, ["no-such-facts"]),
    ({"jurisdiction": "yongchuan", "stage": "final-acceptance", "as_of": "yesterday"}, ["yesterday"]),
])
def test_bad_arguments_raise_dossier_errors(kwargs: dict[str, object], words: list[str]) -> None:
    with pytest.raises(dossier.DossierError) as exc:
        dossier.check(GAPS / "dossier.zip", **kwargs)  # type: ignore[arg-type]
    assert all(w in str(exc.value) for w in words), str(exc.value)


def test_missing_input_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(dossier.InputError, match="no such file"):
        dossier.check(tmp_path / "nope.zip", jurisdiction="yongchuan", stage="final-acceptance")
    with pytest.raises(dossier.InputError, match="nope.docx"):
        dossier.parse(tmp_path / "nope.docx")
    html = tmp_path / "fake.docx"
    html.write_text("<html><body>not word</body></html>", encoding="utf-8")
    with pytest.raises(dossier.InputError, match="HTML"):
        dossier.parse(html)


def test_generate_then_parse(tmp_path: Path) -> None:
    out = dossier.generate("yongchuan", "basic-report", facts={"project_name": "永川区智慧城管建设项目"},
                           out=str(tmp_path / "基本情况报告.docx"))
    tree = dossier.parse(out)
    assert isinstance(tree, dossier.DocumentTree)
    assert tree.headings and any(h.title for h in tree.walk())
    with pytest.raises(dossier.DossierError, match="no-such-doc"):
        dossier.generate("yongchuan", "no-such-doc", out=tmp_path / "x.docx")


def test_submodules_stay_modules() -> None:
    import dossier.check.engine as engine
    import dossier.parse.docx as docx

    assert callable(dossier.check) and callable(dossier.parse)
    assert dossier.check.engine is engine and dossier.parse.docx is docx


def test_import_is_cheap() -> None:
    code = "import sys, dossier; print(sorted(m for m in sys.modules if m.startswith('dossier')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['dossier']"


def test_one_parser_table_over_the_sniffed_kinds(tmp_path: Path) -> None:
    from dossier.ingest import FileKind, sniff
    from dossier.parse import PARSERS

    assert set(PARSERS) <= set(FileKind)
    assert all(k.is_document for k in PARSERS if k is not FileKind.TEXT)
    note = tmp_path / "说明.txt"
    note.write_text("项目说明\n一、概述\n正文。\n", encoding="utf-8")
    assert sniff(note) is FileKind.TEXT
    tree = dossier.parse(note)
    assert tree.path == str(note) and tree.format
