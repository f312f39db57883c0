"""Truth tables for the closed condition vocabulary (three-valued: unknown facts give None)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from dossier.conditions import describe, evaluate, facts_in

T, F, U = True, False, None


@pytest.mark.parametrize(
    ("cond", "facts", "expected"),
    [
        ({"fact": "supervised", "eq": True}, {"supervised": True}, T),
        ({"fact": "supervised", "eq": True}, {"supervised": False}, F),
        ({"fact": "supervised", "eq": True}, {}, U),
        ({"fact": "investment", "ge": 50}, {"investment": Decimal("50")}, T),
        ({"fact": "investment", "ge": 50}, {"investment": Decimal("49.99")}, F),
        ({"fact": "investment", "gt": 50}, {"investment": Decimal("50")}, F),
        ({"fact": "investment", "lt": 50}, {"investment": Decimal("49.99")}, T),
        ({"fact": "investment", "le": 50}, {"investment": Decimal("50.01")}, F),
        ({"fact": "investment", "ne": 50}, {"investment": Decimal("50")}, F),
        ({"fact": "category", "in": ["construction"]}, {"category": "construction"}, T),
        ({"fact": "category", "in": ["construction"]}, {"category": "operation"}, F),
        ({"fact": "category", "in": ["construction"]}, {}, U),
        ({"fact": "go_live_date", "known": True}, {"go_live_date": dt.date(2024, 1, 1)}, T),
        ({"fact": "go_live_date", "known": True}, {}, F),
        ({"fact": "go_live_date", "known": False}, {}, T),
        ({"fact": "go_live_date", "ge": "2024-01-01"}, {"go_live_date": dt.date(2023, 12, 31)}, F),
        (
            {"fact": "change_amount", "le": {"fact": "contract_amount", "times": 0.1}},
            {"change_amount": Decimal("10"), "contract_amount": Decimal("100")},
            T,
        ),
        (
            {"fact": "change_amount", "le": {"fact": "contract_amount", "times": 0.1}},
            {"change_amount": Decimal("10.01"), "contract_amount": Decimal("100")},
            F,
        ),
        ({"fact": "change_amount", "le": {"fact": "contract_amount"}}, {"change_amount": Decimal("1")}, U),
    ],
)
def test_comparisons(cond: dict, facts: dict, expected: bool | None) -> None:
    assert evaluate(cond, facts) is expected


A = {"fact": "a", "eq": True}
B = {"fact": "b", "eq": True}


@pytest.mark.parametrize(
    ("a", "b", "all_", "any_"),
    [
        (T, T, T, T), (T, F, F, T), (F, T, F, T), (F, F, F, F),
        (T, U, U, T), (U, T, U, T), (F, U, F, U), (U, F, F, U), (U, U, U, U),
    ],
)
def test_kleene_logic(a: bool | None, b: bool | None, all_: bool | None, any_: bool | None) -> None:
    facts = {k: v for k, v in (("a", a), ("b", b)) if v is not None}
    assert evaluate({"all": [A, B]}, facts) is all_
    assert evaluate({"any": [A, B]}, facts) is any_
    assert evaluate({"not": A}, facts) is (None if a is None else not a)


def test_no_condition_is_true() -> None:
    assert evaluate(None, {}) is True


def test_facts_in_and_describe() -> None:
    cond = {"all": [{"fact": "investment", "ge": 500}, {"not": {"fact": "classified", "eq": True}},
                    {"fact": "change_amount", "lt": {"fact": "approved_amount", "times": 0.1}}]}
    assert sorted(facts_in(cond)) == ["approved_amount", "change_amount", "classified", "investment"]
    text = describe(cond, {"investment": "总投资"})
    # Plain Chinese, values as a reviewer reads them (issue 14: no "= 是", no raw operators).
    assert "总投资达到500万元" in text and "并非（classified：是）" in text and "approved_amount的10%" in text
