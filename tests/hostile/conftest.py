"""Hostile-input suite: the `fuzz` marker, the sandbox fixture and the good document's baseline."""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile_support import Box, baseline_sections


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "fuzz: long fuzzing runs; skipped unless selected with `-m fuzz` (a short run is always on)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # The long runs only when asked for by name: `pytest -m fuzz tests/hostile`.
    if "fuzz" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason="long fuzz run: select with -m fuzz")
    for item in items:
        if item.get_closest_marker("fuzz") is not None:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str]]:
    return baseline_sections(tmp_path_factory.mktemp("baseline"))


@pytest.fixture
def box(tmp_path: Path, baseline: list[tuple[str, str]]) -> Box:
    """A sandbox holding the good document; the baseline is loaded first."""
    return Box.make(tmp_path / "box")
