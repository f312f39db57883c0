"""The HTML report's reviewer aids: Chinese names, a 如何整改 line per finding, filter
and sort hooks, and finding rows that carry their (code, requirement, location)."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any

from tests.render.test_render_reports import full_report, hostile_report

from dossier.render import render


class Rows(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, str | None]] = []
        self.settle = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "tr" and a.get("data-code"):
            self.rows.append(a)
        if tag == "div" and a.get("class") == "settle":
            self.settle += 1


def parse(report: dict[str, Any]) -> tuple[str, Rows]:
    page = render(report, "html").decode("utf-8")
    p = Rows()
    p.feed(page)
    return page, p


def test_rows_carry_code_requirement_location_and_a_settle_line() -> None:
    for report in (full_report(), hostile_report()):
        page, p = parse(report)
        def k(code: Any, req: Any, loc: Any) -> str:
            return json.dumps([code, req, loc], sort_keys=True, ensure_ascii=False)

        assert sorted(k(r["data-code"], r["data-requirement"], json.loads(r["data-location"] or "")) for r in p.rows) \
            == sorted(k(f["code"], f["requirement"], f.get("location", {})) for f in report["findings"])
        assert p.settle == len(report["findings"])
        assert 'class="findings filterable" id="findings-table"' in page


def test_chinese_jurisdiction_name_and_filters() -> None:
    page, _ = parse(full_report())
    assert '<div class="subtitle">重庆市永川区 · 终验投用</div>' in page
    assert "<dd>重庆市永川区（yongchuan）</dd>" in page
    assert 'data-for="findings-table"' in page and 'data-for="materials-table"' in page
    assert '<option value="error">错误（' in page
