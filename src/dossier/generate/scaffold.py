"""`dossier scaffold`: a dossier folder for one stage, ready to be filled in.

One numbered folder per required material (the number is the material's place in the
stage, so it matches the 材料清单 whatever the facts), holding either the generated
skeleton of its outlined document or a placeholder DOCX that says only guidance. A
材料清单 (DOCX and XLSX) lists every material, required or not, and why.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
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

MANIFEST = ".dossier-scaffold.json"
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
    rows: tuple[MaterialRow, ...]


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

    `out_dir` must be missing, empty, or made by an earlier scaffold (whose files are
    replaced); `force` writes into any other folder, overwriting only the names it writes.
    """
    try:
        stage = pack.stage(stage_id)
    except KeyError as exc:
        raise GenerateError(str(exc.args[0]), path=f"outlines/{pack.id}") from None
    root = _prepare(out_dir, force=force)
    titles = fact_titles(pack)
    doc_ids = {d.id for d in pack.documents}
    written: list[Path] = []
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
                generate_document(pack, m.document, facts, file)
            else:
                render("placeholder", {"notes": placeholder_notes(m, truth, reason)}, file)
            written.append(file)
        rows.append(MaterialRow(n, m.id, m.title, truth, reason, cites, folder, file))
    written += _checklists(pack, stage, facts, root, rows)
    manifest = _inside(root, root / MANIFEST)
    manifest.write_text(
        json.dumps(
            {
                "tool": "dossier scaffold",
                "pack": {"id": pack.id, "version": pack.version},
                "stage": stage.id,
                "facts": {k: to_jsonable(v) for k, v in sorted(facts.items())},
                "files": sorted(p.relative_to(root).as_posix() for p in written),
            },
            ensure_ascii=False,
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    return ScaffoldResult(out_dir=root, files=tuple(written), rows=tuple(rows))


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


def _prepare(out_dir: Path, *, force: bool) -> Path:
    if out_dir.exists() and not out_dir.is_dir():
        raise GenerateError("exists and is not a folder", path=str(out_dir))
    out_dir.mkdir(parents=True, exist_ok=True)
    root = out_dir.resolve()
    entries = list(root.iterdir())
    if not entries:
        return root
    manifest = root / MANIFEST
    if manifest.is_file():
        _remove_previous(root, manifest)
        return root
    if force:
        return root
    raise GenerateError(
        "folder is not empty and was not made by `dossier scaffold`; choose an empty folder or use --force",
        path=str(out_dir),
    )


def _remove_previous(root: Path, manifest: Path) -> None:
    """Delete the files an earlier scaffold listed (and folders left empty), nothing else."""
    try:
        listed = json.loads(manifest.read_text(encoding="utf-8")).get("files", [])
    except (OSError, ValueError, AttributeError):
        raise GenerateError(
            "unreadable scaffold manifest; remove it or use an empty folder", path=str(manifest)
        ) from None
    for rel in listed:
        if not isinstance(rel, str):
            continue
        path = (root / rel).resolve()
        if not path.is_relative_to(root) or path == root:
            continue  # a doctored manifest never makes us delete outside the folder
        if path.is_file():
            path.unlink()
            parent = path.parent
            while parent != root and parent.is_relative_to(root) and not any(parent.iterdir()):
                parent.rmdir()
                parent = parent.parent
    manifest.unlink()


def _inside(root: Path, path: Path) -> Path:
    resolved = path.resolve()
    if not resolved.is_relative_to(root) or resolved == root:
        raise GenerateError("refusing to write outside the scaffold folder", path=str(path))
    return resolved


def _checklists(
    pack: Pack, stage: Stage, facts: Mapping[str, Any], root: Path, rows: list[MaterialRow]
) -> list[Path]:
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
    docx_path = _inside(root, root / f"{CHECKLIST}.docx")
    render("checklist", {"title": f"{stage.title}材料清单", "header": header, "rows": table}, docx_path)
    xlsx_path = _inside(root, root / f"{CHECKLIST}.xlsx")
    _write_xlsx(xlsx_path, rows, root)
    return [docx_path, xlsx_path]


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
