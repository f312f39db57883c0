"""Document-scope checks: the sections of an outlined document (report chapters, form fields,
table rows) matched against the file that holds it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dossier.check.context import CheckContext, DocumentFile
from dossier.check.kinds import materials
from dossier.check.rules import Gap
from dossier.conditions import describe, evaluate
from dossier.model import Document
from dossier.report import DocumentResult, SectionResult
from dossier.tree import DocumentTree

if TYPE_CHECKING:  # the matcher (and rapidfuzz) loads only when a file holds an outlined document
    from dossier.check.match import SectionMatch


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
    from dossier.check.match import in_text_matches, match_form, match_outline, match_text

    doc, p = df.document, df.file
    assert p.tree is not None
    gaps: list[Gap] = []
    if doc.outline == "text":
        matches = match_text(doc.sections, p.tree)  # a 公文: its points sit in paragraphs
    elif doc.kind == "report":
        matches = match_outline(doc.sections, p.tree.headings)
        if doc.outline == "full":
            gaps += _out_of_order(doc, p.display, p.tree, matches)
    else:
        matches = match_form(doc.sections, p.tree, table=doc.kind == "table")
    matches = in_text_matches(matches, p.tree)
    sections = []
    missing_paths: list[tuple[str, ...]] = []
    for mt in matches:
        entry, gap = _section(ctx, doc, p.display, mt, matches, missing_paths)
        sections.append(entry)
        if gap is not None:
            gaps.append(gap)
    return DocumentVerdict(DocumentResult(p.display, doc.id, doc.title, tuple(sections)), tuple(gaps))


def _out_of_order(doc: Document, display: str, tree: DocumentTree, matches: Sequence[SectionMatch]) -> Iterator[Gap]:
    from dossier.check.match import out_of_order

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
    if s.optional and s.when is None and doc.kind != "report":
        # A form's example row (功能1, 数据名称N) or printed note is not a field to fill.
        return SectionResult(s.id, mt.path, s.title, "not-required"), None
    if any(mt.path[: len(mp)] == mp for mp in missing_paths):
        return base, None  # reported with its missing parent
    if needed is None or s.optional:
        reason = s.condition_text or describe(s.when, ctx.titles) or "本办法未列为必备章节，请确认是否需要"
        return base, Gap("DOS-S004", req, {"document": doc.title, "title": s.title, "reason": reason},
                         file=display, document=doc.id, section=where)
    missing_paths.append(mt.path)
    return base, Gap("DOS-S001", req, {"document": doc.title, "title": s.title,
                                       "reason": f"请在 {display} 中补写该章节"},
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
    if (_child_present(mt, matches) and not s.requires_content) or s.optional or s.may_be_blank:
        return empty, None  # an optional field left blank (第五年 of a one-year project) is not a gap
    return empty, Gap("DOS-S002", req, {"document": doc.title, "title": s.title, "reason": "请填写该章节内容"}, **loc)


def _children(mt: SectionMatch, matches: Sequence[SectionMatch]) -> list[SectionMatch]:
    n = len(mt.path)
    return [m for m in matches if len(m.path) > n and m.path[:n] == mt.path]


def _child_present(mt: SectionMatch, matches: Sequence[SectionMatch]) -> bool:
    return any(c.heading is not None for c in _children(mt, matches))
