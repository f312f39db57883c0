"""Readers for materials that are not reports: spreadsheets and plain text placeholders.
They give a DocumentTree without headings so classification and facts work the same."""

from __future__ import annotations

from pathlib import Path

from dossier.cjk import PLACEHOLDER_MARK
from dossier.errors import InputError
from dossier.tree import Block, DocumentTree, Location

MAX_SHEET_ROWS = 2000


def read_xlsx(path: Path, display: str) -> DocumentTree:
    import zipfile

    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, SyntaxError) as exc:
        # openpyxl's XML errors (an undefined entity, broken markup) are SyntaxError subclasses.
        raise InputError(f"not a readable spreadsheet ({type(exc).__name__}: {exc})"[:300], path=display) from None
    blocks: list[Block] = []
    title = ""
    try:
        for ws in wb.worksheets:
            rows: list[tuple[str, ...]] = []
            for i, row in enumerate(ws.iter_rows(values_only=True)):
                if i >= MAX_SHEET_ROWS:
                    break
                cells = tuple("" if v is None else str(v).strip() for v in row)
                if any(cells):
                    rows.append(cells)
            if rows:
                if not title:
                    title = next((c for c in rows[0] if c), "")
                blocks.append(Block(kind="table", rows=tuple(rows), location=Location(page=len(blocks) + 1)))
    except (KeyError, ValueError, SyntaxError, zipfile.BadZipFile) as exc:
        raise InputError(f"broken spreadsheet content ({type(exc).__name__}: {exc})"[:300], path=display) from None
    finally:
        wb.close()
    return DocumentTree(path=display, format="text", title=title, headings=(), preamble=tuple(blocks))


def read_text(path: Path, display: str, limit: int = 1_000_000) -> DocumentTree:
    with path.open("rb") as fh:
        raw = fh.read(limit)
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        text = raw.decode("utf-8", errors="replace")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    blocks = tuple(
        Block(kind="text", text=ln, location=Location(paragraph=i), placeholder=ln.startswith(PLACEHOLDER_MARK))
        for i, ln in enumerate(lines)
    )
    return DocumentTree(path=display, format="text", title=lines[0] if lines else "", headings=(), preamble=blocks)


def is_placeholder(tree: DocumentTree) -> bool:
    """A scaffold placeholder or an untouched skeleton: guidance present, nothing written under any heading."""
    marked = any(b.placeholder for b in tree.preamble) or any(b.placeholder for h in tree.walk() for b in h.blocks)
    if not marked:
        return False
    return not any(h.has_content() for h in tree.headings)
