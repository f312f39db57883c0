"""DocumentTree: what every parser produces and every check reads.

A heading has `title` (numbering removed), `label` (the numbering as written or as Word
renders it), `level` (1 = top), a location, the signals that made it a heading and a
confidence. Body text under a heading is kept as blocks so the checker can tell an
empty section from a filled one and pull facts from it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True)
class Location:
    """Where something is in the source: a paragraph index (DOCX) or a page (PDF), 1-based page."""

    paragraph: int | None = None
    page: int | None = None

    def __reduce__(self) -> tuple[type[Location], tuple[int | None, int | None]]:
        # Pickled as its fields, in order (here and in Block, Heading): the parse sandbox sends
        # every tree to the checker, and rebuilding thousands of small objects from a tuple
        # costs a third of rebuilding them from the default state dict.
        return (Location, (self.paragraph, self.page))

    def render(self) -> str:
        if self.page is not None:
            return f"第{self.page}页"
        if self.paragraph is not None:
            return f"第{self.paragraph + 1}段"
        return ""

    def as_dict(self) -> dict[str, int]:
        d: dict[str, int] = {}
        if self.paragraph is not None:
            d["paragraph"] = self.paragraph
        if self.page is not None:
            d["page"] = self.page
        return d


@dataclass(frozen=True)
class Block:
    """A run of body content: a paragraph of text, or a table as rows of cell texts."""

    kind: Literal["text", "table"]
    text: str = ""
    rows: tuple[tuple[str, ...], ...] = ()
    location: Location = field(default_factory=Location)
    placeholder: bool = False
    """True when the block is a generated skeleton's guidance (style 'Dossier Guidance' or marker)."""

    def __reduce__(self) -> tuple[type[Block], tuple[Any, ...]]:
        return (Block, (self.kind, self.text, self.rows, self.location, self.placeholder))

    def plain(self) -> str:
        if self.kind == "table":
            return "\n".join("\t".join(r) for r in self.rows)
        return self.text


@dataclass(frozen=True)
class Heading:
    title: str
    label: str
    level: int
    location: Location
    signals: tuple[str, ...] = ()
    """What made it a heading: 'style', 'outline-level', 'numbering', 'typed-number', 'bold', 'font-size', 'bookmark', 'ocr' …"""
    confidence: float = 1.0
    blocks: tuple[Block, ...] = ()
    """Body content between this heading and the next heading of any level."""
    children: tuple[Heading, ...] = ()

    def __reduce__(self) -> tuple[type[Heading], tuple[Any, ...]]:
        return (Heading, (self.title, self.label, self.level, self.location, self.signals, self.confidence,
                          self.blocks, self.children))

    def walk(self) -> Iterator[Heading]:
        yield self
        for c in self.children:
            yield from c.walk()

    def has_content(self) -> bool:
        """Any real (non-placeholder, non-blank) body content here or in a descendant."""
        if any(not b.placeholder and b.plain().strip() for b in self.blocks):
            return True
        return any(c.has_content() for c in self.children)

    def text(self) -> str:
        """Own body text and that of all descendants, headings included."""
        parts = [b.plain() for b in self.blocks]
        for c in self.children:
            parts.append(f"{c.label}{c.title}")
            parts.append(c.text())
        return "\n".join(p for p in parts if p)

    def as_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "label": self.label,
            "level": self.level,
            "location": self.location.as_dict(),
            "signals": list(self.signals),
            "confidence": round(self.confidence, 3),
            "has_content": self.has_content(),
            "children": [c.as_dict() for c in self.children],
        }


@dataclass(frozen=True)
class DocumentTree:
    path: str
    format: Literal["docx", "pdf", "pdf-ocr", "doc", "wps", "text", "ofd", "image"]
    title: str
    headings: tuple[Heading, ...]
    preamble: tuple[Block, ...] = ()
    """Content before the first heading (cover, 目录 excluded)."""
    pages: int | None = None
    ocr: bool = False
    ocr_confidence: float | None = None
    warnings: tuple[str, ...] = ()
    """Things the parser noticed but could work around (e.g. 'no text layer on page 3')."""

    def walk(self) -> Iterator[Heading]:
        for h in self.headings:
            yield from h.walk()

    def full_text(self) -> str:
        parts = [self.title] + [b.plain() for b in self.preamble]
        for h in self.headings:
            parts.append(f"{h.label}{h.title}")
            parts.append(h.text())
        return "\n".join(p for p in parts if p)

    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "path": self.path,
            "format": self.format,
            "title": self.title,
            "pages": self.pages,
            "ocr": self.ocr,
            "children": [h.as_dict() for h in self.headings],
        }
        if self.ocr_confidence is not None:
            d["ocr_confidence"] = round(self.ocr_confidence, 3)
        if self.warnings:
            d["warnings"] = list(self.warnings)
        return d
