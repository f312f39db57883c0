"""The UNO side of the long-lived LibreOffice converter (see dossier.parse.lo_server).

Run by a Python that can `import uno` (Debian's /usr/bin/python3 with python3-uno, or
LibreOffice's bundled python), never imported by dossier itself: the tool's own Python
(a venv) usually cannot load LibreOffice's binary bridge. It starts one soffice listening
on a private pipe, connects, answers "ready", then converts one file per request line
(JSON: src, dst, filter) and answers one JSON line each, until stdin closes. It only
reads from `src` and writes to `dst`, both in the caller's throwaway folder.

It and its soffice are one process group (the caller starts it in a new session) and die
together with the caller: a watcher thread kills the group as soon as the caller is gone,
even a caller killed with SIGKILL mid-conversion (a sandbox past its timeout, a scan
stopped with kill -9), while the main thread is blocked in LibreOffice (pyuno releases the
interpreter lock during UNO calls).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException


def _props(**kw: Any) -> tuple[Any, ...]:
    out = []
    for k, v in kw.items():
        p = PropertyValue()
        p.Name = k
        p.Value = v
        out.append(p)
    return tuple(out)


def _say(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def _die_with(caller: int) -> None:
    """Kill this process group (this bridge and its soffice) once `caller` has exited."""
    while os.getppid() == caller:
        time.sleep(0.2)
    with contextlib.suppress(OSError):
        if os.getpgrp() == os.getpid():  # our own group: soffice and what it started
            os.killpg(os.getpgrp(), signal.SIGKILL)
        elif _soffice_pid:  # never the caller's group: soffice alone
            os.kill(_soffice_pid, signal.SIGKILL)
    os._exit(1)


_soffice_pid = 0


def main() -> int:
    soffice, profile_url, pipe = sys.argv[1:4]
    # The caller's pid from the caller itself: one killed while this bridge was starting
    # is gone before getppid() could be asked.
    caller = int(sys.argv[4]) if len(sys.argv) > 4 else os.getppid()
    threading.Thread(target=_die_with, args=(caller,), daemon=True, name="caller-watch").start()
    accept = f"pipe,name={pipe};urp;StarOffice.ComponentContext"
    proc = subprocess.Popen(
        [soffice, f"-env:UserInstallation={profile_url}", "--headless", "--invisible", "--norestore",
         "--nolockcheck", "--nodefault", "--nologo", f"--accept={accept}"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    global _soffice_pid
    _soffice_pid = proc.pid
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    ctx = None
    for _ in range(1200):  # up to ~120 s for a first start on a cold, busy machine
        if proc.poll() is not None:
            _say({"ready": False, "error": f"soffice exited ({proc.returncode})"})
            return 1
        try:
            ctx = resolver.resolve(f"uno:{accept}")
            break
        except NoConnectException:
            time.sleep(0.1)
    if ctx is None:
        _say({"ready": False, "error": "soffice did not accept a connection"})
        return 1
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    _say({"ready": True, "pid": proc.pid})
    # MacroExecutionMode 0 = never; UpdateDocMode 0 = never update links (no network, no files).
    load = _props(Hidden=True, ReadOnly=True, MacroExecutionMode=0, UpdateDocMode=0)
    for line in sys.stdin:
        try:
            req = json.loads(line)
        except ValueError:
            continue
        doc = None
        try:
            doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(req["src"]), "_blank", 0, load)
            if doc is None:
                _say({"ok": False, "error": "LibreOffice could not open it (damaged or not a document it reads)"})
                continue
            doc.storeToURL(uno.systemPathToFileUrl(req["dst"]), _props(FilterName=req["filter"], Overwrite=True))
            _say({"ok": True})
        except Exception as e:  # a UNO error is about this file; the server goes on
            msg = getattr(e, "Message", "") or str(e) or type(e).__name__
            _say({"ok": False, "error": f"LibreOffice could not convert it ({msg.strip()[:200]})"})
        finally:
            if doc is not None:
                try:
                    doc.close(True)
                except Exception:
                    with contextlib.suppress(Exception):
                        doc.dispose()
    with contextlib.suppress(Exception):
        desktop.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
