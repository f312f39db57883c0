"""A small streaming XLSX (SpreadsheetML) writer for the portfolio workbook.

The portfolio holds one row per finding of every dossier: 13,500 rows for 300 dossiers,
millions for a large archive. openpyxl spends about 10 µs a cell and its import alone is a
fifth of a second; here each dossier's rows arrive as SpreadsheetML already made by the
worker that checked it (`cell`, `ROW` numbering), and the writer only numbers them and
streams them into the zip. Sheets spill into "name (2)", "name (3)" past Excel's 1,048,576
rows. The bytes depend only on the rows and `when` (fixed entry dates and order).
"""

from __future__ import annotations

import itertools
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import IO, Any

from dossier.render.common import xml_text

MAX_ROWS = 1_048_576
"""Excel's rows per sheet, the header included."""
ROW = "\x01"
"""Stands for the row number in prepared rows (a control character XML text never holds)."""
ROW_OPEN = f'<row r="{ROW}">'.encode()
COLUMNS = tuple(
    [chr(65 + i) for i in range(26)] + [chr(65 + i) + chr(65 + j) for i in range(26) for j in range(26)]
)
"""A … ZZ: more columns than any portfolio sheet has (the material matrix has one per material)."""

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_HEADER_STYLE = 1


def cell(column: str, value: Any, style: int = 0) -> str:
    """One cell of a prepared row: numbers as numbers, everything else as an inline string
    (never a formula, so "=…" from a report stays text). Empty values make no cell."""
    if value is None or value == "":
        return ""
    ref = f"{column}{ROW}"
    s = f' s="{style}"' if style else ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f'<c r="{ref}"{s}><v>{value}</v></c>'
    text = xml_text(value)
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{escape(text, quote=False)}</t></is></c>'


def row(values: Iterable[Any], style: int = 0) -> bytes:
    """A prepared row (numbered `ROW`) from its values, column A onwards."""
    cells = "".join(cell(c, v, style) for c, v in zip(COLUMNS, values, strict=False))
    return f"{ROW_OPEN.decode()}{cells}</row>".encode()


def split_rows(prepared: bytes) -> list[bytes]:
    """Prepared rows stored back to back → one row each."""
    return [ROW_OPEN + part for part in prepared.split(ROW_OPEN)[1:]]


@dataclass(frozen=True)
class Sheet:
    name: str
    header: tuple[str, ...]
    rows: Iterable[tuple[bytes, str | None]]
    """(prepared row, hyperlink target of its `link_column` cell or None), in order; a target is
    a URL (already percent-encoded)."""
    link_column: str = ""


def _entry(name: str, when: datetime) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(max(when.year, 1980), when.month, when.day, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    # Level 1: the sheets are repetitive XML (9x smaller at level 1, 11x at 6) and level 6 takes
    # almost three times as long, all of it after the last dossier is checked.
    info._compresslevel = 1  # type: ignore[attr-defined]  # no public setter before Python 3.13
    info.create_system = 0
    info.external_attr = 0
    return info


_SHEET_HEAD = (
    f'{_DECL}<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}"><sheetViews><sheetView workbookViewId="0">'
    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
    '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
    '<sheetFormatPr defaultRowHeight="15"/><sheetData>'
).encode()
_MARGINS = b'<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'


def _write_sheet(fh: IO[bytes], sheet: Sheet, rows: Iterator[tuple[bytes, str | None]], limit: int) -> list[str]:
    """The sheet's header and up to `limit` rows; returns the hyperlink targets, in row order."""
    fh.write(_SHEET_HEAD)
    fh.write(row(sheet.header, _HEADER_STYLE).replace(ROW.encode(), b"1"))
    links: list[str] = []
    refs: list[str] = []
    chunk: list[bytes] = []
    placeholder = ROW.encode()
    for number, (prepared, link) in enumerate(itertools.islice(rows, limit), start=2):
        n = str(number).encode()
        chunk.append(prepared.replace(placeholder, n))
        if link and sheet.link_column:
            links.append(link)
            refs.append(f"{sheet.link_column}{number}")
        if len(chunk) >= 2000:
            fh.write(b"".join(chunk))
            chunk = []
    fh.write(b"".join(chunk))
    fh.write(b"</sheetData>")
    if links:
        body = "".join(f'<hyperlink ref="{ref}" r:id="rId{i}"/>' for i, ref in enumerate(refs, start=1))
        fh.write(f"<hyperlinks>{body}</hyperlinks>".encode())
    fh.write(_MARGINS + b"</worksheet>")
    return links


def _rels(items: Iterable[tuple[str, str, str]], external: bool = False) -> bytes:
    mode = ' TargetMode="External"' if external else ""
    body = "".join(
        f'<Relationship Id="{rid}" Type="{kind}" Target="{escape(target)}"{mode}/>' for rid, kind, target in items
    )
    return f'{_DECL}<Relationships xmlns="{_PKG}">{body}</Relationships>'.encode()


def write_workbook(dest: IO[bytes], sheets: Iterable[Sheet], when: datetime, *, title: str, creator: str,
                   max_rows: int | None = None) -> list[str]:
    """Write the workbook to `dest`; returns the sheet names as written (spills included)."""
    max_rows = max_rows or MAX_ROWS
    names: list[str] = []
    with zipfile.ZipFile(dest, "w") as zf:
        for sheet in sheets:
            rows: Iterator[tuple[bytes, str | None]] = iter(sheet.rows)
            part = 1
            while True:
                names.append(sheet.name if part == 1 else f"{sheet.name} ({part})")
                n = len(names)
                with zf.open(_entry(f"xl/worksheets/sheet{n}.xml", when), "w") as fh:
                    links = _write_sheet(fh, sheet, rows, max_rows - 1)
                if links:
                    hyperlink = f"{_REL}/hyperlink"
                    zf.writestr(_entry(f"xl/worksheets/_rels/sheet{n}.xml.rels", when), _rels(
                        ((f"rId{i}", hyperlink, t) for i, t in enumerate(links, start=1)),
                        external=True))
                following = next(rows, None)
                if following is None:
                    break
                rows = itertools.chain([following], rows)
                part += 1
        _package(zf, names, when, title, creator)
    return names


def _package(zf: zipfile.ZipFile, names: list[str], when: datetime, title: str, creator: str) -> None:
    def put(name: str, data: str | bytes) -> None:
        zf.writestr(_entry(name, when), data if isinstance(data, bytes) else data.encode("utf-8"))

    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    sheets = "".join(f'<sheet name="{escape(n)}" sheetId="{i}" r:id="rId{i}"/>' for i, n in enumerate(names, start=1))
    put("xl/workbook.xml", f'{_DECL}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><bookViews><workbookView/>'
                           f"</bookViews><sheets>{sheets}</sheets></workbook>")
    n = len(names)
    put("xl/_rels/workbook.xml.rels", _rels(
        [(f"rId{i}", f"{_REL}/worksheet", f"worksheets/sheet{i}.xml") for i in range(1, n + 1)]
        + [(f"rId{n + 1}", f"{_REL}/styles", "styles.xml")]))
    put("xl/styles.xml", _STYLES)
    put("docProps/core.xml",
        f'{_DECL}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{escape(title)}</dc:title><dc:creator>{escape(creator)}</dc:creator>"
        f"<cp:lastModifiedBy>{escape(creator)}</cp:lastModifiedBy>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified></cp:coreProperties>')
    put("docProps/app.xml", f'{_DECL}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
                            'extended-properties"><Application>dossier</Application></Properties>')
    put("_rels/.rels", _rels([
        ("rId1", f"{_REL}/officeDocument", "xl/workbook.xml"),
        ("rId2", "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties",
         "docProps/core.xml"),
        ("rId3", f"{_REL}/extended-properties", "docProps/app.xml"),
    ]))
    ct = "application/vnd.openxmlformats-officedocument"
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{ct}.spreadsheetml.worksheet+xml"/>'
        for i in range(1, n + 1))
    put("[Content_Types].xml",
        f'{_DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{ct}.spreadsheetml.sheet.main+xml"/>{overrides}'
        f'<Override PartName="/xl/styles.xml" ContentType="{ct}.spreadsheetml.styles+xml"/>'
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        f'<Override PartName="/docProps/app.xml" ContentType="{ct}.extended-properties+xml"/></Types>')


_STYLES = (
    f'{_DECL}<styleSheet xmlns="{_MAIN}">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
