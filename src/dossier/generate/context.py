"""What a skeleton says: the outline pruned by the facts, guidance notes and cover facts.

Pure functions from (pack, document, facts) to plain dicts the templates loop over, so
the content is testable without opening a DOCX.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from dossier.cjk import PLACEHOLDER_MARK, chinese_counting
from dossier.conditions import Truth, describe, evaluate
from dossier.facts import fact_titles
from dossier.model import Citation, Condition, Document, Pack, Section

MARKER = PLACEHOLDER_MARK
GUIDANCE_STYLE = "Dossier Guidance"
BLANK = "＿＿＿＿＿＿＿＿"

# Cover lines: always shown (blank when unknown) …
_COVER_ALWAYS = (
    ("construction_unit", "建设单位"),
    ("contractor", "承建单位"),
    ("investment", "项目总投资"),
)
# … and shown only when the facts give them.
_COVER_KNOWN = (
    ("supervisor", "监理单位"),
    ("approved_amount", "批复金额"),
    ("contract_amount", "合同金额"),
    ("application_date", "申报日期"),
    ("approval_date", "立项批复日期"),
    ("completion_date", "建设完成日期"),
    ("contract_acceptance_date", "合同验收日期"),
    ("preliminary_acceptance_date", "初验日期"),
    ("trial_run_start", "试运行开始日期"),
    ("trial_run_end", "试运行结束日期"),
    ("final_application_date", "终验申请日期"),
    ("final_acceptance_date", "终验日期"),
    ("go_live_date", "投入使用日期"),
    ("self_evaluation_date", "自评价日期"),
)
# Chapters that introduce the project get the facts repeated (as guidance).
_OVERVIEW_WORDS = ("项目概述", "项目概况", "基本情况", "概述", "概况")
_TITLE_SUFFIX = re.compile(r"\s*[（(]\s*(?:编制大纲|范\s*本|样\s*式|模\s*板)\s*[)）]\s*$")


@dataclass(frozen=True)
class Kept:
    """A section that stays in the skeleton, with how its condition came out."""

    path: tuple[str, ...]
    section: Section
    level: int
    truth: Truth


def kept_sections(doc: Document, facts: Mapping[str, Any]) -> list[Kept]:
    """The outline in order, minus every section (and its subtree) whose condition is False."""
    out: list[Kept] = []

    def visit(s: Section, path: tuple[str, ...], level: int) -> None:
        truth = evaluate(s.when, facts)
        if truth is False:
            return
        here = (*path, s.title)
        out.append(Kept(here, s, level, truth))
        for c in s.children:
            visit(c, here, level + 1)

    for s in doc.sections:
        visit(s, (), 1)
    return out


def clean_title(title: str) -> str:
    """`…基本情况报告（编制大纲）` → `…基本情况报告`: the skeleton is the document, not the outline."""
    return _TITLE_SUFFIX.sub("", title).strip() or title


def cite_text(c: Citation) -> str:
    # An item label such as "1." or "二、" would otherwise end up as "1.。" in a sentence.
    return c.render().rstrip(".．。、 ")


def render_citations(citations: Sequence[Citation]) -> str:
    return "；".join(dict.fromkeys(cite_text(c) for c in citations))


def condition_note(
    when: Condition | None, truth: Truth, condition_text: str, titles: Mapping[str, str]
) -> str:
    """How a condition reads in guidance: the seed's wording, and the rule when undecided."""
    if when is None:
        return f"适用条件：{condition_text}。" if condition_text else ""
    rule = describe(when, titles)
    seed = f"（{condition_text}）" if condition_text else ""
    if truth is None:
        return f"适用条件（待确认）：{rule}{seed}；不适用时删除本节。"
    return f"适用条件：{rule}{seed}，按项目事实适用。"


def section_guidance(s: Section, truth: Truth, titles: Mapping[str, str], *, field: bool = False) -> str:
    what = s.guidance.strip() or (f"请填写{s.title}。" if field else f"请在此撰写“{s.title}”的内容。")
    parts = [MARKER + what.rstrip("。") + "。"]
    cites = render_citations(s.citations)
    if cites:
        parts.append(f"依据：{cites}。")
    cond = condition_note(s.when, truth, s.condition_text, titles)
    if cond:
        parts.append(cond)
    if s.optional:
        parts.append("本节可选。")
    return "".join(parts)


def fmt_value(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return f"{value.normalize():,f} 万元"
    if isinstance(value, dt.date):
        return f"{value.year}年{value.month}月{value.day}日"
    return str(value)


def cover_facts(facts: Mapping[str, Any]) -> list[dict[str, str]]:
    lines = [{"label": label, "value": fmt_value(facts[k]) if facts.get(k) is not None else BLANK}
             for k, label in _COVER_ALWAYS]  # fmt: skip
    lines += [
        {"label": label, "value": fmt_value(facts[k])}
        for k, label in _COVER_KNOWN
        if facts.get(k) is not None
    ]
    return lines


def overview_index(kept: Sequence[Kept]) -> int | None:
    """The first top-level chapter that introduces the project (项目概述 …), if any."""
    for i, k in enumerate(kept):
        if k.level == 1 and any(w in k.section.title for w in _OVERVIEW_WORDS):
            return i
    return None


def overview_notes(facts: Mapping[str, Any]) -> list[str]:
    """The cover facts again, as guidance lines: the author turns them into prose."""
    known = [("项目名称", facts.get("project_name"))]
    known += [(label, facts.get(k)) for k, label in (*_COVER_ALWAYS, *_COVER_KNOWN)]
    lines = [f"{label}：{fmt_value(v)}" for label, v in known if v is not None]
    if not lines:
        return []
    return [f"{MARKER}以下项目基本信息取自项目事实，请核对并改写为正文："] + lines


def doc_notes(pack: Pack, doc: Document) -> list[str]:
    what = (
        doc.guidance.strip()
        or f"本文件为《{clean_title(doc.title)}》的编制框架，由 dossier 按 {pack.title} 生成"
    )
    cites = render_citations(doc.citations)
    text = MARKER + what.rstrip("。") + "。" + (f"依据：{cites}。" if cites else "")
    return [text]


def base_context(pack: Pack, doc: Document, facts: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "title": clean_title(doc.title),
        "project_name": str(facts.get("project_name") or "××项目"),
        "cover": cover_facts(facts),
        "cover_date": "　　　　年　　月　　日",
        "notes": doc_notes(pack, doc),
        "jurisdiction": pack.jurisdiction,
    }


def report_context(pack: Pack, doc: Document, facts: Mapping[str, Any]) -> dict[str, Any]:
    titles = fact_titles(pack)
    kept = kept_sections(doc, facts)
    over = overview_index(kept)
    sections = []
    for i, k in enumerate(kept):
        notes = [section_guidance(k.section, k.truth, titles)]
        if i == over:
            notes += overview_notes(facts)
        # Word numbering goes four levels deep in the template; deeper items stay at level 4.
        sections.append(
            {"title": k.section.title, "level": min(k.level, 4), "notes": notes, "id": k.section.id}
        )
    ctx = base_context(pack, doc, facts)
    ctx["sections"] = sections
    return ctx


WIDE_LIST = 6  # a list with more columns than this gets the full width of the form


def _kept_children(s: Section, facts: Mapping[str, Any]) -> list[tuple[Section, Truth]]:
    out: list[tuple[Section, Truth]] = []
    for c in s.children:
        truth = evaluate(c.when, facts)
        if truth is not False:
            out.append((c, truth))
    return out


# Form fields that a known fact answers: its value is suggested in the guidance (the cell
# stays guidance so an untouched form still reads as empty).
_FIELD_FACTS = {
    "项目名称": "project_name",
    "建设单位": "construction_unit",
    "项目建设单位": "construction_unit",
    "承建单位": "contractor",
    "项目承建单位": "contractor",
    "监理单位": "supervisor",
    "项目监理单位": "supervisor",
    "项目总投资": "investment",
    "项目总投资（万元）": "investment",
    "经费估算": "investment",
}


def field_hint(title: str, facts: Mapping[str, Any]) -> str:
    name = _FIELD_FACTS.get(title.strip())
    value = facts.get(name) if name else None
    return f"项目事实：{fmt_value(value)}，请核对后填写。" if value is not None else ""


def form_rows(
    sections: Sequence[tuple[Section, Truth]],
    facts: Mapping[str, Any],
    titles: Mapping[str, str],
    level: int = 1,
) -> list[dict[str, Any]]:
    """Rows of a form in outline order.

    field: label | value (a leaf). list: a field whose unnumbered leaf children are the
    columns of a sub-table (资金安排计划, 变更清单), full-width when it has many columns.
    group: a full-width heading row followed by its children's rows (anything else with
    children, e.g. numbered items under 申报时应附材料).
    """
    rows: list[dict[str, Any]] = []
    for s, truth in sections:
        kids = _kept_children(s, facts)
        note = section_guidance(s, truth, titles, field=True) + field_hint(s.title, facts)
        row: dict[str, Any] = {"title": s.title, "note": note, "columns": [], "level": level, "id": s.id}
        if not kids:
            rows.append({**row, "kind": "field"})
        elif all(not c.children and not c.label for c, _ in kids):
            columns = [c.title for c, _ in kids]
            kind = "wide" if len(columns) > WIDE_LIST else "list"
            rows.append({**row, "kind": kind, "columns": columns})
        else:
            rows.append({**row, "kind": "group"})
            rows += form_rows(kids, facts, titles, level + 1)
    return rows


def form_context(pack: Pack, doc: Document, facts: Mapping[str, Any]) -> dict[str, Any]:
    top = [(s, t) for s in doc.sections if (t := evaluate(s.when, facts)) is not False]
    ctx = base_context(pack, doc, facts)
    ctx["rows"] = form_rows(top, facts, fact_titles(pack))
    return ctx


def table_context(pack: Pack, doc: Document, facts: Mapping[str, Any]) -> dict[str, Any]:
    """Rows of a 明细表: a number column, one title column per outline level, empty amounts."""
    kept = kept_sections(doc, facts)
    depth = max((k.level for k in kept), default=1)
    columns = list(doc.columns) or [
        "序号",
        *(["项目", "分项", "细项"][: max(depth, 1)]),
        "金额（万元）",
        "说明",
    ]
    numbered = columns[0] in ("序号", "编号")
    first = 1 if numbered else 0
    # Titles take one column per level, but leave two columns for the values when possible.
    title_cols = max(1, min(depth, len(columns) - first - 2))
    rows = []
    top = 0
    # Number top rows 一、二 … only when the seed numbers none itself (小计 rows stay blank).
    auto = not any(k.section.label for k in kept if k.level == 1)
    for k in kept:
        cells = [""] * len(columns)
        if numbered:
            if k.level == 1:
                top += 1
            cells[0] = k.section.label.rstrip("、.． ") or (chinese_counting(top) if auto and k.level == 1 else "")
        cells[first + min(k.level, title_cols) - 1] = k.section.title
        rows.append({"cells": cells, "level": k.level})
    # Relative widths: a narrow number column, wide title columns, the rest for amounts.
    weights = [5 if first <= i < first + title_cols else 3 for i in range(len(columns))]
    ctx = base_context(pack, doc, facts)
    ctx["weights"] = weights
    # Row-level advice and conditions go under the table, so the cells stay clean for numbers.
    titles = fact_titles(pack)
    ctx["row_notes"] = [
        f"{MARKER}{k.section.title}："
        + section_guidance(k.section, k.truth, titles, field=True).removeprefix(MARKER)
        for k in kept
        if k.section.guidance or k.section.when is not None
    ]
    ctx["columns"] = columns
    ctx["rows"] = rows
    return ctx


def expected_titles(doc: Document, facts: Mapping[str, Any]) -> list[tuple[str, int]]:
    """(title, level) of every section a skeleton for these facts carries, in order."""
    return [(k.section.title, min(k.level, 4)) for k in kept_sections(doc, facts)]
