"""Helpers shared by the views: atomic file writes and matplotlib set up for text from papers."""

from __future__ import annotations

import functools
import os
import tempfile
from pathlib import Path
from typing import Callable


def write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write`` on a temporary file next to ``path``, then rename it: never a half-written file."""
    path = Path(path)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(handle)
    try:
        write(Path(temp))
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def plain_text_figures(function):
    """Run ``function`` with matplotlib headless and mathtext off, so a '$' in a sentence, a label
    or a SPARQL query is drawn as a dollar sign instead of starting a formula."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        import matplotlib

        matplotlib.use("Agg")
        # svg.fonttype none: SVG text stays text (searchable, editable in a figure for a paper)
        with matplotlib.rc_context({"text.parse_math": False, "svg.hashsalt": "kgraph", "svg.fonttype": "none"}):
            return function(*args, **kwargs)

    return wrapper
