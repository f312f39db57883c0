"""Findings and the report: the JSON contract of DESIGN.md, and the flat row shape that
XLSX/CSV and tests use. Findings compare equal on (code, requirement, location)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from dossier.codes import BY_CODE, SEVERITY_RANK, message

if TYPE_CHECKING:
    from dossier.model import Pack


@dataclass(frozen=True)
class Loc:
    file: str = ""
    document: str = ""
    section: str = ""
    page: int | None = None
    paragraph: int | None = None

    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {}
        for k in ("file", "document", "section"):
            v = getattr(self, k)
            if v:
                d[k] = v
        if self.page is not None:
            d["page"] = self.page
        if self.paragraph is not None:
            d["paragraph"] = self.paragraph
        return d

    def render(self) -> str:
        parts = [self.file, self.section]
        if self.page is not None:
            parts.append(f"第{self.page}页")
        elif self.paragraph is not None:
            parts.append(f"第{self.paragraph + 1}段")
        return " › ".join(p for p in parts if p)


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    message: str
    requirement: str
    location: Loc
    citations: tuple[Mapping[str, str], ...] = field(default=(), compare=False)

    def key(self) -> tuple[str, str, tuple[tuple[str, Any], ...]]:
        return (self.code, self.requirement, tuple(sorted(self.location.as_dict().items())))

    def __eq__(self, other: object) -> bool:
        # yamllint habit: wording and severity may change without breaking comparisons.
        return isinstance(other, Finding) and self.key() == other.key()

    def __hash__(self) -> int:
        return hash(self.key())

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "slug": BY_CODE[self.code].slug,
            "severity": self.severity,
            "message": self.message,
            "requirement": self.requirement,
            "citations": [dict(c) for c in self.citations],
            "location": self.location.as_dict(),
        }


def sort_key(f: Finding) -> tuple[Any, ...]:
    return (-SEVERITY_RANK[f.severity], f.location.file, f.code, f.requirement, f.location.render())


def summarise(findings: Sequence[Finding], materials: Sequence[MaterialResult],
              documents: Sequence[DocumentResult]) -> Summary:
    sev = Counter(f.severity for f in findings)
    return Summary(
        errors=sev.get("error", 0),
        warnings=sev.get("warning", 0),
        info=sev.get("info", 0),
        by_code=dict(sorted(Counter(f.code for f in findings).items())),
        materials=dict(sorted(Counter(m.status for m in materials).items())),
        sections=dict(sorted(Counter(s.status for d in documents for s in d.sections).items())),
    )


# -- the typed report -----------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    """Who checked what, against which pack and stage, as of when: assembled only by `header`."""

    pack: Mapping[str, str]
    jurisdiction: str
    stage: str
    as_of: str
    input: str
    stage_title: str | None = None
    """None in a failed dossier's report, whose stage may be unknown."""
    tool_version: str = ""

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"tool": {"name": "dossier", "version": self.tool_version},
                             "pack": dict(self.pack), "jurisdiction": self.jurisdiction, "stage": self.stage}
        if self.stage_title is not None:
            d["stage_title"] = self.stage_title
        d["as_of"] = self.as_of
        d["input"] = self.input
        return d


def header(pack: Pack | None, *, jurisdiction: str, stage: str, stage_title: str | None, as_of: dt.date | None,
           input_name: str) -> Header:
    """The one place a report header is made (the engine's reports and a failed dossier's)."""
    from dossier import __version__

    pack_json: dict[str, str] = ({"id": pack.id, "version": pack.version, "title": pack.title} if pack is not None
                                 else {"id": jurisdiction, "version": ""})
    return Header(pack_json, jurisdiction, stage, (as_of or dt.date.today()).isoformat(), input_name,
                  stage_title, __version__)


@dataclass(frozen=True)
class FileResult:
    path: str
    format: str
    status: str
    material: str | None = None
    document: str | None = None
    read: bool = False
    """The file has a tree: its title and page count are reported."""
    title: str = ""
    pages: int | None = None
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"path": self.path, "format": self.format, "status": self.status,
                             "material": self.material, "document": self.document}
        if self.read:
            d["title"] = self.title
            d["pages"] = self.pages
        if self.reason:
            d["reason"] = self.reason
        return d


@dataclass(frozen=True)
class SectionResult:
    id: str
    path: tuple[str, ...]
    title: str
    status: str
    """present | empty | missing | not-required | manual-review"""
    matched: Mapping[str, Any] | None = None
    """The heading it matched: title, label, location, score."""

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "path": list(self.path), "title": self.title}
        if self.matched is not None:
            d["matched"] = dict(self.matched)
        d["status"] = self.status
        return d


@dataclass(frozen=True)
class DocumentResult:
    path: str
    type: str
    title: str
    sections: tuple[SectionResult, ...]

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "type": self.type, "title": self.title,
                "sections": [s.to_json() for s in self.sections]}


@dataclass(frozen=True)
class MaterialResult:
    id: str
    title: str
    status: str
    """present | missing | not-required | manual-review"""
    files: tuple[str, ...]
    citations: tuple[Mapping[str, str], ...] = ()
    placeholder: bool = False
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "title": self.title, "status": self.status, "files": list(self.files),
                             "citations": [dict(c) for c in self.citations]}
        if self.placeholder:
            d["placeholder"] = True
        if self.reason:
            d["reason"] = self.reason
        return d


@dataclass(frozen=True)
class Summary:
    errors: int
    warnings: int
    info: int
    by_code: Mapping[str, int]
    materials: Mapping[str, int]
    sections: Mapping[str, int]

    def to_json(self) -> dict[str, Any]:
        return {"errors": self.errors, "warnings": self.warnings, "info": self.info, "by_code": dict(self.by_code),
                "materials": dict(self.materials), "sections": dict(self.sections)}


@dataclass(frozen=True)
class Report:
    """A checked dossier, built once by the engine (or by `failed`); renderers read it.

    `to_json()` is the contract of schemas/report.schema.json; `flatten()` is one row per
    finding (the XLSX/CSV shape); `exit_code(fail_on)` is what the CLI exits with."""

    header: Header
    facts: Mapping[str, Mapping[str, Any]]
    files: tuple[FileResult, ...]
    documents: tuple[DocumentResult, ...]
    materials: tuple[MaterialResult, ...]
    findings: tuple[Finding, ...]
    summary: Summary
    scan: Mapping[str, Any] | None = None
    """Set by a bulk scan: which dossier, where jurisdiction and stage came from, why it failed."""

    @classmethod
    def build(cls, head: Header, facts: Mapping[str, Mapping[str, Any]], files: Sequence[FileResult],
              documents: Sequence[DocumentResult], materials: Sequence[MaterialResult],
              findings: Sequence[Finding]) -> Report:
        """A report whose summary is counted from its parts."""
        return cls(head, facts, tuple(files), tuple(documents), tuple(materials), tuple(findings),
                   summarise(findings, materials, documents))

    @classmethod
    def failed(cls, head: Header, reason: str, scan: Mapping[str, Any] | None = None) -> Report:
        """A schema-valid report for a dossier that could not be checked: one DOS-X001 finding."""
        f = Finding("DOS-X001", "error", message("DOS-X001", file=head.input, reason=reason), "",
                    Loc(file=head.input))
        return replace(cls.build(head, {}, (), (), (), (f,)), scan=scan)

    def to_json(self) -> dict[str, Any]:
        d = self.header.to_json()
        d["facts"] = {k: dict(v) for k, v in self.facts.items()}
        d["files"] = [f.to_json() for f in self.files]
        d["documents"] = [doc.to_json() for doc in self.documents]
        d["materials"] = [m.to_json() for m in self.materials]
        d["findings"] = [f.as_dict() for f in self.findings]
        d["summary"] = self.summary.to_json()
        if self.scan is not None:
            d["scan"] = dict(self.scan)
        return d

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Report:
        """The report back from its JSON (a cached or stored report)."""
        tool = data.get("tool", {})
        head = Header(dict(data["pack"]), data["jurisdiction"], data["stage"], data["as_of"], data["input"],
                      data.get("stage_title"), tool.get("version", ""))
        files = tuple(FileResult(f["path"], f["format"], f["status"], f.get("material"), f.get("document"),
                                 "title" in f or "pages" in f, f.get("title", ""), f.get("pages"),
                                 f.get("reason", "")) for f in data.get("files", ()))
        docs = tuple(DocumentResult(d["path"], d["type"], d["title"], tuple(
            SectionResult(s["id"], tuple(s["path"]), s["title"], s["status"], s.get("matched"))
            for s in d["sections"])) for d in data.get("documents", ()))
        mats = tuple(MaterialResult(m["id"], m["title"], m["status"], tuple(m["files"]),
                                    tuple(m.get("citations", ())), bool(m.get("placeholder")), m.get("reason", ""))
                     for m in data.get("materials", ()))
        findings = tuple(Finding(f["code"], f["severity"], f["message"], f["requirement"],
                                 Loc(**f.get("location", {})), tuple(f.get("citations", ())))
                         for f in data["findings"])
        s = data["summary"]
        summary = Summary(s["errors"], s["warnings"], s["info"], s["by_code"], s["materials"], s["sections"])
        return cls(head, data.get("facts", {}), files, docs, mats, findings, summary, data.get("scan"))

    def document_of(self, f: Finding) -> DocumentResult | None:
        """The checked document a finding concerns: the one read from the finding's file, else
        (no file) the one of the finding's document type; None for material- and project-level
        findings and for files that are no outlined document."""
        loc = f.location
        if loc.file:
            return next((d for d in self.documents if d.path == loc.file), None)
        if loc.document:
            return next((d for d in self.documents if d.type == loc.document), None)
        return None

    def flatten(self) -> list[dict[str, Any]]:
        """One flat row per finding (the XLSX/CSV shape; also what tests compare)."""
        return [finding_row(f, self.header.jurisdiction, self.header.stage) for f in self.findings]

    def exit_code(self, fail_on: str) -> int:
        """0 when nothing is at or above fail_on ('error', 'warning', 'info', 'never'), else 1."""
        if fail_on == "never":
            return 0
        if fail_on not in SEVERITY_RANK:
            raise ValueError(f"fail_on must be one of error, warning, info, never (not {fail_on!r})")
        bar = SEVERITY_RANK[fail_on]
        return 1 if any(SEVERITY_RANK[f.severity] >= bar for f in self.findings) else 0


def finding_row(f: Finding, jurisdiction: str, stage: str) -> dict[str, Any]:
    loc = f.location
    return {
        "jurisdiction": jurisdiction, "stage": stage, "code": f.code, "slug": BY_CODE[f.code].slug,
        "severity": f.severity, "requirement": f.requirement, "message": f.message,
        "file": loc.file, "document": loc.document, "section": loc.section,
        "page": "" if loc.page is None else loc.page, "paragraph": "" if loc.paragraph is None else loc.paragraph,
        "citations": "；".join(c["text"] for c in f.citations),
    }


def finding_rows(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """`Report.flatten` over a report's JSON (renderers read the JSON; the scan's cache stores it)."""
    rows = []
    for f in report["findings"]:
        loc = f.get("location", {})
        rows.append({
            "jurisdiction": report["jurisdiction"],
            "stage": report["stage"],
            "code": f["code"],
            "slug": f.get("slug", ""),
            "severity": f["severity"],
            "requirement": f["requirement"],
            "message": f["message"],
            "file": loc.get("file", ""),
            "document": loc.get("document", ""),
            "section": loc.get("section", ""),
            "page": loc.get("page", ""),
            "paragraph": loc.get("paragraph", ""),
            "citations": "；".join(c["text"] for c in f.get("citations", [])),
        })
    return rows
