"""The report's JSON text is json.dumps(…, ensure_ascii=False, indent=2), byte for byte: its fast
path against the standard library on generated JSON values and on what it hands back."""

from __future__ import annotations

import json
import math
from enum import IntEnum
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dossier.render.jsontext import dumps_indented

_SCALARS = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()  # controls, quotes, backslashes, 汉字, lone surrogates: json's string encoder's business
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.lists(inner, max_size=3).map(tuple)
    | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=30,
)


def _same_as_json(value: Any) -> None:
    try:
        expected = json.dumps(value, ensure_ascii=False, indent=2)
    except (TypeError, ValueError) as exc:
        with pytest.raises(type(exc)):
            dumps_indented(value)
    else:
        assert dumps_indented(value) == expected


@settings(max_examples=600, deadline=None)
@given(_VALUES)
def test_same_text_as_json_dumps(value: Any) -> None:
    _same_as_json(value)


class Level(IntEnum):
    ERROR = 2


def test_what_the_fast_path_leaves_to_json_comes_out_as_json_gives_it() -> None:
    cyclic: list[Any] = []
    cyclic.append(cyclic)
    for value in (
        {1: "a", 2.5: "b", None: "c", False: "d"},  # keys json turns into text
        {"level": Level.ERROR, "s": type("S", (str,), {})("x")},  # subclasses of JSON types
        {"x": math.nan, "y": [-math.inf, 1e300, -0.0]},
        {"bad": object()},  # TypeError
        cyclic,  # ValueError: circular reference
        {"a": {"b": {}}, "c": [], "d": ()},
    ):
        _same_as_json(value)


def test_a_real_report() -> None:
    from dossier.check.engine import CheckOptions, check_path
    from dossier.packs import load_pack
    from dossier.render import render

    files = Path(__file__).parents[2] / "corpus" / "dossiers" / "yongchuan-final-acceptance" / "files"
    report = check_path(files, load_pack("yongchuan"), "final-acceptance", {}, CheckOptions()).to_json()
    assert report["findings"]  # a report with something in it
    assert render(report, "json") == (json.dumps(report, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
