"""连平 pack: the seed's material lists, its three annexed forms, and its change limits."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from dossier.conditions import evaluate
from dossier.model import Document, Pack, Rule
from dossier.packs import load_pack


@pytest.fixture(scope="module")
def pack() -> Pack:
    return load_pack("lianping")


def _rule(pack: Pack, rule_id: str) -> Rule:
    return pack.rule(rule_id)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _children(doc: Document, section_id: str) -> list[str]:
    sec = next(s for _, s in doc.walk() if s.id == section_id)
    return [c.title for c in sec.children]


def test_header(pack: Pack) -> None:
    assert pack.status == "draft"
    assert pack.level == "county"
    assert [s.id for s in pack.stages] == [
        "application",
        "change",
        "preliminary-acceptance",
        "final-acceptance",
    ]
    assert [d.id for d in pack.documents] == [
        "project-approval-form",
        "data-resource-checklist",
        "change-form",
    ]


def test_material_counts(pack: Pack) -> None:
    counts = {s.id: len(s.materials) for s in pack.stages}
    assert counts == {"application": 9, "change": 3, "preliminary-acceptance": 2, "final-acceptance": 7}


def test_application_lists_the_five_items_of_article_11_3(pack: Pack) -> None:
    app = pack.stage("application")
    titles = [m.title for m in app.materials]
    # 第十一条(三): 申请表、项目方案及论证意见、密码应用审核意见、核查表、必要性文件
    for t in (
        "项目立项申请表",
        "项目方案",
        "项目方案论证意见",
        "密码应用审核意见",
        "项目数据资源管理核查表",
        "项目建设必要性文件",
    ):
        assert t in titles
    docs = {m.id: m.document for m in app.materials if m.document}
    assert docs == {
        "project-approval-form": "project-approval-form",
        "data-resource-checklist": "data-resource-checklist",
    }


CRYPTO_MATERIALS = ("crypto-review-opinion", "commercial-crypto-plan", "crypto-plan-assessment-report")


@pytest.mark.parametrize("material_id", CRYPTO_MATERIALS)
@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (
            {
                "crypto": False,
                "public_service_system": False,
                "critical_infrastructure": False,
                "protection_level": 2,
            },
            False,
        ),
        (
            {
                "crypto": False,
                "public_service_system": False,
                "critical_infrastructure": False,
                "protection_level": 3,
            },
            True,
        ),
        (
            {
                "crypto": False,
                "public_service_system": True,
                "critical_infrastructure": False,
                "protection_level": 1,
            },
            True,
        ),
        (
            {
                "crypto": False,
                "public_service_system": False,
                "critical_infrastructure": True,
                "protection_level": 1,
            },
            True,
        ),
        ({"crypto": True}, True),
        ({}, None),
        ({"crypto": False}, None),
    ],
)
def test_crypto_materials_follow_article_11(
    pack: Pack, material_id: str, facts: dict[str, Any], expected: bool | None
) -> None:
    m = next(m for m in pack.stage("application").materials if m.id == material_id)
    assert evaluate(m.when, facts) is expected


def test_unconditional_application_materials(pack: Pack) -> None:
    app = {m.id: m for m in pack.stage("application").materials}
    for mid in (
        "project-approval-form",
        "project-plan",
        "plan-review-opinion",
        "data-resource-checklist",
        "necessity-documents",
    ):
        assert app[mid].when is None
    assert evaluate(app["unshared-data-basis"].when, {"unshared_data": True}) is True
    assert evaluate(app["unshared-data-basis"].when, {"unshared_data": False}) is False


@pytest.mark.parametrize(("investment", "expected"), [("49.99", False), ("50", True), (None, None)])
def test_compliance_review_not_for_filing_projects(
    pack: Pack, investment: str | None, expected: bool | None
) -> None:
    facts = {} if investment is None else {"investment": Decimal(investment)}
    pre = {m.id: m for m in pack.stage("preliminary-acceptance").materials}
    fin = {m.id: m for m in pack.stage("final-acceptance").materials}
    assert evaluate(pre["compliance-review-materials"].when, facts) is expected
    assert evaluate(fin["compliance-review-opinion"].when, facts) is expected
    assert evaluate(_rule(pack, "compliance-review-passed").when, facts) is expected
    filing = _rule(pack, "filing-under-fifty").when
    assert evaluate(filing, facts) is (None if expected is None else not expected)


def test_final_acceptance_materials(pack: Pack) -> None:
    ids = [m.id for m in pack.stage("final-acceptance").materials]
    assert ids == [
        "bidding-documents",
        "project-contract",
        "approval-opinion",
        "project-plan",
        "archive-acceptance-opinion",
        "compliance-review-opinion",
        "acceptance-report",
    ]


def test_archive_acceptance_gates_acceptance(pack: Pack) -> None:
    rule = _rule(pack, "archive-acceptance-passed")
    assert rule.kind == "assert" and rule.stages == ("final-acceptance",)
    assert evaluate(rule.params["assert"], {"archive_accepted": True}) is True
    assert evaluate(rule.params["assert"], {"archive_accepted": False}) is False


def test_acceptance_report_copied_to_crypto_bureau_only_for_crypto(pack: Pack) -> None:
    rule = _rule(pack, "acceptance-report-copied-crypto")
    assert evaluate(rule.when, {"crypto": True}) is True
    no = {
        "crypto": False,
        "public_service_system": False,
        "critical_infrastructure": False,
        "protection_level": 2,
    }
    assert evaluate(rule.when, no) is False


# --- change limits (第二十一条) ---------------------------------------------------------


@pytest.mark.parametrize(("change", "ok"), [("10", True), ("10.00", True), ("10.01", False), ("0", True)])
def test_change_at_most_ten_percent_of_contract(pack: Pack, change: str, ok: bool) -> None:
    rule = _rule(pack, "change-within-ten-percent")
    facts = {"change_amount": Decimal(change), "contract_amount": Decimal("100")}
    assert evaluate(rule.params["assert"], facts) is ok


def test_change_ten_percent_unknown_without_contract_amount(pack: Pack) -> None:
    rule = _rule(pack, "change-within-ten-percent")
    assert evaluate(rule.params["assert"], {"change_amount": Decimal("5")}) is None


@pytest.mark.parametrize(("count", "ok"), [(0, True), (1, True), (2, False)])
def test_change_at_most_once(pack: Pack, count: int, ok: bool) -> None:
    rule = _rule(pack, "change-at-most-once")
    assert evaluate(rule.params["assert"], {"change_count": count}) is ok


@pytest.mark.parametrize(("after", "ok"), [("100", True), ("99", True), ("100.01", False)])
def test_change_total_within_contract(pack: Pack, after: str, ok: bool) -> None:
    rule = _rule(pack, "change-total-within-contract")
    facts = {"amount_after_change": Decimal(after), "contract_amount": Decimal("100")}
    assert evaluate(rule.params["assert"], facts) is ok


def test_change_rules_belong_to_change_stage(pack: Pack) -> None:
    ids = {r.id for r in pack.rules_for("change")}
    assert {"change-within-ten-percent", "change-at-most-once", "change-total-within-contract"} <= ids


# --- 附表1 项目立项申请表 ----------------------------------------------------------------


def test_project_approval_form(pack: Pack) -> None:
    doc = pack.document("project-approval-form")
    assert doc.kind == "form"
    assert doc.count() == 35
    assert [s.title for s in doc.sections] == [
        "申请单位(盖章)", "项目编号", "申请单位", "项目使用单位", "项目名称", "项目拟建设地点", "建设性质",
        "计划动工时间", "项目总投资（万元）", "计划竣工时间", "资金安排计划", "资金来源", "建设内容",
        "预期经济、社会效益", "申请单位意见及盖章", "行业主管部门意见及盖章", "项目联系人", "办公电话",
        "手机号码", "联系地址", "邮编",
    ]  # fmt: skip
    assert _children(doc, "funding-plan") == ["第一年", "第二年", "第三年", "第四年", "第五年"]
    assert _children(doc, "funding-sources") == ["省级财政", "市级财政", "县级财政", "单位自筹", "其他"]
    assert _children(doc, "applicant-opinion") == ["主要领导签字", "日期"]
    assert _children(doc, "authority-opinion") == ["主要领导签字", "日期"]


# --- 附表2 项目数据资源管理核查表 --------------------------------------------------------


def test_data_resource_checklist(pack: Pack) -> None:
    doc = pack.document("data-resource-checklist")
    assert doc.kind == "table"
    assert doc.columns == ("系统功能", "产生数据名称", "共享周期", "提供方式")
    assert doc.count() == 25
    assert [s.title for s in doc.sections][:11] == [
        "单位名称（盖章）", "日期", "项目名称", "联系人", "电话", "邮箱", "项目简介", "项目总投资",
        "立项时间", "预计验收时间", "本项目数据内容",
    ]  # fmt: skip
    assert len(doc.sections) == 13
    assert _children(doc, "total-investment") == ["系统硬件", "系统软件", "应用软件开发"]
    assert _children(doc, "data-content") == ["功能1", "功能2", "…"]
    assert _children(doc, "function-1") == ["企业基本信息", "……", "数据名称N"]
    assert _children(doc, "function-2") == ["医疗机构执业许可证信息", "……", "数据名称N"]
    # the seed's example rows may be replaced by real ones: never a missing-section finding
    examples = [s for _, s in doc.walk() if s.id.startswith(("function-", "more-"))]
    assert examples and all(s.optional for s in examples)


# --- 附表3 项目变更单 --------------------------------------------------------------------

HARDWARE_COLUMNS = [
    "序号", "分项目名称", "原设备品牌/型号", "原设备参数", "原数量", "原单价", "原小计",
    "现设备品牌/型号", "现设备参数", "现数量", "现单价", "现小计", "备注",
]  # fmt: skip
SOFTWARE_COLUMNS = [
    "序号", "分项目名称", "原功能模块", "原软件功能", "原数量", "原单价", "原小计",
    "现功能模块", "现软件功能", "现数量", "现单价", "现小计", "备注",
]  # fmt: skip
SIGN_ROWS = ["合计", "建设单位（盖章）", "监理单位（盖章）", "承建单位（盖章）"]


def test_change_form(pack: Pack) -> None:
    doc = pack.document("change-form")
    assert doc.kind == "form"
    assert [s.title for s in doc.sections] == ["变更基本情况", "项目变更清单"]
    assert _children(doc, "basic-info") == [
        "项目名称", "分项目名称", "承建单位", "变更依据", "变更内容", "监理单位意见", "建设单位意见",
    ]  # fmt: skip
    for opinion in ("change-content", "supervisor-opinion", "owner-opinion"):
        assert _children(doc, opinion) == ["项目负责人", "日期"]
    # each list: its columns as leaf children (a sub-table), then its 合计 and the three seals
    lists = _children(doc, "change-lists")
    assert lists == ["项目硬件设备（含系统软件）变更清单", *SIGN_ROWS, "项目应用软件变更清单", *SIGN_ROWS]
    assert _children(doc, "hardware-change-list") == HARDWARE_COLUMNS
    assert _children(doc, "software-change-list") == SOFTWARE_COLUMNS
    assert doc.count() == 51


@pytest.mark.parametrize("doc_id", ["project-approval-form", "data-resource-checklist", "change-form"])
def test_form_titles_are_the_seeds_words(pack: Pack, regulation: Callable[[str], str], doc_id: str) -> None:
    text = _squash(regulation("lianping"))
    doc = pack.document(doc_id)
    assert _squash(doc.title) in text
    missing = [s.title for _, s in doc.walk() if _squash(s.title) not in text]
    assert not missing


def test_crypto_facts_are_declared(pack: Pack) -> None:
    assert pack.fact_spec("public_service_system") is not None
    assert pack.fact_spec("critical_infrastructure") is not None
    spec = pack.fact_spec("protection_level")
    assert spec is not None and spec.type == "integer"
