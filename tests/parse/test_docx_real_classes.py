"""Heading precision on the kinds of Word files people actually send (issue 13): each test
builds one small document inline that reproduces a class of mistake seen on real files,
and asserts what a reader sees as headings."""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from docx.document import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Pt

from dossier.errors import InputError
from dossier.parse import parse_file
from dossier.parse.ooxml import is_encrypted_ooxml
from dossier.tree import DocumentTree

Parse = Callable[..., DocumentTree]
PROSE = "本项目依据相关规划开展建设，围绕业务需求完善系统功能，提升数据共享和业务协同水平，并按期完成各项任务。"


def outline(tree: DocumentTree) -> list[tuple[int, str, str]]:
    return [(h.level, h.label, h.title) for h in tree.walk()]


def titles(tree: DocumentTree) -> list[str]:
    return [h.title for h in tree.walk()]


def line(d: Document, text: str, *, size: float | None = None, bold: bool = False, font: str = "",
         centre: bool = False, style: str | None = None) -> None:  # fmt: skip
    para = d.add_paragraph(style=style)
    run = para.add_run(text)
    if size is not None:
        run.font.size = Pt(size)
    run.bold = bold or None
    if font:
        run.font.name = font
        run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
    if centre:
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER


def prose(d: Document, n: int = 2, size: float | None = None) -> None:
    for _ in range(n):
        line(d, PROSE, size=size)


def test_body_runs_bigger_than_normal_are_body(parse: Parse) -> None:
    """Normal is 10.5 pt but every run is 12 pt: the body is 12 pt, and short 12 pt lines
    in it are not headings; the 一、/（一） headings keep their levels."""
    d = docx.Document()
    line(d, "一、编制背景", size=12, bold=True)
    prose(d, size=12)
    line(d, "项目名称：城市运行管理平台", size=12)
    line(d, "建设单位", size=12)
    prose(d, size=12)
    line(d, "（一）政策依据", size=12, bold=True)
    prose(d, size=12)
    line(d, "二、主要内容", size=12, bold=True)
    prose(d, size=12)
    assert outline(parse(d)) == [(1, "一、", "编制背景"), (2, "（一）", "政策依据"), (1, "二、", "主要内容")]


def test_wps_numbered_style_ids_are_not_heading_levels(parse: Parse) -> None:
    """WPS numbers style ids in order: "1" is Normal, "2" heading 1, "3" footer. Only the
    style named heading 1 is a heading."""
    d = docx.Document()
    styles = d.styles.element
    normal = next(s for s in styles.iterchildren(qn("w:style")) if s.get(qn("w:default")) == "1"
                  and s.get(qn("w:type")) == "paragraph")  # fmt: skip
    normal.set(qn("w:styleId"), "1")
    for sid, name in (("2", "heading 1"), ("3", "footer")):
        styles.append(parse_xml(
            f'<w:style {nsdecls("w")} w:type="paragraph" w:styleId="{sid}"><w:name w:val="{name}"/>'
            f'<w:basedOn w:val="1"/></w:style>'
        ))  # fmt: skip
    for text, sid in (("项目概述", "2"), ("正文第一段。", "1"), ("页脚文字", "3"), ("建设内容", "2")):
        para = d.add_paragraph(text)
        para._p.get_or_add_pPr().append(parse_xml(f'<w:pStyle {nsdecls("w")} w:val="{sid}"/>'))
    assert outline(parse(d)) == [(1, "", "项目概述"), (1, "", "建设内容")]


def test_gongwen_frame_is_not_headings_and_title_is_the_title(parse: Parse) -> None:
    """GB/T 9704: 版头, 发文字号, a title over two lines, 主送机关, 落款, 成文日期, 抄送 and
    印发 lines around 一、/（一） headings."""
    d = docx.Document()
    line(d, "某某市人民政府办公厅文件", size=26, bold=True, centre=True)
    line(d, "某府办发〔2023〕12号", size=16, centre=True)
    line(d, "关于印发《某某市政务信息化项目管理办法》", size=22, font="方正小标宋简体", centre=True)
    line(d, "的通知", size=22, font="方正小标宋简体", centre=True)
    line(d, "各区县人民政府，市政府各部门：", size=16, font="仿宋_GB2312")
    for head, sub in (("一、总体要求", "（一）工作目标"), ("二、保障措施", "（一）加强组织领导")):
        line(d, head, size=16, font="黑体")
        line(d, PROSE, size=16, font="仿宋_GB2312")
        line(d, sub, size=16, font="楷体_GB2312")
        line(d, PROSE, size=16, font="仿宋_GB2312")
    line(d, "附件：某某市政务信息化项目管理办法", size=16, font="仿宋_GB2312")
    line(d, "某某市人民政府办公厅", size=16, font="仿宋_GB2312")
    line(d, "2023年5月6日", size=16, font="仿宋_GB2312")
    line(d, "抄送：市委办公厅，市人大常委会办公厅。", size=14, font="仿宋_GB2312")
    line(d, "某某市人民政府办公厅        2023年5月6日印发", size=14, font="仿宋_GB2312")
    tree = parse(d)
    assert tree.title == "关于印发《某某市政务信息化项目管理办法》的通知"
    assert outline(tree) == [
        (1, "一、", "总体要求"),
        (2, "（一）", "工作目标"),
        (1, "二、", "保障措施"),
        (2, "（一）", "加强组织领导"),
    ]


def test_standard_cover_and_foreword_items_are_not_headings(parse: Parse) -> None:
    """GB/T 1.1: ICS/标准号 cover lines, 20XX-XX-XX发布/实施, 前言 list items (——第1部分),
    then chapters 1 范围 / 2 规范性引用文件 / 3 术语和定义 / 3.1 at their own levels."""
    d = docx.Document()
    line(d, "ICS 35.240.01", size=10.5)
    line(d, "GB/T 00000—2023", size=14, bold=True)
    line(d, "政务信息系统 项目文档编制规范", size=26, bold=True, font="黑体", centre=True)
    line(d, "2023-01-01发布", size=14, font="黑体")
    line(d, "2023-07-01实施", size=14, font="黑体")
    line(d, "前言", size=16, font="黑体", centre=True)
    line(d, "本文件是《政务信息系统》的第2部分。已经发布了以下部分：")
    line(d, "——第1部分：总则；")
    line(d, "——第2部分：项目文档编制规范。")
    prose(d)
    for head in ("1 范围", "2 规范性引用文件", "3 术语和定义"):
        line(d, head, font="黑体", bold=True)
        prose(d)
    line(d, "3.1 政务信息系统", font="黑体", bold=True)
    prose(d)
    tree = parse(d)
    assert tree.title == "政务信息系统项目文档编制规范"  # CJK letter spacing collapsed, as for any title
    assert [(lv, t) for lv, _, t in outline(tree)] == [
        (1, "前言"), (1, "范围"), (1, "规范性引用文件"), (1, "术语和定义"), (2, "政务信息系统"),
    ]  # fmt: skip


def test_standard_drafting_template_styles(parse: Parse) -> None:
    """GB/T 1.1 drafting templates name their heading styles 章标题 / 一级条标题 / 二级条标题."""
    d = docx.Document()
    for name in ("标准文件_章标题", "标准文件_一级条标题", "标准文件_二级条标题"):
        d.styles.add_style(name, 1)
    line(d, "范围", style="标准文件_章标题")
    prose(d)
    line(d, "术语和定义", style="标准文件_章标题")
    line(d, "政务信息系统", style="标准文件_一级条标题")
    prose(d)
    line(d, "数据共享", style="标准文件_二级条标题")
    prose(d)
    assert [(lv, t) for lv, _, t in outline(parse(d))] == [(1, "范围"), (1, "术语和定义"), (2, "政务信息系统"), (3, "数据共享")]


def test_word_list_items_set_like_the_body_are_not_headings(parse: Parse) -> None:
    """List Number paragraphs (numbering from the style) in body format are list items,
    however short; a numbered heading that stands out is still one."""
    d = docx.Document()
    line(d, "一、建设内容", bold=True, size=14)
    prose(d)
    line(d, "本期建设内容包括：")
    for item in ("统一身份认证", "数据共享交换", "业务协同办理"):
        d.add_paragraph(item, style="List Number")
    prose(d)
    line(d, "二、投资估算", bold=True, size=14)
    prose(d)
    assert titles(parse(d)) == ["建设内容", "投资估算"]


def test_plain_outline_numbering_is_sections_plain_list_numbering_is_items(parse: Parse) -> None:
    """A multi-level Word list whose levels show their parents' numbers (1 / 1.1) numbers
    sections even on plain paragraphs; a one-level list (1. 2. 3.) set like the body is a list."""
    d = docx.Document()
    d.part.numbering_part._element = parse_xml(
        f'<w:numbering {nsdecls("w")}>'
        '<w:abstractNum w:abstractNumId="0">'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1"/></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1.%2"/></w:lvl>'
        "</w:abstractNum>"
        '<w:abstractNum w:abstractNumId="1">'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/></w:lvl>'
        "</w:abstractNum>"
        '<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>'
        '<w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num>'
        "</w:numbering>"
    )

    def numbered(text: str, num: int, ilvl: int) -> None:
        para = d.add_paragraph(text)
        para._p.get_or_add_pPr().append(parse_xml(
            f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num}"/></w:numPr>'
        ))  # fmt: skip

    numbered("项目概述", 1, 0)
    prose(d)
    numbered("建设背景", 1, 1)
    prose(d)
    for item in ("统一身份认证", "数据共享交换"):
        numbered(item, 2, 0)
    prose(d)
    numbered("建设内容", 1, 0)
    prose(d)
    assert outline(parse(d)) == [(1, "1", "项目概述"), (2, "1.1", "建设背景"), (1, "2", "建设内容")]


def test_typed_list_items_and_numbered_clauses_are_not_headings(parse: Parse) -> None:
    d = docx.Document()
    line(d, "1. 项目概述", bold=True, size=14)
    prose(d)
    line(d, "参考资料：")
    line(d, "1. 《政务信息化项目建设管理办法》")
    line(d, "2. 《政务信息系统整合共享实施方案》")
    line(d, "a. 硬件")
    line(d, "b. 软件")
    line(d, "1. 本项目总投资为三百万元，资金来源为财政资金，分两年安排到位。")
    prose(d)
    line(d, "2. 建设内容", bold=True, size=14)
    prose(d)
    assert titles(parse(d)) == ["项目概述", "建设内容"]


def test_captions_and_bold_lead_ins_are_not_headings(parse: Parse) -> None:
    d = docx.Document()
    line(d, "一、系统架构", bold=True, size=14)
    prose(d)
    for cap in ("图 1 总体架构", "表 1 投资估算表", "表格 2 设备清单", "图表 3 数据流向", "图5-1 部署视图"):
        line(d, cap, bold=True)
        prose(d, 1)
    para = d.add_paragraph()
    para.add_run("建设目标：").bold = True
    para.add_run("通过三年建设，形成统一的数据底座。")
    line(d, "组号  44", bold=True)
    line(d, "版本 <1.0>", bold=True)
    line(d, "2016-6-15", bold=True)
    line(d, "}", bold=True)
    line(d, "create table news(", bold=True)
    prose(d)
    line(d, "二、运行维护", bold=True, size=14)
    prose(d)
    assert titles(parse(d)) == ["系统架构", "运行维护"]


def test_typed_contents_with_glued_page_numbers(parse: Parse) -> None:
    """A hand-typed 目录 whose page numbers are glued on ("1.1目的4") and whose headings
    Word numbers itself is not read as headings."""
    d = docx.Document()
    line(d, "软件项目计划", size=26, bold=True, centre=True)
    line(d, "目录")
    for entry in ("1.简介4", "1.1目的4", "1.2范围4", "2.项目概述5"):
        line(d, entry)
    line(d, "1. 简介", size=18)
    d.add_heading("目的", 2)
    prose(d)
    d.add_heading("范围", 2)
    prose(d)
    line(d, "2. 项目概述", size=18)
    prose(d)
    tree = parse(d)
    assert tree.title == "软件项目计划"
    assert titles(tree) == ["简介", "目的", "范围", "项目概述"]


def test_template_name_above_a_typed_ladder_is_the_title(parse: Parse) -> None:
    d = docx.Document()
    d.add_heading("集成测试计划(ISO标准)", 3)
    for head in ("1.引言", "1.1编写目的", "2.计划", "2.1系统说明"):
        line(d, head)
        line(d, "[说明编写这份测试计划的目的，指出预期的读者范围。]" * 2)
    tree = parse(d)
    assert tree.title == "集成测试计划(ISO标准)"
    assert outline(tree) == [(1, "1.", "引言"), (2, "1.1", "编写目的"), (1, "2.", "计划"), (2, "2.1", "系统说明")]


def test_styled_heading_below_a_typed_chapter_keeps_its_depth(parse: Parse) -> None:
    """第二章 typed in body style, then 2.2 in Heading 2: the section stays under the chapter."""
    d = docx.Document()
    d.add_heading("第一章 引言", 1)
    prose(d)
    line(d, "第二章 任务概述", bold=True, size=16)
    line(d, "2.1目标", bold=True, size=14)
    prose(d)
    d.add_heading("2.2测试环境", 2)
    prose(d)
    assert [lv for lv, _, _ in outline(parse(d))] == [1, 1, 2, 2]


def test_prose_set_in_a_heading_style_is_a_paragraph(parse: Parse) -> None:
    d = docx.Document()
    d.add_heading("项目概述", 1)
    d.add_heading(PROSE, 2)  # a whole paragraph someone formatted as Heading 2
    d.add_heading("建设内容", 2)
    prose(d)
    assert titles(parse(d)) == ["项目概述", "建设内容"]


# ------------------------------------------------------------------------ packages


def _rezip(src: Path, dst: Path, edit: Callable[[str, bytes], tuple[str, bytes] | None]) -> Path:
    """Copy a .docx part by part through `edit` (new name and bytes, or None to keep)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            got = edit(info.filename, data)
            name, data = got if got is not None else (info.filename, data)
            zout.writestr(name, data)
    return dst


def _sample(build: Callable[..., Path]) -> Path:
    d = docx.Document()
    d.add_heading("项目概述", 1)
    prose(d)
    d.add_heading("建设内容", 2)
    prose(d)
    return build(d)


def test_office365_main_part_document2(build: Callable[..., Path], tmp_path: Path) -> None:
    """Office 365 may store the main part as word/document2.xml: _rels/.rels names it."""

    def edit(name: str, data: bytes) -> tuple[str, bytes] | None:
        if name == "word/document.xml":
            return "word/document2.xml", data
        if name == "word/_rels/document.xml.rels":
            return "word/_rels/document2.xml.rels", data
        if name in ("_rels/.rels", "[Content_Types].xml"):
            return name, data.replace(b"word/document.xml", b"word/document2.xml")
        return None

    tree = parse_file(_rezip(_sample(build), tmp_path / "o365.docx", edit))
    assert outline(tree) == [(1, "", "项目概述"), (2, "", "建设内容")]


def test_strict_ooxml_is_read(build: Callable[..., Path], tmp_path: Path) -> None:
    """ISO 29500 Strict: the same elements in the purl.oclc.org namespaces."""
    pairs = (
        (b"http://schemas.openxmlformats.org/wordprocessingml/2006/main", b"http://purl.oclc.org/ooxml/wordprocessingml/main"),
        (b"http://schemas.openxmlformats.org/officeDocument/2006/relationships", b"http://purl.oclc.org/ooxml/officeDocument/relationships"),
    )  # fmt: skip

    def edit(name: str, data: bytes) -> tuple[str, bytes] | None:
        if name.endswith((".xml", ".rels")):
            for a, b in pairs:
                data = data.replace(a, b)
            return name, data
        return None

    tree = parse_file(_rezip(_sample(build), tmp_path / "strict.docx", edit))
    assert outline(tree) == [(1, "", "项目概述"), (2, "", "建设内容")]


def _cfb_with(*streams: str) -> bytes:
    """A compound-file header and one directory sector naming `streams` (what Office writes
    around an encrypted package; the detector reads only the directory names)."""
    head = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    entries = b""
    for name in ("Root Entry", *streams):
        raw = name.encode("utf-16-le") + b"\x00\x00"
        entries += raw + bytes(64 - len(raw)) + struct.pack("<H", len(raw)) + bytes(62)
    return head + entries.ljust(512, b"\x00")


def test_password_protected_docx_is_one_clear_refusal(tmp_path: Path) -> None:
    path = tmp_path / "加密.docx"
    path.write_bytes(_cfb_with("EncryptionInfo", "EncryptedPackage", "\x06DataSpaces"))
    with pytest.raises(InputError, match="加密文件，无法读取") as e:
        parse_file(path)
    assert e.value.path == str(path)
    assert not is_encrypted_ooxml(_write(tmp_path / "plain.doc", _cfb_with("WordDocument", "1Table")))


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# ------------------------------------------------- classes from the held-out real files
# (corpus/real/manifest.yaml `set: held-out`: 公文, procurement documents, library test files)


def _numbering(d: Document, *levels: tuple[int, int, str, str]) -> None:
    """numId 1 over one abstract list; levels as (ilvl, unused, numFmt, lvlText)."""
    lv = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/></w:lvl>'
        for i, _, fmt, text in levels
    )
    d.part.numbering_part._element = parse_xml(
        f'<w:numbering {nsdecls("w")}><w:abstractNum w:abstractNumId="0">{lv}</w:abstractNum>'
        '<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num></w:numbering>'
    )


def _in_list(d: Document, text: str, ilvl: int, *, bold: bool = False, style: str | None = None) -> None:
    line(d, text, bold=bold, style=style)
    d.paragraphs[-1]._p.get_or_add_pPr().append(
        parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{ilvl}"/><w:numId w:val="1"/></w:numPr>')
    )


def test_nested_word_list_with_bold_items_is_a_list(parse: Parse) -> None:
    """A design document's report outline as a Word list: bold "1. 执行摘要" items, each
    opening deeper bullet items set like the body, are a list, not four sections."""
    d = docx.Document()
    _numbering(d, (0, 0, "decimal", "%1."), (1, 0, "bullet", "o"))
    line(d, "风控检查报告结构", bold=True, size=14)
    prose(d)
    for head, items in (("执行摘要", ("总体风险等级评估", "关键问题汇总")), ("详细检查结果", ("各类检查结果", "问题定位截图"))):
        _in_list(d, head, 0, bold=True)
        for item in items:
            _in_list(d, item, 1)
    line(d, "智能定位系统", bold=True, size=14)
    prose(d)
    assert titles(parse(d)) == ["风控检查报告结构", "智能定位系统"]


def test_a_document_of_list_paragraphs_has_no_headings(parse: Parse) -> None:
    """A library's test file holding only List Paragraph items (II. / C. / 1.) and no prose:
    without body text to compare with, the list style still says these are items."""
    d = docx.Document()
    _numbering(d, (0, 0, "upperRoman", "%1."), (1, 0, "upperLetter", "%2."), (2, 0, "decimal", "%3."))
    for text, ilvl in (("expect I", 0), ("expect A", 1), ("expect B", 1), ("expect 1", 2)):
        _in_list(d, text, ilvl, style="List Paragraph")
    assert titles(parse(d)) == []


def test_run_in_fields_of_a_tender_notice_are_not_headings(parse: Parse) -> None:
    """招标公告: "2.1 建设地点: 安徽省…" lines are fields with their values on the line, and
    "2.4 标段划分:" among them is a blank field; "一、项目编号：DYB…" is a run-in field too.
    "3.1 通用资格条件" heads its clauses."""
    d = docx.Document()
    line(d, "1. 招标条件", bold=True)
    prose(d)
    line(d, "2. 项目概况与招标范围", bold=True)
    line(d, "2.1 建设地点:    安徽省亳州市蒙城县")
    line(d, "2.2 规模:      51MW")
    line(d, "2.3 标段划分:")
    line(d, "2.4 交货期:     2021年4月至2022年4月")
    line(d, "3. 投标人资格要求", bold=True)
    line(d, "3.1 通用资格条件")
    prose(d)
    line(d, "4. 采购项目需求", bold=True)
    line(d, "一、项目编号：DYBWCG2021-JZ-019-1", bold=True)
    line(d, "二、项目基本情况", bold=True)
    prose(d)
    assert titles(parse(d)) == ["招标条件", "项目概况与招标范围", "投标人资格要求", "通用资格条件", "采购项目需求", "项目基本情况"]


def test_a_marked_clause_keeps_its_number(parse: Parse) -> None:
    """Procurement documents mark substantive clauses with ▲ or ★ before the number: the
    mark stays with the label, the clause is the 二、/三、 sibling of 一、."""
    d = docx.Document()
    line(d, "一、项目基本情况", bold=True)
    prose(d)
    line(d, "▲ 二、申请人的资格要求：", bold=True)
    prose(d)
    line(d, "▲三、招标文件的获取", bold=True)
    prose(d)
    assert outline(parse(d)) == [(1, "一、", "项目基本情况"), (1, "▲ 二、", "申请人的资格要求"), (1, "▲三、", "招标文件的获取")]


def test_annex_label_is_frame_and_the_line_after_names_the_annex(parse: Parse) -> None:
    """GB/T 9704 annexes: "附件一" alone at the top of the annex, then its title (often
    centred): the title is the section, one level below the chapter, whether centred or not."""
    d = docx.Document()
    line(d, "第五章  附件", bold=True, size=16)
    line(d, "附件一", bold=True)
    line(d, "谈判响应书", bold=True, size=16)
    prose(d)
    line(d, "附件二：", bold=True)
    line(d, "初次报价表", bold=True, size=16, centre=True)
    prose(d)
    assert outline(parse(d)) == [(1, "第五章", "附件"), (2, "", "谈判响应书"), (2, "", "初次报价表")]


def test_a_contents_list_named_for_its_document(parse: Parse) -> None:
    """"谈判文件目录" over chapter lines without page numbers: a typed 目录, so each chapter is
    reported once, where it starts."""
    d = docx.Document()
    line(d, "谈判文件目录", bold=True, size=18)
    for ch in ("第一章   竞争性谈判采购公告", "第二章   采购项目需求"):
        line(d, ch, bold=True, size=15)
    line(d, "第一章  竞争性谈判采购公告", bold=True, size=16)
    prose(d)
    line(d, "第二章  采购项目需求", bold=True, size=16)
    prose(d)
    assert outline(parse(d)) == [(1, "第一章", "竞争性谈判采购公告"), (1, "第二章", "采购项目需求")]


def test_closing_formulas_notes_and_minutes_labels_are_not_sections(parse: Parse) -> None:
    """"特此声明。" and a bracketed note set in a heading style, and a 纪要's 出席 / 列席 labels
    set in 黑体 like its headings, name no section."""
    d = docx.Document()
    d.add_heading("声明函", 2)
    prose(d)
    d.add_heading("特此声明。", 2)
    d.add_heading("承诺函", 2)
    d.add_heading("（内容包括：主要设备、专业技术人员、公司资质等）", 2)
    prose(d)
    for text in ("一、会议议定事项", "出席", "列席", "二、责任分工"):
        line(d, text, font="黑体", size=16)
        prose(d, size=16)
    assert titles(parse(d)) == ["声明函", "承诺函", "会议议定事项", "责任分工"]


def test_template_metadata_styles_are_front_matter(parse: Parse) -> None:
    """A pandoc 公文 template's Author and Date lines are front matter under the Title, not
    sections, even where the template built their styles on a heading style (as the real
    one built Author on its heading 1)."""
    d = docx.Document()
    for name in ("Author", "Date"):
        st = d.styles.add_style(name, 1)
        st.base_style = d.styles["Heading 1"]
        st.font.size = Pt(16)
    d.add_paragraph("测试文段", style="Title")
    d.add_paragraph("诸葛亮、亮葛诸", style="Author")
    d.add_paragraph("2025年3月1日", style="Date")
    prose(d)
    d.add_heading("一级标题a", 1)
    prose(d)
    tree = parse(d)
    assert titles(tree) == ["一级标题a"] and tree.title == "测试文段"


def test_a_sentence_with_an_outline_level_is_body_text(parse: Parse) -> None:
    """A 可研's body paragraph carrying an outline level of its own (no heading style, no
    number) and ending in "。" is read as body; the 黑体 numbered list-paragraph headings are
    the sections."""
    d = docx.Document()
    _numbering(d, (0, 0, "chineseCounting", "%1、"))
    for head, body in (("服务范围", "中国西部国际博览城国际展览展示中心红线范围内的会议服务。"), ("服务内容", PROSE)):
        _in_list(d, head, 0, style="List Paragraph")
        d.paragraphs[-1].runs[0].font.name = "黑体"
        d.paragraphs[-1].runs[0]._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "黑体")
        line(d, body)
        d.paragraphs[-1]._p.get_or_add_pPr().append(parse_xml(f'<w:outlineLvl {nsdecls("w")} w:val="1"/>'))
        prose(d)
    assert titles(parse(d)) == ["服务范围", "服务内容"]


def test_a_briefing_titled_like_a_masthead_has_that_title(parse: Parse) -> None:
    """A 简报's own name ("“我的刀盾”网络动态简报") has the shape of a 版头 but is the title
    when no other line is."""
    d = docx.Document()
    line(d, "“我的刀盾”网络动态简报", size=22, centre=True)
    line(d, "一、导语", size=16, font="黑体")
    prose(d, size=16)
    assert parse(d).title == "“我的刀盾”网络动态简报"


def test_a_cover_set_one_character_per_line_is_not_the_title(parse: Parse) -> None:
    """"竞/争/性" set one character per line, larger than the centred name above: "竞" is
    not the title."""
    d = docx.Document()
    line(d, "东阳市歌山镇农贸市场经营管理权项目", size=22, bold=True, centre=True)
    for ch in "竞争性":
        line(d, ch, size=26, bold=True, centre=True)
    line(d, "第一章  采购公告", size=16, bold=True)
    prose(d)
    assert parse(d).title == "东阳市歌山镇农贸市场经营管理权项目"


def test_a_placeholder_document_number_is_not_the_title(parse: Parse) -> None:
    """A 公文 template's 发文字号 with placeholders ("〔20XX〕XX号") is frame, never the title."""
    d = docx.Document()
    line(d, "〔20XX〕XX号", size=16, centre=True)
    line(d, "[此处输入正文内容]")
    prose(d)
    assert parse(d).title == ""


def test_a_bold_bullet_item_is_not_a_heading(parse: Parse) -> None:
    """A bold item in a bulleted Word list (List Paragraph, a bullet level) names no section,
    however it stands out from the plain items and the body."""
    d = docx.Document()
    _numbering(d, (0, 0, "bullet", "•"))
    line(d, "一、使用说明", bold=True, size=14)
    prose(d)
    for text, bold in (("斜体条目", False), ("加粗条目", True), ("下划线条目", False)):
        _in_list(d, text, 0, bold=bold, style="List Paragraph")
    prose(d)
    assert titles(parse(d)) == ["使用说明"]


def test_a_colon_ended_line_among_heading_siblings_is_a_heading(parse: Parse) -> None:
    """"3、同级政府采购监督管理部门：" set like "1、采购人信息" / "2、采购代理机构信息" just above it
    is their sibling heading; a colon-ended numbered line after body-set items still
    introduces a list."""
    d = docx.Document()
    line(d, "七、联系方式", bold=True, size=14)
    prose(d)
    for head in ("1、采购人信息", "2、采购代理机构信息", "3、同级政府采购监督管理部门："):
        line(d, head, bold=True)
        line(d, "名称：东阳市财政局采购办")
        line(d, "地址：东阳市人民北路8号")
    line(d, "八、注意事项", bold=True, size=14)
    prose(d)
    line(d, "1、满足政府采购法第二十二条规定；")
    line(d, "2、供应商为中小企业；")
    line(d, "3、本项目的特定资格要求：", bold=True)
    line(d, "营业执照经营范围中具有本次谈判相关内容。")
    assert titles(parse(d)) == ["联系方式", "采购人信息", "采购代理机构信息", "同级政府采购监督管理部门", "注意事项"]
