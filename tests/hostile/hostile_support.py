"""Builders and the CLI harness for the hostile-input suite.

Every hostile file is built inline from a small valid one (a python-docx document, a
hand-written PDF, a zip), so a reader sees exactly what is broken. `run_check` runs the
real CLI in a subprocess inside a sandbox (own TMPDIR, HOME and cwd), under a timeout
and a memory cap, and returns what a test needs to assert the bars of issue 7.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import resource
import signal
import stat
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import pytest

REPO = Path(__file__).resolve().parents[2]
GOOD_SRC = REPO / "corpus/dossiers/yongchuan-final-acceptance/files/01_永川区智慧城管平台建设项目终验投用申请书.docx"
GOOD_NAME = "01_终验投用申请书.docx"
"""The good document placed beside the broken ones: a complete 终验投用申请书 (yongchuan)."""
DOC_SRC = REPO / "corpus/dossiers/yongchuan-final-acceptance/files/03_项目建设报告.doc"
SCAN_SRC = REPO / "corpus/parse/scanned/acceptance-bold-scan.pdf"
TEXT_PDF_SRC = REPO / "corpus/parse/pdf/acceptance-bold.pdf"

TIMEOUT_S = 60
MEM_LIMIT = 1 << 30
"""The bar: 1 GB. Enforced as RLIMIT_AS where possible, measured as peak RSS always."""
BACKSTOP_AS = 6 << 30
"""Address-space cap for runs where 1 GB of *address space* is too strict (OCR: onnxruntime
reserves ~1.6 GB of virtual memory for ~600 MB resident); RSS is then what is asserted."""

CHECK_ARGS = ("-j", "yongchuan", "-s", "final-acceptance", "-f", "json")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- sandbox ---------------------------------------------------------------------------


def snapshot(root: Path, exclude: Sequence[Path] = ()) -> dict[str, str]:
    """Every path under root (excluded folders left out) with its content hash, link or mode."""
    out: dict[str, str] = {}
    skip = {os.path.realpath(p) for p in exclude}
    for dirpath, dirnames, filenames in os.walk(root):
        d = Path(dirpath)
        dirnames[:] = [n for n in dirnames if os.path.realpath(d / n) not in skip]
        for n in dirnames + filenames:
            p = d / n
            rel = os.fsdecode(os.fsencode(str(p.relative_to(root))))
            try:
                st = os.lstat(p)
            except OSError as exc:  # past PATH_MAX: cannot be reached by path, so not by the CLI either
                out[rel] = f"unreachable:{exc.errno}"
                continue
            if stat.S_ISLNK(st.st_mode):
                out[rel] = "link:" + os.readlink(p)
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = f"dir:{st.st_mode & 0o7777:o}"
            elif not st.st_mode & stat.S_IRUSR:
                out[rel] = f"mode:{st.st_mode:o}:{st.st_size}:{st.st_mtime_ns}"
            else:
                with open(p, "rb") as fh:
                    out[rel] = f"{st.st_mode & 0o7777:o}:" + sha(fh.read())
    return out


@dataclass(frozen=True)
class Box:
    """A sandbox: in/ (the dossier), out/ (the only place the CLI may write), tmp/ (its
    TMPDIR, must be left empty), home/ (its HOME), cwd/ (its working directory)."""

    root: Path

    @property
    def inp(self) -> Path:
        return self.root / "in"

    @property
    def out(self) -> Path:
        return self.root / "out"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def cwd(self) -> Path:
        return self.root / "cwd"

    @classmethod
    def make(cls, root: Path, *, good: bool = True) -> Box:
        box = cls(root)
        for d in (box.inp, box.tmp, box.home, box.cwd):
            d.mkdir(parents=True, exist_ok=True)
        if good:
            (box.inp / GOOD_NAME).write_bytes(GOOD_SRC.read_bytes())
        return box

    def put(self, name: str, data: bytes) -> Path:
        p = self.inp / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        return p


@dataclass(frozen=True)
class Run:
    rc: int
    stdout: str
    stderr: str
    report: dict[str, Any] | None
    report_text: str
    seconds: float
    peak_rss: int
    """Peak resident set size of the CLI and its children (LibreOffice), sampled every 20 ms."""
    created: tuple[str, ...]
    """Paths in the sandbox (out/ excluded) that were added, removed or changed."""

    def everything(self) -> str:
        return "\n".join((self.stdout, self.stderr, self.report_text))

    def file(self, name: str) -> dict[str, Any]:
        """The report's entry for the file `name`."""
        assert self.report is not None
        return next(f for f in self.report["files"] if f["path"] == name)

    def findings_for(self, name: str) -> list[dict[str, Any]]:
        assert self.report is not None
        return [f for f in self.report["findings"]
                if f["location"].get("file") == name or (not f["location"].get("file") and name in f["message"])]

    def document(self, path: str) -> dict[str, Any] | None:
        assert self.report is not None
        return next((d for d in self.report["documents"] if d["path"] == path), None)


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    try:
        family = [proc, *proc.children(recursive=True)]
    except psutil.Error:  # it just ended
        return 0
    for p in family:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            continue
    return total


def run_cli(argv: Sequence[str], box: Box, *, address_cap: int = MEM_LIMIT, timeout: float = TIMEOUT_S,
            env: Mapping[str, str] | None = None, prelude: str = "") -> Run:
    """Run `python -m dossier ARGV` in the sandbox; kill it (and fail) past the timeout.

    `prelude` is Python run in the CLI's process first (to monkeypatch it), then the CLI's
    own `main()` runs as `python -m dossier` would."""
    before = snapshot(box.root, exclude=[box.out])
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("DOSSIER_", "PYTEST_"))}
    environ.update(TMPDIR=str(box.tmp), TEMP=str(box.tmp), TMP=str(box.tmp), HOME=str(box.home),
                   PYTHONDONTWRITEBYTECODE="1", **(env or {}))

    def limit() -> None:  # runs in the child before exec
        resource.setrlimit(resource.RLIMIT_AS, (address_cap, address_cap))

    started = time.monotonic()
    cmd = ([sys.executable, "-c", prelude + "\nimport sys\nfrom dossier.cli import main\nsys.argv[0] = 'dossier'\nmain()\n"]
           if prelude else [sys.executable, "-m", "dossier"])
    proc = subprocess.Popen([*cmd, *argv], cwd=box.cwd, env=environ,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=limit,
                            start_new_session=True)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        try:
            ps = psutil.Process(proc.pid)
        except psutil.Error:
            return
        while not stop.is_set():
            peak = max(peak, _tree_rss(ps))
            stop.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the group this call started: the CLI and its soffice
        proc.communicate()
        raise AssertionError(f"dossier {' '.join(argv)} ran past {timeout} s") from None
    finally:
        stop.set()
        sampler.join()
    seconds = time.monotonic() - started
    after = snapshot(box.root, exclude=[box.out])
    changed = tuple(sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k)))
    _log_measurement(argv, seconds, peak, proc.returncode)
    report_path = box.out / "report.json"
    text = report_path.read_text(encoding="utf-8") if report_path.is_file() else ""
    return Run(proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"),
               json.loads(text) if text else None, text, seconds, peak, changed)


def _log_measurement(argv: Sequence[str], seconds: float, peak_rss: int, rc: int) -> None:
    """With HOSTILE_MEASURE=FILE, one JSON line per CLI run (test, command, seconds, peak RSS of
    the CLI and its children): the numbers behind the hostile-input report, never asserted on."""
    target = os.environ.get("HOSTILE_MEASURE")
    if not target:
        return
    test = os.environ.get("PYTEST_CURRENT_TEST", "").split(" ")[0]
    line = {"test": test, "argv": [a if "/" not in a else Path(a).name for a in argv][:6], "rc": rc,
            "seconds": round(seconds, 2), "peak_rss_mib": round(peak_rss / 2**20, 1)}
    with open(target, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(line, ensure_ascii=False) + "\n")


def check(box: Box, target: Path | None = None, *extra: str, address_cap: int = MEM_LIMIT, prelude: str = "") -> Run:
    """`dossier check DIR -j yongchuan -s final-acceptance -f json -o OUT/report.json`."""
    return run_cli(["check", str(target or box.inp), *CHECK_ARGS, "-o", str(box.out / "report.json"), *extra],
                   box, address_cap=address_cap, prelude=prelude)


def assert_bars(run: Run, *, named: Sequence[str] = (), secrets: Sequence[str] = (), good: bool = True,
                exits: Sequence[int] = (0, 1, 2), good_path: str = GOOD_NAME) -> None:
    """The bars of issue 7 for one run (plus the good document's full check when present)."""
    assert run.rc in exits, (run.rc, run.stderr[-2000:])
    assert "Traceback" not in run.stderr and "Traceback" not in run.stdout, run.stderr[-3000:]
    assert "internal error" not in run.stderr, run.stderr[-2000:]
    assert run.peak_rss < MEM_LIMIT, f"peak RSS {run.peak_rss >> 20} MiB"
    assert run.created == (), f"written outside the output dir: {run.created}"
    blob = run.everything()
    for name in named:
        assert name in blob, f"{name!r} is not named in the report or on stderr"
    for secret in secrets:
        assert secret not in blob, "content of a local file leaked into the output"
    if good:
        assert run.report is not None, run.stderr[-2000:]
        assert_good_checked(run, good_path)


_BASELINE: dict[str, Any] = {}


def baseline_sections(tmp_root: Path) -> list[tuple[str, str]]:
    """(section id, status) of the good document checked alone: what it must still get beside
    broken files. Computed once per session."""
    if "sections" not in _BASELINE:
        box = Box.make(tmp_root)
        run = check(box)
        assert run.rc in (0, 1) and run.report is not None, run.stderr
        doc = run.document(GOOD_NAME)
        assert doc is not None and doc["type"] == "final-acceptance-application"
        _BASELINE["sections"] = [(s["id"], s["status"]) for s in doc["sections"]]
    return list(_BASELINE["sections"])


def assert_good_checked(run: Run, path: str = GOOD_NAME) -> None:
    doc = run.document(path)
    assert doc is not None, f"the good document lost its check: {[d['path'] for d in run.report['documents']]}"  # type: ignore[index]
    assert doc["type"] == "final-acceptance-application"
    got = [(s["id"], s["status"]) for s in doc["sections"]]
    want = _BASELINE.get("sections")
    assert want is not None, "baseline fixture not loaded"
    assert got == want
    assert sum(1 for _, s in got if s == "present") >= 40


# -- DOCX ------------------------------------------------------------------------------

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def small_docx() -> bytes:
    """A small valid DOCX with headings, a table and numbering (so numbering.xml exists)."""
    import docx

    d = docx.Document()
    d.add_paragraph("项目监理报告", style="Title")
    d.add_heading("一、项目概述", 1)
    d.add_paragraph("本项目总投资 120 万元。")
    d.add_heading("（一）建设内容", 2)
    d.add_paragraph("第一项", style="List Number")
    d.add_paragraph("第二项", style="List Bullet")
    t = d.add_table(rows=2, cols=2)
    t.cell(0, 0).text = "项目名称"
    t.cell(0, 1).text = "智慧城管"
    d.add_heading("二、监理结论", 1)
    d.add_paragraph("同意验收。")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def docx_parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def pack_zip(parts: Mapping[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, blob in parts.items():
            zf.writestr(name, blob)
    return buf.getvalue()


def with_parts(data: bytes, replace: Mapping[str, bytes | None]) -> bytes:
    """The DOCX with parts replaced (bytes), added, or removed (None)."""
    parts = docx_parts(data)
    for name, blob in replace.items():
        if blob is None:
            parts.pop(name, None)
        else:
            parts[name] = blob
    return pack_zip(parts)


def with_doctype(xml: bytes, doctype: bytes) -> bytes:
    """Insert a DOCTYPE after the XML declaration (the root element's name is kept)."""
    m = re.match(rb"((?:<\?xml[^>]*\?>)?\s*)<([\w:]+)", xml)
    assert m is not None
    return xml[: m.end(1)] + b"<!DOCTYPE " + m.group(2) + b" [" + doctype + b"]>" + xml[m.end(1):]


def add_entity_text(xml: bytes, tag: bytes, ref: bytes) -> bytes:
    """Put an entity reference as text inside the first element `tag` (e.g. b"<w:t>")."""
    at = xml.find(tag)
    assert at >= 0, tag
    end = at + len(tag)
    return xml[:end] + ref + xml[end:]


# -- PDF -------------------------------------------------------------------------------


def pdf_bytes(pages: Sequence[Sequence[str]], *, image_only: bool = False, title: str = "") -> bytes:
    """A minimal, valid PDF written by hand: one Helvetica text line per string, or (image_only)
    a small grey image per page and no text. Deterministic, with a correct xref table."""
    objs: list[bytes] = []

    def add(body: bytes) -> int:
        objs.append(body)
        return len(objs)

    catalog = add(b"")  # filled in below
    pages_id = add(b"")
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    image = 0
    if image_only:
        raw = bytes((x * 7 + y * 3) % 256 for y in range(64) for x in range(64))
        image = add(b"<< /Type /XObject /Subtype /Image /Width 64 /Height 64 /ColorSpace /DeviceGray "
                    b"/BitsPerComponent 8 /Length %d >>\nstream\n" % len(raw) + raw + b"\nendstream")
    kids = []
    for lines in pages:
        if image_only:
            content = b"q 400 0 0 400 100 300 cm /Im0 Do Q"
            res = b"<< /XObject << /Im0 %d 0 R >> >>" % image
        else:
            ops = [b"BT /F1 12 Tf"]
            y = 700
            for i, text in enumerate(lines):
                size = 18 if i == 0 else 12
                esc = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("latin-1")
                ops.append(b"/F1 %d Tf 1 0 0 1 72 %d Tm (%s) Tj" % (size, y, esc))
                y -= 20
            ops.append(b"ET")
            content = b"\n".join(ops)
            res = b"<< /Font << /F1 %d 0 R >> >>" % font
        stream = add(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        kids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources %s /Contents %d 0 R >>"
                        % (pages_id, res, stream)))
    objs[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id
    objs[pages_id - 1] = (b"<< /Type /Pages /Count %d /Kids [" % len(kids)
                          + b" ".join(b"%d 0 R" % k for k in kids) + b"] >>")
    info = add(b"<< /Title (%s) >>" % title.encode("latin-1")) if title else 0
    return layout_pdf(objs, root=catalog, info=info)


def layout_pdf(objs: Sequence[bytes], *, root: int = 1, info: int = 0) -> bytes:
    """Objects 1..n (bodies without `n 0 obj`) laid out with a correct xref and trailer."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    trailer = b"<< /Size %d /Root %d 0 R" % (len(objs) + 1, root) + (b" /Info %d 0 R" % info if info else b"") + b" >>"
    out += b"trailer\n" + trailer + b"\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def text_pdf(n_pages: int = 3, lines: int = 2) -> bytes:
    """A heading (18 pt) and `lines` body lines (12 pt) per page."""
    body = "The system was deployed on the district cloud and ran for three months without incident."
    return pdf_bytes([[f"{i + 1}. Chapter {i + 1} overview"] + [f"{body} Line {k}." for k in range(lines)]
                      for i in range(n_pages)])


def soffice_pdf(tmp: Path, options: str) -> bytes:
    """A PDF exported by LibreOffice from a one-heading DOCX with the given export options (JSON)."""
    import docx

    exe = _soffice()
    assert exe is not None
    d = docx.Document()
    d.add_heading("第一章 项目概述", 1)
    d.add_paragraph("本项目总投资 120 万元。")
    tmp.mkdir(parents=True, exist_ok=True)
    src = tmp / "src.docx"
    d.save(str(src))
    subprocess.run([exe, f"-env:UserInstallation={(tmp / 'prof').as_uri()}", "--headless", "--convert-to",
                    f"pdf:writer_pdf_Export:{options}", "--outdir", str(tmp), str(src)],
                   check=True, capture_output=True, timeout=180, env={**os.environ, "HOME": str(tmp)})
    return (tmp / "src.pdf").read_bytes()


def _soffice() -> str | None:
    import shutil

    return shutil.which("soffice") or shutil.which("libreoffice")


HAS_SOFFICE = _soffice() is not None
needs_soffice = pytest.mark.skipif(not HAS_SOFFICE, reason="LibreOffice (soffice) not installed")
