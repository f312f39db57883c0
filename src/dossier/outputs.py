"""Where the CLI writes, decided once: `-o` targets, outputs never inside the input, atomic writes.

`check -o OUT`: one format → OUT is the file; several formats, or OUT ending in "/", or OUT an
existing folder → OUT is a folder receiving report.<ext>. An output inside the dossier (it
would be read as a material next time) or over an input file is refused before anything runs.
Every file is written to a temporary name beside it and renamed into place, so a full disk or a
kill leaves the old file or none, never a truncated one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from dossier.errors import DossierError


class OutputError(DossierError):
    """An output that cannot or must not be written (inside the input, over an input, disk full …)."""


@dataclass(frozen=True)
class Target:
    fmt: str
    path: Path


def is_folder_target(raw: str, n_formats: int) -> bool:
    return n_formats > 1 or raw.endswith(("/", os.sep)) or Path(raw).is_dir()


def plan_report_outputs(raw: str, formats: Sequence[str], extensions: dict[str, str],
                        inputs: Iterable[Path]) -> list[Target]:
    """The file each format goes to, refused when it would land inside or over an input."""
    if not raw:
        raise OutputError("-o needs a file or folder name")
    out = Path(raw)
    if is_folder_target(raw, len(formats)):
        if out.exists() and not out.is_dir():
            raise OutputError("several formats (or a name ending in /) need a folder, and this is a file", path=raw)
        targets = [Target(f, out / f"report.{extensions[f]}") for f in formats]
    else:
        targets = [Target(formats[0], out)]
    for t in targets:
        refuse_inside_inputs(t.path, inputs)
    return targets


def _real(path: Path) -> Path:
    # realpath resolves what exists (symlinks included) and keeps the rest as written.
    return Path(os.path.realpath(path))


def refuse_inside_inputs(target: Path, inputs: Iterable[Path]) -> None:
    """Refuse a target that is an input, or lies inside an input folder (or the folder's zip)."""
    real = _real(target)
    for src in inputs:
        if src is None:
            continue
        src_real = _real(src)
        if real == src_real:
            raise OutputError(f"would overwrite the input {src}; choose another output", path=str(target))
        if src_real.is_dir() and real.is_relative_to(src_real):
            raise OutputError(f"is inside the input folder {src}: it would be read as part of the dossier; "
                              "write outside it", path=str(target))
        if real.exists() and real.is_file() and src_real.exists() and os.path.samefile(real, src_real):
            raise OutputError(f"is the input {src} (a link to it); choose another output", path=str(target))


def atomic_write(path: Path, data: bytes) -> Path:
    """Write `data` to `path` through a temporary file in the same folder and a rename."""
    parent = path.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the folder: {exc.strerror or exc}", path=str(parent)) from None
    if path.is_dir():
        raise OutputError("is a folder; give a file name", path=str(path))
    fd, tmp = -1, ""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:80]}.", suffix=".tmp", dir=parent)
        with os.fdopen(fd, "wb") as fh:
            fd = -1
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        tmp = ""
    except OSError as exc:
        raise OutputError(f"cannot write: {exc.strerror or exc}", path=str(path)) from None
    finally:
        if fd >= 0:
            os.close(fd)
        if tmp:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return path


def replace_from(tmp: Path, path: Path) -> Path:
    """Move a file written elsewhere in the same folder into place (atomic on one file system)."""
    try:
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise OutputError(f"cannot write: {exc.strerror or exc}", path=str(path)) from None
    return path


def temp_beside(path: Path) -> Path:
    """A fresh temporary file name in `path`'s folder (created empty, for a writer that wants a path)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:80]}.", suffix=f".tmp{path.suffix}", dir=path.parent)
    except OSError as exc:
        raise OutputError(f"cannot write: {exc.strerror or exc}", path=str(path)) from None
    os.close(fd)
    return Path(tmp)
