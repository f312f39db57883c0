""".doc / .wps → DOCX with LibreOffice headless, then the DOCX parser.

Both are OLE2 files (WPS Office writes Word's binary format), so one route serves both.
Each call uses its own throwaway LibreOffice profile (`-env:UserInstallation`), so
conversions can run beside a user's LibreOffice and beside each other; several files go
through one soffice start (the start is most of the cost); a timeout kills the whole
process group, and every file gets either its DOCX or the reason it failed. Inputs are
copied to a staging folder first, so LibreOffice never touches (or locks) the originals
and odd file names or equal stems from different folders cannot collide.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from dataclasses import replace
from pathlib import Path

from dossier.errors import InputError
from dossier.tree import DocumentTree

__all__ = ["NOT_FOUND", "convert_many", "convert_one", "find_soffice", "ole_kind", "parse_via_libreoffice"]

NOT_FOUND = "LibreOffice is needed to read .doc/.wps files and was not found"
DEFAULT_TIMEOUT = 180.0
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CANDIDATES = (
    "/usr/bin/soffice",
    "/usr/lib/libreoffice/program/soffice",
    "/opt/libreoffice/program/soffice",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
    r"C:\Program Files\LibreOffice\program\soffice.exe",
)


def find_soffice() -> str | None:
    """The LibreOffice executable, from PATH or the usual install places, or None."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return next((c for c in _CANDIDATES if os.path.isfile(c) and os.access(c, os.X_OK)), None)


def _stage_name(i: int, src: Path) -> str:
    # OLE2 files go in as .doc whatever their extension: LibreOffice would send a .wps to
    # its Microsoft Works filter, which cannot read WPS Office files. Workbooks (.xls, and
    # WPS's .et, which is BIFF8 inside) go in as .xls.
    try:
        with src.open("rb") as fh:
            ole2 = fh.read(8) == _OLE2
    except OSError:
        ole2 = False
    if not ole2:
        return f"f{i:05d}{src.suffix.lower() or '.doc'}"
    return f"f{i:05d}{'.xls' if ole_kind(src) == 'sheet' else '.doc'}"


_WORD_STREAM = "WordDocument".encode("utf-16-le")
_BOOK_STREAMS = ("Workbook".encode("utf-16-le"), "Book\x00".encode("utf-16-le"))
_OLE_SCAN = 64 * 1024 * 1024


def ole_kind(path: Path) -> str:
    """'word', 'sheet' or 'unknown' for an OLE2 file, from its directory's stream names
    (stored in UTF-16: "WordDocument" for Word and WPS writer, "Workbook"/"Book" for Excel
    and WPS spreadsheets). The extension decides only when the names are not found."""
    found_book = False
    try:
        with Path(path).open("rb") as fh:
            tail = b""
            read = 0
            while read < _OLE_SCAN:
                chunk = fh.read(1024 * 1024)
                if not chunk:
                    break
                read += len(chunk)
                buf = tail + chunk
                if _WORD_STREAM in buf:
                    return "word"
                found_book = found_book or any(b in buf for b in _BOOK_STREAMS)
                tail = buf[-32:]
    except OSError:
        return "unknown"
    if found_book:
        return "sheet"
    ext = Path(path).suffix.lower()
    return "sheet" if ext in (".xls", ".et", ".ett", ".xlt") else "word" if ext in (".doc", ".wps", ".dot") else "unknown"


def convert_many(
    paths: list[Path], outdir: Path, timeout: float = DEFAULT_TIMEOUT, *, to: str = "docx"
) -> dict[Path, Path | str]:
    """Convert files with one LibreOffice run; map each input to its output or an error string.

    Outputs are written to `outdir` as `<input stem>.<to>` (a numeric suffix is added when
    two inputs share a stem). Never raises for a single bad file; a missing LibreOffice
    gives every file the NOT_FOUND message.
    """
    paths = [Path(p) for p in paths]
    result: dict[Path, Path | str] = {}
    if not paths:
        return result
    exe = find_soffice()
    if exe is None:
        return dict.fromkeys(paths, NOT_FOUND)
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    target = {"docx": "docx:MS Word 2007 XML", "pdf": "pdf:writer_pdf_Export", "doc": "doc:MS Word 97",
              "xlsx": "xlsx:Calc MS Excel 2007 XML", "xls": "xls:MS Excel 97"}.get(
        to, to
    )
    ext = to.split(":", 1)[0]
    with tempfile.TemporaryDirectory(prefix="dossier-lo-") as work:
        wdir = Path(work)
        stage = wdir / "in"
        conv = wdir / "out"
        stage.mkdir()
        conv.mkdir()
        staged: dict[Path, Path] = {}
        for i, p in enumerate(paths):
            if p in staged or p in result:
                continue
            try:
                dst = stage / _stage_name(i, p)
                shutil.copyfile(p, dst)
                staged[p] = dst
            except OSError as e:
                result[p] = f"cannot be read ({e.strerror or e})"
        if not staged:
            return result
        profile = (wdir / "profile").as_uri()
        cmd = [
            exe,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--nodefault",
            "--convert-to",
            target,
            "--outdir",
            str(conv),
            *map(str, staged.values()),
        ]
        failure = ""
        # LibreOffice (through GLib/dconf and fontconfig) writes ~/.cache and ~/.config even
        # with its own profile, and leaves lu*.tmp in TMPDIR when killed: keep all of it in
        # the throwaway folder so a check writes nothing outside its output.
        home = wdir / "home"
        (home / "tmp").mkdir(parents=True)
        env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
               "XDG_CACHE_HOME": str(home / ".cache"), "XDG_DATA_HOME": str(home / ".local/share"),
               "XDG_RUNTIME_DIR": str(home), "TMPDIR": str(home / "tmp"), "TMP": str(home / "tmp"),
               "TEMP": str(home / "tmp")}
        try:
            proc = subprocess.Popen(
                cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, env=env
            )
        except OSError as e:
            return {**result, **dict.fromkeys(staged, f"LibreOffice could not start ({e.strerror or e})")}
        try:
            _out, err = proc.communicate(timeout=timeout)
            failure = err.decode("utf-8", "replace").strip().splitlines()[-1] if err.strip() else ""
        except subprocess.TimeoutExpired:
            # soffice forks soffice.bin: end the whole group this call started, nothing else.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            failure = f"LibreOffice timed out after {timeout:g} s"
        used: set[str] = set()
        for p, dst in staged.items():
            made = conv / f"{dst.stem}.{ext}"
            if made.is_file() and made.stat().st_size > 0:
                name = f"{p.stem}.{ext}"
                k = 1
                while name in used or (outdir / name).exists():
                    k += 1
                    name = f"{p.stem}-{k}.{ext}"
                used.add(name)
                final = outdir / name
                shutil.move(str(made), final)
                result[p] = final
            else:
                result[p] = failure or "LibreOffice could not convert it (damaged or not a document it reads)"
    return {p: result[p] for p in dict.fromkeys(paths)}


def convert_one(path: Path, outdir: Path, timeout: float = DEFAULT_TIMEOUT, *, to: str = "docx") -> Path | str:
    """Convert one file through this process's long-lived LibreOffice (lo_server) when it
    can run here, else with a soffice run of its own; the output path, or why not."""
    from dossier.parse.lo_server import shared

    server = shared()
    if server is not None:
        return server.convert(path, outdir, to, timeout=timeout)
    return convert_many([path], outdir, timeout, to=to)[path]


def parse_via_libreoffice(path: Path, *, timeout: float = DEFAULT_TIMEOUT) -> DocumentTree:
    """Parse a .doc / .wps by converting it to DOCX; the tree names the original file."""
    from dossier.parse.docx import parse_docx

    path = Path(path)
    if find_soffice() is None:
        raise InputError(NOT_FOUND, path=str(path))
    with tempfile.TemporaryDirectory(prefix="dossier-conv-") as out:
        made = convert_one(path, Path(out), timeout)
        if isinstance(made, str):
            raise InputError(f"cannot convert to DOCX: {made}", path=str(path))
        tree = parse_docx(made)
    if path.suffix.lower() == ".wps":
        return replace(tree, path=str(path), format="wps")
    return replace(tree, path=str(path), format="doc")
