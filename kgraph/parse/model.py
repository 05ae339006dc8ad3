"""The document model every reader produces and every later stage consumes.

Every piece keeps where it came from: the page (1-based), a bounding box in PDF
points (x0, top, x1, bottom; None for plain text), and character offsets into
``Document.text`` so a fact can point at its exact sentence or table cell.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

BBox = tuple[float, float, float, float]


@dataclass
class Span:
    """A located piece of text: offsets into Document.text, page and box."""

    start: int
    end: int
    page: int | None = None
    bbox: BBox | None = None


@dataclass
class Citation:
    """A citation marker in the body, e.g. superscript "3,4" -> [3, 4]."""

    marker: str
    numbers: list[int]
    span: Span


@dataclass
class Block:
    """A paragraph (or heading, caption) of text in reading order."""

    text: str
    span: Span
    kind: str = "paragraph"  # paragraph | heading | caption | footnote
    section: str | None = None  # canonical section name, see Section.kind
    citations: list[Citation] = field(default_factory=list)


@dataclass
class Section:
    """A titled part of the document. ``kind`` is canonical: title, authors,
    abstract, introduction, methods, results, discussion, conclusions,
    references, other."""

    title: str
    kind: str
    span: Span
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Cell:
    text: str
    row: int
    col: int
    span: Span | None = None  # offsets into Document.text, page and box of the cell
    # citation markers printed in the cell (superscript "3" after "Sigtermans et al"),
    # kept out of ``text``; their spans point at "[3]" written after the cell in Document.text
    citations: list[Citation] = field(default_factory=list)


@dataclass
class Table:
    """A logical table: header rows and body rows, stitched across pages."""

    id: str  # e.g. "Table 2"
    caption: str
    header: list[list[Cell]]
    rows: list[list[Cell]]
    pages: list[int] = field(default_factory=list)
    footnote: str = ""
    span: Span | None = None

    @property
    def columns(self) -> list[str]:
        """One label per column: header rows joined top to bottom."""
        if not self.header:
            return []
        width = max(len(r) for r in self.header)
        labels = []
        for c in range(width):
            parts = [r[c].text for r in self.header if c < len(r) and r[c].text]
            labels.append(" ".join(parts).strip())
        return labels


@dataclass
class Reference:
    """One entry of the reference list, numbered as in the text."""

    number: int | None
    raw: str
    authors: list[str] = field(default_factory=list)
    title: str | None = None
    journal: str | None = None
    year: int | None = None
    volume: str | None = None
    pages: str | None = None
    doi: str | None = None
    pmid: str | None = None
    span: Span | None = None


@dataclass
class Document:
    """A paper as read: its text, structure, tables and references."""

    source: str  # path as given
    sha256: str  # content hash of the file bytes
    text: str  # the body text in reading order, furniture removed
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    doi: str | None = None
    pmid: str | None = None
    journal: str | None = None
    pages: int = 0
    sections: list[Section] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    media_type: str = "text/plain"  # or application/pdf

    def blocks(self):
        for s in self.sections:
            yield from s.blocks

    def section_of(self, offset: int) -> str | None:
        for s in self.sections:
            if s.span.start <= offset < s.span.end:
                return s.kind
        return None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
