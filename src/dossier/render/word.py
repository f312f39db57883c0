"""The 审查意见 (review opinion) as DOCX: what a reviewer sends back to the project unit,
findings grouped by document, each with its 依据 and location. Built with python-docx;
the little raw XML it needs (East Asian fonts, theme font removal) stays in this module."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import docx
from docx.document import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from dossier.render.common import (
    MATERIAL_LABEL,
    SEVERITIES,
    SEVERITY_LABEL,
    as_of_datetime,
    citation_text,
    cn_number,
    deterministic_zip,
    group_findings,
    header_items,
    label,
    location_text,
    material_counts,
    project_name,
    severity_counts,
    stage_title,
    xml_text,
)

BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
QUOTE_FONT = "楷体"
LATIN_FONT = "Times New Roman"
BLACK = RGBColor(0, 0, 0)
GREY = RGBColor(0x59, 0x59, 0x59)


def _set_fonts(rpr_owner: Any, east_asia: str, latin: str) -> None:
    """Explicit fonts on a style or run; theme fonts would override them, so drop those."""
    rpr = rpr_owner.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)


def _setup_styles(document: Document) -> None:
    styles = document.styles
    normal = styles["Normal"]
    _set_fonts(normal.element, BODY_FONT, LATIN_FONT)
    normal.font.size = Pt(14)  # 四号
    normal.paragraph_format.line_spacing = 1.4
    normal.paragraph_format.space_after = Pt(4)
    for name, size in (("Title", 22), ("Heading 1", 16), ("Heading 2", 14)):
        style = styles[name]
        _set_fonts(style.element, HEADING_FONT, HEADING_FONT)
        style.font.size = Pt(size)
        style.font.bold = False  # 黑体 is bold enough; faux bold smears CJK glyphs
        style.font.color.rgb = BLACK
        style.paragraph_format.space_before = Pt(12)
        style.paragraph_format.space_after = Pt(6)
    title = styles["Title"]
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    # The default Title style draws a blue rule under itself; a review opinion has none.
    ppr = title.element.pPr
    if ppr is not None:
        for border in ppr.findall(qn("w:pBdr")):
            ppr.remove(border)


def _run(p: Paragraph, text: str, *, bold: bool = False, font: str | None = None,
         size: float | None = None, color: RGBColor | None = None) -> Run:
    run = p.add_run(xml_text(text))
    if bold:
        run.bold = True
    if font:
        _set_fonts(run._r, font, LATIN_FONT)
    if size:
        run.font.size = Pt(size)
    if color is not None:
        run.font.color.rgb = color
    return run


def _indented(document: Document, first_chars: float = 2) -> Paragraph:
    p = document.add_paragraph()
    p.paragraph_format.left_indent = Pt(14 * first_chars)
    return p


def _summary_text(report: Mapping[str, Any]) -> str:
    sev = severity_counts(report)
    total = sum(sev.values())
    docs = len(report["documents"])
    mats = material_counts(report)
    basis = str(report["pack"].get("title") or "")
    basis = (basis if basis.startswith("《") else f"《{basis}》") if basis else f"{report['jurisdiction']}规则包"
    parts = [f"经对照{basis}的要求，"
             f"对本项目{stage_title(report)}阶段提交的材料进行了审查（审查日期 {report['as_of']}）。"]
    if mats:
        parts.append(f"本阶段涉及材料 {len(report['materials'])} 项，其中"
                     + "、".join(f"{label(MATERIAL_LABEL, s)} {n} 项" for s, n in mats) + "。")
    if docs:
        parts.append(f"核对了 {docs} 份文档的章节结构。")
    if total:
        counts = "、".join(f"{SEVERITY_LABEL[s]} {sev[s]} 项" for s in SEVERITIES if sev[s])
        parts.append(f"共发现问题 {total} 项，其中{counts}。")
        parts.append("请按以下意见逐项补正后重新提交。" if sev["error"] else "请逐项核实以下意见。")
    else:
        parts.append("未发现问题。")
    return "".join(parts)


def _findings(document: Document, report: Mapping[str, Any]) -> None:
    groups = group_findings(report)
    document.add_heading("二、审查意见", level=1)
    if not groups:
        document.add_paragraph("未发现问题。")
        return
    n = 0
    for gi, group in enumerate(groups, start=1):
        heading = group.heading
        document.add_heading(f"（{cn_number(gi)}）{xml_text(heading)}", level=2)
        for f in group.findings:
            n += 1
            p = document.add_paragraph()
            p.paragraph_format.first_line_indent = Pt(28)
            _run(p, f"{n}. ")
            _run(p, f"【{label(SEVERITY_LABEL, f['severity'])}】", bold=True)
            _run(p, f["message"])
            _run(p, f"（{f['code']}）", size=10.5, color=GREY)
            if f["citations"]:
                cp = _indented(document)
                _run(cp, "依据：", bold=True)
                for ci, c in enumerate(f["citations"]):
                    if ci:
                        _run(cp, "；")
                    _run(cp, c["text"])
                    if c.get("quote"):
                        _run(cp, f"“{c['quote']}”", font=QUOTE_FONT)
            loc = location_text(f.get("location", {}))
            if loc:
                lp = _indented(document)
                _run(lp, "位置：", bold=True)
                _run(lp, loc)


def _cell(cell: Any, text: str, *, bold: bool = False) -> None:
    p = cell.paragraphs[0]
    p.paragraph_format.space_after = Pt(0)
    p.paragraph_format.line_spacing = 1.15
    _run(p, text, bold=bold, size=10.5)


def _materials(document: Document, report: Mapping[str, Any]) -> None:
    document.add_heading("三、材料清单", level=1)
    if not report["materials"]:
        document.add_paragraph("本阶段无材料要求。")
        return
    table = document.add_table(rows=1, cols=5)
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for c, head in zip(table.rows[0].cells, ("序号", "材料", "状态", "文件", "依据"), strict=True):
        _cell(c, head, bold=True)
    for i, m in enumerate(report["materials"], start=1):
        cells = table.add_row().cells
        status = label(MATERIAL_LABEL, m["status"])
        if m.get("reason"):
            status += f"（{m['reason']}）"
        for c, text in zip(cells, (str(i), m["title"], status, "；".join(m["files"]) or "—",
                                   citation_text(m["citations"])), strict=True):
            _cell(c, text)
    widths = (Cm(1.2), Cm(4.4), Cm(3.2), Cm(3.8), Cm(3.4))
    # Word reads cell widths, LibreOffice the table grid: set both, and stop autofit.
    table.autofit = False
    for col, w in zip(table.columns, widths, strict=True):
        col.width = w
    for row in table.rows:
        for c, w in zip(row.cells, widths, strict=True):
            c.width = w


def render_docx(report: Mapping[str, Any]) -> bytes:
    document = docx.Document()
    _setup_styles(document)
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)  # A4, not the template's Letter
    section.top_margin = section.bottom_margin = Cm(2.54)
    section.left_margin = section.right_margin = Cm(2.5)

    title = f"《{project_name(report)}》{stage_title(report)}材料审查意见"
    document.add_heading(xml_text(title), level=0)

    document.add_heading("一、基本情况", level=1)
    for key, value in header_items(report)[1:]:
        if value:
            p = document.add_paragraph()
            p.paragraph_format.space_after = Pt(0)
            _run(p, f"{key}：", bold=True)
            _run(p, value)
    document.add_paragraph(xml_text(_summary_text(report))).paragraph_format.first_line_indent = Pt(28)

    _findings(document, report)
    _materials(document, report)

    closing = document.add_paragraph()
    closing.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    closing.paragraph_format.space_before = Pt(24)
    _run(closing, f"{report['as_of']}")

    props = document.core_properties
    when = as_of_datetime(report).replace(tzinfo=None)
    props.created = props.modified = props.last_printed = when
    props.author = props.last_modified_by = f"{report['tool']['name']} {report['tool']['version']}"
    props.title = xml_text(title)
    props.subject = f"{report['jurisdiction']} {report['stage']}"
    props.comments = ""
    props.revision = 1
    buf = io.BytesIO()
    document.save(buf)
    return deterministic_zip(buf.getvalue(), as_of_datetime(report))

