"""Legacy Word benchmark: a dossier of 20 different .doc files against a dossier of one.

    .venv/bin/python benchmarks/convert.py [--files 20] [--baseline]

Twenty different reports are written with python-docx and saved as .doc by LibreOffice
(set-up, not timed). Then `dossier check` runs as a user runs it (a fresh process: Python,
pack, LibreOffice start all counted) on a folder of one .doc and on a folder of all of
them. Bar (issue 15): 20 files in ≤ 4× the time of one. With --baseline the same two
checks run with the long-lived converter off (DOSSIER_LO_SERVER=0: one soffice per file,
as before) and the ratios are printed beside it. The load average is printed: on a
shared machine wall times say as much about the others.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import docx

from dossier.parse.convert import convert_many

CHAPTERS = ("项目概况", "建设内容", "实施情况", "资金使用", "运行维护", "存在问题", "下一步计划", "结论")
SENTENCE = "项目建设单位按照全区政务信息化总体规划，统筹推进数据共享和业务协同，系统运行稳定。"


def _report(k: int, out: Path) -> Path:
    d = docx.Document()
    d.add_heading(f"永川区第{k + 1}号政务信息化项目建设报告", 0)
    for i, title in enumerate(CHAPTERS[: 4 + k % 5]):
        d.add_heading(f"{'一二三四五六七八'[i]}、{title}", 1)
        for j in range(2 + (k + i) % 3):
            d.add_heading(f"（{'一二三'[j % 3]}）{title}第{j + 1}部分", 2)
            d.add_paragraph(SENTENCE * (2 + (k * 7 + i + j) % 4))
    d.save(str(out))
    return out


def _check(folder: Path, server: bool) -> float:
    env = {**os.environ, "DOSSIER_LO_SERVER": "1" if server else "0"}
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "dossier", "check", str(folder), "-j", "yongchuan", "-s",
                        "final-acceptance", "-f", "json", "-o", str(folder.parent / f"{folder.name}.json"),
                        "--fail-on", "never"], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"dossier check failed ({r.returncode}): {r.stderr[-2000:]}")
    return wall


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=20)
    ap.add_argument("--baseline", action="store_true", help="also time one soffice per file (slow)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="dossier-convert-bench-") as tmp:
        t = Path(tmp)
        src = [_report(k, t / f"{k + 1:02d}_建设报告{k + 1}.docx") for k in range(args.files)]
        made = convert_many(src, t / "doc", to="doc")
        docs = [p for p in made.values() if isinstance(p, Path)]
        if len(docs) != args.files:
            raise SystemExit(f"set-up: only {len(docs)} of {args.files} .doc files were made: {made}")
        one, many = t / "one", t / "many"
        one.mkdir()
        many.mkdir()
        (one / docs[0].name).write_bytes(docs[0].read_bytes())
        for d in docs:
            (many / d.name).write_bytes(d.read_bytes())
        print(f"{args.files} different .doc files; cores {len(os.sched_getaffinity(0))}; "
              f"load average {os.getloadavg()[0]:.1f}")
        modes = [True, *([False] if args.baseline else [])]
        for server in modes:
            a = _check(one, server)
            b = _check(many, server)
            name = "long-lived LibreOffice" if server else "one soffice per file"
            print(f"{name:24s}: 1 file {a:6.1f} s, {args.files} files {b:6.1f} s, ratio {b / a:.2f} "
                  f"(bar ≤ 4: {'met' if b / a <= 4 else 'NOT met'}); load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
