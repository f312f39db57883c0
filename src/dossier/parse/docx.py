"""DOCX → DocumentTree by one lxml pass over document.xml, styles.xml and numbering.xml.

python-docx is not used here: its `p.text` drops Word's auto-numbering and
`doc.paragraphs` skips content controls and table cells. The pass collects every
paragraph with what Word would show (auto-numbering rendered), its style chain, outline
level and dominant run format; a second pass decides the 目录, the title, which lines are
headings and their levels from the document's own ladder.

Tables become `Block(kind="table")` with one tuple of cell texts per row. A cell spanning
several grid columns (gridSpan) is followed by empty strings for the columns it covers, and
a vertically merged continuation cell (vMerge without "restart") is empty, so every row has
one entry per grid column and the text appears once, where Word shows it.
"""

from __future__ import annotations

import functools
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from lxml import etree

from dossier.cjk import PLACEHOLDER_MARK, on_first_use
from dossier.errors import InputError
from dossier.parse.ladder import (
    DOC_KIND_END,
    FRAME_HEAD,
    Ladder,
    clean_title,
    is_never_heading,
    is_toc_line,
    split_label,
)
from dossier.parse.limits import check_zip_entries
from dossier.parse.ooxml import (
    MC,
    W_VAL,
    Numbering,
    NumRef,
    RunFmt,
    Style,
    StyleSheet,
    on,
    parse_body_xml,
    parse_xml,
    read_package,
    w,
)
from dossier.tree import Block, DocumentTree, Heading, Location

__all__ = ["parse_docx"]

_P, _R, _T, _TAB, _BR, _CR, _TBL, _TR, _TC, _SDT = (
    w(t) for t in ("p", "r", "t", "tab", "br", "cr", "tbl", "tr", "tc", "sdt")
)
_SDTCONTENT, _SDTPR, _PPR, _RPR, _PSTYLE, _RSTYLE = (
    w(t) for t in ("sdtContent", "sdtPr", "pPr", "rPr", "pStyle", "rStyle")
)
_FLDCHAR, _INSTR, _FLDSIMPLE, _NUMPR, _ILVL, _NUMID = (
    w(t) for t in ("fldChar", "instrText", "fldSimple", "numPr", "ilvl", "numId")
)
_OUTLINE, _JC, _CUSTOMXML, _SYM, _NBH, _SBH = (
    w(t) for t in ("outlineLvl", "jc", "customXml", "sym", "noBreakHyphen", "softHyphen")
)
_FLDTYPE = w("fldCharType")
_B, _SZ, _RFONTS, _TCPR, _GRIDSPAN, _VMERGE = (
    w(t) for t in ("b", "sz", "rFonts", "tcPr", "gridSpan", "vMerge")
)
_EASTASIA, _ASCII = w("eastAsia"), w("ascii")
_OFF = frozenset(("0", "false", "off", "none"))
_FMT_LIMIT = 120
_BODY_SAMPLE = 50
_FALLBACK, _TXBX = f"{{{MC}}}Fallback", w("txbxContent")
_SPECIAL_TAGS = (_TAB, _BR, _CR, _FLDCHAR, _INSTR, _SYM, _NBH)
_RUN_TAGS = (_R, _T, _TAB, _BR, _CR, _FLDCHAR, _INSTR, _SYM, _NBH)

# Fonts typical of Chinese headings (一级 黑体, 二级 楷体, titles 小标宋); they mark a
# heading only where the body is set in something else.
_HEADING_FONTS = (
    "黑体",
    "simhei",
    "heiti",
    "楷体",
    "kaiti",
    "小标宋",
    "xiaobiaosong",
    "中宋",
    "zhongsong",
    "雅黑",
    "yahei",
)
_STYLE_REF = re.compile(rb'<w:[pr]Style\s+w:val="([^"&]*)"')
_SENTENCE_END = tuple("。；;，,！!？?")
_MAX_NUMBERED_TITLE = 60
_MAX_STYLED_TITLE = 100
_MAX_EMPHASIS_TITLE = 30


@dataclass(slots=True)
class _Para:
    idx: int
    text: str
    raw: str
    """`text` stripped, computed once."""
    auto_label: str = ""
    num_id: str = ""
    """The w:numId that rendered `auto_label` (with `ilvl`), "" when none did."""
    list_id: str = ""
    """The w:numId of the Word list the paragraph is in, bullets included; "" outside lists."""
    ilvl: int = 0
    style: Style | None = None
    outline: int | None = None
    toc: bool = False
    bold: bool = False
    size: float = 0.0
    font: str = ""
    centred: bool = False
    placeholder: bool = False
    el: etree._Element | None = None
    base: RunFmt | None = None
    looked: bool = False
    """bold/size/font are measured on demand (`_ensure_look`): most paragraphs never need them."""
    cand: _Cand | None = None
    """Set once the paragraph is decided to be a heading."""


_Runs = list[tuple[etree._Element, int]]
"""Each w:r of a paragraph with the index in its text parts of the run's first text (a
w:t belongs to the last run opened)."""


def _first_visible(parts: list[str], runs: _Runs) -> etree._Element | None:
    """The first run with a visible (non-blank) character."""
    for i, (r, start) in enumerate(runs):
        end = runs[i + 1][1] if i + 1 < len(runs) else len(parts)
        for t in parts[start:end]:
            if not t.isspace():
                return r
    return None


def _run_chars(parts: list[str], runs: _Runs) -> list[tuple[etree._Element, int]]:
    """Each run with its visible (stripped) character count."""
    out = []
    for i, (r, start) in enumerate(runs):
        end = runs[i + 1][1] if i + 1 < len(runs) else len(parts)
        out.append((r, sum([len(t.strip()) for t in parts[start:end]])))
    return out


@dataclass(frozen=True, slots=True)
class _Profile:
    """A paragraph style as the pass uses it: the resolved style, its run format over the
    document defaults, and the flags every paragraph in it inherits."""

    style: Style | None
    base: RunFmt
    size: float
    font: str
    toc: bool
    guidance: bool
    centred: bool
    num: NumRef | None


@dataclass
class _Table:
    idx: int
    rows: tuple[tuple[str, ...], ...]
    toc: bool = False
    placeholder: bool = False


@dataclass
class _Field:
    instr: str = ""
    toc: bool = False


@dataclass
class _Walker:
    path: Path
    styles: StyleSheet
    numbering_data: bytes | None
    """numbering.xml, parsed on the first numbered paragraph (`numbering`): documents
    without lists never pay for it."""
    items: list[_Para | _Table] = field(default_factory=list)
    fields: list[_Field] = field(default_factory=list)
    count: int = 0
    _char: dict[str, RunFmt] = field(default_factory=dict)
    _profs: dict[str, _Profile] = field(default_factory=dict)
    _numbering: Numbering | None = None
    pre: dict[etree._Element, tuple[list[str], _Runs]] = field(default_factory=dict)
    """Each paragraph's non-empty w:t texts and its runs, from one walk over the body
    (`prepass`)."""
    special: set[etree._Element] = field(default_factory=set)
    """Paragraphs holding tabs, breaks, symbols or field characters: the slow text path."""

    def numbering(self) -> Numbering:
        if self._numbering is None:
            data = self.numbering_data
            root = parse_xml(data, "word/numbering.xml", self.path) if data is not None else None
            self._numbering = Numbering.load(root, self.styles)
        return self._numbering

    def __post_init__(self) -> None:
        self.defaults = self.styles.defaults
        self.default_style = self.styles.get(self.styles.default_id) if self.styles.default_id else None
        self.default_prof = self._prof(self.default_style)

    def prepass(self, body: etree._Element) -> None:
        """One walk over the body collecting, per paragraph, its w:t texts, its runs, and
        whether it holds tabs, breaks, symbols or field characters (the slow text path).
        A filtered iterator costs a few microseconds to set up, so one for the body
        beats one or two per paragraph. Paragraphs do not nest once text boxes are
        gone, so a w:t or w:r belongs to the paragraph opened last, and a w:t to the
        run opened last."""
        pre, special = self.pre, self.special
        parts: list[str] = []
        runs: _Runs = []
        cur: etree._Element | None = None
        for el in body.iter(_P, _R, _T, *_SPECIAL_TAGS):
            tag = el.tag
            if tag == _T:
                t = el.text
                if t:
                    parts.append(t)
            elif tag == _R:
                runs.append((el, len(parts)))
            elif tag == _P:
                parts, runs = [], []
                pre[el] = (parts, runs)
                cur = el
            elif cur is not None:
                special.add(cur)

    # ---------------------------------------------------------------- block level
    def blocks(self, parent: etree._Element, *, toc: bool = False, placeholder: bool = False) -> None:
        items, para = self.items, self.para
        for el in parent:
            tag = el.tag
            if tag == _P:
                items.append(para(el, toc, placeholder))
            elif tag == _TBL:
                self.items.append(self.table(el, toc=toc, placeholder=placeholder))
            elif tag == _SDT:
                content = _child(el, _SDTCONTENT)
                if content is None:
                    continue
                is_toc, is_ph = _sdt_kind(_child(el, _SDTPR))
                self.blocks(content, toc=toc or is_toc, placeholder=placeholder or is_ph)
            elif tag == _CUSTOMXML:
                self.blocks(el, toc=toc, placeholder=placeholder)

    def table(self, tbl: etree._Element, *, toc: bool, placeholder: bool) -> _Table:
        idx = self.count
        rows: list[tuple[str, ...]] = []
        outer = self.items
        for tr in _children(tbl, _TR):
            cells: list[str] = []
            for tc in _children(tr, _TC):
                tcpr = _child(tc, _TCPR)
                span, cont = 1, False
                if tcpr is not None:
                    gs = _child(tcpr, _GRIDSPAN)
                    if gs is not None and (gs.get(W_VAL) or "").isdigit():
                        span = max(1, int(gs.get(W_VAL) or "1"))
                    vm = _child(tcpr, _VMERGE)
                    cont = vm is not None and vm.get(W_VAL) != "restart"
                # Cell paragraphs go through the same pass (numbering counters and fields
                # advance in document order) but become cell text, never headings.
                self.items = []
                self.blocks(tc, toc=toc, placeholder=placeholder)
                texts = []
                for it in self.items:
                    if isinstance(it, _Para):
                        texts.append(f"{it.auto_label}{it.text}".strip())
                    else:
                        texts.extend("\t".join(r) for r in it.rows)
                cells.append("" if cont else "\n".join(t for t in texts if t))
                cells.extend([""] * (span - 1))
            rows.append(tuple(cells))
        self.items = outer
        return _Table(idx, tuple(rows), toc=toc, placeholder=placeholder)

    def char_style(self, sid: str) -> RunFmt | None:
        if sid not in self._char:
            st = self.styles.get(sid)
            self._char[sid] = st.fmt if st is not None else RunFmt()
        return self._char[sid]

    # ------------------------------------------------------------------ paragraph
    def para(self, p: etree._Element, toc: bool, placeholder: bool) -> _Para:
        """One paragraph as the decision needs it: its properties (pPr), the number Word
        renders for it, and its text."""
        idx = self.count
        self.count = idx + 1
        prof, outline, num_id, ilvl, centred = self.props(p)
        style, base = prof.style, prof.base
        if prof.num is not None:
            if num_id is None:
                num_id = prof.num.num_id
            if ilvl is None:
                ilvl = prof.num.ilvl
        auto = rendered_id = ""
        if num_id is not None and num_id != "0":
            nb = self._numbering if self._numbering is not None else self.numbering()
            rendered = nb.render(num_id, ilvl or 0)
            if rendered is not None:
                auto = rendered[0]
                rendered_id = num_id
        fields = self.fields
        pre = self.pre.get(p)
        if pre is None or p in self.special:
            text, toc_chars = self.slow_text(p)
        else:
            # No tabs, breaks, symbols or fields inside: the text is the w:t text.
            text = "".join(pre[0])
            toc_chars = len(text) if fields and any(f.toc for f in fields) else 0
        raw = text.strip()
        return _Para(
            idx=idx,
            text=text,
            raw=raw,
            auto_label=auto,
            num_id=rendered_id,
            list_id=num_id if num_id is not None and num_id != "0" else "",
            ilvl=ilvl or 0,
            style=style,
            outline=outline,
            toc=toc or prof.toc or (toc_chars > 0 and toc_chars * 2 >= len(raw or "x")),
            size=prof.size,
            font=prof.font,
            centred=prof.centred if centred is None else centred,
            placeholder=placeholder or prof.guidance or raw.startswith(PLACEHOLDER_MARK),
            el=p,
            base=base,
        )

    def props(self, p: etree._Element) -> tuple[_Profile, int | None, str | None, int | None, bool | None]:
        """(style profile, outline level, numId, ilvl, centred) from w:pPr, in one pass over
        its children; None where the paragraph says nothing (its style decides)."""
        prof = self.default_prof
        outline: int | None = None
        num_id: str | None = None
        ilvl: int | None = None
        centred: bool | None = None
        ppr = p[0] if len(p) else None  # w:pPr always comes first (schema order)
        if ppr is None or ppr.tag != _PPR:
            return prof, outline, num_id, ilvl, centred
        for c in ppr:
            tag = c.tag
            if tag == _PSTYLE:
                sid = c.get(W_VAL, "")
                got = self._profs.get(sid)
                prof = got if got is not None else self.profile(sid)
            elif tag == _OUTLINE:
                v = c.get(W_VAL, "9")
                outline = int(v) + 1 if v.isdigit() and int(v) < 9 else 0  # 0: explicitly body
            elif tag == _NUMPR:
                for n in c:
                    if n.tag == _NUMID:
                        num_id = n.get(W_VAL, "0")
                    elif n.tag == _ILVL:
                        v = n.get(W_VAL, "0")
                        ilvl = int(v) if v.isdigit() else 0
            elif tag == _JC:
                centred = c.get(W_VAL) == "center"
        return prof, outline, num_id, ilvl, centred

    def profile(self, sid: str) -> _Profile:
        """What a paragraph style means for the pass, worked out once per style id; an
        unknown id falls back to the default paragraph style, as Word does."""
        style = self.styles.get(sid)
        prof = self._prof(style) if style is not None else self.default_prof
        self._profs[sid] = prof
        return prof

    def _prof(self, style: Style | None) -> _Profile:
        base = style.fmt.over(self.defaults) if style is not None else self.defaults
        return _Profile(
            style=style,
            base=base,
            size=base.size or 0.0,
            font=(base.font or "").lower(),
            toc=style is not None and style.toc,
            guidance=style is not None and style.guidance,
            centred=style is not None and style.centred,
            num=style.num if style is not None else None,
        )

    def slow_text(self, p: etree._Element) -> tuple[str, int]:
        """Text as Word shows it (w:t, tabs, breaks, symbols; field instructions and
        w:delText are not text) while following fields that open and close, and how many
        of its characters lie inside a TOC field."""
        parts: list[str] = []
        toc_chars = 0
        fields = self.fields
        in_run = False
        for el in p.iter(_RUN_TAGS):
            tag = el.tag
            if tag == _R:
                in_run = True
                continue
            if tag == _T:
                t = el.text
                if not t:
                    continue
            elif tag == _FLDCHAR:
                kind = el.get(_FLDTYPE)
                if kind == "begin":
                    fields.append(_Field())
                elif kind == "separate" and fields:
                    f = fields[-1]
                    f.toc = f.instr.lstrip().upper().startswith("TOC")
                elif kind == "end" and fields:
                    fields.pop()
                continue
            elif tag == _INSTR:
                if fields:
                    fields[-1].instr += el.text or ""
                continue
            elif tag == _TAB:
                if not in_run:
                    continue  # a tab stop definition in pPr/w:tabs, before any run
                t = "\t"
            elif tag in (_BR, _CR):
                t = "\n"
            elif tag == _NBH:
                t = "-"
            else:  # w:sym
                t = _sym(el)
                if not t:
                    continue
            parts.append(t)
            if fields and any(f.toc for f in fields):
                toc_chars += len(t)
        return "".join(parts), toc_chars

    def look(self, p: etree._Element, base: RunFmt, *, full: bool) -> tuple[bool, float, str]:
        """(all visible characters bold, dominant size, dominant font) over the runs, or
        of the first run with text when not `full`."""
        pre = self.pre.get(p)
        if pre is None:
            runs = [(r, sum(len((t.text or "").strip()) for t in r.iter(_T))) for r in p.iter(_R)]
        elif not full or len(pre[1]) == 1:
            # The first run with text decides (a lone run decides for the whole line).
            r = _first_visible(*pre)
            return self.run_look(r, base) if r is not None else self.base_look(base)
        else:
            runs = _run_chars(*pre)
        all_bold = True
        sizes: dict[float, int] = {}
        fonts: dict[str, int] = {}
        for r, n in runs:
            if not n:
                continue
            b, sz, fn = self.run_look(r, base)
            if not full:
                return b, sz, fn
            all_bold = all_bold and b
            sizes[sz] = sizes.get(sz, 0) + n
            fonts[fn] = fonts.get(fn, 0) + n
        if not sizes:
            return self.base_look(base)
        if len(sizes) == 1 and len(fonts) == 1:
            return all_bold, next(iter(sizes)), next(iter(fonts))
        return all_bold, max(sizes, key=sizes.__getitem__), max(fonts, key=fonts.__getitem__)

    @staticmethod
    def base_look(base: RunFmt) -> tuple[bool, float, str]:
        """The look when no run shows text: never bold, the style's size and font."""
        return False, base.size or 0.0, (base.font or "").lower()

    def run_look(self, r: etree._Element, base: RunFmt) -> tuple[bool, float, str]:
        """(bold, size, lower-cased font) of one run: its rPr over its character style
        over the paragraph style and document defaults."""
        bold, size, font = base.bold, base.size, base.font
        rpr = _first(r, _RPR)
        if rpr is not None:
            for c in rpr:
                tag = c.tag
                if tag == _B:
                    v = c.get(W_VAL)
                    bold = v is None or v not in _OFF
                elif tag == _SZ:
                    v = c.get(W_VAL)
                    if v and v.isdigit():
                        size = int(v) / 2
                elif tag == _RFONTS:
                    font = c.get(_EASTASIA) or c.get(_ASCII) or font
                elif tag == _RSTYLE:
                    cs = self.char_style(c.get(W_VAL, ""))
                    if cs is not None:
                        # w:rStyle comes first in rPr (schema order), so the run's own
                        # properties that follow still override the character style.
                        bold = cs.bold if cs.bold is not None else bold
                        size = cs.size if cs.size is not None else size
                        font = cs.font if cs.font is not None else font
        return bool(bold), size or 0.0, (font or "").lower()


def _first(el: etree._Element, tag: str) -> etree._Element | None:
    """The first child when it has `tag`: w:pPr and w:rPr always come first (schema order)."""
    if len(el):
        c = el[0]
        if c.tag == tag:
            return c
    return None


def _child(el: etree._Element, tag: str) -> etree._Element | None:
    """First child with `tag`. lxml's find() runs its ElementPath machinery in Python;
    iterchildren filters in C, which matters once per paragraph and run."""
    for c in el.iterchildren(tag):
        return c
    return None


def _sym(el: etree._Element) -> str:
    ch = el.get(w("char"), "")
    try:
        s = chr(int(ch, 16)) if ch else ""
    except ValueError:
        return ""
    # Symbol-font code points live in the private area F000–F0FF.
    return chr(ord(s) - 0xF000) if s and 0xF000 <= ord(s) <= 0xF0FF else s


def _children(el: etree._Element, tag: str) -> list[etree._Element]:
    """Direct children with `tag`, looking through content controls and customXml wrappers."""
    out: list[etree._Element] = []
    for c in el:
        if c.tag == tag:
            out.append(c)
        elif c.tag == _SDT:
            content = _child(c, _SDTCONTENT)
            if content is not None:
                out.extend(_children(content, tag))
        elif c.tag == _CUSTOMXML:
            out.extend(_children(c, tag))
    return out


def _sdt_kind(sdtpr: etree._Element | None) -> tuple[bool, bool]:
    """(is a Table of Contents control, is showing its placeholder text)."""
    if sdtpr is None:
        return False, False
    gallery = sdtpr.find(f"{w('docPartObj')}/{w('docPartGallery')}")
    is_toc = gallery is not None and "contents" in (gallery.get(W_VAL) or "").lower()
    return is_toc, on(sdtpr.find(w("showingPlcHdr"))) or False


# ----------------------------------------------------------------------------- decide


@dataclass(slots=True)
class _Cand:
    item: _Para
    label: str
    title: str
    family: str
    value: int | None
    hint: int | None
    signals: tuple[str, ...]
    confidence: float
    level: int = 0
    pos: int = 0
    """Index among the document's paragraphs (not counting tables)."""


def _sentence_like(title: str) -> bool:
    """Body prose, judged on the raw text: a full stop anywhere, a sentence ending, or a
    comma outside brackets in a line longer than a heading usually is ("运维费估算（共5年，
    按年估算）" is a title; "本项目总投资为…，资金来源为…" is not)."""
    t = title.strip()
    if "。" in t or t.endswith(_SENTENCE_END):
        return True
    if "，" not in t and ", " not in t:
        return False
    bare = _BRACKETED.sub("", t)
    return ("，" in bare or ", " in bare) and len(bare) > 15


_COVER_LINE = on_first_use(r"[:：]|^\s*[〇一二三四五六七八九零\d]{4}\s*年|^\s*\d{4}[-./]\d")
_BRACKETED = re.compile(r"[（(][^（()）]*[）)]")


@functools.lru_cache(maxsize=512)
def _family_of_label(label: str) -> tuple[str, int | None] | None:
    n = split_label(label + " 题")
    return (n[2], n[3]) if n is not None else None


def _num_key(p: _Para, walker: _Walker) -> str:
    """The list level a paragraph's auto-number comes from, as a ladder family."""
    return f"num:{walker.numbering().num_abs.get(p.num_id, p.num_id)}:{p.ilvl}"


@functools.lru_cache(maxsize=256)
def _is_heading_font(font: str, body_font: str) -> bool:
    return bool(font) and font != body_font and any(k in font for k in _HEADING_FONTS)


def parse_docx(path: Path) -> DocumentTree:
    """Parse a .docx (a zip whose _rels/.rels names a WordprocessingML main part) into a DocumentTree."""
    path = Path(path)
    check_zip_entries(path)
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise InputError("truncated or corrupt zip: not a readable Word document", path=str(path)) from None
    except OSError as e:
        raise InputError(f"cannot be read ({e.strerror or e})", path=str(path)) from None
    with zf:
        parts = read_package(zf, path)
    doc_bytes, styles_bytes, numbering_bytes = parts.document, parts.styles, parts.numbering
    doc, capped = parse_body_xml(doc_bytes, parts.name, path)
    try:
        styles = StyleSheet(styles_bytes, lambda b: parse_xml(b, "word/styles.xml", path))
    except ValueError as e:
        raise InputError(f"word/styles.xml is broken ({e})", path=str(path)) from None
    # The styles the document names, parsed together up front (a byte scan; what it
    # misses is still resolved one by one on first use).
    used = {m.decode("utf-8", "replace") for m in _STYLE_REF.findall(doc_bytes)}
    if styles.default_id:
        used.add(styles.default_id)
    styles.preload(used)
    body = _child(doc, w("body"))
    if body is None:
        raise InputError(f"not a Word document: {parts.name} has no body", path=str(path))
    # Alternate content is stored twice (mc:Choice and mc:Fallback) and text boxes float
    # outside the reading order: drop both from the in-memory tree before walking.
    for el in list(body.iter(_FALLBACK, _TXBX)):
        parent = el.getparent()
        if parent is not None:
            parent.remove(el)
    walker = _Walker(path, styles, numbering_bytes)
    walker.prepass(body)
    walker.blocks(body)
    tree = _decide(path, walker.items, walker)
    return replace(tree, warnings=(*tree.warnings, capped)) if capped else tree


@dataclass(frozen=True, slots=True)
class _Body:
    """The document's own body text: the dominant run format by characters among plain
    (non-heading-styled, non-目录) paragraphs. Heading signals are measured against this,
    never against the style sheet's Normal (a 编制说明 whose Normal is 10.5 pt but whose every
    run is 12 pt has 12 pt body text)."""

    size: float
    font: str
    bold: bool
    known: bool = True
    """Measured on prose: without two paragraphs of it (an outline, a toy) looks cannot tell
    a list item from a heading, and only the numbering speaks."""

    def stands_out(self, p: _Para) -> bool:
        """Set apart from the body: bold where the body is not, larger, or a heading font."""
        return (
            (p.bold and not self.bold)
            or p.size > self.size + 0.5
            or _is_heading_font(p.font, self.font)
        )


def _body_look(paras: list[_Para], walker: _Walker) -> _Body:
    """Sample the prose first (lines longer than a heading), then anything, up to
    _BODY_SAMPLE paragraphs; weight each look by its characters."""
    looks: Counter[tuple[float, str, bool]] = Counter()
    sampled = 0
    prose_n = 0
    for prose in (True, False):
        for p in paras:
            if sampled >= _BODY_SAMPLE:
                break
            if p.toc or (p.style is not None and (p.style.level is not None or p.style.title)):
                continue
            n = len(p.raw)
            if n and (n > _MAX_EMPHASIS_TITLE) == prose:
                _ensure_look(p, walker)
                looks[(p.size, p.font, p.bold)] += n
                sampled += 1
                prose_n += prose
        if sampled:
            break
    if not looks:
        return _Body(walker.defaults.size or 10.5, "", False, known=False)
    size_c: Counter[float] = Counter()
    font_c: Counter[str] = Counter()
    bold_n = 0
    for (size, font, bold), n in looks.items():
        size_c[size] += n
        font_c[font] += n
        bold_n += n if bold else 0
    total = sum(looks.values())
    known = prose_n >= 2
    bold = known and prose_n >= 3 and bold_n * 2 > total
    return _Body(size_c.most_common(1)[0][0], font_c.most_common(1)[0][0], bold, known)


@dataclass
class _Scan:
    """What the first pass in document order settles: the 目录, the styled title, and the
    paragraphs that could be headings."""

    live: list[_Cand] = field(default_factory=list)
    fam_hints: dict[int, set[str]] = field(default_factory=dict)
    first_struct: int | None = None
    last_toc: int = -1
    title_idx: int | None = None
    title_text: str = ""


def _decide(path: Path, items: list[_Para | _Table], walker: _Walker) -> DocumentTree:
    """Which paragraphs are headings, in phases: the body's look, one pass for the 目录 and
    candidates, list items out, the title, cover lines out, look-alike siblings in."""
    paras = [it for it in items if isinstance(it, _Para)]
    body = _body_look(paras, walker)
    scan = _scan(paras, body, walker)
    _distrust_shared_hints(scan)
    live = [c for c in scan.live if not _is_list_item(c, paras, body, walker)]
    _first_struct_after_lists(scan, live)
    _name_above_typed_ladder(scan)
    title_idxs = _title_paras(paras, scan, body, walker)
    title_text = scan.title_text or clean_title("".join(paras[i].raw for i in title_idxs))
    kept = _drop_cover(live, set(title_idxs), scan)
    _adopt_look_siblings(kept, body)
    for c in kept:
        c.item.cand = c
    return _assemble(path, items, title_text, {id(paras[i]) for i in title_idxs})


def _first_struct_after_lists(scan: _Scan, live: list[_Cand]) -> None:
    """The cover ends at the first structural heading, and a list item is none: when the
    first numbered line turned out to be an item, the next structural candidate decides."""
    first = scan.first_struct
    if first is None or any(c.pos == first for c in live):
        return
    scan.first_struct = next(
        (c.pos for c in live if c.pos > first and (c.family.startswith("outline") or "emphasis" not in c.family)),
        None,
    )


def _scan(paras: list[_Para], body: _Body, walker: _Walker) -> _Scan:
    """One pass in document order: the 目录 first (a hand-typed one without a TOC field is
    a 目录 line, then entries whose text recurs later or carries a page number, up to the
    first line that is neither), then whether each line could be a heading. Later lines
    never change an earlier line's verdict."""
    scan = _Scan()
    toc = _TypedToc(paras)
    annex = False
    for i, p in enumerate(paras):
        if p.toc:
            toc.mode = False
            scan.last_toc = i
            continue
        if not p.raw:
            continue  # no text, no heading (an auto-number alone names nothing)
        if toc.entry(i, p):
            scan.last_toc = i
            continue
        if p.style is not None and p.style.title:
            if scan.title_idx is None:
                scan.title_text, scan.title_idx = clean_title(p.text), i
            continue  # Title-styled lines (a subtitle, a repeated title) are never sections
        if p.placeholder or (p.style is not None and p.style.cover):
            continue  # a template's Author / Date / Subtitle line is front matter
        if _ANNEX_LABEL.match(p.raw) and p.outline is None and (p.style is None or p.style.level is None):
            annex = True  # "附件一" alone: the annex's title follows it (a styled "附件" is a section)
            continue
        c = _annex_title(p, body, walker) if annex else _candidate(p, body, walker)
        annex = False
        if c is not None:
            c.pos = i
            _note(scan, c, i)
    return scan


def _note(scan: _Scan, c: _Cand, i: int) -> None:
    scan.live.append(c)
    if not c.family.startswith("outline"):
        if c.hint is not None:
            scan.fam_hints.setdefault(c.hint, set()).add(c.family)
        if scan.first_struct is None and "emphasis" not in c.family:
            scan.first_struct = i
    elif scan.first_struct is None:
        scan.first_struct = i


class _TypedToc:
    """A hand-typed 目录: after a 目录 line, entries whose text (with the auto-number Word
    renders) recurs later in the document are 目录 entries, up to the first that is not."""

    def __init__(self, paras: list[_Para]) -> None:
        self.paras = paras
        self.mode = False
        self._last_seen: dict[str, int] | None = None

    def entry(self, i: int, p: _Para) -> bool:
        if is_toc_line(p.raw) or _NAMED_TOC.match(p.raw):
            p.toc = True
            self.mode = True
            return True
        if not self.mode:
            return False
        if _TOC_ENTRY().match(p.raw) and split_label(p.raw) is not None:
            p.toc = True  # "1.3 定义、缩略语4": a numbered entry with its page number glued on
            return True
        last_seen = self._seen()
        for key in _toc_keys(p.raw):
            if last_seen.get(key, i) > i and len(key) <= _MAX_NUMBERED_TITLE:
                p.toc = True
                return True
        self.mode = False
        return False

    def _seen(self) -> dict[str, int]:
        """Built once, only for documents with a typed 目录: each line's last position under
        its text and under its rendered auto-number plus text."""
        if self._last_seen is None:
            self._last_seen = {}
            for j, q in enumerate(self.paras):
                if len(q.text) <= _MAX_STYLED_TITLE:
                    for key in _toc_keys(q.text):
                        self._last_seen[key] = j
                    if q.auto_label:
                        self._last_seen[_toc_key(q.auto_label + q.text)] = j
        return self._last_seen


def _distrust_shared_hints(scan: _Scan) -> None:
    """Style hints are trusted for levels only where they discriminate: when two typed
    families share one style level (everything set in 标题 1), the numbering decides."""
    if any(len(f) > 1 for f in scan.fam_hints.values()):
        for c in scan.live:
            if not c.family.startswith("outline"):
                c.hint = None


# Families that number items in a list as often as sections; a run of them set like the
# body is a list. 第一章/一、/（一）/1.1 number sections.
_SECTION_FAMILIES = frozenset(("chapter", "section", "cn", "cn-paren", "dec2", "dec3", "dec4"))
# A numbered line that introduces a list ("2.2.2 基于用户交互相关的功能有：").
_LIST_INTRO = on_first_use(r"(?:有|包括|如下|以下|分为|包含|主要是|具体是|下列\S{0,4})\s*[:：]$")


def _is_list_item(c: _Cand, paras: list[_Para], body: _Body, walker: _Walker) -> bool:
    """A numbered line that is a list item, not a section: Word list paragraphs and typed
    items that look like the body and sit in a run of items of their family (or follow a
    line introducing a list with "："). Heading styles and outline levels are trusted."""
    p = c.item
    if _word_list_item(c, paras, body, walker) or _form_field(c, paras, walker):
        return True
    if not body.known or c.hint is not None or c.family.startswith("outline") or not c.label:
        return False
    if body.stands_out(p):
        if c.family in _SECTION_FAMILIES or not p.raw.endswith(("：", ":")):
            return False
        return not _heading_sibling_above(c, paras, walker)
    if c.family in _SECTION_FAMILIES:
        return bool(_LIST_INTRO().search(p.raw))  # 一、/1.1 number sections, Word's lists too
    if p.num_id:
        # A Word list item (1. / (1) / a)) set like the body, unless its list is an outline
        # numbering (a level shows its parents' numbers: 1 / 1.1 / 1.1.1).
        return not _outline_numbering(p.num_id, walker)
    if p.raw.endswith(("：", ":")):
        return True  # "1. 用户登录：" introduces its items
    prev = _neighbour(paras, c.pos, -1)
    if prev is not None and prev.raw.endswith(("：", ":")):
        return True
    nxt = _neighbour(paras, c.pos, 1)
    return any(q is not None and _label_family(q, walker) == c.family for q in (prev, nxt))


def _heading_sibling_above(c: _Cand, paras: list[_Para], walker: _Walker) -> bool:
    """"3、同级政府采购监督管理部门：" after "2、采购代理机构信息" set the same way: the nearest
    earlier line of its family is a heading-shaped sibling (same look, no "：", no sentence),
    so the colon ends a section name here rather than introducing a list."""
    look = _look(c.item)
    for j in range(c.pos - 1, max(-1, c.pos - 40), -1):
        q = paras[j]
        if not q.raw or _label_family(q, walker) != c.family:
            continue
        got = split_label(q.raw) if not q.auto_label else (q.auto_label, q.raw, "", None)
        title = got[1] if got is not None else q.raw
        return (
            _look(_ensure_look(q, walker)) == look
            and not q.raw.endswith(("：", ":"))
            and len(title) <= _MAX_NUMBERED_TITLE
            and not _sentence_like(title)
        )
    return False


def _word_list_item(c: _Cand, paras: list[_Para], body: _Body, walker: _Walker) -> bool:
    """An item of a Word list that no heading style or outline numbering (1 / 1.1) claims:
    in a list style (List Paragraph, 列出段落, List Number) and set like the body, or opening
    a nested list (its next two lines are deeper items of the same list, set like the body)
    — the shape of "执行摘要 / 总体风险等级评估 / 关键问题汇总", not of a section."""
    p = c.item
    if not p.num_id or c.hint is not None or c.family.startswith("outline") or c.family in _SECTION_FAMILIES:
        return False
    if _outline_numbering(p.num_id, walker):
        return False
    if _list_styled(p) and not (body.known and body.stands_out(p)):
        return True
    nxt = _neighbour(paras, c.pos, 1)
    if nxt is None or nxt.list_id != p.list_id or nxt.ilvl <= p.ilvl:
        return False
    after = _neighbour(paras, paras.index(nxt, c.pos), 1)
    if after is None or after.list_id != p.list_id or after.ilvl <= p.ilvl:
        return False  # one deeper line is a sub-heading's place as much as an item's
    return not body.stands_out(_ensure_look(nxt, walker))


def _list_styled(p: _Para) -> bool:
    name = p.style.name.lower() if p.style is not None else ""
    return "list" in name or "列出段落" in name or "列表" in name


def _form_field(c: _Cand, paras: list[_Para], walker: _Walker) -> bool:
    """A numbered form field of a 招标公告 ("2.4 标段划分:" among "2.3 建设工期: 2021年4月…"):
    a typed line ending in "：" with a key-value sibling of its family just before or after."""
    p = c.item
    if c.hint is not None or not c.label or not p.raw.endswith(("：", ":")):
        return False
    for step in (-1, 1):
        q = _neighbour(paras, c.pos, step)
        if q is None or _label_family(q, walker) != c.family:
            continue
        got = split_label(q.raw)
        if got is not None and _KEY_VALUE.match(got[1]):
            return True
    return False


def _outline_numbering(num_id: str, walker: _Walker) -> bool:
    nb = walker.numbering()
    aid = nb.num_abs.get(num_id)
    if aid is None:
        return False
    return any(sum(isinstance(x, int) for x in lvl.pieces) >= 2 for lvl in nb.levels(aid).values())


def _neighbour(paras: list[_Para], i: int, step: int) -> _Para | None:
    """The nearest paragraph with text before (-1) or after (1) paragraph i, looking
    through captions (a list of figures alternates items and 图 n lines)."""
    j = i + step
    while 0 <= j < len(paras):
        t = paras[j].raw
        if t and not _CAPTION().match(t):
            return paras[j]
        j += step
    return None


_CAPTION = on_first_use(r"^(?:图|表|表格|图表|图片|figure|fig\.|table)\s*[\d一二三四五六七八九十]", re.IGNORECASE)
# Source code pasted into a report ("create table t(", "}", "int f(char* s)"): never a heading
# by its look alone.
_CODE = re.compile(r"[{};=]|[A-Za-z_]\w*\s*\(|^\W*$")


def _label_family(p: _Para, walker: _Walker) -> str | None:
    label = p.auto_label.strip()
    if label:
        fam = _family_of_label(label)
        return fam[0] if fam is not None else _num_key(p, walker)
    if p.raw[:1] in _LABEL_START:
        got = split_label(p.raw)
        return got[2] if got is not None else None
    return None


def _name_above_typed_ladder(scan: _Scan) -> None:
    """A template that opens with one styled line naming the document ("集成测试计划" in
    标题 3) above chapters numbered by hand (1. 引言, 2. 计划) has a title, not a section:
    the only candidate Word gave a level, unnumbered, first, with a typed ladder below."""
    live = scan.live
    if scan.title_idx is not None or len(live) < 3:
        return
    first = live[0]
    if first.label or first.hint is None or any(c.hint is not None for c in live[1:]):
        return
    if sum(1 for c in live[1:] if c.label) < 2:
        return
    scan.title_idx, scan.title_text = first.pos, first.title
    del live[0]
    scan.first_struct = live[0].pos


def _title_paras(paras: list[_Para], scan: _Scan, body: _Body, walker: _Walker) -> list[int]:
    """The document title's paragraphs: the Title-styled one, else the cover's most
    prominent centred line before the first structural heading (a 公文's 关于…的通知 over its
    版头 and 发文字号), with a centred continuation line set the same way. A line shaped like
    a 简报/纪要 masthead ("…动态简报") is the title only when nothing else is; a lone
    character (a cover setting "竞/争/性/谈/判" one per line) never is."""
    if scan.title_idx is not None:
        return [scan.title_idx]
    limit = scan.first_struct if scan.first_struct is not None else len(paras)
    best: tuple[bool, float, int] | None = None
    for i in range(limit):
        p = paras[i]
        t = p.raw
        if p.toc or len(t) < 2 or not p.centred or len(t) > 60 or is_toc_line(t) or is_never_heading(t):
            continue
        if _DOC_NUMBER().search(t) or (_is_frame_line(t) and t.endswith(("文件", "函"))):
            continue  # a 发文字号 ("〔20XX〕XX号"), a 版头 ("XX市人民政府文件") is never the title
        _ensure_look(p, walker)
        if p.size > body.size + 0.5 or (p.bold and not body.bold):
            rank = (not _is_frame_line(t), p.size, -i)
            if best is None or rank > best:
                best = rank
    if best is None:
        return []
    first = -best[2]
    return [first, *_title_continuation(paras, first, limit, walker)]


# A 发文字号 with its year and number typed or left as placeholders (〔2020〕12号, 〔20XX〕XX号).
_DOC_NUMBER = on_first_use(r"[〔［\[]\s*[\dXx×]{2,4}\s*[〕］\]]\s*(?:第\s*)?[\dXx×]{0,4}\s*号")


def _title_continuation(paras: list[_Para], first: int, limit: int, walker: _Walker) -> list[int]:
    """A 公文 title broken over lines ("关于印发《…办法》" / "的通知"): centred lines set like
    the first, up to the one that ends with the 文种."""
    if not paras[first].raw.startswith("关于") or DOC_KIND_END().search(paras[first].raw):
        return []
    out: list[int] = []
    for j in range(first + 1, min(limit, first + 3)):
        q = paras[j]
        if not q.raw or not q.centred or _look(_ensure_look(q, walker)) != _look(paras[first]):
            break
        out.append(j)
        if DOC_KIND_END().search(q.raw):
            return out
    return []


def _drop_cover(live: list[_Cand], title_idxs: set[int], scan: _Scan) -> list[_Cand]:
    """Emphasis-only lines before the first structural heading are the cover, not
    sections. Without any numbered or styled heading the look alone carries the
    structure: then only the cover (up to the 目录, and dates or "单位：…" lines) is left out."""
    kept: list[_Cand] = []
    for c in live:
        i = c.pos
        if i in title_idxs:
            continue
        if c.family.startswith("emphasis"):
            if scan.first_struct is not None:
                if i < scan.first_struct:
                    continue
            elif i < scan.last_toc or _COVER_LINE().search(c.item.text):
                continue
        kept.append(c)
    return kept


def _adopt_look_siblings(kept: list[_Cand], body: _Body) -> None:
    """An unnumbered line set exactly like numbered headings of one family (same weight,
    size and font, set apart from the body) is a sibling of those headings."""
    look: dict[tuple[bool, float, str], str] = {}
    emph: list[_Cand] = []
    for c in kept:
        if c.family.startswith("emphasis"):
            emph.append(c)
        elif c.label and "emphasis" not in c.family and body.stands_out(c.item):
            look.setdefault(_look(c.item), c.family)
    if look:
        for c in emph:
            fam = look.get(_look(c.item))
            if fam is not None:
                c.family = fam


def _ensure_look(p: _Para, walker: _Walker) -> _Para:
    """Measure the paragraph's look once, when a decision needs it. Lines that could be
    headings (short, no full stop) are measured over all runs; prose by its first run."""
    if not p.looked:
        p.looked = True
        if p.el is not None and p.base is not None and p.raw:
            full = len(p.text) <= _FMT_LIMIT and "。" not in p.text
            p.bold, p.size, p.font = walker.look(p.el, p.base, full=full)
    return p


def _look(p: _Para) -> tuple[bool, float, str]:
    return (p.bold, p.size, p.font)


def _toc_key(text: str) -> str:
    """A cheap comparison key for 目录 entries and the headings they repeat: no spaces
    or leader characters, no trailing page number."""
    return _KEY_DROP.sub("", text).rstrip("0123456789０１２３４５６７８９")


_KEY_DROP = re.compile(r"[\s\u3000.·…‥_—–\-．、]+")


_TOC_ENTRY = on_first_use(r"^\S.{0,60}[\u4e00-\u9fff)）]\s*\d{1,3}$")


def _toc_keys(text: str) -> tuple[str, ...]:
    """The key of a line, and of its title without a typed label: a 目录 typed as
    "1.1目的4" names the heading "目的" that Word numbers itself."""
    got = split_label(text) if text[:1] in _LABEL_START else None
    full = _toc_key(text)
    return (full, _toc_key(got[1])) if got is not None else (full,)

def _is_frame_line(text: str) -> bool:
    t = text.strip()
    return is_never_heading(t) or (bool(FRAME_HEAD.match(t)) and not DOC_KIND_END().search(t))


def _candidate(p: _Para, body: _Body, walker: _Walker) -> _Cand | None:
    """Whether a paragraph could be a heading, and as what: Word's own level (outline
    level, heading style), a numbering label (auto or typed), or a look that stands out
    from the body."""
    raw = p.raw
    label = p.auto_label.strip()
    styled = p.outline is not None or (p.style is not None and p.style.level is not None)
    if not styled and not label and _fast_body(raw):
        return None  # body text, the bulk of every document, before measuring its look
    if is_never_heading(raw) or _NOT_A_SECTION.match(raw) or _bracketed_note(raw):
        return None
    if not styled and p.list_id and not p.num_id and split_label(raw) is None:
        return None  # a bulleted Word list item, bold or not, names no section ("2.1 命名" typed in one may)
    _ensure_look(p, walker)
    level, signals = _word_level(p)
    emphasis = _emphasis(p, body)
    if level is None and not label and raw[0] not in _LABEL_START and raw[0] not in _MARKS and not emphasis:
        return None
    title, family, value = raw, "", None
    if label:
        fam = _family_of_label(label)
        # A label that reads as no typed family ("Step 1"): the list level is the family.
        family, value = fam if fam is not None else (_num_key(p, walker), None)
        signals.append("numbering")
    elif raw[:1] in _LABEL_START or raw[:1] in _MARKS:
        mark = _mark_len(raw)
        num = split_label(raw[mark:])
        if num is not None:
            label, title, family, value = num
            label = raw[:mark] + label  # "▲三、": the mark stays with the label as written
            signals.append("typed-number")
    sentence = _sentence_like(title)
    title = clean_title(title)
    if not title or len(title) > _MAX_STYLED_TITLE:
        return None
    sig = tuple(signals + emphasis)
    if level is not None:
        if sentence and len(title) > _MAX_EMPHASIS_TITLE and "。" in p.raw:
            return None  # body prose someone set in a heading style: a reader sees a paragraph
        if _stray_outline(p, label):
            return None
        return _Cand(p, label, title, family or f"outline{level}", value, level, sig, 0.95 if not sentence else 0.7)
    if family:
        if len(title) > _MAX_NUMBERED_TITLE or sentence or (p.centred and not emphasis):
            return None
        if "typed-number" in signals and _KEY_VALUE.match(title):
            return None  # "一、项目编号：DYB…": a run-in field, its section has no heading line
        conf = 0.9 if emphasis or "numbering" in signals else 0.75
        return _Cand(p, label, title, family, value, None, sig, conf)
    return _emphasis_cand(p, title, sentence, emphasis)


# Marks a procurement document sets before a numbered clause it makes substantive
# ("▲三、招标文件的获取", "★2.1 …"): part of the label, not of the title.
_MARKS = frozenset("▲△★☆■◆●※")


def _mark_len(raw: str) -> int:
    n = 0
    while n < len(raw) and (raw[n] in _MARKS or (n and raw[n] in " \t\u3000")):
        n += 1
    return n


# Lines that close or label rather than open a section, whatever their style: 公文 closing
# formulas ("特此声明。") and a 纪要's attendance labels (GB/T 9704 §10.3: 出席, 列席, 请假).
_NOT_A_SECTION = re.compile(
    r"^(?:特此(?:声明|通知|报告|函告|函复|公告|通告|批复|说明|证明|承诺)|此\s*致|敬\s*礼"
    r"|(?:出\s*席|列\s*席|请\s*假|缺\s*席|参\s*加|记\s*录)(?:\s*人\s*员)?)\s*[。:：!！]?$"
)


def _bracketed_note(raw: str) -> bool:
    """A note in brackets ("（内容包括：主要设备、专业技术人员…）"), not a section's name."""
    return raw[:1] in "（(" and raw[-1:] in "）)" and split_label(raw) is None and len(raw) > 4


# "附件一", "附件十：", "附：" alone on a line: the annex label (GB/T 9704), its title follows.
_ANNEX_LABEL = re.compile(r"^附\s*(?:件\s*[一二三四五六七八九十\d]{0,3})?\s*[:：]?$")
# A hand-typed 目录 named for its document: "谈判文件目录", "可行性研究报告目录".
_NAMED_TOC = re.compile(r"^\S{1,16}(?:文件|报告|书|方案|说明|标准)\s*目\s*[录次]$")
_ANNEX = "annex"


def _annex_title(p: _Para, body: _Body, walker: _Walker) -> _Cand | None:
    """The line after an annex label names the annex ("谈判响应书", centred and bold): a
    section even though centred emphasis elsewhere is a title or a caption."""
    c = _candidate(p, body, walker)
    if c is not None:
        if not c.label and c.hint is None:
            c.family = _ANNEX  # one family for every annex title, centred or not
        return c
    raw = p.raw
    if len(raw) > _MAX_EMPHASIS_TITLE or _sentence_like(raw) or _KEY_VALUE.match(raw) or is_never_heading(raw):
        return None
    emphasis = _emphasis(_ensure_look(p, walker), body)
    if not emphasis:
        return None
    return _Cand(p, "", clean_title(raw), _ANNEX, None, None, tuple(emphasis), 0.7)


def _stray_outline(p: _Para, label: str) -> bool:
    """A sentence with an outline level of its own and no heading style or number ("中国西部
    国际博览城…范围内的会议服务。" in a list-paragraph style): a paragraph Word was told to show
    in the navigation pane, which a reader still reads as body text."""
    return (
        p.outline is not None
        and (p.style is None or p.style.level is None)
        and not label
        and p.raw.endswith("。")
    )


def _fast_body(raw: str) -> bool:
    if len(raw) > _MAX_NUMBERED_TITLE + 12 or "。" in raw:
        return True
    return raw[0] not in _LABEL_START and len(raw) > _MAX_EMPHASIS_TITLE + 4


def _word_level(p: _Para) -> tuple[int | None, list[str]]:
    """The level Word records: the paragraph's outline level, else its style's."""
    if p.outline is not None:
        return (p.outline, ["outline-level"]) if p.outline > 0 else (None, [])
    style = p.style
    if style is not None and style.level is not None:
        return style.level, [style.level_source or "style"]
    return None, []


def _emphasis(p: _Para, body: _Body) -> list[str]:
    out: list[str] = []
    if p.bold and not body.bold:
        out.append("bold")
    if p.size > body.size + 0.5:
        out.append("font-size")
    if _is_heading_font(p.font, body.font):
        out.append("font")
    return out


def _emphasis_cand(p: _Para, title: str, sentence: bool, emphasis: list[str]) -> _Cand | None:
    """A line whose look alone sets it apart: short, no sentence, not a "key：value" or
    list-introducing line, not centred (centred emphasis is a title or caption)."""
    raw = p.raw
    if emphasis and _NAMED_SECTION().match(raw):
        return _Cand(p, "", title, _NAMED, None, None, tuple(emphasis), 0.8)
    if not emphasis or len(title) > _MAX_EMPHASIS_TITLE or sentence or p.centred:
        return None
    if raw.endswith(("：", ":")) or _KEY_VALUE.match(raw) or FRAME_HEAD.match(raw) or _CODE.search(raw):
        return None
    key = f"emphasis:{p.bold}:{round(p.size)}:{p.font if 'font' in emphasis else ''}"
    return _Cand(p, "", title, key, None, None, tuple(emphasis), 0.6)


# Unnumbered sections every reader knows by name (GB/T 1.1 前言/引言, back matter), often
# centred: set apart from the body they are top-level sections, not a cover line.
_NAMED_SECTION = on_first_use(
    r"^\s*(?:前\s*言|引\s*言|序\s*言|参考文献|索\s*引|后\s*记|致\s*谢|附\s*录\s*[A-Z\d一二三四五六七八九十]?"
    r"(?:\s*[（(](?:规范性|资料性)?(?:附录)?[)）])?(?:\s+\S.{0,28})?)\s*$"
)
_NAMED = "named"
_KEY_VALUE = re.compile(r"^[^:：]{1,12}[:：]\s*\S")


# First characters a typed label can start with (digits, full-width digits, CJK numerals,
# 第, brackets, enclosed numbers, letters, Roman numerals).
_LABEL_START = frozenset(
    "0123456789０１２３４５６７８９第一二三四五六七八九十壹贰叁肆伍陆柒捌玖拾(（[【"
    + "".join(chr(c) for c in range(0x2460, 0x249C))
    + "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyzⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩⅪⅫ"
    + "ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ"
)


class _Node:
    """A heading being filled while the items stream past (slots, no dataclass
    machinery: there is one per heading)."""

    __slots__ = ("blocks", "cand", "children")

    def __init__(self, cand: _Cand) -> None:
        self.cand = cand
        self.blocks: list[Block] = []
        self.children: list[_Node] = []

    def freeze(self) -> Heading:
        c = self.cand
        return Heading(
            c.title,
            c.label,
            c.level,
            Location(c.item.idx),
            c.signals,
            c.confidence,
            tuple(self.blocks),
            tuple([n.freeze() for n in self.children]),
        )


def _assemble(path: Path, items: list[_Para | _Table], title: str, title_ids: set[int]) -> DocumentTree:
    """The tree, in one pass over the items: each heading takes its level from the
    document's ladder as it comes, and body content goes under the open heading."""
    ladder = Ladder()
    roots: list[_Node] = []
    stack: list[_Node] = []
    preamble: list[Block] = []
    sink = preamble  # where body content goes: the open heading's blocks
    for it in items:
        if it.toc:
            continue
        if isinstance(it, _Para):
            c = it.cand
            if c is not None:
                node = _Node(c)
                if c.family == _NAMED:
                    ladder.reset()  # 前言, 参考文献, 附录: top-level, and the ladder starts again
                    c.level = level = 1
                else:
                    c.level = level = ladder.level_for(c.family, c.hint, c.value)
                while stack and stack[-1].cand.level >= level:
                    stack.pop()
                (stack[-1].children if stack else roots).append(node)
                stack.append(node)
                sink = node.blocks
                continue
            if id(it) in title_ids:
                continue
            text = f"{it.auto_label}{it.text}".strip() if it.auto_label else it.raw
            if not text:
                continue
            sink.append(Block("text", text, (), Location(it.idx), it.placeholder))
        elif any(any(c.strip() for c in r) for r in it.rows):
            sink.append(Block("table", "", it.rows, Location(it.idx), it.placeholder))
    return DocumentTree(
        path=str(path),
        format="docx",
        title=title,
        headings=tuple(n.freeze() for n in roots),
        preamble=tuple(preamble),
    )
