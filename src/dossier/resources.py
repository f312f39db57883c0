"""Packaged data (outlines/, schemas/, templates/) located with importlib.resources.

pyproject maps the top-level data folders into the package as dossier.outlines,
dossier.schemas and dossier.templates, so the same code works from a checkout, an
editable install and a wheel installed outside the repo.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any


def data_root(name: str) -> Traversable:
    """One of the packaged data folders: 'outlines', 'schemas' or 'templates'."""
    return resources.files(f"dossier.{name}")


def outlines_root() -> Traversable:
    return data_root("outlines")


def templates_root() -> Traversable:
    return data_root("templates")


@cache
def schema(name: str) -> dict[str, Any]:
    """A JSON schema by short name ('pack', 'outline', 'materials', 'requirements', 'facts', 'report')."""
    text = (data_root("schemas") / f"{name}.schema.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@cache
def schema_names() -> tuple[str, ...]:
    return tuple(
        sorted(
            p.name.removesuffix(".schema.json")
            for p in data_root("schemas").iterdir()
            if p.name.endswith(".schema.json")
        )
    )
