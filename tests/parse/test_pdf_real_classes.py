"""Issue 13, the PDF side: one test per class of heading error found on real PDFs
(corpus/real/judged/, benchmarks/headings_real.py), each on a document built here — a PDF
written byte by byte when the class lives in how pdfium reports the page, lines otherwise."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from test_pdf import L as make_line

from dossier.parse.layout import Line, Mark, Page, key, lines_to_tree, name_length
from dossier.parse.pdf import parse_pdf

W, H = 595.0, 842.0


# ---------------------------------------------------------------- a PDF written by hand
def _pdf(pages: list[bytes], fonts: dict[str, bytes], extra: list[bytes] | None = None) -> bytes:
    """A minimal PDF: one content stream per page, `fonts` (resource name → font dict
    body), `extra` objects appended after them (numbered from 3 + 2·pages + fonts)."""
    objs: list[bytes] = []
    n_pages = len(pages)
    font_ids = {name: 3 + 2 * n_pages + i for i, name in enumerate(fonts)}
    res = b"<< /Font << " + b" ".join(b"/%s %d 0 R" % (n.encode(), i) for n, i in font_ids.items()) + b" >> >>"
    kids = b" ".join(b"%d 0 R" % (3 + 2 * k) for k in range(n_pages))
    objs.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objs.append(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, n_pages))
    for k, content in enumerate(pages):
        objs.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources %s /Contents %d 0 R >>"
            % (res, 4 + 2 * k)
        )
        objs.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
    objs += list(fonts.values())
    objs += extra or []
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (i, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


HELVETICA = {
    "F1": b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    "F2": b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold >>",
}
BODY = b"The system is deployed on the shared cloud platform of the district and"


def _text(font: str, size: float, x: float, y: float, text: bytes, *, scaled: bool) -> bytes:
    """One line; `scaled`: the font set at 1 pt and scaled by the text matrix, as Word's
    and many printers' PDFs do, rather than set at its size."""
    if scaled:
        return b"BT /%s 1 Tf %g 0 0 %g %g %g Tm (%s) Tj ET" % (font.encode(), size, size, x, y, text)
    return b"BT /%s %g Tf %g %g Td (%s) Tj ET" % (font.encode(), size, x, y, text)


def _report_page(scaled: bool) -> bytes:
    """Unnumbered headings 14 pt over a 12 pt body, in the same face: only the size tells."""
    ops = []
    y = 760.0
    for heading in (b"Scope", b"Requirements"):
        ops.append(_text("F1", 14, 72, y, heading, scaled=scaled))
        y -= 24
        for _ in range(4):
            ops.append(_text("F1", 12, 72, y, BODY, scaled=scaled))
            y -= 16
        ops.append(_text("F1", 12, 72, y, b"the network.", scaled=scaled))
        y -= 30
    return b"\n".join(ops)


def _heads(path: Path) -> list[tuple[int, str, str]]:
    tree = parse_pdf(path, ocr=False)
    return [(h.level, h.label, h.title) for h in tree.walk()]


def test_font_size_scaled_by_the_text_matrix_is_the_size(tmp_path: Path) -> None:
    """Real class: Word/printer PDFs set every font at 1 pt and scale it by the text
    matrix; pdfium's font size is then 1.0 for all lines and a heading set only larger
    (12 pt semibold in a mixed-font document) was missed. The size is the font size times
    the char matrix's scale, so both ways of writing the page read the same."""
    for scaled in (False, True):
        path = tmp_path / f"scaled-{scaled}.pdf"
        path.write_bytes(_pdf([_report_page(scaled)], HELVETICA))
        got = _heads(path)
        assert got == [(1, "", "Scope"), (1, "", "Requirements")], (scaled, got)


def _two_column_page() -> bytes:
    """A paper page: a full-width title, then two columns whose lines sit at the same
    heights; a numbered bold heading heads each column."""
    ops = [_text("F2", 18, 150, 790, b"A Paper Set In Two Columns", scaled=True)]
    left = b"Lines of the left column run up to the gutter of it and"
    right = b"Lines of the right column start at the gutter of it"
    for x, text, heading in ((50, left, b"1. Introduction"), (305, right, b"2. Method")):
        y = 740.0
        ops.append(_text("F2", 12, x, y, heading, scaled=True))
        y -= 20
        for _ in range(14):
            ops.append(_text("F1", 9, x, y, text, scaled=True))
            y -= 12
    return b"\n".join(ops)


def test_two_columns_are_read_one_after_the_other(tmp_path: Path) -> None:
    """Real class (a Chinese journal paper): the two columns' lines at one height were
    joined into one line of two cells — a table row — so no heading was found. Columns are
    found per page (a gutter few lines cross, column-wide lines on both sides) before
    lines are joined, and read left column first."""
    path = tmp_path / "two-columns.pdf"
    path.write_bytes(_pdf([_two_column_page()], HELVETICA))
    tree = parse_pdf(path, ocr=False)
    assert [(h.label, h.title) for h in tree.walk()] == [("1.", "Introduction"), ("2.", "Method")]
    intro, method = tree.headings
    assert intro.blocks and all(b.kind == "text" and "left column" in b.text for b in intro.blocks)
    assert method.blocks and all(b.kind == "text" and "right column" in b.text for b in method.blocks)


def _type3_math_font(first_obj: int) -> tuple[bytes, list[bytes]]:
    """A Type3 font whose one glyph maps (ToUnicode) to U+1D44E MATHEMATICAL ITALIC SMALL
    A, outside the BMP, as XeLaTeX math fonts do: pdfium hands it over as two UTF-16 halves."""
    cmap = (
        b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /M def "
        b"1 begincodespacerange <00> <FF> endcodespacerange "
        b"1 beginbfchar <41> <D835DC4E> endbfchar endcmap CMapName currentdict /CMap defineresource pop end end"
    )
    glyph = b"500 0 0 0 400 500 d1 0 0 400 500 re f"
    font = (
        b"<< /Type /Font /Subtype /Type3 /FontBBox [0 0 500 500] /FontMatrix [0.001 0 0 0.001 0 0] "
        b"/CharProcs << /a %d 0 R >> /Encoding << /Type /Encoding /Differences [65 /a] >> "
        b"/FirstChar 65 /LastChar 65 /Widths [500] /ToUnicode %d 0 R >>" % (first_obj, first_obj + 1)
    )
    extra = [
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(glyph), glyph),
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(cmap), cmap),
    ]
    return font, extra


def test_characters_outside_the_bmp_in_a_real_pdf_do_not_crash(tmp_path: Path) -> None:
    """Real class: a XeLaTeX PDF with math letters crashed with "UnicodeEncodeError …
    surrogates" at the first write. The page text reaches the tree as valid Unicode."""
    fonts = dict(HELVETICA)
    first_extra = 3 + 2 * 1 + len(fonts) + 1  # after the page, its content and the fonts + F3
    fonts["F3"], extra = _type3_math_font(first_extra)
    page = b"\n".join(
        [
            _text("F2", 20, 200, 800, b"Notes on Models", scaled=False),
            _text("F2", 16, 72, 760, b"Theorem", scaled=False),
            _text("F1", 12, 72, 730, b"For every x the value", scaled=False),
            _text("F3", 12, 200, 730, b"A", scaled=False),
            _text("F1", 12, 72, 714, b"holds in the model.", scaled=False),
        ]
    )
    path = tmp_path / "math.pdf"
    path.write_bytes(_pdf([page], fonts, extra))
    tree = parse_pdf(path, ocr=False)
    text = json.dumps(tree.as_dict(), ensure_ascii=False)
    text.encode("utf-8")  # no lone surrogate anywhere
    assert [h.title for h in tree.walk()] == ["Theorem"]


# ---------------------------------------------------------------- lines
def L(page: int, top: float, text: str, *, font: str = "SimSun", **kw: Any) -> Line:
    """test_pdf's line builder, set in SimSun (the real files' body face) unless told."""
    return make_line(page, top, text, font=font, **kw)


PARA = "项目建设单位按照全区政务信息化总体规划统筹推进数据共享和业务协同，系统依托区级政务云平台部署。"


def _body(page: int, top: float, n: int = 3) -> list[Line]:
    return [L(page, top + 20 * k, PARA[:34], x1=505) for k in range(n)] + [L(page, top + 20 * n, "按期推进。", x1=160)]


def _tree(lines: list[Line], marks: list[Mark] | None = None) -> tuple[str, list[tuple[int, str, str]]]:
    pages = [Page(n, W, H, tuple(ln for ln in lines if ln.page == n)) for n in sorted({ln.page for ln in lines})]
    title, _pre, heads = lines_to_tree(Path("t.pdf"), pages, marks or [], ocr=False)
    return title, [(h.level, h.label, h.title) for root in heads for h in root.walk()]


def test_a_cover_page_after_a_form_page_is_not_headings() -> None:
    """Real class (实践报告): page 1 is a form, page 2 the cover (计算机实习 / 项目总结报告 /
    （每人一份）, large 黑体, centred). Centred unnumbered lines before the first heading are
    the cover's, not chapters; the chapters that follow keep level 1."""
    lines = [L(1, 80, "课程编号：3152100601 学生姓名 某某", x0=120, x1=480)]
    lines += [
        L(2, 100, "计算机实习", size=22, x0=242, x1=352, font="SimHei"),
        L(2, 160, "项目总结报告", size=22, x0=231, x1=363, font="SimHei"),
        L(2, 190, "（每人一份）", size=15, x0=252, x1=343, font="SimHei"),
        L(2, 300, "日 期： 2021 年 9 月 12 日", size=14, x0=213, x1=420),
        L(3, 80, "一 .项目开发及运行环境", size=14),
        *_body(3, 110),
        L(3, 220, "二 .项目心得及体会", size=14),
        *_body(3, 250),
    ]
    _title, flat = _tree(lines)
    assert flat == [(1, "一 .", "项目开发及运行环境"), (1, "二 .", "项目心得及体会")]


def test_lead_ins_and_bullets_are_not_headings_however_set() -> None:
    """Real class: "初始化相关模块：" set larger than the body heads a list, not a section;
    a bullet item in a larger list font is an item."""
    lines = [
        L(1, 40, "设计报告", size=22, bold=True, x0=262, x1=350, font="DengXian-Bold"),
        L(1, 80, "模块详细设计", size=16, bold=True, font="DengXian-Bold"),
        *_body(1, 110),
        L(1, 200, "初始化相关模块：", size=14),
        L(1, 220, "• 数据库连接与表单初始化", size=14, x0=110),
        *_body(1, 240),
    ]
    _title, flat = _tree(lines)
    assert flat == [(1, "", "模块详细设计")]


def test_an_outline_that_names_the_headings_is_the_only_source() -> None:
    """Real class (Word export with bookmarks): when most outline entries are lines of the
    text, the outline is the document's list of headings and a larger line it lacks is body."""
    lines = [
        L(1, 40, "设计报告", size=22, x0=262, x1=350),
        L(1, 80, "系统总体设计", size=18),
        *_body(1, 110),
        L(1, 200, "读取功能模块", size=14),
        *_body(1, 220),
        L(1, 320, "接口定义规范", size=16),
        *_body(1, 350),
        L(1, 440, "数据库相关模块", size=16),
        *_body(1, 470),
    ]
    marks = [Mark(key(t), lv, 1, t) for t, lv in (("系统总体设计", 1), ("接口定义规范", 2), ("数据库相关模块", 2))]
    _title, flat = _tree(lines, marks)
    assert flat == [(1, "", "系统总体设计"), (2, "", "接口定义规范"), (2, "", "数据库相关模块")]


def test_an_outline_over_an_unreadable_text_layer_gives_the_headings() -> None:
    """Real class (a GM/T standard): glyphs without a Unicode map read as garbage, so no
    outline entry is a line of the text; the headings are the outline's, not the garbage
    lines that happen to start with a number."""
    lines = [L(1, 80, "６．１．１ <=KL", size=14), *_body(1, 110), L(2, 80, "６．２ '()*", size=14), *_body(2, 110)]
    marks = [
        Mark(key(t), lv, pg, t)
        for t, lv, pg in (("目录", 1, 1), ("1. 范围", 1, 1), ("6.1 电子印章", 2, 1), ("6.2 电子签章", 2, 2))
    ]
    _title, flat = _tree(lines, marks)
    assert flat == [(1, "1.", "范围"), (2, "6.1", "电子印章"), (2, "6.2", "电子签章")]


def test_the_outline_root_over_all_entries_is_the_title() -> None:
    """Real class ("every level one too deep"): the outline's single top entry is the
    document's name set large at the top of page 1; it is the title, and the chapters under
    it are level 1."""
    lines = [L(1, 60, "面向对象设计", size=29, bold=True), L(1, 110, "概述", size=18, bold=True), *_body(1, 140)]
    lines += [L(1, 240, "模式应用", size=18, bold=True), *_body(1, 270)]
    marks = [Mark(key(t), lv, 1, t) for t, lv in (("面向对象设计", 1), ("概述", 2), ("模式应用", 2))]
    title, flat = _tree(lines, marks)
    assert title == "面向对象设计"
    assert flat == [(1, "", "概述"), (1, "", "模式应用")]


def test_a_long_bracketed_sibling_wrapped_over_a_double_spaced_gap() -> None:
    """Real class: "二 .项目内容（说明个人负责的内容部分，如：问题分析、设计" wraps onto a second
    line at double spacing; the open bracket joins them and, as the next sibling of 一, the
    long guidance does not make it a paragraph."""
    lines = [
        L(1, 80, "一 .项目开发及运行环境（说明本项目需要的环境）", size=14, x1=420),
        *_body(1, 110),
        L(1, 230, "二 .项目内容（说明个人负责的内容部分，如：问题分析、设计", size=14, x1=503),
        L(1, 261, "方案、算法、设计图、功能分析、系统设计等）", size=14, x1=385),
        *_body(1, 300),
    ]
    _title, flat = _tree(lines)
    assert [f[2] for f in flat] == [
        "项目开发及运行环境(说明本项目需要的环境)",
        "项目内容(说明个人负责的内容部分,如:问题分析、设计方案、算法、设计图、功能分析、系统设计等)",
    ]


def test_latin_headings_are_measured_in_words() -> None:
    """Real class: "Pre-Digital Era (19th - Early 20th Century)" is 37 letters but a short
    name; numbered items that run on after a colon are items."""
    assert name_length("Key Features That Changed Word Processing") == 12
    assert name_length("项目建设必要性") == 7
    body = "The origins of word processing can be traced back to the typewriter in the"
    lines = [
        L(1, 80, "Pre-Digital Era (19th - Early 20th Century)", size=13.4, bold=True, x1=322, font="Times-Bold"),
        *[L(1, 100 + 14 * k, body, x1=505, font="Times") for k in range(4)],
        L(1, 160, "1. Undo/Redo: Introduced in the 1980s, the ability to", x0=108, x1=400, font="Times"),
        *[L(1, 175 + 14 * k, body, x1=505, font="Times") for k in range(4)],
    ]
    _title, flat = _tree(lines)
    assert flat == [(1, "", "Pre-Digital Era (19th - Early 20th Century)")]


def test_latex_section_numbers_before_latin_titles_are_one_ladder() -> None:
    """Real class (a ctex document): "1 你好中国" is a numbered chapter, and "2 math" set
    the same size was read as an unnumbered heading of its own look, one level under 1.2.
    A bare number before a Latin title counts as numbering on a line set as a heading."""
    lines = [
        L(1, 60, "1 你好中国", size=15, bold=True, font="LMRoman12-Bold"),
        *_body(1, 90),
        L(1, 180, "1.1 Hello Beijing", size=12, bold=True, font="LMRoman12-Bold"),
        *_body(1, 200),
        L(1, 290, "2 math", size=15, bold=True, font="LMRoman12-Bold"),
        *_body(1, 320),
        L(1, 410, "2 apples were on the table", size=12),
    ]
    _title, flat = _tree(lines)
    assert flat == [(1, "1", "你好中国"), (2, "1.1", "Hello Beijing"), (1, "2", "math")]


def test_a_school_year_on_a_cover_is_not_a_heading() -> None:
    """Real class: "2021-2022 学年第 1 学期" on a report's cover read as a numbered heading."""
    lines = [
        L(1, 100, "2021-2022 学年第 1 学期", size=22, x0=176, x1=420, font="SimHei"),
        L(1, 140, "项目总结报告", size=22, x0=231, x1=363, font="SimHei"),
        L(2, 80, "一、项目概述", size=14),
        *_body(2, 110),
    ]
    _title, flat = _tree(lines)
    assert flat == [(1, "一、", "项目概述")]


def test_the_first_of_a_heading_style_is_not_the_title() -> None:
    """Held-out class: "JavaScript Code Example" heads page 1 as the largest line, and
    "Formula" is set exactly alike on page 2: both are sections; the document has no title."""
    lines = [L(1, 60, "JavaScript Code Example", size=14.3, bold=True, x1=260, font="CMBX12"), *_body(1, 90)]
    lines += [L(2, 60, "Formula", size=14.3, bold=True, font="CMBX12"), *_body(2, 90)]
    title, flat = _tree(lines)
    assert title == ""
    assert flat == [(1, "", "JavaScript Code Example"), (1, "", "Formula")]


def test_bold_smaller_than_the_body_is_a_call_out() -> None:
    """Held-out class: a figure's bold labels ("Tightened nut", 9.9 pt on an 11.5 pt body)
    are not headings; a bold heading at body size still is."""
    lines = [
        L(1, 60, "系统架构", size=12, bold=True, font="SimHei-Bold"),
        *_body(1, 90),
        L(1, 200, "前端负载均衡", size=9.9, bold=True, x0=300, x1=360, font="MyriadPro-Bold"),
        *_body(1, 230),
    ]
    _title, flat = _tree(lines)
    assert flat == [(1, "", "系统架构")]


def _fangsong(page: int, top: float, n: int = 3, size: float = 16) -> list[Line]:
    lines = [L(page, top + 28 * k, PARA[:28], size=size, x1=505, font="FangSong_GB2312") for k in range(n)]
    return [*lines, L(page, top + 28 * n, "特此通知。", size=size, x1=170, font="FangSong_GB2312")]


def test_a_gongwen_frame_and_title_in_a_pdf() -> None:
    """Issue 13's 公文 class, on the PDF side: the 版头 (the largest line) and 发文字号 frame
    the document; the title is the 关于…的通知 under them (both of its lines), 主送机关 and
    落款 are not sections, and 一、 / （一） are the headings."""
    xbs = "FZXiaoBiaoSong-B05S"
    lines = [
        L(1, 100, "某某市人民政府办公室文件", size=36, x0=100, x1=495, font=xbs),
        L(1, 190, "某府办发〔2023〕12号", size=16, x0=220, x1=380, font="FangSong_GB2312"),
        L(1, 260, "某某市人民政府办公室", size=22, x0=180, x1=410, font=xbs),
        L(1, 292, "关于印发数字政府建设实施方案的通知", size=22, x0=110, x1=485, font=xbs),
        L(1, 350, "各区县人民政府，市政府各部门：", size=16, x1=420, font="FangSong_GB2312"),
        *_fangsong(1, 380),
        L(1, 520, "一、总体要求", size=16, x0=122, x1=220, font="SimHei"),
        *_fangsong(1, 550),
        L(2, 80, "（一）指导思想", size=16, x0=122, x1=240, font="KaiTi_GB2312"),
        *_fangsong(2, 110),
        L(2, 260, "二、保障措施", size=16, x0=122, x1=220, font="SimHei"),
        *_fangsong(2, 290),
        L(2, 500, "某某市人民政府办公室", size=16, x0=300, x1=480, font="FangSong_GB2312"),
        L(2, 530, "2023年5月6日", size=16, x0=330, x1=460, font="FangSong_GB2312"),
        L(2, 700, "抄送：市委办公室。", size=14, x1=300, font="FangSong_GB2312"),
    ]
    title, flat = _tree(lines)
    assert title == "某某市人民政府办公室关于印发数字政府建设实施方案的通知"
    assert flat == [(1, "一、", "总体要求"), (2, "（一）", "指导思想"), (1, "二、", "保障措施")]


def test_a_standard_cover_foreword_and_terms_in_a_pdf() -> None:
    """Issue 13's GB/T 1.1 class, on the PDF side: ICS, the standard's number, 中华人民共和国
    国家标准 and the 发布/实施 dates are the cover; the standard's name is the title; 前言 is
    a sibling of 1 范围 (not their parent, which put every chapter one level too deep); its
    ——第1部分 list is not headings; a term's number on a line of its own joins its term."""
    hei = "SimHei"
    lines = [
        L(1, 60, "ICS 35.040", size=10.5, x0=70, x1=140, font=hei),
        L(1, 110, "中华人民共和国国家标准", size=26, x0=150, x1=445, font=hei),
        L(1, 160, "GB/T 25070—2019", size=14, x0=400, x1=520, font=hei),
        L(1, 300, "信息安全技术 网络安全等级保护安全设计技术要求", size=22, x0=60, x1=535, font=hei),
        L(1, 700, "2019-05-10 发布", size=14, x0=70, x1=180, font=hei),
        L(2, 60, "前    言", size=16, x0=260, x1=335, font=hei),
        *_fangsong(2, 90, size=10.5),
        L(2, 190, "——第1部分：总则；", size=10.5, x1=300),
        L(3, 60, "1 范围", size=10.5, x0=70, x1=140, font=hei),
        *_fangsong(3, 80, size=10.5),
        L(3, 200, "3 术语和定义", size=10.5, x0=70, x1=200, font=hei),
        L(3, 220, "3.1", size=10.5, x0=70, x1=100, font=hei),
        L(3, 236, "等级保护对象", size=10.5, x0=90, x1=170, font=hei),
        *_fangsong(3, 252, size=10.5),
    ]
    title, flat = _tree(lines)
    assert title == "信息安全技术网络安全等级保护安全设计技术要求"
    assert flat == [(1, "", "前言"), (1, "1", "范围"), (1, "3", "术语和定义"), (2, "3.1", "等级保护对象")]


def test_back_matter_after_numbered_chapters_is_a_chapter() -> None:
    """Real class (a Chinese journal paper): 参考文献 （References）, unnumbered after "３ 结 束
    语", was read as a child of the last chapter; front and back matter (前言, 摘要, 参考文献,
    致谢) are the chapters' siblings. A full-width "２ ＬＡＷＳ的…" is numbered like "１ 国际…"."""
    hei = "SimHei"
    lines = [
        L(1, 60, "１ 国际社会对ＬＡＷＳ定义的认识", size=12, font=hei),
        *_body(1, 90),
        L(1, 180, "１．１ 目前已提出的定义", size=10.5, font=hei),
        *_body(1, 200),
        L(1, 290, "２ ＬＡＷＳ的定义方法研究", size=12, font=hei),
        *_body(1, 320),
        L(1, 410, "参考文献 （Ｒｅｆｅｒｅｎｃｅｓ）", size=10.5, x0=150, x1=330, font=hei),
        L(1, 430, "［１］ＨｕｍａｎＲｉｇｈｔｓＷａｔｃｈ．Ｌｏｓｉｎｇ Ｈｕｍａｎｉｔｙ．２０１２．", size=9, x1=505),
    ]
    _title, flat = _tree(lines)
    assert [(lv, lab) for lv, lab, _t in flat] == [(1, "１"), (2, "１．１"), (1, "２"), (1, "")]
    assert flat[-1][2] == "参考文献 (References)"
