"""Option handling shared by `dossier check` and `dossier scan`."""

from __future__ import annotations

import contextlib
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


def check_selectors(values: tuple[str, ...], option: str) -> tuple[str, ...]:
    """--select/--ignore values: a code (DOS-S001), a code prefix (DOS-S) or a slug
    (missing-section). Anything else is a usage error with the nearest known name: a typo
    must not silently select nothing and report a clean dossier."""
    from dossier.codes import CODES

    names = [c.code for c in CODES] + [c.slug for c in CODES]
    for v in values:
        key = v.strip()
        upper = key.upper()
        if key.lower() in {c.slug for c in CODES}:
            continue
        if upper.startswith("DOS-") and any(c.code.startswith(upper) for c in CODES):
            continue
        hint = ""
        with contextlib.suppress(Exception):  # a hint is a courtesy; its absence is not an error
            from rapidfuzz import fuzz, process

            best = process.extractOne(key, names, scorer=fuzz.WRatio, processor=str.upper)
            if best and best[1] >= 60:
                hint = f"; did you mean {best[0]!r}?"
        raise DossierError(f"{option} {key!r} is not a finding code, code prefix or slug{hint} (see `dossier codes list`)")
    return values


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
