"""Benchmark `dossier scan` on a generated archive.

    .venv/bin/python benchmarks/scan.py [--dossiers 1000] [--files 4] [--repeat N] [--keep DIR]

Generates N small yongchuan final-acceptance dossiers (a few DOCX templates written once with
python-docx, then copied per dossier with a varied body so every file hashes differently;
every tenth dossier is zipped), then measures in one run:
  - cold throughput with --jobs 1 and --jobs 2 (bar: >= 1.8x at 1,000, >= 1.7x at 300); with
    --repeat N the two alternate N times and the fastest of each counts (these machines are noisy:
    the same scan varies by 10-20 % from one minute to the next),
  - a warm re-scan against the cold --jobs 2 run (bar: >= 50x at 1,000, >= 10x at 300),
  - peak memory, the RSS summed over this process and all its descendants, sampled (bar: <= 500 MB),
  - that portfolio.xlsx and dashboard.html were written.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import shutil
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import psutil
from docx import Document as Docx

from dossier.scan import ScanOptions, scan_archive
from dossier.scan.work import Settings

TITLES = ("永川区政务信息化项目终验投用申请书", "项目建设报告", "项目监理报告", "初验试用报告",
          "安全评估报告", "信息资源共享报告", "档案验收", "运维计划")
MARK = "NUMBERMARK"


def _template(title: str) -> dict[str, bytes]:
    d = Docx()
    d.add_paragraph(title, style="Title")
    d.add_heading("一、项目概述", level=1)
    d.add_paragraph(f"第{MARK}号项目：{title}，本项目已按计划完成建设并投入试运行。")
    d.add_heading("二、主要内容", level=1)
    d.add_paragraph("建设内容、主要功能、目标完成和资金使用情况见附件。")
    buf = io.BytesIO()
    d.save(buf)
    with zipfile.ZipFile(buf) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _vary(parts: dict[str, bytes], n: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            if name == "word/document.xml":
                data = data.replace(MARK.encode(), str(n).encode())
            zf.writestr(name, data)
    return buf.getvalue()


def generate(root: Path, dossiers: int, files: int) -> None:
    templates = [(t, _template(t)) for t in TITLES[:files]]
    for n in range(dossiers):
        name = f"项目{n:05d}"
        docs = [(f"{i:02d}_{t}.docx", _vary(parts, n)) for i, (t, parts) in enumerate(templates)]
        if n % 10 == 9:
            with zipfile.ZipFile(root / f"{name}.zip", "w") as zf:
                for fn, data in docs:
                    zf.writestr(f"{name}/{fn}", data)
        else:
            (root / name).mkdir()
            for fn, data in docs:
                (root / name / fn).write_bytes(data)


class PeakMemory:
    """Sum of RSS over this process and its descendants (pool workers, parse sandboxes)."""

    def __init__(self, every: float = 0.05) -> None:
        self.every = every
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for p in [me, *me.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    total += p.memory_info().rss
            self.peak = max(self.peak, total)
            self._stop.wait(self.every)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def timed(root: Path, out: Path, jobs: int) -> tuple[float, int, int]:
    opts = ScanOptions(out=out, settings=Settings(), jobs=jobs, progress=False)
    with PeakMemory() as mem:
        t0 = time.perf_counter()
        result = scan_archive(root, opts)
        seconds = time.perf_counter() - t0
    assert result.dossiers == result.checked or result.checked == 0
    return seconds, mem.peak, result.checked


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dossiers", type=int, default=1000)
    ap.add_argument("--files", type=int, default=4, help="DOCX files per dossier (1-8)")
    ap.add_argument("--repeat", type=int, default=1, help="Cold runs of each --jobs, alternating; the fastest counts")
    ap.add_argument("--keep", type=Path, help="Work here and keep it (default: a temp dir, removed)")
    args = ap.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="dossier-bench-"))
    base.mkdir(parents=True, exist_ok=True)
    root = base / "archive"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir()
    try:
        t0 = time.perf_counter()
        generate(root, args.dossiers, max(1, min(args.files, len(TITLES))))
        print(f"generated {args.dossiers} dossiers x {args.files} files in {time.perf_counter() - t0:.1f}s", flush=True)
        out1, out2 = base / "out-jobs1", base / "out-jobs2"
        runs: dict[int, list[tuple[float, int, int]]] = {1: [], 2: []}
        for _ in range(max(1, args.repeat)):
            for jobs, out in ((1, out1), (2, out2)):
                shutil.rmtree(out, ignore_errors=True)
                seconds, mem, n = timed(root, out, jobs)
                runs[jobs].append((seconds, mem, n))
                print(f"cold --jobs {jobs}: {seconds:.1f}s ({n / seconds:.1f} dossiers/s), peak {mem / 2**20:.0f} MB",
                      flush=True)
        cold1, cold2 = (min(t for t, _, _ in runs[j]) for j in (1, 2))
        mem1, mem2 = (max(m for _, m, _ in runs[j]) for j in (1, 2))
        warm, mem3, n3 = timed(root, out2, 2)
        print(f"warm --jobs 2: {warm:.2f}s ({n3} re-checked), peak {mem3 / 2**20:.0f} MB", flush=True)
        speedup = cold1 / cold2
        warm_ratio = cold2 / warm
        peak = max(mem1, mem2, mem3) / 2**20
        big = args.dossiers >= 1000
        bars = [
            (f"2 workers / 1 worker throughput: {speedup:.2f}x", speedup >= (1.8 if big else 1.7)),
            (f"warm re-scan vs cold: {warm_ratio:.1f}x", warm_ratio >= (50 if big else 10)),
            (f"peak memory (RSS summed over the process tree): {peak:.0f} MB", peak <= 500),
            ("portfolio.xlsx and dashboard.html written",
             all((o / n).is_file() for o in (out1, out2) for n in ("portfolio.xlsx", "dashboard.html"))),
        ]
        for text, ok in bars:
            print(f"{'PASS' if ok else 'MISS'}  {text}")
        return 0 if all(ok for _, ok in bars) else 1
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
