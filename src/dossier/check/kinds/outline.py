"""Document-scope checks: the sections of an outlined document (report chapters, form fields,
table rows) matched against the file that holds it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from dossier.check.context import CheckContext, DocumentFile
from dossier.check.kinds import materials
from dossier.check.match import SectionMatch, match_outline, out_of_order
from dossier.check.rules import Gap
from dossier.conditions import describe, evaluate
from dossier.model import Document
from dossier.report import DocumentResult, SectionResult
from dossier.tree import Block, DocumentTree, Heading, Location


@dataclass(frozen=True)
class DocumentVerdict:
    result: DocumentResult
    gaps: tuple[Gap, ...]


def document_files(ctx: CheckContext) -> list[DocumentFile]:
    """The outlined documents of the stage that a readable file holds, in the stage's order."""
    out = []
    for m in ctx.stage.materials:
        v = materials.assess(ctx, m)
        if not m.document or not v.files or v.needed is False:
            continue
        readable = [p for p in v.files if p.tree is not None and p.status in ("parsed", "placeholder")]
        if readable:
            out.append(DocumentFile(m, ctx.pack.document(m.document), readable[0]))
    return out


def assess(ctx: CheckContext, df: DocumentFile) -> DocumentVerdict:
    """The document's sections (for the report) and their gaps, computed once per run."""
    return ctx.remember("document", f"{df.document.id}\x00{df.file.display}", lambda: _assess(ctx, df))


def check(ctx: CheckContext, df: DocumentFile) -> Iterator[Gap]:
    yield from assess(ctx, df).gaps


def _assess(ctx: CheckContext, df: DocumentFile) -> DocumentVerdict:
    doc, p = df.document, df.file
    assert p.tree is not None
    gaps: list[Gap] = []
    if doc.kind == "report":
        matches = match_outline(doc.sections, p.tree.headings)
        if doc.outline == "full":
            gaps += _out_of_order(doc, p.display, p.tree, matches)
    else:
        matches = match_form(doc, p.tree)
    sections = []
    missing_paths: list[tuple[str, ...]] = []
    for mt in matches:
        entry, gap = _section(ctx, doc, p.display, mt, matches, missing_paths)
        sections.append(entry)
        if gap is not None:
            gaps.append(gap)
    return DocumentVerdict(DocumentResult(p.display, doc.id, doc.title, tuple(sections)), tuple(gaps))


def _out_of_order(doc: Document, display: str, tree: DocumentTree, matches: Sequence[SectionMatch]) -> Iterator[Gap]:
    position = {id(h): i for i, h in enumerate(tree.walk())}
    for mt in out_of_order(matches, position):
        assert mt.heading is not None
        yield Gap("DOS-S005", f"{doc.id}/{mt.section.id}", {"document": doc.title, "title": mt.section.title},
                  file=display, document=doc.id, section=" › ".join(mt.path),
                  page=mt.heading.location.page, paragraph=mt.heading.location.paragraph)


def _section(ctx: CheckContext, doc: Document, display: str, mt: SectionMatch, matches: Sequence[SectionMatch],
             missing_paths: list[tuple[str, ...]]) -> tuple[SectionResult, Gap | None]:
    """One section's status and gap; `missing_paths` collects required sections found missing,
    so that their missing children are reported with them, not again."""
    s = mt.section
    req = f"{doc.id}/{s.id}"
    where = " › ".join(mt.path)
    if mt.heading is not None:
        return _matched(doc, display, mt, matches)
    base = SectionResult(s.id, mt.path, s.title, "missing")
    if _child_present(mt, matches):
        return SectionResult(s.id, mt.path, s.title, "present"), None  # flat document: items without the chapter
    needed = evaluate(s.when, ctx.facts)
    if needed is False:
        return SectionResult(s.id, mt.path, s.title, "not-required"), None
    if any(mt.path[: len(mp)] == mp for mp in missing_paths):
        return base, None  # reported with its missing parent
    if needed is None or s.optional:
        return base, Gap("DOS-S004", req, {"document": doc.title, "title": s.title,
                                           "reason": s.condition_text or describe(s.when, ctx.titles)},
                         file=display, document=doc.id, section=where)
    missing_paths.append(mt.path)
    return base, Gap("DOS-S001", req, {"document": doc.title, "title": s.title},
                     file=display, document=doc.id, section=where)


def _matched(doc: Document, display: str, mt: SectionMatch,
             matches: Sequence[SectionMatch]) -> tuple[SectionResult, Gap | None]:
    s, h = mt.section, mt.heading
    assert h is not None
    req = f"{doc.id}/{s.id}"
    matched = {"title": h.title, "label": h.label, "location": h.location.as_dict(), "score": round(mt.score, 1)}
    loc: dict[str, Any] = {"file": display, "document": doc.id, "section": " › ".join(mt.path),
           "page": h.location.page, "paragraph": h.location.paragraph}
    if mt.ambiguous_with:
        gap = Gap("DOS-S003", req, {"document": doc.title, "title": s.title,
                                    "reason": f"“{h.title}”也接近“{mt.ambiguous_with}”"}, **loc)
        return SectionResult(s.id, mt.path, s.title, "manual-review", matched), gap
    if h.has_content():
        return SectionResult(s.id, mt.path, s.title, "present", matched), None
    empty = SectionResult(s.id, mt.path, s.title, "empty", matched)
    if _child_present(mt, matches):
        return empty, None
    return empty, Gap("DOS-S002", req, {"document": doc.title, "title": s.title}, **loc)


def _children(mt: SectionMatch, matches: Sequence[SectionMatch]) -> list[SectionMatch]:
    n = len(mt.path)
    return [m for m in matches if len(m.path) > n and m.path[:n] == mt.path]


def _child_present(mt: SectionMatch, matches: Sequence[SectionMatch]) -> bool:
    return any(c.heading is not None for c in _children(mt, matches))


# -- forms and tables ------------------------------------------------------------------------


def _tables(tree: DocumentTree) -> list[Block]:
    tables: list[Block] = [b for b in tree.preamble if b.kind == "table"]
    for h in tree.walk():
        tables += [b for b in h.blocks if b.kind == "table"]
    return tables


def _cell_texts(rows: Sequence[Sequence[str]], loc: Location, texts: list[tuple[str, str, Location]]) -> None:
    """(label key, value to its right or below it, location) for every labelled cell."""
    from dossier.check.normalise import key

    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            if "\n" in cell or "\t" in cell:
                # The parser flattens a nested table (a change list inside a form) into
                # lines of tab-separated cells: read it as a table of its own.
                _cell_texts([line.split("\t") for line in cell.split("\n")], loc, texts)
            k = key(cell)
            if not k:
                continue
            right = next((x for x in row[c + 1:] if x.strip() and key(x) != k), "")
            below = rows[r + 1][c] if r + 1 < len(rows) and c < len(rows[r + 1]) else ""
            texts.append((k, right or below, loc))


def _labelled_texts(tree: DocumentTree) -> list[tuple[str, str, Location]]:
    from dossier.check.normalise import key

    texts: list[tuple[str, str, Location]] = []
    for t in _tables(tree):
        _cell_texts(t.rows, t.location, texts)
    # Headings and plain lines can carry field labels too ("项目名称：××").
    for h in tree.walk():
        texts.append((key(h.title), h.text(), h.location))
    for b in tree.preamble:
        if b.kind == "text" and not b.placeholder:
            label, _, value = b.text.partition("：")
            texts.append((key(label), value, b.location))
    return texts


def _label_matches(k: str, names: Sequence[str]) -> bool:
    return k in names or any(len(n) >= 4 and n in k and len(n) / max(len(k), 1) >= 0.6 for n in names)


def match_form(doc: Document, tree: DocumentTree) -> list[SectionMatch]:
    """Form fields / table rows are found as cell labels in the document's tables."""
    from dossier.check.normalise import key

    texts = _labelled_texts(tree)
    out: list[SectionMatch] = []
    used: set[int] = set()
    for path, s in doc.walk():
        names = [key(n) for n in (s.title, *s.aliases)]
        hit = next(((i, value, loc) for i, (k, value, loc) in enumerate(texts)
                    if i not in used and _label_matches(k, names)), None)
        if hit is None:
            out.append(SectionMatch(s, path, None))
            continue
        used.add(hit[0])
        filled = (Block(kind="text", text=hit[1]),) if hit[1].strip() or doc.kind == "table" else ()
        heading = Heading(title=s.title, label="", level=s.level, location=hit[2], blocks=filled, signals=("table-cell",))
        out.append(SectionMatch(s, path, heading, 100.0, "cell"))
    return out
