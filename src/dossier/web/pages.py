"""The desk's HTML: the upload page, the progress page and the report page (the HTML
report with a download bar). Jinja2 with autoescape; data for scripts goes through
`tojson`, which escapes <, > and & so a pack title cannot close a script element."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

from dossier.web.work import DOWNLOADS


def _resource(name: str) -> str:
    return resources.files("dossier.templates").joinpath(name).read_text(encoding="utf-8")


@cache
def _env() -> jinja2.Environment:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    env.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "sort_keys": True}
    return env


# The shared vocabulary's enum facts have no title of their own; the form needs a name for
# the question itself.
_ENUM_TITLES = {"category": "项目类别", "mode": "建设方式", "scale": "系统层级"}


@cache
def pack_choices() -> list[dict[str, Any]]:
    """Each installed jurisdiction: Chinese name, regulation, stages and the facts its
    form asks for (type, title, enum values with labels)."""
    from dossier import resources as dres
    from dossier.facts import fact_titles, fact_types, fact_value_text
    from dossier.packs import load_pack
    from dossier.render.names import choices

    props = dres.schema("facts")["properties"]
    out = []
    for c in choices():
        pack = load_pack(c["id"])
        types, titles = fact_types(pack), fact_titles(pack)
        facts = []
        for name, kind in types.items():
            title = _ENUM_TITLES.get(name, titles.get(name, name)) if kind == "enum" else titles.get(name, name)
            entry: dict[str, Any] = {"name": name, "type": kind, "title": title}
            if kind == "enum":
                values = list(props.get(name, {}).get("enum") or next(
                    (f.values for f in pack.facts if f.name == name), ()))
                # Labelled as every message writes the value (建设类, 升级改造): one vocabulary.
                entry["values"] = [{"value": v, "label": fact_value_text(name, v, "enum")} for v in values]
            facts.append(entry)
        out.append({**c, "regulation": pack.title, "facts": facts})
    return out


def index_page(*, token_required: bool = False) -> str:
    template = _env().from_string(_resource("web/index.html.j2"))
    return template.render(packs=pack_choices(), css=Markup(_resource("report/report.css")),
                           max_label="200 MB")


def progress_page(job: Mapping[str, Any]) -> str:
    template = _env().from_string(_resource("web/progress.html.j2"))
    return template.render(job=job, css=Markup(_resource("report/report.css")))


def report_page(report: Mapping[str, Any], job_id: str, annotated: int) -> str:
    from dossier.render.htmlpage import render_html

    actions = []
    for name, (kind, _) in DOWNLOADS.items():
        if kind == "annotated" and not annotated:
            continue
        text = {"docx": "审查意见（Word）", "pdf": "审查意见（PDF）", "xlsx": "问题清单（Excel）",
                "json": "JSON", "html": "网页报告", "annotated": f"批注版原文件（{annotated} 个 Word 文件）"}[kind]
        actions.append((text, f"/jobs/{job_id}/download/{name}", kind))
    return render_html(report, actions=actions, home="/")
