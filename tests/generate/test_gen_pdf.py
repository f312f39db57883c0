"""A skeleton converts to PDF with LibreOffice (what reviewers and the PDF parser see)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from gen_support import Skeleton

from dossier.model import Pack


def test_report_skeleton_converts_to_pdf(mini_pack: Pack, skeleton: Skeleton, tmp_path: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed")
    src = skeleton(mini_pack, "report-a", {"project_name": "测试项目"})
    profile = tmp_path / "lo-profile"  # an isolated profile: no clash with other soffice runs
    proc = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(src),
        ],  # fmt: skip
        capture_output=True,
        text=True,
        timeout=180,
    )
    pdf_path = tmp_path / (src.stem + ".pdf")
    assert proc.returncode == 0 and pdf_path.is_file(), proc.stderr
    pdf = pdfium.PdfDocument(str(pdf_path))
    assert len(pdf) >= 3  # cover, contents, body
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    page = pdf[0]
    assert round(page.get_width() * 25.4 / 72) == 210 and round(page.get_height() * 25.4 / 72) == 297
    for needle in ("测试报告", "测试项目", "项目概述", "【填写说明】"):
        assert needle in text
    pdf.close()
