"""The PDF reader's shortcuts give what the longer way gives: pages and text pages through
pdfium's C API (text, images) as through pypdfium2's wrappers, ruling asked only where it
changes what is read, and keys and clause labels told without NFKC where they can be."""

from __future__ import annotations

import ctypes
import re
import unicodedata
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dossier.parse import layout, pdf, pdf_tables

REPO = Path(__file__).resolve().parents[2]
CORPUS_PDFS = sorted(p for p in (REPO / "corpus").rglob("*.pdf") if "cache" not in p.parts)


def _address(obj: Any) -> int:
    return ctypes.cast(obj.raw, ctypes.c_void_p).value or 0


@pytest.mark.parametrize("path", CORPUS_PDFS, ids=lambda p: p.name)
def test_page_text_and_images_as_pypdfium2_reads_them(path: Path) -> None:
    doc = pdfium.PdfDocument(str(path))
    try:
        for i in range(len(doc)):
            page = doc[i]
            textpage = page.get_textpage()
            n = textpage.count_chars()
            if n > 0:
                assert pdf._page_text(_address(textpage), n) == textpage.get_text_range(0, n)
            textpage.close()
            wanted = any(True for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2))
            assert pdf._has_image(_address(page)) == wanted
            page.close()
    finally:
        doc.close()


def test_an_image_one_form_down_is_found_two_down_is_not(tmp_path: Path) -> None:
    # A scanned page placed as a form XObject (its image one level down: found, as
    # get_objects(max_depth=2) lists it), and that page placed again (two down: not).
    scan = pdfium.PdfDocument(str(REPO / "corpus" / "parse" / "scanned" / "acceptance-bold-scan.pdf"))
    doc = pdfium.PdfDocument.new()
    try:
        for source in (scan, doc):
            page = doc.new_page(595, 842)
            xobject = pdfium_c.FPDF_NewXObjectFromPage(doc.raw, source.raw, 0)
            pdfium_c.FPDFPage_InsertObject(page.raw, pdfium_c.FPDF_NewFormObjectFromXObject(xobject))
            assert pdfium_c.FPDFPage_GenerateContent(page.raw)
            pdfium_c.FPDF_CloseXObject(xobject)
            page.close()
        found = []
        for i in range(len(doc)):
            page = doc[i]
            found.append(pdf._has_image(_address(page)))
            page.close()
    finally:
        doc.close()
        scan.close()
    assert found == [True, False]


# ---------------------------------------------------------------- ruling, asked where it matters
def _text(doc: pdfium.PdfDocument, page: pdfium.PdfPage, font: Any, text: str, x: float, y: float) -> None:
    obj = pdfium_c.FPDFPageObj_CreateTextObj(doc.raw, font, 12.0)
    buffer = ctypes.create_string_buffer((text + "\0").encode("utf-16-le"))
    pdfium_c.FPDFText_SetText(obj, ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort)))
    pdfium_c.FPDFPageObj_Transform(obj, 1, 0, 0, 1, x, y)
    pdfium_c.FPDFPage_InsertObject(page.raw, obj)


def _rules(page: pdfium.PdfPage) -> None:
    """Three horizontal and three vertical lines: a ruled table."""
    for k in range(3):
        for x, y, w, h in ((72, 500 + 20 * k, 300, 1), (72 + 100 * k, 500, 1, 40)):
            rect = pdfium_c.FPDFPageObj_CreateNewRect(x, y, w, h)
            pdfium_c.FPDFPath_SetDrawMode(rect, pdfium_c.FPDF_FILLMODE_ALTERNATE, False)
            pdfium_c.FPDFPage_InsertObject(page.raw, rect)


def _document(tmp_path: Path, pages: int, ruled: set[int]) -> Path:
    doc = pdfium.PdfDocument.new()
    font = pdfium_c.FPDFText_LoadStandardFont(doc.raw, b"Helvetica")
    for n in range(1, pages + 1):
        page = doc.new_page(595, 842)
        _text(doc, page, font, f"Section {n} of the report", 72, 760)
        _text(doc, page, font, "Some body text on this page.", 72, 740)
        if n in ruled:
            _rules(page)
        assert pdfium_c.FPDFPage_GenerateContent(page.raw)
        page.close()
    path = tmp_path / "doc.pdf"
    doc.save(str(path))
    doc.close()
    return path


def _read(path: Path, monkeypatch: pytest.MonkeyPatch, fail_from: int | None = None) -> tuple[pdf._Read, int]:
    """`_read_pages` of the whole file, how many pages were asked for ruling, pages from
    `fail_from` (0-based) unreadable."""
    asked = []
    looks_ruled = pdf_tables.looks_ruled

    def counted(page: Any) -> bool:
        asked.append(page)
        return looks_ruled(page)

    read_page = pdf._read_page

    def failing(doc: pdfium.PdfDocument, i: int, reader: Any, read: pdf._Read) -> Any:
        if fail_from is not None and i >= fail_from:
            raise pdf.PdfiumError("Failed to load page.")
        return read_page(doc, i, reader, read)

    monkeypatch.setattr(pdf_tables, "looks_ruled", counted)
    monkeypatch.setattr(pdf, "_read_page", failing)
    doc = pdfium.PdfDocument(str(path))
    try:
        read = pdf._read_pages(doc, path, len(doc), float("inf"), [])
    finally:
        doc.close()
    monkeypatch.undo()
    return read, len(asked)


def test_a_short_document_asks_every_page_with_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    read, asked = _read(_document(tmp_path, 3, {2}), monkeypatch)
    assert (read.ruled, asked) == ([2], 3)


def test_a_long_document_asks_no_one_column_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Its tables are not read cell by cell and its pages are not set in columns: the
    # answer would change nothing.
    read, asked = _read(_document(tmp_path, pdf_tables.FORM_PAGES + 2, {2, 14}), monkeypatch)
    assert (read.ruled, asked) == ([], 0)


def test_a_long_document_read_short_asks_its_pages_after(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Pages past the twelfth unreadable: twelve pages read, so their tables are read cell
    # by cell after all, and the ruled ones are the same as asking page by page.
    path = _document(tmp_path, pdf_tables.FORM_PAGES + 3, {2, 5, 14})
    read, asked = _read(path, monkeypatch, fail_from=pdf_tables.FORM_PAGES)
    assert [p.number for p in read.pages] == list(range(1, pdf_tables.FORM_PAGES + 1))
    assert (read.ruled, asked) == ([2, 5], pdf_tables.FORM_PAGES)


# ---------------------------------------------------------------- NFKC told without normalising
_TEXTS = st.text(
    alphabet=st.sampled_from(
        list("  \t\u3000\u00a0") + list("0123456789１２.．。，、（）():：-—…·") + list("aeAEoO<=>")
        + ["\u0301", "\u0308", "\u0338", "\u3099"] + list("项目概述第一章表①⑴²ﬀ")
    ),
    max_size=12,
)


@settings(max_examples=3000, deadline=None)
@given(_TEXTS)
def test_key_head_is_the_first_character_of_the_key(text: str) -> None:
    head = layout._key_head(text)
    if head:
        assert layout.key(text)[:1] == head


@settings(max_examples=3000, deadline=None)
@given(_TEXTS)
def test_no_digit_head_means_nfkc_starts_with_no_digit(text: str) -> None:
    if layout._no_digit_head(text):
        assert not re.match(r"\d", unicodedata.normalize("NFKC", text).strip())


def test_outline_share_counts_as_keying_every_line() -> None:
    lines = ["第一章 总则", "  12", "1 范围", "项目概述", "（一）建设内容", "2024年1月", "é", "A\u0301bc"]
    page = layout.Page(1, 595, 842, tuple(layout.Line(1, t, 0, 100, 10 * k, 10 * k + 9, 12) for k, t in enumerate(lines)))
    for titles in (["第一章总则", "建设内容", "范围"], ["", "12", "1范围"], ["Ábc", "项目概述和目标", "X"]):
        marks = [layout.Mark(layout.key(t), 1, 1, t) for t in titles]
        keys = {layout.key(t) for t in lines}
        heads = {k[:6] for k in keys if len(k) >= 6}
        share = sum(1 for m in marks if m.key in keys or (len(m.key) >= 6 and m.key[:6] in heads)) / len(marks)
        assert layout._outline_share([page], marks) == share
