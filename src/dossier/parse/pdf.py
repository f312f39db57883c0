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

from dossier.errors import InputError
from dossier.parse import ladder
from dossier.parse.ladder import Ladder, is_toc_line, normalise_title
from dossier.tree import Block, DocumentTree, Heading, Location

__all__ = ["NO_TEXT_LAYER", "Line", "Page", "is_page_number", "lines_to_tree", "parse_pdf"]

NO_TEXT_LAYER = "no-text-layer:"
"""Prefix of the `warnings` entry for pages that have no text layer and were not OCR'd."""

OCR_SCALE = 2.0
PLACEHOLDER_MARK = "【填写说明】"


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
is_amount_line = functools.lru_cache(maxsize=8192)(ladder.is_amount_line)


# ---------------------------------------------------------------- text layer
_BOLD_NAME = re.compile(r"bold|black|heavy|semibold|demibold|粗", re.IGNORECASE)
_FACE_NAME = re.compile(r"hei|sans|gothic|kai|楷|黑|yahei|fangsong|仿宋", re.IGNORECASE)


def _font_family(name: str) -> str:
    """'ABCDEF+NotoSansCJKjp-Bold-VKana' → 'notosanscjkjp' (subset tag and style dropped)."""
    name = name.split("+", 1)[-1]
    return re.split(r"[-,]", name, maxsplit=1)[0].lower()


def _decode_font_name(raw: bytes) -> str:
    # Chinese producers write names like 黑体 as GBK bytes; try UTF-8, then GBK.
    for enc in ("utf-8", "gbk"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


class _TextReader:
    """Reusable ctypes buffers for the sampled per-character calls."""

    def __init__(self) -> None:
        self.rect = pdfium_c.FS_RECTF()
        self.name = ctypes.create_string_buffer(128)
        self.flags = ctypes.c_int()

    def box(self, tp: Any, i: int) -> tuple[float, float, float, float]:
        """(left, top, right, bottom) in PDF space (y up) of char i's loose box."""
        r = self.rect
        pdfium_c.FPDFText_GetLooseCharBox(tp, i, r)
        return r.left, r.top, r.right, r.bottom

    def lines(self, textpage: pdfium.PdfTextPage, page_no: int, height: float) -> list[Line]:
        tp = textpage.raw
        n = pdfium_c.FPDFText_CountChars(tp)
        if n <= 0:
            return []
        text = textpage.get_text_range(0, n)
        if len(text) != n:
            # Rare: pdfium inserted or dropped characters; fall back to the 1:1 char view.
            text = "".join(chr(pdfium_c.FPDFText_GetUnicode(tp, i) or 32) for i in range(n))
        segs: list[Line] = []
        for m in re.finditer(r"[^\r\n]+", text):
            s, e = m.span()
            seg = text[s:e]
            if not seg.strip():
                continue
            a = s + (len(seg) - len(seg.lstrip()))
            b = e - 1 - (len(seg) - len(seg.rstrip()))
            for pa, pb in self._pieces(tp, text, a, b):
                segs.append(self._segment(tp, text[pa : pb + 1], pa, pb, page_no, height))
        return segs

    def _pieces(self, tp: Any, text: str, a: int, b: int) -> list[tuple[int, int]]:
        """Split pdfium's line [a, b] where it is really several: rows of a table that pdfium
        ran together (the first, middle and last chars sit at different heights), or cells
        of one row (a space with a gap wider than 1.5 em)."""
        la, ta, _ra, ba = self.box(tp, a)
        h = max(ta - ba, 1.0)
        mid = (a + b) // 2
        ys = [(ta + ba) / 2]
        for i in (mid, b):
            _l, t, _r, bo = self.box(tp, i)
            ys.append((t + bo) / 2)
        if max(ys) - min(ys) > 0.5 * h:
            return self._split_chars(tp, text, a, b)
        if " " not in text[a : b + 1]:
            return [(a, b)]
        out: list[tuple[int, int]] = []
        start = a
        k = a
        while k <= b:
            if text[k] != " ":
                k += 1
                continue
            q = k
            while q <= b and text[q] == " ":
                q += 1
            p = k - 1
            if p >= start and q <= b:
                _l, _t, right, _b = self.box(tp, p)
                left, _t2, _r2, _b2 = self.box(tp, q)
                if left - right > 1.5 * h:
                    out.append((start, p))
                    start = q
            k = q
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

    def _segment(self, tp: Any, text: str, a: int, b: int, page_no: int, height: float) -> Line:
        samples = (a, (a + b) // 2, b) if b - a >= 2 else (a, b)
        tops: list[float] = []
        bottoms: list[float] = []
        sizes: list[float] = []
        bolds = 0
        font = ""
        x0 = x1 = 0.0
        for k, i in enumerate(samples):
            left, top, right, bottom = self.box(tp, i)
            tops.append(top)
            bottoms.append(bottom)
            if k == 0:
                x0 = left
            if k == len(samples) - 1:
                x1 = right
            sizes.append(pdfium_c.FPDFText_GetFontSize(tp, i))
            nlen = pdfium_c.FPDFText_GetFontInfo(tp, i, self.name, 128, ctypes.byref(self.flags))
            name = _decode_font_name(self.name.value) if nlen else ""
            weight = pdfium_c.FPDFText_GetFontWeight(tp, i)
            # FPDF_FONT_FORCEBOLD is flag bit 19 (0x40000).
            if weight >= 600 or _BOLD_NAME.search(name) or (self.flags.value & 0x40000):
                bolds += 1
            if k == len(samples) // 2:
                font = name
        sizes.sort()
        return Line(
            page=page_no,
            text=text.strip(),
            x0=x0,
            x1=max(x1, x0),
            top=height - max(tops),
            bottom=height - min(bottoms),
            size=round(sizes[len(sizes) // 2], 2),
            bold=bolds * 2 > len(samples),
            font=font,
        )


def _cluster(segs: Iterable[Line]) -> list[Line]:
    """Segments at the same height (vertical overlap ≥ half the smaller one) become one line;
    segments apart by more than 1.5 em are kept as cells (a table row, or label ⇥ title)."""
    ordered = sorted(segs, key=lambda s: (round(s.top, 1), s.x0))
    groups: list[list[Line]] = []
    for s in ordered:
        if groups:
            g = groups[-1]
            top = min(x.top for x in g)
            bottom = max(x.bottom for x in g)
            overlap = min(bottom, s.bottom) - max(top, s.top)
            if overlap >= 0.5 * min(s.height, bottom - top):
                g.append(s)
                continue
        groups.append([s])
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
_MARGIN = 0.12  # top/bottom share of the page where running headers and footers live


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def is_page_number(text: str) -> bool:
    """'- 3 -', '第 3 页', '第3页 共7页', '3/7', 'Page 3 of 7', '3'."""
    return bool(_PAGE_NO.match(_nfkc(text)))


def _zone(line: Line, page: Page) -> str | None:
    if line.bottom <= page.height * _MARGIN:
        return "top"
    if line.top >= page.height * (1 - _MARGIN):
        return "bottom"
    return None


def _drop_running(pages: list[Page]) -> list[Page]:
    """Drop page numbers in the margins and lines repeating in the margins of many pages."""
    counts: Counter[tuple[str, str]] = Counter()
    for p in pages:
        keys = set()
        for ln in p.lines:
            z = _zone(ln, p)
            if z:
                keys.add((z, re.sub(r"\d+", "#", _nfkc(ln.text).replace(" ", ""))))
        counts.update(keys)
    n = sum(1 for p in pages if p.lines)
    need = max(2, -(-2 * n // 5))  # on at least 40% of the pages, and on two
    out = []
    for p in pages:
        kept = []
        for ln in p.lines:
            z = _zone(ln, p)
            if z is not None:
                if is_page_number(ln.text):
                    continue
                if n >= 2 and counts[(z, re.sub(r"\d+", "#", _nfkc(ln.text).replace(" ", "")))] >= need:
                    continue
            kept.append(ln)
        out.append(replace(p, lines=tuple(kept)))
    return out


def _drop_toc(pages: list[Page]) -> list[Page]:
    """Drop 目录 entries: the run of entry lines from the 目录 heading (or the first entry)
    on, continuing onto the next pages while they open with entries. A cover above the
    目录 and body text below it on the same page are kept."""
    out = []
    in_toc = False
    for p in pages:
        lines = p.lines
        head = next((i for i, ln in enumerate(lines[:8]) if _TOC_TITLE.match(_nfkc(ln.text))), None)
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


_TOC_TITLE = re.compile(r"^(?:目\s*录|目\s*次|contents|table\s+of\s+contents)$", re.IGNORECASE)
_LEADERISH = re.compile(r"[.…·]{2,}\s*\d+\s*$")
_ENDS_PAGE = re.compile(r"\D\s+\d{1,4}$")


# ---------------------------------------------------------------- headings
_SENTENCE_END = "。；;，,！!？?"
_FULL_STOP = "。！!？?"


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

    def find_mark(self, line: Line, text: str) -> int | None:
        k = _key(text)
        if not k:
            return None
        for i, m in enumerate(self.marks):
            if m.page is not None and abs(m.page - line.page) > 1:
                continue
            if m.key == k or (
                len(k) >= 4 and (m.key.startswith(k) or k.startswith(m.key)) and len(m.key) >= 4
            ):
                return i
        return None

    def take_mark(self, line: Line, text: str) -> _Mark | None:
        i = self.find_mark(line, text)
        return None if i is None else self.marks.pop(i)


def _styled(line: Line, st: _State) -> tuple[bool, bool, bool]:
    """(bigger than body, bold, a heading face such as 黑体 on a 宋体 body)."""
    big = line.size >= st.body_size * (1.15 if st.ocr else 1.08)
    fam = _font_family(line.font)
    face = bool(fam) and fam != st.body_family and bool(_FACE_NAME.search(fam))
    return big, line.bold, face


def _row_like(line: Line) -> bool:
    """Several cells apart by wide gaps: a table row (label ⇥ title was joined in _cluster)."""
    return len(line.cells) >= 2


def _heading_candidate(line: Line, st: _State) -> bool:
    """Looks like a heading line before any merging: formatted or numbered, and short."""
    t = line.text.strip()
    if not t or t.startswith(PLACEHOLDER_MARK) or is_amount_line(t) or _row_like(line):
        return False
    big, bold, face = _styled(line, st)
    return big or bold or face or split_numbering(t) is not None


def _continues(cur: Line, nxt: Line, right: float, st: _State) -> bool:
    """`nxt` is the wrapped rest of heading `cur`: same page, same look, directly below."""
    if nxt.page != cur.page or split_numbering(nxt.text) is not None:
        return False
    if cur.x1 < right - 2.0 * cur.size or nxt.top - cur.bottom > 0.9 * cur.size:
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
    title = num.title if num else t
    clean = normalise_title(title)
    if not clean:
        return None
    mark = st.take_mark(line, t)
    big, bold, face = _styled(line, st)
    signals = [s for s, on in (("bookmark", mark), ("typed-number", num), ("font-size", big),
                               ("bold", bold), ("font", face)) if on]  # fmt: skip
    if line.score is not None:
        signals.append("ocr")
    ends = t[-1] in _SENTENCE_END
    n = len(clean.replace(" ", ""))
    styled = big or bold or face
    if mark is not None:
        conf = 1.0
    elif ends or n > 60:
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
    width = {p.number: max((ln.x1 for ln in p.lines), default=0.0) - min((ln.x0 for ln in p.lines), default=0.0)
             for p in pages}  # fmt: skip
    wide = [ln for ln in all_lines if ln.x1 - ln.x0 >= 0.6 * width[ln.page] and not ln.cells]
    for ln in wide or all_lines:
        sizes[round(ln.size * 2) / 2] += len(ln.text)
        fams[_font_family(ln.font)] += len(ln.text)
    body_size = sizes.most_common(1)[0][0] if sizes else 12.0
    if ocr and all_lines:
        hs = sorted(ln.size for ln in wide or all_lines)
        body_size = hs[len(hs) // 2]
    st = _State(
        body_size=body_size, body_family=fams.most_common(1)[0][0] if fams else "", marks=list(marks), ocr=ocr
    )
    title, pages = _title(pages, st)
    cover = pages[0].number if title and pages else None
    meta = meta_title.strip()
    # Producers fill Title with the file name or "Microsoft Word - x.doc": not a title.
    if not title and meta and meta != path.stem and not meta.lower().startswith("microsoft word"):
        title = meta
    rights = {p.number: max((ln.x1 for ln in p.lines), default=p.width) for p in pages}
    lefts = {p.number: min((ln.x0 for ln in p.lines), default=0.0) for p in pages}

    # Merge wrapped heading lines, then classify each line.
    lines = [ln for p in pages for ln in p.lines]
    merged: list[Line] = []
    i = 0
    while i < len(lines):
        cur = lines[i]
        if _heading_candidate(cur, st):
            while i + 1 < len(lines) and _continues(cur, lines[i + 1], rights[cur.page], st):
                nxt = lines[i + 1]
                cur = replace(
                    cur, text=_join(cur.text.rstrip(), nxt.text.strip()), x1=nxt.x1, bottom=nxt.bottom
                )
                i += 1
        merged.append(cur)
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

    for ln in merged:
        # On the cover (the title's page), unnumbered lines before the first heading are the
        # unit, the date, a subtitle, however bold: preamble, and kept out of the ladder.
        on_cover = (
            cover is not None and ln.page == cover and not flat
            and split_numbering(ln.text.strip()) is None and st.find_mark(ln, ln.text) is None
        )  # fmt: skip
        found = None if on_cover else _classify(ln, st, rights[ln.page])
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
                width, height = page.get_size()
                textpage = page.get_textpage()
                segs = reader.lines(textpage, i + 1, height)
                if not segs and _has_image(page):
                    blank.append(i + 1)
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
