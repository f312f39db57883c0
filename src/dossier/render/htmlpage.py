"""The reviewer's gap report as one self-contained HTML page (Jinja2, autoescaped; the
CSS file is inlined so the page has no external assets)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

from dossier.codes_zh import code_help, settle_text
from dossier.render.common import (
    MATERIAL_LABEL,
    MATERIAL_STATUSES,
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
from dossier.render.names import report_jurisdiction

TEMPLATE = "report/report.html.j2"
STYLESHEET = "report/report.css"
SCRIPT = "report/tables.js"


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
        PATH_SEP=PATH_SEP, label=label, settle=settle_text, code_name=_code_name,
        severity_rank={s: i for i, s in enumerate(SEVERITIES)},
        material_rank={s: i for i, s in enumerate(MATERIAL_STATUSES)},
    )
    return env.from_string(_resource(TEMPLATE))


def _code_name(code: str) -> str:
    h = code_help(code)
    return h.name if h else ""


def header(report: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The common header with the jurisdiction's Chinese name beside its id."""
    name = report_jurisdiction(report)
    jid = str(report["jurisdiction"])
    return [(k, f"{name}（{jid}）" if k == "地区" and name != jid else v) for k, v in header_items(report)]


def render_html(report: Mapping[str, Any], *, actions: Sequence[tuple[str, str, str]] = (),
                home: str = "") -> str:
    """The report page; `actions` are (label, href, kind) download links shown on top
    (the web desk's), `home` a link back to the upload page."""
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
        header=header(report),
        jurisdiction_name=report_jurisdiction(report),
        codes=sorted(Counter(str(f["code"]) for f in report["findings"]).items()),
        actions=list(actions),
        home=home,
        severities=SEVERITIES,
        sev=severity_counts(report),
        material_counts=material_counts(report),
        documents=docs,
        groups=group_findings(report),
        # Our own stylesheet, not report text: safe to insert verbatim (escaping would break `>` selectors).
        css=Markup(_resource(STYLESHEET)),
        # Our own script, not report text (report data reaches it only through the DOM).
        script=Markup(_resource(SCRIPT)),
    )
