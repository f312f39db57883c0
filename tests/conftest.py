from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def seeds_dir() -> Path:
    """The regulations as plain text: ../shared/seeds beside the checkout (present in CI)."""
    env = os.environ.get("DOSSIER_SEEDS")
    return Path(env) if env else REPO.parent / "shared" / "seeds"


@pytest.fixture(scope="session")
def seeds() -> Path:
    d = seeds_dir()
    if not d.is_dir():
        pytest.fail(f"seed texts not found at {d} (set DOSSIER_SEEDS)")
    return d
