"""Parse submitted documents into DocumentTrees.

`parse_file` sniffs the file's real type from its bytes (never trusting the extension)
and dispatches: DOCX → `dossier.parse.docx`, OFD (a zip with OFD.xml at its root, whatever
its name) → `dossier.parse.ofd`, PDF → `dossier.parse.pdf`, image scans → OCR in
`dossier.parse.image`, OLE2 .doc / .wps → LibreOffice conversion in `dossier.parse.convert`.
The format modules are imported lazily so a missing optional dependency only affects its format.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from dossier.errors import InputError
from dossier.ingest import FileKind, names_an_ofd
from dossier.tree import DocumentTree, Heading

__all__ = ["PARSERS", "Parser", "parse_file", "parse_path", "render_text", "sniff"]

Parser = Callable[[Path, str, bool], DocumentTree]
"""(file on disk, its display name, ocr) → DocumentTree whose path is the display name;
raises InputError (or any exception: the engine turns it into an unreadable-file finding)."""


def _sniffed(path: Path, display: str, ocr: bool) -> DocumentTree:
    return replace(parse_file(path, ocr=ocr), path=display)


def _converted(path: Path, display: str, ocr: bool) -> DocumentTree:
    from dossier.parse.convert import parse_via_libreoffice

    return replace(parse_via_libreoffice(path), path=display)


def _spreadsheet(path: Path, display: str, ocr: bool) -> DocumentTree:
    from dossier.check.readers import read_xlsx

    return read_xlsx(path, display)


def _ole(path: Path, display: str, ocr: bool) -> DocumentTree:
    from dossier.check.readers import is_legacy_sheet, read_legacy_sheet

    if is_legacy_sheet(path, display):  # .xls / WPS .et: converted to .xlsx, read as one
        return read_legacy_sheet(path, display)
    return _sniffed(path, display, ocr)


def _ofd(path: Path, display: str, ocr: bool) -> DocumentTree:
    from dossier.parse.ofd import parse_ofd

    return replace(parse_ofd(path, ocr=ocr), path=display)


def _image(path: Path, display: str, ocr: bool) -> DocumentTree:
    from dossier.parse.image import parse_image

    return replace(parse_image(path, ocr=ocr), path=display)


def _text(path: Path, display: str, ocr: bool) -> DocumentTree:
    from dossier.check.readers import read_text

    return read_text(path, display)


PARSERS: dict[FileKind, Parser] = {
    FileKind.DOCX: _sniffed,  # DOCX (python-docx/lxml), see dossier.parse.docx
    FileKind.PDF: _sniffed,  # text PDF, and a scanned one through OCR: dossier.parse.pdf
    FileKind.OLE: _ole,  # .doc/.wps (OLE2) converted by LibreOffice; .xls/.et to .xlsx
    FileKind.OFD: _ofd,  # GB/T 33190 fixed layout: dossier.parse.ofd (lines → tree as PDF)
    FileKind.IMAGE: _image,  # .jpg/.png/.tif scans through OCR: dossier.parse.image
    FileKind.WPS: _sniffed,  # legacy WPS: the sniff says what it really is
    FileKind.RTF: _converted,  # RTF (often named .doc) converted by LibreOffice
    FileKind.XLSX: _spreadsheet,
    FileKind.TEXT: _text,
}
"""The one table of readable kinds. A new format: a FileKind value, its sniff, one line here."""


def parse_path(path: Path, *, ocr: bool = True, display: str | None = None) -> DocumentTree:
    """Any readable document (the kinds of PARSERS) as a DocumentTree; InputError otherwise."""
    from dossier.ingest import sniff as sniff_kind

    path = Path(path)
    if not path.is_file():
        raise InputError("no such file" if not path.exists() else "not a file", path=str(path))
    try:
        kind = sniff_kind(path)
    except OSError as e:
        raise InputError(f"cannot be read ({e.strerror or e})", path=str(path)) from None
    parser = PARSERS.get(kind)
    if parser is None:
        sniff(path)  # raises, saying what the file really is
        raise InputError(f"not a document this tool reads ({kind})", path=str(path))
    return parser(path, display or str(path), ocr)

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_IMAGES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"GIF87a", b"GIF89a")


def sniff(path: Path) -> str:
    """The file's real type from its first bytes: 'zip' (DOCX, OFD and other packages), 'pdf',
    'ole2' (.doc/.wps), 'image', or raise InputError saying what it is."""
    try:
        with path.open("rb") as fh:
            head = fh.read(2048)
    except IsADirectoryError:
        raise InputError("is a folder, not a document", path=str(path)) from None
    except OSError as e:
        raise InputError(f"cannot be read ({e.strerror or e})", path=str(path)) from None
    if not head:
        raise InputError("empty file", path=str(path))
    if head.startswith(b"%PDF") or b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(_OLE2):
        return "ole2"
    if head.startswith(_ZIP):
        return "zip"  # what kind of zip is decided on opening it (one open, not two)
    if (
        head.startswith(_IMAGES)
        or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
        or (head[:2] == b"BM" and head[6:10] == b"\0\0\0\0")  # BMP: its reserved fields are zero
    ):
        return "image"
    ext = path.suffix.lower()
    kind = _what_is(head)
    want = {".docx": "a Word document", ".doc": "a Word document", ".wps": "a WPS document", ".pdf": "a PDF"}
    if ext in want:
        raise InputError(f"not {want[ext]}: it is {kind} renamed to {ext}", path=str(path))
    raise InputError(f"unsupported file type: {kind}", path=str(path))


def _what_is(head: bytes) -> str:
    h = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if h.startswith((b"<!doctype html", b"<html")) or b"<html" in h[:512]:
        return "an HTML file"
    if h.startswith(b"<?xml"):
        return "an XML file (Word 2003 XML or similar)"
    if h.startswith(b"{\\rtf"):
        return "an RTF file"
    if h.startswith((b"\x89png", b"\xff\xd8\xff", b"gif8")):
        return "an image"
    if b"\x00" not in head:
        return "a plain text file"
    return "an unrecognised binary file"


def is_ofd(path: Path) -> bool:
    """A zip with OFD.xml at its root (the extension is not asked). Here, not in the OFD
    reader: every .docx is asked, and the reader is only for the answer yes."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            return names_an_ofd(zf.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return False


def parse_file(path: Path, *, ocr: bool = True) -> DocumentTree:
    """Parse one submitted file into a DocumentTree; unreadable input raises InputError."""
    path = Path(path)
    kind = sniff(path)
    if kind == "zip":
        from dossier.parse.limits import check_zip_entries

        check_zip_entries(path)  # before zipfile reads a directory of millions of parts

        if is_ofd(path):
            from dossier.parse.ofd import parse_ofd

            return parse_ofd(path, ocr=ocr)
        from dossier.parse.docx import parse_docx

        return parse_docx(path)
    if kind == "pdf":
        from dossier.parse.pdf import parse_pdf

        return parse_pdf(path, ocr=ocr)
    if kind == "image":
        from dossier.parse.image import parse_image

        return parse_image(path, ocr=ocr)
    from dossier.parse.ooxml import ENCRYPTED, is_encrypted_ooxml

    if is_encrypted_ooxml(path):  # a password-protected .docx is an OLE2 file, not a .doc
        raise InputError(ENCRYPTED, path=str(path))
    from dossier.parse.convert import parse_via_libreoffice

    return parse_via_libreoffice(path)


def render_text(tree: DocumentTree) -> str:
    """An indented outline: one heading per line (label + title), two spaces per level,
    '∅' marking a section with no body content of its own or below it."""
    lines = [f"《{tree.title}》" if tree.title else f"({tree.path})"]
    for w in tree.warnings:
        lines.append(f"! {w}")

    def emit(h: Heading, depth: int) -> None:
        mark = "" if h.has_content() else "  ∅"
        sep = " " if h.label and not h.label.endswith(("、", ".", "．", "）", ")")) else ""
        lines.append(f"{'  ' * depth}{h.label}{sep}{h.title}{mark}")
        for c in h.children:
            emit(c, depth + 1)

    for h in tree.headings:
        emit(h, 0)
    return "\n".join(lines) + "\n"


def _make_callable() -> None:
    from dossier.api import callable_module

    callable_module(__name__)


_make_callable()  # `dossier.parse(path)` is `dossier.api.parse`
