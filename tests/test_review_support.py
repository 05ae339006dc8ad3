"""Shared helpers for the review tests (imported by tests/test_review_*.py).

``seed_table_document()`` is the seed review as the text reader reads it, with its shuffled
Table 2 replaced by a Table built from the test gold maher2017-table2.yaml (the YAML is test
data here, never a source of facts in library code). Cells get real spans into the document
text, so evidence offsets can be checked.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path

import yaml

from kgraph.parse import read_document
from kgraph.parse.model import Cell, Span, Table

SEED = Path("/work/shared/seed")
SEED_TXT = SEED / "maher2017-ketamine-infusion-review.txt"
SEED_PDF = SEED / "maher2017-review-typeset.pdf"
SEED_TABLE = SEED / "maher2017-table2.yaml"
FIELDS = ["reference", "clinical_indication", "study_size", "study_design", "duration_of_infusion", "study_setting",
          "dose_range", "combination_therapy", "duration_of_pain_relief", "secondary_outcomes", "side_effects"]
_SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


@lru_cache(maxsize=1)
def table_gold() -> dict:
    return yaml.safe_load(SEED_TABLE.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _seed_doc():
    return read_document(SEED_TXT)


def build_table(gold: dict, doc_text: list[str], offset: int, table_id: str = "Table 2",
                header: list[str] | None = None, marker: str = "superscript") -> Table:
    """A Table from YAML rows; cell texts appended to ``doc_text`` (a list of pieces)."""
    pos = offset

    def add(text: str) -> Span:
        nonlocal pos
        start = pos
        doc_text.append(text)
        pos += len(text)
        doc_text.append("\n")
        pos += 1
        return Span(start, start + len(text), page=None, bbox=None)

    columns = header or gold["columns"]
    head = [Cell(c, 0, j, add(c)) for j, c in enumerate(columns)]
    rows = []
    for i, r in enumerate(gold["rows"]):
        cells = []
        for j, f in enumerate(FIELDS):
            text = r[f]
            if f == "reference":
                num = str(r["ref"])
                text = text + (num.translate(_SUP) if marker == "superscript" else f"^{{{num}}}" if marker == "latex" else "")
            cells.append(Cell(text, i, j, add(text)))
        rows.append(cells)
    return Table(id=table_id, caption=gold["caption"], header=[head], rows=rows, footnote=gold["footnote"])


def seed_table_document(header: list[str] | None = None, marker: str = "superscript", rows=None):
    """The seed review (text reader) with Table 2 rebuilt from the test gold YAML."""
    doc = copy.deepcopy(_seed_doc())
    gold = dict(table_gold())
    if rows is not None:
        gold["rows"] = rows
    pieces = [doc.text, "\n"]
    offset = len(doc.text) + 1
    table = build_table(gold, pieces, offset, header=header, marker=marker)
    doc.text = "".join(pieces)
    doc.tables = [t for t in doc.tables if not t.id.startswith("Table 2")] + [table]
    return doc


def norm(text: str) -> str:
    return " ".join(str(text).split())


@lru_cache(maxsize=1)
def analyzer():
    """One pipeline for all review tests (it caches what it reads)."""
    from kgraph.extract.review import Analyzer

    return Analyzer()


@lru_cache(maxsize=1)
def pdf_document():
    return read_document(SEED_PDF)


@lru_cache(maxsize=1)
def pdf_frames():
    from kgraph.extract.review import extract_review

    return extract_review(pdf_document(), analyzer=analyzer())


@lru_cache(maxsize=1)
def seed_table_frames():
    from kgraph.extract.review import extract_review

    return extract_review(seed_table_document(), analyzer=analyzer())


def store_with(*frames_list, vocab: bool = True):
    """An in-memory store holding the given documents (with the vocabularies for labels)."""
    from kgraph.store.embedded import EmbeddedStore

    store = EmbeddedStore.in_memory()
    if vocab:
        store.load_vocabularies()
    for fr in frames_list:
        store.add_frames(fr)
    return store
