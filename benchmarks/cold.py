"""What a user waits for: whole fresh processes, not a warm loop.

    .venv/bin/python benchmarks/cold.py [--runs 5] [--scale] [--compare pdfplumber,python-docx]

On the ~300-page text dossier of benchmarks/bigdossier.py (10 files: DOCX and PDF with amounts,
dates and tables), alternating A/B so that load on a shared machine hits both alike:
  A  a fresh `dossier check DOSSIER -j yongchuan -s final-acceptance -f json -o …` process,
  B  a fresh raw-extraction process over the same files (benchmarks/rawtext.py: zipfile+lxml for
     DOCX, pypdfium2 text for PDF; it imports nothing from dossier).
CPU is user+sys of the child (os.wait4), wall is the elapsed time; both as median [min–max].
Children run with bytecode caching on (PYTHONDONTWRITEBYTECODE removed), as after `pip install`;
an untimed first round writes the .pyc files.
The ratio is of the CPU medians. Then:
  * `dossier --version` and a check of an empty folder (CPU),
  * peak memory (ru_maxrss of the child) of the text-only check,
  * warm: check_path in this process (pack loaded, imports done) against the raw extraction,
  * with --scale: one 终验投用申请书 of ~100 and of ~1,000 pages (DOCX and its PDF), each checked
    once in a fresh process after a warm-up check of another document (the fixed cost would
    hide the growth), and the ratio per page (bar: 1,000 pages ≤ 11× 100),
  * with --compare: other extractors as their own fresh processes (pdfplumber, python-docx),
  * with --baseline-src DIR: the check and the empty-folder check of another checkout's src/
    (say main's) alternated with these, and whether its report is byte-identical.

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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import bigdossier  # noqa: E402
import rawtext  # noqa: E402


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


# Children are started by this small, freshly exec'd spawner, not by the benchmark itself:
# Linux carries the parent's peak RSS into a forked child's ru_maxrss (exec records the old
# memory map's high-water mark), so children of a grown benchmark process would all report
# its size. The spawner's own RSS is the floor (see `python -c pass`).
SPAWNER = """
import json, os, subprocess, sys, time
for line in sys.stdin:
    cmd, env = json.loads(line)
    t = time.perf_counter()
    env = {**os.environ, **env}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: bytecode cached, not compiled each run
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    err = proc.stderr.read()
    _, status, ru = os.wait4(proc.pid, 0)
    print(json.dumps([ru.ru_utime + ru.ru_stime, time.perf_counter() - t, ru.ru_maxrss / 1024,
                      os.waitstatus_to_exitcode(status), err.decode(errors="replace")[-2000:]]), flush=True)
"""


class Spawner:
    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-I", "-S", "-c", SPAWNER], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)

    def run(self, cmd: Sequence[str], env: dict[str, str]) -> Run:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps([list(cmd), env]) + "\n")
        self.proc.stdin.flush()
        cpu_s, wall, rss, rc, err = json.loads(self.proc.stdout.readline())
        if rc not in (0, 1):
            raise SystemExit(f"{' '.join(cmd)} failed ({rc}):\n{err}")
        return Run(cpu_s, wall, rss, rc)


SPAWN: Spawner | None = None


def run(cmd: Sequence[str]) -> Run:
    global SPAWN
    SPAWN = SPAWN or Spawner()
    env = {}
    if cmd and cmd[0] == NO_SPACY:  # a marker, not a program: run the rest without spaCy
        cmd = cmd[1:]
        env = {"PYTHONPATH": os.pathsep.join(filter(None, [str(STUB), os.environ.get("PYTHONPATH", "")]))}
    elif cmd and cmd[0].startswith(BASELINE):  # a marker: run the rest with dossier from that src/
        env = {"PYTHONPATH": os.pathsep.join(filter(None, [cmd[0][len(BASELINE):], os.environ.get("PYTHONPATH", "")]))}
        cmd = cmd[1:]
    return SPAWN.run(cmd, env)


BASELINE = "--baseline--"


def baseline_cmd(src: Path, cmd: Sequence[str]) -> list[str]:
    """`cmd` (a dossier command) run by `python -m dossier` with the package from `src` (another
    checkout's src/, e.g. main's) ahead of the installed one: before and after in one run."""
    args = list(cmd[1:]) if cmd[0] != sys.executable else list(cmd[3:])
    return [f"{BASELINE}{src.resolve()}", sys.executable, "-m", "dossier", *args]


NO_SPACY = "--without-spacy--"
STUB = Path(tempfile.gettempdir()) / f"dossier-cold-nospacy-{os.getpid()}"
STUB_SPACY = '''"""Stand-in for spaCy (benchmarks/cold.py): blank("zh") gives a tokenizer-less pipeline
whose spans are never found and whose documents have no sentence boundaries, which is what
dossier's facts extraction sees from spacy.blank("zh") (no sentencizer), so reports are equal."""


class _Doc:
    def char_span(self, *args, **kwargs):
        return None

    def has_annotation(self, name):
        return False


class _Blank:
    def make_doc(self, text):
        return _Doc()

    def __call__(self, text):
        return _Doc()


def blank(lang):
    return _Blank()
'''


def write_stub() -> None:
    (STUB / "spacy").mkdir(parents=True, exist_ok=True)
    (STUB / "spacy" / "__init__.py").write_text(STUB_SPACY, encoding="utf-8")


def alternate(cmds: Mapping[str, Sequence[str]], runs: int) -> dict[str, list[Run]]:
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


ONE_CHECK = """
import datetime as dt, gc, json, sys, time
from pathlib import Path
from dossier.check.engine import CheckOptions, check_path
from dossier.packs import load_pack
warm_up, target, facts = Path(sys.argv[1]), Path(sys.argv[2]), json.loads(sys.argv[3])
pack = load_pack("yongchuan")
options = CheckOptions(as_of=dt.date(2023, 10, 20))
check_path(warm_up, pack, "final-acceptance", facts, options)
# As `dossier check` does after loading (cli.py): what is loaded is frozen, so the collector's
# full passes walk what the check makes, not every module and the pack again.
gc.collect()
gc.freeze()
t = time.process_time()
check_path(target, pack, "final-acceptance", facts, options)
print(time.process_time() - t)
"""


def scaling(work: Path, repeat: int) -> list[tuple[str, bool]]:
    """Growth: one 终验投用申请书 of ~100 and of ~1,000 pages. Each measurement is a fresh process
    that first checks another document (imports, pack, first-use setup: the fixed cost would
    hide the growth) and then times one check of the target, so no cache of a previous check
    of the same text flatters it. Median CPU of `repeat` alternated runs."""
    folder, _ = bigdossier.text_dossier()
    warm_up = work / "warm-up"
    warm_up.mkdir()
    shutil.copy(folder / "03_项目建设报告.docx", warm_up)
    facts = json.dumps(bigdossier.FACTS)
    bars = []
    print(f"\nscaling: one check after a warm-up check in a fresh process, median CPU of {repeat}:")
    for fmt in ("docx", "pdf"):
        targets = []
        for size in (100, 1000):
            docx, pdf, pages = bigdossier.long_document(size)
            one = work / f"{fmt}-{size}"
            one.mkdir()
            src = docx if fmt == "docx" else pdf
            shutil.copy(src, one / src.name)
            targets.append((pages, one))
        times: list[list[float]] = [[], []]
        for r in range(repeat):
            for k in ((0, 1) if r % 2 == 0 else (1, 0)):
                out = subprocess.run([sys.executable, "-c", ONE_CHECK, str(warm_up), str(targets[k][1]), facts],
                                     capture_output=True, text=True, check=True)
                times[k].append(float(out.stdout.split()[-1]))
        (p0, _), (p1, _) = targets
        t0, t1 = statistics.median(times[0]), statistics.median(times[1])
        print(f"  {fmt} {p0:4d} pages: check_path {spread(times[0])} s")
        print(f"  {fmt} {p1:4d} pages: check_path {spread(times[1])} s")
        # The generated documents do not come out at exactly 100 and 1,000 pages, so the bar
        # (1,000 pages ≤ 11× 100 pages) is read per page: growth = time ratio / page ratio ≤ 1.1.
        growth = (t1 / t0) / (p1 / p0)
        print(f"  {fmt}: {t1 / t0:.2f}× the time for {p1 / p0:.2f}× the pages; per page {growth:.2f} "
              f"(≈ {10 * growth:.1f}× for 10× the pages)")
        # The outline's pages (the first ~26) carry less text than the chapters after them, so
        # the long document has more text per page than the short one: per character is the
        # reading that says whether the check itself grows faster than its input.
        c0, c1 = (rawtext.extract(folder) for _, folder in targets)
        print(f"  {fmt}: {c1 / c0:.2f}× the characters; per character {(t1 / t0) / (c1 / c0):.2f}")
        bars.append((f"{fmt}: 1,000 pages ≤ 11× 100 pages, per page ≤ 1.1: {growth:.2f}", growth <= 1.1))
    return bars


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5, help="alternated A/B runs (medians count)")
    ap.add_argument("--scale", action="store_true", help="also 100 vs 1,000 pages")
    ap.add_argument("--compare", default="", help="comma-separated: pdfplumber, python-docx")
    ap.add_argument("--baseline-src", type=Path,
                    help="another checkout's src/ (e.g. main's): its check and empty-folder check run alternated "
                         "with this one's, so before/after are measured under the same load")
    ap.add_argument("--without-spacy", action="store_true",
                    help="also check with spaCy replaced by a stand-in (what the check is without it)")
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
        if args.without_spacy:
            write_stub()
            cmds["dossier check, spaCy stubbed"] = [NO_SPACY, *check_cmd(folder, work / "report-nospacy.json")]
        if args.baseline_src:
            cmds["dossier check, baseline src"] = baseline_cmd(args.baseline_src,
                                                               check_cmd(folder, work / "report-baseline.json"))
        for how in filter(None, args.compare.split(",")):
            cmds[f"raw extraction ({how})"] = [*raw, "--with", how]
        res = alternate(cmds, args.runs)
        report = json.loads((work / "report.json").read_text(encoding="utf-8"))
        if args.without_spacy:
            same = (work / "report.json").read_bytes() == (work / "report-nospacy.json").read_bytes()
            print(f"report with the spaCy stand-in byte-identical: {same}")
        if args.baseline_src:
            same = (work / "report.json").read_bytes() == (work / "report-baseline.json").read_bytes()
            print(f"report byte-identical to the baseline's: {same}")
        small_cmds = {
            "dossier --version": [*dossier_cmd(), "--version"],
            "dossier check (empty folder)": check_cmd(work / "empty", work / "empty.json"),
            "python -c pass": [sys.executable, "-c", "pass"],
        }
        if args.baseline_src:
            small_cmds["dossier check (empty), baseline src"] = baseline_cmd(
                args.baseline_src, check_cmd(work / "empty", work / "empty-baseline.json"))
        small = alternate(small_cmds, args.runs)
        print(f"\ncold, whole processes, {args.runs} alternated runs, median [min–max]:")
        for name, rs in {**res, **small}.items():
            print(line(name, rs))
        ratio = cpu(res["dossier check (300 pages)"]) / cpu(res["raw extraction"])
        print(f"  ({len(report['findings'])} findings, exit {res['dossier check (300 pages)'][0].rc})")
        print(f"cold ratio check / raw extraction (CPU medians): {ratio:.2f}×")
        for name in cmds:
            if name.startswith("raw extraction ("):
                print(f"  check / {name}: {cpu(res['dossier check (300 pages)']) / cpu(res[name]):.2f}×")
        if args.baseline_src:
            print(f"  baseline check / raw extraction: "
                  f"{cpu(res['dossier check, baseline src']) / cpu(res['raw extraction']):.2f}×")
        if args.without_spacy:
            print(f"  check with spaCy stubbed / raw extraction: "
                  f"{cpu(res['dossier check, spaCy stubbed']) / cpu(res['raw extraction']):.2f}×")
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
            bars += scaling(work, max(3, args.runs))
    print()
    for text, ok in bars:
        print(f"{'PASS' if ok else 'MISS'}  {text}")
    return 0 if all(ok for _, ok in bars) else 1


if __name__ == "__main__":
    sys.exit(main())
