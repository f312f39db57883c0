"""The 永川 pack encodes the seed's outlines, materials and windows to the last item.

Counts below are read off outlines/yongchuan/source.txt by hand (附件1–5, 第六、十一、十三、
十五、十六条); a pack edit that drops or adds an item fails here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest

from dossier.conditions import evaluate
from dossier.model import Document, Pack, Section
from dossier.packs import load_pack

BRACKETED_CONDITION = re.compile(r"（(若有|如有|定制软件|成熟软件)）")


@pytest.fixture(scope="module")
def pack() -> Pack:
    return load_pack("yongchuan")


def chapter_counts(doc: Document) -> list[int]:
    return [len(ch.children) for ch in doc.sections]


def chapter(doc: Document, label: str) -> Section:
    return next(ch for ch in doc.sections if ch.label == label)


def test_stages_in_lifecycle_order(pack: Pack) -> None:
    assert [s.id for s in pack.stages] == [
        "application",
        "change",
        "preliminary-acceptance",
        "final-acceptance",
        "self-evaluation",
    ]
    assert {d.id for d in pack.documents} == {
        "application-form",
        "basic-report",
        "investment-estimate",
        "preliminary-acceptance-report",
        "final-acceptance-application",
        "self-evaluation-report",
    }


def test_basic_report_has_13_chapters_76_items_4_sub_items(pack: Pack) -> None:
    doc = pack.document("basic-report")
    assert doc.kind == "report" and doc.outline == "full"
    assert len(doc.sections) == 13
    assert chapter_counts(doc) == [9, 2, 8, 9, 5, 20, 6, 2, 0, 3, 3, 2, 7]
    assert sum(chapter_counts(doc)) == 76
    goals = chapter(doc, "第五章").children[1]
    assert goals.title == "总体目标与分期目标"
    assert [c.label for c in goals.children] == ["（1）", "（2）", "（3）", "（4）"]
    assert doc.count() == 13 + 76 + 4
    assert chapter(doc, "第九章").title == "项目实施进度"


def test_article_6_contents_are_cited_on_basic_report_sections(pack: Pack) -> None:
    doc = pack.document("basic-report")
    cited = {s.id for _, s in doc.walk() if any(c.article == "第六条" for c in s.citations)}
    assert {
        "consolidation-goals",
        "resource-sharing-design",
        "resource-sharing-gap",
        "design-and-investment",
    } <= cited
    rule = next(r for r in pack.rules if r.id == "basic-report-required-contents")
    assert rule.kind == "manual" and rule.severity == "error" and rule.stages == ("application",)
    assert rule.citations[0].article == "第六条"
    for term in ("依托全区统一平台集约建设", "信息资源共享目录", "对社会公众开放的分析", "初步设计"):
        assert term in rule.message


def test_preliminary_report_keeps_duplicate_numbers(pack: Pack) -> None:
    doc = pack.document("preliminary-acceptance-report")
    assert len(doc.sections) == 6
    assert chapter_counts(doc) == [10, 8, 5, 6, 16, 3]
    ch1 = chapter(doc, "第一章")
    labels = [s.label for s in ch1.children]
    assert labels == ["1.", "2.", "3.", "3.", "4.", "5", "5.", "7.", "8.", "9."]
    assert [s.title for s in ch1.children if s.label.startswith("3")] == ["项目承建单位", "项目实施机构"]
    assert [s.title for s in ch1.children if s.label.startswith("5")] == ["项目审计单位", "项目招标代理机构"]
    assert chapter(doc, "第四章").title == "项目建设情况项目审批"
    ch5 = [s.title for s in chapter(doc, "第五章").children]
    assert ch5[4:6] == ["施工合同及附件", "项目合同及附件"]
    assert ch5[-1] == "等相关过程资料"


def test_final_application_has_7_chapters_and_26_documents(pack: Pack) -> None:
    doc = pack.document("final-acceptance-application")
    assert len(doc.sections) == 7
    assert chapter_counts(doc) == [10, 8, 5, 6, 5, 26, 3]
    ch6 = chapter(doc, "第六章")
    assert ch6.title == "项目文档"
    assert [s.label for s in ch6.children] == [f"{i}." for i in range(1, 27)]


def test_self_evaluation_report_outline(pack: Pack) -> None:
    doc = pack.document("self-evaluation-report")
    assert len(doc.sections) == 6
    assert chapter_counts(doc) == [3, 6, 6, 4, 3, 2]
    ch4 = chapter(doc, "第四章")
    # Not a condition: the bracket is part of the chapter title (alias without it).
    assert ch4.title == "项目应用成效评价（与建设方案中的建设目标对比）"
    assert "项目应用成效评价" in ch4.aliases
    for item in ch4.children:
        assert item.when is None and item.title.endswith("）")
        assert any("（" not in a for a in item.aliases)


def test_application_form_and_investment_table(pack: Pack) -> None:
    form = pack.document("application-form")
    assert form.kind == "form"
    titles = [s.title for s in form.sections]
    for field in (
        "项目名称",
        "项目类型",
        "分管领导",
        "项目联系人",
        "建设背景和依据",
        "经费估算",
        "前期准备情况",
        "进度计划和年度资金估算",
        "申报时应附材料",
        "备注",
        "填表人",
    ):
        assert field in titles
    assert titles.count("联系电话") == 3
    assert form.count() == 16  # header 2 + the table's 12 cells + footer 2
    table = pack.document("investment-estimate")
    assert table.kind == "table"
    assert table.columns == (
        "序号",
        "项目",
        "分项",
        "分项投资",
        "分项投资占项目总投资比%",
        "分项目1",
        "分项目2",
        "分项目3",
        "合计",
    )
    rows = [s.title for s in table.sections]
    assert [r for r in rows if r.endswith("小计")] == [
        "IT硬件采购费用小计",
        "应用系统开发（采购）费用小计",
        "基础配套费用小计",
    ]
    assert rows[-1] == "项目总投资"
    assert [s.label for s in table.sections if s.label] == ["一", "二", "三", "四", "五", "六", "七", "八"]
    assert table.count() == 22


@pytest.mark.parametrize(
    ("stage", "materials"),
    [
        ("application", ["application-form", "basic-report", "investment-estimate", "resource-catalogue"]),
        ("change", ["scope-budget-change-approval", "core-technical-change-request"]),
        ("preliminary-acceptance", ["preliminary-acceptance-report", "preliminary-acceptance-opinion"]),
        (
            "final-acceptance",
            [
                "final-acceptance-application",
                "construction-report",
                "supervision-report",
                "preliminary-trial-report",
                "security-assessment-report",
                "resource-sharing-report",
                "archive-acceptance",
                "om-plan",
            ],
        ),
        ("self-evaluation", ["self-evaluation-report"]),
    ],
)
def test_stage_materials(pack: Pack, stage: str, materials: list[str]) -> None:
    assert [m.id for m in pack.stage(stage).materials] == materials


def test_decoys_separate_lookalikes(pack: Pack) -> None:
    final = {m.id: m for m in pack.stage("final-acceptance").materials}
    assert "监理合同" in final["supervision-report"].decoys
    assert "信息资源目录" in final["resource-sharing-report"].decoys
    assert "运维合同" in final["om-plan"].decoys
    assert final["final-acceptance-application"].document == "final-acceptance-application"


@pytest.mark.parametrize(("supervised", "expected"), [(True, True), (False, False), (None, None)])
def test_supervision_report_truth_table(pack: Pack, supervised: bool | None, expected: bool | None) -> None:
    m = next(m for m in pack.stage("final-acceptance").materials if m.id == "supervision-report")
    assert m.condition_text == "未实施项目监理不提交"
    facts: dict[str, Any] = {} if supervised is None else {"supervised": supervised}
    assert evaluate(m.when, facts) is expected


def test_unconditional_final_materials_are_always_required(pack: Pack) -> None:
    conditional = {m.id for m in pack.stage("final-acceptance").materials if m.when is not None}
    assert conditional == {"supervision-report"}


def test_bracketed_conditions_become_when(pack: Pack, regulation: Callable[[str], str]) -> None:
    doc = pack.document("final-acceptance-application")
    by_text: dict[str, list[Section]] = {}
    for _, s in doc.walk():
        assert not BRACKETED_CONDITION.search(s.title), s.title
        if s.condition_text:
            by_text.setdefault(s.condition_text, []).append(s)
    # 若有: 实施机构, 设计单位, 审计单位, 变更文件 (+ 审计报告, inferred); 如有: 补充协议.
    assert {s.title for s in by_text["若有"]} >= {
        "项目实施机构",
        "项目方案设计单位",
        "项目审计单位",
        "项目变更文件",
    }
    assert [s.title for s in by_text["如有"]] == ["补充协议"]
    assert {s.title for s in by_text["成熟软件"]} == {"著作权证书", "产品授权书序列号"}
    assert "需求说明书" in {s.title for s in by_text["定制软件"]}
    # Every item the seed brackets with a condition carries one; the seed's line is its quote.
    seed = regulation("yongchuan")
    annex = seed[seed.index("二、永川区政务信息化项目终验投用申请书") : seed.index("附件5")]
    bracketed = BRACKETED_CONDITION.findall(annex)
    quoted = [s for _, s in doc.walk() if BRACKETED_CONDITION.search(s.citations[0].quote)]
    assert len(quoted) == len(bracketed) == 8
    for s in quoted:
        assert s.when is not None and s.condition_text in s.citations[0].quote


@pytest.mark.parametrize(
    ("facts", "expected"),
    [({"has_implementing_agency": True}, True), ({"has_implementing_agency": False}, False), ({}, None)],
)
def test_if_any_item_truth_table(pack: Pack, facts: dict[str, Any], expected: bool | None) -> None:
    item = chapter(pack.document("final-acceptance-application"), "第一章").children[2]
    assert (item.title, item.condition_text) == ("项目实施机构", "若有")
    assert evaluate(item.when, facts) is expected


def test_change_routes(pack: Pack) -> None:
    mats = {m.id: m for m in pack.stage("change").materials}
    a, b = mats["scope-budget-change-approval"], mats["core-technical-change-request"]
    assert a.verify == "manual"
    assert evaluate(a.when, {"change_scope_budget": True}) is True
    assert evaluate(a.when, {"change_scope_budget": False}) is False
    assert evaluate(b.when, {"change_core_technical": True}) is True
    notices = {r.id: r for r in pack.rules if r.kind == "notice" and r.stages == ("change",)}
    assert "区发展改革委" in notices["change-route-scope-budget"].message
    assert "区大数据发展局" in notices["change-route-core-technical"].message


def rule(pack: Pack, rule_id: str) -> Any:
    return pack.rule(rule_id)


def test_windows(pack: Pack) -> None:
    trial = rule(pack, "trial-run-duration")
    assert (trial.params["from"], trial.params["to"]) == ("trial_run_start", "trial_run_end")
    assert trial.params["min"] == {"months": 1} and trial.params["max"] == {"months": 5}
    final = rule(pack, "final-application-within-one-month")
    assert (final.params["from"], final.params["to"], final.params["max"]) == (
        "trial_run_end",
        "final_application_date",
        {"months": 1},
    )
    go_live = rule(pack, "self-evaluation-window")
    fallback = rule(pack, "self-evaluation-window-from-final-acceptance")
    for r in (go_live, fallback):
        assert r.params["to"] == "self_evaluation_date"
        assert r.params["min"] == {"months": 12} and r.params["max"] == {"months": 24}
    # Exactly one of the two self-evaluation windows applies, whatever is known.
    for facts in ({"go_live_date": dt.date(2023, 5, 1)}, {"final_acceptance_date": dt.date(2023, 4, 1)}):
        assert [evaluate(r.when, facts) for r in (go_live, fallback)].count(True) == 1


def test_consistency_rules(pack: Pack) -> None:
    facts = {r.params["fact"]: r for r in pack.rules if r.kind == "consistency"}
    assert {"project_name", "investment", "contractor", "preliminary_acceptance_date"} <= set(facts)
    for fact in ("project_name", "investment"):
        assert {"basic-report", "preliminary-acceptance-report", "final-acceptance-application"} <= set(
            facts[fact].params["documents"]
        )
    doc_ids = {d.id for d in pack.documents}
    for r in facts.values():
        assert set(r.params["documents"]) <= doc_ids


def test_security_platform_and_classified_rules(pack: Pack) -> None:
    assert rule(pack, "crypto-and-domestic-products").kind == "manual"
    assert rule(pack, "security-risk-assessment").kind == "manual"
    platform = rule(pack, "unified-platform")
    assert platform.kind == "manual" and platform.citations[0].article == "第五条"
    assert evaluate(platform.when, {"classified": True}) is False
    assert evaluate(platform.when, {}) is True  # unknown counts as not classified
    classified = rule(pack, "classified-project-confidentiality")
    assert classified.kind == "notice" and classified.citations[0].article == "第二十条"
    assert evaluate(classified.when, {"classified": True}) is True
    assert evaluate(classified.when, {"classified": False}) is False
