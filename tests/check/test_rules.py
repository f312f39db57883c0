"""Rule kinds as small functions yielding bare gaps, against the real packs' numbers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from dossier.check.rules import add_months, add_working_days, run_rules
from dossier.facts import fact_titles
from dossier.packs import load_pack

D = dt.date


def gaps(pack_id: str, stage: str, facts: dict[str, Any], kind: str | None = None) -> set[tuple[str, str]]:
    pack = load_pack(pack_id)
    rules = tuple(r for r in pack.rules_for(stage) if kind is None or r.kind == kind)
    return {(g.code, g.requirement) for g in run_rules(rules, facts, fact_titles(pack))}


def codes(found: set[tuple[str, str]]) -> set[str]:
    return {c for c, _ in found}


def test_month_arithmetic_clamps_days() -> None:
    assert add_months(D(2023, 1, 31), 1) == D(2023, 2, 28)
    assert add_months(D(2023, 11, 15), 3) == D(2024, 2, 15)
    assert add_working_days(D(2024, 1, 5), 1) == D(2024, 1, 8)  # Friday → Monday


@pytest.mark.parametrize(
    ("start", "end", "broken"),
    [
        (D(2023, 6, 1), D(2023, 6, 30), True),   # under 1 month
        (D(2023, 6, 1), D(2023, 7, 1), False),   # exactly 1 month
        (D(2023, 6, 1), D(2023, 11, 1), False),  # exactly 5 months
        (D(2023, 6, 1), D(2023, 11, 2), True),   # over 5 months
        (D(2023, 6, 1), D(2023, 5, 1), True),    # ends before it starts
    ],
)
def test_yongchuan_trial_run_one_to_five_months(start: dt.date, end: dt.date, broken: bool) -> None:
    found = gaps("yongchuan", "final-acceptance", {"trial_run_start": start, "trial_run_end": end}, "window")
    r002 = {req for code, req in found if code == "DOS-R002"}
    assert bool(r002) is broken


def test_yongchuan_final_application_within_one_month_of_trial_end() -> None:
    base = {"trial_run_start": D(2023, 6, 1), "trial_run_end": D(2023, 9, 1)}
    ok = gaps("yongchuan", "final-acceptance", {**base, "final_application_date": D(2023, 10, 1)}, "window")
    late = gaps("yongchuan", "final-acceptance", {**base, "final_application_date": D(2023, 10, 2)}, "window")
    assert "DOS-R002" not in codes(ok) and "DOS-R002" in codes(late)


def test_unknown_dates_are_unverifiable_not_violations() -> None:
    found = gaps("yongchuan", "final-acceptance", {}, "window")
    assert codes(found) == {"DOS-R006"}


def test_self_evaluation_12_to_24_months() -> None:
    live = D(2022, 3, 1)
    early = gaps("yongchuan", "self-evaluation", {"go_live_date": live, "self_evaluation_date": D(2023, 2, 28)}, "window")
    fine = gaps("yongchuan", "self-evaluation", {"go_live_date": live, "self_evaluation_date": D(2023, 9, 1)}, "window")
    late = gaps("yongchuan", "self-evaluation", {"go_live_date": live, "self_evaluation_date": D(2024, 3, 2)}, "window")
    assert "DOS-R002" in codes(early) and "DOS-R002" not in codes(fine) and "DOS-R002" in codes(late)


@pytest.mark.parametrize(("change", "broken"), [(Decimal("10"), False), (Decimal("10.01"), True)])
def test_lianping_change_at_most_ten_percent_of_contract(change: Decimal, broken: bool) -> None:
    facts = {"changed": True, "contract_amount": Decimal("100"), "change_amount": change, "change_count": 1}
    found = gaps("lianping", "change", facts, "assert")
    assert ("DOS-R001" in codes(found)) is broken


def test_lianping_at_most_one_change() -> None:
    facts = {"changed": True, "contract_amount": Decimal("100"), "change_amount": Decimal("1"), "change_count": 2}
    assert "DOS-R001" in codes(gaps("lianping", "change", facts, "assert"))


def test_qingpu_naming_rule() -> None:
    pack = load_pack("qingpu")
    naming = [r for r in pack.rules if r.kind == "naming"]
    assert naming
    stage = naming[0].stages[0]
    good = gaps("qingpu", stage, {"project_name": "青浦区城市运行管理大系统建设项目", "category": "construction", "mode": "new",
                                  "scale": "system"}, "naming")
    bad = gaps("qingpu", stage, {"project_name": "青浦区城市运行管理平台采购", "category": "construction", "mode": "new",
                                 "scale": "system"}, "naming")
    assert "DOS-R003" not in codes(good)
    assert "DOS-R003" in codes(bad)


@pytest.mark.parametrize(
    ("implementation", "applied", "late"),
    [("next-year", D(2025, 6, 30), False), ("next-year", D(2025, 7, 1), True),
     ("same-year", D(2025, 8, 30), False), ("same-year", D(2025, 8, 31), True)],
)
def test_qingpu_application_deadlines(implementation: str, applied: dt.date, late: bool) -> None:
    found = gaps("qingpu", "application", {"implementation": implementation, "application_date": applied}, "deadline")
    assert ("DOS-R004" in codes(found)) is late


def test_manual_and_notice_rules() -> None:
    found = gaps("yongchuan", "final-acceptance", {"classified": True})
    assert "DOS-R007" in codes(found) and "DOS-R008" in codes(found)


def test_rules_whose_condition_is_unknown_are_skipped() -> None:
    pack = load_pack("guangzhou")
    conditional = [r for r in pack.rules if r.when is not None and r.kind == "assert"]
    assert conditional
    found = {(c, q) for c, q in gaps("guangzhou", conditional[0].stages[0], {}) if q == conditional[0].id}
    assert not found
