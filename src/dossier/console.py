"""rich's Console, imported on first use.

Most commands print one plain line (or nothing) to the terminal; importing rich.console costs
about 50 ms of CPU at every start, so the command line modules hold these stand-ins instead.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import rich.console


_PLAIN = frozenset({"markup", "highlight"})


class Console:
    """Takes rich.console.Console's arguments; builds the real one on the first call."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: rich.console.Console | None = None

    @property
    def real(self) -> rich.console.Console:
        if self._console is None:
            from rich.console import Console as RichConsole

            self._console = RichConsole(**self._options)
        return self._console

    def print(self, *objects: Any, **kwargs: Any) -> None:
        if kwargs.get("markup") is False and set(kwargs) <= _PLAIN and all(type(o) is str for o in objects):
            # Plain text, no markup: rich would only copy it (soft_wrap: no wrapping), and would
            # turn ":name:" in a file name into an emoji. Written as it is, without importing rich.
            stream = sys.stderr if self._options.get("stderr") else sys.stdout
            stream.write(" ".join(objects) + "\n")
            stream.flush()
            return
        self.real.print(*objects, **kwargs)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # not built through __init__ (copy, pickle): no recursion
            raise AttributeError(name)
        return getattr(self.real, name)
