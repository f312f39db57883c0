"""OFD (GB/T 33190) → DocumentTree, through the same lines → heading-tree path as PDF.

An OFD file is a zip: `OFD.xml` at its root lists one or more documents (DocBody →
DocRoot → Document.xml); a document lists its pages (Pages/Page BaseLoc → Content.xml),
each page holds layers of TextObjects whose TextCodes carry the characters, their start
(X, Y) and advances (DeltaX, DeltaY: "g N v" repeats v N times) inside the object's
Boundary, optionally transformed by its CTM. Fonts (FontName, Bold) live in PublicRes /
DocumentRes. Units are millimetres; lines are handed on in points so the heading rules
read sizes exactly as they do for PDF.

What a reviewer wants besides the text: the document's Outlines (used like PDF bookmarks)
and whether it carries electronic seals or signatures (Signatures.xml, Annots of type
Stamp): noted in the tree's warnings ("ofd-seal: …"), never verified. Pages with images and
no text go to OCR. Producers disagree on namespaces (`http://www.ofdspec.org/2016`, the
older `http://www.ofdspec.org`, none at all), on letter case in paths and on whether
paths are relative or absolute, so elements are matched by local name and paths are
resolved leniently.
"""

from __future__ import annotations

import contextlib
import io
import math
import posixpath
import re
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from lxml import etree

from dossier.errors import InputError
from dossier.parse import is_ofd  # the sniff lives there: asking it must not load this module
from dossier.parse.layout import Line, Mark, Page, key
from dossier.parse.layout import cluster as _cluster
from dossier.parse.limits import LIMITS, LimitExceeded, check_zip_entries, ocr_stop, partly
from dossier.tree import DocumentTree

__all__ = ["OFD_NS", "OfdPackage", "is_ofd", "parse_ofd", "parse_ofd_documents", "seal_note"]

OFD_NS = "http://www.ofdspec.org/2016"
MM_TO_PT = 72.0 / 25.4
SEAL_PREFIX = "ofd-seal:"
MULTI_PREFIX = "ofd-documents:"
MAX_XML_BYTES = 64 * 1024 * 1024
"""Largest XML part read (a zip bomb inflates; a real 500-page Content.xml is a few MB)."""
MAX_IMAGE_BYTES = 64 * 1024 * 1024
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=True)
_NUM = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_BOLD_NAME = re.compile(r"bold|black|heavy|semibold|demibold|粗", re.IGNORECASE)


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _kids(el: Any, name: str) -> Iterator[Any]:
    for c in el:
        if _local(c.tag) == name:
            yield c


def _kid(el: Any, name: str) -> Any:
    return next(_kids(el, name), None)


def _descendants(el: Any, name: str) -> Iterator[Any]:
    for c in el.iter():
        if _local(c.tag) == name:
            yield c


def _text(el: Any) -> str:
    return "".join(el.itertext()).strip() if el is not None else ""


def _floats(s: str | None) -> list[float]:
    return [float(x) for x in _NUM.findall(s or "")]


def _deltas(s: str | None) -> list[float]:
    """DeltaX/DeltaY: numbers, with "g N v" meaning v repeated N times."""
    out: list[float] = []
    toks = (s or "").split()
    i = 0
    while i < len(toks):
        t = toks[i]
        if t == "g" and i + 2 < len(toks):
            try:
                n, v = int(float(toks[i + 1])), float(toks[i + 2])
            except ValueError:
                i += 1
                continue
            out.extend([v] * max(0, min(n, 100_000)))
            i += 3
            continue
        with contextlib.suppress(ValueError):
            out.append(float(t))
        i += 1
    return out


class OfdPackage:
    """Lenient access to an OFD zip: parts by path, case-insensitive, relative or absolute."""

    def __init__(self, zf: zipfile.ZipFile, display: str) -> None:
        self.zf = zf
        self.display = display
        self.names = {n.lstrip("/").lower(): n for n in zf.namelist() if not n.endswith("/")}

    def find(self, ref: str, *bases: str) -> str | None:
        """The zip name for a reference made from the folders `bases` (tried in order)."""
        ref = ref.strip().replace("\\", "/")
        if not ref:
            return None
        tries = [ref.lstrip("/")] if ref.startswith("/") else []
        tries += [posixpath.normpath(posixpath.join(b, ref)).lstrip("/") for b in bases]
        tries.append(posixpath.normpath(ref.lstrip("/")))
        for t in tries:
            got = self.names.get(t.lower())
            if got is not None:
                return got
        return None

    def read(self, name: str, limit: int = MAX_XML_BYTES) -> bytes:
        info = self.zf.getinfo(name)
        if info.file_size > limit:
            raise InputError(f"OFD part {name} is too large ({info.file_size} bytes)", path=self.display)
        with self.zf.open(info) as fh:
            data = fh.read(limit + 1)
        if len(data) > limit:
            raise InputError(f"OFD part {name} is too large", path=self.display)
        return data

    def xml(self, name: str) -> Any:
        data = self.read(name)
        if data.count(b"<") > LIMITS.page_tags:  # a page of millions of text objects
            raise LimitExceeded(f"OFD 部件 {name} 的 XML 标记超过 {LIMITS.page_tags:,} 个，未读取", path=self.display)
        try:
            root = etree.fromstring(data, _PARSER)
        except etree.XMLSyntaxError as e:
            raise InputError(f"broken XML in OFD part {name} ({e})", path=self.display) from None
        if root is None:
            raise InputError(f"empty OFD part {name}", path=self.display)
        return root


@dataclass(frozen=True)
class _Font:
    name: str
    bold: bool


@dataclass
class _Res:
    """Fonts and media of one document (PublicRes and DocumentRes together)."""

    fonts: dict[str, _Font] = field(default_factory=dict)
    media: dict[str, str] = field(default_factory=dict)
    """MultiMedia ID → zip name of the file."""
    draw_params: dict[str, Any] = field(default_factory=dict)

    def load(self, pkg: OfdPackage, name: str) -> None:
        root = pkg.xml(name)
        base = posixpath.dirname(name)
        res_base = posixpath.normpath(posixpath.join(base, root.get("BaseLoc") or "."))
        for f in _descendants(root, "Font"):
            fid = f.get("ID")
            if fid:
                nm = f.get("FontName") or f.get("FamilyName") or ""
                bold = (f.get("Bold") or "").lower() == "true" or bool(_BOLD_NAME.search(nm))
                self.fonts[fid] = _Font(nm, bold)
        for m in _descendants(root, "MultiMedia"):
            mid = m.get("ID")
            got = pkg.find(_text(_kid(m, "MediaFile")), res_base, base)
            if mid and got:
                self.media[mid] = got


# ---------------------------------------------------------------- geometry
def _ctm(s: str | None) -> tuple[float, float, float, float, float, float] | None:
    v = _floats(s)
    return (v[0], v[1], v[2], v[3], v[4], v[5]) if len(v) == 6 else None


def _advance(ch: str, size: float) -> float:
    """Estimated advance when DeltaX says nothing: CJK and full-width are square."""
    return size if ord(ch) >= 0x2E80 else 0.5 * size


def _ink(ch: str, size: float) -> float:
    """A generous width of the glyph itself: DeltaX also holds the space after it (a
    label's tab), so the gap to the next character is the advance minus this."""
    if ord(ch) >= 0x2E80:
        return size
    if ch in "MWmw@%":
        return 0.95 * size
    if ch.isdigit():
        return 0.55 * size  # digits are half-width in CJK fonts (SimSun 0.5, Noto 0.55)
    return 0.72 * size if ch.isupper() else 0.6 * size


@dataclass(frozen=True)
class _Glyph:
    ch: str
    x: float
    y: float  # baseline, page mm, y down
    w: float


def _glyphs(obj: Any, size: float) -> list[_Glyph]:
    """Every character of a TextObject with its page position (mm)."""
    box = _floats(obj.get("Boundary"))
    bx, by = (box[0], box[1]) if len(box) >= 2 else (0.0, 0.0)
    m = _ctm(obj.get("CTM"))
    out: list[_Glyph] = []
    cx = cy = 0.0
    for code in _kids(obj, "TextCode"):
        text = code.text or ""
        if not text:
            continue
        if code.get("X") is not None:
            cx = float((_floats(code.get("X")) or [cx])[0])
        if code.get("Y") is not None:
            cy = float((_floats(code.get("Y")) or [cy])[0])
        dx = _deltas(code.get("DeltaX"))
        dy = _deltas(code.get("DeltaY"))
        x, y = cx, cy
        for i, ch in enumerate(text):
            if i > 0:
                prev = text[i - 1]
                x += dx[i - 1] if i - 1 < len(dx) else (dx[-1] if dx else _advance(prev, size))
                y += dy[i - 1] if i - 1 < len(dy) else (dy[-1] if dy else 0.0)
            w = min(dx[i], _ink(ch, size)) if i < len(dx) else _advance(ch, size)
            if m is not None:
                a, b, c, d, e, f = m
                px, py = a * x + c * y + e, b * x + d * y + f
                w *= math.hypot(a, b)
            else:
                px, py = x, y
            out.append(_Glyph(ch, bx + px, by + py, max(w, 0.0)))
        cx, cy = x + (dx[len(text) - 1] if len(text) - 1 < len(dx) else _advance(text[-1], size)), y
    return out


def _space_gap(a: str, b: str) -> float:
    """Gap (in em) that reads as a space: smaller where the script changes ("1⇥项目"),
    where justified CJK text never puts one."""
    return 0.15 if (ord(a) >= 0x2E80) != (ord(b) >= 0x2E80) else 0.3


def _segments(obj: Any, res: _Res, page_no: int) -> list[Line]:
    """A TextObject's characters as line segments (points), cut at wide gaps and at
    changes of baseline; spaces and moderate gaps become one space."""
    own = (_floats(obj.get("Size")) or [0.0])[0]  # in the object's space, before its CTM
    m = _ctm(obj.get("CTM"))
    size = own * (math.sqrt(abs(m[0] * m[3] - m[1] * m[2])) or 1.0) if m is not None else own
    if size <= 0:
        return []
    font = res.fonts.get(obj.get("Font") or "", _Font("", False))
    weight = (_floats(obj.get("Weight")) or [400.0])[0]
    bold = font.bold or weight >= 600
    out: list[Line] = []
    run: list[_Glyph] = []

    def flush() -> None:
        text = "".join(g.ch for g in run).strip()
        if text:
            x0 = run[0].x
            x1 = max(g.x + g.w for g in run)
            base = run[0].y
            out.append(
                Line(page_no, text, x0 * MM_TO_PT, x1 * MM_TO_PT, (base - 0.88 * size) * MM_TO_PT,
                     (base + 0.12 * size) * MM_TO_PT, round(size * MM_TO_PT, 2), bold, font.name)
            )
        run.clear()

    for g in _glyphs(obj, own):
        if run:
            last = run[-1]
            gap = g.x - (last.x + last.w)
            if abs(g.y - last.y) > 0.5 * size or gap > 1.5 * size or gap < -2.0 * size:
                flush()
            elif gap > _space_gap(last.ch, g.ch) * size and not g.ch.isspace() and not last.ch.isspace():
                run.append(_Glyph(" ", last.x + last.w, last.y, 0.0))
        if g.ch.isspace() and (not run or run[-1].ch.isspace()):
            continue
        run.append(g)
    flush()
    return out


# ---------------------------------------------------------------- documents
@dataclass(frozen=True)
class _PageRef:
    id: str
    name: str  # zip name of the page's Content.xml


@dataclass(frozen=True)
class _Image:
    media: str  # zip name
    x: float
    y: float
    w: float
    h: float  # page mm


def _page_objects(root: Any, res: _Res, page_no: int) -> tuple[list[Line], list[_Image]]:
    segs: list[Line] = []
    images: list[_Image] = []
    content = _kid(root, "Content")
    if content is None:
        return segs, images
    for el in content.iter():
        tag = _local(el.tag)
        if tag == "TextObject":
            segs.extend(_segments(el, res, page_no))
        elif tag == "ImageObject":
            got = res.media.get(el.get("ResourceID") or "")
            box = _floats(el.get("Boundary"))
            if got and len(box) == 4 and box[2] > 0 and box[3] > 0:
                images.append(_Image(got, *box))
    return segs, images


def _page_size(root: Any, default: tuple[float, float]) -> tuple[float, float]:
    area = _kid(root, "Area")
    box = _floats(_text(_kid(area, "PhysicalBox"))) if area is not None else []
    return (box[2], box[3]) if len(box) == 4 else default


def _outline(doc: Any, page_ids: dict[str, int]) -> list[Mark]:
    """Outlines/OutlineElem (nested) → marks with level and page, like PDF bookmarks."""
    marks: list[Mark] = []
    outlines = _kid(doc, "Outlines")
    if outlines is None:
        return marks

    def walk(el: Any, level: int) -> None:
        for o in _kids(el, "OutlineElem"):
            title = (o.get("Title") or "").strip()
            dest = next(_descendants(o, "Dest"), None)
            page = page_ids.get(dest.get("PageID") or "") if dest is not None else None
            if title:
                marks.append(Mark(key(title), level, page))
            if level < 8:
                walk(o, level + 1)

    walk(outlines, 1)
    return marks


def _seals(pkg: OfdPackage, body: Any, doc_dir: str, doc: Any, ofd_dir: str) -> tuple[int, int]:
    """(signatures and seals listed in Signatures.xml, Stamp annotations)."""
    signs = 0
    sig_ref = _text(_kid(body, "Signatures"))
    sig_name = pkg.find(sig_ref, ofd_dir, doc_dir) if sig_ref else None
    if sig_name:
        try:
            signs = sum(1 for _ in _descendants(pkg.xml(sig_name), "Signature"))
        except InputError:
            signs = 1  # listed but unreadable: still a seal a reviewer should look at
    stamps = 0
    ann_ref = _text(_kid(doc, "Annotations"))
    ann_name = pkg.find(ann_ref, doc_dir) if ann_ref else None
    if ann_name:
        with _quiet():
            ann = pkg.xml(ann_name)
            base = posixpath.dirname(ann_name)
            for f in _descendants(ann, "FileLoc"):
                got = pkg.find(_text(f), base, doc_dir)
                if got:
                    with _quiet():
                        stamps += sum(1 for a in _descendants(pkg.xml(got), "Annot") if a.get("Type") == "Stamp")
    return signs, stamps


def _quiet() -> contextlib.suppress:
    """Optional parts (annotations, templates) that are broken are skipped, not fatal."""
    return contextlib.suppress(InputError, KeyError, zipfile.BadZipFile, OSError)


def seal_note(signs: int, stamps: int) -> str:
    parts = []
    if signs:
        parts.append(f"{signs} 个电子签章/签名（Signatures.xml）")
    if stamps:
        parts.append(f"{stamps} 个印章注释（Stamp）")
    return f"{SEAL_PREFIX} 含{'、'.join(parts)}，未验证其有效性"


def _ocr_images(pkg: OfdPackage, images: list[_Image], page_no: int) -> list[Line]:
    from PIL import Image

    from dossier.parse.image import ocr_pil_lines

    out: list[Line] = []
    for im in images:
        try:
            with Image.open(io.BytesIO(pkg.read(im.media, MAX_IMAGE_BYTES))) as pil:
                sx, sy, lines = ocr_pil_lines(pil)
        except (OSError, ValueError, Image.DecompressionBombError, KeyError):
            continue
        if not lines:
            continue
        kx, ky = im.w / max(sx, 1) * MM_TO_PT, im.h / max(sy, 1) * MM_TO_PT
        ox, oy = im.x * MM_TO_PT, im.y * MM_TO_PT
        for o in lines:
            top, bottom = oy + o.top * ky, oy + o.bottom * ky
            out.append(Line(page_no, o.text, ox + o.x0 * kx, ox + o.x1 * kx, top, bottom,
                            round(bottom - top, 1), score=o.score))
    return out


def _read_document(
    pkg: OfdPackage, body: Any, ofd_dir: str, *, ocr: bool, deadline: float, max_pages: int
) -> DocumentTree:
    root_ref = _text(_kid(body, "DocRoot"))
    doc_name = pkg.find(root_ref, ofd_dir) if root_ref else None
    if doc_name is None:
        raise InputError(f"OFD DocRoot {root_ref or '(none)'} is missing from the package", path=pkg.display)
    doc = pkg.xml(doc_name)
    doc_dir = posixpath.dirname(doc_name)
    common = _kid(doc, "CommonData")
    res = _Res()
    default_size = (210.0, 297.0)
    templates: dict[str, str] = {}
    warnings: list[str] = []
    if common is not None:
        for tag in ("PublicRes", "DocumentRes"):
            for r in _kids(common, tag):
                got = pkg.find(_text(r), doc_dir)
                if got:
                    try:
                        res.load(pkg, got)
                    except InputError as e:
                        warnings.append(f"{tag} could not be read: {e.reason}")
        default_size = _page_size_from(common, default_size)
        for t in _kids(common, "TemplatePage"):
            got = pkg.find(t.get("BaseLoc") or "", doc_dir)
            if t.get("ID") and got:
                templates[t.get("ID") or ""] = got
    pages_el = _kid(doc, "Pages")
    refs: list[_PageRef] = []
    for p in _descendants(pages_el, "Page") if pages_el is not None else ():
        got = pkg.find(p.get("BaseLoc") or "", doc_dir)
        if got:
            refs.append(_PageRef(p.get("ID") or "", got))
        else:
            warnings.append(f"page {len(refs) + 1}: {p.get('BaseLoc')} is missing from the package")
    if not refs:
        raise InputError("OFD document has no readable pages", path=pkg.display)
    page_ids = {r.id: i + 1 for i, r in enumerate(refs) if r.id}
    total = len(refs)
    if total > max_pages:
        warnings.append(f"read the first {max_pages} of {total} pages")
        warnings.append(partly(f"只读取了前 {max_pages:,} 页（共 {total:,} 页）"))
    pages: list[Page] = []
    blank: list[tuple[int, list[_Image]]] = []
    for i, ref in enumerate(refs[:max_pages]):
        if time.monotonic() > deadline:
            warnings.append(f"time limit: stopped after page {i} of {total}")
            warnings.append(partly(f"读取时间已到上限，只读取了前 {i:,} 页（共 {total:,} 页）"))
            break
        no = i + 1
        try:
            proot = pkg.xml(ref.name)
        except (InputError, KeyError) as e:
            warnings.append(f"page {no} could not be read: {getattr(e, 'reason', e)}")
            if isinstance(e, LimitExceeded):  # a cap, not damage: reported as what was left out
                warnings.append(partly(f"第 {no} 页未读取（{e.reason}）"))
            continue
        segs, images = _page_objects(proot, res, no)
        for t in _kids(proot, "Template"):
            tname = templates.get(t.get("TemplateID") or "")
            if tname:
                with _quiet():
                    tsegs, timgs = _page_objects(pkg.xml(tname), res, no)
                    segs += tsegs
                    images += timgs
        w, h = _page_size(proot, default_size)
        if not segs and images:
            blank.append((no, images))
        pages.append(Page(no, w * MM_TO_PT, h * MM_TO_PT, tuple(_cluster(segs))))

    ocr_pages, scores = _ocr_blank(pkg, pages, blank, ocr=ocr, deadline=deadline, warnings=warnings)
    signs, stamps = _seals(pkg, body, doc_dir, doc, ofd_dir)
    if signs or stamps:
        warnings.append(seal_note(signs, stamps))
    marks = _outline(doc, page_ids)
    info = _kid(body, "DocInfo")
    meta_title = _text(_kid(info, "Title")) if info is not None else ""
    from dossier.parse.pdf import pages_tree  # here: asking whether a .docx is an OFD must not load pdfium

    return pages_tree(Path(pkg.display), pages, marks, fmt="ofd", meta_title=meta_title, total=total,
                      ocr_pages=ocr_pages, scores=scores, warnings=warnings, display=pkg.display)


def _page_size_from(common: Any, default: tuple[float, float]) -> tuple[float, float]:
    area = _kid(common, "PageArea")
    box = _floats(_text(_kid(area, "PhysicalBox"))) if area is not None else []
    return (box[2], box[3]) if len(box) == 4 else default


def _ocr_blank(
    pkg: OfdPackage,
    pages: list[Page],
    blank: list[tuple[int, list[_Image]]],
    *,
    ocr: bool,
    deadline: float,
    warnings: list[str],
) -> tuple[list[int], list[float]]:
    """OCR the image-only pages in place; warn (NO_TEXT_LAYER) about those left unread."""
    ocr_pages: list[int] = []
    scores: list[float] = []
    if not blank:
        return ocr_pages, scores
    from dossier.parse import ocr as ocr_mod
    from dossier.parse.pdf import NO_TEXT_LAYER, _ranges, unread_page_warnings

    reason = "OCR was turned off" if not ocr else ocr_mod.unavailable_reason()
    nums = [no for no, _ in blank]
    if reason is not None:
        warnings.append(f"{NO_TEXT_LAYER} pages {_ranges(nums)} have no text layer and {reason}")
        return ocr_pages, scores
    by_no = {p.number: k for k, p in enumerate(pages)}
    left: list[int] = []
    empty: list[int] = []
    started, capped = time.monotonic(), ""
    for no, images in blank:
        if left or time.monotonic() > deadline or (capped := ocr_stop(started, len(ocr_pages) + len(empty))):
            left.append(no)
            continue
        lines = _cluster(_ocr_images(pkg, images, no))
        if not lines:
            empty.append(no)
            continue
        pages[by_no[no]] = replace(pages[by_no[no]], lines=tuple(lines), ocr=True)
        ocr_pages.append(no)
        scores.extend(ln.score for ln in lines if ln.score is not None)
    warnings.extend(unread_page_warnings(left, empty, capped))
    return ocr_pages, scores


def _open(path: Path) -> zipfile.ZipFile:
    check_zip_entries(path)
    try:
        return zipfile.ZipFile(path)
    except FileNotFoundError:
        raise InputError("file not found", path=str(path)) from None
    except (zipfile.BadZipFile, EOFError, ValueError) as e:
        raise InputError(f"not an OFD file (broken zip: {e})", path=str(path)) from None
    except OSError as e:
        raise InputError(f"cannot read file: {e.strerror or e}", path=str(path)) from None


def parse_ofd_documents(
    path: Path, *, ocr: bool = True, max_pages: int = 2000, time_limit: float = 600.0
) -> list[DocumentTree]:
    """Every document of an OFD package (one per DocBody), in package order.

    A package of several documents names each after the first as `path#N` (N from 2)."""
    path = Path(path)
    display = str(path)
    deadline = time.monotonic() + time_limit
    with _open(path) as zf:
        pkg = OfdPackage(zf, display)
        entry = pkg.find("OFD.xml")
        if entry is None:
            raise InputError("not an OFD file (no OFD.xml at the package root)", path=display)
        root = pkg.xml(entry)
        if _local(root.tag) != "OFD":
            raise InputError(f"not an OFD file (OFD.xml holds <{_local(root.tag)}>)", path=display)
        bodies = list(_kids(root, "DocBody"))
        if not bodies:
            raise InputError("OFD file lists no document (no DocBody in OFD.xml)", path=display)
        ofd_dir = posixpath.dirname(entry)
        out: list[DocumentTree] = []
        errors: list[str] = []
        for k, body in enumerate(bodies):
            try:
                tree = _read_document(pkg, body, ofd_dir, ocr=ocr, deadline=deadline, max_pages=max_pages)
            except InputError as e:
                if len(bodies) == 1:
                    raise
                errors.append(f"document {k + 1}: {e.reason}")
                continue
            out.append(tree if k == 0 else replace(tree, path=f"{display}#{len(out) + 1}"))
        if not out:
            raise InputError(f"no document of the OFD package could be read ({'; '.join(errors)})", path=display)
        if errors:
            out[0] = replace(out[0], warnings=(*out[0].warnings, *errors))
        return out


def parse_ofd(path: Path, *, ocr: bool = True, max_pages: int = 2000, time_limit: float = 600.0) -> DocumentTree:
    """The first document of an OFD package; when it holds more, a warning says how many
    (`parse_ofd_documents` reads them all)."""
    docs = parse_ofd_documents(path, ocr=ocr, max_pages=max_pages, time_limit=time_limit)
    first = docs[0]
    if len(docs) > 1:
        note = f"{MULTI_PREFIX} the package holds {len(docs)} documents; each is checked as its own file"
        first = replace(first, warnings=(*first.warnings, note))
    return first


def more_documents(first: Any, path: Path, *, ocr: bool = True) -> list[Any]:
    """The engine's ParsedFiles for documents 2… of an OFD package whose first document is
    `first` (a ParsedFile); none for a package of one. Named `<display>#N`."""
    tree = getattr(first, "tree", None)
    if tree is None or not any(w.startswith(MULTI_PREFIX) for w in tree.warnings):
        return []
    from dossier.check.context import ParsedFile

    out = []
    try:
        docs = parse_ofd_documents(path, ocr=ocr)
    except InputError:
        return []
    for k, doc in enumerate(docs[1:], start=2):
        display = f"{first.display}#{k}"
        out.append(ParsedFile(display, first.kind, "parsed", replace(doc, path=display)))
    return out
