"""Errors that end a command with exit 2 (usage, pack or input error)."""

from __future__ import annotations


class DossierError(Exception):
    """A problem the user must fix; the message names the file and the reason."""

    def __init__(self, message: str, *, path: str | None = None, where: str | None = None) -> None:
        self.path = path
        self.where = where
        self.reason = message
        parts = [p for p in (path, where) if p]
        super().__init__(f"{': '.join(parts)}: {message}" if parts else message)


class PackError(DossierError):
    """A rule pack is broken."""


class FactsError(DossierError):
    """A facts file is broken."""


class InputError(DossierError):
    """A submitted file or folder cannot be read at all."""
