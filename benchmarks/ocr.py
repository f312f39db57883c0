"""OCR benchmark: an 8-page scanned PDF → heading tree; pages/s, peak memory, heading recall.

    .venv/bin/python benchmarks/ocr.py [--pages 8] [--baseline] [--threads N]

The scan is made in the run from corpus/parse/pdf/basic-report-styled.pdf the way an office
scanner makes one (200 dpi, black and white, no text layer: corpus/parse/make_pdf.py's
make_scanned), and scored against that PDF's expected tree. Each measurement runs in a
fresh process (the engine's start is counted; peak memory is that process's max RSS).
With --baseline the same pages are read the way the parser read them before (rapidocr's
defaults: angle classifier on, recognition batches of 6, onnxruntime's own threading, one
page after another, render at 2×) and the ratio is printed.
Bars (issue 15): tree in < 60 s and < 1.5 GB on a 2-core machine, heading recall ≥ 0.9.
The load average is printed: on a shared machine wall times say as much about the others.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[1]
SRC_PDF = REPO / "corpus" / "parse" / "pdf" / "basic-report-styled.pdf"
EXPECTED = SRC_PDF.with_name("basic-report-styled.expected.json")


def _corpus_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_pdf", REPO / "corpus" / "parse" / "make_pdf.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["make_pdf"] = mod
    spec.loader.exec_module(mod)
    return mod


_CHILD = r"""
import json, resource, sys, time
mode, path = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
if mode == "baseline":
    import dossier.parse.ocr as ocr
    from rapidocr_onnxruntime import RapidOCR
    ocr._ENGINE = RapidOCR()  # the defaults, as before
    ocr.page_scale = lambda w, h, most=2.0: 2.0
    _many = ocr.ocr_many
    ocr.ocr_many = lambda images, upright=True: [ocr.ocr_image(im, upright=False) for im in images]
from dossier.parse.pdf import parse_pdf
tree = parse_pdf(path)
wall = time.perf_counter() - t0
ru = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "rss_mb": ru.ru_maxrss / 1024,
                  "pages": tree.pages, "headings": [h.as_dict() for h in tree.headings]}))
"""


def _run(mode: str, pdf: Path, threads: int | None) -> dict:
    env = {**os.environ}
    if threads:
        env["DOSSIER_OCR_THREADS"] = str(threads)
    out = subprocess.run([sys.executable, "-c", _CHILD, mode, str(pdf)], capture_output=True, text=True, env=env,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=8)
    ap.add_argument("--baseline", action="store_true", help="also time the old way (slow)")
    ap.add_argument("--threads", type=int, default=None, help="DOSSIER_OCR_THREADS for the run")
    args = ap.parse_args()
    tool = _corpus_tool()
    exp = json.loads(EXPECTED.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="dossier-ocr-bench-") as tmp:
        scan = Path(tmp) / "scan.pdf"
        import pypdfium2 as pdfium

        n = min(args.pages, len(pdfium.PdfDocument(str(SRC_PDF))))
        tool.make_scanned(SRC_PDF, scan, list(range(n)))
        print(f"scan: {n} pages from {SRC_PDF.name} (200 dpi, 1-bit); cores {len(os.sched_getaffinity(0))}; "
              f"load average before: {os.getloadavg()[0]:.1f}")
        modes = ["tuned", *(["baseline"] if args.baseline else [])]
        res = {}
        for mode in modes:
            r = _run(mode, scan, args.threads)
            s = tool.heading_scores(r["headings"], exp["headings"])
            res[mode] = r
            print(f"{mode:8s}: {r['wall']:6.1f} s wall, {r['cpu']:6.1f} s CPU, {n / r['wall']:.2f} pages/s, "
                  f"peak {r['rss_mb']:.0f} MB, heading recall {s['recall']:.3f} precision {s['precision']:.3f} "
                  f"levels {s['levels']:.3f}; load average now {os.getloadavg()[0]:.1f}")
        if "baseline" in res:
            b, t = res["baseline"], res["tuned"]
            print(f"tuned vs baseline: {b['wall'] / t['wall']:.2f}× faster (wall), {b['cpu'] / t['cpu']:.2f}× less CPU, "
                  f"{b['rss_mb'] / t['rss_mb']:.2f}× less memory")
        t = res["tuned"]
        ok = t["wall"] < 60 and t["rss_mb"] < 1536
        print(f"bar (< 60 s, < 1.5 GB): {'met' if ok else 'NOT met'} at {time.strftime('%H:%M:%S')}")


if __name__ == "__main__":
    main()
