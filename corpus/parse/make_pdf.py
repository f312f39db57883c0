"""Build the PDF fixtures for the parser: DOCX made with python-docx, exported by LibreOffice.

Run from the repo root: `.venv/bin/python corpus/parse/make_pdf.py`. It rewrites
corpus/parse/pdf/*.pdf, corpus/parse/scanned/*.pdf and the expected trees (*.expected.json)
next to them. The expected tree comes from the same spec that wrote the DOCX, so it is the
truth the parser is scored against, not the parser's own output.

The documents vary the way real submissions do: headings by style (so LibreOffice writes
bookmarks) and the same file exported without bookmarks; headings by direct formatting only
(bold, 黑体, bigger size), spaced titles (项 目 概 况), full-width digits, a heading long
enough to wrap, body lines that start with an amount or a year; a typed 目录 page at the
front; running headers and page-number footers ("- 3 -", "第 3 页 共 9 页").
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import docx
import pypdfium2 as pdfium
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.text.paragraph import Paragraph
from docx.text.run import Run

HERE = Path(__file__).resolve().parent
SERIF = "Noto Serif CJK SC"  # what 宋体 becomes on a machine with fonts-noto-cjk
SANS = "Noto Sans CJK SC"  # what 黑体 becomes

# Sentences cycled into body paragraphs; deterministic so the PDFs are reproducible.
SENTENCES = (
    "项目建设单位按照全区政务信息化总体规划，统筹推进数据共享和业务协同。",
    "系统依托区级政务云平台部署，复用统一身份认证、电子印章和数据共享交换等公共支撑能力。",
    "建设内容包括感知设备接入、业务应用开发、数据资源整合以及安全保障体系建设。",
    "项目实施周期为十二个月，分需求调研、系统设计、开发测试、试运行和验收五个阶段推进。",
    "运行维护期内由建设单位会同承建单位建立值班制度，确保系统连续稳定运行。",
    "按照网络安全等级保护第三级要求开展安全设计，并同步规划商用密码应用方案。",
)


@dataclass(frozen=True)
class H:
    level: int
    label: str
    title: str
    written: str | None = None
    """The title as typed when it differs from the clean title (spaced letters)."""


@dataclass(frozen=True)
class P:
    text: str


@dataclass(frozen=True)
class Doc:
    name: str
    title: str
    header: str
    footer: str  # "dash" -> "- N -", "page" -> "第 N 页 共 M 页"
    manner: str  # "style" | "bold"
    items: tuple[H | P, ...]
    exports: tuple[tuple[str, bool], ...] = field(default=(("", True),))
    """(suffix, bookmarks) per PDF exported from this DOCX."""


def body(seed: int, n: int = 2) -> tuple[P, ...]:
    out = []
    for i in range(n):
        k = seed * 3 + i
        text = "".join(SENTENCES[(k + j) % len(SENTENCES)] for j in range(3))
        out.append(P(text))
    return tuple(out)


# 永川 附件2-like report, headings by Word styles (Heading 1/2/3), typed numbering.
STYLED = Doc(
    name="basic-report-styled",
    title="永川区智慧城管平台项目基本情况报告",
    header="永川区智慧城管平台项目基本情况报告",
    footer="dash",
    manner="style",
    exports=(("", True), ("-nobookmarks", False)),
    items=(
        H(1, "第一章", "项目概述"),
        H(2, "1.", "项目名称"),
        P("永川区智慧城管平台建设项目。"),
        H(2, "2.", "项目建设单位及负责人、项目责任人"),
        *body(1),
        H(2, "3.", "总投资及资金来源"),
        P("17597.78 万元，其中财政资金 12000 万元，其余由建设单位自筹。"),
        *body(2, 1),
        H(2, "4.", "效益及风险分析"),
        H(3, "（1）", "社会效益"),
        *body(3),
        H(3, "（2）", "风险分析"),
        *body(4),
        H(1, "第二章", "项目建设单位概况"),
        H(2, "1.", "项目建设单位与职能"),
        *body(5),
        H(2, "2.", "项目实施机构与职责"),
        *body(6),
        H(1, "第三章", "目标、现状与差距分析"),
        H(2, "1.", "组织战略目标分析"),
        *body(7, 3),
        H(2, "2.", "信息系统目标、现状与差距分析"),
        *body(8, 3),
        H(2, "3.", "信息资源共享利用目标、现状与差距分析"),
        *body(9, 2),
        H(1, "第四章", "需求分析"),
        H(2, "1.", "系统角色分析"),
        *body(10, 2),
        H(2, "2.", "业务流程分析"),
        *body(11, 3),
        H(2, "3.", "信息量指标"),
        P("2024年全区城管案件量约 36 万件，日均数据增量约 20GB。"),
        *body(12, 2),
        H(1, "第五章", "项目建设方案"),
        H(2, "1.", "建设目标与主要内容"),
        *body(13, 3),
        H(2, "2.", "总体设计"),
        H(3, "（1）", "总体架构"),
        *body(14, 2),
        H(3, "（2）", "数据架构"),
        *body(15, 2),
        H(1, "第六章", "投资估算与资金筹措"),
        *body(16, 3),
    ),
)

# Acceptance-report-like document, headings by direct formatting only (bold, 黑体, size).
BOLD = Doc(
    name="acceptance-bold",
    title="永川区城市运行管理服务平台项目初验报告",
    header="初验报告",
    footer="page",
    manner="bold",
    items=(
        H(1, "一、", "项目概况", written="项 目 概 况"),
        *body(20),
        H(2, "（一）", "项目建设背景"),
        *body(21, 3),
        H(2, "（二）", "市级政务信息资源共享交换平台与区级城市运行管理服务平台对接的必要性和可行性分析"),
        *body(22, 2),
        H(1, "二、", "项目建设内容完成情况"),
        H(2, "（一）", "合同约定内容"),
        P("17597.78万元的合同金额已全部落实，具体如下。"),
        *body(23, 2),
        H(3, "１．", "硬件设备部署"),
        *body(24, 2),
        H(3, "２．", "应用系统开发"),
        P("2023年12月完成全部功能开发并上线试运行。"),
        *body(25, 2),
        H(2, "（二）", "项目变更情况"),
        *body(26, 2),
        H(1, "三、", "项目资金使用情况"),
        *body(27, 3),
        H(1, "四、", "项目试运行情况"),
        H(2, "（一）", "试运行组织"),
        *body(28, 3),
        H(2, "（二）", "问题整改"),
        *body(29, 3),
        H(1, "五、", "初验结论"),
        *body(30, 2),
    ),
)

# Decimal ladder (1 / 1.1 / 1.1.1), bold headings, no 目录.
DECIMAL = Doc(
    name="self-evaluation-decimal",
    title="永川区政务云平台项目绩效自评价报告",
    header="绩效自评价报告",
    footer="dash",
    manner="bold",
    items=(
        H(1, "1", "项目基本情况"),
        H(2, "1.1", "项目概况"),
        *body(40, 2),
        H(2, "1.2", "项目绩效目标"),
        H(3, "1.2.1", "总体目标"),
        *body(41, 2),
        H(3, "1.2.2", "阶段性目标"),
        *body(42, 2),
        H(1, "2", "绩效评价工作开展情况"),
        H(2, "2.1", "绩效评价目的、对象和范围"),
        *body(43, 3),
        H(2, "2.2", "绩效评价原则、评价指标体系"),
        *body(44, 3),
        H(1, "3", "综合评价情况及评价结论"),
        *body(45, 3),
        H(1, "4", "绩效评价指标分析"),
        H(2, "4.1", "项目决策情况"),
        *body(46, 2),
        H(2, "4.2", "项目过程情况"),
        *body(47, 2),
        H(2, "4.3", "项目产出情况"),
        P("3.5 万元的结余资金已按规定上缴财政。"),
        *body(48, 2),
        H(1, "5", "主要经验及做法、存在的问题及原因分析"),
        *body(49, 3),
    ),
)

DOCS = (STYLED, BOLD, DECIMAL)
TOC_DOCS = {"basic-report-styled", "acceptance-bold"}


def _set_fonts(run: Run, east_asia: str, size: float, bold: bool) -> None:
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = east_asia
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), east_asia)


def _field(paragraph: Paragraph, instr: str) -> None:
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), instr)
    r = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = "1"
    r.append(t)
    fld.append(r)
    paragraph._p.append(fld)


def _text(paragraph: Paragraph, text: str, font: str = SERIF, size: float = 10.5) -> None:
    _set_fonts(paragraph.add_run(text), font, size, False)


def build_docx(spec: Doc, out: Path) -> None:
    d = docx.Document()
    normal = d.styles["Normal"]
    normal.font.size = Pt(12)
    normal.font.name = SERIF
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), SERIF)
    for lvl, size in ((1, 16), (2, 14), (3, 12)):
        st = d.styles[f"Heading {lvl}"]
        st.font.size = Pt(size)
        st.font.bold = True
        st.font.name = SANS
        st.font.color.rgb = None
        st.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), SANS)

    # Cover page: the document title, then a separate section so the body has its header.
    cover = d.add_paragraph()
    cover.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _set_fonts(cover.add_run(spec.title), SANS, 22, True)
    d.add_paragraph().add_run("（编制单位：永川区大数据应用发展管理局）")
    if spec.name in TOC_DOCS:
        d.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        toc_title = d.add_paragraph()
        toc_title.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _set_fonts(toc_title.add_run("目  录"), SANS, 16, True)
        page = 3
        for it in spec.items:
            if isinstance(it, H) and it.level <= 2:
                indent = "    " * (it.level - 1)
                line = d.add_paragraph()
                _text(line, f"{indent}{it.label}{it.written or it.title}", size=12)
                _text(line, "……………………" + str(page), size=12)
                page += it.level == 1
    d.add_section(WD_SECTION.NEW_PAGE)
    sec = d.sections[-1]
    sec.header.is_linked_to_previous = False
    sec.footer.is_linked_to_previous = False
    hp = sec.header.paragraphs[0]
    hp.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _text(hp, spec.header)
    fp = sec.footer.paragraphs[0]
    fp.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if spec.footer == "dash":
        _text(fp, "- ")
        _field(fp, "PAGE")
        _text(fp, " -")
    else:
        _text(fp, "第 ")
        _field(fp, "PAGE")
        _text(fp, " 页 共 ")
        _field(fp, "NUMPAGES")
        _text(fp, " 页")

    sizes = {1: 16.0, 2: 14.0, 3: 12.0}
    for it in spec.items:
        if isinstance(it, P):
            p = d.add_paragraph()
            p.paragraph_format.first_line_indent = Pt(24)
            _set_fonts(p.add_run(it.text), SERIF, 12, False)
            continue
        sep = "" if it.label.endswith(("、", "）", "章", "．")) else " "
        text = f"{it.label}{sep}{it.written or it.title}"
        if spec.manner == "style":
            d.add_heading(text, level=it.level)
        else:
            p = d.add_paragraph()
            # Level 3 headings are bold at body size: only weight tells them apart.
            font = SANS if it.level < 3 else SERIF
            _set_fonts(p.add_run(text), font, sizes[it.level], True)
    d.save(str(out))


def soffice_export(src: Path, outdir: Path, bookmarks: bool) -> Path:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        sys.exit("LibreOffice (soffice) is needed to build the PDF fixtures")
    target = (
        "pdf" if bookmarks else 'pdf:writer_pdf_Export:{"ExportBookmarks":{"type":"boolean","value":"false"}}'
    )
    with tempfile.TemporaryDirectory(prefix="dossier-lo-") as prof:
        subprocess.run(
            [
                exe,
                f"-env:UserInstallation=file://{prof}",
                "--headless",
                "--convert-to",
                target,
                "--outdir",
                str(outdir),
                str(src),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
    return outdir / (src.stem + ".pdf")


def expected_tree(spec: Doc, pdf_name: str) -> dict[str, object]:
    root: list[dict[str, object]] = []
    stack: list[tuple[int, list[dict[str, object]]]] = [(0, root)]
    for it in spec.items:
        if not isinstance(it, H):
            continue
        node: dict[str, object] = {"title": it.title, "label": it.label, "level": it.level, "children": []}
        while stack[-1][0] >= it.level:
            stack.pop()
        stack[-1][1].append(node)
        kids = node["children"]
        assert isinstance(kids, list)
        stack.append((it.level, kids))
    return {"file": pdf_name, "title": spec.title, "headings": root}


def make_scanned(src_pdf: Path, out: Path, pages: list[int]) -> None:
    """Image-only PDF like an office scanner makes: 200 dpi, black and white, no text layer."""
    pdf = pdfium.PdfDocument(str(src_pdf))
    images = []
    for i in pages:
        grey = pdf[i].render(scale=200 / 72, grayscale=True).to_pil().convert("L")
        images.append(grey.point(lambda v: 255 if v > 160 else 0).convert("1"))
    pdf.close()
    first, rest = images[0], images[1:]
    first.save(str(out), "PDF", resolution=200.0, save_all=True, append_images=rest)


def main() -> None:
    pdf_dir = HERE / "pdf"
    scan_dir = HERE / "scanned"
    pdf_dir.mkdir(exist_ok=True)
    scan_dir.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="dossier-fix-") as tmp:
        t = Path(tmp)
        for spec in DOCS:
            src = t / f"{spec.name}.docx"
            build_docx(spec, src)
            for suffix, bookmarks in spec.exports:
                outdir = t / f"out{suffix}"
                outdir.mkdir(exist_ok=True)
                made = soffice_export(src, outdir, bookmarks)
                name = f"{spec.name}{suffix}.pdf"
                shutil.copyfile(made, pdf_dir / name)
                exp = expected_tree(spec, name)
                (pdf_dir / f"{spec.name}{suffix}.expected.json").write_text(
                    json.dumps(exp, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
                )
        # Scanned: the first two body pages of the bold document (cover is page 1, 目录 page 2).
        bold_pdf = pdf_dir / "acceptance-bold.pdf"
        scanned = scan_dir / "acceptance-bold-scan.pdf"
        make_scanned(bold_pdf, scanned, [2, 3])
        exp = expected_tree(BOLD, scanned.name)
        exp["headings"] = _headings_on_pages(BOLD, bold_pdf, [2, 3])
        exp["title"] = ""
        (scan_dir / "acceptance-bold-scan.expected.json").write_text(
            json.dumps(exp, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
    for f in sorted([*pdf_dir.glob("*.pdf"), *scan_dir.glob("*.pdf")]):
        print(f"{f.relative_to(HERE)}: {f.stat().st_size // 1024} KB")


def _headings_on_pages(spec: Doc, pdf_path: Path, pages: list[int]) -> list[dict[str, object]]:
    """The spec's headings whose text appears on the given pages (flat, levels kept)."""
    pdf = pdfium.PdfDocument(str(pdf_path))
    text = "".join(pdf[i].get_textpage().get_text_range() for i in pages).replace("\r\n", "").replace(" ", "")
    pdf.close()
    out: list[dict[str, object]] = []
    for it in spec.items:
        if isinstance(it, H) and it.title[:8] in text:
            out.append({"title": it.title, "label": it.label, "level": it.level, "children": []})
    return out


def _flat(nodes: list[dict[str, object]]) -> list[tuple[str, str, int]]:
    out: list[tuple[str, str, int]] = []
    for n in nodes:
        out.append((str(n["title"]), str(n.get("label", "")), int(str(n["level"]))))
        kids = n.get("children") or []
        assert isinstance(kids, list)
        out.extend(_flat(kids))
    return out


def _k(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def heading_scores(found: list[dict[str, object]], expected: list[dict[str, object]]) -> dict[str, float]:
    """Recall, precision, level and label accuracy of `found` against `expected`.

    Both are `{title, label, level, children}` trees (the `dossier tree --format json`
    contract). Headings are matched by title (NFKC, spaces ignored) in document order,
    so a heading found twice or out of place does not count twice.
    """
    f = _flat(found)
    e = _flat(expected)
    matched = levels = labels = 0
    j = 0
    for title, label, level in e:
        for k in range(j, len(f)):
            if _k(f[k][0]) == _k(title):
                matched += 1
                levels += f[k][2] == level
                labels += _k(f[k][1]) == _k(label)
                j = k + 1
                break
    return {
        "expected": len(e),
        "found": len(f),
        "matched": matched,
        "recall": matched / len(e) if e else 1.0,
        "precision": matched / len(f) if f else 1.0,
        "levels": levels / matched if matched else 0.0,
        "labels": labels / matched if matched else 0.0,
    }


if __name__ == "__main__":
    main()
