"""Fuzzing the DOCX parser, the PDF parser and zip ingest (+ parse) with hypothesis.

The only exception allowed out of a parser is `InputError` (the file is bad, say why);
ingest raises nothing for a readable root, and `parse_one` never raises. Each target has a
quick run (always on: 3,500 cases in all, derandomized, so CI is reproducible) and a
long run twenty times bigger, marked `fuzz` (`pytest -m fuzz tests/hostile`).
"""

from __future__ import annotations

import struct
import tempfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hostile_support import docx_parts, pack_zip, small_docx, text_pdf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dossier.check.engine import parse_one
from dossier.errors import InputError
from dossier.ingest import Limits, ingest
from dossier.parse import parse_file
from dossier.parse.pdf import parse_pdf

LONG = 20


def _settings(n: int) -> settings:
    return settings(max_examples=n, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _twice(n: int, **strategies: Any) -> Callable[[Callable[..., None]], tuple[Any, Any]]:
    """The same property as a quick test (n cases) and a long one (n x LONG, marked fuzz)."""
    def wrap(body: Callable[..., None]) -> tuple[Any, Any]:
        quick = _settings(n)(given(**strategies)(body))
        long = pytest.mark.fuzz(_settings(n * LONG)(given(**strategies)(body)))
        return quick, long
    return wrap


# -- mutations -------------------------------------------------------------------------

XML_TOKENS = [
    b"<w:p>", b"</w:p>", b"<w:r>", b"</w:r>", b"<w:t>", b"</w:t>", b"<w:tbl><w:tr><w:tc>", b"</w:tc></w:tr></w:tbl>",
    b'<w:pStyle w:val="Heading1"/>', b'<w:numPr><w:ilvl w:val="99"/><w:numId w:val="-1"/></w:numPr>',
    b'<w:outlineLvl w:val="2147483648"/>', b'<w:sz w:val="NaN"/>', b'<w:sz w:val="1e400"/>', b'w:val=""',
    b"<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>", b"&e;", b"&amp;", b"&#0;", b"&#x110000;",
    b"<![CDATA[", b"]]>", b"<?pi x?>", b"<!--", b"-->", b"\x00", b"\xff\xfe", b"\xe4\xb8", "第一章 概述".encode(),
    b'<w:basedOn w:val="Heading1"/>', b'<w:style w:type="paragraph" w:styleId="Heading1">', b"</w:style>",
    b'<w:abstractNumId w:val="0"/>', b'<w:lvlText w:val="%1.%9.%0"/>', b'<w:start w:val="-5"/>',
    b'<w:numFmt w:val="chineseCounting"/>', b"<w:fldSimple w:instr=\"TOC\">", b"<w:sdt><w:sdtContent>",
    b"<w:txbxContent>", b"<mc:Fallback>", b"<w:ins>", b"<w:del>", b"<w:tab/>", b"<w:br/>",
]
PDF_TOKENS = [
    b"obj", b"endobj", b"stream\n", b"\nendstream", b"/Kids [", b"]", b"<<", b">>", b" 0 R", b"/Type /Page ",
    b"/Type /Pages ", b"/Count 99999999 ", b"/Length 99999999 ", b"/Filter /FlateDecode ", b"/Filter /DCTDecode ",
    b"/Outlines 1 0 R ", b"/First 2 0 R /Next 2 0 R ", b"xref\n0 1\n", b"trailer", b"startxref\n0\n", b"%%EOF",
    b"/Encrypt << /Filter /Standard /V 2 /R 3 /O <00> /U <00> /P -4 >> ", b"BT /F1 999999 Tf (x) Tj ET",
    b"-1", b"99999999999999999999", b"(\\", b"<ff", b"/MediaBox [0 0 0 0] ", b"/MediaBox [0 0 1e30 1e30] ",
    b"/Rotate 45 ", b"/Resources 1 0 R ", b"\x00", b"\r",
]

positions = st.floats(min_value=0.0, max_value=1.0)


def mutations(tokens: list[bytes]) -> st.SearchStrategy[list[tuple[str, float, Any]]]:
    op = st.one_of(
        st.tuples(st.just("flip"), positions, st.integers(1, 255)),
        st.tuples(st.just("insert"), positions, st.sampled_from(tokens)),
        st.tuples(st.just("delete"), positions, st.integers(1, 64)),
        st.tuples(st.just("dup"), positions, st.integers(1, 256)),
        st.tuples(st.just("cut"), positions, st.just(0)),
    )
    return st.lists(op, min_size=1, max_size=6)


def mutate(data: bytes, ops: list[tuple[str, float, Any]]) -> bytes:
    buf = bytearray(data)
    for kind, where, arg in ops:
        at = min(int(where * len(buf)), max(len(buf) - 1, 0))
        if kind == "flip" and buf:
            buf[at] ^= arg
        elif kind == "insert":
            buf[at:at] = arg
        elif kind == "delete":
            del buf[at : at + arg]
        elif kind == "dup":
            buf[at:at] = buf[at : at + arg] * 3
        elif kind == "cut":
            del buf[max(at, 1):]
    return bytes(buf)


# -- seeds -----------------------------------------------------------------------------

DOCX = small_docx()
DOCX_PARTS = docx_parts(DOCX)
PDF = text_pdf(2, 3)


def _zip_seed() -> bytes:
    return pack_zip({"监理报告.docx": DOCX, "报告.pdf": PDF, "说明.txt": "项目名称：智慧城管\n".encode(),
                     "inner.zip": pack_zip({"a.docx": DOCX})})


ZIP = _zip_seed()


KNOWN_BUGS: tuple[type[BaseException], ...] = (zlib.error,)
"""Escapes already pinned by a strict xfail (test_corrupt_deflate_stream_in_a_docx_part): the
fuzz goes on looking for new ones. Empty this when ooxml.read_bytes turns them into InputError."""


def _parse_allowing_input_error(fn: Callable[[Path], object], path: Path) -> None:
    try:
        fn(path)
    except InputError as exc:
        assert exc.reason and str(path) in str(exc)
    except KNOWN_BUGS:
        pass


# -- DOCX: the XML parts ---------------------------------------------------------------

@_twice(1000, part=st.sampled_from(["word/document.xml", "word/styles.xml", "word/numbering.xml"]),
        ops=mutations(XML_TOKENS))
def _docx_xml(part: str, ops: list[tuple[str, float, Any]]) -> None:
    data = pack_zip({**DOCX_PARTS, part: mutate(DOCX_PARTS[part], ops)})
    with tempfile.TemporaryDirectory() as td:
        p = Path(td) / "f.docx"
        p.write_bytes(data)
        _parse_allowing_input_error(parse_file, p)


test_fuzz_docx_xml_parts, test_fuzz_docx_xml_parts_long = _docx_xml


# -- DOCX: the zip around them ---------------------------------------------------------

@_twice(500, ops=mutations([b"PK\x03\x04", b"PK\x01\x02", b"PK\x05\x06", b"\xff\xff\xff\xff", b"\x00" * 8,
                            b"word/document.xml", b"\x08\x00", b"\x0e\x00"]))
def _docx_zip(ops: list[tuple[str, float, Any]]) -> None:
    with tempfile.TemporaryDirectory() as td:
        p = Path(td) / "f.docx"
        p.write_bytes(mutate(DOCX, ops))
        _parse_allowing_input_error(parse_file, p)


test_fuzz_docx_zip_structure, test_fuzz_docx_zip_structure_long = _docx_zip


# -- PDF -------------------------------------------------------------------------------

@_twice(1500, ops=mutations(PDF_TOKENS))
def _pdf(ops: list[tuple[str, float, Any]]) -> None:
    with tempfile.TemporaryDirectory() as td:
        p = Path(td) / "f.pdf"
        p.write_bytes(mutate(PDF, ops))
        _parse_allowing_input_error(lambda x: parse_pdf(x, ocr=False, time_limit=20.0), p)


test_fuzz_pdf, test_fuzz_pdf_long = _pdf


# -- zip ingest, then every member parsed ----------------------------------------------

def _header_offsets(data: bytes) -> list[int]:
    """Offsets of the numeric fields of every local and central header and the end record:
    where a mutation changes sizes, offsets, flags and methods rather than content."""
    out = []
    for sig, fields in ((b"PK\x03\x04", range(4, 30, 2)), (b"PK\x01\x02", range(4, 46, 2)), (b"PK\x05\x06", range(4, 22, 2))):
        at = data.find(sig)
        while at >= 0:
            out += [at + f for f in fields]
            at = data.find(sig, at + 1)
    return out


HEADER_FIELDS = _header_offsets(ZIP)


@_twice(500, fields=st.lists(st.tuples(st.sampled_from(HEADER_FIELDS),
                                       st.sampled_from([0, 1, 8, 12, 14, 99, 0x800, 0xFFFF, 0x7FFF])),
                             min_size=1, max_size=4),
        ops=mutations([b"\x00" * 4, b"\xff" * 4]))
def _zip_pipeline(fields: list[tuple[int, int]], ops: list[tuple[str, float, Any]]) -> None:
    buf = bytearray(ZIP)
    for at, value in fields:
        struct.pack_into("<H", buf, at, value)
    data = mutate(bytes(buf), ops[:1])
    with tempfile.TemporaryDirectory() as td:
        box = Path(td)
        z = box / "f.zip"
        z.write_bytes(data)
        work = box / "work"
        res = ingest(z, work, Limits(max_entries=50, max_total_bytes=5_000_000))
        for f in res.files:
            assert f.path == z or f.path.resolve().is_relative_to(work.resolve())
            parsed = parse_one(f.display, f.path, f.kind, ocr=False)
            assert parsed.status in ("parsed", "unreadable", "no-text", "placeholder", "skipped")
            assert parsed.status != "unreadable" or parsed.reason
        assert sorted(p.name for p in box.iterdir()) == sorted(["f.zip", "work"][: 1 + work.exists()])


test_fuzz_zip_ingest_and_parse, test_fuzz_zip_ingest_and_parse_long = _zip_pipeline
