"""One long-lived LibreOffice for all conversions of a check or a scan worker.

Starting soffice is most of the cost of converting a .doc (3–7 s, against a fraction of a
second for the conversion itself), so a process converts through one soffice kept alive
behind a small UNO client (`uno_bridge.py`, run by a Python that has LibreOffice's `uno`
module — the tool's venv Python usually does not). Requests go one at a time; each has a
timeout, and a server that dies or hangs is killed (its whole process group, nothing
else) and started afresh for the next file, so one poisonous file costs itself only.

Inputs are copied into the server's throwaway folder first (LibreOffice never touches or
locks the originals; OLE2 files go in as .doc whatever their name, see convert.py), and
soffice's profile, HOME, caches and temp files all live in that folder, removed on close.
Where no Python with `uno` is found, `shared()` gives None and callers fall back to one
soffice run per batch (convert.convert_many).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
import uuid
from pathlib import Path
from typing import IO, Any

from dossier.parse.convert import _stage_name, find_soffice

__all__ = ["FILTERS", "LibreOffice", "find_uno_python", "shared", "shutdown"]

FILTERS = {
    "docx": "MS Word 2007 XML",
    "xlsx": "Calc MS Excel 2007 XML",
    "pdf": "writer_pdf_Export",
}
START_TIMEOUT = 120.0
FILE_TIMEOUT = 120.0
_UNO_PYTHONS = (
    "/usr/bin/python3",
    "/usr/lib/libreoffice/program/python",
    "/opt/libreoffice/program/python",
    "/Applications/LibreOffice.app/Contents/Resources/python",
)


_uno_python: str | None | bool = False  # False: not looked for yet


def find_uno_python() -> str | None:
    """A Python that can `import uno` (DOSSIER_UNO_PYTHON, Debian's, LibreOffice's), or None."""
    global _uno_python
    if _uno_python is not False:
        return _uno_python  # type: ignore[return-value]
    found = None
    given = os.environ.get("DOSSIER_UNO_PYTHON", "").strip()
    for exe in ((given,) if given else ()) + _UNO_PYTHONS:
        if not (os.path.isfile(exe) and os.access(exe, os.X_OK)):
            continue
        try:
            # find_spec, not import: importing uno bootstraps LibreOffice, which writes ~/.config.
            probe = "import importlib.util, sys; sys.exit(importlib.util.find_spec('uno') is None)"
            ok = subprocess.run([exe, "-I", "-c", probe], capture_output=True, timeout=30).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            ok = False
        if ok:
            found = exe
            break
    _uno_python = found
    return found


class LibreOffice:
    """A soffice kept alive behind a UNO client; `convert` one file at a time."""

    def __init__(self, soffice: str, python: str) -> None:
        self.soffice = soffice
        self.python = python
        self.proc: subprocess.Popen[str] | None = None
        self.replies: queue.Queue[str | None] = queue.Queue()
        self.lock = threading.Lock()
        self.work = Path(tempfile.mkdtemp(prefix="dossier-lo-server-"))
        self.starts = 0
        self.count = 0
        self.pid = os.getpid()  # a forked worker must start its own, not talk to its parent's

    # -- process ----------------------------------------------------------------------
    def _env(self) -> dict[str, str]:
        # LibreOffice (through GLib/dconf and fontconfig) writes ~/.cache and ~/.config even
        # with its own profile: keep all of it in the throwaway folder.
        home = self.work / "home"
        (home / "tmp").mkdir(parents=True, exist_ok=True)
        return {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
                "XDG_CACHE_HOME": str(home / ".cache"), "XDG_DATA_HOME": str(home / ".local/share"),
                "XDG_RUNTIME_DIR": str(home), "TMPDIR": str(home / "tmp"), "TMP": str(home / "tmp"),
                "TEMP": str(home / "tmp"), "PYTHONIOENCODING": "utf-8"}

    def _start(self, timeout: float) -> str | None:
        """Start soffice and the bridge; None when ready, else why not."""
        bridge = Path(__file__).with_name("uno_bridge.py")
        pipe = f"dossier-{os.getpid()}-{uuid.uuid4().hex[:12]}"
        profile = (self.work / f"profile{self.starts}").as_uri()
        self.starts += 1
        self.replies = queue.Queue()
        try:
            self.proc = subprocess.Popen(
                [self.python, "-I", str(bridge), self.soffice, profile, pipe, str(os.getpid())],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                text=True, encoding="utf-8", env=self._env(), start_new_session=True, cwd=self.work,
            )
        except OSError as e:
            return f"LibreOffice could not start ({e.strerror or e})"
        assert self.proc.stdout is not None
        threading.Thread(target=_pump, args=(self.proc.stdout, self.replies), daemon=True).start()
        got = self._reply(timeout)
        if got is None or not got.get("ready"):
            self.kill()
            return (got or {}).get("error") or f"LibreOffice did not start within {timeout:g} s"
        return None

    def _reply(self, timeout: float) -> dict[str, Any] | None:
        try:
            line = self.replies.get(timeout=max(timeout, 0.1))
        except queue.Empty:
            return None
        if line is None:
            return None  # the bridge's stdout closed: it (or soffice) died
        try:
            got = json.loads(line)
        except ValueError:
            return None
        return got if isinstance(got, dict) else None

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """End the bridge and its soffice: the process group this object started."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(Exception):
            proc.wait(timeout=10)
        for fh in (proc.stdin, proc.stdout):
            with contextlib.suppress(Exception):
                if fh is not None:
                    fh.close()

    def close(self) -> None:
        """Stop the server politely (stdin closed: the bridge terminates soffice), then
        make sure, and remove the throwaway folder."""
        proc = self.proc
        if proc is not None and proc.poll() is None and proc.stdin is not None:
            with contextlib.suppress(Exception):
                proc.stdin.close()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=15)
        self.kill()
        shutil.rmtree(self.work, ignore_errors=True)

    # -- conversion -------------------------------------------------------------------
    def convert(self, src: Path, outdir: Path, to: str = "docx", *, timeout: float = FILE_TIMEOUT) -> Path | str:
        """Convert one file; its output in `outdir` (named after the input's stem), or why not.
        `timeout` bounds this file (a first start of the server is not counted in it)."""
        src = Path(src)
        target = FILTERS.get(to, to)
        ext = to.split(":", 1)[0] if to not in FILTERS else to
        with self.lock:
            if not self.alive():
                why = self._start(START_TIMEOUT)
                if why is not None:
                    return why
            stage = self.work / "stage"
            stage.mkdir(exist_ok=True)
            self.count += 1
            staged = stage / _stage_name(self.count, src)
            made = stage / f"{staged.stem}.out.{ext}"
            try:
                shutil.copyfile(src, staged)
            except OSError as e:
                return f"cannot be read ({e.strerror or e})"
            try:
                got = self._ask({"src": str(staged), "dst": str(made), "filter": target}, timeout)
                if got is None:
                    self.kill()  # hung or dead: the next file gets a fresh one
                    return f"LibreOffice did not finish within {timeout:g} s (restarted)"
                if not got.get("ok"):
                    return str(got.get("error") or "LibreOffice could not convert it")
                if not made.is_file() or made.stat().st_size == 0:
                    return "LibreOffice could not convert it (empty output)"
                outdir.mkdir(parents=True, exist_ok=True)
                final = outdir / f"{src.stem}.{ext}"
                k = 1
                while final.exists():
                    k += 1
                    final = outdir / f"{src.stem}-{k}.{ext}"
                shutil.move(str(made), final)
                return final
            finally:
                with contextlib.suppress(OSError):
                    staged.unlink()
                with contextlib.suppress(OSError):
                    made.unlink()

    def _ask(self, req: dict[str, str], timeout: float) -> dict[str, Any] | None:
        proc = self.proc
        if proc is None or proc.stdin is None:
            return None
        try:
            proc.stdin.write(json.dumps(req) + "\n")
            proc.stdin.flush()
        except (OSError, ValueError):
            return None
        return self._reply(timeout)


def _pump(stream: IO[str], out: queue.Queue[str | None]) -> None:
    try:
        for line in stream:
            out.put(line)
    except (OSError, ValueError):
        pass
    out.put(None)


_SHARED: LibreOffice | None = None
_SHARED_LOCK = threading.Lock()


def shared() -> LibreOffice | None:
    """This process's converter (started on first use, kept until exit), or None when
    LibreOffice or a Python with `uno` is missing, or DOSSIER_LO_SERVER=0."""
    global _SHARED
    if os.environ.get("DOSSIER_LO_SERVER", "1") == "0":
        return None
    with _SHARED_LOCK:
        if _SHARED is not None and _SHARED.pid != os.getpid():
            _SHARED = None  # inherited through fork: the parent's server is not ours to use
        if _SHARED is None:
            soffice = find_soffice()
            python = find_uno_python() if soffice else None
            if soffice is None or python is None:
                return None
            _SHARED = LibreOffice(soffice, python)
            atexit.register(shutdown)
        return _SHARED


def shutdown() -> None:
    """Stop this process's converter, if one was started."""
    global _SHARED
    with _SHARED_LOCK:
        server, _SHARED = _SHARED, None
    if server is not None and server.pid == os.getpid():
        server.close()
