"""Safe YAML reading for packs and facts: size-capped, no anchors/aliases, no tags.

Aliases are refused outright: neither packs nor facts need them, and refusing them
closes the "billion laughs" expansion that safe_load alone does not prevent.
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import yaml

from dossier.errors import DossierError

MAX_YAML_BYTES = 2 * 1024 * 1024
MAX_YAML_DEPTH = 100
"""Nesting of collections: packs need about 20; PyYAML composes recursively, so 50,000
opening brackets (100 KB) would otherwise end in a RecursionError, not a clear message."""


class _NoAliasLoader(yaml.SafeLoader):
    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.constructor.ConstructorError(
                None, None, "aliases (*name) are not allowed", event.start_mark
            )
        if self._depth >= MAX_YAML_DEPTH:
            raise yaml.composer.ComposerError(
                None, None, f"nested deeper than {MAX_YAML_DEPTH} levels", self.peek_event().start_mark
            )
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        return super().construct_object(node, deep)


def _no_timestamps(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    # Dates stay strings so that schemas see exactly what the user wrote.
    return loader.construct_scalar(node)  # type: ignore[arg-type]


_NoAliasLoader.add_constructor("tag:yaml.org,2002:timestamp", _no_timestamps)


def load_yaml_text(text: str, path: str, error: type[DossierError] = DossierError) -> Any:
    if len(text.encode("utf-8", errors="replace")) > MAX_YAML_BYTES:
        raise error(f"file larger than {MAX_YAML_BYTES // 1024} KiB", path=path)
    try:
        return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(f"not valid YAML: {problem}", path=path, where=where) from None


def load_yaml_file(path: Path, error: type[DossierError] = DossierError) -> Any:
    try:
        st = path.stat()
    except OSError as exc:
        raise error(f"cannot read: {exc.strerror or exc}", path=str(path)) from None
    if stat.S_ISDIR(st.st_mode):
        raise error("is a folder, not a YAML file", path=str(path))
    if st.st_size > MAX_YAML_BYTES:
        raise error(f"file larger than {MAX_YAML_BYTES // 1024} KiB", path=str(path))
    try:
        # Read one byte past the cap: devices and pipes report size 0 (/dev/zero never ends).
        with path.open("rb") as fh:
            raw = fh.read(MAX_YAML_BYTES + 1)
    except OSError as exc:
        raise error(f"cannot read: {exc.strerror or exc}", path=str(path)) from None
    if len(raw) > MAX_YAML_BYTES:
        raise error(f"file larger than {MAX_YAML_BYTES // 1024} KiB", path=str(path))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise error("not UTF-8 text", path=str(path)) from None
    return load_yaml_text(text, str(path), error)
