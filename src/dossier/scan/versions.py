"""Cache keys for code: the tool version alone stays 0.1.0 while the code changes, so the keys
also carry a digest of the source that produced a cached value."""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources

from dossier import __version__

# What a parsed tree depends on: the parsers (and their PARSERS table), the tree model, the shared
# marks and numerals, ParsedFile and the engine's parse_one.
_PARSER_SOURCES = ("parse", "tree.py", "cjk.py", "check/readers.py", "check/context.py", "check/engine.py", "ingest.py")


def _digest(names: tuple[str, ...], *, exclude: tuple[str, ...] = (), package: str = "dossier",
            suffixes: tuple[str, ...] = (".py",)) -> str:
    root = resources.files(package)
    h = hashlib.sha256()
    stack = [root / n if n else root for n in names]
    files = []
    while stack:
        node = stack.pop()
        if node.is_dir():
            stack.extend(node.iterdir())
        elif node.name.endswith(suffixes):
            files.append(node)
    for f in sorted(files, key=lambda f: str(f)):
        rel = str(f)
        if any(x in rel for x in exclude):
            continue
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


@cache
def parser_version() -> str:
    return f"{__version__}+{_digest(_PARSER_SOURCES)}"


@cache
def tool_version() -> str:
    """The whole checker (engine, rules, report) except the scan package's own plumbing."""
    return f"{__version__}+{_digest(('',), exclude=('/scan/', '/render/', '/generate/'))}"


@cache
def render_version() -> str:
    """What a dossier's HTML report and its rows of the portfolio's 问题 sheet depend on besides
    the report: the renderers, the portfolio writer and the report templates."""
    code = _digest(("render", "scan/portfolio.py"))
    templates = _digest(("report",), package="dossier.templates", suffixes=(".j2", ".css"))
    return f"{__version__}+{code[:8]}{templates[:8]}"


@cache
def pack_digest(pack_id: str) -> str:
    """The pack's files, so an edited outline re-checks even when its version was not bumped."""
    from dossier.packs import pack_root

    root = pack_root(pack_id)
    h = hashlib.sha256()
    stack = [root]
    files = []
    while stack:
        node = stack.pop()
        for child in node.iterdir():
            if child.is_dir():
                stack.append(child)
            else:
                files.append(child)
    for f in sorted(files, key=lambda f: str(f)):
        h.update(str(f).removeprefix(str(root)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]
