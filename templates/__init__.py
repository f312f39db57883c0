"""Packaged data: templates (shipped in the wheel as dossier.templates)."""
