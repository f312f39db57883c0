"""normalise.simplify asks opencc's t2s only about lines it may change (t2s_may_change); these
tests derive that set of characters from opencc's own dictionaries and compare the fast path
with the plain one (NFKC, then t2s on every line with a CJK character) on real text."""

from __future__ import annotations

import json
import subprocess
from functools import cache
from pathlib import Path

import opencc
import pytest
from check_builders import real_lines

from dossier.check import normalise
from dossier.check.normalise import T2S_IN_GB2312, simplify, t2s_may_change
from dossier.cjk import nfkc

T2S = opencc.OpenCC("t2s")
S2T = opencc.OpenCC("s2t")


def in_gb2312(text: str) -> bool:
    try:
        text.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


@cache
def t2s_keys() -> dict[str, str]:
    """Every key of the dictionaries t2s.json names (normalisation and conversion), dumped to text
    by opencc's own opencc_dict, with its first (default) value."""
    share = Path(opencc.__file__).parent / "clib" / "share" / "opencc"
    tool = Path(opencc.__file__).parent / "clib" / "bin" / "opencc_dict"
    if not tool.is_file() or not (share / "t2s.json").is_file():
        pytest.skip("this opencc build ships no opencc_dict or t2s.json to read its dictionaries with")
    config = json.loads((share / "t2s.json").read_text(encoding="utf-8"))

    def files(node: object) -> list[str]:
        if isinstance(node, dict):
            own = [str(node["file"])] if "file" in node else []
            return own + [f for v in node.values() for f in files(v)]
        if isinstance(node, list):
            return [f for v in node for f in files(v)]
        return []

    keys: dict[str, str] = {}
    for name in sorted(set(files(config))):
        out = subprocess.run([str(tool), "-i", str(share / name), "-o", "/dev/stdout", "-f", "ocd2", "-t", "text"],
                             capture_output=True, check=True).stdout.decode("utf-8")
        for line in out.splitlines():
            key, _, values = line.partition("\t")
            keys.setdefault(key, values.split(" ")[0])
    assert len(keys) > 5000  # the character and phrase tables, not an empty dump
    return keys


def test_every_key_t2s_changes_is_outside_gb2312_or_holds_a_listed_character() -> None:
    # opencc rewrites a text only where one of these keys occurs; so a text of GB 2312
    # characters without T2S_IN_GB2312 holds no key that changes, and t2s gives it back as it is.
    listed = set(T2S_IN_GB2312)
    for key in t2s_keys():
        assert max(key) > "\u2e7f", key  # so a text without such a character is its own t2s too
        if in_gb2312(key) and not listed.intersection(key):
            assert T2S.convert(key) == key, key


def test_the_listed_characters_are_each_needed() -> None:
    # Each is in GB 2312 and occurs in a key that t2s changes, where no other listed character does.
    changed = [k for k in t2s_keys() if T2S.convert(k) != k and in_gb2312(k)]
    for c in T2S_IN_GB2312:
        assert in_gb2312(c)
        assert any(set(k) & set(T2S_IN_GB2312) == {c} for k in changed), c


def test_gb2312_characters_outside_the_list_are_their_own_t2s() -> None:
    # Without the dictionaries' keys: every GB 2312 character alone (the single-character keys).
    for code in range(0x2E80, 0x10000):
        c = chr(code)
        if c not in T2S_IN_GB2312 and in_gb2312(c):
            assert not t2s_may_change(c)
            assert T2S.convert(c) == c, c


def plain_simplify(text: str) -> str:
    """What simplify was before the fast path: t2s on every NFKC'd text with a CJK character."""
    text = nfkc(text)
    return T2S.convert(text) if any(ord(c) > 0x2E7F for c in text) else text


def test_simplify_is_nfkc_then_t2s_on_real_text() -> None:
    lines = real_lines()
    assert len(lines) > 3000
    normalise.simplify.cache_clear()
    assert [simplify(t) for t in lines] == [plain_simplify(t) for t in lines]
    # Both paths were taken: simplified lines skip opencc, traditional ones go through it.
    asked = [t2s_may_change(nfkc(t)) for t in lines]
    assert asked.count(False) > 1000 and asked.count(True) > 1000


def test_a_line_opencc_cannot_encode_still_fails_as_before() -> None:
    # A lone surrogate: not GB 2312, so opencc is asked, and refuses it as it always did.
    normalise.simplify.cache_clear()
    with pytest.raises(UnicodeEncodeError):
        simplify("测\ud800试")
