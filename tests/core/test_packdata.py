"""The installed packs' pre-parsed YAML (outlines/<id>/parsed-yaml.json, dossier.packdata): current,
and taken only for the very text and schemas it was made from."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from dossier import packdata
from dossier.packs import PackInvalid, load_pack, load_pack_dir, pack_ids, pack_root

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("pack_id", pack_ids())
def test_shipped_file_is_what_make_packdata_writes(pack_id: str) -> None:
    shipped = REPO / "outlines" / pack_id / packdata.FILE_NAME
    assert shipped.is_file(), f"run `make packdata`: {shipped} is missing"
    assert shipped.read_text(encoding="utf-8") == packdata.build(pack_id), \
        f"run `make packdata`: {shipped} is stale (a YAML file or a schema changed)"


@pytest.mark.parametrize("pack_id", pack_ids())
def test_every_yaml_file_of_a_pack_is_preparsed(pack_id: str) -> None:
    files = json.loads((REPO / "outlines" / pack_id / packdata.FILE_NAME).read_text(encoding="utf-8"))["files"]
    on_disk = {p.relative_to(REPO / "outlines" / pack_id).as_posix()
               for p in (REPO / "outlines" / pack_id).rglob("*.yaml")}
    assert set(files) == on_disk


@pytest.mark.parametrize("pack_id", pack_ids())
def test_an_installed_pack_loads_the_same_with_and_without_it(pack_id: str) -> None:
    root = pack_root(pack_id)
    assert packdata.load(root), "the shipped file is not taken (schemas digest differs?)"
    from_yaml = load_pack_dir(root, label=f"outlines/{pack_id}", verify_texts=False)
    assert load_pack(pack_id) == from_yaml


def _copy(tmp_path: Path, pack_id: str = "yongchuan") -> Path:
    folder = tmp_path / pack_id
    shutil.copytree(REPO / "outlines" / pack_id, folder)
    return folder


def test_an_edited_file_is_read_from_its_yaml(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    stage = folder / "stages" / "final-acceptance.yaml"
    stage.write_text(stage.read_text(encoding="utf-8").replace("title: ", "title: 改", 1), encoding="utf-8")
    pack = load_pack_dir(folder, label="p", verify_texts=False, preparsed=packdata.load(folder))
    assert pack.stage("final-acceptance").title.startswith("改")


def test_an_edited_file_that_breaks_its_schema_is_reported(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (folder / "rules.yaml").write_text("rules: 3\n", encoding="utf-8")
    with pytest.raises(PackInvalid) as exc:
        load_pack_dir(folder, label="p", verify_texts=False, preparsed=packdata.load(folder))
    assert exc.value.problems[0].file == "p/rules.yaml"


def test_an_entry_is_taken_only_for_the_schema_it_passed() -> None:
    text = "id: x\n"
    preparsed = {"a.yaml": {"sha256": packdata.text_digest(text), "schema": "outline", "data": {"id": "y"}}}
    assert packdata.entry_data(preparsed, "a.yaml", text, "outline") == (True, {"id": "y"})
    assert packdata.entry_data(preparsed, "a.yaml", text, "materials") == (False, None)
    assert packdata.entry_data(preparsed, "a.yaml", text + " ", "outline") == (False, None)
    assert packdata.entry_data(preparsed, "b.yaml", text, "outline") == (False, None)


@pytest.mark.parametrize("content", ["", "{not json", '{"schemas": "0", "files": {}}', "[]", '{"files": 3}'])
def test_a_missing_damaged_or_outdated_file_is_not_taken(tmp_path: Path, content: str) -> None:
    folder = _copy(tmp_path)
    (folder / packdata.FILE_NAME).write_text(content, encoding="utf-8")
    assert packdata.load(folder) == {}
    (folder / packdata.FILE_NAME).unlink()
    assert packdata.load(folder) == {}
    assert load_pack_dir(folder, label="p", verify_texts=False, preparsed={}) == load_pack("yongchuan")


def test_a_custom_pack_is_read_from_its_yaml_even_with_a_copied_file(tmp_path: Path) -> None:
    # --pack PATH: the user's own folder is always read and validated from its YAML.
    from dossier.packs import load_pack_path

    folder = _copy(tmp_path)
    shipped = json.loads((folder / packdata.FILE_NAME).read_text(encoding="utf-8"))
    shipped["files"]["rules.yaml"]["data"] = {"rules": 3}  # would fail the schema, were it taken
    (folder / packdata.FILE_NAME).write_text(json.dumps(shipped, ensure_ascii=False), encoding="utf-8")
    assert load_pack_path(folder).rules == load_pack("yongchuan").rules


def test_files_are_recognised_by_their_place() -> None:
    assert packdata.schema_of("pack.yaml") == "pack"
    assert packdata.schema_of("stages/application.yaml") == "materials"
    assert packdata.schema_of("documents/basic-report.yaml") == "outline"
    assert packdata.schema_of("rules.yaml") == "requirements"
    assert packdata.schema_of("notes/x.yaml") is None
