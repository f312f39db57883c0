""".doc / .wps through LibreOffice: convert a DOCX to .doc in the test, parse it back."""

from __future__ import annotations

import shutil
from pathlib import Path

import docx
import pytest

from dossier.errors import InputError
from dossier.parse import convert, parse_file
from dossier.parse.convert import NOT_FOUND, convert_many, parse_via_libreoffice

needs_soffice = pytest.mark.skipif(
    convert.find_soffice() is None, reason="LibreOffice (soffice) not installed"
)


def _docx(path: Path, chapters: tuple[str, ...] = ("项目概述", "建设内容")) -> Path:
    d = docx.Document()
    for i, ch in enumerate(chapters, 1):
        d.add_heading(f"第{'一二三四五'[i - 1]}章 {ch}", level=1)
        d.add_heading(f"{i}.1 总体要求", level=2)
        d.add_paragraph(f"本章正文{i}：17597.78 万元。")
        p = d.add_paragraph()
        r = p.add_run("（二）加粗的手工标题")
        r.bold = True
        d.add_paragraph("正文内容。")
    d.save(str(path))
    return path


@pytest.fixture(scope="module")
def doc_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if convert.find_soffice() is None:
        pytest.skip("LibreOffice (soffice) not installed")
    tmp = tmp_path_factory.mktemp("conv")
    src = _docx(tmp / "report.docx")
    made = convert_many([src], tmp / "out", 120, to="doc")[src]
    assert isinstance(made, Path), made
    assert made.read_bytes()[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE2, a real .doc
    return made


def _outline(tree: object) -> list[tuple[int, str, str]]:
    return [(h.level, h.label, h.title) for h in tree.walk()]  # type: ignore[attr-defined]


@needs_soffice
def test_doc_parses_like_its_docx(doc_file: Path) -> None:
    tree = parse_via_libreoffice(doc_file)
    assert tree.format == "doc" and tree.path == str(doc_file)
    out = _outline(tree)
    assert (1, "第一章", "项目概述") in out and (1, "第二章", "建设内容") in out
    assert (2, "1.1", "总体要求") in out
    first = tree.headings[0]
    assert "17597.78" in first.text()


@needs_soffice
def test_wps_is_an_ole2_doc_renamed(doc_file: Path, tmp_path: Path) -> None:
    wps = tmp_path / "申报书.wps"
    shutil.copyfile(doc_file, wps)
    before = wps.read_bytes()
    tree = parse_file(wps)
    assert tree.format == "wps" and tree.path == str(wps)
    assert _outline(tree) == _outline(parse_via_libreoffice(doc_file))
    assert wps.read_bytes() == before  # inputs are never modified


@needs_soffice
def test_convert_many_one_call_several_files(doc_file: Path, tmp_path: Path) -> None:
    a = tmp_path / "a" / "same.doc"
    b = tmp_path / "b" / "same.doc"
    a.parent.mkdir()
    b.parent.mkdir()
    shutil.copyfile(doc_file, a)
    shutil.copyfile(doc_file, b)
    broken = tmp_path / "broken.doc"
    broken.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    missing = tmp_path / "missing.doc"
    res = convert_many([a, b, broken, missing], tmp_path / "out", 120)
    assert list(res) == [a, b, broken, missing]
    pa, pb = res[a], res[b]
    assert isinstance(pa, Path) and isinstance(pb, Path) and pa != pb  # equal stems do not collide
    assert pa.suffix == ".docx" and pb.suffix == ".docx"
    assert isinstance(res[broken], str) and res[broken]
    assert isinstance(res[missing], str) and "cannot be read" in str(res[missing])


@needs_soffice
def test_convert_timeout_gives_error_string(doc_file: Path, tmp_path: Path) -> None:
    res = convert_many([doc_file], tmp_path / "out", timeout=0.05)
    assert res[doc_file] == "LibreOffice timed out after 0.05 s"


def test_missing_libreoffice(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(convert, "find_soffice", lambda: None)
    f = tmp_path / "x.doc"
    f.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(InputError) as e:
        parse_via_libreoffice(f)
    assert e.value.reason == "LibreOffice is needed to read .doc/.wps files and was not found"
    assert e.value.path == str(f)
    assert convert_many([f], tmp_path / "o", 10) == {f: NOT_FOUND}
    with pytest.raises(InputError, match="LibreOffice is needed"):
        parse_file(f)


@needs_soffice
def test_broken_doc_is_input_error(tmp_path: Path) -> None:
    f = tmp_path / "broken.doc"
    f.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(InputError, match="cannot convert to DOCX"):
        parse_via_libreoffice(f)
