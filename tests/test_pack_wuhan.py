"""武汉 pack (武汉市政务信息化项目建设管理办法, 2021): routes, thresholds and time limits as the seed states them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from dossier.conditions import evaluate
from dossier.model import Material, Pack, Rule
from dossier.packs import load_pack

D = Decimal


@pytest.fixture(scope="module")
def pack() -> Pack:
    return load_pack("wuhan")


def material(pack: Pack, stage: str, mid: str) -> Material:
    return pack.stage(stage).material(mid)


def rule(pack: Pack, rid: str) -> Rule:
    return pack.rule(rid)


def test_header(pack: Pack) -> None:
    (src,) = pack.sources
    assert src.short == "武汉办法" and src.issuer == "武汉市人民政府办公厅"
    assert src.issued == "2021-08-21" and src.seed == "wuhan.txt"
    assert [s.id for s in pack.stages] == ["application", "change", "final-acceptance", "self-evaluation"]


def test_material_counts_and_which_are_conditional(pack: Pack) -> None:
    assert {s.id: len(s.materials) for s in pack.stages} == {
        "application": 10,
        "change": 2,
        "final-acceptance": 7,
        "self-evaluation": 2,
    }
    conditional = {m.id for s in pack.stages for m in s.materials if m.when is not None}
    assert conditional == {
        "filing-record",
        "project-proposal",
        "feasibility-study",
        "preliminary-design",
        "implementation-plan",
        "secure-product-statement",
        "evaluation-report",
        "approval-document",
        "city-government-approval",
        "adjustment-filing",
        "reapproval-documents",
    }
    manual = {m.id for s in pack.stages for m in s.materials if m.verify == "manual"}
    assert {"platform-connection-confirmation", "acceptance-filing", "joint-mechanism-filing"} <= manual


def route(pack: Pack, facts: dict[str, Any]) -> dict[str, bool | None]:
    return {m.id: evaluate(m.when, facts) for m in pack.stage("application").materials}


def test_filing_below_50_approval_from_50(pack: Pack) -> None:
    low = route(pack, {"investment": D("49.99"), "combined_plan": False})
    assert low["filing-record"] is True
    assert not any(
        low[m] for m in ("project-proposal", "feasibility-study", "preliminary-design", "evaluation-report")
    )
    high = route(pack, {"investment": D("50"), "combined_plan": False})
    assert high["filing-record"] is False
    for mid in (
        "project-proposal",
        "secure-product-statement",
        "evaluation-report",
        "approval-document",
    ):
        assert high[mid] is True, mid
    # 第十条: 建议书 → 可研 → 初步设计 are approved one after the other; which step a dossier is at
    # is the approval_step fact (or, unknown, the step whose document is there).
    assert high["feasibility-study"] is None and high["preliminary-design"] is None
    assert high["implementation-plan"] is False
    at_feasibility = route(pack, {"investment": D("50"), "combined_plan": False, "approval_step": "feasibility"})
    assert at_feasibility["feasibility-study"] is True and at_feasibility["project-proposal"] is False
    assert at_feasibility["preliminary-design"] is False
    unknown = route(pack, {})
    assert unknown["filing-record"] is None and unknown["project-proposal"] is None
    assert evaluate(rule(pack, "filing-route").when, {"investment": D("49.99")}) is True
    assert evaluate(rule(pack, "approval-route").when, {"investment": D("50")}) is True


def test_one_implementation_plan_replaces_the_three_documents(pack: Pack) -> None:
    merged = route(pack, {"investment": D("200"), "combined_plan": True})
    assert merged["implementation-plan"] is True
    assert merged["project-proposal"] is False
    assert merged["feasibility-study"] is False and merged["preliminary-design"] is False
    undecided = route(pack, {"investment": D("200")})
    assert undecided["implementation-plan"] is None and undecided["feasibility-study"] is None


def test_plans_carry_resource_sharing_and_crypto_chapters(pack: Pack) -> None:
    for mid in ("feasibility-study", "preliminary-design", "implementation-plan"):
        assert material(pack, "application", mid).document == "application-plan"
    doc = pack.document("application-plan")
    assert doc.outline == "partial"
    ids = [s.id for s in doc.sections]
    assert {"resource-sharing-analysis", "crypto-application-plan"} <= set(ids)
    by_id = {s.id: s for s in doc.sections}
    assert by_id["resource-sharing-analysis"].when is None and by_id["crypto-application-plan"].when is None
    assert all(c.article == "第十三条" for c in by_id["resource-sharing-analysis"].citations)
    assert doc.count() == 6
    for did in ("evaluation-report", "approval-document"):
        sections = [s.id for s in pack.document(did).sections]
        assert len(sections) == 2 and any("crypto" in s for s in sections), did


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({"approved_amount": D("2999.99")}, False),
        ({"approved_amount": D("3000")}, True),
        ({"investment": D("3000")}, True),
        ({"investment": D("2999.99")}, False),
        ({"approved_amount": D("2000"), "investment": D("3500")}, False),
        ({}, None),
    ],
)
def test_city_government_approval_from_3000(pack: Pack, facts: dict[str, Any], expected: bool | None) -> None:
    assert evaluate(material(pack, "application", "city-government-approval").when, facts) is expected
    assert evaluate(rule(pack, "city-government-approval").when, facts) is expected


OK_CHANGE = {
    "investment": D("1000"),
    "approved_amount": D("1000"),
    "goal_unchanged": True,
    "change_amount": D("150"),
    "change_reason": "technical-optimisation",
}


@pytest.mark.parametrize(
    ("override", "self_route"),
    [
        ({}, True),
        ({"change_amount": D("150.01")}, False),
        ({"investment": D("1000.01")}, False),
        ({"goal_unchanged": False}, False),
        ({"change_reason": "other"}, False),
        ({"change_reason": "superior-requirement"}, True),
        ({"change_reason": "business-development"}, True),
        ({"change_reason": None}, None),
    ],
)
def test_change_within_15_percent_is_filed_otherwise_reapproved(
    pack: Pack, override: dict[str, Any], self_route: bool | None
) -> None:
    facts = {k: v for k, v in {**OK_CHANGE, **override}.items() if v is not None}
    filing = evaluate(material(pack, "change", "adjustment-filing").when, facts)
    reapproval = evaluate(material(pack, "change", "reapproval-documents").when, facts)
    assert filing is self_route
    assert reapproval is (None if self_route is None else not self_route)
    assert evaluate(rule(pack, "self-adjustment-route").when, facts) is self_route


def test_final_acceptance_prerequisites(pack: Pack) -> None:
    ids = [m.id for m in pack.stage("final-acceptance").materials]
    for mid in (
        "risk-assessment-report",
        "crypto-assessment-report",
        "final-audit-report",
        "platform-connection-confirmation",
        "acceptance-report",
        "acceptance-filing",
        "performance-evaluation-reports",
    ):
        assert mid in ids, mid
    report = pack.document("acceptance-report")
    assert {
        "secure-reliable-products",
        "crypto-application",
        "utilisation-efficiency",
    } <= {s.id for s in report.sections}
    assert report.count() == 3  # 第二十七条 in its own words: 安全可靠 · 密码应用和安全审查 · 利用效率


def test_yearly_performance_report(pack: Pack) -> None:
    doc = pack.document("performance-evaluation-report")
    assert {"construction-progress", "investment-plan-execution"} <= {s.id for s in doc.sections}
    r = rule(pack, "performance-report-deadline")
    assert r.kind == "deadline" and r.stages == ("final-acceptance",)
    assert r.params["month_day"] == "12-31" and r.params["year_offset_fact"] == "performance_report_year"
    # 第二十条 names 建设进度 and 投资计划执行情况; the opinions of 使用单位 and 监理单位 are one chapter.
    opinions = next(s for _, s in doc.walk() if s.id == "stakeholder-opinions")
    assert "项目使用单位和监理单位意见" in opinions.aliases and not opinions.children


def window(pack: Pack, rid: str) -> tuple[str, str, Any, Any]:
    r = rule(pack, rid)
    assert r.kind == "window", rid
    return r.params["from"], r.params["to"], r.params.get("min"), r.params.get("max")


def test_time_windows(pack: Pack) -> None:
    assert window(pack, "acceptance-within-six-months") == (
        "completion_date",
        "final_acceptance_date",
        {"days": 0},
        {"months": 6},
    )
    assert window(pack, "self-evaluation-window") == (
        "go_live_date",
        "self_evaluation_date",
        {"months": 12},
        {"months": 24},
    )
    assert window(pack, "confirmation-before-acceptance")[:2] == (
        "bureau_confirmation_date",
        "final_acceptance_date",
    )


def test_asserts(pack: Pack) -> None:
    infra = rule(pack, "no-new-infrastructure")
    assert evaluate(infra.when, {"classified": True}) is False
    assert evaluate(infra.when, {"classified": False}) is True
    assert evaluate(infra.params["assert"], {"new_infrastructure": True}) is False
    account = rule(pack, "final-account-within-estimate").params["assert"]
    assert evaluate(account, {"final_account_amount": D("1000"), "approved_amount": D("1000")}) is True
    assert evaluate(account, {"final_account_amount": D("1000.5"), "approved_amount": D("1000")}) is False


def test_every_rule_cites_an_article(pack: Pack) -> None:
    stages = {s.id for s in pack.stages} | {"*"}
    for r in pack.rules:
        assert set(r.stages) <= stages, r.id
        assert all(c.source == "wuhan-measures" and c.article.startswith("第") for c in r.citations), r.id
