"""The scan: discover → fingerprint → check what changed (in parallel) → commit each result →
write the portfolio from the cache."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from dossier.errors import DossierError
from dossier.packs import pack_ids
from dossier.scan import portfolio
from dossier.scan.cache import ScanCache
from dossier.scan.discover import (
    Contents,
    Digests,
    DossierSpec,
    contents,
    discover,
    file_digest,
    member_hashes,
)
from dossier.scan.executors import Work, run_dask, run_inline, run_pool
from dossier.scan.versions import pack_digest, parser_version, tool_version
from dossier.scan.work import Result, Settings, Task, run_dossier


@dataclass(frozen=True)
class ScanOptions:
    out: Path
    settings: Settings = field(default_factory=Settings)
    jobs: int = 1
    executor: str = "process"
    """process | dask | inline (in this process; for debugging and tests)."""
    scheduler: str | None = None
    cache: Path | None = None
    """None: <out>/cache.sqlite."""
    use_cache: bool = True
    manifest: Path | None = None
    facts_dir: Path | None = None
    progress: bool = True
    dask_client: object | None = None
    """An existing distributed.Client (tests, notebooks); else one is opened on `scheduler`."""
    work: Work = run_dossier


@dataclass(frozen=True)
class ScanOutcome:
    dossiers: int
    checked: int
    """Dossiers checked in this run (the others came from the cache)."""
    failed: int
    parses: int
    """Files parsed in this run (cache misses)."""
    seconds: float
    outputs: tuple[Path, ...]
    errors: int
    warnings: int
    info: int
    worst: int
    """Highest severity rank over all findings (-1: none)."""


def fingerprint(spec: DossierSpec, c: Contents, settings: Settings, packs: tuple[str, ...]) -> str:
    """Everything a dossier's report depends on: its bytes, its facts, the packs it may be checked
    against, what was asked, and the versions of the code."""
    data = {
        "contents": c.digest,
        "facts": file_digest(spec.facts),
        "jurisdiction": spec.jurisdiction or settings.jurisdiction or "auto",
        "stage": spec.stage or settings.stage or "auto",
        "packs": {p: pack_digest(p) for p in packs},
        "tool": tool_version(),
        "parser": parser_version(),
        "ocr": settings.ocr,
        "as_of": settings.as_of.isoformat() if settings.as_of else "",
        "select": list(settings.select),
        "ignore": list(settings.ignore),
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _changed_since(spec: DossierSpec, fp: str, settings: Settings, every: tuple[str, ...], digests: Digests) -> bool:
    """Whether the dossier's bytes (or facts) differ now from when it was fingerprinted (a stat
    of each file: only a file whose stat changed is read again)."""
    now = fingerprint(spec, contents(spec.path, digests), settings, _candidate_packs(spec, settings, every))
    return now != fp


def _candidate_packs(spec: DossierSpec, settings: Settings, every: tuple[str, ...]) -> tuple[str, ...]:
    j = spec.jurisdiction or settings.jurisdiction
    return (j,) if j and j in every else every


LOCK = ".scan.lock"


def _refuse_out_inside_root(root: Path, out: Path) -> None:
    real_root, real_out = Path(os.path.realpath(root)), Path(os.path.realpath(out))
    if real_out == real_root or real_out.is_relative_to(real_root):
        raise DossierError(f"--out is inside the scanned folder {root}: its reports would be read as dossiers "
                           "next time; write outside it", path=str(out))


@contextlib.contextmanager
def _exclusive(out: Path) -> Iterator[None]:
    """One scan at a time per output folder: a second one is exit 2, not a mangled cache."""
    lock = out / LOCK
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise DossierError(f"cannot write to the output folder: {exc.strerror or exc}", path=str(out)) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            raise DossierError(f"another scan (pid {holder or '?'}) is writing to this folder; "
                               "wait for it or choose another --out", path=str(out)) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock; the file stays (removing it would race a waiting scan)


def scan_archive(root: Path, opts: ScanOptions, console: Console | None = None) -> ScanOutcome:
    start = time.monotonic()
    out = Path(opts.out)
    if opts.manifest is None:
        _refuse_out_inside_root(root, out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DossierError(f"cannot create the output folder: {exc.strerror or exc}", path=str(out)) from None
    with _exclusive(out):
        return _scan_locked(root, opts, console, out, start)


def _scan_locked(root: Path, opts: ScanOptions, console: Console | None, out: Path, start: float) -> ScanOutcome:
    specs = discover(root, manifest=opts.manifest, facts_dir=opts.facts_dir, exclude=[out])
    tmpdir = None
    if opts.use_cache:
        db_path = opts.cache or out / "cache.sqlite"
    else:
        tmpdir = tempfile.mkdtemp(prefix="dossier-scan-")
        db_path = Path(tmpdir) / "cache.sqlite"
    notice = (lambda text: console.print(text, markup=False)) if console is not None else None
    cache = ScanCache(db_path, parser_version(), notice=notice)
    try:
        return _scan(specs, opts, cache, out, start, console)
    except sqlite3.Error as exc:  # disk full, read-only, locked by another program
        raise DossierError(f"cannot write the scan cache: {exc}", path=str(db_path)) from None
    except OSError as exc:
        where = exc.filename or out
        raise DossierError(f"cannot write: {exc.strerror or exc}", path=str(where)) from None
    finally:
        cache.close()
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)


def _scan(specs: list[DossierSpec], opts: ScanOptions, cache: ScanCache, out: Path, start: float,
          console: Console | None) -> ScanOutcome:
    st = opts.settings
    known = cache.known()
    digests = Digests(cache.file_digests())
    every = pack_ids()
    # Workers on this machine write reports/<id>.html themselves; a cluster's send them back.
    pages = None if opts.executor == "dask" else out / portfolio.REPORTS
    checked = parses = 0
    by_id = {s.id: s for s in specs}

    with _Progress(len(specs), opts.progress, console) as progress:

        def tasks() -> Iterator[Task]:
            # Pulled by the executor as it has room: hashing the archive overlaps the checking
            # instead of keeping the workers waiting for the last file of the last dossier.
            for spec in specs:
                c = contents(spec.path, digests)
                fp = fingerprint(spec, c, st, _candidate_packs(spec, st, every))
                k = known.get(spec.id)
                # incomplete/failed results are retried: a parse limit or a crash may not recur.
                if k is not None and k.fingerprint == fp and k.status == "ok":
                    progress.advance(cached=True)
                    continue
                hashes = list(c.hashes)
                for z in c.zips:
                    hashes += member_hashes(z)
                progress.queue(c.files)
                yield Task(spec, st, fp, cache.parsed_blobs(hashes, st.ocr), pages)
            cache.store_file_digests(digests.new, forget=digests.gone())

        for r in _execute(tasks(), opts):
            if r.html:  # before the commit below: a kill in between re-checks the dossier anyway
                portfolio.write_report_page(out / portfolio.REPORTS, r.id, r.html)
            fp, status = r.fingerprint, r.status
            spec = by_id.get(r.id)
            if spec is not None and _changed_since(spec, fp, st, every, digests):
                # Edited while it was being checked: the report may be of either content, so it is
                # never filed under the fingerprint it was queued with; the next run checks again.
                fp, status = f"changed-during-scan:{fp}", "incomplete"
            cache.store(r.id, fp, status, r.summary, r.body, r.parsed, st.ocr,
                        rendered=r.rendered if fp == r.fingerprint else "", sheet=r.sheet)
            checked += 1
            parses += r.parses
            progress.advance(files=r.files)

    ids = [s.id for s in specs]
    outputs: list[Path] = []
    portfolio.write_dossier_reports(cache, ids, out)
    outputs.append(out / portfolio.REPORTS)
    now = cache.known()
    digest = hashlib.sha256(json.dumps([[i, now[i].fingerprint, now[i].status] for i in sorted(ids)]).encode()
                            + tool_version().encode()).hexdigest()
    names = (portfolio.JSONL, portfolio.XLSX, portfolio.DASHBOARD)
    if cache.meta("portfolio") == digest and all((out / n).is_file() for n in names):
        outputs += [out / n for n in names]  # nothing changed since they were written
    else:
        outputs += portfolio.write_portfolio(cache, ids, out)
        cache.set_meta("portfolio", digest)
    sums = cache.summaries(ids)
    return ScanOutcome(
        dossiers=len(specs), checked=checked, failed=sum(1 for s in sums if s["status"] == "failed"),
        parses=parses, seconds=time.monotonic() - start, outputs=tuple(outputs),
        errors=sum(s["errors"] for s in sums), warnings=sum(s["warnings"] for s in sums),
        info=sum(s["info"] for s in sums), worst=max((s["worst"] for s in sums), default=-1),
    )


def _execute(tasks: Iterator[Task], opts: ScanOptions) -> Iterator[Result]:
    if opts.executor == "dask":
        return run_dask(tasks, opts.scheduler, opts.work, client=opts.dask_client)
    if opts.executor == "inline":
        return run_inline(tasks, opts.work)
    return run_pool(tasks, max(1, opts.jobs), opts.work)


class _Progress:
    """The scan's progress bar: dossiers done (checked or unchanged) of all found, files checked
    of files queued so far, and the checking rate."""

    def __init__(self, total: int, show: bool, console: Console | None) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        console = console or Console(stderr=True)
        self._progress = Progress(
            TextColumn("[bold]scan"), BarColumn(), MofNCompleteColumn(), TextColumn("dossiers"),
            TextColumn("{task.fields[files]} files"), TextColumn("{task.fields[rate]}/s"),
            TimeElapsedColumn(), TimeRemainingColumn(),
            console=console, disable=not (show and console.is_terminal), transient=False,
        )
        self._bar = self._progress.add_task("scan", total=total, files="0/0", rate="0.0")
        self._start = time.monotonic()
        self._checked = self._files = self._queued = 0

    def __enter__(self) -> _Progress:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def queue(self, files: int) -> None:
        self._queued += files

    def advance(self, files: int = 0, cached: bool = False) -> None:
        if not cached:
            self._checked += 1
            self._files += files
        rate = self._checked / max(time.monotonic() - self._start, 1e-6)
        self._progress.update(self._bar, advance=1, files=f"{self._files}/{self._queued}", rate=f"{rate:.1f}")
