"""OCR for pages without a text layer, via rapidocr_onnxruntime.

Its detection and recognition models ship inside the wheel, so nothing is downloaded.
The engine takes about a second to load, so it is created once per process, lazily,
and only when a page actually needs it.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Any

__all__ = ["OcrLine", "OcrUnavailable", "available", "ocr_image", "unavailable_reason"]


class OcrUnavailable(RuntimeError):
    """rapidocr_onnxruntime cannot be imported or cannot start here."""


@dataclass(frozen=True)
class OcrLine:
    """One recognised line; the box is in the image's pixels (x right, y down)."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    score: float


_LOCK = threading.Lock()
_ENGINE: Any = None
_ERROR: str | None = None


def _engine() -> Any:
    global _ENGINE, _ERROR
    with _LOCK:
        if _ENGINE is not None:
            return _ENGINE
        if _ERROR is not None:
            raise OcrUnavailable(_ERROR)
        # onnxruntime (1.2x+) starts a telemetry client on import that writes a device id and
        # a SQLite store under ~/.cache/Microsoft and a .ses file in TMPDIR: a check must write
        # nothing outside its output, and nothing about the machine should leave it.
        os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
        try:
            from rapidocr_onnxruntime import RapidOCR

            _ENGINE = RapidOCR()
        except Exception as e:  # ImportError, or onnxruntime failing to load a model
            _ERROR = f"rapidocr_onnxruntime is not available ({type(e).__name__}: {e})"
            raise OcrUnavailable(_ERROR) from e
        return _ENGINE


def available() -> bool:
    """True when the OCR engine can be loaded (loads it on first call)."""
    try:
        _engine()
    except OcrUnavailable:
        return False
    return True


def unavailable_reason() -> str | None:
    return None if available() else _ERROR


def ocr_image(image: Any) -> list[OcrLine]:
    """Recognise text lines in a PIL image or an RGB numpy array, top to bottom."""
    import numpy as np

    arr = np.asarray(image.convert("RGB")) if hasattr(image, "convert") else np.asarray(image)
    result, _elapsed = _engine()(arr)
    lines: list[OcrLine] = []
    for box, text, score in result or ():
        xs = [float(p[0]) for p in box]
        ys = [float(p[1]) for p in box]
        t = str(text).strip()
        if t:
            lines.append(OcrLine(t, min(xs), min(ys), max(xs), max(ys), float(score)))
    lines.sort(key=lambda ln: (ln.top, ln.x0))
    return lines
