"""`dossier scan`: registered by dossier.cli with `app.command("scan")(scan)`."""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from dossier.cliopts import FailOn, parse_as_of, require_stage, split_list
from dossier.console import Console
from dossier.errors import DossierError

err = Console(stderr=True, highlight=False, soft_wrap=True)


class Executor(StrEnum):
    process = "process"
    dask = "dask"


def _default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def scan(
    root: Annotated[Path, typer.Argument(help="A folder holding one subfolder or .zip per dossier.")],
    jurisdiction: Annotated[str, typer.Option("--jurisdiction", "-j", help="A pack id, or auto: manifest, the dossier's facts.yaml, else inferred from its documents.")] = "auto",
    stage: Annotated[str, typer.Option("--stage", "-s", help="A stage id, or auto: manifest, facts.yaml, else inferred from the materials present.")] = "auto",
    jobs: Annotated[int | None, typer.Option("--jobs", help="Worker processes (default: the CPUs available).", min=1)] = None,
    cache: Annotated[Path | None, typer.Option("--cache", help="SQLite cache file (default: OUT/cache.sqlite).")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Check everything again; keep no cache.")] = False,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder: portfolio.xlsx, dashboard.html, findings.jsonl, reports/.")] = Path("dossier-scan"),
    manifest: Annotated[Path | None, typer.Option("--manifest", help="CSV with columns path,jurisdiction,stage,facts (paths relative to ROOT).")] = None,
    facts_dir: Annotated[Path | None, typer.Option("--facts-dir", help="Folder of <dossier-id>.yaml facts files.")] = None,
    executor: Annotated[Executor, typer.Option("--executor", help="process (local pool) or dask (a distributed cluster).")] = Executor.process,
    scheduler: Annotated[str | None, typer.Option("--scheduler", help="Dask scheduler address, tcp://HOST:PORT.")] = None,
    fail_on: Annotated[FailOn, typer.Option("--fail-on", help="Exit 1 when any dossier has a finding at or above this severity.")] = FailOn.error,
    select: Annotated[list[str] | None, typer.Option("--select", help="Only these codes or slugs (prefixes allowed: DOS-S).")] = None,
    ignore: Annotated[list[str] | None, typer.Option("--ignore", help="Drop these codes or slugs.")] = None,
    ocr: Annotated[bool, typer.Option("--ocr/--no-ocr", help="OCR scanned pages.")] = True,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Report date (YYYY-MM-DD); default today.")] = None,
    file_timeout: Annotated[float, typer.Option("--file-timeout", help="Seconds one file may take to parse (then DOS-P003).", min=0.1)] = 120.0,
    file_memory: Annotated[int, typer.Option("--file-memory", help="MB of address space one file's parse may use (then DOS-P003); 0: no limit.", min=0)] = 4096,
) -> None:
    """Check every dossier under ROOT (in parallel, cached, resumable) and write a portfolio report."""
    from dossier.codes import SEVERITY_RANK
    from dossier.packs import load_pack, pack_ids
    from dossier.scan.runner import ScanOptions, scan_archive
    from dossier.scan.work import Settings

    if not root.exists():
        err.print(f"error: {root}: no such folder", markup=False)
        raise typer.Exit(2)
    if executor is Executor.dask and not scheduler:
        err.print("error: --executor dask needs --scheduler tcp://HOST:PORT", markup=False)
        raise typer.Exit(2)
    if scheduler and executor is not Executor.dask:
        err.print("error: --scheduler is only used with --executor dask", markup=False)
        raise typer.Exit(2)
    if cache is not None and no_cache:
        err.print("error: give --cache or --no-cache, not both", markup=False)
        raise typer.Exit(2)
    j = None if jurisdiction.lower() == "auto" else jurisdiction
    s = None if stage.lower() == "auto" else stage
    try:
        if j is not None:
            pack = load_pack(j)
            if s is not None:
                require_stage(pack, s)
        elif s is not None and not any(s in {st.id for st in load_pack(p).stages} for p in pack_ids()):
            raise DossierError(f"no pack has a stage {s!r}")
        settings = Settings(jurisdiction=j, stage=s, ocr=ocr, as_of=parse_as_of(as_of), select=split_list(select),
                            ignore=split_list(ignore),
                            file_timeout=file_timeout, file_memory_mb=file_memory)
        opts = ScanOptions(out=out, settings=settings, jobs=jobs or _default_jobs(), executor=executor.value,
                           scheduler=scheduler, cache=cache, use_cache=not no_cache, manifest=manifest,
                           facts_dir=facts_dir)
        result = scan_archive(root, opts, err.real)  # progress bars need rich itself
    except DossierError as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(2) from None
    err.print(f"{result.dossiers} dossier(s): {result.checked} checked, {result.dossiers - result.checked} from cache, "
              f"{result.failed} failed; {result.parses} file(s) parsed in {result.seconds:.1f}s", markup=False)
    err.print(f"{result.errors} error(s), {result.warnings} warning(s), {result.info} info", markup=False)
    for p in result.outputs:
        err.print(f"wrote {p}", markup=False)
    if fail_on is FailOn.never:
        raise typer.Exit(0)
    raise typer.Exit(1 if result.worst >= SEVERITY_RANK[fail_on.value] else 0)
