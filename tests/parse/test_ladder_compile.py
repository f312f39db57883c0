"""The ladder's patterns that were rewritten to compile faster match what they replaced.

`re` compiles a character class code point by code point, and under IGNORECASE case-folds each
one: a 汉字 range costs ~1.5 ms and a global IGNORECASE over one ~7 ms, at every start of the
program. Each rewrite is compared here with the pattern it replaced, as the oracle."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from dossier.parse import ladder

# Latin letters with Unicode case folds `re` honours (ſ→s, K→k, ı/İ→i), the words the
# patterns name, digits, 汉字, spaces and the punctuation around labels.
_ALPHABET = list("versionfiguretablVERSIONFIGURETABLſKıİ0123456789 \t.:：-–—版本图表格片年月日号学中文一二十〔〕[]（）")
_TEXT = st.text(alphabet=_ALPHABET, max_size=24)


def test_wordish_is_w_because_every_han_of_the_range_is_a_word_character() -> None:
    # `[\w\u4e00-\u9fff]` became `\w`: equal as long as this Python's Unicode data says so.
    w = re.compile(r"\w")
    assert all(w.match(chr(cp)) for cp in range(0x4E00, 0xA000))


_NEVER_GLOBAL_CASE = re.compile(ladder._NEVER.pattern.replace("(?i:", "(?:"), re.IGNORECASE)


@settings(max_examples=3000, deadline=None)
@given(_TEXT)
def test_never_ignores_case_in_its_latin_words_as_a_global_ignorecase_did(text: str) -> None:
    assert bool(ladder._NEVER.match(text)) == bool(_NEVER_GLOBAL_CASE.match(text))


def test_never_on_the_words_with_case() -> None:
    for text in ("VERSION 2", "Version: 1", "V1.0", "ver. 3", "Fig. 2", "FIGURE 3", "Table 1", "TABLE 一",
                 "ſ", "vERſion 2", "表 1", "2021 年 3 月", "图1-2"):
        assert bool(ladder._NEVER.match(text)) == bool(_NEVER_GLOBAL_CASE.match(text)), text
    assert ladder._NEVER.match("TABLE 1") and ladder._NEVER.match("Version 2")


_BARE_DEC_LOOKAHEAD = re.compile(r"^(?P<n>\d{1,2})[ \t]+(?=[\u4e00-\u9fff])")


@settings(max_examples=3000, deadline=None)
@given(_TEXT)
def test_bare_number_before_han_as_the_lookahead_found_it(text: str) -> None:
    old = _BARE_DEC_LOOKAHEAD.match(text)
    m = ladder._BARE_DEC.match(text)
    new = m if m and ladder._han_at(text, m.end()) else None
    assert (old is None) == (new is None)
    if old is not None and new is not None:
        assert (old.end(), old.group("n")) == (new.end(), new.group("n"))


def test_a_pattern_on_first_use_is_compiled_once() -> None:
    from dossier.cjk import on_first_use

    get = on_first_use(r"[\u4e00-\u9fff]+", re.ASCII)
    assert get() is get()
    assert (get().pattern, get().flags & re.ASCII) == (r"[\u4e00-\u9fff]+", re.ASCII)
    assert get().fullmatch("项目") and on_first_use(rb"\d+")().fullmatch(b"12")
