"""The `dossier` console script.

`dossier --version` answers here, before the command line app is imported: building it
imports typer and every command's option types, ten times what Python's own start costs.
"""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        from dossier import __version__

        sys.stdout.write(f"dossier {__version__}\n")
        return
    from dossier.cli import main as cli_main

    cli_main()
