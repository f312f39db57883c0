"""Parsed trees cross the parse sandbox's pipe pickled (scan/sandbox.py). Location, Block and
Heading pickle as their fields in order (tree.py __reduce__): every field, including one added
later, must come back."""

from __future__ import annotations

import pickle
from dataclasses import MISSING, fields
from typing import Any

from dossier.tree import Block, DocumentTree, Heading, Location


def _distinct(cls: type, seed: int) -> Any:
    """An instance with every field set to a value that differs from its default."""
    values: dict[str, Any] = {}
    for k, f in enumerate(fields(cls)):
        kind = str(f.type)
        if "Location" in kind:
            values[f.name] = Location(paragraph=seed + k, page=seed + k + 1)
        elif "tuple[Heading" in kind:
            values[f.name] = (Heading(f"子{seed}", "1.1", 2, Location(page=seed)),)
        elif "tuple[Block" in kind:
            values[f.name] = (Block("table", rows=(("甲", f"{seed}"),), location=Location(paragraph=seed)),)
        elif "tuple[tuple" in kind:
            values[f.name] = (("a", "b"), (f"c{seed}", ""))
        elif "tuple[str" in kind:
            values[f.name] = (f"signal-{seed}", "bold")
        elif kind.startswith("bool"):
            values[f.name] = True
        elif "float" in kind:
            values[f.name] = 0.5 + seed / 1000
        elif "int" in kind:
            values[f.name] = seed + k + 7
        elif "Literal" in kind:
            values[f.name] = "table"
        else:
            values[f.name] = f"{f.name}-{seed}"
    return cls(**values)


def test_every_field_survives_the_pipe() -> None:
    for cls in (Location, Block, Heading):
        original = _distinct(cls, 3)
        for f in fields(cls):  # a field left out of __reduce__ would come back as its default
            if f.default is not MISSING:
                assert getattr(original, f.name) != f.default, (cls.__name__, f.name)
            elif f.default_factory is not MISSING:
                assert getattr(original, f.name) != f.default_factory(), (cls.__name__, f.name)
        back = pickle.loads(pickle.dumps(original, protocol=pickle.HIGHEST_PROTOCOL))
        assert type(back) is cls
        for f in fields(cls):
            assert getattr(back, f.name) == getattr(original, f.name), (cls.__name__, f.name)


def test_a_whole_tree_comes_back_equal() -> None:
    h = Heading("项目概述", "一、", 1, Location(paragraph=4), ("style",), 0.9,
                (Block("text", "正文", location=Location(paragraph=5)),),
                (Heading("建设内容", "（一）", 2, Location(paragraph=6), blocks=(Block("text", "x", placeholder=True),)),))
    tree = DocumentTree("a.docx", "docx", "标题", (h,), preamble=(Block("text", "封面"),), pages=3, warnings=("w",))
    assert pickle.loads(pickle.dumps(tree, protocol=pickle.HIGHEST_PROTOCOL)) == tree
