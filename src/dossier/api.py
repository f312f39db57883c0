"""The public Python API (re-exported by `dossier`): load a pack, check a dossier, parse a
document, generate a skeleton. The CLI calls these same functions.

Paths may be `str` or `pathlib.Path`. Every failure a caller can cause (an unknown
jurisdiction or stage, bad facts, a missing file) raises a `dossier.DossierError` subclass
whose message names the file or the value and the reason.
"""

from __future__ import annotations

import datetime as dt
import sys
import types
from collections.abc import Iterable, Mapping
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dossier.errors import DossierError, InputError

if TYPE_CHECKING:
    from dossier.model import Pack
    from dossier.report import Report
    from dossier.tree import DocumentTree

StrPath = str | PathLike[str]
FactsArg = Mapping[str, Any] | StrPath | None


def load_pack(pack: StrPath | Pack) -> Pack:
    """A rule pack: a packaged pack by id ("yongchuan"), or a pack folder given as a `Path`
    (a str is always an id, so a typo is never mistaken for a folder). PackError if unknown or broken."""
    from dossier.model import Pack as PackType
    from dossier.packs import load_pack as by_id
    from dossier.packs import load_pack_path

    if isinstance(pack, PackType):
        return pack
    if isinstance(pack, str):
        return by_id(pack)
    return load_pack_path(Path(pack))


def load_facts(facts: FactsArg, pack: Pack) -> dict[str, Any]:
    """Facts validated and typed exactly as a facts.yaml is: a mapping, or the path of a YAML file."""
    from dossier.facts import load_facts as from_file
    from dossier.facts import validate_facts

    if facts is None:
        return {}
    if isinstance(facts, Mapping):
        return dict(validate_facts(dict(facts), pack, "facts"))
    return dict(from_file(Path(facts), pack))


def require_stage(pack: Pack, stage: str) -> None:
    """DossierError naming the pack's stages when `stage` is not one of them."""
    if not any(s.id == stage for s in pack.stages):
        known = ", ".join(s.id for s in pack.stages)
        raise DossierError(f"pack {pack.id} has no stage {stage!r} (it has: {known})")


def check(
    path: StrPath,
    *,
    jurisdiction: StrPath | Pack,
    stage: str,
    facts: FactsArg = None,
    as_of: dt.date | str | None = None,
    ocr: bool = True,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    severity: Mapping[str, str] | None = None,
    sandboxed: bool = False,
) -> Report:
    """Check a dossier (a file, a folder or a .zip) against a stage of a jurisdiction's pack.

    `jurisdiction` is a pack id, a pack folder (`Path`) or a loaded Pack; `facts` what the files
    cannot show (a mapping or a facts.yaml path); `as_of` the report date (default today);
    `select`/`ignore` codes or slugs; `severity` per-code overrides; `sandboxed` parses each file
    in a child process under the CLI's time and memory limits (for untrusted uploads). Returns the typed Report:
    `report.findings`, `report.summary`, `report.to_json()`, `report.exit_code("error")`."""
    from dossier.check.engine import CheckOptions, check_path

    where = Path(path)
    if not where.exists():
        raise InputError("no such file or folder", path=str(where))
    pack = load_pack(jurisdiction)
    require_stage(pack, stage)
    given = load_facts(facts, pack)
    options = CheckOptions(ocr=ocr, as_of=_date(as_of), select=tuple(select), ignore=tuple(ignore),
                           severity=dict(severity or {}))
    if sandboxed:
        from dossier.scan.sandbox import check_in_sandbox

        return check_in_sandbox(where, pack, stage, given, options)
    return check_path(where, pack, stage, given, options)


def parse(path: StrPath, *, ocr: bool = True) -> DocumentTree:
    """One document (DOCX, PDF, scanned PDF, .doc/.wps/.rtf, XLSX, text) as a DocumentTree of
    headings and blocks. InputError when the file is missing or cannot be read as a document."""
    from dossier.parse import parse_path

    return parse_path(Path(path), ocr=ocr)


def generate(jurisdiction: StrPath | Pack, doc: str, *, out: StrPath, facts: FactsArg = None) -> Path:
    """Write the skeleton DOCX of an outlined document (e.g. "basic-report") to `out`; returns its path."""
    from dossier.generate import generate_document

    pack = load_pack(jurisdiction)
    if not any(d.id == doc for d in pack.documents):
        known = ", ".join(d.id for d in pack.documents)
        raise DossierError(f"pack {pack.id} has no document {doc!r} (it has: {known})")
    return generate_document(pack, doc, load_facts(facts, pack), Path(out))


def _date(value: dt.date | str | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise DossierError(f"as_of {value!r} is not a date (YYYY-MM-DD)") from None


# `dossier.check`, `dossier.parse` and `dossier.generate` are also subpackages, and importing a
# subpackage binds its name on the parent: the function would be replaced by the module on first
# import. So those modules are made callable instead; `dossier.check(...)` is `api.check(...)`,
# and `dossier.check.engine` stays the module it always was.


class _CheckModule(types.ModuleType):
    def __call__(self, *args: Any, **kwargs: Any) -> Report:
        return check(*args, **kwargs)


class _ParseModule(types.ModuleType):
    def __call__(self, *args: Any, **kwargs: Any) -> DocumentTree:
        return parse(*args, **kwargs)


class _GenerateModule(types.ModuleType):
    def __call__(self, *args: Any, **kwargs: Any) -> Path:
        return generate(*args, **kwargs)


_CALLABLE: dict[str, type[types.ModuleType]] = {
    "dossier.check": _CheckModule, "dossier.parse": _ParseModule, "dossier.generate": _GenerateModule,
}


def callable_module(name: str) -> None:
    """Make the package `name` (dossier.check, .parse or .generate) callable as its API function."""
    sys.modules[name].__class__ = _CALLABLE[name]
