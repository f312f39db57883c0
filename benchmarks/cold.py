"""What a user waits for: whole fresh processes, not a warm loop.

    .venv/bin/python benchmarks/cold.py [--runs 5] [--scale] [--compare pdfplumber,python-docx]

On the ~300-page text dossier of benchmarks/bigdossier.py (10 files: DOCX and PDF with amounts,
dates and tables), alternating A/B so that load on a shared machine hits both alike:
  A  a fresh `dossier check DOSSIER -j yongchuan -s final-acceptance -f json -o …` process,
  B  a fresh raw-extraction process over the same files (benchmarks/rawtext.py: zipfile+lxml for
     DOCX, pypdfium2 text for PDF; it imports nothing from dossier).
CPU is user+sys of the child (os.wait4), wall is the elapsed time; both as median [min–max].
The ratio is of the CPU medians. Then:
  * `dossier --version` and a check of an empty folder (CPU),
  * peak memory (ru_maxrss of the child) of the text-only check,
  * warm: check_path in this process (pack loaded, imports done) against the raw extraction,
  * with --scale: one 终验投用申请书 of ~100 and of ~1,000 pages (DOCX and its PDF), each checked
    in a fresh process, and the 1,000 / 100 ratio of CPU (bar ≤ 11×),
  * with --compare: other extractors as their own fresh processes (pdfplumber, python-docx).

Bars (issue 17): check ≤ 3 × raw (CPU), --version ≤ 0.15 s, empty folder ≤ 0.35 s, peak ≤ 100 MB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import bigdossier  # noqa: E402


@dataclass(frozen=True)
class Run:
    cpu: float
    wall: float
    rss_mb: float
    rc: int


def dossier_cmd() -> list[str]:
    """The installed console script when there is one (what users run), else `python -m dossier`."""
    script = Path(sys.executable).with_name("dossier")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "dossier"]


def run(cmd: Sequence[str]) -> Run:
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, ru = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t
    rc = proc.returncode
    if rc not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({rc}):\n{err.decode(errors='replace')[-2000:]}")
    return Run(ru.ru_utime + ru.ru_stime, wall, ru.ru_maxrss / 1024, rc)


def alternate(cmds: dict[str, Sequence[str]], runs: int) -> dict[str, list[Run]]:
    out: dict[str, list[Run]] = {k: [] for k in cmds}
    for cmd in cmds.values():  # one untimed round: page cache, .pyc files
        run(cmd)
    for i in range(runs):
        order = list(cmds.items())
        if i % 2:
            order.reverse()
        for name, cmd in order:
            out[name].append(run(cmd))
    return out


def spread(xs: Sequence[float]) -> str:
    return f"{statistics.median(xs):6.3f} [{min(xs):.3f}–{max(xs):.3f}]"


def line(name: str, rs: Sequence[Run]) -> str:
    return (f"  {name:34s} CPU {spread([r.cpu for r in rs])} s   wall {spread([r.wall for r in rs])} s   "
            f"peak {max(r.rss_mb for r in rs):4.0f} MB")


def cpu(rs: Sequence[Run]) -> float:
    return statistics.median(r.cpu for r in rs)


def check_cmd(path: Path, out: Path) -> list[str]:
    return [*dossier_cmd(), "check", str(path), "-j", bigdossier.JURISDICTION, "-s", bigdossier.STAGE,
            "--facts", str(out.parent / "facts.yaml"), "--as-of", "2023-10-20", "-f", "json", "-o", str(out)]


def warm(folder: Path, repeat: int) -> tuple[float, float]:
    import rawtext

    from dossier.check.engine import CheckOptions, check_path
    from dossier.packs import load_pack

    pack = load_pack(bigdossier.JURISDICTION)
    options = CheckOptions(as_of=dt.date(2023, 10, 20))

    def best(fn: Callable[[], object]) -> float:
        times = []
        for _ in range(repeat):
            t = time.process_time()
            fn()
            times.append(time.process_time() - t)
        return min(times)

    rawtext.extract(folder)
    check_path(folder, pack, bigdossier.STAGE, bigdossier.FACTS, options)
    return (best(lambda: check_path(folder, pack, bigdossier.STAGE, bigdossier.FACTS, options)),
            best(lambda: rawtext.extract(folder)))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5, help="alternated A/B runs (medians count)")
    ap.add_argument("--scale", action="store_true", help="also 100 vs 1,000 pages")
    ap.add_argument("--compare", default="", help="comma-separated: pdfplumber, python-docx")
    args = ap.parse_args(argv)

    folder, pages = bigdossier.text_dossier()
    print(f"dossier: {len(pages)} files, {sum(pages.values())} pages, "
          f"{sum(f.stat().st_size for f in folder.iterdir()) / 1e6:.1f} MB  ({folder})")
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} "
          "(shared: compare ratios, not seconds)")
    raw = [sys.executable, str(HERE / "rawtext.py"), str(folder)]
    bars: list[tuple[str, bool]] = []
    with tempfile.TemporaryDirectory(prefix="dossier-cold-") as tmp:
        work = Path(tmp)
        (work / "facts.yaml").write_text(json.dumps(bigdossier.FACTS), encoding="utf-8")
        (work / "empty").mkdir()
        cmds = {"dossier check (300 pages)": check_cmd(folder, work / "report.json"), "raw extraction": raw}
        for how in filter(None, args.compare.split(",")):
            cmds[f"raw extraction ({how})"] = [*raw, "--with", how]
        res = alternate(cmds, args.runs)
        report = json.loads((work / "report.json").read_text(encoding="utf-8"))
        small = alternate({
            "dossier --version": [*dossier_cmd(), "--version"],
            "dossier check (empty folder)": check_cmd(work / "empty", work / "empty.json"),
            "python -c pass": [sys.executable, "-c", "pass"],
        }, args.runs)
        print(f"\ncold, whole processes, {args.runs} alternated runs, median [min–max]:")
        for name, rs in {**res, **small}.items():
            print(line(name, rs))
        ratio = cpu(res["dossier check (300 pages)"]) / cpu(res["raw extraction"])
        print(f"  ({len(report['findings'])} findings, exit {res['dossier check (300 pages)'][0].rc})")
        print(f"cold ratio check / raw extraction (CPU medians): {ratio:.2f}×")
        for name in cmds:
            if name.startswith("raw extraction ("):
                print(f"  check / {name}: {cpu(res['dossier check (300 pages)']) / cpu(res[name]):.2f}×")
        peak = max(r.rss_mb for r in res["dossier check (300 pages)"])
        bars += [
            (f"cold check ≤ 3× raw extraction (CPU): {ratio:.2f}×", ratio <= 3),
            (f"dossier --version ≤ 0.15 s CPU: {cpu(small['dossier --version']):.3f} s",
             cpu(small["dossier --version"]) <= 0.15),
            (f"empty-folder check ≤ 0.35 s CPU: {cpu(small['dossier check (empty folder)']):.3f} s",
             cpu(small["dossier check (empty folder)"]) <= 0.35),
            (f"peak memory of the text-only check ≤ 100 MB: {peak:.0f} MB", peak <= 100),
        ]

        t_check, t_raw = warm(folder, max(2, args.runs // 2))
        print(f"\nwarm, in this process (imports done, pack loaded), best CPU of {max(2, args.runs // 2)}:")
        print(f"  check_path {t_check:.3f} s, raw extraction {t_raw:.3f} s: {t_check / t_raw:.2f}×")

        if args.scale:
            print("\nscaling: one 终验投用申请书, fresh `dossier check` processes, CPU median [min–max]:")
            for fmt in ("docx", "pdf"):
                docs = {}
                page_counts = []
                for target in (100, 1000):
                    docx, pdf, n = bigdossier.long_document(target)
                    page_counts.append(n)
                    src = docx if fmt == "docx" else pdf
                    one = work / f"{fmt}-{target}"
                    one.mkdir()
                    shutil.copy(src, one / src.name)
                    docs[f"{fmt} {n} pages"] = check_cmd(one, work / f"{fmt}-{target}.json")
                    docs[f"raw {fmt} {n} pages"] = [*raw[:2], str(one)]
                rs = alternate(docs, max(3, args.runs // 2))
                for name, r in rs.items():
                    print(line(name, r))
                names = [k for k in docs if not k.startswith("raw")]
                # Whole processes (the fixed start-up cost is in both). The generated documents
                # do not come out at exactly 100 and 1,000 pages, so the bar (1,000 pages ≤ 11×
                # 100 pages) is read per page: growth = time ratio / page ratio ≤ 1.1.
                scale = cpu(rs[names[1]]) / cpu(rs[names[0]])
                raw_scale = cpu(rs["raw " + names[1]]) / cpu(rs["raw " + names[0]])
                page_ratio = page_counts[1] / page_counts[0]
                growth = scale / page_ratio
                print(f"  {fmt}: {names[1]} / {names[0]}: {scale:.2f}× for {page_ratio:.2f}× the pages "
                      f"(raw extraction: {raw_scale:.2f}×); per page: {growth:.2f}")
                bars.append((f"{fmt}: per-page cost growth ≤ 1.1 (1,000 pages ≤ 11× 100): {growth:.2f} "
                             f"(≈ {10 * growth:.1f}× for 10× the pages)", growth <= 1.1))
    print()
    for text, ok in bars:
        print(f"{'PASS' if ok else 'MISS'}  {text}")
    return 0 if all(ok for _, ok in bars) else 1


if __name__ == "__main__":
    sys.exit(main())
