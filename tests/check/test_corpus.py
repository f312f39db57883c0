"""The end-to-end corpus: every dossier in corpus/dossiers/ checked, compared with its
normalised golden (expected.json), and held to what its spec.yaml meant to build.

The goldens catch any drift; the spec intentions make sure a golden recorded from a buggy
engine cannot pass (a dropped section must be DOS-S001 for exactly it, a decoy is never
the material, a not-required material is never missing, …).
Regenerate goldens after an intended change: DOSSIER_UPDATE_GOLDEN=1 pytest tests/check/test_corpus.py
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from dossier.check.engine import CheckOptions, check_path
from dossier.conditions import evaluate
from dossier.facts import load_facts
from dossier.packs import load_pack

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
sys.path.insert(0, str(CORPUS))
import build_dossiers as bd  # noqa: E402

SPECS = {s.name: s for s in bd.iter_specs()}
UPDATE = os.environ.get("DOSSIER_UPDATE_GOLDEN") == "1"


def dossier_path(spec: bd.Spec) -> Path:
    return spec.folder / ("dossier.zip" if spec.container == "zip" else "files")


@cache
def report(name: str) -> dict[str, Any]:
    spec = SPECS[name]
    pack = load_pack(spec.jurisdiction)
    given = load_facts(spec.folder / "facts.yaml", pack)
    return check_path(dossier_path(spec), pack, spec.stage, given, CheckOptions(as_of=spec.as_of)).to_json()


def normalise(r: dict[str, Any]) -> dict[str, Any]:
    """The report without volatile fields (as-of, tool version, wording, evidence text)."""
    return {
        "pack": r["pack"]["id"],
        "jurisdiction": r["jurisdiction"],
        "stage": r["stage"],
        "input": r["input"],
        "files": sorted(({k: f.get(k) for k in ("path", "format", "status", "material", "document")}
                         for f in r["files"]), key=lambda f: f["path"]),
        "facts": {k: {"value": v["value"], "source": v["source"]} for k, v in sorted(r["facts"].items())},
        "materials": [{"id": m["id"], "status": m["status"], "files": sorted(m["files"])} for m in r["materials"]],
        "documents": [{"path": d["path"], "type": d["type"],
                       "sections": [{"id": s["id"], "status": s["status"]} for s in d["sections"]]}
                      for d in r["documents"]],
        "findings": sorted(({"code": f["code"], "requirement": f["requirement"], "location": f["location"]}
                            for f in r["findings"]), key=lambda f: json.dumps(f, ensure_ascii=False, sort_keys=True)),
    }


@pytest.mark.parametrize("name", sorted(SPECS))
def test_matches_golden(name: str) -> None:
    got = normalise(report(name))
    golden = SPECS[name].folder / "expected.json"
    text = json.dumps(got, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    if UPDATE or not golden.exists():
        golden.write_text(text, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"{golden} was missing and has been written; review it and run again")
    assert json.loads(golden.read_text(encoding="utf-8")) == json.loads(text)


# -- what each spec meant ----------------------------------------------------------------------


def codes(r: dict[str, Any], code: str) -> set[str]:
    return {f["requirement"] for f in r["findings"] if f["code"] == code}


def materials(r: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["id"]: m for m in r["materials"]}


def display(spec: bd.Spec, f: bd.FileSpec) -> str:
    return f"dossier.zip!/{bd.spec_folder_name(spec)}/{f.name}" if spec.container == "zip" else f.name


def document_of(r: dict[str, Any], spec: bd.Spec, f: bd.FileSpec) -> dict[str, Any] | None:
    return next((d for d in r["documents"] if d["path"] == display(spec, f)), None)


# Engine / parser defects the intentions expose (see the corpus report). strict: once fixed,
# the test XPASSes and fails, so the entry is removed and the golden regenerated.
KNOWN_DEFECTS: dict[str, str] = {}


def _intention_params() -> list[Any]:
    return [pytest.param(n, marks=pytest.mark.xfail(reason=KNOWN_DEFECTS[n], strict=True)) if n in KNOWN_DEFECTS
            else n for n in sorted(SPECS)]


@pytest.mark.parametrize("name", _intention_params())
def test_spec_intentions(name: str) -> None:
    spec = SPECS[name]
    r = report(name)
    pack = load_pack(spec.jurisdiction)
    stage = pack.stage(spec.stage)
    given = load_facts(spec.folder / "facts.yaml", pack)
    mats = materials(r)
    mat_def = {m.id: m for m in stage.materials}

    # The generated facts agree across files and with facts.yaml: no conflict may be reported.
    assert not codes(r, "DOS-F001") and not codes(r, "DOS-R005"), [
        f["message"] for f in r["findings"] if f["code"] in ("DOS-F001", "DOS-R005")]
    # Every file is listed, none dropped; nothing could not be read.
    assert sorted(f["path"] for f in r["files"]) == sorted(display(spec, f) for f in spec.files)
    assert not codes(r, "DOS-P002") and not codes(r, "DOS-P005")

    for f in spec.files:
        shown = display(spec, f)
        if f.decoy_of:
            # A decoy is never counted as the material it imitates (nor as any other).
            assert shown not in mats[f.decoy_of]["files"], f"{shown} taken for {f.decoy_of}"
            assert all(shown not in m["files"] for m in r["materials"]), shown
            continue
        m = mats[f.material]
        # Each generated file is recognised as its material (anonymous scans included) …
        assert shown in m["files"], f"{shown} not recognised as {f.material}: {m}"
        if evaluate(mat_def[f.material].when, given) is not False:
            assert m["status"] == "present", (f.material, m)
        doc = document_of(r, spec, f)
        if mat_def[f.material].document:
            assert doc is not None, f"{shown}: outline not checked"
            secs = {s["id"]: s for s in doc["sections"]}
            outline = pack.document(mat_def[f.material].document)
            dropped = {f"{outline.id}/{sid}" for sid in f.drop_sections
                       if evaluate(next(s for _, s in outline.walk() if s.id == sid).when, given) is not False}
            # … a dropped section is DOS-S001 for exactly it, and nothing else in that document is missing.
            in_doc = {req for req in codes(r, "DOS-S001") if req.startswith(f"{outline.id}/")}
            in_file = {x["requirement"] for x in r["findings"]
                       if x["code"] == "DOS-S001" and x["location"].get("file") == shown}
            assert in_file == dropped, (shown, in_file, dropped)
            assert dropped <= in_doc
            for sid in f.rename_sections:
                assert secs[sid]["status"] == "present", (shown, sid, secs[sid])
            for sid in f.empty_sections:
                assert secs[sid]["status"] == "empty", (shown, sid, secs[sid])
                assert f"{outline.id}/{sid}" in codes(r, "DOS-S002")
            untouched = {s.id for _, s in outline.walk()} - set(f.drop_sections) - set(f.empty_sections)
            dropped_subtrees = {s.id for sid in f.drop_sections for _, top in outline.walk() if top.id == sid
                                for _, s in top.walk()}
            for sid in untouched - dropped_subtrees:
                assert secs[sid]["status"] in ("present", "not-required"), (shown, sid, secs[sid])

    for mat in stage.materials:
        got = mats[mat.id]
        needed = evaluate(mat.when, given)
        if needed is False:
            # Not required is never missing.
            assert got["status"] == "not-required", (mat.id, got)
            assert mat.id not in codes(r, "DOS-M001")
        elif mat.id in spec.drop_materials and mat.verify == "file":
            assert got["status"] == ("missing" if needed else "manual-review"), (mat.id, got)
            if needed:
                assert mat.id in codes(r, "DOS-M001")
        # Only dropped materials are ever missing.
        if got["status"] == "missing":
            assert mat.id in spec.drop_materials, (mat.id, got)


def test_corpus_is_small_and_has_every_acceptance_stage() -> None:
    size = sum(p.stat().st_size for p in (CORPUS / "dossiers").rglob("*") if p.is_file())
    assert size < 8 * 1024 * 1024
    have = {(s.jurisdiction, s.stage) for s in SPECS.values()}
    for j, st in [("yongchuan", "application"), ("yongchuan", "preliminary-acceptance"),
                  ("yongchuan", "final-acceptance"), ("yongchuan", "self-evaluation"),
                  ("guangzhou", "contract-acceptance"), ("guangzhou", "final-acceptance"),
                  ("wuhan", "final-acceptance"), ("lianping", "final-acceptance"), ("qingpu", "final-acceptance")]:
        assert (j, st) in have
    assert "yongchuan-final-acceptance" in SPECS  # the README demo checks it
    kinds = {f.format for s in SPECS.values() for f in s.files}
    assert {"docx", "pdf", "doc", "scan", "xlsx"} <= kinds
    assert any(s.container == "zip" for s in SPECS.values())


def test_zip_entries_are_gbk_without_utf8_flag() -> None:
    import zipfile

    zipped = [s for s in SPECS.values() if s.container == "zip"]
    for spec in zipped:
        with zipfile.ZipFile(dossier_path(spec)) as zf:
            for info in zf.infolist():
                assert not info.flag_bits & 0x800
                raw = info.filename.encode("cp437")
                assert raw.decode("gbk").split("/")[-1] in {f.name for f in spec.files}


def test_generator_is_deterministic(tmp_path: Path) -> None:
    """Re-running the generator gives the committed bytes for what python-docx / openpyxl write,
    and (where soffice is installed) two fresh builds agree byte for byte on PDF, .doc and scans
    too; those are not compared with the committed copies, which another LibreOffice renders differently."""
    own = {"docx", "xlsx"}
    checked = 0
    for spec in SPECS.values():
        if spec.container == "zip" or not any(f.format in own for f in spec.files):
            continue
        if any(f.format not in own for f in spec.files) and not shutil.which("soffice"):
            continue
        out = tmp_path / spec.name
        out.mkdir()
        built = bd.build(spec, out)
        committed = dossier_path(spec)
        assert sorted(p.name for p in built.iterdir()) == sorted(p.name for p in committed.iterdir())
        for f in spec.files:
            if f.format in own:
                assert (built / f.name).read_bytes() == (committed / f.name).read_bytes(), f"{spec.name}/{f.name}"
        assert (out / "facts.yaml").read_bytes() == (spec.folder / "facts.yaml").read_bytes()
        checked += 1
        if spec.name == "yongchuan-final-acceptance":
            again = tmp_path / "again"
            again.mkdir()
            rebuilt = bd.build(spec, again)
            for p in built.iterdir():
                assert p.read_bytes() == (rebuilt / p.name).read_bytes(), f"{spec.name}/{p.name} not reproducible"
    assert checked
