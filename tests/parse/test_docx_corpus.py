"""The DOCX corpus: parse output against expected trees, with heading recall, precision
and level accuracy (bars from issue 3: recall and precision ≥ 0.995, levels ≥ 0.99).

The fixtures and their expected trees are written by corpus/parse/make_docx.py from the
intended outline, not from the parser.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

import pytest

from dossier.parse import parse_file
from dossier.parse.ladder import normalise_title
from dossier.tree import DocumentTree, Heading

CORPUS = Path(__file__).resolve().parents[2] / "corpus" / "parse" / "docx"
FILES = sorted(CORPUS.glob("*.docx"))

Row = tuple[int, str, str, bool | None]


def expected_rows(nodes: list[dict[str, Any]]) -> list[Row]:
    out: list[Row] = []
    for n in nodes:
        out.append((n["level"], n["label"], n["title"], n.get("has_content")))
        out.extend(expected_rows(n["children"]))
    return out


def actual_rows(tree: DocumentTree) -> list[tuple[int, str, str, Heading]]:
    return [(h.level, h.label, h.title, h) for h in tree.walk()]


def key(label: str, title: str) -> str:
    return normalise_title(label).replace(" ", "") + "|" + normalise_title(title)


def score(exp: list[Row], got: list[tuple[int, str, str, Heading]]) -> tuple[int, int, int, int]:
    """(matched, expected, found, matched with the right level): headings pair up in order
    by label + normalised title."""
    a = [key(r[1], r[2]) for r in exp]
    b = [key(r[1], r[2]) for r in got]
    matched = levels = 0
    for blk in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_matching_blocks():
        for k in range(blk.size):
            matched += 1
            levels += exp[blk.a + k][0] == got[blk.b + k][0]
    return matched, len(exp), len(got), levels


def test_corpus_present() -> None:
    assert len(FILES) >= 4, f"DOCX corpus missing under {CORPUS}: run corpus/parse/make_docx.py"


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_fixture_tree(path: Path) -> None:
    want = json.loads(path.with_name(path.stem + ".expected.json").read_text(encoding="utf-8"))
    tree = parse_file(path)
    assert tree.title == want["title"]
    exp = expected_rows(want["children"])
    got = actual_rows(tree)
    assert [(r[0], r[1], r[2]) for r in got] == [(r[0], r[1], r[2]) for r in exp]
    for e, g in zip(exp, got, strict=True):
        if e[3] is not None:
            assert g[3].has_content() == e[3], g[2]


def test_corpus_accuracy_bars() -> None:
    m = e = f = lv = 0
    for path in FILES:
        want = json.loads(path.with_name(path.stem + ".expected.json").read_text(encoding="utf-8"))
        s = score(expected_rows(want["children"]), actual_rows(parse_file(path)))
        m, e, f, lv = m + s[0], e + s[1], f + s[2], lv + s[3]
    recall, precision, level_acc = m / e, m / f, lv / max(m, 1)
    print(
        f"\nDOCX corpus: {e} expected headings, recall {recall:.4f}, precision {precision:.4f}, levels {level_acc:.4f}"
    )
    assert recall >= 0.995 and precision >= 0.995 and level_acc >= 0.99
