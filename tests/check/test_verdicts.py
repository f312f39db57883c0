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
    return check_parsed(parsed_dir(folder), [], folder.name, load_pack(pack_id), stage, facts, AS_OF)


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
