"""The `dossier` command line (typer + rich). Exit 0: nothing at or above --fail-on;
1: findings; 2: usage, pack or input error."""

from __future__ import annotations

import json
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from dossier import __version__
from dossier.errors import DossierError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Draft, pre-check and review 政务信息化项目 dossiers against local regulations.",
    pretty_exceptions_enable=False,
)
packs_app = typer.Typer(no_args_is_help=True, help="Rule packs: list, show, validate.")
codes_app = typer.Typer(no_args_is_help=True, help="Finding codes: list, explain.")
facts_app = typer.Typer(no_args_is_help=True, help="Project facts files.")
app.add_typer(packs_app, name="packs")
app.add_typer(codes_app, name="codes")
app.add_typer(facts_app, name="facts")

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class ShowFormat(str, Enum):
    text = "text"
    json = "json"
    md = "md"


class TreeFormat(str, Enum):
    text = "text"
    json = "json"


def _fail(exc: DossierError) -> typer.Exit:
    err.print(f"[bold red]error:[/] {exc}", markup=True, highlight=False)
    problems = getattr(exc, "problems", None)
    if problems and len(problems) > 1:
        for p in problems[1:50]:
            err.print(f"  {p}", markup=False)
    return typer.Exit(2)


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
        for p in exc.problems:
            err.print(f"{p}", markup=False)
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
    """List every finding code with its default severity."""
    from dossier.codes import CODES

    table = Table("code", "slug", "severity", "message")
    for c in CODES:
        table.add_row(c.code, c.slug, c.severity, c.template)
    out.print(table)


@codes_app.command("explain")
def codes_explain(code: Annotated[str, typer.Argument(help="A code (DOS-S001) or slug (missing-section).")]) -> None:
    """Explain one finding code."""
    from dossier.codes import lookup

    try:
        c = lookup(code)
    except KeyError:
        err.print(f"error: unknown finding code {code!r} (see `dossier codes list`)", markup=False)
        raise typer.Exit(2) from None
    _print(f"{c.code} {c.slug} (default severity: {c.severity})\n\n{c.doc}\n\nMessage: {c.template}")


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
