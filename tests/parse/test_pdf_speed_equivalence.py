"""The PDF reader's cheaper ways give what the plain ways give: `Line`'s written-out
constructor is the dataclass's, the outline read through pdfium's C functions is the one
pypdfium2's get_toc gives (on the corpus and on outlines built to break it), remembered keys
and roundings are the computed ones, a page stops being asked for 目录 entries only where it
cannot be a 目录 page, min and max spelt out pick what the builtins pick, and pdfium loaded
without pypdfium2 opens documents (and fails to) as pypdfium2 does."""

from __future__ import annotations

import dataclasses
import inspect
import logging
import math
import subprocess
import sys
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dossier.parse import ladder, layout, pdf
from dossier.parse.layout import Line, Mark, Page, key, plain_key

REPO = Path(__file__).resolve().parents[2]
CORPUS_PDFS = sorted(p for p in (REPO / "corpus").rglob("*.pdf") if "cache" not in p.parts)


# ---------------------------------------------------------------- Line
def test_line_init_takes_the_fields_in_order_with_their_defaults() -> None:
    params = list(inspect.signature(Line.__init__).parameters.values())[1:]
    fields = dataclasses.fields(Line)
    assert [(p.name, p.default) for p in params] == [
        (f.name, inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default) for f in fields
    ]


def test_line_init_sets_every_field_and_stays_frozen() -> None:
    args = (3, "第一章 概述", 72.0, 300.5, 100.0, 112.0, 12.0, True, "SimHei", 0.9, ("a", "b"), (72.0, 300.0))
    line = Line(*args)
    assert vars(line) == {f.name: a for f, a in zip(dataclasses.fields(Line), args, strict=True)}
    assert Line(**vars(line)) == line and hash(Line(*args)) == hash(line)
    short = Line(1, "x", 0.0, 1.0, 2.0, 3.0, 4.0)
    assert (short.bold, short.font, short.score, short.cells, short.column) == (False, "", None, (), None)
    assert dataclasses.replace(short, column=(0.0, 5.0)) == Line(1, "x", 0.0, 1.0, 2.0, 3.0, 4.0, column=(0.0, 5.0))
    with pytest.raises(dataclasses.FrozenInstanceError):
        short.text = "y"  # type: ignore[misc]


# ---------------------------------------------------------------- bookmarks
def _marks_by_pypdfium2(doc: pdfium.PdfDocument) -> list[Mark]:
    """The outline as the reader read it through pypdfium2's get_toc: the reference."""
    marks = []
    try:
        for bm in doc.get_toc(max_depth=8):
            title = pdf._clean(bm.get_title() or "")
            dest = bm.get_dest()
            page = dest.get_index() if dest is not None else None
            if title.strip():
                marks.append(Mark(key(title), bm.level + 1, None if page is None else page + 1, title.strip()))
    except Exception:
        return []
    return marks


def _same_outline(path: Path, caplog: pytest.LogCaptureFixture) -> list[Mark]:
    doc = pdfium.PdfDocument(str(path))
    try:
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            wanted = _marks_by_pypdfium2(doc)
        wanted_log = [r.getMessage() for r in caplog.records]
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            got = pdf._bookmarks(doc)
        assert got == wanted
        assert [r.getMessage() for r in caplog.records] == wanted_log
    finally:
        doc.close()
    return got


@pytest.mark.parametrize("path", CORPUS_PDFS, ids=lambda p: p.name)
def test_corpus_outlines_as_pypdfium2_reads_them(path: Path, caplog: pytest.LogCaptureFixture) -> None:
    _same_outline(path, caplog)


def _utf16(text: str) -> bytes:
    return b"<FEFF" + text.encode("utf-16-be", "surrogatepass").hex().upper().encode() + b">"


def _outline_pdf(tmp_path: Path, items: dict[int, bytes], first: int, last: int) -> Path:
    """Three pages and an outline whose items are objects 7.. (`items`: number → dict body)."""
    objs = {
        1: b"<< /Type /Catalog /Pages 2 0 R /Outlines 6 0 R >>",
        2: b"<< /Type /Pages /Count 3 /Kids [3 0 R 4 0 R 5 0 R] >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        4: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        5: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        6: b"<< /Type /Outlines /First %d 0 R /Last %d 0 R >>" % (first, last),
        **items,
    }
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n in range(1, max(objs) + 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (n, objs.get(n, b"null"))
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(offsets) + 1, xref)
    path = tmp_path / "outline.pdf"
    path.write_bytes(bytes(out))
    return path


def _item(title: bytes, parent: int, *, dest: bytes = b"[3 0 R /Fit]", **links: int) -> bytes:
    refs = b"".join(b" /%s %d 0 R" % (name.encode(), n) for name, n in links.items())
    return b"<< /Title %s /Parent %d 0 R%s /Dest %s >>" % (title, parent, refs, dest)


def test_a_deep_outline_stops_at_eight_levels(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    items = {}
    for depth in range(10):  # objects 7..16, each the only child of the one before
        n = 7 + depth
        links = {"First": n + 1, "Last": n + 1} if depth < 9 else {}
        items[n] = _item(b"(Level %d)" % (depth + 1), n - 1 if depth else 6, dest=b"[%d 0 R /Fit]" % (3 + depth % 3), **links)
    got = _same_outline(_outline_pdf(tmp_path, items, 7, 7), caplog)
    assert [m.level for m in got] == list(range(1, 9))
    assert "Maximum recursion depth" in caplog.text


def test_looping_outlines_end_where_pypdfium2_ends_them(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    items = {
        7: _item(b"(1 Chapter)", 6, Next=8, First=9, Last=9),
        8: _item(b"(2 Chapter)", 6, Next=7),  # back to the first sibling
        9: _item(b"(1.1 Section)", 7, First=9, Last=9, dest=b"[4 0 R /XYZ 0 800 0]"),  # its own child
    }
    got = _same_outline(_outline_pdf(tmp_path, items, 7, 8), caplog)
    assert [m.title for m in got] == ["1 Chapter", "1.1 Section", "2 Chapter"]
    assert "circular bookmark" in caplog.text


def test_titles_and_destinations_of_every_kind(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    items = {
        7: _item(_utf16("第一章 概述"), 6, Next=8),
        8: _item(_utf16("附录 \U0001d400 数学"), 6, Next=9, dest=b"[99 0 R /Fit]"),  # a pair: joined
        9: _item(b"(   )", 6, Next=10),  # blank: left out
        10: _item(b"(No destination)", 6, Next=11, dest=b"null"),
        11: b"<< /Title (By action) /Parent 6 0 R /A << /S /GoTo /D [5 0 R /Fit] >> >>",
    }
    got = _same_outline(_outline_pdf(tmp_path, items, 7, 11), caplog)
    assert [(m.title, m.page) for m in got] == [
        ("第一章 概述", 1), ("附录 \U0001d400 数学", None), ("No destination", None), ("By action", 3)
    ]


def test_a_title_pypdfium2_cannot_decode_drops_the_outline(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    items = {
        7: _item(b"(Fine)", 6, Next=8),
        8: _item(_utf16("bad \ud800 half"), 6),  # a lone surrogate: strict UTF-16 decoding fails
    }
    assert _same_outline(_outline_pdf(tmp_path, items, 7, 8), caplog) == []


# ---------------------------------------------------------------- layout
def _corpus_pages() -> list[list[Page]]:
    out = []
    for path in CORPUS_PDFS:
        doc = pdfium.PdfDocument(str(path))
        try:
            out.append(pdf._read_pages(doc, path, len(doc), float("inf"), []).pages)
        finally:
            doc.close()
    return out


def test_remembered_keys_are_the_plain_keys() -> None:
    texts = [ln.text for pages in _corpus_pages() for p in pages for ln in p.lines]
    texts += ["  第 一 章  概述 ……… 12", "１．２　项目背景", "Ａｂｃ\u3000ｄｅｆ", "", "   "]
    assert len(texts) > 1000
    for text in texts + texts:  # the second time from the cache
        assert key(text) == plain_key(text)


def _entry_flags_plain(lines: tuple[Line, ...]) -> list[bool] | None:
    """Every line asked; None when too few are entries for a 目录 page (as _drop_toc decides)."""
    flags = [ladder.is_toc_line(ln.text) for ln in lines]
    hits = sum(flags)
    return flags if hits >= 3 and hits >= 0.4 * len(lines) else None


def _toc_page(entries: int, body: int) -> tuple[Line, ...]:
    texts = [f"第{k}章 概述 ........ {k + 2}" for k in range(entries)] + [f"正文第 {k} 行。" for k in range(body)]
    return tuple(Line(1, t, 72.0, 500.0, 100.0 + 14 * k, 112.0 + 14 * k, 12.0) for k, t in enumerate(texts))


def test_entry_flags_stop_only_where_the_page_cannot_be_a_contents_page() -> None:
    pages = [p.lines for doc in _corpus_pages() for p in doc]
    pages += [_toc_page(e, b) for e in range(6) for b in range(0, 12, 3)]
    pages += [tuple(reversed(_toc_page(e, b))) for e in range(6) for b in range(0, 12, 3)]
    decided = [layout._entry_flags(lines) for lines in pages]
    assert decided == [_entry_flags_plain(lines) for lines in pages]
    assert any(d is not None for d in decided) and any(d is None for d in decided)


# ---------------------------------------------------------------- spelt-out builtins
@given(st.floats(allow_nan=True, allow_infinity=True), st.floats(allow_nan=True, allow_infinity=True))
def test_spelt_out_min_and_max_pick_what_the_builtins_pick(a: float, b: float) -> None:
    # The reader's and cluster's hot loops write min(a, b) and max(a, b) as comparisons:
    # the same object, NaN and signed zeros included.
    assert (b if b < a else a) is min(a, b)
    assert (b if b > a else a) is max(a, b)


@pytest.mark.parametrize(
    "size", [10.5, 12.0, 10.499999, 10.505, 10.515, 1e-9, 0.0, -0.0, -3.25, float("inf"), float("-inf"), float("nan")]
)
def test_remembered_rounding_is_round(size: float) -> None:
    reader = pdf._TextReader()
    for _ in range(2):  # the second time from the reader's memory, where kept
        got, want = reader.rounded(size), round(size, 2)
        assert repr(got) == repr(want)
    assert reader.rounded(-size) == round(-size, 2) or math.isnan(size)
    assert repr(reader.rounded(-0.0)) == "-0.0" and repr(reader.rounded(0.0)) == "0.0"


# ---------------------------------------------------------------- pdfium without pypdfium2
def test_the_reader_loads_pypdfium2s_pdfium_without_importing_pypdfium2() -> None:
    code = "import sys, dossier.parse.pdf, dossier.parse.pdf_tables; print(sorted(m for m in sys.modules if 'pdfium' in m))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert proc.stdout.strip() == "[]"
    import pypdfium2_raw.bindings as bindings

    assert Path(pdf._PDFIUM._name).resolve() == Path(bindings._libs["pdfium"]._name).resolve()


def test_pdfium_error_words_are_pypdfium2s() -> None:
    from pypdfium2.internal.consts import ErrorToStr

    assert [ErrorToStr.get(code) for code in range(len(pdf._ERRORS) + 2)] == [
        *pdf._ERRORS, *(f"Unhandled constant {code}" for code in range(len(pdf._ERRORS), len(pdf._ERRORS) + 2))
    ]


@pytest.mark.parametrize("path", CORPUS_PDFS, ids=lambda p: p.name)
def test_documents_open_as_pypdfium2_opens_them(path: Path) -> None:
    doc, theirs = pdf.open_document(path), pdfium.PdfDocument(str(path))
    try:
        assert len(doc) == len(theirs)
        for key_ in ("Title", "Author", "Producer", "Nothing"):
            assert doc.metadata(key_) == theirs.get_metadata_value(key_)
    finally:
        doc.close()
        theirs.close()


def _pypdfium2_error(path: Path) -> str:
    try:
        pdfium.PdfDocument(str(path)).close()
    except pdfium.PdfiumError as e:
        return str(e)
    return ""


def test_unreadable_documents_fail_in_pypdfium2s_words(tmp_path: Path) -> None:
    good = CORPUS_PDFS[0].read_bytes()
    no_pages = _outline_pdf(tmp_path, {}, 0, 0).read_bytes().replace(b"/Count 3 /Kids [3 0 R 4 0 R 5 0 R]", b"/Count 0 /Kids []")
    for name, data in {
        "junk.pdf": b"%PDF-1.4\n" + bytes(range(256)) * 8,
        "truncated.pdf": good[: len(good) // 3],
        "no-pages.pdf": no_pages,
        "empty.pdf": b"%PDF",
    }.items():
        path = tmp_path / name
        path.write_bytes(data)
        wanted = _pypdfium2_error(path)
        try:
            pdf.open_document(path).close()
            got = ""
        except pdf.PdfiumError as e:
            got = str(e)
        assert got == wanted and wanted.startswith("Failed to load document"), name
    with pytest.raises(FileNotFoundError):
        pdf.open_document(tmp_path / "missing.pdf")
