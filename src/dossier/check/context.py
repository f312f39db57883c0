"""What every check sees: a frozen `CheckContext` built once per dossier by the engine.

A check is `check(ctx, requirement) -> Iterator[Gap]` (see dossier.check.kinds); it reads the
context and never mutates it. Derived results that a check and the report both need (the
matched outline of a document, a material's status) are computed once and kept in `memo`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from dossier.model import Document, Material, Pack, Stage
from dossier.tree import DocumentTree

if TYPE_CHECKING:  # the classifier and the extractor load only for a dossier with files (engine)
    from dossier.check.classify import Classification
    from dossier.check.extract import Extracted

T = TypeVar("T")


@dataclass(frozen=True)
class CheckOptions:
    ocr: bool = True
    as_of: dt.date | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: Mapping[str, str] = field(default_factory=dict)
    """Per-code severity overrides (config, not the check, decides severity)."""


@dataclass(frozen=True)
class ParsedFile:
    display: str
    kind: str
    status: str  # parsed | unreadable | no-text | placeholder | skipped
    tree: DocumentTree | None = None
    reason: str = ""
    code: str = ""  # the finding code for a file-level problem


@dataclass(frozen=True)
class DocumentFile:
    """An outlined document of the stage and the file that holds it (the best-scoring readable one)."""

    material: Material
    document: Document
    file: ParsedFile


@dataclass(frozen=True)
class CheckContext:
    pack: Pack
    stage: Stage
    given: Mapping[str, Any]
    """Facts the user gave (validated); they win over extracted ones."""
    facts: Mapping[str, Any]
    """Extracted facts overlaid with the given ones: what rules and conditions read."""
    extracted: Mapping[str, Extracted]
    """Fact name → the value found in the documents (with its evidence)."""
    per_file_facts: Mapping[str, tuple[Extracted, ...]]
    """File display name → facts found in that file, in the order files were read."""
    files: tuple[ParsedFile, ...]
    """Every ingested file, parsed (its tree) or not (its status and reason)."""
    assigned: Mapping[str, Classification]
    """File display name → the material it was classified as."""
    titles: Mapping[str, str]
    """Fact name → its human title, for messages."""
    options: CheckOptions
    as_of: dt.date
    memo: dict[tuple[str, str], Any] = field(default_factory=dict, compare=False, hash=False, repr=False)
    """Per-run cache of derived results (never inputs): see `remember`."""

    def remember(self, kind: str, key: str, compute: Callable[[], T]) -> T:
        """compute() once per (kind, key) for this run: a check and the report share the result."""
        k = (kind, key)
        if k not in self.memo:
            self.memo[k] = compute()
        result: T = self.memo[k]
        return result

    def files_of(self, material: Material) -> list[ParsedFile]:
        """The files classified as `material`, best score first."""
        files = [p for p in self.files if self.assigned[p.display].material is material]
        return sorted(files, key=lambda p: (-self.assigned[p.display].score, p.display))
