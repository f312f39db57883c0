"""portfolio.xlsx's 问题 sheet: rows made by the workers, copied in by the scanning process."""

from __future__ import annotations

import datetime as dt
import sqlite3
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from openpyxl import load_workbook

from dossier.report import Finding, Loc, Report, summarise
from dossier.scan import portfolio, xlsx
from dossier.scan.cache import ScanCache
from dossier.scan.discover import DossierSpec
from dossier.scan.work import Settings, Task, failed_report, finish

AS_OF = dt.date(2026, 11, 1)
TRICKY = ("=SUM(A1:A9)", "  前后有空格  ", "A<B & C>D \"引号\"", "控制\x01字符\x07", "换行\n第二行")


def _report(dossier_id: str, messages: tuple[str, ...]) -> Report:
    spec = DossierSpec(dossier_id, Path(f"/archive/{dossier_id}"))
    report = failed_report(spec, "yongchuan", "final-acceptance", "测试", AS_OF)
    findings = [
        Finding("DOS-S001", "error", m, f"req-{n}", Loc(file=f"{n:02d}.docx", section="第一章", page=n + 1, paragraph=n),
                ({"text": "永川办法 第十五条"},))
        for n, m in enumerate(messages)
    ]
    return replace(report, findings=tuple(findings), summary=summarise(findings, [], []))


def _store(cache: ScanCache, dossier_id: str, report: Report, *, rendered: bool = True) -> None:
    """As a worker makes the result and the scan commits it."""
    task = Task(DossierSpec(dossier_id, Path(f"/archive/{dossier_id}")), Settings(), f"fp-{dossier_id}",
                pages=cache.path.parent / portfolio.REPORTS)
    r = finish(task, report, "ok")
    assert r.rendered == portfolio.outputs_key(r.fingerprint) and not r.html  # the worker wrote the page
    cache.store(r.id, r.fingerprint, r.status, r.summary, r.body, r.parsed, True,
                rendered=r.rendered if rendered else "", sheet=r.sheet if rendered else b"")


def _portfolio(tmp_path: Path, reports: dict[str, Report]) -> Path:
    out = tmp_path / "out"
    cache = ScanCache(out / "cache.sqlite", "test")
    try:
        for i, r in reports.items():
            _store(cache, i, r)
        ids = sorted(reports)
        portfolio.write_dossier_reports(cache, ids, out)
        portfolio.write_portfolio(cache, ids, out)
    finally:
        cache.close()
    return out / portfolio.XLSX


def _rows(path: Path, sheet: str) -> list[tuple[Any, ...]]:
    return list(load_workbook(path)[sheet].iter_rows(values_only=True))


def test_finding_rows_keep_text_as_written(tmp_path: Path) -> None:
    xlsx = _portfolio(tmp_path, {"甲": _report("甲", TRICKY), "乙": _report("乙", ("只有一条",))})
    rows = _rows(xlsx, "问题")
    header, body = rows[0], rows[1:]
    assert header[:3] == ("档案", "代码", "标识")
    assert [r[0] for r in body] == ["乙"] + ["甲"] * len(TRICKY)  # dossiers in id order
    messages = [r[header.index("问题")] for r in body[1:]]
    # A leading "=" stays text (inline strings are never formulas), spaces and newlines survive,
    # XML specials are escaped, characters XML cannot hold are dropped.
    assert messages == ["=SUM(A1:A9)", "  前后有空格  ", "A<B & C>D \"引号\"", "控制字符", "换行\n第二行"]
    first = dict(zip(header, body[1], strict=True))
    assert (first["级别"], first["页"], first["段"], first["依据"]) == ("错误", 1, 1, "永川办法 第十五条")
    assert isinstance(first["页"], int)
    wb = load_workbook(xlsx)
    assert [wb[n].freeze_panes for n in wb.sheetnames] == ["A2", "A2", "A2"]
    with zipfile.ZipFile(xlsx) as zf:
        for name in zf.namelist():
            if name.endswith(".xml"):
                etree.fromstring(zf.read(name))  # well-formed, every part


def test_finding_rows_show_bidi_and_zero_width_controls(tmp_path: Path) -> None:
    # 报告\u202etxt.exe reads as 报告exe.txt: the 问题 sheet shows the control as the other
    # reports for people do (HTML, Markdown, DOCX, the report's own XLSX).
    xlsx = _portfolio(tmp_path, {"档\u200b案": _report("档\u200b案", ("报告\u202etxt.exe 缺少章节",))})
    header, *body = _rows(xlsx, "问题")
    cells = [str(c) for r in body for c in r if c is not None]
    assert not any(ch in c for c in cells for ch in "\u202e\u200b")
    assert body[0][0] == "档⟨U+200B⟩案"
    assert body[0][header.index("问题")] == "报告⟨U+202E⟩txt.exe 缺少章节"
    # The rows are found by the real id (they vanished when looked up by the shown one).
    overview = _rows(xlsx, "概况")
    assert [r[0] for r in overview[1:]] == ["档⟨U+200B⟩案"]


def test_same_cache_same_bytes(tmp_path: Path) -> None:
    reports = {f"档案{n}": _report(f"档案{n}", TRICKY[: n + 1]) for n in range(3)}
    a = _portfolio(tmp_path / "a", reports).read_bytes()
    b = _portfolio(tmp_path / "b", dict(reversed(reports.items()))).read_bytes()
    assert a == b


def test_findings_spill_onto_more_sheets_past_the_row_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx, "MAX_ROWS", 4)  # a header and three rows a sheet
    reports = {"甲": _report("甲", ("一", "二", "三", "四")), "乙": _report("乙", ("五", "六", "七"))}
    book = _portfolio(tmp_path, reports)
    wb = load_workbook(book)
    assert wb.sheetnames == ["概况", "问题", "问题 (2)", "问题 (3)", "材料矩阵"]
    body = [r for n in ("问题", "问题 (2)", "问题 (3)") for r in _rows(book, n)]
    headers, rows = body[0::4], [r for i, r in enumerate(body) if i % 4]
    assert len(set(headers)) == 1 and headers[0][0] == "档案"
    assert [r[0] for r in rows] == ["乙"] * 3 + ["甲"] * 4
    assert [r[5] for r in rows] == ["五", "六", "七", "一", "二", "三", "四"]


def test_stale_or_missing_rows_are_made_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    cache = ScanCache(out / "cache.sqlite", "test")
    try:
        _store(cache, "甲", _report("甲", ("一",)))
        _store(cache, "乙", _report("乙", ("二",)), rendered=False)  # the worker could not render it
        assert portfolio.write_dossier_reports(cache, ["甲", "乙"], out) == 1
        assert portfolio.write_dossier_reports(cache, ["甲", "乙"], out) == 0
        monkeypatch.setattr(portfolio, "render_version", lambda: "a newer renderer")
        assert portfolio.write_dossier_reports(cache, ["甲", "乙"], out) == 2
        portfolio.write_portfolio(cache, ["甲", "乙"], out)
    finally:
        cache.close()
    assert [r[0] for r in _rows(out / portfolio.XLSX, "问题")[1:]] == ["乙", "甲"]
    assert (out / "reports" / "乙.html").is_file()


def test_a_cache_from_before_the_sheet_column_gains_it(tmp_path: Path) -> None:
    db = tmp_path / "cache.sqlite"
    con = sqlite3.connect(db)
    con.executescript("""
        CREATE TABLE dossiers (id TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, status TEXT NOT NULL,
            summary TEXT NOT NULL, report BLOB NOT NULL, rendered TEXT NOT NULL DEFAULT '');
        INSERT INTO dossiers VALUES ('甲', 'fp', 'ok', '{}', x'', 'fp');
    """)
    con.close()
    cache = ScanCache(db, "test")
    try:
        assert list(cache.sheets(["甲"])) == [("甲", b"")]
        assert cache.known()["甲"].rendered == "fp"  # not this renderer's key: redrawn on the next write
    finally:
        cache.close()
