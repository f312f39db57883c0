"""The reviewer's gap report as one self-contained HTML page (Jinja2, autoescaped; the
CSS file is inlined so the page has no external assets)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

from dossier.render.common import (
    MATERIAL_LABEL,
    PATH_SEP,
    SECTION_LABEL,
    SEVERITIES,
    SEVERITY_LABEL,
    citation_text,
    document_heading,
    group_findings,
    header_items,
    label,
    location_text,
    material_counts,
    project_name,
    section_counts,
    section_tree,
    severity_counts,
    stage_title,
)

TEMPLATE = "report/report.html.j2"
STYLESHEET = "report/report.css"


def _resource(name: str) -> str:
    return resources.files("dossier.templates").joinpath(name).read_text(encoding="utf-8")


@cache
def _template() -> jinja2.Template:
    # autoescape everywhere: titles, messages and file names come from submitted files.
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["location"] = location_text
    env.filters["citations"] = citation_text
    env.globals.update(
        SEVERITY_LABEL=SEVERITY_LABEL, MATERIAL_LABEL=MATERIAL_LABEL, SECTION_LABEL=SECTION_LABEL,
        PATH_SEP=PATH_SEP, label=label,
    )
    return env.from_string(_resource(TEMPLATE))


def render_html(report: Mapping[str, Any]) -> str:
    docs = [
        {
            "heading": document_heading(d),
            "doc": d,
            "tree": section_tree(d["sections"]),
            "counts": section_counts(d["sections"]),
            "attention": sum(1 for s in d["sections"] if s["status"] != "present"),
        }
        for d in report["documents"]
    ]
    return _template().render(
        report=report,
        title=f"{project_name(report)} — {stage_title(report)}材料审查报告",
        project=project_name(report),
        stage=stage_title(report),
        header=header_items(report),
        severities=SEVERITIES,
        sev=severity_counts(report),
        material_counts=material_counts(report),
        documents=docs,
        groups=group_findings(report),
        # Our own stylesheet, not report text: safe to insert verbatim (escaping would break `>` selectors).
        css=Markup(_resource(STYLESHEET)),
    )
