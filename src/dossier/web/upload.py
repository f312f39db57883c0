"""Streaming multipart/form-data: file parts go straight to disk in the request's own
folder, text fields stay in memory up to a small cap, and the whole body is counted as it
arrives, so an oversize upload is refused after at most `limit` bytes and never held in
memory (python-multipart's push parser, one chunk at a time)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from python_multipart.multipart import MultipartParser, parse_options_header

FIELD_LIMIT = 1024 * 1024
"""Bytes of one text field (facts YAML is small; a larger field is a mistake or an attack)."""
MAX_FIELDS = 200


class UploadError(Exception):
    """A request the service refuses; `status` is the HTTP status, the message is Chinese."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class UploadedFile:
    field: str
    filename: str
    """The name as sent, cleaned to one safe path component."""
    path: Path
    size: int = 0


@dataclass
class Form:
    fields: dict[str, str] = field(default_factory=dict)
    files: list[UploadedFile] = field(default_factory=list)

    def file(self, name: str) -> UploadedFile | None:
        return next((f for f in self.files if f.field == name), None)


_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')


def safe_filename(name: str, default: str = "upload.bin") -> str:
    """One path component: the last part of whatever the browser sent, without control or
    reserved characters, never "." or "..", at most 200 characters (keeping the extension)."""
    base = unicodedata.normalize("NFC", name.replace("\\", "/").split("/")[-1])
    base = _UNSAFE.sub("_", base).strip(" .")
    if not base:
        return default
    if len(base) > 200:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 200 - len(ext) - 1] + dot + ext) if dot and len(ext) <= 16 else base[:200]
    return base


async def read_form(headers: Any, stream: AsyncIterator[bytes], folder: Path, limit: int) -> Form:
    """Parse a multipart body from `stream` into `folder` (which must exist).

    Raises UploadError 413 as soon as more than `limit` bytes arrived (or Content-Length
    says so up front), 400 for a body that is not multipart/form-data or is malformed."""
    ctype, params = parse_options_header(headers.get("content-type", ""))
    if ctype != b"multipart/form-data" or b"boundary" not in params:
        raise UploadError(400, "请求须为 multipart/form-data 表单上传")
    declared = headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise UploadError(413, _too_big(limit))

    form = Form()
    state: dict[str, Any] = {"headers": {}, "hfield": b"", "hvalue": b"", "sink": None, "name": "",
                             "buf": None, "upload": None}
    used_names: set[str] = set()

    def on_part_begin() -> None:
        state["headers"] = {}

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state["hfield"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state["hvalue"] += data[start:end]

    def on_header_end() -> None:
        state["headers"][state["hfield"].decode("latin-1").lower()] = state["hvalue"]
        state["hfield"], state["hvalue"] = b"", b""

    def on_headers_finished() -> None:
        disp, opts = parse_options_header(state["headers"].get("content-disposition", b""))
        name = opts.get(b"name", b"").decode("utf-8", "replace")
        state["name"] = name
        if b"filename" in opts:
            raw = opts[b"filename"].decode("utf-8", "replace")
            fname = safe_filename(raw)
            stem, dot, ext = fname.rpartition(".")
            n = 1
            while fname in used_names:  # two parts with one name must not overwrite each other
                n += 1
                fname = f"{stem}-{n}{dot}{ext}" if dot else f"{fname}-{n}"
            used_names.add(fname)
            up = UploadedFile(name, fname, folder / fname)
            sink: IO[bytes] = open(up.path, "wb")  # noqa: SIM115 - closed in on_part_end / finally
            state["sink"], state["upload"], state["buf"] = sink, up, None
            form.files.append(up)
        else:
            if len(form.fields) >= MAX_FIELDS:
                raise UploadError(400, "表单字段过多")
            state["sink"], state["upload"], state["buf"] = None, None, bytearray()

    def on_part_data(data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if state["sink"] is not None:
            state["sink"].write(chunk)
            state["upload"].size += len(chunk)
        else:
            buf = state["buf"]
            buf += chunk
            if len(buf) > FIELD_LIMIT:
                raise UploadError(413, f"表单字段“{state['name']}”过长")

    def on_part_end() -> None:
        if state["sink"] is not None:
            state["sink"].close()
            state["sink"] = None
        elif state["buf"] is not None:
            form.fields[state["name"]] = bytes(state["buf"]).decode("utf-8", "replace")
            state["buf"] = None

    parser = MultipartParser(params[b"boundary"], {
        "on_part_begin": on_part_begin, "on_part_data": on_part_data, "on_part_end": on_part_end,
        "on_header_field": on_header_field, "on_header_value": on_header_value,
        "on_header_end": on_header_end, "on_headers_finished": on_headers_finished,
    })
    received = 0
    try:
        async for chunk in stream:
            received += len(chunk)
            if received > limit:
                raise UploadError(413, _too_big(limit))
            if chunk:
                parser.write(chunk)
        parser.finalize()
    except UploadError:
        raise
    except Exception as exc:  # python-multipart raises its own errors for a malformed body
        raise UploadError(400, f"表单格式有误（{type(exc).__name__}）") from None
    finally:
        if state["sink"] is not None:
            state["sink"].close()
    return form


def _too_big(limit: int) -> str:
    return f"上传文件过大：超过 {limit / 1024 / 1024:.0f} MB 的上限"
