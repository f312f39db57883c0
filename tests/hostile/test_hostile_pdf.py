"""Hostile PDFs through the real CLI: encryption, truncation, broken xref, no text, 2,000 pages."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from hostile_support import (
    BACKSTOP_AS,
    HAS_SOFFICE,
    SCAN_SRC,
    TEXT_PDF_SRC,
    Box,
    assert_bars,
    check,
    layout_pdf,
    needs_soffice,
    pdf_bytes,
    soffice_pdf,
    text_pdf,
)


@pytest.fixture(scope="module")
def encrypted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """PDFs LibreOffice exported with a user (open) password, and with only an owner password."""
    if not HAS_SOFFICE:
        pytest.skip("LibreOffice (soffice) not installed")
    tmp = tmp_path_factory.mktemp("enc")
    user = ('{"EncryptFile":{"type":"boolean","value":"true"},'
            '"DocumentOpenPassword":{"type":"string","value":"s3cret"}}')
    owner = ('{"RestrictPermissions":{"type":"boolean","value":"true"},'
             '"PermissionPassword":{"type":"string","value":"owner"},'
             '"Printing":{"type":"long","value":"0"},"Changes":{"type":"long","value":"0"},'
             '"EnableCopyingOfContent":{"type":"boolean","value":"false"}}')
    return {"user": soffice_pdf(tmp / "user", user), "owner": soffice_pdf(tmp / "owner", owner)}


@needs_soffice
def test_user_password_pdf_is_named_with_the_reason(box: Box, encrypted: dict[str, bytes]) -> None:
    assert b"/Encrypt" in encrypted["user"]
    box.put("加密.pdf", encrypted["user"])
    run = check(box)
    assert_bars(run, named=["加密.pdf"])
    assert run.file("加密.pdf")["status"] == "unreadable"
    assert any(f["code"] == "DOS-P002" and "password" in f["message"] for f in run.findings_for("加密.pdf"))


@needs_soffice
def test_owner_password_only_pdf_is_read(box: Box, encrypted: dict[str, bytes]) -> None:
    assert b"/Encrypt" in encrypted["owner"]
    box.put("限制编辑.pdf", encrypted["owner"])
    run = check(box)
    assert_bars(run, named=["限制编辑.pdf"])
    f = run.file("限制编辑.pdf")
    assert f["status"] == "parsed" and f["pages"] == 1


@pytest.mark.parametrize("keep", [0.05, 0.3, 0.7, 0.97])
def test_truncated_pdf(box: Box, keep: float) -> None:
    data = TEXT_PDF_SRC.read_bytes()  # a LibreOffice export: compressed streams, object streams
    name = f"truncated-{int(keep * 100)}.pdf"
    box.put(name, data[: int(len(data) * keep)])
    run = check(box)
    assert_bars(run, named=[name])
    f = run.file(name)
    # pdfium may rebuild what is left; either it reads pages or the file gets a finding.
    assert f["status"] == "parsed" or any(x["code"] == "DOS-P002" for x in run.findings_for(name))


def _garble_xref(data: bytes) -> bytes:
    at = data.rindex(b"\nxref\n") + 1
    end = data.index(b"trailer", at)
    table = re.sub(rb"\d", b"7", data[at + 5 : end])
    return data[: at + 5] + table + data[end:]


@pytest.mark.parametrize(
    ("name", "mangle"),
    [
        ("xref-garbled.pdf", _garble_xref),
        ("startxref-huge.pdf", lambda d: re.sub(rb"startxref\n\d+", b"startxref\n99999999999", d)),
        ("no-trailer.pdf", lambda d: d[: d.rindex(b"trailer")]),
        ("xref-only-junk.pdf", lambda d: d[: d.rindex(b"\nxref\n")] + b"\nxref\n\x00\xff" * 500),
    ],
)
def test_broken_xref(box: Box, name: str, mangle: Callable[[bytes], bytes]) -> None:
    box.put(name, mangle(text_pdf(3)))
    run = check(box)
    assert_bars(run, named=[name])
    f = run.file(name)
    # pdfium rebuilds a damaged xref by scanning the objects: the text is still read.
    assert f["status"] == "parsed" or any(x["code"] == "DOS-P002" for x in run.findings_for(name))


def test_hostile_structure(box: Box) -> None:
    """A page tree that contains itself, a /Count of a billion, an outline whose /Next loops,
    and a JavaScript /OpenAction with a /Launch action: read as data, in bounded time."""
    loop = layout_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Count 1000000000 /Kids [2 0 R 3 0 R] >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ])
    launch = layout_pdf([
        b"<< /Type /Catalog /Pages 2 0 R /Outlines 5 0 R /OpenAction 7 0 R >>",
        b"<< /Type /Pages /Count 1 /Kids [3 0 R] >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 8 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /Outlines /First 6 0 R /Last 6 0 R /Count 1 >>",
        b"<< /Title (Loop) /Parent 5 0 R /Next 6 0 R /First 6 0 R /Dest [3 0 R /Fit] >>",
        b"<< /S /JavaScript /JS (app.launchURL('http://127.0.0.1:9/');) /Next << /S /Launch /F (/bin/sh) >> >>",
        b"<< /Length 44 >>\nstream\nBT /F1 12 Tf 72 600 Td (1. Launch test) Tj ET\nendstream",
    ])
    box.put("page-loop.pdf", loop)
    box.put("launch.pdf", launch)
    run = check(box)
    assert_bars(run, named=["page-loop.pdf", "launch.pdf"])


def test_images_only_without_ocr_is_a_no_text_warning(box: Box) -> None:
    """A scan checked with --no-ocr: DOS-P001 (warning) for that file, not 'everything missing'."""
    box.put("扫描件.pdf", SCAN_SRC.read_bytes())
    run = check(box, None, "--no-ocr")
    assert_bars(run, named=["扫描件.pdf"])
    assert run.file("扫描件.pdf")["status"] == "no-text"
    p001 = [f for f in run.findings_for("扫描件.pdf") if f["code"] == "DOS-P001"]
    assert len(p001) == 1 and p001[0]["severity"] == "warning"
    assert not any(f["code"] == "DOS-P002" for f in run.findings_for("扫描件.pdf"))


def test_images_only_with_no_text_in_the_images(box: Box) -> None:
    """OCR is on but the page images hold no text: still DOS-P001, not a silently empty document.
    onnxruntime reserves ~1.6 GB of address space, so RSS (not RLIMIT_AS) carries the 1 GB bar here."""
    box.put("图片.pdf", pdf_bytes([[], []], image_only=True))
    run = check(box, address_cap=BACKSTOP_AS)
    assert_bars(run, named=["图片.pdf"])
    assert run.file("图片.pdf")["status"] == "no-text"
    assert any(f["code"] == "DOS-P001" for f in run.findings_for("图片.pdf"))


def test_scan_with_ocr_stays_under_a_gigabyte(box: Box) -> None:
    box.put("扫描件.pdf", SCAN_SRC.read_bytes())
    run = check(box, address_cap=BACKSTOP_AS)
    assert_bars(run, named=["扫描件.pdf"])
    assert run.file("扫描件.pdf")["format"] == "pdf-ocr"


@pytest.mark.parametrize(("pages", "lines"), [(2000, 30), (5000, 2)])
def test_many_pages_bounded(box: Box, pages: int, lines: int, record_property: pytest.FixtureRequest) -> None:
    name = f"{pages}页.pdf"
    box.put(name, text_pdf(pages, lines))
    run = check(box)
    assert_bars(run, named=[name])
    f = run.file(name)
    assert f["status"] == "parsed" and f["pages"] == pages
    record_property("seconds", round(run.seconds, 1))  # type: ignore[operator]
    record_property("peak_rss_mib", run.peak_rss >> 20)  # type: ignore[operator]
    print(f"{name}: {run.seconds:.1f} s, peak RSS {run.peak_rss >> 20} MiB")
