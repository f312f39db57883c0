"""The scan cache: SQLite in WAL mode, written only by the scanning (client) process.

- `parsed`: one pickled ParsedFile per (file content sha256, parser version, ocr);
- `dossiers`: one row per dossier id (an upsert, so a rerun after kill -9 replaces, never
  duplicates), holding the fingerprint it was checked at, its report and a small summary;
- `meta`: what the portfolio outputs were last written from.

Each dossier's parses and report are committed in one transaction as it finishes, so a killed
scan loses at most the dossiers in flight.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dossier.codes import SEVERITY_RANK

_SCHEMA = """
CREATE TABLE IF NOT EXISTS parsed (
    sha256 TEXT NOT NULL, parser TEXT NOT NULL, ocr INTEGER NOT NULL, blob BLOB NOT NULL,
    PRIMARY KEY (sha256, parser, ocr));
CREATE TABLE IF NOT EXISTS dossiers (
    id TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, status TEXT NOT NULL,
    summary TEXT NOT NULL, report BLOB NOT NULL, rendered TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True)
class Known:
    fingerprint: str
    status: str
    rendered: str


def summary_of(dossier_id: str, report: Mapping[str, Any], status: str) -> dict[str, Any]:
    """What the portfolio's overview, matrix and dashboard need, without the whole report."""
    s = report["summary"]
    scan = report.get("scan", {})
    return {
        "id": dossier_id,
        "input": report.get("input", ""),
        "as_of": report.get("as_of", ""),
        "jurisdiction": report.get("jurisdiction", ""),
        "jurisdiction_source": scan.get("jurisdiction_source", ""),
        "stage": report.get("stage", ""),
        "stage_title": report.get("stage_title", ""),
        "stage_source": scan.get("stage_source", ""),
        "status": status,
        "failed": scan.get("failed", ""),
        "errors": s.get("errors", 0),
        "warnings": s.get("warnings", 0),
        "info": s.get("info", 0),
        "by_code": s.get("by_code", {}),
        "materials": [[m["title"], m["status"]] for m in report.get("materials", [])],
        "material_counts": s.get("materials", {}),
        "files": len(report.get("files", [])),
        "worst": max((SEVERITY_RANK[f["severity"]] for f in report.get("findings", [])), default=-1),
    }


def encode_report(report: Mapping[str, Any]) -> bytes:
    """How a report is stored: compressed JSON with sorted keys (findings.jsonl reuses the bytes)."""
    return zlib.compress(json.dumps(report, ensure_ascii=False, sort_keys=True).encode("utf-8"), 6)


class ScanCache:
    def __init__(self, path: Path, parser_version: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.parser = parser_version
        self.db = sqlite3.connect(path, isolation_level=None, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL: a commit survives a killed process (only an OS crash can lose the last ones).
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(_SCHEMA)

    def close(self) -> None:
        self.db.close()

    # -- parses ---------------------------------------------------------------------------

    def parsed_blobs(self, hashes: Iterable[str], ocr: bool) -> dict[str, bytes]:
        wanted = sorted(set(hashes))
        out: dict[str, bytes] = {}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i: i + 500]
            marks = ",".join("?" * len(chunk))
            for sha, blob in self.db.execute(
                    f"SELECT sha256, blob FROM parsed WHERE parser=? AND ocr=? AND sha256 IN ({marks})",
                    [self.parser, int(ocr), *chunk]):
                out[sha] = zlib.decompress(blob)
        return out

    def parse_count(self) -> int:
        (n,) = self.db.execute("SELECT count(*) FROM parsed WHERE parser=?", (self.parser,)).fetchone()
        return int(n)

    # -- dossiers -------------------------------------------------------------------------

    def known(self) -> dict[str, Known]:
        return {i: Known(fp, st, r) for i, fp, st, r in
                self.db.execute("SELECT id, fingerprint, status, rendered FROM dossiers")}

    def store(self, dossier_id: str, fingerprint: str, status: str, report: Mapping[str, Any],
              parsed: Mapping[str, bytes], ocr: bool, body: bytes | None = None) -> None:
        """`body`: the report already encoded by `encode_report` (a worker does it, off the main process)."""
        summary = json.dumps(summary_of(dossier_id, report, status), ensure_ascii=False, sort_keys=True)
        body = body or encode_report(report)
        with self.db:  # one transaction: the dossier's parses and its report, or neither
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany(
                "INSERT OR REPLACE INTO parsed (sha256, parser, ocr, blob) VALUES (?, ?, ?, ?)",
                [(sha, self.parser, int(ocr), zlib.compress(b, 1)) for sha, b in sorted(parsed.items())])
            self.db.execute(
                "INSERT INTO dossiers (id, fingerprint, status, summary, report, rendered) VALUES (?, ?, ?, ?, ?, '') "
                "ON CONFLICT(id) DO UPDATE SET fingerprint=excluded.fingerprint, status=excluded.status, "
                "summary=excluded.summary, report=excluded.report, rendered=''",
                (dossier_id, fingerprint, status, summary, body))

    def mark_rendered(self, dossier_id: str, fingerprint: str) -> None:
        self.db.execute("UPDATE dossiers SET rendered=? WHERE id=?", (fingerprint, dossier_id))

    def summaries(self, ids: Iterable[str]) -> list[dict[str, Any]]:
        wanted = set(ids)
        rows = [json.loads(s) for i, s in self.db.execute("SELECT id, summary FROM dossiers ORDER BY id") if i in wanted]
        return rows

    def reports(self, ids: Iterable[str]) -> Iterator[tuple[str, dict[str, Any]]]:
        """(id, report) in id order, one at a time (a portfolio can be larger than memory)."""
        wanted = set(ids)
        cur = self.db.execute("SELECT id, report FROM dossiers ORDER BY id")
        for i, body in cur:
            if i in wanted:
                yield i, json.loads(zlib.decompress(body))

    def report_bodies(self, ids: Iterable[str]) -> Iterator[tuple[str, bytes]]:
        """(id, the report's JSON bytes as stored: sorted keys, UTF-8) in id order."""
        wanted = set(ids)
        for i, body in self.db.execute("SELECT id, report FROM dossiers ORDER BY id"):
            if i in wanted:
                yield i, zlib.decompress(body)

    def report(self, dossier_id: str) -> dict[str, Any]:
        (body,) = self.db.execute("SELECT report FROM dossiers WHERE id=?", (dossier_id,)).fetchone()
        loaded: dict[str, Any] = json.loads(zlib.decompress(body))
        return loaded

    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                        (key, value))
