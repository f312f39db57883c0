"""The 审查意见 (review opinion) as DOCX, laid out after GB/T 9704-2012 (党政机关公文格式)
so a reviewer can send it as it is: A4, margins 37/35/28/26 mm (top/bottom/left/right),
body 仿宋 三号 at a fixed 22 lines a page, title 小标宋 二号, 一级 headings 黑体, 二级 楷体,
page numbers "— 1 —" in 四号宋体 (odd pages right, even pages left, one character in),
tables whose header row repeats on every page, the 成文日期 in Chinese with a block for
the 审查单位 above it. No tool banner in the body (the tool is named in the properties).

Built with python-docx; the raw XML it needs (East Asian fonts, fields, repeated table
headers) stays in this module."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import docx
from docx.document import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from dossier.codes_zh import settle_text
from dossier.render.common import (
    MATERIAL_LABEL,
    SEVERITIES,
    SEVERITY_LABEL,
    as_of_datetime,
    citation_text,
    cn_number,
    deterministic_zip,
    group_findings,
    label,
    location_text,
    material_counts,
    project_name,
    severity_counts,
    stage_title,
    xml_text,
)
from dossier.render.names import cn_date, report_jurisdiction

# GB/T 9704-2012 7.1, 7.2: type area 156 × 225 mm on A4, 22 lines of 28 characters.
PAGE_W, PAGE_H = Mm(210), Mm(297)
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = Mm(37), Mm(35), Mm(28), Mm(26)
LINE = Pt(28.95)  # 225 mm / 22 lines
BODY_SIZE = Pt(16)  # 三号
TITLE_SIZE = Pt(22)  # 二号
PAGE_NUMBER_SIZE = Pt(14)  # 四号
TABLE_SIZE = Pt(12)  # 小四: tables carry more text per line than prose
CHAR = BODY_SIZE  # one full-width character of body text

BODY_FONT = "仿宋_GB2312"
TITLE_FONT = "方正小标宋简体"
H1_FONT = "黑体"
H2_FONT = "楷体_GB2312"
PAGE_NUMBER_FONT = "宋体"
LATIN_FONT = "Times New Roman"
BLACK = RGBColor(0, 0, 0)


def _set_fonts(rpr_owner: Any, east_asia: str, latin: str = LATIN_FONT) -> None:
    """Explicit fonts on a style or run; theme fonts would override them, so drop those."""
    rpr = rpr_owner.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:cs"), latin)


def _exact(fmt: Any, height: Any) -> None:
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = height


def _setup_styles(document: Document) -> None:
    styles = document.styles
    normal = styles["Normal"]
    _set_fonts(normal.element, BODY_FONT)
    normal.font.size = BODY_SIZE
    normal.font.color.rgb = BLACK
    pf = normal.paragraph_format
    _exact(pf, LINE)
    pf.space_before = pf.space_after = Pt(0)
    pf.widow_control = False  # a fixed line grid: Word must not push lines to the next page
    for name, font, size in (("Title", TITLE_FONT, TITLE_SIZE), ("Heading 1", H1_FONT, BODY_SIZE),
                             ("Heading 2", H2_FONT, BODY_SIZE)):
        style = styles[name]
        _set_fonts(style.element, font, font if name == "Title" else LATIN_FONT)
        style.font.size = size
        style.font.bold = False  # 黑体/小标宋 are heavy already; faux bold smears CJK glyphs
        style.font.italic = False
        style.font.color.rgb = BLACK
        spf = style.paragraph_format
        spf.space_before = spf.space_after = Pt(0)
        _exact(spf, LINE)
        spf.first_line_indent = 2 * CHAR
        spf.keep_with_next = True
    title = styles["Title"].paragraph_format
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.first_line_indent = Pt(0)
    _exact(title, Pt(35))
    # The default Title style draws a blue rule under itself; a 公文 title has none.
    ppr = styles["Title"].element.pPr
    if ppr is not None:
        for border in ppr.findall(qn("w:pBdr")):
            ppr.remove(border)


def _run(p: Paragraph, text: str, *, font: str | None = None, size: Any = None) -> Run:
    run = p.add_run(xml_text(text))
    if font:
        _set_fonts(run._r, font, font if font != BODY_FONT else LATIN_FONT)
    if size is not None:
        run.font.size = size
    return run


def _body(document: Document, text: str = "", *, indent: bool = True) -> Paragraph:
    p = document.add_paragraph()
    if indent:
        p.paragraph_format.first_line_indent = 2 * CHAR
    if text:
        _run(p, text)
    return p


# -- page numbers ----------------------------------------------------------------------

def _field(p: Paragraph, instruction: str, shown: str, size: Any) -> None:
    """A simple field (PAGE) as begin/instr/separate/result/end runs, so every reader updates it."""
    def run_with(child: Any) -> None:
        r = _run(p, "", font=PAGE_NUMBER_FONT, size=size)
        r._r.append(child)

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run_with(instr)
    sep = OxmlElement("w:fldChar")
    sep.set(qn("w:fldCharType"), "separate")
    run_with(sep)
    _run(p, shown, font=PAGE_NUMBER_FONT, size=size)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


def _page_number(p: Paragraph, *, odd: bool) -> None:
    """GB/T 9704 7.5: "— 1 —" in 四号半角宋体, odd pages right and even pages left, one character in."""
    p.paragraph_format.first_line_indent = Pt(0)
    _exact(p.paragraph_format, Pt(18))
    if odd:
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        p.paragraph_format.right_indent = CHAR
    else:
        p.alignment = WD_ALIGN_PARAGRAPH.LEFT
        p.paragraph_format.left_indent = CHAR
    _run(p, "— ", font=PAGE_NUMBER_FONT, size=PAGE_NUMBER_SIZE)
    _field(p, "PAGE", "1", PAGE_NUMBER_SIZE)
    _run(p, " —", font=PAGE_NUMBER_FONT, size=PAGE_NUMBER_SIZE)


def _setup_page(document: Document) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = PAGE_W, PAGE_H  # A4, not the template's Letter
    section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
    section.left_margin, section.right_margin = MARGIN_LEFT, MARGIN_RIGHT
    section.header_distance = Mm(15)
    section.footer_distance = Mm(25)  # the number sits about 7 mm under the last text line
    document.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer.paragraphs[0], odd=True)
    _page_number(section.even_page_footer.paragraphs[0], odd=False)


# -- tables ----------------------------------------------------------------------------

def _repeat_header(table: Table) -> None:
    """The first row repeats at the top of every page (w:tblHeader) and never splits."""
    trpr = table.rows[0]._tr.get_or_add_trPr()
    for tag in ("w:tblHeader", "w:cantSplit"):
        el = OxmlElement(tag)
        el.set(qn("w:val"), "true")
        trpr.append(el)


def _cell(cell: Any, text: str, *, header: bool = False) -> None:
    p = cell.paragraphs[0]
    pf = p.paragraph_format
    pf.first_line_indent = Pt(0)
    pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    if header:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(p, text, font=H1_FONT if header else None, size=TABLE_SIZE)


def _table(document: Document, heads: Sequence[str], rows: Sequence[Sequence[str]], widths_mm: Sequence[float]) -> Table:
    table = document.add_table(rows=1, cols=len(heads))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for c, head in zip(table.rows[0].cells, heads, strict=True):
        _cell(c, head, header=True)
    _repeat_header(table)
    for values in rows:
        for c, text in zip(table.add_row().cells, values, strict=True):
            _cell(c, text)
    # Word reads cell widths, LibreOffice the table grid: set both, and stop autofit.
    table.autofit = False
    for col, w in zip(table.columns, widths_mm, strict=True):
        col.width = Mm(w)
    for row in table.rows:
        for c, w in zip(row.cells, widths_mm, strict=True):
            c.width = Mm(w)
    return table


# -- content ---------------------------------------------------------------------------

def regulation(report: Mapping[str, Any]) -> str:
    title = str(report["pack"].get("title") or "")
    if not title:
        return f"{report_jurisdiction(report)}政务信息化项目管理规定"
    return title if title.startswith("《") else f"《{title}》"


def opinion_title(report: Mapping[str, Any]) -> str:
    return f"关于{project_name(report)}{stage_title(report)}材料的审查意见"


def _opening(report: Mapping[str, Any]) -> str:
    return (f"根据{regulation(report)}，我们对{report_jurisdiction(report)}{project_name(report)}"
            f"{stage_title(report)}阶段提交的材料进行了审查。现将审查意见函告如下：")


def _summary(report: Mapping[str, Any]) -> str:
    sev = severity_counts(report)
    total = sum(sev.values())
    parts = []
    mats = material_counts(report)
    if mats:
        parts.append(f"本阶段涉及材料{len(report['materials'])}项，其中"
                     + "、".join(f"{label(MATERIAL_LABEL, s)}{n}项" for s, n in mats) + "。")
    if report["documents"]:
        parts.append(f"核对了{len(report['documents'])}份文档的章节结构。")
    if total:
        counts = "、".join(f"{SEVERITY_LABEL[s]}{sev[s]}项" for s in SEVERITIES if sev[s])
        parts.append(f"共发现问题{total}项，其中{counts}。")
    else:
        parts.append("未发现问题。")
    return "".join(parts)


def _basic(document: Document, report: Mapping[str, Any]) -> None:
    document.add_heading("一、基本情况", level=1)
    facts = [("项目名称", project_name(report)), ("所属地区", report_jurisdiction(report)),
             ("审查阶段", stage_title(report)), ("审查依据", regulation(report)),
             ("审查日期", cn_date(report["as_of"])), ("送审材料", str(report.get("input") or ""))]
    for key, value in facts:
        if value:
            _body(document, f"{key}：{value}")
    _body(document, _summary(report))


def _findings(document: Document, report: Mapping[str, Any]) -> None:
    document.add_heading("二、存在的问题及整改要求", level=1)
    groups = group_findings(report)
    if not groups:
        _body(document, "经审查，未发现问题。")
        return
    n = 0
    for gi, group in enumerate(groups, start=1):
        document.add_heading(f"（{cn_number(gi)}）{xml_text(group.heading)}", level=2)
        for f in group.findings:
            n += 1
            message = str(f["message"]).rstrip("。")
            _body(document, f"{n}.【{label(SEVERITY_LABEL, f['severity'])}】{message}。")
            if f.get("citations"):
                cite = citation_text(f["citations"])
                quotes = [str(c["quote"]) for c in f["citations"] if c.get("quote")]
                _body(document, f"依据：{cite}" + (f"（“{'；'.join(quotes)}”）" if quotes else "") + "。")
            settle = settle_text(str(f["code"]))
            if settle:
                _body(document, f"整改要求：{settle}")
            loc = location_text(f.get("location", {}))
            if loc:
                _body(document, f"位置：{loc}。")


def _materials(document: Document, report: Mapping[str, Any]) -> None:
    document.add_heading("三、材料核对情况", level=1)
    if not report["materials"]:
        _body(document, "本阶段无材料要求。")
        return
    rows = []
    for i, m in enumerate(report["materials"], start=1):
        status = label(MATERIAL_LABEL, m["status"])
        if m.get("reason"):
            status += f"（{m['reason']}）"
        rows.append((str(i), str(m["title"]), status, "；".join(m["files"]) or "—", citation_text(m["citations"])))
    _table(document, ("序号", "材料", "状态", "文件", "依据"), rows, (14, 40, 28, 42, 32))


def _finding_table(document: Document, report: Mapping[str, Any]) -> None:
    document.add_heading("四、问题清单", level=1)
    if not report["findings"]:
        _body(document, "无。")
        return
    rows = []
    n = 0
    for group in group_findings(report):
        for f in group.findings:
            n += 1
            rows.append((str(n), label(SEVERITY_LABEL, f["severity"]), str(f["message"]),
                         citation_text(f.get("citations", [])), location_text(f.get("location", {}))))
    _table(document, ("序号", "级别", "问题", "依据", "位置"), rows, (14, 14, 60, 32, 36))


def _closing(document: Document, report: Mapping[str, Any], unit: str) -> None:
    sev = severity_counts(report)
    if sev["error"]:
        _body(document, "请按上述意见逐项补正后重新提交。")
    elif sum(sev.values()):
        _body(document, "请逐项核实上述意见。")
    for _ in range(2):
        _body(document, indent=False)
    # GB/T 9704 7.3.5: the date sits four characters in from the right, the issuer above it.
    signer = _body(document, f"审查单位：{unit}" if unit else "审查单位（盖章）：", indent=False)
    signer.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    signer.paragraph_format.right_indent = 4 * CHAR if unit else 8 * CHAR
    dated = _body(document, cn_date(report["as_of"]), indent=False)
    dated.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    dated.paragraph_format.right_indent = 4 * CHAR


def render_docx(report: Mapping[str, Any], *, unit: str = "") -> bytes:
    """The 审查意见 of `report`; `unit` names the 审查单位 (a blank for the seal when empty)."""
    document = docx.Document()
    _setup_styles(document)
    _setup_page(document)

    title = opinion_title(report)
    document.add_heading(xml_text(title), level=0)
    _body(document, indent=False)
    _body(document, _opening(report))
    _basic(document, report)
    _findings(document, report)
    _materials(document, report)
    _finding_table(document, report)
    _closing(document, report, xml_text(unit))

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
