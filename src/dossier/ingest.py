"""Safe ingestion of a submitted file, folder or zip.

`ingest` turns what a unit submitted into a flat, deterministic list of files a parser can
open, plus a list of problems (refused or unreadable entries) that become DOS-P005 /
DOS-P002 findings. Nothing here trusts the input:

- folders are walked sorted, without following symlinks out of the folder; OS junk and
  hidden files are skipped; files are used in place and never written;
- zip members are streamed into ``workdir/<n>/<safe name>`` (one fresh folder per member,
  so names can never collide), hashing while writing; sizes and the expansion ratio are
  enforced on every chunk, never taken from headers; every write target is proven (by
  realpath) to lie inside ``workdir`` and is opened with O_EXCL | O_NOFOLLOW;
- zips inside zips are opened up to ``Limits.max_depth``; entry names written in GBK
  without the UTF-8 flag (Chinese Windows tools) are decoded as GBK;
- file types are sniffed from content, not from the extension.

Only a PATH that does not exist or cannot be read at all raises `InputError`; everything
else is a problem and the rest of the dossier goes on.
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import lzma
import os
import re
import stat
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO

from dossier.cjk import on_first_use
from dossier.errors import InputError

__all__ = [
    "CODE_REFUSED",
    "CODE_UNREADABLE",
    "FileKind",
    "IngestProblem",
    "IngestResult",
    "IngestedFile",
    "Limits",
    "ingest",
    "sniff",
]

CODE_REFUSED = "DOS-P005"
"""A zip entry (or a whole nested archive) was refused: unsafe name, link, encryption, limits."""
CODE_UNREADABLE = "DOS-P002"
"""A file or archive could not be read: permissions, vanished, broken, 0 bytes."""



class FileKind(StrEnum):
    """What a file is, decided once from its content by `sniff` (never from its name).
    dossier.parse.PARSERS maps the kinds that can be read to their parser; a new format is a
    value here, a branch in `_sniff_head`, and a PARSERS line."""

    DOCX = "docx"
    XLSX = "xlsx"
    PDF = "pdf"
    OLE = "ole"
    """OLE2 compound file: .doc / .wps / .et saved by Word or WPS (converted by LibreOffice)."""
    WPS = "wps"
    """Legacy non-OLE Kingsoft WPS file, recognised by its name only."""
    RTF = "rtf"
    ZIP = "zip"
    OFD = "ofd"
    """GB/T 33190 package: a zip with OFD.xml at its root (a document, not an archive to open)."""
    HTML = "html"
    TEXT = "text"
    IMAGE = "image"
    EMPTY = "empty"
    UNKNOWN = "unknown"

    @property
    def is_document(self) -> bool:
        """A document format proper, not text, markup, an image or an archive: a file named
        .docx/.pdf whose content is one of those is an impostor (DOS-P002)."""
        return self not in _NOT_DOCUMENTS


_NOT_DOCUMENTS = frozenset({FileKind.ZIP, FileKind.HTML, FileKind.TEXT, FileKind.IMAGE, FileKind.EMPTY,
                            FileKind.UNKNOWN})
KINDS = tuple(k.value for k in FileKind)


@dataclass(frozen=True)
class Limits:
    max_entries: int = 5000
    """Entries per top-level archive, entries of nested archives included."""
    max_total_bytes: int = 2 * 1024**3
    """Bytes extracted into the work dir over the whole ingest (in-place folder files do not count)."""
    max_file_bytes: int = 512 * 1024**2
    """Uncompressed bytes of one zip entry, counted while streaming."""
    max_ratio: float = 200.0
    """Uncompressed / compressed bytes of one entry, checked on every chunk while streaming."""
    max_depth: int = 3
    """A zip is depth 1, a zip inside it depth 2, …; deeper archives are refused."""
    max_path_len: int = 400
    """Longer entry names are extracted under a shortened name; the display name is kept."""
    ratio_min_bytes: int = 1024 * 1024
    """The ratio applies once an entry has produced this many bytes: small, highly compressible
    members (a blank XML part, a page of spaces) are harmless and common."""


@dataclass(frozen=True)
class IngestedFile:
    display: str
    """Name a reviewer recognises, relative to the dossier root, "/" separated; zip members as
    ``材料.zip!/子目录/监理报告.pdf``, nested ``a.zip!/b.zip!/x.docx``."""
    path: Path
    """Readable file on disk: the original for folder inputs, the extracted copy for zip members."""
    size: int
    sha256: str
    kind: FileKind
    """Sniffed from content."""


@dataclass(frozen=True)
class IngestProblem:
    display: str
    reason: str
    code: str


@dataclass(frozen=True)
class IngestResult:
    root: str
    files: tuple[IngestedFile, ...]
    problems: tuple[IngestProblem, ...]


# -- content sniffing -----------------------------------------------------------------

_HEAD = 8192
_CHUNK = 1024 * 1024
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_IMAGE_MAGICS = (
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",
    b"GIF87a",
    b"GIF89a",
    b"II*\x00",
    b"MM\x00*",
    b"BM",
)
# Legacy Kingsoft WPS word-processor files that are not OLE2 (WPS 97/2000 era) have no
# reliable magic; an unrecognised binary named .wps/.wpt is the best evidence there is.
_LEGACY_WPS_EXTS = {"wps", "wpt"}


def sniff(path: Path) -> FileKind:
    """The file's type from its content. Raises OSError if it cannot be read."""
    with open(path, "rb") as fh:
        head = fh.read(_HEAD)
    return FileKind(_sniff_head(path, head))


def _sniff_head(path: Path, head: bytes) -> str:
    if not head:
        return "empty"
    # PDF readers accept the header anywhere in the first 1 KiB (junk before it is common).
    if head.startswith(b"%PDF") or b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(_OLE_MAGIC):
        return "ole"
    if head.startswith(_ZIP_MAGICS):
        return _sniff_zip(path, head)
    if any(head.startswith(m) for m in _IMAGE_MAGICS) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return "image"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{\\rtf"):
        return "rtf"  # WPS and Word save RTF under .doc names; LibreOffice converts it
    text = _as_text(head)
    if text is not None:
        return "html" if _looks_like_html(text) else "text"
    if _ext(path.name) in _LEGACY_WPS_EXTS:
        return "wps"
    return "unknown"


def _as_text(head: bytes) -> str | None:
    """The head decoded as text (UTF-8/16 or GB18030), or None when it looks binary."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head.decode("utf-16", errors="replace")
    else:
        if b"\x00" in head:
            return None
        text_or_none = None
        for enc in ("utf-8-sig", "gb18030"):
            # Incremental decoders accept a multi-byte character cut at the end of the head.
            try:
                text_or_none = codecs.getincrementaldecoder(enc)().decode(head, final=False)
                break
            except UnicodeDecodeError:
                continue
        if text_or_none is None:
            return None
        text = text_or_none
    if not text:
        return None
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\t\n\r\f\x1a")
    return text if controls <= len(text) // 100 else None


_HTML_RE = on_first_use(r"<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]|<meta\s[^>]*http-equiv", re.I)


def _looks_like_html(text: str) -> bool:
    start = text[:4096]
    if _HTML_RE().search(start):
        return True
    # Word "web page" saves (.mht renamed .doc): a MIME envelope around HTML.
    low = start.lower()
    return "mime-version:" in low and "text/html" in low


def names_an_ofd(names: Iterable[str]) -> bool:
    """A zip's member names are an OFD package's: OFD.xml at its root (GB/T 33190)."""
    return any(n.lstrip("/").lower() == "ofd.xml" for n in names)


def _sniff_zip(path: Path, head: bytes) -> str:
    names: list[str] | None = None
    try:
        with _open_zip(path, Limits()) as zf:
            names = zf.namelist()
    except (_TooManyEntries, zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
        names = None
    if names is None:
        # Broken or oversized: fall back to the local headers in the head, so a truncated
        # .docx is still called a docx (its parser reports the damage) and not an archive.
        names = _local_names(head)
    if names_an_ofd(names):
        return "ofd"  # GB/T 33190: a document, not an archive to open
    has_ct = "[Content_Types].xml" in names
    if any(n.startswith("word/") for n in names) and (has_ct or "word/document.xml" in names):
        return "docx"
    if any(n.startswith("xl/") for n in names) and (has_ct or "xl/workbook.xml" in names):
        return "xlsx"
    if has_ct or "mimetype" in names:
        # Other OOXML/ODF/OFD packages are documents, not archives to open.
        return "unknown"
    return "zip"


def _local_names(head: bytes) -> list[str]:
    names = []
    for m in re.finditer(rb"PK\x03\x04", head):
        at = m.start()
        if at + 30 > len(head):
            break
        n_len = struct.unpack_from("<H", head, at + 26)[0]
        names.append(head[at + 30 : at + 30 + n_len].decode("cp437"))
    return names


# -- zip opening and names ------------------------------------------------------------


class _TooManyEntries(Exception):
    def __init__(self, count: int) -> None:
        super().__init__(count)
        self.count = count


def _directory_size(fh: BinaryIO) -> tuple[int, int] | None:
    """(entries, central directory bytes) from the end record, zip64 aware; None if absent."""
    fh.seek(0, 2)
    size = fh.tell()
    tail_len = min(size, 22 + 65535 + 20)
    fh.seek(size - tail_len)
    tail = fh.read(tail_len)
    pos = tail.rfind(b"PK\x05\x06")
    if pos < 0 or pos + 22 > len(tail):
        return None
    _, _, _, _, entries, cd_size, _, _ = struct.unpack_from("<4s4H2LH", tail, pos)
    if (entries == 0xFFFF or cd_size == 0xFFFFFFFF) and pos >= 20 and tail[pos - 20 : pos - 16] == b"PK\x06\x07":
        _, _, off64, _ = struct.unpack_from("<4sLQL", tail, pos - 20)
        fh.seek(off64)
        rec = fh.read(56)
        if len(rec) == 56 and rec[:4] == b"PK\x06\x06":
            fields = struct.unpack("<4sQ2H2L4Q", rec)
            entries, cd_size = fields[7], fields[8]
    return int(entries), int(cd_size)


def _open_zip(path: Path, limits: Limits) -> zipfile.ZipFile:
    """Open for reading after checking the end record: zipfile materialises one object per
    entry, so a central directory of millions of entries is refused before it is parsed."""
    with open(path, "rb") as fh:
        found = _directory_size(fh)
    if found is not None:
        entries, cd_size = found
        if entries > limits.max_entries * 20 or cd_size > limits.max_entries * 2048 + (1 << 20):
            raise _TooManyEntries(entries)
    return zipfile.ZipFile(path, "r")


def _decode_name(info: zipfile.ZipInfo) -> str:
    """The entry name as its author wrote it.

    Without the UTF-8 flag (0x800) zipfile decodes names as cp437; the bytes are recovered
    exactly (cp437 maps all 256 bytes) and decoded as UTF-8 when valid (macOS, 7-Zip) else
    GB18030 (Chinese Windows tools). An Info-ZIP Unicode Path extra field wins when its CRC
    matches the raw name.
    """
    name = info.orig_filename
    if not info.flag_bits & 0x800:
        try:
            raw = name.encode("cp437")
        except UnicodeEncodeError:
            raw = None
        if raw is not None:
            name = _unicode_path_extra(info.extra, raw) or _decode_raw(raw)
    return unicodedata.normalize("NFC", name)


def _decode_raw(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030", errors="replace")


def _unicode_path_extra(extra: bytes, raw: bytes) -> str | None:
    at = 0
    while at + 4 <= len(extra):
        hid, size = struct.unpack_from("<HH", extra, at)
        body = extra[at + 4 : at + 4 + size]
        if (hid == 0x7075 and len(body) >= 5 and body[0] == 1
                and struct.unpack_from("<L", body, 1)[0] == zlib.crc32(raw)):
            try:
                return body[5:].decode("utf-8")
            except UnicodeDecodeError:
                return None
        at += 4 + size
    return None


def _printable(name: str) -> str:
    """Control characters would corrupt reports and terminals; show them as U+FFFD."""
    return "".join("\ufffd" if ord(c) < 32 or ord(c) == 127 else c for c in name)


_JUNK = {".ds_store", "thumbs.db", "desktop.ini", "ehthumbs.db", "__macosx", "$recycle.bin",
         "system volume information"}


def _is_junk(component: str) -> bool:
    return component.startswith((".", "~$")) or component.lower() in _JUNK


def _ext(name: str) -> str:
    base = name.rsplit("/", 1)[-1]
    stem, dot, ext = base.rpartition(".")
    return ext.lower() if dot and stem else ""


_UNSAFE_CHARS = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')
_MAX_NAME_BYTES = 150  # well under the 255-byte file-name limit of common file systems


def _safe_name(component: str, display: str, limits: Limits) -> str:
    """A file name that is safe on disk and keeps the extension (converters look at it)."""
    name = _UNSAFE_CHARS.sub("_", component).strip(" .") or "file"
    if len(display) <= limits.max_path_len and len(name.encode("utf-8")) <= _MAX_NAME_BYTES:
        return name
    ext = _ext(name)
    suffix = "~" + hashlib.sha256(display.encode("utf-8")).hexdigest()[:8] + (f".{ext}" if len(ext) <= 10 and ext else "")
    stem = name
    while len((stem + suffix).encode("utf-8")) > 80 or (stem and len(stem) > 40):
        stem = stem[:-1]
    return (stem.rstrip(" .") or "file") + suffix


_DRIVE = re.compile(r"^[A-Za-z]:")


def _entry_refusal(name: str, info: zipfile.ZipInfo) -> str | None:
    """Why an entry must not be extracted, or None. Names are checked with "\\" as a separator
    too: Windows tools write it, and "..\\..\\x" is traversal on the machine that unpacks it."""
    mode = info.external_attr >> 16
    kind = stat.S_IFMT(mode)
    if kind == stat.S_IFLNK:
        return "symlink entry refused"
    if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
        return "device or special file entry refused"
    norm = name.replace("\\", "/")
    if norm.startswith("/"):
        return "absolute path refused"
    if _DRIVE.match(norm):
        return "drive letter path refused"
    if ".." in norm.split("/"):
        return "路径越界（../）"
    if info.flag_bits & 0x1:
        return "encrypted entry"
    return None


# -- the ingest run -------------------------------------------------------------------


class _Refused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class _Budget:
    """Entry budget of one top-level archive, shared with the archives nested in it."""

    entries: int = 0
    exhausted: bool = False


def _open_for_read(path: Path) -> int:
    # O_NOFOLLOW: a symlink swapped in after the walk looked is not followed; O_NONBLOCK: a
    # FIFO swapped in does not hang the open (fstat then rejects it).
    return os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_BINARY", 0))


def _display_component(name: str) -> str:
    """A folder entry's name for display: undecodable bytes (GBK names on a UTF-8 system)
    come back from os as surrogates; decode them as GB18030."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        name = _decode_raw(os.fsencode(name))
    return _printable(unicodedata.normalize("NFC", name))


# What zipfile and its decompressors raise on damaged input (found by fuzzing: lzma raises
# LZMAError or IndexError on mangled properties, bz2 raises OSError, zlib its own error).
_ERRORS_ON_READ = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, OSError, NotImplementedError,
                   RuntimeError, ValueError, IndexError, KeyError, OverflowError, struct.error)


@dataclass
class _Run:
    workdir: Path
    limits: Limits
    files: list[IngestedFile] = field(default_factory=list)
    problems: list[IngestProblem] = field(default_factory=list)
    total: int = 0
    total_exceeded: bool = False
    slot: int = 0

    def problem(self, display: str, reason: str, code: str = CODE_UNREADABLE) -> None:
        self.problems.append(IngestProblem(display, reason, code))

    def inside_workdir(self, path: str) -> bool:
        real = os.path.realpath(path)
        return real == str(self.workdir) or real.startswith(str(self.workdir) + os.sep)

    # folders -----------------------------------------------------------------------

    def walk(self, root_real: str, directory: Path, rel: str) -> None:
        try:
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda e: e.name)
        except PermissionError:
            self.problem(rel or ".", "permission denied")
            return
        except FileNotFoundError:
            self.problem(rel or ".", "folder disappeared while reading")
            return
        except OSError as exc:
            self.problem(rel or ".", f"cannot read folder: {exc.strerror or exc}")
            return
        for entry in entries:
            if _is_junk(entry.name):
                continue
            display = f"{rel}/{_display_component(entry.name)}" if rel else _display_component(entry.name)
            path = Path(entry.path)
            if self.inside_workdir(entry.path):
                continue  # the work dir was placed inside the input folder: not part of the dossier
            try:
                if entry.is_symlink():
                    self.symlink(root_real, path, display)
                elif entry.is_dir(follow_symlinks=False):
                    self.walk(root_real, path, display)
                elif entry.is_file(follow_symlinks=False):
                    self.local_file(path, display)
                else:
                    self.problem(display, "not a regular file (device, pipe or socket)")
            except FileNotFoundError:
                self.problem(display, "file disappeared while reading")
            except OSError as exc:
                self.problem(display, f"cannot read: {exc.strerror or exc}")

    def symlink(self, root_real: str, path: Path, display: str) -> None:
        target = os.path.realpath(path)
        if not (target == root_real or target.startswith(root_real + os.sep)):
            self.problem(display, "symlink to outside the folder not followed")
        elif os.path.isdir(target):
            self.problem(display, "symlinked folder not followed")
        elif os.path.isfile(target):
            self.local_file(Path(target), display)
        else:
            self.problem(display, "symlink target missing")

    def local_file(self, path: Path, display: str) -> None:
        """A file used in place: hashed in one read, never written."""
        digest = hashlib.sha256()
        size = 0
        kind = "empty"
        try:
            fd = _open_for_read(path)
            with os.fdopen(fd, "rb") as fh:
                if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                    self.problem(display, "not a regular file (device, pipe or socket)")
                    return
                while chunk := fh.read(_CHUNK):
                    if size == 0:
                        kind = _sniff_head(path, chunk[:_HEAD])
                        if kind == "zip":
                            break  # an archive is opened, not hashed: its members are the files
                    digest.update(chunk)
                    size += len(chunk)
        except PermissionError:
            self.problem(display, "permission denied")
            return
        except FileNotFoundError:
            self.problem(display, "file disappeared while reading")
            return
        except OSError as exc:
            self.problem(display, f"cannot read: {exc.strerror or exc}")
            return
        if kind == "zip":
            self.archive(path, display, 1, _Budget())
            return
        # A 0-byte file is a file (kind "empty"), not an ingest problem: the checker reports it
        # once, as DOS-P002, and can still see which material the unit meant to submit.
        self.files.append(IngestedFile(display, path, size, digest.hexdigest(), FileKind(kind)))

    # archives ----------------------------------------------------------------------

    def archive(self, path: Path, display: str, depth: int, budget: _Budget) -> None:
        lim = self.limits
        if depth > lim.max_depth:
            self.problem(display, f"nesting deeper than {lim.max_depth}", CODE_REFUSED)
            return
        if budget.exhausted:
            return  # reported once, on the archive that crossed the entry limit
        if self.total_exceeded:
            # Only a later archive of a folder gets here (archives stop their own loop): name it,
            # so nothing the unit submitted disappears without a word.
            self.problem(display, f"not extracted: total uncompressed size limit ({lim.max_total_bytes} bytes) "
                         "already reached", CODE_REFUSED)
            return
        try:
            zf = _open_zip(path, lim)
        except _TooManyEntries as exc:
            self.problem(display, f"too many entries ({exc.count} > {lim.max_entries}); archive refused",
                         CODE_REFUSED)
            budget.exhausted = True
            return
        except _ERRORS_ON_READ as exc:
            self.problem(display, f"broken zip: {exc}")
            return
        with zf:
            try:
                archive_size = os.path.getsize(path)
                infos = sorted(((_decode_name(i), n, i) for n, i in enumerate(zf.infolist())),
                               key=lambda t: (t[0], t[1]))
            except _ERRORS_ON_READ as exc:
                self.problem(display, f"broken zip: {exc}")
                return
            if not infos:
                self.problem(display, "archive has no entries")
            for k, (name, _, info) in enumerate(infos):
                if self.total_exceeded or budget.exhausted:
                    return
                budget.entries += 1
                if budget.entries > lim.max_entries:
                    seen = budget.entries - 1 + len(infos) - k
                    self.problem(display, f"too many entries ({seen} > {lim.max_entries}); entries after the "
                                 f"first {lim.max_entries} refused", CODE_REFUSED)
                    budget.exhausted = True
                    return
                self.entry(zf, info, name, display, depth, budget, archive_size)

    def entry(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, archive_display: str,
              depth: int, budget: _Budget, archive_size: int) -> None:
        lim = self.limits
        refusal = _entry_refusal(name, info)
        if refusal is not None:
            self.problem(f"{archive_display}!/{_printable(name)}", refusal, CODE_REFUSED)
            return
        parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]
        if info.is_dir() or name.endswith("\\") or not parts:
            return
        if any(_is_junk(p) for p in parts):
            return
        display = f"{archive_display}!/" + "/".join(_printable(p) for p in parts)
        # Headers are not trusted, but one declaring too much is refused without reading.
        if info.file_size > lim.max_file_bytes:
            self.problem(display, f"file too large ({info.file_size} > {lim.max_file_bytes} bytes)", CODE_REFUSED)
            return
        extracted = self.extract(zf, info, display, _safe_name(parts[-1], display, lim), archive_size)
        if extracted is None:
            return
        target, size, digest, head = extracted
        kind = _sniff_head(target, head)
        if kind == "zip":
            self.archive(target, display, depth + 1, budget)
            # The nested archive's members are what the dossier holds; its copy is not needed.
            target.unlink(missing_ok=True)
            _rmdir_quietly(target.parent)
            return
        self.files.append(IngestedFile(display, target, size, digest, FileKind(kind)))

    def new_slot(self) -> Path:
        """A fresh folder workdir/<n>: one per member, so extracted names cannot collide."""
        while True:
            self.slot += 1
            slot = self.workdir / str(self.slot)
            try:
                slot.mkdir()
            except FileExistsError:
                continue  # a reused work dir: never write into what is already there
            return slot

    def extract(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo, display: str, safe: str,
                archive_size: int) -> tuple[Path, int, str, bytes] | None:
        """Stream one member to disk, hashing and enforcing the limits on every chunk."""
        lim = self.limits
        slot = self.new_slot()
        target = slot / safe
        if not self.inside_workdir(str(target)):  # cannot happen with a sanitised name; proven anyway
            _rmdir_quietly(slot)
            self.problem(display, "extraction path outside the work dir refused", CODE_REFUSED)
            return None
        # The compressed size is a header value; bounding it by the archive's real size means
        # the ratio check caps what is written at ratio x bytes actually present.
        compressed = max(1, min(info.compress_size, archive_size))
        digest = hashlib.sha256()
        written = 0
        head = b""
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_BINARY", 0),
                         0o600)
            with os.fdopen(fd, "wb") as dst, zf.open(info) as src:
                while chunk := src.read(_CHUNK):
                    written += len(chunk)
                    if written > lim.max_file_bytes:
                        raise _Refused(f"file too large (over {lim.max_file_bytes} bytes)")
                    if written > lim.ratio_min_bytes and written > lim.max_ratio * compressed:
                        raise _Refused(f"zip bomb: expansion ratio over {lim.max_ratio:g}")
                    if self.total + written > lim.max_total_bytes:
                        self.total_exceeded = True
                        raise _Refused(f"total uncompressed size over {lim.max_total_bytes} bytes; "
                                       "remaining archive entries not extracted")
                    digest.update(chunk)
                    dst.write(chunk)
                    if len(head) < _HEAD:
                        head += chunk[: _HEAD - len(head)]
        except _Refused as exc:
            _discard(target)
            self.problem(display, exc.reason, CODE_REFUSED)
            return None
        except _ERRORS_ON_READ as exc:
            _discard(target)
            self.problem(display, f"corrupt entry: {exc}")
            return None
        self.total += written
        return target, written, digest.hexdigest(), head


def _rmdir_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.rmdir()


def _discard(target: Path) -> None:
    """Remove a partial extraction and its slot folder."""
    with contextlib.suppress(OSError):
        target.unlink(missing_ok=True)
    _rmdir_quietly(target.parent)


def ingest(path: Path, workdir: Path, limits: Limits = Limits()) -> IngestResult:
    """Ingest a submitted file, folder or zip; zip members are extracted under `workdir`.

    Raises InputError only when PATH does not exist or cannot be read at all.
    """
    path = Path(path)
    try:
        st = os.stat(path)  # the user named PATH: a symlink here is followed
    except FileNotFoundError:
        raise InputError("does not exist", path=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot be read: {exc.strerror or exc}", path=str(path)) from None
    workdir = Path(workdir)
    try:
        workdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the work dir: {exc.strerror or exc}", path=str(workdir)) from None
    run = _Run(Path(os.path.realpath(workdir)), limits)
    display = _display_component(path.name) or str(path)
    if stat.S_ISDIR(st.st_mode):
        try:
            with os.scandir(path):
                pass
        except OSError as exc:
            raise InputError(f"cannot be read: {exc.strerror or exc}", path=str(path)) from None
        run.walk(os.path.realpath(path), path, "")
    elif stat.S_ISREG(st.st_mode):
        try:
            with open(path, "rb"):
                pass
        except OSError as exc:
            raise InputError(f"cannot be read: {exc.strerror or exc}", path=str(path)) from None
        run.local_file(Path(os.path.realpath(path)) if path.is_symlink() else path, display)
    else:
        raise InputError("not a file or folder", path=str(path))
    return IngestResult(str(path), tuple(run.files), tuple(run.problems))
