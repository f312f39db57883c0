"""Where the per-dossier work runs: inline, a local process pool, or a Dask cluster.

Each executor takes an iterator of tasks and yields results as they finish; it keeps only a
bounded number of tasks in flight, so a large archive never sits in memory at once. The work
function is the same everywhere (`run_dossier`), and all cache writes happen in the caller.
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from dossier.errors import DossierError
from dossier.scan.work import Result, Settings, Task, failed_report, finish, run_dossier, warm_up

Work = Callable[[Task], Result]
TASKS_PER_CHILD = 400
"""Recycle pool workers now and then: a long scan must not accumulate a parser's leaks."""


def crashed(task: Task, reason: str) -> Result:
    spec = task.spec
    return finish(task, failed_report(spec, spec.jurisdiction or task.settings.jurisdiction,
                                      spec.stage or task.settings.stage, reason, task.settings.as_of), "failed")


def run_inline(tasks: Iterator[Task], work: Work = run_dossier) -> Iterator[Result]:
    for t in tasks:
        yield work(t)


def _pool(jobs: int, settings: Settings) -> ProcessPoolExecutor:
    # spawn: workers start clean (no inherited locks or open DB), and max_tasks_per_child needs it.
    return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
                               max_tasks_per_child=TASKS_PER_CHILD, initializer=warm_up,
                               initargs=(settings, os.getpid()))


def _stop_now(pool: ProcessPoolExecutor) -> None:
    """Interrupted (Ctrl-C, SIGTERM): end the workers now rather than wait for their dossiers;
    each one's sandbox dies with it. What was committed stays; a re-run resumes."""
    manager = getattr(pool, "_executor_manager_thread", None)
    for proc in list(getattr(pool, "_processes", {}).values()):
        with contextlib.suppress(Exception):
            proc.kill()
    pool.shutdown(wait=False, cancel_futures=True)
    if manager is not None:
        # The pool's manager thread closes its wakeup pipe as it ends. Left running, it raced
        # the interpreter's exit hook that writes to that pipe (CPython 3.11), and an
        # interrupted scan now and then ended with an "OSError: Bad file descriptor" traceback.
        # Its workers are killed, so it ends at once; the timeout only bounds a surprise.
        manager.join(timeout=5)


def run_pool(tasks: Iterator[Task], jobs: int, work: Work = run_dossier) -> Iterator[Result]:
    """A process pool. A worker that dies (segfault, OOM kill) breaks the pool: the dossiers in
    flight are retried one by one in a fresh single-worker pool, and one that kills it again
    gets DOS-X001 while the scan goes on."""
    pending = iter(tasks)
    first = next(pending, None)
    if first is None:
        return
    settings = first.settings
    pending = itertools.chain([first], pending)
    pool = _pool(jobs, settings)
    inflight: dict[Future[Result], Task] = {}
    suspects: list[Task] = []
    try:
        exhausted = False
        while True:
            while not exhausted and len(inflight) < jobs * 2:
                t = next(pending, None)
                if t is None:
                    exhausted = True
                    break
                try:
                    inflight[pool.submit(work, t)] = t
                except BrokenProcessPool:
                    suspects.append(t)
            if not inflight:
                if exhausted:
                    break
                continue
            done, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
            broken = False
            for fut in sorted(done, key=lambda f: inflight[f].spec.id):
                t = inflight.pop(fut)
                try:
                    yield fut.result()
                except BrokenProcessPool:
                    suspects.append(t)
                    broken = True
                except Exception as exc:  # the work function never raises; pickling can
                    yield crashed(t, f"{type(exc).__name__}: {exc}"[:300])
            if broken:
                suspects += inflight.values()
                inflight.clear()
                pool.shutdown(wait=False, cancel_futures=True)
                yield from _isolated(suspects, work, settings)
                suspects = []
                pool = _pool(jobs, settings)
        if suspects:
            yield from _isolated(suspects, work, settings)
    except BaseException:  # KeyboardInterrupt, SIGTERM (raised as one), the caller closing us
        _stop_now(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _isolated(tasks: list[Task], work: Work, settings: Settings) -> Iterator[Result]:
    for t in sorted(tasks, key=lambda t: t.spec.id):
        with _pool(1, settings) as solo:
            try:
                yield solo.submit(work, t).result()
            except BrokenProcessPool:
                yield crashed(t, "检查进程崩溃（两次）")
            except Exception as exc:
                yield crashed(t, f"{type(exc).__name__}: {exc}"[:300])


def run_dask(tasks: Iterator[Task], scheduler: str | None, work: Work = run_dossier,
             client: object | None = None) -> Iterator[Result]:
    """The same work on a Dask distributed cluster; results come back to this process, which
    alone writes the cache. Workers must see ROOT at the same path (a shared file system)."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise DossierError("--executor dask needs dask and distributed: pip install 'dossier[dask]'") from None
    own = client is None
    if own:
        if not scheduler:
            raise DossierError("--executor dask needs --scheduler tcp://HOST:PORT")
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise DossierError(f"cannot reach the Dask scheduler {scheduler}: {exc}") from None
    assert isinstance(client, Client)
    try:
        threads = max(1, sum(client.nthreads().values()))
        pending = iter(tasks)
        by_key: dict[object, Task] = {}
        ac = as_completed()
        for t in pending:
            fut = client.submit(work, t, key=f"dossier-{t.spec.id}-{t.fingerprint}", pure=False, retries=0)
            by_key[fut.key] = t
            ac.add(fut)
            if len(by_key) >= threads * 2:
                break
        for fut in ac:
            t = by_key.pop(fut.key)
            try:
                yield fut.result()
            except Exception as exc:  # KilledWorker and friends: this dossier fails, the scan goes on
                yield crashed(t, f"{type(exc).__name__}: {exc}"[:300])
            fut.release()
            nxt = next(pending, None)
            if nxt is not None:
                f2 = client.submit(work, nxt, key=f"dossier-{nxt.spec.id}-{nxt.fingerprint}", pure=False, retries=0)
                by_key[f2.key] = nxt
                ac.add(f2)
    finally:
        if own:
            client.close()
