"""A parse sandbox's own temporary folder, removed by its parent whatever becomes of it.

A sandbox stopped at its timeout or at the dossier's budget is killed mid-parse: the
temporary folders it (and a LibreOffice it started) had open would stay behind in the
user's TMPDIR, and a check must write nothing outside its output. So the child puts all its
temporary files in one folder named after its pid, and the parent removes that folder once
the child has ended, however it ended.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import tempfile
import time
from pathlib import Path


def scratch_dir(pid: int) -> Path:
    """The sandbox child's temporary folder (under the TMPDIR parent and child share)."""
    return Path(tempfile.gettempdir()) / f"dossier-sandbox-{pid}"


def use_own_scratch() -> None:
    """In the child, first thing: every temporary file of this process and of what it starts
    goes into scratch_dir(own pid)."""
    path = scratch_dir(os.getpid())
    try:
        path.mkdir(mode=0o700, exist_ok=True)
    except OSError:  # an unwritable TMPDIR: parsing that needs no temporary file still works
        return
    tempfile.tempdir = str(path)
    os.environ["TMPDIR"] = str(path)
    # A child that ends on its own (its owner closed it, or dropped it unclosed: a Dask worker's
    # thread) removes the folder itself; registered first, so it runs after LibreOffice's shutdown.
    atexit.register(shutil.rmtree, path, True)


def remove_scratch(pid: int) -> None:
    """In the parent, after the child has ended. A LibreOffice the child started would die a
    moment later (uno_bridge's watcher) and could write its profile back meanwhile: whatever
    still runs inside the folder (its working directory) is killed first."""
    path = scratch_dir(pid)
    if not path.exists():
        return
    for attempt in range(20):
        left = _running_in(path)
        for p in left:
            with contextlib.suppress(OSError):
                os.kill(p, signal.SIGKILL)
        if not left or attempt == 19:
            break
        time.sleep(0.1)
    shutil.rmtree(path, ignore_errors=True)


def _running_in(path: Path) -> list[int]:
    """Processes whose working directory is inside `path` (Linux /proc; none found elsewhere)."""
    inside = str(path)
    found = []
    with contextlib.suppress(OSError):
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                cwd = os.readlink(f"/proc/{entry.name}/cwd")
            except OSError:
                continue
            if cwd == inside or cwd.startswith(inside + os.sep):
                found.append(int(entry.name))
    return found
