"""Skeleton documents: outline round trip, GB/T 9704 formatting, guidance, conditions, cover."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from gen_support import (
    NS,
    Skeleton,
    body_paragraphs,
    first_table,
    form_titles,
    headings,
    part,
    real_documents,
    style_of,
)
from lxml import etree

from dossier.generate import GUIDANCE_STYLE, MARKER, GenerateError, expected_titles, generate_document
from dossier.model import Document, Pack
from dossier.packs import load_pack

W = NS["w"]
FACTS: dict[str, Any] = {
    "project_name": "永川区智慧城管平台建设项目",
    "construction_unit": "永川区城市管理局",
    "contractor": "重庆某科技有限公司",
    "investment": Decimal("1234.5"),
    "supervised": False,
    "trial_run_start": dt.date(2024, 3, 1),
}


def _w(name: str) -> str:
    return f"{{{W}}}{name}"


def titles_in_order(doc: Document) -> list[str]:
    return [s.title for _, s in doc.walk()]


# --------------------------------------------------------------------------- round trip


def check_round_trip(pack: Pack, doc: Document, path: Path) -> None:
    if doc.kind == "report":
        assert headings(path) == expected_titles(doc, {})
    elif doc.kind == "form":
        assert form_titles(path) == titles_in_order(doc)
    else:
        table = first_table(path)
        header = [c.text for c in table.rows[0].cells]
        if doc.columns:
            assert header == list(doc.columns)
        first = 1 if header[0] in ("序号", "编号") else 0
        # Amount cells are empty, so every filled cell after the number is an outline title.
        found = [c.text for r in table.rows[1:] for c in r.cells[first:] if c.text]
        assert found == titles_in_order(doc)


@pytest.mark.parametrize(("pack_id", "doc_id"), real_documents())
def test_real_outline_round_trips(pack_id: str, doc_id: str, skeleton: Skeleton) -> None:
    pack = load_pack(pack_id)
    doc = pack.document(doc_id)
    check_round_trip(pack, doc, skeleton(pack, doc_id, {}))


@pytest.mark.parametrize("doc_id", ["report-a", "form-a", "table-a"])
def test_mini_outline_round_trips(mini_pack: Pack, doc_id: str, skeleton: Skeleton) -> None:
    check_round_trip(mini_pack, mini_pack.document(doc_id), skeleton(mini_pack, doc_id, {}))


def test_deep_levels_and_escaping(mini_pack: Pack, skeleton: Skeleton) -> None:
    got = headings(skeleton(mini_pack, "report-a", {}))
    assert ("市级文件", 4) in got  # level 4 keeps its own heading style
    assert ("结论 & 建议 <一>", 1) in got  # XML-special characters survive autoescape


@pytest.mark.parametrize(("pack_id", "doc_id"), real_documents())
def test_parser_reads_back_outline_all_empty(pack_id: str, doc_id: str, skeleton: Skeleton) -> None:
    parse = pytest.importorskip("dossier.parse")
    pack = load_pack(pack_id)
    doc = pack.document(doc_id)
    if doc.kind != "report":
        pytest.skip("forms and tables carry no headings")
    tree = parse.parse_file(skeleton(pack, doc_id, {}))
    assert [(h.title, h.level) for h in tree.walk()] == expected_titles(doc, {})
    labels = [h.label for h in tree.walk() if h.level == 1]
    assert labels[:2] == ["第一章", "第二章"][: len(labels[:2])]
    assert not any(h.has_content() for h in tree.walk()), "unedited skeleton must read as empty"


# --------------------------------------------------------------------------- formatting


@pytest.mark.parametrize("doc_id", ["report-a", "form-a", "table-a"])
def test_page_setup_is_gbt9704(mini_pack: Pack, doc_id: str, skeleton: Skeleton) -> None:
    doc = part(skeleton(mini_pack, doc_id, {}), "word/document.xml")
    sect = doc.find(".//w:body/w:sectPr", NS)
    size = sect.find("w:pgSz", NS)
    assert (size.get(_w("w")), size.get(_w("h"))) == ("11906", "16838")  # A4
    mar = sect.find("w:pgMar", NS)
    got = {k: mar.get(_w(k)) for k in ("top", "bottom", "left", "right")}
    assert got == {"top": "2098", "bottom": "1984", "left": "1588", "right": "1474"}


def _font_size(style: etree._Element) -> tuple[str | None, str | None]:
    fonts = style.find("w:rPr/w:rFonts", NS)
    size = style.find("w:rPr/w:sz", NS)
    return fonts.get(_w("eastAsia")), size.get(_w("val"))


def test_styles_fonts_and_outline_levels(mini_pack: Pack, skeleton: Skeleton) -> None:
    styles = part(skeleton(mini_pack, "report-a", {}), "word/styles.xml")
    assert _font_size(style_of(styles, "Title")) == ("方正小标宋简体", "44")
    assert _font_size(style_of(styles, "Heading1")) == ("黑体", "32")
    assert _font_size(style_of(styles, "Heading2")) == ("楷体_GB2312", "32")
    normal = style_of(styles, "Normal")
    assert _font_size(normal) == ("仿宋_GB2312", "32")
    spacing = normal.find("w:pPr/w:spacing", NS)
    assert (spacing.get(_w("line")), spacing.get(_w("lineRule"))) == ("560", "exact")
    for level in (1, 2, 3, 4):
        st = style_of(styles, f"Heading{level}")
        assert st.find("w:name", NS).get(_w("val")) == f"heading {level}"
        assert st.find("w:pPr/w:outlineLvl", NS).get(_w("val")) == str(level - 1)
        assert st.find("w:pPr/w:numPr/w:ilvl", NS).get(_w("val")) == str(level - 1)
    guidance = styles.xpath(f"w:style[w:name/@w:val='{GUIDANCE_STYLE}']", namespaces=NS)
    assert len(guidance) == 1


def test_numbering_is_word_numbering(mini_pack: Pack, skeleton: Skeleton) -> None:
    path = skeleton(mini_pack, "report-a", {})
    styles = part(path, "word/styles.xml")
    num_id = style_of(styles, "Heading1").find("w:pPr/w:numPr/w:numId", NS).get(_w("val"))
    numbering = part(path, "word/numbering.xml")
    num = numbering.find(f"w:num[@w:numId='{num_id}']", NS)
    abstract_id = num.find("w:abstractNumId", NS).get(_w("val"))
    abstract = numbering.find(f"w:abstractNum[@w:abstractNumId='{abstract_id}']", NS)
    levels = {int(lv.get(_w("ilvl"))): lv for lv in abstract.findall("w:lvl", NS)}
    assert levels[0].find("w:lvlText", NS).get(_w("val")) == "第%1章"
    assert levels[0].find("w:numFmt", NS).get(_w("val")) == "chineseCounting"
    assert levels[1].find("w:lvlText", NS).get(_w("val")) == "%1.%2"
    assert levels[1].find("w:isLgl", NS) is not None  # 1.1, not 一.1
    assert levels[2].find("w:lvlText", NS).get(_w("val")) == "（%3）"
    # Titles are bare: no typed numbering in the heading text.
    for text, _ in headings(path):
        assert not text.startswith(("第", "1", "（"))


def test_toc_field_and_update_on_open(mini_pack: Pack, skeleton: Skeleton) -> None:
    path = skeleton(mini_pack, "report-a", {})
    doc = part(path, "word/document.xml")
    instr = "".join(doc.xpath("//w:instrText/text()", namespaces=NS))
    assert 'TOC \\o "1-3" \\h \\z \\u' in instr
    assert doc.xpath("//w:fldChar[@w:fldCharType='begin']", namespaces=NS)
    settings = part(path, "word/settings.xml")
    assert settings.find("w:updateFields", NS).get(_w("val")) == "true"


# --------------------------------------------------------------------------- guidance


def check_guidance(path: Path) -> None:
    paras = body_paragraphs(path)
    first = next(i for i, (s, _) in enumerate(paras) if s.startswith("Heading"))
    after_heading = False
    for style, text in paras[first:]:
        if style.startswith("Heading"):
            after_heading = True
            continue
        if not text.strip():
            continue
        # Everything below the first heading is guidance, so the skeleton reads as empty.
        assert style == GUIDANCE_STYLE, (style, text)
        if after_heading:
            assert text.startswith(MARKER), text
            after_heading = False


@pytest.mark.parametrize(("pack_id", "doc_id"), real_documents())
def test_real_guidance_under_every_heading(pack_id: str, doc_id: str, skeleton: Skeleton) -> None:
    pack = load_pack(pack_id)
    path = skeleton(pack, doc_id, {})
    if pack.document(doc_id).kind == "report":
        check_guidance(path)
        heads = [s for s, _ in body_paragraphs(path) if s.startswith("Heading")]
        marks = [t for s, t in body_paragraphs(path) if s == GUIDANCE_STYLE and t.startswith(MARKER)]
        assert len(marks) >= len(heads)
    elif pack.document(doc_id).kind == "form":
        table = first_table(path)
        notes = [
            p for r in table.rows for c in r.cells for p in c.paragraphs if p.style.name == GUIDANCE_STYLE
        ]
        assert notes and all(p.text.startswith(MARKER) for p in notes)
    else:
        notes = [t for s, t in body_paragraphs(path) if s == GUIDANCE_STYLE]
        assert notes and all(t.startswith(MARKER) for t in notes)


def test_guidance_carries_citation_and_condition(mini_pack: Pack, skeleton: Skeleton) -> None:
    paras = body_paragraphs(skeleton(mini_pack, "report-a", {}))
    texts = [t for s, t in paras if s == GUIDANCE_STYLE]
    policy = next(t for t in texts if "政策文件" in t)
    assert policy.startswith(MARKER) and "依据：测试办法 附件2" in policy
    sup = next(t for t in texts if "监理情况" in t)
    assert "待确认" in sup and "未实施项目监理不提交" in sup and "实施了项目监理：是" in sup
    big = next(t for t in texts if "重大事项" in t)
    assert "本节可选" in big


# --------------------------------------------------------------------------- facts


def test_false_condition_drops_section_and_subtree(mini_pack: Pack, skeleton: Skeleton) -> None:
    doc = mini_pack.document("report-a")
    off = headings(skeleton(mini_pack, "report-a", {"supervised": False, "investment": Decimal(10)}))
    on = headings(skeleton(mini_pack, "report-a", {"supervised": True, "investment": Decimal(5000)}))
    assert ("监理情况", 1) not in off and ("监理单位", 2) not in off and ("重大事项", 1) not in off
    assert ("监理情况", 1) in on and ("监理单位", 2) in on and ("重大事项", 1) in on
    assert off == expected_titles(doc, {"supervised": False, "investment": Decimal(10)})
    texts = [
        t
        for s, t in body_paragraphs(skeleton(mini_pack, "report-a", {"supervised": True}))
        if "监理情况" in t
    ]
    assert texts and all("待确认" not in t for t in texts)


def test_form_condition_drops_row(mini_pack: Pack, skeleton: Skeleton) -> None:
    assert "监理单位" not in form_titles(skeleton(mini_pack, "form-a", {"supervised": False}))
    assert "监理单位" in form_titles(skeleton(mini_pack, "form-a", {"supervised": True}))


def test_cover_and_overview_carry_the_facts(mini_pack: Pack, skeleton: Skeleton) -> None:
    paras = body_paragraphs(skeleton(mini_pack, "report-a", FACTS))
    first_heading = next(i for i, (s, _) in enumerate(paras) if s.startswith("Heading"))
    cover = "\n".join(t for _, t in paras[:first_heading])
    assert paras[0] == ("Title", "测试报告")  # （编制大纲） dropped from the title
    for needle in ("永川区智慧城管平台建设项目", "建设单位：永川区城市管理局", "承建单位：重庆某科技有限公司",
                   "项目总投资：1,234.5 万元", "2024年3月1日"):  # fmt: skip
        assert needle in cover
    overview_end = next(i for i, (s, _) in enumerate(paras) if s == "Heading 2")
    overview = [(s, t) for s, t in paras[first_heading + 1 : overview_end]]
    assert all(s == GUIDANCE_STYLE for s, _ in overview)
    joined = "\n".join(t for _, t in overview)
    assert "项目名称：永川区智慧城管平台建设项目" in joined and "项目总投资：1,234.5 万元" in joined


def test_table_rows_and_columns(mini_pack: Pack, skeleton: Skeleton) -> None:
    table = first_table(skeleton(mini_pack, "table-a", {}))
    rows = [[c.text for c in r.cells] for r in table.rows]
    assert rows[0] == ["序号", "项目", "分项", "分项目1", "合计"]
    assert rows[1] == ["一", "IT硬件设备", "", "", ""]
    assert rows[2] == ["", "", "网络设备", "", ""]
    assert rows[4] == ["二", "硬件小计", "", "", ""]
    grid = table._tbl.find(f"{{{W}}}tblGrid")
    assert len(grid) == 5


def test_form_layout(mini_pack: Pack, skeleton: Skeleton) -> None:
    table = first_table(skeleton(mini_pack, "form-a", {}))
    assert len(table._tbl.find(f"{{{W}}}tblGrid")) == 2  # the sub-table does not widen the form
    funds = next(r for r in table.rows if r.cells[0].text == "资金安排")
    sub = funds.cells[1].tables[0]
    assert [c.text for c in sub.rows[0].cells] == ["第一年", "第二年"]
    assert len(sub._tbl.find(f"{{{W}}}tblGrid")) == 2
    # Numbered children are fields of their own under a full-width group row.
    labels = [r.cells[0].text for r in table.rows]
    assert "基本情况报告" in labels and "投资估算" in labels


def test_generate_errors(mini_pack: Pack, tmp_path: Path) -> None:
    with pytest.raises(GenerateError, match="no document"):
        generate_document(mini_pack, "nope", {}, tmp_path / "x.docx")
    with pytest.raises(GenerateError, match=".docx"):
        generate_document(mini_pack, "report-a", {}, tmp_path / "x.pdf")
    out = generate_document(mini_pack, "report-a", {}, tmp_path / "new" / "dir" / "x.docx")
    assert out.is_file()


def test_form_suggests_known_facts_as_guidance(mini_pack: Pack, skeleton: Skeleton) -> None:
    table = first_table(skeleton(mini_pack, "form-a", FACTS))
    name = next(r for r in table.rows if r.cells[0].text == "项目名称")
    value = name.cells[1].paragraphs[0]
    assert value.style is not None and value.style.name == GUIDANCE_STYLE
    assert value.text.startswith(MARKER) and "永川区智慧城管平台建设项目" in value.text
