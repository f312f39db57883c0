"""Twenty uploads at once against a running `dossier serve`: all complete with the same
findings, the server process does not hold the bodies in memory (they stream to disk),
and nothing of the requests is left behind."""

from __future__ import annotations

import contextlib
import io
import json
import os
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import docx
import httpx
import psutil

PADDING = 4 * 1024 * 1024
UPLOADS = 20


def small_dossier() -> bytes:
    d = docx.Document()
    d.add_heading("永川区政务信息化项目终验投用申请书", level=0)
    for title in ("一、项目概述", "二、项目建设情况", "三、项目试运行情况"):
        d.add_heading(title, level=1)
        d.add_paragraph("本项目按计划完成建设任务。")
    buf = io.BytesIO()
    d.save(buf)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("材料/终验投用申请书.docx", buf.getvalue())
        zf.writestr("材料/附件.bin", os.urandom(PADDING))  # incompressible: the body really is this big
    return out.getvalue()


def keys(report: dict[str, Any], upload: str) -> list[tuple[str, str, str]]:
    """Findings by (code, requirement, location), the upload's own name taken out."""
    return sorted((f["code"], f["requirement"],
                   json.dumps(f.get("location", {}), sort_keys=True, ensure_ascii=False).replace(upload, "*"))
                  for f in report["findings"])


def test_twenty_concurrent_uploads(server: Any) -> None:
    body = small_dossier()
    form = {"jurisdiction": "yongchuan", "stage": "final-acceptance", "as_of": "2026-12-01"}

    def upload(i: int) -> httpx.Response:
        with httpx.Client(timeout=600) as c:
            return c.post(server.base + "/api/check", data=form,
                          files={"file": (f"材料{i}.zip", body, "application/zip")})

    first = upload(0)  # warm: packs loaded, workers started
    assert first.status_code == 200, first.text
    proc = psutil.Process(server.proc.pid)
    base_rss = proc.memory_info().rss
    peak = [base_rss]
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(0.05):
            peak[0] = max(peak[0], proc.memory_info().rss)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        with ThreadPoolExecutor(UPLOADS) as pool:
            responses = list(pool.map(upload, range(1, UPLOADS + 1)))
    finally:
        stop.set()
        watcher.join()
    assert [r.status_code for r in responses] == [200] * UPLOADS
    expected = keys(first.json(), "材料0.zip")
    assert len(expected) >= 3
    for i, r in enumerate(responses, start=1):
        assert keys(r.json(), f"材料{i}.zip") == expected
    # The event-loop process streamed 80 MB of uploads to disk; holding them would cost
    # at least that much. Its growth stays well below one half of it.
    growth = peak[0] - base_rss
    print(f"{UPLOADS} uploads of {len(body) / 2**20:.1f} MB: server RSS grew {growth / 2**20:.1f} MB")
    assert growth < UPLOADS * PADDING / 2, f"server grew by {growth / 2**20:.0f} MB"


def test_stopping_the_server_stops_its_workers(tmp_path: Any) -> None:
    """Even with a check in flight: no worker process outlives the server."""
    import signal

    from tests.web.conftest import REPO, running_server

    gaps = (REPO / "corpus" / "dossiers" / "yongchuan-final-acceptance-gaps" / "dossier.zip").read_bytes()
    form = {"jurisdiction": "yongchuan", "stage": "final-acceptance"}
    with running_server(tmp_path / "serve.log") as s:
        with httpx.Client(timeout=600) as c:
            assert c.post(s.base + "/api/check", data=form,
                          files={"file": ("材料.zip", small_dossier(), "application/zip")}).status_code == 200
        children = psutil.Process(s.proc.pid).children(recursive=True)
        assert children  # the worker pool

        def late() -> None:
            with contextlib.suppress(httpx.HTTPError), httpx.Client(timeout=600) as c:
                c.post(s.base + "/api/check", data=form, files={"file": ("dossier.zip", gaps, "application/zip")})

        inflight = threading.Thread(target=late, daemon=True)
        inflight.start()
        time.sleep(1.5)  # the upload is in, its check has started
        s.proc.send_signal(signal.SIGTERM)
        s.proc.wait(timeout=60)
        inflight.join(60)
    gone, alive = psutil.wait_procs(children, timeout=30)
    assert alive == []
