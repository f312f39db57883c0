"""No input controls the checker, through the real CLI: the jurisdiction is an installed pack
id only (a custom pack only with --pack, named in the report), duplicate YAML keys are errors,
nothing that is not a regular file is ever opened, pack regexes cannot hang, selectors are
checked, and the parse limits hold for `check` as for `scan`.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from hostile_support import (
    CHECK_ARGS,
    GOOD_NAME,
    REPO,
    W_NS,
    Box,
    assert_bars,
    check,
    run_cli,
    small_docx,
    text_pdf,
    with_parts,
)

CHECK4 = CHECK_ARGS[:4]  # -j yongchuan -s final-acceptance


def _clean(stderr: str) -> None:
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr[-2000:]


def _empty_pack(where: Path) -> Path:
    """A pack that requires nothing: what an attacker would ship to get a clean report."""
    where.mkdir(parents=True)
    (where / "pack.yaml").write_text(
        "id: yongchuan\nversion: 1.0.0\ntitle: t\njurisdiction: j\nlevel: district\n"
        "sources: [{id: s, short: s, title: t, issuer: i}]\nstages: [final-acceptance]\ndocuments: []\n",
        encoding="utf-8")
    (where / "stages").mkdir()
    (where / "stages" / "final-acceptance.yaml").write_text(
        "id: final-acceptance\ntitle: 终验\ncitations: [{source: s, article: 第一条, quote: 空的规则包}]\nmaterials: []\n",
        encoding="utf-8")
    return where


# -- the jurisdiction -------------------------------------------------------------------------


def test_a_path_as_jurisdiction_is_refused(box: Box) -> None:
    _empty_pack(box.root / "x")
    for j in ("../x", str(box.root / "x"), "yongchuan/../yongchuan", "YONGCHUAN"):
        run = run_cli(["check", str(box.inp), "-j", j, "-s", "final-acceptance", "-f", "json"], box)
        assert run.rc == 2 and "no installed rule pack" in run.stderr, (j, run.stderr)
        _clean(run.stderr)


def test_a_facts_file_cannot_choose_the_pack_in_a_scan(tmp_path: Path) -> None:
    box = Box.make(tmp_path / "b", good=False)
    root = box.inp / "archive"
    d = root / "d1"
    d.mkdir(parents=True)
    shutil.copy(REPO / "corpus/dossiers/yongchuan-final-acceptance/files/01_永川区智慧城管平台建设项目终验投用申请书.docx",
                d / GOOD_NAME)
    _empty_pack(box.root / "x")
    (d / "facts.yaml").write_text("jurisdiction: ../../x\nstage: final-acceptance\n", encoding="utf-8")
    run = run_cli(["scan", str(root), "--out", str(box.out / "scan"), "--jobs", "1", "--no-cache"], box, timeout=180)
    _clean(run.stderr)
    rows = [json.loads(line) for line in (box.out / "scan" / "findings.jsonl").read_text(encoding="utf-8").splitlines()]
    (mine,) = [r for r in rows if r["scan"]["dossier"] == "d1"]
    assert mine["pack"]["id"] != "yongchuan" or mine["scan"].get("failed")
    blob = json.dumps(mine, ensure_ascii=False)
    assert "DOS-X001" in blob and "no installed rule pack" in blob, blob[:2000]


def test_a_custom_pack_only_with_pack_and_named_in_the_report(box: Box) -> None:
    pack = _empty_pack(box.root / "mypack")
    out = box.out / "r.json"
    run = run_cli(["check", str(box.inp), "--pack", str(pack), "-s", "final-acceptance", "-f", "json", "-o", str(out)], box)
    assert run.rc == 0, run.stderr
    header = json.loads(out.read_text(encoding="utf-8"))["pack"]
    assert header["origin"] == "custom" and header["path"] == str(pack.resolve()) and len(header["sha256"]) == 64
    assert "custom rule pack" in run.stderr and header["sha256"] in run.stderr
    both = run_cli(["check", str(box.inp), "--pack", str(pack), "-j", "yongchuan", "-s", "final-acceptance"], box)
    assert both.rc == 2 and "not both" in both.stderr


# -- YAML and special files ---------------------------------------------------------------------


def test_duplicate_yaml_keys_are_an_error(box: Box) -> None:
    facts = box.root / "facts.yaml"
    facts.write_text("supervised: true\ninvestment: 100\nsupervised: false\n", encoding="utf-8")
    run = run_cli(["facts", "validate", str(facts), "-j", "yongchuan"], box)
    assert run.rc == 2 and "duplicate key 'supervised'" in run.stderr and "line 3" in run.stderr
    run = check(box, None, "--facts", str(facts))
    assert run.rc == 2 and "duplicate key" in run.stderr


def test_fifo_and_device_facts_never_hang(box: Box) -> None:
    fifo = box.root.parent / "facts.fifo"  # outside the box: its snapshot must not open it either
    os.mkfifo(fifo)
    for facts in (str(fifo), "/dev/zero", "/dev/stdin"):
        for argv in (["facts", "validate", facts], ["check", str(box.inp), *CHECK4, "--facts", facts]):
            run = run_cli(argv, box, timeout=60)
            assert run.rc == 2, (argv, run.stderr)
            assert "not a regular file" in run.stderr or "cannot read" in run.stderr, run.stderr
            _clean(run.stderr)


def test_scan_manifest_fifo_and_device_entries_never_hang(tmp_path: Path) -> None:
    box = Box.make(tmp_path / "b", good=False)
    root = box.inp / "archive"
    (root / "d1").mkdir(parents=True)
    (root / "d1" / "a.docx").write_bytes(small_docx())
    fifo = tmp_path / "m.fifo"
    os.mkfifo(fifo)
    run = run_cli(["scan", str(root), "--manifest", str(fifo), "--out", str(box.out / "s1")], box, timeout=60)
    assert run.rc == 2 and "not a regular file" in run.stderr
    manifest = tmp_path / "m.csv"
    manifest.write_text(f"path,jurisdiction,stage,facts\nd1,yongchuan,final-acceptance,/dev/zero\n"
                        f"/dev/zero,yongchuan,final-acceptance,\n{fifo},yongchuan,final-acceptance,\n", encoding="utf-8")
    run = run_cli(["scan", str(root), "--manifest", str(manifest), "--out", str(box.out / "s2"), "--jobs", "1"],
                  box, timeout=240)
    _clean(run.stderr)
    assert run.rc in (1, 2), run.stderr
    assert (box.out / "s2" / "findings.jsonl").is_file()


def test_a_link_at_the_scan_root_is_not_followed(tmp_path: Path) -> None:
    box = Box.make(tmp_path / "b", good=False)
    secret_dir = tmp_path / "private"
    secret_dir.mkdir()
    (secret_dir / "机密.txt").write_text("TOP-SECRET-LINE 绝密\n", encoding="utf-8")
    shutil.make_archive(str(tmp_path / "private"), "zip", secret_dir)
    root = box.inp / "archive"
    (root / "d1").mkdir(parents=True)
    (root / "d1" / "a.docx").write_bytes(small_docx())
    os.symlink(secret_dir, root / "leak")
    os.symlink(tmp_path / "private.zip", root / "leak2.zip")
    run = run_cli(["scan", str(root), "--out", str(box.out / "s"), "-j", "yongchuan", "-s", "final-acceptance",
                   "--jobs", "1", "--no-cache"], box, timeout=180)
    _clean(run.stderr)
    out = "".join(p.read_text(encoding="utf-8", errors="replace") for p in (box.out / "s").rglob("*")
                  if p.is_file() and p.suffix in (".jsonl", ".html"))
    assert "TOP-SECRET-LINE" not in out and "leak" not in out


# -- pack regexes -----------------------------------------------------------------------------


def test_a_catastrophic_naming_pattern_cannot_hang(tmp_path: Path) -> None:
    box = Box.make(tmp_path / "b")
    pack = tmp_path / "qp"
    shutil.copytree(REPO / "outlines" / "qingpu", pack, ignore=shutil.ignore_patterns("__pycache__"))
    rules = pack / "rules.yaml"
    text = rules.read_text(encoding="utf-8")
    old = 'pattern: ".+(大系统|平台)建设项目"'
    assert old in text
    rules.write_text(text.replace(old, 'pattern: "(a|a)+(大系统|平台)建设项目"', 1), encoding="utf-8")
    run = run_cli(["packs", "validate", str(pack)], box, timeout=120)
    assert run.rc == 2 and "catastrophic" in run.stderr, run.stderr
    _clean(run.stderr)


# -- selectors --------------------------------------------------------------------------------


def test_unknown_select_or_ignore_is_exit_2_with_a_suggestion(box: Box) -> None:
    for opt, value, hint in (("--select", "DOS-S0O1", "DOS-S001"), ("--ignore", "missing-sectoin", "missing-section"),
                             ("--select", "nonsense", "")):
        run = run_cli(["check", str(box.inp), *CHECK4, opt, value], box)
        assert run.rc == 2 and value in run.stderr, run.stderr
        assert hint in run.stderr and ("did you mean" in run.stderr) == bool(hint)
        _clean(run.stderr)
    ok = run_cli(["check", str(box.inp), *CHECK4, "-f", "json", "--select", "DOS-S,missing-material"], box)
    assert ok.rc in (0, 1), ok.stderr


# -- parse limits in check ----------------------------------------------------------------------


def test_check_parses_under_a_dossier_time_budget(box: Box) -> None:
    box.put("00_长文档.pdf", text_pdf(3000, 20))  # parsed first, and longer than the whole budget
    for i in range(4):
        box.put(f"附件{i}.docx", small_docx())
    run = check(box, None, "--time-budget", "1")
    assert_bars(run, good=False, exits=(0, 1))
    assert run.report is not None
    skipped = [f for f in run.report["findings"] if f["code"] == "DOS-P003" and "预算" in f["message"]]
    assert skipped, "files past the budget must be reported, not silently dropped"


def test_check_parses_each_file_under_a_memory_limit(box: Box) -> None:
    # One file that needs more than --file-memory (or, on a slow machine, --file-timeout): it
    # alone is reported, the dossier is checked, and the CLI stays under 1 GB and the timeout.
    cells = "".join(f"<w:tc><w:p><w:r><w:t>格{i}</w:t></w:r></w:p></w:tc>" for i in range(60))
    rows = f"<w:tr>{cells}</w:tr>" * 2000  # 120,000 cells, ~1 MB zipped
    doc = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{W_NS}"><w:body>'
           f"<w:p><w:r><w:t>大表格</w:t></w:r></w:p><w:tbl>{rows}</w:tbl></w:body></w:document>").encode()
    box.put("大表格.docx", with_parts(small_docx(), {"word/document.xml": doc}))
    run = check(box, None, "--file-memory", "150", "--file-timeout", "15")
    assert_bars(run, named=["大表格.docx"], exits=(0, 1))
    limited = [f for f in run.findings_for("大表格.docx") if f["code"] == "DOS-P003"]
    assert limited, run.findings_for("大表格.docx")
