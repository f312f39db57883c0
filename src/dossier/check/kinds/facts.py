"""Fact-scope check: a fact given by the user differs from the one the documents state."""

from __future__ import annotations

from collections.abc import Iterator

from dossier.check.context import CheckContext
from dossier.check.rules import Gap
from dossier.facts import fact_text


def check_conflict(ctx: CheckContext, name: str) -> Iterator[Gap]:
    if name not in ctx.given:
        return
    from dossier.check.extract import same_value  # with its patterns: only once facts were read

    e = ctx.extracted[name]
    if same_value(ctx.given[name], e.value):
        return
    yield Gap("DOS-F001", f"fact:{name}",
              {"title": ctx.titles.get(name, name),
               "reason": f"给定 {fact_text(ctx.pack, name, ctx.given[name])}，{e.file} 中为 {fact_text(ctx.pack, name, e.value)}"},
              file=e.file, page=e.location.page, paragraph=e.location.paragraph)
