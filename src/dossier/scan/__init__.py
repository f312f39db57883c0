"""Bulk scanning: many dossiers checked with the one engine, in parallel, cached and resumable.

`scan_archive` finds the dossiers under a root (or in a manifest), fingerprints them, checks
the ones whose fingerprint changed on a process pool (or a Dask cluster), commits each result
to a SQLite cache as it arrives, and writes the portfolio outputs from the cache.
"""

from dossier.scan.runner import ScanOptions, ScanOutcome, scan_archive

__all__ = ["ScanOptions", "ScanOutcome", "scan_archive"]
