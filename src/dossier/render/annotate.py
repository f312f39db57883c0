"""Annotated copies: the submitted DOCX handed back with one Word comment (批注) per
finding located in it, like a reviewer's pen in the margin.

Done at the OOXML level, not through python-docx, so the user's file stays the user's:
only word/document.xml (comment anchors), word/comments.xml (created or extended),
word/_rels/document.xml.rels and [Content_Types].xml (when comments are new) change; every
other part is copied byte for byte, in the original order.

Where a comment goes:
- a finding with a paragraph: that paragraph (the index is the parser's — `parse.docx`
  counts every w:p of the body in document order, table cells and content controls
  included, text boxes and mc:Fallback not — and `_body_paragraphs` walks the same way);
- a missing section: the heading of the nearest present section before it in the outline
  (where the chapter should have been), or the title when none precedes it;
- anything else about the file: the title (first paragraph with text).
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from lxml import etree

from dossier.codes_zh import settle_text
from dossier.render.common import SEVERITY_LABEL, citation_text, label, xml_text

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
COMMENTS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments"
COMMENTS_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"
AUTHOR = "dossier"
INITIALS = "D"


def _w(tag: str) -> str:
    return f"{{{W_NS}}}{tag}"


_P, _TBL, _TR, _TC, _SDT, _SDTCONTENT, _CUSTOMXML = (
    _w("p"), _w("tbl"), _w("tr"), _w("tc"), _w("sdt"), _w("sdtContent"), _w("customXml"))
_PPR, _R, _T = _w("pPr"), _w("r"), _w("t")


class AnnotateError(ValueError):
    """The file is not a Word document we can annotate (no word/document.xml, broken XML)."""


@dataclass(frozen=True)
class Note:
    """One comment to add: the paragraph it hangs on and its lines of text."""
    paragraph: int
    lines: tuple[str, ...]


# -- where findings go ----------------------------------------------------------------

def _paragraph_of(finding: Mapping[str, Any]) -> int | None:
    p = finding.get("location", {}).get("paragraph")
    return p if isinstance(p, int) and p >= 0 else None


def _section_anchor(finding: Mapping[str, Any], doc: Mapping[str, Any] | None) -> tuple[int, str] | None:
    """For a finding on a section the document lacks: the paragraph of the nearest present
    section before it in the outline and that section's title."""
    if doc is None:
        return None
    sections = list(doc.get("sections", []))
    req = str(finding.get("requirement") or "")
    sid = req.split("/", 1)[1] if "/" in req else ""
    where = str(finding.get("location", {}).get("section") or "")
    idx = next((i for i, s in enumerate(sections) if sid and s.get("id") == sid), None)
    if idx is None:
        idx = next((i for i, s in enumerate(sections) if " › ".join(s.get("path", [])) == where), None)
    if idx is None:
        return None
    for s in reversed(sections[:idx]):
        loc = (s.get("matched") or {}).get("location") or {}
        p = loc.get("paragraph")
        if isinstance(p, int) and p >= 0 and s.get("status") != "missing":
            return p, str((s.get("matched") or {}).get("title") or s.get("title") or "")
    return None


def comment_lines(finding: Mapping[str, Any], where: str = "") -> tuple[str, ...]:
    """The text of one 批注: severity, message and code, where it should go, 依据, 如何整改."""
    sev = label(SEVERITY_LABEL, str(finding.get("severity", "")))
    lines = [f"【{sev}】{finding.get('message', '')}（{finding.get('code', '')}）"]
    if where:
        lines.append(where)
    cites = citation_text(finding.get("citations", []))
    if cites:
        lines.append(f"依据：{cites}")
    settle = settle_text(str(finding.get("code", "")))
    if settle:
        lines.append(f"如何整改：{settle}")
    return tuple(xml_text(line) for line in lines)


def plan_notes(findings: Sequence[Mapping[str, Any]], doc: Mapping[str, Any] | None,
               paragraph_count: int, title_paragraph: int) -> list[Note]:
    """One note per finding, in the findings' order."""
    notes = []
    for f in findings:
        p = _paragraph_of(f)
        where = ""
        if p is None or p >= paragraph_count:
            anchor = _section_anchor(f, doc)
            if anchor is not None and anchor[0] < paragraph_count:
                p, prev = anchor
                if f.get("code") == "DOS-S001" and prev:
                    where = f"应在“{prev}”之后补写。"
            else:
                p = title_paragraph
        notes.append(Note(p, comment_lines(f, where)))
    return notes


# -- the OOXML ------------------------------------------------------------------------

def _body_paragraphs(body: etree._Element) -> list[etree._Element]:
    """The body's w:p in the order and with the scope of `parse.docx` (see module doc)."""
    out: list[etree._Element] = []

    def blocks(parent: etree._Element) -> None:
        for el in parent:
            tag = el.tag
            if tag == _P:
                out.append(el)
            elif tag == _TBL:
                for tr in el:
                    if tr.tag == _TR:
                        for tc in tr:
                            if tc.tag == _TC:
                                blocks(tc)
            elif tag == _SDT:
                content = el.find(_SDTCONTENT)
                if content is not None:
                    blocks(content)
            elif tag == _CUSTOMXML:
                blocks(el)

    blocks(body)
    return out


def paragraph_text(p: etree._Element) -> str:
    """The w:t text of a paragraph (no auto-numbering): enough to compare copies."""
    return "".join(t.text or "" for t in p.iter(_T))


def _title_index(paragraphs: Sequence[etree._Element]) -> int:
    return next((i for i, p in enumerate(paragraphs) if paragraph_text(p).strip()), 0)


def _anchor(p: etree._Element, cid: int) -> None:
    """commentRangeStart after the paragraph properties, commentRangeEnd and the
    reference run at its end (before a trailing section break's sibling order matters
    only for w:pPr, which stays first)."""
    start = etree.Element(_w("commentRangeStart"))
    start.set(_w("id"), str(cid))
    ppr = p.find(_PPR)
    p.insert(p.index(ppr) + 1 if ppr is not None else 0, start)
    end = etree.SubElement(p, _w("commentRangeEnd"))
    end.set(_w("id"), str(cid))
    run = etree.SubElement(p, _R)
    ref = etree.SubElement(run, _w("commentReference"))
    ref.set(_w("id"), str(cid))


def _comment(cid: int, lines: Sequence[str], date: str) -> etree._Element:
    c = etree.Element(_w("comment"))
    c.set(_w("id"), str(cid))
    c.set(_w("author"), AUTHOR)
    c.set(_w("date"), date)
    c.set(_w("initials"), INITIALS)
    for i, line in enumerate(lines):
        p = etree.SubElement(c, _P)
        if i == 0:
            etree.SubElement(etree.SubElement(p, _R), _w("annotationRef"))
        r = etree.SubElement(p, _R)
        t = etree.SubElement(r, _T)
        t.text = line
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return c


def _xml(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _parse(data: bytes, part: str) -> etree._Element:
    try:
        return etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True))
    except etree.XMLSyntaxError as exc:
        raise AnnotateError(f"{part} is not well-formed XML ({exc})") from None


def _document_part(zf: zipfile.ZipFile) -> str:
    """The main document part named by the package rels (word/document.xml almost always)."""
    try:
        rels = _parse(zf.read("_rels/.rels"), "_rels/.rels")
    except KeyError:
        rels = None
    if rels is not None:
        for rel in rels:
            if rel.get("Type", "").endswith("/officeDocument"):
                target = rel.get("Target", "").lstrip("/")
                if target in zf.namelist():
                    return target
    if "word/document.xml" in zf.namelist():
        return "word/document.xml"
    raise AnnotateError("not a Word document: no word/document.xml")


def _rels_name(part: str) -> str:
    d, f = posixpath.split(part)
    return posixpath.join(d, "_rels", f + ".rels")


def _existing_comments(rels: etree._Element | None, part: str) -> str | None:
    if rels is None:
        return None
    for rel in rels:
        if rel.get("Type") == COMMENTS_REL and rel.get("TargetMode") != "External":
            return posixpath.normpath(posixpath.join(posixpath.dirname(part), rel.get("Target", "")))
    return None


def _new_rel_id(rels: etree._Element) -> str:
    taken = {r.get("Id") for r in rels}
    n = len(taken) + 1
    while f"rId{n}" in taken:
        n += 1
    return f"rId{n}"


_ID_RE = re.compile(r"^-?\d+$")


def _paragraphs_of(root: etree._Element, part: str) -> list[etree._Element]:
    body = root.find(_w("body"))
    if body is None:
        raise AnnotateError(f"{part} has no body")
    paragraphs = _body_paragraphs(body)
    if not paragraphs:  # an empty body still gets its comments, on a paragraph of their own
        empty = etree.Element(_P)
        body.insert(0, empty)
        paragraphs = [empty]
    return paragraphs


def _first_free_id(root: etree._Element, comments_root: etree._Element | None) -> int:
    used = [int(v) for el in root.iter(_w("commentRangeStart"), _w("commentReference"))
            if _ID_RE.match(v := el.get(_w("id"), ""))]
    if comments_root is not None:
        used += [int(v) for el in comments_root if _ID_RE.match(v := el.get(_w("id"), ""))]
    return max(used, default=-1) + 1


def _free_part_name(names: Sequence[str], folder: str) -> str:
    """comments.xml, or comments1.xml… when an orphan comments.xml nobody points to is there."""
    name, n = posixpath.join(folder, "comments.xml"), 0
    while name in names:
        n += 1
        name = posixpath.join(folder, f"comments{n}.xml")
    return name


def _register_comments(zf: zipfile.ZipFile, part: str, rels: etree._Element | None, comments_part: str,
                       changed: dict[str, bytes], added: list[tuple[str, bytes]]) -> None:
    """A new comments part: its relationship from the document and its content type."""
    names = zf.namelist()
    rels_part = _rels_name(part)
    if rels is None:
        rels = etree.Element(f"{{{PKG_REL_NS}}}Relationships", nsmap={None: PKG_REL_NS})
    rel = etree.SubElement(rels, f"{{{PKG_REL_NS}}}Relationship")
    rel.set("Id", _new_rel_id(rels))
    rel.set("Type", COMMENTS_REL)
    rel.set("Target", posixpath.relpath(comments_part, posixpath.dirname(part)))
    if rels_part in names:
        changed[rels_part] = _xml(rels)
    else:
        added.append((rels_part, _xml(rels)))
    ct = _parse(zf.read("[Content_Types].xml"), "[Content_Types].xml")
    override = etree.SubElement(ct, f"{{{CT_NS}}}Override")
    override.set("PartName", "/" + comments_part)
    override.set("ContentType", COMMENTS_CT)
    changed["[Content_Types].xml"] = _xml(ct)


def _rezip(zf: zipfile.ZipFile, changed: Mapping[str, bytes], added: Sequence[tuple[str, bytes]]) -> bytes:
    """The package again, in its order: changed parts rewritten, every other part the same
    bytes with the same compression (the part is the user's), new parts at the end."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in zf.infolist():
            fresh = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            fresh.external_attr = info.external_attr
            if info.filename in changed:
                fresh.compress_type = zipfile.ZIP_DEFLATED
                dst.writestr(fresh, changed[info.filename])
            else:
                fresh.compress_type = info.compress_type
                fresh.create_system = info.create_system
                dst.writestr(fresh, zf.read(info.filename))
        stamp = zf.infolist()[0].date_time
        for name, blob in added:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, blob)
    return out.getvalue()


def annotate_docx(data: bytes, findings: Sequence[Mapping[str, Any]], doc: Mapping[str, Any] | None = None,
                  *, date: str = "") -> bytes:
    """The DOCX `data` with one comment per finding (see the module doc for placement).
    `doc` is the report's document entry for this file (sections with matched locations),
    used to place missing sections; `date` is the comments' ISO date (the report's as-of)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise AnnotateError("not a readable Word document (corrupt zip)") from None
    with zf:
        part = _document_part(zf)
        names = zf.namelist()
        root = _parse(zf.read(part), part)
        paragraphs = _paragraphs_of(root, part)
        notes = plan_notes(findings, doc, len(paragraphs), _title_index(paragraphs))
        if not notes:
            return data

        rels_part = _rels_name(part)
        rels = _parse(zf.read(rels_part), rels_part) if rels_part in names else None
        comments_part = _existing_comments(rels, part)
        existing = comments_part is not None and comments_part in names
        comments_root = _parse(zf.read(comments_part), comments_part) if existing and comments_part else None
        next_id = _first_free_id(root, comments_root)
        if comments_root is None:
            comments_root = etree.Element(_w("comments"), nsmap={"w": W_NS})
        stamp = f"{date}T00:00:00Z" if date else "1980-01-01T00:00:00Z"
        for note in notes:
            _anchor(paragraphs[note.paragraph], next_id)
            comments_root.append(_comment(next_id, note.lines, stamp))
            next_id += 1

        changed: dict[str, bytes] = {part: _xml(root)}
        added: list[tuple[str, bytes]] = []
        if existing and comments_part:
            changed[comments_part] = _xml(comments_root)
        else:
            comments_part = _free_part_name(names, posixpath.dirname(part))
            added.append((comments_part, _xml(comments_root)))
            _register_comments(zf, part, rels, comments_part, changed, added)
        return _rezip(zf, changed, added)


# -- a whole dossier ------------------------------------------------------------------

def inner_path(display: str, *, input_is_archive: bool) -> PurePosixPath:
    """Where a file sits inside the dossier: `dossier.zip!/a/b.docx` → `a/b.docx` when the
    input is that zip, nested archives as folders (`a.zip!/b.zip!/x.docx` → `b.zip/x.docx`).
    Never absolute, never with "..": the result is joined under the output folder."""
    parts = display.split("!/")
    if input_is_archive and len(parts) > 1:
        parts = parts[1:]
    rel = "/".join(parts)
    clean = [c for c in rel.replace("\\", "/").split("/") if c not in ("", ".", "..")]
    return PurePosixPath(*clean) if clean else PurePosixPath("document.docx")


def findings_by_file(report: Mapping[str, Any]) -> dict[str, list[Mapping[str, Any]]]:
    out: dict[str, list[Mapping[str, Any]]] = {}
    for f in report["findings"]:
        file = str(f.get("location", {}).get("file") or "")
        if file:
            out.setdefault(file, []).append(f)
    return out


@dataclass(frozen=True)
class Annotated:
    display: str
    """The file as the report names it."""
    target: Path
    comments: int


def docx_files(report: Mapping[str, Any]) -> Iterator[str]:
    """The report's checked DOCX files, by display name."""
    for f in report.get("files", []):
        if f.get("format") == "docx" and f.get("status", "parsed") == "parsed":
            yield str(f["path"])


def report_json(report: Any) -> Mapping[str, Any]:
    """The report's JSON form: a typed Report (`to_json()`) or the JSON itself."""
    return report if isinstance(report, Mapping) else report.to_json()


def write_annotated(report: Any, source: Path, out_dir: Path) -> list[Annotated]:
    """Write `out_dir/annotated/<path inside the dossier>` for every checked DOCX of the
    report (a Report or its JSON), re-reading the submission at `source` (a file, folder or
    zip) the way `check` did. A file that cannot be annotated is skipped and left out."""
    import tempfile

    from dossier.ingest import ingest

    report = report_json(report)

    by_file = findings_by_file(report)
    docs = {str(d.get("path")): d for d in report.get("documents", []) if d.get("path")}
    wanted = set(docx_files(report))
    written: list[Annotated] = []
    base = Path(out_dir) / "annotated"
    with tempfile.TemporaryDirectory(prefix="dossier-annotate-") as tmp:
        result = ingest(Path(source), Path(tmp))
        is_archive = result.files[0].display.startswith(Path(source).name + "!/") if result.files else False
        for f in result.files:
            if f.display not in wanted or f.kind != "docx":
                continue
            try:
                data = annotate_docx(f.path.read_bytes(), by_file.get(f.display, []), docs.get(f.display),
                                     date=str(report.get("as_of") or ""))
            except (AnnotateError, OSError):
                continue
            target = base / inner_path(f.display, input_is_archive=is_archive)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            written.append(Annotated(f.display, target, len(by_file.get(f.display, []))))
    return written
