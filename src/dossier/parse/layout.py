"""Lines with font, size and position → title, preamble and heading tree: the part of the
PDF parser that knows nothing about PDF, shared by every reader that sees a page as lines
(the PDF text layer, OCR of scanned pages and images, OFD).

The input is a list of `Page`s, each with its `Line`s (text, box in points with y growing
downwards from the page top, font size, weight, font name, and for OCR a recognition
score), plus optional `Mark`s (bookmarks / outline entries: title key, level, page).
`lines_to_tree` then drops running headers, footers and page numbers, drops 目录 pages,
takes the cover title (past a 公文 版头 or a standard's cover lines), merges wrapped headings,
joins body lines into paragraphs and recognises headings from bookmarks, numbering
(ladder.py), and size, weight and face measured against the document's own body text;
levels come from bookmarks when there are any, else from the document's own ladder. An
outline whose entries are lines of the text is the only source of headings; one whose
entries are not (an unreadable text layer) gives them itself.
`cluster` groups a reader's text segments at one height into lines; `cluster_columns` does
so one column at a time on a page set in two columns (`column_gutter` finds the gutter).
"""

from __future__ import annotations

import bisect
import functools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from dossier.cjk import PLACEHOLDER_MARK, is_toc_title, nfkc, on_first_use
from dossier.parse import ladder
from dossier.parse.ladder import Ladder, Numbering, is_never_heading, is_toc_line, normalise_title
from dossier.tree import Block, Heading, Location

__all__ = [
    "PLACEHOLDER_MARK",
    "Line",
    "Mark",
    "Page",
    "cluster",
    "cluster_columns",
    "cluster_in_columns",
    "column_gutter",
    "font_family",
    "is_page_number",
    "key",
    "lines_to_tree",
]



@dataclass(frozen=True, init=False)
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
    column: tuple[float, float] | None = None
    """(left, right) of the line's column on a page set in columns; None: the page's."""

    def __init__(
        self,
        page: int,
        text: str,
        x0: float,
        x1: float,
        top: float,
        bottom: float,
        size: float,
        bold: bool = False,
        font: str = "",
        score: float | None = None,
        cells: tuple[str, ...] = (),
        column: tuple[float, float] | None = None,
    ) -> None:
        # The dataclass's own __init__, written out: a frozen one sets each of the 12 fields
        # through object.__setattr__, which made a Line (one per text segment, and again per
        # clustered or merged line) cost 13,000 instructions; one update of the instance's
        # dict sets them all (the fields and defaults are the same: a test compares them).
        self.__dict__.update(
            page=page, text=text, x0=x0, x1=x1, top=top, bottom=bottom, size=size,
            bold=bold, font=font, score=score, cells=cells, column=column,
        )  # fmt: skip

    @property
    def height(self) -> float:
        height = self.bottom - self.top
        return 0.1 if height < 0.1 else height  # max(height, 0.1), without the builtin's call


@dataclass(frozen=True)
class Page:
    number: int
    width: float
    height: float
    lines: tuple[Line, ...]
    ocr: bool = False


@dataclass(frozen=True)
class Mark:
    """A bookmark (outline entry): normalised title, 1-based level and page."""

    key: str
    level: int
    page: int | None
    title: str = ""
    """The entry's text as the outline gives it (headings are taken from it when the
    page text cannot be read)."""


# Each line is asked about its numbering up to three times (candidate, wrap, classify).
split_numbering = functools.lru_cache(maxsize=8192)(ladder.split_numbering)


def is_amount_line(text: str) -> bool:
    """`ladder.is_amount_line` behind a one-character precheck: an amount starts with a
    digit or a sign (full-width too), which most lines do not."""
    c = text.lstrip()[:1]
    return bool(c) and (c.isdigit() or c in "+-＋－") and ladder.is_amount_line(text)


_FACE_NAME = re.compile(r"hei|sans|gothic|kai|楷|黑|yahei|fangsong|仿宋", re.IGNORECASE)


_FAMILY_SPLIT = re.compile(r"[-,]")


@functools.lru_cache(maxsize=512)
def font_family(name: str) -> str:
    """'ABCDEF+NotoSansCJKjp-Bold-VKana' → 'notosanscjkjp' (subset tag and style dropped)."""
    name = name.split("+", 1)[-1]
    return _FAMILY_SPLIT.split(name, maxsplit=1)[0].lower()


def cluster(segs: Iterable[Line]) -> list[Line]:
    """Segments at the same height (vertical overlap ≥ half the smaller one) become one line;
    segments apart by more than 1.5 em are kept as cells (a table row, or label ⇥ title)."""
    ordered = sorted(segs, key=lambda s: (round(s.top, 1), s.x0))
    groups: list[list[Line]] = []
    top = bottom = 0.0  # extent of the last group
    for s in ordered:
        # This runs once per segment of every page: s.height, min and max are spelt out, each
        # `b if b < a else a` being min(a, b) and `b if b > a else a` max(a, b) as the
        # builtins pick them (a call costs more than the comparison).
        s_top, s_bottom = s.top, s.bottom
        if groups:
            overlap = (s_bottom if s_bottom < bottom else bottom) - (s_top if s_top > top else top)
            height = s_bottom - s_top
            height = 0.1 if height < 0.1 else height
            extent = bottom - top
            if overlap >= 0.5 * (extent if extent < height else height):
                groups[-1].append(s)
                top = s_top if s_top < top else top
                bottom = s_bottom if s_bottom > bottom else bottom
                continue
        groups.append([s])
        top, bottom = s_top, s_bottom
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
            if num is not None and key(num.label) == key(cells[0]) and gap <= 4.0 * max(g[0].size, 1.0):
                cells = ["".join(parts)]
        main = max(g, key=lambda x: len(x.text))
        scores = [x.score for x in g if x.score is not None]
        # `main` with the group's text, extent, size, weight, score and cells: every field
        # but page, font and column given (as `replace` would, at a quarter of its cost).
        out.append(
            Line(
                main.page,
                "".join(parts),
                g[0].x0,
                max(x.x1 for x in g),
                min(x.top for x in g),
                max(x.bottom for x in g),
                max(x.size for x in g),
                sum(len(x.text) for x in g if x.bold) * 2 > sum(len(x.text) for x in g),
                main.font,
                sum(scores) / len(scores) if scores else None,
                tuple(cells) if len(cells) > 1 else (),
                main.column,
            )
        )
    return out


def cluster_columns(segs: Sequence[Line], width: float) -> list[Line]:
    """`cluster` one column at a time when the page is set in two columns, in reading
    order: a full-width block (title, abstract, a wide figure) ends a band, and within a
    band the left column is read before the right. Without this, the two columns' lines at
    one height would be joined into one line of two "cells" (a table row)."""
    return cluster_in_columns(segs, column_gutter(segs, width))


def cluster_in_columns(segs: Sequence[Line], gutter: float | None) -> list[Line]:
    """`cluster_columns` with the page's gutter already found (`column_gutter`; None: the
    page is set in one column, and this is `cluster`)."""
    if gutter is None:
        return cluster(segs)
    wide = sorted((s for s in segs if s.x0 < gutter - 1.0 and s.x1 > gutter + 1.0), key=lambda s: s.top)
    tops = [s.top for s in wide]
    bands: list[tuple[list[Line], list[Line]]] = [([], []) for _ in range(len(wide) + 1)]
    for s in segs:
        if s.x1 <= gutter + 1.0:
            bands[_band(tops, s.top)][0].append(s)
        elif s.x0 >= gutter - 1.0:
            bands[_band(tops, s.top)][1].append(s)
    out: list[Line] = []
    for k, (left, right) in enumerate(bands):
        for side in (left, right):
            if side:
                col = (min(s.x0 for s in side), max(s.x1 for s in side))
                out += [replace(ln, column=col) for ln in cluster(side)]
        if k < len(wide):
            out += cluster([wide[k]])
    return out


def _band(tops: list[float], top: float) -> int:
    """How many full-width lines start above `top` (tops sorted)."""
    return bisect.bisect_right(tops, top)


def column_gutter(segs: Sequence[Line], width: float) -> float | None:
    """The x of a two-column page's gutter, or None: a vertical band in the middle third
    that few lines cross, with at least eight column-wide lines (≥ 30% of the page) on each
    side and lines on both sides at one height (what would be wrongly joined)."""
    if len(segs) < 16 or width <= 0:
        return None
    # Cheap first: enough column-wide lines that could sit on each side of the middle.
    wide = [s for s in segs if s.x1 - s.x0 >= 0.3 * width]
    if sum(1 for s in wide if s.x1 <= 0.65 * width) < 4 or sum(1 for s in wide if s.x0 >= 0.35 * width) < 4:
        return None
    best: tuple[int, float] | None = None
    x = 0.35 * width
    while x <= 0.65 * width:
        left = [s for s in segs if s.x1 <= x]
        right = [s for s in segs if s.x0 >= x]
        cross = len(segs) - len(left) - len(right)
        if (
            cross * 4 <= len(segs)
            and _columnar(left, width)
            and _columnar(right, width)
            and (best is None or cross < best[0] or (cross == best[0] and abs(x - width / 2) < abs(best[1] - width / 2)))
        ):
            best = (cross, x)
        x += 2.0
    if best is None:
        return None
    g = best[1]
    left = [s for s in segs if s.x1 <= g]
    right = [s for s in segs if s.x0 >= g]
    side_by_side = sum(1 for a in left if any(min(a.bottom, b.bottom) - max(a.top, b.top) > 0 for b in right))
    return g if side_by_side >= 4 else None


def _columnar(side: list[Line], width: float) -> bool:
    """At least eight lines, most of them column-wide text rather than table cells."""
    if len(side) < 8:
        return False
    widths = sorted(s.x1 - s.x0 for s in side)
    return widths[len(widths) // 2] >= 0.3 * width


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
    return nfkc(text).strip()


def _key_head(text: str) -> str:
    """The first character of `key(text)` when it can be told without normalising, else "":
    a CJK ideograph that opens the line (after any spaces), or an ASCII digit that is the
    line's very first character. NFKC keeps both and composes nothing onto them, and
    `clean_title` trims only a tail that cannot start there (it does at "  12": spaces
    then digits are a page-number leader, keyed "")."""
    c0 = text.lstrip()[:1]
    if "\u4e00" <= c0 <= "\u9fff" or ("0" <= c0 <= "9" and text[:1] == c0):
        return c0
    return ""


def _may_open(text: str, starts: set[str]) -> bool:
    """`key(text)` may start with one of `starts`: a line whose key opens with none of
    them can be none of those keys, nor share a prefix with one. Most lines of a report
    are ruled out so without being normalised."""
    head = _key_head(text)
    return not head or head in starts


def _no_digit_head(text: str) -> bool:
    """The NFKC of `text` cannot start with a digit: its first character is an ASCII
    non-digit or a CJK ideograph (NFKC keeps both, at most composing an accent onto a
    letter, and no composed character is a digit)."""
    c0 = text.lstrip()[:1]
    return not c0 or ((c0.isascii() or "\u4e00" <= c0 <= "\u9fff") and not c0.isdigit())


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
    keys: list[set[str]] | None = None  # each page's line keys, built only if a 目录 page is OCR'd
    for k, p in enumerate(pages):
        lines = p.lines
        # (A 目录 title is short: longer lines are not normalised to be asked.)
        head = next((i for i, ln in enumerate(lines[:8]) if _is_toc_title(ln.text)), None)
        # Under a 目录 heading (or on its next page), "title   12" without a leader is an entry too.
        loose = head is not None or in_toc
        if loose:
            ends_page = _ENDS_PAGE().search
            flags = [is_toc_line(ln.text) or bool(ends_page(ln.text)) for ln in lines]
        else:
            found = _entry_flags(lines)
            if found is None:  # too few entries to be a 目录 page
                out.append(p)
                continue
            flags = found
        if loose and p.ocr:
            # OCR drops small page numbers and misreads leaders ("第一章 概述··", "3.总投资"):
            # on a 目录 page an entry is a line that comes again further on (as its heading).
            if keys is None:
                keys = [{key(ln.text) for ln in q.lines} for q in pages]
            later = set().union(*keys[k + 1 :])
            tail = _LEADER_TAIL()
            flags = [f or key(tail.sub("", ln.text)) in later for f, ln in zip(flags, lines, strict=True)]
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


def _entry_flags(lines: Sequence[Line]) -> list[bool] | None:
    """Which lines of a page without a 目录 heading are entries, or None once too few can
    be for it to be a 目录 page (three, and 40% of its lines): a page of text is let go
    after 60% of its lines have been asked."""
    need = max(3, 0.4 * len(lines))
    if len(lines) < need:
        return None
    flags: list[bool] = []
    hits = 0
    left = len(lines)  # lines not asked yet
    for ln in lines:
        flag = is_toc_line(ln.text)
        hits += flag
        left -= 1
        if hits + left < need:
            return None
        flags.append(flag)
    return flags


def _is_toc_title(text: str) -> bool:
    c = text.lstrip()[:1]
    # NFKC maps ASCII and CJK ideographs to themselves: only these can start 目录 / contents.
    if (c.isascii() or "\u4e00" <= c <= "\u9fff") and (not c or c not in "目cCtT"):
        return False
    return is_toc_title(_nfkc(text))


_ENDS_PAGE = on_first_use(r"\D\s+\d{1,4}$")
_LEADER_TAIL = on_first_use(r"[\s.．·•…‥・]*\d{0,4}\s*$")


# ---------------------------------------------------------------- headings
_SENTENCE_END = "。；;，,！!？?"
_FULL_STOP = "。！!？?"
_HAS_BRACKET = re.compile(r"[()\[\]（）［］【】]").search
# The rest of a line cut by a wrap: no opener, a CJK character, then a closer ("据）…").
_CUT_REST = on_first_use(r"[^(（\[［【]*?[\u4e00-\u9fff][)）\]］】]")
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


_SPACES = re.compile(r"\s+")


def plain_key(text: str) -> str:
    """A line's or a bookmark's title normalised for comparing them, without whitespace."""
    return _SPACES.sub("", normalise_title(text))


key = functools.lru_cache(maxsize=8192)(plain_key)
"""`plain_key`, remembered: a line is keyed by the outline share, then by the bookmark test
once or twice (cover, heading) and a bookmark's title is its heading line's text, so two in
three keys of a document were keyed before (each a normalisation, ~30,000 instructions)."""


@dataclass
class _State:
    """Per-document context for recognising headings (mutable while walking the lines)."""

    body_size: float
    body_family: str
    marks: list[Mark]
    ocr: bool
    ladder: Ladder = field(default_factory=Ladder)
    outline_only: bool = False
    """The outline names the document's headings (most entries are lines of the text): a
    line without an entry is body, however it is set (lead-ins, list items, notes)."""
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
        left = pages.get  # (asked for every line that shares a first character with a mark)
        return left(page, 0) > 0 or left(page - 1, 0) > 0 or left(page + 1, 0) > 0 or left(None, 0) > 0

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
        k = key(text)
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

    def pop_mark(self, i: int) -> Mark:
        m = self.marks[i]
        self._taken.add(i)
        self._near[m.key[:1]][m.page] -= 1
        return m


def _styled(line: Line, st: _State) -> tuple[bool, bool, bool]:
    """(bigger than body, bold, a heading face such as 黑体 on a 宋体 body)."""
    # 12 pt over a 10.5 pt body (小四 over 五号) is a step up; 12 over 11 is a list's font.
    big = line.size >= st.body_size * (1.15 if st.ocr else 1.12)
    face = st.faces.get(line.font)
    if face is None:
        fam = font_family(line.font)
        face = st.faces[line.font] = fam != st.body_family and _heading_face(fam)
    # Bold smaller than the body is a figure's call-out or a note, not a heading's weight.
    return big, line.bold and line.size >= 0.9 * st.body_size, face


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
    # Open brackets are evidence enough to bridge a double-spaced gap as well.
    gap = (1.5 if bracketed else 0.9) * cur.size
    if (cur.x1 < right - 2.0 * cur.size and not bracketed) or nxt.top - cur.bottom > gap:
        return False
    if nxt.x0 > cur.x0 + 0.6 * cur.size or cur.text.rstrip()[-1:] in _FULL_STOP:
        return False
    if abs(nxt.size - cur.size) > 0.15 * cur.size or nxt.bold != cur.bold:
        return False
    if st.ocr or nxt.text.rstrip()[-1:] in _SENTENCE_END:
        # OCR has no weight to compare: a wrapped heading's last line is short, a body line full.
        return nxt.x1 < right - 2.0 * cur.size and nxt.text.rstrip()[-1:] not in _SENTENCE_END
    return font_family(nxt.font) == font_family(cur.font)


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
    if num is None and styled:
        num = _latin_section_number(t)
    at = st.find_mark(line, t)
    if at is None and _not_without_mark(t, num, styled, st):
        return None
    title = num.title if num else t
    clean = normalise_title(title)
    if not clean:
        return None
    mark = None if at is None else st.pop_mark(at)
    conf = 1.0 if mark is not None else _look_confidence(line, t, title, clean, num, styled, st, right)
    if conf is None:
        return None
    signals = [s for s, on in (("bookmark", mark), ("typed-number", num), ("font-size", big),
                               ("bold", bold), ("font", face)) if on]  # fmt: skip
    if line.score is not None:
        signals.append("ocr")
        conf *= line.score
    if num is None and mark is None and _FRONT_MATTER().match(key(clean)):
        # 前言 / 摘要 / 参考文献 are the chapters' siblings: never their parent or their child.
        st.ladder.reset()
        level = 1
    else:
        level = _level(st, f"{round(line.size * 2) / 2}:{int(bold)}:{int(face)}", num, mark)
    return _Found(level, clean, num.label if num else "", line.page, tuple(signals), conf)


_FRONT_MATTER = on_first_use(
    r"(?:前言|引言|序言|序|摘要|参考文献|致谢|后记|foreword|preface|abstract|introduction|references|"
    r"bibliography|acknowledge?ments)(?:\(references\))?$",
    re.IGNORECASE,
)
_LATIN_SECTION = on_first_use(r"(\d{1,2})[ \t]+(?=[A-Za-z])")


def _latin_section_number(t: str) -> Numbering | None:
    """"2 math", "3 Related Work": a LaTeX section number before a Latin title, taken
    only on a line set as a heading (a plain "2 apples" is a sentence), as the bare "1 标题"
    family so that "1 你好中国" and "2 math" are siblings."""
    half = _nfkc(t)  # "２ ＬＡＷＳ的…" as "2 LAWS的…"
    m = _LATIN_SECTION().match(half)
    if m is None:
        return None
    if len(half) != len(t):  # NFKC changed the length: positions are the normalised text's
        t = half
    return Numbering(t[: m.end(1)], t[m.end() :].strip(), "dec", int(m.group(1)))


def _not_without_mark(t: str, num: Numbering | None, styled: bool, st: _State) -> bool:
    """Vetoes for a line no bookmark names: with an outline that lists the headings every
    such line is body; so is a lead-in ("初始化相关模块：") or a bullet item however it is
    set, a plain line or a sentence, a caption, a date or a 公文 frame line, and a
    look-alone line that names nothing (pseudo-code, a formula, a chart's axis label, a
    sentence's lower-case tail)."""
    if st.outline_only:
        return True
    if not num and (t[-1] in "：:" or t[0] in _BULLETS):
        return True
    return (
        t[-1] in _SENTENCE_END
        or not (num or styled)
        or _frame_line(t)
        or (not num and _not_a_name(t))
    )


def _look_confidence(
    line: Line, t: str, title: str, clean: str, num: Numbering | None, styled: bool, st: _State, right: float
) -> float | None:
    """How sure a line without a bookmark is a heading by its look and numbering; None
    when it is not one (a sentence, too long, a numbered paragraph's first line)."""
    n = name_length(clean)
    if t[-1] in _SENTENCE_END or n > 60 or _CUT_REST().match(title):
        return None
    if num and styled:
        return 0.95
    if num:
        # A plain numbered line: a heading when short and not a sentence ("1. 项目名称");
        # one running to the right margin is the first line of a numbered paragraph.
        # The next sibling of an open heading (二 after 一) may carry long guidance in brackets.
        if st.ladder.continues(num.family, num.value):
            n = name_length(_BRACKETED().sub("", clean))
        if n > 30 or t[-1] in "：:" or line.x1 >= right - 2.0 * line.size or _run_in(title):
            return None
        return 0.75
    return 0.7 if styled and n <= 30 else None


def _level(st: _State, fmt: str, num: Numbering | None, mark: Mark | None) -> int:
    """The heading's level: the bookmark's, else its numbering's rung on the ladder, else
    that of earlier headings set the same way (前言 set like 第一章), else a rung of its look."""
    hint = mark.level if mark is not None else None
    if num:
        level = st.ladder.level_for(num.family, hint, num.value)
    elif hint is None and fmt in st.fmt_levels:
        level = st.fmt_levels[fmt]
    else:
        level = st.ladder.level_for(f"fmt:{fmt}", hint)
    if mark is not None:
        level = mark.level
    st.fmt_levels.setdefault(fmt, level)
    return level


_BULLETS = "•◦▪▫■□●○◆◇►▶✓✔-–—*·\uf06c\uf0b7\uf0a7\uf0d8"
_LATIN_WORD = on_first_use(r"[A-Za-z0-9][A-Za-z0-9'’.\-]*")


_BRACKETED = on_first_use(r"[（(][^）)]*[）)]?")
_RUN_IN = on_first_use(r"\w[:：;；]\s*\S|[A-Za-z], [A-Za-z]")


def _run_in(title: str) -> bool:
    """A numbered item that runs on after a colon or a comma ("3. Templates: Pre-designed
    formats for documents, such as …", "1. 项目名称：XX"): an item, not a section's name."""
    return bool(_RUN_IN().search(_BRACKETED().sub("", title)))  # not inside a bracketed gloss


def name_length(text: str) -> int:
    """How long a heading reads, in CJK characters: a Latin word counts as two, so that
    "Key Features That Changed Word Processing" (6 words) is as short as 12 汉字."""
    latin_word = _LATIN_WORD()
    words = latin_word.findall(text)
    rest = latin_word.sub("", text)
    return 2 * len(words) + sum(1 for c in rest if not c.isspace())


_MATHY = on_first_use(r"[←→⇒∈∉∪∩∅∀∃≤≥≠=∑∏√]")


def _not_a_name(text: str) -> bool:
    return text[:1].islower() or bool(_MATHY().search(text)) or sum(ch.isalpha() for ch in text) < 2


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
    # A 公文's 版头 (XX市人民政府办公室文件, the largest line) and 发文字号 frame the title.
    top = [ln for ln in lines[:8] if not _frame_line(ln.text)][:6]
    if not top:
        return "", pages
    best = max(top, key=lambda ln: ln.size)
    left = min(ln.x0 for ln in lines)
    centred = _centred(best, first.width, left)
    if best.size < st.body_size * (1.15 if centred else 1.3) or split_numbering(best.text) is not None:
        return "", pages
    if any(ln.size >= best.size and ln is not best for ln in lines[6:]) or _set_again(best, pages[1:]):
        return "", pages  # something as big further down, or set alike later: a heading
    at = st.find_mark(best, best.text)
    if at is not None:
        if not _outline_root(st.marks, at):
            return "", pages
        st.pop_mark(at)  # the outline's one top entry over all the others names the document
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


_ISSUER_HEAD = re.compile(
    r"(?:政府|委员会|委|办公室|办公厅|厅|局|院|党组|党委)(?:文件|简报|通报|纪要)$"  # 公文 版头
    r"|^中华人民共和国\S{0,8}标准$|^\S{2,12}(?:国家|行业|地方|团体|企业)标准$"  # a standard's cover
)
_STANDARD_CODE = re.compile(
    r"^(?:ICS|CCS)\s*[A-Z\d]|^[A-Z]{1,4}(?:/[TZ])?\s*\d+(?:\.\d+)?\s*[—–-]\s*\d{4}$"
)


def _frame_line(text: str) -> bool:
    """A frame line of a 公文 or a standard's cover: the 版头 (发文机关标志 "…政府文件"),
    发文字号 and 签发人, "中华人民共和国国家标准", ICS/CCS and the standard's number."""
    t = text.strip()
    if is_never_heading(t) or _STANDARD_CODE.match(t):
        return True
    compact = t.replace(" ", "").replace("\u3000", "")
    return len(compact) <= 32 and bool(_ISSUER_HEAD.search(compact))


def _set_again(line: Line, pages: list[Page]) -> bool:
    """A line on later pages set exactly like `line` (size, weight, family): `line` is the
    first of a heading style ("JavaScript Code Example" … "Formula"), not the title."""
    fam = font_family(line.font)
    return any(
        abs(ln.size - line.size) < 0.5 and ln.bold == line.bold and font_family(ln.font) == fam
        for p in pages
        for ln in p.lines
    )


def _centred(line: Line, width: float, left: float) -> bool:
    """Set in the middle of the page, clear of the left margin or well short of the text
    width (a cover line, a title), rather than a full line of text."""
    mid = (line.x0 + line.x1) / 2
    short = line.x0 > left + 2.0 * line.size or line.x1 - line.x0 <= 0.6 * width
    return abs(mid - width / 2) < 0.08 * width and short


def _outline_root(marks: list[Mark], at: int) -> bool:
    """Mark `at` is the outline's first and only top-level entry, with entries under it."""
    top = min(m.level for m in marks)
    return at == 0 and len(marks) > 1 and marks[0].level == top and sum(m.level == top for m in marks) == 1


def _outline_share(pages: list[Page], marks: list[Mark]) -> float:
    """The share of outline entries whose text is a line of the pages (or starts one, for
    a wrapped heading); 1.0 without an outline."""
    if not marks:
        return 1.0
    starts = {m.key[:1] for m in marks}
    keys = {key(ln.text) for p in pages for ln in p.lines if _may_open(ln.text, starts)}
    heads = {k[:6] for k in keys if len(k) >= 6}
    hits = sum(1 for m in marks if m.key in keys or (len(m.key) >= 6 and m.key[:6] in heads))
    return hits / len(marks)


def _outline_headings(
    marks: list[Mark], preamble: list[Block], flat: list[tuple[_Found, list[Block]]]
) -> tuple[list[Block], list[tuple[_Found, list[Block]]]]:
    """Headings from the outline alone, for a text layer its entries cannot be found in
    (glyphs without a Unicode map): each entry with the blocks of its pages."""
    blocks = [*preamble, *(b for _f, bl in flat for b in bl)]
    out: list[tuple[_Found, list[Block]]] = []
    for m in marks:
        text = m.title.strip()
        if not text or is_toc_title(_nfkc(text)):
            continue
        num = split_numbering(text)
        title = normalise_title(num.title if num else text)
        if title:
            out.append((_Found(m.level, title, num.label if num else "", m.page or 1, ("bookmark",), 1.0), []))
    if not out:
        return preamble, flat
    pre: list[Block] = []
    for b in blocks:
        page = b.location.page if b.location is not None and b.location.page is not None else 0
        owner = [i for i, (f, _bl) in enumerate(out) if f.page <= page]
        (out[owner[-1]][1] if owner else pre).append(b)
    return pre, out


def _extent(page: Page) -> tuple[float, float]:
    """(leftmost x0, rightmost x1) of a page's lines; (0, 0) for none."""
    if not page.lines:
        return 0.0, 0.0
    # (over lists: a generator costs more per line than building the list)
    return min([ln.x0 for ln in page.lines]), max([ln.x1 for ln in page.lines])


def lines_to_tree(
    path: Path, pages: list[Page], marks: list[Mark], *, ocr: bool, meta_title: str = ""
) -> tuple[str, tuple[Block, ...], tuple[Heading, ...]]:
    """Title, preamble and heading tree from the lines of all pages, in phases: clean the
    pages (running lines, 目录), measure the body, take the cover title, merge wrapped
    heading lines, then read the lines in order into headings, paragraphs and table rows."""
    pages = _drop_toc(_drop_running(pages))
    extent = {p.number: _extent(p) for p in pages}
    st = _body_state(pages, extent, marks, ocr)
    share = _outline_share(pages, marks) if len(marks) >= 3 else 1.0
    st.outline_only = len(marks) >= 3 and share >= 0.8
    first = pages[0] if pages else None
    title, pages = _title(pages, st)
    if pages and pages[0] is not first:
        extent[pages[0].number] = _extent(pages[0])  # the cover title's lines were taken out
    cover = pages[0].number if title and pages else None
    meta = meta_title.strip()
    # Producers fill Title with the file name or "Microsoft Word - x.doc": not a title.
    if not title and meta and meta != path.stem and not meta.lower().startswith("microsoft word"):
        title = meta
    flow = _Flow(
        st,
        rights={p.number: extent[p.number][1] if p.lines else p.width for p in pages},
        lefts={p.number: extent[p.number][0] if p.lines else 0.0 for p in pages},
        widths={p.number: p.width for p in pages},
        cover=cover,
    )
    merged = _merge_wrapped([ln for p in pages for ln in p.lines], st, flow.rights)
    for k, (ln, cand) in enumerate(merged):
        flow.add(ln, cand, merged[k + 1][0] if k + 1 < len(merged) else None)
    flow.flush()
    flow.flush_rows()
    preamble, flat = flow.preamble, flow.flat
    if share <= 0.2:
        preamble, flat = _outline_headings(marks, preamble, flat)
    return title, tuple(preamble), _nest(flat)


def _body_state(pages: list[Page], extent: dict[int, tuple[float, float]], marks: list[Mark], ocr: bool) -> _State:
    """Body size and face from paragraph lines (wider than 60% of the text column), so that
    many small table cells or footnotes cannot pass for the body."""
    all_lines = [ln for p in pages for ln in p.lines]
    sizes: Counter[float] = Counter()
    fams: Counter[str] = Counter()
    width = {n: x1 - x0 for n, (x0, x1) in extent.items()}
    wide = [ln for ln in all_lines if ln.x1 - ln.x0 >= 0.6 * width[ln.page] and not ln.cells]
    if sum([len(ln.text) for ln in wide]) * 2 < sum([len(ln.text) for ln in all_lines]):
        # Two columns (a paper): full-width lines are the title, abstract and captions, and
        # the body is what most of the characters are set in.
        wide = [ln for ln in all_lines if not ln.cells]
    by_font: Counter[str] = Counter()
    for ln in wide or all_lines:
        n = len(ln.text)
        sizes[round(ln.size * 2) / 2] += n
        by_font[ln.font] += n
    for font, n in by_font.items():  # fonts in order of first use, so families are too
        fams[font_family(font)] += n
    body_size = sizes.most_common(1)[0][0] if sizes else 12.0
    if ocr and all_lines:
        hs = sorted(ln.size for ln in wide or all_lines)
        body_size = hs[len(hs) // 2]
    return _State(
        body_size=body_size, body_family=fams.most_common(1)[0][0] if fams else "", marks=list(marks), ocr=ocr
    )


def _merge_wrapped(lines: list[Line], st: _State, rights: dict[int, float]) -> list[tuple[Line, bool]]:
    """Each line with whether it could be a heading; a candidate's wrapped rest joined on."""
    merged: list[tuple[Line, bool]] = []
    i = 0
    while i < len(lines):
        cur = lines[i]
        if i + 1 < len(lines) and _lone_label(cur, lines[i + 1]):
            # "3.1" on a line of its own over its term (GB/T 1.1 terms): one line.
            nxt = lines[i + 1]
            cur = replace(nxt, text=f"{cur.text.strip()} {nxt.text.strip()}", x0=cur.x0, top=cur.top)
            i += 1
        cand = _heading_candidate(cur, st)
        if cand:
            while i + 1 < len(lines) and _continues(cur, lines[i + 1], _right(cur, rights), st):
                nxt = lines[i + 1]
                cur = replace(cur, text=_join(cur.text.rstrip(), nxt.text.strip()), x1=nxt.x1, bottom=nxt.bottom)
                i += 1
        merged.append((cur, cand))
        i += 1
    return merged


def _right(line: Line, rights: dict[int, float]) -> float:
    """The right margin a line is measured against: its column's, else its page's."""
    return line.column[1] if line.column else rights[line.page]


_CLAUSE_NUMBER = re.compile(r"\d{1,2}(?:\.\d{1,3}){1,4}$")


def _lone_label(cur: Line, nxt: Line) -> bool:
    """`cur` is only a numbering label ("3.1") and `nxt`, right below it on the same page,
    is what it numbers."""
    return (
        not cur.cells
        and not nxt.cells
        and not _no_digit_head(cur.text)
        and bool(_CLAUSE_NUMBER.match(_nfkc(cur.text)))
        and nxt.page == cur.page
        and 0 <= nxt.top - cur.bottom <= cur.size
        and split_numbering(nxt.text.strip()) is None
    )


@dataclass
class _Flow:
    """Lines in reading order becoming headings, paragraphs (lines joined until one ends
    short of the margin, the next is indented or set apart) and tables (rows of cells)."""

    st: _State
    rights: dict[int, float]
    lefts: dict[int, float]
    widths: dict[int, float]
    cover: int | None
    preamble: list[Block] = field(default_factory=list)
    flat: list[tuple[_Found, list[Block]]] = field(default_factory=list)
    para: list[Line] = field(default_factory=list)
    rows: list[Line] = field(default_factory=list)

    def add(self, ln: Line, cand: bool, nxt: Line | None = None) -> None:
        """Take line `ln` (`cand`: it could be a heading; `nxt`: the line after it)."""
        st = self.st
        # On the cover (the title's page), unnumbered lines before the first heading are the
        # unit, the date, a subtitle, however bold: preamble, and kept out of the ladder.
        # A line at the left margin is the page's text (a one-page document's first heading).
        on_cover = (
            self.cover is not None and ln.page == self.cover and not self.flat
            and ln.x0 > self.lefts[ln.page] + 2.0 * ln.size
            and split_numbering(ln.text.strip()) is None and st.find_mark(ln, ln.text) is None
        )  # fmt: skip
        # Before the first heading, a centred unnumbered line is a cover's (a form page may
        # come before the cover: 计算机实习 / 项目总结报告 / （每人一份） on page 2).
        on_cover = on_cover or (
            not self.flat and _centred(ln, self.widths[ln.page], self.lefts[ln.page])
            and split_numbering(ln.text.strip()) is None and st.find_mark(ln, ln.text) is None
        )  # fmt: skip
        # A centred 前言 / 摘要 over a full line of text is the first section, not the cover.
        on_cover = on_cover and not (
            _FRONT_MATTER().match(key(ln.text)) is not None and self._opens_text(ln, nxt)
        )
        # A line that is no candidate (plain, unnumbered) is a heading only by its bookmark.
        skip = on_cover or (not cand and st.find_mark(ln, ln.text) is None)
        found = None if skip else _classify(ln, st, _right(ln, self.rights))
        if found is not None:
            self.flush()
            self.flush_rows()
            self.flat.append((found, []))
        elif _row_like(ln):
            self.flush()
            self.rows.append(ln)
        else:
            if self.rows:
                self.flush_rows()
            if self.para and self._breaks(self.para[-1], ln):
                self.flush()
            self.para.append(ln)

    def _opens_text(self, ln: Line, nxt: Line | None) -> bool:
        """The next line, on the same page, is a full line of body text."""
        return (
            nxt is not None
            and nxt.page == ln.page
            and not nxt.cells
            and nxt.x1 >= _right(nxt, self.rights) - 2.0 * nxt.size
            and name_length(nxt.text) >= 20
        )

    def _breaks(self, prev: Line, ln: Line) -> bool:
        """`ln` starts a new paragraph after `prev`: `prev` ends short of the margin, `ln` is
        indented, set apart below it, or a placeholder (asked in that order: most lines are
        answered by the first)."""
        if not prev.x1 >= _right(prev, self.rights) - 2.0 * prev.size:
            return True
        left = ln.column[0] if ln.column else self.lefts[ln.page]
        if ln.x0 > left + 0.8 * ln.size:
            return True
        height = prev.height
        if ln.page == prev.page and ln.top - prev.bottom > 1.2 * (1.0 if height < 1.0 else height):
            return True
        return ln.text.strip().startswith(PLACEHOLDER_MARK)

    def _sink(self) -> list[Block]:
        return self.flat[-1][1] if self.flat else self.preamble

    def flush_rows(self) -> None:
        rows = self.rows
        if rows:
            self._sink().append(
                Block(kind="table", rows=tuple(r.cells for r in rows), location=Location(page=rows[0].page))
            )
            rows.clear()

    def flush(self) -> None:
        para = self.para
        if not para:
            return
        text = para[0].text.strip()
        for ln in para[1:]:
            text = _join(text, ln.text.strip())
        self._sink().append(
            Block(
                kind="text",
                text=text,
                location=Location(page=para[0].page),
                placeholder=text.startswith(PLACEHOLDER_MARK),
            )
        )
        para.clear()


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
