"""`python -m dossier` and the `dossier` command.

The CLI's imports (typer, rich, …) take a moment; a Ctrl-C or SIGTERM during them must end
the program quietly, like one later on, not with a traceback.
"""

from __future__ import annotations

import gc
import signal
import sys


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is, so that it stops the way Ctrl-C stops it."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise Terminated()


def run() -> None:
    if sys.argv[1:] == ["--version"]:
        # Answered before the command line app is imported: building it imports typer and
        # every command's option types, ten times what Python's own start costs.
        from dossier import __version__

        sys.stdout.write(f"dossier {__version__}\n")
        return
    signal.signal(signal.SIGTERM, _on_sigterm)
    # The command line app and its modules live as long as the process: collections while
    # they are imported would walk them all and free nothing, and frozen they are not walked
    # by later ones either.
    gc.disable()
    try:
        from dossier.cli import main

        gc.freeze()
    except KeyboardInterrupt as exc:
        raise SystemExit(143 if isinstance(exc, Terminated) else 130) from None
    finally:
        gc.enable()
    main()


if __name__ == "__main__":
    run()
