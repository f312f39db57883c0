"""The report as an XLSX workbook: 问题清单 (one row per finding, the finding_rows shape),
材料, 章节 and 概况. Deterministic: properties dated as_of, zip entries re-dated."""

from __future__ import annotations

import io
import unicodedata
import zipfile
from collections.abc import Mapping, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from dossier.render.common import (
    FINDING_COLUMNS,
    MATERIAL_LABEL,
    PATH_SEP,
    SECTION_LABEL,
    SEVERITIES,
    SEVERITY_LABEL,
    as_of_datetime,
    citation_text,
    deterministic_zip,
    document_title,
    finding_table,
    header_items,
    label,
    material_counts,
    section_counts,
    section_path,
    severity_counts,
    xml_text,
)

WRAP_COLUMNS = {"问题", "依据", "文件", "章节", "材料", "说明", "章节路径", "值"}
MAX_WIDTH = 60
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="EEF1F4")


def _value(v: Any) -> Any:
    if v is None or v == "":
        return None
    if isinstance(v, bool) or not isinstance(v, int | float):
        return xml_text(v)
    return v


def _width(v: Any) -> int:
    text = "" if v is None else str(v)
    longest = max((sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
                   for line in text.splitlines() or [""]), default=0)
    return longest


def _sheet(ws: Worksheet, head: Sequence[str], rows: Sequence[Sequence[Any]], *, filters: bool = True) -> None:
    ws.append(list(head))
    for row in rows:
        ws.append([_value(v) for v in row])
    for cells in ws.iter_rows(min_row=2):
        for c in cells:
            # openpyxl would store text starting with "=" as a formula: report text stays text.
            if isinstance(c.value, str) and c.value.startswith("="):
                c.data_type = "s"
    for c in ws[1]:
        c.font = HEADER_FONT
        c.fill = HEADER_FILL
    ws.freeze_panes = "A2"
    if filters and rows:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(head))}{len(rows) + 1}"
    for i, name in enumerate(head, start=1):
        width = max([_width(name), *(_width(r[i - 1]) for r in rows)]) + 2
        ws.column_dimensions[get_column_letter(i)].width = min(max(width, 6), MAX_WIDTH)
        if name in WRAP_COLUMNS:
            for (c,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                c.alignment = Alignment(wrap_text=True, vertical="top")


def _fact_value(v: Any) -> Any:
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, int | float) or v is None:
        return v
    return str(v)


def render_xlsx(report: Mapping[str, Any]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "问题清单"
    _sheet(ws, [h for _, h in FINDING_COLUMNS], finding_table(report))

    _sheet(wb.create_sheet("材料"), ["序号", "材料ID", "材料", "状态", "文件", "说明", "依据"], [
        [i, m["id"], m["title"], label(MATERIAL_LABEL, m["status"]), "\n".join(m["files"]),
         m.get("reason", ""), citation_text(m["citations"])]
        for i, m in enumerate(report["materials"], start=1)
    ])

    _sheet(wb.create_sheet("章节"), ["文档", "文件", "章节ID", "章节路径", "状态", "文中标题", "相似度"], [
        [document_title(d), d["path"], s["id"], PATH_SEP.join(section_path(s)),
         label(SECTION_LABEL, s["status"]), s.get("matched", {}).get("title", ""),
         s.get("matched", {}).get("score")]
        for d in report["documents"] for s in d["sections"]
    ])

    sev = severity_counts(report)
    facts: list[list[Any]] = [[k, v] for k, v in header_items(report)]
    facts += [[f"问题：{SEVERITY_LABEL[s]}", sev[s]] for s in SEVERITIES]
    facts += [[f"材料：{label(MATERIAL_LABEL, s)}", n] for s, n in material_counts(report)]
    sections = [s for d in report["documents"] for s in d["sections"]]
    facts += [[f"章节：{label(SECTION_LABEL, s)}", n] for s, n in section_counts(sections)]
    for key, fact in sorted(report.get("facts", {}).items()):
        source = "给定" if fact.get("source") == "given" else "提取"
        facts.append([f"事实：{key}（{source}）", _fact_value(fact.get("value"))])
    _sheet(wb.create_sheet("概况"), ["项目", "值"], facts, filters=False)

    when = as_of_datetime(report).replace(tzinfo=None)
    wb.properties.created = wb.properties.modified = when
    wb.properties.creator = wb.properties.lastModifiedBy = f"{report['tool']['name']} {report['tool']['version']}"
    wb.properties.title = f"{report['jurisdiction']} {report['stage']} 问题清单"
    buf = io.BytesIO()
    # ExcelWriter directly: openpyxl's save_workbook stamps `modified` with the wall clock.
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).write_data()
    return deterministic_zip(buf.getvalue(), as_of_datetime(report))
