"""`scaffold`: numbered folders for required materials, generated reports, 材料清单."""

from __future__ import annotations

import json
from pathlib import Path

import docx
import pytest
from gen_support import Skeleton, body_paragraphs, headings, loadable_packs
from openpyxl import load_workbook

from dossier.generate import (
    CHECKLIST,
    GUIDANCE_STYLE,
    MANIFEST,
    MARKER,
    GenerateError,
    expected_titles,
    scaffold,
)
from dossier.model import Pack
from dossier.packs import load_pack


def tree(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


def xlsx_rows(path: Path) -> list[tuple[object, ...]]:
    ws = load_workbook(path).active
    assert ws is not None
    return [tuple(r) for r in ws.iter_rows(values_only=True)]


@pytest.fixture(scope="module")
def yongchuan() -> Pack:
    if "yongchuan" not in loadable_packs():
        pytest.skip("the yongchuan pack does not load yet")
    return load_pack("yongchuan")


@pytest.mark.parametrize("supervised", [True, False])
def test_yongchuan_final_acceptance_follows_supervised(
    yongchuan: Pack, tmp_path: Path, supervised: bool
) -> None:
    stage = yongchuan.stage("final-acceptance")
    res = scaffold(yongchuan, "final-acceptance", {"supervised": supervised}, tmp_path / "out")
    folders = [p.name for p in res.out_dir.iterdir() if p.is_dir()]
    assert any("监理报告" in f for f in folders) is supervised
    # The list names every material, required or not.
    rows = xlsx_rows(res.out_dir / f"{CHECKLIST}.xlsx")
    assert len(rows) == 1 + len(stage.materials)
    sup = next(r for r in rows[1:] if r[1] == "supervision-report")
    assert sup[3] == ("是" if supervised else "否")
    assert "未实施项目监理不提交" in str(sup[4]) and "永川办法" in str(sup[5])
    # Outlined reports are generated into their folders with their outline.
    app = next(r for r in res.rows if r.id == "final-acceptance-application")
    assert app.placeholder is not None and app.placeholder.parent.parent == res.out_dir
    doc = yongchuan.document("final-acceptance-application")
    assert headings(app.placeholder) == expected_titles(doc, {"supervised": supervised})


def test_unknown_condition_is_included_and_pending(yongchuan: Pack, tmp_path: Path) -> None:
    res = scaffold(yongchuan, "final-acceptance", {}, tmp_path / "out")
    sup = next(r for r in res.rows if r.id == "supervision-report")
    assert sup.required is None and sup.placeholder is not None and sup.placeholder.is_file()
    assert "待确认" in sup.reason
    paras = body_paragraphs(sup.placeholder)
    assert "待确认" in paras[0][1]


@pytest.mark.parametrize("pack_id", loadable_packs())
def test_every_stage_of_every_pack_scaffolds(pack_id: str, tmp_path: Path) -> None:
    pack = load_pack(pack_id)
    for stage in pack.stages:
        res = scaffold(pack, stage.id, {}, tmp_path / stage.id)
        assert len(res.rows) == len(stage.materials)
        assert len(xlsx_rows(res.out_dir / f"{CHECKLIST}.xlsx")) == 1 + len(stage.materials)
        for f in res.files:
            assert f.is_file() and f.resolve().is_relative_to(res.out_dir)


def test_placeholder_is_only_guidance(mini_pack: Pack, tmp_path: Path) -> None:
    res = scaffold(mini_pack, "final-acceptance", {"supervised": True}, tmp_path / "out")
    sup = next(r for r in res.rows if r.id == "sup")
    assert sup.placeholder is not None
    assert sup.placeholder.parent.name == "02_项目监理报告"
    d = docx.Document(str(sup.placeholder))
    assert not d.tables
    paras = body_paragraphs(sup.placeholder)
    assert paras and all(s == GUIDANCE_STYLE and t.startswith(MARKER) for s, t in paras)
    assert "测试办法 附件2" in paras[0][1]


def test_numbering_names_and_safety(mini_pack: Pack, tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = scaffold(mini_pack, "final-acceptance", {"supervised": False}, out)
    names = sorted(p.name for p in res.out_dir.iterdir())
    # Numbers follow the stage order, so 02 (not required) is absent rather than renumbered.
    assert names == sorted([MANIFEST, f"{CHECKLIST}.docx", f"{CHECKLIST}.xlsx",
                            "01_测试报告", "03_逃逸_材料_名", "04_投资估算明细表"])  # fmt: skip
    assert not (tmp_path / "逃逸").exists()
    assert all(p.resolve().is_relative_to(out.resolve()) for p in out.rglob("*"))
    odd = next(r for r in res.rows if r.id == "odd")
    assert "人工核验" in odd.reason
    sheet = next(r for r in res.rows if r.id == "sheet")
    assert sheet.placeholder is not None and docx.Document(str(sheet.placeholder)).tables
    listing = docx.Document(str(out / f"{CHECKLIST}.docx"))
    assert len(listing.tables[0].rows) == 1 + 4
    assert [c.text for c in listing.tables[0].rows[2].cells][:3] == ["2", "项目监理报告", "否"]


def test_refuses_foreign_folder_unless_forced(mini_pack: Pack, tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(GenerateError, match="not empty"):
        scaffold(mini_pack, "final-acceptance", {}, out)
    assert tree(out) == ["notes.txt"]
    scaffold(mini_pack, "final-acceptance", {}, out, force=True)
    assert (out / "notes.txt").read_text(encoding="utf-8") == "keep me"
    with pytest.raises(GenerateError, match="not a folder"):
        scaffold(mini_pack, "final-acceptance", {}, out / "notes.txt")
    with pytest.raises(GenerateError, match="no stage"):
        scaffold(mini_pack, "application", {}, tmp_path / "other")


def test_rescaffold_replaces_only_its_own_files(mini_pack: Pack, tmp_path: Path) -> None:
    out = tmp_path / "out"
    scaffold(mini_pack, "final-acceptance", {"supervised": True}, out)
    assert (out / "02_项目监理报告").is_dir()
    (out / "01_测试报告" / "初稿.docx").write_bytes(b"user work")
    res = scaffold(mini_pack, "final-acceptance", {"supervised": False}, out)
    assert not (out / "02_项目监理报告").exists()
    assert (out / "01_测试报告" / "初稿.docx").read_bytes() == b"user work"
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["stage"] == "final-acceptance" and manifest["facts"] == {"supervised": False}
    assert sorted(manifest["files"]) == sorted(p.relative_to(res.out_dir).as_posix() for p in res.files)


def test_doctored_manifest_cannot_delete_outside(mini_pack: Pack, tmp_path: Path) -> None:
    out = tmp_path / "out"
    scaffold(mini_pack, "final-acceptance", {}, out)
    victim = tmp_path / "victim.txt"
    victim.write_text("x", encoding="utf-8")
    (out / MANIFEST).write_text(json.dumps({"files": ["../victim.txt", str(victim)]}), encoding="utf-8")
    scaffold(mini_pack, "final-acceptance", {}, out)
    assert victim.read_text(encoding="utf-8") == "x"


# --------------------------------------------------------------------------- against the checker


def _stage_of(pack: Pack, doc_id: str) -> str | None:
    return next((s.id for s in pack.stages for m in s.materials if m.document == doc_id), None)


@pytest.mark.parametrize("doc_id", ["basic-report", "preliminary-acceptance-report",
                                    "final-acceptance-application", "self-evaluation-report"])  # fmt: skip
def test_unedited_yongchuan_report_checks_all_empty(
    yongchuan: Pack, doc_id: str, skeleton: Skeleton, tmp_path: Path
) -> None:
    engine = pytest.importorskip("dossier.check.engine")
    if doc_id not in {d.id for d in yongchuan.documents} or _stage_of(yongchuan, doc_id) is None:
        pytest.skip(f"{doc_id} is not a stage material of the yongchuan pack yet")
    src = skeleton(yongchuan, doc_id, {})
    folder = tmp_path / "in"
    folder.mkdir()
    target = folder / f"{yongchuan.document(doc_id).title}.docx"
    target.write_bytes(src.read_bytes())
    report = engine.check_path(folder, yongchuan, _stage_of(yongchuan, doc_id), {}).to_json()
    docs = [d for d in report["documents"] if d["type"] == doc_id]
    assert len(docs) == 1
    statuses = {s["status"] for s in docs[0]["sections"]}
    assert statuses == {"empty"}
    assert len(docs[0]["sections"]) == yongchuan.document(doc_id).count()


def test_fresh_scaffold_checks_as_placeholders(yongchuan: Pack, tmp_path: Path) -> None:
    engine = pytest.importorskip("dossier.check.engine")
    facts = {"supervised": True}
    res = scaffold(yongchuan, "final-acceptance", facts, tmp_path / "out")
    report = engine.check_path(res.out_dir, yongchuan, "final-acceptance", facts).to_json()
    assert all(m["status"] != "present" for m in report["materials"])
    assert all(m.get("placeholder") for m in report["materials"] if m["status"] != "not-required")
