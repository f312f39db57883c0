"""No user's work is ever lost: scaffold, generate and check -o through the real CLI.

Each test asserts the property (the user's bytes are intact, nothing lands inside the input,
a clear exit 2 naming the path), never wording alone.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

from hostile_support import CHECK_ARGS, GOOD_NAME, Box, run_cli, snapshot

SCAFFOLD = ("-j", "yongchuan", "-s", "final-acceptance")


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def _clean(run_stderr: str) -> None:
    assert "Traceback" not in run_stderr and "internal error" not in run_stderr, run_stderr[-2000:]


# -- scaffold ----------------------------------------------------------------------------


def test_rescaffold_never_overwrites_a_filled_in_skeleton(tmp_path: Path) -> None:
    box = Box.make(tmp_path / "b", good=False)
    folder = box.out / "dossier"
    first = run_cli(["scaffold", str(folder), *SCAFFOLD], box)
    assert first.rc == 0, first.stderr
    skeleton = next(folder.glob("*/*终验投用申请书*.docx"))
    filled = (box.inp / GOOD_NAME)
    filled.write_bytes((Path(__file__).parents[2] / "corpus/dossiers/yongchuan-final-acceptance/files/"
                        "01_永川区智慧城管平台建设项目终验投用申请书.docx").read_bytes())
    skeleton.write_bytes(filled.read_bytes())  # the user filled the 申请书 in
    user = _sha(skeleton)
    missing = next(p for p in folder.glob("*/*.docx") if p != skeleton)
    missing.unlink()  # and deleted another placeholder

    again = run_cli(["scaffold", str(folder), *SCAFFOLD], box)
    assert again.rc == 0, again.stderr
    _clean(again.stderr)
    assert _sha(skeleton) == user, "the filled-in 申请书 was overwritten"
    assert missing.is_file(), "a missing placeholder was not added back"
    assert "left alone" in again.stdout and skeleton.name in again.stdout

    forced = run_cli(["scaffold", str(folder), *SCAFFOLD, "--force"], box)
    assert forced.rc == 0 and _sha(skeleton) != user  # --force is the explicit way to overwrite


def test_rescaffold_keeps_a_changed_file_the_facts_no_longer_need(tmp_path: Path) -> None:
    box = Box.make(tmp_path / "b", good=False)
    folder = box.out / "d"
    yes, no = box.inp / "yes.yaml", box.inp / "no.yaml"
    yes.write_text("supervised: true\n", encoding="utf-8")
    no.write_text("supervised: false\n", encoding="utf-8")
    assert run_cli(["scaffold", str(folder), *SCAFFOLD, "--facts", str(yes)], box).rc == 0
    report = next(folder.glob("*监理*/*.docx"))
    report.write_bytes(report.read_bytes() + b"user edit")
    run = run_cli(["scaffold", str(folder), *SCAFFOLD, "--facts", str(no)], box)
    assert run.rc == 0 and report.is_file() and report.read_bytes().endswith(b"user edit")
    assert "left alone" in run.stdout


def test_scaffold_facts_from_a_fifo_or_device_do_not_hang(tmp_path: Path) -> None:
    box = Box.make(tmp_path / "b", good=False)
    fifo = tmp_path / "facts.yaml"  # outside the box: its snapshot would wait on the pipe itself
    os.mkfifo(fifo)
    for facts in (fifo, Path("/dev/zero")):
        run = run_cli(["scaffold", str(box.out / "x"), *SCAFFOLD, "--facts", str(facts)], box, timeout=30)
        assert run.rc == 2 and str(facts) in run.stderr and "not a regular file" in run.stderr
        _clean(run.stderr)


# -- generate ----------------------------------------------------------------------------


def test_generate_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    box = Box.make(tmp_path / "b", good=False)
    target = box.out / "mine.docx"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"my own work")
    argv = ["generate", "-j", "yongchuan", "--doc", "basic-report", "-o", str(target)]
    run = run_cli(argv, box)
    assert run.rc == 2 and "exists" in run.stderr and str(target) in run.stderr
    assert target.read_bytes() == b"my own work"
    forced = run_cli([*argv, "--force"], box)
    assert forced.rc == 0 and zipfile.is_zipfile(target)
    assert not [p for p in target.parent.iterdir() if p.name.startswith(".")], "a temporary file was left behind"


# -- check -o ----------------------------------------------------------------------------


def _check(box: Box, target: Path, *out: str) -> tuple[int, str, str]:
    run = run_cli(["check", str(target), *CHECK_ARGS[:4], *out], box)
    _clean(run.stderr)
    return run.rc, run.stdout, run.stderr


def test_check_output_over_an_input_file_is_refused(tmp_path: Path) -> None:
    box = Box.make(tmp_path / "b")
    doc = box.inp / GOOD_NAME
    before = _sha(doc)
    rc, _, err = _check(box, doc, "-f", "json", "-o", str(doc))
    assert rc == 2 and "overwrite the input" in err and _sha(doc) == before


def test_check_output_inside_the_dossier_is_refused(tmp_path: Path) -> None:
    box = Box.make(tmp_path / "b")
    before = snapshot(box.inp)
    for out in (str(box.inp / "report.json"), str(box.inp / "sub") + "/"):
        rc, _, err = _check(box, box.inp, "-f", "json", "-o", out)
        assert rc == 2 and "inside the input folder" in err
    assert snapshot(box.inp) == before


def test_check_output_over_the_input_zip_is_refused(tmp_path: Path) -> None:
    box = Box.make(tmp_path / "b", good=False)
    z = box.inp / "d.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("a.txt", "x")
    before = _sha(z)
    rc, _, err = _check(box, z, "-f", "json", "-o", str(z))
    assert rc == 2 and _sha(z) == before


def test_check_output_rules(tmp_path: Path) -> None:
    box = Box.make(tmp_path / "b")
    box.out.mkdir()
    # an existing folder receives report.<ext>
    rc, _, err = _check(box, box.inp, "-f", "json", "-o", str(box.out))
    assert rc in (0, 1) and (box.out / "report.json").is_file() and f"wrote {box.out / 'report.json'}" in err
    # a name ending in / is a folder, even when it does not exist yet
    rc, _, err = _check(box, box.inp, "-f", "md", "-o", str(box.out / "newdir") + "/")
    assert rc in (0, 1) and (box.out / "newdir" / "report.md").is_file()
    # one format and a file name: that file, even when the name looks like another format
    rc, _, err = _check(box, box.inp, "-f", "json", "-o", str(box.out / "r.json"))
    assert rc in (0, 1) and (box.out / "r.json").is_file()
    # several formats: a folder; a file of that name is refused, not replaced
    rc, _, err = _check(box, box.inp, "-f", "json,md", "-o", str(box.out / "r.json"))
    assert rc == 2 and "need a folder" in err and (box.out / "r.json").is_file()
    rc, _, err = _check(box, box.inp, "-f", "json,md", "-o", str(box.out / "both"))
    assert rc in (0, 1) and {p.name for p in (box.out / "both").iterdir()} == {"report.json", "report.md"}
    assert not [p for p in box.out.rglob(".*")], "a temporary file was left behind"


def test_check_output_on_a_read_only_folder_is_a_clear_exit_2(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        # root ignores permissions: /proc is read-only for everyone
        target = "/proc/dossier-report.json"
    else:
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o500)
        target = str(ro / "r.json")
    box = Box.make(tmp_path / "b")
    rc, _, err = _check(box, box.inp, "-f", "json", "-o", target)
    assert rc == 2 and "cannot write" in err and target in err
