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


class _Parts:
    """python-multipart's callbacks: headers collected per part, a file part written to its
    own file as it arrives, a text field kept up to FIELD_LIMIT bytes."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.form = Form()
        self.headers: dict[str, bytes] = {}
        self.hfield, self.hvalue = b"", b""
        self.name = ""
        self.sink: IO[bytes] | None = None
        self.upload: UploadedFile | None = None
        self.buf: bytearray | None = None
        self.used: set[str] = set()

    def callbacks(self) -> dict[str, Any]:
        return {"on_part_begin": self.part_begin, "on_part_data": self.part_data, "on_part_end": self.part_end,
                "on_header_field": self.header_field, "on_header_value": self.header_value,
                "on_header_end": self.header_end, "on_headers_finished": self.headers_finished}

    def part_begin(self) -> None:
        self.headers = {}

    def header_field(self, data: bytes, start: int, end: int) -> None:
        self.hfield += data[start:end]

    def header_value(self, data: bytes, start: int, end: int) -> None:
        self.hvalue += data[start:end]

    def header_end(self) -> None:
        self.headers[self.hfield.decode("latin-1").lower()] = self.hvalue
        self.hfield, self.hvalue = b"", b""

    def _unique(self, raw: str) -> str:
        fname = safe_filename(raw)
        stem, dot, ext = fname.rpartition(".")
        n = 1
        while fname in self.used:  # two parts with one name must not overwrite each other
            n += 1
            fname = f"{stem}-{n}{dot}{ext}" if dot else f"{fname}-{n}"
        self.used.add(fname)
        return fname

    def headers_finished(self) -> None:
        _, opts = parse_options_header(self.headers.get("content-disposition", b""))
        self.name = opts.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" in opts:
            fname = self._unique(opts[b"filename"].decode("utf-8", "replace"))
            self.upload = UploadedFile(self.name, fname, self.folder / fname)
            self.sink = open(self.upload.path, "wb")  # noqa: SIM115 - closed in part_end / close
            self.buf = None
            self.form.files.append(self.upload)
        else:
            if len(self.form.fields) >= MAX_FIELDS:
                raise UploadError(400, "表单字段过多")
            self.sink, self.upload, self.buf = None, None, bytearray()

    def part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if self.sink is not None and self.upload is not None:
            self.sink.write(chunk)
            self.upload.size += len(chunk)
        elif self.buf is not None:
            self.buf += chunk
            if len(self.buf) > FIELD_LIMIT:
                raise UploadError(413, f"表单字段“{self.name}”过长")

    def part_end(self) -> None:
        if self.sink is not None:
            self.sink.close()
            self.sink = None
        elif self.buf is not None:
            self.form.fields[self.name] = bytes(self.buf).decode("utf-8", "replace")
            self.buf = None

    def close(self) -> None:
        if self.sink is not None:
            self.sink.close()
            self.sink = None


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
    parts = _Parts(folder)
    parser = MultipartParser(params[b"boundary"], parts.callbacks())  # type: ignore[arg-type]
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
        parts.close()
    return parts.form


def _too_big(limit: int) -> str:
    return f"上传文件过大：超过 {limit / 1024 / 1024:.0f} MB 的上限"
