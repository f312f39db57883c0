"""The parsers' resource caps, in one table.

A small hostile file can describe an enormous document: 440 KB of DOCX inflates to 2.5
million table cells (3.6 GB in memory), 525 KB of XLSX to 5 million shared strings (135 s),
700 bytes of PDF to one page 5 m on a side (9 GB rendered at print resolution), 1.6 MB of PDF
to 10,000 pages to OCR. The sandbox's memory limit and timeout stop such a file, but they
cost the whole file and say only "too big". The caps below stop reading *at* a count, keep
what was read, and say what was left out (`partly()`), so the checker reports "only the first
N cells were read" beside whatever the file did hold.

Each parser calls in with one line where it counts; the defaults are far above any real
dossier's documents (the corpus and benchmarks/bigdossier.py's 1,000-page documents read
whole) and low enough that every capped case stays well under 1 GB and the file timeout.
"""

from __future__ import annotations

import os
import struct
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from dossier.errors import InputError

__all__ = ["LIMITS", "PARTLY_READ", "LimitExceeded", "Limits", "check_zip_entries", "ocr_skipped", "ocr_stop", "partly",
           "render_scale", "zip_entry_count"]

PARTLY_READ = "partly-read:"
"""Prefix of a DocumentTree warning saying what a cap left unread (DOS-P006)."""


@dataclass(frozen=True)
class Limits:
    xml_tags: int = 3_000_000
    """XML tags (start, end or empty) read from one document part: a bound on its elements,
    counted as bytes are fed to the parser. A richly formatted Word page has ~1,000."""
    page_tags: int = 250_000
    """XML tags in one OFD page (a dense page written one TextObject per character has ~10,000;
    200,000 characters on one page took 525 MB and 34 s)."""
    paragraphs: int = 150_000
    """Paragraphs read from one DOCX (table cells' included); a 1,000-page report has ~30,000.
    1M paragraphs took 1.9 GB and 69 s."""
    runs: int = 300_000
    """Runs (w:r) read from one DOCX; 3M one-character runs took 2.9 GB."""
    table_cells: int = 100_000
    """Table cells read from one DOCX; 2.5M cells took 3.6 GB."""
    zip_entries: int = 20_000
    """Parts in one DOCX / XLSX / OFD package; a 1,000-page OFD has about 3,000."""
    sheet_cells: int = 200_000
    """Cells read from one workbook, all sheets together (a sheet is read for 2,000 rows at most,
    but a row may hold 16,384 cells)."""
    shared_strings: int = 200_000
    """Shared strings (xl/sharedStrings.xml) read from one workbook: 5M took 135 s."""
    render_pixels: int = 8_000_000
    """Pixels of one page rendered for OCR (A4 at 300 dpi is 8.7M; OCR reads at ~3M)."""
    decode_pixels: int = 60_000_000
    """Pixels of one image decoded in full (PNG, TIFF, …; a JPEG decodes scaled down): an A4
    page scanned at 600 dpi is 35M, and 60M greyscale-converted RGB pixels hold ~240 MB."""
    ocr_pages: int = 300
    """Pages OCR'd in one file; OCR reads ~1 page/s on two cores."""
    ocr_seconds: float = 60.0
    """Seconds of OCR in one file, well under the sandbox's default 120 s per file, so a long
    scan keeps the pages it read instead of losing the whole file to the timeout."""


def _from_env() -> Limits:
    """The defaults, with any `DOSSIER_LIMIT_<FIELD>` override (tests, and operators who need
    more for one run): the sandbox child inherits the environment."""
    base = Limits()
    changes: dict[str, Any] = {}
    for name, value in vars(base).items():
        raw = os.environ.get(f"DOSSIER_LIMIT_{name.upper()}", "").strip()
        if not raw:
            continue
        try:
            changes[name] = type(value)(raw)
        except ValueError:
            continue  # an unusable override keeps the default rather than sinking the check
    return replace(base, **changes)


LIMITS = _from_env()


class LimitExceeded(InputError):
    """A file refused whole because reading any of it would pass a cap (DOS-P003)."""


def partly(what: str) -> str:
    """The tree warning for a cap that stopped reading (reported as DOS-P006)."""
    return f"{PARTLY_READ} {what}"


def render_scale(width_pt: float, height_pt: float, scale: float) -> float:
    """`scale`, lowered so the rendered page has at most LIMITS.render_pixels pixels."""
    pixels = width_pt * height_pt * scale * scale
    if pixels <= LIMITS.render_pixels:
        return scale
    return scale * (LIMITS.render_pixels / pixels) ** 0.5


_EOCD = b"PK\x05\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"


def zip_entry_count(path: Path) -> int | None:
    """The number of entries a zip's end-of-central-directory record declares, read from its
    last 64 KB without reading the directory itself; None when it cannot be found (zipfile
    then says what is wrong)."""
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - 65_557))
            tail = fh.read()
    except OSError:
        return None
    at = tail.rfind(_EOCD)
    if at < 0 or at + 22 > len(tail):
        return None
    (entries,) = struct.unpack_from("<H", tail, at + 10)
    loc = tail.rfind(_EOCD64_LOCATOR, 0, at)
    if entries == 0xFFFF and loc >= 0:  # Zip64: the count is in the zip64 record
        (offset,) = struct.unpack_from("<Q", tail, loc + 8)
        try:
            with path.open("rb") as fh:
                fh.seek(offset)
                rec = fh.read(56)
        except OSError:
            return None
        if len(rec) == 56 and rec.startswith(b"PK\x06\x06"):
            (entries,) = struct.unpack_from("<Q", rec, 32)
    return int(entries)


def check_zip_entries(path: Path, display: str | None = None) -> None:
    """Refuse a package with more parts than LIMITS.zip_entries before zipfile reads its directory."""
    n = zip_entry_count(path)
    if n is not None and n > LIMITS.zip_entries:
        raise LimitExceeded(f"压缩包内有 {n:,} 个部件（上限 {LIMITS.zip_entries:,}），未读取", path=display or str(path))


def ocr_stop(started: float, done: int) -> str:
    """Why OCR of a file must stop now that `done` pages were read since `started`
    (time.monotonic()): its page or time cap; "" to go on."""
    if done >= LIMITS.ocr_pages:
        return f"已识别 {done:,} 页，达到每个文件 {LIMITS.ocr_pages:,} 页的识别上限"
    if time.monotonic() - started > LIMITS.ocr_seconds:
        return f"已识别 {done:,} 页，达到每个文件 {LIMITS.ocr_seconds:g} 秒的识别时间上限"
    return ""


def ocr_skipped(pages: str, why: str) -> str:
    """The warning naming the scanned pages a cap left unread (`pages` as "4-10000")."""
    return partly(f"第 {pages} 页是扫描页，未做文字识别（{why}）")
