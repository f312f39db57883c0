"""`dossier generate`: one outlined document of a pack as a skeleton DOCX."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dossier.errors import DossierError
from dossier.generate.context import form_context, report_context, table_context
from dossier.generate.render import render
from dossier.model import Pack


class GenerateError(DossierError):
    """A skeleton or scaffold cannot be written (unknown document, unsafe target …)."""


def generate_document(pack: Pack, doc_id: str, facts: Mapping[str, Any], out: Path) -> Path:
    """Write the skeleton of document `doc_id` to `out` (a .docx path); returns `out`.

    Sections whose condition is False for `facts` are left out; undecided ones stay,
    with the condition spelled out in their guidance.
    """
    try:
        doc = pack.document(doc_id)
    except KeyError as exc:
        raise GenerateError(str(exc.args[0]), path=f"outlines/{pack.id}") from None
    if out.suffix.lower() != ".docx":
        raise GenerateError("the skeleton is a Word file; give an output path ending in .docx", path=str(out))
    if out.exists() and out.is_dir():
        raise GenerateError("is a folder; give a .docx file path", path=str(out))
    if doc.kind == "report":
        return render("report", report_context(pack, doc, facts), out)
    if doc.kind == "form":
        return render("form", form_context(pack, doc, facts), out)
    ctx = table_context(pack, doc, facts)
    return render("table", ctx, out, weights=ctx["weights"])
