"""What the service runs off the event loop: the check itself (in a worker process, one
dossier at a time per worker), and the downloads rendered from a finished report.
Plain functions of picklable arguments, so a process pool can run them."""

from __future__ import annotations

import io
import shutil
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dossier.errors import DossierError, FactsError

DOWNLOADS: dict[str, tuple[str, str]] = {
    # name in the URL → (what it is, media type)
    "审查意见.docx": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "审查意见.pdf": ("pdf", "application/pdf"),
    "问题清单.xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "report.json": ("json", "application/json"),
    "report.html": ("html", "text/html; charset=utf-8"),
    "批注版.zip": ("annotated", "application/zip"),
}
ANNOTATED_ZIP = "annotated.zip"


def parse_facts(text: str, fields: Mapping[str, str], pack_id: str) -> dict[str, Any]:
    """Facts from YAML/JSON text and from form fields (`fact.<name>`; the fields win),
    validated against the pack's vocabulary. Returns the raw mapping (picklable, JSON-able
    after `to_jsonable`); FactsError with the reason when something is wrong."""
    from dossier.facts import fact_types, validate_facts
    from dossier.packs import load_pack
    from dossier.yamlio import load_yaml_text

    pack = load_pack(pack_id)
    raw: dict[str, Any] = {}
    if text.strip():
        loaded = load_yaml_text(text, "facts", FactsError)
        if loaded is not None and not isinstance(loaded, Mapping):
            raise FactsError("facts must be a mapping of name: value", path="facts")
        raw.update(loaded or {})
    types = fact_types(pack)
    for key, value in fields.items():
        if not key.startswith("fact.") or not value.strip():
            continue
        name, value = key[5:], value.strip()
        kind = types.get(name, "string")
        if kind == "boolean":
            if value in ("是", "true", "yes", "1", "on"):
                raw[name] = True
            elif value in ("否", "false", "no", "0", "off"):
                raw[name] = False
            else:
                raise FactsError(f"{value!r} is not 是/否", path="facts", where=f"/{name}")
        elif kind == "integer":
            try:
                raw[name] = int(value)
            except ValueError:
                raise FactsError(f"{value!r} is not a whole number", path="facts", where=f"/{name}") from None
        else:
            raw[name] = value
    validate_facts(raw, pack)
    return raw


def check_job(input_path: str, out_dir: str, jurisdiction: str, stage: str, facts: Mapping[str, Any],
              as_of: str | None, ocr: bool) -> dict[str, Any]:
    """Check one upload through the Python API (what `dossier check` calls) and write its
    annotated copies as `out_dir/annotated.zip`; the report as its JSON. Raises
    DossierError for input the engine refuses."""
    from dossier.api import check

    report = check(input_path, jurisdiction=jurisdiction, stage=stage, facts=dict(facts), as_of=as_of,
                   ocr=ocr, sandboxed=True).to_json()
    write_annotated_zip(report, Path(input_path), Path(out_dir))
    return report


def write_annotated_zip(report: Mapping[str, Any], source: Path, out_dir: Path) -> Path:
    """The annotated copies of every checked DOCX, in one zip (paths inside the dossier)."""
    from dossier.render.annotate import write_annotated

    staging = out_dir / "annotated-staging"
    written = write_annotated(report, source, staging)
    target = out_dir / ANNOTATED_ZIP
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for a in sorted(written, key=lambda a: a.target.as_posix()):
            zf.write(a.target, a.target.relative_to(staging / "annotated").as_posix())
    shutil.rmtree(staging, ignore_errors=True)
    return target


def render_download(report: Mapping[str, Any], kind: str, job_dir: Path, unit: str = "") -> bytes:
    """One download of a finished job; the annotated zip was written by `check_job`."""
    if kind == "annotated":
        return (job_dir / ANNOTATED_ZIP).read_bytes()
    if kind == "docx":
        from dossier.render.word import render_docx

        return render_docx(report, unit=unit)
    if kind == "pdf":
        from dossier.render.pdf import render_pdf

        return render_pdf(report, unit=unit)
    from dossier.render import render

    return render(report, kind)


def annotated_count(job_dir: Path) -> int:
    try:
        with zipfile.ZipFile(io.BytesIO((job_dir / ANNOTATED_ZIP).read_bytes())) as zf:
            return len(zf.namelist())
    except (OSError, zipfile.BadZipFile):
        return 0


__all__ = ["DOWNLOADS", "DossierError", "check_job", "parse_facts", "render_download"]
