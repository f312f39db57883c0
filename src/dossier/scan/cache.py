"""The scan cache: SQLite in WAL mode, written only by the scanning (client) process.

- `parsed`: one ParsedFile per (file content sha256, parser version, ocr), as compressed JSON
  of plain values (never a pickle: whoever can write the cache must not run code in the
  workers that read it; only known dataclasses are rebuilt, anything else is a cache miss);
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

import dataclasses
import json
import os
import sqlite3
import time
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from dossier.codes import SEVERITY_RANK
from dossier.errors import DossierError

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


BLOB_FORMAT = "json1"
"""Part of the `parser` key of cached parses: rows of an older (pickled) format are never read."""
CACHE_MARK = "dossier-scan-cache"


def _encode(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {"@": type(obj).__name__, **{f.name: _encode(getattr(obj, f.name)) for f in dataclasses.fields(obj)}}
    if isinstance(obj, tuple | list):
        return [_encode(x) for x in obj]
    if obj is None or isinstance(obj, str | int | float | bool):
        return obj
    raise TypeError(f"cannot cache a {type(obj).__name__}")


@cache
def _classes() -> dict[str, type]:
    """The only types a cached parse may rebuild: the parse result and the tree's dataclasses."""
    from dossier import tree
    from dossier.check.engine import ParsedFile

    found: dict[str, type] = {"ParsedFile": ParsedFile}
    for name in dir(tree):
        obj = getattr(tree, name)
        if isinstance(obj, type) and dataclasses.is_dataclass(obj) and obj.__module__ == tree.__name__:
            found[name] = obj
    return found


def _decode(obj: Any) -> Any:
    if isinstance(obj, list):
        return tuple(_decode(x) for x in obj)
    if isinstance(obj, dict):
        cls = _classes().get(obj.get("@", ""))
        if cls is None:
            raise ValueError(f"unknown type {obj.get('@')!r} in a cached parse")
        return cls(**{k: _decode(v) for k, v in obj.items() if k != "@"})
    return obj


def pack_parse(parsed: object) -> bytes:
    """A ParsedFile as the cache stores it (done in the worker that parsed it); b"" when it
    holds something the cache cannot store as plain values (it is then parsed again next time)."""
    try:
        data = json.dumps(_encode(parsed), ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError):
        return b""
    return zlib.compress(data.encode("utf-8"), 1)


def unpack_parse(blob: bytes) -> Any:
    """The ParsedFile of a cache blob; ValueError when the blob is not one (a corrupted or
    doctored cache: the file is parsed again)."""
    try:
        return _decode(json.loads(zlib.decompress(blob)))
    except (zlib.error, UnicodeDecodeError, TypeError, RecursionError) as exc:
        raise ValueError(f"unreadable cached parse: {exc}") from None


def encode_report(report: Mapping[str, Any]) -> bytes:
    """How a report is stored: compressed JSON with sorted keys (findings.jsonl reuses the bytes)."""
    return zlib.compress(json.dumps(report, ensure_ascii=False, sort_keys=True).encode("utf-8"), 6)


class CacheError(DossierError):
    """The cache cannot be used (read-only, disk full …): exit 2 naming it and the reason."""


_TABLES = {"dossiers"}


class _NotOurs(Exception):
    """The file at the cache's path is not a usable scan cache."""


class ScanCache:
    def __init__(self, path: Path, parser_version: str, notice: Any = None) -> None:
        """Open (or create) the cache. One that is not a scan cache (corrupted, another
        program's database, a text file) is moved aside under a name that says so, `notice`
        is told, and a new one is built: nothing of it is trusted or lost."""
        self.path = path
        self.parser = f"{parser_version}+{BLOB_FORMAT}"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CacheError(f"cannot create the cache's folder: {exc.strerror or exc}", path=str(path.parent)) from None
        try:
            self.db = self._open(path)
        except _NotOurs as exc:
            aside = path.with_name(f"{path.name}.unusable-{time.strftime('%Y%m%d%H%M%S')}")
            try:
                os.replace(path, aside)
                for suffix in ("-wal", "-shm"):
                    if os.path.exists(f"{path}{suffix}"):
                        os.replace(f"{path}{suffix}", f"{aside}{suffix}")
            except OSError as err:
                raise CacheError(f"is not a usable scan cache ({exc}) and cannot be moved aside: "
                                 f"{err.strerror or err}", path=str(path)) from None
            if notice is not None:
                notice(f"warning: {path} is not a usable scan cache ({exc}); moved to {aside.name}, "
                       "building a new one")
            self.db = self._open(path)
        except sqlite3.Error as exc:
            raise CacheError(f"cannot use the cache: {exc}", path=str(path)) from None

    @staticmethod
    def _open(path: Path) -> sqlite3.Connection:
        if os.path.lexists(path) and not os.path.isfile(path):
            raise CacheError("is not a regular file", path=str(path))
        db = sqlite3.connect(path, isolation_level=None, timeout=30)
        try:
            try:
                tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            except sqlite3.DatabaseError as exc:  # "file is not a database", a truncated file
                raise _NotOurs(str(exc)) from None
            if tables and not tables >= _TABLES:
                raise _NotOurs(f"another program's database (tables: {', '.join(sorted(tables)[:5])})")
            if "meta" in tables:
                mark = db.execute("SELECT value FROM meta WHERE key='format'").fetchone()
                if mark is not None and mark[0] != CACHE_MARK:
                    raise _NotOurs(f"format {mark[0]!r}")
            if tables:
                try:
                    (check,) = db.execute("PRAGMA quick_check").fetchone()
                except sqlite3.DatabaseError as exc:
                    raise _NotOurs(str(exc)) from None
                if check != "ok":
                    raise _NotOurs(f"damaged: {check}")
            db.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL: a commit survives a killed process (only an OS crash can lose the last ones).
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(_SCHEMA)
            columns = {row[1] for row in db.execute("PRAGMA table_info(dossiers)")}
            if "sheet" not in columns:  # a cache written before the 问题 rows were stored
                db.execute("ALTER TABLE dossiers ADD COLUMN sheet BLOB NOT NULL DEFAULT x''")
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('format', ?)", (CACHE_MARK,))
        except BaseException:
            db.close()
            raise
        return db

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
