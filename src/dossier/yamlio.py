"""Safe YAML reading for packs and facts: size-capped, no anchors/aliases, no tags.

Aliases are refused outright: neither packs nor facts need them, and refusing them
closes the "billion laughs" expansion that safe_load alone does not prevent.

libyaml (when PyYAML has it) reads packs about 5x faster than the pure-Python
loader, which stays the reference: a document goes to the C loader only after a C event
pass finds none of what the reference refuses or reads differently, and anything the C
loader raises is re-read by the reference, so bad input gets exactly the old message.
"""

from __future__ import annotations

import contextlib
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


def _no_timestamps(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    # Dates stay strings so that schemas see exactly what the user wrote.
    return loader.construct_scalar(node)  # type: ignore[arg-type]


_NoAliasLoader.add_constructor("tag:yaml.org,2002:timestamp", _no_timestamps)

_FastLoader: type[yaml.CSafeLoader] | None = None
if yaml.__with_libyaml__:

    class _CLoader(yaml.CSafeLoader):
        pass

    _CLoader.add_constructor("tag:yaml.org,2002:timestamp", _no_timestamps)
    _FastLoader = _CLoader


# A block scalar header as PyYAML's scanner accepts it ("|#c" is an error there, not in libyaml).
_BLOCK_HEADER = re.compile(
    r"[|>](?:[-+][1-9]?|[1-9][-+]?)?(?: +(?:#[^\r\n\x85\u2028\u2029]*)?)?(?:[\r\n\x85\u2028\u2029]|\Z)"
)


_REFER = object()
"""_fast_load's answer when the reference loader must read the document (and word any error)."""
_STR, _NULL, _BOOL, _INT, _FLOAT, _TIMESTAMP = (
    f"tag:yaml.org,2002:{t}" for t in ("str", "null", "bool", "int", "float", "timestamp")
)
_SAFE = yaml.constructor.SafeConstructor()
_RESOLVED_FIRST = frozenset(c for c in yaml.SafeLoader.yaml_implicit_resolvers if c is not None)
"""First characters of a plain scalar that an implicit resolver looks at; any other plain
scalar (most pack text: it starts with a Chinese character) is a string."""


def _fast_path_is_safe(text: str, loader: type[yaml.CSafeLoader]) -> bool:
    """True when the C parser's events give this document with the reference's result."""
    return _fast_load(text, loader) is not _REFER


def _scalar(parser: Any, event: yaml.ScalarEvent) -> Any:
    """A plain or quoted scalar as SafeLoader builds it (dates stay strings), or _REFER."""
    value = event.value
    if event.style or (value and value[0] not in _RESOLVED_FIRST):
        return value  # quoted or block text, or plain text no implicit resolver looks at
    tag = parser.resolve(yaml.ScalarNode, value, event.implicit)
    if tag in (_STR, _TIMESTAMP):
        return value
    if tag == _NULL:
        return None
    if tag == _BOOL:
        return _SAFE.bool_values[value.lower()]
    if tag == _INT:
        return _SAFE.construct_yaml_int(yaml.ScalarNode(tag, value))
    if tag == _FLOAT:
        return _SAFE.construct_yaml_float(yaml.ScalarNode(tag, value))
    return _REFER  # merge keys (<<), "=": the reference's constructor decides


def _scalar_event(parser: Any, event: Any, flow: list[bool], text: str) -> Any:
    """A scalar event's value, or _REFER where libyaml and PyYAML's scanner read it differently."""
    if event.tag is not None or len(flow) >= MAX_YAML_DEPTH:
        return _REFER
    if not event.style and flow and flow[-1] and "?" in event.value:
        return _REFER
    if event.style in ("|", ">"):
        mark = event.start_mark
        if mark is None or not _BLOCK_HEADER.match(text, mark.index):
            return _REFER
    return _scalar(parser, event)


class _Builder:
    """Collections under construction; keys[i] is the pending key of stack[i] (a mapping)."""

    def __init__(self) -> None:
        self.stack: list[Any] = []
        self.keys: list[Any] = []
        self.root: Any = None

    def open(self, mapping: bool) -> None:
        self.stack.append({} if mapping else [])
        self.keys.append(_REFER)

    def close(self) -> bool:
        self.keys.pop()
        return self.add(self.stack.pop())

    def add(self, value: Any) -> bool:
        """Place a finished value; False for a key the reference must word (unhashable, repeated)."""
        if not self.stack:
            self.root = value
            return True
        top = self.stack[-1]
        if type(top) is list:
            top.append(value)
        elif self.keys[-1] is _REFER:
            if isinstance(value, list | dict) or value in top:
                return False
            self.keys[-1] = value
        else:
            top[self.keys[-1]] = value
            self.keys[-1] = _REFER
        return True


def _fast_load(text: str, loader: type[yaml.CSafeLoader]) -> Any:
    """The document built straight from libyaml's events in one pass, or _REFER.

    Its composer is C code that cannot be overridden, so aliases and depth are refused here,
    on the event stream. The other refusals are where differential fuzzing found libyaml
    reading text differently from PyYAML's own scanner: tabs, a byte-order mark past the
    start, "?" inside a plain scalar in flow context, explicit tags ("!" alone gives '' there,
    None here) and block scalar headers. Those documents, and what the reference constructor
    refuses or rewrites (several documents, a collection or a repeated key, merge keys), go
    to the reference. Building from the events checked anyway reads the text once, not twice
    (this pass, then libyaml's composer and PyYAML's constructor).
    """
    if "\t" in text or "\ufeff" in text[1:]:
        return _REFER
    flow: list[bool] = []  # one entry per open collection: is it a flow collection?
    built = _Builder()
    documents = 0
    parser = None
    with contextlib.suppress(UnicodeError):  # a lone surrogate: the reference loader words the error
        parser = loader(text)
    if parser is None:
        return _REFER
    try:
        while parser.check_event():
            event: Any = parser.get_event()
            kind = type(event)
            if kind is yaml.ScalarEvent:
                value = _scalar_event(parser, event, flow, text)
                if value is _REFER or not built.add(value):
                    return _REFER
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                if event.tag is not None or len(flow) >= MAX_YAML_DEPTH:
                    return _REFER
                flow.append(bool(event.flow_style) or bool(flow and flow[-1]))
                built.open(kind is yaml.MappingStartEvent)
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                flow.pop()
                if not built.close():
                    return _REFER
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    return _REFER
            elif kind is yaml.AliasEvent:
                return _REFER
    except (yaml.YAMLError, ValueError, KeyError, UnicodeError):
        return _REFER  # the reference loader words the error
    finally:
        parser.dispose()
    return built.root


def _load_reference(text: str) -> Any:
    return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass


def _load(text: str) -> Any:
    if _FastLoader is not None:
        value = _fast_load(text, _FastLoader)
        if value is not _REFER:
            return value
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
