"""The 审查意见 as PDF: the GB/T 9704 DOCX printed by LibreOffice (headless, its own
throwaway profile, a timeout; see parse.convert). Fonts the DOCX names but the machine
lacks (仿宋_GB2312, 方正小标宋简体) are substituted by LibreOffice, Noto CJK on Linux."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dossier.errors import DossierError

PDF_TIMEOUT = 180.0


class PdfUnavailable(DossierError):
    """LibreOffice is missing or failed: the PDF cannot be made (the DOCX still can)."""


def docx_to_pdf(data: bytes, timeout: float = PDF_TIMEOUT) -> bytes:
    from dossier.parse.convert import convert_many

    with tempfile.TemporaryDirectory(prefix="dossier-pdf-") as tmp:
        src = Path(tmp) / "审查意见.docx"
        src.write_bytes(data)
        result = convert_many([src], Path(tmp) / "out", timeout, to="pdf")[src]
        if isinstance(result, str):
            raise PdfUnavailable(f"PDF export failed: {result}")
        return result.read_bytes()


def render_pdf(report: Mapping[str, Any], *, unit: str = "") -> bytes:
    from dossier.render.word import render_docx

    return docx_to_pdf(render_docx(report, unit=unit))
