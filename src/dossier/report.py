"""Findings and the report: the JSON contract of DESIGN.md, and the flat row shape that
XLSX/CSV and tests use. Findings compare equal on (code, requirement, location)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dossier.codes import BY_CODE, SEVERITY_RANK


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


def summarise(findings: Sequence[Finding], materials: Sequence[Mapping[str, Any]],
              documents: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    sev = Counter(f.severity for f in findings)
    return {
        "errors": sev.get("error", 0),
        "warnings": sev.get("warning", 0),
        "info": sev.get("info", 0),
        "by_code": dict(sorted(Counter(f.code for f in findings).items())),
        "materials": dict(sorted(Counter(m["status"] for m in materials).items())),
        "sections": dict(sorted(Counter(s["status"] for d in documents for s in d["sections"]).items())),
    }


def finding_rows(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One flat row per finding (the XLSX/CSV shape; also what tests compare)."""
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


def exit_code(report: Mapping[str, Any], fail_on: str) -> int:
    """0 when nothing is at or above fail_on ('error', 'warning', 'info', 'never'), else 1."""
    if fail_on == "never":
        return 0
    bar = SEVERITY_RANK[fail_on]
    return 1 if any(SEVERITY_RANK[f["severity"]] >= bar for f in report["findings"]) else 0
