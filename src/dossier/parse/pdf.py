"""PDF → DocumentTree, from the text layer (pypdfium2) or, for scanned pages, from OCR.

Lines come from pdfium's text page: its own line breaks give raw segments, a few
characters of each are sampled for box, font size and font name (weight is rarely set in
exported PDFs; the font name says "Bold"), and segments at the same height are clustered
into one line. Then: running headers/footers and page numbers go, 目录 pages go, the
cover title is taken, wrapped headings are merged, body lines are joined into paragraphs,
and headings are recognised from bookmarks, numbering (ladder.py), size, weight and face.
Levels come from bookmarks when the PDF has them, else from the document's own ladder.
"""

from __future__ import annotations

import ctypes
import functools
import re
import time
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from dossier.cjk import PLACEHOLDER_MARK, is_toc_title
from dossier.errors import InputError
from dossier.parse import ladder
from dossier.parse.ladder import Ladder, is_toc_line, normalise_title
from dossier.tree import Block, DocumentTree, Heading, Location

__all__ = ["NO_TEXT_LAYER", "Line", "Page", "is_page_number", "lines_to_tree", "parse_pdf"]

NO_TEXT_LAYER = "no-text-layer:"
"""Prefix of the `warnings` entry for pages that have no text layer and were not OCR'd."""

OCR_SCALE = 2.0


@dataclass(frozen=True)
class Line:
    """One visual line; coordinates in points, y growing downwards from the page top."""

    page: int
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    """Font size (text layer) or box height (OCR)."""
    bold: bool = False
    font: str = ""
    score: float | None = None
    """OCR recognition score; None for the text layer."""
    cells: tuple[str, ...] = ()
    """Texts apart by wide gaps when there are several (a table row, or a label ⇥ title)."""

    @property
    def height(self) -> float:
        return max(self.bottom - self.top, 0.1)


@dataclass(frozen=True)
class Page:
    number: int
    width: float
    height: float
    lines: tuple[Line, ...]
    ocr: bool = False


@dataclass(frozen=True)
class _Mark:
    """A bookmark (outline entry): normalised title, 1-based level and page."""

    key: str
    level: int
    page: int | None


# Each line is asked about its numbering up to three times (candidate, wrap, classify).
split_numbering = functools.lru_cache(maxsize=8192)(ladder.split_numbering)


def is_amount_line(text: str) -> bool:
    """`ladder.is_amount_line` behind a one-character precheck: an amount starts with a
    digit or a sign (full-width too), which most lines do not."""
    c = text.lstrip()[:1]
    return bool(c) and (c.isdigit() or c in "+-＋－") and ladder.is_amount_line(text)


# ---------------------------------------------------------------- text layer
_BOLD_NAME = re.compile(r"bold|black|heavy|semibold|demibold|粗", re.IGNORECASE)
_FACE_NAME = re.compile(r"hei|sans|gothic|kai|楷|黑|yahei|fangsong|仿宋", re.IGNORECASE)


_FAMILY_SPLIT = re.compile(r"[-,]")


@functools.lru_cache(maxsize=512)
def _font_family(name: str) -> str:
    """'ABCDEF+NotoSansCJKjp-Bold-VKana' → 'notosanscjkjp' (subset tag and style dropped)."""
    name = name.split("+", 1)[-1]
    return _FAMILY_SPLIT.split(name, maxsplit=1)[0].lower()


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
_SPACES = re.compile(" +")
_FORCE_BOLD = 0x40000  # FPDF_FONT_FORCEBOLD, flag bit 19
_V, _I = ctypes.c_void_p, ctypes.c_int


def _direct(fn: Any, restype: Any, *argtypes: Any) -> Any:
    """The same pdfium function as pypdfium2's binding, called through a prototype taking
    plain addresses: no pointer-type conversion per call (these run several times a line)."""
    address = ctypes.cast(fn, _V).value
    assert address is not None
    return ctypes.CFUNCTYPE(restype, *argtypes)(address)


_loose_box = _direct(pdfium_c.FPDFText_GetLooseCharBox, _I, _V, _I, _V)
_font_size = _direct(pdfium_c.FPDFText_GetFontSize, ctypes.c_double, _V, _I)
_font_info = _direct(pdfium_c.FPDFText_GetFontInfo, ctypes.c_ulong, _V, _I, _V, ctypes.c_ulong, _V)
_font_weight = _direct(pdfium_c.FPDFText_GetFontWeight, _I, _V, _I)


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
        self.rect_at = ctypes.addressof(self.rect)
        self.name = ctypes.create_string_buffer(128)
        self.name_at = ctypes.addressof(self.name)
        self.flags = ctypes.c_int()
        self.flags_at = ctypes.addressof(self.flags)
        # (font name bytes, flags) → (name, bold): weight is the font's, not the char's.
        self.fonts: dict[tuple[bytes, int], tuple[str, bool]] = {}

    def box(self, tp: int, i: int) -> list[float]:
        """[left, top, right, bottom] in PDF space (y up) of char i's loose box."""
        _loose_box(tp, i, self.rect_at)
        return self.rect[:]

    def font(self, tp: int, i: int) -> tuple[str, bool]:
        """Font name of char i, and whether it is bold (weight, name or forced-bold flag)."""
        nlen = _font_info(tp, i, self.name_at, 128, self.flags_at)
        key = (self.name.value if 0 < nlen <= 128 else b"", self.flags.value)
        got = self.fonts.get(key)
        if got is None:
            name, bold = _font_name(key[0]) if key[0] else ("", False)
            bold = bold or bool(key[1] & _FORCE_BOLD) or _font_weight(tp, i) >= 600
            got = self.fonts[key] = (name, bold)
        return got

    def lines(self, textpage: pdfium.PdfTextPage, page_no: int, height: float) -> list[Line]:
        raw = textpage.raw
        n = pdfium_c.FPDFText_CountChars(raw)
        if n <= 0:
            return []
        text = textpage.get_text_range(0, n)
        if len(text) != n:
            # Rare: pdfium inserted or dropped characters (or a surrogate pair); fall back to
            # the 1:1 char view so that text positions stay char indices.
            text = "".join(chr(pdfium_c.FPDFText_GetUnicode(raw, i) or 32) for i in range(n))
        tp: int = ctypes.cast(raw, _V).value or 0
        segs: list[Line] = []
        rect, at, box = self.rect, self.rect_at, _loose_box  # the hot loop: no method calls
        for m in _RAW_LINE.finditer(text):
            a, b = m.start(), m.end() - 1
            mid = (a + b) // 2
            box(tp, a, at)
            ba = rect[:]
            if mid != a:
                box(tp, mid, at)
                bm = rect[:]
            else:
                bm = ba
            if b != mid:
                box(tp, b, at)
                bb = rect[:]
            else:
                bb = bm
            h = max(ba[1] - ba[3], 1.0)
            ya, ym, yb = ba[1] + ba[3], bm[1] + bm[3], bb[1] + bb[3]  # twice the centres
            if max(ya, ym, yb) - min(ya, ym, yb) > h:
                # Rows of a table that pdfium ran together: split char by char.
                for pa, pb in self._split_chars(tp, text, a, b):
                    segs.append(self._segment(tp, text, pa, pb, page_no, height))
                continue
            if text.find(" ", a, b) >= 0:
                pieces = self._gaps(tp, text, a, b, h)
                if len(pieces) > 1:
                    for pa, pb in pieces:
                        segs.append(self._segment(tp, text, pa, pb, page_no, height))
                    continue
            segs.append(self._segment(tp, text, a, b, page_no, height, (ba, bm, bb)))
        return segs

    def _gaps(self, tp: int, text: str, a: int, b: int, h: float) -> list[tuple[int, int]]:
        """Split line [a, b] at spaces with a gap wider than 1.5 em (cells of one row)."""
        rect, at, box = self.rect, self.rect_at, _loose_box
        wide = 1.5 * h
        out: list[tuple[int, int]] = []
        start = a
        # a and b are not spaces, so every run has a char on each side inside [a, b].
        for run in _SPACES.finditer(text, a, b):
            k, q = run.span()
            box(tp, k - 1, at)
            right = rect[2]
            box(tp, q, at)
            if rect[0] - right > wide:
                out.append((start, k - 1))
                start = q
        out.append((start, b))
        return out

    def _split_chars(self, tp: int, text: str, a: int, b: int) -> list[tuple[int, int]]:
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
        tp: int,
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
        sa = _font_size(tp, a)
        na, bold_a = self.font(tp, a)
        if b == a:
            size, bold, font = sa, bold_a, na
        else:
            sb = _font_size(tp, b)
            nb, bold_b = self.font(tp, b)
            if b - a == 1:
                # Two samples: the larger size, bold only when both are.
                size, bold, font = max(sa, sb), bold_a and bold_b, nb
            else:
                size = sa if sa == sb else sorted((sa, sb, _font_size(tp, mid)))[1]
                if bold_a == bold_b and na == nb:
                    bold, font = bold_a, na
                else:
                    font, bold_m = self.font(tp, mid)
                    bold = bold_a if bold_a == bold_b else bold_m
        x0 = ba[0]
        # Positional (page, text, x0, x1, top, bottom, size, bold, font): one per line, and
        # a frozen dataclass takes keywords at twice the cost.
        return Line(
            page_no,
            text[a : b + 1].strip(),
            x0,
            bb[2] if bb[2] > x0 else x0,
            height - max(ba[1], bm[1], bb[1]),
            height - min(ba[3], bm[3], bb[3]),
            round(size, 2),
            bold,
            font,
        )


def _cluster(segs: Iterable[Line]) -> list[Line]:
    """Segments at the same height (vertical overlap ≥ half the smaller one) become one line;
    segments apart by more than 1.5 em are kept as cells (a table row, or label ⇥ title)."""
    ordered = sorted(segs, key=lambda s: (round(s.top, 1), s.x0))
    groups: list[list[Line]] = []
    top = bottom = 0.0  # extent of the last group
    for s in ordered:
        if groups:
            overlap = min(bottom, s.bottom) - max(top, s.top)
            if overlap >= 0.5 * min(s.height, bottom - top):
                groups[-1].append(s)
                top, bottom = min(top, s.top), max(bottom, s.bottom)
                continue
        groups.append([s])
        top, bottom = s.top, s.bottom
    out: list[Line] = []
    for g in groups:
        if len(g) == 1:
            out.append(g[0])
            continue
        g.sort(key=lambda x: x.x0)
        parts = [g[0].text]
        cells = [g[0].text]
        for prev, cur in zip(g, g[1:], strict=False):
            gap = cur.x0 - prev.x1
            em = max(cur.size, prev.size, 1.0)
            parts.append((" " if gap > 0.25 * em else "") + cur.text)
            if gap > 1.5 * em:
                cells.append(cur.text)
            else:
                cells[-1] = cells[-1] + parts[-1]
        if len(cells) == 2 and parts[1].startswith(" "):
            # "1.⇥项目名称": a label, a tab, a title is one cell, unless the gap is table-wide.
            num = split_numbering("".join(parts))
            gap = g[1].x0 - g[0].x1 if len(g) == 2 else 1e9
            if num is not None and _key(num.label) == _key(cells[0]) and gap <= 4.0 * max(g[0].size, 1.0):
                cells = ["".join(parts)]
        main = max(g, key=lambda x: len(x.text))
        scores = [x.score for x in g if x.score is not None]
        out.append(
            replace(
                main,
                text="".join(parts),
                x0=g[0].x0,
                x1=max(x.x1 for x in g),
                top=min(x.top for x in g),
                bottom=max(x.bottom for x in g),
                size=max(x.size for x in g),
                bold=sum(len(x.text) for x in g if x.bold) * 2 > sum(len(x.text) for x in g),
                score=sum(scores) / len(scores) if scores else None,
                cells=tuple(cells) if len(cells) > 1 else (),
            )
        )
    return out


# ---------------------------------------------------------------- OCR pages
def _ocr_lines(page: pdfium.PdfPage, page_no: int) -> list[Line]:
    from dossier.parse.ocr import ocr_image

    image = page.render(scale=OCR_SCALE, grayscale=True).to_pil()
    out = []
    for o in ocr_image(image):
        top, bottom = o.top / OCR_SCALE, o.bottom / OCR_SCALE
        out.append(
            Line(
                page=page_no,
                text=o.text,
                x0=o.x0 / OCR_SCALE,
                x1=o.x1 / OCR_SCALE,
                top=top,
                bottom=bottom,
                size=round(bottom - top, 1),
                score=o.score,
            )
        )
    return out


def _has_image(page: pdfium.PdfPage) -> bool:
    return any(True for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2))


# ---------------------------------------------------------------- cleaning
_PAGE_NO = re.compile(
    r"^(?:[-–—]\s*\d{1,4}\s*[-–—]|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
    r"|共\s*\d{1,4}\s*页\s*[,，]?\s*第\s*\d{1,4}\s*页|\d{1,4}\s*/\s*\d{1,4}"
    r"|page\s*\d{1,4}(?:\s*of\s*\d{1,4})?|\d{1,4})$",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"\d+")
_MARGIN = 0.12  # top/bottom share of the page where running headers and footers live


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def is_page_number(text: str) -> bool:
    """'- 3 -', '第 3 页', '第3页 共7页', '3/7', 'Page 3 of 7', '3'."""
    return bool(_PAGE_NO.match(_nfkc(text)))


def _running_key(text: str) -> str:
    return _DIGITS.sub("#", _nfkc(text).replace(" ", ""))


def _drop_running(pages: list[Page]) -> list[Page]:
    """Drop page numbers in the margins and lines repeating in the margins of many pages."""
    counts: Counter[tuple[str, str]] = Counter()
    # Per page, its margin lines (index, zone key); body lines are not looked at again.
    margins: list[list[tuple[int, tuple[str, str]]]] = []
    for p in pages:
        found = []
        top, bottom = p.height * _MARGIN, p.height * (1 - _MARGIN)
        for i, ln in enumerate(p.lines):
            z = "top" if ln.bottom <= top else "bottom" if ln.top >= bottom else None
            if z:
                found.append((i, (z, _running_key(ln.text))))
        margins.append(found)
        counts.update({k for _i, k in found})
    n = sum(1 for p in pages if p.lines)
    need = max(2, -(-2 * n // 5))  # on at least 40% of the pages, and on two
    out = []
    for p, found in zip(pages, margins, strict=True):
        drop = {i for i, k in found if is_page_number(p.lines[i].text) or (n >= 2 and counts[k] >= need)}
        out.append(
            replace(p, lines=tuple(ln for i, ln in enumerate(p.lines) if i not in drop)) if drop else p
        )
    return out


def _drop_toc(pages: list[Page]) -> list[Page]:
    """Drop 目录 entries: the run of entry lines from the 目录 heading (or the first entry)
    on, continuing onto the next pages while they open with entries. A cover above the
    目录 and body text below it on the same page are kept."""
    out = []
    in_toc = False
    for p in pages:
        lines = p.lines
        # (A 目录 title is short: longer lines are not normalised to be asked.)
        head = next((i for i, ln in enumerate(lines[:8]) if _is_toc_title(ln.text)), None)
        # Under a 目录 heading (or on its next page), "title   12" without a leader is an entry too.
        loose = head is not None or in_toc
        flags = [is_toc_line(ln.text) or (loose and bool(_ENDS_PAGE.search(ln.text))) for ln in lines]
        hits = sum(flags)
        start = head if head is not None else next((i for i, f in enumerate(flags) if f), None)
        toc = start is not None and (
            (head is not None and hits >= 2)
            or (hits >= 3 and hits >= 0.4 * len(lines))
            or (in_toc and bool(flags) and flags[0])
        )
        if not toc or start is None:
            out.append(p)
            in_toc = False
            continue
        end = start
        i = start + 1
        while i < len(lines):
            if flags[i]:
                end = i
            elif not (i + 1 < len(lines) and flags[i + 1]):
                break  # one unflagged line may be the first half of a wrapped entry, two end it
            i += 1
        out.append(replace(p, lines=lines[:start] + lines[end + 1 :]))
        in_toc = end >= len(lines) - 2
    return out


def _is_toc_title(text: str) -> bool:
    c = text.lstrip()[:1]
    # NFKC maps ASCII and CJK ideographs to themselves: only these can start 目录 / contents.
    if (c.isascii() or "\u4e00" <= c <= "\u9fff") and (not c or c not in "目cCtT"):
        return False
    return is_toc_title(_nfkc(text))


_ENDS_PAGE = re.compile(r"\D\s+\d{1,4}$")


# ---------------------------------------------------------------- headings
_SENTENCE_END = "。；;，,！!？?"
_FULL_STOP = "。！!？?"
_HAS_BRACKET = re.compile(r"[()\[\]（）［］【】]").search
# The rest of a line cut by a wrap: no opener, a CJK character, then a closer ("据）…").
_CUT_REST = re.compile(r"[^(（\[［【]*?[\u4e00-\u9fff][)）\]］】]").match
_BRACKETS = str.maketrans({"（": "(", "［": "[", "【": "[", "）": ")", "］": "]", "】": "]"})


def _depth(text: str) -> tuple[int, int]:
    """(brackets left open at the end, most closed without an opener): a line that leaves
    "（" open was cut by a wrap; one that opens with "…据）" is the cut-off rest."""
    depth = low = 0
    if not _HAS_BRACKET(text):
        return 0, 0
    for c in text.translate(_BRACKETS):
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
            low = min(low, depth)
    return depth - low, -low


def _key(text: str) -> str:
    return re.sub(r"\s+", "", normalise_title(text))


def _bookmarks(pdf: pdfium.PdfDocument) -> list[_Mark]:
    marks = []
    try:
        for bm in pdf.get_toc(max_depth=8):
            title = bm.get_title() or ""
            dest = bm.get_dest()
            page = dest.get_index() if dest is not None else None
            if title.strip():
                marks.append(_Mark(_key(title), bm.level + 1, None if page is None else page + 1))
    except Exception:  # a broken outline is not a broken document; the visual signals remain
        return []
    return marks


@dataclass
class _State:
    """Per-document context for recognising headings (mutable while walking the lines)."""

    body_size: float
    body_family: str
    marks: list[_Mark]
    ocr: bool
    ladder: Ladder = field(default_factory=Ladder)
    fmt_levels: dict[str, int] = field(default_factory=dict)
    faces: dict[str, bool] = field(default_factory=dict)
    """Font name → a heading face unlike the body's (a document has a handful of fonts)."""

    def __post_init__(self) -> None:
        # Marks not yet taken, counted by the first character of their key and their page.
        self._near: dict[str, dict[int | None, int]] = {}
        for m in self.marks:
            pages = self._near.setdefault(m.key[:1], {})
            pages[m.page] = pages.get(m.page, 0) + 1
        # Marks by page (None: no destination), as indexes into `marks` in outline order: a
        # line is compared with its own and the neighbouring pages' marks, not every bookmark.
        self._by_page: dict[int | None, list[int]] = {}
        for i, m in enumerate(self.marks):
            self._by_page.setdefault(m.page, []).append(i)
        self._taken: set[int] = set()

    def _nearby(self, head: str, page: int) -> bool:
        """A mark whose key starts with `head` is left on this page, a neighbour or none."""
        pages = self._near.get(head)
        if not pages:
            return False
        return any(pages.get(p, 0) > 0 for p in (page, page - 1, page + 1, None))

    def find_mark(self, line: Line, text: str) -> int | None:
        # A match shares the key's first character and sits within a page: most lines are
        # ruled out by that without normalising the whole line.
        if len(self._taken) == len(self.marks):
            return None
        c0 = text.lstrip()[:1]
        # NFKC leaves these alone and composes nothing onto them: the key starts with c0.
        stable = c0 and ("\u4e00" <= c0 <= "\u9fff" or (c0.isascii() and not c0.isalpha()))
        if stable and not self._nearby(c0, line.page):
            return None
        k = _key(text)
        if not k or not self._nearby(k[0], line.page):
            return None
        near = (line.page - 1, line.page, line.page + 1, None)
        for i in sorted(i for p in near for i in self._by_page.get(p, ()) if i not in self._taken):
            m = self.marks[i]
            if m.key == k or (
                len(k) >= 4 and (m.key.startswith(k) or k.startswith(m.key)) and len(m.key) >= 4
            ):
                return i
        return None

    def pop_mark(self, i: int) -> _Mark:
        m = self.marks[i]
        self._taken.add(i)
        self._near[m.key[:1]][m.page] -= 1
        return m


def _styled(line: Line, st: _State) -> tuple[bool, bool, bool]:
    """(bigger than body, bold, a heading face such as 黑体 on a 宋体 body)."""
    big = line.size >= st.body_size * (1.15 if st.ocr else 1.08)
    face = st.faces.get(line.font)
    if face is None:
        fam = _font_family(line.font)
        face = st.faces[line.font] = fam != st.body_family and _heading_face(fam)
    return big, line.bold, face


@functools.lru_cache(maxsize=256)
def _heading_face(family: str) -> bool:
    return bool(family) and bool(_FACE_NAME.search(family))


def _row_like(line: Line) -> bool:
    """Several cells apart by wide gaps: a table row (label ⇥ title was joined in _cluster)."""
    return len(line.cells) >= 2


def _heading_candidate(line: Line, st: _State) -> bool:
    """Looks like a heading line before any merging: formatted or numbered, and short."""
    t = line.text.strip()
    if not t or _row_like(line):
        return False
    # The look first (cheap), numbering only for plain lines; then the vetoes.
    big, bold, face = _styled(line, st)
    if not (big or bold or face) and split_numbering(t) is None:
        return False
    return not (t.startswith(PLACEHOLDER_MARK) or is_amount_line(t))


def _continues(cur: Line, nxt: Line, right: float, st: _State) -> bool:
    """`nxt` is the wrapped rest of heading `cur`: same page, same look, directly below."""
    if nxt.page != cur.page or split_numbering(nxt.text) is not None:
        return False
    # A line leaving "（" open that the next one closes was wrapped early (CJK line breaking
    # keeps "据）" together, so it may end well short of the margin).
    bracketed = _depth(cur.text)[0] > 0 and _depth(nxt.text)[1] > 0
    if (cur.x1 < right - 2.0 * cur.size and not bracketed) or nxt.top - cur.bottom > 0.9 * cur.size:
        return False
    if nxt.x0 > cur.x0 + 0.6 * cur.size or cur.text.rstrip()[-1:] in _FULL_STOP:
        return False
    if abs(nxt.size - cur.size) > 0.15 * cur.size or nxt.bold != cur.bold:
        return False
    if st.ocr or nxt.text.rstrip()[-1:] in _SENTENCE_END:
        # OCR has no weight to compare: a wrapped heading's last line is short, a body line full.
        return nxt.x1 < right - 2.0 * cur.size and nxt.text.rstrip()[-1:] not in _SENTENCE_END
    return _font_family(nxt.font) == _font_family(cur.font)


@dataclass(frozen=True)
class _Found:
    level: int
    title: str
    label: str
    page: int
    signals: tuple[str, ...]
    confidence: float


def _classify(line: Line, st: _State, right: float) -> _Found | None:
    t = line.text.strip()
    if not t or t.startswith(PLACEHOLDER_MARK) or is_amount_line(t) or _row_like(line):
        return None
    num = split_numbering(t)
    big, bold, face = _styled(line, st)
    styled = big or bold or face
    ends = t[-1] in _SENTENCE_END
    at = st.find_mark(line, t)
    if at is None and (ends or not (num or styled)):
        return None  # a plain line or a sentence is a heading only by its bookmark
    title = num.title if num else t
    clean = normalise_title(title)
    if not clean:
        return None
    mark = None if at is None else st.pop_mark(at)
    signals = [s for s, on in (("bookmark", mark), ("typed-number", num), ("font-size", big),
                               ("bold", bold), ("font", face)) if on]  # fmt: skip
    if line.score is not None:
        signals.append("ocr")
    n = len(clean.replace(" ", ""))
    if mark is not None:
        conf = 1.0
    elif ends or n > 60 or _CUT_REST(title):
        return None
    elif num and styled:
        conf = 0.95
    elif num:
        # A plain numbered line: a heading when short and not a sentence ("1. 项目名称");
        # one running to the right margin is the first line of a numbered paragraph.
        if n > 30 or t[-1] in "：:" or line.x1 >= right - 2.0 * line.size:
            return None
        conf = 0.75
    elif styled and n <= 30:
        conf = 0.7
    else:
        return None
    if line.score is not None:
        conf *= line.score
    fmt = f"{round(line.size * 2) / 2}:{int(bold)}:{int(face)}"
    hint = mark.level if mark is not None else None
    if num:
        level = st.ladder.level_for(num.family, hint, num.value)
    elif hint is None and fmt in st.fmt_levels:
        # An unnumbered heading looking like earlier headings (前言 set like 第一章) shares their level.
        level = st.fmt_levels[fmt]
    else:
        level = st.ladder.level_for(f"fmt:{fmt}", hint)
    if mark is not None:
        level = mark.level
    st.fmt_levels.setdefault(fmt, level)
    return _Found(level, clean, num.label if num else "", line.page, tuple(signals), conf)


# ---------------------------------------------------------------- assembly
def _join(a: str, b: str) -> str:
    """Join wrapped text: no space between CJK, one space between Latin words."""
    if a and b and a[-1].isascii() and a[-1].isalnum() and b[0].isascii() and b[0].isalnum():
        return f"{a} {b}"
    return a + b


def _title(pages: list[Page], st: _State) -> tuple[str, list[Page]]:
    """The cover title: the largest line(s) near the top of page 1, if clearly above body size."""
    if not pages or not pages[0].lines:
        return "", pages
    first = pages[0]
    lines = list(first.lines)
    top = lines[:6]
    best = max(top, key=lambda ln: ln.size)
    if (
        best.size < st.body_size * 1.3
        or split_numbering(best.text) is not None
        or st.find_mark(best, best.text) is not None
    ):
        return "", pages
    if any(ln.size >= best.size and ln is not best for ln in lines[6:]):
        return "", pages  # something as big further down: a heading, not a cover title
    i = lines.index(best)
    j = i + 1
    text = best.text.strip()
    while (
        j < len(lines)
        and abs(lines[j].size - best.size) < 0.5
        and lines[j].top - lines[j - 1].bottom < best.size
    ):
        text = _join(text, lines[j].text.strip())
        j += 1
    rest = lines[:i] + lines[j:]
    return normalise_title(text), [replace(first, lines=tuple(rest)), *pages[1:]]


def _extent(page: Page) -> tuple[float, float]:
    """(leftmost x0, rightmost x1) of a page's lines; (0, 0) for none."""
    if not page.lines:
        return 0.0, 0.0
    return min(ln.x0 for ln in page.lines), max(ln.x1 for ln in page.lines)


def lines_to_tree(
    path: Path, pages: list[Page], marks: list[_Mark], *, ocr: bool, meta_title: str = ""
) -> tuple[str, tuple[Block, ...], tuple[Heading, ...]]:
    """Title, preamble and heading tree from the cleaned lines of all pages."""
    pages = _drop_toc(_drop_running(pages))
    all_lines = [ln for p in pages for ln in p.lines]
    sizes: Counter[float] = Counter()
    fams: Counter[str] = Counter()
    # Body size and face from paragraph lines (wider than 60% of the text column), so that
    # many small table cells or footnotes cannot pass for the body.
    extent = {p.number: _extent(p) for p in pages}
    width = {n: x1 - x0 for n, (x0, x1) in extent.items()}
    wide = [ln for ln in all_lines if ln.x1 - ln.x0 >= 0.6 * width[ln.page] and not ln.cells]
    by_font: Counter[str] = Counter()
    for ln in wide or all_lines:
        n = len(ln.text)
        sizes[round(ln.size * 2) / 2] += n
        by_font[ln.font] += n
    for font, n in by_font.items():  # fonts in order of first use, so families are too
        fams[_font_family(font)] += n
    body_size = sizes.most_common(1)[0][0] if sizes else 12.0
    if ocr and all_lines:
        hs = sorted(ln.size for ln in wide or all_lines)
        body_size = hs[len(hs) // 2]
    st = _State(
        body_size=body_size, body_family=fams.most_common(1)[0][0] if fams else "", marks=list(marks), ocr=ocr
    )
    first = pages[0] if pages else None
    title, pages = _title(pages, st)
    if pages and pages[0] is not first:
        extent[pages[0].number] = _extent(pages[0])  # the cover title's lines were taken out
    cover = pages[0].number if title and pages else None
    meta = meta_title.strip()
    # Producers fill Title with the file name or "Microsoft Word - x.doc": not a title.
    if not title and meta and meta != path.stem and not meta.lower().startswith("microsoft word"):
        title = meta
    rights = {p.number: extent[p.number][1] if p.lines else p.width for p in pages}
    lefts = {p.number: extent[p.number][0] if p.lines else 0.0 for p in pages}

    # Merge wrapped heading lines, then classify each line.
    lines = [ln for p in pages for ln in p.lines]
    merged: list[tuple[Line, bool]] = []  # with: is it a heading candidate
    i = 0
    while i < len(lines):
        cur = lines[i]
        cand = _heading_candidate(cur, st)
        if cand:
            while i + 1 < len(lines) and _continues(cur, lines[i + 1], rights[cur.page], st):
                nxt = lines[i + 1]
                cur = replace(
                    cur, text=_join(cur.text.rstrip(), nxt.text.strip()), x1=nxt.x1, bottom=nxt.bottom
                )
                i += 1
        merged.append((cur, cand))
        i += 1

    preamble: list[Block] = []
    flat: list[tuple[_Found, list[Block]]] = []
    para: list[Line] = []

    rows: list[Line] = []

    def flush_rows() -> None:
        if not rows:
            return
        block = Block(kind="table", rows=tuple(r.cells for r in rows), location=Location(page=rows[0].page))
        (flat[-1][1] if flat else preamble).append(block)
        rows.clear()

    def flush() -> None:
        if not para:
            return
        text = para[0].text.strip()
        for ln in para[1:]:
            text = _join(text, ln.text.strip())
        block = Block(
            kind="text",
            text=text,
            location=Location(page=para[0].page),
            placeholder=text.startswith(PLACEHOLDER_MARK),
        )
        (flat[-1][1] if flat else preamble).append(block)
        para.clear()

    for ln, cand in merged:
        # On the cover (the title's page), unnumbered lines before the first heading are the
        # unit, the date, a subtitle, however bold: preamble, and kept out of the ladder.
        on_cover = (
            cover is not None and ln.page == cover and not flat
            and split_numbering(ln.text.strip()) is None and st.find_mark(ln, ln.text) is None
        )  # fmt: skip
        # A line that is no candidate (plain, unnumbered) is a heading only by its bookmark.
        skip = on_cover or (not cand and st.find_mark(ln, ln.text) is None)
        found = None if skip else _classify(ln, st, rights[ln.page])
        if found is not None:
            flush()
            flush_rows()
            flat.append((found, []))
            continue
        if _row_like(ln):
            flush()
            rows.append(ln)
            continue
        flush_rows()
        if para:
            prev = para[-1]
            full = prev.x1 >= rights[prev.page] - 2.0 * prev.size
            indented = ln.x0 > lefts[ln.page] + 0.8 * ln.size
            gap = ln.page == prev.page and ln.top - prev.bottom > 1.2 * max(prev.height, 1.0)
            if not full or indented or gap or ln.text.strip().startswith(PLACEHOLDER_MARK):
                flush()
        para.append(ln)
    flush()
    flush_rows()
    return title, tuple(preamble), _nest(flat)


def _nest(flat: Sequence[tuple[_Found, list[Block]]]) -> tuple[Heading, ...]:
    # Levels start at 1 even when the outline's top entry was the cover title (taken as
    # the document title) and the chapters sit one bookmark level down.
    shift = min((f.level for f, _b in flat), default=1) - 1
    if shift > 0:
        flat = [(replace(f, level=f.level - shift), b) for f, b in flat]

    def build(start: int, end: int) -> tuple[Heading, ...]:
        out = []
        i = start
        while i < end:
            f, blocks = flat[i]
            j = i + 1
            while j < end and flat[j][0].level > f.level:
                j += 1
            out.append(
                Heading(
                    title=f.title,
                    label=f.label,
                    level=f.level,
                    location=Location(page=f.page),
                    signals=f.signals,
                    confidence=f.confidence,
                    blocks=tuple(blocks),
                    children=build(i + 1, j),
                )
            )
            i = j
        return tuple(out)

    return build(0, len(flat))


# ---------------------------------------------------------------- entry point
def _open(path: Path) -> pdfium.PdfDocument:
    try:
        with open(path, "rb") as fh:
            head = fh.read(1024)
    except OSError as e:
        raise InputError(f"cannot read file: {e.strerror or e}", path=str(path)) from e
    if b"%PDF" not in head:
        raise InputError("not a PDF file (no %PDF header)", path=str(path))
    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as e:
        msg = str(e)
        if "password" in msg.lower():
            raise InputError("encrypted PDF: needs a password", path=str(path)) from e
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
    path = Path(path)
    pdf = _open(path)
    warnings: list[str] = []
    deadline = time.monotonic() + time_limit
    try:
        total = len(pdf)
        if total == 0:
            raise InputError("broken PDF: no pages", path=str(path))
        reader = _TextReader()
        pages: list[Page] = []
        blank: list[int] = []  # image-only pages
        unreadable: list[int] = []
        limit = min(total, max_pages)
        if total > max_pages:
            warnings.append(f"read the first {max_pages} of {total} pages")
        for i in range(limit):
            if time.monotonic() > deadline:
                warnings.append(f"time limit: stopped after page {i} of {total}")
                break
            try:
                page = pdf[i]
                try:
                    width, height = page.get_size()
                    textpage = page.get_textpage()
                    try:
                        segs = reader.lines(textpage, i + 1, height)
                    finally:
                        textpage.close()  # now, not at the document's close (pages add up)
                    if not segs and _has_image(page):
                        blank.append(i + 1)
                finally:
                    page.close()
                pages.append(Page(i + 1, width, height, tuple(_cluster(segs))))
            except pdfium.PdfiumError as e:
                unreadable.append(i + 1)
                warnings.append(f"page {i + 1} could not be read: {e}")
        if unreadable and len(unreadable) == len(pages) + len(unreadable):
            raise InputError(f"broken PDF: no page could be read ({warnings[-1]})", path=str(path))
        ocr_pages: list[int] = []
        scores: list[float] = []
        if blank:
            from dossier.parse import ocr as ocr_mod

            reason = "OCR was turned off" if not ocr else ocr_mod.unavailable_reason()
            if reason is None:
                by_no = {p.number: k for k, p in enumerate(pages)}
                done: list[int] = []
                for no in blank:
                    if time.monotonic() > deadline:
                        break
                    lines = _cluster(_ocr_lines(pdf[no - 1], no))
                    done.append(no)
                    if not lines:
                        continue  # a blank or picture-only page: counted below, not as read
                    pages[by_no[no]] = replace(pages[by_no[no]], lines=tuple(lines), ocr=True)
                    ocr_pages.append(no)
                    scores.extend(ln.score for ln in lines if ln.score is not None)
                left = [n for n in blank if n not in done]
                if left:
                    warnings.append(
                        f"{NO_TEXT_LAYER} pages {_ranges(left)} have no text layer and were not OCR'd (time limit)"
                    )
                empty = [n for n in done if n not in ocr_pages]
                if empty:
                    # Said like a missing text layer, so that a file of such pages is reported
                    # as unreadable (DOS-P001) rather than as a document with nothing in it.
                    warnings.append(f"{NO_TEXT_LAYER} pages {_ranges(empty)} have no text layer and OCR found no text")
            else:
                warnings.append(f"{NO_TEXT_LAYER} pages {_ranges(blank)} have no text layer and {reason}")
        marks = _bookmarks(pdf)
        meta_title = pdf.get_metadata_value("Title") or ""
    finally:
        pdf.close()

    all_ocr = bool(ocr_pages) and len(ocr_pages) == sum(1 for p in pages if p.lines)
    if ocr_pages:
        mean = sum(scores) / len(scores) if scores else 0.0
        warnings.append(f"ocr: pages {_ranges(ocr_pages)} read by OCR (mean confidence {mean:.2f})")
    text_pages = [p for p in pages if p.lines and not p.ocr]
    # With no text layer and no OCR there is nothing to find headings in: say so, no guesses.
    title, preamble, headings = (
        lines_to_tree(path, [p for p in pages if p.lines], marks, ocr=all_ocr, meta_title=meta_title)
        if (text_pages or ocr_pages)
        else ("", (), ())
    )
    return DocumentTree(
        path=str(path),
        format="pdf-ocr" if all_ocr else "pdf",
        title=title,
        headings=headings,
        preamble=preamble,
        pages=total,
        ocr=bool(ocr_pages),
        ocr_confidence=(sum(scores) / len(scores) if scores else 0.0) if ocr_pages else None,
        warnings=tuple(warnings),
    )
