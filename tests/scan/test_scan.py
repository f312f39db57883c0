from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from scan_helpers import FINAL, make_dossier, write_docx

import dossier.scan.discover as discover_module
from dossier.check.classify import Evidence
from dossier.packs import load_pack
from dossier.scan import ScanOptions, portfolio, scan_archive
from dossier.scan.cache import ScanCache
from dossier.scan.discover import ManifestError, discover
from dossier.scan.infer import infer_jurisdiction, infer_stage, place_names
from dossier.scan.versions import parser_version
from dossier.scan.work import Settings

REPO = Path(__file__).resolve().parents[2]


def _inline(out: Path, **kw: object) -> ScanOptions:
    settings = kw.pop("settings", Settings())
    return ScanOptions(out=out, settings=settings, executor="inline", progress=False, **kw)  # type: ignore[arg-type]


def _jsonl(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "findings.jsonl").read_text(encoding="utf-8").splitlines()]


def _codes(report: dict) -> list[tuple[str, str, str]]:
    return sorted((f["code"], f["requirement"], f["location"].get("file", "")) for f in report["findings"])


# -- discovery ----------------------------------------------------------------------------------


def test_discover_folders_zips_and_manifest(tmp_path: Path) -> None:
    root = tmp_path / "root"
    make_dossier(root / "甲", 1)
    make_dossier(root / "乙", 2)
    (root / ".hidden").mkdir()
    (root / "notes.txt").write_text("not a dossier", encoding="utf-8")
    with zipfile.ZipFile(root / "丙.zip", "w") as zf:
        zf.writestr("丙/01_项目建设报告.docx", (root / "甲" / "01_项目建设报告.docx").read_bytes())
    with zipfile.ZipFile(root / "甲.zip", "w") as zf:  # same stem as a folder: keeps its full name
        zf.writestr("x.docx", b"x")
    out = root / "out"
    out.mkdir()
    specs = discover(root, exclude=[out])
    assert [s.id for s in specs] == ["丙", "乙", "甲", "甲.zip"]
    assert specs[0].path == root / "丙.zip" and specs[0].jurisdiction is None

    manifest = tmp_path / "m.csv"
    manifest.write_text("path,jurisdiction,stage,facts\n甲,yongchuan,final-acceptance,f/甲.yaml\n丙.zip,auto,,\n",
                        encoding="utf-8")
    m = discover(root, manifest=manifest)
    assert [(s.id, s.jurisdiction, s.stage) for s in m] == [("丙", None, None), ("甲", "yongchuan", "final-acceptance")]
    assert m[1].facts == root / "f" / "甲.yaml" and m[0].facts is None

    (tmp_path / "bad.csv").write_text("folder\n甲\n", encoding="utf-8")
    with pytest.raises(ManifestError, match="path"):
        discover(root, manifest=tmp_path / "bad.csv")
    (tmp_path / "dup.csv").write_text("path\n甲\n甲/\n", encoding="utf-8")
    with pytest.raises(ManifestError, match="twice"):
        discover(root, manifest=tmp_path / "dup.csv")


# -- inference ----------------------------------------------------------------------------------


def _ev(*titles: str) -> list[Evidence]:
    return [Evidence(f"{i:02d}_{t}", t, "") for i, t in enumerate(titles)]


def test_infer_jurisdiction_and_stage() -> None:
    packs = [load_pack(p) for p in ("guangzhou", "lianping", "qingpu", "wuhan", "yongchuan")]
    yc = load_pack("yongchuan")
    assert "永川" in place_names(yc) and "永川区" in place_names(yc)
    found = infer_jurisdiction(packs, _ev(*FINAL))
    assert found.value == "yongchuan", found.reason
    assert infer_jurisdiction(packs, _ev("会议纪要", "照片")).value is None
    assert infer_stage(yc, _ev(*FINAL)).value == "final-acceptance"
    application = [m.title for m in yc.stage("application").materials]
    assert infer_stage(yc, _ev(*application)).value == "application"
    assert infer_stage(yc, _ev("会议纪要")).value is None


# -- the scan -----------------------------------------------------------------------------------


def test_rescan_parses_only_what_changed(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = scan_archive(archive, _inline(out))
    assert (first.dossiers, first.checked, first.parses, first.failed) == (3, 3, 12, 0)
    reports = _jsonl(out)
    assert [r["scan"]["dossier"] for r in reports] == ["项目0", "项目1", "项目2"]
    assert all((r["jurisdiction"], r["stage"]) == ("yongchuan", "final-acceptance") for r in reports)
    assert all(r["scan"]["stage_source"] == "inferred" for r in reports)

    again = scan_archive(archive, _inline(out))
    assert (again.checked, again.parses) == (0, 0)
    assert _jsonl(out) == reports

    write_docx(archive / "项目1" / "01_项目建设报告.docx", "项目建设报告", ("改过的内容。",))
    changed = scan_archive(archive, _inline(out))
    assert (changed.checked, changed.parses) == (1, 1)

    # A new dossier made of known files is checked, but none of its files is parsed again.
    shutil.copytree(archive / "项目0", archive / "项目9")
    (archive / "项目9" / "facts.yaml").write_text("jurisdiction: yongchuan\nstage: final-acceptance\nsupervised: true\n",
                                                  encoding="utf-8")
    copied = scan_archive(archive, _inline(out))
    assert (copied.dossiers, copied.checked, copied.parses) == (4, 1, 0)
    r9 = _jsonl(out)[-1]
    assert r9["scan"]["jurisdiction_source"] == "facts" and r9["scan"]["stage_source"] == "facts"
    assert r9["facts"]["supervised"]["source"] == "given"
    assert not any(f["path"].endswith("facts.yaml") for f in r9["files"])
    con = sqlite3.connect(out / "cache.sqlite")
    assert con.execute("SELECT count(*) FROM dossiers").fetchone() == (4,)
    assert con.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_warm_rescan_reads_no_file_but_sees_every_edit(archive: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    scan_archive(archive, _inline(out))
    hashed: list[str] = []
    real = discover_module._sha256_file
    monkeypatch.setattr(discover_module, "_sha256_file", lambda p: hashed.append(Path(p).name) or real(p))
    again = scan_archive(archive, _inline(out))
    assert (again.checked, hashed) == (0, [])
    # Same size, mtime put back: the ctime still moves, so the file is read and the dossier re-checked.
    target = archive / "项目1" / "01_项目建设报告.docx"
    data = bytearray(target.read_bytes())
    st = target.stat()
    data[-30] ^= 0xFF  # inside the zip's central directory comment-free tail: same length
    target.write_bytes(bytes(data))
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert target.stat().st_mtime_ns == st.st_mtime_ns and target.stat().st_size == st.st_size
    edited = scan_archive(archive, _inline(out))
    assert hashed == ["01_项目建设报告.docx"]
    assert edited.checked == 1
    # A dossier taken out of the archive takes its files' digests out of the cache.
    shutil.rmtree(archive / "项目2")
    scan_archive(archive, _inline(out))
    con = sqlite3.connect(out / "cache.sqlite")
    paths = [p for (p,) in con.execute("SELECT path FROM digests")]
    con.close()
    assert paths and not any("项目2" in p for p in paths)


def test_portfolio_outputs(archive: Path, tmp_path: Path) -> None:
    (archive / "项目2" / "03_初验试用报告.docx").unlink()
    out = tmp_path / "out"
    scan_archive(archive, _inline(out))
    wb = load_workbook(out / "portfolio.xlsx")
    assert wb.sheetnames == ["概况", "问题", "材料矩阵"]
    overview = list(wb["概况"].iter_rows(values_only=True))
    assert [r[0] for r in overview[1:]] == ["项目0", "项目1", "项目2"]
    findings = list(wb["问题"].iter_rows(values_only=True))
    assert len(findings) - 1 == sum(len(r["findings"]) for r in _jsonl(out))
    matrix = list(wb["材料矩阵"].iter_rows(values_only=True))
    col = matrix[0].index("初验试用报告")
    assert [r[col] for r in matrix[1:]] == ["已提供", "已提供", "缺失"]
    html = (out / "dashboard.html").read_text(encoding="utf-8")
    assert 'href="reports/' in html and "DOS-M001" in html and "yongchuan" in html
    assert "重庆市永川区（yongchuan）" in html and 'class="filterable" id="dossiers"' in html
    # Worst first: the table follows the error counts.
    worst = sorted(_jsonl(out), key=lambda r: (-r["summary"]["errors"], -r["summary"]["warnings"], r["scan"]["dossier"]))
    order = sorted(["项目0", "项目1", "项目2"], key=lambda i: html.index(f"<td>{i}</td>"))
    assert order == [r["scan"]["dossier"] for r in worst]
    assert worst[0]["summary"]["errors"] > worst[-1]["summary"]["errors"]
    assert sorted(p.name for p in (out / "reports").iterdir()) == ["项目0.html", "项目1.html", "项目2.html"]
    cache = ScanCache(out / "cache.sqlite", parser_version())
    try:  # the workers' pages and 问题 rows were taken as they came: nothing left to render
        assert portfolio.write_dossier_reports(cache, ["项目0", "项目1", "项目2"], out) == 0
    finally:
        cache.close()
    before = (out / "portfolio.xlsx").read_bytes()
    (out / "portfolio.xlsx").unlink()
    scan_archive(archive, _inline(out))
    assert (out / "portfolio.xlsx").read_bytes() == before  # deterministic, rebuilt from the cache


def test_hanging_and_hungry_parsers_cost_one_finding(archive: Path, tmp_path: Path) -> None:
    write_docx(archive / "项目1" / "hang.docx", "运维计划")
    write_docx(archive / "项目2" / "hungry.docx", "运维计划")
    settings = Settings(parser="scan_helpers:slow_parse", file_timeout=3, file_memory_mb=1024)
    out = tmp_path / "out"
    t0 = time.monotonic()
    result = scan_archive(archive, _inline(out, settings=settings))
    assert time.monotonic() - t0 < 120
    by_id = {r["scan"]["dossier"]: r for r in _jsonl(out)}
    assert result.failed == 0
    p3 = {i: [f["location"]["file"] for f in r["findings"] if f["code"] == "DOS-P003"] for i, r in by_id.items()}
    assert p3 == {"项目0": [], "项目1": ["hang.docx"], "项目2": ["hungry.docx"]}
    # The rest of the dossier was still checked.
    assert any(m["status"] == "present" for m in by_id["项目1"]["materials"])
    con = sqlite3.connect(out / "cache.sqlite")
    assert dict(con.execute("SELECT id, status FROM dossiers")) == {"项目0": "ok", "项目1": "incomplete", "项目2": "incomplete"}


def test_crashing_dossiers_get_dos_x001(archive: Path, tmp_path: Path) -> None:
    make_dossier(archive / "boom", 7)
    make_dossier(archive / "bad-facts", 8)
    (archive / "bad-facts" / "facts.yaml").write_text("investment: 很多\n", encoding="utf-8")
    out = tmp_path / "out"
    import scan_helpers

    opts = ScanOptions(out=out, settings=Settings(jurisdiction="yongchuan"), jobs=2, progress=False,
                       work=scan_helpers.crashing_work)
    result = scan_archive(archive, opts)
    by_id = {r["scan"]["dossier"]: r for r in _jsonl(out)}
    assert sorted(by_id) == ["bad-facts", "boom", "项目0", "项目1", "项目2"]
    assert result.failed == 2
    for bad in ("boom", "bad-facts"):
        assert [f["code"] for f in by_id[bad]["findings"]] == ["DOS-X001"]
    assert "facts.yaml" in by_id["bad-facts"]["findings"][0]["message"]
    assert all("DOS-X001" not in r["summary"]["by_code"] for i, r in by_id.items() if i.startswith("项目"))


def _scan_cmd() -> list[str]:
    from dossier.cli import app

    registered = any(c.name == "scan" for c in app.registered_commands)
    return [sys.executable, "-m", "dossier", "scan"] if registered else [sys.executable, "-m", "dossier.scan"]


def test_kill_9_and_resume(tmp_path: Path) -> None:
    root = tmp_path / "archive"
    for n in range(10):
        make_dossier(root / f"d{n:02d}", n)
    out = tmp_path / "out"
    cmd = [*_scan_cmd(), str(root), "--out", str(out), "--jobs", "1", "--jurisdiction", "yongchuan", "--stage",
           "final-acceptance"]
    proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db = out / "cache.sqlite"
    committed = 0
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and proc.poll() is None:
        if db.exists():
            try:
                committed = sqlite3.connect(db, timeout=1).execute("SELECT count(*) FROM dossiers").fetchone()[0]
            except sqlite3.OperationalError:
                committed = 0
            if committed >= 2:
                break
        time.sleep(0.05)
    assert proc.poll() is None, "the scan finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert 2 <= committed < 10
    rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    assert rerun.returncode in (0, 1), rerun.stderr
    assert f"{10 - committed} checked" in rerun.stderr or "checked" in rerun.stderr
    ids = [r["scan"]["dossier"] for r in _jsonl(out)]
    assert ids == [f"d{n:02d}" for n in range(10)]
    overview = [r[0] for r in load_workbook(out / "portfolio.xlsx")["概况"].iter_rows(min_row=2, values_only=True)]
    assert overview == ids
    checked = int(rerun.stderr.split(" checked")[0].rsplit(" ", 1)[-1])
    assert checked <= 10 - committed + 1  # only what was not committed (plus at most one in flight)


def test_dask_cluster_gives_the_same_findings(archive: Path, tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    yc = Settings(jurisdiction="yongchuan")
    scan_archive(archive, ScanOptions(out=tmp_path / "pool", settings=yc, jobs=2, progress=False, use_cache=False))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        result = scan_archive(archive, ScanOptions(out=tmp_path / "dask", executor="dask", settings=yc,
                                                   scheduler=cluster.scheduler_address, progress=False))
    assert (result.checked, result.failed) == (3, 0)
    pool, dask = _jsonl(tmp_path / "pool"), _jsonl(tmp_path / "dask")
    assert [_codes(r) for r in dask] == [_codes(r) for r in pool]
    assert [r["materials"] for r in dask] == [r["materials"] for r in pool]
    assert (tmp_path / "dask" / "cache.sqlite").is_file() and not (tmp_path / "pool" / "cache.sqlite").exists()
