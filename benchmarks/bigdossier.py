"""The benchmarks' realistic material, built deterministically and kept under
benchmarks/.cache/ (git-ignored) so that a rerun does not pay for LibreOffice again.

  * `text_dossier()`: a 永川 终验投用 dossier of 10 files (6 DOCX, 4 PDF made from DOCX with
    soffice), ~300 pages: the two outlined reports follow their outline, the other materials
    have 12 chapters of 4 sections; every section states amounts (万元/元), dates and counts,
    and every chapter ends with a 资金/进度 table.
  * `long_document(pages)`: one 终验投用申请书 (DOCX, and its PDF with bookmarks) whose outline is
    followed by numbered chapters until it reaches about `pages` pages: the document
    `match_outline` and the PDF bookmark lookup have to scale on.

A build's folder name carries GENERATOR: bump it when an edit changes what is generated.
"""

from __future__ import annotations

import random
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(__file__).resolve().parent / ".cache"
sys.path.insert(0, str(ROOT / "corpus"))
import build_dossiers as bd  # noqa: E402

STAGE = "final-acceptance"
JURISDICTION = "yongchuan"
FACTS = {"supervised": True, "classified": False, "changed": True, "has_implementing_agency": True,
         "has_design_unit": True, "has_audit_unit": True, "has_supplementary_agreement": True,
         "custom_software": True, "mature_software": True}
# (file name, material title, outline document id or None, format); 10 files.
FILES = [
    ("01_终验投用申请书.docx", "永川区政务信息化项目终验投用申请书", "final-acceptance-application", "docx"),
    ("02_初验试用报告.pdf", "永川区政务信息化项目初验报告", "preliminary-acceptance-report", "pdf"),
    ("03_项目建设报告.docx", "项目建设报告", None, "docx"),
    ("04_项目监理报告.pdf", "项目监理报告", None, "pdf"),
    ("05_安全评估报告.docx", "网络与信息安全风险评估报告", None, "docx"),
    ("06_信息资源共享报告.pdf", "信息资源共享报告", None, "pdf"),
    ("07_档案验收报告.docx", "档案验收报告", None, "docx"),
    ("08_运维计划.pdf", "运维计划", None, "pdf"),
    ("09_需求说明书.docx", "需求说明书", None, "docx"),
    ("10_操作使用说明书.docx", "操作使用说明书", None, "docx"),
]
CHAPTERS = ("项目背景", "建设内容", "技术路线", "实施过程", "质量管理", "进度管理", "资金管理", "安全管理",
            "数据资源", "运行情况", "问题与整改", "结论与建议")
TOPICS = ("平台", "数据", "接口", "安全", "运维", "培训", "硬件", "软件", "网络", "密码", "档案", "测评",
          "监理", "用户", "资金", "进度")


GENERATOR = "g2"


def _version() -> str:
    return GENERATOR


def _facts_sentences(p: bd.Project, rng: random.Random, n: int) -> tuple[str, ...]:
    """Paragraphs a real report has: filler, amounts in 万元 and 元, dates, counts, percentages."""
    out = []
    for _ in range(n):
        d = bd.cn_date(p.approval_date.replace(day=1 + rng.randrange(27), month=1 + rng.randrange(12)))
        wan = f"{rng.randrange(5, 400)}.{rng.randrange(10, 99)}"
        kinds = (
            f"截至{d}，本项累计支付{wan}万元，占合同金额{bd.yuan(p.contract_amount)}的"
            f"{rng.randrange(5, 95)}%，支付凭证已归档。",
            f"{d}召开专题会议，{p.construction_unit}、{p.contractor}和{p.supervisor}参加，"
            f"确认完成接口{rng.randrange(3, 60)}个、功能点{rng.randrange(20, 400)}个。",
            f"该部分预算{wan}万元（人民币{int(float(wan) * 10000):,}元），实际执行率"
            f"{rng.randrange(80, 100)}.{rng.randrange(10)}%，无超概算情况。",
        )
        parts = [rng.choice(kinds), *(rng.choice(bd._FILLER).format(system=p.system) for _ in range(2))]
        out.append("".join(parts))
    return tuple(out)


def _table(p: bd.Project, rng: random.Random) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = [("序号", "事项", "金额（万元）", "完成日期", "责任单位")]
    for i in range(1, 7):
        d = p.approval_date.replace(day=1 + rng.randrange(27), month=1 + rng.randrange(12))
        rows.append((str(i), f"{rng.choice(TOPICS)}建设", f"{rng.randrange(3, 200)}.{rng.randrange(10, 99)}",
                     d.isoformat(), rng.choice((p.contractor, p.supervisor, p.construction_unit))))
    return rows


def _write(path: Path, title: str, p: bd.Project, items: Sequence[bd.Item], tables: dict[int, list[tuple[str, ...]]]) -> None:
    """Styled headings, body paragraphs and, after item i, the table tables[i]."""
    d = bd.new_docx()
    d.add_paragraph(title, style="Title")
    d.add_paragraph(f"项目名称：{p.name}")
    d.add_paragraph(f"建设单位：{p.construction_unit}")
    for i, it in enumerate(items):
        d.add_heading(f"{it.label} {it.title}".strip(), level=min(it.level, 4))
        for line in it.body:
            d.add_paragraph(line)
        if i in tables:
            rows = tables[i]
            t = d.add_table(rows=len(rows), cols=len(rows[0]))
            t.style = "Table Grid"
            for r, row in enumerate(rows):
                for c, text in enumerate(row):
                    t.cell(r, c).text = text
    bd.save_docx(d, path)


def _chapters(p: bd.Project, rng: random.Random, first: int, count: int, paras: int) -> tuple[list[bd.Item], list[int]]:
    """`count` numbered chapters of 4 sections; returns the items and the index of each chapter's last item."""
    items: list[bd.Item] = []
    ends = []
    for n in range(first, first + count):
        ch = CHAPTERS[(n - 1) % len(CHAPTERS)] if first == 1 and count <= len(CHAPTERS) else \
            f"{rng.choice(TOPICS)}{CHAPTERS[(n - 1) % len(CHAPTERS)]}（第{n}部分）"
        items.append(bd.Item(1, f"{bd.cn_num(n) if n <= 99 else n}、", ch, ()))
        for k in range(1, 5):
            items.append(bd.Item(2, f"（{bd.cn_num(k)}）", f"{ch}之{rng.choice(TOPICS)}{bd.cn_num(k)}",
                                 _facts_sentences(p, rng, paras)))
        ends.append(len(items) - 1)
    return items, ends


def _outlined(doc_id: str, p: bd.Project, rng: random.Random, paras: int) -> list[bd.Item]:
    from dossier.packs import load_pack

    doc = load_pack(JURISDICTION).document(doc_id)
    return [bd.Item(it.level, it.label, it.title, it.body + (_facts_sentences(p, rng, paras) if it.body else ()))
            for it in bd.outline_items(doc, p, rng)]


def _pages(pdf: Path) -> int:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        return len(doc)
    finally:
        doc.close()


def _convert(sources: Sequence[Path], work: Path) -> Path:
    bd.soffice(["--convert-to", "pdf", "--outdir", str(work / "pdf"), *map(str, sources)], work)
    return work / "pdf"


def text_dossier() -> tuple[Path, dict[str, int]]:
    """The ~300-page dossier folder and its pages per file (counted on the PDF rendering)."""
    base = CACHE / f"text-dossier-{_version()}"
    folder = base / "dossier"
    if not (base / "pages.txt").is_file():
        shutil.rmtree(base, ignore_errors=True)
        work = base / "work"
        work.mkdir(parents=True)
        p = bd.PROJECTS["yc-cityops"]
        sources = []
        for i, (_, title, doc_id, _fmt) in enumerate(FILES):
            rng = random.Random(f"bench:{i}")
            if doc_id:
                items, tables = _outlined(doc_id, p, rng, 3), {}
                tables = {len(items) - 1: _table(p, rng)}
            else:
                items, ends = _chapters(p, rng, 1, len(CHAPTERS), 3 + i % 2)
                tables = {e: _table(p, rng) for e in ends}
            src = work / f"{i:02d}.docx"
            _write(src, title, p, items, tables)
            sources.append(src)
        pdf_dir = _convert(sources, work)
        folder.mkdir()
        lines = []
        for (name, _, _, fmt), src in zip(FILES, sources, strict=True):
            pdf = pdf_dir / f"{src.stem}.pdf"
            lines.append(f"{_pages(pdf)}\t{name}")
            shutil.copy(pdf if fmt == "pdf" else src, folder / name)
        shutil.rmtree(work)
        (base / "pages.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    pages = {}
    for line in (base / "pages.txt").read_text(encoding="utf-8").splitlines():
        n, name = line.split("\t")
        pages[name] = int(n)
    return folder, pages


def long_document(pages: int) -> tuple[Path, Path, int]:
    """(DOCX, PDF, real page count) of one 终验投用申请书 of about `pages` pages."""
    base = CACHE / f"long-{pages}-{_version()}"
    docx, pdf = base / "终验投用申请书.docx", base / "终验投用申请书.pdf"
    if not (base / "pages.txt").is_file():
        shutil.rmtree(base, ignore_errors=True)
        base.mkdir(parents=True)
        p = bd.PROJECTS["yc-cityops"]
        rng = random.Random(f"long:{pages}")
        items = _outlined("final-acceptance-application", p, rng, 2)
        # The outline takes about 12 pages, an extra chapter (4 sections of 2 long paragraphs
        # each, and a table) about 2.1.
        extra, ends = _chapters(p, rng, 20, max(1, round((pages - 12) / 2.1)), 2)
        offset = len(items)
        items += extra
        _write(docx, "永川区政务信息化项目终验投用申请书", p, items, {offset + e: _table(p, rng) for e in ends})
        work = base / "work"
        work.mkdir()
        shutil.copy(_convert([docx], work) / f"{docx.stem}.pdf", pdf)
        shutil.rmtree(work)
        (base / "pages.txt").write_text(f"{_pages(pdf)}\n", encoding="utf-8")
    return docx, pdf, int((base / "pages.txt").read_text(encoding="utf-8"))
