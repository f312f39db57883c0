"""Reading generated skeletons back, independent of the generator's own code."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import docx
from docx.oxml.ns import qn
from docx.table import Table
from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}
HEADING = re.compile(r"^Heading (\d)$")


def part(path: Path, name: str) -> etree._Element:
    with zipfile.ZipFile(path) as zf:
        return etree.fromstring(zf.read(name))


def body_paragraphs(path: Path) -> list[tuple[str, str]]:
    """(style name, text) of the top-level paragraphs, in order."""
    d = docx.Document(str(path))
    return [(p.style.name if p.style is not None else "", p.text) for p in d.paragraphs]


def headings(path: Path) -> list[tuple[str, int]]:
    out = []
    for style, text in body_paragraphs(path):
        m = HEADING.match(style)
        if m:
            out.append((text, int(m.group(1))))
    return out


def first_table(path: Path) -> Table:
    d = docx.Document(str(path))
    assert d.tables, f"{path.name} has no table"
    return d.tables[0]


def form_titles(path: Path) -> list[str]:
    """Field labels of a form in order: label paragraphs, then sub-table header cells."""
    tbl = part(path, "word/document.xml").find("w:body/w:tbl", NS)
    assert tbl is not None, f"{path.name} has no table"
    out: list[str] = []
    for tr in tbl.findall(qn("w:tr")):
        for tc in tr.findall(qn("w:tc")):
            for el in tc:
                if el.tag == qn("w:p") and _style(el) == "DossierTableLabel":
                    out.append(_text(el))
                elif el.tag == qn("w:tbl"):
                    head = el.find(qn("w:tr"))
                    out += [_text(c) for c in head.findall(qn("w:tc"))]
    return out


def _style(p: etree._Element) -> str:
    s = p.find("w:pPr/w:pStyle", NS)
    return s.get(qn("w:val")) if s is not None else ""


def _text(el: etree._Element) -> str:
    return "".join(t.text or "" for t in el.iter(qn("w:t"))).strip()


def style_of(root: etree._Element, style_id: str) -> etree._Element:
    s = root.find(f"w:style[@w:styleId='{style_id}']", NS)
    assert s is not None, f"style {style_id} missing"
    return s
