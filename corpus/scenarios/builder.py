"""Turn a scenario description (scenario.yaml) into the dossier files it describes.

A scenario is written from the regulation, not from the checker: `scenario.yaml` names the
jurisdiction, stage, report date and the project's facts (as people write them), and lists
the files a unit would hand in, each with its file name, title and content. Content is
either spelled out (`sections`, `paragraphs`, `tables`) or taken from a shared document
under `_documents/` (`use:`), itself transcribed from the regulation's outline or form, with
`drop` / `empty` / `rename` / `body` edits. `{name}`-style fields in any text are filled from
the scenario's `project:` mapping.

    build(folder, out_dir) -> list of written paths

DOCX files are written with python-docx; `format: pdf` files are written as DOCX first and
exported by LibreOffice in one batch (`convert_pdfs`); `format: xlsx` with openpyxl.
Nothing here knows what the checker will say: `expected.yaml` beside each scenario does.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from docx import Document as Docx
from docx.document import Document as DocxDocument
from docx.shared import Pt

HERE = Path(__file__).resolve().parent
DOCUMENTS = HERE / "_documents"


class ScenarioError(ValueError):
    """A scenario description that cannot be built (named file and reason)."""


@dataclass(frozen=True)
class Heading:
    level: int
    text: str  # with its label, as printed ("第一章  项目概述", "1. 项目名称")
    body: tuple[str, ...]


class _Fill(dict[str, Any]):
    """str.format_map mapping that leaves unknown fields visible instead of failing."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(text: str, project: Mapping[str, Any]) -> str:
    return str(text).format_map(_Fill(project))


def scenario_folders(root: Path = HERE) -> list[Path]:
    return sorted(p.parent for p in root.glob("*/*/scenario.yaml"))


def load(folder: Path) -> dict[str, Any]:
    data = yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ScenarioError(f"{folder}/scenario.yaml: not a mapping")
    for key in ("jurisdiction", "stage", "files"):
        if key not in data:
            raise ScenarioError(f"{folder}/scenario.yaml: missing {key!r}")
    return data


def load_expected(folder: Path) -> dict[str, Any]:
    data = yaml.safe_load((folder / "expected.yaml").read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ScenarioError(f"{folder}/expected.yaml: not a mapping")
    return data


# -- shared documents ------------------------------------------------------------------------


def shared_document(ref: str) -> dict[str, Any]:
    path = DOCUMENTS / f"{ref}.yaml"
    if not path.is_file():
        raise ScenarioError(f"unknown shared document {ref!r} (no {path.relative_to(HERE)})")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def parse_outline(lines: Iterable[Any]) -> list[Heading]:
    """Outline lines: two spaces of indent per level; `text: body` or `text` (body generated)."""
    out: list[Heading] = []
    for item in lines:
        if isinstance(item, dict):
            ((text, body),) = item.items()
            bodies = tuple(body) if isinstance(body, list) else ((str(body),) if body is not None else ())
            if bodies == ():
                bodies = ("",) if body == [] else ()
        else:
            text, bodies = str(item), ()
        indent = len(text) - len(text.lstrip(" "))
        out.append(Heading(indent // 2 + 1, text.strip(), bodies))
    return out


_LABEL = re.compile(r"^(第[一二三四五六七八九十百]+[章节篇]|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）]|"
                    r"\d+(?:\.\d+)*[.、．]?|[（(]\d+[)）])\s*")


def bare_title(text: str) -> str:
    """'第一章  项目概述' → '项目概述'; '1. 项目名称' → '项目名称'."""
    return _LABEL.sub("", text).strip()


def _selected(h: Heading, keys: Sequence[str]) -> bool:
    t = bare_title(h.text)
    return any(k == h.text or k == t for k in keys)


def edit_outline(headings: list[Heading], spec: Mapping[str, Any]) -> list[Heading]:
    """Apply drop (subtree), empty (no body, children kept), rename and body overrides."""
    drop = list(spec.get("drop") or ())
    empty = list(spec.get("empty") or ())
    rename: Mapping[str, str] = spec.get("rename") or {}
    bodies: Mapping[str, Any] = spec.get("body") or {}
    for key in (*drop, *empty, *rename, *bodies):
        if not any(_selected(h, [key]) for h in headings):
            raise ScenarioError(f"no heading {key!r} to edit")
    out: list[Heading] = []
    cut_level: int | None = None
    for h in headings:
        if cut_level is not None and h.level > cut_level:
            continue
        cut_level = None
        if _selected(h, drop):
            cut_level = h.level
            continue
        text = next((v for k, v in rename.items() if _selected(h, [k])), h.text)
        body = h.body
        for k, v in bodies.items():
            if _selected(h, [k]):
                body = tuple(v) if isinstance(v, list) else (str(v),)
        if _selected(h, empty):
            body = ("",)  # marker: explicitly empty
        out.append(Heading(h.level, text, body))
    return out


# -- body text ---------------------------------------------------------------------------------

# What a unit writes under a heading it has nothing special to say about: a sentence that names
# the project and the subject, so every leaf section carries real content.
_GENERIC = (
    "{name}{subject}已按要求落实，相关资料齐全并已归档备查。",
    "关于{subject}，项目建设单位{unit}组织承建单位逐项核对，情况属实。",
    "{subject}方面，本项目按照批复的建设方案执行，未发现偏差。",
)


def generated_body(title: str, project: Mapping[str, Any], n: int) -> list[str]:
    p = _Fill(project)
    t = bare_title(title)
    if t in ("项目名称", "建设项目名称") or t.endswith("项目名称"):
        return [fill("项目名称：{name}。", p)]
    if "承建单位" in t:
        return [fill("项目承建单位：{contractor}。", p)]
    if "监理" in t and ("机构" in t or "单位" in t):
        return [fill("项目监理单位：{supervisor}。", p) if project.get("supervisor") else "本项目未实施监理。"]
    if "建设单位" in t:
        return [fill("项目建设单位：{unit}，项目负责人{leader}。", p)]
    if "测评机构" in t:
        return [fill("项目测评机构为{tester}。", p)]
    if t in ("建设投资", "总投资及资金来源", "项目总投资"):
        return [fill("项目总投资{investment}，资金来源为财政资金。", p)]
    if "初验结论" in t:
        return [fill("初验日期：{preliminary_date}，初验结论为通过。", p)]
    if t.startswith("试运行"):
        return [fill("系统自{trial_start}起至{trial_end}止试运行，运行平稳。", p)]
    return [fill(_GENERIC[n % len(_GENERIC)], _Fill({**project, "subject": t}))]


# -- writing ---------------------------------------------------------------------------------


def _new_docx() -> DocxDocument:
    d = Docx()
    d.styles["Normal"].font.size = Pt(12)
    d.core_properties.author = "scenario"
    return d


def _add_table(d: DocxDocument, rows: Sequence[Sequence[Any]], project: Mapping[str, Any]) -> None:
    width = max(len(r) for r in rows)
    table = d.add_table(rows=len(rows), cols=width)
    table.style = "Table Grid"
    for r, row in enumerate(rows):
        for c in range(width):
            value = row[c] if c < len(row) else ""
            table.cell(r, c).text = fill("" if value is None else str(value), project)


def write_docx(path: Path, spec: Mapping[str, Any], project: Mapping[str, Any]) -> None:
    d = _new_docx()
    base: dict[str, Any] = dict(shared_document(spec["use"])) if spec.get("use") else {}
    defaults = {**(base.get("defaults") or {}), **(spec.get("defaults") or {})}
    project = {**{k: fill(v, project) for k, v in defaults.items()}, **project, **(spec.get("values") or {})}
    title = fill(spec.get("title") or base.get("title") or "", project)
    if title:
        d.add_paragraph(title, style="Title")
    for line in (*(base.get("preamble") or ()), *(spec.get("preamble") or ())):
        d.add_paragraph(fill(line, project))
    for para in (*(base.get("paragraphs") or ()), *(spec.get("paragraphs") or ())):
        d.add_paragraph(fill(para, project))
    drop_rows = set(spec.get("drop_rows") or ())  # a form with rows left out: their first cell's label
    for rows in (*(base.get("tables") or ()), *(spec.get("tables") or ())):
        kept = [r for r in rows if not r or str(r[0]) not in drop_rows]
        _add_table(d, kept, project)
        d.add_paragraph("")
    outline = parse_outline(base.get("outline") or ()) + parse_outline(spec.get("sections") or ())
    try:
        outline = edit_outline(outline, spec)
    except ScenarioError as exc:
        raise ScenarioError(f"{spec.get('name')}: {exc}") from None
    bold = spec.get("headings") == "bold"
    for i, h in enumerate(outline):
        if bold:
            run = d.add_paragraph().add_run(h.text)
            run.bold = True
            run.font.size = Pt((16, 14, 12, 12)[min(h.level, 4) - 1])
        else:
            d.add_heading(h.text, level=min(h.level, 4))
        leaf = i + 1 >= len(outline) or outline[i + 1].level <= h.level
        if h.body == ("",):
            continue
        lines = h.body or (tuple(generated_body(h.text, project, i)) if leaf else ())
        for line in lines:
            if isinstance(line, list):  # a table under this heading
                _add_table(d, line, project)
            else:
                d.add_paragraph(fill(line, project))
    for para in (*(base.get("closing") or ()), *(spec.get("closing") or ())):
        d.add_paragraph(fill(para, project))
    path.parent.mkdir(parents=True, exist_ok=True)
    d.save(str(path))


def write_xlsx(path: Path, spec: Mapping[str, Any], project: Mapping[str, Any]) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = str(spec.get("sheet", "Sheet1"))
    if spec.get("title"):
        ws.append([fill(spec["title"], project)])
    for rows in spec.get("tables") or ():
        for row in rows:
            ws.append([fill(str(c), project) if c is not None else None for c in row])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(str(path))


def build(folder: Path, out: Path) -> tuple[dict[str, Any], list[tuple[Path, Path]]]:
    """Write a scenario's files under `out`. Returns the scenario and the (docx, pdf) pairs that
    still need a PDF export (see convert_pdfs)."""
    sc = load(folder)
    project = dict(sc.get("project") or {})
    out.mkdir(parents=True, exist_ok=True)
    pending: list[tuple[Path, Path]] = []
    names: set[str] = set()
    for spec in sc["files"]:
        name = str(spec["name"])
        if name in names or ".." in name.replace("\\", "/").split("/"):
            raise ScenarioError(f"{folder.name}: bad or repeated file name {name!r}")
        names.add(name)
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        fmt = spec.get("format") or target.suffix.lstrip(".").lower()
        if fmt == "xlsx":
            write_xlsx(target, spec, project)
        elif fmt in ("pdf", "scan"):
            # A scan (盖章扫描件) is the PDF export rasterised: image-only pages, as a scanner gives.
            src = target.with_name(target.stem + (".__scan__.docx" if fmt == "scan" else ".__src__.docx"))
            write_docx(src, spec, project)
            pending.append((src, target))
        elif fmt == "docx":
            write_docx(target, spec, project)
        else:
            raise ScenarioError(f"{folder.name}/{name}: unknown format {fmt!r}")
    return sc, pending


def _corpus_builder() -> Any:
    """corpus/build_dossiers.py: its LibreOffice call and scanner imitation are reused here."""
    import importlib.util
    import sys

    name = "corpus_build_dossiers"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, HERE.parent / "build_dossiers.py")
        assert spec and spec.loader
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return sys.modules[name]


def convert_pdfs(pairs: Sequence[tuple[Path, Path]]) -> None:
    """Export DOCX → PDF with one LibreOffice run for all pairs (scans rasterised after); the
    source DOCX are removed."""
    if not pairs:
        return
    if shutil.which("soffice") is None:
        raise ScenarioError("LibreOffice (soffice) is needed to build the PDF files of the scenarios")
    corpus = _corpus_builder()
    with tempfile.TemporaryDirectory(prefix="scenario-pdf-") as tmp:
        work = Path(tmp)
        staged = []
        for i, (src, dst) in enumerate(pairs):
            s = work / f"f{i:04d}.docx"
            shutil.copyfile(src, s)
            staged.append((s, src, dst))
        corpus.soffice(["--convert-to", "pdf", "--outdir", str(work / "pdf"), *(str(s) for s, _, _ in staged)], work)
        for s, src, dst in staged:
            data = (work / "pdf" / f"{s.stem}.pdf").read_bytes()
            dst.write_bytes(corpus.rasterise(data) if src.name.endswith(".__scan__.docx") else data)
            src.unlink()
