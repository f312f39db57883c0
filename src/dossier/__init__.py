"""dossier: draft, pre-check and review 政务信息化项目 dossiers against local regulations.

The Python API (the CLI calls the same functions)::

    import dossier
    pack = dossier.load_pack("yongchuan")                 # or dossier.load_pack(Path("my-pack/"))
    report = dossier.check("材料.zip", jurisdiction="yongchuan", stage="final-acceptance",
                           facts={"investment": "350万元"})
    report.findings, report.summary, report.to_json(), report.exit_code("error")
    tree = dossier.parse("报告.docx")                      # a DocumentTree
    dossier.generate("yongchuan", "basic-report", facts={...}, out="基本情况报告.docx")

Errors a caller can cause are `dossier.DossierError` subclasses. Submodules load on first
use, so `import dossier` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from dossier.api import check as check
    from dossier.api import generate as generate
    from dossier.api import load_pack as load_pack
    from dossier.api import parse as parse
    from dossier.errors import DossierError as DossierError
    from dossier.errors import FactsError as FactsError
    from dossier.errors import InputError as InputError
    from dossier.errors import PackError as PackError
    from dossier.model import Pack as Pack
    from dossier.report import Finding as Finding
    from dossier.report import Report as Report
    from dossier.tree import DocumentTree as DocumentTree

_LAZY: dict[str, str] = {
    "load_pack": "dossier.api",
    "DossierError": "dossier.errors",
    "FactsError": "dossier.errors",
    "InputError": "dossier.errors",
    "PackError": "dossier.errors",
    "Pack": "dossier.model",
    "Finding": "dossier.report",
    "Report": "dossier.report",
    "DocumentTree": "dossier.tree",
}

_CALLABLE_PACKAGES = ("check", "generate", "parse")
"""Subpackages that are also API functions: calling `dossier.check` runs `dossier.api.check`."""

__all__ = ["__version__", *_CALLABLE_PACKAGES, *_LAZY]


def __getattr__(name: str) -> Any:
    import importlib

    if name in _CALLABLE_PACKAGES:
        return importlib.import_module(f"dossier.{name}")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'dossier' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
