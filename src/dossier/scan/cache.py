"""The scan cache: SQLite in WAL mode, written only by the scanning (client) process.

- `parsed`: one pickled ParsedFile per (file content sha256, parser version, ocr);
- `dossiers`: one row per dossier id (an upsert, so a rerun after kill -9 replaces, never
  duplicates), holding the fingerprint it was checked at, its report, a small summary and its
  rows of the portfolio's 问题 sheet (`sheet`); `rendered` says for which fingerprint and
  renderer version `sheet` and reports/<id>.html were made;
- `digests`: each archive file's sha256 with the stat it was hashed at (discover.Digests);
- `meta`: what the portfolio outputs were last written from.

Each dossier's parses and report are committed in one transaction as it finishes, so a killed
scan loses at most the dossiers in flight.
"""

from __future__ import annotations

import json
import pickle
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
    summary TEXT NOT NULL, report BLOB NOT NULL, rendered TEXT NOT NULL DEFAULT '',
    sheet BLOB NOT NULL DEFAULT x'');
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS digests (
    path TEXT PRIMARY KEY, ino INTEGER NOT NULL, size INTEGER NOT NULL, mtime INTEGER NOT NULL,
    ctime INTEGER NOT NULL, sha256 TEXT NOT NULL);
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


def pack_parse(parsed: object) -> bytes:
    """A ParsedFile as the cache stores it (done in the worker that parsed it)."""
    return zlib.compress(pickle.dumps(parsed, protocol=pickle.HIGHEST_PROTOCOL), 1)


def unpack_parse(blob: bytes) -> Any:
    return pickle.loads(zlib.decompress(blob))


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
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(dossiers)")}
        if "sheet" not in columns:  # a cache written before the 问题 rows were stored
            self.db.execute("ALTER TABLE dossiers ADD COLUMN sheet BLOB NOT NULL DEFAULT x''")

    def close(self) -> None:
        self.db.close()

    # -- parses ---------------------------------------------------------------------------

    def parsed_blobs(self, hashes: Iterable[str], ocr: bool) -> dict[str, bytes]:
        """sha256 → the stored blob, still compressed (workers decompress: see `pack_parse`)."""
        wanted = sorted(set(hashes))
        out: dict[str, bytes] = {}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i: i + 500]
            marks = ",".join("?" * len(chunk))
            for sha, blob in self.db.execute(
                    f"SELECT sha256, blob FROM parsed WHERE parser=? AND ocr=? AND sha256 IN ({marks})",
                    [self.parser, int(ocr), *chunk]):
                out[sha] = blob
        return out

    def parse_count(self) -> int:
        (n,) = self.db.execute("SELECT count(*) FROM parsed WHERE parser=?", (self.parser,)).fetchone()
        return int(n)

    # -- file digests ---------------------------------------------------------------------

    def file_digests(self) -> dict[str, tuple[tuple[int, int, int, int], str]]:
        return {p: ((ino, size, mtime, ctime), sha) for p, ino, size, mtime, ctime, sha in
                self.db.execute("SELECT path, ino, size, mtime, ctime, sha256 FROM digests")}

    def store_file_digests(self, digests: Mapping[str, tuple[tuple[int, int, int, int], str]],
                           forget: Iterable[str] = ()) -> None:
        """Add what this run hashed; `forget` paths it no longer found (the table stays the archive's size)."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany("DELETE FROM digests WHERE path=?", [(p,) for p in sorted(forget)])
            self.db.executemany(
                "INSERT OR REPLACE INTO digests (path, ino, size, mtime, ctime, sha256) VALUES (?, ?, ?, ?, ?, ?)",
                [(p, *key, sha) for p, (key, sha) in sorted(digests.items())])

    # -- dossiers -------------------------------------------------------------------------

    def known(self) -> dict[str, Known]:
        return {i: Known(fp, st, r) for i, fp, st, r in
                self.db.execute("SELECT id, fingerprint, status, rendered FROM dossiers")}

    def store(self, dossier_id: str, fingerprint: str, status: str, summary: str, body: bytes,
              parsed: Mapping[str, bytes], ocr: bool, *, rendered: str = "", sheet: bytes = b"") -> None:
        """One checked dossier, as a worker prepared it (work.finish): `summary` is summary_of as
        JSON, `body` the report as encode_report made it, `parsed` sha256 → `pack_parse` blobs,
        `sheet`/`rendered` its 问题 rows (compressed) and what they and its HTML page were made for."""
        with self.db:  # one transaction: the dossier's parses and its report, or neither
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany(
                "INSERT OR REPLACE INTO parsed (sha256, parser, ocr, blob) VALUES (?, ?, ?, ?)",
                [(sha, self.parser, int(ocr), b) for sha, b in sorted(parsed.items())])
            self.db.execute(
                "INSERT INTO dossiers (id, fingerprint, status, summary, report, rendered, sheet) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET fingerprint=excluded.fingerprint, status=excluded.status, "
                "summary=excluded.summary, report=excluded.report, rendered=excluded.rendered, sheet=excluded.sheet",
                (dossier_id, fingerprint, status, summary, body, rendered, sheet))

    def set_rendered(self, dossier_id: str, rendered: str, sheet: bytes) -> None:
        self.db.execute("UPDATE dossiers SET rendered=?, sheet=? WHERE id=?", (rendered, sheet, dossier_id))

    def sheets(self, ids: Iterable[str]) -> Iterator[tuple[str, bytes]]:
        """(id, its 问题 rows, decompressed) in id order."""
        wanted = set(ids)
        for i, blob in self.db.execute("SELECT id, sheet FROM dossiers ORDER BY id"):
            if i in wanted:
                yield i, zlib.decompress(blob) if blob else b""

    def summaries(self, ids: Iterable[str]) -> list[dict[str, Any]]:
        wanted = set(ids)
        rows = [json.loads(s) for i, s in self.db.execute("SELECT id, summary FROM dossiers ORDER BY id") if i in wanted]
        return rows

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
