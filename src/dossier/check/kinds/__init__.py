"""The one table of check kinds (yamllint's rule TYPE, sqlfluff's manifest).

Every check has one contract, ``check(ctx, requirement) -> Iterator[Gap]``: it reads the frozen
`CheckContext` and yields bare gaps; the engine adds severity, citations and location. A kind
declares its scope (what a requirement is), the finding codes it may emit, and the codes to
which a pack's declared `severity:` applies. The engine refuses a gap whose code the kind did
not declare, so this table is the truth about who says what.

Scopes and their requirements:
  file      every ingested file (a `ParsedFile`)
  fact      every fact found in the documents (its name)
  material  every material of the stage (a `Material`)
  document  an outlined document of the stage whose outline `kind` names this kind (a `DocumentFile`)
  rule      a rule of the stage whose `kind` names this kind (a `Rule`)

Adding a kind: write ``check/kinds/<name>.py`` with one ``check(ctx, requirement)`` function,
add one `Kind(...)` line to `KINDS` below, and add the name to the schema's enum
(schemas/requirements.schema.json for rule kinds, schemas/outline.schema.json for documents).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from dossier.check.context import CheckContext
from dossier.check.kinds import facts, files, materials, outline, rulekinds
from dossier.check.rules import Gap
from dossier.errors import PackError
from dossier.model import Pack

Scope = Literal["file", "fact", "material", "document", "rule"]
SCOPES: tuple[Scope, ...] = ("file", "fact", "material", "document", "rule")
"""The order the engine runs scopes in."""
NAMED_BY_PACK: frozenset[Scope] = frozenset({"document", "rule"})
"""Scopes whose kinds run only where the pack names them (a rule's or an outline's `kind`)."""

Check = Callable[[CheckContext, Any], Iterator[Gap]]


@dataclass(frozen=True)
class Kind:
    name: str
    scope: Scope
    codes: frozenset[str]
    """Every finding code the check may emit."""
    check: Check
    pack_severity: frozenset[str] = frozenset()
    """Codes to which the pack's declared `severity:` of the requirement applies. A pack's
    severity is the cost of breaking its rule, so it applies to violations; "cannot verify"
    (DOS-R006) and manual checks (DOS-R007) keep the code's severity."""


def _codes(*codes: str) -> frozenset[str]:
    return frozenset(codes)


KINDS: tuple[Kind, ...] = (
    Kind("file-problem", "file", _codes("DOS-P001", "DOS-P002", "DOS-P003", "DOS-P004", "DOS-P006"), files.check_problem),
    Kind("stage-fit", "file", _codes("DOS-M004", "DOS-M005"), files.check_stage_fit),
    Kind("fact-conflict", "fact", _codes("DOS-F001"), facts.check_conflict),
    # A file for a route the project may not take (verdicts.wrong_route) breaks the rule: DOS-R001.
    Kind("material", "material", _codes("DOS-M001", "DOS-M002", "DOS-M003", "DOS-R001"), materials.check),
    Kind("report", "document", _codes("DOS-S001", "DOS-S002", "DOS-S003", "DOS-S004", "DOS-S005"), outline.check),
    Kind("form", "document", _codes("DOS-S001", "DOS-S002", "DOS-S003", "DOS-S004"), outline.check),
    Kind("table", "document", _codes("DOS-S001", "DOS-S002", "DOS-S003", "DOS-S004"), outline.check),
    Kind("assert", "rule", _codes("DOS-R001", "DOS-R006"), rulekinds.check_assert, _codes("DOS-R001")),
    # Past the official holiday calendar a working-day count is a manual check (DOS-R007).
    Kind("window", "rule", _codes("DOS-R002", "DOS-R006", "DOS-R007"), rulekinds.check_window, _codes("DOS-R002")),
    Kind("naming", "rule", _codes("DOS-R003", "DOS-R006"), rulekinds.check_naming, _codes("DOS-R003")),
    Kind("deadline", "rule", _codes("DOS-R004", "DOS-R006"), rulekinds.check_deadline, _codes("DOS-R004")),
    Kind("consistency", "rule", _codes("DOS-R005"), rulekinds.check_consistency, _codes("DOS-R005")),
    Kind("manual", "rule", _codes("DOS-R007"), rulekinds.check_manual),
    # A notice fires only when its condition holds: the pack's severity is what it costs.
    Kind("notice", "rule", _codes("DOS-R008"), rulekinds.check_notice, _codes("DOS-R008")),
    # Scope: when it excludes, the engine ends the check with this one finding.
    Kind("scope", "rule", _codes("DOS-R009"), rulekinds.check_scope, _codes("DOS-R009")),
)

REGISTRY: dict[str, Kind] = {k.name: k for k in KINDS}
"""Kind name → kind. Tests may add a kind here (monkeypatch) to exercise the contract."""


def kinds_in(scope: Scope) -> list[Kind]:
    return [k for k in REGISTRY.values() if k.scope == scope]


def unknown_kinds(pack: Pack) -> list[str]:
    """'where: kind' for every rule or outline of the pack whose kind no check implements."""
    named = {k.name for k in REGISTRY.values() if k.scope in NAMED_BY_PACK}
    bad = [f"rules/{r.id}: {r.kind}" for r in pack.rules if r.kind not in named]
    bad += [f"outlines/{d.id}: {d.kind}" for d in pack.documents if d.kind not in named]
    return bad


def require_known_kinds(pack: Pack) -> None:
    """Raise PackError (exit 2) before checking when the pack names a kind no check implements."""
    bad = unknown_kinds(pack)
    if bad:
        known = ", ".join(sorted(k.name for k in REGISTRY.values() if k.scope in NAMED_BY_PACK))
        raise PackError(f"unknown check kind(s): {'; '.join(bad)} (known: {known})", path=f"pack {pack.id}")
