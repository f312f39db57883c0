"""Annotated copies: one Word comment per finding located in a DOCX, anchored where the
finding points, everything else left as the user wrote it."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import docx
import pytest
from lxml import etree

from dossier.render.annotate import (
    W_NS,
    _body_paragraphs,
    annotate_docx,
    findings_by_file,
    inner_path,
    paragraph_text,
    write_annotated,
)

REPO = Path(__file__).resolve().parents[2]
GAPS = REPO / "corpus" / "dossiers" / "yongchuan-final-acceptance-gaps" / "dossier.zip"
W = f"{{{W_NS}}}"


def _docx(paragraphs: list[tuple[str, str | None]], *, table: bool = False) -> bytes:
    d = docx.Document()
    for text, style in paragraphs:
        d.add_paragraph(text, style=style)
    if table:
        t = d.add_table(rows=1, cols=2)
        t.cell(0, 0).text = "表格内文字"
        d.add_paragraph("表后段落")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _paragraphs(data: bytes) -> list[etree._Element]:
    root = etree.fromstring(_parts(data)["word/document.xml"])
    return _body_paragraphs(root.find(f"{W}body"))


def _comments(data: bytes) -> dict[str, str]:
    """comment id → its text (paragraphs joined by newlines)."""
    root = etree.fromstring(_parts(data)["word/comments.xml"])
    return {c.get(f"{W}id"): "\n".join(paragraph_text(p) for p in c.iter(f"{W}p")) for c in root}


def _anchors(data: bytes) -> dict[str, int]:
    """comment id → index of the paragraph holding its range start and reference."""
    out = {}
    for i, p in enumerate(_paragraphs(data)):
        starts = {e.get(f"{W}id") for e in p.iter(f"{W}commentRangeStart")}
        refs = {e.get(f"{W}id") for e in p.iter(f"{W}commentReference")}
        ends = {e.get(f"{W}id") for e in p.iter(f"{W}commentRangeEnd")}
        assert starts == refs == ends, "a comment's start, end and reference share its paragraph"
        out.update(dict.fromkeys(starts, i))
    return out


def finding(code: str, message: str, paragraph: int | None = None, section: str = "",
            requirement: str = "doc/x", file: str = "a.docx") -> dict[str, Any]:
    loc: dict[str, Any] = {"file": file, "document": "doc"}
    if section:
        loc["section"] = section
    if paragraph is not None:
        loc["paragraph"] = paragraph
    return {"code": code, "severity": "error", "message": message, "requirement": requirement,
            "citations": [{"text": "永川办法 第十五条"}], "location": loc}


def test_comment_per_finding_at_its_paragraph_and_nothing_else_changes() -> None:
    original = _docx([("项目报告", "Title"), ("一、概述", "Heading 1"), ("正文。", None),
                      ("二、建设内容", "Heading 1"), ("", None)], table=True)
    findings = [finding("DOS-S002", "章节“建设内容”没有内容", paragraph=3, section="建设内容"),
                finding("DOS-M004", "a.docx：未能识别为本阶段的任何材料")]
    out = annotate_docx(original, findings, date="2026-12-01")

    comments, anchors = _comments(out), _anchors(out)
    assert len(comments) == 2
    by_text = {text.splitlines()[0]: anchors[cid] for cid, text in comments.items()}
    assert by_text["【错误】章节“建设内容”没有内容（DOS-S002）"] == 3
    assert by_text["【错误】a.docx：未能识别为本阶段的任何材料（DOS-M004）"] == 0  # the title
    assert any("如何整改：" in t and "依据：永川办法 第十五条" in t for t in comments.values())

    assert [paragraph_text(p) for p in _paragraphs(out)] == [paragraph_text(p) for p in _paragraphs(original)]
    before, after = _parts(original), _parts(out)
    changed = {n for n in before if before[n] != after.get(n)}
    assert changed == {"word/document.xml", "word/_rels/document.xml.rels", "[Content_Types].xml"}
    assert set(after) - set(before) == {"word/comments.xml"}
    root = etree.fromstring(after["word/comments.xml"])
    assert {(c.get(f"{W}author"), c.get(f"{W}initials")) for c in root} == {("dossier", "D")}

    # python-docx (what Word-compatible readers do) sees the same comments.
    assert len(docx.Document(io.BytesIO(out)).comments) == 2


def test_a_file_with_comments_keeps_them_and_gets_fresh_ids() -> None:
    original = _docx([("标题", "Title"), ("一、概述", "Heading 1"), ("正文", None)])
    first = annotate_docx(original, [finding("DOS-S002", "第一条", paragraph=1)])
    second = annotate_docx(first, [finding("DOS-S002", "第二条", paragraph=2),
                                   finding("DOS-S005", "第三条", paragraph=1)])
    comments = _comments(second)
    assert len(comments) == 3 and len(set(comments)) == 3
    assert [t.splitlines()[0][4:7] for _, t in sorted(comments.items())] == ["第一条", "第二条", "第三条"]
    anchors = _anchors(second)
    assert sorted(anchors.values()) == [1, 1, 2]
    rels = _parts(second)["word/_rels/document.xml.rels"].decode()
    assert rels.count("relationships/comments") == 1
    assert _parts(second)["[Content_Types].xml"].decode().count("comments+xml") == 1


def test_missing_section_is_anchored_after_the_section_before_it() -> None:
    original = _docx([("申请书", "Title"), ("一、项目概述", "Heading 1"), ("正文", None),
                      ("二、项目建设", "Heading 1"), ("正文", None), ("四、运维", "Heading 1")])
    doc = {"path": "a.docx", "sections": [
        {"id": "overview", "path": ["项目概述"], "title": "项目概述", "status": "present",
         "matched": {"title": "项目概述", "location": {"paragraph": 1}}},
        {"id": "build", "path": ["项目建设"], "title": "项目建设", "status": "present",
         "matched": {"title": "项目建设", "location": {"paragraph": 3}}},
        {"id": "approval", "path": ["项目审批"], "title": "项目审批", "status": "missing"},
        {"id": "om", "path": ["运维"], "title": "运维", "status": "present",
         "matched": {"title": "运维", "location": {"paragraph": 5}}},
    ]}
    out = annotate_docx(original, [finding("DOS-S001", "缺少章节“项目审批”", section="项目审批",
                                           requirement="doc/approval")], doc)
    (cid, text), = _comments(out).items()
    assert _anchors(out)[cid] == 3
    assert "应在“项目建设”之后补写。" in text


def test_inner_path_never_escapes() -> None:
    assert str(inner_path("dossier.zip!/材料/申请书.docx", input_is_archive=True)) == "材料/申请书.docx"
    assert str(inner_path("a.zip!/b.zip!/x.docx", input_is_archive=True)) == "b.zip/x.docx"
    assert str(inner_path("../../etc/x.docx", input_is_archive=False)) == "etc/x.docx"


@pytest.fixture(scope="module")
def gaps_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    from dossier.check.engine import CheckOptions, check_path
    from dossier.packs import load_pack

    report = check_path(GAPS, load_pack("yongchuan"), "final-acceptance", {}, CheckOptions(ocr=False)).to_json()
    out = tmp_path_factory.mktemp("annotated")
    return report, out


def test_corpus_dossier_every_located_finding_is_a_comment(gaps_report: tuple[dict[str, Any], Path]) -> None:
    report, out = gaps_report
    written = write_annotated(report, GAPS, out)
    by_file = findings_by_file(report)
    docx_files = [f["path"] for f in report["files"] if f["format"] == "docx"]
    assert sorted(a.display for a in written) == sorted(docx_files)
    located = 0
    with zipfile.ZipFile(GAPS) as src:
        for a in written:
            assert a.target.is_relative_to(out / "annotated")
            inside = a.display.split("!/", 1)[1]
            assert a.target == out / "annotated" / inside
            data = a.target.read_bytes()
            original = next(src.read(i) for i in src.infolist() if _zip_name(i).endswith(inside.split("/")[-1]))
            assert [paragraph_text(p) for p in _paragraphs(data)] == \
                [paragraph_text(p) for p in _paragraphs(original)]
            findings = by_file.get(a.display, [])
            if not findings:
                assert data == original or "word/comments.xml" not in _parts(data)
                continue
            comments, anchors = _comments(data), _anchors(data)
            assert len(comments) == len(findings)
            firsts = sorted(t.splitlines()[0] for t in comments.values())
            assert firsts == sorted(f"【{_sev(f)}】{f['message']}（{f['code']}）" for f in findings)
            # Findings with a paragraph sit at it; the others at a heading or the title.
            paras = _paragraphs(data)
            for cid, text in comments.items():
                f = next(f for f in findings if text.startswith(f"【{_sev(f)}】{f['message']}"))
                p = f["location"].get("paragraph")
                if p is not None:
                    assert anchors[cid] == p
                    assert f["location"]["section"].split(" › ")[-1] in paragraph_text(paras[p])
                located += 1
    assert located >= 8


def _sev(f: dict[str, Any]) -> str:
    return {"error": "错误", "warning": "警告", "info": "提示"}[f["severity"]]


def _zip_name(info: zipfile.ZipInfo) -> str:
    if info.flag_bits & 0x800:
        return info.filename
    return info.filename.encode("cp437").decode("gbk", "replace")


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_reads_the_comments(tmp_path: Path) -> None:
    original = _docx([("项目报告", "Title"), ("一、概述", "Heading 1"), ("正文。", None)])
    out = annotate_docx(original, [finding("DOS-S002", "章节“概述”没有内容", paragraph=1),
                                   finding("DOS-M004", "a.docx：未能识别")])
    src = tmp_path / "annotated.docx"
    src.write_bytes(out)
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                    "--convert-to", "fodt", "--outdir", str(tmp_path), str(src)],
                   check=True, capture_output=True, timeout=180)
    fodt = etree.parse(str(tmp_path / "annotated.fodt"))
    office = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    dc = "http://purl.org/dc/elements/1.1/"
    notes = fodt.getroot().findall(f".//{{{office}}}annotation")
    assert len(notes) == 2
    assert {n.findtext(f"{{{dc}}}creator") for n in notes} == {"dossier"}
    texts = ["".join(n.itertext()) for n in notes]
    assert any("章节“概述”没有内容" in t for t in texts)


def test_cli_writes_annotated_copies_and_reports(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from dossier.cli import app

    res = CliRunner().invoke(app, ["check", str(GAPS), "-j", "yongchuan", "-s", "final-acceptance", "--no-ocr",
                                   "-f", "annotated,json", "-o", str(tmp_path / "out")])
    assert res.exit_code == 1, res.output  # the dossier has errors
    files = sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*.*"))
    assert "report.json" in files
    assert "annotated/永川区智慧城管平台建设项目（终验投用材料）/终验投用申请书.docx" in files
    assert all(f == "report.json" or f.startswith("annotated/") for f in files)
    res = CliRunner().invoke(app, ["check", str(GAPS), "-j", "yongchuan", "-s", "final-acceptance", "-f", "annotated"])
    assert res.exit_code == 2 and "-o DIR" in res.output
