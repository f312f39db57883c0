"""Load and validate rule packs (outlines/<id>/): YAML → JSON Schema → cross-checks → Pack.

Every problem is collected (file, place, reason) before failing, so a pack author sees
all of them at once; a broken pack is exit 2, never a clean report.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dossier import packdata, resources, saferegex
from dossier.cjk import on_first_use
from dossier.conditions import facts_in
from dossier.errors import PackError
from dossier.model import Citation, Document, FactSpec, Material, Pack, Part, Rule, Section, Source, Stage

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
    """The folder of an installed pack. Only an installed id is accepted: a jurisdiction named
    by a facts file, a scan manifest or -j never reaches the file system as a path (`../x`)."""
    if not isinstance(pack_id, str) or pack_id not in pack_ids():
        shown = pack_id if isinstance(pack_id, str) else type(pack_id).__name__
        raise PackError(
            f"no installed rule pack {shown[:80]!r}; known packs: {', '.join(pack_ids())} "
            "(a pack of your own: --pack PATH)",
            path="jurisdiction",
        )
    return resources.outlines_root() / pack_id


@cache
def load_pack(pack_id: str) -> Pack:
    """A packaged pack by id (cached: packs are immutable data)."""
    root = pack_root(pack_id)
    return load_pack_dir(root, label=f"outlines/{pack_id}", verify_texts=False, preparsed=packdata.installed(pack_id))


def validate_installed(pack_id: str) -> Pack:
    """An installed pack, loaded with every check `packs validate` makes (its text included)."""
    return load_pack_dir(pack_root(pack_id), label=f"outlines/{pack_id}", verify_texts=True)


def load_pack_path(path: Path) -> Pack:
    """A pack from a folder on disk (a pack author's own), marked as such: its origin is the
    folder and the sha256 of its files, which the report header shows."""
    if not (path / "pack.yaml").is_file():
        raise PackError("no pack.yaml in this folder", path=str(path))
    pack = load_pack_dir(path, label=str(path))
    return replace(pack, origin=str(path.resolve()), digest=pack_digest(path))


def pack_digest(path: Path) -> str:
    """sha256 over the pack folder's YAML and text files (names and contents, in name order)."""
    h = hashlib.sha256()
    for f in sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".txt") and p.is_file()):
        h.update(f.relative_to(path).as_posix().encode("utf-8") + b"\0")
        h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()


def pack_header(pack: Pack) -> dict[str, str]:
    """How a report's header names the pack; a custom pack (--pack PATH) says so."""
    out = {"id": pack.id, "version": pack.version, "title": pack.title}
    if pack.origin:
        out |= {"origin": "custom", "path": pack.origin, "sha256": pack.digest}
    return out


@dataclass(frozen=True)
class _PackFiles:
    """A pack folder's YAML as the loader reads it: each file parsed and checked against its
    schema, every problem collected. `preparsed`: an installed pack's files parsed and checked
    ahead of time (dossier.packdata), taken for a file only when its text is the one they came from."""

    root: Traversable
    label: str
    problems: list[Problem]
    preparsed: packdata.Preparsed = field(default_factory=dict)

    def read(self, rel: str, schema_name: str) -> Any:
        """The file's data when it reads and passes its schema; else None, its problems noted."""
        node = self.root
        for part in rel.split("/"):
            node = node / part
        file = f"{self.label}/{rel}"
        if not node.is_file():
            self.problems.append(Problem(file, "", "file is missing"))
            return None
        try:
            text = node.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            self.problems.append(Problem(file, "", "not UTF-8 text"))
            return None
        known, data = packdata.entry_data(self.preparsed, rel, text, schema_name)
        if known:
            return data
        data = self._parse(text, file)
        if data is None:
            return None
        found = schema_problems(data, schema_name, file)
        self.problems.extend(found)
        return None if found else data

    def _parse(self, text: str, file: str) -> Any:
        from dossier.yamlio import load_yaml_text  # PyYAML: only for a file not read ahead of time

        try:
            data = load_yaml_text(text, file, PackError)
        except PackError as exc:
            self.problems.append(Problem(file, exc.where or "", exc.reason))
            return None
        if data is None:
            # An empty file would otherwise be skipped silently (a stage vanishing from the pack)
            # or, for pack.yaml, fail with no problem to report.
            self.problems.append(Problem(file, "", "file is empty"))
        return data


def load_pack_dir(root: Traversable, label: str, *, verify_texts: bool = True,
                  preparsed: packdata.Preparsed | None = None) -> Pack:
    """A pack from its folder, every problem collected. `verify_texts`: check each citation
    against the regulation's text (an installed pack skips it when loaded for a check: its
    tests and `packs validate` verify it, and every worker would pay for it again).
    `preparsed`: its files read ahead of time (an installed pack, see dossier.packdata)."""
    problems: list[Problem] = []
    files = _PackFiles(root, label, problems, preparsed or {})
    head = files.read("pack.yaml", "pack")
    if head is None:
        raise PackInvalid(problems)

    stage_data: dict[str, Any] = {}
    for sid in head["stages"]:
        if sid not in STAGE_IDS:
            problems.append(Problem(f"{label}/pack.yaml", "/stages", f"unknown stage id {sid!r}"))
            continue
        data = files.read(f"stages/{sid}.yaml", "materials")
        if data is not None:
            stage_data[sid] = data
    doc_data: dict[str, Any] = {}
    for did in head["documents"]:
        data = files.read(f"documents/{did}.yaml", "outline")
        if data is not None:
            doc_data[did] = data
    rules_data = files.read("rules.yaml", "requirements") if (root / "rules.yaml").is_file() else None
    if problems:
        raise PackInvalid(problems)

    sources = _with_texts(tuple(Source(**s) for s in head["sources"]), files)
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
    if verify_texts:
        problems += text_problems(sources, root, label, documents, stages, rules)
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
                    if not saferegex.fullmatch(p["pattern"], p["example"]):
                        self.problems.append(
                            Problem(file, f"{where}/patterns/{j}", f"example {p['example']!r} does not match its pattern")
                        )
                    for probe in _probes(p["example"]):
                        saferegex.fullmatch(p["pattern"], probe)
                except PackError as exc:
                    self.problems.append(Problem(file, f"{where}/patterns/{j}/pattern", exc.reason))
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


# -- the regulation texts (source.yaml + source.txt) ------------------------------------------

SOURCE_YAML = "source.yaml"
MAX_TEXT_BYTES = 4 * 1024 * 1024

_ARTICLE = on_first_use(r"第[一二三四五六七八九十百零〇两]+条|附件\d+|附表\d+")
# Where a heading starts: the first characters of a line, after any indentation (the texts
# indent with spaces, ideographic spaces or no-break spaces).
_HEADING = on_first_use(r"^[\s\u3000\xa0]*(第[一二三四五六七八九十百零〇两]+条|附件\s*\d+|附表\s*\d+)", re.M)
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "「": '"', "」": '"'})


def normalise_text(text: str) -> str:
    """How quotes are compared with the text: NFKC (full-width punctuation and digits become
    their ASCII forms), curly quotes straightened, and no whitespace at all (the texts wrap and
    space words arbitrarily: 第一章  总  则)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text).translate(_QUOTES))


def _with_texts(sources: tuple[Source, ...], files: _PackFiles) -> tuple[Source, ...]:
    """The pack's sources with source.yaml's text file and publication attached."""
    root, problems = files.root, files.problems
    if not (root / SOURCE_YAML).is_file():
        return sources  # a pack author's draft: citations cannot be verified (packs validate says so)
    data = files.read(SOURCE_YAML, "source")
    if data is None:
        return sources
    file = f"{files.label}/{SOURCE_YAML}"
    by_id = {s.id: s for s in sources}
    out = dict(by_id)
    for i, t in enumerate(data["texts"]):
        src = by_id.get(t["source"])
        where = f"/texts/{i}"
        if src is None:
            problems.append(Problem(file, f"{where}/source", f"pack.yaml has no source {t['source']!r}"))
            continue
        if t["title"] != src.title:
            problems.append(Problem(file, f"{where}/title", f"title {t['title']!r} differs from pack.yaml's {src.title!r}"))
        if src.number and t.get("number", "") != src.number:
            problems.append(Problem(file, f"{where}/number", f"文号 {t.get('number', '')!r} differs from pack.yaml's {src.number!r}"))
        if not (root / t["file"]).is_file():
            problems.append(Problem(file, f"{where}/file", f"no file {t['file']!r} beside source.yaml"))
            continue
        out[src.id] = replace(src, text_file=t["file"], published=t["published"])
    return tuple(out[s.id] for s in sources)


def read_source_text(root: Traversable, src: Source) -> str:
    """The regulation's text as shipped in the pack folder ("" when the pack ships none)."""
    if not src.text_file:
        return ""
    raw = (root / src.text_file).read_bytes()
    if len(raw) > MAX_TEXT_BYTES:
        raise PackError(f"larger than {MAX_TEXT_BYTES // 1024 // 1024} MiB", path=src.text_file)
    return raw.decode("utf-8-sig")


@cache
def source_text(pack_id: str, source_id: str) -> str:
    """An installed pack's regulation text (source.txt, read with importlib.resources)."""
    pack = load_pack(pack_id)
    return read_source_text(pack_root(pack_id), pack.source(source_id))


def article_headings(text: str) -> frozenset[str]:
    """The articles (第十五条) and annexes (附件2, 附表1) that start a line of the text."""
    return frozenset(re.sub(r"\s+", "", m.group(1)) for m in _HEADING().finditer(text))


def _all_citations(documents: Iterable[Document], stages: Iterable[Stage], rules: Iterable[Rule]) -> Iterable[tuple[str, str, Citation]]:
    """(file, place, citation) for every citation of the pack."""
    for d in documents:
        file = f"documents/{d.id}.yaml"
        for c in d.citations:
            yield file, "/citations", c
        for path, s in d.walk():
            for c in s.citations:
                yield file, f"section {s.id} ({'/'.join(path)})", c
    for st in stages:
        file = f"stages/{st.id}.yaml"
        for c in st.citations:
            yield file, "/citations", c
        for m in st.materials:
            for c in m.citations:
                yield file, f"material {m.id}", c
    for r in rules:
        for c in r.citations:
            yield "rules.yaml", f"rule {r.id}", c


def text_problems(sources: tuple[Source, ...], root: Traversable, label: str, documents: Iterable[Document],
                  stages: Iterable[Stage], rules: Iterable[Rule]) -> list[Problem]:
    """Citations to an article the text does not have (第九十九条), quotes not found in it."""
    texts: dict[str, tuple[str, frozenset[str]]] = {}
    problems: list[Problem] = []
    for src in sources:
        if not src.text_file:
            continue
        try:
            raw = read_source_text(root, src)
        except (OSError, UnicodeDecodeError, PackError) as exc:
            problems.append(Problem(f"{label}/{src.text_file}", "", f"unreadable regulation text: {exc}"))
            continue
        texts[src.id] = (normalise_text(raw), article_headings(raw))
    if not texts:
        return problems
    for file, where, c in _all_citations(documents, stages, rules):
        if c.source not in texts:
            continue
        text, heads = texts[c.source]
        article = re.sub(r"\s+", "", c.article)
        known = article in heads if _ARTICLE().fullmatch(article) else normalise_text(article) in text
        if not known:
            problems.append(Problem(f"{label}/{file}", where, f"cites {c.render()}, which the regulation's text does not have"))
        elif normalise_text(c.quote) not in text:
            problems.append(Problem(f"{label}/{file}", where, f"quote not found in the regulation's text: «{c.quote[:60]}»"))
    return problems


def _probes(example: str) -> list[str]:
    """Long near-misses of an example: where a backtracking pattern shows itself at validation
    (each run is still time-limited when a check meets a real name)."""
    body = example * 8 or "a"
    return [body + "!", body[:1] * 64 + "!"]
