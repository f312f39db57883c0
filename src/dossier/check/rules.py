"""Rules over facts: each kind is a small function that yields bare gaps; the engine
adds severity, citations and location."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from dossier import saferegex
from dossier.conditions import describe, evaluate, facts_in
from dossier.facts import cn_date
from dossier.model import Rule


@dataclass(frozen=True)
class Gap:
    """A bare gap: which code, which requirement, what to say. No severity, no citation."""

    code: str
    requirement: str
    fields: Mapping[str, Any] = field(default_factory=dict)
    file: str = ""
    document: str = ""
    section: str = ""
    page: int | None = None
    paragraph: int | None = None


def add_months(d: dt.date, months: int) -> dt.date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


class OutsideCalendar(ValueError):
    """A working-day count reaches a year the official holiday calendar does not cover."""


def is_working_day(d: dt.date) -> bool:
    """The State Council's holiday and 调休 arrangement (package chinesecalendar): a 调休
    Saturday is a working day, a 春节 weekday is not. Years it does not cover raise."""
    import chinese_calendar  # here: only working-day deadlines need it, not every check

    try:
        return bool(chinese_calendar.is_workday(d))
    except NotImplementedError as exc:
        raise OutsideCalendar(d.isoformat()) from exc


def calendar_years() -> tuple[int, int]:
    """The first and last year the official calendar covers."""
    from chinese_calendar import constants

    days = list(constants.holidays) + list(constants.workdays)
    return min(days).year, max(days).year


def add_working_days(d: dt.date, n: int) -> dt.date:
    """The n-th working day after d, by the official calendar (OutsideCalendar past its range)."""
    while n > 0:
        d += dt.timedelta(days=1)
        if is_working_day(d):
            n -= 1
    return d


def shift(d: dt.date, dur: Mapping[str, int]) -> dt.date:
    d = add_months(d, 12 * dur.get("years", 0) + dur.get("months", 0))
    d += dt.timedelta(days=dur.get("days", 0))
    return add_working_days(d, dur.get("working_days", 0))


def dur_text(dur: Mapping[str, int]) -> str:
    names = {"years": "年", "months": "个月", "days": "天", "working_days": "个工作日"}
    return "".join(f"{v}{names[k]}" for k, v in dur.items())


def _give(names: str) -> str:
    """What settles an unverifiable rule: the facts to give (facts.yaml or the documents)."""
    return f"请在事实中给出：{names}" if names else ""


RuleCheck = Callable[[Rule, Mapping[str, Any], Mapping[str, str]], Iterator[Gap]]


def check_assert(rule: Rule, facts: Mapping[str, Any], titles: Mapping[str, str]) -> Iterator[Gap]:
    cond = rule.params["assert"]
    result = evaluate(cond, facts)
    if result is False:
        yield Gap("DOS-R001", rule.id, {"title": rule.title, "reason": rule.message or f"不满足：{describe(cond, titles)}"})
    elif result is None:
        need = sorted({titles.get(f, f) for f in facts_in(cond) if facts.get(f) is None})
        yield Gap("DOS-R006", rule.id, {"title": rule.title, "reason": _give("、".join(need))})


def check_window(rule: Rule, facts: Mapping[str, Any], titles: Mapping[str, str]) -> Iterator[Gap]:
    p = rule.params
    start, end = facts.get(p["from"]), facts.get(p["to"])
    if not isinstance(start, dt.date) or not isinstance(end, dt.date):
        need = [titles.get(n, n) for n in (p["from"], p["to"]) if not isinstance(facts.get(n), dt.date)]
        yield Gap("DOS-R006", rule.id, {"title": rule.title, "reason": _give("、".join(need))})
        return
    span = f"{titles.get(p['from'], p['from'])} {cn_date(start)} → {titles.get(p['to'], p['to'])} {cn_date(end)}"
    if end < start:
        yield Gap("DOS-R002", rule.id, {"title": rule.title, "reason": f"{span}：结束早于开始"})
        return
    try:
        low = shift(start, p["min"]) if "min" in p else None
        high = shift(start, p["max"]) if "max" in p else None
    except OutsideCalendar:
        first, last = calendar_years()
        yield Gap("DOS-R007", rule.id, {"title": rule.title, "reason": (
            f"{span}：工作日按国务院节假日安排计算，现有日历仅覆盖{first}—{last}年，请人工按当年安排核算")})
        return
    basis = _calendar_basis(start, end, p)
    if low is not None and end < low:
        yield Gap("DOS-R002", rule.id, {"title": rule.title, "reason": f"{span}：不足{dur_text(p['min'])}{basis}"})
    if high is not None and end > high:
        yield Gap("DOS-R002", rule.id, {"title": rule.title, "reason": f"{span}：超过{dur_text(p['max'])}{basis}"})


def _calendar_basis(start: dt.date, end: dt.date, p: Mapping[str, Any]) -> str:
    """Which year's official calendar a working-day count used, said in the message."""
    if not any("working_days" in p.get(k, {}) for k in ("min", "max")):
        return ""
    years = sorted({start.year, end.year})
    return f"（按{'、'.join(str(y) for y in years)}年国务院节假日及调休安排计算）"


def check_naming(rule: Rule, facts: Mapping[str, Any], titles: Mapping[str, str]) -> Iterator[Gap]:
    name = facts.get(rule.params["fact"])
    if not isinstance(name, str):
        yield Gap("DOS-R006", rule.id, {"title": rule.title, "reason": _give(titles.get(rule.params["fact"], "项目名称"))})
        return
    applicable = [p for p in rule.params["patterns"] if evaluate(p.get("when"), facts) is True]
    if not applicable:
        undecided = [p for p in rule.params["patterns"] if evaluate(p.get("when"), facts) is None]
        if undecided and not any(saferegex.fullmatch(p["pattern"], name) for p in undecided):
            yield Gap("DOS-R006", rule.id, {"title": rule.title, "reason": _give("项目类别、建设方式")})
        return
    if not any(saferegex.fullmatch(p["pattern"], name) for p in applicable):
        examples = "、".join(f"“{p['example']}”" for p in applicable)
        yield Gap("DOS-R003", rule.id, {"title": rule.title, "reason": f"“{name}” 应形如 {examples}"})


def check_deadline(rule: Rule, facts: Mapping[str, Any], titles: Mapping[str, str]) -> Iterator[Gap]:
    p = rule.params
    when = facts.get(p["fact"])
    if not isinstance(when, dt.date):
        yield Gap("DOS-R006", rule.id, {"title": rule.title, "reason": _give(titles.get(p["fact"], p["fact"]))})
        return
    year = when.year
    if p.get("year_offset_fact"):
        base = facts.get(p["year_offset_fact"])
        if base is None:
            yield Gap("DOS-R006", rule.id, {"title": rule.title, "reason": _give(titles.get(p["year_offset_fact"], ""))})
            return
        year = int(base.year if isinstance(base, dt.date) else base) + int(p.get("year_offset", 0))
    else:
        year += int(p.get("year_offset", 0))
    month, day = (int(x) for x in p["month_day"].split("-"))
    deadline = dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))
    if when > deadline:
        yield Gap("DOS-R004", rule.id, {"title": rule.title, "reason": f"{cn_date(when)} 晚于 {cn_date(deadline)}"})


def check_manual(rule: Rule, facts: Mapping[str, Any], titles: Mapping[str, str]) -> Iterator[Gap]:
    # What to verify is the rule's message: the reviewer reads what would settle it.
    yield Gap("DOS-R007", rule.id, {"title": rule.title, "reason": rule.message})


def check_notice(rule: Rule, facts: Mapping[str, Any], titles: Mapping[str, str]) -> Iterator[Gap]:
    yield Gap("DOS-R008", rule.id, {"title": rule.message or rule.title})


FACT_RULES: dict[str, RuleCheck] = {
    "assert": check_assert,
    "window": check_window,
    "naming": check_naming,
    "deadline": check_deadline,
    "manual": check_manual,
    "notice": check_notice,
}


def scope_exclusion(rules: tuple[Rule, ...], facts: Mapping[str, Any]) -> Gap | None:
    """The first scope rule whose `when` holds: the regulation does not apply to this
    project (连平 第五条 涉密, 武汉 第三条 会议系统…), so nothing else is checked against it.
    A scope the facts cannot decide excludes nothing: the project is checked in full."""
    for rule in rules:
        if rule.kind == "scope" and evaluate(rule.when, facts) is True:
            return Gap("DOS-R009", rule.id, {"title": rule.title, "reason": rule.message})
    return None


def run_rules(rules: tuple[Rule, ...], facts: Mapping[str, Any], titles: Mapping[str, str]) -> Iterator[Gap]:
    """Rules whose `when` holds; a rule whose `when` the facts cannot decide is skipped
    (consistency rules are run by the engine, which knows the documents; scope rules
    decide whether the rest runs at all)."""
    for rule in rules:
        if rule.kind in ("consistency", "scope"):
            continue
        if evaluate(rule.when, facts) is not True:
            continue
        yield from FACT_RULES[rule.kind](rule, facts, titles)
