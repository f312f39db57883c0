"""Pack regular expressions (naming rules) run with a time limit.

A pack's pattern meets text the user controls (the project name in facts.yaml), and a custom
pack (`--pack`) may carry any pattern: Python's `re` can backtrack for hours on
`(a|aa)+$`-style patterns and cannot be interrupted. The `regex` module reads the same syntax
(lookarounds included, which RE2 lacks and the 青浦 pack uses) and stops at a timeout.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from dossier.errors import PackError

if TYPE_CHECKING:
    import regex

TIMEOUT_S = 0.25
"""Per match. Real naming patterns take microseconds on a project name."""
MAX_PATTERN = 2000


@cache
def compiled(pattern: str) -> regex.Pattern[str]:
    import regex  # here: a run without a naming rule to apply never pays for importing it

    if len(pattern) > MAX_PATTERN:
        raise PackError(f"pattern longer than {MAX_PATTERN} characters")
    try:
        return regex.compile(pattern, flags=regex.VERSION0)
    except regex.error as exc:
        raise PackError(f"bad regular expression: {exc}") from None


def fullmatch(pattern: str, text: str) -> bool:
    """Whether `text` matches all of `pattern`; a pattern that runs past the limit is a pack error."""
    try:
        return compiled(pattern).fullmatch(text, timeout=TIMEOUT_S) is not None
    except TimeoutError:
        raise PackError(f"pattern {pattern[:80]!r} ran past {TIMEOUT_S:g} s on a {len(text)}-character text "
                        "(catastrophic backtracking); fix the pack") from None
