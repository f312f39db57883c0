"""Packaged data: schemas (shipped in the wheel as dossier.schemas)."""
