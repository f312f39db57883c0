"""Generate the DOCX parsing corpus: realistic documents in the manners real submissions
use, with their expected heading trees.

    python corpus/parse/make_docx.py [--seeds DIR]  (DIR holds source.txt; default outlines/yongchuan)

Outline titles come from the 永川 regulation (附件2 基本情况报告, 附件4 初验报告,
附件5 绩效自评价报告) in the seed texts. Each document is written from a list of intended
headings, and the expected tree is written from that same list — never from the parser.
Output: corpus/parse/docx/<name>.docx and <name>.expected.json ({title,label,level,children}
nodes, plus has_content where the document leaves sections empty on purpose).
"""

from __future__ import annotations

import argparse
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import docx
from docx.document import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Pt

HERE = Path(__file__).resolve().parent
OUT = HERE / "docx"
NS = nsdecls("w")
CN = "一二三四五六七八九十"


def cn(n: int) -> str:
    if n <= 10:
        return CN[n - 1]
    if n < 20:
        return "十" + CN[n - 11]
    return CN[n // 10 - 1] + "十" + (CN[n % 10 - 1] if n % 10 else "")


# --------------------------------------------------------------------------- outlines


@dataclass
class H:
    title: str
    children: list[H] = field(default_factory=list)


def read_outline(seeds: Path, start: str, stop: str | None) -> list[H]:
    """第X章 / N. / （N） lines of one 附件 outline (from its own "附件N" line to the next)."""
    text = (seeds / "source.txt").read_text(encoding="utf-8")
    a = text.index(f"\n{start}\n")
    b = text.index(f"\n{stop}\n", a + 1) if stop else len(text)
    roots: list[H] = []
    for line in text[a:b].splitlines():
        t = line.strip()
        if m := re.match(r"^第[一二三四五六七八九十]+章\s+(.+)$", t):
            roots.append(H(m.group(1).strip()))
        elif (m := re.match(r"^\d+\s*[.．]?\s+(.+)$", t)) and roots:
            roots[-1].children.append(H(m.group(1).strip()))
        elif (m := re.match(r"^（\d+）(.+)$", t)) and roots and roots[-1].children:
            roots[-1].children[-1].children.append(H(m.group(1).strip()))
    return roots


# ---------------------------------------------------------------------------- writing


@dataclass
class Expect:
    title: str
    label: str
    level: int
    children: list[Expect] = field(default_factory=list)
    has_content: bool | None = None

    def as_dict(self) -> dict[str, object]:
        d: dict[str, object] = {"title": self.title, "label": self.label, "level": self.level}
        if self.has_content is not None:
            d["has_content"] = self.has_content
        d["children"] = [c.as_dict() for c in self.children]
        return d


def raw(doc: Document, xml: str) -> None:
    body = doc.element.body
    end = xml.index(">")
    sp = xml.find(" ", 0, end)
    i = sp if sp != -1 else end
    body.insert(len(body) - 1, parse_xml(xml[:i] + f" {NS}" + xml[i:]))


def run(para, text: str, *, bold: bool = False, size: float | None = None, font: str | None = None) -> None:
    r = para.add_run(text)
    if bold:
        r.bold = True
    if size:
        r.font.size = Pt(size)
    if font:
        r._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)


BODY_FONT, BODY_SIZE = "仿宋_GB2312", 16.0


def body(doc: Document, text: str) -> None:
    run(doc.add_paragraph(), text, size=BODY_SIZE, font=BODY_FONT)


def filler(title: str, i: int) -> list[str]:
    """Body prose of the kinds that trap parsers: sentences, numbered sentences, amounts."""
    out = [
        f"本节说明{title}的有关情况。项目严格按照《永川区政务信息化项目建设管理办法》的要求编制，内容真实、准确、完整。"
    ]
    if i % 3 == 0:
        out.append(f"1. 本项目{title}部分已经主管部门审核，相关材料附后，具体数据以批复文件为准。")
    if i % 4 == 1:
        out.append("17597.78 万元，其中建设费 15234.50 万元，运维费 2363.28 万元。")
    if i % 5 == 2:
        out.append("2. 项目建设周期为12个月，自合同签订之日起计算，分两个阶段实施并分别组织验收")
    return out


def set_numbering(doc: Document, xml: str) -> None:
    doc.part.numbering_part._element = parse_xml(f"<w:numbering {NS}>{xml}</w:numbering>")


def lvl(ilvl: int, fmt: str, text: str, extra: str = "") -> str:
    return f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/>{extra}</w:lvl>'


def add_style(doc: Document, xml: str) -> None:
    end = xml.index(" ")
    doc.styles.element.append(parse_xml(xml[:end] + f" {NS}" + xml[end:]))


def toc_field(doc: Document, entries: list[tuple[int, str]]) -> None:
    """A Word TOC field: toc N styled entries with PAGEREF-like page numbers."""
    add_style(doc, '<w:style w:type="paragraph" w:styleId="TOC1"><w:name w:val="toc 1"/></w:style>')
    add_style(doc, '<w:style w:type="paragraph" w:styleId="TOC2"><w:name w:val="toc 2"/></w:style>')
    for i, (level, text) in enumerate(entries):
        begin = (
            '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> TOC \\o "1-2" \\h \\z \\u </w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
            if i == 0
            else ""
        )
        end = '<w:r><w:fldChar w:fldCharType="end"/></w:r>' if i == len(entries) - 1 else ""
        raw(
            doc,
            f'<w:p><w:pPr><w:pStyle w:val="TOC{min(level, 2)}"/></w:pPr>{begin}<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'
            f"<w:r><w:tab/><w:t>{i + 1}</w:t></w:r>{end}</w:p>",
        )


def table(doc: Document, rows: list[list[str]]) -> None:
    t = doc.add_table(rows=len(rows), cols=len(rows[0]))
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            t.cell(r, c).text = v


def save(doc: Document, name: str, title: str, tree: list[Expect]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.docx"
    doc.save(str(path))
    _normalise_zip(path)
    exp = {"title": title, "children": [e.as_dict() for e in tree]}
    (OUT / f"{name}.expected.json").write_text(
        json.dumps(exp, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )


def _normalise_zip(path: Path) -> None:
    """Fixed timestamps so regenerating gives the same bytes (core.xml dates aside)."""
    with zipfile.ZipFile(path) as z:
        items = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in items:
            if name == "docProps/core.xml":
                data = re.sub(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>", b"", data)
            info = zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)


def cover(doc: Document, lines: list[tuple[str, float]]) -> None:
    for text, size in lines:
        para = doc.add_paragraph()
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run(para, text, bold=True, size=size, font="方正小标宋简体")


# --------------------------------------------------------------------------- manners


def a2_styled_autonum(seeds: Path) -> None:
    """附件2 in Heading styles numbered by Word (第%1章 / %2. / （%3）), a TOC field, Title style."""
    outline = read_outline(seeds, "附件2", "附件3")
    d = docx.Document()
    set_numbering(
        d,
        '<w:abstractNum w:abstractNumId="0"><w:multiLevelType w:val="multilevel"/>'
        + lvl(0, "chineseCounting", "第%1章")
        + lvl(1, "decimal", "%2.")
        + lvl(2, "decimal", "（%3）")
        + '</w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>',
    )
    for i, sid in enumerate(("Heading1", "Heading2", "Heading3")):
        st = d.styles.element.xpath(f'w:style[@w:styleId="{sid}"]')[0]
        ppr = st.get_or_add_pPr()
        ppr.append(parse_xml(f'<w:numPr {NS}><w:ilvl w:val="{i}"/><w:numId w:val="1"/></w:numPr>'))
    # TOC Heading is based on Heading 1: switch the inherited numbering off, as templates do.
    toch = d.styles.element.xpath('w:style[@w:styleId="TOCHeading"]')[0]
    toch.get_or_add_pPr().append(parse_xml(f'<w:numPr {NS}><w:numId w:val="0"/></w:numPr>'))
    d.add_paragraph("永川区智慧城管项目基本情况报告", style="Title")
    body(d, "（编制大纲）")
    d.add_paragraph("目录", style="TOC Heading")
    entries = []
    for ci, ch in enumerate(outline, 1):
        entries.append((1, f"第{cn(ci)}章 {ch.title}"))
        entries.extend((2, f"{si}. {s.title}") for si, s in enumerate(ch.children, 1))
    toc_field(d, entries)
    tree: list[Expect] = []
    k = 0
    for ci, ch in enumerate(outline, 1):
        d.add_paragraph(ch.title, style="Heading 1")
        e = Expect(ch.title, f"第{cn(ci)}章", 1)
        tree.append(e)
        if not ch.children:
            body(d, "项目实施进度安排如下表所示。")
            table(
                d,
                [
                    ["阶段", "时间", "内容"],
                    ["需求调研", "2024年1月", "完成需求分析"],
                    ["系统开发", "2024年6月", "完成开发"],
                ],
            )
        for si, s in enumerate(ch.children, 1):
            d.add_paragraph(s.title, style="Heading 2")
            se = Expect(s.title, f"{si}.", 2)
            e.children.append(se)
            for t in filler(s.title, k):
                body(d, t)
            k += 1
            for ti, t3 in enumerate(s.children, 1):
                d.add_paragraph(t3.title, style="Heading 3")
                se.children.append(Expect(t3.title, f"（{ti}）", 3))
                body(d, f"{t3.title}已在建设方案中明确，达到预期目标。")
    save(d, "a2_styled_autonum", "永川区智慧城管项目基本情况报告", tree)


def a4_handtyped(seeds: Path) -> None:
    """附件4 初验报告 typed by hand: cover, dot-leader 目录, bold 黑体 chapters (some letter-spaced),
    楷体 sections, full-width digits, numbers exactly as the regulation writes them."""
    text = (seeds / "source.txt").read_text(encoding="utf-8")
    a = text.index("一、永川区政务信息化项目初验报告")
    b = text.index("二、永川区政务信息化项目终验投用申请书")
    chapters: list[tuple[str, str, list[tuple[str, str]]]] = []
    for line in text[a:b].splitlines():
        t = line.strip()
        if m := re.match(r"^(第[一二三四五六七八九十]+章)\s+(.+)$", t):
            chapters.append((m.group(1), m.group(2).strip(), []))
        elif (m := re.match(r"^(\d+\s*[.．]?)\s+(.+)$", t)) and chapters:
            chapters[-1][2].append((m.group(1).strip(), m.group(2).strip()))
    d = docx.Document()
    cover(
        d,
        [
            ("永川区政务信息化项目", 18),
            ("永川区数字乡村平台项目初验报告", 26),
            ("建设单位：永川区大数据发展局", 16),
        ],
    )
    run(d.add_paragraph(), "二〇二四年十月", bold=True, size=16, font=BODY_FONT)
    para = d.add_paragraph()
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run(para, "目  录", bold=True, size=16, font="黑体")
    for label, title, subs in chapters:
        body(d, f"{label}  {title}" + "…" * 12 + "1")
        for sl, st in subs[:3]:
            body(d, f"    {sl} {st}" + "." * 20 + "2")
    tree: list[Expect] = []
    k = 0
    for ci, (label, title, subs) in enumerate(chapters):
        para = d.add_paragraph()
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        shown_label, shown_title = label, title
        if ci % 2 == 1:  # letter-spaced, the way people centre short chapter titles
            shown_label, shown_title = " ".join(label), " ".join(title)
        run(para, f"{shown_label}  {shown_title}", bold=True, size=16, font="黑体")
        e = Expect(title, shown_label, 1)
        tree.append(e)
        for si, (sl, st) in enumerate(subs):
            if ci == 2:  # full-width digits
                sl = sl.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789."})
            para = d.add_paragraph()
            run(para, f"{sl} {st}", bold=si % 2 == 0, size=16, font="楷体_GB2312")
            e.children.append(Expect(st, sl, 2))
            for t in filler(st, k):
                body(d, t)
            k += 1
    save(d, "a4_handtyped", "永川区数字乡村平台项目初验报告", tree)


def a5_custom_styles(seeds: Path) -> None:
    """附件5 with custom styles (一级标题 basedOn Heading 1, a Chinese-Word style id "2"),
    一、/（一）typed numbers, a TOC content control, chapters inside content controls and
    unnumbered bold sub-headings under one section."""
    outline = read_outline(seeds, "附件5", None)
    d = docx.Document()
    s1 = d.styles.add_style("一级标题", WD_STYLE_TYPE.PARAGRAPH)
    s1.base_style = d.styles["Heading 1"]
    add_style(
        d,
        '<w:style w:type="paragraph" w:styleId="2"><w:name w:val="样式二级"/><w:rPr><w:b/><w:sz w:val="32"/></w:rPr></w:style>',
    )
    cover(d, [("永川区政务信息化项目绩效自评价报告", 22)])
    # TOC as a content control (Word's "automatic table" gallery)
    items = "".join(
        f'<w:p><w:pPr><w:pStyle w:val="TOC1"/></w:pPr><w:r><w:t>{cn(i)}、{h.title}</w:t></w:r><w:r><w:tab/><w:t>{i + 2}</w:t></w:r></w:p>'
        for i, h in enumerate(outline, 1)
    )
    add_style(d, '<w:style w:type="paragraph" w:styleId="TOC1"><w:name w:val="目录 1"/></w:style>')
    raw(
        d,
        '<w:sdt><w:sdtPr><w:docPartObj><w:docPartGallery w:val="Table of Contents"/><w:docPartUnique/></w:docPartObj></w:sdtPr>'
        f'<w:sdtContent><w:p><w:pPr><w:pStyle w:val="TOCHeading"/></w:pPr><w:r><w:t>目录</w:t></w:r></w:p>{items}</w:sdtContent></w:sdt>',
    )
    tree: list[Expect] = []
    k = 0
    for ci, ch in enumerate(outline, 1):
        inner: list[str] = []

        def para_xml(text: str, style: str | None = None) -> str:
            ppr = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
            return f'<w:p>{ppr}<w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>'

        label = f"{cn(ci)}、"
        e = Expect(ch.title, label, 1)
        tree.append(e)
        inner.append(para_xml(f"{label}{ch.title}", s1.style_id))
        for si, s in enumerate(ch.children, 1):
            sl = f"（{cn(si)}）"
            inner.append(para_xml(f"{sl}{s.title}", "2"))
            se = Expect(s.title, sl, 2)
            e.children.append(se)
            for t in filler(s.title, k):
                inner.append(para_xml(t))
            k += 1
            if s.title.startswith("项目运行中存在的问题"):
                for sub in ("制度层面", "技术层面", "管理层面"):
                    inner.append(
                        f'<w:p><w:r><w:rPr><w:b/><w:rFonts w:eastAsia="楷体"/></w:rPr><w:t>{sub}</w:t></w:r></w:p>'
                    )
                    inner.append(para_xml(f"{sub}存在的主要问题是协同不足，需要进一步完善。"))
                    se.children.append(Expect(sub, "", 3))
        if ci % 2 == 0:
            raw(
                d,
                f'<w:sdt><w:sdtPr><w:alias w:val="第{ci}部分"/></w:sdtPr><w:sdtContent>{"".join(inner)}</w:sdtContent></w:sdt>',
            )
        else:
            for x in inner:
                raw(d, x)
    save(d, "a5_custom_styles", "永川区政务信息化项目绩效自评价报告", tree)


def a2_decimal_multilevel(seeds: Path) -> None:
    """附件2 chapters 4–7 in a Word multi-level list 1 / 1.1 / 1.1.1 on Normal paragraphs
    (bold, no heading styles), body lists auto-numbered ①, a hand-typed TOC without page
    numbers, and a table that holds numbered lines."""
    outline = read_outline(seeds, "附件2", "附件3")[3:7]
    d = docx.Document()
    set_numbering(
        d,
        '<w:abstractNum w:abstractNumId="0"><w:multiLevelType w:val="multilevel"/>'
        + lvl(0, "decimal", "%1")
        + lvl(1, "decimal", "%1.%2")
        + lvl(2, "decimal", "%1.%2.%3")
        + '</w:abstractNum><w:abstractNum w:abstractNumId="1">'
        + lvl(0, "decimalEnclosedCircle", "%1")
        + '</w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>'
        '<w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num>',
    )
    cover(d, [("永川区政务服务平台升级改造项目初步设计方案", 22)])
    body(d, "目录")
    for ch in outline:
        body(d, ch.title)
    tree: list[Expect] = []

    def numbered(text: str, ilvl: int, num: int = 1, bold: bool = True) -> None:
        b = "<w:b/>" if bold else ""
        raw(
            d,
            f'<w:p><w:pPr><w:numPr><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num}"/></w:numPr></w:pPr>'
            f'<w:r><w:rPr>{b}<w:rFonts w:eastAsia="{BODY_FONT}"/><w:sz w:val="32"/></w:rPr><w:t>{text}</w:t></w:r></w:p>',
        )

    k = 0
    for ci, ch in enumerate(outline, 1):
        numbered(ch.title, 0)
        e = Expect(ch.title, str(ci), 1)
        tree.append(e)
        for si, s in enumerate(ch.children, 1):
            numbered(s.title, 1)
            se = Expect(s.title, f"{ci}.{si}", 2)
            e.children.append(se)
            for t in filler(s.title, k):
                body(d, t)
            k += 1
            if si == 1:
                numbered("部署在政务云平台，按需扩容，满足三年业务增长需要。", 0, 2, bold=False)
                numbered("采用国产化软硬件，符合信创要求并通过安全测评。", 0, 2, bold=False)
            for ti, t3 in enumerate(s.children, 1):
                numbered(t3.title, 2)
                se.children.append(Expect(t3.title, f"{ci}.{si}.{ti}", 3))
                body(d, f"{t3.title}指标已量化。")
        table(d, [["序号", "内容"], ["1.", "服务器"], ["2.", "存储"]])
    save(d, "a2_decimal_multilevel", "永川区政务服务平台升级改造项目初步设计方案", tree)


def a4_skeleton(seeds: Path) -> None:
    """An untouched-then-partly-filled skeleton: 标题 1/标题 2 named styles with Chinese ids,
    guidance in 'Dossier Guidance' style and 【填写说明】 lines, everything set in 标题 1 for a
    few typed 一、 lines (style levels that do not discriminate are overruled)."""
    text = (seeds / "source.txt").read_text(encoding="utf-8")
    a = text.index("二、永川区政务信息化项目终验投用申请书")
    chapters: list[tuple[str, list[str]]] = []
    for line in text[a:].splitlines():
        t = line.strip()
        if t.startswith("附件5"):
            break
        if m := re.match(r"^第[一二三四五六七八九十]+章\s+(.+)$", t):
            chapters.append((m.group(1).strip(), []))
        elif (m := re.match(r"^\d+\s*[.．]?\s+(.+)$", t)) and chapters:
            chapters[-1][1].append(m.group(1).strip())
    d = docx.Document()
    add_style(
        d,
        '<w:style w:type="paragraph" w:styleId="1"><w:name w:val="标题 1"/><w:rPr><w:b/><w:sz w:val="32"/></w:rPr></w:style>',
    )
    add_style(
        d,
        '<w:style w:type="paragraph" w:styleId="2"><w:name w:val="标题 2"/><w:rPr><w:b/><w:sz w:val="30"/></w:rPr></w:style>',
    )
    add_style(
        d,
        '<w:style w:type="paragraph" w:customStyle="1" w:styleId="DossierGuidance"><w:name w:val="Dossier Guidance"/><w:rPr><w:i/></w:rPr></w:style>',
    )
    d.add_paragraph("永川区政务信息化项目终验投用申请书", style="Title")
    tree: list[Expect] = []
    for ci, (title, subs) in enumerate(chapters, 1):
        raw(d, f'<w:p><w:pPr><w:pStyle w:val="1"/></w:pPr><w:r><w:t>第{cn(ci)}章 {title}</w:t></w:r></w:p>')
        e = Expect(title, f"第{cn(ci)}章", 1)
        tree.append(e)
        for si, st in enumerate(subs, 1):
            filled = (ci + si) % 3 == 0
            style = "1" if ci == 1 else "2"  # chapter 1 all in 标题 1, the numbering decides
            raw(
                d,
                f'<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr><w:r><w:t>{cn(si)}、{st}</w:t></w:r></w:p>',
            )
            se = Expect(st, f"{cn(si)}、", 2, has_content=filled)
            e.children.append(se)
            if si % 2:
                raw(
                    d,
                    f'<w:p><w:pPr><w:pStyle w:val="DossierGuidance"/></w:pPr><w:r><w:t>请填写{st}。</w:t></w:r></w:p>',
                )
            else:
                body(d, f"【填写说明】{st}须与批复文件一致。")
            if filled:
                body(d, f"{st}：已按批复完成，详见附件。")
    save(d, "a4_skeleton", "永川区政务信息化项目终验投用申请书", tree)


PROSE = (
    "根据《永川区政务信息化项目建设管理办法》和区政府关于推进数字政府建设的部署要求，本项目围绕{t}开展工作，"
    "坚持统筹规划、集约建设、资源共享、安全可控的原则，充分利用全区已建成的政务云平台和电子政务外网，避免重复建设。",
    "在{t}方面，项目建设单位组织开展了多轮调研，梳理了相关部门的业务流程和数据需求，形成了需求清单和数据资源目录，"
    "并与区大数据发展局进行了对接，明确了数据共享交换的范围、方式和频率，确保系统建成后能够与全区一体化平台互联互通。",
    "项目实施过程中，将严格执行招标投标、政府采购、合同管理、工程监理和第三方测评等制度，落实网络安全等级保护和商用密码应用安全性评估要求，"
    "建立健全运行维护和安全管理制度，保障{t}相关系统长期稳定运行。",
    "经测算，本部分建设内容投资合计 1234.56 万元，其中硬件购置费 456.78 万元、软件开发费 567.89 万元、其他费用 209.89 万元，"
    "资金来源为区级财政资金，分年度安排，详见投资估算明细表。",
)


def word_para(
    text: str, *, bold: bool = False, size_half: int = 32, font: str = BODY_FONT, ppr: str = ""
) -> str:
    """A paragraph the way Word writes one: rsids, several runs split mid-sentence, full rPr."""
    b = "<w:b/><w:bCs/>" if bold else ""
    rpr = (
        f'<w:rPr><w:rFonts w:ascii="{font}" w:eastAsia="{font}" w:hAnsi="{font}" w:cs="Times New Roman"/>{b}'
        f'<w:sz w:val="{size_half}"/><w:szCs w:val="{size_half}"/><w:lang w:val="en-US" w:eastAsia="zh-CN"/></w:rPr>'
    )
    cuts = [0] + [i for i in range(37, len(text), 53)] + [len(text)]
    runs = "".join(
        f'<w:r w:rsidRPr="00A1B2C3"><w:t xml:space="preserve">{text[a:b_]}</w:t></w:r>'.replace(
            "<w:t", rpr + "<w:t", 1
        )
        for a, b_ in zip(cuts, cuts[1:], strict=False)
        if b_ > a
    )
    return (
        f'<w:p w:rsidR="00D4E5F6" w:rsidRDefault="00D4E5F6" w:rsidP="00A1B2C3"><w:pPr>{ppr}'
        f'<w:spacing w:line="560" w:lineRule="exact"/><w:ind w:firstLineChars="200" w:firstLine="640"/>{rpr}</w:pPr>{runs}</w:p>'
    )


def a2_full_report(seeds: Path) -> None:
    """附件2 written out in full the way a real 基本情况报告 reads: several long paragraphs of
    prose per section (about 10 % of paragraphs are headings), Word-like run splitting and
    run properties, 黑体/楷体 typed headings without heading styles, an investment table."""
    outline = read_outline(seeds, "附件2", "附件3")
    d = docx.Document()
    cover(d, [("永川区城市运行管理服务平台项目", 22), ("基本情况报告", 22)])
    tree: list[Expect] = []
    k = 0
    for ci, ch in enumerate(outline, 1):
        raw(d, word_para(f"第{cn(ci)}章  {ch.title}", bold=True, font="黑体"))
        e = Expect(ch.title, f"第{cn(ci)}章", 1)
        tree.append(e)
        if not ch.children:
            for j in range(4):
                raw(d, word_para(PROSE[j % 4].format(t=ch.title)))
        for si, s in enumerate(ch.children, 1):
            raw(d, word_para(f"{cn(si)}、{s.title}", bold=True, font="楷体_GB2312"))
            se = Expect(s.title, f"{cn(si)}、", 2)
            e.children.append(se)
            for j in range(3 + k % 3):
                raw(d, word_para(PROSE[(k + j) % 4].format(t=s.title)))
            k += 1
            for ti, t3 in enumerate(s.children, 1):
                raw(d, word_para(f"（{cn(ti)}）{t3.title}", bold=True))
                se.children.append(Expect(t3.title, f"（{cn(ti)}）", 3))
                for j in range(2):
                    raw(d, word_para(PROSE[(k + j + 1) % 4].format(t=t3.title)))
        if ci == 10:
            table(
                d,
                [
                    ["序号", "项目", "金额（万元）"],
                    ["1", "硬件购置费", "456.78"],
                    ["2", "软件开发费", "567.89"],
                    ["3", "其他费用", "209.89"],
                ],
            )
    save(d, "a2_full_report", "永川区城市运行管理服务平台项目", tree)


MAKERS: tuple[Callable[[Path], None], ...] = (
    a2_full_report,
    a2_styled_autonum,
    a4_handtyped,
    a5_custom_styles,
    a2_decimal_multilevel,
    a4_skeleton,
)


def main() -> None:
    ap = argparse.ArgumentParser()
    # The 永川 text ships in the repo beside its pack: outlines/yongchuan/source.txt.
    ap.add_argument("--seeds", default=str(HERE.parents[1] / "outlines" / "yongchuan"), help="folder holding source.txt")
    args = ap.parse_args()
    for make in MAKERS:
        make(Path(args.seeds))
        print("wrote", make.__name__)


if __name__ == "__main__":
    main()
