"""CLI behaviour: output and exit codes (0 clean, 1 findings, 2 usage/pack/input error)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dossier.cli import app
from dossier.packs import load_pack

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]


def invoke(*args: str) -> tuple[int, str]:
    res = runner.invoke(app, list(args))
    return res.exit_code, res.output


def test_packs_list_names_all_five() -> None:
    code, out = invoke("packs", "list")
    assert code == 0
    for pid in ("guangzhou", "wuhan", "lianping", "qingpu", "yongchuan"):
        assert pid in out


def test_show_yongchuan_final_acceptance_outline_and_materials() -> None:
    code, out = invoke("packs", "show", "yongchuan", "--stage", "final-acceptance")
    assert code == 0
    doc = load_pack("yongchuan").document("final-acceptance-application")
    for _, s in doc.walk():
        assert s.title in out, s.title
    assert "项目监理报告" in out and "未实施项目监理不提交" in out and "永川办法 第十五条" in out


def test_show_qingpu_final_acceptance_lists_all_fourteen_items_with_conditions() -> None:
    code, out = invoke("packs", "show", "qingpu", "--stage", "final-acceptance", "--format", "json")
    assert code == 0
    data = json.loads(out)
    mats = data["stages"][0]["materials"]
    clauses = {c.get("clause") for m in mats for c in m["citations"] if c["article"] == "第二十三条"}
    for n in "一二三四五六七八九十":
        assert f"({n})" in clauses
    for n in ("十一", "十二", "十三", "十四"):
        assert f"({n})" in clauses
    conditional = [m for m in mats if m["required"] != "always"]
    assert len(conditional) >= 5


@pytest.mark.parametrize("fmt", ["text", "md", "json"])
def test_show_formats(fmt: str) -> None:
    code, out = invoke("packs", "show", "lianping", "--format", fmt)
    assert code == 0 and "项目变更单" in out


def test_show_unknown_pack_or_stage_is_exit_2() -> None:
    assert invoke("packs", "show", "beijing")[0] == 2
    assert invoke("packs", "show", "yongchuan", "--stage", "operation")[0] == 2


def test_validate_packaged_and_broken_pack(tmp_path: Path) -> None:
    code, out = invoke("packs", "validate")
    assert code == 0 and out.count("ok ") == 5
    broken = tmp_path / "mypack"
    shutil.copytree(ROOT / "outlines" / "yongchuan", broken, ignore=shutil.ignore_patterns("__pycache__"))
    stage = broken / "stages" / "final-acceptance.yaml"
    stage.write_text(stage.read_text(encoding="utf-8").replace("fact: supervised", "fact: supervized", 1), encoding="utf-8")
    res = runner.invoke(app, ["packs", "validate", str(broken)])
    assert res.exit_code == 2
    assert "stages/final-acceptance.yaml" in res.output and "supervized" in res.output


def test_validate_reports_schema_errors_with_place(tmp_path: Path) -> None:
    broken = tmp_path / "p"
    shutil.copytree(ROOT / "outlines" / "wuhan", broken, ignore=shutil.ignore_patterns("__pycache__"))
    (broken / "pack.yaml").write_text((broken / "pack.yaml").read_text(encoding="utf-8").replace("version: 1.0.0", "version: one"),
                                      encoding="utf-8")
    res = runner.invoke(app, ["packs", "validate", str(broken)])
    assert res.exit_code == 2 and "pack.yaml" in res.output and "/version" in res.output


def test_codes_list_and_explain() -> None:
    code, out = invoke("codes", "list")
    assert code == 0 and "DOS-S001" in out and "DOS-M001" in out
    code, out = invoke("codes", "explain", "missing-material")
    assert code == 0 and "DOS-M001" in out
    assert invoke("codes", "explain", "DOS-Z999")[0] == 2


def test_facts_validate(tmp_path: Path) -> None:
    good = tmp_path / "f.yaml"
    good.write_text("investment: '3500000元'\nsupervised: true\ncustom_software: true\n", encoding="utf-8")
    code, out = invoke("facts", "validate", str(good), "-j", "yongchuan")
    assert code == 0 and json.loads(out)["investment"] == "350"
    unknown = tmp_path / "u.yaml"
    unknown.write_text("investmnet: 5\n", encoding="utf-8")
    res = runner.invoke(app, ["facts", "validate", str(unknown)])
    assert res.exit_code == 2 and "investmnet" in res.output and "u.yaml" in res.output
    wrong_type = tmp_path / "w.yaml"
    wrong_type.write_text("supervised: maybe\n", encoding="utf-8")
    assert runner.invoke(app, ["facts", "validate", str(wrong_type)]).exit_code == 2
    bomb = tmp_path / "b.yaml"
    bomb.write_text("a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n", encoding="utf-8")
    res = runner.invoke(app, ["facts", "validate", str(bomb)])
    assert res.exit_code == 2 and "aliases" in res.output


def test_check_exit_codes_and_formats(tmp_path: Path) -> None:
    from docx import Document

    d = Document()
    d.add_paragraph("项目监理报告", style="Title")
    d.add_heading("一、监理概述", 1)
    d.add_paragraph("正文")
    folder = tmp_path / "d"
    folder.mkdir()
    d.save(folder / "监理报告.docx")
    res = runner.invoke(app, ["check", str(folder), "-j", "yongchuan", "-s", "final-acceptance", "-f", "json"])
    assert res.exit_code == 1
    report = json.loads(res.stdout)
    assert report["jurisdiction"] == "yongchuan" and report["stage"] == "final-acceptance"
    assert runner.invoke(app, ["check", str(folder), "-j", "yongchuan", "-s", "final-acceptance",
                               "--fail-on", "never", "-f", "json"]).exit_code == 0
    out = tmp_path / "out"
    res = runner.invoke(app, ["check", str(folder), "-j", "yongchuan", "-s", "final-acceptance",
                              "-f", "json,md,html,xlsx,docx", "-o", str(out)])
    assert res.exit_code == 1
    assert sorted(p.name for p in out.iterdir()) == ["report.docx", "report.html", "report.json", "report.md", "report.xlsx"]
    assert runner.invoke(app, ["check", str(tmp_path / "nope"), "-j", "yongchuan", "-s", "final-acceptance"]).exit_code == 2
    assert runner.invoke(app, ["check", str(folder), "-j", "yongchuan", "-s", "final-acceptance", "-f", "pdf"]).exit_code == 2
    assert runner.invoke(app, ["check", str(folder), "-j", "nowhere", "-s", "final-acceptance"]).exit_code == 2


def test_python_dash_m_entry_point() -> None:
    res = subprocess.run([sys.executable, "-m", "dossier", "--version"], capture_output=True, text=True, check=False)
    assert res.returncode == 0 and res.stdout.startswith("dossier ")


@pytest.mark.parametrize("args", [
    ["check", "--help"], ["check"], ["check", "/nonexistent", "-j", "yongchuan", "-s", "final-acceptance"],
    ["check", ".", "--bogus"], ["check", ".", "-j", "yongchuan", "-s", "nope"], ["packs", "show"],
    ["packs", "list", "--help"], ["codes", "explain", "DOS-S001"], ["tree", "--help"], ["scan", "--help"],
])
def test_the_command_alone_answers_as_the_whole_app(args: list[str]) -> None:
    # main() registers only the command a command line names (typer builds every registered one).
    from dossier.cli import app_for

    narrowed, whole = runner.invoke(app_for(args), args), runner.invoke(app, args)
    assert (narrowed.exit_code, narrowed.output) == (whole.exit_code, whole.output)
    assert len(app_for(args).registered_commands) + len(app_for(args).registered_groups) == 1


@pytest.mark.parametrize("args", [[], ["--help"], ["chek"], ["--version"]])
def test_anything_but_a_command_gets_the_whole_app(args: list[str]) -> None:
    from dossier.cli import app_for

    assert app_for(args) is app
