"""Benchmark: `check_path` on a 10-file, ~300-page dossier vs the raw extraction baseline.

    .venv/bin/python benchmarks/check.py [--repeat 3] [--keep DIR]

The dossier (永川 终验投用: 6 long DOCX + 4 long PDF made from DOCX with soffice) is
generated deterministically into a temporary folder. The baseline, measured in the same
run over the same files, is the least any checker must do: zipfile + lxml reading the text
of word/document.xml for DOCX, pypdfium2 get_text_range on every page for PDF.
Bar (issue 4): check ≤ 3 × baseline. Timings are the best of --repeat runs: a warm loop, which
flatters (imports, pack and caches are paid once); `--cold` first prints benchmarks/cold.py's
whole-process figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "corpus"))
import build_dossiers as bd  # noqa: E402

from dossier.check.engine import CheckOptions, check_parsed, check_path, ingest_and_parse  # noqa: E402
from dossier.packs import load_pack  # noqa: E402

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
STAGE = "final-acceptance"
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


def long_items(title: str, p: bd.Project, rng: random.Random, paras: int) -> list[bd.Item]:
    items = []
    for i, ch in enumerate(CHAPTERS, 1):
        items.append(bd.Item(1, f"{bd.cn_num(i)}、", ch, ()))
        for k in range(1, 5):
            body = tuple(" ".join(rng.choice(bd._FILLER).format(system=p.system) for _ in range(3))
                         for _ in range(paras))
            items.append(bd.Item(2, f"（{bd.cn_num(k)}）", f"{ch}之{bd.cn_num(k)}", body))
    return items


def outline_long(doc_id: str, p: bd.Project, rng: random.Random, paras: int) -> list[bd.Item]:
    doc = load_pack("yongchuan").document(doc_id)
    items = bd.outline_items(doc, p, rng)
    return [bd.Item(it.level, it.label, it.title,
                    it.body + tuple(" ".join(rng.choice(bd._FILLER).format(system=p.system) for _ in range(3))
                                    for _ in range(paras if it.body else 0)))
            for it in items]


def build(folder: Path) -> dict[str, int]:
    """Write the dossier; returns pages per file (counted on the PDF rendering)."""
    import pypdfium2 as pdfium

    p = bd.PROJECTS["yc-cityops"]
    work = folder.parent / "work"
    work.mkdir()
    sources = []
    for i, (_, title, doc_id, _fmt) in enumerate(FILES):
        rng = random.Random(f"bench:{i}")
        d = bd.new_docx()
        items = outline_long(doc_id, p, rng, 5) if doc_id else long_items(title, p, rng, 4)
        bd.write_items(d, title, [f"项目名称：{p.name}", f"建设单位：{p.construction_unit}"], items, "styles")
        src = work / f"{i:02d}.docx"
        bd.save_docx(d, src)
        sources.append(src)
    bd.soffice(["--convert-to", "pdf", "--outdir", str(work / "pdf"), *map(str, sources)], work)
    pages = {}
    folder.mkdir()
    for (name, _, _, fmt), src in zip(FILES, sources, strict=True):
        pdf = work / "pdf" / f"{src.stem}.pdf"
        doc = pdfium.PdfDocument(pdf)
        pages[name] = len(doc)
        doc.close()
        shutil.copy(pdf if fmt == "pdf" else src, folder / name)
    shutil.rmtree(work)
    return pages


def baseline(folder: Path, suffix: str = "") -> int:
    """Raw text extraction only; returns characters read (so nothing is optimised away)."""
    import pypdfium2 as pdfium

    chars = 0
    for f in sorted(folder.iterdir()):
        if suffix and f.suffix != suffix:
            continue
        if f.suffix == ".docx":
            with zipfile.ZipFile(f) as zf:
                root = etree.fromstring(zf.read("word/document.xml"))
            chars += sum(len(t.text or "") for t in root.iter(f"{W}t"))
        elif f.suffix == ".pdf":
            doc = pdfium.PdfDocument(f)
            try:
                for page in doc:
                    tp = page.get_textpage()
                    chars += len(tp.get_text_range())
                    tp.close()
                    page.close()
            finally:
                doc.close()
    return chars


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", type=Path, help="also copy the generated dossier here")
    ap.add_argument("--cold", action="store_true",
                    help="first the whole-process figures of benchmarks/cold.py (what a user waits for)")
    args = ap.parse_args(argv)
    if args.cold:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import cold

        cold.main(["--runs", str(max(3, args.repeat))])
        print("\nwarm (this benchmark's own dossier, in-process):")
    pack = load_pack("yongchuan")
    options = CheckOptions(as_of=dt.date(2023, 10, 20))
    with tempfile.TemporaryDirectory(prefix="dossier-bench-") as tmp:
        folder = Path(tmp) / "dossier"
        pages = build(folder)
        if args.keep:
            shutil.copytree(folder, args.keep, dirs_exist_ok=True)
        total_pages = sum(pages.values())
        size = sum(f.stat().st_size for f in folder.iterdir())
        print(f"dossier: {len(pages)} files, {total_pages} pages, {size / 1e6:.1f} MB")
        for name, n in pages.items():
            print(f"  {n:4d} pages  {name}")

        chars = baseline(folder)  # warm-up (imports, page cache)
        report = check_path(folder, pack, STAGE, FACTS, options)
        t_base = best(lambda: baseline(folder), args.repeat)
        t_check = best(lambda: check_path(folder, pack, STAGE, FACTS, options), args.repeat)

        # Per phase: ingest + parse, then everything after (classify, match, extract, rules, report).
        def phases() -> tuple[float, float]:
            with tempfile.TemporaryDirectory(prefix="dossier-") as w:
                t0 = time.perf_counter()
                parsed, gaps = ingest_and_parse(folder, Path(w))
                t1 = time.perf_counter()
                check_parsed(parsed, gaps, folder.name, pack, STAGE, FACTS, options)
                return t1 - t0, time.perf_counter() - t1

        runs = [phases() for _ in range(args.repeat)]
        t_parse = min(r[0] for r in runs)
        t_rest = min(r[1] for r in runs)
        # Per format: where the parse time goes (the parser vs the same files' raw text).
        from dossier.parse import parse_file

        per_format = {}
        for suffix in (".docx", ".pdf"):
            files = [f for f in sorted(folder.iterdir()) if f.suffix == suffix]
            t_raw = best(lambda s=suffix: baseline(folder, s), args.repeat)  # type: ignore[misc]
            t_parsed = best(lambda fs=files: [parse_file(f) for f in fs], args.repeat)  # type: ignore[misc]
            per_format[suffix] = (len(files), sum(pages[f.name] for f in files), t_raw, t_parsed)

    missing = sum(1 for m in report.materials if m.status == "missing")
    print(f"baseline (zipfile+lxml, pypdfium2 text): {t_base:.3f} s  ({chars} chars)")
    print(f"check_path:                              {t_check:.3f} s  "
          f"({len(report.findings)} findings, {missing} materials missing)")
    print(f"  ingest + parse {t_parse:.3f} s, classify/match/extract/rules/report {t_rest:.3f} s")
    for suffix, (n, pg, t_raw, t_parsed) in per_format.items():
        print(f"  {suffix:5s} {n} files {pg:3d} pages: raw text {t_raw:.3f} s, parse_file {t_parsed:.3f} s "
              f"({t_parsed / t_raw:.1f}×)")
    ratio = t_check / t_base
    print(f"ratio check / baseline: {ratio:.2f}×  (bar ≤ 3×: {'PASS' if ratio <= 3 else 'FAIL'})")
    return 0 if ratio <= 3 else 1


if __name__ == "__main__":
    sys.exit(main())
