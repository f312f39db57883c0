"""Hostile DOCX / XML through the real CLI: entities, bombs, missing parts, impostors, macros.

Each case puts one broken file beside the good 终验投用申请书 and runs
`dossier check` in a sandbox; `assert_bars` checks exit code, no traceback, time, memory,
nothing written outside out/, the file named, no secret leaked, the good document checked.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from hostile_support import (
    DOC_SRC,
    HAS_SOFFICE,
    Box,
    add_entity_text,
    assert_bars,
    check,
    docx_parts,
    small_docx,
    with_doctype,
    with_parts,
)
from lxml import etree

IMPOSTORS = (
    ("网页另存.docx", "<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>监理报告</body></html>".encode()),
    ("plain.docx", "只是一段文字，不是 Word 文档。\n".encode()),
    ("random.pdf", bytes(range(256)) * 8),
)
SECRET = "TOP-SECRET-6f1d2c-本地机密"

PARTS = ("word/document.xml", "word/styles.xml", "word/numbering.xml")


def _secret_file(box: Box) -> Path:
    # Beside the sandbox, not in the dossier: only an entity could bring it into a report.
    p = box.root / "secret.txt"
    p.write_text(SECRET, encoding="utf-8")
    return p


def _with_ref(part: str, xml: bytes, ref: bytes) -> bytes:
    """The entity reference as element text: in a run of the body (where text reaches the
    report), else in an extra element right under the root (styles, numbering)."""
    if part == "word/document.xml":
        return add_entity_text(xml, b"<w:t>", ref)
    root_end = xml.index(b">", xml.index(b"<w:", xml.index(b"]>"))) + 1
    return xml[:root_end] + b"<w:hostile>" + ref + b"</w:hostile>" + xml[root_end:]


def _hostile_part(part: str, doctype: bytes, ref: bytes) -> bytes:
    base = small_docx()
    xml = docx_parts(base)[part]
    return with_parts(base, {part: _with_ref(part, with_doctype(xml, doctype), ref)})


@pytest.mark.parametrize("part", PARTS)
def test_xxe_external_entity_is_not_resolved(box: Box, part: str) -> None:
    secret = _secret_file(box)
    url = secret.as_uri().encode()
    dtd = (b'<!ENTITY xxe SYSTEM "' + url + b'">'
           b'<!ENTITY % pe SYSTEM "' + url + b'">'
           b'<!ENTITY net SYSTEM "http://127.0.0.1:9/x">')
    # The payload is live: a parser that resolves entities does read the secret from it.
    unsafe = etree.XMLParser(resolve_entities=True, no_network=True, load_dtd=True)
    probe = _hostile_part(part, dtd, b"&xxe;")
    assert SECRET in etree.tostring(etree.fromstring(docx_parts(probe)[part], unsafe), encoding="unicode")
    name = f"xxe-{part.split('/')[-1].removesuffix('.xml')}.docx"
    box.put(name, _hostile_part(part, dtd, b"&xxe;&net;"))
    run = check(box)
    assert_bars(run, named=[name], secrets=[SECRET])


@pytest.mark.parametrize("part", PARTS)
def test_billion_laughs_is_not_expanded(box: Box, part: str) -> None:
    lol = [b'<!ENTITY lol0 "lollollollollollollollollollol">']
    for i in range(1, 10):
        lol.append(b'<!ENTITY lol%d "' % i + b"&lol%d;" % (i - 1) * 10 + b'">')
    name = f"laughs-{part.split('/')[-1].removesuffix('.xml')}.docx"
    box.put(name, _hostile_part(part, b"".join(lol), b"&lol9;"))
    run = check(box)
    assert_bars(run, named=[name])
    # 10^9 "lol"s would be 3 GB: nothing near that came out.
    assert run.report_text.count("lol") < 1000


def test_quadratic_blowup_entity(box: Box) -> None:
    """One 100 KB entity referenced 20,000 times: no nesting, so depth limits do not stop it."""
    base = small_docx()
    xml = docx_parts(base)["word/document.xml"]
    big = b'<!ENTITY a "' + b"A" * 100_000 + b'">'
    hostile = add_entity_text(with_doctype(xml, big), b"<w:t>", b"&a;" * 20_000)
    box.put("quadratic.docx", with_parts(base, {"word/document.xml": hostile}))
    assert_bars(check(box), named=["quadratic.docx"])


@pytest.mark.parametrize(
    ("case", "drop"),
    [
        ("no-styles", ("word/styles.xml",)),
        ("no-numbering", ("word/numbering.xml",)),
        ("no-content-types", ("[Content_Types].xml",)),
        ("no-document", ("word/document.xml",)),
        ("only-content-types", ("word/document.xml", "word/styles.xml", "word/numbering.xml", "word/settings.xml",
                                "word/fontTable.xml", "word/webSettings.xml", "word/theme/theme1.xml",
                                "word/_rels/document.xml.rels", "docProps/core.xml", "docProps/app.xml",
                                "_rels/.rels", "customXml/item1.xml")),
    ],
)
def test_missing_parts(box: Box, case: str, drop: tuple[str, ...]) -> None:
    name = f"{case}.docx"
    box.put(name, with_parts(small_docx(), dict.fromkeys(drop)))
    run = check(box)
    assert_bars(run, named=[name])
    f = next(f for f in run.report["files"] if f["path"] == name)  # type: ignore[index]
    if "word/document.xml" in drop:
        # Not a readable document: a finding that says so, naming the file.
        assert f["status"] == "unreadable"
        assert any(x["code"] == "DOS-P002" for x in run.findings_for(name))
    else:
        assert f["status"] == "parsed", f


@pytest.mark.parametrize("keep", [0.2, 0.5, 0.9, 0.99])
def test_truncated_package(box: Box, keep: float) -> None:
    data = small_docx()
    name = f"truncated-{int(keep * 100)}.docx"
    box.put(name, data[: int(len(data) * keep)])
    run = check(box)
    assert_bars(run, named=[name])
    f = next(f for f in run.report["files"] if f["path"] == name)  # type: ignore[index]
    assert f["status"] in ("unreadable", "parsed")
    assert f["status"] == "parsed" or any(x["code"] == "DOS-P002" for x in run.findings_for(name))


def test_xml_not_well_formed_and_wrong_encoding(box: Box) -> None:
    base = small_docx()
    xml = docx_parts(base)["word/document.xml"]
    box.put("cut-xml.docx", with_parts(base, {"word/document.xml": xml[: len(xml) // 2]}))
    box.put("utf16-lie.docx", with_parts(base, {"word/document.xml": xml.replace(b'encoding="UTF-8"', b'encoding="UTF-16"')}))
    box.put("nul-bytes.docx", with_parts(base, {"word/document.xml": xml.replace(b"<w:t>", b"<w:t>\x00\x01", 1)}))
    run = check(box)
    assert_bars(run, named=["cut-xml.docx", "utf16-lie.docx", "nul-bytes.docx"])
    assert any(x["code"] == "DOS-P002" for x in run.findings_for("cut-xml.docx"))


@pytest.mark.skipif(not HAS_SOFFICE, reason="LibreOffice (soffice) not installed")
def test_ole2_doc_renamed_docx(box: Box) -> None:
    """A real Word 97 .doc named .docx: sniffed as OLE2 and converted, not refused."""
    box.put("建设报告.docx", DOC_SRC.read_bytes())
    run = check(box)
    assert_bars(run, named=["建设报告.docx"])
    f = next(f for f in run.report["files"] if f["path"] == "建设报告.docx")  # type: ignore[index]
    assert (f["format"], f["status"]) == ("doc", "parsed")


def test_broken_ole2_renamed_docx(box: Box) -> None:
    """OLE2 magic and nothing else: LibreOffice cannot read it, the file is named with a reason."""
    box.put("坏的.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    run = check(box)
    assert_bars(run, named=["坏的.docx"])
    assert run.findings_for("坏的.docx")


@pytest.mark.parametrize(
    ("name", "data"),
    [
        *IMPOSTORS,
    ],
)
def test_impostor_with_document_extension_gets_a_finding(box: Box, name: str, data: bytes) -> None:
    box.put(name, data)
    run = check(box)
    assert_bars(run, named=[name])
    assert any(x["code"] == "DOS-P002" for x in run.findings_for(name)), run.report["files"]  # type: ignore[index]


@pytest.mark.parametrize(
    ("name", "data"),
    [
        *IMPOSTORS,
    ],
)
def test_impostor_with_document_extension_never_crashes(box: Box, name: str, data: bytes) -> None:
    box.put(name, data)
    run = check(box)
    assert_bars(run, named=[name])
    f = next(f for f in run.report["files"] if f["path"] == name)  # type: ignore[index]
    assert f["status"] != "parsed" or f["format"] == "text"


def test_macro_enabled_docm_is_read_as_data(box: Box) -> None:
    """A .docm with vbaProject.bin (and an AutoOpen-looking payload): parsed for its text only."""
    base = small_docx()
    parts = docx_parts(base)
    ct = parts["[Content_Types].xml"].replace(
        b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        b"application/vnd.ms-word.document.macroEnabled.main+xml",
    ).replace(b"</Types>", b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>')
    marker = box.root / "macro-ran"
    payload = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"Sub AutoOpen()\r\nShell \"touch " + str(marker).encode() + b"\"\r\nEnd Sub\r\n"
    rels = parts["word/_rels/document.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" '
        b'Target="vbaProject.bin"/></Relationships>')
    data = with_parts(base, {"[Content_Types].xml": ct, "word/vbaProject.bin": payload,
                             "word/_rels/document.xml.rels": rels})
    box.put("宏文档.docm", data)
    run = check(box)
    assert_bars(run, named=["宏文档.docm"])
    assert not marker.exists()
    f = next(f for f in run.report["files"] if f["path"] == "宏文档.docm")  # type: ignore[index]
    assert (f["format"], f["status"]) == ("docx", "parsed")


@pytest.mark.parametrize("depth", [300, 100_000])
def test_deeply_nested_xml(box: Box, depth: int) -> None:
    """Nesting past libxml2's default depth (256) is refused by the parser, not walked."""
    base = small_docx()
    xml = docx_parts(base)["word/document.xml"]
    deep = b"<w:sdt><w:sdtContent>" * depth + b"<w:p><w:r><w:t>deep</w:t></w:r></w:p>" + b"</w:sdtContent></w:sdt>" * depth
    name = f"nested-{depth}.docx"
    box.put(name, with_parts(base, {"word/document.xml": xml.replace(b"<w:body>", b"<w:body>" + deep, 1)}))
    run = check(box)
    assert_bars(run, named=[name])
    assert any(x["code"] == "DOS-P002" for x in run.findings_for(name))


def test_deep_but_legal_nesting_is_walked(box: Box) -> None:
    """Tables nested 60 deep (180 XML levels, under the parser limit) are walked without a stack overflow."""
    base = small_docx()
    xml = docx_parts(base)["word/document.xml"]
    n = 60
    deep = b"<w:tbl><w:tr><w:tc>" * n + b"<w:p><w:r><w:t>cell</w:t></w:r></w:p>" + b"</w:tc></w:tr></w:tbl><w:p/>" * n
    box.put("nested-tables.docx", with_parts(base, {"word/document.xml": xml.replace(b"<w:body>", b"<w:body>" + deep, 1)}))
    run = check(box)
    assert_bars(run, named=["nested-tables.docx"])


def test_xlsx_with_external_entity(box: Box) -> None:
    """Spreadsheets go through openpyxl, not the DOCX parser: an XXE there must not leak either."""
    import io

    import openpyxl

    secret = _secret_file(box)
    wb = openpyxl.Workbook()
    wb.active["A1"] = "项目名称"
    wb.active["B1"] = "placeholder"
    buf = io.BytesIO()
    wb.save(buf)
    with zipfile.ZipFile(buf) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    sheet = with_doctype(sheet, b'<!ENTITY xxe SYSTEM "' + secret.as_uri().encode() + b'">')
    sheet = sheet.replace(b"placeholder", b"&xxe;")
    strings = parts.get("xl/sharedStrings.xml")
    if strings is not None and b"placeholder" in strings:
        parts["xl/sharedStrings.xml"] = with_doctype(
            strings, b'<!ENTITY xxe SYSTEM "' + secret.as_uri().encode() + b'">').replace(b"placeholder", b"&xxe;")
    parts["xl/worksheets/sheet1.xml"] = sheet
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, b in parts.items():
            zf.writestr(n, b)
    box.put("清单.xlsx", out.getvalue())
    run = check(box)
    assert_bars(run, named=["清单.xlsx"], secrets=[SECRET])


def _corrupt_deflate(data: bytes, part: str) -> bytes:
    """Flip a bit early in `part`'s deflate stream: zlib fails before any CRC is checked."""
    import io
    import struct

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        off = zf.getinfo(part).header_offset
    n, x = struct.unpack_from("<HH", data, off + 26)
    start = off + 30 + n + x
    buf = bytearray(data)
    buf[start + 5] ^= 0x40
    return bytes(buf)


def test_corrupt_deflate_stream_is_seen_by_zlib() -> None:
    """The case below is what it claims: zlib itself raises on it (found by test_fuzz)."""
    import io
    import zlib

    with zipfile.ZipFile(io.BytesIO(_corrupt_deflate(small_docx(), "word/document.xml"))) as zf, \
            pytest.raises(zlib.error):
        zf.read("word/document.xml")


def test_corrupt_deflate_stream_in_a_docx_part(box: Box) -> None:
    box.put("损坏.docx", _corrupt_deflate(small_docx(), "word/document.xml"))
    run = check(box)
    assert_bars(run, named=["损坏.docx"])
    assert any(x["code"] == "DOS-P002" for x in run.findings_for("损坏.docx"))
