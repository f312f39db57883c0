"""Material-scope check: is each material of the stage there, required, or a placeholder?

The verdict itself (parts, merged documents, staged alternatives, wrong routes) is
dossier.check.verdicts.material_verdict; this kind computes it once per run and yields its gaps.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from dossier.check.context import CheckContext, ParsedFile
from dossier.check.rules import Gap
from dossier.check.verdicts import alternative_file, material_verdict, merged_stand_ins, right_route_shown
from dossier.conditions import evaluate
from dossier.model import Material
from dossier.report import MaterialResult


@dataclass(frozen=True)
class MaterialVerdict:
    result: MaterialResult
    gaps: tuple[Gap, ...]
    files: tuple[ParsedFile, ...]
    """The files classified as the material, best first."""
    needed: bool | None
    """Whether its condition holds on the facts (None: cannot tell)."""


def assess(ctx: CheckContext, m: Material) -> MaterialVerdict:
    """The material's status (for the report) and its gaps, computed once per run."""
    return ctx.remember("material", m.id, lambda: _assess(ctx, m))


def _by_material(ctx: CheckContext) -> dict[str, list[ParsedFile]]:
    return ctx.remember("material-files", "", lambda: {x.id: ctx.files_of(x) for x in ctx.stage.materials})


def _assess(ctx: CheckContext, m: Material) -> MaterialVerdict:
    by_material = _by_material(ctx)
    files = by_material[m.id]
    stand_ins = merged_stand_ins(ctx.stage, by_material).get(m.id, [])
    pool = [p for p in ctx.files if p.status != "placeholder"] if m.parts else files
    shown = bool(m.wrong_route) and right_route_shown(ctx.stage, m, by_material, ctx.facts)
    v = material_verdict(m, files, ctx.facts, ctx.titles, stand_ins, pool, shown, alternative_file(m, by_material))
    e = v.entry
    result = MaterialResult(m.id, m.title, e["status"], tuple(e["files"]), tuple(e["citations"]),
                            bool(e.get("placeholder")), e.get("reason", ""), tuple(e.get("parts", ())))
    return MaterialVerdict(result, tuple(v.gaps), tuple(files), evaluate(m.when, ctx.facts))


def check(ctx: CheckContext, m: Material) -> Iterator[Gap]:
    yield from assess(ctx, m).gaps
