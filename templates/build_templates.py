"""Build the docxtpl templates that `dossier.generate` renders (GB/T 9704-2012 look).

    python templates/build_templates.py        # rewrites templates/skeleton/*.docx

One template per family: report.docx (cover, TOC field, numbered headings with guidance),
form.docx (label/value table, nested sub-table for grouped fields), table.docx (column
and row loops), plus placeholder.docx and checklist.docx for `dossier scaffold`.
Styles, numbering and settings are written as raw XML because python-docx has no API
for East Asian fonts, outline levels, multilevel lists or updateFields.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt
from docx.table import Table, _Cell

HERE = Path(__file__).resolve().parent
OUT = HERE / "skeleton"

# GB/T 9704-2012: 二号 22pt, 三号 16pt, 四号 14pt; w:sz is in half-points.
FONT_TITLE = "方正小标宋简体"
FONT_H1 = "黑体"
FONT_H2 = "楷体_GB2312"
FONT_BODY = "仿宋_GB2312"
SZ_TITLE = 44
SZ_SANHAO = 32
SZ_SIHAO = 28
SZ_WUHAO = 21
LINE_EXACT = 560  # 28pt fixed line spacing, in twentieths of a point

# Margins in twips as the standard's millimetres round to them (37/35/28/26 mm).
MARGINS = {"top": 2098, "bottom": 1984, "left": 1588, "right": 1474}

NUM_ID = 90  # numbering instance the heading styles point at; far from python-docx's own ids
GUIDANCE_STYLE = "Dossier Guidance"
MARKER = "【填写说明】"


def _fonts(name: str) -> str:
    return f'<w:rFonts w:ascii="{name}" w:hAnsi="{name}" w:eastAsia="{name}" w:cs="{name}"/>'


def _rpr(font: str, size: int, *, bold: bool = False, color: str = "") -> str:
    b = "<w:b/><w:bCs/>" if bold else '<w:b w:val="0"/><w:bCs w:val="0"/>'
    c = f'<w:color w:val="{color}"/>' if color else ""
    return f'<w:rPr>{_fonts(font)}{b}{c}<w:sz w:val="{size}"/><w:szCs w:val="{size}"/></w:rPr>'


def _style(
    style_id: str,
    name: str,
    ppr: str,
    rpr: str,
    *,
    kind: str = "paragraph",
    based_on: str = "Normal",
    next_style: str = "Normal",
    default: bool = False,
) -> str:
    base = f'<w:basedOn w:val="{based_on}"/>' if based_on else ""
    nxt = f'<w:next w:val="{next_style}"/>' if next_style else ""
    dflt = ' w:default="1"' if default else ""
    return (
        f'<w:style {nsdecls("w")} w:type="{kind}"{dflt} w:styleId="{style_id}">'
        f'<w:name w:val="{name}"/>{base}{nxt}<w:qFormat/>{ppr}{rpr}</w:style>'
    )


def _spacing(line: int = LINE_EXACT, rule: str = "exact", before: int = 0, after: int = 0) -> str:
    return f'<w:spacing w:before="{before}" w:after="{after}" w:line="{line}" w:lineRule="{rule}"/>'


def _heading(level: int, font: str, *, bold: bool) -> str:
    ppr = (
        f'<w:pPr><w:keepNext/><w:keepLines/><w:numPr><w:ilvl w:val="{level - 1}"/>'
        f'<w:numId w:val="{NUM_ID}"/></w:numPr>{_spacing()}'
        f'<w:ind w:firstLine="0" w:firstLineChars="0"/><w:jc w:val="left"/>'
        f'<w:outlineLvl w:val="{level - 1}"/></w:pPr>'
    )
    return _style(f"Heading{level}", f"heading {level}", ppr, _rpr(font, SZ_SANHAO, bold=bold))


STYLES = [
    _style(
        "Normal",
        "Normal",
        f'<w:pPr><w:widowControl/>{_spacing()}<w:ind w:firstLine="640" w:firstLineChars="200"/>'
        '<w:jc w:val="both"/></w:pPr>',
        _rpr(FONT_BODY, SZ_SANHAO),
        based_on="",
        next_style="",
        default=True,
    ),
    _style(
        "Title",
        "Title",
        f'<w:pPr>{_spacing(line=720)}<w:ind w:firstLine="0" w:firstLineChars="0"/><w:jc w:val="center"/>'
        '<w:outlineLvl w:val="9"/></w:pPr>',
        _rpr(FONT_TITLE, SZ_TITLE),
    ),
    _heading(1, FONT_H1, bold=False),
    _heading(2, FONT_H2, bold=False),
    _heading(3, FONT_BODY, bold=True),
    _heading(4, FONT_BODY, bold=False),
    _style(
        "DossierGuidance",
        GUIDANCE_STYLE,
        f'<w:pPr>{_spacing()}<w:ind w:firstLine="560" w:firstLineChars="200"/>'
        '<w:jc w:val="both"/><w:outlineLvl w:val="9"/></w:pPr>',
        _rpr(FONT_H2, SZ_SIHAO, color="7F7F7F"),
    ),
    _style(
        "DossierCover",
        "Dossier Cover",
        f'<w:pPr>{_spacing()}<w:ind w:left="1280" w:firstLine="0" w:firstLineChars="0"/>'
        '<w:jc w:val="left"/></w:pPr>',
        _rpr(FONT_BODY, SZ_SANHAO),
    ),
    _style(
        "DossierCoverCenter",
        "Dossier Cover Center",
        f'<w:pPr>{_spacing(before=480, after=480)}<w:ind w:firstLine="0" w:firstLineChars="0"/>'
        '<w:jc w:val="center"/></w:pPr>',
        _rpr(FONT_BODY, SZ_SANHAO),
    ),
    _style(
        "DossierContentsTitle",
        "Dossier Contents Title",
        f'<w:pPr><w:pageBreakBefore/>{_spacing()}<w:ind w:firstLine="0" w:firstLineChars="0"/>'
        '<w:jc w:val="center"/><w:outlineLvl w:val="9"/></w:pPr>',
        _rpr(FONT_H1, SZ_SANHAO),
    ),
    _style(
        "DossierTable",
        "Dossier Table",
        f'<w:pPr><w:snapToGrid w:val="0"/>{_spacing(line=360, rule="atLeast")}<w:ind w:firstLine="0" w:firstLineChars="0"/>'
        '<w:jc w:val="left"/></w:pPr>',
        _rpr(FONT_BODY, SZ_SIHAO),
    ),
    _style(
        "DossierTableLabel",
        "Dossier Table Label",
        f'<w:pPr><w:snapToGrid w:val="0"/>{_spacing(line=360, rule="atLeast")}<w:ind w:firstLine="0" w:firstLineChars="0"/>'
        '<w:jc w:val="center"/></w:pPr>',
        _rpr(FONT_H1, SZ_SIHAO),
    ),
    _style(
        "DossierTableSmall",
        "Dossier Table Small",
        f'<w:pPr><w:snapToGrid w:val="0"/>{_spacing(line=300, rule="atLeast")}<w:ind w:firstLine="0" w:firstLineChars="0"/>'
        '<w:jc w:val="left"/></w:pPr>',
        _rpr(FONT_BODY, SZ_WUHAO),
    ),
    _style(
        "Footer",
        "footer",
        '<w:pPr><w:spacing w:line="240" w:lineRule="auto"/><w:ind w:firstLine="0" w:firstLineChars="0"/>'
        '<w:jc w:val="center"/></w:pPr>',
        _rpr("宋体", SZ_SIHAO),
    ),
]
# Word regenerates TOC entries with the "toc N" styles; give them the body font.
for _toc in (1, 2, 3):
    STYLES.append(
        _style(
            f"TOC{_toc}",
            f"toc {_toc}",
            '<w:pPr><w:tabs><w:tab w:val="right" w:leader="dot" w:pos="8834"/></w:tabs>'
            f'{_spacing()}<w:ind w:left="{(_toc - 1) * 640}" w:firstLine="0" w:firstLineChars="0"/></w:pPr>',
            _rpr(FONT_BODY, SZ_SANHAO),
        )
    )

# Guidance inside table cells uses the same "Dossier Guidance" style: the parser looks for
# that style name, so one style serves body and cells.


def _lvl(
    ilvl: int, fmt: str, text: str, style: str, font: str, *, legal: bool = False, suff: str = "space"
) -> str:
    style_el = f'<w:pStyle w:val="{style}"/>' if style else ""
    lgl = "<w:isLgl/>" if legal else ""
    return (
        f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>{style_el}{lgl}'
        f'<w:suff w:val="{suff}"/><w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/>'
        f'<w:pPr><w:ind w:left="0" w:firstLine="0"/></w:pPr>'
        f"<w:rPr>{_fonts(font)}</w:rPr></w:lvl>"
    )


# 第一章 / 1.1 / （1） / ① : chapter in Chinese counting, isLgl turns %1 into 1 for 1.1.
ABSTRACT_NUM = (
    f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{NUM_ID}">'
    '<w:nsid w:val="5D0551E1"/><w:multiLevelType w:val="multilevel"/><w:tmpl w:val="0D05513A"/>'
    + _lvl(0, "chineseCounting", "第%1章", "Heading1", FONT_H1)
    + _lvl(1, "decimal", "%1.%2", "Heading2", FONT_H2, legal=True)
    + _lvl(2, "decimal", "（%3）", "Heading3", FONT_BODY, suff="nothing")
    + _lvl(3, "decimalEnclosedCircle", "%4", "Heading4", FONT_BODY, suff="nothing")
    + "".join(_lvl(i, "decimal", f"%{i + 1}.", "", FONT_BODY) for i in range(4, 9))
    + "</w:abstractNum>"
)
NUM = f'<w:num {nsdecls("w")} w:numId="{NUM_ID}"><w:abstractNumId w:val="{NUM_ID}"/></w:num>'

# Elements that must follow w:updateFields in CT_Settings (schema order matters to Word).
_AFTER_UPDATE_FIELDS = (
    "hdrShapeDefaults", "footnotePr", "endnotePr", "compat", "docVars", "rsids", "mathPr",
    "attachedSchema", "themeFontLang", "clrSchemeMapping", "doNotIncludeSubdocsInStats",
    "doNotAutoCompressPictures", "forceUpgrade", "captions", "readModeInkLockDown",
    "smartTagType", "schemaLibrary", "shapeDefaults", "doNotEmbedSmartTags", "decimalSymbol",
    "listSeparator",
)  # fmt: skip


def base_document(*, footer: bool = True) -> DocxDocument:
    doc = Document()
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    _page(doc, footer=footer)
    _styles(doc)
    _numbering(doc)
    _settings(doc)
    return doc


def _page(doc: DocxDocument, *, footer: bool) -> None:
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.header_distance, sec.footer_distance = Mm(15), Mm(28)
    pg = sec._sectPr.find(qn("w:pgMar"))
    for side, twips in MARGINS.items():
        pg.set(qn(f"w:{side}"), str(twips))
    pg.set(qn("w:gutter"), "0")
    # Line pitch of the 28pt body; no snapping to a grid, so tables keep their tighter lines.
    grid = sec._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = parse_xml(f"<w:docGrid {nsdecls('w')}/>")
        sec._sectPr.append(grid)
    grid.attrib.pop(qn("w:type"), None)
    grid.set(qn("w:linePitch"), str(LINE_EXACT))
    if footer:
        # Page number "— 1 —", centred; the standard's 四号 半角宋体.
        par = sec.footer.paragraphs[0]
        par.style = doc.styles["Footer"] if "Footer" in [s.name for s in doc.styles] else par.style
        par._p.append(parse_xml(f'<w:r {nsdecls("w")}><w:t xml:space="preserve">— </w:t></w:r>'))
        par._p.append(
            parse_xml(
                f'<w:fldSimple {nsdecls("w")} w:instr=" PAGE \\* MERGEFORMAT "><w:r><w:t>1</w:t></w:r></w:fldSimple>'
            )
        )
        par._p.append(parse_xml(f'<w:r {nsdecls("w")}><w:t xml:space="preserve"> —</w:t></w:r>'))


def _styles(doc: DocxDocument) -> None:
    root = doc.styles.element
    defaults = root.find(qn("w:docDefaults"))
    if defaults is not None:
        root.remove(defaults)
    root.insert(
        0,
        parse_xml(
            f"<w:docDefaults {nsdecls('w')}><w:rPrDefault><w:rPr>{_fonts(FONT_BODY)}"
            f'<w:kern w:val="2"/><w:sz w:val="{SZ_SANHAO}"/><w:szCs w:val="{SZ_SANHAO}"/>'
            '<w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/></w:rPr></w:rPrDefault>'
            f"<w:pPrDefault><w:pPr>{_spacing()}</w:pPr></w:pPrDefault></w:docDefaults>"
        ),
    )
    new = [parse_xml(x) for x in STYLES]
    ids = {s.get(qn("w:styleId")) for s in new}
    for old in root.findall(qn("w:style")):
        if old.get(qn("w:styleId")) in ids:
            root.remove(old)
    for s in new:
        root.append(s)


def _numbering(doc: DocxDocument) -> None:
    numbering = doc.part.numbering_part.element
    first_num = numbering.find(qn("w:num"))
    abstract = parse_xml(ABSTRACT_NUM)
    if first_num is not None:
        first_num.addprevious(abstract)
    else:
        numbering.append(abstract)
    numbering.append(parse_xml(NUM))


def _settings(doc: DocxDocument) -> None:
    settings = doc.settings.element
    update = parse_xml(f'<w:updateFields {nsdecls("w")} w:val="true"/>')
    after = [settings.find(qn(f"w:{t}")) for t in _AFTER_UPDATE_FIELDS]
    anchor = next((a for a in after if a is not None), None)
    if anchor is not None:
        anchor.addprevious(update)
    else:
        settings.append(update)
    lang = settings.find(qn("w:themeFontLang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")


def para(doc: DocxDocument | _Cell, text: str, style: str) -> Any:
    p = doc.add_paragraph(text)
    p.style = style
    return p


def toc_field(doc: DocxDocument) -> None:
    """A complex TOC field; Word fills it on open because settings say updateFields."""
    p = doc.add_paragraph()
    p.style = "Normal"
    p.paragraph_format.first_line_indent = 0
    p._p.append(parse_xml(f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="begin" w:dirty="true"/></w:r>'))
    p._p.append(
        parse_xml(
            f'<w:r {nsdecls("w")}><w:instrText xml:space="preserve"> TOC \\o "1-3" \\h \\z \\u </w:instrText></w:r>'
        )
    )
    p._p.append(parse_xml(f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="separate"/></w:r>'))
    p._p.append(
        parse_xml(
            f"<w:r {nsdecls('w')}><w:t>（打开文档时自动生成目录；如未生成，请右键“更新域”。）</w:t></w:r>"
        )
    )
    p._p.append(parse_xml(f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="end"/></w:r>'))


def page_break(doc: DocxDocument) -> None:
    p = doc.add_paragraph()
    p.paragraph_format.first_line_indent = 0
    p._p.append(parse_xml(f'<w:r {nsdecls("w")}><w:br w:type="page"/></w:r>'))


def grid_table(
    container: DocxDocument | _Cell, rows: int, cols: int, widths_pct: list[int] | None = None
) -> Table:
    t = container.add_table(rows=rows, cols=cols)
    t.style = "Table Grid"
    tbl_pr = t._tbl.tblPr
    for old in tbl_pr.findall(qn("w:tblW")):
        tbl_pr.remove(old)
    tbl_pr.append(parse_xml(f'<w:tblW {nsdecls("w")} w:w="5000" w:type="pct"/>'))
    if widths_pct:
        total = 8844  # text width in twips: 210 mm less 28 + 26 mm margins
        for col, pct in zip(t._tbl.tblGrid.findall(qn("w:gridCol")), widths_pct, strict=True):
            col.set(qn("w:w"), str(total * pct // 100))
    return t


def cell_text(cell: _Cell, text: str, style: str) -> None:
    p = cell.paragraphs[0]
    p.text = text
    p.style = style
    if style == GUIDANCE_STYLE:
        # Body guidance is indented two characters; inside a cell it starts flush.
        p._p.get_or_add_pPr().append(
            parse_xml(f'<w:ind {nsdecls("w")} w:firstLine="0" w:firstLineChars="0"/>')
        )


def build_report() -> DocxDocument:
    doc = base_document()
    title = para(doc, "{{ title }}", "Title")
    title.paragraph_format.space_before = Pt(120)  # the cover title sits a third down the page
    para(doc, "{{ project_name }}", "Dossier Cover Center")
    para(doc, "{%p for f in cover %}", "Dossier Cover")
    para(doc, "{{ f.label }}：{{ f.value }}", "Dossier Cover")
    para(doc, "{%p endfor %}", "Dossier Cover")
    para(doc, "{{ cover_date }}", "Dossier Cover Center")
    para(doc, "目　　录", "Dossier Contents Title")
    toc_field(doc)
    page_break(doc)
    para(doc, "{%p for s in sections %}", "Normal")
    for level in (1, 2, 3, 4):
        tag = "if" if level == 1 else ("elif" if level < 4 else "else")
        cond = f" s.level == {level}" if level < 4 else ""
        para(doc, f"{{%p {tag}{cond} %}}", "Normal")
        para(doc, "{{ s.title }}", f"Heading {level}")
    para(doc, "{%p endif %}", "Normal")
    para(doc, "{%p for g in s.notes %}", GUIDANCE_STYLE)
    para(doc, "{{ g }}", GUIDANCE_STYLE)
    para(doc, "{%p endfor %}", GUIDANCE_STYLE)
    para(doc, "{%p endfor %}", "Normal")
    return doc


def _sub_table(cell: _Cell) -> None:
    """A sub-table whose columns are the row's child fields, with three blank lines."""
    sub = grid_table(cell, 4, 3)
    cell_text(sub.cell(0, 0), "{%tc for c in r.columns %}", "Dossier Table")
    cell_text(sub.cell(0, 1), "{{ c }}", "Dossier Table Small")
    cell_text(sub.cell(0, 2), "{%tc endfor %}", "Dossier Table")
    for row in (1, 2, 3):
        cell_text(sub.cell(row, 0), "{%tc for c in r.columns %}", "Dossier Table")
        cell_text(sub.cell(row, 1), "", "Dossier Table")
        cell_text(sub.cell(row, 2), "{%tc endfor %}", "Dossier Table")
    cell.add_paragraph("")  # Word requires a paragraph after a nested table in a cell


def build_form() -> DocxDocument:
    doc = base_document()
    para(doc, "{{ title }}", "Title")
    para(doc, "{%p for g in notes %}", GUIDANCE_STYLE)
    para(doc, "{{ g }}", GUIDANCE_STYLE)
    para(doc, "{%p endfor %}", GUIDANCE_STYLE)
    t = grid_table(doc, 11, 2, [28, 72])
    # Rows that hold only a {%tr %} tag vanish when rendered; the four row kinds are
    # field (label | value), list (label | value + sub-table), group (full-width
    # heading of the rows that follow) and wide (full-width list).
    tags = {
        0: "{%tr for r in rows %}",
        1: '{%tr if r.kind == "field" %}',
        3: '{%tr elif r.kind == "list" %}',
        5: '{%tr elif r.kind == "group" %}',
        7: "{%tr else %}",
        9: "{%tr endif %}",
        10: "{%tr endfor %}",
    }
    for row, tag in tags.items():
        cell_text(t.cell(row, 0), tag, "Dossier Table")
    cell_text(t.cell(2, 0), "{{ r.title }}", "Dossier Table Label")
    cell_text(t.cell(2, 1), "{{ r.note }}", GUIDANCE_STYLE)
    cell_text(t.cell(4, 0), "{{ r.title }}", "Dossier Table Label")
    cell_text(t.cell(4, 1), "{{ r.note }}", GUIDANCE_STYLE)
    _sub_table(t.cell(4, 1))
    for row, with_sub in ((6, False), (8, True)):
        merged = t.cell(row, 0).merge(t.cell(row, 1))
        cell_text(merged, "{{ r.title }}", "Dossier Table Label")
        note = merged.add_paragraph("{{ r.note }}")
        note.style = GUIDANCE_STYLE
        note._p.get_or_add_pPr().append(
            parse_xml(f'<w:ind {nsdecls("w")} w:firstLine="0" w:firstLineChars="0"/>')
        )
        if with_sub:
            _sub_table(merged)
    return doc


def build_table() -> DocxDocument:
    doc = base_document()
    para(doc, "{{ title }}", "Title")
    para(doc, "{%p for g in notes %}", GUIDANCE_STYLE)
    para(doc, "{{ g }}", GUIDANCE_STYLE)
    para(doc, "{%p endfor %}", GUIDANCE_STYLE)
    t = grid_table(doc, 4, 3)
    cell_text(t.cell(0, 0), "{%tc for c in columns %}", "Dossier Table")
    cell_text(t.cell(0, 1), "{{ c }}", "Dossier Table Small")
    cell_text(t.cell(0, 2), "{%tc endfor %}", "Dossier Table")
    cell_text(t.cell(1, 0), "{%tr for r in rows %}", "Dossier Table")
    cell_text(t.cell(2, 0), "{%tc for v in r.cells %}", "Dossier Table")
    cell_text(t.cell(2, 1), "{{ v }}", "Dossier Table Small")
    cell_text(t.cell(2, 2), "{%tc endfor %}", "Dossier Table")
    cell_text(t.cell(3, 0), "{%tr endfor %}", "Dossier Table")
    para(doc, "{%p for g in row_notes %}", GUIDANCE_STYLE)
    para(doc, "{{ g }}", GUIDANCE_STYLE)
    para(doc, "{%p endfor %}", GUIDANCE_STYLE)
    return doc


def build_placeholder() -> DocxDocument:
    doc = base_document(footer=False)
    para(doc, "{%p for g in notes %}", GUIDANCE_STYLE)
    para(doc, "{{ g }}", GUIDANCE_STYLE)
    para(doc, "{%p endfor %}", GUIDANCE_STYLE)
    return doc


def build_checklist() -> DocxDocument:
    doc = base_document()
    para(doc, "{{ title }}", "Title")
    para(doc, "{%p for line in header %}", "Dossier Table")
    para(doc, "{{ line }}", "Dossier Table")
    para(doc, "{%p endfor %}", "Dossier Table")
    heads = ["序号", "材料", "是否需要", "理由", "依据", "位置"]
    t = grid_table(doc, 4, len(heads), [7, 20, 10, 30, 15, 18])
    for i, h in enumerate(heads):
        cell_text(t.cell(0, i), h, "Dossier Table Small")
        t.cell(0, i).paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    cell_text(t.cell(1, 0), "{%tr for r in rows %}", "Dossier Table Small")
    for i, key in enumerate(("number", "title", "required", "reason", "citations", "location")):
        cell_text(t.cell(2, i), f"{{{{ r.{key} }}}}", "Dossier Table Small")
    cell_text(t.cell(3, 0), "{%tr endfor %}", "Dossier Table Small")
    # Header row repeats on each page.
    t.rows[0]._tr.get_or_add_trPr().append(parse_xml(f"<w:tblHeader {nsdecls('w')}/>"))
    return doc


TEMPLATES = {
    "report.docx": build_report,
    "form.docx": build_form,
    "table.docx": build_table,
    "placeholder.docx": build_placeholder,
    "checklist.docx": build_checklist,
}


def build(out_dir: Path = OUT) -> list[Path]:
    written = []
    for name, builder in TEMPLATES.items():
        doc = builder()
        # Fixed core properties keep rebuilt templates comparable.
        props = doc.core_properties
        props.author = "dossier"
        props.title = name.removesuffix(".docx")
        props.comments = "Generated by templates/build_templates.py"
        props.revision = 1
        props.created = props.modified = dt.datetime(2024, 1, 1)
        props.last_modified_by = "dossier"
        path = out_dir / name
        doc.save(str(path))
        written.append(path)
    return written


if __name__ == "__main__":
    for p in build(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT):
        print(p)
