"""Load and validate rule packs (outlines/<id>/): YAML → JSON Schema → cross-checks → Pack.

Every problem is collected (file, place, reason) before failing, so a pack author sees
all of them at once; a broken pack is exit 2, never a clean report.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dossier import resources
from dossier.conditions import facts_in
from dossier.errors import PackError
from dossier.model import Citation, Document, FactSpec, Material, Pack, Part, Rule, Section, Source, Stage
from dossier.yamlio import load_yaml_text

if TYPE_CHECKING:  # imported where used: the fast path (jsonschema-rs) does without them
    import jsonschema
    from referencing import Registry

JURISDICTIONS = ("guangzhou", "wuhan", "lianping", "qingpu", "yongchuan")
STAGE_IDS = (
    "application",
    "change",
    "contract-acceptance",
    "preliminary-acceptance",
    "final-acceptance",
    "self-evaluation",
    "operation",
)


@dataclass(frozen=True)
class Problem:
    file: str
    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.where or '/'}: {self.reason}"


class PackInvalid(PackError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        head = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(head.reason + more, path=head.file, where=head.where or None)


@cache
def _registry() -> Registry:
    from referencing import Registry, Resource

    reg: Registry = Registry()
    for name in resources.schema_names():
        sch = resources.schema(name)
        reg = reg.with_resource(sch["$id"], Resource.from_contents(sch))
    return reg


@cache
def validator(schema_name: str) -> jsonschema.Draft202012Validator:
    import jsonschema

    sch = resources.schema(schema_name)
    return jsonschema.Draft202012Validator(
        sch, registry=_registry(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)


def _date_format(instance: object) -> bool:
    # python-jsonschema's own "date" check, written out so that the fast path does not import
    # it; both validators then agree ("0000-01-01" passes RFC 3339 alone, not datetime.date).
    if not isinstance(instance, str):
        return True
    try:
        return bool(_DATE.fullmatch(instance) and date.fromisoformat(instance))
    except ValueError:
        return False


@cache
def _fast_validator(schema_name: str) -> Any | None:
    """A jsonschema-rs validator (about 100x faster), or None where it is missing or fails."""
    try:
        import jsonschema_rs
    except ImportError:
        return None
    try:
        registry = jsonschema_rs.Registry(
            [(resources.schema(n)["$id"], resources.schema(n)) for n in resources.schema_names()]
        )
        return jsonschema_rs.Draft202012Validator(
            resources.schema(schema_name),
            registry=registry,
            validate_formats=True,
            formats={"date": _date_format},
        )
    except Exception:
        return None  # an older or broken build: the python path still validates


def schema_problems(data: Any, schema_name: str, file: str) -> list[Problem]:
    fast = _fast_validator(schema_name)
    if fast is not None:
        # Fast path for the common case, a valid document. Only python-jsonschema words the
        # problems, and it has the last word: where the two disagree (jsonschema-rs refuses
        # "abc\n" for ^...$ patterns, infinities, dict keys that are not strings) it decides.
        with contextlib.suppress(Exception):
            if fast.is_valid(data):
                return []
    out = []
    for err in sorted(validator(schema_name).iter_errors(data), key=lambda e: list(e.absolute_path)):
        where = "/" + "/".join(str(p) for p in err.absolute_path)
        out.append(Problem(file, where, _short_message(err)))
    return out


def _short_message(err: jsonschema.ValidationError) -> str:
    import jsonschema

    # oneOf failures print the whole instance; keep the best sub-error instead.
    if err.context:
        best = jsonschema.exceptions.best_match(err.context)
        return f"{best.message} (at {'/'.join(str(p) for p in best.absolute_path) or 'here'})"
    msg = err.message
    return msg if len(msg) < 300 else msg[:297] + "…"


def pack_ids() -> tuple[str, ...]:
    root = resources.outlines_root()
    return tuple(sorted(p.name for p in root.iterdir() if p.is_dir() and (p / "pack.yaml").is_file()))


def pack_root(pack_id: str) -> Traversable:
    root = resources.outlines_root() / pack_id
    if not (root / "pack.yaml").is_file():
        raise PackError(
            f"no rule pack {pack_id!r}; known packs: {', '.join(pack_ids())}", path=f"outlines/{pack_id}"
        )
    return root


@cache
def load_pack(pack_id: str) -> Pack:
    """A packaged pack by id (cached: packs are immutable data)."""
    return load_pack_dir(pack_root(pack_id), label=f"outlines/{pack_id}")


def load_pack_path(path: Path) -> Pack:
    """A pack from a folder on disk (a pack author's own)."""
    if not (path / "pack.yaml").is_file():
        raise PackError("no pack.yaml in this folder", path=str(path))
    return load_pack_dir(path, label=str(path))


def _read(root: Traversable, rel: str, label: str, problems: list[Problem]) -> Any:
    node = root
    for part in rel.split("/"):
        node = node / part
    file = f"{label}/{rel}"
    if not node.is_file():
        problems.append(Problem(file, "", "file is missing"))
        return None
    try:
        data = load_yaml_text(node.read_text(encoding="utf-8"), file, PackError)
    except PackError as exc:
        problems.append(Problem(file, exc.where or "", exc.reason))
        return None
    except UnicodeDecodeError:
        problems.append(Problem(file, "", "not UTF-8 text"))
        return None
    if data is None:
        # An empty file would otherwise be skipped silently (a stage vanishing from the pack)
        # or, for pack.yaml, fail with no problem to report.
        problems.append(Problem(file, "", "file is empty"))
    return data


def load_pack_dir(root: Traversable, label: str) -> Pack:
    problems: list[Problem] = []
    head = _read(root, "pack.yaml", label, problems)
    if head is None:
        raise PackInvalid(problems)
    problems += schema_problems(head, "pack", f"{label}/pack.yaml")
    if problems:
        raise PackInvalid(problems)

    stage_data: dict[str, Any] = {}
    for sid in head["stages"]:
        if sid not in STAGE_IDS:
            problems.append(Problem(f"{label}/pack.yaml", "/stages", f"unknown stage id {sid!r}"))
            continue
        data = _read(root, f"stages/{sid}.yaml", label, problems)
        if data is not None:
            found = schema_problems(data, "materials", f"{label}/stages/{sid}.yaml")
            problems += found
            if not found:
                stage_data[sid] = data
    doc_data: dict[str, Any] = {}
    for did in head["documents"]:
        data = _read(root, f"documents/{did}.yaml", label, problems)
        if data is not None:
            found = schema_problems(data, "outline", f"{label}/documents/{did}.yaml")
            problems += found
            if not found:
                doc_data[did] = data
    rules_data = _read(root, "rules.yaml", label, problems) if (root / "rules.yaml").is_file() else None
    if rules_data is not None:
        problems += schema_problems(rules_data, "requirements", f"{label}/rules.yaml")
    if problems:
        raise PackInvalid(problems)

    sources = tuple(Source(**s) for s in head["sources"])
    shorts = {s.id: s.short for s in sources}
    base_facts = resources.schema("facts")["properties"]
    facts = tuple(
        FactSpec(name, spec["type"], spec["title"], tuple(spec.get("values", ())), spec.get("description", ""))
        for name, spec in sorted(head.get("facts", {}).items())
    )
    known_facts = set(base_facts) | {f.name for f in facts}
    for f in facts:
        if f.name in base_facts:
            problems.append(Problem(f"{label}/pack.yaml", f"/facts/{f.name}", "redeclares a shared fact"))

    ctx = _Ctx(label, shorts, known_facts, problems)
    documents = []
    for did in head["documents"]:
        if did in doc_data:
            file = f"{label}/documents/{did}.yaml"
            if doc_data[did]["id"] != did:
                problems.append(Problem(file, "/id", f"id {doc_data[did]['id']!r} differs from file name {did!r}"))
            documents.append(ctx.document(doc_data[did], file))
    doc_ids = {d.id for d in documents}
    stages = []
    for sid in head["stages"]:
        if sid in stage_data:
            file = f"{label}/stages/{sid}.yaml"
            if stage_data[sid]["id"] != sid:
                problems.append(Problem(file, "/id", f"id {stage_data[sid]['id']!r} differs from file name"))
            stages.append(ctx.stage(stage_data[sid], file, doc_ids))
    rules = ctx.rules(rules_data["rules"] if rules_data else [], f"{label}/rules.yaml", set(head["stages"]))
    if problems:
        raise PackInvalid(problems)
    return Pack(
        id=head["id"],
        version=head["version"],
        title=head["title"],
        jurisdiction=head["jurisdiction"],
        level=head["level"],
        status=head.get("status", "in-force"),
        notes=head.get("notes", ""),
        sources=sources,
        stages=tuple(stages),
        documents=tuple(documents),
        rules=rules,
        facts=facts,
    )


@dataclass
class _Ctx:
    label: str
    shorts: Mapping[str, str]
    known_facts: set[str]
    problems: list[Problem]

    def cites(self, raw: Iterable[Mapping[str, Any]], file: str, where: str) -> tuple[Citation, ...]:
        out = []
        for i, c in enumerate(raw):
            if c["source"] not in self.shorts:
                self.problems.append(Problem(file, f"{where}/citations/{i}", f"unknown source {c['source']!r}"))
            out.append(Citation(**c, short=self.shorts.get(c["source"], "")))
        return tuple(out)

    def cond(self, cond: Any, file: str, where: str) -> Any:
        for name in facts_in(cond):
            if name not in self.known_facts:
                self.problems.append(
                    Problem(file, where, f"condition uses fact {name!r}, which neither the shared vocabulary nor the pack declares")
                )
        return cond

    def unique(self, ids: list[str], file: str, where: str) -> None:
        seen: set[str] = set()
        for i in ids:
            if i in seen:
                self.problems.append(Problem(file, where, f"duplicate id {i!r}"))
            seen.add(i)

    def section(self, raw: Mapping[str, Any], file: str, where: str, level: int) -> Section:
        kids = tuple(
            self.section(c, file, f"{where}/children/{i}", level + 1) for i, c in enumerate(raw.get("children", ()))
        )
        return Section(
            id=raw["id"],
            title=raw["title"],
            label=raw.get("label", ""),
            level=level,
            aliases=tuple(raw.get("aliases", ())),
            keywords=tuple(raw.get("keywords", ())),
            when=self.cond(raw.get("when"), file, f"{where}/when"),
            condition_text=raw.get("condition_text", ""),
            optional=bool(raw.get("optional", False)),
            may_be_blank=bool(raw.get("may_be_blank", False)),
            in_text=bool(raw.get("in_text", False)),
            requires_content=bool(raw.get("requires_content", False)),
            guidance=raw.get("guidance", ""),
            citations=self.cites(raw["citations"], file, where),
            children=kids,
        )

    def document(self, raw: Mapping[str, Any], file: str) -> Document:
        sections = tuple(self.section(s, file, f"/sections/{i}", 1) for i, s in enumerate(raw["sections"]))
        doc = Document(
            id=raw["id"],
            title=raw["title"],
            kind=raw["kind"],
            outline=raw.get("outline", "full"),
            aliases=tuple(raw.get("aliases", ())),
            keywords=tuple(raw.get("keywords", ())),
            decoys=tuple(raw.get("decoys", ())),
            guidance=raw.get("guidance", ""),
            columns=tuple(raw.get("columns", ())),
            citations=self.cites(raw["citations"], file, ""),
            sections=sections,
        )
        self.unique([s.id for _, s in doc.walk()], file, "/sections")
        return doc

    def stage(self, raw: Mapping[str, Any], file: str, doc_ids: set[str]) -> Stage:
        mats = []
        for i, m in enumerate(raw["materials"]):
            where = f"/materials/{i}"
            if m.get("document") and m["document"] not in doc_ids:
                self.problems.append(Problem(file, f"{where}/document", f"no document {m['document']!r} in this pack"))
            mats.append(
                Material(
                    id=m["id"],
                    title=m["title"],
                    document=m.get("document", ""),
                    aliases=tuple(m.get("aliases", ())),
                    keywords=tuple(m.get("keywords", ())),
                    decoys=tuple(m.get("decoys", ())),
                    when=self.cond(m.get("when"), file, f"{where}/when"),
                    condition_text=m.get("condition_text", ""),
                    verify=m.get("verify", "file"),
                    guidance=m.get("guidance", ""),
                    citations=self.cites(m["citations"], file, where),
                    parts=tuple(
                        Part(id=p["id"], title=p["title"], aliases=tuple(p.get("aliases", ())),
                             keywords=tuple(p.get("keywords", ())),
                             when=self.cond(p.get("when"), file, f"{where}/parts/{j}/when"),
                             condition_text=p.get("condition_text", ""))
                        for j, p in enumerate(m.get("parts", ()))
                    ),
                    satisfies=tuple(m.get("satisfies", ())),
                    alternatives=tuple(m.get("alternatives", ())),
                    wrong_route=m.get("wrong_route", ""),
                )
            )
        self.unique([m.id for m in mats], file, "/materials")
        ids = {m.id for m in mats}
        for i, m in enumerate(mats):
            for field_name in ("satisfies", "alternatives"):
                for other in getattr(m, field_name):
                    if other not in ids:
                        self.problems.append(
                            Problem(file, f"/materials/{i}/{field_name}", f"no material {other!r} in this stage"))
        return Stage(
            id=raw["id"],
            title=raw["title"],
            description=raw.get("description", ""),
            citations=self.cites(raw["citations"], file, ""),
            materials=tuple(mats),
        )

    def rules(self, raws: list[Mapping[str, Any]], file: str, stages: set[str]) -> tuple[Rule, ...]:
        out = []
        common = {"id", "title", "kind", "stages", "when", "severity", "message", "citations"}
        for i, r in enumerate(raws):
            where = f"/rules/{i}"
            for s in r["stages"]:
                if s != "*" and s not in stages:
                    self.problems.append(Problem(file, f"{where}/stages", f"stage {s!r} is not in this pack"))
            params = {k: v for k, v in r.items() if k not in common}
            for key in ("assert",):
                if key in params:
                    self.cond(params[key], file, f"{where}/{key}")
            for key in ("from", "to", "fact", "year_offset_fact"):
                if key in params and params[key] not in self.known_facts:
                    self.problems.append(Problem(file, f"{where}/{key}", f"unknown fact {params[key]!r}"))
            for j, p in enumerate(params.get("patterns", ())):
                self.cond(p.get("when"), file, f"{where}/patterns/{j}/when")
                try:
                    if not re.fullmatch(p["pattern"], p["example"]):
                        self.problems.append(
                            Problem(file, f"{where}/patterns/{j}", f"example {p['example']!r} does not match its pattern")
                        )
                except re.error as exc:
                    self.problems.append(Problem(file, f"{where}/patterns/{j}/pattern", f"bad regular expression: {exc}"))
            out.append(
                Rule(
                    id=r["id"],
                    title=r["title"],
                    kind=r["kind"],
                    stages=tuple(r["stages"]),
                    when=self.cond(r.get("when"), file, f"{where}/when"),
                    severity=r.get("severity"),
                    message=r.get("message", ""),
                    citations=self.cites(r["citations"], file, where),
                    params=params,
                )
            )
        self.unique([r.id for r in out], file, "/rules")
        return tuple(out)
