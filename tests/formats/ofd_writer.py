"""A small OFD (GB/T 33190) writer for tests: packages built from lines with fonts and sizes.

It writes what real producers write, in their variants: one TextObject per run with
DeltaX advances (compressed with "g N v"), or one TextObject per character (as some
converters do), or a unit Size scaled by a CTM; fonts in PublicRes; Outlines; seals
(Signatures.xml) and Stamp annotations; image-only pages; several DocBody entries.
`pdf_to_ofd` turns a PDF's text layer (characters, fonts, sizes, positions, bookmarks)
into the same content as OFD, so the parser can be scored against the PDF corpus's truth.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

NS = "http://www.ofdspec.org/2016"
PT_TO_MM = 25.4 / 72.0


def _n(v: float) -> str:
    return f"{v:.3f}".rstrip("0").rstrip(".") or "0"


def _deltas(advances: list[float]) -> str:
    """DeltaX with runs of equal values written as "g N v" (as producers do)."""
    out: list[str] = []
    i = 0
    while i < len(advances):
        j = i
        while j + 1 < len(advances) and abs(advances[j + 1] - advances[i]) < 1e-3:
            j += 1
        n = j - i + 1
        out.append(f"g {n} {_n(advances[i])}" if n > 2 else " ".join([_n(advances[i])] * n))
        i = j + 1
    return " ".join(out)


@dataclass
class Run:
    """Characters on one baseline in one font: x of each character (mm), baseline y (mm)."""

    text: str
    xs: list[float]
    y: float
    size: float  # mm
    font: str
    bold: bool = False


@dataclass
class OfdPage:
    runs: list[Run] = field(default_factory=list)
    images: list[tuple[bytes, tuple[float, float, float, float]]] = field(default_factory=list)
    width: float = 210.0
    height: float = 297.0
    stamps: int = 0

    def text(self, x: float, y: float, text: str, size: float = 3.7, font: str = "宋体", bold: bool = False) -> None:
        """A line starting at x with its top at y (mm), CJK advance = size."""
        xs, cx = [], x
        for ch in text:
            xs.append(cx)
            cx += size if ord(ch) >= 0x2E80 else 0.5 * size
        self.runs.append(Run(text, xs, y + 0.88 * size, size, font, bold))


@dataclass
class OfdDoc:
    pages: list[OfdPage] = field(default_factory=list)
    outline: list[tuple[int, str, int]] = field(default_factory=list)
    """(level from 1, title, page index from 0)."""
    signatures: int = 0
    title: str = ""

    def page(self, width: float = 210.0, height: float = 297.0) -> OfdPage:
        p = OfdPage(width=width, height=height)
        self.pages.append(p)
        return p


def _xml(root: str, body: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:{root} xmlns:ofd="{NS}">{body}</ofd:{root}>'


def _text_objects(p: OfdPage, fonts: dict[tuple[str, bool], int], style: str, next_id: list[int]) -> str:
    out: list[str] = []

    def nid() -> int:
        next_id[0] += 1
        return next_id[0]

    for r in p.runs:
        fid = fonts[(r.font, r.bold)]
        weight = ' Weight="700"' if r.bold else ""
        if style == "chars":
            for ch, x in zip(r.text, r.xs, strict=True):
                if ch.isspace():
                    continue
                bx, by = x, r.y - r.size
                out.append(
                    f'<ofd:TextObject ID="{nid()}" Boundary="{_n(bx)} {_n(by)} {_n(r.size)} {_n(r.size * 1.2)}" '
                    f'Font="{fid}" Size="{_n(r.size)}"{weight}><ofd:TextCode X="0" Y="{_n(r.size)}">'
                    f"{escape(ch)}</ofd:TextCode></ofd:TextObject>"
                )
            continue
        x0 = r.xs[0]
        top = r.y - r.size
        width = (r.xs[-1] - x0) + r.size
        adv = [b - a for a, b in zip(r.xs, r.xs[1:], strict=False)]
        delta = f' DeltaX="{_deltas(adv)}"' if adv else ""
        if style == "ctm":
            # Size 1 scaled by the CTM: positions inside the object are in unscaled units.
            k = r.size
            adv_u = [a / k for a in adv]
            delta = f' DeltaX="{_deltas(adv_u)}"' if adv else ""
            out.append(
                f'<ofd:TextObject ID="{nid()}" Boundary="{_n(x0)} {_n(top)} {_n(width)} {_n(r.size * 1.3)}" '
                f'Font="{fid}" Size="1" CTM="{_n(k)} 0 0 {_n(k)} 0 0"{weight}>'
                f'<ofd:TextCode X="0" Y="1"{delta}>{escape(r.text)}</ofd:TextCode></ofd:TextObject>'
            )
            continue
        out.append(
            f'<ofd:TextObject ID="{nid()}" Boundary="{_n(x0)} {_n(top)} {_n(width)} {_n(r.size * 1.3)}" '
            f'Font="{fid}" Size="{_n(r.size)}"{weight}>'
            f'<ofd:TextCode X="0" Y="{_n(r.size)}"{delta}>{escape(r.text)}</ofd:TextCode></ofd:TextObject>'
        )
    return "".join(out)


def _outline_xml(items: list[tuple[int, str, int]], page_ids: list[int]) -> str:
    def elem(k: int) -> tuple[str, int]:
        level, title, page = items[k]
        kids = []
        j = k + 1
        while j < len(items) and items[j][0] > level:
            x, j = elem(j)
            kids.append(x)
        dest = (
            f'<ofd:Actions><ofd:Action Event="CLICK"><ofd:Goto><ofd:Dest Type="XYZ" PageID="{page_ids[page]}" '
            f'Left="0" Top="0"/></ofd:Goto></ofd:Action></ofd:Actions>'
        )
        return f"<ofd:OutlineElem Title={quoteattr(title)}>{dest}{''.join(kids)}</ofd:OutlineElem>", j

    out = []
    k = 0
    while k < len(items):
        x, k = elem(k)
        out.append(x)
    return f"<ofd:Outlines>{''.join(out)}</ofd:Outlines>" if out else ""


def write_ofd(path: Path, docs: list[OfdDoc], *, style: str = "runs") -> Path:
    """Write an OFD package with one DocBody per document; style: runs | chars | ctm."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        bodies = []
        for d, doc in enumerate(docs):
            root = f"Doc_{d}"
            fonts: dict[tuple[str, bool], int] = {}
            next_id = [100]
            for p in doc.pages:
                for r in p.runs:
                    fonts.setdefault((r.font, r.bold), len(fonts) + 1)
            font_xml = "".join(
                f'<ofd:Font ID="{i}" FontName={quoteattr(name)} FamilyName={quoteattr(name)}'
                f'{" Bold=" + quoteattr("true") if bold else ""}/>'
                for (name, bold), i in fonts.items()
            )
            zf.writestr(f"{root}/PublicRes.xml", _xml("Res", f"<ofd:Fonts>{font_xml}</ofd:Fonts>").replace(
                "<ofd:Res ", '<ofd:Res BaseLoc="Res" ', 1))
            media = []
            page_ids = []
            pages_xml = []
            ann_xml = []
            for i, p in enumerate(doc.pages):
                pid = 1000 + i
                page_ids.append(pid)
                objs = _text_objects(p, fonts, style, next_id)
                for k, (data, (x, y, w, h)) in enumerate(p.images):
                    mid = 5000 + 100 * i + k
                    name = f"img_{i}_{k}.png"
                    zf.writestr(f"{root}/Res/{name}", data)
                    media.append(f'<ofd:MultiMedia ID="{mid}" Type="Image"><ofd:MediaFile>{name}</ofd:MediaFile></ofd:MultiMedia>')
                    objs += (f'<ofd:ImageObject ID="{mid + 1_000_000}" ResourceID="{mid}" '
                             f'Boundary="{_n(x)} {_n(y)} {_n(w)} {_n(h)}" CTM="{_n(w)} 0 0 {_n(h)} 0 0"/>')
                area = f"<ofd:Area><ofd:PhysicalBox>0 0 {_n(p.width)} {_n(p.height)}</ofd:PhysicalBox></ofd:Area>"
                zf.writestr(f"{root}/Pages/Page_{i}/Content.xml",
                            _xml("Page", f'{area}<ofd:Content><ofd:Layer ID="{pid + 50000}">{objs}</ofd:Layer></ofd:Content>'))
                pages_xml.append(f'<ofd:Page ID="{pid}" BaseLoc="Pages/Page_{i}/Content.xml"/>')
                if p.stamps:
                    annots = "".join(
                        f'<ofd:Annot ID="{9000 + k}" Type="Stamp"><ofd:Appearance Boundary="10 10 40 40"/></ofd:Annot>'
                        for k in range(p.stamps)
                    )
                    zf.writestr(f"{root}/Annots/Page_{i}/Annotation.xml", _xml("PageAnnot", annots))
                    ann_xml.append(f'<ofd:Page PageID="{pid}"><ofd:FileLoc>Page_{i}/Annotation.xml</ofd:FileLoc></ofd:Page>')
            res = ""
            if media:
                zf.writestr(f"{root}/DocumentRes.xml", _xml("Res", f"<ofd:MultiMedias>{''.join(media)}</ofd:MultiMedias>")
                            .replace("<ofd:Res ", '<ofd:Res BaseLoc="Res" ', 1))
                res = "<ofd:DocumentRes>DocumentRes.xml</ofd:DocumentRes>"
            annots_ref = ""
            if ann_xml:
                zf.writestr(f"{root}/Annots/Annotations.xml", _xml("Annotations", "".join(ann_xml)))
                annots_ref = "<ofd:Annotations>Annots/Annotations.xml</ofd:Annotations>"
            common = ("<ofd:CommonData><ofd:MaxUnitID>999999</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297"
                      f"</ofd:PhysicalBox></ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes>{res}</ofd:CommonData>")
            zf.writestr(f"{root}/Document.xml", _xml(
                "Document", f"{common}<ofd:Pages>{''.join(pages_xml)}</ofd:Pages>"
                f"{_outline_xml(doc.outline, page_ids)}{annots_ref}"))
            sig = ""
            if doc.signatures:
                sigs = "".join(
                    f'<ofd:Signature ID="{k + 1}" Type="Seal" BaseLoc="/{root}/Signs/Sign_{k}/Signature.xml"/>'
                    for k in range(doc.signatures)
                )
                zf.writestr(f"{root}/Signs/Signatures.xml", _xml("Signatures", f"<ofd:MaxSignId>{doc.signatures}</ofd:MaxSignId>{sigs}"))
                for k in range(doc.signatures):
                    zf.writestr(f"{root}/Signs/Sign_{k}/Signature.xml", _xml("Signature", "<ofd:SignedInfo/>"))
                sig = f"<ofd:Signatures>{root}/Signs/Signatures.xml</ofd:Signatures>"
            info = f"<ofd:DocInfo><ofd:DocID>doc{d}</ofd:DocID>{f'<ofd:Title>{escape(doc.title)}</ofd:Title>' if doc.title else ''}</ofd:DocInfo>"
            bodies.append(f"<ofd:DocBody>{info}<ofd:DocRoot>{root}/Document.xml</ofd:DocRoot>{sig}</ofd:DocBody>")
        zf.writestr("OFD.xml", _xml("OFD", "".join(bodies)).replace("<ofd:OFD ", '<ofd:OFD Version="1.0" DocType="OFD" ', 1))
    return path


def pdf_to_ofd_doc(pdf_path: Path) -> OfdDoc:
    """The PDF's text layer as OFD content: runs of characters on one baseline in one font
    and size, at their positions; bookmarks as Outlines."""
    import ctypes

    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    pdf = pdfium.PdfDocument(str(pdf_path))
    doc = OfdDoc()
    buf = ctypes.create_string_buffer(256)
    flags = ctypes.c_int()
    try:
        for i in range(len(pdf)):
            page = pdf[i]
            w, h = page.get_size()
            op = doc.page(w * PT_TO_MM, h * PT_TO_MM)
            tp = page.get_textpage()
            n = tp.count_chars()
            cur: Run | None = None
            for c in range(n):
                code = raw.FPDFText_GetUnicode(tp.raw, c)
                ch = chr(code) if code else ""
                if not ch or ch in "\r\n\x02" or raw.FPDFText_IsGenerated(tp.raw, c) == 1:
                    cur = None if ch in "\r\n" else cur
                    continue
                left, bottom, right, top = tp.get_charbox(c)
                size = raw.FPDFText_GetFontSize(tp.raw, c)
                raw.FPDFText_GetFontInfo(tp.raw, c, buf, 256, ctypes.byref(flags))
                name = buf.value.decode("utf-8", "replace").split("+", 1)[-1]
                bold = raw.FPDFText_GetFontWeight(tp.raw, c) >= 600 or "bold" in name.lower()
                ox = ctypes.c_double()
                oy = ctypes.c_double()
                raw.FPDFText_GetCharOrigin(tp.raw, c, ctypes.byref(ox), ctypes.byref(oy))
                x, y = ox.value * PT_TO_MM, (h - oy.value) * PT_TO_MM
                sz = size * PT_TO_MM
                if ch.isspace():
                    continue  # positions carry the spacing
                same = (cur is not None and cur.font == name and cur.bold == bold and abs(cur.size - sz) < 0.01
                        and abs(cur.y - y) < 0.2 and x >= cur.xs[-1] and x - cur.xs[-1] < 3 * sz)
                if not same:
                    cur = Run("", [], y, sz, name, bold)
                    op.runs.append(cur)
                assert cur is not None
                cur.text += ch
                cur.xs.append(x)
                _ = (left, bottom, right, top)
            tp.close()
            page.close()
        for bm in pdf.get_toc(max_depth=8):
            dest = bm.get_dest()
            idx = dest.get_index() if dest is not None else None
            if idx is not None and bm.get_title():
                doc.outline.append((bm.level + 1, bm.get_title(), idx))
        doc.title = pdf.get_metadata_value("Title") or ""
    finally:
        pdf.close()
    return doc
