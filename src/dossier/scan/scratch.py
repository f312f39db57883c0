"""A parse sandbox's own temporary folder, removed by its parent whatever becomes of it.

A sandbox stopped at its timeout or at the dossier's budget is killed mid-parse: the
temporary folders it (and a LibreOffice it started) had open would stay behind in the
user's TMPDIR, and a check must write nothing outside its output. So the child puts all its
temporary files in one folder named after its pid, and the parent removes that folder once
the child has ended, however it ended.
"""

from __future__ import annotations

import atexit
import os
import shutil
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
    """In the parent, after the child has ended. A LibreOffice the child started dies a moment
    after it (uno_bridge's watcher) and may still be writing: try once more after it is gone."""
    path = scratch_dir(pid)
    for attempt in range(3):
        if not path.exists():
            return
        shutil.rmtree(path, ignore_errors=True)
        if attempt < 2 and path.exists():
            time.sleep(0.3)
