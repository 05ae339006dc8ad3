"""Extraction: Document -> mentions -> frames (see frames.py)."""
