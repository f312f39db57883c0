"""Hostile files through the real CLI: 0 bytes, wrong extensions, vanishing, unreadable, long paths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hostile_support import (
    GOOD_NAME,
    Box,
    assert_bars,
    check,
    small_docx,
    text_pdf,
)


def test_zero_byte_files(box: Box) -> None:
    names = ["空.docx", "空.pdf", "空.doc", "空.xlsx", "空.zip", "noext"]
    for n in names:
        box.put(n, b"")
    run = check(box)
    assert_bars(run, named=names)
    for n in names:
        assert run.file(n)["status"] == "unreadable"
        assert [f["code"] for f in run.findings_for(n) if f["code"].startswith("DOS-P")] == ["DOS-P002"], n


def test_wrong_extensions_are_read_by_content(box: Box) -> None:
    box.put("其实是PDF.docx", text_pdf(2))
    box.put("其实是Word.pdf", small_docx())
    box.put("其实是Word.xlsx", small_docx())
    box.put("图片.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 200)
    box.put("no-extension", small_docx())
    run = check(box)
    assert_bars(run, named=["其实是PDF.docx", "其实是Word.pdf", "其实是Word.xlsx", "图片.pdf", "no-extension"])
    assert (run.file("其实是PDF.docx")["format"], run.file("其实是PDF.docx")["status"]) == ("pdf", "parsed")
    for n in ("其实是Word.pdf", "其实是Word.xlsx", "no-extension"):
        assert (run.file(n)["format"], run.file(n)["status"]) == ("docx", "parsed"), n


# The CLI's own process, patched before main(): the file is deleted just before it goes to the
# parse sandbox.
VANISH = """
import os
import dossier.scan.sandbox as sandbox
_real = sandbox.ParseSandbox.parse
def parse(self, display, path, kind, **kw):
    if display.startswith("vanish"):
        os.unlink(path)
    return _real(self, display, path, kind, **kw)
sandbox.ParseSandbox.parse = parse
"""


def test_file_disappears_between_ingest_and_parse(box: Box) -> None:
    box.put("vanish.docx", small_docx())
    box.put("vanish.pdf", text_pdf(2))
    run = check(box, prelude=VANISH)
    # The files really went (by the patch, not the tool): compare the sandbox without them.
    assert sorted(run.created) == ["in/vanish.docx", "in/vanish.pdf"]
    run = type(run)(**{**run.__dict__, "created": ()})
    assert_bars(run, named=["vanish.docx", "vanish.pdf"])
    for n in ("vanish.docx", "vanish.pdf"):
        assert run.file(n)["status"] == "unreadable"
        assert any(f["code"] == "DOS-P002" for f in run.findings_for(n))


# Reading is denied for one file, as a non-root user would see it (the suite may run as root).
DENY = """
import builtins, os
import dossier.ingest as ingest
_real_open = ingest._open_for_read
def _deny(path):
    if os.path.basename(str(path)).startswith("locked"):
        raise PermissionError(13, "Permission denied", str(path))
    return _real_open(path)
ingest._open_for_read = _deny
"""


def test_unreadable_file_simulated(box: Box) -> None:
    box.put("locked.docx", small_docx())
    run = check(box, prelude=DENY)
    assert_bars(run, named=["locked.docx"])
    assert any(f["code"] == "DOS-P002" and "permission" in f["message"] for f in run.findings_for("locked.docx"))


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_and_folder_real(box: Box) -> None:
    f = box.put("locked.docx", small_docx())
    d = box.inp / "locked-dir"
    d.mkdir()
    (d / "a.docx").write_bytes(small_docx())
    f.chmod(0)
    d.chmod(0)
    try:
        run = check(box)
        assert_bars(run, named=["locked.docx", "locked-dir"])
    finally:
        d.chmod(0o755)
        f.chmod(0o644)


def _mkdirs_deep(base: Path, component: str, depth: int) -> int:
    """Create base/component/component/… `depth` deep through directory fds (so the total
    can pass PATH_MAX) and put a DOCX at the bottom; returns the absolute path's length."""
    fd = os.open(base, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _ in range(depth):
            os.mkdir(component, dir_fd=fd)
            nfd = os.open(component, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = nfd
        out = os.open("深处的监理报告.docx", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        with os.fdopen(out, "wb") as fh:
            fh.write(small_docx())
    finally:
        os.close(fd)
    return len(os.fsencode(base)) + depth * (len(component.encode()) + 1) + len("/深处的监理报告.docx".encode())


def test_long_names_and_paths_near_path_max(box: Box) -> None:
    limit = os.pathconf(box.inp, "PC_PATH_MAX") if hasattr(os, "pathconf") else 4096
    component = "长" * 80  # 240 bytes in UTF-8, under the 255-byte name limit
    name_max = "报" * 80 + ".docx"  # 245 bytes
    box.put(name_max, small_docx())
    room = limit - len(os.fsencode(box.inp)) - 40
    depth = room // (len(component.encode()) + 1)
    total = _mkdirs_deep(box.inp, component, depth)
    assert limit - 300 < total < limit
    run = check(box)
    assert_bars(run, named=[name_max, "深处的监理报告.docx"])
    deep = next(f for f in run.report["files"] if f["path"].endswith("深处的监理报告.docx"))  # type: ignore[index]
    assert deep["status"] == "parsed"


def test_paths_past_path_max(box: Box) -> None:
    """A folder tree deeper than PATH_MAX: what cannot be opened by path is named, not fatal."""
    limit = os.pathconf(box.inp, "PC_PATH_MAX") if hasattr(os, "pathconf") else 4096
    component = "x" * 250
    total = _mkdirs_deep(box.inp, component, limit // 251 + 2)
    assert total > limit
    run = check(box)
    assert_bars(run, named=["x" * 250])
    assert run.report is not None and run.document(GOOD_NAME) is not None
