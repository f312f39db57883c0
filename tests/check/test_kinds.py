"""The check-kind registry: one table, one contract, declared codes, explicit severity policy.

The example kind here is how a new kind is added: a `check(ctx, requirement)` function, one
`Kind(...)` line in dossier.check.kinds.KINDS (here added to REGISTRY by monkeypatch) and, for a
pack to name it, one enum value in schemas/requirements.schema.json (rule kinds) or
schemas/outline.schema.json (document kinds).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from dossier.check import kinds
from dossier.check.context import CheckContext, CheckOptions, ParsedFile
from dossier.check.engine import check_parsed
from dossier.check.kinds import KINDS, REGISTRY, Kind
from dossier.check.rules import Gap
from dossier.codes import BY_CODE
from dossier.errors import PackError
from dossier.model import Citation, Pack, Rule
from dossier.packs import load_pack, pack_ids

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
YC = load_pack("yongchuan")
STAGE = "final-acceptance"


def _enum(schema: str, *path: str) -> set[str]:
    node = json.loads((SCHEMAS / schema).read_text(encoding="utf-8"))
    for p in path:
        node = node[p]
    return set(node["enum"])


def test_registry_matches_the_schemas_and_the_codes() -> None:
    rule_kinds = {k.name for k in KINDS if k.scope == "rule"}
    doc_kinds = {k.name for k in KINDS if k.scope == "document"}
    assert rule_kinds == _enum("requirements.schema.json", "$defs", "base", "properties", "kind")
    assert doc_kinds == _enum("outline.schema.json", "properties", "kind")
    assert len(REGISTRY) == len(KINDS)
    for k in KINDS:
        assert k.codes and k.codes <= BY_CODE.keys(), k.name
        assert k.pack_severity <= k.codes, k.name


def test_every_installed_pack_names_only_known_kinds() -> None:
    for pid in pack_ids():
        assert kinds.unknown_kinds(load_pack(pid)) == [], pid


def _with_rule(pack: Pack, kind: str, severity: str | None = None) -> Pack:
    rule = Rule(id="test-every-file-named", title="文件名须含“报告”", kind=kind,  # type: ignore[arg-type]
                stages=(STAGE,), citations=(Citation(source=pack.sources[0].id, article="第一条", quote=""),),
                severity=severity)
    return dataclasses.replace(pack, rules=(*pack.rules, rule))


def _files() -> list[ParsedFile]:
    return [ParsedFile("监理报告.pdf", "pdf", "unreadable", reason="x", code="DOS-P002"),
            ParsedFile("说明.txt", "text", "skipped", reason="text")]


def check_file_names(ctx: CheckContext, rule: Rule) -> Iterator[Gap]:
    """A test-only rule kind: every file's name must contain 报告."""
    for p in ctx.files:
        if "报告" not in p.display:
            yield Gap("DOS-R001", rule.id, {"title": rule.title, "reason": p.display}, file=p.display)


def test_a_new_kind_is_one_function_and_one_registry_line(monkeypatch: pytest.MonkeyPatch) -> None:
    pack = _with_rule(YC, "file-names", severity="warning")
    with pytest.raises(PackError, match="file-names"):  # unknown kind: a pack error (exit 2), never a KeyError
        check_parsed(_files(), [], "x", pack, STAGE, {}, CheckOptions())

    monkeypatch.setitem(REGISTRY, "file-names", Kind("file-names", "rule", frozenset({"DOS-R001"}), check_file_names,
                                                     pack_severity=frozenset({"DOS-R001"})))
    report = check_parsed(_files(), [], "x", pack, STAGE, {}, CheckOptions())
    mine = [f for f in report.findings if f.requirement == "test-every-file-named"]
    assert [(f.code, f.location.file, f.severity) for f in mine] == [("DOS-R001", "说明.txt", "warning")]
    assert mine[0].citations and mine[0].citations[0]["article"] == "第一条"  # the engine adds the citation


def test_pack_severity_applies_only_where_the_kind_declares_it(monkeypatch: pytest.MonkeyPatch) -> None:
    pack = _with_rule(YC, "file-names", severity="warning")
    monkeypatch.setitem(REGISTRY, "file-names", Kind("file-names", "rule", frozenset({"DOS-R001"}), check_file_names))
    report = check_parsed(_files(), [], "x", pack, STAGE, {}, CheckOptions())
    mine = [f for f in report.findings if f.requirement == "test-every-file-named"]
    assert [f.severity for f in mine] == [BY_CODE["DOS-R001"].severity]


def test_a_kind_cannot_emit_a_code_it_did_not_declare(monkeypatch: pytest.MonkeyPatch) -> None:
    pack = _with_rule(YC, "file-names")
    monkeypatch.setitem(REGISTRY, "file-names", Kind("file-names", "rule", frozenset({"DOS-R008"}), check_file_names))
    with pytest.raises(RuntimeError, match="does not declare"):
        check_parsed(_files(), [], "x", pack, STAGE, {}, CheckOptions())
