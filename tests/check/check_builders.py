from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
from docx import Document as Docx

from dossier.model import Document


def write_docx(path: Path, title: str, items: Iterable[tuple[int, str, str]], *, preamble: Iterable[str] = ()) -> Path:
    """A DOCX with a title, optional preamble lines and (level, heading text, body) items."""
    d = Docx()
    d.add_paragraph(title, style="Title")
    for line in preamble:
        d.add_paragraph(line)
    for level, heading, body in items:
        d.add_heading(heading, level=min(level, 4))
        if body:
            d.add_paragraph(body)
    path.parent.mkdir(parents=True, exist_ok=True)
    d.save(path)
    return path


def outline_items(
    doc: Document,
    *,
    drop: set[str] = frozenset(),  # type: ignore[assignment]
    empty: set[str] = frozenset(),  # type: ignore[assignment]
    rename: dict[str, str] | None = None,
    body: Callable[[str], str] = lambda t: f"本节写明{t}的具体情况，内容完整。",
) -> list[tuple[int, str, str]]:
    """The outline as headings with bodies; dropping a section drops its subtree."""
    rename = rename or {}
    items = []
    dropped: list[tuple[str, ...]] = []
    for path, s in doc.walk():
        if s.id in drop:
            dropped.append(path)
        if any(path[: len(p)] == p for p in dropped):
            continue
        text = f"{s.label} {rename.get(s.id, s.title)}".strip()
        leaf = not s.children
        items.append((s.level, text, "" if (s.id in empty or not leaf) else body(s.title)))
    return items


@pytest.fixture
def make_docx() -> Callable[..., Path]:
    return write_docx
