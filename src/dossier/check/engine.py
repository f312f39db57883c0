"""The one engine: ingest → parse → classify → match → extract → rules → report.

Checks yield bare gaps (dossier.check.rules.Gap); only `_finding` here turns a gap
into a Finding with severity, citations and location. One bad file never sinks the
dossier: it becomes a finding and the rest is checked.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dossier import __version__
from dossier.check import extract as fx
from dossier.check.classify import Classification, classify, evidence_for, other_stage_document
from dossier.check.match import SectionMatch, match_outline, out_of_order
from dossier.check.readers import is_placeholder, read_text, read_xlsx
from dossier.check.rules import Gap, run_rules
from dossier.codes import BY_CODE, message
from dossier.conditions import describe, evaluate
from dossier.errors import DossierError
from dossier.facts import fact_titles, to_jsonable
from dossier.model import Citation, Document, Material, Pack, Stage
from dossier.packs import pack_header
from dossier.report import Finding, Loc, sort_key, summarise
from dossier.tree import DocumentTree

PARSEABLE = {"docx", "pdf", "ole", "wps"}
LOW_OCR_CONFIDENCE = 0.8
VIOLATIONS = frozenset({"DOS-R001", "DOS-R002", "DOS-R003", "DOS-R004", "DOS-R005"})


@dataclass(frozen=True)
class CheckOptions:
    ocr: bool = True
    as_of: dt.date | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: Mapping[str, str] = field(default_factory=dict)
    """Per-code severity overrides (config, not the check, decides severity)."""


@dataclass(frozen=True)
class ParsedFile:
    display: str
    kind: str
    status: str  # parsed | unreadable | no-text | placeholder | skipped
    tree: DocumentTree | None = None
    reason: str = ""
    code: str = ""  # the finding code for a file-level problem


DOCUMENT_EXTS = frozenset({"docx", "docm", "doc", "wps", "pdf", "xlsx"})


def parse_one(display: str, path: Path, kind: str, *, ocr: bool = True) -> ParsedFile:
    """Parse one ingested file; never raises for bad input."""
    from dossier.parse import parse_file, sniff

    ext = display.rsplit(".", 1)[-1].lower() if "." in display.rsplit("/", 1)[-1] else ""
    try:
        if kind == "empty":
            return ParsedFile(display, kind, "unreadable", reason="0 字节的空文件", code="DOS-P002")
        if kind in PARSEABLE:
            tree = parse_file(path, ocr=ocr)
            tree = DocumentTree(**{**tree.__dict__, "path": display})
        elif kind == "rtf":
            from dossier.parse.convert import parse_via_libreoffice

            tree = parse_via_libreoffice(path)
            tree = DocumentTree(**{**tree.__dict__, "path": display})
        elif kind == "xlsx":
            tree = read_xlsx(path, display)
        elif ext in DOCUMENT_EXTS:
            # An impostor (HTML or text saved as .docx/.pdf): say what it really is.
            sniff(path)
            return ParsedFile(display, kind, "unreadable", reason=f"不是 .{ext} 文件（{kind}）", code="DOS-P002")
        elif kind == "text":
            tree = read_text(path, display)
        else:
            return ParsedFile(display, kind, "skipped", reason=f"{kind}：仅按文件名识别")
    except DossierError as exc:
        return ParsedFile(display, kind, "unreadable", reason=exc.reason, code="DOS-P002")
    except MemoryError:
        return ParsedFile(display, kind, "unreadable", reason="内存不足（文件过大或结构异常）", code="DOS-P003")
    except Exception as exc:  # a parser bug on hostile input must cost one file, not the dossier
        return ParsedFile(display, kind, "unreadable", reason=f"{type(exc).__name__}: {exc}"[:300], code="DOS-P002")
    no_text = [w for w in tree.warnings if w.startswith("no-text-layer")]
    if no_text and not any(True for _ in tree.walk()) and not tree.preamble:
        return ParsedFile(display, kind, "no-text", tree, reason=no_text[0].partition(":")[2].strip() or "扫描件",
                          code="DOS-P001")
    if is_placeholder(tree):
        return ParsedFile(display, kind, "placeholder", tree)
    return ParsedFile(display, kind, "parsed", tree)


def file_gap(code: str, display: str, reason: str) -> Gap:
    """A finding about one file as a whole (unreadable, refused, no text layer)."""
    return Gap(code, "", {"file": display, "reason": reason}, file=display)


def ingest_and_parse(path: Path, workdir: Path, *, ocr: bool = True) -> tuple[list[ParsedFile], list[Gap]]:
    from dossier.ingest import ingest

    result = ingest(path, workdir)
    gaps = [file_gap(p.code, p.display, p.reason) for p in result.problems]
    parsed = [parse_one(f.display, f.path, f.kind, ocr=ocr) for f in result.files]
    return parsed, gaps


def check_path(
    path: Path, pack: Pack, stage_id: str, given: Mapping[str, Any], options: CheckOptions = CheckOptions()
) -> dict[str, Any]:
    """Check a file, folder or zip. The work happens in a temporary directory."""
    with tempfile.TemporaryDirectory(prefix="dossier-") as tmp:
        parsed, gaps = ingest_and_parse(path, Path(tmp), ocr=options.ocr)
        return check_parsed(parsed, gaps, path.name, pack, stage_id, given, options)


# -- the engine ---------------------------------------------------------------------------


@dataclass
class _Run:
    pack: Pack
    stage: Stage
    given: Mapping[str, Any]
    options: CheckOptions
    gaps: list[Gap] = field(default_factory=list)
    citations: dict[str, tuple[Citation, ...]] = field(default_factory=dict)
    severities: dict[str, str] = field(default_factory=dict)


def check_parsed(
    parsed: Sequence[ParsedFile],
    ingest_gaps: Iterable[Gap],
    input_name: str,
    pack: Pack,
    stage_id: str,
    given: Mapping[str, Any],
    options: CheckOptions = CheckOptions(),
) -> dict[str, Any]:
    stage = pack.stage(stage_id)
    run = _Run(pack, stage, given, options, gaps=list(ingest_gaps))
    titles = fact_titles(pack)

    run.gaps += _file_gaps(parsed)
    assigned = _classify(pack, stage, parsed)
    for p in parsed:
        cl = assigned[p.display]
        if cl.material is None and cl.how != "material-list":
            other = other_stage_document(pack, stage, evidence_for(p.display, p.tree))
            if other is not None:
                run.gaps.append(Gap("DOS-M005", other.id, {"file": p.display, "title": other.title}, file=p.display))
            else:
                run.gaps.append(Gap("DOS-M004", "", {"file": p.display}, file=p.display))

    # Facts: documents of this stage first (outlined ones lead), given facts win.
    def outlined_first(p: ParsedFile) -> tuple[int, str]:
        m = assigned[p.display].material
        return (0 if m is not None and m.document else 1, p.display)

    ordered = sorted(parsed, key=outlined_first)
    found: list[fx.Extracted] = []
    per_doc: dict[str, list[fx.Extracted]] = {}
    for p in ordered:
        if p.tree is not None and p.status == "parsed":
            ex = fx.extract(p.tree, p.display)
            found += ex
            per_doc[p.display] = ex
    extracted = fx.merge(found)
    facts: dict[str, Any] = {k: e.value for k, e in extracted.items()}
    facts.update(given)
    for name, e in extracted.items():
        if name in given and not fx.same_value(given[name], e.value):
            run.gaps.append(Gap("DOS-F001", f"fact:{name}", {"title": titles.get(name, name),
                                "reason": f"给定 {to_jsonable(given[name])}，{e.file} 中为 {to_jsonable(e.value)}"},
                                file=e.file, page=e.location.page, paragraph=e.location.paragraph))

    materials_out, doc_files = _materials(run, parsed, assigned, facts, titles)
    documents_out = []
    for m, p in doc_files:
        doc = pack.document(m.document)
        documents_out.append(_check_document(run, doc, p, facts, titles))

    run.gaps += _consistency(pack, stage, per_doc, assigned, titles)
    stage_rules = pack.rules_for(stage.id)
    for r in stage_rules:
        run.citations[r.id] = r.citations
        if r.severity:
            run.severities[r.id] = r.severity
    run.gaps += run_rules(stage_rules, facts, titles)

    findings = sorted({_finding(run, g) for g in run.gaps if _selected(g.code, options)}, key=sort_key)
    facts_out = {
        k: ({"value": to_jsonable(v), "source": "given"} if k in given else
            {"value": to_jsonable(v), "source": "extracted", "evidence": extracted[k].evidence()})
        for k, v in sorted(facts.items())
    }
    files_out = [_file_json(p, assigned[p.display]) for p in parsed]
    report: dict[str, Any] = {
        "tool": {"name": "dossier", "version": __version__},
        "pack": pack_header(pack),
        "jurisdiction": pack.id,
        "stage": stage.id,
        "stage_title": stage.title,
        "as_of": (options.as_of or dt.date.today()).isoformat(),
        "input": input_name,
        "facts": facts_out,
        "files": files_out,
        "documents": documents_out,
        "materials": materials_out,
        "findings": [f.as_dict() for f in findings],
    }
    report["summary"] = summarise(findings, materials_out, documents_out)
    return report


def _selected(code: str, options: CheckOptions) -> bool:
    slug = BY_CODE[code].slug

    def hit(sel: str) -> bool:
        s = sel.strip()
        return code.startswith(s.upper()) or slug == s.lower()

    if options.select and not any(hit(s) for s in options.select):
        return False
    return not any(hit(s) for s in options.ignore)


def _finding(run: _Run, g: Gap) -> Finding:
    code = BY_CODE[g.code]
    # A pack's rule severity applies to breaking the rule, not to "cannot verify" or notices.
    rule_sev = run.severities.get(g.requirement) if g.code in VIOLATIONS else None
    severity = run.options.severity.get(g.code) or run.options.severity.get(code.slug) or rule_sev or code.severity
    cites = run.citations.get(g.requirement, ())
    return Finding(
        code=g.code,
        severity=severity,
        message=message(g.code, **g.fields),
        requirement=g.requirement,
        location=Loc(file=g.file, document=g.document, section=g.section, page=g.page, paragraph=g.paragraph),
        citations=tuple(c.as_dict() for c in cites),
    )


def _file_gaps(parsed: Sequence[ParsedFile]) -> Iterator[Gap]:
    for p in parsed:
        if p.code:
            yield file_gap(p.code, p.display, p.reason)
        if p.tree is not None and p.tree.ocr and p.tree.ocr_confidence is not None and p.tree.ocr_confidence < LOW_OCR_CONFIDENCE:
            yield file_gap("DOS-P004", p.display, f"{p.tree.ocr_confidence:.2f}")


def _classify(pack: Pack, stage: Stage, parsed: Sequence[ParsedFile]) -> dict[str, Classification]:
    return {p.display: classify(pack, stage, evidence_for(p.display, p.tree)) for p in parsed}


def _file_json(p: ParsedFile, cl: Classification) -> dict[str, Any]:
    d: dict[str, Any] = {"path": p.display, "format": p.tree.format if p.tree else p.kind, "status": p.status,
                         "material": cl.material.id if cl.material else None,
                         "document": cl.material.document or None if cl.material else None}
    if p.tree is not None:
        d["title"] = p.tree.title
        d["pages"] = p.tree.pages
    if p.reason:
        d["reason"] = p.reason
    return d


def _materials(
    run: _Run, parsed: Sequence[ParsedFile], assigned: Mapping[str, Classification], facts: Mapping[str, Any],
    titles: Mapping[str, str],
) -> tuple[list[dict[str, Any]], list[tuple[Material, ParsedFile]]]:
    out: list[dict[str, Any]] = []
    doc_files: list[tuple[Material, ParsedFile]] = []
    for m in run.stage.materials:
        run.citations[m.id] = m.citations
        files = sorted((p for p in parsed if assigned[p.display].material is m),
                       key=lambda p: (-assigned[p.display].score, p.display))
        real = [p for p in files if p.status != "placeholder"]
        needed = evaluate(m.when, facts)
        reason = ""
        placeholder = bool(files) and not real
        if needed is False:
            status = "not-required"
            reason = f"不适用：{describe(m.when, titles)}" + (f"（{m.condition_text}）" if m.condition_text else "")
        elif m.verify == "manual":
            status = "manual-review"
            reason = "文件无法证明，需人工核验" + (f"：{m.condition_text}" if m.condition_text else "")
            run.gaps.append(Gap("DOS-M002", m.id, {"title": m.title, "reason": reason}))
        elif real:
            status = "present"
        elif placeholder:
            status = "missing"
            run.gaps.append(Gap("DOS-M003", m.id, {"title": m.title, "file": files[0].display}, file=files[0].display))
        elif needed is None:
            status = "manual-review"
            reason = f"是否需要取决于：{describe(m.when, titles)}" + (f"（{m.condition_text}）" if m.condition_text else "")
            run.gaps.append(Gap("DOS-M002", m.id, {"title": m.title, "reason": reason}))
        else:
            status = "missing"
            run.gaps.append(Gap("DOS-M001", m.id, {"title": m.title}))
        entry: dict[str, Any] = {"id": m.id, "title": m.title, "status": status, "files": [p.display for p in files],
                                 "citations": [c.as_dict() for c in m.citations]}
        if placeholder:
            entry["placeholder"] = True
        if reason:
            entry["reason"] = reason
        out.append(entry)
        if m.document and files and needed is not False:
            readable = [p for p in files if p.tree is not None and p.status in ("parsed", "placeholder")]
            if readable:
                doc_files.append((m, readable[0]))
    return out, doc_files


def _check_document(run: _Run, doc: Document, p: ParsedFile, facts: Mapping[str, Any],
                    titles: Mapping[str, str]) -> dict[str, Any]:
    assert p.tree is not None
    if doc.kind == "report":
        matches = match_outline(doc.sections, p.tree.headings)
        if doc.outline == "full":
            position = {id(h): i for i, h in enumerate(p.tree.walk())}
            for mt in out_of_order(matches, position):
                assert mt.heading is not None
                run.gaps.append(Gap("DOS-S005", f"{doc.id}/{mt.section.id}", {"document": doc.title, "title": mt.section.title},
                                    file=p.display, document=doc.id, section=" › ".join(mt.path),
                                    page=mt.heading.location.page, paragraph=mt.heading.location.paragraph))
    else:
        matches = _match_form(doc, p.tree)
    sections_out = []
    missing_paths: list[tuple[str, ...]] = []
    for mt in matches:
        s = mt.section
        req = f"{doc.id}/{s.id}"
        run.citations[req] = s.citations
        needed = evaluate(s.when, facts)
        where = " › ".join(mt.path)
        entry: dict[str, Any] = {"id": s.id, "path": list(mt.path), "title": s.title}
        if mt.heading is not None:
            h = mt.heading
            entry["matched"] = {"title": h.title, "label": h.label, "location": h.location.as_dict(),
                                "score": round(mt.score, 1)}
            loc: dict[str, Any] = {"file": p.display, "document": doc.id, "section": where,
                                   "page": h.location.page, "paragraph": h.location.paragraph}
            if mt.ambiguous_with:
                entry["status"] = "manual-review"
                run.gaps.append(Gap("DOS-S003", req, {"document": doc.title, "title": s.title,
                                                      "reason": f"“{h.title}”也接近“{mt.ambiguous_with}”"}, **loc))
            elif h.has_content():
                entry["status"] = "present"
            else:
                entry["status"] = "empty"
                if not any(c.heading is not None for c in _children(mt, matches)):
                    run.gaps.append(Gap("DOS-S002", req, {"document": doc.title, "title": s.title}, **loc))
        elif _child_present(mt, matches):
            entry["status"] = "present"  # flat document: items are there without the chapter heading
        elif needed is False:
            entry["status"] = "not-required"
        else:
            entry["status"] = "missing"
            if any(mt.path[: len(mp)] == mp for mp in missing_paths):
                pass  # reported with its missing parent
            elif needed is None or s.optional:
                run.gaps.append(Gap("DOS-S004", req, {"document": doc.title, "title": s.title,
                                                      "reason": s.condition_text or describe(s.when, titles)},
                                    file=p.display, document=doc.id, section=where))
            else:
                missing_paths.append(mt.path)
                run.gaps.append(Gap("DOS-S001", req, {"document": doc.title, "title": s.title},
                                    file=p.display, document=doc.id, section=where))
        sections_out.append(entry)
    return {"path": p.display, "type": doc.id, "title": doc.title, "sections": sections_out}


def _children(mt: SectionMatch, matches: Sequence[SectionMatch]) -> list[SectionMatch]:
    n = len(mt.path)
    return [m for m in matches if len(m.path) > n and m.path[:n] == mt.path]


def _child_present(mt: SectionMatch, matches: Sequence[SectionMatch]) -> bool:
    return any(c.heading is not None for c in _children(mt, matches))


# -- forms and tables ------------------------------------------------------------------------


def _match_form(doc: Document, tree: DocumentTree) -> list[SectionMatch]:
    """Form fields / table rows are found as cell labels in the document's tables."""
    from dossier.check.normalise import key
    from dossier.tree import Block, Heading, Location

    tables: list[Block] = [b for b in tree.preamble if b.kind == "table"]
    for h in tree.walk():
        tables += [b for b in h.blocks if b.kind == "table"]
    texts: list[tuple[str, str, Location]] = []  # (label key, value text, location)

    def cells(rows: Sequence[Sequence[str]], loc: Location) -> None:
        for r, row in enumerate(rows):
            for c, cell in enumerate(row):
                if "\n" in cell or "\t" in cell:
                    # The parser flattens a nested table (a change list inside a form) into
                    # lines of tab-separated cells: read it as a table of its own.
                    cells([line.split("\t") for line in cell.split("\n")], loc)
                k = key(cell)
                if not k:
                    continue
                right = next((x for x in row[c + 1:] if x.strip() and key(x) != k), "")
                below = rows[r + 1][c] if r + 1 < len(rows) and c < len(rows[r + 1]) else ""
                texts.append((k, right or below, loc))

    for t in tables:
        cells(t.rows, t.location)
    # Headings and plain lines can carry field labels too ("项目名称：××").
    for h in tree.walk():
        texts.append((key(h.title), h.text(), h.location))
    for b in tree.preamble:
        if b.kind == "text" and not b.placeholder:
            label, _, value = b.text.partition("：")
            texts.append((key(label), value, b.location))

    out: list[SectionMatch] = []
    used: set[int] = set()
    for path, s in doc.walk():
        names = [key(n) for n in (s.title, *s.aliases)]
        hit = None
        for i, (k, value, loc) in enumerate(texts):
            if i in used:
                continue
            if k in names or any(len(n) >= 4 and n in k and len(n) / max(len(k), 1) >= 0.6 for n in names):
                hit = (i, value, loc)
                break
        if hit is None:
            out.append(SectionMatch(s, path, None))
            continue
        used.add(hit[0])
        filled = (Block(kind="text", text=hit[1]),) if hit[1].strip() or doc.kind == "table" else ()
        heading = Heading(title=s.title, label="", level=s.level, location=hit[2], blocks=filled, signals=("table-cell",))
        out.append(SectionMatch(s, path, heading, 100.0, "cell"))
    return out


def _consistency(pack: Pack, stage: Stage, per_doc: Mapping[str, list[fx.Extracted]],
                 assigned: Mapping[str, Classification], titles: Mapping[str, str]) -> Iterator[Gap]:
    for rule in pack.rules_for(stage.id):
        if rule.kind != "consistency":
            continue
        name = rule.params["fact"]
        wanted = set(rule.params.get("documents", ()))
        seen: dict[str, fx.Extracted] = {}
        for display, found in per_doc.items():
            m = assigned[display].material
            if wanted and (m is None or m.document not in wanted):
                continue
            first = next((e for e in found if e.name == name), None)
            if first is not None:
                seen[display] = first
        values = list(seen.values())
        if len(values) >= 2 and any(not fx.same_value(values[0].value, v.value) for v in values[1:]):
            detail = "；".join(f"{e.file}：{to_jsonable(e.value)}" for e in values)
            yield Gap("DOS-R005", rule.id, {"title": rule.title or titles.get(name, name), "reason": detail},
                      file=values[1].file, page=values[1].location.page, paragraph=values[1].location.paragraph)
