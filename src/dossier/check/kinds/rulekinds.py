"""Rule-scope checks: the pack's rules over the facts (dossier.check.rules does the reasoning)
and the consistency of one fact across documents."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from dossier.check import rules
from dossier.check.context import CheckContext
from dossier.check.rules import Gap, RuleCheck
from dossier.conditions import evaluate
from dossier.facts import fact_text
from dossier.model import Rule

if TYPE_CHECKING:
    from dossier.check.extract import Extracted


def _when_applies(fn: RuleCheck) -> Callable[[CheckContext, Rule], Iterator[Gap]]:
    """A fact rule runs only when its `when` holds; one the facts cannot decide is skipped."""

    def check(ctx: CheckContext, rule: Rule) -> Iterator[Gap]:
        if evaluate(rule.when, ctx.facts) is True:
            yield from fn(rule, ctx.facts, ctx.titles)

    check.__name__ = check.__qualname__ = fn.__name__
    check.__doc__ = fn.__doc__
    return check


check_assert = _when_applies(rules.check_assert)
check_window = _when_applies(rules.check_window)
check_naming = _when_applies(rules.check_naming)
check_deadline = _when_applies(rules.check_deadline)
check_manual = _when_applies(rules.check_manual)
check_notice = _when_applies(rules.check_notice)


def check_scope(ctx: CheckContext, rule: Rule) -> Iterator[Gap]:
    """The project is outside the regulation (the engine then stops: see engine.check_parsed)."""
    gap = rules.scope_exclusion((rule,), ctx.facts)
    if gap is not None:
        yield gap


def check_consistency(ctx: CheckContext, rule: Rule) -> Iterator[Gap]:
    """The first value of the fact in each (wanted) document; a difference is one gap."""
    name = rule.params["fact"]
    wanted = set(rule.params.get("documents", ()))
    seen: list[Extracted] = []
    for display, found in ctx.per_file_facts.items():
        m = ctx.assigned[display].material
        if wanted and (m is None or m.document not in wanted):
            continue
        first = next((e for e in found if e.name == name), None)
        if first is not None:
            seen.append(first)
    if len(seen) < 2:
        return
    from dossier.check.extract import same_value  # with its patterns: only once facts were read

    if any(not same_value(seen[0].value, v.value) for v in seen[1:]):
        detail = "；".join(f"{e.file}：{fact_text(ctx.pack, name, e.value)}" for e in seen)
        yield Gap("DOS-R005", rule.id, {"title": rule.title or ctx.titles.get(name, name), "reason": detail},
                  file=seen[1].file, page=seen[1].location.page, paragraph=seen[1].location.paragraph)
