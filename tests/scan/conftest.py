from __future__ import annotations

from pathlib import Path

import pytest
from scan_helpers import make_dossier


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    root = tmp_path / "archive"
    for n in range(3):
        make_dossier(root / f"项目{n}", n)
    return root
