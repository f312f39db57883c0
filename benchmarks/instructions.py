"""Cold `dossier check` against a raw extraction, counted in instructions rather than seconds.

    .venv/bin/python benchmarks/instructions.py [--baseline-src DIR]

CPU seconds on a shared machine move by 10–25 % from one minute to the next (cold.py
alternates runs and takes medians to live with it); an instruction count does not move at
all. Under valgrind's callgrind (apt: valgrind; ~1 minute a run), on the ~300-page text
dossier of benchmarks/bigdossier.py, this counts the instructions of:
  A  a fresh `dossier check DOSSIER -j yongchuan -s final-acceptance -f json -o …` process and
     its parse sandbox, split into: before the sandbox is forked (start-up, imports, pack,
     ingest), the sandbox (parsing), the checker after the fork (the check and its report);
  B  a fresh raw-extraction process over the same files (benchmarks/rawtext.py);
and prints A / B (issue 17's bar is on CPU time, ≤ 3×; instructions track it closely but not
exactly: pdfium's C code retires more instructions per cycle than the interpreter). With
--baseline-src, the check of another checkout's src/ (say main's) is counted too.
Bytecode is cached as after `pip install` (an untimed first run writes it).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import bigdossier  # noqa: E402

CHECK = "import sys; sys.argv = ['dossier'] + sys.argv[1:]; from dossier.__main__ import run; run()"


def _env(src: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if src is not None:
        env["PYTHONPATH"] = str(src)
    return env


def _callgrind(cmd: list[str], env: dict[str, str], work: Path, *, split_at_fork: bool) -> dict[str, int]:
    """Instructions of `cmd` (and of the processes it forks), by part."""
    out = work / "cg"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    vg = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}/cg.%p"]
    if split_at_fork:
        vg.append("--dump-before=os_fork")  # the checker's count up to the fork is its own file
    subprocess.run(vg + cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    counts: dict[str, int] = {}
    for f in sorted(out.iterdir()):
        head = f.read_text(errors="replace")[:4000]
        m = re.search(r"^(?:summary|totals): (\d+)", head, re.M)
        if m:
            counts[f.name] = int(m.group(1))
    if not split_at_fork:
        return {"total": sum(counts.values())}
    first_pid = min(int(n.split(".")[1]) for n in counts)
    parts = {"before the fork": 0, "parse sandbox": 0, "checker after the fork": 0}
    for name, n in counts.items():
        pid = int(name.split(".")[1])
        if name.endswith(".1") and pid == first_pid:
            parts["before the fork"] += n
        elif pid == first_pid:
            parts["checker after the fork"] += n
        else:
            parts["parse sandbox"] += n
    parts["total"] = sum(parts.values())
    return parts


def _check(folder: Path, src: Path | None, work: Path) -> dict[str, int]:
    cmd = [sys.executable, "-c", CHECK, "check", str(folder), "-j", "yongchuan", "-s", "final-acceptance",
           "-f", "json", "-o", str(work / "report.json")]
    env = _env(src)
    (work / "report.json").unlink(missing_ok=True)
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # writes the .pyc files
    (work / "report.json").unlink(missing_ok=True)
    return _callgrind(cmd, env, work, split_at_fork=True)


def _raw(folder: Path, work: Path) -> int:
    cmd = [sys.executable, str(HERE / "rawtext.py"), str(folder)]
    subprocess.run(cmd, env=_env(None), stdout=subprocess.DEVNULL, check=True)
    return _callgrind(cmd, _env(None), work, split_at_fork=False)["total"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline-src", type=Path, help="another checkout's src/ to count as well")
    args = ap.parse_args(argv)
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 2
    folder, pages = bigdossier.text_dossier()
    print(f"dossier: {len(pages)} files, {sum(pages.values())} pages  ({folder})")
    with tempfile.TemporaryDirectory(prefix="dossier-instr-") as tmp:
        work = Path(tmp)
        raw = _raw(folder, work)
        runs = [("dossier check", _check(folder, HERE.parent / "src", work))]
        if args.baseline_src is not None:
            runs.append((f"baseline ({args.baseline_src})", _check(folder, args.baseline_src.resolve(), work)))
    print(f"\nraw extraction: {raw / 1e6:,.0f} M instructions")
    for name, parts in runs:
        print(f"\n{name}: {parts['total'] / 1e6:,.0f} M instructions, {parts['total'] / raw:.2f}× raw extraction")
        for part in ("before the fork", "parse sandbox", "checker after the fork"):
            print(f"  {part:24s} {parts[part] / 1e6:7,.0f} M")
    if len(runs) == 2:
        print(f"\ncheck / baseline: {runs[0][1]['total'] / runs[1][1]['total']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
