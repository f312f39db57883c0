"""Material-scope check: is each material of the stage there, required, or a placeholder?"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from dossier.check.context import CheckContext, ParsedFile
from dossier.check.rules import Gap
from dossier.conditions import describe, evaluate
from dossier.model import Material
from dossier.report import MaterialResult


@dataclass(frozen=True)
class MaterialVerdict:
    result: MaterialResult
    gap: Gap | None
    files: tuple[ParsedFile, ...]
    """The files classified as the material, best first."""
    needed: bool | None
    """Whether its condition holds on the facts (None: cannot tell)."""


def assess(ctx: CheckContext, m: Material) -> MaterialVerdict:
    """The material's status (for the report) and its gap, computed once per run."""
    return ctx.remember("material", m.id, lambda: _assess(ctx, m))


def _assess(ctx: CheckContext, m: Material) -> MaterialVerdict:
    files = ctx.files_of(m)
    real = [p for p in files if p.status != "placeholder"]
    needed = evaluate(m.when, ctx.facts)
    placeholder = bool(files) and not real
    status, reason, gap = _status(ctx, m, files, needed, has_real=bool(real), placeholder=placeholder)
    result = MaterialResult(m.id, m.title, status, tuple(p.display for p in files),
                            tuple(c.as_dict() for c in m.citations), placeholder, reason)
    return MaterialVerdict(result, gap, tuple(files), needed)


def _condition(m: Material) -> str:
    return f"（{m.condition_text}）" if m.condition_text else ""


def _status(ctx: CheckContext, m: Material, files: list[ParsedFile], needed: bool | None, *, has_real: bool,
            placeholder: bool) -> tuple[str, str, Gap | None]:
    if needed is False:
        return "not-required", f"不适用：{describe(m.when, ctx.titles)}" + _condition(m), None
    if m.verify == "manual":
        reason = "文件无法证明，需人工核验" + (f"：{m.condition_text}" if m.condition_text else "")
        return "manual-review", reason, Gap("DOS-M002", m.id, {"title": m.title, "reason": reason})
    if has_real:
        return "present", "", None
    if placeholder:
        return "missing", "", Gap("DOS-M003", m.id, {"title": m.title, "file": files[0].display}, file=files[0].display)
    if needed is None:
        reason = f"是否需要取决于：{describe(m.when, ctx.titles)}" + _condition(m)
        return "manual-review", reason, Gap("DOS-M002", m.id, {"title": m.title, "reason": reason})
    return "missing", "", Gap("DOS-M001", m.id, {"title": m.title})


def check(ctx: CheckContext, m: Material) -> Iterator[Gap]:
    gap = assess(ctx, m).gap
    if gap is not None:
        yield gap
