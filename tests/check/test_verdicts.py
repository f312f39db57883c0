"""Verdicts a reviewer can trust (issue 14): each class of false error or missed gap, on
dossiers built inline, asserted by (code, requirement, location)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from check_builders import write_docx

from dossier.check.engine import CheckOptions, ParsedFile, check_parsed, parse_one
from dossier.packs import load_pack

AS_OF = CheckOptions(as_of=dt.date(2025, 6, 1))


def parsed_dir(folder: Path) -> list[ParsedFile]:
    return [parse_one(p.name, p, "docx") for p in sorted(folder.iterdir())] if folder.is_dir() else []


def check(folder: Path, pack_id: str, stage: str, facts: dict[str, Any]) -> dict[str, Any]:
    return check_parsed(parsed_dir(folder), [], folder.name, load_pack(pack_id), stage, facts, AS_OF).to_json()


def found(report: dict[str, Any], severity: str | None = None) -> set[tuple[str, str]]:
    return {(f["code"], f["requirement"]) for f in report["findings"] if severity is None or f["severity"] == severity}


def errors(report: dict[str, Any]) -> set[tuple[str, str]]:
    return found(report, "error")


def severity_of(report: dict[str, Any], code: str, requirement: str) -> str:
    return next(f["severity"] for f in report["findings"] if (f["code"], f["requirement"]) == (code, requirement))


# -- scope ---------------------------------------------------------------------------------


def test_classified_lianping_project_is_out_of_scope_with_one_finding(tmp_path: Path) -> None:
    write_docx(tmp_path / "d" / "项目立项申请表.docx", "项目立项申请表", [(1, "项目名称", "某涉密系统")])
    report = check(tmp_path / "d", "lianping", "application", {"classified": True, "investment": 80})
    assert found(report) == {("DOS-R009", "non-classified-scope")}
    assert report["materials"] == [] and report["documents"] == []
    assert severity_of(report, "DOS-R009", "non-classified-scope") == "warning"


def test_wuhan_meeting_system_is_out_of_scope(tmp_path: Path) -> None:
    report = check(tmp_path / "empty", "wuhan", "application", {"excluded_scope": True, "investment": 120})
    assert found(report) == {("DOS-R009", "excluded-scope")}


def test_unknown_scope_fact_checks_in_full(tmp_path: Path) -> None:
    report = check(tmp_path / "empty", "lianping", "application", {"investment": 80})
    assert any(c == "DOS-M001" for c, _ in errors(report))
    assert not any(c == "DOS-R009" for c, _ in found(report))


# -- working days --------------------------------------------------------------------------


def test_fifteen_working_days_across_spring_festival_is_compliant(tmp_path: Path) -> None:
    facts = {"contract_signing_date": dt.date(2025, 1, 20), "contract_signing_filed_date": dt.date(2025, 2, 14)}
    report = check(tmp_path / "empty", "guangzhou", "contract-acceptance", facts)
    assert not any(r == "contract-signing-filing" for _, r in found(report))


def test_one_working_day_late_names_the_calendar_year(tmp_path: Path) -> None:
    facts = {"contract_signing_date": dt.date(2025, 1, 20), "contract_signing_filed_date": dt.date(2025, 2, 17)}
    report = check(tmp_path / "empty", "guangzhou", "contract-acceptance", facts)
    assert ("DOS-R002", "contract-signing-filing") in errors(report)
    msg = next(f["message"] for f in report["findings"] if f["requirement"] == "contract-signing-filing")
    assert "2025年国务院节假日" in msg


def test_date_past_the_calendar_is_manual_review(tmp_path: Path) -> None:
    facts = {"contract_signing_date": dt.date(2031, 1, 20), "contract_signing_filed_date": dt.date(2031, 2, 14)}
    report = check(tmp_path / "empty", "guangzhou", "contract-acceptance", facts)
    assert ("DOS-R007", "contract-signing-filing") in found(report, "info")
    assert not any(r == "contract-signing-filing" for _, r in errors(report))


# -- materials made of parts ---------------------------------------------------------------

QP_FINAL = {"category": "construction", "investment": 300, "classified": False, "supervised": False}


def test_one_test_report_of_three_is_not_the_material(tmp_path: Path) -> None:
    write_docx(tmp_path / "d" / "安全测评报告.docx", "安全测评报告", [(1, "一、测评结论", "符合。")])
    report = check(tmp_path / "d", "qingpu", "final-acceptance", QP_FINAL)
    missing = {(f["code"], f["requirement"], f["location"].get("section")) for f in report["findings"]
               if f["severity"] == "error" and f["requirement"] == "test-reports"}
    assert missing == {("DOS-M001", "test-reports", "软件测评报告"), ("DOS-M001", "test-reports", "密码应用测评报告")}
    entry = next(m for m in report["materials"] if m["id"] == "test-reports")
    assert entry["status"] == "missing"
    assert {p["id"]: p["status"] for p in entry["parts"]} == {
        "security-test": "present", "software-test": "missing", "crypto-test": "missing"}


def test_three_test_reports_make_the_material(tmp_path: Path) -> None:
    for name in ("安全测评报告", "软件测评报告", "密码应用安全性评估报告"):
        write_docx(tmp_path / "d" / f"{name}.docx", name, [(1, "一、测评结论", "符合。")])
    report = check(tmp_path / "d", "qingpu", "final-acceptance", QP_FINAL)
    assert not any(r == "test-reports" for _, r in found(report))
    assert next(m for m in report["materials"] if m["id"] == "test-reports")["status"] == "present"


# -- merged documents, staged approval, 公文 ------------------------------------------------

PLAN = [(1, "第一章 项目概况", "概况。"), (1, "第二章 建设内容", "内容。"),
        (1, "第三章 信息资源共享分析篇", "共享需求目录45项。"), (1, "第四章 投资概算", "845万元。")]
APPROVAL = ["武汉市政务服务和大数据管理局关于项目实施方案的批复", "一、原则同意该项目实施方案。",
            "二、关于信息资源共享：项目应依托市级大数据能力平台共享数据。", "三、关于密码应用：按照密码应用方案同步建设。"]


def wuhan_application(tmp: Path, plan: list[tuple[int, str, str]], plan_name: str) -> Path:
    d = tmp / "d"
    write_docx(d / f"{plan_name}.docx", f"武汉市智慧水务平台建设项目{plan_name}", plan)
    write_docx(d / "项目实施方案的批复.docx", APPROVAL[0], [], preamble=APPROVAL[1:])
    return d


def test_merged_implementation_plan_and_its_required_chapters(tmp_path: Path) -> None:
    d = wuhan_application(tmp_path, PLAN, "项目实施方案（可研与初设合一）")
    report = check(d, "wuhan", "application", {"investment": 845, "combined_plan": True})
    status = {m["id"]: m["status"] for m in report["materials"]}
    assert status["implementation-plan"] == "present" and status["approval-document"] == "present"
    # 第十三条: the merged plan lacks its 密码应用方案; the 批复's opinions sit in paragraphs.
    assert ("DOS-S001", "application-plan/crypto-application-plan") in errors(report)
    assert not any(r.startswith("approval-document") for _, r in errors(report))
    steps = {"project-proposal", "feasibility-study", "preliminary-design", "implementation-plan"}
    assert not any(c == "DOS-M001" and r in steps for c, r in errors(report))


def test_staged_approval_asks_for_one_step_not_all(tmp_path: Path) -> None:
    plan = [*PLAN, (1, "第五章 密码应用方案", "SM2/SM3/SM4。")]
    d = wuhan_application(tmp_path, plan, "可行性研究报告")
    report = check(d, "wuhan", "application", {"investment": 845, "combined_plan": False})
    steps = {"project-proposal", "feasibility-study", "preliminary-design", "implementation-plan"}
    assert not any(c == "DOS-M001" and r in steps for c, r in errors(report)), errors(report)
    status = {m["id"]: m["status"] for m in report["materials"]}
    assert status["feasibility-study"] == "present" and status["project-proposal"] == "not-required"


# -- change limits -------------------------------------------------------------------------


def test_wuhan_twenty_percent_change_filed_as_own_adjustment_is_an_error(tmp_path: Path) -> None:
    write_docx(tmp_path / "d" / "项目调整备案材料.docx", "建设内容调整备案表", [(1, "一、调整原因", "技术方案优化。")])
    facts = {"investment": 845, "approved_amount": 845, "change_amount": 169, "goal_unchanged": True,
             "change_reason": "technical-optimisation"}
    report = check(tmp_path / "d", "wuhan", "change", facts)
    assert ("DOS-R001", "adjustment-filing") in errors(report)
    ok = check(tmp_path / "d", "wuhan", "change", {**facts, "change_amount": 84})
    assert not errors(ok)


# -- forms in their official layout --------------------------------------------------------


def write_form(path: Path, title: str, rows: list[list[str]], preamble: list[str] = (), closing: list[str] = ()) -> None:
    from docx import Document as Docx

    d = Docx()
    d.add_paragraph(title, style="Title")
    for line in preamble:
        d.add_paragraph(line)
    table = d.add_table(rows=len(rows), cols=max(len(r) for r in rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    for line in closing:
        d.add_paragraph(line)
    path.parent.mkdir(parents=True, exist_ok=True)
    d.save(path)


def test_signature_cell_fills_signature_and_date_and_blank_years_are_fine(tmp_path: Path) -> None:
    sign = "申请单位意见及盖章：同意申报。\n主要领导签字：张三  2025年1月10日"
    dept = "行业主管部门意见及盖章：同意。\n主要领导签字：王五  2025年1月12日"
    rows = [["申请单位", "连平县政务服务数据管理局", "项目使用单位", "连平县政务服务数据管理局"],
            ["项目名称", "连平县政务服务平台建设项目", "项目拟建设地点", "连平县"],
            ["建设性质", "新建", "计划动工时间", "2025年3月"],
            ["项目总投资（万元）", "80", "计划竣工时间", "2025年12月"],
            ["资金安排计划", "第一年", "80万元", "资金来源"],
            ["资金安排计划", "第二年", " 万元", "省级财政 万元"],
            ["资金安排计划", "第三年", " 万元", "市级财政 万元"],
            ["资金安排计划", "第四年", " 万元", "县级财政 80万元"],
            ["资金安排计划", "第五年", "", "单位自筹 万元"],
            ["资金安排计划", "", "", "其他 万元"],
            ["建设内容", "业务受理、审批流转。", "业务受理、审批流转。", "业务受理、审批流转。"],
            ["预期经济、社会效益", "减少跑动。", "减少跑动。", "减少跑动。"],
            [sign, sign, dept, dept],
            ["项目联系人", "李明", "办公电话", "0762-4381234"],
            ["手机号码", "13800001234", "联系地址", "连平县元善镇"],
            ["邮编", "517100", "邮编", "517100"]]
    write_form(tmp_path / "d" / "项目立项申请表.docx", "项目立项申请表", rows,
               preamble=["申请单位(盖章)：连平县政务服务数据管理局", "项目编号：LP-2025-001"])
    report = check(tmp_path / "d", "lianping", "application", {"investment": 80})
    form_errors = {r for _, r in errors(report) if r.startswith("project-approval-form/")}
    assert form_errors == set(), form_errors
    doc = next(d for d in report["documents"] if d["type"] == "project-approval-form")
    status = {s["id"]: s["status"] for s in doc["sections"]}
    assert status["applicant-leader-signature"] == "present" and status["authority-opinion-date"] == "present"
    assert status["funding-year-5"] == "empty"  # blank, allowed


def test_a_form_without_its_signature_is_still_caught(tmp_path: Path) -> None:
    unsigned = "申请单位意见及盖章：同意申报。\n主要领导签字：\n日期："
    rows = [["项目名称", "连平县政务服务平台建设项目", "项目拟建设地点", "连平县"],
            [unsigned, unsigned, "行业主管部门意见及盖章：同意。\n主要领导签字：王五 2025年1月12日", ""]]
    write_form(tmp_path / "d" / "项目立项申请表.docx", "项目立项申请表", rows)
    report = check(tmp_path / "d", "lianping", "application", {"investment": 80})
    assert ("DOS-S002", "project-approval-form/applicant-leader-signature") in errors(report)
    assert ("DOS-S002", "project-approval-form/applicant-opinion-date") in errors(report)
    assert ("DOS-S002", "project-approval-form/authority-leader-signature") not in errors(report)


def test_generated_skeleton_filled_in_one_field_a_row_passes(tmp_path: Path) -> None:
    # The skeleton has one row per field; sub-fields are written inside their field.
    rows = [["项目名称", "连平县政务服务平台建设项目"], ["资金安排计划", "2025年 80万元"],
            ["资金来源", "县级财政 80万元"], ["申请单位意见及盖章", "同意申报。主要领导签字：张三 2025年1月10日"],
            ["行业主管部门意见及盖章", "同意。王五 2025年1月12日"]]
    write_form(tmp_path / "d" / "项目立项申请表.docx", "项目立项申请表", rows)
    report = check(tmp_path / "d", "lianping", "application", {"investment": 80})
    doc = next(d for d in report["documents"] if d["type"] == "project-approval-form")
    status = {s["id"]: s["status"] for s in doc["sections"]}
    for sid in ("funding-year-1", "county-funds", "applicant-leader-signature", "authority-leader-signature",
                "authority-opinion-date"):
        assert status[sid] == "present", sid


# -- purchase method, first O&M, per-contract acceptance, 备案 after approval --------------------


def test_inquiry_purchase_documents_stand_for_tender_documents(tmp_path: Path) -> None:
    write_docx(tmp_path / "d" / "询价采购文件及报价响应文件.docx", "询价采购文件", [(1, "第一章 询价邀请", "邀请。")])
    report = check(tmp_path / "d", "lianping", "final-acceptance", {"investment": 168})
    assert next(m for m in report["materials"] if m["id"] == "bidding-documents")["status"] == "present"
    told = check(tmp_path / "empty", "lianping", "final-acceptance", {"investment": 168, "procurement_method": "inquiry"})
    assert ("DOS-M001", "bidding-documents") not in errors(told)
    tender = check(tmp_path / "empty", "lianping", "final-acceptance", {"investment": 168, "procurement_method": "public-tender"})
    assert ("DOS-M001", "bidding-documents") in errors(tender)


def test_first_om_application_is_not_asked_for_om_period_records(tmp_path: Path) -> None:
    facts = {"category": "operation", "investment": 32, "first_om_application": True}
    report = check(tmp_path / "empty", "qingpu", "operation", facts)
    period = {"om-log", "om-service-evaluation-report", "service-contract", "third-party-service-summary"}
    assert not {r for _, r in errors(report)} & period
    assert ("DOS-M001", "acceptance-materials") in errors(report)
    later = check(tmp_path / "empty", "qingpu", "operation", {**facts, "first_om_application": False})
    assert ("DOS-M001", "om-log") in errors(later)


def test_supervision_service_contract_is_accepted_on_its_own_terms(tmp_path: Path) -> None:
    write_docx(tmp_path / "d" / "监理服务合同.docx", "监理服务合同", [(1, "一、服务内容", "监理。")])
    write_docx(tmp_path / "d" / "合同验收意见.docx", "监理服务合同验收意见", [(1, "一、验收结论", "同意。")])
    facts = {"category": "construction", "investment": 1260, "contract_amount": 3, "main_contract": False,
             "supervised": True}
    report = check(tmp_path / "d", "guangzhou", "contract-acceptance", facts)
    assert not any(c.startswith("DOS-M") for c, _ in errors(report)), errors(report)
    assert next(m for m in report["materials"] if m["id"] == "contract")["status"] == "present"
    main = check(tmp_path / "d", "guangzhou", "contract-acceptance", {**facts, "contract_amount": 600, "main_contract": True})
    assert {("DOS-M001", "trial-run-report"), ("DOS-M001", "acceptance-test-report")} <= errors(main)


def test_filed_plan_is_due_after_approval_not_at_application(tmp_path: Path) -> None:
    facts = {"category": "construction", "investment": 200}
    assert ("DOS-M001", "filed-plan") not in errors(check(tmp_path / "empty", "guangzhou", "application", facts))
    after = check(tmp_path / "empty", "guangzhou", "application", {**facts, "approval_date": dt.date(2024, 5, 1)})
    assert ("DOS-M001", "filed-plan") in errors(after)


# -- messages ------------------------------------------------------------------------------


def test_messages_carry_no_raw_values_and_say_what_settles_them(tmp_path: Path) -> None:
    from dossier.conditions import describe
    from dossier.facts import fact_titles

    titles = fact_titles(load_pack("guangzhou"))
    text = describe({"all": [{"fact": "category", "eq": "construction"}, {"fact": "investment", "ge": 50},
                             {"fact": "supervised", "eq": True}]}, titles)
    assert "construction" not in text and "=" not in text and "建设类" in text and "50万元" in text
    assert describe(None) == ""
    report = check(tmp_path / "empty", "guangzhou", "contract-acceptance", {"category": "construction", "investment": 80})
    for f in report["findings"]:
        assert "= " not in f["message"] and "（总是）" not in f["message"], f["message"]
        if f["code"] == "DOS-M001":
            assert "请补充" in f["message"], f["message"]
