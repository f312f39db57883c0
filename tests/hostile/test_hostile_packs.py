"""Packs ship the law they quote, and `packs validate` holds every citation to it.

Each pack folder carries its regulation (outlines/<id>/source.txt, described by source.yaml);
a citation to an article the text does not have, or a quote that is not in it, is exit 2 with
the file, the place and the reason. Runs through the real CLI.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hostile_support import REPO, Box, run_cli

from dossier.packs import JURISDICTIONS, article_headings, normalise_text, source_text


def _copy(tmp: Path, pack_id: str = "yongchuan") -> Path:
    dst = tmp / f"my-{pack_id}"
    shutil.copytree(REPO / "outlines" / pack_id, dst, ignore=shutil.ignore_patterns("__pycache__"))
    return dst


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize("pack_id", JURISDICTIONS)
def test_every_pack_ships_its_text_in_the_package(pack_id: str) -> None:
    text = source_text(pack_id, f"{pack_id}-measures")
    heads = article_headings(text)
    assert {"第一条", "第十条", "第二十条"} <= heads and len(heads) >= 25  # the whole text, not a stub
    assert "赛辰" not in text and "点赞排行榜" not in text  # guangzhou's page debris is gone


def test_validate_all_installed_packs_checks_their_texts(tmp_path: Path) -> None:
    run = run_cli(["packs", "validate"], Box.make(tmp_path / "b", good=False))
    assert run.rc == 0, run.stderr
    assert run.stdout.count("citations checked against the regulation's text") == 5


def test_a_citation_to_an_article_the_text_lacks_is_refused(tmp_path: Path) -> None:
    pack = _copy(tmp_path)
    _edit(pack / "rules.yaml", "article: 第十五条", "article: 第九十九条")
    run = run_cli(["packs", "validate", str(pack)], Box.make(tmp_path / "b", good=False))
    assert run.rc == 2, run.stdout
    assert "第九十九条" in run.stderr and "rules.yaml" in run.stderr and "does not have" in run.stderr
    assert "Traceback" not in run.stderr


def test_a_quote_not_in_the_text_is_refused(tmp_path: Path) -> None:
    pack = _copy(tmp_path)
    _edit(pack / "rules.yaml", "quote: 初验通过后进入试运行，试运行时间不得少于1个月",
          "quote: 本办法从未说过的一句话，试运行时间不得少于1个月")
    run = run_cli(["packs", "validate", str(pack)], Box.make(tmp_path / "b", good=False))
    assert run.rc == 2 and "quote not found" in run.stderr and "本办法从未说过" in run.stderr


def test_quotes_match_across_full_width_punctuation_and_spacing() -> None:
    # guangzhou's text writes half-width ( , : ; a quote may use the full-width forms.
    text = source_text("guangzhou", "guangzhou-measures")
    assert normalise_text("第二条  广州市政务信息化项目（以下简称信息化项目或项目）") in normalise_text(text)
    assert normalise_text("“数字政府”") in normalise_text(text)


def test_a_text_file_that_is_missing_is_named(tmp_path: Path) -> None:
    pack = _copy(tmp_path, "wuhan")
    (pack / "source.txt").unlink()
    run = run_cli(["packs", "validate", str(pack)], Box.make(tmp_path / "b", good=False))
    assert run.rc == 2 and "source.yaml" in run.stderr and "source.txt" in run.stderr


def test_source_yaml_must_agree_with_pack_yaml(tmp_path: Path) -> None:
    pack = _copy(tmp_path, "qingpu")
    _edit(pack / "source.yaml", "number: 青数〔2024〕49号", "number: 青数〔2024〕50号")
    run = run_cli(["packs", "validate", str(pack)], Box.make(tmp_path / "b", good=False))
    assert run.rc == 2 and "/texts/0/number" in run.stderr
