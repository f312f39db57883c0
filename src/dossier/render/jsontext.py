"""The report's JSON text: `json.dumps(data, ensure_ascii=False, indent=2)`, byte for byte, at a
fifth of its cost.

With `indent`, the standard library encodes in Python, one generator per container and a
yield per item (~8 ms for a 300-page dossier's report, a tenth of the check's own work after
parsing); without it, in C, but on one line. Here the layout is written by one recursive
function and every string by json's own C string encoder. Anything the fast path does not know
(a key that is not a str, a subclass of a JSON type, a cycle) is left to `json.dumps`, which
then gives exactly what it always gave: the same text, or the same error."""

from __future__ import annotations

import json
from collections.abc import Callable
from json.encoder import encode_basestring  # json's own (C) string encoder
from typing import Any

_INDENT = "  "
_INF = float("inf")


class _Unusual(Exception):
    """A value the fast path leaves to json.dumps."""


def dumps_indented(data: Any) -> str:
    """json.dumps(data, ensure_ascii=False, indent=2)."""
    out: list[str] = []
    try:
        _encode(data, "", out.append)
    except (_Unusual, RecursionError):
        return json.dumps(data, ensure_ascii=False, indent=2)
    return "".join(out)


def _encode(o: Any, indent: str, add: Callable[[str], None]) -> None:
    t = type(o)
    if t is str:
        add(encode_basestring(o))
    elif t is dict:
        if not o:
            add("{}")
            return
        inner = indent + _INDENT
        sep = "{\n" + inner
        for k, v in o.items():
            if type(k) is not str:
                raise _Unusual  # json turns int, float, bool and None keys into text: its rules
            add(sep)
            add(encode_basestring(k))
            add(": ")
            _encode(v, inner, add)
            sep = ",\n" + inner
        add("\n" + indent + "}")
    elif t is list or t is tuple:
        if not o:
            add("[]")
            return
        inner = indent + _INDENT
        sep = "[\n" + inner
        for v in o:
            add(sep)
            _encode(v, inner, add)
            sep = ",\n" + inner
        add("\n" + indent + "]")
    elif o is None:
        add("null")
    elif o is True:
        add("true")
    elif o is False:
        add("false")
    elif t is int:
        add(int.__repr__(o))
    elif t is float:
        add(_float(o))
    else:
        raise _Unusual


def _float(o: float) -> str:
    """json's spelling of a float (allow_nan: NaN, Infinity, -Infinity)."""
    if o != o:
        return "NaN"
    if o == _INF:
        return "Infinity"
    if o == -_INF:
        return "-Infinity"
    return float.__repr__(o)
