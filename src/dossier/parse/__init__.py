"""Parse submitted documents into DocumentTrees.

`parse_file` sniffs the file's real type from its bytes (never trusting the extension)
and dispatches: DOCX → `dossier.parse.docx`, PDF → `dossier.parse.pdf`, OLE2 .doc /
.wps → LibreOffice conversion in `dossier.parse.convert`. The PDF and conversion modules
are imported lazily so a missing optional dependency only affects those formats.
"""

from __future__ import annotations

from pathlib import Path

from dossier.errors import InputError
from dossier.tree import DocumentTree, Heading

__all__ = ["parse_file", "render_text", "sniff"]

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")


def sniff(path: Path) -> str:
    """The file's real type from its first bytes: 'zip' (DOCX and other OOXML/ODF), 'pdf',
    'ole2' (.doc/.wps), or raise InputError saying what it is."""
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


def parse_file(path: Path, *, ocr: bool = True) -> DocumentTree:
    """Parse one submitted file into a DocumentTree; unreadable input raises InputError."""
    path = Path(path)
    kind = sniff(path)
    if kind == "zip":
        from dossier.parse.docx import parse_docx

        return parse_docx(path)
    if kind == "pdf":
        from dossier.parse.pdf import parse_pdf

        return parse_pdf(path, ocr=ocr)
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
