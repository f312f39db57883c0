"""Helper processes (scan workers, parse sandboxes) die with the process that started them.

A scan killed with kill -9 cannot clean up after itself, so each child asks the kernel to kill
it when its parent goes (Linux: prctl PR_SET_PDEATHSIG); where that is not available, a thread
watches the parent's pid. Children leave Ctrl-C to their parent, which stops them itself: a
terminal's SIGINT goes to the whole process group, and a worker's KeyboardInterrupt traceback
would otherwise land on the user's screen.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """Call first thing in a child: it is killed when `parent_pid` exits (at once on Linux)."""
    armed = False
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    if os.getppid() != parent_pid:  # the parent died before the line above: nobody to work for
        os._exit(1)
    if not armed:
        threading.Thread(target=_watch, args=(parent_pid,), daemon=True, name="parent-watch").start()


def _watch(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(0.5)
    os._exit(1)


def leave_interrupts_to_parent() -> None:
    """Ctrl-C is the parent's to handle: it stops the children itself."""
    with contextlib.suppress(ValueError, OSError):  # not the main thread (a threaded Dask worker)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
