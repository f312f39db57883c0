"""Skeleton documents and dossier folders from the same packs the checker reads.

`generate_document` renders one outlined document (report, form or table) from the
docxtpl templates in dossier.templates/skeleton; `scaffold` writes a stage's folder of
numbered material placeholders, generated reports and a 材料清单.
"""

from __future__ import annotations

from dossier.api import callable_module
from dossier.generate.context import GUIDANCE_STYLE, MARKER, expected_titles
from dossier.generate.document import GenerateError, generate_document
from dossier.generate.scaffold import CHECKLIST, MANIFEST, MaterialRow, ScaffoldResult, scaffold

callable_module(__name__)  # `dossier.generate(jurisdiction, doc, out=…)` is `dossier.api.generate`

__all__ = [
    "CHECKLIST",
    "GUIDANCE_STYLE",
    "MANIFEST",
    "MARKER",
    "GenerateError",
    "MaterialRow",
    "ScaffoldResult",
    "expected_titles",
    "generate_document",
    "scaffold",
]
