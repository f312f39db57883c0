"""The one engine: ingest → parse → classify → extract → the registered checks → report.

The engine only orchestrates: it builds one frozen `CheckContext`, runs every kind of
`dossier.check.kinds.KINDS` over the requirements of its scope, and turns each bare gap into a
Finding with code, severity, citations and location (`_finding`). One bad file never sinks
the dossier: it becomes a finding and the rest is checked.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dossier.check.context import CheckContext, CheckOptions, ParsedFile
from dossier.check.kinds import REGISTRY, SCOPES, Kind, kinds_in, require_known_kinds
from dossier.check.kinds import materials as material_kind
from dossier.check.kinds import outline as outline_kind
from dossier.check.kinds.files import file_gap
from dossier.check.readers import is_placeholder
from dossier.check.rules import Gap, scope_exclusion
from dossier.codes import BY_CODE, message
from dossier.errors import DossierError
from dossier.facts import fact_titles, to_jsonable
from dossier.model import Citation, Pack, Stage
from dossier.report import FileResult, Finding, Loc, Report, header, sort_key
from dossier.tree import DocumentTree

if TYPE_CHECKING:
    from dossier.check.classify import Classification
    from dossier.check.extract import Extracted

__all__ = ["CheckContext", "CheckOptions", "ParsedFile", "check_parsed", "check_path", "file_gap",
           "ingest_and_parse", "parse_one"]

DEFAULT_OPTIONS = CheckOptions()
DOCUMENT_EXTS = frozenset({"docx", "docm", "doc", "wps", "pdf", "xlsx", "ofd", "xls", "et"})


def parse_one(display: str, path: Path, kind: str, *, ocr: bool = True) -> ParsedFile:
    """Parse one ingested file with the parser its kind names (dossier.parse.PARSERS); never
    raises for bad input."""
    from dossier.ingest import FileKind
    from dossier.parse import PARSERS, sniff

    ext = display.rsplit(".", 1)[-1].lower() if "." in display.rsplit("/", 1)[-1] else ""
    fk = FileKind(kind) if kind in FileKind.__members__.values() else FileKind.UNKNOWN
    parser = PARSERS.get(fk)
    try:
        if fk is FileKind.EMPTY:
            return ParsedFile(display, kind, "unreadable", reason="0 字节的空文件", code="DOS-P002")
        if parser is not None and (fk.is_document or ext not in DOCUMENT_EXTS):
            tree = parser(path, display, ocr)
        elif ext in DOCUMENT_EXTS:
            # An impostor (HTML or text saved as .docx/.pdf): say what it really is.
            sniff(path)
            return ParsedFile(display, kind, "unreadable", reason=f"不是 .{ext} 文件（{kind}）", code="DOS-P002")
        else:
            return ParsedFile(display, kind, "skipped", reason=f"{kind}：仅按文件名识别")
    except DossierError as exc:
        from dossier.parse.limits import LimitExceeded

        code = "DOS-P003" if isinstance(exc, LimitExceeded) else "DOS-P002"  # refused by a parse cap: a limit
        return ParsedFile(display, kind, "unreadable", reason=exc.reason, code=code)
    except MemoryError:
        return ParsedFile(display, kind, "unreadable", reason="内存不足（文件过大或结构异常）", code="DOS-P003")
    except Exception as exc:  # a parser bug on hostile input must cost one file, not the dossier
        return ParsedFile(display, kind, "unreadable", reason=f"{type(exc).__name__}: {exc}"[:300], code="DOS-P002")
    return _verdict(display, kind, tree)


def _verdict(display: str, kind: str, tree: DocumentTree) -> ParsedFile:
    no_text = [w for w in tree.warnings if w.startswith("no-text-layer")]
    if no_text and not any(True for _ in tree.walk()) and not tree.preamble:
        return ParsedFile(display, kind, "no-text", tree, reason=no_text[0].partition(":")[2].strip() or "扫描件",
                          code="DOS-P001")
    if is_placeholder(tree):
        return ParsedFile(display, kind, "placeholder", tree)
    return ParsedFile(display, kind, "parsed", tree)


def documents_of(first: ParsedFile, path: Path, ocr: bool) -> list[ParsedFile]:
    """A file as the documents it holds: an OFD package of several gives one each."""
    if first.kind != "ofd":
        return [first]  # the OFD reader (and the PDF one it imports) only for an OFD
    from dossier.parse.ofd import more_documents

    return [first, *more_documents(first, path, ocr=ocr)]


def ingest_and_parse(path: Path, workdir: Path, *, ocr: bool = True) -> tuple[list[ParsedFile], list[Gap]]:
    from dossier.ingest import ingest

    result = ingest(path, workdir)
    gaps = [file_gap(p.code, p.display, p.reason) for p in result.problems]
    parsed = [p for f in result.files for p in documents_of(parse_one(f.display, f.path, f.kind.value, ocr=ocr),
                                                              f.path, ocr)]
    return parsed, gaps


def check_path(
    path: Path, pack: Pack, stage_id: str, given: Mapping[str, Any], options: CheckOptions = DEFAULT_OPTIONS
) -> Report:
    """Check a file, folder or zip. The work happens in a temporary directory."""
    with tempfile.TemporaryDirectory(prefix="dossier-") as tmp:
        parsed, gaps = ingest_and_parse(path, Path(tmp), ocr=options.ocr)
        return check_parsed(parsed, gaps, path.name, pack, stage_id, given, options)


# -- the engine ---------------------------------------------------------------------------


def check_parsed(
    parsed: Sequence[ParsedFile],
    ingest_gaps: Iterable[Gap],
    input_name: str,
    pack: Pack,
    stage_id: str,
    given: Mapping[str, Any],
    options: CheckOptions = DEFAULT_OPTIONS,
) -> Report:
    """Check parsed files against a stage of a pack; `ingest_gaps` are file problems found before parsing."""
    require_known_kinds(pack)
    try:
        stage = pack.stage(stage_id)
    except KeyError as exc:
        raise DossierError(str(exc.args[0])) from None
    ctx = build_context(parsed, pack, stage, given, options)
    excluded = scope_exclusion(pack.rules_for(stage.id), ctx.facts)
    tagged: list[tuple[Kind | None, Gap]]
    if excluded is not None:
        # Out of the regulation's scope (连平 第五条 涉密, 武汉 第三条 会议系统): one finding that
        # says so, no material, section or rule verdicts against a regulation that does not apply.
        tagged = [(REGISTRY["scope"], excluded)]
    else:
        tagged = [(None, g) for g in ingest_gaps]
        tagged += run_kinds(ctx)
    citations, severities = _citations(ctx), _rule_severities(ctx)
    findings = dict.fromkeys(_finding(ctx, kind, g, citations, severities)
                             for kind, g in tagged if _selected(g.code, options))
    return _report(ctx, input_name, sorted(findings, key=sort_key), excluded=excluded is not None)


def build_context(parsed: Sequence[ParsedFile], pack: Pack, stage: Stage, given: Mapping[str, Any],
                  options: CheckOptions) -> CheckContext:
    """Classify every file, extract facts (documents of this stage first, outlined ones
    leading; given facts win) and freeze it all for the checks."""
    import datetime as dt

    assigned = _classified(parsed, pack, stage)
    per_file, extracted = _extract_facts(parsed, assigned, pack)
    facts: dict[str, Any] = {k: e.value for k, e in extracted.items()}
    facts.update(given)
    return CheckContext(pack=pack, stage=stage, given=dict(given), facts=facts, extracted=extracted,
                        per_file_facts=per_file, files=tuple(parsed), assigned=assigned, titles=fact_titles(pack),
                        options=options, as_of=options.as_of or dt.date.today())


def _classified(parsed: Sequence[ParsedFile], pack: Pack, stage: Stage) -> dict[str, Classification]:
    """Which material each file is. The classifier, the matcher and the extractor (rapidfuzz,
    their tables and patterns: ~0.03 s to import) are loaded by the work that uses them, so a
    dossier with no file to read (an empty folder) does without them."""
    if not parsed:
        return {}
    from dossier.check.classify import classify, evidence_for

    return {p.display: classify(pack, stage, evidence_for(p.display, p.tree)) for p in parsed}


def _extract_facts(parsed: Sequence[ParsedFile], assigned: Mapping[str, Classification],
                   pack: Pack) -> tuple[dict[str, tuple[Extracted, ...]], dict[str, Extracted]]:
    """The facts each readable file states, and the first value of each fact over them all."""
    def outlined_first(p: ParsedFile) -> tuple[int, str]:
        m = assigned[p.display].material
        return (0 if m is not None and m.document else 1, p.display)

    readable = [(p.display, p.tree) for p in sorted(parsed, key=outlined_first)
                if p.tree is not None and p.status == "parsed"]
    if not readable:
        return {}, {}  # nothing to read: the extractor and its patterns (15 regexes) are not loaded
    from dossier.check import extract as fx

    patterns = fx.pack_patterns(pack)
    per_file = {display: tuple(fx.extract(tree, display, patterns)) for display, tree in readable}
    return per_file, fx.merge([e for found in per_file.values() for e in found])


def requirements(ctx: CheckContext, kind: Kind) -> Sequence[Any]:
    """What the kind checks: every file / fact / material of the stage, or the documents and
    rules of the stage whose `kind` names it."""
    if kind.scope == "file":
        return ctx.files
    if kind.scope == "fact":
        return list(ctx.extracted)
    if kind.scope == "material":
        return ctx.stage.materials
    if kind.scope == "document":
        return [df for df in outline_kind.document_files(ctx) if df.document.kind == kind.name]
    return [r for r in ctx.pack.rules_for(ctx.stage.id) if r.kind == kind.name]


def run_kinds(ctx: CheckContext) -> Iterator[tuple[Kind, Gap]]:
    """Every registered kind over its requirements, scope by scope, in the table's order."""
    for scope in SCOPES:
        for kind in kinds_in(scope):
            for req in requirements(ctx, kind):
                for gap in kind.check(ctx, req):
                    if gap.code not in kind.codes:
                        raise RuntimeError(f"check kind {kind.name!r} emitted {gap.code}, which it does not declare")
                    yield kind, gap


def _citations(ctx: CheckContext) -> dict[str, tuple[Citation, ...]]:
    """Requirement id → the articles it cites: materials, the sections of checked documents, rules."""
    out: dict[str, tuple[Citation, ...]] = {m.id: m.citations for m in ctx.stage.materials}
    for df in outline_kind.document_files(ctx):
        for _, s in df.document.walk():
            out[f"{df.document.id}/{s.id}"] = s.citations
    for r in ctx.pack.rules_for(ctx.stage.id):
        out[r.id] = r.citations
    return out


def _rule_severities(ctx: CheckContext) -> dict[str, str]:
    return {r.id: r.severity for r in ctx.pack.rules_for(ctx.stage.id) if r.severity}


def _selected(code: str, options: CheckOptions) -> bool:
    slug = BY_CODE[code].slug

    def hit(sel: str) -> bool:
        s = sel.strip()
        return code.startswith(s.upper()) or slug == s.lower()

    if options.select and not any(hit(s) for s in options.select):
        return False
    return not any(hit(s) for s in options.ignore)


def _finding(ctx: CheckContext, kind: Kind | None, g: Gap, citations: Mapping[str, tuple[Citation, ...]],
             severities: Mapping[str, str]) -> Finding:
    code = BY_CODE[g.code]
    # Whether the pack's declared severity applies is the kind's declaration (Kind.pack_severity).
    pack_sev = severities.get(g.requirement) if kind is not None and g.code in kind.pack_severity else None
    override = ctx.options.severity
    severity = override.get(g.code) or override.get(code.slug) or pack_sev or code.severity
    return Finding(
        code=g.code,
        severity=severity,
        message=message(g.code, **g.fields),
        requirement=g.requirement,
        location=Loc(file=g.file, document=g.document, section=g.section, page=g.page, paragraph=g.paragraph),
        citations=tuple(c.as_dict() for c in citations.get(g.requirement, ())),
    )


# -- the report ----------------------------------------------------------------------------


def _report(ctx: CheckContext, input_name: str, findings: Sequence[Finding], *, excluded: bool = False) -> Report:
    head = header(ctx.pack, jurisdiction=ctx.pack.id, stage=ctx.stage.id, stage_title=ctx.stage.title,
                  as_of=ctx.as_of, input_name=input_name)
    documents = [] if excluded else [outline_kind.assess(ctx, df).result for df in outline_kind.document_files(ctx)]
    materials = [] if excluded else [material_kind.assess(ctx, m).result for m in ctx.stage.materials]
    return Report.build(head, _facts_json(ctx), [_file_result(ctx, p) for p in ctx.files], documents, materials,
                        findings)


def _facts_json(ctx: CheckContext) -> dict[str, dict[str, Any]]:
    return {
        k: ({"value": to_jsonable(v), "source": "given"} if k in ctx.given else
            {"value": to_jsonable(v), "source": "extracted", "evidence": ctx.extracted[k].evidence()})
        for k, v in sorted(ctx.facts.items())
    }


def _file_result(ctx: CheckContext, p: ParsedFile) -> FileResult:
    m = ctx.assigned[p.display].material
    tree = p.tree
    return FileResult(p.display, tree.format if tree else p.kind, p.status, m.id if m else None,
                      (m.document or None) if m else None, tree is not None, tree.title if tree else "",
                      tree.pages if tree else None, p.reason)
