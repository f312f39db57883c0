"""The scenario builder writes what a scenario describes: headings, bodies, forms, edits."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from scenario_run import SCENARIOS, builder

from dossier.parse import parse_file


def _scenario(tmp_path: Path, files: list[dict[str, object]]) -> Path:
    folder = tmp_path / "x" / "01-demo"
    folder.mkdir(parents=True)
    sc = {"jurisdiction": "yongchuan", "stage": "final-acceptance", "project": {"name": "某某平台建设项目", "unit": "某局"},
          "files": files}
    (folder / "scenario.yaml").write_text(yaml.safe_dump(sc, allow_unicode=True), encoding="utf-8")
    return folder


def test_shared_outline_with_drop_empty_and_body(tmp_path: Path) -> None:
    folder = _scenario(tmp_path, [{"name": "申请书.docx", "use": "yongchuan/final-acceptance-application",
                                   "drop": ["项目交付"], "empty": ["初验提出的整改完善意见"],
                                   "body": {"项目名称": "项目名称：{name}。"}}])
    builder().build(folder, tmp_path / "out")
    tree = parse_file(tmp_path / "out" / "申请书.docx")
    titles = [h.title for h in tree.walk()]
    assert "项目初验及试运行" in titles and "项目交付" not in titles and "系统交付文档" not in titles
    by_title = {h.title: h for h in tree.walk()}
    assert not by_title["初验提出的整改完善意见"].has_content()
    assert "某某平台建设项目" in by_title["项目名称"].text()


def test_form_rows_and_dropped_rows(tmp_path: Path) -> None:
    folder = _scenario(tmp_path, [{"name": "附表1.docx", "use": "lianping/project-approval-form", "drop_rows": ["建设内容"],
                                   "values": {"investment_num": "168"}}])
    builder().build(folder, tmp_path / "out")
    tree = parse_file(tmp_path / "out" / "附表1.docx")
    text = tree.full_text()
    assert "项目总投资（万元）\t168" in text and "某某平台建设项目" in text
    assert "\n建设内容\t" not in text


def test_unknown_heading_edit_is_an_error(tmp_path: Path) -> None:
    folder = _scenario(tmp_path, [{"name": "a.docx", "use": "common/om-plan", "drop": ["没有这一章"]}])
    with pytest.raises(builder().ScenarioError, match="没有这一章"):
        builder().build(folder, tmp_path / "out")


def test_every_scenario_has_an_expectation_written() -> None:
    for folder in builder().scenario_folders(SCENARIOS):
        exp = builder().load_expected(folder)
        assert exp.get("must_not_error") or exp.get("must_report"), folder
        assert (folder / "expected.yaml").read_text(encoding="utf-8").startswith("#"), f"{folder}: say why (the article)"
