"""Builders and stand-in parsers/work functions for the scan tests. Importable by the scan's
worker and sandbox processes (they inherit sys.path), so they can stand in for the real ones."""

from __future__ import annotations

import os
import time
from pathlib import Path

from docx import Document as Docx

from dossier.check.engine import ParsedFile, parse_one
from dossier.scan.work import Result, Task, run_dossier

FINAL = ("永川区政务信息化项目终验投用申请书", "项目建设报告", "项目监理报告", "初验试用报告")


def write_docx(path: Path, title: str, lines: tuple[str, ...] = ()) -> Path:
    d = Docx()
    d.add_paragraph(title, style="Title")
    d.add_heading("一、项目概述", level=1)
    for line in lines or (f"{title}：本项目已按计划完成。",):
        d.add_paragraph(line)
    path.parent.mkdir(parents=True, exist_ok=True)
    d.save(str(path))
    return path


def make_dossier(folder: Path, n: int, titles: tuple[str, ...] = FINAL) -> Path:
    """A small yongchuan final-acceptance dossier; n varies the content (and the hashes)."""
    for i, t in enumerate(titles):
        write_docx(folder / f"{i:02d}_{t}.docx", t, (f"第{n}号项目：{t}。",))
    return folder


def slow_parse(display: str, path: Path, kind: str, *, ocr: bool = True) -> ParsedFile:
    """The real parser, except that a file named *hang* never returns and *hungry* eats memory."""
    if "hang" in display:
        time.sleep(600)
    if "hungry" in display:
        hog = bytearray(2 * 1024**3)
        del hog
    return parse_one(display, path, kind, ocr=ocr)


def crashing_work(task: Task) -> Result:
    """The real work, except that the dossier called 'boom' kills its worker process."""
    if task.spec.id == "boom":
        os._exit(3)
    return run_dossier(task)


def dying_parse(display: str, path: Path, kind: str, *, ocr: bool = True) -> ParsedFile:
    """The real parser, except that a file named *die* ends the process parsing it."""
    if "die" in display:
        os._exit(3)
    return parse_one(display, path, kind, ocr=ocr)


def exit_marking_parse(display: str, path: Path, kind: str, *, ocr: bool = True) -> ParsedFile:
    """The real parser, after registering an exit handler that leaves <file>.exited (as the
    LibreOffice converter registers its shutdown): the sandbox child must run it when it ends."""
    import atexit

    marker = path.with_name(path.name + ".exited")
    atexit.register(lambda: marker.write_text(str(os.getpid()), encoding="utf-8"))
    return parse_one(display, path, kind, ocr=ocr)
