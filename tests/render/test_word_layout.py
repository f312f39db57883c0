"""The 审查意见 DOCX read back with python-docx against GB/T 9704-2012: page, margins,
fonts and sizes, page-number field, repeated table header, Chinese date, 审查单位 block."""

from __future__ import annotations

import io
import shutil
from typing import Any

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Pt

from dossier.render import render
from dossier.render.names import cn_date
from dossier.render.word import render_docx

CITE = {"source": "永川办法", "article": "第十五条", "text": "永川办法 第十五条"}


def report(n_findings: int = 40) -> dict[str, Any]:
    findings = [{"code": "DOS-S001", "slug": "missing-section", "severity": "error",
                 "message": f"《终验投用申请书》缺少章节“第{i}节”", "requirement": f"final-acceptance-application/s{i}",
                 "citations": [CITE], "location": {"file": "终验投用申请书.docx",
                                                   "document": "final-acceptance-application", "section": f"第{i}节"}}
                for i in range(n_findings)]
    return {
        "tool": {"name": "dossier", "version": "0.1.0"},
        "pack": {"id": "yongchuan", "version": "1.0.0", "title": "永川区政务信息化项目管理暂行办法"},
        "jurisdiction": "yongchuan", "stage": "final-acceptance", "stage_title": "终验投用",
        "as_of": "2026-12-01", "input": "材料.zip",
        "facts": {"project_name": {"value": "永川区智慧城管平台建设项目", "source": "given"}},
        "documents": [{"path": "终验投用申请书.docx", "type": "final-acceptance-application",
                       "title": "终验投用申请书", "sections": []}],
        "materials": [{"id": "construction-report", "title": "项目建设报告", "status": "missing",
                       "files": [], "citations": [CITE]}],
        "findings": findings,
        "summary": {"errors": n_findings, "warnings": 0, "info": 0},
    }


def _east_asia(style: Any) -> str | None:
    rpr = style.element.rPr
    return None if rpr is None or rpr.rFonts is None else rpr.rFonts.get(qn("w:eastAsia"))


def test_page_margins_and_fonts_follow_gbt_9704() -> None:
    d = docx.Document(io.BytesIO(render_docx(report())))
    s = d.sections[0]
    # Word stores twips: compare in millimetres to a tenth.
    assert [round(x.mm, 1) for x in (s.page_width, s.page_height)] == [210, 297]
    assert [round(x.mm, 1) for x in (s.top_margin, s.bottom_margin, s.left_margin, s.right_margin)] == [
        37, 35, 28, 26]

    normal, title = d.styles["Normal"], d.styles["Title"]
    h1, h2 = d.styles["Heading 1"], d.styles["Heading 2"]
    assert _east_asia(normal) in {"仿宋_GB2312", "仿宋", "FangSong"} and normal.font.size == Pt(16)
    assert _east_asia(title) in {"方正小标宋简体", "小标宋"} and title.font.size == Pt(22)
    assert _east_asia(h1) == "黑体" and h1.font.size == Pt(16) and not h1.font.bold
    assert _east_asia(h2) in {"楷体_GB2312", "楷体", "KaiTi"} and h2.font.size == Pt(16)
    # The theme would override explicit fonts: none may remain.
    for st in (normal, title, h1, h2):
        fonts = st.element.rPr.rFonts
        assert fonts.get(qn("w:eastAsiaTheme")) is None and fonts.get(qn("w:asciiTheme")) is None
    # 22 lines on a 225 mm type area.
    assert abs(normal.paragraph_format.line_spacing.pt - 28.95) < 0.1

    paras = d.paragraphs
    assert paras[0].style.name == "Title"
    assert paras[0].text == "关于永川区智慧城管平台建设项目终验投用材料的审查意见"
    assert [p.text for p in paras if p.style.name == "Heading 1"] == [
        "一、基本情况", "二、存在的问题及整改要求", "三、材料核对情况", "四、问题清单"]
    body = "\n".join(p.text for p in paras)
    assert "根据《永川区政务信息化项目管理暂行办法》，我们对重庆市永川区永川区智慧城管平台建设项目" in body
    assert "dossier" not in body


def _page_field(paragraph: Any) -> tuple[str, str]:
    p = paragraph._p
    instr = "".join(t.text for t in p.iter(qn("w:instrText")))
    kinds = [f.get(qn("w:fldCharType")) for f in p.iter(qn("w:fldChar"))]
    assert kinds == ["begin", "separate", "end"]
    return instr.strip(), paragraph.text


def test_page_numbers_are_page_fields_odd_right_even_left() -> None:
    d = docx.Document(io.BytesIO(render_docx(report())))
    assert d.settings.odd_and_even_pages_header_footer
    s = d.sections[0]
    odd, even = s.footer.paragraphs[0], s.even_page_footer.paragraphs[0]
    assert _page_field(odd) == ("PAGE", "— 1 —")
    assert _page_field(even) == ("PAGE", "— 1 —")
    assert odd.alignment == 2 and odd.paragraph_format.right_indent == Pt(16)  # RIGHT
    assert even.alignment == 0 and even.paragraph_format.left_indent == Pt(16)  # LEFT
    sizes = {r.font.size for r in odd.runs if r.text}
    assert sizes == {Pt(14)}


def test_tables_repeat_their_header_row() -> None:
    d = docx.Document(io.BytesIO(render_docx(report(60))))
    materials, findings = d.tables
    assert [c.text for c in findings.rows[0].cells] == ["序号", "级别", "问题", "依据", "位置"]
    assert len(findings.rows) == 61
    for t in (materials, findings):
        trpr = t.rows[0]._tr.trPr
        assert trpr is not None and trpr.find(qn("w:tblHeader")) is not None
        assert all(r._tr.trPr is None or r._tr.trPr.find(qn("w:tblHeader")) is None for r in t.rows[1:])


def test_closing_block_with_unit_and_chinese_date() -> None:
    assert cn_date("2026-12-01") == "2026年12月1日"
    d = docx.Document(io.BytesIO(render_docx(report(), unit="永川区大数据发展局")))
    texts = [p.text for p in d.paragraphs if p.text]
    assert texts[-2:] == ["审查单位：永川区大数据发展局", "2026年12月1日"]
    last = [p for p in d.paragraphs if p.text][-1]
    assert last.alignment == 2 and last.paragraph_format.right_indent == Pt(64)
    blank = docx.Document(io.BytesIO(render_docx(report())))
    assert [p.text for p in blank.paragraphs if p.text][-2] == "审查单位（盖章）："


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_pdf_of_the_opinion() -> None:
    import pypdfium2 as pdfium

    data = render(report(60), "pdf")
    assert data.startswith(b"%PDF")
    pdf = pdfium.PdfDocument(data)
    assert len(pdf) >= 2
    first = pdf[0].get_textpage().get_text_range()
    second = pdf[1].get_textpage().get_text_range()
    assert "审查意见" in first.replace("\r\n", "").replace("\n", "")
    assert "— 1 —" in first and "— 2 —" in second
    # the repeated header row shows on the second page too
    assert "序号" in second or "一、基本情况" in first
