"""Image scans (.jpg/.jpeg/.png/.tif/.tiff, multi-page TIFF too) → DocumentTree by OCR.

A 监理报告 photographed on a phone or scanned flat is still that material: its text is
read by OCR and goes the same lines → heading-tree path as a scanned PDF. Images are
read at the resolution OCR needs (JPEG through the decoder's own draft scaling, so a
12-megapixel photo is never inflated in full), turned upright by their EXIF orientation,
and their pixel count is capped before decoding, so a decompression bomb is refused.
Coordinates are mapped onto an A4-wide page in points, so sizes read as a PDF's do.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from dossier.errors import InputError
from dossier.parse.limits import LIMITS, LimitExceeded, ocr_skipped, ocr_stop
from dossier.parse.ocr import OCR_LONG_SIDE, OcrLine, fit_for_ocr, ocr_image
from dossier.parse.pdf import NO_TEXT_LAYER, Line, Page, _cluster, _ranges, pages_tree
from dossier.tree import DocumentTree

__all__ = ["IMAGE_EXTS", "MAX_IMAGE_PIXELS", "ocr_pil_lines", "parse_image", "prepare"]

IMAGE_EXTS = frozenset({"jpg", "jpeg", "png", "tif", "tiff", "bmp", "webp", "gif"})
MAX_IMAGE_PIXELS = 200_000_000
"""A frame larger than this (a 14142² bitmap) is refused rather than decoded."""
PAGE_WIDTH_PT = 595.0


def prepare(image: Any, long_side: int = OCR_LONG_SIDE) -> Any:
    """Upright (EXIF orientation), greyscale, at most `long_side` pixels on the long side."""
    from PIL import ImageOps

    w, h = image.size
    if image.format != "JPEG" and w * h > LIMITS.decode_pixels:  # an OFD's or a TIFF frame's bitmap
        raise ValueError(f"图像为 {w}×{h} 像素，超过解码上限 {LIMITS.decode_pixels:,} 像素")
    if image.format == "JPEG" and max(image.size) > 2 * long_side:
        # JPEG decodes at 1/2, 1/4 or 1/8 scale for free: never hold the full photo.
        k = long_side / max(image.size)
        image.draft("L", (max(1, int(image.size[0] * k)), max(1, int(image.size[1] * k))))
    upright = ImageOps.exif_transpose(image)
    grey = upright.convert("L")
    return fit_for_ocr(grey, long_side)


def ocr_pil_lines(image: Any) -> tuple[int, int, list[OcrLine]]:
    """OCR one PIL image: (width, height) of the image as given, and its lines in those pixels."""
    w, h = image.size
    ready = prepare(image)
    lines = ocr_image(ready)
    rw, rh = ready.size
    kx, ky = w / max(rw, 1), h / max(rh, 1)
    if (rw, rh) != (w, h) and (kx != 1.0 or ky != 1.0):
        lines = [replace(o, x0=o.x0 * kx, x1=o.x1 * kx, top=o.top * ky, bottom=o.bottom * ky) for o in lines]
    return w, h, lines


def _page_lines(lines: list[OcrLine], width: int, page_no: int) -> tuple[float, list[Line]]:
    k = PAGE_WIDTH_PT / max(width, 1)
    out = []
    for o in lines:
        top, bottom = o.top * k, o.bottom * k
        out.append(Line(page_no, o.text, o.x0 * k, o.x1 * k, top, bottom, round(bottom - top, 1), score=o.score))
    return k, out


def _open(path: Path) -> Any:
    from PIL import Image, UnidentifiedImageError

    try:
        im = Image.open(path)
    except FileNotFoundError:
        raise InputError("file not found", path=str(path)) from None
    except Image.DecompressionBombError as e:
        raise InputError(f"image too large to read ({e})"[:200], path=str(path)) from None
    except (UnidentifiedImageError, OSError, ValueError) as e:
        raise InputError(f"not a readable image ({type(e).__name__})", path=str(path)) from None
    w, h = im.size
    if w * h > MAX_IMAGE_PIXELS:
        im.close()
        raise InputError(f"image too large to read ({w}×{h} pixels)", path=str(path))
    if im.format != "JPEG" and w * h > LIMITS.decode_pixels:  # JPEG decodes scaled down (prepare)
        im.close()
        raise LimitExceeded(f"图像为 {w}×{h} 像素，超过解码上限 {LIMITS.decode_pixels:,} 像素，未读取", path=str(path))
    return im


def parse_image(
    path: Path, *, ocr: bool = True, max_pages: int = 500, time_limit: float = 600.0
) -> DocumentTree:
    """OCR an image file (every frame of a multi-page TIFF) into a heading tree.

    Without OCR (turned off or not installed) the tree is empty with a NO_TEXT_LAYER
    warning, which the checker reports as a scan it could not read."""
    from PIL import Image, ImageSequence

    from dossier.parse import ocr as ocr_mod

    path = Path(path)
    deadline = time.monotonic() + time_limit
    warnings: list[str] = []
    im = _open(path)
    try:
        total = getattr(im, "n_frames", 1)
        reason = "OCR was turned off" if not ocr else ocr_mod.unavailable_reason()
        if reason is not None:
            warnings.append(f"{NO_TEXT_LAYER} pages {_ranges(list(range(1, total + 1)))} are an image and {reason}")
            return DocumentTree(path=str(path), format="image", title="", headings=(), pages=total,
                                warnings=tuple(warnings))
        pages: list[Page] = []
        scores: list[float] = []
        empty: list[int] = []
        left: list[int] = []
        started, capped = time.monotonic(), ""
        for i, frame in enumerate(ImageSequence.Iterator(im)):
            no = i + 1
            if left or i >= max_pages or time.monotonic() > deadline or (capped := ocr_stop(started, i)):
                left.append(no)
                continue
            try:
                w, h, found = ocr_pil_lines(frame)
            except (OSError, ValueError, Image.DecompressionBombError) as e:
                warnings.append(f"page {no} could not be read: {type(e).__name__}: {e}"[:200])
                continue
            k, lines = _page_lines(found, w, no)
            lines = _cluster(lines)
            if not lines:
                empty.append(no)
            scores.extend(ln.score for ln in lines if ln.score is not None)
            pages.append(Page(no, w * k, h * k, tuple(lines), ocr=True))
    except (OSError, ValueError) as e:
        raise InputError(f"broken image ({type(e).__name__}: {e})"[:200], path=str(path)) from None
    finally:
        im.close()
    if left:
        warnings.append(f"{NO_TEXT_LAYER} pages {_ranges(left)} were not OCR'd (page or time limit)")
        if capped:
            warnings.append(ocr_skipped(_ranges(left), capped))
    if empty:
        warnings.append(f"{NO_TEXT_LAYER} pages {_ranges(empty)} are an image and OCR found no text")
    read = [p.number for p in pages if p.lines]
    return pages_tree(path, pages, [], fmt="image", total=total, ocr_pages=read, scores=scores, warnings=warnings)
