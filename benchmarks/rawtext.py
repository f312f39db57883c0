"""The least any checker must do, as its own process: read the text of every DOCX and PDF
under a folder and print how many characters that was.

    python benchmarks/rawtext.py FOLDER [--with lxml|python-docx|pdfplumber]

  lxml (default): zipfile + lxml over word/document.xml, pypdfium2 get_text_range per page;
  python-docx:    python-docx paragraphs and table cells, pypdfium2 for PDF;
  pdfplumber:     pdfplumber extract_text per page for PDF, lxml for DOCX.

It imports nothing from dossier, so a fresh process of it is the cold baseline of
benchmarks/cold.py.
"""

from __future__ import annotations

import argparse
import sys
import zipfile
from pathlib import Path

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def docx_lxml(path: Path) -> int:
    from lxml import etree

    with zipfile.ZipFile(path) as zf:
        root = etree.fromstring(zf.read("word/document.xml"))
    return sum(len(t.text or "") for t in root.iter(f"{W}t"))


def docx_python_docx(path: Path) -> int:
    import docx

    d = docx.Document(str(path))
    n = sum(len(p.text) for p in d.paragraphs)
    for t in d.tables:
        for row in t.rows:
            n += sum(len(c.text) for c in row.cells)
    return n


def pdf_pdfium(path: Path) -> int:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(path)
    chars = 0
    try:
        for page in doc:
            tp = page.get_textpage()
            chars += len(tp.get_text_range())
            tp.close()
            page.close()
    finally:
        doc.close()
    return chars


def pdf_pdfplumber(path: Path) -> int:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return sum(len(page.extract_text() or "") for page in pdf.pages)


READERS = {
    "lxml": {".docx": docx_lxml, ".pdf": pdf_pdfium},
    "python-docx": {".docx": docx_python_docx, ".pdf": pdf_pdfium},
    "pdfplumber": {".docx": docx_lxml, ".pdf": pdf_pdfplumber},
}


def extract(folder: Path, how: str = "lxml", suffix: str = "") -> int:
    readers = READERS[how]
    chars = 0
    for f in sorted(folder.iterdir()):
        if f.suffix in readers and (not suffix or f.suffix == suffix):
            chars += readers[f.suffix](f)
    return chars


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--with", dest="how", choices=sorted(READERS), default="lxml")
    args = ap.parse_args(argv)
    print(extract(args.folder, args.how))
    return 0


if __name__ == "__main__":
    sys.exit(main())
