"""Parse submitted documents into DocumentTrees (placeholder until the entry point lands)."""
