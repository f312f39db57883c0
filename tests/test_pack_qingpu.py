"""青浦 pack: application/O&M materials, 14 acceptance items, naming, deadlines and thresholds."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest

from dossier.conditions import evaluate
from dossier.model import Material, Pack, Rule
from dossier.packs import load_pack


@pytest.fixture(scope="module")
def pack() -> Pack:
    return load_pack("qingpu")


def _rule(pack: Pack, rule_id: str) -> Rule:
    return pack.rule(rule_id)


def _material(pack: Pack, stage: str, material_id: str) -> Material:
    return pack.stage(stage).material(material_id)


def test_header(pack: Pack) -> None:
    src = pack.sources[0]
    assert src.number == "青数〔2024〕49号"
    assert src.issued == "2024-12-04"
    assert [s.id for s in pack.stages] == ["application", "change", "final-acceptance", "operation"]
    counts = {s.id: len(s.materials) for s in pack.stages}
    assert counts == {"application": 15, "change": 5, "final-acceptance": 14, "operation": 9}


# --- 申报材料 (第九条, 第十条, 第十二条) ------------------------------------------------------


@pytest.mark.parametrize(
    ("material_id", "facts", "expected"),
    [
        ("feasibility-study", {}, True),
        ("basis-documents", {}, True),
        ("overall-feasibility-plan", {"cross_department": True}, True),
        ("overall-feasibility-plan", {"cross_department": False}, False),
        ("overall-master-plan", {"phased": True}, True),
        ("overall-master-plan", {"phased": False}, False),
        ("original-approval-documents", {"mode": "upgrade"}, True),
        ("original-approval-documents", {"mode": "new"}, False),
        ("original-construction-contract", {"mode": "upgrade"}, True),
        ("original-test-reports", {"mode": "upgrade"}, True),
        ("original-acceptance-opinion", {"mode": "upgrade", "original_accepted": True}, True),
        ("original-acceptance-opinion", {"mode": "upgrade", "original_accepted": False}, False),
        ("original-acceptance-opinion", {"mode": "upgrade"}, None),
        ("early-upgrade-explanation", {"mode": "upgrade", "original_accepted": False}, True),
        ("early-upgrade-explanation", {"mode": "upgrade", "original_accepted": True}, False),
        ("early-upgrade-explanation", {"mode": "new"}, False),
        ("requirement-statement", {"unit_class": "A"}, True),
        ("requirement-statement", {"unit_class": "B"}, False),
        ("department-review-ranking", {"unit_class": "A"}, True),
        ("requirement-proposal", {"unit_class": "B"}, True),
        ("requirement-proposal", {"unit_class": "A"}, False),
        ("requirement-confirmation", {"unit_class": "B"}, True),
        ("requirement-proposal", {}, None),
        ("pilot-construction-plan", {"pilot_project": True}, True),
        ("fast-iteration-filing", {"fast_iteration": False}, False),
    ],
)
def test_application_material_conditions(
    pack: Pack, material_id: str, facts: dict[str, Any], expected: bool | None
) -> None:
    assert evaluate(_material(pack, "application", material_id).when, facts) is expected


def test_operation_materials(pack: Pack) -> None:
    mats = pack.stage("operation").materials
    assert [m.title for m in mats][:6] == [
        "运维方案", "运维服务评价报告", "服务合同", "运维日志台账", "数据治理方案", "第三方相关服务总结报告",
    ]  # fmt: skip
    assert mats[0].when is None and mats[4].when is None  # 运维方案, 数据治理方案
    # 第十二条(三): the O&M-period records exist only after a first O&M period.
    for m in (mats[1], mats[2], mats[3], mats[5]):
        assert evaluate(m.when, {"first_om_application": True}) is False, m.id
        assert evaluate(m.when, {"first_om_application": False}) is True, m.id
        assert m.alternatives == ("acceptance-materials",)
    first = _material(pack, "operation", "acceptance-materials")
    assert evaluate(first.when, {"first_om_application": True}) is True
    assert evaluate(first.when, {"first_om_application": False}) is False
    assert "建设合同" in _material(pack, "operation", "service-contract").decoys


# --- 验收材料 (第二十三条) -----------------------------------------------------------------

CLAUSES = [
    "(一)",
    "(二)",
    "(三)",
    "(四)",
    "(五)",
    "(六)",
    "(七)",
    "(八)",
    "(九)",
    "(十)",
    "(十一)",
    "(十二)",
    "(十三)",
    "(十四)",
]


def test_fourteen_acceptance_items_in_order(pack: Pack) -> None:
    mats = pack.stage("final-acceptance").materials
    assert len(mats) == 14
    assert [m.citations[0].clause for m in mats] == CLAUSES
    assert all(m.citations[0].article == "第二十三条" for m in mats)


# (二) 招投标文件 depend on the purchase method (an 询价 purchase has 采购文件 instead).
UNCONDITIONAL = {"(一)", "(三)", "(四)", "(七)", "(八)", "(九)", "(十四)"}


def _by_clause(pack: Pack, clause: str) -> Material:
    return next(m for m in pack.stage("final-acceptance").materials if m.citations[0].clause == clause)


def test_unconditional_acceptance_items(pack: Pack) -> None:
    for clause in CLAUSES:
        m = _by_clause(pack, clause)
        assert (m.when is None) is (clause in UNCONDITIONAL), clause


def test_items_needing_a_person_are_manual(pack: Pack) -> None:
    manual = {c for c in CLAUSES if _by_clause(pack, c).verify == "manual"}
    assert manual == {"(九)", "(十四)"}


@pytest.mark.parametrize(
    ("clause", "facts", "expected"),
    [
        ("(五)", {"classified": False}, True),
        ("(五)", {"classified": True}, False),
        ("(五)", {}, True),  # “非涉密项目”: required unless the project is known to be classified
        ("(六)", {"supervised": True}, True),
        ("(六)", {"supervised": False}, False),
        ("(六)", {}, None),
        ("(十)", {"extranet": True}, True),
        ("(十)", {"extranet": False}, False),
        ("(十一)", {"changed": True}, True),
        ("(十一)", {"changed": False}, False),
        ("(十二)", {"xinchuang_met": False}, True),
        ("(十二)", {"xinchuang_met": True}, False),
        ("(十二)", {}, None),
        ("(十三)", {"investment": Decimal("499.99")}, False),
        ("(十三)", {"investment": Decimal("500")}, True),
        ("(十三)", {"investment": Decimal("500.01")}, True),
        ("(十三)", {}, None),
    ],
)
def test_acceptance_item_conditions(
    pack: Pack, clause: str, facts: dict[str, Any], expected: bool | None
) -> None:
    assert evaluate(_by_clause(pack, clause).when, facts) is expected


def test_supervision_report_is_not_a_supervision_contract(pack: Pack) -> None:
    assert "监理合同" in _by_clause(pack, "(六)").decoys


# --- 第二十一条 thresholds -----------------------------------------------------------------


@pytest.mark.parametrize(("investment", "applies"), [("99.99", False), ("100", True), (None, None)])
def test_supervision_mandatory_from_100(pack: Pack, investment: str | None, applies: bool | None) -> None:
    rule = _rule(pack, "supervision-mandatory")
    facts = {} if investment is None else {"investment": Decimal(investment)}
    assert evaluate(rule.when, facts) is applies
    assert evaluate(rule.params["assert"], {"supervised": False}) is False


@pytest.mark.parametrize("rule_id", ["midterm-inspection", "trial-run-check"])
@pytest.mark.parametrize(("investment", "applies"), [("499.99", False), ("500", True), (None, None)])
def test_500_threshold_rules(pack: Pack, rule_id: str, investment: str | None, applies: bool | None) -> None:
    rule = _rule(pack, rule_id)
    facts = {} if investment is None else {"investment": Decimal(investment)}
    assert evaluate(rule.when, facts) is applies
    assert rule.severity == "error"


def test_trial_run_check_and_midterm_asserts(pack: Pack) -> None:
    assert (
        evaluate(_rule(pack, "trial-run-check").params["assert"], {"trial_run_check_passed": False}) is False
    )
    assert evaluate(_rule(pack, "midterm-inspection").params["assert"], {"midterm_checked": True}) is True


@pytest.mark.parametrize(("investment", "major"), [("999.99", False), ("1000", True)])
def test_major_project_threshold(pack: Pack, investment: str, major: bool) -> None:
    rule = _rule(pack, "major-project")
    assert evaluate(rule.when, {"investment": Decimal(investment), "major_project": False}) is major


# --- 第二十二条 change routes -------------------------------------------------------------

ROUTES = ["department-approval", "bureau-approval", "revised-overall-plan"]


@pytest.mark.parametrize(
    ("change", "route"),
    [
        ("14.99", "department-approval"),
        ("15", "bureau-approval"),
        ("30", "bureau-approval"),
        ("30.01", "revised-overall-plan"),
    ],
)
def test_change_route_by_share_of_approved_amount(pack: Pack, change: str, route: str) -> None:
    facts = {"change_amount": Decimal(change), "approved_amount": Decimal("100")}
    chosen = [r for r in ROUTES if evaluate(_material(pack, "change", r).when, facts)]
    assert chosen == [route]


def test_major_project_change_is_filed(pack: Pack) -> None:
    m = _material(pack, "change", "major-project-filing")
    small = {"change_amount": Decimal("10"), "approved_amount": Decimal("100")}
    assert evaluate(m.when, {**small, "major_project": True}) is True
    assert evaluate(m.when, {**small, "major_project": False, "investment": Decimal("100")}) is False
    assert evaluate(m.when, {**small, "major_project": False, "investment": Decimal("1200")}) is True
    big = {"change_amount": Decimal("20"), "approved_amount": Decimal("100"), "major_project": True}
    assert evaluate(m.when, big) is False


def test_change_within_approval(pack: Pack) -> None:
    a = _rule(pack, "change-within-approval").params["assert"]
    assert evaluate(a, {"amount_after_change": Decimal("100"), "approved_amount": Decimal("100")}) is True
    assert evaluate(a, {"amount_after_change": Decimal("100.5"), "approved_amount": Decimal("100")}) is False


# --- 第十三条 naming ----------------------------------------------------------------------


def _pattern(pack: Pack, facts: dict[str, Any]) -> str:
    rule = _rule(pack, "project-naming")
    chosen = [p["pattern"] for p in rule.params["patterns"] if evaluate(p.get("when"), facts) is True]
    assert len(chosen) == 1, facts
    return str(chosen[0])


NEW = {"category": "construction", "mode": "new"}
NAMING = [
    # (facts, names that must pass, names that must fail)
    (
        {**NEW, "scale": "system"},
        ["××大系统建设项目", "青浦区一网统管大系统建设项目", "青浦区公共数据平台建设项目"],
        ["××子系统建设项目", "××大系统建设", "××系统建设项目", "××大系统建设项目(升级改造)"],
    ),
    (
        {**NEW, "scale": "subsystem"},
        ["××子系统建设项目", "城运事件处置子系统建设项目"],
        ["××子系统××功能模块建设项目", "××大系统建设项目", "××子系统项目"],
    ),
    (
        {**NEW, "scale": "module"},
        ["××子系统××功能模块建设项目", "城运事件处置子系统智能派单功能模块建设项目"],
        ["××功能模块建设项目", "××子系统建设项目"],
    ),
    (
        {"category": "construction", "mode": "upgrade"},
        ["××系统建设项目(升级改造)", "××系统建设项目（升级改造）", "青浦区一网统管大系统建设项目(升级改造)"],
        ["××系统建设项目", "××系统升级改造项目", "××系统建设项目(改造升级)", "××系统建设项目(升级改造"],
    ),
    (
        {"category": "operation"},
        ["××系统(2025年运维项目)", "××系统（2025年运维项目）", "青浦区公共数据平台(2026年运维项目)"],
        ["××系统运维项目", "××系统(运维项目)", "××系统2025年运维项目", "××系统(2025年运维)"],
    ),
]


@pytest.mark.parametrize(("facts", "good", "bad"), NAMING)
def test_naming_patterns(pack: Pack, facts: dict[str, Any], good: list[str], bad: list[str]) -> None:
    pattern = _pattern(pack, facts)
    for name in good:
        assert re.fullmatch(pattern, name), name
    for name in bad:
        assert not re.fullmatch(pattern, name), name


def test_naming_examples_quote_the_seed(pack: Pack) -> None:
    quotes = "".join(c.quote for c in _rule(pack, "project-naming").citations)
    for template in (
        "××大系统建设项目",
        "××子系统建设项目",
        "××子系统××功能模块建设项目",
        "××系统建设项目(升级改造)",
        "××系统(××年运维项目)",
    ):
        assert template in quotes


# --- 第十、十一条 deadlines; 第十七条 快速迭代 -----------------------------------------------------


def test_deadlines(pack: Pack) -> None:
    nxt = _rule(pack, "next-year-application-deadline")
    cur = _rule(pack, "same-year-application-deadline")
    om = _rule(pack, "om-application-deadline")
    assert (nxt.params["month_day"], cur.params["month_day"], om.params["month_day"]) == (
        "06-30",
        "08-30",
        "06-30",
    )
    assert evaluate(nxt.when, {"implementation": "next-year"}) is True
    assert evaluate(nxt.when, {"implementation": "same-year"}) is False
    assert evaluate(cur.when, {"implementation": "same-year"}) is True
    assert om.stages == ("operation",)


def test_fast_iteration_conditions(pack: Pack) -> None:
    amount = _rule(pack, "fast-iteration-amount").params["assert"]
    assert evaluate(amount, {"investment": Decimal("50")}) is True
    assert evaluate(amount, {"investment": Decimal("50.01")}) is False
    window = _rule(pack, "fast-iteration-build-window")
    assert window.params["max"] == {"months": 3}
    cap = _rule(pack, "fast-iteration-department-cap").params["assert"]
    assert (
        evaluate(cap, {"department_filing_total": Decimal("30"), "last_year_it_funds": Decimal("1000")})
        is True
    )
    assert (
        evaluate(cap, {"department_filing_total": Decimal("30.01"), "last_year_it_funds": Decimal("1000")})
        is False
    )
    for rid in ("fast-iteration-system-accepted", "fast-iteration-architecture-unchanged"):
        assert evaluate(_rule(pack, rid).when, {"fast_iteration": False}) is False


def test_subsystem_limit(pack: Pack) -> None:
    rule = _rule(pack, "subsystems-per-system-limit")
    assert evaluate(rule.params["assert"], {"subsystems_added_this_year": 2}) is True
    assert evaluate(rule.params["assert"], {"subsystems_added_this_year": 3}) is False
