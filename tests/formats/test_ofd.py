"""OFD (GB/T 33190): packages written by tests/formats/ofd_writer.py from the PDF corpus's
text layer (three ways producers write text), scored against the corpus's expected trees;
outlines, seals, image pages, several documents, namespaces and broken packages."""

from __future__ import annotations

import importlib.util
import io
import json
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import pytest
from ofd_writer import OfdDoc, pdf_to_ofd_doc, write_ofd

from dossier.errors import InputError
from dossier.parse import parse_file
from dossier.parse.ofd import MULTI_PREFIX, SEAL_PREFIX, is_ofd, parse_ofd, parse_ofd_documents

REPO = Path(__file__).resolve().parents[2]
PDF_DIR = REPO / "corpus" / "parse" / "pdf"
FIXTURES = sorted(PDF_DIR.glob("*.expected.json"))


def _corpus_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_pdf", REPO / "corpus" / "parse" / "make_pdf.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["make_pdf"] = mod
    spec.loader.exec_module(mod)
    return mod


SCORES = _corpus_tool().heading_scores


@pytest.fixture(scope="module")
def corpus_docs() -> dict[str, tuple[OfdDoc, dict[str, object]]]:
    out = {}
    for f in FIXTURES:
        exp = json.loads(f.read_text(encoding="utf-8"))
        out[f.name.split(".")[0]] = (pdf_to_ofd_doc(f.parent / str(exp["file"])), exp)
    return out


@pytest.mark.parametrize("style", ["runs", "chars", "ctm"])
def test_ofd_versions_of_the_pdf_corpus(style: str, corpus_docs: dict, tmp_path: Path) -> None:
    tot = {"expected": 0, "found": 0, "matched": 0}
    for name, (doc, exp) in corpus_docs.items():
        path = write_ofd(tmp_path / f"{name}.ofd", [doc], style=style)
        tree = parse_ofd(path)
        s = SCORES([h.as_dict() for h in tree.headings], exp["headings"])
        assert s["recall"] >= 0.98 and s["precision"] >= 0.98, (name, s)
        assert s["levels"] >= 0.98 and s["labels"] >= 0.98, (name, s)
        assert tree.title == exp["title"], name
        assert tree.format == "ofd" and not tree.ocr
        for k in tot:
            tot[k] += s[k]
    assert tot["matched"] / tot["expected"] >= 0.98 and tot["matched"] / tot["found"] >= 0.98


def _report(doc: OfdDoc, *, headings_plain: bool = False) -> None:
    p = doc.page()
    y = 30.0
    for label, title in (("一、", "项目概况"), ("二、", "建设内容"), ("三、", "验收结论")):
        p.text(25, y, f"{label}{title}", size=5.6 if not headings_plain else 3.7, font="黑体")
        y += 10
        p.text(32, y, "项目建设单位按照总体规划统筹推进数据共享和业务协同，系统运行稳定。", size=3.7)
        y += 10


def test_outline_used_like_bookmarks(tmp_path: Path) -> None:
    doc = OfdDoc()
    p = doc.page()
    # Unnumbered, body-sized, body-font lines: headings only because the outline says so.
    p.text(25, 30, "项目背景", size=3.7)
    p.text(25, 40, "本项目由区大数据发展局组织实施，已完成全部建设内容并通过初步验收。", size=3.7)
    p.text(25, 50, "实施情况", size=3.7)
    p.text(25, 60, "系统自上线以来运行平稳，各项性能指标均达到合同约定的要求。", size=3.7)
    doc.outline = [(1, "项目背景", 0), (1, "实施情况", 0)]
    tree = parse_ofd(write_ofd(tmp_path / "o.ofd", [doc]))
    assert [(h.title, h.level) for h in tree.walk()] == [("项目背景", 1), ("实施情况", 1)]
    assert all("bookmark" in h.signals for h in tree.walk())
    # Without the outline the same lines are body text.
    doc.outline = []
    assert list(parse_ofd(write_ofd(tmp_path / "n.ofd", [doc])).walk()) == []


def test_seals_and_stamps_noted_not_verified(tmp_path: Path) -> None:
    doc = OfdDoc(signatures=2)
    _report(doc)
    doc.pages[0].stamps = 1
    tree = parse_ofd(write_ofd(tmp_path / "s.ofd", [doc]))
    notes = [w for w in tree.warnings if w.startswith(SEAL_PREFIX)]
    assert len(notes) == 1 and "2 个电子签章" in notes[0] and "1 个印章注释" in notes[0] and "未验证" in notes[0]
    plain = OfdDoc()
    _report(plain)
    assert not any(w.startswith(SEAL_PREFIX) for w in parse_ofd(write_ofd(tmp_path / "p.ofd", [plain])).warnings)


def test_several_docbodies_are_several_documents(tmp_path: Path) -> None:
    a, b = OfdDoc(), OfdDoc()
    _report(a)
    pb = b.page()
    pb.text(25, 30, "第一章 总则", size=5.6, font="黑体")
    pb.text(32, 40, "为规范政务信息化项目管理，制定本办法。", size=3.7)
    path = write_ofd(tmp_path / "two.ofd", [a, b])
    docs = parse_ofd_documents(path)
    assert [[h.title for h in d.walk()] for d in docs] == [["项目概况", "建设内容", "验收结论"], ["总则"]]
    assert docs[1].path.endswith("two.ofd#2")
    first = parse_ofd(path)
    assert any(w.startswith(MULTI_PREFIX) for w in first.warnings)


def test_several_documents_reach_the_engine_as_files(tmp_path: Path) -> None:
    from dossier.check.engine import ingest_and_parse

    a, b = OfdDoc(), OfdDoc()
    _report(a)
    _report(b)
    folder = tmp_path / "dossier"
    folder.mkdir()
    write_ofd(folder / "报告.ofd", [a, b])
    parsed, gaps = ingest_and_parse(folder, tmp_path / "work")
    assert [(p.display.rsplit("/", 1)[-1], p.status, p.kind) for p in parsed] == [
        ("报告.ofd", "parsed", "ofd"), ("报告.ofd#2", "parsed", "ofd")]
    assert not gaps


def test_sniffed_by_content_not_extension(tmp_path: Path) -> None:
    from dossier.ingest import sniff

    doc = OfdDoc()
    _report(doc)
    disguised = write_ofd(tmp_path / "导出文件.zip", [doc])
    assert is_ofd(disguised) and sniff(disguised) == "ofd"
    assert [h.title for h in parse_file(disguised).walk()] == ["项目概况", "建设内容", "验收结论"]
    plain_zip = tmp_path / "x.ofd"
    with zipfile.ZipFile(plain_zip, "w") as zf:
        zf.writestr("readme.txt", "hello")
    assert not is_ofd(plain_zip) and sniff(plain_zip) == "zip"


@pytest.mark.parametrize("ns", ["http://www.ofdspec.org", ""])
def test_older_or_missing_namespace(ns: str, tmp_path: Path) -> None:
    doc = OfdDoc()
    _report(doc)
    src = write_ofd(tmp_path / "a.ofd", [doc])
    dst = tmp_path / "b.ofd"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info).decode("utf-8")
            if ns:
                data = data.replace("http://www.ofdspec.org/2016", ns)
            else:
                data = data.replace(' xmlns:ofd="http://www.ofdspec.org/2016"', "").replace("ofd:", "")
            # Producers also write paths absolute and in another letter case.
            data = data.replace("<DocRoot>Doc_0/", "<DocRoot>/DOC_0/").replace("<ofd:DocRoot>Doc_0/", "<ofd:DocRoot>/doc_0/")
            zout.writestr(info.filename, data)
    assert [h.title for h in parse_ofd(dst).walk()] == ["项目概况", "建设内容", "验收结论"]


def test_broken_packages_say_why(tmp_path: Path) -> None:
    no_root = tmp_path / "a.ofd"
    with zipfile.ZipFile(no_root, "w") as zf:
        zf.writestr("OFD.xml", '<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"><ofd:DocBody>'
                    "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>")
    with pytest.raises(InputError, match="DocRoot"):
        parse_ofd(no_root)
    not_zip = tmp_path / "b.ofd"
    not_zip.write_bytes(b"%not a zip at all")
    with pytest.raises(InputError, match="not an OFD"):
        parse_ofd(not_zip)
    bad_xml = tmp_path / "c.ofd"
    with zipfile.ZipFile(bad_xml, "w") as zf:
        zf.writestr("OFD.xml", "<Document/>")
    with pytest.raises(InputError, match="not an OFD"):
        parse_ofd(bad_xml)


def test_a_broken_ofd_costs_one_file_in_a_dossier(tmp_path: Path) -> None:
    from dossier.check.engine import ingest_and_parse

    folder = tmp_path / "d"
    folder.mkdir()
    with zipfile.ZipFile(folder / "坏.ofd", "w") as zf:
        zf.writestr("OFD.xml", "<OFD><DocBody><DocRoot>missing.xml</DocRoot></DocBody></OFD>")
    good = OfdDoc()
    _report(good)
    write_ofd(folder / "好.ofd", [good])
    parsed, _gaps = ingest_and_parse(folder, tmp_path / "w")
    status = {p.display.rsplit("/", 1)[-1]: (p.status, p.code) for p in parsed}
    assert status == {"坏.ofd": ("unreadable", "DOS-P002"), "好.ofd": ("parsed", "")}


def test_image_only_page_without_ocr_is_reported_as_such(tmp_path: Path) -> None:
    from PIL import Image

    doc = OfdDoc()
    p = doc.page()
    buf = io.BytesIO()
    Image.new("L", (200, 280), 255).save(buf, format="PNG")
    p.images.append((buf.getvalue(), (0.0, 0.0, 210.0, 297.0)))
    tree = parse_ofd(write_ofd(tmp_path / "img.ofd", [doc]), ocr=False)
    assert tree.warnings and tree.warnings[0].startswith("no-text-layer:") and "turned off" in tree.warnings[0]
    assert list(tree.walk()) == []
