"""Benchmark: `dossier check` on the ~300-page text dossier vs the raw extraction baseline.

    .venv/bin/python benchmarks/check.py [--repeat 3] [--runs 3] [--keep DIR]

The dossier is benchmarks/bigdossier.py's `text_dossier()` (永川 终验投用: 6 DOCX + 4 PDF made
from DOCX with soffice, amounts, dates and tables; built once into benchmarks/.cache/). The
baseline is benchmarks/rawtext.py, the least any checker must do: zipfile + lxml reading the
text of word/document.xml for DOCX, pypdfium2 get_text_range on every page for PDF.
Bar (issue 4): check ≤ 3 × baseline. Two figures:
  * cold (first; what a user waits for): a fresh `dossier check` process against a fresh
    rawtext.py process over the same files, alternated --runs times, CPU medians
    (benchmarks/cold.py's measurement; its other figures with `cold.py`);
  * warm: best wall time of --repeat runs of check_path in this process against rawtext.extract,
    which flatters the check (imports, pack and caches paid once), then where the time goes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import bigdossier  # noqa: E402
import cold  # noqa: E402
import rawtext  # noqa: E402

from dossier.check.engine import CheckOptions, check_parsed, check_path, ingest_and_parse  # noqa: E402
from dossier.packs import load_pack  # noqa: E402


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def cold_ratio(folder: Path, runs: int) -> float:
    """Whole processes, alternated: `dossier check` against rawtext.py; prints both, returns the ratio."""
    with tempfile.TemporaryDirectory(prefix="dossier-bench-cold-") as tmp:
        work = Path(tmp)
        (work / "facts.yaml").write_text(json.dumps(bigdossier.FACTS), encoding="utf-8")
        res = cold.alternate({"dossier check": cold.check_cmd(folder, work / "report.json"),
                              "raw extraction": [sys.executable, str(HERE / "rawtext.py"), str(folder)]}, runs)
    print(f"cold, whole processes, {runs} alternated runs, median [min–max]:")
    for name, rs in res.items():
        print(cold.line(name, rs))
    ratio = cold.cpu(res["dossier check"]) / cold.cpu(res["raw extraction"])
    print(f"  ratio check / raw extraction (CPU medians): {ratio:.2f}×  (bar ≤ 3×: {'PASS' if ratio <= 3 else 'MISS'})")
    return ratio


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="warm runs (the best counts)")
    ap.add_argument("--runs", type=int, default=3, help="cold alternated runs (the medians count)")
    ap.add_argument("--keep", type=Path, help="also copy the generated dossier here")
    args = ap.parse_args(argv)
    folder, pages = bigdossier.text_dossier()
    if args.keep:
        shutil.copytree(folder, args.keep, dirs_exist_ok=True)
    size = sum(f.stat().st_size for f in folder.iterdir())
    print(f"dossier: {len(pages)} files, {sum(pages.values())} pages, {size / 1e6:.1f} MB  ({folder})")
    for name, n in pages.items():
        print(f"  {n:4d} pages  {name}")
    cold_ratio(folder, args.runs)

    pack = load_pack(bigdossier.JURISDICTION)
    options = CheckOptions(as_of=dt.date(2023, 10, 20))
    facts, stage = bigdossier.FACTS, bigdossier.STAGE
    chars = rawtext.extract(folder)  # warm-up (imports, page cache)
    report = check_path(folder, pack, stage, facts, options)
    t_base = best(lambda: rawtext.extract(folder), args.repeat)
    t_check = best(lambda: check_path(folder, pack, stage, facts, options), args.repeat)

    # Per phase: ingest + parse, then everything after (classify, match, extract, rules, report).
    def phases() -> tuple[float, float]:
        with tempfile.TemporaryDirectory(prefix="dossier-") as w:
            t0 = time.perf_counter()
            parsed, gaps = ingest_and_parse(folder, Path(w))
            t1 = time.perf_counter()
            check_parsed(parsed, gaps, folder.name, pack, stage, facts, options)
            return t1 - t0, time.perf_counter() - t1

    runs = [phases() for _ in range(args.repeat)]
    t_parse = min(r[0] for r in runs)
    t_rest = min(r[1] for r in runs)
    # Per format: where the parse time goes (the parser vs the same files' raw text).
    from dossier.parse import parse_file

    per_format = {}
    for suffix in (".docx", ".pdf"):
        files = [f for f in sorted(folder.iterdir()) if f.suffix == suffix]
        t_raw = best(lambda s=suffix: rawtext.extract(folder, suffix=s), args.repeat)  # type: ignore[misc]
        t_parsed = best(lambda fs=files: [parse_file(f) for f in fs], args.repeat)  # type: ignore[misc]
        per_format[suffix] = (len(files), sum(pages[f.name] for f in files), t_raw, t_parsed)

    missing = sum(1 for m in report.materials if m.status == "missing")
    print(f"\nwarm, in this process (imports done, pack loaded), best wall of {args.repeat}:")
    print(f"  baseline (zipfile+lxml, pypdfium2 text): {t_base:.3f} s  ({chars} chars)")
    print(f"  check_path:                              {t_check:.3f} s  "
          f"({len(report.findings)} findings, {missing} materials missing)")
    print(f"    ingest + parse {t_parse:.3f} s, classify/match/extract/rules/report {t_rest:.3f} s")
    for suffix, (n, pg, t_raw, t_parsed) in per_format.items():
        print(f"    {suffix:5s} {n} files {pg:3d} pages: raw text {t_raw:.3f} s, parse_file {t_parsed:.3f} s "
              f"({t_parsed / t_raw:.1f}×)")
    ratio = t_check / t_base
    print(f"  ratio check / baseline (warm): {ratio:.2f}×  (bar ≤ 3×: {'PASS' if ratio <= 3 else 'FAIL'})")
    return 0 if ratio <= 3 else 1


if __name__ == "__main__":
    sys.exit(main())
