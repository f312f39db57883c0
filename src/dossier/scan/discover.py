"""Which dossiers are under ROOT, and what their content is (the cheap fingerprint pass).

Each immediate subfolder or .zip of ROOT is one dossier; a manifest CSV (columns
path,jurisdiction,stage,facts) names them explicitly instead. Fingerprints hash bytes only:
nothing is parsed or extracted here, and a file whose inode, size, mtime and ctime are those
it was hashed at is not read again (`Digests`), so a warm re-scan costs a stat of each file.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import stat
import zipfile
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from dossier.errors import DossierError

AUTO = "auto"
FACTS_NAMES = ("facts.yaml", "facts.yml")
_JUNK = {"__macosx", "$recycle.bin", "system volume information", "thumbs.db", "desktop.ini"}
_CHUNK = 1024 * 1024
_MEMBER_LIMIT = 256 * 1024**2
MAX_MANIFEST_BYTES = 64 * 1024**2  # members larger than this are left to ingest's own limits


class ManifestError(DossierError):
    """A manifest that cannot be used: a usage error (exit 2), not a dossier finding."""


@dataclass(frozen=True)
class DossierSpec:
    id: str
    """Stable, file-name-safe id: the folder name, the zip name without .zip, or the manifest path."""
    path: Path
    jurisdiction: str | None = None
    """None: from --jurisdiction, the dossier's facts.yaml, or inferred."""
    stage: str | None = None
    facts: Path | None = None
    """An explicit facts file (manifest column or --facts-dir); else the dossier's own facts.yaml."""


def _junk(name: str) -> bool:
    return name.startswith((".", "~$")) or name.lower() in _JUNK


def _auto(value: str | None) -> str | None:
    v = (value or "").strip()
    return None if not v or v.lower() == AUTO else v


MAX_ID_BYTES = 150
"""An id names files (reports/<id>.html, temporary names around it): far below the 255-byte
limit of a file name, so a legal 83-character CJK folder name (249 bytes) still fits."""


def _safe_id(text: str) -> str:
    """A unique, file-name-safe id. Ids name report files (reports/<id>.html): no separators,
    no control characters. A name that had to be changed, or shortened, gets a short hash of
    the original, so `a:b`, `a?b` and `a_b` stay three dossiers."""
    original = text.strip().strip("/\\")
    text = re.sub(r"[\\/]+", "__", original)
    text = re.sub(r'[\x00-\x1f\x7f:*?"<>|]', "_", text) or "_"
    if text.startswith("."):
        text = "_" + text[1:]
    tag = hashlib.sha256(original.encode("utf-8", "surrogateescape")).hexdigest()[:10]
    encoded = text.encode("utf-8", "surrogateescape")
    if len(encoded) > MAX_ID_BYTES:
        text = encoded[:MAX_ID_BYTES].decode("utf-8", "ignore") + "~" + tag
    elif text != original:
        text = f"{text}~{tag}"
    return text


def discover(root: Path, *, manifest: Path | None = None, facts_dir: Path | None = None,
             exclude: Iterable[Path] = ()) -> list[DossierSpec]:
    """The dossiers to scan, sorted by id. `exclude`: folders never taken as dossiers (the output dir)."""
    root = Path(root)
    if manifest is not None:
        specs = _from_manifest(root, manifest)
    else:
        if not root.is_dir():
            raise DossierError("is not a folder (scan ROOT must hold one folder or .zip per dossier)", path=str(root))
        skip = {os.path.realpath(p) for p in exclude}
        skip_inodes = {os.stat(p).st_ino for p in skip if os.path.exists(p)}
        entries = []
        with os.scandir(root) as it:
            for e in it:
                # inode() costs no system call: realpath only for a likely match (the output dir)
                if _junk(e.name) or (e.inode() in skip_inodes and os.path.realpath(e.path) in skip):
                    continue
                # Links are never followed: a link at the root may point anywhere on the machine.
                if e.is_dir(follow_symlinks=False) or (e.name.lower().endswith(".zip") and e.is_file(follow_symlinks=False)):
                    entries.append(e)
        folders = {e.name for e in entries if e.is_dir(follow_symlinks=False)}
        zips = Counter(e.name.lower() for e in entries if not e.is_dir(follow_symlinks=False))
        specs = []
        for e in sorted(entries, key=lambda e: e.name):
            name = e.name
            if not e.is_dir(follow_symlinks=False):
                stem = name[: -len(".zip")]
                # "A.zip" is "A" unless a folder "A" (or another "a.ZIP") sits beside it.
                name = stem if stem and stem not in folders and zips[name.lower()] == 1 else name
            specs.append(DossierSpec(_safe_id(name), Path(e.path)))
    if facts_dir is not None:
        specs = [s if s.facts else DossierSpec(s.id, s.path, s.jurisdiction, s.stage, _facts_in(facts_dir, s.id))
                 for s in specs]
    return sorted(specs, key=lambda s: s.id)


def _facts_in(facts_dir: Path, dossier_id: str) -> Path | None:
    for ext in ("yaml", "yml"):
        p = Path(facts_dir) / f"{dossier_id}.{ext}"
        if p.is_file():
            return p
    return None


def _from_manifest(root: Path, manifest: Path) -> list[DossierSpec]:
    """Rows path,jurisdiction,stage,facts; relative paths are resolved against ROOT."""
    from dossier.yamlio import read_regular

    data = read_regular(Path(manifest), MAX_MANIFEST_BYTES, ManifestError)  # a FIFO is refused, not read
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ManifestError("not UTF-8 text", path=str(manifest)) from None
    reader = csv.DictReader(text.splitlines())
    cols = {c.strip().lower() for c in reader.fieldnames or []}
    if "path" not in cols:
        raise ManifestError("needs a 'path' column (optional: jurisdiction, stage, facts)", path=str(manifest))
    specs: dict[str, DossierSpec] = {}
    for n, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        rel = row.get("path", "")
        if not rel:
            continue
        path = Path(rel) if Path(rel).is_absolute() else root / rel
        shown = rel.replace("\\", "/").strip("/")
        ident = _safe_id(shown[: -len(".zip")] if shown.lower().endswith(".zip") else shown)
        if ident in specs:
            raise ManifestError(f"row {n}: dossier {rel!r} listed twice", path=str(manifest))
        facts = _auto(row.get("facts"))
        facts_path = None if facts is None else (Path(facts) if Path(facts).is_absolute() else root / facts)
        specs[ident] = DossierSpec(ident, path, _auto(row.get("jurisdiction")), _auto(row.get("stage")), facts_path)
    return list(specs.values())


# -- fingerprints ---------------------------------------------------------------------------


def _sha256_file(path: Path | str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


StatKey = tuple[int, int, int, int]


class Digests:
    """sha256 of files by path, trusted while the file's (inode, size, mtime, ctime) stays what
    it was when hashed, as git's index does. ctime changes on every write and cannot be set back
    by a user, so an edited file is always hashed again."""

    def __init__(self, known: Mapping[str, tuple[StatKey, str]] | None = None) -> None:
        self.known = dict(known or {})
        self.new: dict[str, tuple[StatKey, str]] = {}
        """Hashed in this run: what the caller stores for the next one."""
        self.seen: set[str] = set()

    def sha256(self, path: str, st: os.stat_result) -> str:
        # The key is taken before the read: a file changed while being hashed has a newer
        # ctime next time, so a stale digest is never trusted twice.
        key = (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        self.seen.add(path)
        hit = self.new.get(path) or self.known.get(path)  # new: hashed earlier in this run
        if hit is not None and hit[0] == key:
            return hit[1]
        digest = _sha256_file(path)
        self.new[path] = (key, digest)
        return digest

    def gone(self) -> set[str]:
        """Known paths this run did not meet (after a whole pass over the archive)."""
        return set(self.known) - self.seen


@dataclass(frozen=True)
class Contents:
    digest: str
    """sha256 over (relative name, content hash) of every file, or of the zip's bytes."""
    files: int
    hashes: tuple[str, ...]
    """Content hashes of the files in place (the same sha256 ingest computes for them)."""
    zips: tuple[Path, ...]
    """Archives whose members are hashed only when the dossier has to be checked."""


def contents(path: Path, digests: Digests | None = None) -> Contents:
    """What the dossier holds, by content. A missing or unreadable path gives a digest that
    says so (the worker then reports the dossier as failed)."""
    digests = digests or Digests()
    h = hashlib.sha256()
    hashes: list[str] = []
    zips: list[Path] = []
    try:
        if path.is_dir():
            top = str(path)
            # os-level strings, not pathlib: a warm re-scan is mostly this loop (a stat a file).
            for dirpath, dirnames, filenames in os.walk(top):
                dirnames[:] = sorted(d for d in dirnames if not _junk(d))
                rel_dir = os.path.relpath(dirpath, top).replace(os.sep, "/")
                prefix = "" if rel_dir == "." else rel_dir + "/"
                for name in sorted(filenames):
                    if _junk(name):
                        continue
                    full = os.path.join(dirpath, name)
                    st = os.lstat(full)
                    if not stat.S_ISREG(st.st_mode):  # links, fifos, devices: never followed or read
                        continue
                    digest = digests.sha256(full, st)
                    h.update(f"{prefix}{name}\0{digest}\n".encode())
                    hashes.append(digest)
                    if name.lower().endswith(".zip"):
                        zips.append(Path(full))
        elif path.is_file():  # stat follows a manifest's link; only a regular file is read
            digest = digests.sha256(str(path), path.stat())
            h.update(f"{path.name}\0{digest}\n".encode())
            hashes.append(digest)
            zips.append(path)
        else:
            h.update(b"<missing>")
    except OSError as exc:
        h.update(f"<unreadable {exc.errno}>".encode())
    return Contents(h.hexdigest(), len(hashes), tuple(hashes), tuple(zips))


def member_hashes(archive: Path) -> list[str]:
    """sha256 of each member's bytes (what ingest records for an extracted member), so cached
    parses of a zipped dossier's files can be shipped with its task. Best effort: a broken
    archive just yields fewer hashes, and ingest reports the damage."""
    out: list[str] = []
    try:
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                if info.is_dir() or info.file_size > _MEMBER_LIMIT or info.flag_bits & 0x1:
                    continue
                h = hashlib.sha256()
                with zf.open(info) as src:
                    while chunk := src.read(_CHUNK):
                        h.update(chunk)
                out.append(h.hexdigest())
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError):
        pass
    return out


def file_digest(path: Path | None) -> str:
    """sha256 of a facts file; never reads what is not a regular file (/dev/zero, a FIFO)."""
    if path is None:
        return ""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return "<not a regular file>"
        return _sha256_file(path)
    except OSError:
        return "<unreadable>"
