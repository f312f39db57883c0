"""Reviewer-facing renderings of a check report: json, md, html, docx, pdf, xlsx. `render`
and `write_reports` take the engine's typed `Report` (or its JSON, the contract of
schemas/report.schema.json, as a stored or cached report is); every renderer is a pure
function of the report, so the same report always gives the same bytes (pdf excepted:
LibreOffice stamps its own creation time)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

if TYPE_CHECKING:
    from dossier.report import Report

AnyReport = Union["Report", Mapping[str, Any]]
"""A typed Report, or a report's JSON (read back from a file or the scan's cache)."""

FORMATS: tuple[str, ...] = ("json", "md", "html", "docx", "pdf", "xlsx")
EXTENSIONS: dict[str, str] = {f: f for f in FORMATS}


def _json(report: Mapping[str, Any]) -> bytes:
    from dossier.render.jsontext import dumps_indented

    return (dumps_indented(report) + "\n").encode("utf-8")


def _md(report: Mapping[str, Any]) -> bytes:
    from dossier.render.markdown import render_md

    return render_md(report).encode("utf-8")


def _html(report: Mapping[str, Any]) -> bytes:
    from dossier.render.htmlpage import render_html

    return render_html(report).encode("utf-8")


def _docx(report: Mapping[str, Any]) -> bytes:
    from dossier.render.word import render_docx

    return render_docx(report)


def _pdf(report: Mapping[str, Any]) -> bytes:
    from dossier.render.pdf import render_pdf

    return render_pdf(report)


def _xlsx(report: Mapping[str, Any]) -> bytes:
    from dossier.render.excel import render_xlsx

    return render_xlsx(report)


# Imports are deferred so that `--format json` never pays for python-docx/openpyxl.
_RENDERERS: dict[str, Callable[[Mapping[str, Any]], bytes]] = {
    "json": _json, "md": _md, "html": _html, "docx": _docx, "pdf": _pdf, "xlsx": _xlsx,
}


def as_json(report: AnyReport) -> Mapping[str, Any]:
    """The report's JSON form, which the format writers read."""
    return report if isinstance(report, Mapping) else report.to_json()


def render(report: AnyReport, fmt: str) -> bytes:
    """The report in one format, as bytes (deterministic for a given report)."""
    try:
        renderer = _RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown report format {fmt!r}; choose from {', '.join(FORMATS)}") from None
    data = as_json(report)
    if fmt != "json":  # for people: bidi and zero-width controls shown as ⟨U+202E⟩
        from dossier.render.common import visible

        data = visible(data)
    return renderer(data)


def write_reports(report: AnyReport, formats: Sequence[str], out: Path) -> list[Path]:
    """Write the report in each format. With one format `out` is the file to write; with
    several it is a directory that receives report.<ext> for each. Parents are created;
    nothing else is written. Everything is rendered before the first write, so a failing
    renderer leaves no partial set behind."""
    wanted = list(dict.fromkeys(formats))
    if not wanted:
        raise ValueError("no report format given")
    as_dict = as_json(report)
    rendered = [(fmt, render(as_dict, fmt)) for fmt in wanted]
    out = Path(out)
    if len(rendered) == 1:
        targets = [out]
    else:
        if out.exists() and not out.is_dir():
            raise ValueError(f"{out}: several formats need a directory, not a file")
        targets = [out / f"report.{EXTENSIONS[fmt]}" for fmt, _ in rendered]
    written = []
    for target, (_, data) in zip(targets, rendered, strict=True):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        written.append(target)
    return written


__all__ = ["FORMATS", "render", "write_reports"]
