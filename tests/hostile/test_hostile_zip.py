"""One end-to-end CLI case for a hostile zip (the unit cases live in tests/ingest/)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from hostile_support import GOOD_NAME, GOOD_SRC, Box, assert_bars, check, pack_zip, small_docx


def test_zip_with_traversal_bomb_and_good_document(tmp_path: Path, baseline: list[tuple[str, str]]) -> None:
    box = Box.make(tmp_path / "box", good=False)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(GOOD_NAME, GOOD_SRC.read_bytes())
        zf.writestr("../../escaped.docx", small_docx())
        zf.writestr("/tmp/absolute.docx", small_docx())
        zf.writestr("C:/windows/drive.docx", small_docx())
        zf.writestr("..\\..\\backslash.docx", small_docx())
        zf.writestr("inner.zip", pack_zip({"../../nested-escape.txt": b"x"}))
        info = zipfile.ZipInfo("bomb.docx")
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w", force_zip64=True) as dst:  # 300 MB of zeros, ~300 KB stored
            block = b"\0" * (1 << 20)
            for _ in range(300):
                dst.write(block)
    z = box.put("材料.zip", buf.getvalue())
    assert z.stat().st_size < 2_000_000
    absolute_before = Path("/tmp/absolute.docx").exists()
    run = check(box, z)
    assert Path("/tmp/absolute.docx").exists() == absolute_before
    refused = ["../../escaped.docx", "/tmp/absolute.docx", "C:/windows/drive.docx", "bomb.docx",
               "nested-escape.txt"]
    assert_bars(run, named=["材料.zip", *refused], good_path=f"材料.zip!/{GOOD_NAME}")
    codes = {f["location"].get("file"): f["code"] for f in run.report["findings"]}  # type: ignore[index]
    assert codes["材料.zip!/bomb.docx"] == "DOS-P005"
    assert codes["材料.zip!/../../escaped.docx"] == "DOS-P005"
    for name in ("escaped.docx", "absolute.docx", "drive.docx", "backslash.docx", "nested-escape.txt"):
        assert not list(tmp_path.rglob(name)), name
    print(f"hostile zip: {run.seconds:.1f} s, peak RSS {run.peak_rss >> 20} MiB")
