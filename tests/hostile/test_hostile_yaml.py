"""Hostile facts and pack YAML through the real CLI: exit 2 naming the file and the reason."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hostile_support import REPO, Box, assert_bars, check, run_cli

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
    f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
    for i in range(8)
)

FACTS = {
    "unknown-key": ("project_name: 智慧城管\nbudget_total: 100\n", ["budget_total"]),
    "wrong-type-money": ("investment: [1, 2]\n", ["/investment"]),
    "wrong-type-bool": ("supervised: maybe\n", ["/supervised"]),
    "wrong-date": ("final_application_date: 2023-13-45\n", ["/final_application_date"]),
    "bad-enum": ("category: everything\n", ["/category"]),
    "not-a-mapping": ("- project_name\n- 智慧城管\n", ["mapping"]),
    "alias-bomb": (BOMB, ["aliases"]),
    "python-tag": ("project_name: !!python/object/apply:os.system ['touch pwned']\n", ["python/object"]),
    "syntax": ("project_name: [unclosed\n", ["not valid YAML"]),
    "deep-nesting": ("x: " + "[" * 50_000 + "]" * 50_000 + "\n", []),
    "deep-mapping": ("x:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 3000)), []),
}


@pytest.mark.parametrize("case", sorted(FACTS))
def test_hostile_facts_file_is_exit_2_with_file_and_reason(box: Box, case: str) -> None:
    text, reasons = FACTS[case]
    facts = box.root / f"{case}.yaml"
    facts.write_text(text, encoding="utf-8")
    run = check(box, None, "--facts", str(facts))
    assert_bars(run, named=[f"{case}.yaml", *reasons], good=False, exits=(2,))
    assert run.report is None
    assert not (box.cwd / "pwned").exists() and not (box.root / "pwned").exists()


def test_five_megabyte_facts_file(box: Box) -> None:
    facts = box.root / "big-facts.yaml"
    line = "# " + "填" * 60 + "\n"
    facts.write_text("project_name: 智慧城管\n" + line * (5 * 1024 * 1024 // len(line.encode())), encoding="utf-8")
    assert facts.stat().st_size > 5_000_000
    run = check(box, None, "--facts", str(facts))
    assert_bars(run, named=["big-facts.yaml", "larger than"], good=False, exits=(2,))


def test_facts_not_utf8_and_not_a_regular_file(box: Box) -> None:
    gbk = box.root / "gbk.yaml"
    gbk.write_bytes("project_name: 智慧城管\n".encode("gbk"))
    run = check(box, None, "--facts", str(gbk))
    assert_bars(run, named=["gbk.yaml", "UTF-8"], good=False, exits=(2,))
    run = check(box, None, "--facts", str(box.inp))
    assert_bars(run, named=[str(box.inp)], good=False, exits=(2,))


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_facts_endless_device_is_refused(box: Box) -> None:
    """A character device reports size 0: reading it "until the end" would never end."""
    run = check(box, None, "--facts", "/dev/zero")
    assert_bars(run, named=["/dev/zero"], good=False, exits=(2,))


def test_good_facts_still_check(box: Box) -> None:
    facts = box.root / "facts.yaml"
    facts.write_text("project_name: 永川区智慧城管平台建设项目\ninvestment: 120万元\n", encoding="utf-8")
    assert_bars(check(box, None, "--facts", str(facts)), named=[])


# -- pack folders ------------------------------------------------------------------------

def _pack(root: Path) -> Path:
    dst = root / "pack"
    shutil.copytree(REPO / "outlines" / "yongchuan", dst)
    return dst


PACK_CASES = {
    "syntax": ("stages/final-acceptance.yaml", lambda t: t.replace("materials:", "materials: [", 1), "not valid YAML"),
    "alias-bomb": ("documents/basic-report.yaml", lambda t: BOMB, "aliases"),
    "unknown-key": ("documents/basic-report.yaml", lambda t: t.replace("\nsections:", "\nsurprise: 1\nsections:", 1),
                    "surprise"),
    "wrong-type": ("pack.yaml", lambda t: t.replace("version: 1.0.0", "version: [1, 0]", 1), "/version"),
    "python-tag": ("rules.yaml", lambda t: "rules: !!python/object/apply:os.system ['touch pwned']\n", "python/object"),
    "too-big": ("rules.yaml", lambda t: t + ("# " + "x" * 98 + "\n") * 30_000, "larger than"),
    "deep-nesting": ("rules.yaml", lambda t: "rules: " + "[" * 50_000 + "]" * 50_000 + "\n", "rules.yaml"),
    "not-utf8": ("stages/final-acceptance.yaml", None, "UTF-8"),
    "empty": ("pack.yaml", lambda t: "", "pack.yaml"),
    "missing-file": ("documents/basic-report.yaml", "delete", "file is missing"),
}


@pytest.mark.parametrize("case", sorted(PACK_CASES))
def test_broken_pack_folder_is_exit_2_with_file_and_reason(tmp_path: Path, case: str) -> None:
    box = Box.make(tmp_path / "box", good=False)
    pack = _pack(box.root)
    rel, edit, reason = PACK_CASES[case]
    target = pack / rel
    if edit == "delete":
        target.unlink()
    elif edit is None:
        target.write_bytes(target.read_text(encoding="utf-8").encode("gbk", errors="replace"))
    else:
        target.write_text(edit(target.read_text(encoding="utf-8")), encoding="utf-8")  # type: ignore[operator]
    run = run_cli(["packs", "validate", str(pack)], box)
    assert_bars(run, named=[rel, reason], good=False, exits=(2,))
    assert not (box.cwd / "pwned").exists()


def test_intact_pack_folder_validates(tmp_path: Path) -> None:
    box = Box.make(tmp_path / "box", good=False)
    run = run_cli(["packs", "validate", str(_pack(box.root))], box)
    assert_bars(run, named=["ok yongchuan"], good=False, exits=(0,))
