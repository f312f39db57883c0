"""Scanned PDF: pages without a text layer are rendered and OCR'd with rapidocr."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dossier.parse import parse_file
from dossier.parse.pdf import NO_TEXT_LAYER, parse_pdf
from dossier.tree import DocumentTree

pytest.importorskip("rapidocr_onnxruntime")

REPO = Path(__file__).resolve().parents[2]
SCAN = REPO / "corpus" / "parse" / "scanned" / "acceptance-bold-scan.pdf"
EXPECTED = json.loads(SCAN.with_name("acceptance-bold-scan.expected.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def tree() -> DocumentTree:
    return parse_pdf(SCAN)


def _key(t: str) -> str:
    return "".join(t.split())


def _flat(nodes: list[dict[str, object]]) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    for n in nodes:
        out.append((_key(str(n["title"])), int(str(n["level"]))))
        kids = n["children"]
        assert isinstance(kids, list)
        out += _flat(kids)
    return out


def test_scanned_fixture_is_image_only() -> None:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(SCAN))
    try:
        assert 1 <= len(pdf) <= 2
        assert all(pdf[i].get_textpage().count_chars() == 0 for i in range(len(pdf)))
    finally:
        pdf.close()


def test_scanned_heading_recall(tree: DocumentTree) -> None:
    expected = _flat(EXPECTED["headings"])
    found = [(_key(h.title), h.level) for h in tree.walk()]
    hits = [e for e in expected if e[0] in {f[0] for f in found}]
    assert len(hits) / len(expected) >= 0.9, (expected, found)
    # Headings found are real headings (nothing made up from body lines).
    assert len(hits) / len(found) >= 0.9
    levels = dict(found)
    assert sum(levels[t] == lv for t, lv in hits) / len(hits) >= 0.9


def test_tree_says_it_came_from_ocr(tree: DocumentTree) -> None:
    assert tree.ocr and tree.format == "pdf-ocr"
    assert tree.ocr_confidence is not None and 0.8 <= tree.ocr_confidence <= 1.0
    assert any(w.startswith("ocr: pages 1-2") for w in tree.warnings)
    assert not any(w.startswith(NO_TEXT_LAYER) for w in tree.warnings)
    assert all("ocr" in h.signals and 0 < h.confidence <= 1 for h in tree.walk())
    d = tree.as_dict()
    assert d["ocr"] is True and d["format"] == "pdf-ocr"


def test_ocr_body_text_and_running_lines(tree: DocumentTree) -> None:
    blocks = [b.text for h in tree.walk() for b in h.blocks] + [b.text for b in tree.preamble]
    assert any("17597.78" in b for b in blocks)
    assert not any(b.replace(" ", "") in {"初验报告", "第3页共7页", "第4页共7页"} for b in blocks)
    assert all(b.location.page in (1, 2) for h in tree.walk() for b in h.blocks)


def test_engine_loaded_once() -> None:
    from dossier.parse import ocr

    assert ocr.available()
    first = ocr._engine()
    assert ocr._engine() is first


def test_parse_file_dispatches_scanned_pdf() -> None:
    t = parse_file(SCAN, ocr=False)
    assert t.headings == () and any(w.startswith(NO_TEXT_LAYER) for w in t.warnings)


def test_mixed_pdf_ocrs_only_the_scanned_page(tmp_path: Path) -> None:
    import pypdfium2 as pdfium

    mixed = pdfium.PdfDocument.new()
    text = pdfium.PdfDocument(str(REPO / "corpus" / "parse" / "pdf" / "self-evaluation-decimal.pdf"))
    scan = pdfium.PdfDocument(str(SCAN))
    mixed.import_pages(text, [0, 1])
    mixed.import_pages(scan, [0])
    out = tmp_path / "mixed.pdf"
    mixed.save(str(out))
    for d in (mixed, text, scan):
        d.close()
    t = parse_pdf(out)
    assert t.format == "pdf" and t.ocr and t.pages == 3
    assert any(w.startswith("ocr: pages 3 ") for w in t.warnings)
    by_title = {h.title: h for h in t.walk()}
    assert "ocr" not in by_title["项目基本情况"].signals
    assert "ocr" in by_title["项目建设背景"].signals and by_title["项目建设背景"].location.page == 3
