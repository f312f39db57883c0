"""Safe YAML reading for packs and facts: size-capped, no anchors/aliases, no tags, no
duplicate keys, regular files only (a FIFO or /dev/zero is refused before it is opened).

Aliases are refused outright: neither packs nor facts need them, and refusing them
closes the "billion laughs" expansion that safe_load alone does not prevent.

libyaml (when PyYAML has it) reads packs about 5x faster than the pure-Python
loader, which stays the reference: a document goes to the C loader only after a C event
pass finds none of what the reference refuses or reads differently, and anything the C
loader raises is re-read by the reference, so bad input gets exactly the old message.
"""

from __future__ import annotations

import contextlib
import os
import re
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

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if isinstance(node, yaml.MappingNode):
            _refuse_duplicate_keys(self, node)
        return super().construct_mapping(node, deep)


def _refuse_duplicate_keys(loader: Any, node: yaml.MappingNode) -> None:
    """A key given twice is an error: PyYAML keeps the last one silently, so a facts file or
    pack could say one thing where a reader sees another."""
    seen: set[Any] = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=True)
        try:
            duplicate = key in seen
            seen.add(key)
        except TypeError:
            continue  # an unhashable key: the constructor words that error
        if duplicate:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark, f"duplicate key {key!r}", key_node.start_mark
            )


def _no_timestamps(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    # Dates stay strings so that schemas see exactly what the user wrote.
    return loader.construct_scalar(node)  # type: ignore[arg-type]


_NoAliasLoader.add_constructor("tag:yaml.org,2002:timestamp", _no_timestamps)

_FastLoader: type[yaml.CSafeLoader] | None = None
if yaml.__with_libyaml__:

    class _CLoader(yaml.CSafeLoader):
        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            if isinstance(node, yaml.MappingNode):
                _refuse_duplicate_keys(self, node)
            return super().construct_mapping(node, deep)

    _CLoader.add_constructor("tag:yaml.org,2002:timestamp", _no_timestamps)
    _FastLoader = _CLoader


# A block scalar header as PyYAML's scanner accepts it ("|#c" is an error there, not in libyaml).
_BLOCK_HEADER = re.compile(
    r"[|>](?:[-+][1-9]?|[1-9][-+]?)?(?: +(?:#[^\r\n\x85\u2028\u2029]*)?)?(?:[\r\n\x85\u2028\u2029]|\Z)"
)


def _fast_path_is_safe(text: str, loader: type[yaml.CSafeLoader]) -> bool:
    """True when the C loader may build this document with the reference's result.

    Its composer is C code that cannot be overridden, so aliases and depth are refused here,
    on the event stream, before it runs. The other refusals are where differential fuzzing
    found libyaml reading text differently from PyYAML's own scanner: tabs, a byte-order mark
    past the start, "?" inside a plain scalar in flow context, explicit tags ("!" alone gives
    '' there, None here) and block scalar headers. Those documents go to the reference.
    """
    if "\t" in text or "\ufeff" in text[1:]:
        return False
    flow: list[bool] = []  # one entry per open collection: is it a flow collection?
    try:
        parser = loader(text)
    except UnicodeError:
        return False  # a lone surrogate: the reference loader words the error
    try:
        while parser.check_event():
            event = parser.get_event()
            if isinstance(event, yaml.AliasEvent):
                return False
            if isinstance(event, yaml.NodeEvent) and len(flow) >= MAX_YAML_DEPTH:
                return False
            if isinstance(event, yaml.CollectionStartEvent | yaml.ScalarEvent) and event.tag is not None:
                return False
            if isinstance(event, yaml.CollectionStartEvent):
                flow.append(bool(event.flow_style) or bool(flow and flow[-1]))
            elif isinstance(event, yaml.CollectionEndEvent):
                flow.pop()
            elif isinstance(event, yaml.ScalarEvent):
                if not event.style and flow and flow[-1] and "?" in event.value:
                    return False
                mark = event.start_mark
                if event.style in ("|", ">") and (mark is None or not _BLOCK_HEADER.match(text, mark.index)):
                    return False
    except yaml.YAMLError:
        return False  # the reference loader words the error
    finally:
        parser.dispose()
    return True


def _load_reference(text: str) -> Any:
    return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass


def _load(text: str) -> Any:
    if _FastLoader is not None and _fast_path_is_safe(text, _FastLoader):
        # Whatever the C loader raises, the reference decides: same value or same error as before.
        with contextlib.suppress(Exception):
            return yaml.load(text, Loader=_FastLoader)  # noqa: S506 - a CSafeLoader subclass
    return _load_reference(text)


def load_yaml_text(text: str, path: str, error: type[DossierError] = DossierError) -> Any:
    if len(text.encode("utf-8", errors="replace")) > MAX_YAML_BYTES:
        raise error(f"file larger than {MAX_YAML_BYTES // 1024} KiB", path=path)
    try:
        return _load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(f"not valid YAML: {problem}", path=path, where=where) from None


def read_regular(path: Path, limit: int, error: type[DossierError] = DossierError) -> bytes:
    """At most `limit` bytes of a regular file, or a clear error naming it.

    Opened non-blocking and checked on the open descriptor (no race with a swap after a
    stat): a FIFO, a device (/dev/zero), a socket or a folder is refused, never read, so
    nothing waits forever on a pipe with no writer or reads an endless device.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0))
    except IsADirectoryError:
        raise error("is a folder, not a file", path=str(path)) from None
    except OSError as exc:
        raise error(f"cannot read: {exc.strerror or exc}", path=str(path)) from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise error("is a folder, not a file", path=str(path))
        if not stat.S_ISREG(st.st_mode):
            raise error(f"is not a regular file ({_file_kind(st.st_mode)})", path=str(path))
        if st.st_size > limit:
            raise error(f"file larger than {limit // 1024} KiB", path=str(path))
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb") as fh:
            fd = -1
            raw = fh.read(limit + 1)  # one byte past the cap: the file may have grown since fstat
    except OSError as exc:
        raise error(f"cannot read: {exc.strerror or exc}", path=str(path)) from None
    finally:
        if fd >= 0:
            os.close(fd)
    if len(raw) > limit:
        raise error(f"file larger than {limit // 1024} KiB", path=str(path))
    return raw


def _file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a plain file"


def load_yaml_file(path: Path, error: type[DossierError] = DossierError) -> Any:
    raw = read_regular(path, MAX_YAML_BYTES, error)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise error("not UTF-8 text", path=str(path)) from None
    return load_yaml_text(text, str(path), error)
