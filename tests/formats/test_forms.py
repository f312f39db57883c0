"""A 申报表 arriving as .xlsx, .xls, .et or a filled PDF form is checked exactly as its DOCX:
the same sections present/missing/empty, the same findings (code, requirement)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.oxml.ns import qn

from dossier.check.engine import CheckOptions, check_path
from dossier.packs import load_pack
from dossier.parse.convert import convert_many, find_soffice, ole_kind
from dossier.parse.pdf import parse_pdf

REPO = Path(__file__).resolve().parents[2]
FORM = REPO / "corpus" / "dossiers" / "yongchuan-application" / "files" / "附件1_永川区政务信息化项目建设申报表.docx"
LONG = ("落实《永川区政务信息化项目建设管理办法》要求，整合城市管理领域感知设备、业务系统和数据资源，"
        "建设城市运行管理服务平台，支撑城市运行监测、综合评价和指挥协调。")
needs_soffice = pytest.mark.skipif(find_soffice() is None, reason="LibreOffice (soffice) not installed")


def _ruled_form(out: Path) -> Path:
    """The corpus 申报表 with ruled cells (as printed forms have), a long wrapped cell and
    one field left empty (备注)."""
    d = docx.Document(str(FORM))
    table = d.tables[0]
    table.style = d.styles["Table Grid"]
    for row in table.rows:
        label = row.cells[0].text.strip()
        if label == "建设背景和依据":
            row.cells[1].text = LONG
        elif label == "备注":
            row.cells[1].text = ""
    d.save(str(out))
    return out


def _rows(docx_path: Path) -> list[list[str]]:
    d = docx.Document(str(docx_path))
    rows: list[list[str]] = []
    for el in d.element.body.iterchildren():
        if el.tag == qn("w:p"):
            t = "".join(x.text or "" for x in el.iter(qn("w:t"))).strip()
            if t:
                rows.append([t])
        elif el.tag == qn("w:tbl"):
            for tr in el.iter(qn("w:tr")):
                rows.append(["".join(x.text or "" for x in tc.iter(qn("w:t"))) for tc in tr.iter(qn("w:tc"))])
    return rows


def _xlsx(rows: list[list[str]], out: Path) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "申报表"
    for r in rows:
        ws.append(r)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=2)  # the title across the form
    wb.save(str(out))
    return out


def _check(file: Path, tmp: Path) -> dict[str, Any]:
    folder = tmp / f"d-{file.suffix[1:]}"
    folder.mkdir()
    shutil.copyfile(file, folder / file.name)
    report = check_path(folder, load_pack("yongchuan"), "application", {}, CheckOptions()).to_json()
    doc = next(d for d in report["documents"] if d["type"] == "application-form")
    findings = sorted((f["code"], f["requirement"]) for f in report["findings"]
                      if f["location"].get("file") == file.name and f["requirement"].startswith("application-form"))
    return {"sections": [(s["id"], s["status"]) for s in doc["sections"]], "findings": findings}


@pytest.fixture(scope="module")
def variants(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("forms")
    base = _ruled_form(tmp / "申报表.docx")
    out = {"docx": base, "xlsx": _xlsx(_rows(base), tmp / "申报表.xlsx")}
    if find_soffice() is not None:
        pdf = convert_many([base], tmp / "pdf", to="pdf")[base]
        xls = convert_many([out["xlsx"]], tmp / "xls", to="xls")[out["xlsx"]]
        assert isinstance(pdf, Path) and isinstance(xls, Path), (pdf, xls)
        out["pdf"] = pdf
        out["xls"] = xls
        et = tmp / "申报表.et"  # WPS 表格 writes BIFF8 under its own name
        shutil.copyfile(xls, et)
        out["et"] = et
    return out


def test_docx_form_is_the_reference(variants: dict[str, Path], tmp_path: Path) -> None:
    ref = _check(variants["docx"], tmp_path)
    statuses = dict(ref["sections"])
    assert statuses["project-name"] == statuses["background-and-basis"] == "present"
    assert len(statuses) == 16


def test_xlsx_form_checked_like_docx(variants: dict[str, Path], tmp_path: Path) -> None:
    assert _check(variants["xlsx"], tmp_path) == _check(variants["docx"], tmp_path)


@needs_soffice
@pytest.mark.parametrize("kind", ["xls", "et"])
def test_legacy_spreadsheet_form_checked_like_docx(kind: str, variants: dict[str, Path], tmp_path: Path) -> None:
    assert ole_kind(variants[kind]) == "sheet"
    assert _check(variants[kind], tmp_path) == _check(variants["docx"], tmp_path)


@needs_soffice
def test_pdf_form_cells_read_whole_and_checked_like_docx(variants: dict[str, Path], tmp_path: Path) -> None:
    tree = parse_pdf(variants["pdf"])
    tables = [b for b in tree.preamble if b.kind == "table"] + [b for h in tree.walk() for b in h.blocks
                                                                 if b.kind == "table"]
    cells = [c for t in tables for r in t.rows for c in r]
    assert LONG in cells  # the wrapped cell is one cell, not rows of fragments
    assert _check(variants["pdf"], tmp_path) == _check(variants["docx"], tmp_path)


def test_only_form_sized_pdfs_are_read_cell_by_cell(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """pdfplumber re-parses every ruled page: a long report keeps its text-layer rows."""
    from dossier.parse import pdf_tables
    from dossier.parse.layout import Page

    asked: list[list[int]] = []

    def find_tables(path: Path, ruled: list[int]) -> dict[int, list[object]]:
        asked.append(list(ruled))
        return {}

    monkeypatch.setattr(pdf_tables, "find_tables", find_tables)
    pages = [Page(n, 595.0, 842.0, ()) for n in range(1, pdf_tables.FORM_PAGES + 2)]
    assert pdf_tables.apply_tables(tmp_path / "long.pdf", pages, [1, 2], []) == pages
    assert asked == []
    short = pages[: pdf_tables.FORM_PAGES]
    assert pdf_tables.apply_tables(tmp_path / "form.pdf", short, [1, 2], []) == short
    assert asked == [[1, 2]]


def _ruled_by_pypdfium2(page: Any) -> bool:
    """looks_ruled as it was written over pypdfium2's get_objects: the reference for the C loop."""
    import pypdfium2.raw as pdfium_c

    from dossier.parse.pdf_tables import MIN_RULES

    horizontal = vertical = 0
    try:
        for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=2):
            left, bottom, right, top = obj.get_bounds()
            w, h = right - left, top - bottom
            if h < 3 and w > 15:
                horizontal += 1
            elif w < 3 and h > 8:
                vertical += 1
            elif w > 15 and h > 8:
                horizontal += 1
                vertical += 1
            if horizontal + vertical >= MIN_RULES and horizontal >= 2 and vertical >= 2:
                return True
    except Exception:
        return False
    return False


@needs_soffice
def test_ruling_is_counted_as_pypdfium2_lists_it_forms_included(variants: dict[str, Path]) -> None:
    # The form's page, that page placed as a form XObject on a page (its rules one level down:
    # counted), and placed again inside that (two levels down: not counted, as max_depth=2).
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    from dossier.parse.pdf_tables import looks_ruled

    src = pdfium.PdfDocument(variants["pdf"])
    doc = pdfium.PdfDocument.new()
    try:
        def place(from_doc: Any, index: int) -> None:
            page = doc.new_page(595, 842)
            xobject = pdfium_c.FPDF_NewXObjectFromPage(doc.raw, from_doc.raw, index)
            form = pdfium_c.FPDF_NewFormObjectFromXObject(xobject)
            pdfium_c.FPDFPage_InsertObject(page.raw, form)
            assert pdfium_c.FPDFPage_GenerateContent(page.raw)
            pdfium_c.FPDF_CloseXObject(xobject)
            page.close()

        place(src, 0)
        place(doc, 0)
        doc.new_page(595, 842).close()  # blank
        seen = []
        for d in (src, doc):
            for i in range(len(d)):
                page = d[i]
                seen.append((looks_ruled(page), _ruled_by_pypdfium2(page)))
                page.close()
    finally:
        doc.close()
        src.close()
    assert [new for new, _ in seen] == [old for _, old in seen]
    assert seen[0] == (True, True)  # the form itself
    assert seen[-3:] == [(True, True), (False, False), (False, False)]
