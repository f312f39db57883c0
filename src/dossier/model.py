"""Typed, frozen views of a rule pack. Built by dossier.packs from validated YAML."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Condition = Mapping[str, Any]
"""A condition in the closed vocabulary of schemas/common.schema.json (all/any/not/fact-op)."""


@dataclass(frozen=True)
class Source:
    id: str
    short: str
    title: str
    issuer: str
    number: str = ""
    issued: str = ""
    effective: str = ""
    seed: str = ""
    """The file name the text was first collected under (informational)."""
    text_file: str = ""
    """The regulation's text inside the pack folder (source.yaml names it): source.txt."""
    published: str = ""
    """Who published the text, where and when, as the text itself shows (source.yaml)."""


@dataclass(frozen=True)
class Citation:
    source: str
    article: str
    quote: str
    clause: str = ""
    item: str = ""
    short: str = ""  # the source's short name, filled in by the loader

    def render(self) -> str:
        """`永川办法 第十五条（一）`: how reports print a citation."""
        name = self.short or self.source
        tail = "".join(p for p in (self.clause, self.item) if p)
        return f"{name} {self.article}{tail}"

    def as_dict(self) -> dict[str, str]:
        d = {"source": self.source, "article": self.article, "text": self.render(), "quote": self.quote}
        if self.clause:
            d["clause"] = self.clause
        if self.item:
            d["item"] = self.item
        return d


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    citations: tuple[Citation, ...]
    label: str = ""
    level: int = 1
    aliases: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    when: Condition | None = None
    condition_text: str = ""
    optional: bool = False
    may_be_blank: bool = False
    in_text: bool = False
    requires_content: bool = False
    """Its own value must be filled even when its sub-fields are (变更内容 above its signature)."""
    """An item the text covers, not necessarily under its own heading (安全评估费用 inside 投资概算)."""
    """Must be there, may be left blank (第五年 of a one-year project, a cost line not needed)."""
    guidance: str = ""
    children: tuple[Section, ...] = ()

    def walk(self, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Section]]:
        """Depth-first (path of titles from the root, section) pairs, self first."""
        here = (*path, self.title)
        yield here, self
        for child in self.children:
            yield from child.walk(here)


@dataclass(frozen=True)
class Document:
    """An outlined document: a report (chapters), a form (fields) or a table (rows)."""

    id: str
    title: str
    kind: Literal["report", "form", "table"]
    citations: tuple[Citation, ...]
    sections: tuple[Section, ...]
    outline: Literal["full", "partial", "text"] = "full"
    """full: every chapter, in order; partial: the chapters the seed names; text: a 公文 whose
    points sit in ordinary paragraphs, not headings."""
    aliases: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    decoys: tuple[str, ...] = ()
    guidance: str = ""
    columns: tuple[str, ...] = ()

    def walk(self) -> Iterator[tuple[tuple[str, ...], Section]]:
        for s in self.sections:
            yield from s.walk()

    def count(self) -> int:
        return sum(1 for _ in self.walk())


@dataclass(frozen=True)
class Part:
    """One of several files a material is made of (青浦 第二十三条(五): 安全测评、软件测评、
    密码应用测评报告), each required or conditional, each reported."""

    id: str
    title: str
    aliases: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    when: Condition | None = None
    condition_text: str = ""


@dataclass(frozen=True)
class Material:
    id: str
    title: str
    citations: tuple[Citation, ...]
    document: str = ""
    aliases: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    decoys: tuple[str, ...] = ()
    when: Condition | None = None
    condition_text: str = ""
    verify: Literal["file", "manual"] = "file"
    guidance: str = ""
    parts: tuple[Part, ...] = ()
    satisfies: tuple[str, ...] = ()
    """Other materials of the stage this one's file also is (武汉 第十条: one 项目实施方案
    in place of 可研 and 初步设计)."""
    alternatives: tuple[str, ...] = ()
    """Materials of the stage whose file makes this one unnecessary (武汉 第十条: approval in
    steps, 建议书 → 可研 → 初步设计; a dossier is at one step, not all at once)."""
    wrong_route: str = ""
    """Said when a file for this material is there although its condition does not hold: the
    project took a route the regulation does not allow it (武汉 第十九条: a 20% change filed as
    the unit's own adjustment)."""


@dataclass(frozen=True)
class Stage:
    id: str
    title: str
    citations: tuple[Citation, ...]
    materials: tuple[Material, ...]
    description: str = ""

    def material(self, material_id: str) -> Material:
        for m in self.materials:
            if m.id == material_id:
                return m
        raise KeyError(f"stage {self.id} has no material {material_id!r}")


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    kind: Literal["assert", "window", "naming", "deadline", "consistency", "manual", "notice", "scope"]
    stages: tuple[str, ...]
    citations: tuple[Citation, ...]
    when: Condition | None = None
    severity: str | None = None
    message: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)
    """Kind-specific fields as written in the pack (assert, from/to/min/max, patterns, …)."""


@dataclass(frozen=True)
class FactSpec:
    name: str
    type: str
    title: str
    values: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class Pack:
    id: str
    version: str
    title: str
    jurisdiction: str
    level: str
    sources: tuple[Source, ...]
    stages: tuple[Stage, ...]
    documents: tuple[Document, ...]
    rules: tuple[Rule, ...]
    facts: tuple[FactSpec, ...]
    status: str = "in-force"
    notes: str = ""
    origin: str = ""
    """Empty for an installed pack; the folder of a custom one (`--pack PATH`)."""
    digest: str = ""
    """sha256 of a custom pack's files (packs.pack_digest); empty for an installed pack."""

    def stage(self, stage_id: str) -> Stage:
        for s in self.stages:
            if s.id == stage_id:
                return s
        known = ", ".join(s.id for s in self.stages)
        raise KeyError(f"pack {self.id} has no stage {stage_id!r} (it has: {known})")

    def document(self, doc_id: str) -> Document:
        for d in self.documents:
            if d.id == doc_id:
                return d
        known = ", ".join(d.id for d in self.documents)
        raise KeyError(f"pack {self.id} has no document {doc_id!r} (it has: {known})")

    def source(self, source_id: str) -> Source:
        for s in self.sources:
            if s.id == source_id:
                return s
        raise KeyError(source_id)

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(f"pack {self.id} has no rule {rule_id!r}")

    def rules_for(self, stage_id: str) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if stage_id in r.stages or "*" in r.stages)

    def fact_spec(self, name: str) -> FactSpec | None:
        for f in self.facts:
            if f.name == name:
                return f
        return None
