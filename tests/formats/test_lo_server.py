"""The long-lived LibreOffice: one start for many files, a fresh one after a death or a hang,
a damaged file costs itself only, the originals are never touched."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import docx
import pytest

from dossier.parse.convert import convert_many, find_soffice
from dossier.parse.docx import parse_docx
from dossier.parse.lo_server import LibreOffice, find_uno_python

SOFFICE = find_soffice()
PYTHON = find_uno_python() if SOFFICE else None
pytestmark = pytest.mark.skipif(PYTHON is None, reason="LibreOffice or a Python with uno is missing")


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    tmp = tmp_path_factory.mktemp("lo")
    src = []
    for k in range(3):
        d = docx.Document()
        d.add_heading(f"第{'一二三'[k]}章 测试{k}", 1)
        d.add_paragraph("正文内容。" * 20)
        p = tmp / f"r{k}.docx"
        d.save(str(p))
        src.append(p)
    made = convert_many(src, tmp / "doc", to="doc")
    out = [p for p in made.values() if isinstance(p, Path)]
    assert len(out) == 3, made
    return out


@pytest.fixture
def server() -> object:
    assert SOFFICE is not None and PYTHON is not None
    lo = LibreOffice(SOFFICE, PYTHON)
    yield lo
    lo.close()
    assert not lo.work.exists()


def _titles(p: Path) -> list[str]:
    return [h.title for h in parse_docx(p).walk()]


def test_many_files_one_start(server: LibreOffice, docs: list[Path], tmp_path: Path) -> None:
    before = [d.read_bytes() for d in docs]
    outs = [server.convert(d, tmp_path) for d in docs]
    assert all(isinstance(o, Path) for o in outs), outs
    assert [_titles(o) for o in outs if isinstance(o, Path)] == [["测试0"], ["测试1"], ["测试2"]]
    assert server.starts == 1
    assert [d.read_bytes() for d in docs] == before


def test_a_dead_server_is_started_afresh(server: LibreOffice, docs: list[Path], tmp_path: Path) -> None:
    assert isinstance(server.convert(docs[0], tmp_path), Path)
    assert server.proc is not None
    os.killpg(server.proc.pid, signal.SIGKILL)  # the group this server started: bridge and soffice
    server.proc.wait(timeout=10)
    got = server.convert(docs[1], tmp_path)
    assert isinstance(got, Path) and _titles(got) == ["测试1"]
    assert server.starts == 2


def test_a_hang_costs_one_file(server: LibreOffice, docs: list[Path], tmp_path: Path) -> None:
    assert isinstance(server.convert(docs[0], tmp_path), Path)
    assert server.proc is not None
    os.killpg(server.proc.pid, signal.SIGSTOP)  # frozen: no answer will come
    late = server.convert(docs[1], tmp_path, timeout=2.0)
    assert isinstance(late, str) and "did not finish" in late
    assert not server.alive()
    got = server.convert(docs[2], tmp_path)
    assert isinstance(got, Path) and _titles(got) == ["测试2"]


def test_a_damaged_file_costs_itself_only(server: LibreOffice, docs: list[Path], tmp_path: Path) -> None:
    bad = tmp_path / "bad.doc"
    bad.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(4096))
    server.convert(bad, tmp_path / "o")  # LibreOffice may read junk as text or refuse it: either way
    gone = server.convert(tmp_path / "missing.doc", tmp_path / "o")
    assert isinstance(gone, str) and "cannot be read" in gone
    ok = server.convert(docs[0], tmp_path / "o")
    assert isinstance(ok, Path)
    assert server.starts == 1
