"""The resource-exhaustion cases of issue 12, built inline: small files (they compress well)
that would take gigabytes or minutes to read without the parsers' caps (dossier.parse.limits).

Shared by tests/hostile/test_hostile_limits.py (which asserts the bars through the CLI) and
benchmarks/hostile.py (which prints time and peak memory per case)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

from hostile_support import W_NS, layout_pdf, pack_zip, pdf_bytes, small_docx, with_parts

_DOC_HEAD = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{W_NS}"><w:body>'
_DOC_TAIL = "</w:body></w:document>"


def _docx_with_body(body: str) -> bytes:
    return with_parts(small_docx(), {"word/document.xml": (_DOC_HEAD + body + _DOC_TAIL).encode()})


def docx_cells(n: int = 2_500_000, per_row: int = 100) -> bytes:
    """One table of `n` one-character cells (~440 KB zipped at 2.5M)."""
    row = "<w:tr>" + "<w:tc><w:p><w:r><w:t>格</w:t></w:r></w:p></w:tc>" * per_row + "</w:tr>"
    return _docx_with_body("<w:p><w:r><w:t>大表格</w:t></w:r></w:p><w:tbl>" + row * (n // per_row) + "</w:tbl>")


def docx_runs(n: int = 3_000_000, per_para: int = 10_000) -> bytes:
    """`n` one-character runs, `per_para` to a paragraph."""
    para = "<w:p>" + "<w:r><w:t>字</w:t></w:r>" * per_para + "</w:p>"
    return _docx_with_body(para * (n // per_para))


def docx_paragraphs(n: int = 1_000_000) -> bytes:
    """`n` one-line paragraphs."""
    return _docx_with_body("<w:p><w:r><w:t>段落</w:t></w:r></w:p>" * n)


def docx_many_parts(n: int = 200_000) -> bytes:
    """A valid small DOCX plus `n` empty parts (the zip's central directory is the load)."""
    parts = {}
    with zipfile.ZipFile(io.BytesIO(small_docx())) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for name, blob in parts.items():
            zf.writestr(name, blob)
        for i in range(n):
            zf.writestr(f"x/{i}", b"")
    return buf.getvalue()


def big_page_pdf(side_pt: int = 14_400) -> bytes:
    """One image-only page of side_pt × side_pt points (PDF's largest): ~700 bytes."""
    raw = bytes(range(64))
    image = (b"<< /Type /XObject /Subtype /Image /Width 8 /Height 8 /ColorSpace /DeviceGray "
             b"/BitsPerComponent 8 /Length %d >>\nstream\n" % len(raw) + raw + b"\nendstream")
    content = b"q %d 0 0 %d 0 0 cm /Im0 Do Q" % (side_pt, side_pt)
    return layout_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Count 1 /Kids [3 0 R] >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /XObject << /Im0 4 0 R >> >> "
        b"/Contents 5 0 R >>" % (side_pt, side_pt),
        image,
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ])


def image_pages_pdf(n: int = 10_000) -> bytes:
    """`n` image-only pages sharing one small image (~1.6 MB at 10k): each one goes to OCR."""
    return pdf_bytes([[] for _ in range(n)], image_only=True)


_SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def xlsx_bytes(sheet_data: str, strings: str = "", count: int = 0) -> bytes:
    """A one-sheet workbook written by hand: its <sheetData> content and, when given, a
    shared-string table of `count` <si> items."""
    ct_sst = ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
              'officedocument.spreadsheetml.sharedStrings+xml"/>') if strings else ""
    rel_sst = (f'<Relationship Id="rId2" Type="{_REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'
               if strings else "")
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
            '"/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.'
            'main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
            f'officedocument.spreadsheetml.worksheet+xml"/>{ct_sst}</Types>'),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            f'2006/relationships"><Relationship Id="rId1" Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_SHEET_NS}" xmlns:r="{_REL_NS}"><sheets>'
            '<sheet name="清单" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            f'2006/relationships"><Relationship Id="rId1" Type="{_REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>'
            f"{rel_sst}</Relationships>"),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_SHEET_NS}"><sheetData>{sheet_data}'
            "</sheetData></worksheet>"),
    }
    if strings:
        parts["xl/sharedStrings.xml"] = (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{_SHEET_NS}" '
                                         f'count="{count}" uniqueCount="{count}">{strings}</sst>')
    return pack_zip({name: text.encode() for name, text in parts.items()})


def xlsx_shared_strings(n: int = 5_000_000) -> bytes:
    """A workbook whose shared-string table holds `n` strings; A1 names the first, A2 the last."""
    rows = f'<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>{n - 1}</v></c></row>'
    return xlsx_bytes(rows, "<si><t>项目名称</t></si>" * n, n)


def xlsx_cells(rows: int = 2000, cols: int = 16_000) -> bytes:
    """One sheet of rows × cols numeric cells (32M at the default: the most rows a sheet is read for)."""
    row = "".join(f'<c><v>{c % 10}</v></c>' for c in range(cols))
    return xlsx_bytes("".join(f'<row r="{r + 1}">{row}</row>' for r in range(rows)))


def ofd_dense_page(chars: int = 300_000) -> bytes:
    """An OFD whose one page holds `chars` characters, one TextObject each (as some converters
    write them): 1.2M XML tags on one page. Built with tests/formats/ofd_writer.py."""
    import importlib.util
    import sys
    import tempfile
    from pathlib import Path

    writer = sys.modules.get("ofd_writer")
    if writer is None:
        where = Path(__file__).parents[1] / "formats" / "ofd_writer.py"
        spec = importlib.util.spec_from_file_location("ofd_writer", where)
        assert spec is not None and spec.loader is not None
        writer = sys.modules["ofd_writer"] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(writer)
    doc = writer.OfdDoc()
    page = doc.page()
    for k in range(chars // 1000):
        page.text(10, 10 + k % 250, "字" * 1000)
    with tempfile.TemporaryDirectory() as tmp:
        return bytes(writer.write_ofd(Path(tmp) / "dense.ofd", [doc], style="chars").read_bytes())


CASES: dict[str, tuple[str, Callable[[], bytes]]] = {
    "big-page-pdf": ("巨幅页面.pdf", big_page_pdf),
    "docx-2.5M-cells": ("大表格.docx", docx_cells),
    "docx-3M-runs": ("大量文字块.docx", docx_runs),
    "docx-1M-paragraphs": ("大量段落.docx", docx_paragraphs),
    "docx-200k-parts": ("大量部件.docx", docx_many_parts),
    "pdf-10k-image-pages": ("万页扫描件.pdf", image_pages_pdf),
    "xlsx-5M-shared-strings": ("大量字符串.xlsx", xlsx_shared_strings),
    "xlsx-32M-cells": ("大量单元格.xlsx", xlsx_cells),
    "ofd-1.2M-tag-page": ("密集页面.ofd", ofd_dense_page),
}
"""Case id → (file name in the dossier, builder)."""
