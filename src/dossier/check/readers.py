"""Readers for materials that are not reports: spreadsheets and plain text placeholders.
They give a DocumentTree without headings so classification and facts work the same."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

from dossier.cjk import PLACEHOLDER_MARK
from dossier.errors import InputError
from dossier.parse.limits import LIMITS, check_zip_entries, partly
from dossier.tree import Block, DocumentTree, Location

MAX_SHEET_ROWS = 2000


def read_xlsx(path: Path, display: str) -> DocumentTree:
    """A workbook's sheets as tables: at most MAX_SHEET_ROWS rows a sheet, LIMITS.sheet_cells
    cells and LIMITS.shared_strings shared strings in all (each cap said in a warning)."""
    import zipfile

    check_zip_entries(path, display)
    try:
        reader = _capped_reader(path)
        reader.read()
        wb = reader.wb
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, SyntaxError) as exc:
        # openpyxl's XML errors (an undefined entity, broken markup) are SyntaxError subclasses.
        raise InputError(f"not a readable spreadsheet ({type(exc).__name__}: {exc})"[:300], path=display) from None
    warnings = [reader.strings_note] if reader.strings_note else []
    blocks: list[Block] = []
    title = ""
    cells_read = 0
    try:
        for ws in wb.worksheets:
            rows: list[tuple[str, ...]] = []
            for i, row in enumerate(ws.iter_rows(values_only=True)):
                if i >= MAX_SHEET_ROWS:
                    break
                if cells_read >= LIMITS.sheet_cells:
                    warnings.append(partly(f"只读取了前 {cells_read:,} 个表格单元格（上限 {LIMITS.sheet_cells:,}），"
                                           f"工作表“{ws.title}”第 {i + 1} 行起未读取"))
                    break
                cells_read += len(row)
                cells = tuple("" if v is None else str(v).strip() for v in row)
                if any(cells):
                    rows.append(cells)
            if rows:
                if not title:
                    title = next((c for c in rows[0] if c), "")
                blocks.append(Block(kind="table", rows=tuple(rows), location=Location(page=len(blocks) + 1)))
            if cells_read >= LIMITS.sheet_cells:
                break
    except (KeyError, ValueError, SyntaxError, zipfile.BadZipFile) as exc:
        raise InputError(f"broken spreadsheet content ({type(exc).__name__}: {exc})"[:300], path=display) from None
    finally:
        wb.close()
    return DocumentTree(path=display, format="text", title=title, headings=(), preamble=tuple(blocks),
                        warnings=tuple(warnings))


class _Strings(list[str]):
    """The shared strings read; a cell naming one past the cap reads as empty."""

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, int) and not -len(self) <= i < len(self):
            return ""
        return super().__getitem__(i)


def _capped_reader(path: Path) -> Any:
    """openpyxl's read-only workbook reader whose shared-string table stops at
    LIMITS.shared_strings (openpyxl reads the whole table up front: 5M strings took 135 s)."""
    from openpyxl.cell.text import Text
    from openpyxl.reader.excel import SHARED_STRINGS, ExcelReader
    from openpyxl.xml.constants import SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse

    si = f"{{{SHEET_MAIN_NS}}}si"

    class Reader(ExcelReader):
        strings_note = ""

        def read_strings(self) -> None:
            ct = self.package.find(SHARED_STRINGS)
            if ct is None:
                return
            strings = _Strings()
            with self.archive.open(ct.PartName[1:]) as src:
                for _, node in iterparse(src):
                    if node.tag != si:
                        continue
                    if len(strings) >= LIMITS.shared_strings:  # one more: there is more than the cap
                        self.strings_note = partly(f"只读取了前 {len(strings):,} 个共享字符串"
                                                   f"（上限 {LIMITS.shared_strings:,}），引用其后字符串的单元格按空白读取")
                        break
                    strings.append(Text.from_tree(node).content.replace("x005F_", ""))
                    node.clear()
            self.shared_strings = strings

        def read_worksheets(self) -> None:
            import openpyxl.reader.excel as excel

            # The one class openpyxl builds read-only sheets from; ours only sizes them faster.
            excel.ReadOnlyWorksheet = _sheet_class()
            super().read_worksheets()

    return Reader(path, read_only=True, data_only=True)


@functools.cache
def _sheet_class() -> type:
    """openpyxl's read-only sheet, sized from the <dimension> at the head of its XML.

    openpyxl looks for <dimension> by parsing until the end of <sheetData> when it is absent,
    so opening a sheet read the whole sheet (32M cells: 205 s) before its first row. The
    schema puts <dimension> before <sheetData>: its absence is known from the first bytes."""
    from openpyxl.utils.cell import range_boundaries
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    class HeadSizedSheet(ReadOnlyWorksheet):
        def _get_size(self) -> None:
            with self._get_source() as src:
                head = src.read(1 << 16)
            m = _DIMENSION.search(head)
            if m is None:
                return
            try:
                bounds = range_boundaries(m.group(1).decode("ascii", "replace"))
            except (ValueError, TypeError):
                return
            if None not in bounds:
                self._min_column, self._min_row, self._max_column, self._max_row = bounds

    return HeadSizedSheet


_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*\bref=\"([^\"]+)\"")


SHEET_EXTS = frozenset({"xls", "et", "ett", "xlt"})


def is_legacy_sheet(path: Path, display: str) -> bool:
    """An OLE2 workbook (.xls, WPS .et): by its streams, or by its name when they are unclear."""
    from dossier.parse.convert import ole_kind

    kind = ole_kind(path)
    if kind == "unknown":
        return display.rsplit(".", 1)[-1].lower() in SHEET_EXTS
    return kind == "sheet"


def read_legacy_sheet(path: Path, display: str, *, timeout: float = 120.0) -> DocumentTree:
    """An .xls / .et workbook: converted to .xlsx by the long-lived LibreOffice (or one
    soffice run), then read exactly as an .xlsx, so its cells reach the same checks."""
    import tempfile

    from dossier.parse.convert import NOT_FOUND, convert_one, find_soffice

    if find_soffice() is None:
        raise InputError(NOT_FOUND.replace(".doc/.wps", ".xls/.et"), path=display)
    with tempfile.TemporaryDirectory(prefix="dossier-sheet-") as out:
        made = convert_one(path, Path(out), timeout, to="xlsx")
        if isinstance(made, str):
            raise InputError(f"cannot convert to XLSX: {made}", path=display)
        return read_xlsx(made, display)


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
