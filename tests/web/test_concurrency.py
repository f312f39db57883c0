"""Twenty uploads at once against a running `dossier serve`: all complete with the same
findings, the server process does not hold the bodies in memory (they stream to disk),
and nothing of the requests is left behind."""

from __future__ import annotations

import io
import json
import os
import threading
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
