"""The parse sandbox started by fork (`dossier check`): the same results and the same limits as
the plain `python -m dossier.scan.sandbox` child, and a child that never outlives its owner.

The sandbox forks only from a process with one thread, and a test session that has imported
other tests' libraries may have more (a BLAS thread); so these tests run in a fresh pytest of
this file alone (`test_forked_sandbox_in_a_fresh_process`), where they must not be skipped."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from scan_helpers import write_docx

from dossier.check.engine import CheckOptions
from dossier.packs import load_pack
from dossier.scan.sandbox import ForkedChild, ParseSandbox, _single_threaded, check_in_sandbox

INNER = os.environ.get("DOSSIER_FORK_TESTS") == "1"
needs_fork = pytest.mark.skipif(not INNER, reason="run by test_forked_sandbox_in_a_fresh_process")


def test_forked_sandbox_in_a_fresh_process(tmp_path: Path) -> None:
    if INNER:
        assert _single_threaded(), "the fresh process must be able to fork its sandbox"
        return
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--basetemp",
                           str(tmp_path / "inner"), __file__], env={**os.environ, "DOSSIER_FORK_TESTS": "1"},
                          capture_output=True, text=True, timeout=300, cwd=Path(__file__).parent)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "8 passed" in proc.stdout, proc.stdout[-2000:]


@pytest.fixture
def docx(tmp_path: Path) -> Path:
    return write_docx(tmp_path / "运维计划.docx", "运维计划", ("一、运维内容", "本项目运维期三年，费用 12.5 万元。"))


def _sandbox(parser: str = "dossier.check.engine:parse_one", **kw: object) -> Iterator[ParseSandbox]:
    sb = ParseSandbox(kw.pop("timeout_s", 30.0), kw.pop("memory_mb", 2048), parser, **kw)  # type: ignore[arg-type]
    try:
        yield sb
    finally:
        sb.close()


@needs_fork
def test_a_forked_child_parses_as_the_plain_one_does(docx: Path) -> None:
    for forked, plain in zip(_sandbox(fork=True, preload=("dossier.parse.docx",)), _sandbox(), strict=True):
        a = forked.parse("运维计划.docx", docx, "docx", ocr=False)
        assert isinstance(forked.start(), ForkedChild)
        b = plain.parse("运维计划.docx", docx, "docx", ocr=False)
        assert not isinstance(plain.start(), ForkedChild)
        assert a.status == "parsed"
        assert a == b


@needs_fork
def test_a_forked_child_is_reaped_on_close(docx: Path) -> None:
    sb = ParseSandbox(30.0, 2048, fork=True)
    sb.parse("运维计划.docx", docx, "docx", ocr=False)
    child = sb.start()
    assert isinstance(child, ForkedChild)
    sb.close()
    assert child.returncode == 0  # it read the goodbye and left; waited for, no zombie
    with pytest.raises(ChildProcessError):
        os.waitpid(child.pid, os.WNOHANG)


@needs_fork
def test_a_hanging_parse_in_a_forked_child_costs_that_file_only(tmp_path: Path, docx: Path) -> None:
    hang = write_docx(tmp_path / "hang.docx", "运维计划")
    for sb in _sandbox("scan_helpers:slow_parse", timeout_s=2.0, fork=True):
        first = sb.start()
        got = sb.parse("hang.docx", hang, "docx", ocr=False)
        assert (got.status, got.code) == ("unreadable", "DOS-P003")
        assert first.poll() is not None  # killed and waited for
        again = sb.parse("运维计划.docx", docx, "docx", ocr=False)  # a new child takes over
        assert again.status == "parsed"
        assert sb.start() is not first


@needs_fork
def test_a_forked_child_keeps_the_memory_limit(tmp_path: Path, docx: Path) -> None:
    hungry = write_docx(tmp_path / "hungry.docx", "运维计划")  # slow_parse asks for 2 GB for it
    for sb in _sandbox("scan_helpers:slow_parse", memory_mb=1024, fork=True):
        got = sb.parse("hungry.docx", hungry, "docx", ocr=False)
        assert (got.status, got.code) == ("unreadable", "DOS-P003")
        assert "1024 MB" in got.reason
        assert sb.parse("运维计划.docx", docx, "docx", ocr=False).status == "parsed"


@needs_fork
def test_a_forked_child_that_dies_is_one_finding(tmp_path: Path, docx: Path) -> None:
    die = write_docx(tmp_path / "die.docx", "运维计划")
    for sb in _sandbox("scan_helpers:dying_parse", fork=True):
        got = sb.parse("die.docx", die, "docx", ocr=False)
        assert (got.status, got.code) == ("unreadable", "DOS-P003")
        assert "退出码 3" in got.reason
        assert sb.parse("运维计划.docx", docx, "docx", ocr=False).status == "parsed"


@needs_fork
def test_check_forks_before_its_progress_thread_starts(tmp_path: Path, docx: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    forks: list[int] = []
    real = ForkedChild.start.__func__  # type: ignore[attr-defined]

    def counting(cls: type[ForkedChild], memory_mb: int, parser: str) -> ForkedChild:
        child = real(cls, memory_mb, parser)
        forks.append(child.pid)
        return child

    monkeypatch.setattr(ForkedChild, "start", classmethod(counting))
    entered: list[bool] = []

    @contextlib.contextmanager
    def spinner() -> Iterator[None]:  # as the CLI's: a timer thread for as long as the check runs
        timer = threading.Timer(60, lambda: None)
        timer.daemon = True
        timer.start()
        entered.append(True)
        try:
            yield
        finally:
            timer.cancel()

    folder = tmp_path / "dossier"
    folder.mkdir()
    shutil.copy(docx, folder / docx.name)
    report = check_in_sandbox(folder, load_pack("yongchuan"), "final-acceptance", {},
                              CheckOptions(as_of=dt.date(2023, 10, 20)), progress=spinner)
    assert entered == [True]
    assert len(forks) == 1  # the spinner's thread came after the fork, not before it
    assert [(f.path, f.status, f.read) for f in report.files] == [("运维计划.docx", "parsed", True)]


@needs_fork
def test_a_forked_child_runs_its_own_exit_handlers_not_its_parents(tmp_path: Path, docx: Path) -> None:
    # A LibreOffice server started in the child removes its folder at exit; the parent's
    # handlers (its temporary folders, its own server) must not run in the child.
    import atexit

    parent, leaked = os.getpid(), tmp_path / "parent-handler-ran-in-a-child"

    def parents_handler() -> None:
        if os.getpid() != parent:
            leaked.write_text("", encoding="utf-8")

    atexit.register(parents_handler)
    try:
        sb = ParseSandbox(30.0, 2048, "scan_helpers:exit_marking_parse", fork=True)
        assert sb.parse("运维计划.docx", docx, "docx", ocr=False).status == "parsed"
        child = sb.start()
        assert isinstance(child, ForkedChild)
        sb.close()
    finally:
        atexit.unregister(parents_handler)
    marker = docx.with_name(docx.name + ".exited")
    assert marker.read_text(encoding="utf-8") == str(child.pid)
    assert not leaked.exists()
