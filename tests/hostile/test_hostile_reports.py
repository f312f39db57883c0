"""Reports cannot be turned against their readers: user-supplied names never become live
Markdown (links, images, HTML), bidi and zero-width controls are shown in every format people
read, and `dossier tree` never sends a document's escape sequences to the terminal."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

from hostile_support import CHECK_ARGS, Box, pdf_bytes, run_cli, small_docx

from dossier.render.common import md_escape, show_invisible, terminal_safe

EVIL_NAMES = ("![x](http://evil.example/p.png)", "[点我](javascript:alert(1))", "<img src=x onerror=alert(1)>",
              "*粗体*_斜体_`代码`", "报告\u202etxt.exe", "零\u200b宽")


def _zip_with(names: tuple[str, ...]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for n in names:
            zf.writestr(n.replace("/", "_") + ".txt", "正文")
    return buf.getvalue()


def test_markdown_escaping_keeps_every_name_inert() -> None:
    for name in EVIL_NAMES:
        out = md_escape(name)
        assert not re.search(r"(?<!\\)!\[|(?<!\\)\[[^\]]*(?<!\\)\]\(|<img", out.replace("`" * 1, "")) or out.startswith("`")
        assert "\u202e" not in out and "\u200b" not in out
    assert md_escape("01_终验投用申请书.docx") == "01_终验投用申请书.docx"  # ordinary names stay readable
    assert show_invisible("报告\u202etxt.exe") == "报告⟨U+202E⟩txt.exe"


def test_report_md_has_no_live_link_image_or_html(tmp_path: Path) -> None:
    box = Box.make(tmp_path / "b", good=False)
    box.put("材料.zip", _zip_with(EVIL_NAMES))
    out = box.out / "r"
    run = run_cli(["check", str(box.inp), *CHECK_ARGS[:4], "-f", "md,html,json,xlsx,docx", "-o", str(out) + "/"], box)
    assert run.rc in (0, 1), run.stderr
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "evil.example" in md  # the name is shown …
    for line in md.splitlines():  # … but never as markup
        bare = re.sub(r"(`+).*?\1", "", line)  # code spans are inert
        assert not re.search(r"(?<!\\)!(?<!\\)\[", bare), line
        assert not re.search(r"(?<!\\)\]\(", bare), line
        assert "<img" not in bare, line
    assert "\u202e" not in md and "⟨U+202E⟩" in md
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "\u202e" not in html and "⟨U+202E⟩" in html and "<img src=x" not in html
    with zipfile.ZipFile(out / "report.docx") as zf:
        body = zf.read("word/document.xml").decode("utf-8")
    assert "\u202e" not in body and "⟨U+202E⟩" in body
    import openpyxl

    wb = openpyxl.load_workbook(out / "report.xlsx")
    sheets = " ".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value)
    assert "\u202e" not in sheets and "⟨U+202E⟩" in sheets
    # JSON is for programs: the exact name, escapes and all
    assert any("\u202e" in json.dumps(f, ensure_ascii=False) for f in json.loads((out / "report.json").read_text())["files"])


def test_tree_strips_terminal_escapes(tmp_path: Path) -> None:
    box = Box.make(tmp_path / "b", good=False)
    body = "The system was deployed on the district cloud and ran for three months without incident."
    pages = [[f"{i + 1}. Chapter {i + 1} overview \x1b[2J\x1b]0;pwned\x07 \x9b31m"] + [body + " \x1b[1A", body]
             for i in range(3)]
    f = box.put("esc.pdf", pdf_bytes(pages))
    for fmt in ("text", "json"):
        run = run_cli(["tree", str(f), "--format", fmt, "--no-ocr"], box)
        assert run.rc == 0, run.stderr
        assert "Chapter 2 overview" in run.stdout  # the text is there …
        assert "\x1b" not in run.stdout and "\x07" not in run.stdout and "\x9b" not in run.stdout  # … its escapes are not
    assert terminal_safe("a\x1b[31mb\x9b2Jc\u202e") == "abc⟨U+202E⟩"


def test_small_docx_still_renders_plainly(tmp_path: Path) -> None:
    box = Box.make(tmp_path / "b", good=False)
    f = box.put("ok.docx", small_docx())
    run = run_cli(["tree", str(f)], box)
    assert run.rc == 0 and "项目概述" in run.stdout
