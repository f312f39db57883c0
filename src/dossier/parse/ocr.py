"""OCR for pages without a text layer, via rapidocr_onnxruntime.

Its detection and recognition models ship inside the wheel, so nothing is downloaded.
The engine takes about a second to load, so it is created once per process (a check,
or a scan worker for all its files), lazily, and only when a page actually needs it.

Archive speed comes from doing less, not from a bigger machine:
- pages are read at the resolution OCR needs: `OCR_LONG_SIDE` pixels on the long side at
  most (an A4 page at ~150 dpi; body text is then ~20 px high, what the recogniser is
  trained for) — callers render or downscale to it, `fit_for_ocr` does so for images;
- the angle classifier is skipped: scans and renders are upright; a page whose lines are
  read with low confidence is read once more with it (an upside-down scan);
- onnxruntime uses the cores given (`DOSSIER_OCR_THREADS`, else the CPUs this process
  may run on), one page at a time, its threads never spinning: measured on 2 shared
  cores, spinning threads spent more time in the kernel than on the page;
- on the CPU the recogniser takes one line at a time: batches pad every line to the
  widest of the batch, and rapidocr's default of 6 cost 1.8× the CPU time of 1 (24: 9×);
- the CUDA execution provider is used when onnxruntime-gpu and a GPU are present.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "OCR_LONG_SIDE",
    "OcrLine",
    "OcrUnavailable",
    "available",
    "engine_info",
    "fit_for_ocr",
    "ocr_image",
    "ocr_many",
    "page_scale",
    "unavailable_reason",
]

OCR_LONG_SIDE = 1760
"""Long side, in pixels, that a page is read at (A4 at 150 dpi is 1754)."""
DET_LONG_SIDE = 1280
REC_BATCH_CPU = 1
REC_BATCH_GPU = 16
RETRY_WITH_ANGLE_BELOW = 0.6
"""Mean line confidence under which a page is read again with the angle classifier."""


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
_INFO: dict[str, Any] = {}


def _threads() -> int:
    given = os.environ.get("DOSSIER_OCR_THREADS", "").strip()
    if given.isdigit() and int(given) > 0:
        return int(given)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _gpu() -> bool:
    try:
        import onnxruntime as ort

        return "CUDAExecutionProvider" in ort.get_available_providers()
    except Exception:
        return False


def _no_spinning() -> None:
    """Idle onnxruntime worker threads spin for a while after each op; on cores shared
    with other workers that spinning is CPU stolen from them (and from us: measured, half
    the CPU time of a page went to the kernel). rapidocr builds its SessionOptions itself,
    so its builder is wrapped to turn spinning off."""
    try:
        from rapidocr_onnxruntime.utils import infer_engine
    except ImportError:
        return
    build = getattr(infer_engine.OrtInferSession, "_init_sess_opts", None)
    if build is None or getattr(build, "_dossier", False):
        return

    def init_sess_opts(config: dict[str, Any]) -> Any:
        opts = build(config)
        for key in ("session.intra_op.allow_spinning", "session.inter_op.allow_spinning"):
            opts.add_session_config_entry(key, "0")
        # No arena: pages differ in size, and an arena keeps the largest page's blocks
        # (per page in flight) for the life of the worker.
        opts.enable_cpu_mem_arena = False
        return opts

    init_sess_opts._dossier = True  # type: ignore[attr-defined]
    infer_engine.OrtInferSession._init_sess_opts = staticmethod(init_sess_opts)


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
        # Idle onnxruntime threads spin for a while after each op; on shared cores that
        # spinning is stolen from the other workers.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            from rapidocr_onnxruntime import RapidOCR

            _no_spinning()
            n = _threads()
            gpu = _gpu()
            _ENGINE = RapidOCR(
                intra_op_num_threads=n,
                inter_op_num_threads=1,
                use_cls=False,
                max_side_len=max(OCR_LONG_SIDE, 2000),
                # Detection at most DET_LONG_SIDE on the long side (body text still ~17 px);
                # recognition crops come from the page as given.
                det_limit_type="max",
                det_limit_side_len=DET_LONG_SIDE,
                rec_batch_num=REC_BATCH_GPU if gpu else REC_BATCH_CPU,
                det_use_cuda=gpu,
                cls_use_cuda=gpu,
                rec_use_cuda=gpu,
            )
            _INFO.update(threads=n, gpu=gpu)
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


def engine_info() -> dict[str, Any]:
    """Threads and whether the GPU provider is used (after the engine has started)."""
    return dict(_INFO)


def fit_for_ocr(image: Any, long_side: int = OCR_LONG_SIDE) -> Any:
    """A PIL image scaled down (never up) so its long side is at most `long_side` pixels."""
    w, h = image.size
    k = long_side / max(w, h, 1)
    if k >= 1.0:
        return image
    from PIL import Image

    return image.resize((max(1, round(w * k)), max(1, round(h * k))), Image.Resampling.BILINEAR)


def _lines(result: Any) -> list[OcrLine]:
    lines: list[OcrLine] = []
    for box, text, score in result or ():
        xs = [float(p[0]) for p in box]
        ys = [float(p[1]) for p in box]
        t = str(text).strip()
        if t:
            lines.append(OcrLine(t, min(xs), min(ys), max(xs), max(ys), float(score)))
    lines.sort(key=lambda ln: (ln.top, ln.x0))
    return lines


def ocr_many(images: Sequence[Any], *, upright: bool = True) -> list[list[OcrLine]]:
    """`ocr_image` for several pages, in order.

    One page at a time, onnxruntime's threads inside it: pages side by side were no faster
    on 2 shared cores and held a page's activations per thread (8 pages: 1.4 GB peak)."""
    return [ocr_image(im, upright=upright) for im in images]


def page_scale(width_pt: float, height_pt: float, most: float = 2.0) -> float:
    """Render scale for a PDF page: its long side at most OCR_LONG_SIDE pixels, and never
    over `most` (2.0 = 144 dpi, body text ~21 px high)."""
    return min(most, OCR_LONG_SIDE / max(width_pt, height_pt, 1.0))


def ocr_image(image: Any, *, upright: bool = True) -> list[OcrLine]:
    """Recognise text lines in a PIL image or an RGB numpy array, top to bottom.

    With `upright` (scans and renders are) the angle classifier runs only when the page
    reads badly without it."""
    import numpy as np

    arr = np.asarray(image.convert("RGB")) if hasattr(image, "convert") else np.asarray(image)
    eng = _engine()
    result, _elapsed = eng(arr, use_cls=not upright)
    lines = _lines(result)
    if upright and lines and sum(ln.score for ln in lines) / len(lines) < RETRY_WITH_ANGLE_BELOW:
        again = _lines(eng(arr, use_cls=True)[0])
        if again and sum(ln.score for ln in again) / len(again) > sum(ln.score for ln in lines) / len(lines):
            lines = again
    return lines
