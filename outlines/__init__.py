"""Packaged data: outlines (shipped in the wheel as dossier.outlines)."""
