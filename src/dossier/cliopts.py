"""Option handling shared by `dossier check` and `dossier scan`."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from dossier.errors import DossierError
from dossier.model import Pack


class FailOn(StrEnum):
    error = "error"
    warning = "warning"
    info = "info"
    never = "never"


def split_list(values: list[str] | None) -> tuple[str, ...]:
    """Repeated and comma-separated option values: `--select DOS-S,DOS-M --select naming`."""
    return tuple(x.strip() for v in values or [] for x in v.split(",") if x.strip())


def parse_as_of(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        raise DossierError(f"--as-of {text!r} is not a date (YYYY-MM-DD)") from None


def require_stage(pack: Pack, stage: str) -> None:
    try:
        pack.stage(stage)
    except KeyError as exc:
        raise DossierError(str(exc.args[0])) from None
