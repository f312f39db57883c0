"""Private WordprocessingML access: safe part reading, styles and numbering.

Kept in one module (the python-docx habit) so the parser above it reads like rules,
not XML. Nothing here knows about headings beyond what Word itself records.
"""

from __future__ import annotations

import functools
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from dossier.cjk import CN_DIGITS, CN_LEGAL_DIGITS, chinese_counting, on_first_use
from dossier.errors import InputError
from dossier.parse.limits import LIMITS, LimitExceeded, partly

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def w(tag: str) -> str:
    return f"{{{W}}}{tag}"


W_VAL = w("val")
MAX_PART_BYTES = 200 * 1024 * 1024
"""Refuse a part that inflates past this: a zip bomb, not a document."""

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True, remove_pis=True
)


def read_bytes(zf: zipfile.ZipFile, name: str, path: Path, *, required: bool = False) -> bytes | None:
    """One part's bytes, refusing zip bombs; None when absent and optional."""
    try:
        info = zf.getinfo(name)
    except KeyError:
        if required:
            raise InputError(f"not a Word document: {name} is missing", path=str(path)) from None
        return None
    if info.file_size > MAX_PART_BYTES:
        raise InputError(
            f"{name} inflates to {info.file_size // (1024 * 1024)} MB (limit {MAX_PART_BYTES // (1024 * 1024)} MB)",
            path=str(path),
        )
    data = _read_small(zf, info)
    if data is not None:
        return data
    try:
        with zf.open(info) as fh:
            # Read one byte past the limit: the declared size in the zip header can lie.
            data = fh.read(MAX_PART_BYTES + 1)
    except (zipfile.BadZipFile, EOFError, OSError, RuntimeError) as e:
        raise InputError(f"truncated or corrupt zip: cannot read {name} ({e})", path=str(path)) from None
    except NotImplementedError as e:
        raise InputError(f"cannot read {name}: {e}", path=str(path)) from None
    if len(data) > MAX_PART_BYTES:
        raise InputError(f"{name} inflates past {MAX_PART_BYTES // (1024 * 1024)} MB", path=str(path))
    return data


_DEFLATE_MAX_RATIO = 1032
"""DEFLATE cannot expand input by more than about 1032:1, so a small compressed member
cannot inflate past the limit whatever its header claims."""


def _read_small(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes | None:
    """A stored or deflated member inflated in one zlib call, CRC checked; None whenever
    anything is unusual (encryption, another method, odd headers, a large member), and
    ZipExtFile reads it instead. ZipExtFile grows its output in blocks and joins them,
    several times the cost of the inflation itself for a 350 KB styles part."""
    fp = zf.fp
    if (
        fp is None
        or info.flag_bits & 0x1
        or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
        or info.compress_size * _DEFLATE_MAX_RATIO > MAX_PART_BYTES
        or info.file_size > MAX_PART_BYTES
    ):
        return None
    try:
        fp.seek(info.header_offset)
        head = fp.read(30)
        if len(head) != 30 or head[:4] != b"PK\x03\x04":
            return None
        name_len, extra_len = struct.unpack("<HH", head[26:30])
        fp.seek(info.header_offset + 30 + name_len + extra_len)
        raw = fp.read(info.compress_size)
        if len(raw) != info.compress_size:
            return None
        if info.compress_type == zipfile.ZIP_DEFLATED:
            # bufsize is only the first allocation: a lying header costs a regrow.
            data = zlib.decompress(raw, -15, max(info.file_size, 1))
        else:
            data = raw
    except (OSError, ValueError, zlib.error, struct.error):
        return None  # let ZipExtFile read it and report the problem its way
    if len(data) != info.file_size or zlib.crc32(data) != info.CRC:
        return None
    return data


def parse_xml(data: bytes, name: str, path: Path) -> etree._Element:
    """Parse with a hostile-input-safe parser (no entities, no network, no huge trees)."""
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as e:
        raise InputError(f"{name} is not well-formed XML ({e.msg})", path=str(path)) from None


_COUNTED = ((w("p"), "paragraphs", "个段落"), (w("r"), "runs", "个文字块（run）"), (w("tc"), "table_cells", "个表格单元格"))
_FEED = 1 << 16
"""Bytes fed to the pull parser at a time: a cap overshoots by at most this much XML."""
_W_BINDING = on_first_use(rb"""xmlns(?::([A-Za-z_][\w.-]*))?\s*=\s*["']""" + re.escape(W.encode()) + rb"""["']""")


def _under_caps(data: bytes, caps: dict[str, int]) -> bool:
    """True when the bytes alone show that no cap can be reached, so one fromstring call (half
    the pull parser's cost) reads the whole part. Under the tag cap, the proof is an upper
    bound per counted element: where the WordprocessingML namespace is bound once, by one
    prefix, each w:p, w:r and w:tc starts with "<prefix:p", "<prefix:r", "<prefix:tc" (the
    count also takes in w:pPr, w:rPr, w:tcPr… and text in comments: it only over-counts)."""
    tags = data.count(b"<")
    if tags < min(*caps.values(), LIMITS.xml_tags):
        return True
    if tags >= LIMITS.xml_tags or data.count(W.encode()) != 1:
        return False
    bound = _W_BINDING().search(data)
    if bound is None:
        return False
    opener = b"<" + (bound.group(1) + b":" if bound.group(1) else b"")
    return all(data.count(opener + tag.rpartition("}")[2].encode()) < cap for tag, cap in caps.items())


def parse_body_xml(data: bytes, name: str, path: Path) -> tuple[etree._Element, str | None]:
    """`parse_xml` for a document part, reading at most LIMITS' paragraphs, runs, table cells
    and tags: past a cap the tree holds what came before it (the element open at the cap
    is cut short) and the second value is the warning saying what was left out.

    A part with fewer tags than the smallest cap cannot reach one and is parsed in one call;
    a larger one is fed to a pull parser that reports only the counted elements (the filter
    runs in lxml, so this costs about what one call does)."""
    caps = {tag: getattr(LIMITS, field) for tag, field, _ in _COUNTED}
    if _under_caps(data, caps):
        return parse_xml(data, name, path), None
    labels = {tag: label for tag, _, label in _COUNTED}
    counts = dict.fromkeys(caps, 0)
    parser = etree.XMLPullParser(events=("start",), tag=(*caps, w("document"), w("body")), resolve_entities=False,
                                 no_network=True, huge_tree=False, remove_comments=True, remove_pis=True)
    tags, hit, root = 0, "", None
    try:
        for at in range(0, len(data), _FEED):
            chunk = data[at : at + _FEED]
            parser.feed(chunk)
            tags += chunk.count(b"<")
            for _, el in parser.read_events():
                if root is None:
                    root = el.getroottree().getroot()
                if el.tag in counts:
                    counts[el.tag] += 1
                    if not hit and counts[el.tag] >= caps[el.tag]:
                        hit = el.tag
            if hit or tags >= LIMITS.xml_tags:
                break
        else:
            return parser.close(), None
    except etree.XMLSyntaxError as e:
        raise InputError(f"{name} is not well-formed XML ({e.msg})", path=str(path)) from None
    if root is None:
        raise LimitExceeded(f"{name} 的 XML 标记超过 {LIMITS.xml_tags:,} 个，未读取", path=str(path))
    if hit:
        what = f"{counts[hit]:,} {labels[hit]}（上限 {caps[hit]:,}）"
    else:
        what = f"{tags:,} 个 XML 标记（上限 {LIMITS.xml_tags:,}）"
    return root, partly(f"{name} 只读取了前 {what}，其后的内容未读取")


# ----------------------------------------------------------------------------- package

_STRICT = (
    (b"http://purl.oclc.org/ooxml/wordprocessingml/main", W.encode()),
    (b"http://purl.oclc.org/ooxml/officeDocument/relationships",
     b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"),
)  # fmt: skip
_REL_TYPE_END = (b"/officeDocument", b"/styles", b"/numbering")
_REL = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")
_ATTR = re.compile(rb'\b(Type|Target|TargetMode)\s*=\s*"([^"]*)"')
ENCRYPTED = "加密文件，无法读取（受密码保护 password-protected，请提供未加密的文件）"
"""The one reason given for a password-protected Word or PDF file, whatever the route."""


@dataclass(frozen=True)
class Parts:
    """The main document part and the parts it names, as bytes (Strict namespaces mapped)."""

    name: str
    document: bytes
    styles: bytes | None
    numbering: bytes | None


def read_package(zf: zipfile.ZipFile, path: Path) -> Parts:
    """The main document part named by _rels/.rels (Office 365 saves word/document2.xml),
    with the styles and numbering its own relationships name; Strict OOXML namespaces are
    mapped to transitional ones, which is all that differs for what the parser reads."""
    names = set(zf.namelist())
    main = _rel_target(zf, "_rels/.rels", "", b"/officeDocument", path) or "word/document.xml"
    if main not in names:
        raise InputError(not_word(names), path=str(path))
    folder, _, base = main.rpartition("/")
    rels = f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels"
    styles = _rel_target(zf, rels, folder, b"/styles", path) or f"{folder}/styles.xml".lstrip("/")
    numbering = _rel_target(zf, rels, folder, b"/numbering", path) or f"{folder}/numbering.xml".lstrip("/")
    doc = read_bytes(zf, main, path, required=True)
    assert doc is not None
    return Parts(
        main,
        strict_to_transitional(doc),
        _optional(zf, styles, names, path),
        _optional(zf, numbering, names, path),
    )


def _optional(zf: zipfile.ZipFile, name: str, names: set[str], path: Path) -> bytes | None:
    data = read_bytes(zf, name, path) if name in names else None
    return strict_to_transitional(data) if data is not None else None


def strict_to_transitional(data: bytes) -> bytes:
    """ISO 29500 Strict names the same elements in other namespaces: rename them."""
    if b"purl.oclc.org/ooxml" not in data[:4096] and b"purl.oclc.org/ooxml" not in data:
        return data
    for strict, transitional in _STRICT:
        data = data.replace(strict, transitional)
    return data


def _rel_target(zf: zipfile.ZipFile, rels: str, folder: str, type_end: bytes, path: Path) -> str | None:
    """The part a relationships part names for a relationship type (by the end of its
    Type URI, the same in transitional and Strict), resolved against `folder`."""
    try:
        data = read_bytes(zf, rels, path)
    except InputError:
        return None
    if data is None:
        return None
    for m in _REL.finditer(data):
        attrs = dict(_ATTR.findall(m.group(0)))
        if attrs.get(b"TargetMode") == b"External" or not attrs.get(b"Type", b"").endswith(type_end):
            continue
        target = attrs.get(b"Target", b"").decode("utf-8", "replace")
        return _resolve(folder, target)
    return None


def _resolve(folder: str, target: str) -> str:
    if target.startswith("/"):
        parts: list[str] = []
        target = target[1:]
    else:
        parts = folder.split("/") if folder else []
    for piece in target.split("/"):
        if piece == "..":
            if parts:
                parts.pop()
        elif piece and piece != ".":
            parts.append(piece)
    return "/".join(parts)


def not_word(names: set[str]) -> str:
    if "content.xml" in names and "mimetype" in names:
        return "an OpenDocument file (.odt), not a Word document: save it as .docx"
    if "xl/workbook.xml" in names:
        return "a spreadsheet (.xlsx), not a Word document"
    if "ppt/presentation.xml" in names:
        return "a presentation (.pptx), not a Word document"
    return "a zip archive without word/document.xml (nor another main part named in _rels/.rels): not a Word document"


_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTION_STREAMS = ("EncryptionInfo".encode("utf-16-le"), "EncryptedPackage".encode("utf-16-le"))
_SCAN_LIMIT = 64 * 1024 * 1024


def is_encrypted_ooxml(path: Path) -> bool:
    """A password-protected Office file: an OLE2 compound file whose directory holds the
    EncryptionInfo and EncryptedPackage streams (names are UTF-16 in directory entries)."""
    try:
        with open(path, "rb") as fh:
            if fh.read(8) != _OLE2_MAGIC:
                return False
            fh.seek(0)
            data = fh.read(_SCAN_LIMIT)
    except OSError:
        return False
    return all(name in data for name in _ENCRYPTION_STREAMS)


def on(el: etree._Element | None) -> bool | None:
    """A w:b-style toggle: present without val means on; None when absent."""
    if el is None:
        return None
    v = el.get(W_VAL)
    return v is None or v not in ("0", "false", "off", "none")


# ----------------------------------------------------------------------------- styles


@dataclass(frozen=True)
class RunFmt:
    bold: bool | None = None
    size: float | None = None  # points
    font: str | None = None  # east-Asian font when set, else ascii

    def over(self, base: RunFmt) -> RunFmt:
        return RunFmt(
            bold=self.bold if self.bold is not None else base.bold,
            size=self.size if self.size is not None else base.size,
            font=self.font if self.font is not None else base.font,
        )


def run_fmt(rpr: etree._Element | None) -> RunFmt:
    if rpr is None:
        return RunFmt()
    # One pass over the children: lxml's find() walks ElementPath in Python per call.
    b = bcs = sz = szcs = rf = None
    for c in rpr:
        tag = c.tag
        if tag == _TAG_B:
            b = c
        elif tag == _TAG_BCS:
            bcs = c
        elif tag == _TAG_SZ:
            sz = c
        elif tag == _TAG_SZCS:
            szcs = c
        elif tag == _TAG_RFONTS:
            rf = c
    if b is None and bcs is None and sz is None and szcs is None and rf is None:
        return _NO_FMT
    bold = on(b)
    if bold is None:
        bold = on(bcs)
    size: float | None = None
    if sz is None:
        sz = szcs
    if sz is not None:
        try:
            size = int(sz.get(W_VAL, "")) / 2
        except ValueError:
            size = None
    font: str | None = None
    if rf is not None:
        font = rf.get(_ATTR_EASTASIA) or rf.get(_ATTR_ASCII) or rf.get(_ATTR_HANSI)
    return RunFmt(bold=bold, size=size, font=font)


_TAG_B, _TAG_BCS, _TAG_SZ, _TAG_SZCS, _TAG_RFONTS = (w(t) for t in ("b", "bCs", "sz", "szCs", "rFonts"))
_ATTR_EASTASIA, _ATTR_ASCII, _ATTR_HANSI = (w(t) for t in ("eastAsia", "ascii", "hAnsi"))
_NO_FMT = RunFmt()
_BASE_FMT = RunFmt(bold=False, size=10.5)


@dataclass(frozen=True)
class NumRef:
    num_id: str
    ilvl: int | None


@dataclass(frozen=True)
class Style:
    """One style with its basedOn chain already folded in."""

    id: str
    name: str
    kind: str
    level: int | None = None  # 1-based heading level from name/id/outlineLvl along the chain
    level_source: str = ""  # 'style' or 'outline-level'
    toc: bool = False
    title: bool = False
    cover: bool = False
    """A template's metadata line (Subtitle, Author, Date styles): never a section."""
    guidance: bool = False
    fmt: RunFmt = field(default_factory=RunFmt)
    num: NumRef | None = None
    centred: bool = False


_NAME_LEVEL: dict[str, int] = {}
for _n in range(1, 10):
    for _pat in ("heading{n}", "标题{n}", "标题 {n}"):
        _NAME_LEVEL[_pat.format(n=_n)] = _n
for _i, _cn in enumerate("一二三四五六七八九", start=1):
    _NAME_LEVEL[f"{_cn}级标题"] = _i
    _NAME_LEVEL[f"标题{_cn}"] = _i
    _NAME_LEVEL[f"{_cn}级"] = _i


_STANDARD_STYLE = re.compile(r"(?:(?<![附录])章标题|前言、?引言标题|([一二三四五])级条标题)$")


def _name_key(name: str) -> str:
    return "".join(name.lower().split())


# Cover metadata styles of Word and pandoc templates (a reference.docx sets the author and
# date of a 公文 template's front matter in them).
_COVER_NAMES = frozenset(("subtitle", "author", "date", "副标题", "作者", "日期"))


def _is_toc_name(key: str) -> bool:
    return key.startswith(("toc", "目录", "tableofcontents", "tableoffigures", "图表目录")) or key in (
        "contentsheading",
        "indexheading",
    )


_WB = W.encode()
_ID_ATTR = b'w:styleId="'
_CANON_DEFAULT = b'<w:style w:type="paragraph" w:default="1" w:styleId="'
_STYLE_ID = re.compile(rb'\sw:styleId="([^"]*)"')
_DEFAULT_PARA = on_first_use(
    rb'<w:style\s(?=[^>]*w:type="paragraph")(?=[^>]*\sw:default="(?:1|true|on)")[^>]*>'
)
_XML_SPACE = (b" ", b"\t", b"\n", b"\r")
_SPACE_BYTES = frozenset(b" \t\n\r")
_XMLNS = re.compile(rb'xmlns(?::[\w.-]+)?="[^"]*"')
_ROOT_OPEN = re.compile(rb"<w:styles\b[^>]*>")


class StyleSheet:
    """styles.xml, resolved lazily along each basedOn chain.

    The styles part is often far larger than the document (python-docx's template writes
    350 KB of table styles), so when it uses the usual `w:` prefix it is indexed by a byte
    scan and only the styles a document actually uses are parsed; anything unusual (another
    prefix, a DTD) falls back to one full parse with the same safe parser.
    """

    def __init__(self, data: bytes | None, parse: Callable[[bytes], etree._Element]) -> None:
        self._parse = parse
        self._data = b""
        self._elements: dict[str, etree._Element] = {}
        self._resolved: dict[str, Style | None] = {}
        self._starts: dict[bytes, int] = {}
        self._wrap = b""
        self.default_id: str | None = None
        self._defaults: RunFmt | None = None
        self._dd: bytes | None = None
        """docDefaults, parsed with the first batch of styles (or on first use)."""
        if data is None:
            return
        root_open = _ROOT_OPEN.search(data, 0, 4096)
        decls = _XMLNS.findall(root_open.group(0)) if root_open else []
        if root_open is None or b"<!DOCTYPE" in data[:4096] or b'xmlns:w="' + _WB + b'"' not in decls:
            self._load_tree(parse(data))
            return
        if not self._index(data):
            self._load_tree(parse(data))  # an escaped id: let the full parse unescape it
            return
        self._wrap = b"<w:styles " + b" ".join(decls) + b">"
        self._data = data
        a = data.find(b"<w:docDefaults")
        if a != -1:
            b = data.find(b"</w:docDefaults>", a)
            if b != -1:
                self._dd = data[a : b + len(b"</w:docDefaults>")]

    @property
    def defaults(self) -> RunFmt:
        """Run format from docDefaults over Word's own (not bold, 10.5 pt)."""
        got = self._defaults
        if got is None:
            dd, self._dd = self._dd, None
            got = self._set_defaults(self._fragment(dd) if dd is not None else None)
        return got

    def _index(self, data: bytes) -> bool:
        """Where each style's id attribute lies, in one forward scan of the bytes (a search
        per lookup from the start of a 350 KB part costs more than the rest of a short
        document), and the default paragraph style. False when an id is escaped and only
        a real parse can read it."""
        starts: dict[bytes, int] = {}
        n = len(_ID_ATTR)
        pos = data.find(_ID_ATTR)
        while pos != -1:
            q = data.find(b'"', pos + n)
            if q == -1:
                break
            if data[pos - 1] in _SPACE_BYTES:  # not "xw:styleId=", another attribute
                raw = data[pos + n : q]
                if b"&" in raw:
                    return False
                if raw not in starts:
                    starts[raw] = pos
            pos = data.find(_ID_ATTR, q)
        self._starts = starts
        # Word and python-docx write the default's attributes in this order: one search.
        i = data.find(_CANON_DEFAULT)
        if i != -1:
            q = data.find(b'"', i + len(_CANON_DEFAULT))
            self.default_id = (
                data[i + len(_CANON_DEFAULT) : q].decode("utf-8", "replace") if q != -1 else None
            )
        else:
            m = _DEFAULT_PARA().search(data)
            sid_m = _STYLE_ID.search(m.group(0)) if m is not None else None
            self.default_id = sid_m.group(1).decode("utf-8", "replace") if sid_m is not None else None
        return True

    @staticmethod
    def _open_tag(data: bytes, pos: int) -> bytes | None:
        """The <w:style …> opening tag holding the attribute at `pos`, or None when the
        attribute belongs to another element."""
        start = data.rfind(b"<", 0, pos)
        if (
            start == -1
            or not data.startswith(b"<w:style", start)
            or data[start + 8 : start + 9] not in _XML_SPACE
        ):
            return None
        close = data.find(b">", pos)
        return data[start : close + 1] if close != -1 else None

    def _chunk(self, sid: str) -> bytes | None:
        """The bytes of <w:style w:styleId="sid" …>…</w:style>, found without a full parse."""
        data = self._data
        pos = self._starts.get(sid.encode()) if data else None
        if pos is None:
            return None
        tag = self._open_tag(data, pos)
        if tag is None:
            return None
        start = data.rfind(b"<", 0, pos)
        if tag.endswith(b"/>"):
            return tag
        end = data.find(b"</w:style>", start + len(tag))
        return data[start : end + len(b"</w:style>")] if end != -1 else None

    def _fragment(self, chunk: bytes) -> etree._Element:
        return self._parse(self._wrap + chunk + b"</w:styles>")[0]

    def _load_tree(self, root: etree._Element) -> None:
        for st in root.iterchildren(w("style")):
            sid = st.get(w("styleId"))
            if sid is None:
                continue
            self._elements.setdefault(sid, st)
            if st.get(w("type")) == "paragraph" and st.get(w("default")) in ("1", "true", "on"):
                self.default_id = sid
        self._set_defaults(root.find(_TAG_DOCDEFAULTS))

    def _set_defaults(self, dd: etree._Element | None) -> RunFmt:
        rpr = dd.find(f"{w('rPrDefault')}/{w('rPr')}") if dd is not None else None
        self._defaults = got = run_fmt(rpr).over(_BASE_FMT)
        return got

    def _element(self, sid: str) -> etree._Element | None:
        el = self._elements.get(sid)
        if el is None and self._data:
            chunk = self._chunk(sid)
            if chunk is not None:
                el = self._fragment(chunk)
                self._elements[sid] = el
        return el

    def get(self, sid: str) -> Style | None:
        if sid in self._resolved:
            return self._resolved[sid]
        return self._resolve(sid, frozenset())

    def preload(self, ids: set[str]) -> None:
        """Parse the styles `ids` name, and the styles they are based on, in one parse per
        generation of the basedOn chain instead of one per style (a parse costs about
        as much to set up as to read a style)."""
        data = self._data
        want = {sid for sid in ids if sid not in self._elements}
        seen: set[str] = set()
        while data and want:
            seen |= want
            chunks = [(sid, c) for sid in sorted(want) if (c := self._chunk(sid)) is not None]
            if not chunks:
                return
            # docDefaults rides along with the first batch: one parse fewer.
            dd, self._dd = self._dd, None
            root = self._parse(self._wrap + b"".join(c for _, c in chunks) + (dd or b"") + b"</w:styles>")
            if dd is not None:
                last = root[len(root) - 1] if len(root) else None
                if last is not None and last.tag == _TAG_DOCDEFAULTS:
                    self._set_defaults(last)
                    root.remove(last)
                else:
                    self._dd = dd  # something odd: leave it to the `defaults` path
            want = set()
            if len(root) != len(chunks):
                return  # something odd in the bytes: leave these to the one-by-one path
            for (sid, _), el in zip(chunks, root, strict=True):
                if el.get(_ATTR_STYLEID) != sid:
                    continue
                self._elements.setdefault(sid, el)
                for c in el.iterchildren(_TAG_BASEDON):
                    parent = c.get(W_VAL, "")
                    if parent not in self._elements and parent not in seen:
                        want.add(parent)

    def _digit_ids_are_levels(self, key: str) -> bool:
        """Whether styleId "N" may mean Heading N. Chinese Word names Heading N's id "N";
        WPS numbers every style in order ("1" is Normal, "2" heading 1, "3" footer…), and
        there a digit id means nothing. A built-in name that is not a heading wins too."""
        return self.default_id not in _DIGIT_IDS and key not in _NOT_HEADING_NAMES

    def _resolve(self, sid: str, seen: frozenset[str]) -> Style | None:
        """One style with its basedOn chain folded in: the parent first, then what this
        style says (name, outline level, numbering, alignment, run format) over it."""
        if sid in self._resolved:
            return self._resolved[sid]
        st = self._element(sid)
        if st is None or sid in seen:
            return None
        name_el, based, ppr, rpr = _first_children(st, (_TAG_NAME, _TAG_BASEDON, _TAG_PPR, _TAG_RPR))
        name = name_el.get(W_VAL, sid) if name_el is not None else sid
        key = _name_key(name)
        parent = self._resolve(based.get(W_VAL, ""), seen | {sid}) if based is not None else None
        outline, numpr, jc = _first_children(ppr, (_TAG_OUTLINE, _TAG_NUMPR, _TAG_JC))
        kind = st.get(_ATTR_TYPE, "paragraph")
        toc = _is_toc_name(key)
        level, source = (None, "") if toc else self._level(sid, key, kind, outline, parent)
        fmt = run_fmt(rpr)
        style = Style(
            id=sid,
            name=name,
            kind=kind,
            level=level,
            level_source=source,
            toc=toc or (parent.toc if parent is not None else False),
            title=key in ("title", "标题") or (parent.title if parent is not None else False),
            cover=key in _COVER_NAMES or (parent.cover if parent is not None else False),
            guidance=key == "dossierguidance" or (parent.guidance if parent is not None else False),
            fmt=fmt.over(parent.fmt) if parent is not None else fmt,
            num=_num_ref(numpr) or (parent.num if parent is not None else None),
            centred=jc.get(W_VAL) == "center" if jc is not None else (parent.centred if parent is not None else False),
        )
        self._resolved[sid] = style
        return style

    def _level(
        self, sid: str, key: str, kind: str, outline: etree._Element | None, parent: Style | None
    ) -> tuple[int | None, str]:
        """The heading level a style gives, and from what: its name (Heading N, 标题 N),
        Chinese Word's digit id, its outline level, else its parent's."""
        if key in _NAME_LEVEL:
            return _NAME_LEVEL[key], "style"
        m = _STANDARD_STYLE.search(key)
        if m is not None:  # GB/T 1.1 drafting templates: 章标题, 一级条标题 … 五级条标题
            return (1 if m.group(1) is None else "一二三四五".index(m.group(1)) + 2), "style"
        if sid in _DIGIT_IDS and kind == "paragraph" and self._digit_ids_are_levels(key):
            # Chinese Word writes Heading N with styleId "N" and may localise the name.
            return int(sid), "style"
        if outline is not None:
            v = outline.get(W_VAL, "9")
            if v.isdigit() and int(v) < 9:
                return int(v) + 1, "outline-level"
        if parent is not None and parent.level is not None:
            return parent.level, parent.level_source
        return None, ""


def _first_children(el: etree._Element | None, tags: tuple[str, ...]) -> list[etree._Element | None]:
    """The first child of `el` with each tag, in one pass over the children (find() walks
    ElementPath in Python per call)."""
    out: list[etree._Element | None] = [None] * len(tags)
    if el is None:
        return out
    for c in el:
        try:
            i = tags.index(c.tag)
        except ValueError:
            continue
        if out[i] is None:
            out[i] = c
    return out


def _num_ref(numpr: etree._Element | None) -> NumRef | None:
    """A style's w:numPr as a NumRef (numId, and ilvl when given); None without a numId."""
    if numpr is None:
        return None
    nid, il = _first_children(numpr, (_TAG_NUMID, _TAG_ILVL))
    if nid is None:
        return None
    ilv = il.get(W_VAL, "0") if il is not None else None
    return NumRef(nid.get(W_VAL, "0"), int(ilv) if ilv and ilv.isdigit() else None)


_TAG_NAME, _TAG_BASEDON, _TAG_PPR, _TAG_RPR = (w(t) for t in ("name", "basedOn", "pPr", "rPr"))
_TAG_OUTLINE, _TAG_NUMPR, _TAG_JC, _TAG_NUMID, _TAG_ILVL = (
    w(t) for t in ("outlineLvl", "numPr", "jc", "numId", "ilvl")
)
_ATTR_TYPE, _ATTR_STYLEID = w("type"), w("styleId")
_TAG_DOCDEFAULTS = w("docDefaults")
_DIGIT_IDS = frozenset(str(i) for i in range(1, 10))
_NOT_HEADING_NAMES = frozenset(
    ("normal", "header", "footer", "caption", "title", "subtitle", "bodytext", "listparagraph",
     "normal(web)", "plaintext", "footnotetext", "endnotetext", "nospacing", "正文", "页眉", "页脚",
     "题注", "标题", "副标题", "正文文本", "列表段落", "无间隔")
)  # fmt: skip


# -------------------------------------------------------------------------- numbering


@dataclass(frozen=True)
class Level:
    fmt: str = "decimal"
    text: str = "%1."
    start: int = 1
    restart: int | None = None  # w:lvlRestart: 0 never; N restart when a level < N is used
    legal: bool = False

    @functools.cached_property
    def pieces(self) -> tuple[str | int, ...]:
        """lvlText split into literals and 0-based level references: "%1.%2" → (0, ".", 1)."""
        out: list[str | int] = []
        for lit, ref in _LVL_TOKEN.findall(self.text):
            out.append(lit) if lit else out.append(int(ref) - 1)
        return tuple(out)


@dataclass
class Numbering:
    """numbering.xml with Word's counters: shared per abstractNum across num instances,
    restarted by lvlRestart and by a num instance's startOverride on its first use."""

    abstract_el: dict[str, etree._Element] = field(default_factory=dict)
    abstract: dict[str, dict[int, Level]] = field(default_factory=dict)
    num_abs: dict[str, str] = field(default_factory=dict)
    overrides: dict[str, dict[int, tuple[int | None, Level | None]]] = field(default_factory=dict)
    counters: dict[str, dict[int, int]] = field(default_factory=dict)
    started: set[str] = field(default_factory=set)
    styles: StyleSheet | None = None
    _defs: dict[tuple[str, int], Level | None] = field(default_factory=dict)
    _plans: dict[tuple[str, int], _Plan | None] = field(default_factory=dict)

    @classmethod
    def load(cls, root: etree._Element | None, styles: StyleSheet | None) -> Numbering:
        n = cls(styles=styles)
        if root is None:
            return n
        # One pass over the children, each dispatched on its tag (find() walks ElementPath
        # in Python, and real documents carry hundreds of w:num).
        for el in root:
            tag = el.tag
            if tag == _TAG_ABSTRACTNUM:
                n.abstract_el.setdefault(el.get(_ATTR_ABSTRACTNUMID, ""), el)
            elif tag != _TAG_NUM:
                continue
            nid = el.get(_ATTR_NUMID, "")
            aid: str | None = None
            ov: dict[int, tuple[int | None, Level | None]] = {}
            for c in el:
                ctag = c.tag
                if ctag == _TAG_ABSTRACTNUMID:
                    if aid is None:
                        aid = c.get(W_VAL, "")
                elif ctag == _TAG_LVLOVERRIDE:
                    so = lv = None
                    for x in c:
                        if x.tag == _TAG_STARTOVERRIDE:
                            so = so if so is not None else x
                        elif x.tag == _TAG_LVL:
                            lv = lv if lv is not None else x
                    ov[_int(c.get(_ATTR_ILVL), 0)] = (
                        _int(so.get(W_VAL), 1) if so is not None else None,
                        _level(lv) if lv is not None else None,
                    )
            if aid is None:
                continue
            n.num_abs[nid] = aid
            if ov:
                n.overrides[nid] = ov
        return n

    def levels(self, aid: str, depth: int = 0) -> dict[int, Level]:
        """An abstractNum's levels, parsed on first use; a numStyleLink borrows the levels
        of the list its style names."""
        got = self.abstract.get(aid)
        if got is not None:
            return got
        an = self.abstract_el.get(aid)
        out: dict[int, Level] = {}
        if an is not None:
            out = {_int(lv.get(w("ilvl")), 0): _level(lv) for lv in an.iterchildren(w("lvl"))}
            link = an.find(w("numStyleLink"))
            if link is not None and self.styles is not None and depth < 4:
                st = self.styles.get(link.get(W_VAL, ""))
                target = self.num_abs.get(st.num.num_id) if st is not None and st.num is not None else None
                if target and target != aid:
                    out = self.levels(target, depth + 1) or out
        self.abstract[aid] = out
        return out

    def level_def(self, num_id: str, ilvl: int) -> Level | None:
        key = (num_id, ilvl)
        if key in self._defs:
            return self._defs[key]
        aid = self.num_abs.get(num_id)
        got: Level | None = None
        if aid is not None:
            ov = self.overrides.get(num_id, {}).get(ilvl)
            got = ov[1] if ov is not None and ov[1] is not None else self.levels(aid).get(ilvl)
        self._defs[key] = got  # definitions never change once loaded; counters do
        return got

    def _plan(self, num_id: str, ilvl: int) -> _Plan | None:
        """What rendering (num_id, ilvl) needs, worked out once: the abstract list whose
        counters it shares, its level, lvlText as literals and (level, numFmt, start),
        and which deeper counters a use does not restart."""
        aid = self.num_abs.get(num_id)
        if aid is None:
            return None
        lvl = self.level_def(num_id, ilvl)
        if lvl is None:
            return None
        pieces: list[tuple[str | None, int, str, int]] = []
        for piece in lvl.pieces:
            if isinstance(piece, str):
                pieces.append((piece, 0, "", 0))
            else:
                d = self.level_def(num_id, piece) or Level()
                pieces.append((None, piece, "decimal" if lvl.legal and piece != ilvl else d.fmt, d.start))
        keep = frozenset(k for k in range(ilvl + 1, 10) if not self._restarts_at(num_id, k, ilvl))
        return _Plan(aid, lvl, tuple(pieces), keep)

    def _restarts_at(self, num_id: str, deeper: int, ilvl: int) -> bool:
        """Whether a use of level `ilvl` restarts the counter of level `deeper`
        (w:lvlRestart: 0 never; N when a level below N is used; default any shallower)."""
        d = self.level_def(num_id, deeper)
        r = d.restart if d is not None and d.restart is not None else deeper
        return r != 0 and ilvl < r

    def render(self, num_id: str, ilvl: int) -> tuple[str, str] | None:
        """Advance the counters for one numbered paragraph; return (label, numFmt) or None."""
        if num_id == "0":
            return None  # numId 0 switches numbering off
        key = (num_id, ilvl)
        plan = self._plans.get(key, _NO_PLAN)
        if plan is _NO_PLAN:
            plan = self._plans[key] = self._plan(num_id, ilvl)
        if plan is None:
            return None
        lvl = plan.level
        counters = self.counters.get(plan.aid)
        if counters is None:
            counters = self.counters[plan.aid] = {}
        if num_id not in self.started:
            self.started.add(num_id)
            for il, (start, _) in self.overrides.get(num_id, {}).items():
                if start is not None:
                    counters[il] = start - 1
        counters[ilvl] = counters.get(ilvl, lvl.start - 1) + 1
        if len(counters) > 1:
            keep = plan.keep
            for k in list(counters):
                if k > ilvl and ((k not in keep) if k < 10 else self._restarts_at(num_id, k, ilvl)):
                    del counters[k]
        if lvl.fmt == "bullet":
            return None
        out: list[str] = []
        for lit, lv, fmt, start in plan.pieces:
            if lit is not None:
                out.append(lit)
            else:
                v = counters.get(lv, start)
                out.append(str(v) if fmt == "decimal" else format_number(v, fmt))
        return "".join(out), lvl.fmt


_NO_PLAN: Any = object()


@dataclass(frozen=True, slots=True)
class _Plan:
    aid: str
    level: Level
    pieces: tuple[tuple[str | None, int, str, int], ...]
    """(literal, or None and then level, numFmt, start) for each piece of lvlText."""
    keep: frozenset[int]
    """Deeper levels (up to 9) whose counters a use of this level leaves alone."""


_TAG_ABSTRACTNUM, _TAG_NUM, _TAG_ABSTRACTNUMID, _TAG_LVLOVERRIDE, _TAG_STARTOVERRIDE, _TAG_LVL = (
    w(t) for t in ("abstractNum", "num", "abstractNumId", "lvlOverride", "startOverride", "lvl")
)
_ATTR_ABSTRACTNUMID, _ATTR_NUMID, _ATTR_ILVL = w("abstractNumId"), w("numId"), w("ilvl")
_LVL_TOKEN = re.compile(r"([^%]+|%(?![1-9]))|%([1-9])")


def _int(v: str | None, default: int) -> int:
    return int(v) if v is not None and v.isdigit() else default


def _level(lv: etree._Element) -> Level:
    vals: dict[str, str | None] = {}
    legal: etree._Element | None = None
    for c in lv:  # the first of each, as find() would give
        tag = c.tag
        if tag in _LEVEL_TAGS:
            vals.setdefault(_LEVEL_TAGS[tag], c.get(W_VAL))
        elif tag == _TAG_ISLGL and legal is None:
            legal = c
    start = vals.get("start")
    restart = vals.get("lvlRestart")
    text = vals.get("lvlText")
    return Level(
        fmt=vals.get("numFmt") or "decimal",
        text=text if text is not None else "",
        start=int(start) if start and start.lstrip("-").isdigit() else 1,
        restart=int(restart) if restart and restart.isdigit() else None,
        legal=on(legal) or False,
    )


_LEVEL_TAGS = {w(t): t for t in ("start", "lvlRestart", "lvlText", "numFmt")}
_TAG_ISLGL = w("isLgl")


_CN_DIG = CN_DIGITS
_CN_LEGAL = CN_LEGAL_DIGITS
_STEMS = "甲乙丙丁戊己庚辛壬癸"
_BRANCHES = "子丑寅卯辰巳午未申酉戌亥"


def _letters(n: int, base: str) -> str:
    if n <= 0:
        return str(n)
    # Word repeats the letter: 27 → AA, 28 → BB.
    return base[(n - 1) % 26] * ((n - 1) // 26 + 1)


def _roman(n: int) -> str:
    if n <= 0 or n >= 4000:
        return str(n)
    out = []
    for v, s in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
                 (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):  # fmt: skip
        while n >= v:
            out.append(s)
            n -= v
    return "".join(out)


@functools.lru_cache(maxsize=2048)
def format_number(n: int, fmt: str) -> str:
    """Render a counter the way Word does for numFmt `fmt`."""
    if fmt in ("decimal", "decimalHalfWidth", "arabicAbjad"):
        return str(n)
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt in ("decimalFullWidth", "decimalFullWidth2"):
        return str(n).translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese"):
        return chr(0x2460 + n - 1) if 1 <= n <= 20 else str(n)
    if fmt == "decimalEnclosedFullstop":
        return chr(0x2488 + n - 1) if 1 <= n <= 20 else f"{n}."
    if fmt == "decimalEnclosedParen":
        return chr(0x2474 + n - 1) if 1 <= n <= 20 else f"({n})"
    if fmt in ("chineseCounting", "chineseCountingThousand", "japaneseCounting", "taiwaneseCounting",
               "taiwaneseCountingThousand", "koreanCounting"):  # fmt: skip
        return chinese_counting(n)
    if fmt in ("chineseLegalSimplified", "ideographLegalTraditional", "japaneseLegal"):
        return chinese_counting(n, _CN_LEGAL, "拾佰仟", legal=True)
    if fmt in ("ideographDigital", "taiwaneseDigital", "japaneseDigitalTenThousand"):
        return "".join(_CN_DIG[int(c)] for c in str(n))
    if fmt == "ideographTraditional":
        return _STEMS[(n - 1) % 10] if n >= 1 else str(n)
    if fmt == "ideographZodiac":
        return _BRANCHES[(n - 1) % 12] if n >= 1 else str(n)
    if fmt == "upperLetter":
        return _letters(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    if fmt == "lowerLetter":
        return _letters(n, "abcdefghijklmnopqrstuvwxyz")
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt == "ordinal":
        suf = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
        return f"{n}{suf}"
    if fmt == "none":
        return ""
    return str(n)
