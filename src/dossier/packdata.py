"""Installed packs' YAML, parsed and schema-checked ahead of time (outlines/<id>/parsed-yaml.json).

Reading an installed pack was most of what loading it cost at every start (~0.05 s of a
0.25 s empty check): PyYAML and jsonschema-rs to import, libyaml's events turned into Python
objects in a Python loop, every file validated again. An installed pack is the same files
every time, so `make packdata` (`python -m dossier.packdata`) writes beside each pack's YAML
what every file parses to and which schema it passed, with the sha256 of the file's text and
of the schemas it was checked against.

The loader takes an entry only where both digests are those of what it reads now: an edited
file, a changed schema, a missing or unreadable JSON file all fall back to the YAML, read and
validated as before; nothing is written at run time. tests/core/test_packdata.py keeps the
shipped files equal to what this module writes from the YAML.
"""

from __future__ import annotations

import functools
import hashlib
import json
import sys
from collections.abc import Iterator, Mapping
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from dossier import resources

FILE_NAME = "parsed-yaml.json"
NOTE = "Written by `make packdata` from this folder's YAML files; do not edit (see dossier/packdata.py)."

Preparsed = Mapping[str, Mapping[str, Any]]
"""A pack's file (relative path: 'stages/application.yaml') → {"sha256", "schema", "data"}."""


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def schemas_digest() -> str:
    """sha256 over every schema file (names and contents): what an entry was validated against."""
    h = hashlib.sha256()
    root = resources.data_root("schemas")
    for name in resources.schema_names():
        h.update(name.encode("utf-8") + b"\0")
        h.update(hashlib.sha256((root / f"{name}.schema.json").read_bytes()).digest())
    return h.hexdigest()


def load(root: Traversable) -> Preparsed:
    """The pre-parsed files of an installed pack folder, or {} (none shipped, unreadable, or
    validated against other schemas): then every file is read from its YAML."""
    node = root / FILE_NAME
    try:
        if not node.is_file():
            return {}
        shipped = json.loads(node.read_text(encoding="utf-8"))
        if shipped.get("schemas") != schemas_digest():
            return {}
        files: Preparsed = shipped["files"]
        return files
    except (OSError, ValueError, AttributeError, KeyError, TypeError):
        return {}  # a damaged copy costs speed, never correctness


@functools.cache
def installed(pack_id: str) -> Preparsed:
    """`load` of an installed pack's folder, read once per process: the pack loader and the
    fact extractor (extract.yaml) both take their files from it."""
    return load(resources.outlines_root() / pack_id)


def entry_data(preparsed: Preparsed, rel: str, text: str, schema_name: str) -> tuple[bool, Any]:
    """(True, data) when `text` is the file the entry for `rel` was made from and it passed
    `schema_name`; (False, None) otherwise."""
    entry = preparsed.get(rel)
    if entry is None or entry.get("schema") != schema_name or entry.get("sha256") != text_digest(text):
        return False, None
    return True, entry.get("data")


# -- writing (make packdata) --------------------------------------------------------------------


def schema_of(rel: str) -> str | None:
    """The schema a pack file is checked against, by its place in the folder."""
    fixed = {"pack.yaml": "pack", "rules.yaml": "requirements", "source.yaml": "source", "extract.yaml": "extract"}
    if rel in fixed:
        return fixed[rel]
    folder, _, name = rel.rpartition("/")
    if name.endswith(".yaml") and folder in ("stages", "documents"):
        return {"stages": "materials", "documents": "outline"}[folder]
    return None


def _yaml_files(root: Traversable, prefix: str = "") -> Iterator[tuple[str, Traversable]]:
    for node in sorted(root.iterdir(), key=lambda n: n.name):
        rel = prefix + node.name
        if node.is_dir():
            yield from _yaml_files(node, rel + "/")
        elif node.name.endswith(".yaml"):
            yield rel, node


def _survives_json(data: Any) -> bool:
    """JSON gives back exactly this value (types included: 1, 1.0 and True all compare equal)."""
    return repr(json.loads(json.dumps(data, ensure_ascii=False))) == repr(data)


def build(pack_id: str) -> str:
    """The parsed-yaml.json text of an installed pack: every YAML file that reads and passes its
    schema (the others are left to the loader, which reports their problems)."""
    from dossier.errors import PackError
    from dossier.packs import pack_root, schema_problems
    from dossier.yamlio import load_yaml_text

    root = pack_root(pack_id)
    files: dict[str, dict[str, Any]] = {}
    for rel, node in _yaml_files(root):
        schema_name = schema_of(rel)
        if schema_name is None:
            continue
        text = node.read_text(encoding="utf-8")
        try:
            data = load_yaml_text(text, rel, PackError)
        except PackError:
            continue
        if data is None or schema_problems(data, schema_name, rel) or not _survives_json(data):
            continue
        files[rel] = {"sha256": text_digest(text), "schema": schema_name, "data": data}
    shipped = {"note": NOTE, "schemas": schemas_digest(), "files": files}
    return json.dumps(shipped, ensure_ascii=False, indent=1) + "\n"


def write_all() -> list[Path]:
    """Write every installed pack's parsed-yaml.json (in a checkout or an editable install)."""
    from dossier.packs import pack_ids, pack_root

    written = []
    for pid in pack_ids():
        target = Path(str(pack_root(pid) / FILE_NAME))
        text = build(pid)
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
            written.append(target)
    return written


if __name__ == "__main__":
    for path in write_all():
        sys.stdout.write(f"wrote {path}\n")
