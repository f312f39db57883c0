"""Image scans as documents: a 监理报告 photographed (JPEG, EXIF-rotated) or scanned flat (PNG)
is that material; a multi-page TIFF is one document of several pages; without OCR the file
is reported as a scan that could not be read, and a broken image as unreadable."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from dossier.check.engine import CheckOptions, check_path, parse_one
from dossier.errors import InputError
from dossier.packs import load_pack
from dossier.parse import parse_file
from dossier.parse.image import parse_image

REPO = Path(__file__).resolve().parents[2]
SUPERVISION_SCAN = REPO / "corpus" / "dossiers" / "yongchuan-final-acceptance" / "files" / "扫描件003.pdf"
BOLD_SCAN = REPO / "corpus" / "parse" / "scanned" / "acceptance-bold-scan.pdf"
EXPECTED = json.loads(BOLD_SCAN.with_name("acceptance-bold-scan.expected.json").read_text(encoding="utf-8"))

needs_ocr = pytest.mark.skipif(
    __import__("importlib").util.find_spec("rapidocr_onnxruntime") is None, reason="rapidocr not installed"
)


def _pages(pdf_path: Path, scale: float = 200 / 72) -> list[Any]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        return [pdf[i].render(scale=scale, grayscale=True).to_pil().convert("L") for i in range(len(pdf))]
    finally:
        pdf.close()


def _phone_photo(page: Any, out: Path) -> Path:
    """A phone photo of a page: larger than needed, greyish, stored sideways with EXIF
    Orientation 6 (the viewer turns it 90° clockwise)."""
    from PIL import Image

    big = page.resize((page.width * 3 // 2, page.height * 3 // 2), Image.Resampling.BILINEAR)
    photo = big.point(lambda v: 60 + v * 0.7).convert("RGB").transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    photo.save(out, "JPEG", quality=85, exif=exif)
    return out


def _flat(nodes: list[dict[str, Any]]) -> list[str]:
    out: list[str] = []
    for n in nodes:
        out.append("".join(str(n["title"]).split()))
        out += _flat(n["children"])
    return out


@needs_ocr
def test_supervision_report_as_photo_and_flat_scan_is_that_material(tmp_path: Path) -> None:
    folder = tmp_path / "dossier"
    folder.mkdir()
    page = _pages(SUPERVISION_SCAN)[0]
    _phone_photo(page, folder / "IMG_20240312_101500.jpg")
    page.save(folder / "scan0001.png")
    pack = load_pack("yongchuan")
    report = check_path(folder, pack, "final-acceptance", {"supervised": True}, CheckOptions()).to_json()
    files = {f["path"]: f for f in report["files"]}
    assert {p: (f["status"], f["material"]) for p, f in files.items()} == {
        "IMG_20240312_101500.jpg": ("parsed", "supervision-report"),
        "scan0001.png": ("parsed", "supervision-report"),
    }
    material = next(m for m in report["materials"] if m["id"] == "supervision-report")
    assert material["status"] == "present"
    assert sorted(material["files"]) == ["IMG_20240312_101500.jpg", "scan0001.png"]


@needs_ocr
def test_multi_page_tiff_is_one_document(tmp_path: Path) -> None:
    pages = _pages(BOLD_SCAN, scale=2.0)  # 144 dpi, as a scanning archive stores pages
    tif = tmp_path / "scan.tif"
    pages[0].save(tif, save_all=True, append_images=pages[1:], compression="tiff_deflate")
    tree = parse_file(tif)
    assert tree.format == "image" and tree.pages == len(pages) == 2 and tree.ocr
    expected = _flat(EXPECTED["headings"])
    found = ["".join(h.title.split()) for h in tree.walk()]
    hits = [e for e in expected if e in found]
    assert len(hits) / len(expected) >= 0.9, (expected, found)
    assert len(hits) / len(found) >= 0.9, found


def test_without_ocr_an_image_is_a_scan_not_read(tmp_path: Path) -> None:
    from PIL import Image

    png = tmp_path / "scan.png"
    Image.new("L", (300, 400), 255).save(png)
    tree = parse_image(png, ocr=False)
    assert tree.warnings[0].startswith("no-text-layer:") and list(tree.walk()) == []
    parsed = parse_one("scan.png", png, "image", ocr=False)
    assert (parsed.status, parsed.code) == ("no-text", "DOS-P001")


def test_broken_or_oversized_images_say_why(tmp_path: Path) -> None:
    from PIL import Image

    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 64)
    with pytest.raises(InputError, match="image"):
        parse_image(bad)
    parsed = parse_one("bad.jpg", bad, "image")
    assert (parsed.status, parsed.code) == ("unreadable", "DOS-P002")
    huge = tmp_path / "huge.png"
    Image.new("1", (15000, 15000), 1).save(huge)  # 225 Mpx, a few KB on disk
    with pytest.raises(InputError, match="too large"):
        parse_image(huge)


def test_input_is_not_modified(tmp_path: Path) -> None:
    from PIL import Image

    png = tmp_path / "scan.png"
    Image.new("L", (200, 200), 255).save(png)
    before = png.read_bytes()
    copy = tmp_path / "copy.png"
    shutil.copyfile(png, copy)
    parse_image(png, ocr=False)
    assert png.read_bytes() == before
