"""Parse one file at a time in a child process under a memory limit (RLIMIT_AS) and a timeout.

The child is a plain `python -m dossier.scan.sandbox` (subprocess, not multiprocessing): it
works the same under a process-pool worker, a daemonic Dask worker or a threaded one, and
nothing is forked from a process that has threads. It lives as long as its owner and is
replaced after a timeout, a crash or a MemoryError. Messages are length-prefixed pickles
over its stdin/stdout; the child's own stdout is redirected to stderr so that a chatty
library cannot corrupt the protocol.

`dossier check` (one dossier, one single-threaded process) asks for `fork=True`: the child is
then forked from the checking process after it has imported the parsers the dossier's files
need, instead of a fresh Python importing them all again (that start was a third of a
300-page check's CPU). Only where the process has one thread (a thread holding a lock at the
fork would leave the child stuck on it); otherwise, and where there is no fork, the plain child.
The forked child runs the same loop (`_child`) under the same limits. --file-memory is the room
a parse has over the child's address space before its first file (the forked child starts with
its parent's ~80 MB, the plain one with ~60 MB of imports), so both give a file the same room.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import importlib
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from dossier.check.engine import CheckOptions, ParsedFile
from dossier.scan.scratch import remove_scratch, use_own_scratch

if TYPE_CHECKING:
    from dossier.model import Pack
    from dossier.report import Report

DEFAULT_PARSER = "dossier.check.engine:parse_one"
LIMIT_CODE = "DOS-P003"
_HEADER = struct.Struct("<Q")


def resolve(spec: str) -> Callable[..., ParsedFile]:
    module, _, name = spec.partition(":")
    fn: Callable[..., ParsedFile] = getattr(importlib.import_module(module), name)
    return fn


def limited(display: str, kind: str, reason: str) -> ParsedFile:
    return ParsedFile(display, kind, "unreadable", reason=reason, code=LIMIT_CODE)


DEFAULT_FILE_TIMEOUT_S = 120.0
DEFAULT_FILE_MEMORY_MB = 4096
DEFAULT_BUDGET_S = 900.0
"""A whole dossier's parsing time (conversions and OCR included): 5,000 .doc files would
otherwise take hours; past it the remaining files are reported as not parsed (DOS-P003)."""


class Budget:
    """What is left of a dossier's parsing time."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._end = time.monotonic() + seconds

    def left(self) -> float:
        return self._end - time.monotonic()

    def skipped(self, display: str, kind: str) -> ParsedFile:
        return limited(display, kind, f"整份材料的解析时间预算（{self.seconds:g} 秒）已用完，本文件未解析")


class ParseSandbox:
    def __init__(self, timeout_s: float, memory_mb: int, parser: str = DEFAULT_PARSER, *, fork: bool = False,
                 preload: tuple[str, ...] = ()) -> None:
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self.parser = parser
        self.fork = fork
        self.preload = preload
        self._proc: subprocess.Popen[bytes] | ForkedChild | None = None

    def _start(self) -> subprocess.Popen[bytes] | ForkedChild:
        if self.fork and _single_threaded():
            for module in self.preload:  # imported once, here, instead of by the child
                importlib.import_module(module)
            return ForkedChild.start(self.memory_mb, self.parser)
        env = dict(os.environ)
        # The child sees what this process imports from (tests add helper modules to sys.path).
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        debug = bool(os.environ.get("DOSSIER_DEBUG"))
        return subprocess.Popen(
            [sys.executable, "-m", "dossier.scan.sandbox", str(self.memory_mb), self.parser, str(os.getpid())],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=None if debug else subprocess.DEVNULL,
            env=env, close_fds=True,
        )

    def start(self) -> subprocess.Popen[bytes] | ForkedChild:
        """The child, started now if it is not running (it imports the parsers meanwhile)."""
        proc = self._proc
        if proc is None or proc.poll() is not None:
            proc = self._proc = self._start()
        return proc

    def parse(self, display: str, path: Path, kind: str, *, ocr: bool, budget: Budget | None = None) -> ParsedFile:
        timeout = self.timeout_s
        if budget is not None:
            if budget.left() <= 0:
                return budget.skipped(display, kind)
            timeout = min(timeout, budget.left())
        proc = self.start()
        assert proc.stdin is not None and proc.stdout is not None
        try:
            _write(proc.stdin, (display, str(path), kind, ocr))
            reply = _read(proc.stdout, time.monotonic() + timeout)
        except TimeoutError:
            self._kill()
            if timeout < self.timeout_s:
                return budget.skipped(display, kind) if budget is not None else limited(display, kind, "")
            return limited(display, kind, f"超过 {self.timeout_s:g} 秒，解析已停止")
        except (EOFError, OSError, pickle.UnpicklingError):
            code = self._kill()
            how = f"信号 {-code}" if code is not None and code < 0 else f"退出码 {code}"
            return limited(display, kind, f"解析进程异常退出（{how}）")
        result, restart = reply
        if restart:
            self._kill()
        assert isinstance(result, ParsedFile)
        return result

    def _kill(self) -> int | None:
        proc, self._proc = self._proc, None
        if proc is None:
            return None
        with contextlib.suppress(OSError):
            proc.kill()
        code = proc.wait()
        remove_scratch(proc.pid)  # what the killed child (and its LibreOffice) left in TMPDIR
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        return code

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            assert proc.stdin is not None
            _write(proc.stdin, None)
            proc.stdin.close()
            proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired, ValueError):
            proc.kill()
            proc.wait()
        remove_scratch(proc.pid)
        if proc.stdout is not None:
            proc.stdout.close()


def _single_threaded() -> bool:
    """True where forking is safe: Linux (macOS frameworks are not fork-safe), and this process
    has one thread, native ones counted."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return False


class ForkedChild:
    """A sandbox child forked from this process: what ParseSandbox uses of a Popen (stdin,
    stdout, poll, kill, wait), over the pid."""

    def __init__(self, pid: int, stdin: IO[bytes], stdout: IO[bytes]) -> None:
        self.pid = pid
        self.stdin = stdin
        self.stdout = stdout
        self.returncode: int | None = None

    @classmethod
    def start(cls, memory_mb: int, parser: str) -> ForkedChild:
        resolve(parser)  # imported before the fork: the child then starts with it loaded
        job_r, job_w = os.pipe()
        reply_r, reply_w = os.pipe()
        parent_pid = os.getpid()
        debug = bool(os.environ.get("DOSSIER_DEBUG"))
        for stream in (sys.stdout, sys.stderr):  # nothing buffered here is written twice
            with contextlib.suppress(Exception):
                stream.flush()
        pid = os.fork()
        if pid == 0:  # the child: never returns into the caller's code
            code = 1
            atexit._clear()  # the parent's exit handlers are its own (its temp dirs, its servers)
            try:
                os.close(job_w)
                os.close(reply_r)
                os.dup2(job_r, 0)
                os.dup2(reply_w, 1)
                os.close(job_r)
                os.close(reply_w)
                if not debug:
                    devnull = os.open(os.devnull, os.O_WRONLY)
                    os.dup2(devnull, 2)
                    os.close(devnull)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the CLI's Ctrl-C-like handler
                gc.freeze()  # the parent's objects stay shared: the child's collections skip them
                _child(memory_mb, parser, parent_pid)
                code = 0
            except BaseException:
                if debug:
                    import traceback

                    traceback.print_exc()
            finally:
                # The child's own exit handlers (a LibreOffice server it started stops and its
                # folder goes), then out without the parent's finalizers (its temp dirs).
                with contextlib.suppress(BaseException):
                    atexit._run_exitfuncs()
                os._exit(code)
        os.close(job_r)
        os.close(reply_w)
        return cls(pid, os.fdopen(job_w, "wb"), os.fdopen(reply_r, "rb"))

    def poll(self) -> int | None:
        return self._reap(os.WNOHANG)

    def kill(self) -> None:
        if self.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)

    def wait(self, timeout: float | None = None) -> int:
        if timeout is None:
            code = self._reap(0)
            assert code is not None
            return code
        end = time.monotonic() + timeout
        while (code := self.poll()) is None:
            if time.monotonic() >= end:
                raise subprocess.TimeoutExpired(f"sandbox {self.pid}", timeout)
            time.sleep(0.005)
        return code

    def _reap(self, flags: int) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, flags)
            except ChildProcessError:  # reaped elsewhere (a SIGCHLD handler): gone, status unknown
                self.returncode = -signal.SIGKILL
                return self.returncode
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode


def _write(stream: IO[bytes], obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _read_exact(fd: int, n: int, deadline: float | None) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError
        chunk = os.read(fd, min(n - len(buf), 1 << 20))
        if not chunk:
            raise EOFError
        buf += chunk
    return bytes(buf)


def _read(stream: IO[bytes], deadline: float | None) -> Any:
    fd = stream.fileno()
    (size,) = _HEADER.unpack(_read_exact(fd, _HEADER.size, deadline))
    return pickle.loads(_read_exact(fd, size, deadline))


PRELOAD = {
    "docx": ("dossier.parse.docx",),
    "pdf": ("dossier.parse.pdf",),
    "ofd": ("dossier.parse.ofd",),
}
"""The parser modules of the common kinds, imported before a sandbox is forked so that the
child starts with them (rarer formats, OCR and LibreOffice, are imported by the child when met)."""


def preloads(kinds: set[str]) -> tuple[str, ...]:
    """The parser modules files of these kinds need (see PRELOAD)."""
    return tuple(dict.fromkeys(m for kind in sorted(kinds) for m in PRELOAD.get(kind, ())))


def check_in_sandbox(path: Path, pack: Pack, stage_id: str, given: Mapping[str, Any], options: CheckOptions, *,
                     timeout_s: float = DEFAULT_FILE_TIMEOUT_S, memory_mb: int = DEFAULT_FILE_MEMORY_MB,
                     budget_s: float = DEFAULT_BUDGET_S,
                     progress: Callable[[], contextlib.AbstractContextManager[None]] | None = None) -> Report:
    """`dossier check`: the engine's check of a file, folder or zip, with every file parsed in
    the sandbox under the same limits as a scan (time and memory per file, a budget per dossier).
    `progress` (the CLI's spinner, a thread) is entered once the sandbox is forked, not before:
    with a second thread running, the sandbox would have to start as a fresh Python."""
    import tempfile

    from dossier.check.engine import check_parsed, documents_of, file_gap
    from dossier.ingest import ingest

    with tempfile.TemporaryDirectory(prefix="dossier-") as tmp:
        ingested = ingest(path, Path(tmp))
        gaps = [file_gap(p.code, p.display, p.reason) for p in ingested.problems]
        budget = Budget(budget_s)
        sandbox = ParseSandbox(timeout_s, memory_mb, fork=True, preload=preloads({f.kind.value for f in ingested.files}))
        try:
            if ingested.files:
                with contextlib.suppress(OSError):  # a failed start is retried, and reported, by the first parse
                    sandbox.start()
            with progress() if progress is not None else contextlib.nullcontext():
                parsed = [p for f in ingested.files
                          for p in documents_of(sandbox.parse(f.display, f.path, f.kind.value, ocr=options.ocr,
                                                              budget=budget), f.path, options.ocr)]
                sandbox.close()
                return check_parsed(parsed, gaps, path.name, pack, stage_id, given, options)
        finally:
            sandbox.close()


# -- the child --------------------------------------------------------------------------------


def _address_space() -> int:
    """This process's address space in bytes (0 where /proc does not say)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _child(memory_mb: int, parser: str, parent_pid: int) -> None:
    from dossier.scan.lifetime import die_with_parent, leave_interrupts_to_parent

    die_with_parent(parent_pid)  # a killed scan or check leaves no sandbox running
    use_own_scratch()  # temporary files in one folder the parent removes, however this child ends
    leave_interrupts_to_parent()
    proto_out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # stray prints go to stderr, not into the protocol
    proto_in = os.fdopen(os.dup(0), "rb")
    fn = resolve(parser)
    if memory_mb > 0:
        import resource

        # What the parse may use, over what the child holds before its first file: the same
        # room for a plain child (~60 MB of imports) and a forked one (~80 MB of its parent's).
        limit = _address_space() + memory_mb * 1024 * 1024
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)  # never above what this process was given
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    while True:
        try:
            job = _read(proto_in, None)
        except EOFError:
            return
        if job is None:
            return
        display, path, kind, ocr = job
        restart = False
        try:
            result = fn(display, Path(path), kind, ocr=ocr)
            if result.code == "DOS-P002" and result.reason.startswith("MemoryError"):
                result, restart = limited(display, kind, f"内存超过 {memory_mb} MB，解析已停止"), True
        except MemoryError:
            result, restart = limited(display, kind, f"内存超过 {memory_mb} MB，解析已停止"), True
        except Exception as exc:  # a parser bug costs this file, not the dossier
            result = ParsedFile(display, kind, "unreadable", reason=f"解析程序错误 {type(exc).__name__}: {exc}"[:300],
                                code="DOS-P002")
        try:
            _write(proto_out, (result, restart))
        except (MemoryError, RecursionError, pickle.PicklingError):
            _write(proto_out, (limited(display, kind, "解析结果过大，无法传回"), True))


if __name__ == "__main__":
    _child(int(sys.argv[1]), sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else os.getppid())
