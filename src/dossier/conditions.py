"""The closed condition vocabulary: evaluate (three-valued) and describe. Never eval.

A condition is `{all: [...]}`, `{any: [...]}`, `{not: C}` or one comparison
`{fact: NAME, OP: OPERAND}` with OP in eq ne gt ge lt le in known. A comparison over a
fact nobody knows is *unknown* (None): a material whose condition is unknown becomes
a manual-review item, never a guess.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from dossier.model import Condition

Truth = bool | None

OPS = ("eq", "ne", "gt", "ge", "lt", "le", "in", "known")
_SYMBOL = {"eq": "=", "ne": "≠", "gt": ">", "ge": "≥", "lt": "<", "le": "≤"}


def evaluate(cond: Condition | None, facts: Mapping[str, Any]) -> Truth:
    """True, False, or None when the facts do not decide it. No condition means True."""
    if cond is None:
        return True
    if "all" in cond:
        results = [evaluate(c, facts) for c in cond["all"]]
        if any(r is False for r in results):
            return False
        return None if any(r is None for r in results) else True
    if "any" in cond:
        results = [evaluate(c, facts) for c in cond["any"]]
        if any(r is True for r in results):
            return True
        return None if any(r is None for r in results) else False
    if "not" in cond:
        r = evaluate(cond["not"], facts)
        return None if r is None else not r
    return _compare(cond, facts)


def _op(cond: Condition) -> tuple[str, Any]:
    for op in OPS:
        if op in cond:
            return op, cond[op]
    raise ValueError(f"condition has no operator: {dict(cond)!r}")


def _compare(cond: Condition, facts: Mapping[str, Any]) -> Truth:
    name = cond["fact"]
    op, raw = _op(cond)
    value = facts.get(name)
    if op == "known":
        return (value is not None) is bool(raw)
    if value is None:
        return None
    if op == "in":
        return any(_equal(value, _coerce(v, value)) for v in raw)
    other = _operand(raw, value, facts)
    if other is None:
        return None
    if op == "eq":
        return _equal(value, other)
    if op == "ne":
        return not _equal(value, other)
    try:
        if op == "gt":
            return bool(value > other)
        if op == "ge":
            return bool(value >= other)
        if op == "lt":
            return bool(value < other)
        if op == "le":
            return bool(value <= other)
    except TypeError:
        return None
    raise ValueError(f"unknown operator {op!r}")


def _equal(a: Any, b: Any) -> bool:
    return bool(a == b)


def _operand(raw: Any, like: Any, facts: Mapping[str, Any]) -> Any:
    if isinstance(raw, Mapping):
        other = facts.get(raw["fact"])
        if other is None:
            return None
        times = raw.get("times")
        if times is not None:
            other = Decimal(str(other)) * Decimal(str(times))
        return other
    return _coerce(raw, like)


def _coerce(raw: Any, like: Any) -> Any:
    """Bring a literal from YAML to the type of the fact it is compared with."""
    if isinstance(like, bool) or isinstance(raw, bool):
        return raw
    if isinstance(like, Decimal | int | float) and isinstance(raw, int | float | str):
        try:
            return Decimal(str(raw))
        except InvalidOperation:
            return raw
    if isinstance(like, dt.date) and isinstance(raw, str):
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            return raw
    return raw


def facts_in(cond: Condition | None) -> Iterator[str]:
    """Every fact name a condition mentions, operands included."""
    if cond is None:
        return
    for key in ("all", "any"):
        if key in cond:
            for c in cond[key]:
                yield from facts_in(c)
            return
    if "not" in cond:
        yield from facts_in(cond["not"])
        return
    yield cond["fact"]
    _, raw = _op(cond)
    if isinstance(raw, Mapping):
        yield raw["fact"]


def describe(cond: Condition | None, titles: Mapping[str, str] | None = None,
             kinds: Mapping[str, str] | None = None) -> str:
    """The condition in plain Chinese, with fact titles and values as a reviewer reads them:
    `项目投资不低于50万元，且实施了项目监理：是`. Empty when there is no condition."""
    if cond is None:
        return ""
    t = titles or {}
    k = kinds or {}
    if "all" in cond:
        return "，且".join(_wrap(c, t, k) for c in cond["all"])
    if "any" in cond:
        return "，或".join(_wrap(c, t, k) for c in cond["any"])
    if "not" in cond:
        return f"并非（{describe(cond['not'], t, k)}）"
    fact = cond["fact"]
    name = t.get(fact, fact)
    op, raw = _op(cond)
    if op == "known":
        return f"已说明{name}" if raw else f"未说明{name}"
    if op == "in":
        return f"{name}为{'、'.join(_value(fact, v, k) for v in raw)}之一"
    if isinstance(raw, Mapping):
        other = t.get(raw["fact"], raw["fact"])
        times = raw.get("times")
        rhs = f"{other}的{_percent(times)}" if times is not None else other
    else:
        rhs = _value(fact, raw, k)
    if isinstance(raw, bool) and op in ("eq", "ne"):
        return f"{name}：{'是' if raw is (op == 'eq') else '否'}"
    return f"{name}{_WORDS[op]}{rhs}"


_WORDS = {"eq": "为", "ne": "不为", "gt": "超过", "ge": "达到", "lt": "低于", "le": "不超过"}
_MONEY_HINTS = ("investment", "amount", "budget", "cost", "price")


def _percent(times: Any) -> str:
    pct = Decimal(str(times)) * 100
    return f"{format(pct.normalize(), 'f')}%"


def _value(fact: str, v: Any, kinds: Mapping[str, str]) -> str:
    """A literal as a reviewer reads it (fact_value_text: 建设类, 是/否, 50万元)."""
    from dossier.facts import fact_value_text

    kind = kinds.get(fact)
    if kind is None and any(h in fact for h in _MONEY_HINTS) and isinstance(v, int | float | Decimal):
        kind = "money"
    if kind == "money" and isinstance(v, int | float | str):
        with contextlib.suppress(InvalidOperation):
            v = Decimal(str(v))
    return fact_value_text(fact, v, kind)


def _wrap(cond: Condition, titles: Mapping[str, str], kinds: Mapping[str, str]) -> str:
    text = describe(cond, titles, kinds)
    return f"（{text}）" if ("all" in cond or "any" in cond) else text
