"""Reading papers: PDF and text to a structured Document (see model.py).

    from kgraph.parse import read_document, read_many
    doc = read_document("paper.pdf")          # raises InputError on bad input
    for path, result in read_many(paths):      # never raises for one bad file
        ...

The format is decided by the file's content (PDF magic bytes), not its name:
a ".pdf" that is not a PDF, an empty file, a corrupt, encrypted or scanned PDF, or
text that is not UTF-8 each end in an InputError whose one-line message names the
file.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Iterable, Iterator

from kgraph.errors import InputError, KgraphError
from kgraph.parse.model import Block, Cell, Citation, Document, Reference, Section, Span, Table

__all__ = [
    "read_document",
    "read_many",
    "sniff",
    "Document",
    "Section",
    "Block",
    "Table",
    "Cell",
    "Reference",
    "Citation",
    "Span",
    "TEXT_SUFFIXES",
]

TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown"}
PDF_SUFFIXES = {".pdf"}


def sniff(data: bytes, path: str) -> str:
    """'pdf' or 'text' from the bytes; InputError for what we cannot read."""
    if not data.strip():
        raise InputError(f"{path}: the file is empty")
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    suffix = Path(path).suffix.lower()
    if suffix in PDF_SUFFIXES:
        raise InputError(f"{path}: named .pdf but is not a PDF (no %PDF header)")
    if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b")):
        raise InputError(f"{path}: a binary file (office document, image or archive), not a PDF or text")
    return "text"


def read_document(path: str | os.PathLike, *, engine: str = "pdfium") -> Document:
    """Read one PDF, .txt or .md file into a Document."""
    p = str(path)
    try:
        with open(p, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        raise InputError(f"{p}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{p}: is a directory, not a file") from None
    except OSError as exc:
        raise InputError(f"{p}: cannot read ({exc.strerror})") from None
    sha = hashlib.sha256(data).hexdigest()
    kind = sniff(data, p)
    if kind == "pdf":
        from kgraph.parse.pdf_reader import read_pdf

        return read_pdf(p, data, sha)
    from kgraph.parse.text_reader import read_text

    return read_text(p, data, sha)


def read_many(paths: Iterable[str | os.PathLike]) -> Iterator[tuple[str, Document | KgraphError]]:
    """Read files one by one; a bad file yields its error instead of stopping the batch."""
    for path in paths:
        p = str(path)
        try:
            yield p, read_document(p)
        except KgraphError as exc:
            yield p, exc
        except Exception as exc:  # noqa: BLE001 - a reader bug on one file must not end the batch
            yield p, InputError(f"{p}: could not be read ({type(exc).__name__}: {exc})")


def iter_inputs(paths: Iterable[str | os.PathLike]) -> Iterator[str]:
    """Files named, and the PDF/text files inside folders named, in a stable order."""
    for path in paths:
        p = Path(path)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and f.suffix.lower() in PDF_SUFFIXES | TEXT_SUFFIXES:
                    yield str(f)
        else:
            yield str(p)
