"""Answering: from a visitor's words to a grounded answer from the catalog. No UI, no 3D."""
