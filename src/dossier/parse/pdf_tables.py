"""Ruled tables in PDFs (申报表, 变更单, 明细表) read cell by cell with pdfplumber.

The text layer alone gives a table's rows only when every cell fits on one line; a filled
form wraps long cells, and a wrapped cell's lines then read as separate rows. pdfplumber
finds the ruling lines and gives each cell its whole text. It is slow (pdfminer parses the
page again), so it runs only on pages that look ruled — a page with at least
`MIN_RULES` thin path objects, counted by pdfium while the page is open anyway — and the
table's lines on that page are replaced by one line per table row, whose `cells` are the
row's cells: the lines → tree step then makes them one table block, the shape the form
matcher reads for DOCX tables, so a filled PDF form is checked like its DOCX.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from dossier.cjk import on_first_use
from dossier.parse.pdf import PAGEOBJ_PATH, Line, Page, object_bounds, page_objects

__all__ = ["FORM_PAGES", "MIN_RULES", "Table", "apply_tables", "looks_ruled"]

MIN_RULES = 6
"""Thin path objects (ruling lines, cell borders) on a page before pdfplumber is asked."""
MAX_PAGES = 200
"""At most this many pages of one PDF go to pdfplumber (cost bound on a huge file)."""
FORM_PAGES = 12
"""Only a PDF of at most this many pages is read cell by cell: the forms and 明细表 this is for
are short, while a long report's tables (49 ruled pages in a 300-page dossier: 6.7 s of its 7.7 s
check) keep the text layer's rows, as the outline checks need no more."""


@dataclass(frozen=True)
class Table:
    page: int
    x0: float
    top: float
    x1: float
    bottom: float
    rows: tuple[tuple[tuple[str, ...], float], ...]
    """Each row's cells and the row's top (points from the page top)."""


def looks_ruled(page: Any) -> bool:
    """A page with ruling: enough thin horizontal and vertical path objects among those of the
    page and of the form XObjects on it (pdf.page_objects). `page`: a pypdfium2 PdfPage, or
    the address of a page loaded through pdfium's C API."""
    address = page if isinstance(page, int) else ctypes.cast(page.raw, ctypes.c_void_p).value or 0
    try:
        return _ruled(address)
    except Exception:  # a page whose objects pdfium cannot list has no tables we can read
        return False


def _ruled(page: int) -> bool:
    """Count the page's thin path objects, in page order; True as soon as there are enough
    horizontal and vertical ones."""
    horizontal = vertical = 0
    bounds = (ctypes.c_float * 4)()  # left, bottom, right, top
    at = ctypes.addressof(bounds)
    for obj, kind in page_objects(page):
        if kind != PAGEOBJ_PATH:
            continue
        if not object_bounds(obj, at, at + 4, at + 8, at + 12):
            raise ValueError("pdfium cannot locate a page object")
        left, bottom, right, top = bounds[:]
        w, h = right - left, top - bottom
        if h < 3 and w > 15:
            horizontal += 1
        elif w < 3 and h > 8:
            vertical += 1
        elif w > 15 and h > 8:
            horizontal += 1  # a cell drawn as a rectangle has both
            vertical += 1
        if horizontal + vertical >= MIN_RULES and horizontal >= 2 and vertical >= 2:
            return True
    return False


_LATIN_END = on_first_use(r"[A-Za-z0-9]$")  # (only ruled pages of short documents ask)
_LATIN_START = on_first_use(r"^[A-Za-z0-9]")


def _cell_text(raw: str | None) -> str:
    """A cell's wrapped lines joined: no space between CJK, one between Latin words."""
    if not raw:
        return ""
    out = ""
    for part in (p.strip() for p in raw.splitlines()):
        if not part:
            continue
        out = f"{out} {part}" if out and _LATIN_END().search(out) and _LATIN_START().search(part) else out + part
    return out


def find_tables(path: Path, pages: list[int]) -> dict[int, list[Table]]:
    """pdfplumber's tables on the given pages (1-based), with their cells' text."""
    import pdfplumber

    out: dict[int, list[Table]] = {}
    with pdfplumber.open(str(path)) as pdf:
        for no in pages[:MAX_PAGES]:
            if not 1 <= no <= len(pdf.pages):
                continue
            page = pdf.pages[no - 1]
            try:
                for t in page.find_tables():
                    rows = []
                    for row, cells in zip(t.rows, t.extract(), strict=False):
                        texts = tuple(_cell_text(c) for c in cells)
                        if any(texts):
                            tops = [c[1] for c in row.cells if c is not None]
                            rows.append((texts, min(tops) if tops else t.bbox[1]))
                    if len(rows) >= 1 and max((len(r[0]) for r in rows), default=0) >= 2:
                        x0, top, x1, bottom = t.bbox
                        out.setdefault(no, []).append(Table(no, x0, top, x1, bottom, tuple(rows)))
            finally:
                page.close()
    return out


def _inside(line: Line, t: Table) -> bool:
    cx, cy = (line.x0 + line.x1) / 2, (line.top + line.bottom) / 2
    return t.x0 - 1 <= cx <= t.x1 + 1 and t.top - 1 <= cy <= t.bottom + 1


def _row_lines(t: Table, like: Line | None) -> list[Line]:
    size = like.size if like is not None else 10.5
    font = like.font if like is not None else ""
    out = []
    for cells, top in t.rows:
        text = " ".join(c for c in cells if c)
        out.append(Line(t.page, text, t.x0, t.x1, top, top + size, size, False, font, None, cells))
    return out


def merge(page: Page, tables: list[Table]) -> Page:
    """The page with each table's lines replaced by one line per table row, in reading order."""
    if not tables:
        return page
    kept: list[Line] = []
    inside: dict[int, list[Line]] = {}
    for ln in page.lines:
        hit = next((k for k, t in enumerate(tables) if _inside(ln, t)), None)
        if hit is None:
            kept.append(ln)
        else:
            inside.setdefault(hit, []).append(ln)
    rows = [r for k, t in enumerate(tables) for r in _row_lines(t, next(iter(inside.get(k, ())), None))]
    lines = sorted([*kept, *rows], key=lambda ln: (ln.top, ln.x0))
    return replace(page, lines=tuple(lines))


def apply_tables(path: Path, pages: list[Page], ruled: list[int], warnings: list[str]) -> list[Page]:
    """`pages` with the ruled ones' tables read cell by cell (a failure leaves them as they were)."""
    if not ruled or len(pages) > FORM_PAGES:
        return pages
    try:
        found = find_tables(path, ruled)
    except Exception as e:  # pdfminer on a hostile file: the text layer's rows remain
        warnings.append(f"tables could not be read cell by cell ({type(e).__name__})")
        return pages
    return [merge(p, found.get(p.number, [])) for p in pages]
