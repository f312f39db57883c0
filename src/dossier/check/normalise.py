"""Text normalisation shared by matching and classification: NFKC, traditional →
simplified (opencc), numbering, TOC leaders, brackets, punctuation and spaces removed."""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from dossier.cjk import nfkc

if TYPE_CHECKING:  # imported on first use: only a line t2s may change needs it (t2s_may_change)
    import opencc

_BRACKETS = re.compile(r"[（(〔\[【][^）)〕\]】]{0,40}[）)〕\]】]")
_LEADER = re.compile(r"[.．·…。\-—_\s]{3,}\s*\d+\s*$")
_NUMBERING = re.compile(
    r"^\s*(?:第\s*[一二三四五六七八九十百零〇\d]+\s*[章节篇部分条]|[一二三四五六七八九十]+\s*[、.．]"
    r"|[（(]\s*[一二三四五六七八九十\d]+\s*[）)]|\d+(?:\s*[.．]\s*\d+)+\s*[、.．]?|\d+\s*[、.．](?!\d)|\d+\s+|[①-⑳]"
    r"|[A-Za-z]\s*[.．、])\s*"
)
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)
# Conjunctions vary freely between real documents and the outline (与/和/及/、).
_CONJ = re.compile(r"(以及|和|与|及|并|暨)")


@cache
def _t2s() -> opencc.OpenCC:
    import opencc

    return opencc.OpenCC("t2s")


T2S_IN_GB2312 = "乾吒哩坏夥後徵拚捱摺於榘沈菸薹藉袷覆醣麴麽"
"""The characters of GB 2312 (the simplified-Chinese character set) that opencc's t2s may
rewrite: those it converts alone (後 → 后) and, for each phrase it converts whose characters
it leaves alone one by one (回覆 → 回复), the character that changes. A test derives them
from opencc's own dictionaries."""
_T2S_IN_GB2312 = re.compile(f"[{T2S_IN_GB2312}]")


def t2s_may_change(text: str) -> bool:
    """False when opencc's t2s surely gives `text` back unchanged: GB 2312 holds every character
    and none is one of T2S_IN_GB2312. opencc rewrites only where a key of its dictionaries
    occurs, and every key it converts to something else has a character outside GB 2312 or one
    of those (tests/check/test_normalise.py), so the dictionaries (~0.01 s and 36 M instructions
    to load) and the conversion (as much again over a dossier) are spent only on the lines that
    need them: a simplified-Chinese document has next to none."""
    try:
        _gb2312()(text)
    except UnicodeEncodeError:
        return True
    return _T2S_IN_GB2312.search(text) is not None


@cache
def _gb2312() -> Callable[[str], tuple[bytes, int]]:
    """The codec's encoder, looked up once (str.encode looks its name up at every call)."""
    return codecs.getencoder("gb2312")


@lru_cache(maxsize=65536)
def simplify(text: str) -> str:
    """NFKC and traditional → simplified; keeps everything else."""
    text = nfkc(text)
    # Every key of opencc's t2s holds a character above U+2E7F (from the CJK radicals up), so a
    # text without one is its own t2s, as is one t2s_may_change clears.
    if not text.isascii() and t2s_may_change(text):
        text = _t2s().convert(text)
    return text


@lru_cache(maxsize=65536)
def key(text: str, *, drop_brackets: bool = True) -> str:
    """Comparison key for a title: no numbering, leaders, brackets, punctuation, spaces."""
    t = simplify(text).strip()
    t = _LEADER.sub("", t)
    prev = None
    while prev != t:  # "第一章 1." style double numbering
        prev = t
        t = _NUMBERING.sub("", t, count=1)
    if drop_brackets:
        stripped = _BRACKETS.sub("", t)
        t = stripped if stripped.strip() else t
    return _PUNCT.sub("", t).lower()


@lru_cache(maxsize=65536)
def loose(text: str) -> str:
    """key() without conjunctions: for fuzzy comparison only."""
    k = key(text)
    shorter = _CONJ.sub("", k)
    return shorter or k

