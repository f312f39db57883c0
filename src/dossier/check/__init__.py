"""Checking a dossier: classify files, match outlines, extract facts, apply rules.

Calling the package, ``dossier.check(path, jurisdiction=…, stage=…)``, is `dossier.api.check`."""

from dossier.api import callable_module

callable_module(__name__)
