"""Parse one file at a time in a child process under a memory limit (RLIMIT_AS) and a timeout.

The child is a plain `python -m dossier.scan.sandbox` (subprocess, not multiprocessing): it
works the same under a process-pool worker, a daemonic Dask worker or a threaded one, and
nothing is forked from a process that has threads. It lives as long as its owner and is
replaced after a timeout, a crash or a MemoryError. Messages are length-prefixed pickles
over its stdin/stdout; the child's own stdout is redirected to stderr so that a chatty
library cannot corrupt the protocol.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import pickle
import select
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
    def __init__(self, timeout_s: float, memory_mb: int, parser: str = DEFAULT_PARSER) -> None:
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self.parser = parser
        self._proc: subprocess.Popen[bytes] | None = None

    def _start(self) -> subprocess.Popen[bytes]:
        env = dict(os.environ)
        # The child sees what this process imports from (tests add helper modules to sys.path).
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        debug = bool(os.environ.get("DOSSIER_DEBUG"))
        return subprocess.Popen(
            [sys.executable, "-m", "dossier.scan.sandbox", str(self.memory_mb), self.parser, str(os.getpid())],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=None if debug else subprocess.DEVNULL,
            env=env, close_fds=True,
        )

    def start(self) -> subprocess.Popen[bytes]:
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


def check_in_sandbox(path: Path, pack: Pack, stage_id: str, given: Mapping[str, Any], options: CheckOptions, *,
                     timeout_s: float = DEFAULT_FILE_TIMEOUT_S, memory_mb: int = DEFAULT_FILE_MEMORY_MB,
                     budget_s: float = DEFAULT_BUDGET_S) -> Report:
    """`dossier check`: the engine's check of a file, folder or zip, with every file parsed in
    the sandbox under the same limits as a scan (time and memory per file, a budget per dossier)."""
    import tempfile

    from dossier.check.engine import check_parsed, documents_of, file_gap
    from dossier.ingest import ingest

    with tempfile.TemporaryDirectory(prefix="dossier-") as tmp:
        ingested = ingest(path, Path(tmp))
        gaps = [file_gap(p.code, p.display, p.reason) for p in ingested.problems]
        budget = Budget(budget_s)
        sandbox = ParseSandbox(timeout_s, memory_mb)
        try:
            parsed = [p for f in ingested.files
                      for p in documents_of(sandbox.parse(f.display, f.path, f.kind.value, ocr=options.ocr,
                                                          budget=budget), f.path, options.ocr)]
        finally:
            sandbox.close()
        return check_parsed(parsed, gaps, path.name, pack, stage_id, given, options)


# -- the child --------------------------------------------------------------------------------


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

        limit = memory_mb * 1024 * 1024
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
