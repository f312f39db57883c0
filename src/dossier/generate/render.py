"""Render a template from dossier.templates/skeleton with docxtpl and tidy what it leaves."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from docx.oxml.ns import qn
from docxtpl import DocxTemplate
from lxml import etree

from dossier.resources import templates_root

TEMPLATE_DIR = "skeleton"
FAMILIES = ("report", "form", "table", "placeholder", "checklist")


@cache
def template_bytes(name: str) -> bytes:
    if name not in FAMILIES:
        raise KeyError(f"no skeleton template {name!r}")
    return (templates_root() / TEMPLATE_DIR / f"{name}.docx").read_bytes()


def render(name: str, context: Mapping[str, Any], out: Path, *, weights: Sequence[int] = ()) -> Path:
    """Render template `name` with `context` into `out` (parent folders created).

    `weights`: relative column widths for the first table, when a column loop made it.
    """
    tpl = DocxTemplate(io.BytesIO(template_bytes(name)))
    tpl.render(dict(context), autoescape=True)
    body = tpl.docx.element.body
    fix_grids(body)
    first = body.find(qn("w:tbl"))
    if weights and first is not None:
        _set_widths(first, [TEXT_WIDTH * w // sum(weights) for w in weights])
    out.parent.mkdir(parents=True, exist_ok=True)
    tpl.save(str(out))
    return out


TEXT_WIDTH = 8844  # twips between the margins of an A4 page with 28 + 26 mm side margins
CELL_PADDING = 216  # default left + right cell margins (108 twips each)


def fix_grids(body: etree._Element) -> None:
    """Give every table exactly as many grid columns as its own widest row, and matching cell widths.

    docxtpl sizes a table's grid from all rows beneath it, nested tables included, so a
    2-column form holding a 5-column sub-table would claim 5 columns and Word/LibreOffice
    lay it out wrongly; column loops also leave the template's cell widths behind.
    """
    for tbl in body.findall(qn("w:tbl")):
        _fix_table(tbl, TEXT_WIDTH)


def _span(tc: etree._Element) -> int:
    span = tc.find(f"{qn('w:tcPr')}/{qn('w:gridSpan')}")
    return int(span.get(qn("w:val"))) if span is not None else 1


def _fix_table(tbl: etree._Element, width: int) -> None:
    grid = tbl.find(qn("w:tblGrid"))
    if grid is None:
        return
    rows = tbl.findall(qn("w:tr"))
    widest = max((sum(_span(tc) for tc in tr.findall(qn("w:tc"))) for tr in rows), default=0)
    old = [int(float(c.get(qn("w:w"), "0"))) for c in grid.findall(qn("w:gridCol"))]
    if widest and widest <= len(old) and sum(old[:widest]) > 0:
        # Fewer columns than the grid: keep the template's proportions of the ones left.
        keep = old[:widest]
        widths = [w * width // sum(keep) for w in keep]
    elif widest:
        widths = [width // widest] * widest
    else:
        return
    _set_widths(tbl, widths)


def _set_widths(tbl: etree._Element, widths: list[int]) -> None:
    grid = tbl.find(qn("w:tblGrid"))
    if grid is None:
        return
    for c in grid.findall(qn("w:gridCol")):
        grid.remove(c)
    for w in widths:
        etree.SubElement(grid, qn("w:gridCol")).set(qn("w:w"), str(w))
    for tr in tbl.findall(qn("w:tr")):
        i = 0
        for tc in tr.findall(qn("w:tc")):
            n = _span(tc)
            cell_w = sum(widths[i : i + n])
            i += n
            pr = tc.find(qn("w:tcPr"))
            tcw = pr.find(qn("w:tcW")) if pr is not None else None
            if tcw is not None:
                tcw.set(qn("w:w"), str(cell_w))
                tcw.set(qn("w:type"), "dxa")
            for inner in tc.findall(qn("w:tbl")):
                _fix_table(inner, max(cell_w - CELL_PADDING, 500))
