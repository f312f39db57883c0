"""The web desk through its HTTP API (Starlette's TestClient, the real app with its
worker process pool): the same findings as `dossier check`, clear JSON errors, limits,
the token, downloads and no leftovers."""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from starlette.testclient import TestClient

from dossier.web.app import ServeConfig, create_app

REPO = Path(__file__).resolve().parents[2]
GAPS = REPO / "corpus" / "dossiers" / "yongchuan-final-acceptance-gaps" / "dossier.zip"
FORM = {"jurisdiction": "yongchuan", "stage": "final-acceptance", "as_of": "2026-12-01"}


def key(f: dict[str, Any]) -> tuple[str, str, str]:
    return (f["code"], f["requirement"], json.dumps(f.get("location", {}), sort_keys=True, ensure_ascii=False))


@pytest.fixture(scope="module")
def cli_report() -> dict[str, Any]:
    import datetime as dt

    from dossier.check.engine import CheckOptions, check_path
    from dossier.packs import load_pack

    return check_path(GAPS, load_pack("yongchuan"), "final-acceptance", {},
                      CheckOptions(ocr=False, as_of=dt.date(2026, 12, 1))).to_json()


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(ServeConfig(workers=1, ocr=False, max_upload_mb=20)),
                    raise_server_exceptions=False) as c:
        yield c


def post_gaps(client: TestClient, url: str = "/api/check", **fields: str) -> Any:
    with GAPS.open("rb") as fh:
        return client.post(url, data={**FORM, **fields}, files={"file": ("dossier.zip", fh, "application/zip")})


def leftovers(client: TestClient) -> list[Path]:
    desk = client.app.state.desk  # type: ignore[attr-defined]
    return [p for p in desk.root.iterdir() if not any(j.folder == p for j in desk.jobs.values())]


def test_api_check_gives_the_cli_findings(client: TestClient, cli_report: dict[str, Any]) -> None:
    r = post_gaps(client)
    assert r.status_code == 200, r.text
    report = r.json()
    assert sorted(map(key, report["findings"])) == sorted(map(key, cli_report["findings"]))
    assert report["summary"] == cli_report["summary"]
    assert report["input"] == "dossier.zip"
    assert leftovers(client) == []


def test_facts_from_form_fields_and_from_yaml(client: TestClient) -> None:
    by_form = post_gaps(client, **{"fact.supervised": "是", "fact.investment": "386.5"}).json()
    by_yaml = post_gaps(client, facts="supervised: true\ninvestment: 386.5\n").json()
    by_json = post_gaps(client, facts='{"supervised": true, "investment": 386.5}').json()
    status = {m["id"]: m["status"] for m in by_form["materials"]}
    assert status["supervision-report"] == "missing"
    assert sorted(map(key, by_form["findings"])) == sorted(map(key, by_yaml["findings"])) \
        == sorted(map(key, by_json["findings"]))


@pytest.mark.parametrize(("fields", "status", "words"), [
    ({"jurisdiction": "atlantis"}, 422, "未知的地区"),
    ({"stage": "launch"}, 422, "没有“launch”阶段"),
    ({"stage": ""}, 400, "请选择"),
    ({"facts": "supervised: [1, 2"}, 422, "项目事实有误"),
    ({"facts": "budget: 5"}, 422, "项目事实有误"),
    ({"fact.supervised": "也许"}, 422, "项目事实有误"),
    ({"as_of": "2026-13-01"}, 422, "审查日期格式有误"),
])
def test_bad_fields_are_json_errors_in_chinese(client: TestClient, fields: dict[str, str], status: int,
                                               words: str) -> None:
    r = post_gaps(client, **fields)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    assert words in r.json()["error"]
    assert "Traceback" not in r.text
    assert leftovers(client) == []


def test_missing_file_empty_file_and_not_multipart(client: TestClient) -> None:
    r = client.post("/api/check", data=FORM, files={"note": (None, "no file here")})
    assert (r.status_code, r.json()["error"]) == (400, "缺少上传文件（表单字段 file）")
    r = client.post("/api/check", data=FORM, files={"file": ("a.zip", b"", "application/zip")})
    assert r.status_code == 422 and "空" in r.json()["error"]
    for r in (client.post("/api/check", json=FORM), client.post("/api/check", data=FORM)):
        assert r.status_code == 400 and "multipart" in r.json()["error"]
    assert client.get("/api/nothing").status_code == 404
    assert client.get("/api/jobs/nope").json()["error"].startswith("没有这个检查任务")


def test_a_broken_zip_is_a_report_not_a_crash(client: TestClient) -> None:
    r = client.post("/api/check", data=FORM, files={"file": ("材料.zip", b"PK\x03\x04broken" * 50, "application/zip")})
    assert r.status_code in (200, 422), r.text
    body = r.json()
    if r.status_code == 200:
        assert any(f["code"].startswith("DOS-P") for f in body["findings"])
    else:
        assert body["error"]


def test_oversize_upload_is_refused_while_streaming(tmp_path: Path) -> None:
    import asyncio

    from dossier.web.upload import UploadError, read_form

    pulled = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal pulled
        yield b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="big.zip"\r\n\r\n'
        for _ in range(64):  # 64 MB offered; the limit is 1 MB
            pulled += 1
            yield b"\0" * (1024 * 1024)
        yield b"\r\n--xyz--\r\n"

    headers = {"content-type": "multipart/form-data; boundary=xyz"}
    with pytest.raises(UploadError) as caught:
        asyncio.run(read_form(headers, body(), tmp_path, 1024 * 1024))
    assert caught.value.status == 413
    assert pulled <= 2  # refused on the way in, not after reading everything
    assert sum(p.stat().st_size for p in tmp_path.iterdir()) <= 1024 * 1024

    with TestClient(create_app(ServeConfig(workers=1, max_upload_mb=1)), raise_server_exceptions=False) as c:
        big = b"\0" * (2 * 1024 * 1024)
        r = c.post("/api/check", data=FORM, files={"file": ("big.zip", big, "application/zip")})
        assert r.status_code == 413
        assert "上传文件过大" in r.json()["error"]
        assert list(c.app.state.desk.root.iterdir()) == []  # type: ignore[attr-defined]


def wait_done(client: TestClient, job: dict[str, Any], timeout: float = 180) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = client.get(job["status_url"]).json()
        if state["state"] in ("done", "failed"):
            return state
        time.sleep(0.3)
    raise AssertionError("job did not finish")


def test_job_page_and_downloads(client: TestClient, cli_report: dict[str, Any]) -> None:
    r = post_gaps(client, "/api/jobs", unit="永川区大数据发展局")
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["state"] in ("queued", "checking")
    state = wait_done(client, job)
    assert state["state"] == "done", state
    page = client.get(state["report_url"]).text
    assert "重庆市永川区 · 终验投用" in page and "如何整改" in page
    for href in ("审查意见.docx", "问题清单.xlsx", "report.json", "批注版.zip"):
        assert f"/download/{href}" in page
    base = f"/jobs/{job['id']}/download/"

    report = client.get(base + "report.json").json()
    assert sorted(map(key, report["findings"])) == sorted(map(key, cli_report["findings"]))

    opinion = client.get(base + "审查意见.docx")
    assert opinion.headers["content-disposition"].startswith("attachment;")
    texts = [p.text for p in docx.Document(io.BytesIO(opinion.content)).paragraphs if p.text]
    assert texts[-2:] == ["审查单位：永川区大数据发展局", "2026年12月1日"]

    sheet = openpyxl.load_workbook(io.BytesIO(client.get(base + "问题清单.xlsx").content))["问题清单"]
    assert sheet.max_row == 1 + len(cli_report["findings"])

    with zipfile.ZipFile(io.BytesIO(client.get(base + "批注版.zip").content)) as zf:
        names = zf.namelist()
        assert "永川区智慧城管平台建设项目（终验投用材料）/终验投用申请书.docx" in names
        located = [f for f in cli_report["findings"]
                   if f["location"].get("file", "").endswith("/终验投用申请书.docx")]
        annotated = docx.Document(io.BytesIO(zf.read("永川区智慧城管平台建设项目（终验投用材料）/终验投用申请书.docx")))
        assert len(annotated.comments) == len(located) > 0
    assert client.get(base + "nothing.txt").status_code == 404
    # the upload is gone; only the job's own results remain
    desk = client.app.state.desk  # type: ignore[attr-defined]
    assert not (desk.jobs[job["id"]].folder / "upload").exists()


def test_token_is_required_beyond_the_header_cookie_or_query() -> None:
    with TestClient(create_app(ServeConfig(token="s3cret", workers=1)), raise_server_exceptions=False) as c:
        r = c.get("/api/packs")
        assert r.status_code == 401 and "令牌" in r.json()["error"]
        assert c.get("/api/packs", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/api/packs", headers={"Authorization": "Bearer s3cret"}).status_code == 200
        assert c.get("/api/packs", headers={"X-Dossier-Token": "s3cret"}).status_code == 200
        r = c.get("/?token=s3cret", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/"
        assert "httponly" in r.headers["set-cookie"].lower()
        assert c.get("/").status_code == 200  # the client kept the cookie
        c.cookies.clear()
        assert c.get("/").status_code == 401


def test_index_page_offers_chinese_names(client: TestClient) -> None:
    page = client.get("/").text
    assert "重庆市永川区" in page and "终验投用" in page and "上海市青浦区" in page
    packs = client.get("/api/packs").json()
    yc = next(p for p in packs if p["id"] == "yongchuan")
    assert {"id": "final-acceptance", "name": "终验投用"} in yc["stages"]
    cat = next(f for f in yc["facts"] if f["name"] == "category")
    assert cat["values"][0] == {"value": "construction", "label": "建设类"}


def test_serve_refuses_a_public_address_without_a_token() -> None:
    from typer.testing import CliRunner

    from dossier.cli import app

    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0", "--port", "0"])
    assert result.exit_code == 2
    assert "--token" in result.output


def test_keep_folder_holds_upload_report_and_copies(tmp_path: Path) -> None:
    with TestClient(create_app(ServeConfig(workers=1, ocr=False, keep=tmp_path)),
                    raise_server_exceptions=False) as c:
        assert post_gaps(c).status_code == 200
        assert list(c.app.state.desk.root.iterdir()) == []  # type: ignore[attr-defined]
    (kept,) = tmp_path.iterdir()
    assert sorted(p.name for p in kept.iterdir()) == ["dossier.zip", "report.json", "批注版.zip"]
    assert (kept / "dossier.zip").read_bytes() == GAPS.read_bytes()


def test_a_dead_worker_is_a_json_error_and_the_next_check_works(tmp_path: Path) -> None:
    import os
    import signal

    with TestClient(create_app(ServeConfig(workers=1, ocr=False)), raise_server_exceptions=False) as c:
        assert post_gaps(c).status_code == 200  # the pool is up
        desk = c.app.state.desk  # type: ignore[attr-defined]
        for pid in list(desk.executor._processes):  # a worker killed as the OOM killer would
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.5)
        r = post_gaps(c)
        assert r.status_code == 422 and "检查进程意外退出" in r.json()["error"]
        assert post_gaps(c).status_code == 200


def test_only_loopback_host_names_are_answered_when_configured() -> None:
    config = ServeConfig(workers=1, allowed_hosts=("127.0.0.1", "localhost"))
    with TestClient(create_app(config), base_url="http://127.0.0.1:8000") as c:
        assert c.get("/healthz").status_code == 200
        assert c.get("/healthz", headers={"host": "evil.example"}).status_code == 400
