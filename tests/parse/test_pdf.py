"""PDF with a text layer: LibreOffice-exported fixtures scored against their expected trees,
plus small cases built line by line (running headers, wrapped headings, amounts, 目录)."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import docx
import pytest

from dossier.errors import InputError
from dossier.parse.pdf import NO_TEXT_LAYER, Line, Page, is_page_number, lines_to_tree, parse_pdf
from dossier.tree import DocumentTree

REPO = Path(__file__).resolve().parents[2]
PDF_DIR = REPO / "corpus" / "parse" / "pdf"
SCAN_DIR = REPO / "corpus" / "parse" / "scanned"
FIXTURES = sorted(PDF_DIR.glob("*.expected.json"))
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_soffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) not installed")


def _corpus_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_pdf", REPO / "corpus" / "parse" / "make_pdf.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["make_pdf"] = mod  # dataclasses look their module up while the class is built
    spec.loader.exec_module(mod)
    return mod


SCORES = _corpus_tool().heading_scores


def _parse(exp_path: Path) -> tuple[DocumentTree, dict[str, object]]:
    exp = json.loads(exp_path.read_text(encoding="utf-8"))
    return parse_pdf(exp_path.parent / exp["file"]), exp


def _found(tree: DocumentTree) -> list[dict[str, object]]:
    return [h.as_dict() for h in tree.headings]


def test_fixtures_exist() -> None:
    assert len(FIXTURES) >= 4
    for f in FIXTURES:
        pdf = f.parent / json.loads(f.read_text(encoding="utf-8"))["file"]
        assert pdf.is_file() and pdf.stat().st_size < 300_000


@pytest.mark.parametrize("exp_path", FIXTURES, ids=lambda p: p.name.split(".")[0])
def test_fixture_heading_accuracy(exp_path: Path) -> None:
    tree, exp = _parse(exp_path)
    s = SCORES(_found(tree), exp["headings"])
    assert s["recall"] >= 0.98, s
    assert s["precision"] >= 0.98, s
    assert s["levels"] >= 0.98, s
    assert s["labels"] >= 0.98, s
    assert tree.title == exp["title"]
    assert tree.format == "pdf" and not tree.ocr


def test_text_pdfs_overall_bar() -> None:
    tot = {"expected": 0, "found": 0, "matched": 0, "levels": 0.0}
    for f in FIXTURES:
        tree, exp = _parse(f)
        s = SCORES(_found(tree), exp["headings"])
        for k in ("expected", "found", "matched"):
            tot[k] += s[k]
        tot["levels"] += s["levels"] * s["matched"]
    assert tot["matched"] / tot["expected"] >= 0.98
    assert tot["matched"] / tot["found"] >= 0.98
    assert tot["levels"] / tot["matched"] >= 0.98


@pytest.mark.parametrize("exp_path", FIXTURES, ids=lambda p: p.name.split(".")[0])
def test_fixture_running_lines_and_toc_dropped(exp_path: Path) -> None:
    tree, _exp = _parse(exp_path)
    texts = [b.text for b in tree.preamble] + [b.text for h in tree.walk() for b in h.blocks]
    for t in texts:
        assert not is_page_number(t), t
        assert "……" not in t, f"目录 entry kept: {t}"
        assert t not in {"初验报告", "绩效自评价报告", "永川区智慧城管平台项目基本情况报告"}, t
        assert t.replace(" ", "") != "目录", t
    for h in tree.walk():
        assert "……" not in h.title and h.title != "目录"


def test_bookmarks_are_a_signal_when_present() -> None:
    with_bm = parse_pdf(PDF_DIR / "basic-report-styled.pdf")
    without = parse_pdf(PDF_DIR / "basic-report-styled-nobookmarks.pdf")
    assert all("bookmark" in h.signals for h in with_bm.walk())
    assert not any("bookmark" in h.signals for h in without.walk())
    assert [(h.level, h.title) for h in with_bm.walk()] == [(h.level, h.title) for h in without.walk()]


def test_body_blocks_amounts_and_locations() -> None:
    tree = parse_pdf(PDF_DIR / "basic-report-styled.pdf")
    heads = {h.title: h for h in tree.walk()}
    money = heads["总投资及资金来源"]
    assert money.blocks[0].text.startswith("17597.78 万元")
    assert all(b.location.page and b.location.page >= 3 for h in tree.walk() for b in h.blocks)
    assert heads["项目概述"].location.page == 3
    # Paragraphs are joined across wrapped lines (no line-break in the middle of a sentence).
    assert any(len(b.text) > 100 for b in heads["组织战略目标分析"].blocks)
    assert not heads["项目概述"].blocks and heads["项目概述"].has_content()
    # The amount line of the bold document is body text under its heading, not a heading.
    bold = parse_pdf(PDF_DIR / "acceptance-bold.pdf")
    assert not any(h.title.startswith(("17597", "2023")) for h in bold.walk())
    contract = next(h for h in bold.walk() if h.title == "合同约定内容")
    assert contract.blocks[0].text.replace(" ", "").startswith("17597.78万元")


def test_wrapped_heading_in_fixture_is_one_heading() -> None:
    tree = parse_pdf(PDF_DIR / "acceptance-bold.pdf")
    titles = [h.title for h in tree.walk()]
    assert "市级政务信息资源共享交换平台与区级城市运行管理服务平台对接的必要性和可行性分析" in titles
    assert not any(t.startswith("对接的必要性") for t in titles)


def test_max_pages_bounds_the_work() -> None:
    tree = parse_pdf(PDF_DIR / "basic-report-styled.pdf", max_pages=3)
    assert tree.pages == 8
    assert any("first 3 of 8 pages" in w for w in tree.warnings)
    assert [h.title for h in tree.headings] == ["项目概述"]


def test_time_limit_bounds_the_work() -> None:
    tree = parse_pdf(PDF_DIR / "basic-report-styled.pdf", time_limit=0.0)
    assert any(w.startswith("time limit") for w in tree.warnings)


# ---------------------------------------------------------------- errors
def test_not_a_pdf(tmp_path: Path) -> None:
    p = tmp_path / "x.pdf"
    p.write_bytes(b"hello, I am text")
    with pytest.raises(InputError, match="not a PDF"):
        parse_pdf(p)


def test_truncated_pdf(tmp_path: Path) -> None:
    data = (PDF_DIR / "acceptance-bold.pdf").read_bytes()
    p = tmp_path / "cut.pdf"
    p.write_bytes(data[: len(data) // 3])
    with pytest.raises(InputError, match="broken or truncated PDF") as e:
        parse_pdf(p)
    assert e.value.path == str(p)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        parse_pdf(tmp_path / "nope.pdf")


@needs_soffice
def test_encrypted_pdf(tmp_path: Path) -> None:
    d = docx.Document()
    d.add_paragraph("第一章 项目概述")
    src = tmp_path / "secret.docx"
    d.save(str(src))
    opts = (
        'pdf:writer_pdf_Export:{"EncryptFile":{"type":"boolean","value":"true"},'
        '"DocumentOpenPassword":{"type":"string","value":"s3cret"}}'
    )
    assert SOFFICE is not None
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={(tmp_path / 'prof').as_uri()}",
            "--headless",
            "--convert-to",
            opts,
            "--outdir",
            str(tmp_path),
            str(src),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    with pytest.raises(InputError, match="加密文件，无法读取"):
        parse_pdf(tmp_path / "secret.pdf")


# ---------------------------------------------------------------- no text layer
def test_scanned_without_ocr_says_no_text_layer() -> None:
    tree = parse_pdf(SCAN_DIR / "acceptance-bold-scan.pdf", ocr=False)
    assert tree.headings == () and not tree.ocr and tree.format == "pdf"
    flags = [w for w in tree.warnings if w.startswith(NO_TEXT_LAYER)]
    assert flags and "pages 1-2" in flags[0] and "OCR was turned off" in flags[0]


def test_scanned_when_ocr_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    import dossier.parse.ocr as ocr_mod

    monkeypatch.setattr(ocr_mod, "unavailable_reason", lambda: "rapidocr_onnxruntime is not available (test)")
    tree = parse_pdf(SCAN_DIR / "acceptance-bold-scan.pdf")
    assert tree.headings == ()
    assert any(w.startswith(NO_TEXT_LAYER) and "not available" in w for w in tree.warnings)


# ---------------------------------------------------------------- line-level cases
W, H = 595.0, 842.0


def L(
    page: int,
    top: float,
    text: str,
    *,
    size: float = 12.0,
    bold: bool = False,
    x0: float = 90.0,
    x1: float | None = None,
    font: str = "NotoSerifCJKsc-Regular",
) -> Line:
    if x1 is None:
        x1 = min(x0 + size * len(text), 505.0)
    return Line(
        page=page, text=text, x0=x0, x1=x1, top=top, bottom=top + size, size=size, bold=bold, font=font
    )


BODY = "项目建设单位按照全区政务信息化总体规划统筹推进数据共享和业务协同，系统依托区级政务云平台部署。"


def _pages(lines: list[Line]) -> list[Page]:
    out = []
    for n in sorted({ln.page for ln in lines}):
        out.append(Page(n, W, H, tuple(ln for ln in lines if ln.page == n)))
    return out


def _tree(lines: list[Line]) -> tuple[str, list[tuple[int, str, str]], list[str]]:
    title, pre, heads = lines_to_tree(Path("t.pdf"), _pages(lines), [], ocr=False)
    flat = [(h.level, h.label, h.title) for root in heads for h in root.walk()]
    blocks = [b.text for b in pre] + [b.text for root in heads for h in root.walk() for b in h.blocks]
    return title, flat, blocks


def _body_page(n: int, heading: str | None = None) -> list[Line]:
    lines = [L(n, 30, "某某项目初验报告", size=10.5, x0=260), L(n, 800, f"- {n} -", size=10.5, x0=280)]
    y = 80.0
    if heading:
        lines.append(L(n, y, heading, size=16, bold=True, font="NotoSansCJKsc-Bold"))
        y += 30
    for _ in range(5):
        lines.append(L(n, y, BODY[:34], x1=505))
        y += 20
    lines.append(L(n, y, "五个阶段推进。", x1=180))
    return lines


def test_running_header_and_page_numbers_removed() -> None:
    lines = [ln for n in range(1, 5) for ln in _body_page(n, "一、项目概况" if n == 1 else None)]
    _title, flat, blocks = _tree(lines)
    assert flat == [(1, "一、", "项目概况")]
    assert not any("初验报告" in b or b.startswith("-") for b in blocks)


def test_header_repeating_on_two_pages_of_two() -> None:
    lines = [ln for n in range(1, 3) for ln in _body_page(n, "一、项目概况" if n == 1 else None)]
    _title, _flat, blocks = _tree(lines)
    assert not any("初验报告" in b for b in blocks)


@pytest.mark.parametrize(
    "text", ["- 3 -", "— 12 —", "第 3 页", "第3页 共7页", "第 ３ 页", "3/7", "Page 3 of 7", "7"]
)
def test_page_number_forms(text: str) -> None:
    assert is_page_number(text)


@pytest.mark.parametrize("text", ["第三章 需求分析", "3. 项目名称", "17597.78 万元"])
def test_not_page_numbers(text: str) -> None:
    assert not is_page_number(text)


def test_wrapped_heading_merged() -> None:
    bold = {"size": 14.0, "bold": True, "font": "NotoSansCJKsc-Bold"}
    lines = [
        L(1, 80, "（一）市级政务信息资源共享交换平台与区级城市运行管理", x1=500, **bold),  # type: ignore[arg-type]
        L(1, 100, "服务平台对接的必要性分析", x1=260, **bold),  # type: ignore[arg-type]
        L(1, 130, BODY[:34], x0=114, x1=505),
        L(1, 150, "五个阶段推进。", x1=180),
    ]
    _t, flat, blocks = _tree(lines)
    assert flat == [(1, "（一）", "市级政务信息资源共享交换平台与区级城市运行管理服务平台对接的必要性分析")]
    assert blocks == [BODY[:34] + "五个阶段推进。"]


def test_short_heading_not_merged_with_next_heading() -> None:
    bold = {"size": 14.0, "bold": True, "font": "NotoSansCJKsc-Bold"}
    lines = [
        L(1, 80, "一、项目概况", **bold),  # type: ignore[arg-type]
        L(1, 100, "二、建设内容", **bold),  # type: ignore[arg-type]
        L(1, 120, BODY[:20], x1=300),
    ]
    assert [t for _lv, _lb, t in _tree(lines)[1]] == ["项目概况", "建设内容"]


def test_amount_line_is_not_a_heading() -> None:
    lines = [
        L(1, 80, "一、项目投资", size=16, bold=True, font="NotoSansCJKsc-Bold"),
        L(1, 110, "17597.78 万元，主要用于以下方面：", x1=330),
        L(1, 130, "3 个月内完成试运行", x1=300),
        L(1, 150, "1.5 倍于上年度", x1=260),
    ]
    _t, flat, blocks = _tree(lines)
    assert flat == [(1, "一、", "项目投资")]
    assert blocks[0].startswith("17597.78 万元")


def test_numbered_sentence_is_body_numbered_short_line_is_heading() -> None:
    lines = [
        L(1, 80, "一、项目概况", size=16, bold=True, font="NotoSansCJKsc-Bold"),
        L(1, 110, "1. 项目名称", x1=170),
        L(1, 130, "某某平台建设项目。", x1=220),
        L(1, 150, "2. 本期完成了全部硬件部署和软件开发工作。", x1=470),
    ]
    _t, flat, _b = _tree(lines)
    assert flat == [(1, "一、", "项目概况"), (2, "1.", "项目名称")]


def test_toc_page_dropped_and_title_taken() -> None:
    cover = [
        L(1, 200, "永川区某某项目基本情况报告", size=22, bold=True, x0=150, font="NotoSansCJKsc-Bold"),
        L(1, 260, "（编制单位：某某局）", x0=200, x1=320),
    ]
    toc = [L(2, 60, "目  录", size=16, bold=True, x0=270, font="NotoSansCJKsc-Bold")]
    toc += [L(2, 90 + 20 * i, f"第{c}章 某某内容……………………{i + 3}", x1=505) for i, c in enumerate("一二三四")]
    body = [
        L(3, 80, "第一章 项目概述", size=16, bold=True, font="NotoSansCJKsc-Bold"),
        L(3, 110, BODY[:30], x1=400),
    ]
    title, flat, blocks = _tree(cover + toc + body)
    assert title == "永川区某某项目基本情况报告"
    assert flat == [(1, "第一章", "项目概述")]
    assert blocks == ["（编制单位：某某局）", BODY[:30]]


def test_placeholder_block() -> None:
    lines = [
        L(1, 80, "一、项目概况", size=16, bold=True, font="NotoSansCJKsc-Bold"),
        L(1, 110, "【填写说明】简要说明项目建设背景、目标和主要内容。", x0=114, x1=470),
    ]
    title, pre, heads = lines_to_tree(Path("t.pdf"), _pages(lines), [], ocr=False)
    assert heads[0].blocks[0].placeholder
    assert not heads[0].has_content()


def test_unnumbered_bold_heading_takes_level_of_same_look() -> None:
    big = {"size": 16.0, "bold": True, "font": "NotoSansCJKsc-Bold"}
    lines = [
        L(1, 80, "第一章 项目概述", **big),  # type: ignore[arg-type]
        L(1, 110, "1. 项目名称", size=14, bold=True, font="NotoSansCJKsc-Bold"),
        L(1, 140, BODY[:30], x1=400),
        L(1, 170, "附录", **big),  # type: ignore[arg-type]
        L(1, 200, BODY[:30], x1=400),
    ]
    _t, flat, _b = _tree(lines)
    assert flat == [(1, "第一章", "项目概述"), (2, "1.", "项目名称"), (1, "", "附录")]


# ---------------------------------------------------------------- cross-format
DOCX_DIR = REPO / "corpus" / "parse" / "docx"
DOCX_FIXTURES = sorted(DOCX_DIR.glob("*.expected.json")) if DOCX_DIR.is_dir() else []


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every DOCX fixture exported to PDF by LibreOffice, without bookmarks (visual signals only)."""
    from dossier.parse.convert import convert_many

    if SOFFICE is None or not DOCX_FIXTURES:
        pytest.skip("needs LibreOffice and corpus/parse/docx")
    srcs = [f.with_name(f.name.replace(".expected.json", ".docx")) for f in DOCX_FIXTURES]
    out = tmp_path_factory.mktemp("pdf-from-docx")
    nobm = 'pdf:writer_pdf_Export:{"ExportBookmarks":{"type":"boolean","value":"false"}}'
    res = convert_many([s for s in srcs if s.is_file()], out, 300, to=nobm)
    return {p.stem: r for p, r in res.items() if isinstance(r, Path)}


@pytest.mark.parametrize("exp_path", DOCX_FIXTURES, ids=lambda p: p.name.split(".")[0])
def test_pdf_export_of_docx_fixture(exp_path: Path, exported: dict[str, Path]) -> None:
    stem = exp_path.name.replace(".expected.json", "")
    assert stem in exported, f"LibreOffice did not export {stem}"
    exp = json.loads(exp_path.read_text(encoding="utf-8"))
    tree = parse_pdf(exported[stem])
    s = SCORES(_found(tree), exp["children"])
    assert s["recall"] >= 0.98 and s["precision"] >= 0.98 and s["levels"] >= 0.98, s


def test_characters_outside_the_bmp_never_reach_the_tree_as_halves() -> None:
    """pdfium gives a math letter (U+1D44E) as two UTF-16 halves, one per char index: the
    text keeps its length (indices stay valid) and encodes cleanly."""
    from dossier.parse.pdf import no_lone_surrogates

    raw = "定理\ud835\udc4e成立"
    fixed = no_lone_surrogates(raw)
    assert len(fixed) == len(raw)
    fixed.encode("utf-8")  # no UnicodeEncodeError
    assert fixed.startswith("定理") and fixed.endswith("成立")
    assert no_lone_surrogates("项目概述") == "项目概述"



def test_captions_dates_and_frame_lines_are_not_headings_however_set() -> None:
    """Issue 13: a bold caption, a 发文字号 and a 成文日期 are not sections, in a PDF as in Word."""
    bold = {"bold": True, "font": "NotoSansCJKsc-Bold"}
    lines = [
        L(1, 80, "一、系统架构", size=16, **bold),
        L(1, 110, BODY, x1=505),
        L(1, 140, "图1 系统总体架构", x0=220, x1=330, **bold),
        L(1, 170, BODY, x1=505),
        L(1, 200, "某府办发〔2023〕12号", x0=220, x1=380, **bold),
        L(1, 230, "2023年5月6日", x0=380, x1=480, **bold),
        L(1, 260, "二、运行维护", size=16, **bold),
        L(1, 290, BODY, x1=505),
    ]
    _title, flat, _blocks = _tree(lines)
    assert flat == [(1, "一、", "系统架构"), (1, "二、", "运行维护")]


def test_two_column_body_size_and_lines_that_name_nothing() -> None:
    """A paper: full-width lines (title, abstract) are small, the columns hold the body; a
    body line is not "bigger than the body", and pseudo-code or a lone axis label set bold
    is not a section."""
    lines = [L(1, 60, "An Abstract Line Set Small Across The Page Width " * 2, size=9, x0=54, x1=558)]
    for k in range(12):
        lines.append(L(1, 90 + 14 * k, "Body text in the left column of a two column paper", size=10, x0=54, x1=300))
        lines.append(L(2, 90 + 14 * k, "Body text in the right column of the page set", size=10, x0=310, x1=558))
    lines += [
        L(1, 270, "1 Introduction", size=12, bold=True, x0=54, x1=160),
        L(1, 290, "foreach q in Q do", size=10, bold=True, x0=54, x1=160),
        L(1, 310, "x ← x + 1", size=10, bold=True, x0=54, x1=120),
        L(1, 330, ")", size=10, bold=True, x0=54, x1=60),
    ]
    _title, flat, _blocks = _tree(lines)
    assert len(flat) == 1 and flat[0][2].endswith("Introduction")
