"""Bulk scanning: many dossiers checked with the one engine, in parallel, cached and resumable.

`scan_archive` finds the dossiers under a root (or in a manifest), fingerprints them, checks
the ones whose fingerprint changed on a process pool (or a Dask cluster), commits each result
to a SQLite cache as it arrives, and writes the portfolio outputs from the cache.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dossier.scan.runner import ScanOptions, ScanOutcome, scan_archive

__all__ = ["ScanOptions", "ScanOutcome", "scan_archive"]


def __getattr__(name: str) -> Any:
    # Lazy: pool workers and parse sandboxes import dossier.scan.work / .sandbox, and must not
    # pay for the runner's imports (rich, the executors, the portfolio writers) on every start.
    if name in __all__:
        from dossier.scan import runner

        return getattr(runner, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
