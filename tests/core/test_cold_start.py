"""A command imports only what it uses: asserted on sys.modules of a fresh interpreter (what
loaded), never on timing. benchmarks/cold.py measures what that is worth."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = ("spacy", "onnxruntime", "rapidocr_onnxruntime", "jinja2", "openpyxl", "pydantic", "docxtpl")
"""Models, OCR, templating and spreadsheets: none of them has any business in these runs."""

PROBE = """
import json, sys
sys.argv = {argv!r}
from dossier.__main__ import run as main
try:
    main()
except SystemExit:
    pass
sys.stderr.write("\\nMODULES " + json.dumps(sorted(sys.modules)) + "\\n")
"""


def _loaded(argv: list[str], cwd: Path) -> set[str]:
    proc = subprocess.run([sys.executable, "-c", PROBE.format(argv=argv)], capture_output=True, text=True,
                          cwd=cwd, timeout=120, check=True)
    line = proc.stderr.rsplit("MODULES ", 1)[1]
    modules = json.loads(line)
    return {*modules, *(m.split(".")[0] for m in modules)}  # dotted names and their top-level packages


def test_version_answers_before_the_command_line_app_is_imported(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "dossier", "--version"], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120, check=True)
    from dossier import __version__

    assert proc.stdout == f"dossier {__version__}\n"
    loaded = _loaded(["dossier", "--version"], tmp_path)
    assert not loaded & {*HEAVY, "typer", "rich", "yaml", "lxml", "pypdfium2"}


def test_checking_an_empty_folder_loads_no_parser_renderer_or_model(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    out = tmp_path / "report.json"
    loaded = _loaded(["dossier", "check", str(tmp_path / "empty"), "-j", "yongchuan", "-s", "final-acceptance",
                      "-f", "json", "-o", str(out)], tmp_path)
    assert json.loads(out.read_text(encoding="utf-8"))["summary"]["errors"] > 0  # it did check: materials missing
    assert not loaded & {*HEAVY, "rich", "docx", "lxml", "pypdfium2", "pdfplumber"}
    # Nor what only files to read need (matching, classifying, naming rules), nor PyYAML and the
    # schema validator: an installed pack loads from its pre-parsed copy (dossier.packdata).
    assert not loaded & {"rapidfuzz", "regex", "yaml", "jsonschema_rs", "chinese_calendar"}


def test_valid_facts_and_an_installed_pack_do_not_import_python_jsonschema(tmp_path: Path) -> None:
    # jsonschema-rs says "valid"; python-jsonschema (a tenth of a second to import) is only
    # asked to word a problem.
    (tmp_path / "empty").mkdir()
    (tmp_path / "facts.yaml").write_text("investment: 350万元\nsupervised: true\ngo_live_date: 2023-06-01\n",
                                         encoding="utf-8")
    out = tmp_path / "report.json"
    loaded = _loaded(["dossier", "check", str(tmp_path / "empty"), "-j", "yongchuan", "-s", "final-acceptance",
                      "--facts", str(tmp_path / "facts.yaml"), "-f", "json", "-o", str(out)], tmp_path)
    assert json.loads(out.read_text(encoding="utf-8"))["summary"]["errors"] > 0
    assert "jsonschema" not in loaded
    (tmp_path / "facts.yaml").write_text("investment: lots\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "dossier", "check", str(tmp_path / "empty"), "-j", "yongchuan",
                           "-s", "final-acceptance", "--facts", str(tmp_path / "facts.yaml")],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.returncode == 2
    assert "/investment" in proc.stderr  # the invalid one still gets python-jsonschema's words


def test_checking_word_files_loads_no_pdf_reader(tmp_path: Path) -> None:
    # A .docx is a zip, so it is first asked whether it is an OFD: that question must not
    # import the PDF reader (pdfium is a twentieth of a second to load) when no PDF is there.
    import shutil

    files = Path(__file__).resolve().parents[2] / "corpus/dossiers/yongchuan-final-acceptance/files"
    (tmp_path / "word").mkdir()
    for name in ("01_永川区智慧城管平台建设项目终验投用申请书.docx", "08_运维计划.docx"):
        shutil.copy(files / name, tmp_path / "word" / name)
    out = tmp_path / "report.json"
    loaded = _loaded(["dossier", "check", str(tmp_path / "word"), "-j", "yongchuan", "-s", "final-acceptance",
                      "-f", "json", "-o", str(out)], tmp_path)
    report = json.loads(out.read_text(encoding="utf-8"))
    assert [f["status"] for f in report["files"]] == ["parsed", "parsed"]
    assert "lxml" in loaded  # it did read them
    # The installed pack and its extract.yaml come pre-parsed and pre-checked (dossier.packdata).
    assert not loaded & {*HEAVY, "pypdfium2", "pdfplumber", "yaml", "jsonschema_rs", "jsonschema"}
    # The PDF reader loads pdfium itself, without pypdfium2: asked by its own name too.
    assert not loaded & {"dossier.parse.pdf", "dossier.parse.ofd"}
