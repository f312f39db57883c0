"""The `dossier` command line (typer + rich). Exit 0: nothing at or above --fail-on;
1: findings; 2: usage, pack or input error."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from dossier import __version__
from dossier.cliopts import FailOn, parse_as_of, require_stage, split_list
from dossier.console import Console
from dossier.errors import DossierError

if TYPE_CHECKING:
    from dossier.model import Pack

app = typer.Typer(
    add_completion=True,
    no_args_is_help=True,
    help="起草、预审、审查政务信息化项目材料（对照各地管理办法）。"
         "Draft, pre-check and review 政务信息化项目 dossiers against local regulations.",
    pretty_exceptions_enable=False,
)
packs_app = typer.Typer(no_args_is_help=True, help="Rule packs: list, show, validate.")
codes_app = typer.Typer(no_args_is_help=True, help="问题代码：列表、解释。Finding codes: list, explain.")
facts_app = typer.Typer(no_args_is_help=True, help="Project facts files.")
app.add_typer(packs_app, name="packs")
app.add_typer(codes_app, name="codes")
app.add_typer(facts_app, name="facts")

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


_SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}


class ShowFormat(StrEnum):
    text = "text"
    json = "json"
    md = "md"


class TreeFormat(StrEnum):
    text = "text"
    json = "json"


def _fail(exc: DossierError) -> typer.Exit:
    err.print(f"[bold red]error:[/] {exc}", markup=True, highlight=False)
    problems = getattr(exc, "problems", None)
    if problems and len(problems) > 1:
        for p in problems[1:50]:
            err.print(f"  {p}", markup=False)
    return typer.Exit(2)


@contextlib.contextmanager
def _progress(label: str, after: float = 2.0) -> Iterator[None]:
    """A spinner with the elapsed time on stderr, only on a terminal and only once the work
    has taken `after` seconds (quick checks print nothing extra; pipes and CI never see it)."""
    if not sys.stderr.isatty():  # asked of the stream: rich is not imported for pipes and CI
        yield
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                        console=err.real, transient=True)
    progress.add_task(label, total=None)
    lock, finished = threading.Lock(), list[bool]()

    def start() -> None:
        with lock:  # never start after the work is over
            if not finished:
                progress.start()

    timer = threading.Timer(after, start)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        with lock:
            finished.append(True)
            progress.stop()


def _print(text: str) -> None:
    # Plain stdout: rich would re-wrap long outline lines.
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


@app.callback(invoke_without_command=True)
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    if version:
        _print(f"dossier {__version__}")
        raise typer.Exit(0)


# -- packs ---------------------------------------------------------------------------
@packs_app.command("list")
def packs_list() -> None:
    """List the packaged rule packs and their stages."""
    from rich.table import Table

    from dossier.packs import load_pack, pack_ids

    table = Table("id", "version", "jurisdiction", "regulation", "stages")
    for pid in pack_ids():
        try:
            p = load_pack(pid)
        except DossierError as exc:
            raise _fail(exc) from None
        table.add_row(p.id, p.version, p.jurisdiction, p.title, " ".join(s.id for s in p.stages))
    out.print(table)


@packs_app.command("show")
def packs_show(
    pack_id: Annotated[str, typer.Argument(help="Pack id, e.g. yongchuan.")],
    stage: Annotated[str | None, typer.Option("--stage", "-s", help="Only this stage.")] = None,
    fmt: Annotated[ShowFormat, typer.Option("--format", "-f")] = ShowFormat.text,
) -> None:
    """Show a stage's documents with their outline trees, materials with conditions and citations."""
    from dossier.packs import load_pack
    from dossier.packview import render

    try:
        pack = load_pack(pack_id)
        if stage:
            pack.stage(stage)
    except DossierError as exc:
        raise _fail(exc) from None
    except KeyError as exc:
        err.print(f"error: {exc.args[0]}", markup=False)
        raise typer.Exit(2) from None
    _print(render(pack, stage, fmt.value))


@packs_app.command("validate")
def packs_validate(
    path: Annotated[Path | None, typer.Argument(help="A pack folder (with pack.yaml). Default: all packaged packs.")] = None,
) -> None:
    """Validate a rule pack: schema, references, conditions. Exit 2 with file, place and reason when broken."""
    from dossier.packs import PackInvalid, load_pack, load_pack_path, pack_ids

    try:
        packs = [load_pack_path(path)] if path else [load_pack(i) for i in pack_ids()]
    except PackInvalid as exc:
        for problem in exc.problems:
            err.print(f"{problem}", markup=False)
        err.print(f"{len(exc.problems)} problem(s)", markup=False)
        raise typer.Exit(2) from None
    except DossierError as exc:
        raise _fail(exc) from None
    for p in packs:
        n_sections = sum(d.count() for d in p.documents)
        n_materials = sum(len(s.materials) for s in p.stages)
        _print(f"ok {p.id} {p.version}: {len(p.stages)} stages, {len(p.documents)} documents, "
               f"{n_sections} sections, {n_materials} materials, {len(p.rules)} rules")


# -- codes ---------------------------------------------------------------------------
@codes_app.command("list")
def codes_list() -> None:
    """列出全部问题代码及默认级别。List every finding code with its default severity."""
    from rich.table import Table

    from dossier.codes import CODES
    from dossier.codes_zh import code_help

    table = Table("代码", "名称", "slug", "默认级别", "提示文字")
    for c in CODES:
        h = code_help(c.code)
        table.add_row(c.code, h.name if h else "", c.slug, _SEVERITY_ZH.get(c.severity, c.severity), c.template)
    out.print(table)


@codes_app.command("explain")
def codes_explain(code: Annotated[str, typer.Argument(help="A code (DOS-S001) or slug (missing-section).")]) -> None:
    """解释一个问题代码（含义、如何整改）。Explain one finding code."""
    from dossier.codes import lookup
    from dossier.codes_zh import code_help

    try:
        c = lookup(code)
    except KeyError:
        err.print(f"error: unknown finding code {code!r} (see `dossier codes list`)", markup=False)
        raise typer.Exit(2) from None
    h = code_help(c.code)
    lines = [f"{c.code} {h.name if h else ''}（{c.slug}）", f"默认级别：{_SEVERITY_ZH.get(c.severity, c.severity)}", ""]
    if h:
        lines += [f"含义：{h.meaning}", f"如何整改：{h.settle}", ""]
    lines += [f"提示文字：{c.template}", "", f"In English: {c.doc}"]
    _print("\n".join(lines))


# -- facts ---------------------------------------------------------------------------
@facts_app.command("validate")
def facts_validate(
    path: Annotated[Path, typer.Argument(help="facts.yaml")],
    jurisdiction: Annotated[str | None, typer.Option("--jurisdiction", "-j", help="Also accept this pack's facts.")] = None,
) -> None:
    """Validate a facts file and print the typed values."""
    from dossier.facts import load_facts, to_jsonable
    from dossier.packs import load_pack

    try:
        pack = load_pack(jurisdiction) if jurisdiction else None
        facts = load_facts(path, pack)
    except DossierError as exc:
        raise _fail(exc) from None
    _print(json.dumps({k: to_jsonable(v) for k, v in sorted(facts.items())}, ensure_ascii=False, indent=2))


# -- tree ----------------------------------------------------------------------------
@app.command("tree")
def tree(
    file: Annotated[Path, typer.Argument(help="A .docx, .pdf, .doc or .wps file.")],
    fmt: Annotated[TreeFormat, typer.Option("--format", "-f")] = TreeFormat.text,
    ocr: Annotated[bool, typer.Option("--ocr/--no-ocr", help="OCR pages without a text layer.")] = True,
) -> None:
    """Print the parsed heading tree of a document."""
    from dossier.parse import parse_file, render_text

    if not file.is_file():
        err.print(f"error: {file}: no such file", markup=False)
        raise typer.Exit(2)
    try:
        t = parse_file(file, ocr=ocr)
    except DossierError as exc:
        raise _fail(exc) from None
    if fmt is TreeFormat.json:
        _print(json.dumps(t.as_dict(), ensure_ascii=False, indent=2))
    else:
        _print(render_text(t))


def _load(jurisdiction: str, stage: str | None, facts: Path | None) -> tuple[Pack, dict[str, Any]]:
    from dossier.facts import load_facts
    from dossier.packs import load_pack

    pack = load_pack(jurisdiction)
    if stage is not None:
        require_stage(pack, stage)
    given = load_facts(facts, pack) if facts else {}
    return pack, given


@app.command("check")
def check(
    path: Annotated[Path, typer.Argument(help="A file, a folder or a .zip holding the dossier.")],
    jurisdiction: Annotated[str, typer.Option("--jurisdiction", "-j", help="guangzhou, wuhan, lianping, qingpu, yongchuan")],
    stage: Annotated[str, typer.Option("--stage", "-s", help="application, change, preliminary-acceptance, final-acceptance, …")],
    facts: Annotated[Path | None, typer.Option("--facts", help="facts.yaml with what the files cannot show.")] = None,
    formats: Annotated[list[str] | None, typer.Option("--format", "-f", help="json, md, html, docx, pdf, xlsx, annotated (repeat or comma-separate).")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Output file (one format) or folder (several).")] = None,
    fail_on: Annotated[FailOn, typer.Option("--fail-on", help="Exit 1 when a finding is at or above this severity.")] = FailOn.error,
    select: Annotated[list[str] | None, typer.Option("--select", help="Only these codes or slugs (prefixes allowed: DOS-S).")] = None,
    ignore: Annotated[list[str] | None, typer.Option("--ignore", help="Drop these codes or slugs.")] = None,
    ocr: Annotated[bool, typer.Option("--ocr/--no-ocr", help="OCR scanned pages.")] = True,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Report date (YYYY-MM-DD); default today.")] = None,
) -> None:
    """对照地区和阶段检查送审材料，输出问题报告。Check a dossier against a jurisdiction and stage; print or write the gap report."""
    from dossier.api import check as check_dossier
    from dossier.render import FORMATS, render, write_reports

    fmts = split_list(formats) or ("md",)
    annotated = "annotated" in fmts
    fmts = tuple(f for f in fmts if f != "annotated")
    if annotated and output is None:
        err.print("error: -f annotated needs -o DIR (the copies go to DIR/annotated/)", markup=False)
        raise typer.Exit(2)
    bad = [f for f in fmts if f not in FORMATS]
    if bad:
        err.print(f"error: unknown format {bad[0]!r}; choose from {', '.join(FORMATS)}", markup=False)
        raise typer.Exit(2)
    if not path.exists():
        err.print(f"error: {path}: no such file or folder", markup=False)
        raise typer.Exit(2)
    try:
        with _progress(f"正在检查 {path.name}"):
            report = check_dossier(path, jurisdiction=jurisdiction, stage=stage, facts=facts, as_of=parse_as_of(as_of),
                                   ocr=ocr, select=split_list(select), ignore=split_list(ignore))
    except DossierError as exc:
        raise _fail(exc) from None
    if annotated:
        from dossier.render.annotate import write_annotated

        assert output is not None
        for a in write_annotated(report, path, output):
            err.print(f"wrote {a.target} ({a.comments} 条批注)", markup=False)
        if fmts:
            target = output / f"report.{fmts[0]}" if len(fmts) == 1 else output
            for written in write_reports(report, list(fmts), target):
                err.print(f"wrote {written}", markup=False)
    elif output is None:
        if len(fmts) > 1 or fmts[0] in ("docx", "xlsx", "pdf"):
            err.print("error: binary or several formats need -o OUT", markup=False)
            raise typer.Exit(2)
        sys.stdout.write(render(report, fmts[0]).decode("utf-8"))
    else:
        for written in write_reports(report, list(fmts), output):
            err.print(f"wrote {written}", markup=False)
    s = report.summary
    err.print(f"{s.errors} error(s), {s.warnings} warning(s), {s.info} info", markup=False)
    raise typer.Exit(report.exit_code(fail_on.value))


@app.command("generate")
def generate(
    jurisdiction: Annotated[str, typer.Option("--jurisdiction", "-j")],
    doc: Annotated[str, typer.Option("--doc", "-d", help="Document type id, e.g. basic-report.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The .docx to write.")],
    facts: Annotated[Path | None, typer.Option("--facts", help="facts.yaml to fill the cover and 项目概述.")] = None,
) -> None:
    """Generate a skeleton DOCX for one outlined document."""
    from dossier.api import generate as generate_skeleton

    try:
        written = generate_skeleton(jurisdiction, doc, facts=facts, out=output)
    except DossierError as exc:
        raise _fail(exc) from None
    _print(f"wrote {written}")


@app.command("scaffold")
def scaffold(
    out_dir: Annotated[Path, typer.Argument(help="The folder to create.")],
    jurisdiction: Annotated[str, typer.Option("--jurisdiction", "-j")],
    stage: Annotated[str, typer.Option("--stage", "-s")],
    facts: Annotated[Path | None, typer.Option("--facts", help="facts.yaml: conditions decide which materials are needed.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Write into a non-empty folder not made by scaffold.")] = False,
) -> None:
    """Create a dossier folder: a numbered placeholder per required material, the stage's reports and a 材料清单."""
    from dossier.generate import scaffold as make_scaffold

    try:
        pack, given = _load(jurisdiction, stage, facts)
        result = make_scaffold(pack, stage, given, out_dir, force=force)
    except DossierError as exc:
        raise _fail(exc) from None
    _print(f"wrote {len(result.files)} files under {result.out_dir}")


def _register_scan() -> None:
    from dossier.scan.cli import scan as scan_command

    app.command("scan")(scan_command)


_register_scan()


def _register_serve() -> None:
    from dossier.web.cli import serve

    app.command("serve")(serve)


_register_serve()


def main() -> None:
    try:
        app()
    except DossierError as exc:
        err.print(f"error: {exc}", markup=False)
        raise SystemExit(2) from None
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    except Exception as exc:  # a bug must still not print a traceback at a user
        if os.environ.get("DOSSIER_DEBUG"):
            raise
        err.print(f"error: internal error: {type(exc).__name__}: {exc} (set DOSSIER_DEBUG=1 for details)", markup=False)
        raise SystemExit(2) from None
