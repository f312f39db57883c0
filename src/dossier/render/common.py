"""Shared vocabulary of the report renderers: Chinese labels, finding groups, section
trees, locations and deterministic zip packaging. Input is always the JSON report
contract (schemas/report.schema.json), never engine objects, so every renderer can be
fed a report read back from disk."""

from __future__ import annotations

import io
import re
import zipfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property
from pathlib import PurePath
from typing import Any

from dossier.report import finding_rows

SEVERITIES: tuple[str, ...] = ("error", "warning", "info")
SEVERITY_LABEL: dict[str, str] = {"error": "错误", "warning": "警告", "info": "提示"}
SEVERITY_SYMBOL: dict[str, str] = {"error": "⛔", "warning": "⚠️", "info": "ℹ️"}

MATERIAL_STATUSES: tuple[str, ...] = ("missing", "manual-review", "present", "not-required")
MATERIAL_LABEL: dict[str, str] = {
    "present": "已提供", "missing": "缺失", "not-required": "不要求", "manual-review": "需人工确认",
}
SECTION_STATUSES: tuple[str, ...] = ("missing", "empty", "manual-review", "present", "not-required")
SECTION_LABEL: dict[str, str] = {
    "present": "已具备", "missing": "缺失", "empty": "内容为空",
    "manual-review": "需人工确认", "not-required": "不适用",
}
STATUS_SYMBOL: dict[str, str] = {
    "present": "✅", "missing": "❌", "empty": "⭕", "manual-review": "🔍", "not-required": "➖",
}

MATERIALS_GROUP = "材料"
PROJECT_GROUP = "项目综合"
PATH_SEP = " › "

# XML 1.0 forbids these; text lifted from submitted files may carry them.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(value: Any) -> str:
    """str(value) without the characters docx/xlsx XML cannot hold."""
    return _XML_ILLEGAL.sub("", "" if value is None else str(value))


def label(mapping: Mapping[str, str], key: str) -> str:
    """A label, or the raw key for a status a newer engine added (never a KeyError)."""
    return mapping.get(key, key)


def as_of_datetime(report: Mapping[str, Any]) -> datetime:
    """The report's as-of date at midnight UTC: the only clock the renderers may use."""
    d = date.fromisoformat(str(report["as_of"]))
    return datetime(d.year, d.month, d.day, tzinfo=UTC)


def project_name(report: Mapping[str, Any]) -> str:
    fact = report.get("facts", {}).get("project_name")
    if isinstance(fact, Mapping):
        value = fact.get("value")
        if isinstance(value, str) and value.strip():
            return value.strip()
    name = str(report.get("input") or "").rstrip("/\\")
    if name:
        p = PurePath(name.replace("\\", "/"))
        return p.stem if p.suffix.lower() == ".zip" else p.name
    return "本项目"


def stage_title(report: Mapping[str, Any]) -> str:
    return str(report.get("stage_title") or report["stage"])


def pack_text(report: Mapping[str, Any]) -> str:
    pack = report["pack"]
    text = f"{pack['id']} {pack['version']}"
    return f"{text}（{pack['title']}）" if pack.get("title") else text


def header_items(report: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The report header as (label, value) rows, in the order every format shows them."""
    stage = str(report["stage"])
    st = stage_title(report)
    return [
        ("项目", project_name(report)),
        ("地区", str(report["jurisdiction"])),
        ("阶段", f"{st}（{stage}）" if st != stage else stage),
        ("审查日期", str(report["as_of"])),
        ("规则包", pack_text(report)),
        ("送审材料", str(report.get("input") or "")),
        ("工具", f"{report['tool']['name']} {report['tool']['version']}"),
    ]


def severity_counts(report: Mapping[str, Any]) -> dict[str, int]:
    summary = report["summary"]
    return {"error": int(summary["errors"]), "warning": int(summary["warnings"]), "info": int(summary["info"])}


def ordered_counts(statuses: Iterable[str], order: Sequence[str]) -> list[tuple[str, int]]:
    """(status, count) for the statuses that occur, known ones first in `order`."""
    c = Counter(statuses)
    known = [(s, c[s]) for s in order if c.get(s)]
    return known + sorted((s, n) for s, n in c.items() if s not in order)


def material_counts(report: Mapping[str, Any]) -> list[tuple[str, int]]:
    return ordered_counts((m["status"] for m in report["materials"]), MATERIAL_STATUSES)


def section_counts(sections: Iterable[Mapping[str, Any]]) -> list[tuple[str, int]]:
    return ordered_counts((s["status"] for s in sections), SECTION_STATUSES)


def citation_text(citations: Iterable[Mapping[str, Any]]) -> str:
    return "；".join(str(c["text"]) for c in citations)


def location_text(loc: Mapping[str, Any]) -> str:
    """Like report.Loc.render: file › section › 第N页 (paragraphs are 0-based in the JSON)."""
    parts = [str(loc.get("file") or loc.get("document") or ""), str(loc.get("section") or "")]
    if loc.get("page") is not None:
        parts.append(f"第{loc['page']}页")
    elif loc.get("paragraph") is not None:
        parts.append(f"第{int(loc['paragraph']) + 1}段")
    return PATH_SEP.join(p for p in parts if p)


def document_title(doc: Mapping[str, Any]) -> str:
    return str(doc.get("title") or doc["type"])


def document_heading(doc: Mapping[str, Any]) -> str:
    return f"《{document_title(doc)}》（{doc['path']}）" if doc.get("path") else f"《{document_title(doc)}》"


def section_path(section: Mapping[str, Any]) -> list[str]:
    """The outline path from the root down to and including the section itself."""
    path = [str(p) for p in section.get("path", [])]
    title = str(section["title"])
    return path if path and path[-1] == title else [*path, title]


@dataclass
class SectionNode:
    section: Mapping[str, Any]
    children: list[SectionNode] = field(default_factory=list)
    synthetic: bool = False
    """An outline level the report does not list itself, made up to hold its children."""

    @cached_property
    def worst(self) -> str:
        """The most serious status in this subtree, so a collapsed branch still shows trouble.
        Cached: the page asks every node, and each answer would walk the whole subtree again."""
        own = [] if self.synthetic else [str(self.section["status"])]
        statuses = own + [c.worst for c in self.children]
        return min(statuses, key=lambda s: SECTION_STATUSES.index(s) if s in SECTION_STATUSES else 0)


def section_tree(sections: Sequence[Mapping[str, Any]]) -> list[SectionNode]:
    """Nest the flat section list by path, in the report's order. Ancestors the report
    does not list become synthetic nodes, so every section sits at its outline depth."""
    nodes: dict[tuple[str, ...], SectionNode] = {}
    roots: list[SectionNode] = []

    def attach(path: tuple[str, ...], node: SectionNode) -> None:
        parent = nodes.get(path[:-1]) if len(path) > 1 else None
        (parent.children if parent is not None else roots).append(node)

    for s in sections:
        path = tuple(section_path(s))
        for cut in range(1, len(path)):
            prefix = path[:cut]
            if prefix not in nodes:
                holder = SectionNode({"id": "", "path": list(prefix), "title": prefix[-1], "status": "present"},
                                     synthetic=True)
                nodes[prefix] = holder
                attach(prefix, holder)
        node = SectionNode(s)
        attach(path, node)
        nodes.setdefault(path, node)
    return roots


@dataclass(frozen=True)
class FindingGroup:
    key: tuple[str, ...]
    heading: str
    findings: tuple[Mapping[str, Any], ...]


def group_findings(report: Mapping[str, Any]) -> list[FindingGroup]:
    """Findings grouped by the document or file they concern: the report's documents in
    their order, then other files in order of first appearance, then material-level
    findings (材料), then project-wide ones (项目综合). Order inside a group is the report's."""
    docs: list[Mapping[str, Any]] = list(report.get("documents", []))
    by_path = {str(d["path"]): i for i, d in enumerate(docs) if d.get("path")}
    by_name: dict[str, int] = {}
    for i, d in enumerate(docs):
        for name in (str(d["type"]), str(d.get("title") or "")):
            if name:
                by_name.setdefault(name, i)

    groups: dict[tuple[str, ...], list[Mapping[str, Any]]] = {}
    headings: dict[tuple[str, ...], str] = {}
    for f in report["findings"]:
        loc = f.get("location", {})
        file, docname = str(loc.get("file") or ""), str(loc.get("document") or "")
        idx = by_path.get(file) if file else None
        if idx is None and docname:
            idx = by_name.get(docname)
            # A document name alone cannot pick between two files of the same type.
            if idx is not None and file and docs[idx].get("path") not in (None, "", file):
                idx = None
        key: tuple[str, ...]
        if idx is not None:
            key = ("0doc", f"{idx:06d}")
            headings[key] = document_heading(docs[idx])
        elif file or docname:
            key = ("1file", docname, file)
            if docname:
                headings[key] = f"《{docname}》（{file}）" if file else f"《{docname}》"
            else:
                headings[key] = file
        elif str(f["code"]).startswith("DOS-M"):
            key = ("2mat",)
            headings[key] = MATERIALS_GROUP
        else:
            key = ("3proj",)
            headings[key] = PROJECT_GROUP
        groups.setdefault(key, []).append(f)
    # dicts keep first-appearance order; a stable sort on the kind keeps it within kinds.
    keys = sorted(groups, key=lambda k: (k[0], k[1]) if k[0] == "0doc" else (k[0],))
    return [FindingGroup(k, headings[k], tuple(groups[k])) for k in keys]


def cn_number(n: int) -> str:
    """1 → 一, 12 → 十二, 23 → 二十三 (headings of a review opinion)."""
    from dossier.cjk import chinese_counting

    return chinese_counting(n)


def deterministic_zip(data: bytes, when: datetime) -> bytes:
    """Rewrite an OOXML zip with every entry dated `when` and fixed attributes, in the
    original entry order, so the same report always yields the same bytes."""
    stamp = (max(when.year, 1980), when.month, when.day, 0, 0, 0)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.create_system = 0
            fixed.external_attr = 0
            dst.writestr(fixed, src.read(info.filename), compresslevel=6)
    return out.getvalue()


FINDING_COLUMNS: tuple[tuple[str, str], ...] = (
    ("code", "代码"), ("slug", "标识"), ("severity", "级别"), ("requirement", "要求"),
    ("message", "问题"), ("document", "文档"), ("file", "文件"), ("section", "章节"),
    ("page", "页"), ("paragraph", "段"), ("citations", "依据"),
    ("jurisdiction", "地区"), ("stage", "阶段"),
)
"""The findings table of the XLSX report and of the scan portfolio's 问题 sheet."""


def finding_table(report: Mapping[str, Any]) -> list[list[Any]]:
    """One row of FINDING_COLUMNS values per finding, as a reader sees them (severity labels,
    paragraphs counted from 1)."""
    rows = []
    for r in finding_rows(report):
        row = dict(r)
        row["severity"] = label(SEVERITY_LABEL, str(r["severity"]))
        if isinstance(r["paragraph"], int):
            row["paragraph"] = r["paragraph"] + 1
        rows.append([row[k] for k, _ in FINDING_COLUMNS])
    return rows
