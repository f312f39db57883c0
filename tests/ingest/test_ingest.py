"""Safe ingestion: folders, zips, hostile archives, broken and odd files.

Every input is built inline in tmp_path. Most tests finish by checking the two promises
that matter most: nothing was written outside the work dir (a snapshot of tmp_path, the
work dir excluded, is the same before and after) and the inputs are unchanged (their
hashes are the same before and after).
"""

from __future__ import annotations

import hashlib
import io
import os
import stat
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dossier.ingest as ingest_mod
from dossier.errors import InputError
from dossier.ingest import CODE_REFUSED, CODE_UNREADABLE, IngestResult, Limits, ingest, sniff

# -- helpers --------------------------------------------------------------------------


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def snapshot(root: Path, exclude: Path | None = None) -> dict[str, str]:
    """Every path under root (the work dir excluded) with its content hash, link target or 'dir'."""
    out: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        d = Path(dirpath)
        if exclude is not None:
            dirnames[:] = [n for n in dirnames if (d / n) != exclude]
        for n in dirnames + filenames:
            p = d / n
            rel = str(p.relative_to(root))
            if p.is_symlink():
                out[rel] = "link:" + os.readlink(p)
            elif p.is_dir():
                out[rel] = "dir"
            else:
                mode = p.stat().st_mode
                if not mode & stat.S_IRUSR:
                    out[rel] = f"mode:{mode:o}"  # unreadable on purpose: compare its mode, not content
                else:
                    out[rel] = sha(p.read_bytes())
    return out


@contextmanager
def sandbox(tmp_path: Path) -> Iterator[Path]:
    """Yields the work dir; asserts on exit that nothing outside it changed."""
    work = tmp_path / "work"
    before = snapshot(tmp_path, exclude=work)
    yield work
    assert snapshot(tmp_path, exclude=work) == before
    for p in work.rglob("*"):  # every extracted file is really inside the work dir
        assert os.path.realpath(p).startswith(os.path.realpath(work) + os.sep)


def make_zip(entries: Sequence[tuple[str | zipfile.ZipInfo, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in entries:
            zf.writestr(name, data)
    return buf.getvalue()


def craft(data: bytes, rename: dict[bytes, bytes] | None = None, set_flags: dict[bytes, int] | None = None) -> bytes:
    """Rewrite raw names and flag bits of a zipfile-built archive, in both the local and central headers.

    zipfile cannot write what Chinese Windows tools write: it sets the UTF-8 flag (0x800) for
    every non-ASCII name and clears other flag bits. So an entry is written under an ASCII
    placeholder of the same byte length (the flag stays off), then the raw GBK bytes are
    patched over the placeholder in the local header (name at offset 30) and the central
    directory (name at offset 46). Names are not covered by the CRC, so the archive stays valid.
    The same walk ORs flag bits in (0x1 = encrypted) at offsets 6 (local) and 8 (central).
    """
    rename = rename or {}
    set_flags = set_flags or {}
    buf = bytearray(data)
    eocd = buf.rfind(b"PK\x05\x06")
    count = struct.unpack_from("<H", buf, eocd + 10)[0]
    at = struct.unpack_from("<L", buf, eocd + 16)[0]
    for _ in range(count):
        assert buf[at : at + 4] == b"PK\x01\x02"
        n, x, c = struct.unpack_from("<3H", buf, at + 28)
        local = struct.unpack_from("<L", buf, at + 42)[0]
        assert buf[local : local + 4] == b"PK\x03\x04"
        name = bytes(buf[at + 46 : at + 46 + n])
        new = rename.get(name, name)
        assert len(new) == len(name)
        for flags_at, name_at in ((at + 8, at + 46), (local + 6, local + 30)):
            flags = struct.unpack_from("<H", buf, flags_at)[0]
            struct.pack_into("<H", buf, flags_at, flags | set_flags.get(name, 0))
            buf[name_at : name_at + n] = new
        at += 46 + n + x + c
    return bytes(buf)


def by_display(result: IngestResult) -> dict[str, ingest_mod.IngestedFile]:
    return {f.display: f for f in result.files}


def problems(result: IngestResult) -> dict[str, tuple[str, str]]:
    return {p.display: (p.reason, p.code) for p in result.problems}


def docx_bytes(text: str = "项目监理报告") -> bytes:
    import docx

    d = docx.Document()
    d.add_heading(text, 1)
    d.add_paragraph("正文")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


# -- folders ---------------------------------------------------------------------------


def test_folder_nested_with_zip_junk_and_links(tmp_path: Path) -> None:
    root = tmp_path / "dossier"
    (root / "a" / "b" / "c").mkdir(parents=True)
    report = docx_bytes()
    (root / "a" / "b" / "c" / "报告.docx").write_bytes(report)
    (root / "a" / "材料.zip").write_bytes(make_zip([("子目录/监理报告.pdf", b"%PDF-1.7\n%%EOF\n"),
                                                   ("说明.txt", "说明文字".encode())]))
    (root / "z.txt").write_text("最后", encoding="utf-8")
    # OS junk and hidden files: skipped silently.
    (root / ".hidden").write_text("x")
    (root / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (root / "Thumbs.db").write_bytes(b"junk")
    (root / "~$报告.docx").write_bytes(b"lock")
    (root / "__MACOSX").mkdir()
    (root / "__MACOSX" / "._报告.docx").write_bytes(b"x")
    (root / "a" / "desktop.ini").write_text("[x]")
    # A symlink out of the folder is not followed; one inside is read where it points.
    outside = tmp_path / "secret.txt"
    outside.write_text("do not read")
    (root / "link_out.txt").symlink_to(outside)
    (root / "link_in.docx").symlink_to(root / "a" / "b" / "c" / "报告.docx")
    (root / "link_dir").symlink_to(root / "a", target_is_directory=True)

    with sandbox(tmp_path) as work:
        res = ingest(root, work)
    files = by_display(res)
    assert list(files) == [
        "a/b/c/报告.docx",
        "a/材料.zip!/子目录/监理报告.pdf",
        "a/材料.zip!/说明.txt",
        "link_in.docx",
        "z.txt",
    ]
    f = files["a/b/c/报告.docx"]
    assert f.path == root / "a" / "b" / "c" / "报告.docx"  # used in place, not copied
    assert (f.kind, f.size, f.sha256) == ("docx", len(report), sha(report))
    pdf = files["a/材料.zip!/子目录/监理报告.pdf"]
    assert pdf.kind == "pdf" and pdf.path.is_relative_to(work) and pdf.path.read_bytes().startswith(b"%PDF")
    assert files["a/材料.zip!/说明.txt"].kind == "text"
    assert files["link_in.docx"].sha256 == sha(report)
    assert problems(res) == {
        "link_out.txt": ("symlink to outside the folder not followed", CODE_UNREADABLE),
        "link_dir": ("symlinked folder not followed", CODE_UNREADABLE),
    }
    assert res.root == str(root)

    # Deterministic: a second run elsewhere gives the same files and problems.
    again = ingest(root, tmp_path / "work2")
    strip = [(f.display, f.size, f.sha256, f.kind) for f in res.files]
    assert strip == [(f.display, f.size, f.sha256, f.kind) for f in again.files]
    assert res.problems == again.problems


def test_single_file_and_missing_path(tmp_path: Path) -> None:
    p = tmp_path / "终验申请书.docx"
    p.write_bytes(docx_bytes())
    with sandbox(tmp_path) as work:
        res = ingest(p, work)
    assert [(f.display, f.path, f.kind) for f in res.files] == [("终验申请书.docx", p, "docx")]
    assert res.problems == ()
    with pytest.raises(InputError, match="does not exist"):
        ingest(tmp_path / "nope", tmp_path / "work")


def test_workdir_inside_input_folder_is_not_ingested(tmp_path: Path) -> None:
    root = tmp_path / "d"
    root.mkdir()
    (root / "m.zip").write_bytes(make_zip([("x.txt", b"hello")]))
    work = root / "_work"
    first = ingest(root, work)
    second = ingest(root, work)  # the first run's extracted files are now inside the folder
    assert [f.display for f in first.files] == [f.display for f in second.files] == ["m.zip!/x.txt"]
    assert first.files[0].path != second.files[0].path  # reused work dir: fresh slots, nothing overwritten


# -- names -----------------------------------------------------------------------------


def test_gbk_names_without_utf8_flag(tmp_path: Path) -> None:
    gbk = "材料/监理报告.docx".encode("gbk")
    mac = "说明.txt".encode()  # UTF-8 written without the flag (macOS Archive Utility, 7-Zip)
    # Info-ZIP Unicode Path extra field (0x7075) over a GBK name: the UTF-8 name in the field wins.
    raw3 = "旧名.txt".encode("gbk")
    extra_name = "验收意见.txt".encode()
    info3 = zipfile.ZipInfo("q" * len(raw3))
    info3.extra = struct.pack("<HHBL", 0x7075, 5 + len(extra_name), 1, zlib.crc32(raw3)) + extra_name
    data = make_zip([("p" * len(gbk), b"docx?"), ("m" * len(mac), b"text"), (info3, b"field"), ("plain.txt", b"a")])
    data = craft(data, rename={b"p" * len(gbk): gbk, b"m" * len(mac): mac, b"q" * len(raw3): raw3})
    with zipfile.ZipFile(io.BytesIO(data)) as zf:  # the crafted archive really lacks the flag
        assert all(not i.flag_bits & 0x800 for i in zf.infolist())
        assert zf.namelist()[0] == gbk.decode("cp437")
    z = tmp_path / "材料.zip"
    z.write_bytes(data)
    with sandbox(tmp_path) as work:
        res = ingest(z, work)
    assert sorted(f.display for f in res.files) == sorted([
        "材料.zip!/材料/监理报告.docx", "材料.zip!/说明.txt", "材料.zip!/验收意见.txt", "材料.zip!/plain.txt"])
    assert by_display(res)["材料.zip!/材料/监理报告.docx"].path.name == "监理报告.docx"


def test_traversal_and_absolute_entries_refused(tmp_path: Path) -> None:
    names = ["../evil.txt", "/etc/passwd", "C:\\x.txt", "a/../../b", "..\\..\\evil2.txt", "d:/y.txt"]
    data = make_zip([(n, b"owned") for n in names] + [("good/ok.txt", b"fine"), ("dir\\win.txt", b"win")])
    with zipfile.ZipFile(io.BytesIO(data)) as zf:  # zipfile kept the hostile names as written
        assert set(names) <= set(zf.namelist())
    z = tmp_path / "in" / "t.zip"
    z.parent.mkdir()
    z.write_bytes(data)
    with sandbox(tmp_path) as work:
        res = ingest(z, work)
    assert [f.display for f in res.files] == ["t.zip!/dir/win.txt", "t.zip!/good/ok.txt"]
    assert problems(res) == {
        "t.zip!/../evil.txt": ("路径越界（../）", CODE_REFUSED),
        "t.zip!//etc/passwd": ("absolute path refused", CODE_REFUSED),
        "t.zip!/C:\\x.txt": ("drive letter path refused", CODE_REFUSED),
        "t.zip!/a/../../b": ("路径越界（../）", CODE_REFUSED),
        "t.zip!/..\\..\\evil2.txt": ("路径越界（../）", CODE_REFUSED),
        "t.zip!/d:/y.txt": ("drive letter path refused", CODE_REFUSED),
    }
    assert not (tmp_path / "evil.txt").exists() and not (tmp_path / "b").exists()


def test_symlink_device_and_encrypted_entries_refused(tmp_path: Path) -> None:
    link = zipfile.ZipInfo("passwd-link")
    link.create_system = 3
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    dev = zipfile.ZipInfo("null-dev")
    dev.create_system = 3
    dev.external_attr = (stat.S_IFCHR | 0o666) << 16
    data = make_zip([(link, b"/etc/passwd"), (dev, b""), ("secret.txt", b"cipher"), ("ok.txt", b"ok")])
    data = craft(data, set_flags={b"secret.txt": 0x1})
    z = tmp_path / "s.zip"
    z.write_bytes(data)
    with sandbox(tmp_path) as work:
        res = ingest(z, work)
    assert [f.display for f in res.files] == ["s.zip!/ok.txt"]
    assert problems(res) == {
        "s.zip!/passwd-link": ("symlink entry refused", CODE_REFUSED),
        "s.zip!/null-dev": ("device or special file entry refused", CODE_REFUSED),
        "s.zip!/secret.txt": ("encrypted entry", CODE_REFUSED),
    }
    assert not any(p.is_symlink() for p in work.rglob("*"))


def test_very_long_names(tmp_path: Path) -> None:
    long_name = "很长的目录名" * 50 + "/" + "监理报告" * 60 + ".pdf"  # 545 characters, 1.6 KB in UTF-8
    deep_name = ("子目录" * 20 + "/") * 8 + "x.txt"  # 493 characters in short components
    assert len(long_name) > 400 and len(deep_name) > 400
    z = tmp_path / "长.zip"
    z.write_bytes(make_zip([(long_name, b"%PDF-1.4 long"), (deep_name, b"deep")]))
    # A folder path over 400 characters is used in place.
    folder = tmp_path / "f"
    deep_dir = folder.joinpath(*(["目录" * 40] * 5))
    deep_dir.mkdir(parents=True)
    (deep_dir / "文件.txt").write_text("在这里")
    with sandbox(tmp_path) as work:
        res = ingest(z, work)
        res2 = ingest(folder, work)
    files = by_display(res)
    assert set(files) == {"长.zip!/" + long_name, "长.zip!/" + deep_name}
    for f in res.files:
        assert len(f.path.name.encode()) <= 150 and f.path.exists()
    assert files["长.zip!/" + long_name].path.suffix == ".pdf"
    assert files["长.zip!/" + long_name].kind == "pdf"
    assert res.problems == ()
    assert [f.path for f in res2.files] == [deep_dir / "文件.txt"]
    assert len(res2.files[0].display) > 400


def test_duplicate_member_names_do_not_collide(tmp_path: Path) -> None:
    z = tmp_path / "dup.zip"
    with pytest.warns(UserWarning):  # zipfile warns about the duplicate name it is asked to write
        z.write_bytes(make_zip([("a/x.txt", b"one"), ("b/x.txt", b"two"), ("a/x.txt", b"three")]))
    with sandbox(tmp_path) as work:
        res = ingest(z, work)
    assert sorted(f.path.read_bytes() for f in res.files) == [b"one", b"three", b"two"]
    assert len({f.path for f in res.files}) == 3


# -- nesting, counts, sizes --------------------------------------------------------------


def test_nesting_deeper_than_limit_refused(tmp_path: Path) -> None:
    d = make_zip([("x.txt", b"deepest")])
    c = make_zip([("d.zip", d), ("y.txt", b"level three")])
    b = make_zip([("c.zip", c)])
    a = make_zip([("b.zip", b), ("top.txt", b"top")])
    z = tmp_path / "a.zip"
    z.write_bytes(a)
    with sandbox(tmp_path) as work:
        res = ingest(z, work)
    assert [f.display for f in res.files] == ["a.zip!/b.zip!/c.zip!/y.txt", "a.zip!/top.txt"]
    assert problems(res) == {"a.zip!/b.zip!/c.zip!/d.zip": ("nesting deeper than 3", CODE_REFUSED)}
    # Nested archive copies are removed once read; only the member files remain.
    assert sorted(p.name for p in work.rglob("*") if p.is_file()) == ["top.txt", "y.txt"]


def test_ten_thousand_entries_keeps_first_five_thousand(tmp_path: Path) -> None:
    """Choice: the first max_entries entries (in name order) are kept and the rest refused with
    ONE problem naming the archive. The kept files are real submissions a reviewer needs; the
    cost is bounded by the limit; one problem instead of 5,000 keeps the report readable."""
    z = tmp_path / "many.zip"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for i in range(10_000):
            zf.writestr(f"f{i:05d}.txt", b"x")
    z.write_bytes(buf.getvalue())
    with sandbox(tmp_path) as work:
        res = ingest(z, work)
    assert len(res.files) == 5000
    assert res.files[0].display == "many.zip!/f00000.txt" and res.files[-1].display == "many.zip!/f04999.txt"
    assert problems(res) == {
        "many.zip": ("too many entries (10000 > 5000); entries after the first 5000 refused", CODE_REFUSED)}


def test_entry_budget_includes_nested_archives(tmp_path: Path) -> None:
    inner = make_zip([(f"i{i}.txt", b"i") for i in range(6)])
    z = tmp_path / "n.zip"
    z.write_bytes(make_zip([("a.txt", b"a"), ("inner.zip", inner), ("z.txt", b"z")]))
    with sandbox(tmp_path) as work:
        res = ingest(z, work, Limits(max_entries=5))
    # a.txt(1) inner.zip(2) i0..i2 (3-5), then i3 refused; z.txt is never reached.
    assert [f.display for f in res.files] == ["n.zip!/a.txt"] + [f"n.zip!/inner.zip!/i{i}.txt" for i in range(3)]
    assert [(p.display, p.code) for p in res.problems] == [("n.zip!/inner.zip", CODE_REFUSED)]
    assert res.problems[0].reason.startswith("too many entries (")


def test_huge_central_directory_refused_before_parsing(tmp_path: Path) -> None:
    z = tmp_path / "cd.zip"
    z.write_bytes(make_zip([(f"{i}", b"") for i in range(300)], zipfile.ZIP_STORED))
    with sandbox(tmp_path) as work:
        res = ingest(z, work, Limits(max_entries=10))
    assert res.files == ()
    assert problems(res) == {"cd.zip": ("too many entries (300 > 10); archive refused", CODE_REFUSED)}


def test_ratio_bomb_small_limits(tmp_path: Path) -> None:
    rnd = os.urandom(300_000)
    z = tmp_path / "r.zip"
    z.write_bytes(make_zip([("zeros.bin", b"\0" * 2_000_000), ("random.bin", rnd), ("small.xml", b" " * 50_000)]))
    with sandbox(tmp_path) as work:
        res = ingest(z, work, Limits(max_ratio=10, ratio_min_bytes=64 * 1024))
    assert problems(res) == {"r.zip!/zeros.bin": ("zip bomb: expansion ratio over 10", CODE_REFUSED)}
    # small.xml compresses ~100:1 but stays under ratio_min_bytes: harmless, kept.
    assert sorted(f.display for f in res.files) == ["r.zip!/random.bin", "r.zip!/small.xml"]
    assert by_display(res)["r.zip!/random.bin"].sha256 == sha(rnd)
    assert sorted(p.name for p in work.rglob("*") if p.is_file()) == ["random.bin", "small.xml"]  # partial deleted


def test_real_zip_bomb_default_limits(tmp_path: Path) -> None:
    """300 MB of zeros (about 300 KB compressed), written in streamed chunks so the test never
    holds it in memory. Default limits stop it at ratio 200: at most ~60 MB is ever written."""
    z = tmp_path / "bomb.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        info = zipfile.ZipInfo("zeros.docx")
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w", force_zip64=True) as dst:
            block = b"\0" * (1 << 20)
            for _ in range(300):
                dst.write(block)
        zf.writestr("ok.txt", b"still checked")
    assert z.stat().st_size < 1_000_000
    with sandbox(tmp_path) as work:
        res = ingest(z, work)
    assert problems(res) == {"bomb.zip!/zeros.docx": ("zip bomb: expansion ratio over 200", CODE_REFUSED)}
    assert [f.display for f in res.files] == ["bomb.zip!/ok.txt"]
    assert sum(p.stat().st_size for p in work.rglob("*") if p.is_file()) < 1000


def test_file_and_total_size_limits(tmp_path: Path) -> None:
    blobs = [os.urandom(1_000_000) for _ in range(5)]
    z = tmp_path / "t.zip"
    z.write_bytes(make_zip([(f"{i}.bin", b) for i, b in enumerate(blobs)] + [("big.bin", os.urandom(2_500_000))]))
    with sandbox(tmp_path) as work:
        res = ingest(z, work, Limits(max_total_bytes=3_000_000, max_file_bytes=2_000_000))
    assert [f.display for f in res.files] == ["t.zip!/0.bin", "t.zip!/1.bin", "t.zip!/2.bin"]
    assert [f.sha256 for f in res.files] == [sha(b) for b in blobs[:3]]
    assert problems(res) == {"t.zip!/3.bin": (
        "total uncompressed size over 3000000 bytes; remaining archive entries not extracted", CODE_REFUSED)}
    # In a folder, a later archive is not opened once the total is spent, and is named.
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "a.zip").write_bytes(z.read_bytes())
    (folder / "b.zip").write_bytes(make_zip([("late.txt", b"late")]))
    (folder / "c.txt").write_text("in place, still listed")
    with sandbox(tmp_path) as work3:
        res3 = ingest(folder, work3, Limits(max_total_bytes=3_000_000, max_file_bytes=2_000_000))
    assert [f.display for f in res3.files] == ["a.zip!/0.bin", "a.zip!/1.bin", "a.zip!/2.bin", "c.txt"]
    assert [(p.display, p.code) for p in res3.problems] == [("a.zip!/3.bin", CODE_REFUSED), ("b.zip", CODE_REFUSED)]
    assert res3.problems[1].reason == "not extracted: total uncompressed size limit (3000000 bytes) already reached"
    with sandbox(tmp_path) as work2:
        res2 = ingest(z, work2 / "x", Limits(max_file_bytes=2_000_000))
    assert problems(res2) == {"t.zip!/big.bin": ("file too large (2500000 > 2000000 bytes)", CODE_REFUSED)}


def test_lying_size_header_is_not_trusted(tmp_path: Path) -> None:
    """The headers claim 100 bytes for 5 MB of data: reading stops at the claim and the CRC
    check fails; no more than the claim is ever written and the entry is reported."""
    data = bytearray(make_zip([("lie.bin", b"A" * 5_000_000), ("ok.txt", b"ok")]))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo("lie.bin")
    cd = data.rfind(b"PK\x01\x02", 0, data.rfind(b"PK\x01\x02"))  # first central header (lie.bin)
    struct.pack_into("<L", data, cd + 24, 100)
    struct.pack_into("<L", data, info.header_offset + 22, 100)
    z = tmp_path / "lie.zip"
    z.write_bytes(bytes(data))
    with sandbox(tmp_path) as work:
        res = ingest(z, work)
    assert [f.display for f in res.files] == ["lie.zip!/ok.txt"]
    [(display, code)] = [(p.display, p.code) for p in res.problems]
    assert (display, code) == ("lie.zip!/lie.bin", CODE_UNREADABLE)
    assert "corrupt entry" in res.problems[0].reason


# -- broken input ------------------------------------------------------------------------


def test_truncated_zip_and_corrupt_member(tmp_path: Path) -> None:
    root = tmp_path / "d"
    root.mkdir()
    good = make_zip([("a.txt", b"a" * 1000), ("b.txt", os.urandom(5000))])
    (root / "broken.zip").write_bytes(good[: len(good) // 2])
    bad = bytearray(make_zip([("a.txt", b"a" * 1000), ("b.txt", os.urandom(5000))], zipfile.ZIP_STORED))
    at = bad.find(b"b.txt") + 5 + 100  # inside b.txt's stored data: CRC mismatch on read
    bad[at] ^= 0xFF
    (root / "crc.zip").write_bytes(bytes(bad))
    (root / "good.txt").write_text("还在")
    with sandbox(tmp_path) as work:
        res = ingest(root, work)
    assert [f.display for f in res.files] == ["crc.zip!/a.txt", "good.txt"]
    probs = problems(res)
    assert set(probs) == {"broken.zip", "crc.zip!/b.txt"}
    assert probs["broken.zip"][0].startswith("broken zip:") and probs["broken.zip"][1] == CODE_UNREADABLE
    assert probs["crc.zip!/b.txt"][0].startswith("corrupt entry:")
    assert [p.name for p in work.rglob("*") if p.is_file()] == ["a.txt"]


def test_zero_bytes_and_empty_archive(tmp_path: Path) -> None:
    root = tmp_path / "d"
    root.mkdir()
    (root / "空.pdf").write_bytes(b"")
    (root / "empty.zip").write_bytes(make_zip([]))
    (root / "m.zip").write_bytes(make_zip([("零.docx", b"")]))
    with sandbox(tmp_path) as work:
        res = ingest(root, work)
    assert [(f.display, f.kind, f.size) for f in res.files] == [("m.zip!/零.docx", "empty", 0), ("空.pdf", "empty", 0)]
    # 0-byte files are listed with kind "empty" (the checker reports them once, as DOS-P002);
    # an archive with nothing in it is named as a problem, since it yields no file to list.
    assert problems(res) == {"empty.zip": ("archive has no entries", CODE_UNREADABLE)}


def test_unreadable_permission(tmp_path: Path) -> None:
    root = tmp_path / "d"
    root.mkdir()
    locked = root / "locked.docx"
    locked.write_bytes(docx_bytes())
    (root / "ok.txt").write_text("ok")
    locked.chmod(0)
    try:
        try:
            with open(locked, "rb"):
                pass
            pytest.skip("running as root (or with CAP_DAC_OVERRIDE): chmod 000 is still readable")
        except PermissionError:
            pass
        with sandbox(tmp_path) as work:
            res = ingest(root, work)
        assert [f.display for f in res.files] == ["ok.txt"]
        assert problems(res) == {"locked.docx": ("permission denied", CODE_UNREADABLE)}
    finally:
        locked.chmod(0o644)


def test_permission_denied_and_vanishing_file_simulated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same paths, forced: works as root too. The vanishing file is really deleted between
    the folder listing and the open (the race a bulk scan meets on a live share)."""
    root = tmp_path / "d"
    root.mkdir()
    for n in ("gone.pdf", "locked.docx", "ok.txt"):
        (root / n).write_bytes(b"%PDF-1.4" if n.endswith(".pdf") else b"data")
    real_open = ingest_mod._open_for_read

    def fake_open(path: Path) -> int:
        if path.name == "locked.docx":
            raise PermissionError(13, "Permission denied")
        if path.name == "gone.pdf":
            path.unlink()
        return real_open(path)

    monkeypatch.setattr(ingest_mod, "_open_for_read", fake_open)
    res = ingest(root, tmp_path / "work")
    assert [f.display for f in res.files] == ["ok.txt"]
    assert problems(res) == {
        "gone.pdf": ("file disappeared while reading", CODE_UNREADABLE),
        "locked.docx": ("permission denied", CODE_UNREADABLE),
    }


# -- sniffing ------------------------------------------------------------------------------


def test_sniff_by_content_not_extension(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    xbuf = io.BytesIO()
    wb.save(xbuf)
    docx = docx_bytes()
    samples: dict[str, bytes] = {
        "real.docx": docx,
        "renamed.pdf": docx,  # a docx named .pdf is a docx
        "html.docx": "<!DOCTYPE html>\n<html><head><meta charset='utf-8'></head><body>监理报告</body></html>".encode(),
        "mht.doc": b"MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=x\r\n\r\n--x\r\n"
                   b"Content-Type: text/html; charset=utf-8\r\n\r\n<p>hi</p>",
        "macro.docm": make_zip([("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<w:document/>"),
                                ("word/vbaProject.bin", b"\xd0\xcf\x11\xe0")]),
        "sheet.xlsx": xbuf.getvalue(),
        "truncated.docx": docx[: len(docx) // 3],
        "scan.pdf": b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n",
        "junk-before.pdf": b"\r\n\r\n%PDF-1.4\n",
        "old.doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504,
        "old.wps": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504,
        "legacy.wps": b"\x1a\x00\x05WPS binary \xff\x00\x01",
        "photo.jpg": b"\xff\xd8\xff\xe0\0\x10JFIF\0",
        "page.png": b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
        "gbk.txt": "政务信息化项目建设单位".encode("gbk"),
        "utf8.md": "# 标题\n正文".encode(),
        "archive.docx": make_zip([("a.txt", b"a")]),  # a plain archive named .docx is an archive
        "blob.bin": bytes(range(256)) * 4,
        "empty.docx": b"",
    }
    expected = {
        "real.docx": "docx", "renamed.pdf": "docx", "html.docx": "html", "mht.doc": "html",
        "macro.docm": "docx", "sheet.xlsx": "xlsx", "truncated.docx": "docx", "scan.pdf": "pdf",
        "junk-before.pdf": "pdf", "old.doc": "ole", "old.wps": "ole", "legacy.wps": "wps",
        "photo.jpg": "image", "page.png": "image", "gbk.txt": "text", "utf8.md": "text",
        "archive.docx": "zip", "blob.bin": "unknown", "empty.docx": "empty",
    }
    for name, data in samples.items():
        (tmp_path / name).write_bytes(data)
    assert {n: sniff(tmp_path / n) for n in samples} == expected


def test_html_renamed_docx_is_ingested_as_html(tmp_path: Path) -> None:
    p = tmp_path / "监理报告.docx"
    p.write_bytes(b"<html><body>\xe7\x9b\x91\xe7\x90\x86</body></html>")
    res = ingest(p, tmp_path / "work")
    assert [(f.kind, f.display) for f in res.files] == [("html", "监理报告.docx")]


# -- fuzzing --------------------------------------------------------------------------------

# Seeds cover the three decompressors zipfile uses: damaged LZMA and bzip2 streams raise
# exception types (LZMAError, IndexError, OSError) that a deflate-only fuzz never meets.
_SEEDS = (
    make_zip([
        ("文档/a.txt", b"hello " * 50),
        ("inner.zip", make_zip([("b.txt", b"inner"), ("deeper.zip", make_zip([("c.txt", b"c")]))])),
        ("d.pdf", b"%PDF-1.4 x"),
    ]),
    make_zip([("l.txt", b"lzma " * 400), ("m.txt", b"m")], zipfile.ZIP_LZMA),
    make_zip([("z.txt", b"bz2 " * 400)], zipfile.ZIP_BZIP2),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.sampled_from(range(len(_SEEDS))),
    cut=st.floats(min_value=0.0, max_value=1.0),
    flips=st.lists(st.tuples(st.floats(min_value=0.0, max_value=0.999), st.integers(1, 255)), max_size=8),
)
def test_fuzz_mutated_zip_never_raises_or_escapes(
    tmp_path: Path, seed: int, cut: float, flips: list[tuple[float, int]]
) -> None:
    data = bytearray(_SEEDS[seed])
    for at, x in flips:
        data[int(at * len(data))] ^= x
    if cut < 0.25:  # a quarter of the cases are truncated
        data = data[: max(1, int(cut * 4 * len(data)))]
    with tempfile.TemporaryDirectory(dir=tmp_path) as td:
        box = Path(td)
        z = box / "f.zip"
        z.write_bytes(bytes(data))
        with sandbox(box) as work:
            res = ingest(z, work, Limits(max_entries=50, max_total_bytes=1_000_000))
        for f in res.files:  # extracted members, or the input itself when it is no longer a zip
            assert f.path.is_relative_to(work) or (f.path == z and f.display == "f.zip")
            assert f.path.stat().st_size == f.size
        for p in res.problems:
            assert p.display.startswith("f.zip") and p.reason and p.code in (CODE_REFUSED, CODE_UNREADABLE)
