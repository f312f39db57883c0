"""Hostile-input benchmark: each resource-exhaustion case of issue 12 through the real CLI.

    .venv/bin/python benchmarks/hostile.py [--case ID ...] [--timeout S] [--json FILE]

Every case is built in the run (tests/hostile/hostile_cases.py: small files that inflate to
millions of cells, runs, paragraphs, shared strings, parts or pages, or one enormous page),
put alone in a dossier and checked with
`dossier check DIR -j yongchuan -s final-acceptance -f json -o OUT/report.json` under the
CLI's default limits (sandbox: 4 GB address space and 120 s per file, 900 s per dossier).
Printed per case: exit code, wall and CPU time, and the peak resident memory of the whole
process tree (the CLI, its parse sandbox and any LibreOffice they start, sampled every
20 ms), and the finding that names the file. The bar: peak < 1 GB, finished well inside
the limits, a finding that says what was not read. The load average is printed: on a shared
machine wall times say as much about the others.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "hostile"))
from hostile_cases import CASES  # noqa: E402
from hostile_support import _tree_rss  # noqa: E402

_SHOWN_FIRST = {"DOS-P003": 0, "DOS-P006": 1, "DOS-P002": 2, "DOS-P001": 3}


def run_case(case: str, timeout: float) -> dict[str, Any]:
    name, build = CASES[case]
    with tempfile.TemporaryDirectory(prefix="dossier-hostile-") as tmp:
        root = Path(tmp)
        (root / "in").mkdir()
        (root / "out").mkdir()
        data = build()
        (root / "in" / name).write_bytes(data)
        env = {k: v for k, v in os.environ.items() if not k.startswith("DOSSIER_")}
        env["TMPDIR"] = str(root)
        cmd = [sys.executable, "-m", "dossier", "check", str(root / "in"), "-j", "yongchuan", "-s",
               "final-acceptance", "-f", "json", "-o", str(root / "out" / "report.json")]
        started = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                                start_new_session=True)
        peak = 0
        stop = threading.Event()

        def sample() -> None:
            nonlocal peak
            ps = psutil.Process(proc.pid)
            while not stop.is_set():
                peak = max(peak, _tree_rss(ps))
                stop.wait(0.02)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        timer = threading.Timer(timeout, lambda: os.killpg(proc.pid, 9))
        timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        timer.cancel()
        wall = time.monotonic() - started
        stop.set()
        sampler.join()
        assert proc.stderr is not None
        err = proc.stderr.read().decode("utf-8", "replace")
        proc.stderr.close()
        rc = os.waitstatus_to_exitcode(status)
        report_path = root / "out" / "report.json"
        findings: list[str] = []
        if report_path.is_file():
            report = json.loads(report_path.read_text(encoding="utf-8"))
            mine = [f for f in report["findings"] if f["location"].get("file") == name or name in f["message"]]
            # The finding that says what was refused or left unread first.
            mine.sort(key=lambda f: (_SHOWN_FIRST.get(f["code"], len(_SHOWN_FIRST)), f["code"]))
            findings = [f"{f['code']} {f['message']}" for f in mine]
        return {"case": case, "bytes": len(data), "rc": rc, "wall_s": round(wall, 1),
                "cpu_s": round(usage.ru_utime + usage.ru_stime, 1), "peak_mib": round(peak / 2**20),
                "timed_out": rc == -9, "finding": findings[0] if findings else (err.strip().splitlines() or [""])[-1]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--case", action="append", choices=sorted(CASES), help="run only these cases")
    ap.add_argument("--timeout", type=float, default=600.0, help="kill a case after this many seconds")
    ap.add_argument("--json", type=Path, help="also write the rows as JSON lines here")
    args = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"{'case':<24} {'size':>9} {'rc':>3} {'wall s':>7} {'CPU s':>7} {'peak MiB':>9}  finding")
    for case in args.case or list(CASES):
        row = run_case(case, args.timeout)
        size = f"{row['bytes'] / 1024:.0f} KB"
        print(f"{case:<24} {size:>9} {row['rc']:>3} {row['wall_s']:>7} {row['cpu_s']:>7} {row['peak_mib']:>9}  "
              f"{row['finding'][:110]}", flush=True)
        if args.json:
            with args.json.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
