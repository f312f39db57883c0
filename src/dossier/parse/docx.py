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

import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from dossier.errors import InputError
from dossier.parse.ladder import Ladder, clean_title, is_toc_line, normalise_title, split_numbering
from dossier.parse.ooxml import (
    MC,
    W_VAL,
    Numbering,
    RunFmt,
    Style,
    load_styles,
    on,
    read_part,
    run_fmt,
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
_FLDTYPE, _INSTR_ATTR = w("fldCharType"), w("instr")
_GUIDANCE_MARK = "【填写说明】"
_TEXT_TAGS = (_R, _T, _TAB, _BR, _CR, _FLDCHAR, _INSTR, _SYM, _NBH, _FLDSIMPLE)

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
_SENTENCE_END = tuple("。；;，,！!？?")
_MAX_NUMBERED_TITLE = 60
_MAX_STYLED_TITLE = 100
_MAX_EMPHASIS_TITLE = 30


@dataclass
class _Para:
    idx: int
    text: str
    auto_label: str = ""
    style: Style | None = None
    outline: int | None = None
    toc: bool = False
    bold: bool = False
    size: float = 0.0
    font: str = ""
    centred: bool = False
    placeholder: bool = False


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
    styles: dict[str, Style]
    defaults: RunFmt
    default_style: Style | None
    numbering: Numbering
    char_styles: dict[str, RunFmt] = field(default_factory=dict)
    items: list[_Para | _Table] = field(default_factory=list)
    fields: list[_Field] = field(default_factory=list)
    count: int = 0

    # ---------------------------------------------------------------- block level
    def blocks(self, parent: etree._Element, *, toc: bool = False, placeholder: bool = False) -> None:
        for el in parent:
            tag = el.tag
            if tag == _P:
                self.items.append(self.para(el, toc=toc, placeholder=placeholder))
            elif tag == _TBL:
                self.items.append(self.table(el, toc=toc, placeholder=placeholder))
            elif tag == _SDT:
                content = el.find(_SDTCONTENT)
                if content is None:
                    continue
                is_toc, is_ph = _sdt_kind(el.find(_SDTPR))
                self.blocks(content, toc=toc or is_toc, placeholder=placeholder or is_ph)
            elif tag == _CUSTOMXML:
                self.blocks(el, toc=toc, placeholder=placeholder)

    def table(self, tbl: etree._Element, *, toc: bool, placeholder: bool) -> _Table:
        idx = self.count
        rows: list[tuple[str, ...]] = []
        for tr in _children(tbl, _TR):
            cells: list[str] = []
            for tc in _children(tr, _TC):
                tcpr = tc.find(w("tcPr"))
                span, cont = 1, False
                if tcpr is not None:
                    gs = tcpr.find(w("gridSpan"))
                    if gs is not None and (gs.get(W_VAL) or "").isdigit():
                        span = max(1, int(gs.get(W_VAL) or "1"))
                    vm = tcpr.find(w("vMerge"))
                    cont = vm is not None and vm.get(W_VAL) != "restart"
                sub = _Walker(self.path, self.styles, self.defaults, self.default_style, self.numbering,
                              self.char_styles, [], self.fields, self.count)  # fmt: skip
                sub.blocks(tc, toc=toc, placeholder=placeholder)
                self.count = sub.count
                texts = []
                for it in sub.items:
                    if isinstance(it, _Para):
                        texts.append(f"{it.auto_label}{it.text}".strip())
                    else:
                        texts.extend("\t".join(r) for r in it.rows)
                cells.append("" if cont else "\n".join(t for t in texts if t))
                cells.extend([""] * (span - 1))
            rows.append(tuple(cells))
        return _Table(idx, tuple(rows), toc=toc, placeholder=placeholder)

    # ------------------------------------------------------------------ paragraph
    def para(self, p: etree._Element, *, toc: bool, placeholder: bool) -> _Para:
        idx = self.count
        self.count += 1
        ppr = p.find(_PPR)
        style = self.default_style
        outline: int | None = None
        numref: tuple[str, int | None] | None = None
        centred: bool | None = None
        pfmt = RunFmt()
        if ppr is not None:
            ps = ppr.find(_PSTYLE)
            if ps is not None:
                style = self.styles.get(ps.get(W_VAL, ""), self.default_style)
            ol = ppr.find(_OUTLINE)
            if ol is not None:
                v = ol.get(W_VAL, "9")
                outline = int(v) + 1 if v.isdigit() and int(v) < 9 else 0  # 0: explicitly body text
            np_ = ppr.find(_NUMPR)
            if np_ is not None:
                nid, il = np_.find(_NUMID), np_.find(_ILVL)
                numref = (
                    nid.get(W_VAL, "0")
                    if nid is not None
                    else (style.num.num_id if style and style.num else "0"),
                    int(il.get(W_VAL, "0")) if il is not None and (il.get(W_VAL) or "").isdigit() else None,
                )
            jc = ppr.find(_JC)
            if jc is not None:
                centred = jc.get(W_VAL) == "center"
            pfmt = run_fmt(ppr.find(_RPR))  # paragraph-mark format: the label's look, not the text's
        base = style.fmt.over(self.defaults) if style is not None else self.defaults
        if numref is None and style is not None and style.num is not None:
            numref = (style.num.num_id, style.num.ilvl)
        auto = ""
        if numref is not None:
            rendered = self.numbering.render(numref[0], numref[1] if numref[1] is not None else 0)
            if rendered is not None:
                auto = rendered[0]
        del pfmt

        parts: list[str] = []
        weights: list[tuple[int, bool, float, str, bool]] = []  # chars, bold, size, font, in TOC field
        cur = base
        for el in p.iter(_TEXT_TAGS):
            tag = el.tag
            if tag == _R:
                rpr = el.find(_RPR)
                cur = base
                if rpr is not None:
                    rs = rpr.find(_RSTYLE)
                    if rs is not None:
                        cs = self.char_styles.get(rs.get(W_VAL, ""))
                        if cs is not None:
                            cur = cs.over(cur)
                    cur = run_fmt(rpr).over(cur)
                continue
            if tag == _FLDCHAR:
                kind = el.get(_FLDTYPE)
                if kind == "begin":
                    self.fields.append(_Field())
                elif kind == "separate" and self.fields:
                    f = self.fields[-1]
                    f.toc = f.instr.lstrip().upper().startswith("TOC")
                elif kind == "end" and self.fields:
                    self.fields.pop()
                continue
            if tag == _INSTR:
                if self.fields:
                    self.fields[-1].instr += el.text or ""
                continue
            if tag == _FLDSIMPLE:
                continue  # its runs follow in iteration order; a simple TOC field is rare
            if tag == _T:
                s = el.text or ""
            elif tag == _TAB:
                if el.getparent().tag != _R:
                    continue  # a tab stop definition in pPr/w:tabs
                s = "\t"
            elif tag in (_BR, _CR):
                s = "\n"
            elif tag == _NBH:
                s = "-"
            else:  # w:sym
                ch = el.get(w("char"), "")
                try:
                    s = chr(int(ch, 16)) if ch else ""
                except ValueError:
                    s = ""
                if s and 0xF000 <= ord(s) <= 0xF0FF:
                    s = chr(ord(s) - 0xF000)
            if not s:
                continue
            parts.append(s)
            n = len(s.strip())
            if n:
                in_toc = any(f.toc for f in self.fields)
                weights.append((n, bool(cur.bold), cur.size or 0.0, (cur.font or "").lower(), in_toc))
        text = "".join(parts)
        total = sum(x[0] for x in weights)
        bold = bool(total) and all(x[1] for x in weights)
        size_c: Counter[float] = Counter()
        font_c: Counter[str] = Counter()
        toc_chars = 0
        for n, _b, sz, fn, t in weights:
            size_c[sz] += n
            font_c[fn] += n
            toc_chars += n if t else 0
        size = size_c.most_common(1)[0][0] if size_c else (base.size or 0.0)
        font = font_c.most_common(1)[0][0] if font_c else (base.font or "").lower()
        style_toc = style is not None and style.toc
        guidance = (style is not None and style.guidance) or text.lstrip().startswith(_GUIDANCE_MARK)
        return _Para(
            idx=idx,
            text=text,
            auto_label=auto,
            style=style,
            outline=outline,
            toc=toc or style_toc or (total > 0 and toc_chars * 2 >= total),
            bold=bold,
            size=size,
            font=font,
            centred=centred if centred is not None else (style.centred if style is not None else False),
            placeholder=placeholder or guidance,
        )


def _children(el: etree._Element, tag: str) -> list[etree._Element]:
    """Direct children with `tag`, looking through content controls and customXml wrappers."""
    out: list[etree._Element] = []
    for c in el:
        if c.tag == tag:
            out.append(c)
        elif c.tag == _SDT:
            content = c.find(_SDTCONTENT)
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


@dataclass
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


def _sentence_like(title: str) -> bool:
    """Body prose, judged on the raw text: a full stop anywhere, a sentence ending, or a
    comma in a line longer than a heading usually is."""
    t = title.strip()
    return "。" in t or t.endswith(_SENTENCE_END) or (("，" in t or ", " in t) and len(t) > 15)


def _family_of_label(label: str) -> tuple[str, int | None] | None:
    n = split_numbering(label + " 题")
    return (n.family, n.value) if n is not None else None


def _is_heading_font(font: str, body_font: str) -> bool:
    return bool(font) and font != body_font and any(k in font for k in _HEADING_FONTS)


def parse_docx(path: Path) -> DocumentTree:
    path = Path(path)
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise InputError("truncated or corrupt zip: not a readable Word document", path=str(path)) from None
    except OSError as e:
        raise InputError(f"cannot be read ({e.strerror or e})", path=str(path)) from None
    with zf:
        doc = read_part(zf, "word/document.xml", path, required=True)
        styles_root = read_part(zf, "word/styles.xml", path)
        numbering_root = read_part(zf, "word/numbering.xml", path)
    assert doc is not None
    styles, defaults, default_id = load_styles(styles_root)
    numbering = Numbering.load(numbering_root, styles)
    body = doc.find(w("body"))
    if body is None:
        raise InputError("not a Word document: word/document.xml has no body", path=str(path))
    # Alternate content is stored twice (mc:Choice and mc:Fallback) and text boxes float
    # outside the reading order: drop both from the in-memory tree before walking.
    for el in list(body.iter(f"{{{MC}}}Fallback", w("txbxContent"))):
        parent = el.getparent()
        if parent is not None:
            parent.remove(el)
    char_styles = {sid: st.fmt for sid, st in styles.items() if st.kind == "character"}
    walker = _Walker(path, styles, defaults, styles.get(default_id or ""), numbering, char_styles)
    walker.blocks(body)
    return _decide(path, walker.items, defaults)


def _decide(path: Path, items: list[_Para | _Table], defaults: RunFmt) -> DocumentTree:
    paras = [it for it in items if isinstance(it, _Para)]
    # The body's usual size and font: the most common among plain, non-TOC text.
    size_c: Counter[float] = Counter()
    font_c: Counter[str] = Counter()
    for p in paras:
        if p.toc or (p.style is not None and p.style.level is not None):
            continue
        n = len(p.text.strip())
        if n:
            size_c[p.size] += n
            font_c[p.font] += n
    body_size = size_c.most_common(1)[0][0] if size_c else (defaults.size or 10.5)
    body_font = font_c.most_common(1)[0][0] if font_c else ""

    # Hand-typed 目录 without a TOC field: a 目录 line, then entries whose text recurs later
    # (or carries a page number), up to the first line that is neither.
    last_seen: dict[str, int] = {}
    for i, p in enumerate(paras):
        last_seen[_toc_key(p.text)] = i
    toc_mode = False
    for i, p in enumerate(paras):
        t = p.text.strip()
        if p.toc:
            toc_mode = False
            continue
        if not t:
            continue
        if is_toc_line(t):
            p.toc = True
            toc_mode = True
            continue
        if toc_mode:
            key = _toc_key(t)
            if last_seen.get(key, i) > i and len(key) <= _MAX_NUMBERED_TITLE:
                p.toc = True
                continue
            toc_mode = False

    cands: list[_Cand | None] = []
    for p in paras:
        cands.append(None if p.toc or p.placeholder else _candidate(p, body_size, body_font))
    # Style hints are trusted for levels only where they discriminate: when two typed
    # families share one style level (everything set in 标题 1), the numbering decides.
    fam_hints: dict[int, set[str]] = {}
    for c in cands:
        if c is not None and c.hint is not None and not c.family.startswith("outline"):
            fam_hints.setdefault(c.hint, set()).add(c.family)
    if any(len(f) > 1 for f in fam_hints.values()):
        for c in cands:
            if c is not None and not c.family.startswith("outline"):
                c.hint = None

    # Emphasis-only lines before the first structural heading are the cover, not sections.
    first_struct = next(
        (i for i, c in enumerate(cands) if c is not None and "emphasis" not in c.family), None
    )
    title_text = ""
    title_idx: int | None = None
    for i, p in enumerate(paras):
        if p.style is not None and p.style.title and p.text.strip() and not p.toc:
            title_text, title_idx = clean_title(p.text), i
            break
    if title_idx is None:
        limit = first_struct if first_struct is not None else len(paras)
        best: tuple[float, int] | None = None
        for i in range(limit):
            p = paras[i]
            t = p.text.strip()
            if p.toc or not t or not p.centred or len(t) > 60 or is_toc_line(t):
                continue
            if (p.size > body_size + 0.5 or p.bold) and (best is None or p.size > best[0]):
                best = (p.size, i)
        if best is not None:
            title_idx = best[1]
            title_text = clean_title(paras[title_idx].text)
    for i, c in enumerate(cands):
        if c is None:
            continue
        if i == title_idx or (c.family.startswith("emphasis") and (first_struct is None or i < first_struct)):
            cands[i] = None

    # An unnumbered line set exactly like numbered headings of one family (same weight,
    # size and font) is a sibling of those headings.
    look: dict[tuple[bool, float, str], str] = {}
    for c in cands:
        if c is not None and c.label and "emphasis" not in c.family and (c.item.bold or c.item.size > body_size + 0.5):
            look.setdefault(_look(c.item), c.family)
    for c in cands:
        if c is not None and c.family.startswith("emphasis") and _look(c.item) in look:
            c.family = look[_look(c.item)]

    ladder = Ladder()
    for c in cands:
        if c is not None:
            c.level = ladder.level_for(c.family, c.hint, c.value)

    cand_by_idx = {p.idx: c for p, c in zip(paras, cands, strict=True) if c is not None}
    return _assemble(path, items, cand_by_idx, title_text, title_idx and paras[title_idx].idx)


def _look(p: _Para) -> tuple[bool, float, str]:
    return (p.bold, p.size, p.font)


def _toc_key(text: str) -> str:
    t = normalise_title(text)
    t = re.sub(r"\s*\d{1,4}$", "", t)
    return re.sub(r"\s+", "", t)


def _candidate(p: _Para, body_size: float, body_font: str) -> _Cand | None:
    raw = p.text.strip()
    if not raw and not p.auto_label:
        return None
    style = p.style
    level: int | None = None
    signals: list[str] = []
    if p.outline is not None:
        if p.outline > 0:
            level = p.outline
            signals.append("outline-level")
    elif style is not None and style.level is not None:
        level = style.level
        signals.append(style.level_source or "style")
    label, title, family, value = "", raw, "", None
    if p.auto_label.strip():
        fam = _family_of_label(p.auto_label.strip())
        label = p.auto_label.strip()
        family, value = fam if fam is not None else (f"num:{label}", None)
        signals.append("numbering")
    else:
        num = split_numbering(raw)
        if num is not None:
            label, title, family, value = num.label, num.title, num.family, num.value
            signals.append("typed-number")
    sentence = _sentence_like(title)
    title = clean_title(title)
    if not title or len(title) > _MAX_STYLED_TITLE:
        return None
    emphasis: list[str] = []
    if p.bold:
        emphasis.append("bold")
    if p.size > body_size + 0.5:
        emphasis.append("font-size")
    if _is_heading_font(p.font, body_font):
        emphasis.append("font")
    if level is not None:
        conf = 0.95 if not sentence else 0.7
        return _Cand(
            p, label, title, family or f"outline{level}", value, level, tuple(signals + emphasis), conf
        )
    if family:
        if len(title) > _MAX_NUMBERED_TITLE or sentence or (p.centred and not emphasis):
            return None
        conf = 0.9 if emphasis or "numbering" in signals else 0.75
        return _Cand(p, label, title, family, value, None, tuple(signals + emphasis), conf)
    if (
        emphasis
        and len(title) <= _MAX_EMPHASIS_TITLE
        and not _sentence_like(title)
        and not title.endswith(("：", ":"))
    ):
        if p.centred:
            return None  # centred emphasis is a title or caption, not a section
        key = f"emphasis:{p.bold}:{round(p.size)}:{p.font if 'font' in emphasis else ''}"
        return _Cand(p, "", title, key, None, None, tuple(emphasis), 0.6)
    return None


@dataclass
class _Node:
    cand: _Cand
    blocks: list[Block] = field(default_factory=list)
    children: list[_Node] = field(default_factory=list)

    def freeze(self) -> Heading:
        c = self.cand
        return Heading(
            title=c.title,
            label=c.label,
            level=c.level,
            location=Location(paragraph=c.item.idx),
            signals=c.signals,
            confidence=c.confidence,
            blocks=tuple(self.blocks),
            children=tuple(n.freeze() for n in self.children),
        )


def _assemble(
    path: Path,
    items: list[_Para | _Table],
    cands: dict[int, _Cand],
    title: str,
    title_para: int | None,
) -> DocumentTree:
    roots: list[_Node] = []
    stack: list[_Node] = []
    preamble: list[Block] = []
    for it in items:
        if it.toc:
            continue
        if isinstance(it, _Para):
            c = cands.get(it.idx)
            if c is not None:
                node = _Node(c)
                while stack and stack[-1].cand.level >= c.level:
                    stack.pop()
                (stack[-1].children if stack else roots).append(node)
                stack.append(node)
                continue
            if it.idx == title_para:
                continue
            text = f"{it.auto_label}{it.text}".strip()
            if not text:
                continue
            block = Block(
                kind="text", text=text, location=Location(paragraph=it.idx), placeholder=it.placeholder
            )
        else:
            if not any(any(c.strip() for c in r) for r in it.rows):
                continue
            block = Block(
                kind="table", rows=it.rows, location=Location(paragraph=it.idx), placeholder=it.placeholder
            )
        (stack[-1].blocks if stack else preamble).append(block)
    return DocumentTree(
        path=str(path),
        format="docx",
        title=title,
        headings=tuple(n.freeze() for n in roots),
        preamble=tuple(preamble),
    )
