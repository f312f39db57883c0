"""The per-dossier unit of work: a pure function of its task, the same on a process pool and
on a Dask cluster. It reads the dossier, parses what the task's cache blobs do not cover (each
file in the sandbox), settles jurisdiction and stage, and runs the engine. It never raises:
a dossier that cannot be checked becomes a report holding one DOS-X001 finding.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

from dossier.check.classify import evidence_for
from dossier.check.engine import CheckOptions, ParsedFile, check_parsed, file_gap
from dossier.cliopts import require_stage
from dossier.errors import DossierError
from dossier.model import Pack
from dossier.report import Report, header
from dossier.scan.cache import encode_report, pack_parse, summary_of, unpack_parse
from dossier.scan.discover import FACTS_NAMES, DossierSpec
from dossier.scan.sandbox import DEFAULT_PARSER, LIMIT_CODE, ParseSandbox

SCAN_KEYS = ("jurisdiction", "stage")
"""Keys a dossier's facts.yaml may carry for the scan only; removed before facts validation."""


@dataclass(frozen=True)
class Settings:
    """What every dossier of one scan shares (picklable)."""

    jurisdiction: str | None = None
    stage: str | None = None
    ocr: bool = True
    as_of: dt.date | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    file_timeout: float = 120.0
    file_memory_mb: int = 4096
    parser: str = DEFAULT_PARSER


@dataclass(frozen=True)
class Task:
    spec: DossierSpec
    settings: Settings
    fingerprint: str
    cached: Mapping[str, bytes] = field(default_factory=dict)
    """sha256 → the cache's blob (`cache.pack_parse`) of a ParsedFile of this dossier's files."""
    pages: Path | None = None
    """Where the worker writes the dossier's HTML report itself (the scan's reports/ on this
    machine); None on a cluster, whose workers send the page back instead."""


@dataclass(frozen=True)
class Result:
    """A checked dossier, encoded by the worker the way the cache stores it: the scanning
    process only writes, and no report crosses the pipe as Python objects."""

    id: str
    fingerprint: str
    status: str
    """ok | incomplete (a file hit a parse limit: re-checked next run) | failed (DOS-X001)."""
    summary: str
    """cache.summary_of as JSON."""
    body: bytes
    """The report, cache.encode_report."""
    parsed: Mapping[str, bytes] = field(default_factory=dict)
    """New parses to cache: sha256 → `cache.pack_parse` blob."""
    files: int = 0
    parses: int = 0
    seconds: float = 0.0
    html: bytes = b""
    """The dossier's HTML report for the scanning process to write (empty when the worker wrote it)."""
    sheet: bytes = b""
    """Its rows of the portfolio's 问题 sheet (portfolio.dossier_outputs)."""
    rendered: str = ""
    """portfolio.outputs_key of the page and `sheet`; "" when they could not be made here."""


def finish(task: Task, checked: Report, status: str, parsed: Mapping[str, bytes] | None = None,
           files: int = 0, parses: int = 0, seconds: float = 0.0) -> Result:
    """Everything the cache and the portfolio need from one checked dossier, made where it was
    checked so that encoding and rendering run in parallel too."""
    report = checked.to_json()
    html, sheet, rendered = b"", b"", ""
    try:
        from dossier.scan.portfolio import dossier_outputs, outputs_key, write_report_page

        html, sheet = dossier_outputs(task.spec.id, report)
        rendered = outputs_key(task.fingerprint)
        if task.pages is not None:
            write_report_page(task.pages, task.spec.id, html)
            html = b""
    except Exception:  # the scanning process renders it again from the cache
        html, sheet, rendered = b"", b"", ""
    summary = json.dumps(summary_of(task.spec.id, report, status), ensure_ascii=False, sort_keys=True)
    return Result(task.spec.id, task.fingerprint, status, summary, encode_report(report), parsed or {},
                  files, parses, seconds, html, sheet, rendered)


# One sandbox per worker thread (Dask runs several tasks per process in threads).
_local = threading.local()


def _sandbox(settings: Settings) -> ParseSandbox:
    key = (settings.file_timeout, settings.file_memory_mb, settings.parser)
    sb: ParseSandbox | None = getattr(_local, "sandbox", None)
    if sb is None or (sb.timeout_s, sb.memory_mb, sb.parser) != key:
        if sb is not None:
            sb.close()
        sb = _local.sandbox = ParseSandbox(*key)
    return sb


def warm_up(settings: Settings) -> None:
    """A pool worker's initializer: start its parse sandbox at once, so that the child's start
    (a Python and the parsers, about 0.1 s) overlaps the worker's own first dossier."""
    with contextlib.suppress(Exception):  # a failed start is retried, and reported, by the first parse
        _sandbox(settings).start()


@cache
def _pack(pack_id: str) -> Pack:
    from dossier.packs import load_pack

    return load_pack(pack_id)


def _all_packs() -> list[Pack]:
    from dossier.packs import pack_ids

    return [_pack(p) for p in pack_ids()]


def _is_facts_file(display: str) -> bool:
    """facts.yaml at the top of the dossier (or of its zip, or of the zip's single folder)."""
    parts = display.replace("!/", "/").split("/")
    if parts[-1].lower() not in FACTS_NAMES:
        return False
    inner = parts[1:] if "!/" in display else parts
    return len(inner) <= 2 if "!/" in display else len(inner) == 1


def _read_facts_raw(path: Path) -> dict[str, Any]:
    from dossier.errors import FactsError
    from dossier.yamlio import load_yaml_file

    raw = load_yaml_file(path, FactsError)
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise FactsError("facts must be a mapping of name: value", path=str(path))
    return dict(raw)


def run_dossier(task: Task) -> Result:
    import time

    start = time.monotonic()
    spec, st = task.spec, task.settings
    jurisdiction = spec.jurisdiction or st.jurisdiction
    stage = spec.stage or st.stage
    try:
        with tempfile.TemporaryDirectory(prefix="dossier-scan-") as tmp:
            checked = _check(task, Path(tmp), jurisdiction, stage)
    except DossierError as exc:
        checked = _failed(task, jurisdiction, stage, str(exc))
    except Exception as exc:  # one dossier failing never stops the scan
        checked = _failed(task, jurisdiction, stage, f"{type(exc).__name__}: {exc}"[:300])
    return finish(task, checked.report, checked.status, checked.parsed, checked.files, checked.parses,
                  time.monotonic() - start)


@dataclass(frozen=True)
class _Checked:
    report: Report
    status: str
    parsed: Mapping[str, bytes] = field(default_factory=dict)
    files: int = 0
    parses: int = 0


def _check(task: Task, tmp: Path, jurisdiction: str | None, stage: str | None) -> _Checked:
    from dossier.facts import validate_facts
    from dossier.ingest import ingest

    spec, st = task.spec, task.settings
    ingested = ingest(spec.path, tmp)
    gaps = [file_gap(p.code, p.display, p.reason) for p in ingested.problems]
    facts_raw: dict[str, Any] = {}
    facts_file = spec.facts
    own = [f for f in ingested.files if _is_facts_file(f.display)]
    if facts_file is None and own:
        facts_file = own[0].path
    if facts_file is not None:
        facts_raw = _read_facts_raw(facts_file)
    files = [f for f in ingested.files if f not in own]

    parsed: list[ParsedFile] = []
    new: dict[str, bytes] = {}
    sandbox: ParseSandbox | None = None
    for f in files:
        blob = task.cached.get(f.sha256) or new.get(f.sha256)
        if blob is not None:
            p = unpack_parse(blob)
            tree = replace(p.tree, path=f.display) if p.tree is not None else None
            parsed.append(replace(p, display=f.display, tree=tree))
            continue
        sandbox = sandbox or _sandbox(st)
        p = sandbox.parse(f.display, f.path, f.kind, ocr=st.ocr)
        parsed.append(p)
        if p.code != LIMIT_CODE:  # a limit may be the machine's load: try again next run
            new[f.sha256] = pack_parse(p)

    sources = {"jurisdiction": "given" if jurisdiction else "", "stage": "given" if stage else ""}
    evidence = [evidence_for(p.display, p.tree) for p in parsed]
    if not jurisdiction and facts_raw.get("jurisdiction"):
        jurisdiction, sources["jurisdiction"] = str(facts_raw["jurisdiction"]), "facts"
    if not jurisdiction:
        from dossier.scan.infer import infer_jurisdiction

        found = infer_jurisdiction(_all_packs(), evidence)
        if found.value is None:
            raise DossierError(f"无法推断地区：{found.reason}；请用 --jurisdiction 或清单指定")
        jurisdiction, sources["jurisdiction"] = found.value, "inferred"
    pack = _pack(jurisdiction)
    if not stage and facts_raw.get("stage"):
        stage, sources["stage"] = str(facts_raw["stage"]), "facts"
    if not stage:
        from dossier.scan.infer import infer_stage

        found = infer_stage(pack, evidence)
        if found.value is None:
            raise DossierError(f"无法推断阶段：{found.reason}；请用 --stage 或清单指定")
        stage, sources["stage"] = found.value, "inferred"
    require_stage(pack, stage)
    given = validate_facts({k: v for k, v in facts_raw.items() if k not in SCAN_KEYS}, pack,
                           str(facts_file or "facts"))
    options = CheckOptions(ocr=st.ocr, as_of=st.as_of, select=st.select, ignore=st.ignore)
    report = replace(check_parsed(parsed, gaps, spec.path.name, pack, stage, given, options),
                     scan={"dossier": spec.id, **{f"{k}_source": v for k, v in sources.items()}})
    limited = any(p.code == LIMIT_CODE for p in parsed)
    return _Checked(report, "incomplete" if limited else "ok", new,
                    files=len(files), parses=len(files) - sum(1 for f in files if f.sha256 in task.cached))


def _failed(task: Task, jurisdiction: str | None, stage: str | None, reason: str) -> _Checked:
    return _Checked(failed_report(task.spec, jurisdiction, stage, reason, task.settings.as_of), "failed")


def failed_report(spec: DossierSpec, jurisdiction: str | None, stage: str | None, reason: str,
                  as_of: dt.date | None) -> Report:
    """A schema-valid report for a dossier that could not be checked: one DOS-X001 finding."""
    pack: Pack | None = None
    if jurisdiction:
        with contextlib.suppress(DossierError, KeyError):
            pack = _pack(jurisdiction)
    head = header(pack, jurisdiction=jurisdiction or "", stage=stage or "", stage_title=None, as_of=as_of,
                  input_name=spec.path.name)
    return Report.failed(head, reason, scan={"dossier": spec.id, "failed": reason})
