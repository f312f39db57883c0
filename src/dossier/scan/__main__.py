"""`python -m dossier.scan ROOT …`: the scan command on its own (the same function as `dossier scan`)."""

import typer

from dossier.scan.cli import scan

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
app.command()(scan)

if __name__ == "__main__":
    app()
