"""PDF → DocumentTree, from the text layer (pdfium) or, for scanned pages, from OCR.

This module reads pages as lines and hands them to `dossier.parse.layout`, which turns lines
into the heading tree for every reader alike. Lines come from pdfium's text page: its own
line breaks give raw segments, a few characters of each are sampled for box, font size
(times the char matrix's scale: Word and printer drivers set fonts at 1 pt and scale them)
and font name (weight is rarely set in exported PDFs; the font name says "Bold"), and
segments at the same height are clustered into one line, column by column on a two-column
page; pages without text go to OCR; bookmarks are read as `layout.Mark`s.
`lines_to_tree`, `Line` and `Page` stay importable from here.

pdfium is the library pypdfium2 ships, called through ctypes for the functions read here;
pypdfium2 itself is imported only to render pages for OCR (`_ocr_blank_pages`).
"""

from __future__ import annotations

import codecs
import ctypes
import functools
import importlib.util
import logging
import re
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, cast

from dossier.errors import InputError
from dossier.parse.layout import (
    PLACEHOLDER_MARK,
    Line,
    Mark,
    Page,
    cluster,
    cluster_in_columns,
    column_gutter,
    is_page_number,
    key,
    lines_to_tree,
)
from dossier.parse.limits import ocr_skipped, ocr_stop, partly, render_scale
from dossier.parse.ooxml import ENCRYPTED
from dossier.tree import DocumentTree

# The names readers built on this module's lines → tree path import from here (OFD, images).
_Mark, _cluster, _key = Mark, cluster, key

__all__ = ["NO_TEXT_LAYER", "PLACEHOLDER_MARK", "Line", "Page", "is_page_number", "lines_to_tree", "parse_pdf"]

NO_TEXT_LAYER = "no-text-layer:"
"""Prefix of the `warnings` entry for pages that have no text layer and were not OCR'd."""

OCR_SCALE = 2.0


# ---------------------------------------------------------------- text layer
_BOLD_NAME = re.compile(r"bold|black|heavy|semibold|demibold|粗", re.IGNORECASE)


def _decode_font_name(raw: bytes) -> str:
    # Chinese producers write names like 黑体 as GBK bytes; try UTF-8, then GBK.
    for enc in ("utf-8", "gbk"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


@functools.lru_cache(maxsize=512)
def _font_name(raw: bytes) -> tuple[str, bool]:
    """Decoded font name, and whether the name says bold (a document has a handful)."""
    name = _decode_font_name(raw)
    return name, bool(_BOLD_NAME.search(name))


_RAW_LINE = re.compile(r"\S(?:[^\r\n]*\S)?")
"""One of pdfium's text lines with its outer whitespace stripped (never across a break)."""
_FORCE_BOLD = 0x40000  # FPDF_FONT_FORCEBOLD, flag bit 19


# ---------------------------------------------------------------- pdfium
class PdfiumError(RuntimeError):
    """pdfium could not do what was asked (pypdfium2's PdfiumError, in its words)."""


class _LibraryConfig(ctypes.Structure):
    """FPDF_LIBRARY_CONFIG as pypdfium2 declares it (version 2 is read)."""

    _fields_ = (
        ("version", ctypes.c_int),
        ("m_pUserFontPaths", ctypes.c_void_p),
        ("m_pIsolate", ctypes.c_void_p),
        ("m_v8EmbedderSlot", ctypes.c_uint),
        ("m_pPlatform", ctypes.c_void_p),
        ("m_RendererType", ctypes.c_int),
        ("m_FontLibraryType", ctypes.c_int),
        ("m_BrotliEnabled", ctypes.c_int),
        ("m_IsolatePerDocument", ctypes.c_int),
    )


def _load_pdfium() -> ctypes.CDLL:
    """The pdfium library pypdfium2 ships (pypdfium2_raw's, found without importing it),
    loaded and initialised as importing pypdfium2 does (FPDF_InitLibraryWithConfig, version
    2, no font paths: pdfium initialises once however often it is asked). Importing
    pypdfium2 (its ~500 bindings and its helpers) for the 30 functions read here made
    importing this module cost 93 M instructions, 30 M without."""
    spec = importlib.util.find_spec("pypdfium2_raw")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("pdfium is not installed (the pypdfium2 package)")
    if sys.platform.startswith(("win32", "cygwin", "msys")):
        name = "pdfium.dll"
    elif sys.platform.startswith(("darwin", "ios")):
        name = "libpdfium.dylib"
    else:
        name = "libpdfium.so"
    library = ctypes.CDLL(str(Path(spec.submodule_search_locations[0], name).resolve()))
    library.FPDF_InitLibraryWithConfig(ctypes.byref(_LibraryConfig(version=2)))
    return library


_PDFIUM = _load_pdfium()
_V, _I = ctypes.c_void_p, ctypes.c_int
# pdfium's page object types (FPDF_PAGEOBJ_*) and document errors (FPDF_ERR_*, pypdfium2's words).
PAGEOBJ_UNKNOWN, PAGEOBJ_PATH, PAGEOBJ_IMAGE, PAGEOBJ_FORM = 0, 2, 3, 5
_ERRORS = ("Success", "Unknown error", "File access error", "Data format error", "Incorrect password error",
           "Unsupported security scheme error", "Page not found or content error")  # fmt: skip


def _direct(name: str, restype: Any, *argtypes: Any) -> Any:
    """pdfium's function `name` through a prototype taking plain addresses: no pointer-type
    conversion per call (these run several times a page)."""
    return ctypes.CFUNCTYPE(restype, *argtypes)((name, _PDFIUM))


def _bare(name: str, restype: Any) -> Any:
    """pdfium's function `name` through a prototype without argument types, for the calls made
    per character: ctypes passes a Python int as a C int (the char index) and a ready
    parameter (`_pointer`, `ctypes.byref`) as it is, where a typed prototype calls each
    argument type's from_param per call (half the cost of the call); and keeping the GIL
    (PYFUNCTYPE) over a call this short saves releasing and taking it again (a sixth)."""
    return ctypes.PYFUNCTYPE(restype)((name, _PDFIUM))


def _pointer(address: int) -> Any:
    """A pointer argument for a `_bare` function, built once for many calls."""
    return _V.from_param(address)


# Per character: (text page, char index, …); the text page as `_pointer`, buffers by reference.
_loose_box = _bare("FPDFText_GetLooseCharBox", _I)
_font_size = _bare("FPDFText_GetFontSize", ctypes.c_double)
_font_info = _bare("FPDFText_GetFontInfo", ctypes.c_ulong)
_font_weight = _bare("FPDFText_GetFontWeight", _I)
_char_matrix = _bare("FPDFText_GetMatrix", _I)
_NAME_SIZE = ctypes.c_ulong.from_param(128)  # FPDFText_GetFontInfo's buflen: an unsigned long
_count_chars = _direct("FPDFText_CountChars", _I, _V)
_unicode = _direct("FPDFText_GetUnicode", ctypes.c_uint, _V, _I)
_load_text_page = _direct("FPDFText_LoadPage", _V, _V)
_close_text_page = _direct("FPDFText_ClosePage", None, _V)
# Walking a page's objects (page_objects; pdf_tables reads path bounds for ruling).
_count_page_objects = _direct("FPDFPage_CountObjects", _I, _V)
_page_object = _direct("FPDFPage_GetObject", _V, _V, _I)
_count_form_objects = _direct("FPDFFormObj_CountObjects", _I, _V)
_form_object = _direct("FPDFFormObj_GetObject", _V, _V, ctypes.c_ulong)
_object_type = _direct("FPDFPageObj_GetType", _I, _V)
object_bounds = _direct("FPDFPageObj_GetBounds", _I, _V, _V, _V, _V, _V)
_load_page = _direct("FPDF_LoadPage", _V, _V, _I)
_close_page = _direct("FPDF_ClosePage", None, _V)
_page_width = _direct("FPDF_GetPageWidthF", ctypes.c_float, _V)
_page_height = _direct("FPDF_GetPageHeightF", ctypes.c_float, _V)
_text_index = _direct("FPDFText_GetTextIndexFromCharIndex", _I, _V, _I)
_get_text = _direct("FPDFText_GetText", _I, _V, _I, _I, _V)
# The document.
_load_document = _direct("FPDF_LoadDocument", _V, ctypes.c_char_p, ctypes.c_char_p)
_last_error = _direct("FPDF_GetLastError", ctypes.c_ulong)
_page_count = _direct("FPDF_GetPageCount", _I, _V)
_close_document = _direct("FPDF_CloseDocument", None, _V)
_meta_text = _direct("FPDF_GetMetaText", ctypes.c_ulong, _V, ctypes.c_char_p, _V, ctypes.c_ulong)


class Document:
    """An open PDF: pdfium's FPDF_DOCUMENT (its address as `raw`, as pypdfium2's PdfDocument
    has its handle), its page count as len(). Opened by `open_document`; close it."""

    def __init__(self, raw: int) -> None:
        self.raw = raw

    def __len__(self) -> int:
        return int(_page_count(self.raw))

    def metadata(self, key: str) -> str:
        """The metadata value `key` ("Title"), as pypdfium2's get_metadata_value reads it:
        "" when missing, strictly decoded."""
        tag = (key + "\x00").encode("utf-8")
        return _utf16_text(lambda at, n: _meta_text(self.raw, tag, at, n))

    def close(self) -> None:
        _close_document(self.raw)


def open_document(path: Path | str) -> Document:
    """The PDF at `path`, opened as pypdfium2's PdfDocument(path) opens it, with its errors:
    FileNotFoundError for no file, PdfiumError naming pdfium's error when it cannot be read
    (a document without pages is one)."""
    resolved = Path(path).expanduser().resolve()
    if not resolved.is_file():
        raise FileNotFoundError(resolved)
    errors = "strict" if sys.platform.startswith("win32") else "surrogateescape"
    raw = _load_document((str(resolved) + "\x00").encode("utf-8", errors=errors), None)
    if _page_count(raw) < 1:
        code = _last_error()
        if raw:
            _close_document(raw)
        said = _ERRORS[code] if code < len(_ERRORS) else f"Unhandled constant {code}"
        raise PdfiumError(f"Failed to load document (PDFium: {said}).")
    return Document(raw)


def _address(handle: Any) -> int:
    """The address of a pdfium handle: a Document's or pypdfium2's object's `raw`."""
    return ctypes.cast(handle.raw, _V).value or 0


def _page_text(tp: int, n: int) -> str:
    """The text of chars [0, n) of text page `tp`, as pypdfium2's get_text_range(0, n) gives
    it (without a PdfTextPage, whose bookkeeping costs as much as the read): excluded chars
    at either end left out, UTF-16 decoded ignoring errors (a lone surrogate half is lost)."""
    start, end = 0, n - 1
    while start <= end and _text_index(tp, start) == -1:
        start += 1
    while start <= end and _text_index(tp, end) == -1:
        end -= 1
    if start > end:
        return ""
    size = _text_index(tp, end) + 2 - _text_index(tp, start)  # with the NUL terminator
    buffer = _array(ctypes.c_ushort, size)
    got = _get_text(tp, start, end + 1 - start, ctypes.addressof(buffer))
    return codecs.decode(memoryview(buffer)[:size][: got - 1], "utf-16-le", errors="ignore")


def _array(ctype: Any, length: int) -> Any:
    """A zeroed ctypes array of at least `length` items, as long as the next power of two
    (at least 256): ctypes makes an array type per length (90,000 instructions) and keeps
    it, so a handful of lengths serve every page and title (read as `length` long)."""
    return (ctype * (1 << max(length - 1, 255).bit_length()))()


def _utf16_text(read: Callable[[int | None, int], int]) -> str:
    """A string pdfium writes as UTF-16 with a 2-byte terminator: `read(address, size)` asked
    for the size with no buffer, then into one; strictly decoded, as pypdfium2 decodes
    metadata and bookmark titles."""
    n = read(None, 0)
    buffer = _array(ctypes.c_char, n)
    read(ctypes.addressof(buffer), n)
    return codecs.decode(memoryview(buffer)[:n][: n - 2], "utf-16-le")


def _floats(buffer: Any) -> Callable[[], list[float]]:
    """A reader of a ctypes float array's values as a list, in one call (a ctypes slice
    converts them one by one)."""
    view = memoryview(buffer).cast("B").cast("f")
    return cast("Callable[[], list[float]]", view.tolist)  # typeshed types it list[int]


class _TextReader:
    """Lines of a text page from one `get_text_range` call plus a few sampled characters.

    pdfium's text index equals its char index (generated spaces and line breaks are chars
    too; checked by length, else the text is rebuilt char by char), so each raw line
    [a, b] is asked for the box, size and font of its first, middle and last character
    only: 3 boxes, and size and font of the ends (the middle's only when the ends differ).
    Per-character boxes are read only for lines whose samples sit at different heights
    (table rows run together), and gap boxes only around spaces."""

    def __init__(self) -> None:
        self.rect = (ctypes.c_float * 4)()  # FS_RECTF: left, top, right, bottom
        self.rect_arg = ctypes.byref(self.rect)
        self.rect_floats = _floats(self.rect)
        self.name = ctypes.create_string_buffer(128)
        self.name_arg = ctypes.byref(self.name)
        self.flags = ctypes.c_int()
        self.flags_arg = ctypes.byref(self.flags)
        self.matrix = (ctypes.c_float * 6)()  # FS_MATRIX: a, b, c, d, e, f
        self.matrix_arg = ctypes.byref(self.matrix)
        self.matrix_floats = _floats(self.matrix)
        # (font name bytes, flags) → (name, bold): weight is the font's, not the char's.
        self.fonts: dict[tuple[bytes, int], tuple[str, bool]] = {}
        self.sizes: dict[float, float] = {}  # size → round(size, 2)

    def box(self, tp: Any, i: int) -> list[float]:
        """[left, top, right, bottom] in PDF space (y up) of char i's loose box."""
        _loose_box(tp, i, self.rect_arg)
        return self.rect_floats()

    def size(self, tp: Any, i: int) -> float:
        """Char i's size as set on the page: the font size times the scale of the char's
        matrix. Word's and many printers' PDFs set every font at 1 pt and scale it by the
        text matrix, so pdfium's font size alone is 1.0 for body and heading alike."""
        size = _font_size(tp, i)
        if _char_matrix(tp, i, self.matrix_arg):
            a, b, c, d, _, _ = self.matrix_floats()
            scale = abs(a * d - b * c) ** 0.5
            if scale > 0:
                size *= scale
        return size

    def font(self, tp: Any, i: int) -> tuple[str, bool]:
        """Font name of char i, and whether it is bold (weight, name or forced-bold flag)."""
        nlen = _font_info(tp, i, self.name_arg, _NAME_SIZE, self.flags_arg)
        key = (self.name.value if 0 < nlen <= 128 else b"", self.flags.value)
        got = self.fonts.get(key)
        if got is None:
            name, bold = _font_name(key[0]) if key[0] else ("", False)
            bold = bold or bool(key[1] & _FORCE_BOLD) or _font_weight(tp, i) >= 600
            got = self.fonts[key] = (name, bold)
        return got

    def page_lines(self, page: int, page_no: int, height: float) -> list[Line]:
        """The lines of a loaded page (its FPDF_PAGE address), through a text page opened
        and closed here: pypdfium2's PdfTextPage would cost as much as reading it."""
        textpage = _load_text_page(page)
        if not textpage:
            raise PdfiumError("Failed to load text page.")  # pypdfium2's words
        try:
            return self.lines(textpage, page_no, height)
        finally:
            _close_text_page(textpage)

    def lines(self, textpage: int, page_no: int, height: float) -> list[Line]:
        """The lines of text page `textpage` (its address), 1-based page `page_no` of `height`."""
        n = _count_chars(textpage)
        if n <= 0:
            return []
        text = _page_text(textpage, n)
        if len(text) != n:
            # Rare: pdfium inserted or dropped characters (or a surrogate pair); fall back to
            # the 1:1 char view so that text positions stay char indices.
            text = "".join(chr(_unicode(textpage, i) or 32) for i in range(n))
        text = no_lone_surrogates(text)
        tp = _pointer(textpage)
        segs: list[Line] = []
        segment = self._segment
        floats, at, box = self.rect_floats, self.rect_arg, _loose_box  # the hot loop: no method calls
        for m in _RAW_LINE.finditer(text):
            a, b = m.span()
            b -= 1
            mid = (a + b) // 2
            box(tp, a, at)
            ba = floats()
            if mid != a:
                box(tp, mid, at)
                bm = floats()
            else:
                bm = ba
            if b != mid:
                box(tp, b, at)
                bb = floats()
            else:
                bb = bm
            # min and max spelt out here and in _segment, as the builtins pick (a call to either
            # costs 1,400 instructions, five times the comparisons): `y if y > x else x` is
            # max(x, y) and `y if y < x else x` min(x, y).
            h = ba[1] - ba[3]
            h = 1.0 if h < 1.0 else h
            ya, ym, yb = ba[1] + ba[3], bm[1] + bm[3], bb[1] + bb[3]  # twice the centres
            hi = ym if ym > ya else ya
            hi = yb if yb > hi else hi
            lo = ym if ym < ya else ya
            lo = yb if yb < lo else lo
            if hi - lo > h:
                # Rows of a table that pdfium ran together: split char by char.
                for pa, pb in self._split_chars(tp, text, a, b):
                    segs.append(segment(tp, text, pa, pb, page_no, height))
                continue
            if text.find(" ", a, b) >= 0:
                pieces = self._gaps(tp, text, a, b, h)
                if len(pieces) > 1:
                    for pa, pb in pieces:
                        segs.append(segment(tp, text, pa, pb, page_no, height))
                    continue
            segs.append(segment(tp, text, a, b, page_no, height, (ba, bm, bb)))
        return segs

    def _gaps(self, tp: Any, text: str, a: int, b: int, h: float) -> list[tuple[int, int]]:
        """Split line [a, b] at spaces with a gap wider than 1.5 em (cells of one row)."""
        rect, at, box = self.rect, self.rect_arg, _loose_box
        wide = 1.5 * h
        out: list[tuple[int, int]] = []
        start = a
        held = -1  # the char whose box `rect` holds: a one-letter word's is read once
        # a and b are not spaces, so every run of spaces [k, q) has a char on each side
        # inside [a, b].
        k = text.find(" ", a, b)
        while k >= 0:
            q = k + 1
            while text[q] == " ":
                q += 1
            if held != k - 1:
                box(tp, k - 1, at)
            right = rect[2]
            box(tp, q, at)
            held = q
            if rect[0] - right > wide:
                out.append((start, k - 1))
                start = q
            k = text.find(" ", q, b)
        out.append((start, b))
        return out

    def _split_chars(self, tp: Any, text: str, a: int, b: int) -> list[tuple[int, int]]:
        """Per-character split by height and by wide gaps (only for lines that need it)."""
        out: list[tuple[int, int]] = []
        start = last = -1
        cur_top = cur_bot = prev_right = prev_left = 0.0
        for i in range(a, b + 1):
            if text[i].isspace():
                continue
            left, top, right, bottom = self.box(tp, i)
            h = max(top - bottom, 1.0)
            cy = (top + bottom) / 2
            if start >= 0 and (
                cy > cur_top or cy < cur_bot or left - prev_right > 1.5 * h or left < prev_left - h
            ):
                out.append((start, last))
                start = -1
            if start < 0:
                start, cur_top, cur_bot = i, top, bottom
            last, prev_right, prev_left = i, right, left
        if start >= 0:
            out.append((start, last))
        return out

    def _segment(
        self,
        tp: Any,
        text: str,
        a: int,
        b: int,
        page_no: int,
        height: float,
        boxes: tuple[list[float], list[float], list[float]] | None = None,
    ) -> Line:
        """Line of chars [a, b] from the samples first, middle, last: extent from their boxes,
        size the median and bold the majority of the three (the middle is read only when the
        ends disagree), face from the ends (from the middle when they differ)."""
        mid = (a + b) // 2
        if boxes is None:
            ba = self.box(tp, a)
            bm = self.box(tp, mid) if mid != a else ba
            bb = self.box(tp, b) if b != mid else bm
        else:
            ba, bm, bb = boxes
        sa = self.size(tp, a)
        na, bold_a = self.font(tp, a)
        if b == a:
            size, bold, font = sa, bold_a, na
        else:
            sb = self.size(tp, b)
            nb, bold_b = self.font(tp, b)
            if b - a == 1:
                # Two samples: the larger size, bold only when both are.
                size, bold, font = sb if sb > sa else sa, bold_a and bold_b, nb
            else:
                size = sa if sa == sb else sorted((sa, sb, self.size(tp, mid)))[1]
                if bold_a == bold_b and na == nb:
                    bold, font = bold_a, na
                else:
                    font, bold_m = self.font(tp, mid)
                    bold = bold_a if bold_a == bold_b else bold_m
                    if "\u4e00" <= text[a] <= "\u9fff" and not "\u4e00" <= text[mid] <= "\u9fff":
                        # "参考文献 （References）": the 汉字 carry the line's face, not its Latin tail.
                        font = na
        x0 = ba[0]
        top = bm[1] if bm[1] > ba[1] else ba[1]
        top = bb[1] if bb[1] > top else top
        bottom = bm[3] if bm[3] < ba[3] else ba[3]
        bottom = bb[3] if bb[3] < bottom else bottom
        return Line(page_no, text[a : b + 1].strip(), x0, bb[2] if bb[2] > x0 else x0, height - top,
                    height - bottom, self.rounded(size), bold, font)  # fmt: skip

    def rounded(self, size: float) -> float:
        """round(size, 2), remembered for the document's sizes (round costs 2,600
        instructions, a look-up 400; only a positive size is kept, as 0.0 and -0.0 are one key)."""
        got = self.sizes.get(size)
        if got is None:
            got = round(size, 2)
            if size > 0:
                self.sizes[size] = got
        return got


_SURROGATE = re.compile("[\ud800-\udfff]")


def no_lone_surrogates(text: str) -> str:
    """pdfium hands characters outside the BMP (XeLaTeX math letters, rare CJK) over as
    UTF-16 halves, one per character index. Halves cannot be encoded anywhere downstream
    (UnicodeEncodeError at the first write), so each becomes U+FFFD; the length, and with it
    every character index into the page's text, stays the same."""
    return _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text


def _clean(text: str) -> str:
    """A string from the PDF (title, bookmark) with surrogate pairs joined, halves replaced."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace") if _SURROGATE.search(text) else text


# ---------------------------------------------------------------- OCR pages
def _ocr_pages(pdf: Any, numbers: Sequence[int]) -> list[list[Line]]:
    """OCR'd lines of some pages (1-based numbers) of `pdf` (pypdfium2's PdfDocument: it
    renders), rendered at the resolution OCR needs (ocr.page_scale) in this thread (pdfium
    is not thread-safe) and read side by side."""
    from dossier.parse.ocr import ocr_many, page_scale

    images, scales = [], []
    for no in numbers:
        page = pdf[no - 1]
        try:
            width, height = page.get_size()
            scale = render_scale(width, height, page_scale(width, height, most=OCR_SCALE))
            images.append(page.render(scale=scale, grayscale=True).to_pil())
            scales.append(scale)
        finally:
            page.close()
    out = []
    for no, scale, found in zip(numbers, scales, ocr_many(images), strict=True):
        lines = []
        for o in found:
            top, bottom = o.top / scale, o.bottom / scale
            lines.append(Line(page=no, text=o.text, x0=o.x0 / scale, x1=o.x1 / scale, top=top, bottom=bottom,
                              size=round(bottom - top, 1), score=o.score))
        out.append(lines)
    return out


def page_objects(page: int) -> Iterator[tuple[int, int]]:
    """(address, type) of a loaded page's objects and of those of the form XObjects on it, in
    page order, as pypdfium2's get_objects(max_depth=2) lists them, failing with its errors;
    through pdfium's C functions: its Python object per page object costs a quarter of
    reading a text page."""
    yield from _objects(page, _count_page_objects, _page_object, 0)


def _objects(parent: int, count_objects: Any, get_object: Any, level: int) -> Iterator[tuple[int, int]]:
    n = count_objects(parent)
    if n < 0:
        raise PdfiumError("Failed to get number of pageobjects.")
    for i in range(n):
        obj = get_object(parent, i)
        if not obj:
            raise PdfiumError("Failed to get pageobject.")
        kind = _object_type(obj)
        if kind == PAGEOBJ_UNKNOWN:
            raise PdfiumError(
                "Failed to determine pageobject type, did you pass in a valid FPDF_PAGEOBJECT handle?"
            )
        yield obj, kind
        if kind == PAGEOBJ_FORM and level < 1:  # forms on the page, not forms in those
            yield from _objects(obj, _count_form_objects, _form_object, level + 1)


def _has_image(page: int) -> bool:
    """An image among the page's objects (page_objects)."""
    return any(kind == PAGEOBJ_IMAGE for _, kind in page_objects(page))


# ---------------------------------------------------------------- bookmarks
_first_child = _direct("FPDFBookmark_GetFirstChild", _V, _V, _V)
_next_sibling = _direct("FPDFBookmark_GetNextSibling", _V, _V, _V)
_bookmark_title = _direct("FPDFBookmark_GetTitle", ctypes.c_ulong, _V, _V, ctypes.c_ulong)
_bookmark_dest = _direct("FPDFBookmark_GetDest", _V, _V, _V)
_dest_page = _direct("FPDFDest_GetDestPageIndex", _I, _V, _V)
_TOC_DEPTH = 8
_log = logging.getLogger(__name__)


def _bookmarks(pdf: Document) -> list[Mark]:
    doc = _address(pdf)
    marks = []
    try:
        for bm, level in _toc(doc, None, 0, set()):
            title = _clean(_bookmark_text(bm))
            dest = _bookmark_dest(doc, bm)
            page = _dest_page(doc, dest) if dest else -1
            if title.strip():
                marks.append(Mark(key(title), level + 1, None if page < 0 else page + 1, title.strip()))
    except Exception:  # a broken outline is not a broken document; the visual signals remain
        return []
    return marks


def _toc(doc: int | None, parent: int | None, level: int, seen: set[int]) -> Iterator[tuple[int, int]]:
    """(bookmark, 0-based level) of the outline under `parent` as pypdfium2's
    get_toc(max_depth=8) walks it, with its warnings: a bookmark met again ends its run of
    siblings, and levels past the eighth are left out; through pdfium's C functions, where
    pypdfium2's objects per bookmark cost as much as the rest of reading it."""
    bm = _first_child(doc, parent)
    while bm:
        if bm in seen:
            _log.warning("A circular bookmark reference was detected while traversing the table of contents.")
            break
        seen.add(bm)
        yield bm, level
        if level < _TOC_DEPTH - 1:
            yield from _toc(doc, bm, level + 1, seen)
        elif _first_child(doc, bm):
            _log.warning(f"Maximum recursion depth {_TOC_DEPTH} reached (subtree skipped).")
        bm = _next_sibling(doc, bm)


def _bookmark_text(bm: int) -> str:
    """A bookmark's title as pypdfium2's get_title reads it (UTF-16, strictly decoded)."""
    return _utf16_text(lambda at, n: _bookmark_title(bm, at, n))


# ---------------------------------------------------------------- entry point
def _open(path: Path) -> Document:
    try:
        with open(path, "rb") as fh:
            head = fh.read(1024)
    except OSError as e:
        raise InputError(f"cannot read file: {e.strerror or e}", path=str(path)) from e
    if b"%PDF" not in head:
        raise InputError("not a PDF file (no %PDF header)", path=str(path))
    try:
        return open_document(path)
    except PdfiumError as e:
        msg = str(e)
        if "password" in msg.lower():
            raise InputError(ENCRYPTED, path=str(path)) from e
        m = re.search(r"PDFium: ([^)]*)", msg)
        raise InputError(f"broken or truncated PDF ({m.group(1) if m else msg})", path=str(path)) from e


def _ranges(nums: Sequence[int]) -> str:
    out: list[str] = []
    for n in sorted(nums):
        if out and "-" not in out[-1].split(",")[-1] and int(out[-1]) == n - 1:
            out[-1] = f"{out[-1]}-{n}"
        elif out and "-" in out[-1] and int(out[-1].split("-")[1]) == n - 1:
            out[-1] = f"{out[-1].split('-')[0]}-{n}"
        else:
            out.append(str(n))
    return ", ".join(out)


def ocr_summary(pages: Sequence[int], scores: Sequence[float]) -> tuple[str, float]:
    """The warning naming the OCR'd pages and their mean confidence, and that mean (PDF, OFD, images)."""
    mean = sum(scores) / len(scores) if scores else 0.0
    return f"ocr: pages {_ranges(pages)} read by OCR (mean confidence {mean:.2f})", mean


@dataclass
class _Read:
    """What reading the text layer page by page gave (mutable while the pages are read)."""

    pages: list[Page] = field(default_factory=list)
    blank: list[int] = field(default_factory=list)
    """Image-only pages (1-based): OCR's work."""
    ruled: list[int] = field(default_factory=list)
    """Pages with ruling lines: their tables are read cell by cell (pdf_tables)."""
    unreadable: list[int] = field(default_factory=list)
    tables: bool = False
    """The document is short enough for its tables to be read cell by cell
    (pdf_tables.FORM_PAGES): every page with text is asked whether it is ruled. A longer
    one's pages are asked only when set in columns (a ruled page's columns are a table's)."""


def parse_pdf(
    path: Path, *, ocr: bool = True, max_pages: int = 2000, time_limit: float = 600.0
) -> DocumentTree:
    """Parse a PDF into a heading tree.

    Pages without a text layer that hold an image are OCR'd when `ocr` is true and
    rapidocr is available; otherwise the tree carries a warning starting with
    NO_TEXT_LAYER ("no-text-layer: …") and no headings from those pages. At most
    `max_pages` pages are read and reading stops after `time_limit` seconds, each with a
    warning, so a huge file is bounded.
    """
    from dossier.parse.pdf_tables import apply_tables

    path = Path(path)
    pdf = _open(path)
    warnings: list[str] = []
    deadline = time.monotonic() + time_limit
    try:
        total = len(pdf)
        if total == 0:
            raise InputError("broken PDF: no pages", path=str(path))
        read = _read_pages(pdf, path, min(total, max_pages), deadline, warnings)
        if total > max_pages:
            warnings.insert(0, f"read the first {max_pages} of {total} pages")
            warnings.append(partly(f"只读取了前 {max_pages:,} 页（共 {total:,} 页）"))
        pages = apply_tables(path, read.pages, read.ruled, warnings)
        ocr_pages, scores = _ocr_blank_pages(path, pages, read.blank, ocr, deadline, warnings)
        marks = _bookmarks(pdf)
        meta_title = _clean(pdf.metadata("Title") or "")
    finally:
        pdf.close()
    return pages_tree(path, pages, marks, fmt="pdf", ocr_fmt="pdf-ocr", meta_title=meta_title, total=total,
                      ocr_pages=ocr_pages, scores=scores, warnings=warnings)


def _read_pages(pdf: Document, path: Path, limit: int, deadline: float, warnings: list[str]) -> _Read:
    """The text layer's lines of the first `limit` pages, until the deadline; a page pdfium
    cannot read is a warning, all of them an InputError."""
    from dossier.parse.pdf_tables import FORM_PAGES  # pdf_tables imports this module

    reader = _TextReader()
    read = _Read(tables=limit <= FORM_PAGES)
    total = len(pdf)
    for i in range(limit):
        if time.monotonic() > deadline:
            warnings.append(f"time limit: stopped after page {i} of {total}")
            warnings.append(partly(f"读取时间已到上限，只读取了前 {i:,} 页（共 {total:,} 页）"))
            break
        try:
            read.pages.append(_read_page(pdf, i, reader, read))
        except PdfiumError as e:
            read.unreadable.append(i + 1)
            warnings.append(f"page {i + 1} could not be read: {e}")
    if read.unreadable and not read.pages:
        raise InputError(f"broken PDF: no page could be read ({warnings[-1]})", path=str(path))
    if not read.tables and len(read.pages) <= FORM_PAGES:
        # Short after all (pages unreadable, or the time limit): its tables are read cell
        # by cell, so every page with text is asked now.
        read.ruled = [p.number for p in read.pages if p.lines and _page_ruled(pdf, p.number - 1)]
    return read


def _page_ruled(pdf: Document, i: int) -> bool:
    """Page i (0-based, read before) has ruling lines (pdf_tables.looks_ruled)."""
    from dossier.parse.pdf_tables import looks_ruled  # pdf_tables imports this module

    page = _load_page(_address(pdf), i)
    if not page:
        return False
    try:
        return looks_ruled(page)
    finally:
        _close_page(page)


def _read_page(pdf: Document, i: int, reader: _TextReader, read: _Read) -> Page:
    """Page i (0-based) as lines; notes in `read` whether it is image-only or ruled.

    The page is loaded and closed through pdfium's C API: pypdfium2's PdfPage and
    PdfTextPage register finalizers and parents per object, which cost as much as the
    Python part of reading a page; the errors say what theirs say."""
    from dossier.parse.pdf_tables import looks_ruled  # pdf_tables imports this module

    page = _load_page(_address(pdf), i)
    if not page:
        raise PdfiumError("Failed to load page.")
    try:
        width, height = _page_width(page), _page_height(page)
        segs = reader.page_lines(page, i + 1, height)
        gutter = column_gutter(segs, width)
        # Asked only where ruling changes what is read (the page walk costs as much as
        # clustering it): a short document's tables, a page set in columns.
        is_ruled = bool(segs) and (read.tables or gutter is not None) and looks_ruled(page)
        if not segs and _has_image(page):
            read.blank.append(i + 1)
        elif is_ruled:
            read.ruled.append(i + 1)
    finally:
        _close_page(page)
    # A ruled page's columns are a table's: its rows are read as rows.
    lines = _cluster(segs) if is_ruled else cluster_in_columns(segs, gutter)
    return Page(i + 1, width, height, tuple(lines))


def _ocr_blank_pages(
    path: Path, pages: list[Page], blank: list[int], ocr: bool, deadline: float, warnings: list[str]
) -> tuple[list[int], list[float]]:
    """OCR the image-only pages of the PDF at `path` in place in `pages` (when `ocr` and
    rapidocr allow, until the deadline); the pages read by OCR and their line scores. Pages
    left unread are said in a NO_TEXT_LAYER warning. The pages are rendered by pypdfium2,
    imported here: only a PDF with pages to OCR needs it."""
    if not blank:
        return [], []
    from dossier.parse import ocr as ocr_mod

    reason = "OCR was turned off" if not ocr else ocr_mod.unavailable_reason()
    if reason is not None:
        warnings.append(f"{NO_TEXT_LAYER} pages {_ranges(blank)} have no text layer and {reason}")
        return [], []
    by_no = {p.number: k for k, p in enumerate(pages)}
    done: list[int] = []
    ocr_pages: list[int] = []
    scores: list[float] = []
    step = 4  # pages rendered and held at once
    started, capped = time.monotonic(), ""
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(path))
    try:
        for at in range(0, len(blank), step):
            if time.monotonic() > deadline or (capped := ocr_stop(started, len(done))):
                break
            chunk = blank[at : at + step]
            for no, found in zip(chunk, _ocr_pages(pdf, chunk), strict=True):
                lines = _cluster(found)
                done.append(no)
                if not lines:
                    continue  # a blank or picture-only page: counted below, not as read
                pages[by_no[no]] = replace(pages[by_no[no]], lines=tuple(lines), ocr=True)
                ocr_pages.append(no)
                scores.extend(ln.score for ln in lines if ln.score is not None)
    finally:
        pdf.close()
    left = [n for n in blank if n not in done]
    warnings.extend(unread_page_warnings(left, [n for n in done if n not in ocr_pages], capped))
    return ocr_pages, scores


def unread_page_warnings(left: Sequence[int], empty: Sequence[int], capped: str) -> list[str]:
    """What a PDF or OFD reader says of image-only pages it did not OCR (`left`, with the cap
    that stopped it) and of those where OCR found no text (`empty`)."""
    out: list[str] = []
    if left:
        out.append(f"{NO_TEXT_LAYER} pages {_ranges(left)} have no text layer and were not OCR'd (time limit)")
        if capped:
            out.append(ocr_skipped(_ranges(left), capped))
    if empty:
        # Said like a missing text layer, so that a file of such pages is reported
        # as unreadable (DOS-P001) rather than as a document with nothing in it.
        out.append(f"{NO_TEXT_LAYER} pages {_ranges(empty)} have no text layer and OCR found no text")
    return out


PageFormat = Literal["pdf", "pdf-ocr", "ofd", "image"]


def pages_tree(
    path: Path,
    pages: Sequence[Page],
    marks: Sequence[Mark],
    *,
    fmt: PageFormat,
    ocr_fmt: PageFormat | None = None,
    meta_title: str = "",
    total: int,
    ocr_pages: list[int],
    scores: list[float],
    warnings: list[str],
    display: str | None = None,
) -> DocumentTree:
    """The DocumentTree of the pages a PDF, OFD or image reader read: headings when there is
    text (layer or OCR), the OCR note and mean confidence, `ocr_fmt` as the format when every
    page with text was OCR'd."""
    all_ocr = bool(ocr_pages) and len(ocr_pages) == sum(1 for p in pages if p.lines)
    confidence = None
    if ocr_pages:
        note, confidence = ocr_summary(ocr_pages, scores)
        warnings.append(note)
    read = [p for p in pages if p.lines]
    # With no text layer and no OCR there is nothing to find headings in: say so, no guesses.
    title, preamble, headings = (
        lines_to_tree(path, read, list(marks), ocr=all_ocr, meta_title=meta_title) if read else ("", (), ())
    )
    return DocumentTree(
        path=str(path) if display is None else display,
        format=ocr_fmt if all_ocr and ocr_fmt else fmt,
        title=title,
        headings=headings,
        preamble=preamble,
        pages=total,
        ocr=bool(ocr_pages),
        ocr_confidence=confidence,
        warnings=tuple(warnings),
    )
