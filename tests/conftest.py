from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def regulation_text(pack_id: str) -> str:
    """An installed pack's regulation text (outlines/<id>/source.txt, read as the package reads it)."""
    from dossier.packs import load_pack, source_text

    return source_text(pack_id, load_pack(pack_id).sources[0].id)


@pytest.fixture(scope="session")
def regulation() -> Callable[[str], str]:
    return regulation_text
