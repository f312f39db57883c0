"""Scans survive their operators, through the real CLI: unique ids, long names, kill -9 and
SIGTERM, two scans into one --out, --out inside the root, files changed mid-scan, a corrupted
or foreign cache, an unwritable output."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from hostile_support import Box, run_cli, small_docx

SCAN = ("-j", "yongchuan", "-s", "final-acceptance", "--jobs", "2")


def _archive(root: Path, names: list[str], files: int = 1) -> Path:
    for n in names:
        d = root / n
        d.mkdir(parents=True)
        for i in range(files):
            (d / f"{i:02d}_项目建设报告.docx").write_bytes(small_docx())
    return root


def _ids(out: Path) -> set[str]:
    rows = [json.loads(line) for line in (out / "findings.jsonl").read_text(encoding="utf-8").splitlines() if line]
    return {r["scan"]["dossier"] for r in rows}


def _clean(stderr: str) -> None:
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr[-2000:]


def test_dossier_ids_are_unique_and_long_names_fit(tmp_path: Path) -> None:
    box = Box.make(tmp_path / "b", good=False)
    long = "长" * 83  # 249 bytes: a legal folder name
    names = ["a:b", "a?b", "a_b", "a|b", long]
    root = _archive(box.inp / "archive", names)
    run = run_cli(["scan", str(root), "--out", str(box.out / "s"), *SCAN], box, timeout=300)
    assert run.rc in (0, 1), run.stderr
    _clean(run.stderr)
    ids = _ids(box.out / "s")
    assert len(ids) == len(names), ids
    pages = list((box.out / "s" / "reports").glob("*.html"))
    assert len(pages) == len(names)
    assert all(len(p.name.encode()) <= 255 for p in pages)


def test_out_inside_the_root_is_refused(tmp_path: Path) -> None:
    box = Box.make(tmp_path / "b", good=False)
    root = _archive(box.inp / "archive", ["d1"])
    run = run_cli(["scan", str(root), "--out", str(root / "out"), *SCAN], box)
    assert run.rc == 2 and "inside the scanned folder" in run.stderr
    assert not (root / "out").exists()


def test_a_second_scan_into_the_same_out_is_exit_2(tmp_path: Path) -> None:
    box = Box.make(tmp_path / "b", good=False)
    out = box.out / "s"
    out.mkdir(parents=True)
    root = _archive(box.inp / "archive", ["d1"])
    import fcntl

    with open(out / ".scan.lock", "w") as fh:  # what a running scan holds
        fcntl.flock(fh, fcntl.LOCK_EX)
        fh.write("4242")
        fh.flush()
        run = run_cli(["scan", str(root), "--out", str(out), *SCAN], box)
    assert run.rc == 2 and "another scan" in run.stderr and "4242" in run.stderr
    _clean(run.stderr)


def test_a_corrupted_or_foreign_cache_is_named_and_rebuilt(tmp_path: Path) -> None:
    box = Box.make(tmp_path / "b", good=False)
    root = _archive(box.inp / "archive", ["d1"])
    out = box.out / "s"
    out.mkdir(parents=True)
    (out / "cache.sqlite").write_bytes(b"this is not a database" * 100)
    run = run_cli(["scan", str(root), "--out", str(out), *SCAN], box, timeout=300)
    assert run.rc in (0, 1), run.stderr
    assert "cache.sqlite" in run.stderr and "not a usable scan cache" in run.stderr
    assert list(out.glob("cache.sqlite.unusable-*")), "the old file is kept aside, not deleted"
    foreign = tmp_path / "theirs.sqlite"
    con = sqlite3.connect(foreign)
    con.execute("CREATE TABLE accounts (id INTEGER, balance INTEGER)")
    con.commit()
    con.close()
    run = run_cli(["scan", str(root), "--out", str(box.out / "s2"), "--cache", str(foreign), *SCAN], box, timeout=300)
    assert run.rc in (0, 1) and "another program's database" in run.stderr


def test_the_cache_holds_no_pickles(tmp_path: Path) -> None:
    box = Box.make(tmp_path / "b", good=False)
    root = _archive(box.inp / "archive", ["d1"])
    out = box.out / "s"
    assert run_cli(["scan", str(root), "--out", str(out), *SCAN], box, timeout=300).rc in (0, 1)
    con = sqlite3.connect(out / "cache.sqlite")
    blobs = [b for (b,) in con.execute("SELECT blob FROM parsed")]
    assert blobs
    import zlib

    for b in blobs:
        json.loads(zlib.decompress(b))  # plain JSON, nothing to unpickle
    # A doctored row (what anyone who can write the cache could plant) runs nothing.
    marker = tmp_path / "pwned"
    import pickle

    class Evil:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (os.system, (f"touch {marker}",))

    evil = zlib.compress(pickle.dumps(Evil()))
    con.execute("UPDATE parsed SET blob=?", (evil,))
    con.execute("UPDATE dossiers SET fingerprint='stale'")
    con.commit()
    con.close()
    run = run_cli(["scan", str(root), "--out", str(out), *SCAN], box, timeout=300)
    assert run.rc in (0, 1), run.stderr
    assert not marker.exists(), "a pickle from the cache was loaded"


def test_a_read_only_output_is_a_clear_exit_2(tmp_path: Path) -> None:
    box = Box.make(tmp_path / "b", good=False)
    root = _archive(box.inp / "archive", ["d1"])
    target = "/proc/dossier-scan-out" if os.geteuid() == 0 else str(tmp_path / "ro" / "out")
    if os.geteuid() != 0:
        (tmp_path / "ro").mkdir()
        (tmp_path / "ro").chmod(0o500)
    run = run_cli(["scan", str(root), "--out", target, *SCAN], box)
    assert run.rc == 2 and target in run.stderr
    _clean(run.stderr)


def _scan_proc(box: Box, root: Path, out: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOSSIER_", "PYTEST_"))}
    env.update(TMPDIR=str(box.tmp), HOME=str(box.home))
    return subprocess.Popen([sys.executable, "-m", "dossier", "scan", str(root), "--out", str(out), *SCAN],
                            cwd=box.cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)


def _family(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def _wait_for_workers(pid: int, n: int, timeout: float = 60) -> list[psutil.Process]:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        kids = _family(pid)
        if len(kids) >= n:
            return kids
        time.sleep(0.2)
    raise AssertionError("the scan started no workers")


def _all_gone(procs: list[psutil.Process], timeout: float = 20) -> list[psutil.Process]:
    end = time.monotonic() + timeout
    alive = procs
    while alive and time.monotonic() < end:
        alive = [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        time.sleep(0.2)
    return alive


DOSSIERS_TO_STOP = 60


@pytest.mark.parametrize("how", ["kill", "term", "int"])
def test_stopping_a_scan_leaves_no_worker_behind_and_resumes(tmp_path: Path, how: str) -> None:
    box = Box.make(tmp_path / "b", good=False)
    # Enough dossiers that an idle machine is still scanning when the signal comes (12 took
    # 1.2 s there, finishing before a 2 s wait): the stop must land mid-scan.
    root = _archive(box.inp / "archive", [f"d{i:02d}" for i in range(DOSSIERS_TO_STOP)], files=3)
    out = box.out / "s"
    proc = _scan_proc(box, root, out)
    kids = _wait_for_workers(proc.pid, 3)  # pool workers and at least one sandbox
    time.sleep(0.5)
    proc.send_signal({"kill": signal.SIGKILL, "term": signal.SIGTERM, "int": signal.SIGINT}[how])
    _, err = proc.communicate(timeout=60)
    left = _all_gone(kids + _family(proc.pid))
    try:
        assert not left, f"left running: {[p.pid for p in left]}"
    finally:
        for p in left:
            p.kill()
    text = err.decode("utf-8", "replace")
    if how != "kill":
        assert proc.returncode in (130, 143), (proc.returncode, text[-2000:])
        assert "Traceback" not in text and "interrupted" in text and "run the same command again" in text
    again = run_cli(["scan", str(root), "--out", str(out), *SCAN], box, timeout=600)
    assert again.rc in (0, 1), again.stderr
    assert len(_ids(out)) == DOSSIERS_TO_STOP


def test_a_file_changed_mid_scan_is_not_filed_under_the_old_content(tmp_path: Path) -> None:
    box = Box.make(tmp_path / "b", good=False)
    root = _archive(box.inp / "archive", ["d1"])
    out = box.out / "s"
    # Patched in the scanning process: the dossier is edited right after it was fingerprinted,
    # before a worker reads it.
    prelude = f"""
import dossier.scan.runner as runner
_real = runner.fingerprint
def fingerprint(spec, c, *a, **k):
    fp = _real(spec, c, *a, **k)
    f = {str(root / 'd1' / '00_项目建设报告.docx')!r}
    with open(f, 'ab') as fh:
        fh.write(b'changed')
    runner.fingerprint = _real
    return fp
runner.fingerprint = fingerprint
"""
    run = run_cli(["scan", str(root), "--out", str(out), *SCAN], box, timeout=300, prelude=prelude)
    assert run.rc in (0, 1), run.stderr
    con = sqlite3.connect(out / "cache.sqlite")
    (fp, status), = con.execute("SELECT fingerprint, status FROM dossiers")
    assert status == "incomplete" and fp.startswith("changed-during-scan:")
