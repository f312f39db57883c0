"""Fixtures for skeleton generation: a small inline pack, and each document generated once per session."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from gen_support import Skeleton, write_mini_pack

from dossier.generate import generate_document
from dossier.model import Pack
from dossier.packs import load_pack_path


@pytest.fixture(scope="session")
def mini_pack(tmp_path_factory: pytest.TempPathFactory) -> Pack:
    return load_pack_path(write_mini_pack(tmp_path_factory.mktemp("minipack")))


@pytest.fixture(scope="session")
def skeleton(tmp_path_factory: pytest.TempPathFactory) -> Skeleton:
    """generate_document with a cache: each (pack, document, facts) is rendered once."""
    cache: dict[tuple[str, str, str], Path] = {}
    root = tmp_path_factory.mktemp("skeletons")

    def make(pack: Pack, doc_id: str, facts: Mapping[str, Any]) -> Path:
        key = (pack.id, doc_id, repr(sorted(facts.items())))
        if key not in cache:
            out = root / f"{pack.id}__{doc_id}__{len(cache)}.docx"
            cache[key] = generate_document(pack, doc_id, facts, out)
        return cache[key]

    return make
