"""Reading papers: PDF and text to a structured Document (see model.py)."""
