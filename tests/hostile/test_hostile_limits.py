"""Resource caps through the real CLI (issue 12): small files that describe enormous documents.

Each case sits beside the good 终验投用申请书 and is checked with the sandbox's default limits
(the CLI runs under a 6 GB address-space backstop, so the sandbox keeps its own 4 GB): the
parsers' caps (dossier.parse.limits) must keep the whole process tree under 1 GB and the run
short, name the file and say what was not read (DOS-P006) or why it was refused (DOS-P003),
and leave the good document's check untouched.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import psutil
import pytest
from hostile_cases import (
    big_page_pdf,
    docx_cells,
    docx_many_parts,
    docx_paragraphs,
    docx_runs,
    image_pages_pdf,
    ofd_dense_page,
    xlsx_cells,
    xlsx_shared_strings,
)
from hostile_support import (
    BACKSTOP_AS,
    CHECK_ARGS,
    DOC_SRC,
    W_NS,
    Box,
    Run,
    assert_bars,
    check,
    needs_soffice,
    run_cli,
)


def _coded(run: Run, name: str, code: str) -> list[str]:
    return [f["message"] for f in run.findings_for(name) if f["code"] == code]


@pytest.mark.parametrize(("name", "build", "said"), [
    ("大表格.docx", docx_cells, "个表格单元格"),  # 2.5M cells: 3.6 GB before the caps
    ("大量文字块.docx", docx_runs, "个文字块"),  # 3M runs: 2.9 GB
    ("大量段落.docx", docx_paragraphs, "个段落"),  # 1M paragraphs: 1.9 GB, 69 s
    ("大量共享字符串.xlsx", xlsx_shared_strings, "个共享字符串"),  # 5M shared strings: 135 s
    ("大量单元格.xlsx", xlsx_cells, "个表格单元格"),  # 32M cells, no <dimension>: 205 s
    ("密集页面.ofd", ofd_dense_page, "第 1 页未读取"),  # 300k text objects on a page: ~800 MB, 50 s
])
def test_huge_documents_are_read_up_to_a_cap_and_say_so(box: Box, name: str, build: object, said: str) -> None:
    assert callable(build)
    box.put(name, build())
    run = check(box, address_cap=BACKSTOP_AS)
    assert_bars(run, named=[name], exits=(0, 1))
    assert run.file(name)["status"] == "parsed"  # what came before the cap was read
    partly = _coded(run, name, "DOS-P006")
    assert partly and said in partly[0] and "只读取了部分内容" in partly[0], run.findings_for(name)
    assert not _coded(run, name, "DOS-P003"), "a cap, not the sandbox's memory limit or timeout, stopped it"


def test_a_package_of_too_many_parts_is_refused_before_its_directory_is_read(box: Box) -> None:
    name = "大量部件.docx"
    box.put(name, docx_many_parts(30_000))
    run = check(box, address_cap=BACKSTOP_AS)
    assert_bars(run, named=[name], exits=(0, 1))
    refused = _coded(run, name, "DOS-P003")
    assert refused and "30,0" in refused[0] and "部件" in refused[0], run.findings_for(name)


def test_an_enormous_page_is_rendered_at_a_bounded_size(box: Box) -> None:
    # 14,400 pt square (5 m): rendered at print resolution for OCR it took 9 GB.
    name = "巨幅页面.pdf"
    box.put(name, big_page_pdf())
    run = check(box, address_cap=BACKSTOP_AS)
    assert_bars(run, named=[name], exits=(0, 1))
    assert _coded(run, name, "DOS-P001"), run.findings_for(name)  # an image without text, said so


@pytest.mark.parametrize(("env", "said"), [
    ({"DOSSIER_LIMIT_OCR_PAGES": "2"}, "2 页的识别上限"),
    ({"DOSSIER_LIMIT_OCR_SECONDS": "1"}, "1 秒的识别时间上限"),
])
def test_ocr_of_a_long_scan_stops_at_its_cap_and_names_the_pages_left(box: Box, env: dict[str, str],
                                                                      said: str) -> None:
    # 10,000 image-only pages ran for minutes and then lost the whole file to the timeout.
    name = "万页扫描件.pdf"
    box.put(name, image_pages_pdf(10_000))
    run = run_cli(["check", str(box.inp), *CHECK_ARGS, "-o", str(box.out / "report.json")], box,
                  address_cap=BACKSTOP_AS, env=env)
    assert_bars(run, named=[name], exits=(0, 1))
    partly = _coded(run, name, "DOS-P006")
    assert any(said in m and "页是扫描页，未做文字识别" in m for m in partly), partly
    assert any("只读取了前 2,000 页（共 10,000 页）" in m for m in partly), run.findings_for(name)
    assert not _coded(run, name, "DOS-P003")


@needs_soffice
def test_conversions_are_charged_to_the_dossier_budget_and_skips_are_named(box: Box) -> None:
    # 20 small .doc files took 65 s before the long-lived LibreOffice; 5,000 would take hours.
    # With a budget of one second most, if not all, are past it, and each must say so.
    names = [f"附件{i:02d}.doc" for i in range(40)]
    for n in names:
        box.put(n, DOC_SRC.read_bytes())
    run = check(box, None, "--time-budget", "1", address_cap=BACKSTOP_AS)
    assert_bars(run, exits=(0, 1))
    assert run.report is not None
    skipped = [n for n in names if any("预算" in m for m in _coded(run, n, "DOS-P003"))]
    assert skipped, "files past the budget must be reported, not silently dropped"
    for n in names:  # every file is either read or has a finding that names it
        assert run.file(n)["status"] == "parsed" or run.findings_for(n), n
    time.sleep(1)
    assert not _ours(box.tmp), "a sandbox stopped at the budget left LibreOffice running"


def _ours(root: Path) -> list[psutil.Process]:
    """Processes whose command line names the sandbox (soffice's profile lives in its TMPDIR)."""
    found = []
    for p in psutil.process_iter(["cmdline"]):
        try:
            if any(str(root) in part for part in p.info["cmdline"] or ()):
                found.append(p)
        except psutil.Error:
            continue
    return found


@needs_soffice
def test_a_killed_check_leaves_no_libreoffice_behind(box: Box) -> None:
    for i in range(3):
        box.put(f"附件{i}.doc", DOC_SRC.read_bytes())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOSSIER_", "PYTEST_"))}
    env.update(TMPDIR=str(box.tmp), HOME=str(box.home))
    cli = subprocess.Popen([sys.executable, "-m", "dossier", "check", str(box.inp), *CHECK_ARGS,
                            "-o", str(box.out / "report.json")], cwd=box.cwd, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while not any(p.info["cmdline"] and "soffice.bin" in p.info["cmdline"][0] for p in _ours(box.tmp)):
            assert cli.poll() is None, "the check ended before LibreOffice started"
            assert time.monotonic() < deadline, "LibreOffice never started"
            time.sleep(0.1)
        os.kill(cli.pid, signal.SIGKILL)  # the check only: its sandbox and LibreOffice must follow
        cli.wait()
        deadline = time.monotonic() + 10
        while (left := _ours(box.tmp)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not left, [" ".join(p.cmdline())[:200] for p in left if p.is_running()]
    finally:
        for p in _ours(box.tmp):  # what this test started, should it have failed
            with_suppressed_kill(p)
        shutil.rmtree(box.tmp, ignore_errors=True)
        box.tmp.mkdir()


def with_suppressed_kill(p: psutil.Process) -> None:
    with contextlib.suppress(psutil.Error):
        p.kill()


# -- the caps table itself ------------------------------------------------------------------


def test_render_scale_bounds_the_pixels_of_any_page() -> None:
    from dossier.parse.limits import LIMITS, render_scale

    for w, h, scale in [(14_400, 14_400, 2.0), (14_400, 3, 2.0), (595, 842, 2.0), (3, 3, 100.0)]:
        got = render_scale(w, h, scale)
        assert got <= scale
        assert w * h * got * got <= LIMITS.render_pixels * 1.0001
    assert render_scale(595, 842, 2.0) == 2.0  # an A4 page at 144 dpi is untouched


def test_zip_entry_count_reads_the_end_record(tmp_path: Path) -> None:
    from dossier.parse.limits import LimitExceeded, check_zip_entries, zip_entry_count

    small = tmp_path / "small.docx"
    small.write_bytes(docx_many_parts(10))
    assert zip_entry_count(small) == len(zipfile.ZipFile(small).namelist())
    big = tmp_path / "big.docx"
    big.write_bytes(docx_many_parts(25_000))
    with pytest.raises(LimitExceeded, match="部件"):
        check_zip_entries(big, "big.docx")
    check_zip_entries(small)  # under the cap: nothing said
    (tmp_path / "not.zip").write_bytes(b"PK\x03\x04 but no end record")
    assert zip_entry_count(tmp_path / "not.zip") is None


def test_a_capped_body_keeps_what_came_before_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    from dossier.parse import ooxml
    from dossier.parse.limits import PARTLY_READ

    monkeypatch.setattr(ooxml, "LIMITS", replace(ooxml.LIMITS, paragraphs=50))
    body = "".join(f"<w:p><w:r><w:t>段{i}</w:t></w:r></w:p>" for i in range(5_000))
    xml = (f'<w:document xmlns:w="{W_NS}"><w:body>{body}</w:body></w:document>').encode()
    root, note = ooxml.parse_body_xml(xml, "word/document.xml", Path("x.docx"))
    paras = root.findall(f".//{{{W_NS}}}p")
    assert 50 <= len(paras) < 5_000
    assert [p.findtext(f".//{{{W_NS}}}t") for p in paras[:3]] == ["段0", "段1", "段2"]
    assert note is not None and note.startswith(PARTLY_READ) and "个段落（上限 50）" in note
    small = xml.replace(body.encode(), body[: body.index("<w:p><w:r><w:t>段40<")].encode())
    whole, none = ooxml.parse_body_xml(small, "word/document.xml", Path("x.docx"))  # 40 paragraphs, 160 tags
    assert none is None and len(whole.findall(f".//{{{W_NS}}}p")) == 40


@pytest.mark.parametrize(("prefix", "rebound"), [("w", False), ("", False), ("ns0", False), ("w", True)])
def test_the_paragraph_cap_bites_whatever_the_prefix(monkeypatch: pytest.MonkeyPatch, prefix: str, rebound: bool) -> None:
    """A part with more tags than the smallest cap is read in one call only when a count of the
    bytes proves no cap is reached: the proof must hold for the default namespace, any prefix,
    and a namespace bound a second time under another prefix (then the pull parser counts)."""
    from dataclasses import replace

    from dossier.parse import ooxml

    monkeypatch.setattr(ooxml, "LIMITS", replace(ooxml.LIMITS, paragraphs=300, runs=10_000, table_cells=10_000,
                                                 xml_tags=100_000))
    q = f"{prefix}:" if prefix else ""
    decl = f'xmlns:{prefix}="{W_NS}"' if prefix else f'xmlns="{W_NS}"'
    second = f'<x:p xmlns:x="{W_NS}"><x:r><x:t>x</x:t></x:r></x:p>' * 400 if rebound else ""
    body = "".join(f"<{q}p><{q}r><{q}t>段{i}</{q}t></{q}r></{q}p>" for i in range(200))
    filler = f"<{q}tbl>" + f"<{q}tr><{q}tc/></{q}tr>" * 150 + f"</{q}tbl>"  # tags, not paragraphs
    xml = f"<{q}document {decl}><{q}body>{body}{filler}{second}</{q}body></{q}document>".encode()
    root, note = ooxml.parse_body_xml(xml, "word/document.xml", Path("x.docx"))
    paras = root.findall(f".//{{{W_NS}}}p")
    if rebound:  # 600 paragraphs: the pull parser counts them and says so (it stops within one feed)
        assert note is not None and "个段落（上限 300）" in note and len(paras) >= 300
    else:  # 200 paragraphs, 1,100 tags: under every cap
        assert note is None and len(paras) == 200


def test_limits_can_be_raised_for_one_run_from_the_environment() -> None:
    out = subprocess.run([sys.executable, "-c", "from dossier.parse.limits import LIMITS; "
                          "print(LIMITS.paragraphs, LIMITS.ocr_seconds, LIMITS.runs)"],
                         env={**os.environ, "DOSSIER_LIMIT_PARAGRAPHS": "7", "DOSSIER_LIMIT_OCR_SECONDS": "2.5",
                              "DOSSIER_LIMIT_RUNS": "many"}, capture_output=True, text=True, check=True)
    from dossier.parse.limits import Limits

    assert out.stdout.split() == ["7", "2.5", str(Limits().runs)]  # an unusable value keeps the default


def test_a_document_under_every_cap_says_nothing_was_left_out(tmp_path: Path) -> None:
    from hostile_support import small_docx, text_pdf

    from dossier.parse.docx import parse_docx
    from dossier.parse.limits import PARTLY_READ
    from dossier.parse.pdf import parse_pdf

    (tmp_path / "a.pdf").write_bytes(text_pdf(3))
    (tmp_path / "a.docx").write_bytes(small_docx())
    (tmp_path / "a.xlsx").write_bytes(xlsx_cells(3, 4))
    from dossier.check.readers import read_xlsx

    for tree in (parse_pdf(tmp_path / "a.pdf"), parse_docx(tmp_path / "a.docx"), read_xlsx(tmp_path / "a.xlsx", "a")):
        assert not [w for w in tree.warnings if w.startswith(PARTLY_READ)], tree.warnings
