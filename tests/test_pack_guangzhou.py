"""广州 pack (穗政数〔2020〕6号): stages, materials, thresholds and time limits as the seed states them."""

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
    return load_pack("guangzhou")


def material(pack: Pack, stage: str, mid: str) -> Material:
    return pack.stage(stage).material(mid)


def rule(pack: Pack, rid: str) -> Rule:
    return pack.rule(rid)


def test_header(pack: Pack) -> None:
    assert pack.level == "city" and pack.jurisdiction == "广州市"
    (src,) = pack.sources
    assert src.short == "广州办法" and src.number == "穗政数〔2020〕6号" and src.seed == "guangzhou.txt"
    assert [s.id for s in pack.stages] == [
        "application",
        "change",
        "contract-acceptance",
        "final-acceptance",
        "self-evaluation",
    ]
    assert {"tech_defense_tested", "cancel_only", "main_contract"} <= {f.name for f in pack.facts}


def test_material_counts_and_which_are_conditional(pack: Pack) -> None:
    counts = {s.id: len(s.materials) for s in pack.stages}
    assert counts == {
        "application": 9,
        "change": 5,
        "contract-acceptance": 8,
        "final-acceptance": 6,
        "self-evaluation": 2,
    }
    conditional = {(s.id, m.id) for s in pack.stages for m in s.materials if m.when is not None}
    assert conditional == {
        ("application", "feasibility-study"),
        ("application", "feasibility-review-opinion"),
        ("application", "expert-review-opinion"),
        ("application", "filed-plan"),  # 第二十二条: due once 立项批复 is given
        ("change", "revised-plan"),
        ("change", "change-statement"),
        ("change", "new-plan"),
        ("contract-acceptance", "trial-run-report"),
        ("contract-acceptance", "security-assessment-report"),  # of the main contract's system
        ("contract-acceptance", "acceptance-test-report"),
        ("contract-acceptance", "tech-defense-report"),
        ("contract-acceptance", "supervision-report"),
        ("contract-acceptance", "expert-acceptance-opinion"),
        ("final-acceptance", "major-issues-statement"),
        ("final-acceptance", "operation-self-evaluation-report"),
    }
    # Every conditional material keeps the seed's own words for its condition.
    for s in pack.stages:
        for m in s.materials:
            assert (m.when is None) or m.condition_text, m.id


def test_application_steps_follow_article_twelve(pack: Pack) -> None:
    ids = [m.id for m in pack.stage("application").materials]
    # 方案编制 → 申报 → 审核 → 批复 → 备案
    assert ids.index("project-plan") < ids.index("department-review") < ids.index("expert-review-opinion")
    assert ids.index("expert-review-opinion") < ids.index("approval-opinion") < ids.index("filed-plan")
    assert material(pack, "application", "project-plan").document == "project-plan"
    assert material(pack, "application", "filed-plan").document == "project-plan"
    assert material(pack, "application", "approval-opinion").verify == "manual"


def test_project_plan_is_a_partial_outline_with_the_demanded_chapters(pack: Pack) -> None:
    doc = pack.document("project-plan")
    assert doc.outline == "partial" and doc.kind == "report"
    top = [s.id for s in doc.sections]
    assert top[:3] == ["business-process", "resource-catalog", "resource-reuse"]
    assert {
        "cyber-security",
        "necessity",
        "current-state-and-needs",
        "performance-goals",
        "investment-estimate",
    } <= set(top)
    assert doc.count() == 13
    arts = {c.article for _, s in doc.walk() for c in s.citations}
    assert {"第十七条", "第十九条", "第三十七条"} <= arts
    supervision = next(s for _, s in doc.walk() if s.id == "supervision-cost")
    assert evaluate(supervision.when, {"investment": D("49.99")}) is False
    assert evaluate(supervision.when, {"investment": D("50")}) is True


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({"category": "construction", "investment": D("2999")}, False),
        ({"category": "construction", "investment": D("2999.99")}, False),
        ({"category": "construction", "investment": D("3000")}, True),
        ({"category": "operation", "investment": D("5000")}, False),
        ({"category": "construction"}, None),
        ({"investment": D("3000")}, None),
    ],
)
def test_feasibility_study_only_for_construction_from_3000(
    pack: Pack, facts: dict[str, Any], expected: bool | None
) -> None:
    for mid in ("feasibility-study", "feasibility-review-opinion"):
        assert evaluate(material(pack, "application", mid).when, facts) is expected


@pytest.mark.parametrize(("amount", "expected"), [(D("99.99"), False), (D("100"), True), (None, None)])
def test_expert_review_from_100(pack: Pack, amount: Decimal | None, expected: bool | None) -> None:
    facts = {} if amount is None else {"investment": amount}
    assert evaluate(material(pack, "application", "expert-review-opinion").when, facts) is expected
    assert evaluate(rule(pack, "review-route-expert").when, facts) is expected
    initial = rule(pack, "review-route-initial").when
    assert evaluate(initial, facts) is (None if expected is None else not expected)


@pytest.mark.parametrize(("amount", "expected"), [(D("49.99"), False), (D("50"), True), (None, None)])
def test_supervision_from_50(pack: Pack, amount: Decimal | None, expected: bool | None) -> None:
    facts = {} if amount is None else {"investment": amount}
    assert evaluate(material(pack, "contract-acceptance", "supervision-report").when, facts) is expected
    r = rule(pack, "supervision-required")
    assert r.kind == "assert" and evaluate(r.when, facts) is expected
    assert evaluate(r.params["assert"], {"supervised": False}) is False


CHANGE = {"approved_amount": D("1000")}


@pytest.mark.parametrize(
    ("facts", "revised", "statement", "new_plan"),
    [
        ({**CHANGE, "cancel_only": True, "change_amount": D("300")}, True, False, False),
        ({**CHANGE, "cancel_only": False, "change_amount": D("99.99")}, False, True, False),
        ({**CHANGE, "cancel_only": False, "change_amount": D("100")}, False, False, True),
        ({"cancel_only": False, "change_amount": D("100")}, False, None, None),
        ({**CHANGE, "change_amount": D("50")}, None, None, False),
    ],
)
def test_change_routes(
    pack: Pack, facts: dict[str, Any], revised: Any, statement: Any, new_plan: Any
) -> None:
    assert evaluate(material(pack, "change", "revised-plan").when, facts) is revised
    assert evaluate(material(pack, "change", "change-statement").when, facts) is statement
    assert evaluate(material(pack, "change", "new-plan").when, facts) is new_plan


def test_change_never_above_the_approved_estimate(pack: Pack) -> None:
    cond = rule(pack, "change-within-approved-estimate").params["assert"]
    assert evaluate(cond, {"investment": D("1000"), "approved_amount": D("1000")}) is True
    assert evaluate(cond, {"investment": D("1000.01"), "approved_amount": D("1000")}) is False
    assert rule(pack, "change-amount-calculation").kind == "manual"
    arts = {c.clause for c in rule(pack, "change-amount-calculation").citations}
    assert arts == {"(一)", "(二)"}


BASE_CONTRACT = {"category": "construction", "main_contract": True, "tech_defense_tested": False}


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({**BASE_CONTRACT, "contract_amount": D("50")}, True),
        ({**BASE_CONTRACT, "contract_amount": D("49.99")}, False),
        ({**BASE_CONTRACT, "contract_amount": D("80"), "tech_defense_tested": True}, False),
        ({**BASE_CONTRACT, "contract_amount": D("80"), "main_contract": False}, False),
        ({**BASE_CONTRACT, "contract_amount": D("80"), "category": "operation"}, False),
        # 技防检测 is the exception: unless it is said to be done, the 验收测评 is due.
        ({"category": "construction", "main_contract": True, "contract_amount": D("80")}, True),
    ],
)
def test_acceptance_testing(pack: Pack, facts: dict[str, Any], expected: bool | None) -> None:
    assert evaluate(material(pack, "contract-acceptance", "acceptance-test-report").when, facts) is expected


def test_tech_defense_report_and_expert_acceptance(pack: Pack) -> None:
    tech = material(pack, "contract-acceptance", "tech-defense-report").when
    assert evaluate(tech, {"tech_defense_tested": True}) is True
    assert evaluate(tech, {"tech_defense_tested": False}) is False
    expert = material(pack, "contract-acceptance", "expert-acceptance-opinion").when
    assert evaluate(expert, {"contract_amount": D("99.99")}) is False
    assert evaluate(expert, {"contract_amount": D("100")}) is True
    trial = material(pack, "contract-acceptance", "trial-run-report").when
    assert evaluate(trial, {"category": "operation"}) is False


def window(pack: Pack, rid: str) -> tuple[str, str, Any, Any]:
    r = rule(pack, rid)
    assert r.kind == "window", rid
    return r.params["from"], r.params["to"], r.params.get("min"), r.params.get("max")


def test_time_windows(pack: Pack) -> None:
    assert window(pack, "trial-run-minimum") == ("trial_run_start", "trial_run_end", {"months": 3}, None)
    for rid in ("contract-signing-filing", "contract-change-filing", "contract-acceptance-filing"):
        assert window(pack, rid)[3] == {"working_days": 15}, rid
    assert window(pack, "final-application-window") == (
        "contract_acceptance_date",
        "final_application_date",
        {"days": 0},
        {"months": 3},
    )
    assert window(pack, "approval-validity")[3] == {"years": 2}
    assert window(pack, "construction-self-evaluation-after-final") == (
        "final_acceptance_date",
        "self_evaluation_date",
        {"months": 6},
        None,
    )
    op = window(pack, "operation-self-evaluation-before-final")
    assert op[:2] == ("self_evaluation_date", "final_acceptance_date")
    assert evaluate(rule(pack, "trial-run-minimum").when, {"category": "operation"}) is False
    assert (
        evaluate(rule(pack, "operation-self-evaluation-before-final").when, {"category": "operation"}) is True
    )


def test_contract_terms(pack: Pack) -> None:
    period = rule(pack, "construction-period-limit").params["assert"]
    assert evaluate(period, {"construction_period_months": 36}) is True
    assert evaluate(period, {"construction_period_months": 37}) is False
    maint = rule(pack, "free-maintenance-period").params["assert"]
    assert evaluate(maint, {"free_maintenance_months": 11}) is False
    assert evaluate(maint, {"free_maintenance_months": 12}) is True
    retention = rule(pack, "retention-minimum")
    assert (
        evaluate(retention.params["assert"], {"retention_amount": D("5"), "contract_amount": D("100")})
        is True
    )
    assert (
        evaluate(retention.params["assert"], {"retention_amount": D("4.99"), "contract_amount": D("100")})
        is False
    )
    assert evaluate(retention.when, {"main_contract": False}) is False


def test_every_rule_cites_an_article_and_stage_ids_exist(pack: Pack) -> None:
    stages = {s.id for s in pack.stages} | {"*"}
    for r in pack.rules:
        assert set(r.stages) <= stages, r.id
        assert all(c.article.startswith("第") for c in r.citations), r.id
    kinds = {r.kind for r in pack.rules}
    assert {"assert", "window", "manual", "notice", "consistency"} <= kinds
