"""Fixtures for the parser tests: save an inline-built python-docx Document and parse it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from docx.document import Document

from dossier.parse import parse_file
from dossier.tree import DocumentTree


@pytest.fixture
def build(tmp_path: Path) -> Callable[..., Path]:
    def _save(doc: Document, name: str = "t.docx") -> Path:
        path = tmp_path / name
        doc.save(str(path))
        return path

    return _save


@pytest.fixture
def parse(build: Callable[..., Path]) -> Callable[[Document], DocumentTree]:
    def _parse(doc: Document) -> DocumentTree:
        return parse_file(build(doc))

    return _parse
