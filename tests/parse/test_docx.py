"""DOCX parsing: one small document per signal and per trap, built inline."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from docx.document import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Pt

from dossier.errors import InputError
from dossier.parse import ooxml, parse_file, render_text
from dossier.tree import DocumentTree

Parse = Callable[..., DocumentTree]

# Inline builders: python-docx for the ordinary parts, raw WordprocessingML for what it
# cannot write (numbering.xml, outlineLvl, content controls, TOC fields).
NS = nsdecls("w")


def raw(doc: Document, xml: str) -> None:
    """Append raw body-level XML (w:p, w:tbl, w:sdt …) before the section properties."""
    body = doc.element.body
    body.insert(len(body) - 1, parse_xml(_ns(xml)))


def _ns(xml: str) -> str:
    # Declare the w namespace on the root element of the fragment.
    end = xml.index(">")
    space = xml.find(" ", 0, end)
    i = space if space != -1 else end
    return xml[:i] + f" {NS}" + xml[i:]


def p(text: str, ppr: str = "", rpr: str = "") -> str:
    """A raw paragraph with one run."""
    return f'<w:p><w:pPr>{ppr}</w:pPr><w:r><w:rPr>{rpr}</w:rPr><w:t xml:space="preserve">{text}</w:t></w:r></w:p>'


def numbered(text: str, num_id: int, ilvl: int = 0, extra_ppr: str = "") -> str:
    return p(text, f'{extra_ppr}<w:numPr><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>')


def set_numbering(doc: Document, xml: str) -> None:
    doc.part.numbering_part._element = parse_xml(f"<w:numbering {NS}>{xml}</w:numbering>")


def lvl(ilvl: int, fmt: str, text: str, start: int = 1, extra: str = "") -> str:
    return (
        f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="{start}"/><w:numFmt w:val="{fmt}"/>'
        f'<w:lvlText w:val="{text}"/>{extra}</w:lvl>'
    )


def add_style(doc: Document, xml: str) -> None:
    doc.styles.element.append(parse_xml(_ns(xml)))


def new() -> Document:
    return docx.Document()


def outline(tree: DocumentTree) -> list[tuple[int, str, str]]:
    """(level, label, title) of every heading, in document order."""
    return [(h.level, h.label, h.title) for h in tree.walk()]


H1 = '<w:pStyle w:val="Heading1"/>'


def body_para(doc, text: str) -> None:
    doc.add_paragraph(text)


# ----------------------------------------------------------------------------- styles


def test_heading_styles_by_name(parse: Parse) -> None:
    d = new()
    d.add_heading("项目概述", 1)
    d.add_paragraph("正文。")
    d.add_heading("建设背景", 2)
    d.add_paragraph("正文。")
    d.add_heading("需求分析", 1)
    assert outline(parse(d)) == [(1, "", "项目概述"), (2, "", "建设背景"), (1, "", "需求分析")]
    assert parse(d).headings[0].signals[0] == "style"


def test_chinese_style_ids_and_names(parse: Parse) -> None:
    d = new()
    # Chinese Word: styleId "1"/"2" whatever the name; and a style named "标题 3".
    add_style(d, '<w:style w:type="paragraph" w:styleId="1"><w:name w:val="样式甲"/></w:style>')
    add_style(d, '<w:style w:type="paragraph" w:styleId="2"><w:name w:val="样式乙"/></w:style>')
    add_style(d, '<w:style w:type="paragraph" w:styleId="a5"><w:name w:val="标题 3"/></w:style>')
    raw(d, p("项目概述", '<w:pStyle w:val="1"/>'))
    raw(d, p("建设背景", '<w:pStyle w:val="2"/>'))
    raw(d, p("政策依据", '<w:pStyle w:val="a5"/>'))
    d.add_paragraph("正文内容。")
    assert outline(parse(d)) == [(1, "", "项目概述"), (2, "", "建设背景"), (3, "", "政策依据")]


def test_custom_style_based_on_heading(parse: Parse) -> None:
    d = new()
    s1 = d.styles.add_style("一级标题", WD_STYLE_TYPE.PARAGRAPH)
    s1.base_style = d.styles["Heading 1"]
    s2 = d.styles.add_style("我的二级", WD_STYLE_TYPE.PARAGRAPH)
    s2.base_style = d.styles["Heading 2"]
    s3 = d.styles.add_style("二级标题", WD_STYLE_TYPE.PARAGRAPH)  # level from the name alone
    d.add_paragraph("项目概述", style="一级标题")
    d.add_paragraph("建设背景", style="我的二级")
    d.add_paragraph("正文。")
    d.add_paragraph("需求分析", style="一级标题")
    d.add_paragraph("业务需求", style=s3)
    assert outline(parse(d)) == [
        (1, "", "项目概述"),
        (2, "", "建设背景"),
        (1, "", "需求分析"),
        (2, "", "业务需求"),
    ]


def test_outline_level_on_paragraph_and_style_chain(parse: Parse) -> None:
    d = new()
    add_style(
        d,
        '<w:style w:type="paragraph" w:styleId="Lv"><w:name w:val="章标"/><w:pPr><w:outlineLvl w:val="0"/></w:pPr></w:style>',
    )
    add_style(
        d,
        '<w:style w:type="paragraph" w:styleId="LvChild"><w:name w:val="章标变体"/><w:basedOn w:val="Lv"/></w:style>',
    )
    raw(d, p("项目概述", '<w:pStyle w:val="LvChild"/>'))
    raw(d, p("建设背景", '<w:outlineLvl w:val="1"/>'))
    raw(d, p("正文不是标题", '<w:outlineLvl w:val="9"/>'))
    tree = parse(d)
    assert outline(tree) == [(1, "", "项目概述"), (2, "", "建设背景")]
    assert "outline-level" in tree.headings[0].signals


def test_toc_heading_style_based_on_heading1_is_not_a_heading(parse: Parse) -> None:
    d = new()
    d.add_paragraph("目录", style="TOC Heading")
    add_style(d, '<w:style w:type="paragraph" w:styleId="TOC1"><w:name w:val="toc 1"/></w:style>')
    add_style(
        d,
        '<w:style w:type="paragraph" w:styleId="a9"><w:name w:val="目录 2"/><w:basedOn w:val="Heading2"/></w:style>',
    )
    raw(d, p("第一章 项目概述\t1", '<w:pStyle w:val="TOC1"/>'))
    raw(d, p("一、项目名称\t1", '<w:pStyle w:val="a9"/>'))
    d.add_heading("第一章 项目概述", 1)
    d.add_paragraph("一、项目名称")
    assert outline(parse(d)) == [(1, "第一章", "项目概述"), (2, "一、", "项目名称")]


# -------------------------------------------------------------------------- numbering


CN_NUMBERING = (
    '<w:abstractNum w:abstractNumId="0">'
    + lvl(0, "chineseCounting", "第%1章")
    + lvl(1, "chineseCountingThousand", "%2、")
    + lvl(2, "chineseCounting", "（%3）")
    + lvl(3, "decimal", "%4.")
    + lvl(4, "decimalEnclosedCircle", "%5")
    + "</w:abstractNum>"
    '<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>'
)


def test_word_auto_numbering_chinese_counting(parse: Parse) -> None:
    d = new()
    set_numbering(d, CN_NUMBERING)
    raw(d, numbered("项目概述", 1, 0))
    raw(d, numbered("项目名称", 1, 1))
    raw(d, p("本项目为……。"))
    raw(d, numbered("建设单位", 1, 1))
    raw(d, numbered("单位职能", 1, 2))
    raw(d, numbered("职能一", 1, 3))
    raw(d, numbered("子项", 1, 4))
    raw(d, numbered("需求分析", 1, 0))
    raw(d, numbered("业务需求", 1, 1))
    tree = parse(d)
    assert outline(tree) == [
        (1, "第一章", "项目概述"),
        (2, "一、", "项目名称"),
        (2, "二、", "建设单位"),
        (3, "（一）", "单位职能"),
        (4, "1.", "职能一"),
        (5, "①", "子项"),
        (1, "第二章", "需求分析"),
        (2, "一、", "业务需求"),  # level 1 restarts level 2
    ]
    assert "numbering" in tree.headings[0].signals


def test_numbering_counts_past_ten_and_other_formats(parse: Parse) -> None:
    d = new()
    set_numbering(
        d,
        '<w:abstractNum w:abstractNumId="0">' + lvl(0, "chineseCounting", "%1、") + "</w:abstractNum>"
        '<w:abstractNum w:abstractNumId="1">'
        + lvl(0, "ideographTraditional", "%1、")
        + lvl(1, "decimalFullWidth", "%2．")
        + "</w:abstractNum>"
        '<w:abstractNum w:abstractNumId="2">' + lvl(0, "upperLetter", "%1.") + "</w:abstractNum>"
        '<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>'
        '<w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num>'
        '<w:num w:numId="3"><w:abstractNumId w:val="2"/></w:num>',
    )
    for i in range(12):
        raw(d, numbered(f"第{i}节内容标题", 1))
    raw(d, numbered("甲项", 2, 0))
    raw(d, numbered("子项", 2, 1))
    raw(d, numbered("乙项", 2, 0))
    raw(d, numbered("附录", 3, 0))
    labels = [h.label for h in parse(d).walk()]
    assert labels[:12] == [
        "一、",
        "二、",
        "三、",
        "四、",
        "五、",
        "六、",
        "七、",
        "八、",
        "九、",
        "十、",
        "十一、",
        "十二、",
    ]
    assert "甲、" in labels and "１．" in labels and "乙、" in labels and "A." in labels


def test_lvl_text_multi_level_and_restart_with_start_override(parse: Parse) -> None:
    d = new()
    set_numbering(
        d,
        '<w:abstractNum w:abstractNumId="0">'
        + lvl(0, "decimal", "%1")
        + lvl(1, "decimal", "%1.%2")
        + lvl(2, "decimal", "%1.%2.%3")
        + "</w:abstractNum>"
        '<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>'
        '<w:num w:numId="2"><w:abstractNumId w:val="0"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="5"/></w:lvlOverride></w:num>',
    )
    raw(d, numbered("项目概述", 1, 0))
    raw(d, numbered("项目名称", 1, 1))
    raw(d, numbered("名称说明", 1, 2))
    raw(d, numbered("建设单位", 1, 1))
    raw(d, numbered("需求分析", 1, 0))  # counters continue across paragraphs: 2
    raw(d, numbered("业务需求", 1, 1))  # 2.1: level 2 restarted by level 1
    raw(d, numbered("另起编号", 2, 0))  # a new num instance with startOverride 5
    assert [h.label for h in parse(d).walk()] == ["1", "1.1", "1.1.1", "1.2", "2", "2.1", "5"]


def test_lvl_restart_zero_never_restarts(parse: Parse) -> None:
    d = new()
    set_numbering(
        d,
        '<w:abstractNum w:abstractNumId="0">'
        + lvl(0, "chineseCounting", "%1、")
        + lvl(1, "decimal", "%2.", extra='<w:lvlRestart w:val="0"/>')
        + "</w:abstractNum>"
        '<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>',
    )
    for t, il in (("概述", 0), ("名称", 1), ("单位", 1), ("需求", 0), ("业务", 1)):
        raw(d, numbered(t, 1, il))
    assert [h.label for h in parse(d).walk()] == ["一、", "1.", "2.", "二、", "3."]


def test_style_linked_numbering_renders_label(parse: Parse) -> None:
    """Heading styles that carry numPr (the usual way Chinese templates number 标题 1)."""
    d = new()
    set_numbering(
        d,
        '<w:abstractNum w:abstractNumId="0">'
        + lvl(0, "chineseCounting", "%1、")
        + lvl(1, "chineseCounting", "（%2）")
        + '</w:abstractNum><w:num w:numId="7"><w:abstractNumId w:val="0"/></w:num>',
    )
    add_style(
        d,
        '<w:style w:type="paragraph" w:styleId="H1x"><w:name w:val="标题 1"/><w:pPr><w:numPr><w:numId w:val="7"/></w:numPr></w:pPr></w:style>',
    )
    add_style(
        d,
        '<w:style w:type="paragraph" w:styleId="H2x"><w:name w:val="标题 2"/><w:pPr><w:numPr><w:ilvl w:val="1"/><w:numId w:val="7"/></w:numPr></w:pPr></w:style>',
    )
    raw(d, p("项目概述", '<w:pStyle w:val="H1x"/>'))
    raw(d, p("建设背景", '<w:pStyle w:val="H2x"/>'))
    raw(d, p("建设目标", '<w:pStyle w:val="H2x"/>'))
    raw(d, p("需求分析", '<w:pStyle w:val="H1x"/>'))
    assert outline(parse(d)) == [
        (1, "一、", "项目概述"),
        (2, "（一）", "建设背景"),
        (2, "（二）", "建设目标"),
        (1, "二、", "需求分析"),
    ]


def test_format_number_table() -> None:
    f = ooxml.format_number
    assert [f(n, "chineseCounting") for n in (1, 10, 11, 20, 21, 100, 105)] == [
        "一",
        "十",
        "十一",
        "二十",
        "二十一",
        "一百",
        "一百零五",
    ]
    assert f(3, "decimalEnclosedCircle") == "③" and f(2, "decimalFullWidth") == "２"
    assert (
        f(3, "ideographTraditional") == "丙" and f(28, "upperLetter") == "BB" and f(4, "lowerRoman") == "iv"
    )
    assert f(12, "chineseLegalSimplified") == "壹拾贰" and f(5, "decimalZero") == "05"


# ---------------------------------------------------------------------- typed ladders


def test_typed_ladder_levels_from_first_appearance(parse: Parse) -> None:
    d = new()
    for t in ("第一章 项目概述", "一、项目名称", "（一）名称由来", "1. 来源", "(1) 依据", "① 条款",
              "二、建设单位", "第二章 需求分析", "一、业务需求"):  # fmt: skip
        d.add_paragraph(t)
        d.add_paragraph("这是一段足够长的正文内容，用于说明本节的具体情况，并且以句号结束。")
    assert [lv for lv, _, _ in outline(parse(d))] == [1, 2, 3, 4, 5, 6, 2, 1, 2]


def test_document_starting_with_decimal_ladder(parse: Parse) -> None:
    d = new()
    for t in ("1. 项目概述", "（1）项目名称", "（2）建设单位", "2. 需求分析", "（1）业务需求"):
        d.add_paragraph(t)
    assert outline(parse(d)) == [(1, "1.", "项目概述"), (2, "（1）", "项目名称"), (2, "（2）", "建设单位"),
                                 (1, "2.", "需求分析"), (2, "（1）", "业务需求")]  # fmt: skip


def test_full_width_digits_and_spaced_labels_and_titles(parse: Parse) -> None:
    d = new()
    for t in (
        "第 一 章  项 目 概 述",
        "１．项目名称",
        "１．１ 名称由来",
        "２．建设单位",
        "第 二 章 需 求 分 析",
    ):
        d.add_paragraph(t)
    assert outline(parse(d)) == [(1, "第 一 章", "项目概述"), (2, "１．", "项目名称"), (3, "１．１", "名称由来"),
                                 (2, "２．", "建设单位"), (1, "第 二 章", "需求分析")]  # fmt: skip


def test_dec2_dec3_ladder(parse: Parse) -> None:
    d = new()
    for t in ("1 项目概述", "1.1 项目名称", "1.1.1 名称由来", "1.2 建设单位", "2 需求分析", "2.1 业务需求"):
        d.add_paragraph(t)
    assert [(lv, lab) for lv, lab, _ in outline(parse(d))] == [
        (1, "1"),
        (2, "1.1"),
        (3, "1.1.1"),
        (2, "1.2"),
        (1, "2"),
        (2, "2.1"),
    ]


def test_amount_and_sentence_lines_are_body(parse: Parse) -> None:
    d = new()
    d.add_paragraph("一、投资估算")
    d.add_paragraph("17597.78 万元，其中建设费 15000 万元。")
    d.add_paragraph("1.5倍于上年度的业务量")
    d.add_paragraph("1. 本项目总投资为17597.78万元，资金来源为区级财政资金，建设周期为12个月，分两期实施。")
    d.add_paragraph("3 个月内完成部署")
    d.add_paragraph("2024年完成初验")
    d.add_paragraph(
        "2. 项目建设单位为永川区大数据发展局，负责项目的组织实施、资金管理和运行维护等工作，并对建设质量负责"
    )
    tree = parse(d)
    assert outline(tree) == [(1, "一、", "投资估算")]
    assert len(tree.headings[0].blocks) == 6


def test_mixed_styles_where_style_levels_do_not_discriminate(parse: Parse) -> None:
    """Everything set in 标题 1: the typed numbering decides the levels."""
    d = new()
    for t in ("第一章 项目概述", "一、项目名称", "二、建设单位", "第二章 需求分析", "一、业务需求"):
        d.add_heading(t, 1)
    assert [lv for lv, _, _ in outline(parse(d))] == [1, 2, 2, 1, 2]


def test_unstyled_typed_headings_under_styled_ones(parse: Parse) -> None:
    d = new()
    d.add_heading("第一章 项目概述", 1)
    d.add_paragraph("一、项目名称")
    d.add_heading("第二章 需求分析", 1)
    d.add_paragraph("一、业务需求")
    d.add_paragraph("二、功能需求")
    assert [lv for lv, _, _ in outline(parse(d))] == [1, 2, 1, 2, 2]


# ------------------------------------------------------------------ direct formatting


def test_bold_only_headings_and_long_bold_sentence(parse: Parse) -> None:
    d = new()
    d.add_heading("项目概述", 1)
    r = d.add_paragraph().add_run("建设背景")
    r.bold = True
    d.add_paragraph("正文内容。")
    r = d.add_paragraph().add_run(
        "本项目的建设对于提升政务服务效能具有十分重要的意义，必须按期完成建设任务。"
    )
    r.bold = True
    r = d.add_paragraph().add_run("建设目标")
    r.bold = True
    assert outline(parse(d)) == [(1, "", "项目概述"), (2, "", "建设背景"), (2, "", "建设目标")]
    assert parse(d).headings[0].children[0].signals == ("bold",)


def test_document_structured_by_look_alone(parse: Parse) -> None:
    """No numbers, no heading styles: bold 黑体 16pt chapters and bold 14pt sections."""
    d = new()
    cover_line = d.add_paragraph()
    cover_line.alignment = WD_ALIGN_PARAGRAPH.CENTER
    r = cover_line.add_run("绩效自评价报告")
    r.bold, r.font.size = True, Pt(22)
    r = d.add_paragraph().add_run("二〇二四年十月")
    r.bold = True
    for chapter, sections in (
        ("项目概况", ("项目名称", "建设内容")),
        ("项目运行评价", ("运行机制", "存在问题")),
    ):
        r = d.add_paragraph().add_run(chapter)
        r.bold, r.font.size = True, Pt(16)
        r._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "黑体")
        for sec in sections:
            r = d.add_paragraph().add_run(sec)
            r.bold, r.font.size = True, Pt(14)
            d.add_paragraph("这是一段正文，说明有关情况，内容较长，用来确定正文的字号和字体。")
    tree = parse(d)
    assert tree.title == "绩效自评价报告"
    assert outline(tree) == [(1, "", "项目概况"), (2, "", "项目名称"), (2, "", "建设内容"),
                             (1, "", "项目运行评价"), (2, "", "运行机制"), (2, "", "存在问题")]  # fmt: skip


def test_comma_inside_brackets_is_still_a_title(parse: Parse) -> None:
    d = new()
    d.add_paragraph("第一章 运维方案")
    d.add_paragraph("7. 运维费估算（共5年，按年估算，须提供估算依据）")
    d.add_paragraph("8. 本项目运维费按年估算，共计五年，合计三百万元整")
    assert [t for _, _, t in outline(parse(d))] == [
        "运维方案",
        "运维费估算（共5年，按年估算，须提供估算依据）",
    ]


def test_font_size_and_heiti_headings(parse: Parse) -> None:
    d = new()
    for t, size, font in (
        ("一、项目概述", 16, "黑体"),
        ("（一）建设背景", 14, "楷体_GB2312"),
        ("建设目标", 14, "楷体_GB2312"),
    ):
        r = d.add_paragraph().add_run(t)
        r.font.size = Pt(size)
        r._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
        for _ in range(2):
            r = d.add_paragraph().add_run("这是正文内容，使用仿宋字体，字号为三号，长度足够判断正文字号。")
            r.font.size = Pt(12)
            r._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "仿宋_GB2312")
    tree = parse(d)
    assert outline(tree) == [(1, "一、", "项目概述"), (2, "（一）", "建设背景"), (2, "", "建设目标")]
    assert "font" in tree.headings[0].children[1].signals


def test_document_title_big_centred_line_and_cover(parse: Parse) -> None:
    d = new()
    for t, size in (
        ("永川区政务信息化项目", 16),
        ("永川区智慧城管项目初步设计方案", 22),
        ("编制单位：某某公司", 14),
    ):
        para = d.add_paragraph()
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        r = para.add_run(t)
        r.bold = True
        r.font.size = Pt(size)
    r = d.add_paragraph().add_run("二〇二四年三月")
    r.bold = True
    d.add_paragraph("第一章 项目概述")
    d.add_paragraph("正文。")
    tree = parse(d)
    assert tree.title == "永川区智慧城管项目初步设计方案"
    assert outline(tree) == [(1, "第一章", "项目概述")]
    assert [b.text for b in tree.preamble][:2] == ["永川区政务信息化项目", "编制单位：某某公司"]


def test_title_style(parse: Parse) -> None:
    d = new()
    d.add_paragraph("绩效自评价报告", style="Title")
    d.add_heading("项目概况", 1)
    tree = parse(d)
    assert tree.title == "绩效自评价报告" and outline(tree) == [(1, "", "项目概况")]


# ------------------------------------------------------------------------------- TOC


def test_toc_field_and_dot_leaders_are_not_headings(parse: Parse) -> None:
    d = new()
    d.add_paragraph("目  录")
    raw(
        d,
        '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> TOC \\o "1-3" \\h \\z \\u </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>第一章 项目概述</w:t></w:r><w:r><w:tab/><w:t>1</w:t></w:r></w:p>',
    )
    raw(d, "<w:p><w:r><w:t>一、项目名称</w:t></w:r><w:r><w:tab/><w:t>2</w:t></w:r></w:p>")
    raw(
        d,
        '<w:p><w:r><w:t>第二章 需求分析</w:t></w:r><w:r><w:tab/><w:t>3</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>',
    )
    d.add_paragraph("第三章 总体方案 ........................ 7")
    d.add_heading("第一章 项目概述", 1)
    d.add_paragraph("一、项目名称")
    d.add_heading("第二章 需求分析", 1)
    tree = parse(d)
    assert outline(tree) == [(1, "第一章", "项目概述"), (2, "一、", "项目名称"), (1, "第二章", "需求分析")]
    assert tree.preamble == ()


def test_toc_field_end_at_start_of_first_heading(parse: Parse) -> None:
    d = new()
    raw(
        d,
        '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> TOC \\o </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>一、项目概述</w:t></w:r><w:r><w:tab/><w:t>1</w:t></w:r></w:p>',
    )
    raw(d, '<w:p><w:r><w:fldChar w:fldCharType="end"/></w:r><w:r><w:t>一、项目概述</w:t></w:r></w:p>')
    assert outline(parse(d)) == [(1, "一、", "项目概述")]


def test_toc_content_control(parse: Parse) -> None:
    d = new()
    raw(
        d,
        '<w:sdt><w:sdtPr><w:docPartObj><w:docPartGallery w:val="Table of Contents"/><w:docPartUnique/></w:docPartObj></w:sdtPr>'
        f"<w:sdtContent>{p('目录', H1)}{p('第一章 项目概述')}{p('第二章 需求分析')}</w:sdtContent></w:sdt>",
    )
    d.add_paragraph("第一章 项目概述")
    d.add_paragraph("第二章 需求分析")
    assert outline(parse(d)) == [(1, "第一章", "项目概述"), (1, "第二章", "需求分析")]


def test_hand_typed_toc_without_page_numbers(parse: Parse) -> None:
    d = new()
    for t in (
        "目录",
        "第一章 项目概述",
        "第二章 需求分析",
        "第一章 项目概述",
        "正文。",
        "第二章 需求分析",
        "正文。",
    ):
        d.add_paragraph(t)
    tree = parse(d)
    assert [h.location.paragraph for h in tree.headings] == [3, 5]


# ------------------------------------------------------- content controls, tables, body


def test_content_controls_and_tables(parse: Parse) -> None:
    d = new()
    raw(
        d,
        '<w:sdt><w:sdtPr><w:alias w:val="章节"/></w:sdtPr><w:sdtContent>'
        + p("一、项目概述", H1)
        + p("项目内容在内容控件中。")
        + "</w:sdtContent></w:sdt>",
    )
    raw(
        d,
        '<w:tbl><w:tr><w:tc><w:tcPr><w:gridSpan w:val="2"/><w:vMerge w:val="restart"/></w:tcPr><w:p><w:r><w:t>合并</w:t></w:r></w:p></w:tc>'
        "<w:tc><w:p><w:r><w:t>金额</w:t></w:r></w:p></w:tc></w:tr>"
        '<w:tr><w:tc><w:tcPr><w:gridSpan w:val="2"/><w:vMerge/></w:tcPr><w:p/></w:tc><w:tc><w:p><w:r><w:t>100</w:t></w:r></w:p></w:tc></w:tr></w:tbl>',
    )
    d.add_heading("二、需求分析", 1)
    t = d.add_table(rows=1, cols=2)
    t.cell(0, 0).text = "1. 表格里的编号不是标题"
    tree = parse(d)
    assert outline(tree) == [(1, "一、", "项目概述"), (1, "二、", "需求分析")]
    first = tree.headings[0]
    assert first.blocks[0].text == "项目内容在内容控件中。"
    assert first.blocks[1].kind == "table" and first.blocks[1].rows == (("合并", "", "金额"), ("", "", "100"))
    assert tree.headings[1].has_content()


def test_auto_numbered_body_list_keeps_labels(parse: Parse) -> None:
    d = new()
    set_numbering(
        d,
        '<w:abstractNum w:abstractNumId="0">'
        + lvl(0, "decimal", "%1)")
        + '</w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>',
    )
    d.add_heading("建设内容", 1)
    raw(d, numbered("建设统一身份认证平台，实现全区政务服务事项一网通办。", 1))
    raw(d, numbered("建设数据共享交换平台，实现部门间数据按需共享。", 1))
    tree = parse(d)
    assert outline(tree) == [(1, "", "建设内容")]
    assert [b.text[:3] for b in tree.headings[0].blocks] == ["1)建", "2)建"]


def test_placeholders_make_an_untouched_skeleton_empty(parse: Parse) -> None:
    d = new()
    d.styles.add_style("Dossier Guidance", WD_STYLE_TYPE.PARAGRAPH)
    d.add_heading("第一章 项目概述", 1)
    d.add_heading("一、项目名称", 2)
    d.add_paragraph("请填写项目的正式名称。", style="Dossier Guidance")
    d.add_heading("二、建设单位", 2)
    d.add_paragraph("【填写说明】填写建设单位全称。")
    d.add_heading("三、建设周期", 2)
    d.add_paragraph("12个月。")
    tree = parse(d)
    kids = tree.headings[0].children
    assert [k.has_content() for k in kids] == [False, False, True]
    assert kids[0].blocks[0].placeholder
    assert "∅" in render_text(tree).splitlines()[2]


def test_placeholder_content_control(parse: Parse) -> None:
    d = new()
    d.add_heading("项目名称", 1)
    raw(
        d,
        f"<w:sdt><w:sdtPr><w:showingPlcHdr/></w:sdtPr><w:sdtContent>{p('单击或点击此处输入文字。')}</w:sdtContent></w:sdt>",
    )
    assert not parse(d).headings[0].has_content()


def test_tracked_deletions_and_instr_text_are_not_text(parse: Parse) -> None:
    d = new()
    raw(
        d,
        '<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:del><w:r><w:delText>旧标题</w:delText></w:r></w:del>'
        "<w:ins><w:r><w:t>项目概述</w:t></w:r></w:ins></w:p>",
    )
    assert outline(parse(d)) == [(1, "", "项目概述")]


def test_render_text_indents(parse: Parse) -> None:
    d = new()
    d.add_heading("第一章 项目概述", 1)
    d.add_paragraph("一、项目名称")
    d.add_paragraph("正文。")
    text = render_text(parse(d))
    assert "第一章 项目概述  ∅" not in text  # a child has content, so the chapter does too
    assert "\n  一、项目名称\n" in text


# ---------------------------------------------------------------------- bad input


def test_html_renamed_to_docx(tmp_path: Path) -> None:
    f = tmp_path / "报告.docx"
    f.write_text("<!DOCTYPE html><html><body>x</body></html>", encoding="utf-8")
    with pytest.raises(InputError, match="HTML file renamed to .docx") as e:
        parse_file(f)
    assert e.value.path == str(f)


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"", "empty file"), (b"PK\x03\x04garbage", "truncated or corrupt zip"), (b"{\\rtf1 x}", "RTF")],
)
def test_unreadable_inputs(tmp_path: Path, content: bytes, reason: str) -> None:
    f = tmp_path / "x.docx"
    f.write_bytes(content)
    with pytest.raises(InputError, match=reason):
        parse_file(f)


def test_truncated_real_docx(build: Callable[..., Path]) -> None:
    d = new()
    d.add_heading("项目概述", 1)
    f = build(d)
    data = f.read_bytes()
    f.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="zip"):
        parse_file(f)


def test_zip_without_document_xml(tmp_path: Path) -> None:
    f = tmp_path / "x.docx"
    with zipfile.ZipFile(f, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(InputError, match="without word/document.xml"):
        parse_file(f)


def test_part_size_cap(build: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> None:
    d = new()
    d.add_paragraph("x" * 5000)
    f = build(d)
    monkeypatch.setattr(ooxml, "MAX_PART_BYTES", 1000)
    with pytest.raises(InputError, match="inflates"):
        parse_file(f)


def test_entities_are_not_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET", encoding="utf-8")
    doc = (
        f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
        "<w:p><w:r><w:t>一、项目概述&x;</w:t></w:r></w:p></w:body></w:document>"
    )
    f = tmp_path / "x.docx"
    with zipfile.ZipFile(f, "w") as z:
        z.writestr("word/document.xml", doc)
    tree = parse_file(f)
    assert "TOPSECRET" not in tree.full_text()


def test_malformed_xml(tmp_path: Path) -> None:
    f = tmp_path / "x.docx"
    with zipfile.ZipFile(f, "w") as z:
        z.writestr("word/document.xml", "<w:document><oops")
    with pytest.raises(InputError, match="not well-formed"):
        parse_file(f)


def test_dispatch_on_sniffed_type(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """PDF and OLE2 (.doc/.wps) go to the other parsers whatever the extension says."""
    import dossier.parse.convert as convert
    import dossier.parse.pdf as pdf

    seen: list[tuple[str, str]] = []
    fake = DocumentTree(path="x", format="pdf", title="", headings=())

    def fake_pdf(path: Path, ocr: bool = True) -> DocumentTree:
        seen.append(("pdf", path.name))
        return fake

    def fake_doc(path: Path) -> DocumentTree:
        seen.append(("doc", path.name))
        return fake

    monkeypatch.setattr(pdf, "parse_pdf", fake_pdf)
    monkeypatch.setattr(convert, "parse_via_libreoffice", fake_doc)
    (tmp_path / "a.docx").write_bytes(b"%PDF-1.7\n%...")
    (tmp_path / "b.wps").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    parse_file(tmp_path / "a.docx")
    parse_file(tmp_path / "b.wps")
    assert seen == [("pdf", "a.docx"), ("doc", "b.wps")]


@pytest.mark.parametrize(
    ("member", "reason"),
    [
        ("xl/workbook.xml", "spreadsheet"),
        ("ppt/presentation.xml", "presentation"),
        ("content.xml", "OpenDocument"),
    ],
)
def test_other_office_zips(tmp_path: Path, member: str, reason: str) -> None:
    f = tmp_path / "x.docx"
    with zipfile.ZipFile(f, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        z.writestr(member, "<x/>")
    with pytest.raises(InputError, match=reason):
        parse_file(f)


def test_folder_is_not_a_document(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="folder"):
        parse_file(tmp_path)


def test_billion_laughs_is_not_expanded(tmp_path: Path) -> None:
    lol = "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 9))
    doc = (
        f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY l0 "lol">{lol}]>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
        "<w:p><w:r><w:t>一、项目概述&l8;</w:t></w:r></w:p></w:body></w:document>"
    )
    f = tmp_path / "x.docx"
    with zipfile.ZipFile(f, "w") as z:
        z.writestr("word/document.xml", doc)
    # libxml2 either leaves the entity unexpanded or refuses the amplification: a clear
    # InputError either way, never a blow-up.
    try:
        tree = parse_file(f)
    except InputError as e:
        assert "document.xml" in str(e)
    else:
        assert len(tree.full_text()) < 1000


def test_unparseable_auto_label_uses_list_level_as_family(parse: Parse) -> None:
    d = new()
    set_numbering(
        d,
        '<w:abstractNum w:abstractNumId="0">'
        + lvl(0, "decimal", "附件%1")
        + '</w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>',
    )
    d.add_heading("项目概述", 1)
    d.add_paragraph("正文。")
    d.add_heading("附件", 1)
    raw(d, numbered("投资估算表", 1, extra_ppr='<w:pStyle w:val="Heading2"/>'))
    raw(d, numbered("设备清单", 1, extra_ppr='<w:pStyle w:val="Heading2"/>'))
    assert outline(parse(d)) == [
        (1, "", "项目概述"),
        (1, "", "附件"),
        (2, "附件1", "投资估算表"),
        (2, "附件2", "设备清单"),
    ]


def test_strict_ooxml_without_rels_is_read(tmp_path: Path) -> None:
    """Strict OOXML is read like transitional (issue 13), even without _rels/.rels."""
    f = tmp_path / "x.docx"
    body = '<w:p><w:pPr><w:outlineLvl w:val="0"/></w:pPr><w:r><w:t>项目概述</w:t></w:r></w:p>'
    with zipfile.ZipFile(f, "w") as z:
        z.writestr(
            "word/document.xml",
            f'<w:document xmlns:w="http://purl.oclc.org/ooxml/wordprocessingml/main"><w:body>{body}</w:body></w:document>',
        )
    assert [h.title for h in parse_file(f).walk()] == ["项目概述"]
