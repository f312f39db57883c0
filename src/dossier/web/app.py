"""The reviewer's desk: an ASGI app (Starlette) over the check engine.

- `GET /`: the upload page (Chinese); `GET /api/packs`: jurisdictions, stages and facts.
- `POST /api/check`: multipart `file`, `jurisdiction`, `stage`, optional `facts` (YAML or
  JSON text, or `fact.<name>` fields) and `as_of` → the JSON report of `dossier check`.
- `POST /api/jobs` → a job id; `GET /api/jobs/{id}` its state; `GET /jobs/{id}` the report
  page; `GET /jobs/{id}/download/{name}` the 审查意见 (DOCX, PDF), 问题清单 (XLSX), JSON,
  HTML and the annotated copies (zip).

Uploads stream to disk in the request's own folder under a size limit; checks run in a
process pool (bounded: a queue, not a pile-up), the event loop never parses. Errors are
JSON `{"error": 中文说明}` with 400/401/404/413/422; an unexpected failure is a 500 with
the same shape and no traceback. The upload is deleted as soon as its check is over (the
synchronous API deletes everything before answering); a job's downloads live in its
folder until the job expires or the server stops. `keep` copies upload and results to a
folder of the operator's choice."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hmac
import json
import logging
import multiprocessing
import secrets
import shutil
import tempfile
import time
import urllib.parse
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from dossier.errors import DossierError
from dossier.web import work
from dossier.web.upload import Form, UploadError, read_form

log = logging.getLogger("dossier.web")

TOKEN_COOKIE = "dossier_token"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class ServeConfig:
    token: str | None = None
    keep: Path | None = None
    max_upload_mb: float = 200
    workers: int = 2
    """Checks at the same time (worker processes); more uploads wait in a queue."""
    max_uploads: int = 32
    """Uploads streaming at the same time; each holds one chunk in memory."""
    job_ttl_s: float = 3600
    max_jobs: int = 200
    ocr: bool = True
    unit: str = ""
    """审查单位 printed on the 审查意见 when the form leaves it blank."""
    allowed_hosts: tuple[str, ...] = ()
    """Host headers to answer (empty: any). A localhost server without a token sets the
    loopback names, so a web page that rebinds its own name to 127.0.0.1 gets nothing."""

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)


class ApiError(Exception):
    def __init__(self, status: int, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.status, self.message, self.detail = status, message, detail


def error_response(status: int, message: str, detail: str = "") -> JSONResponse:
    body: dict[str, Any] = {"error": message, "status": status}
    if detail:
        body["detail"] = detail
    return JSONResponse(body, status_code=status)


@dataclass
class Job:
    id: str
    folder: Path
    upload_name: str
    jurisdiction: str
    stage: str
    unit: str
    created: float = field(default_factory=time.time)
    state: str = "queued"
    """queued → checking → done | failed"""
    started: float | None = None
    finished: float | None = None
    report: dict[str, Any] | None = None
    error: ApiError | None = None
    cache: dict[str, bytes] = field(default_factory=dict)

    def public(self) -> dict[str, Any]:
        now = self.finished or time.time()
        d: dict[str, Any] = {
            "id": self.id, "state": self.state, "file": self.upload_name,
            "jurisdiction": self.jurisdiction, "stage": self.stage,
            "waited_s": round((self.started or now) - self.created, 1),
            "elapsed_s": round(now - (self.started or now), 1),
            "label": {"queued": "排队等待中", "checking": "正在检查", "done": "检查完成",
                      "failed": "检查失败"}[self.state],
        }
        if self.state == "done":
            d["report_url"] = f"/jobs/{self.id}"
            d["summary"] = (self.report or {}).get("summary")
        if self.error is not None:
            d["error"] = self.error.message
            if self.error.detail:
                d["detail"] = self.error.detail
        return d


# -- the service ----------------------------------------------------------------------

class Desk:
    """State shared by the routes: config, the worker pool, the jobs."""

    def __init__(self, config: ServeConfig, executor: Executor | None = None) -> None:
        self.config = config
        self._executor = executor
        self._own_executor = executor is None
        self.uploads = asyncio.Semaphore(max(1, config.max_uploads))
        self.jobs: dict[str, Job] = {}
        self.root = Path(tempfile.mkdtemp(prefix="dossier-serve-"))
        self.tasks: set[asyncio.Task[None]] = set()

    @property
    def executor(self) -> Executor:
        if self._executor is None:
            # spawn: a fresh interpreter per worker, nothing inherited from the event loop's threads.
            self._executor = ProcessPoolExecutor(max_workers=max(1, self.config.workers),
                                                 mp_context=multiprocessing.get_context("spawn"))
        return self._executor

    async def close(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        if self._executor is not None and self._own_executor:
            await asyncio.to_thread(_stop_pool, self._executor)
        shutil.rmtree(self.root, ignore_errors=True)

    def new_folder(self) -> Path:
        folder = Path(tempfile.mkdtemp(prefix="req-", dir=self.root))
        (folder / "upload").mkdir()
        return folder

    def expire(self) -> None:
        """Forget finished jobs past their time, and the oldest beyond max_jobs."""
        now = time.time()
        done = [j for j in self.jobs.values() if j.state in ("done", "failed")]
        old = {j.id for j in done if now - (j.finished or now) > self.config.job_ttl_s}
        overflow = len(self.jobs) - len(old) - self.config.max_jobs
        if overflow > 0:
            old |= {j.id for j in sorted(done, key=lambda j: j.created)[:overflow]}
        for jid in old:
            job = self.jobs.pop(jid)
            shutil.rmtree(job.folder, ignore_errors=True)

    async def receive_upload(self, request: Request, folder: Path) -> Form:
        async with self.uploads:
            try:
                return await read_form(request.headers, request.stream(), folder / "upload",
                                       self.config.max_upload_bytes)
            except UploadError as exc:
                raise ApiError(exc.status, exc.message) from None

    async def run_check(self, params: CheckParams, keep_id: str) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        call = partial(work.check_job, str(params.input), str(params.folder), params.jurisdiction,
                       params.stage, params.facts, params.as_of, self.config.ocr)
        try:
            return await loop.run_in_executor(self.executor, call)
        except DossierError as exc:
            raise ApiError(422, "送审材料无法检查", str(exc)) from None
        except BrokenProcessPool:
            # A worker died (killed for memory, crashed in a native library): the pool is
            # unusable from now on, so the next check gets a fresh one.
            if self._own_executor:
                broken, self._executor = self._executor, None
                if broken is not None:
                    broken.shutdown(wait=False, cancel_futures=True)
            raise ApiError(422, "检查进程意外退出，送审材料可能过大或已损坏", params.upload_name) from None
        finally:
            # The upload is the user's: it does not outlive its check (unless the operator keeps it).
            if self.config.keep is not None and params.input.is_file():
                with contextlib.suppress(OSError):
                    dest = self.config.keep / keep_id
                    dest.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(params.input, dest / params.input.name)
            shutil.rmtree(params.folder / "upload", ignore_errors=True)

    def keep(self, job_id: str, params: CheckParams, report: dict[str, Any] | None) -> None:
        if self.config.keep is None:
            return
        dest = self.config.keep / job_id
        dest.mkdir(parents=True, exist_ok=True)
        if report is not None:
            (dest / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), "utf-8")
        ann = params.folder / work.ANNOTATED_ZIP
        if ann.is_file():
            shutil.copy2(ann, dest / "批注版.zip")


def _stop_pool(executor: Executor, grace_s: float = 10) -> None:
    """Stop the worker processes: queued checks are cancelled, a running one gets `grace_s`
    to finish, then it is terminated, so no worker outlives the server."""
    procs = list(getattr(executor, "_processes", None) or {})
    handles = [executor._processes[pid] for pid in procs] if procs else []  # type: ignore[attr-defined]
    executor.shutdown(wait=False, cancel_futures=True)
    deadline = time.monotonic() + grace_s
    for proc in handles:
        proc.join(max(0.0, deadline - time.monotonic()))
        if proc.is_alive():
            proc.terminate()
            proc.join(5)


@dataclass(frozen=True)
class CheckParams:
    folder: Path
    input: Path
    upload_name: str
    jurisdiction: str
    stage: str
    facts: dict[str, Any]
    as_of: str | None
    unit: str


def _params(form: Form, folder: Path) -> CheckParams:
    """Validate the form before anything is queued: 400 for a missing part, 422 for values."""
    from dossier.packs import load_pack, pack_ids

    upload = form.file("file")
    if upload is None:
        raise ApiError(400, "缺少上传文件（表单字段 file）")
    if upload.size == 0:
        raise ApiError(422, "上传的文件是空的", upload.filename)
    jurisdiction = form.fields.get("jurisdiction", "").strip()
    stage = form.fields.get("stage", "").strip()
    if not jurisdiction or not stage:
        raise ApiError(400, "请选择地区（jurisdiction）和阶段（stage）")
    if jurisdiction not in pack_ids():
        raise ApiError(422, f"未知的地区：{jurisdiction}", f"可选：{', '.join(pack_ids())}")
    pack = load_pack(jurisdiction)
    try:
        pack.stage(stage)
    except KeyError:
        raise ApiError(422, f"{pack.jurisdiction}没有“{stage}”阶段",
                       f"可选：{', '.join(s.id for s in pack.stages)}") from None
    as_of = form.fields.get("as_of", "").strip() or None
    if as_of:
        try:
            dt.date.fromisoformat(as_of)
        except ValueError:
            raise ApiError(422, f"审查日期格式有误：{as_of}（应为 YYYY-MM-DD）") from None
    try:
        facts = work.parse_facts(form.fields.get("facts", ""), form.fields, jurisdiction)
    except DossierError as exc:
        raise ApiError(422, "项目事实有误", str(exc)) from None
    from dossier.facts import to_jsonable

    return CheckParams(folder, upload.path, upload.filename, jurisdiction, stage,
                       {k: to_jsonable(v) for k, v in facts.items()}, as_of,
                       form.fields.get("unit", "").strip()[:100])


# -- routes ---------------------------------------------------------------------------

def _desk(request: Request) -> Desk:
    desk: Desk = request.app.state.desk
    return desk


async def index(request: Request) -> Response:
    from dossier.web.pages import index_page

    return HTMLResponse(index_page(token_required=_desk(request).config.token is not None))


async def packs(request: Request) -> Response:
    from dossier.web.pages import pack_choices

    return JSONResponse(pack_choices())


async def api_check(request: Request) -> Response:
    """Synchronous: the JSON report in the response; nothing of the request is kept."""
    desk = _desk(request)
    folder = desk.new_folder()
    try:
        form = await desk.receive_upload(request, folder)
        params = _params(form, folder)
        keep_id = f"api-{folder.name}"
        report = await desk.run_check(params, keep_id)
        desk.keep(keep_id, params, report)
        return JSONResponse(report)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


async def api_job_create(request: Request) -> Response:
    desk = _desk(request)
    desk.expire()
    folder = desk.new_folder()
    try:
        form = await desk.receive_upload(request, folder)
        params = _params(form, folder)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    job = Job(secrets.token_urlsafe(12), folder, params.upload_name, params.jurisdiction, params.stage,
              params.unit)
    desk.jobs[job.id] = job
    task = asyncio.create_task(_run_job(desk, job, params))
    desk.tasks.add(task)
    task.add_done_callback(desk.tasks.discard)
    return JSONResponse({**job.public(), "status_url": f"/api/jobs/{job.id}"}, status_code=202)


async def _run_job(desk: Desk, job: Job, params: CheckParams) -> None:
    job.state, job.started = "checking", time.time()
    try:
        job.report = await desk.run_check(params, job.id)
        job.state = "done"
    except ApiError as exc:
        job.error, job.state = exc, "failed"
    except Exception as exc:  # a bug must still end the job with a message, not hang the page
        log.exception("job %s failed", job.id)
        job.error, job.state = ApiError(500, "服务器内部错误", type(exc).__name__), "failed"
    finally:
        job.finished = time.time()
        with contextlib.suppress(OSError):
            desk.keep(job.id, params, job.report)


def _job(request: Request) -> Job:
    job = _desk(request).jobs.get(request.path_params["job_id"])
    if job is None:
        raise ApiError(404, "没有这个检查任务（可能已过期）")
    return job


async def api_job(request: Request) -> Response:
    return JSONResponse(_job(request).public())


async def api_job_report(request: Request) -> Response:
    job = _job(request)
    if job.report is None:
        raise ApiError(409 if job.state != "failed" else 422, job.error.message if job.error else "检查尚未完成")
    return JSONResponse(job.report)


async def job_page(request: Request) -> Response:
    from dossier.web.pages import progress_page, report_page

    job = _job(request)
    if job.report is None:
        return HTMLResponse(progress_page(job.public()))
    return HTMLResponse(report_page(job.report, job.id, work.annotated_count(job.folder)))


async def download(request: Request) -> Response:
    desk = _desk(request)
    job = _job(request)
    name = request.path_params["name"]
    if name not in work.DOWNLOADS:
        raise ApiError(404, f"没有这种下载：{name}")
    if job.report is None:
        raise ApiError(409, "检查尚未完成")
    kind, media = work.DOWNLOADS[name]
    if name not in job.cache:
        loop = asyncio.get_running_loop()
        unit = job.unit or desk.config.unit
        try:
            # Rendering (and LibreOffice for the PDF) off the event loop, in a thread.
            data = await loop.run_in_executor(None, work.render_download, job.report, kind, job.folder, unit)
        except DossierError as exc:
            raise ApiError(422, "无法生成该文件", str(exc)) from None
        if kind != "annotated":  # that one is on disk already; the others are small
            job.cache[name] = data
    else:
        data = job.cache[name]
    stem = _download_stem(job)
    filename = f"{stem}-{name}" if kind != "json" else f"{stem}-report.json"
    quoted = urllib.parse.quote(filename)
    return Response(data, media_type=media, headers={
        "Content-Disposition": f"attachment; filename=\"report.{name.rsplit('.', 1)[-1]}\"; "
                               f"filename*=UTF-8''{quoted}"})


def _download_stem(job: Job) -> str:
    stem = job.upload_name.rsplit(".", 1)[0] if "." in job.upload_name else job.upload_name
    return stem[:80] or "dossier"


async def healthz(request: Request) -> Response:
    return JSONResponse({"ok": True})


# -- errors and the token -------------------------------------------------------------

async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.message, exc.detail)


async def _internal_error(request: Request, exc: Exception) -> Response:
    log.exception("internal error on %s", request.url.path, exc_info=exc)
    return error_response(500, "服务器内部错误", type(exc).__name__)


async def _not_found(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 404)
    return error_response(status, "没有这个页面" if status == 404 else "请求方法不被允许")


class TokenGate:
    """Every request must carry the token: `Authorization: Bearer T`, `X-Dossier-Token: T`
    or the cookie set by visiting `/?token=T` (which then redirects to a clean URL)."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token.encode()

    def _ok(self, value: str | None) -> bool:
        return bool(value) and hmac.compare_digest((value or "").encode(), self.token)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        auth = request.headers.get("authorization", "")
        bearer = auth[7:].strip() if auth.lower().startswith("bearer ") else None
        if self._ok(bearer) or self._ok(request.headers.get("x-dossier-token")) \
                or self._ok(request.cookies.get(TOKEN_COOKIE)):
            await self.app(scope, receive, send)
            return
        given = request.query_params.get("token")
        if request.url.path == "/" and self._ok(given):
            response: Response = RedirectResponse("/", status_code=303)
            response.set_cookie(TOKEN_COOKIE, given or "", httponly=True, samesite="strict",
                                secure=request.url.scheme == "https")
        elif request.url.path == "/healthz":
            response = JSONResponse({"ok": True})
        else:
            response = error_response(401, "需要访问令牌：请打开 /?token=令牌，或在请求头中提供 "
                                           "Authorization: Bearer 令牌")
        await response(scope, receive, send)


def create_app(config: ServeConfig = ServeConfig(), executor: Executor | None = None) -> ASGIApp:
    desk_holder: MutableMapping[str, Desk] = {}

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        desk = Desk(config, executor)
        app.state.desk = desk
        desk_holder["desk"] = desk
        try:
            yield
        finally:
            await desk.close()

    handlers: dict[Any, Callable[[Request, Exception], Awaitable[Response]]] = {
        ApiError: _api_error, 404: _not_found, 405: _not_found, Exception: _internal_error,
    }
    app = Starlette(
        routes=[
            Route("/", index),
            Route("/healthz", healthz),
            Route("/api/packs", packs),
            Route("/api/check", api_check, methods=["POST"]),
            Route("/api/jobs", api_job_create, methods=["POST"]),
            Route("/api/jobs/{job_id}", api_job),
            Route("/api/jobs/{job_id}/report.json", api_job_report),
            Route("/jobs/{job_id}", job_page),
            Route("/jobs/{job_id}/download/{name}", download),
        ],
        exception_handlers=handlers,
        lifespan=lifespan,
    )
    wrapped: ASGIApp = app
    if config.allowed_hosts:
        wrapped = TrustedHostMiddleware(wrapped, allowed_hosts=list(config.allowed_hosts))
    if config.token:
        wrapped = TokenGate(wrapped, config.token)
    return wrapped
