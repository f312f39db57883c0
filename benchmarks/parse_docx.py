"""DOCX parsing speed: dossier's parse_file against a zipfile+lxml baseline that only
reads word/document.xml and collects its text, measured in the same run on the same files.

    python benchmarks/parse_docx.py [FILES…] [--repeat N] [--scale K]

Without FILES it uses corpus/parse/docx/*.docx plus one long document made by repeating
the body of the largest fixture K times (default 20). The largest fixture, a2_full_report,
reads like a real report (prose paragraphs, about one heading in ten, Word-like runs); the
others are outline-dense (every other line a heading, short filler), the worst case for a
parser whose work is per heading. Throughput is paragraphs per second (w:p elements in
document.xml, the same count for both sides, so the ratio is a time ratio). Times are the
best of N runs on the process CPU clock, the two sides taking turns run by run (on a
shared machine the load drifts; back-to-back streaks let that drift, and the baseline's
cache-warm streak, skew the ratio). Bar (issue 3): ≥ 1/4 of the baseline.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from lxml import etree

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from dossier.parse import parse_file  # noqa: E402

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def baseline(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        root = etree.fromstring(z.read("word/document.xml"))
    return "\n".join("".join(t.text or "" for t in p.iter(f"{W}t")) for p in root.iter(f"{W}p"))


def count_paragraphs(path: Path) -> int:
    with zipfile.ZipFile(path) as z:
        root = etree.fromstring(z.read("word/document.xml"))
    return sum(1 for _ in root.iter(f"{W}p"))


def scaled(src: Path, k: int, out: Path) -> Path:
    """The fixture with its body repeated k times (sectPr kept once, at the end)."""
    with zipfile.ZipFile(src) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    root = etree.fromstring(parts["word/document.xml"])
    body = root.find(f"{W}body")
    assert body is not None
    sect = body.find(f"{W}sectPr")
    kids = [c for c in body if c is not sect]
    for _ in range(k - 1):
        for c in kids:
            body.insert(len(body) - 1 if sect is not None else len(body), etree.fromstring(etree.tostring(c)))
    parts["word/document.xml"] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return out


def timed(fns, path: Path, repeat: int) -> list[float]:
    """Best of `repeat` runs of this process's CPU time for each of `fns` (timeit's
    convention, on the CPU clock so that other load on a shared machine does not distort
    the ratio). The functions take turns, so a change in the machine's load between
    rounds touches both sides of the ratio alike."""
    runs: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for fn, out in zip(fns, runs, strict=True):
            t0 = time.process_time()
            fn(path)
            out.append(time.process_time() - t0)
    return [min(r) for r in runs]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--scale", type=int, default=20)
    args = ap.parse_args()
    files = list(args.files) or sorted((REPO / "corpus" / "parse" / "docx").glob("*.docx"))
    if not files:
        print("no DOCX files (run corpus/parse/make_docx.py)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        if not args.files:
            biggest = max(files, key=lambda p: p.stat().st_size)
            files.append(scaled(biggest, args.scale, Path(tmp) / f"{biggest.stem}_x{args.scale}.docx"))
        print(f"{'file':40} {'paras':>6} {'baseline p/s':>13} {'dossier p/s':>12} {'ratio':>6}")
        tot_p = tot_b = tot_d = 0.0
        worst = float("inf")
        for f in files:
            n = count_paragraphs(f)
            parse_file(f)  # warm imports and caches
            tb, td = timed((baseline, parse_file), f, args.repeat)
            tot_p, tot_b, tot_d = tot_p + n, tot_b + tb, tot_d + td
            worst = min(worst, tb / td)
            print(f"{f.name[:40]:40} {n:6d} {n / tb:13.0f} {n / td:12.0f} {tb / td:6.2f}")
        ratio = tot_b / tot_d
        print(f"{'all':40} {int(tot_p):6d} {tot_p / tot_b:13.0f} {tot_p / tot_d:12.0f} {ratio:6.2f}")
        print(f"worst single file: {worst:.2f}")
        print(
            f"dossier runs at {ratio:.2f}× the baseline's paragraphs/s (bar ≥ 0.25): {'PASS' if ratio >= 0.25 else 'FAIL'}"
        )
    return 0 if ratio >= 0.25 else 1


if __name__ == "__main__":
    raise SystemExit(main())
