from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path

import pytest
from docx import Document as Docx

from dossier.model import Document
from dossier.tree import DocumentTree

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


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


@cache
def corpus_trees() -> tuple[DocumentTree, ...]:
    """The parse corpus's documents and the corpus dossiers' DOCX and PDF files."""
    from dossier.parse import parse_file

    files = [*sorted((CORPUS / "parse" / "docx").glob("*.docx")), *sorted((CORPUS / "dossiers").glob("*/files/**/*.docx")),
             *sorted((CORPUS / "dossiers").glob("*/files/**/*.pdf"))]
    return tuple(parse_file(f, ocr=False) for f in files)


@cache
def real_lines() -> tuple[str, ...]:
    """Regulation texts of every pack, their titles, and the corpus documents' lines; each as
    written, in traditional characters (opencc s2t) and half converted."""
    import opencc

    from dossier.packs import load_pack, pack_ids, source_text

    s2t = opencc.OpenCC("s2t")
    lines: list[str] = []
    for pid in pack_ids():
        pack = load_pack(pid)
        for s in pack.sources:
            lines += source_text(pid, s.id).splitlines()
        lines += [m.title for st in pack.stages for m in st.materials]
        lines += [s.title for d in pack.documents for _, s in d.walk()]
    for tree in corpus_trees():
        lines += [h.title for h in tree.walk()] + [b.plain() for h in tree.walk() for b in h.blocks]
    lines = [t for t in dict.fromkeys(lines) if t.strip()]
    # Lines in traditional characters (opencc s2t), half converted, and a few oddities.
    traditional = [s2t.convert(t) for t in lines]
    mixed = [t[: len(t) // 2] + s2t.convert(t[len(t) // 2:]) for t in lines]
    return (*lines, *traditional, *mixed, "回覆", "於是", "乾隆", "後來", "\u3000測試\x00", "①②", "ＡＢＣ１２３", "café – №5 • Ⅳ ™", "ÀÉ 𝔸")
