"""Checking a dossier: classify files, match outlines, extract facts, apply rules."""
