"""The reviewer's gap report as Markdown (Chinese)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from dossier.render.common import (
    MATERIAL_LABEL,
    PATH_SEP,
    SECTION_LABEL,
    SEVERITIES,
    SEVERITY_LABEL,
    SEVERITY_SYMBOL,
    STATUS_SYMBOL,
    citation_text,
    document_heading,
    group_findings,
    header_items,
    label,
    location_text,
    material_counts,
    md_escape,
    project_name,
    section_counts,
    section_path,
    severity_counts,
    stage_title,
)


def inline(value: Any) -> str:
    """Text from the report on one line (a title cannot start a heading or a list), escaped
    (render.common.md_escape): submitted text is never markup, a link or an image."""
    return md_escape(value)


def cell(value: Any) -> str:
    """A table cell: like inline (pipes and backslashes are escaped there too)."""
    return md_escape(value) or " "


def table(head: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return lines


def status_text(status: str, labels: Mapping[str, str]) -> str:
    return f"{STATUS_SYMBOL.get(status, '•')} {label(labels, status)}"


def render_md(report: Mapping[str, Any]) -> str:
    out: list[str] = [f"# {inline(project_name(report))} — {inline(stage_title(report))}材料审查报告", ""]
    out += table(["项目", "内容"], header_items(report))

    sev = severity_counts(report)
    out += ["", "## 概况", ""]
    out.append("问题：" + "，".join(f"{SEVERITY_SYMBOL[s]} {SEVERITY_LABEL[s]} {sev[s]} 项" for s in SEVERITIES))
    mats = material_counts(report)
    if mats:
        out.append("")
        out.append(f"材料（共 {len(report['materials'])} 项）："
                   + "，".join(f"{label(MATERIAL_LABEL, s)} {n}" for s, n in mats))
    sections = [s for d in report["documents"] for s in d["sections"]]
    if sections:
        out.append("")
        out.append(f"章节（{len(report['documents'])} 份文档，共 {len(sections)} 节）："
                   + "，".join(f"{label(SECTION_LABEL, s)} {n}" for s, n in section_counts(sections)))

    out += ["", "## 材料", ""]
    if report["materials"]:
        out += table(
            ["状态", "材料", "文件", "说明", "依据"],
            ([status_text(m["status"], MATERIAL_LABEL), m["title"], "；".join(m["files"]),
              m.get("reason", ""), citation_text(m["citations"])] for m in report["materials"]),
        )
    else:
        out.append("（本阶段无材料要求）")

    out += ["", "## 文档章节", ""]
    if not report["documents"]:
        out.append("（未识别到需核对章节的文档）")
    for doc in report["documents"]:
        out += [f"### {inline(document_heading(doc))}", ""]
        present = sum(1 for s in doc["sections"] if s["status"] == "present")
        others = [s for s in doc["sections"] if s["status"] != "present"]
        out.append(f"已具备章节 {present} 个" + (f"，其余 {len(others)} 个如下。" if others else "。"))
        if others:
            out.append("")
            out += table(
                ["状态", "章节", "匹配到的标题"],
                ([status_text(s["status"], SECTION_LABEL), PATH_SEP.join(section_path(s)),
                  s.get("matched", {}).get("title", "")] for s in others),
            )
        out.append("")

    out += ["## 问题清单", ""]
    if not report["findings"]:
        out.append("未发现问题。")
    n = 0
    for group in group_findings(report):
        out += [f"### {inline(group.heading)}", ""]
        rows = []
        for f in group.findings:
            n += 1
            rows.append([n, f["code"], f"{SEVERITY_SYMBOL.get(f['severity'], '')} "
                         f"{label(SEVERITY_LABEL, f['severity'])}", f["message"],
                         citation_text(f["citations"]), location_text(f.get("location", {}))])
        out += table(["#", "代码", "级别", "问题", "依据", "位置"], rows)
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"
