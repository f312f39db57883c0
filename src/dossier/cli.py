"""The `dossier` command line (typer + rich). Exit 0: nothing at or above --fail-on;
1: findings; 2: usage, pack or input error."""

from __future__ import annotations

import contextlib
import copy
import gc
import json
import os
import re
import sys
import threading
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from dossier import __version__
from dossier.cliopts import FailOn, check_selectors, parse_as_of, require_stage, split_list
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


@contextlib.contextmanager
def _kept_to_the_end() -> Iterator[None]:
    """For what a one-check process keeps until it exits: the engine's modules and the pack.
    No cyclic collection while they are made (each would walk them and free nothing: ~0.01 s
    of an empty check), then frozen, so that the collector's passes over the parsed trees
    need not walk them either (~0.05 s of a 300-page check)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        gc.freeze()
    finally:
        if enabled:
            gc.enable()


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
    from dossier.packs import PackInvalid, load_pack_path, pack_ids, validate_installed

    try:
        packs = [load_pack_path(path)] if path else [validate_installed(i) for i in pack_ids()]
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
        texts = "citations checked against the regulation's text" if any(s.text_file for s in p.sources) \
            else "no source.yaml: citations NOT checked against a text"
        _print(f"ok {p.id} {p.version}: {len(p.stages)} stages, {len(p.documents)} documents, "
               f"{n_sections} sections, {n_materials} materials, {len(p.rules)} rules; {texts}")


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


@facts_app.command("list")
def facts_list(
    keys: Annotated[list[str] | None, typer.Argument(help="Only these fact keys.")] = None,
    jurisdiction: Annotated[str | None, typer.Option("--jurisdiction", "-j", help="Only this pack's facts and uses.")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json")] = "text",
) -> None:
    """Every fact key with its Chinese title, its type and where packs use it."""
    from dossier.factsview import fact_infos, render_text
    from dossier.packs import load_pack, pack_ids

    try:
        packs = [load_pack(jurisdiction)] if jurisdiction else [load_pack(p) for p in pack_ids()]
        infos = fact_infos(packs, keys or ())
    except DossierError as exc:
        raise _fail(exc) from None
    if fmt == "json":
        _print(json.dumps([i.as_dict() for i in infos], ensure_ascii=False, indent=2))
    else:
        _print(render_text(infos))


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
    from dossier.render.common import terminal_safe

    if fmt is TreeFormat.json:
        # JSON escapes C0 controls itself; C1 (\x9b is a CSI on some terminals) and the
        # invisible controls are written as \u escapes: the same strings, safe on a screen.
        text = json.dumps(t.as_dict(), ensure_ascii=False, indent=2)
        _print(re.sub("[\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]",
                      lambda m: f"\\u{ord(m.group()):04x}", text))
    else:
        _print(terminal_safe(render_text(t)))


def _load(jurisdiction: str | None, stage: str | None, facts: Path | None,
          pack_path: Path | None = None) -> tuple[Pack, dict[str, Any]]:
    """The pack (an installed id, or a custom folder given explicitly with --pack) and the facts."""
    from dossier.facts import load_facts
    from dossier.packs import load_pack, load_pack_path

    if pack_path is not None and jurisdiction is not None:
        raise DossierError("give --jurisdiction (an installed pack) or --pack PATH (your own), not both")
    if pack_path is not None:
        pack = load_pack_path(pack_path)
    elif jurisdiction is not None:
        pack = load_pack(jurisdiction)
    else:
        raise DossierError("--jurisdiction is required (guangzhou, wuhan, lianping, qingpu, yongchuan) "
                           "or --pack PATH for a pack of your own")
    if stage is not None:
        require_stage(pack, stage)
    given = load_facts(facts, pack) if facts else {}
    return pack, given


def _announce_pack(pack: Pack) -> None:
    if pack.origin:
        err.print(f"note: custom rule pack {pack.id} {pack.version} from {pack.origin} (sha256 {pack.digest})",
                  markup=False)


@app.command("check")
def check(
    path: Annotated[Path, typer.Argument(help="A file, a folder or a .zip holding the dossier.")],
    jurisdiction: Annotated[str | None, typer.Option("--jurisdiction", "-j", help="An installed pack: guangzhou, wuhan, lianping, qingpu, yongchuan")] = None,
    stage: Annotated[str | None, typer.Option("--stage", "-s", help="application, change, preliminary-acceptance, final-acceptance, …")] = None,
    facts: Annotated[Path | None, typer.Option("--facts", help="facts.yaml with what the files cannot show.")] = None,
    formats: Annotated[list[str] | None, typer.Option("--format", "-f", help="json, md, html, docx, pdf, xlsx, annotated (repeat or comma-separate).")] = None,
    output: Annotated[str | None, typer.Option("--output", "-o", help="A file for one format; a folder (report.<ext>) for several, or when it ends with / or is a folder (always a folder with annotated).")] = None,
    fail_on: Annotated[FailOn, typer.Option("--fail-on", help="Exit 1 when a finding is at or above this severity.")] = FailOn.error,
    select: Annotated[list[str] | None, typer.Option("--select", help="Only these codes or slugs (prefixes allowed: DOS-S).")] = None,
    ignore: Annotated[list[str] | None, typer.Option("--ignore", help="Drop these codes or slugs.")] = None,
    ocr: Annotated[bool, typer.Option("--ocr/--no-ocr", help="OCR scanned pages.")] = True,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Report date (YYYY-MM-DD); default today.")] = None,
    pack_path: Annotated[Path | None, typer.Option("--pack", help="A rule pack folder of your own instead of -j (named, with its sha256, in the report).")] = None,
    file_timeout: Annotated[float, typer.Option("--file-timeout", help="Seconds one file may take to parse (then DOS-P003).", min=0.1)] = 120.0,
    file_memory: Annotated[int, typer.Option("--file-memory", help="MB of address space one file's parse may use (then DOS-P003); 0: no limit.", min=0)] = 4096,
    time_budget: Annotated[float, typer.Option("--time-budget", help="Seconds all files together may take to parse; the rest are reported as not parsed (DOS-P003).", min=1)] = 900.0,
) -> None:
    """对照地区和阶段检查送审材料，输出问题报告。Check a dossier against a jurisdiction and stage; print or write the gap report."""
    from dossier.outputs import atomic_write, plan_report_outputs, refuse_inside_inputs
    from dossier.render import EXTENSIONS, FORMATS, render

    fmts = tuple(dict.fromkeys(split_list(formats) or ("md",)))
    annotated = "annotated" in fmts
    fmts = tuple(f for f in fmts if f != "annotated")
    if annotated and output is None:
        err.print("error: -f annotated needs -o DIR (the copies go to DIR/annotated/)", markup=False)
        raise typer.Exit(2)
    bad = [f for f in fmts if f not in FORMATS]
    if bad:
        err.print(f"error: unknown format {bad[0]!r}; choose from {', '.join(FORMATS)}", markup=False)
        raise typer.Exit(2)
    if stage is None:
        err.print("error: --stage is required (application, change, preliminary-acceptance, final-acceptance, …)",
                  markup=False)
        raise typer.Exit(2)
    if output is None and (len(fmts) > 1 or fmts[0] in ("docx", "xlsx", "pdf")):
        err.print("error: binary or several formats need -o OUT", markup=False)
        raise typer.Exit(2)
    if not path.exists():
        err.print(f"error: {path}: no such file or folder", markup=False)
        raise typer.Exit(2)
    try:
        selected, ignored = check_selectors(split_list(select), "--select"), check_selectors(split_list(ignore), "--ignore")
        inputs = [path, *([facts] if facts else [])]
        # With annotated copies -o is always a folder: DIR/annotated/… beside DIR/report.<ext>.
        raw_out = output.rstrip("/") + "/" if annotated and output is not None else output
        targets = plan_report_outputs(raw_out, list(fmts), EXTENSIONS, inputs) \
            if raw_out is not None and fmts else None
        if annotated:
            assert output is not None
            refuse_inside_inputs(Path(output) / "annotated", inputs)
        with _kept_to_the_end():
            from dossier.check.engine import CheckOptions
            from dossier.scan.sandbox import check_in_sandbox

            pack, given = _load(jurisdiction, stage, facts, pack_path)
        # One check per process, over trees without cycles: a young-generation pass every 700
        # allocations walked them again and again (~8 ms here and as much in the parse sandbox,
        # which inherits this); every 50,000 still bounds what a cycle can hold.
        gc.set_threshold(50_000, 10, 10)
        _announce_pack(pack)
        options = CheckOptions(ocr=ocr, as_of=parse_as_of(as_of), select=selected, ignore=ignored)
        report = check_in_sandbox(path, pack, stage, given, options, timeout_s=file_timeout, memory_mb=file_memory,
                                  budget_s=time_budget, progress=lambda: _progress(f"正在检查 {path.name}"))
        if annotated:
            from dossier.render.annotate import write_annotated

            assert output is not None
            for a in write_annotated(report, path, Path(output)):
                err.print(f"wrote {a.target} ({a.comments} 条批注)", markup=False)
        if targets is None and fmts:
            sys.stdout.write(render(report, fmts[0]).decode("utf-8"))
        elif targets is not None:
            rendered = [(t, render(report, t.fmt)) for t in targets]  # all rendered before the first write
            for t, data in rendered:
                err.print(f"wrote {atomic_write(t.path, data)}", markup=False)
    except DossierError as exc:
        raise _fail(exc) from None
    s = report.summary
    err.print(f"{s.errors} error(s), {s.warnings} warning(s), {s.info} info", markup=False)
    raise typer.Exit(report.exit_code(fail_on.value))


@app.command("generate")
def generate(
    jurisdiction: Annotated[str, typer.Option("--jurisdiction", "-j")],
    doc: Annotated[str, typer.Option("--doc", "-d", help="Document type id, e.g. basic-report.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The .docx to write.")],
    facts: Annotated[Path | None, typer.Option("--facts", help="facts.yaml to fill the cover and 项目概述.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Generate a skeleton DOCX for one outlined document."""
    from dossier.api import generate as generate_skeleton
    from dossier.outputs import OutputError, refuse_inside_inputs, replace_from, temp_beside

    try:
        if output.is_dir():
            raise OutputError("is a folder; give a .docx file path", path=str(output))
        if os.path.lexists(output) and not force:
            raise OutputError("exists; it may be your work: choose another name or use --force", path=str(output))
        if output.suffix.lower() != ".docx":
            raise OutputError("the skeleton is a Word file; give an output path ending in .docx", path=str(output))
        if facts is not None:
            refuse_inside_inputs(output, [facts])
        tmp = temp_beside(output)  # written beside it and renamed: never a half-written .docx
        try:
            generate_skeleton(jurisdiction, doc, facts=facts, out=tmp)
            written = replace_from(tmp, output)
        finally:
            tmp.unlink(missing_ok=True)
    except DossierError as exc:
        raise _fail(exc) from None
    _print(f"wrote {written}")


@app.command("scaffold")
def scaffold(
    out_dir: Annotated[Path, typer.Argument(help="The folder to create.")],
    jurisdiction: Annotated[str, typer.Option("--jurisdiction", "-j")],
    stage: Annotated[str, typer.Option("--stage", "-s")],
    facts: Annotated[Path | None, typer.Option("--facts", help="facts.yaml: conditions decide which materials are needed.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Write into a folder not made by scaffold, and overwrite files you changed.")] = False,
) -> None:
    """Create a dossier folder: a numbered placeholder per required material, the stage's reports and a 材料清单.

    Run again on the same folder, it adds what is missing and never overwrites a file you changed."""
    from dossier.generate import scaffold as make_scaffold

    try:
        pack, given = _load(jurisdiction, stage, facts)
        result = make_scaffold(pack, stage, given, out_dir, force=force)
    except DossierError as exc:
        raise _fail(exc) from None
    _print(f"wrote {len(result.files)} files under {result.out_dir}")
    for p in result.removed:
        _print(f"removed {p.relative_to(result.out_dir)} (no longer needed, unchanged since scaffold wrote it)")
    if result.kept:
        _print(f"left alone {len(result.kept)} file(s) that differ from what scaffold last wrote (your work; "
               "--force overwrites them):")
        for p in result.kept:
            _print(f"  {p.relative_to(result.out_dir)}")


def _register_scan() -> None:
    from dossier.scan.cli import scan as scan_command

    app.command("scan")(scan_command)


_register_scan()


def _register_serve() -> None:
    from dossier.web.cli import serve

    app.command("serve")(serve)


_register_serve()


def app_for(args: list[str]) -> typer.Typer:
    """The app that runs `dossier ARGS`: for `dossier <command> …` a copy of `app` with that one
    command (or group) registered, since typer turns every registered command into a click command,
    each option's type included, before it parses anything (~0.01 s for the ones not run); the
    whole app for anything else (`dossier`, `--help`, an unknown command, shell completion)."""
    name = args[0] if args else ""
    commands = [c for c in app.registered_commands if c.name == name]
    groups = [g for g in app.registered_groups if g.name == name]
    if not commands and not groups:
        return app
    narrowed = copy.copy(app)
    narrowed.registered_commands, narrowed.registered_groups = commands, groups
    return narrowed


def main() -> None:
    try:
        # standalone_mode=False would change how typer reports usage errors; instead Ctrl-C is
        # caught here and in `scan`, which stops its workers and says how to resume.
        app_for(sys.argv[1:])()
    except DossierError as exc:
        err.print(f"error: {exc}", markup=False)
        raise SystemExit(2) from None
    except KeyboardInterrupt as exc:
        err.print("interrupted", markup=False)
        raise SystemExit(143 if type(exc).__name__ == "Terminated" else 130) from None
    except Exception as exc:  # a bug must still not print a traceback at a user
        if os.environ.get("DOSSIER_DEBUG"):
            raise
        err.print(f"error: internal error: {type(exc).__name__}: {exc} (set DOSSIER_DEBUG=1 for details)", markup=False)
        raise SystemExit(2) from None
