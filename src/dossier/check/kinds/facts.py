"""Fact-scope check: a fact given by the user differs from the one the documents state."""

from __future__ import annotations

from collections.abc import Iterator

from dossier.check import extract as fx
from dossier.check.context import CheckContext
from dossier.check.rules import Gap
from dossier.facts import to_jsonable


def check_conflict(ctx: CheckContext, name: str) -> Iterator[Gap]:
    if name not in ctx.given:
        return
    e = ctx.extracted[name]
    if fx.same_value(ctx.given[name], e.value):
        return
    yield Gap("DOS-F001", f"fact:{name}",
              {"title": ctx.titles.get(name, name),
               "reason": f"给定 {to_jsonable(ctx.given[name])}，{e.file} 中为 {to_jsonable(e.value)}"},
              file=e.file, page=e.location.page, paragraph=e.location.paragraph)
