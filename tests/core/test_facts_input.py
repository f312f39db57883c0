"""Facts as people write them in facts.yaml: Chinese dates, 是/否, 建设类, 叁佰万元整."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from dossier.errors import FactsError
from dossier.facts import cn_numeral, fact_value_text, to_bool, to_date, to_wan, validate_facts
from dossier.packs import load_pack


@pytest.mark.parametrize(("text", "wan"), [
    ("350万元", "350"), ("3,500,000元", "350"), ("0.35亿元", "3500"), ("三百万元", "300"), ("叁佰万元整", "300"),
    ("叁佰伍拾万元整", "350"), ("人民币叁佰伍拾万元整（¥3,500,000.00）", "350"), ("壹拾贰万叁仟元", "12.3"),
    ("一千二百三十四万五千六百元", "1234.56"), ("￥49.8万元", "49.8"), ("49.8", "49.8"), ("两百万", "200"),
    ("壹仟零捌拾伍万陆仟元整", "1085.6"), ("伍拾万元", "50"), ("1.2亿", "12000"), ("贰佰元伍角", "0.02005"),
])
def test_money_as_people_write_it(text: str, wan: str) -> None:
    assert to_wan(text) == Decimal(wan)


@pytest.mark.parametrize("text", ["三百万美元", "about 5", "万元", "叁佰万元（大写）整整"])
def test_money_that_is_not_an_amount(text: str) -> None:
    with pytest.raises(ValueError):
        to_wan(text)


def test_chinese_numerals() -> None:
    assert cn_numeral("二〇二三") == 2023
    assert cn_numeral("一亿二千万") == 120_000_000
    assert cn_numeral("十五") == 15
    assert cn_numeral("三点五") == Decimal("3.5")


@pytest.mark.parametrize("text", ["2023年9月21日", "2023/09/21", "2023.9.21", "2023-9-21", "2023-09-21",
                                  "20230921", "二〇二三年九月二十一日", "2023 年 9 月 21 日"])
def test_dates_as_people_write_them(text: str) -> None:
    assert to_date(text) == dt.date(2023, 9, 21)


@pytest.mark.parametrize("text", ["2023年13月1日", "9月21日", "2023-02-30"])
def test_bad_dates(text: str) -> None:
    with pytest.raises(ValueError):
        to_date(text)


def test_booleans() -> None:
    assert [to_bool(v) for v in ("是", "有", "true", "TRUE", "yes", True)] == [True] * 6
    assert [to_bool(v) for v in ("否", "无", "false", "no", False)] == [False] * 5
    with pytest.raises(ValueError):
        to_bool("也许")


def test_validate_facts_turns_words_into_values() -> None:
    facts = validate_facts({"category": "建设类", "mode": "升级改造", "supervised": "是", "crypto": "无",
                            "investment": "叁佰万元整", "trial_run_end": "2023.9.21", "unit_class": "A类",
                            "changed": None, "project_name": "青浦区某子系统建设项目"}, load_pack("qingpu"))
    assert facts == {"category": "construction", "mode": "upgrade", "supervised": True, "crypto": False,
                     "investment": Decimal(300), "trial_run_end": dt.date(2023, 9, 21), "unit_class": "A",
                     "project_name": "青浦区某子系统建设项目"}


def test_operation_category_words() -> None:
    assert validate_facts({"category": "运维服务类"}, load_pack("guangzhou")) == {"category": "operation"}


def test_unreadable_value_names_the_fact() -> None:
    with pytest.raises(FactsError) as err:
        validate_facts({"trial_run_end": "九月底"}, load_pack("yongchuan"), "facts.yaml")
    assert err.value.where == "/trial_run_end"


def test_typo_gets_did_you_mean() -> None:
    with pytest.raises(FactsError) as err:
        validate_facts({"supervisd": "是"}, load_pack("yongchuan"), "facts.yaml")
    assert "did you mean 'supervised'" in str(err.value)


@pytest.mark.parametrize(("name", "value", "kind", "text"), [
    ("category", "construction", "enum", "建设类"), ("supervised", True, "boolean", "是"),
    ("classified", False, "boolean", "否"), ("investment", Decimal("350.00"), "money", "350万元"),
    ("go_live_date", dt.date(2025, 1, 20), "date", "2025年1月20日"), ("mode", "upgrade", "enum", "升级改造"),
    ("project_name", "某建设项目", "string", "某建设项目"),
])
def test_fact_value_text_is_chinese(name: str, value: object, kind: str, text: str) -> None:
    assert fact_value_text(name, value, kind) == text


# -- dossier facts list ----------------------------------------------------------------------


def _cli(*args: str) -> tuple[int, str]:
    from typer.testing import CliRunner

    from dossier.cli import app

    r = CliRunner().invoke(app, list(args))
    return r.exit_code, r.output


def test_facts_list_names_title_type_and_uses() -> None:
    code, out = _cli("facts", "list", "-j", "yongchuan")
    assert code == 0
    assert "supervised  实施了项目监理  [是/否]" in out
    assert "材料“项目监理报告”（终验投用）" in out
    assert "change_core_technical" in out and "cancel_only" not in out  # 广州's own fact


def test_facts_list_json_for_some_keys() -> None:
    import json

    code, out = _cli("facts", "list", "category", "investment", "-f", "json")
    assert code == 0
    rows = {r["name"]: r for r in json.loads(out)}
    assert set(rows) == {"category", "investment"}
    assert rows["category"]["type_text"].startswith("选项：建设类（construction）")
    assert any("监理" in w for w in rows["investment"]["used_by"]["guangzhou"])


def test_facts_list_unknown_key_did_you_mean() -> None:
    code, out = _cli("facts", "list", "supervisd")
    assert code == 2
    assert "did you mean 'supervised'" in out


@pytest.mark.parametrize(("pack_id", "name", "word", "value"), [
    ("lianping", "procurement_method", "询价", "inquiry"),
    ("qingpu", "procurement_method", "单一来源", "single-source"),
    ("wuhan", "approval_step", "可研", "feasibility"),
    ("wuhan", "approval_step", "初步设计", "preliminary-design"),
])
def test_pack_enum_words_read_and_written_in_chinese(pack_id: str, name: str, word: str, value: str) -> None:
    given = validate_facts({name: word}, load_pack(pack_id))
    assert given[name] == value
    assert fact_value_text(name, value, "enum") not in (value, "")
