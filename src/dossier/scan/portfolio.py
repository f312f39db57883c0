"""Portfolio outputs, written from the cache (never appended to): findings.jsonl,
portfolio.xlsx, dashboard.html and one HTML report per dossier under reports/.

Everything is a function of the stored reports and is written to a temporary name and moved
into place, so a killed run leaves either the old file or the new one, and a rerun rewrites it
whole: every dossier appears exactly once.
"""

from __future__ import annotations

import os
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

from dossier.codes import BY_CODE
from dossier.render.common import (
    FINDING_COLUMNS,
    MATERIAL_LABEL,
    MATERIAL_STATUSES,
    SEVERITY_LABEL,
    finding_table,
    label,
    show_invisible,
    visible,
)
from dossier.scan import xlsx
from dossier.scan.cache import ScanCache
from dossier.scan.versions import render_version

JSONL = "findings.jsonl"
XLSX = "portfolio.xlsx"
DASHBOARD = "dashboard.html"
REPORTS = "reports"
FINDINGS_SHEET = "问题"
SOURCE_LABEL = {"given": "指定", "facts": "facts.yaml", "inferred": "推断", "": ""}
STATUS_LABEL = {"ok": "已检查", "incomplete": "部分文件超限", "failed": "无法检查"}

def report_link(dossier_id: str) -> str:
    return f"{REPORTS}/{quote(dossier_id)}.html"


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def worst_first(summaries: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return sorted(summaries, key=lambda s: (s["status"] != "failed", -s["errors"], -s["warnings"], -s["info"], s["id"]))


def outputs_key(fingerprint: str) -> str:
    """What a stored report's HTML page and 问题 rows were made for: its fingerprint and this
    renderer, so a changed renderer redraws them even when the report did not change."""
    return f"{fingerprint}/{render_version()}"


def finding_sheet_rows(dossier_id: str, report: Mapping[str, Any]) -> bytes:
    """The dossier's rows of the 问题 sheet, prepared (xlsx.row) by the worker that checked it,
    so that writing the sheet is a copy, not 10 µs a cell. Bidi and zero-width controls are
    shown as ⟨U+202E⟩, as in the other reports for people (报告\u202etxt.exe must not read as 报告exe.txt)."""
    return b"".join(xlsx.row([show_invisible(dossier_id), *values]) for values in finding_table(visible(report)))


def dossier_outputs(dossier_id: str, report: Mapping[str, Any]) -> tuple[bytes, bytes]:
    """(reports/<id>.html, its 问题 rows prepared and compressed) for one checked dossier."""
    from dossier.render import render

    return render(report, "html"), zlib.compress(finding_sheet_rows(dossier_id, report), 1)


def write_report_page(pages: Path, dossier_id: str, html: bytes) -> None:
    """pages/<id>.html, pages being the scan's reports/ folder."""
    _atomic_write(pages / f"{dossier_id}.html", html)


def write_dossier_reports(cache: ScanCache, ids: Iterable[str], out: Path) -> int:
    """reports/<id>.html and the 问题 rows of every dossier whose stored report has not been
    rendered by this renderer yet (a worker could not, or the renderer changed)."""
    known = cache.known()
    n = 0
    for i in sorted(ids):
        k = known[i]
        target = out / REPORTS / f"{i}.html"
        if k.rendered == outputs_key(k.fingerprint) and target.is_file():
            continue
        html, sheet = dossier_outputs(i, cache.report(i))
        write_report_page(out / REPORTS, i, html)
        cache.set_rendered(i, outputs_key(k.fingerprint), sheet)
        n += 1
    return n


def write_jsonl(cache: ScanCache, ids: Iterable[str], out: Path) -> Path:
    target = out / JSONL
    tmp = target.with_name(f".{target.name}.tmp")
    with tmp.open("wb") as fh:
        for _, body in cache.report_bodies(ids):
            fh.write(body + b"\n")  # stored as json.dumps(sort_keys=True): one report per line
    os.replace(tmp, target)
    return target


def _stamp(summaries: Sequence[Mapping[str, Any]]) -> datetime:
    """The latest as-of date of the reports: the portfolio's only clock (deterministic bytes)."""
    latest = max((s["as_of"] for s in summaries if s.get("as_of")), default="1980-01-01")
    return datetime.combine(date.fromisoformat(latest), datetime.min.time(), tzinfo=UTC)


def write_xlsx(cache: ScanCache, summaries: Sequence[Mapping[str, Any]], out: Path, when: datetime) -> Path:
    overview_header = ("档案", "输入", "地区", "地区来源", "阶段", "阶段来源", "状态", "错误", "警告", "提示",
                       *(f"材料{label(MATERIAL_LABEL, s)}" for s in MATERIAL_STATUSES), "文件数", "报告")

    def overview() -> Iterator[tuple[bytes, str | None]]:
        for s in summaries:
            yield xlsx.row(visible([s["id"], s["input"], s["jurisdiction"],
                                    SOURCE_LABEL.get(s["jurisdiction_source"], s["jurisdiction_source"]),
                                    s["stage"], SOURCE_LABEL.get(s["stage_source"], s["stage_source"]),
                                    STATUS_LABEL.get(s["status"], s["status"]), s["errors"], s["warnings"], s["info"],
                                    *(s["material_counts"].get(st, 0) for st in MATERIAL_STATUSES), s["files"],
                                    f"{s['id']}.html"])), report_link(s["id"])

    def findings() -> Iterator[tuple[bytes, str | None]]:
        for _, prepared in cache.sheets([s["id"] for s in summaries]):
            for r in xlsx.split_rows(prepared):
                yield r, None

    # Materials are columns by title, in order of first appearance over the sorted dossiers.
    columns: dict[str, None] = {}
    for s in summaries:
        for title, _ in s["materials"]:
            columns.setdefault(title, None)

    def matrix() -> Iterator[tuple[bytes, str | None]]:
        for s in summaries:
            have = dict((t, st) for t, st in s["materials"])
            yield xlsx.row(visible([s["id"], s["jurisdiction"], s["stage"],
                                    *(label(MATERIAL_LABEL, have[t]) if t in have else None for t in columns)])), None

    sheets = [
        xlsx.Sheet("概况", overview_header, overview(), link_column=xlsx.COLUMNS[len(overview_header) - 1]),
        xlsx.Sheet(FINDINGS_SHEET, ("档案", *(h for _, h in FINDING_COLUMNS)), findings()),
        xlsx.Sheet("材料矩阵", ("档案", "地区", "阶段", *visible(list(columns))), matrix()),
    ]
    target = out / XLSX
    tmp = target.with_name(f".{target.name}.tmp")
    with tmp.open("wb") as fh:
        xlsx.write_workbook(fh, sheets, when, title="档案检查汇总", creator="dossier scan")
    os.replace(tmp, target)
    return target


def dashboard_data(summaries: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    by_j: dict[str, Counter[str]] = defaultdict(Counter)
    by_s: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    codes: Counter[str] = Counter()
    code_dossiers: Counter[str] = Counter()
    for s in summaries:
        for bucket in (by_j[s["jurisdiction"] or "—"], by_s[(s["stage"] or "—", s["stage_title"] or "")]):
            bucket["dossiers"] += 1
            bucket["errors"] += s["errors"]
            bucket["warnings"] += s["warnings"]
            bucket["info"] += s["info"]
            bucket["failed"] += s["status"] == "failed"
            bucket["clean"] += s["errors"] == 0 and s["status"] != "failed"
        for code, n in s["by_code"].items():
            codes[code] += n
            code_dossiers[code] += 1
    return {
        "total": len(summaries),
        "failed": sum(1 for s in summaries if s["status"] == "failed"),
        "incomplete": sum(1 for s in summaries if s["status"] == "incomplete"),
        "with_errors": sum(1 for s in summaries if s["errors"]),
        "errors": sum(s["errors"] for s in summaries),
        "warnings": sum(s["warnings"] for s in summaries),
        "info": sum(s["info"] for s in summaries),
        "jurisdictions": [(k, dict(v)) for k, v in sorted(by_j.items())],
        "stages": [(k[0], k[1], dict(v)) for k, v in sorted(by_s.items())],
        "codes": [(c, BY_CODE[c].slug if c in BY_CODE else "", BY_CODE[c].severity if c in BY_CODE else "",
                   n, code_dossiers[c]) for c, n in sorted(codes.items(), key=lambda t: (-t[1], t[0]))],
        "dossiers": [dict(s, link=report_link(s["id"])) for s in worst_first(summaries)],
    }


def dashboard_aids() -> dict[str, Any]:
    """Chinese jurisdiction names and the report's filter/sort script (our own file, inlined)."""
    from markupsafe import Markup

    from dossier.render.names import jurisdiction_name

    script = resources.files("dossier.templates").joinpath("report/tables.js").read_text(encoding="utf-8")
    return {"jurisdiction_name": jurisdiction_name, "script": Markup(script)}


def write_dashboard(summaries: Sequence[Mapping[str, Any]], out: Path, when: datetime) -> Path:
    import jinja2

    tpl = resources.files("dossier.templates").joinpath("portfolio/dashboard.html.j2").read_text(encoding="utf-8")
    env = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    html = env.from_string(tpl).render(
        data=dashboard_data(summaries), as_of=when.date().isoformat(), severity_label=SEVERITY_LABEL,
        source_label=SOURCE_LABEL, status_label=STATUS_LABEL, **dashboard_aids(),
    )
    target = out / DASHBOARD
    _atomic_write(target, html.encode("utf-8"))
    return target


def write_portfolio(cache: ScanCache, ids: Sequence[str], out: Path) -> list[Path]:
    raw = cache.summaries(ids)
    summaries = visible(raw)  # for people: bidi/zero-width controls shown as ⟨U+202E⟩
    when = _stamp(summaries)
    # The workbook looks rows and report pages up by the real ids and shows them cell by cell.
    return [write_jsonl(cache, ids, out), write_xlsx(cache, raw, out, when), write_dashboard(summaries, out, when)]
