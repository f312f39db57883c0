"""Parse benchmark: speed against baselines measured in the same run, and heading accuracy.

    .venv/bin/python benchmarks/parse.py [--rounds 5] [--big 400] [--docling /tmp/docling-venv/bin/python] [PDF ...]

PDF (text layer): pages per second of `parse_pdf` against
  * per-char: pypdfium2 per-character extraction (for every char: unicode, box, font size),
  * text-only: pypdfium2 `get_text_range` per page,
on the corpus PDFs (and any PDFs given), plus a long PDF made by repeating the corpus pages
(`--big` pages). Bar: parse_pdf ≥ 1/2 of per-char. Heading recall / precision / levels
against corpus/parse/pdf/*.expected.json.

DOCX: if benchmarks/parse_docx.py (the DOCX benchmark) is present its `main()` runs too.
With `--docling PYTHON` (a separate venv with `docling-slim[format-docx]`; never the project
venv) docling's DOCX backend reads the DOCX files the corpus PDFs were exported from, and its
speed and heading recall/precision are printed beside `parse_docx` on the same files.
Timings are medians of `--rounds` interleaved rounds.
"""

from __future__ import annotations

import argparse
import ctypes
import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from dossier.parse.ladder import split_numbering
from dossier.parse.pdf import parse_pdf

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus" / "parse"


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


# ---------------------------------------------------------------- PDF methods
def per_char(path: Path) -> int:
    """Baseline: every character's unicode, box and font size (what per-char parsers read)."""
    pdf = pdfium.PdfDocument(str(path))
    rect = pdfium_c.FS_RECTF()
    sink = 0.0
    try:
        for i in range(len(pdf)):
            tp = pdf[i].get_textpage()
            raw = tp.raw
            for k in range(pdfium_c.FPDFText_CountChars(raw)):
                sink += pdfium_c.FPDFText_GetUnicode(raw, k)
                pdfium_c.FPDFText_GetLooseCharBox(raw, k, ctypes.byref(rect))
                sink += pdfium_c.FPDFText_GetFontSize(raw, k) + rect.top
        return len(pdf)
    finally:
        pdf.close()


def text_only(path: Path) -> int:
    pdf = pdfium.PdfDocument(str(path))
    try:
        for i in range(len(pdf)):
            pdf[i].get_textpage().get_text_range()
        return len(pdf)
    finally:
        pdf.close()


def ours(path: Path) -> int:
    tree = parse_pdf(path, ocr=False)
    return tree.pages or 0


def pages_per_second(
    methods: dict[str, Callable[[Path], int]], files: list[Path], rounds: int
) -> dict[str, float]:
    """Median pages/s per method; methods interleaved within each round so load hits all alike."""
    samples: dict[str, list[float]] = {m: [] for m in methods}
    for f in files:  # warm-up: file cache, lazy imports
        for fn in methods.values():
            fn(f)
    for _ in range(rounds):
        for name, fn in methods.items():
            t = time.perf_counter()
            pages = sum(fn(f) for f in files)
            samples[name].append(pages / (time.perf_counter() - t))
    return {m: statistics.median(v) for m, v in samples.items()}


def make_big(pages: int, out: Path) -> Path:
    """A long PDF: the corpus PDFs' pages repeated up to `pages` pages."""
    srcs = [pdfium.PdfDocument(str(p)) for p in sorted((CORPUS / "pdf").glob("*.pdf"))]
    big = pdfium.PdfDocument.new()
    while len(big) < pages:
        for s in srcs:
            if len(big) >= pages:
                break
            big.import_pages(s, list(range(min(len(s), pages - len(big)))))
    big.save(str(out))
    for s in srcs:
        s.close()
    big.close()
    return out


# ---------------------------------------------------------------- accuracy
def pdf_accuracy(scores: Callable[..., dict[str, float]]) -> dict[str, float]:
    tot = {"expected": 0.0, "found": 0.0, "matched": 0.0, "levels": 0.0}
    for exp_path in sorted((CORPUS / "pdf").glob("*.expected.json")):
        exp = json.loads(exp_path.read_text(encoding="utf-8"))
        tree = parse_pdf(exp_path.parent / exp["file"], ocr=False)
        s = scores([h.as_dict() for h in tree.headings], exp["headings"])
        for k in ("expected", "found", "matched"):
            tot[k] += s[k]
        tot["levels"] += s["levels"] * s["matched"]
    return {
        "recall": tot["matched"] / tot["expected"],
        "precision": tot["matched"] / tot["found"] if tot["found"] else 0.0,
        "levels": tot["levels"] / tot["matched"] if tot["matched"] else 0.0,
    }


_DOCLING = r"""
import json, sys, time
from pathlib import Path
from docling.backend.msword_backend import MsWordDocumentBackend
from docling.datamodel.base_models import InputFormat
from docling.datamodel.document import InputDocument
rounds = int(sys.argv[1]); files = [Path(p) for p in sys.argv[2:]]
def run(f):
    ind = InputDocument(path_or_stream=f, format=InputFormat.DOCX, backend=MsWordDocumentBackend)
    return MsWordDocumentBackend(in_doc=ind, path_or_stream=f).convert()
heads = {}
for f in files:
    doc = run(f)
    heads[str(f)] = [{"text": it.text, "level": int(getattr(it, "level", 1))}
                     for it, _ in doc.iterate_items() if str(getattr(it, "label", "")) == "section_header"]
times = []
for _ in range(rounds):
    t = time.perf_counter()
    for f in files:
        run(f)
    times.append(time.perf_counter() - t)
times.sort()
print(json.dumps({"seconds": times[len(times) // 2], "headings": heads}))
"""


def _as_tree(items: list[dict[str, object]]) -> list[dict[str, object]]:
    """docling's flat section headers → {title, label, level, children} (numbering split off)."""
    out: list[dict[str, object]] = []
    for it in items:
        text = str(it["text"])
        num = split_numbering(text)
        out.append(
            {
                "title": num.title if num else text,
                "label": num.label if num else "",
                "level": it["level"],
                "children": [],
            }
        )
    return out


def docx_comparison(mk: ModuleType, docling_python: str | None, rounds: int) -> None:
    """parse_docx (and docling's DOCX backend when given) on the DOCX the corpus PDFs came from."""
    from dossier.parse.docx import parse_docx

    with tempfile.TemporaryDirectory(prefix="dossier-bench-") as tmp:
        files: list[tuple[Path, dict[str, object], int]] = []
        for spec in mk.DOCS:
            p = Path(tmp) / f"{spec.name}.docx"
            mk.build_docx(spec, p)
            pdf = pdfium.PdfDocument(str(CORPUS / "pdf" / f"{spec.name}.pdf"))
            files.append((p, mk.expected_tree(spec, p.name), len(pdf)))
            pdf.close()
        pages = sum(n for _p, _e, n in files)

        def score(found_by_file: list[list[dict[str, object]]]) -> dict[str, float]:
            e = f = m = lv = 0.0
            for (_p, exp, _n), found in zip(files, found_by_file, strict=True):
                s = mk.heading_scores(found, exp["headings"])
                e, f, m, lv = (
                    e + s["expected"],
                    f + s["found"],
                    m + s["matched"],
                    lv + s["levels"] * s["matched"],
                )
            return {"recall": m / e, "precision": m / f if f else 0.0, "levels": lv / m if m else 0.0}

        trees = [parse_docx(p) for p, _e, _n in files]
        times = []
        for _ in range(rounds):
            t = time.perf_counter()
            for p, _e, _n in files:
                parse_docx(p)
            times.append(time.perf_counter() - t)
        ours_pps = pages / statistics.median(times)
        s = score([[h.as_dict() for h in tr.headings] for tr in trees])
        print(f"\nDOCX ({len(files)} files the PDFs were exported from, {pages} pages)")
        print(
            f"  parse_docx     {ours_pps:9.1f} pages/s  recall {s['recall']:.3f}  precision {s['precision']:.3f}  levels {s['levels']:.3f}"
        )
        if not docling_python:
            print("  docling        skipped (give --docling PYTHON of a venv with docling-slim[format-docx])")
            return
        proc = subprocess.run(
            [docling_python, "-c", _DOCLING, str(rounds), *(str(p) for p, _e, _n in files)],
            capture_output=True,
            text=True,
            timeout=900,
            env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"},
        )
        if proc.returncode != 0:
            print(f"  docling        failed: {proc.stderr.strip().splitlines()[-1:]}")
            return
        res = json.loads(proc.stdout.strip().splitlines()[-1])
        d = score([_as_tree(res["headings"][str(p)]) for p, _e, _n in files])
        dl_pps = pages / res["seconds"]
        print(
            f"  docling (DOCX) {dl_pps:9.1f} pages/s  recall {d['recall']:.3f}  precision {d['precision']:.3f}  levels {d['levels']:.3f}"
        )
        print(f"  ratio parse_docx / docling: {ours_pps / dl_pps:.2f}x")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pdfs", nargs="*", type=Path, help="extra PDFs to time")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--big", type=int, default=400, help="pages of the long PDF (0: skip)")
    ap.add_argument(
        "--docling", metavar="PYTHON", help="python of a separate venv with docling-slim[format-docx]"
    )
    args = ap.parse_args()
    mk = _load(CORPUS / "make_pdf.py", "make_pdf")

    methods: dict[str, Callable[[Path], int]] = {
        "parse_pdf": ours,
        "per-char": per_char,
        "text-only": text_only,
    }
    corpus = sorted((CORPUS / "pdf").glob("*.pdf")) + list(args.pdfs)
    sets = [("corpus", corpus)]
    with tempfile.TemporaryDirectory(prefix="dossier-bench-") as tmp:
        if args.big:
            sets.append((f"long ({args.big} pages)", [make_big(args.big, Path(tmp) / "big.pdf")]))
        for label, files in sets:
            pps = pages_per_second(methods, files, args.rounds)
            print(f"PDF {label}: {len(files)} files")
            for m, v in pps.items():
                print(f"  {m:10s} {v:9.1f} pages/s")
            r = pps["parse_pdf"] / pps["per-char"]
            print(f"  parse_pdf / per-char  = {r:.2f}  (bar ≥ 0.50: {'met' if r >= 0.5 else 'NOT met'})")
            print(f"  parse_pdf / text-only = {pps['parse_pdf'] / pps['text-only']:.2f}")
    acc = pdf_accuracy(mk.heading_scores)
    print(
        f"PDF headings: recall {acc['recall']:.3f}  precision {acc['precision']:.3f}  levels {acc['levels']:.3f}"
    )

    docx_comparison(mk, args.docling, args.rounds)
    docx_bench = Path(__file__).with_name("parse_docx.py")
    if docx_bench.is_file():
        print("\n--- benchmarks/parse_docx.py ---")
        mod = _load(docx_bench, "parse_docx_bench")
        if hasattr(mod, "main"):
            sys.argv = [str(docx_bench)]
            mod.main()


if __name__ == "__main__":
    main()
