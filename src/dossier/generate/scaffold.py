"""`dossier scaffold`: a dossier folder for one stage, ready to be filled in.

One numbered folder per required material (the number is the material's place in the
stage, so it matches the 材料清单 whatever the facts), holding either the generated
skeleton of its outlined document or a placeholder DOCX that says only guidance. A
材料清单 (DOCX and XLSX) lists every material, required or not, and why.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from dossier.conditions import Truth, describe, evaluate
from dossier.facts import fact_titles, to_jsonable
from dossier.generate.context import MARKER, cite_text, fmt_value, render_citations
from dossier.generate.document import GenerateError, generate_document
from dossier.generate.render import render
from dossier.model import Material, Pack, Stage
from dossier.outputs import atomic_write, replace_from, temp_beside
from dossier.yamlio import read_regular

MANIFEST = ".dossier-scaffold.json"
MAX_MANIFEST_BYTES = 4 * 1024 * 1024
CHECKLIST = "材料清单"
PLACEHOLDER_SUFFIX = ".docx"

_UNSAFE = re.compile(r'[\x00-\x1f<>:"/\\|?*]+')


@dataclass(frozen=True)
class MaterialRow:
    """One line of the 材料清单."""

    number: int
    id: str
    title: str
    required: bool | None
    """True: required; False: not required for these facts; None: the facts do not decide (待确认)."""
    reason: str
    citations: tuple[str, ...]
    folder: Path | None
    """The material's folder inside out_dir; None when it is not required."""
    placeholder: Path | None
    """The skeleton or placeholder DOCX written for it; None when it is not required."""

    @property
    def required_text(self) -> str:
        return {True: "是", False: "否", None: "待确认"}[self.required]


@dataclass(frozen=True)
class ScaffoldResult:
    out_dir: Path
    files: tuple[Path, ...]
    """What this run wrote (new files, and the tool's own untouched files brought up to date)."""
    rows: tuple[MaterialRow, ...]
    kept: tuple[Path, ...] = ()
    """Files the tool would have written but left alone: they differ from what it last wrote
    there (the user's work) or it never wrote them. `--force` overwrites them."""
    removed: tuple[Path, ...] = ()
    """The tool's own untouched files that these facts no longer need."""


def safe_name(text: str) -> str:
    """A folder/file name from a title: no separators, control or reserved characters."""
    name = _UNSAFE.sub("_", text).strip(" ._")
    return name[:80] or "材料"


def requirement(m: Material, facts: Mapping[str, Any], titles: Mapping[str, str]) -> tuple[Truth, str]:
    """Whether a material is required for these facts, and why, in words."""
    truth = evaluate(m.when, facts)
    seed = f"（{m.condition_text}）" if m.condition_text else ""
    if m.when is None:
        reason = "必备材料" + seed
    else:
        rule = describe(m.when, titles)
        if truth is True:
            reason = f"需要：{rule} 成立{seed}"
        elif truth is False:
            reason = f"不需要：{rule} 不成立{seed}"
        else:
            reason = f"待确认：项目事实不足以判断 {rule}{seed}"
    if m.verify == "manual":
        reason += "；需人工核验"
    return truth, reason


def scaffold(
    pack: Pack, stage_id: str, facts: Mapping[str, Any], out_dir: Path, *, force: bool = False
) -> ScaffoldResult:
    """Write the stage's dossier folder into `out_dir`.

    `out_dir` must be missing, empty, or made by an earlier scaffold; `force` writes into any
    other folder. A re-run adds what is missing and replaces only the tool's own files that
    nobody changed since (the manifest keeps their sha256); every other existing file is left
    alone and listed in `kept`, unless `force`, which overwrites the names it writes.
    """
    try:
        stage = pack.stage(stage_id)
    except KeyError as exc:
        raise GenerateError(str(exc.args[0]), path=f"outlines/{pack.id}") from None
    root, previous = _prepare(out_dir, force=force)
    w = _Writer(root, previous, force)
    titles = fact_titles(pack)
    doc_ids = {d.id for d in pack.documents}
    rows: list[MaterialRow] = []
    width = max(2, len(str(len(stage.materials))))
    for n, m in enumerate(stage.materials, start=1):
        truth, reason = requirement(m, facts, titles)
        cites = tuple(dict.fromkeys(cite_text(c) for c in m.citations))
        folder = file = None
        if truth is not False:
            folder = _inside(root, root / f"{n:0{width}d}_{safe_name(m.title)}")
            file = _inside(root, folder / f"{safe_name(m.title)}{PLACEHOLDER_SUFFIX}")
            if m.document and m.document in doc_ids:
                w.write(file, functools.partial(generate_document, pack, m.document, facts))
            else:
                context = {"notes": placeholder_notes(m, truth, reason)}
                w.write(file, functools.partial(render, "placeholder", context))
        rows.append(MaterialRow(n, m.id, m.title, truth, reason, cites, folder, file))
    _checklists(pack, stage, facts, root, rows, w)
    removed = w.remove_unneeded()
    manifest = _inside(root, root / MANIFEST)
    data = json.dumps(
        {
            "tool": "dossier scaffold",
            "pack": {"id": pack.id, "version": pack.version},
            "stage": stage.id,
            "facts": {k: to_jsonable(v) for k, v in sorted(facts.items())},
            # path → sha256 of what the tool last wrote there: a re-run replaces a file only
            # while it still has exactly these bytes.
            "files": dict(sorted(w.owned.items())),
        },
        ensure_ascii=False,
        indent=2,
    ) + "\n"
    atomic_write(manifest, data.encode("utf-8"))
    return ScaffoldResult(out_dir=root, files=tuple(w.written), rows=tuple(rows), kept=tuple(w.kept),
                          removed=tuple(removed))


def _sha256(path: Path) -> str | None:
    """The file's sha256, or None when it is not a regular file (never read: a FIFO would hang)."""
    try:
        st = path.lstat()
        if not stat.S_ISREG(st.st_mode):
            return None
        with path.open("rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError:
        return None


@dataclass
class _Writer:
    """Writes each file through a temporary name, and never over the user's work: an existing
    file is replaced only when it still has the bytes the tool last wrote there (or --force)."""

    root: Path
    previous: dict[str, str | None]
    """rel path → sha256 the last scaffold wrote (None: an old manifest without hashes)."""
    force: bool
    owned: dict[str, str] = field(default_factory=dict)
    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)

    def write(self, target: Path, make: Callable[[Path], object]) -> None:
        rel = target.relative_to(self.root).as_posix()
        exists = os.path.lexists(target)
        current = _sha256(target) if exists else None
        last = self.previous.get(rel)
        if exists and not self.force and (current is None or last is None or current != last):
            self.kept.append(target)
            if last is not None:
                self.owned[rel] = last  # still the tool's last version: the user's edit stays "theirs"
            return
        if exists and (os.path.islink(target) or not os.path.isfile(target)):
            raise GenerateError("exists and is not a plain file; remove it or choose another folder",
                                path=str(target))
        tmp = temp_beside(target)
        try:
            make(tmp)
            digest = _sha256(tmp) or ""
            replace_from(tmp, target)
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()
        self.owned[rel] = digest
        self.written.append(target)

    def remove_unneeded(self) -> list[Path]:
        """Delete the tool's own files (unchanged since it wrote them) that these facts no
        longer need, and folders left empty; a file the user changed stays, and is reported."""
        removed = []
        for rel, last in sorted(self.previous.items()):
            if rel in self.owned or any(k.relative_to(self.root).as_posix() == rel for k in self.kept):
                continue
            path = (self.root / rel).resolve()
            if not path.is_relative_to(self.root) or path == self.root:
                continue  # a doctored manifest never makes us delete outside the folder
            if not path.is_file():
                continue
            if self.force or (last is not None and _sha256(path) == last):
                path.unlink()
                removed.append(path)
                parent = path.parent
                while parent != self.root and parent.is_relative_to(self.root) and not any(parent.iterdir()):
                    parent.rmdir()
                    parent = parent.parent
            else:
                self.kept.append(path)
        return removed


def placeholder_notes(m: Material, truth: Truth, reason: str) -> list[str]:
    what = m.guidance.strip() or f"请将《{m.title}》放入本文件夹，并删除本占位文件"
    note = MARKER + what.rstrip("。") + "。"
    cites = render_citations(m.citations)
    if cites:
        note += f"依据：{cites}。"
    if truth is None:
        note += f"是否需要待确认：{reason.removeprefix('待确认：')}。"
    elif m.when is not None:
        note += f"{reason}。"
    return [note]


def _prepare(out_dir: Path, *, force: bool) -> tuple[Path, dict[str, str | None]]:
    """The folder to write into, and what an earlier scaffold wrote there (path → sha256)."""
    if out_dir.exists() and not out_dir.is_dir():
        raise GenerateError("exists and is not a folder", path=str(out_dir))
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise GenerateError(f"cannot create the folder: {exc.strerror or exc}", path=str(out_dir)) from None
    root = out_dir.resolve()
    if not any(root.iterdir()):
        return root, {}
    manifest = root / MANIFEST
    if os.path.lexists(manifest):
        return root, _previous(manifest)
    if force:
        return root, {}
    raise GenerateError(
        "folder is not empty and was not made by `dossier scaffold`; choose an empty folder or use --force",
        path=str(out_dir),
    )


def _previous(manifest: Path) -> dict[str, str | None]:
    try:
        listed = json.loads(read_regular(manifest, MAX_MANIFEST_BYTES, GenerateError)).get("files", [])
    except (ValueError, AttributeError):
        raise GenerateError(
            "unreadable scaffold manifest; remove it or use an empty folder", path=str(manifest)
        ) from None
    if isinstance(listed, dict):  # path → sha256 of what the tool wrote
        return {k: v if isinstance(v, str) else None for k, v in listed.items() if isinstance(k, str)}
    if isinstance(listed, list):  # an older manifest without hashes: nothing counts as untouched
        return {k: None for k in listed if isinstance(k, str)}
    return {}


def _inside(root: Path, path: Path) -> Path:
    resolved = path.resolve()
    if not resolved.is_relative_to(root) or resolved == root:
        raise GenerateError("refusing to write outside the scaffold folder", path=str(path))
    return resolved


def _checklists(
    pack: Pack, stage: Stage, facts: Mapping[str, Any], root: Path, rows: list[MaterialRow], w: _Writer
) -> None:
    header = [
        f"项目名称：{facts.get('project_name') or '（未提供）'}",
        f"阶段：{stage.title}（{stage.id}）",
        f"规则包：{pack.title}（{pack.id} {pack.version}）",
        f"阶段依据：{render_citations(stage.citations)}",
    ]
    names = fact_titles(pack)
    known = [f"{names.get(k, k)}：{fmt_value(v)}" for k, v in sorted(facts.items())]
    header.append("项目事实：" + ("；".join(known) if known else "（未提供，条件均待确认）"))
    table = [
        {
            "number": r.number,
            "title": r.title,
            "required": r.required_text,
            "reason": r.reason,
            "citations": "；".join(r.citations),
            "location": r.placeholder.relative_to(root).as_posix() if r.placeholder else "—",
        }
        for r in rows
    ]
    context = {"title": f"{stage.title}材料清单", "header": header, "rows": table}
    w.write(_inside(root, root / f"{CHECKLIST}.docx"), lambda tmp: render("checklist", context, tmp))
    w.write(_inside(root, root / f"{CHECKLIST}.xlsx"), lambda tmp: _write_xlsx(tmp, rows, root))


XLSX_COLUMNS = ("序号", "材料编号", "材料名称", "是否需要", "理由", "依据", "位置")


def _write_xlsx(path: Path, rows: list[MaterialRow], root: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = CHECKLIST
    ws.append(list(XLSX_COLUMNS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in rows:
        where = r.placeholder.relative_to(root).as_posix() if r.placeholder else ""
        ws.append([r.number, r.id, r.title, r.required_text, r.reason, "；".join(r.citations), where])
    for col, width in zip("ABCDEFG", (6, 28, 30, 10, 50, 30, 50), strict=True):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    wb.save(path)
