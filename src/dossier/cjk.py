"""Chinese document conventions that parsers, checks, generators and renderers share, each
defined once: the skeleton's guidance mark, the 目录 title, Chinese numerals both ways, NFKC at
Chinese text's cost, and patterns compiled when first used (汉字 classes are slow to compile)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import cache
from typing import AnyStr


def on_first_use(pattern: AnyStr, flags: int = 0) -> Callable[[], re.Pattern[AnyStr]]:
    """`re.compile(pattern, flags)` when first called, the same Pattern after that: for the
    patterns a run may never need. `re` compiles a character class code point by code point
    (a 汉字 range ~1.5 ms, a set of a few 汉字 ~0.25 ms), paid at every start for every
    pattern compiled at import."""
    return cache(lambda: re.compile(pattern, flags))


PLACEHOLDER_MARK = "【填写说明】"
"""Generated skeletons start every guidance paragraph with this mark; a block that starts with
it is guidance to replace, not content (DOS-S002, DOS-M003)."""

TOC_TITLE = re.compile(r"\s*(?:目\s*录|目\s*次|contents|table\s+of\s+contents)\s*", re.IGNORECASE)
"""A table of contents' own title line (fullmatch)."""


def is_toc_title(text: str) -> bool:
    return TOC_TITLE.fullmatch(text) is not None


HALF_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20, 0x00A0: 0x20}
"""str.translate table: full-width ASCII → ASCII, the ideographic and the no-break space → space.
One character for one, so offsets in the translated text are offsets in the original (NFKC
would also turn ① into 1); each replacement is the character's NFKC."""
WIDE = re.compile("[\uff01-\uff5e\u3000\u00a0]")
"""The characters HALF_WIDTH rewrites."""


def _half(m: re.Match[str]) -> str:
    return chr(HALF_WIDTH[ord(m.group())])


def nfkc(text: str) -> str:
    """unicodedata.normalize("NFKC", text), at a third of its cost on Chinese text. What keeps
    most Chinese lines from being NFKC already is full-width punctuation, digits and letters
    (，：（）１Ａ) and the ideographic and no-break spaces; the NFKC of each is one ASCII
    character, so putting those in first leaves a text with the same NFKC, which is usually the text
    itself (one quick check) and otherwise comes from the full normalisation."""
    if text.isascii() or unicodedata.is_normalized("NFKC", text):
        return text
    t = WIDE.sub(_half, text)
    return t if unicodedata.is_normalized("NFKC", t) else unicodedata.normalize("NFKC", t)


CN_DIGITS = "〇一二三四五六七八九"
CN_LEGAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"

_CN_VALUES = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
    "六": 6, "七": 7, "八": 8, "九": 9,
    "壹": 1, "贰": 2, "叁": 3, "肆": 4, "伍": 5, "陆": 6, "柒": 7, "捌": 8, "玖": 9,
}  # fmt: skip
_CN_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}


def chinese_counting(n: int, digits: str = CN_DIGITS, units: str = "十百千", *, legal: bool = False) -> str:
    """Word's chineseCounting / chineseCountingThousand: 10 → 十, 11 → 十一, 105 → 一百零五
    (legal: 壹拾壹); n outside 1..9999 is written in ASCII digits."""
    if n <= 0:
        return str(n)
    if n >= 10000:
        return str(n)
    zero = "零" if not legal else digits[0]
    parts: list[str] = []
    pending_zero = False
    for power, unit in ((1000, units[2]), (100, units[1]), (10, units[0]), (1, "")):
        d = (n // power) % 10
        if d == 0:
            if parts:
                pending_zero = True
            continue
        if pending_zero:
            parts.append(zero)
            pending_zero = False
        if not (power == 10 and d == 1 and not parts and not legal):
            parts.append(digits[d])
        parts.append(unit)
    return "".join(parts)


def chinese_to_int(s: str) -> int | None:
    """一 → 1, 十二 → 12, 二十 → 20, 一百零五 → 105, 壹拾 → 10; ASCII digits pass through."""
    s = s.strip()
    if not s:
        return None
    if s.isdigit():
        return int(s)
    total, cur = 0, 0
    for ch in s:
        if ch in _CN_VALUES:
            cur = _CN_VALUES[ch]
        elif ch in _CN_UNITS:
            total += (cur or 1) * _CN_UNITS[ch]
            cur = 0
        else:
            return None
    return total + cur
