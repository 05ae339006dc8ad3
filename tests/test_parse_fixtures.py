"""The PDF reader against PDFs typeset here with known content (tests/pdf_fixtures.py)."""

from __future__ import annotations

import re

import pytest

from pdf_fixtures import article, read_cached


def _plain(text: str) -> str:
    """Document text without citation labels, whitespace collapsed."""
    return " ".join(re.sub(r"\s*\[\d[\d,–-]*\]", "", text).split())


@pytest.fixture(scope="module", params=[1, 2], ids=["one-column", "two-columns"])
def parsed(request, tmp_path_factory):
    path, truth = article(str(tmp_path_factory.getbasetemp()), request.param)
    return read_cached(path), truth


def test_reading_order_every_paragraph_in_order(parsed):
    doc, truth = parsed
    body = _plain(doc.text)
    pos = 0
    for para in truth.paragraphs:
        want = " ".join(para.split())
        # punctuation moves around a citation label ("days [2,3]," vs "days,"): compare without it
        i = body.find(want, pos) if want in body else _loose_find(body, want, pos)
        assert i >= pos, f"paragraph out of order or missing: {want[:60]!r}"
        pos = i + 1


def _loose_find(body: str, want: str, pos: int) -> int:
    squash = lambda s: re.sub(r"[^a-z0-9]", "", s.lower())  # noqa: E731
    b, w = squash(body), squash(want)
    i = b.find(w)
    if i < 0:
        return -1
    # map back approximately: position in body by counting alnum characters
    count = 0
    for k, ch in enumerate(body):
        if re.match(r"[a-z0-9]", ch.lower()):
            if count == i:
                return k if k >= pos else pos
            count += 1
    return -1


def test_paragraphs_are_whole(parsed):
    doc, truth = parsed
    blocks = [_plain(b.text) for b in doc.blocks() if b.kind == "paragraph"]
    for para in truth.paragraphs:
        want = re.sub(r"[^a-z0-9]", "", para.lower())
        assert any(want == re.sub(r"[^a-z0-9]", "", b.lower()) for b in blocks), f"split or merged: {para[:60]!r}"


def test_sections_and_their_boundaries(parsed):
    doc, truth = parsed
    kinds = [s.kind for s in doc.sections]
    assert kinds[:2] == ["title", "authors"]
    assert [k for k in kinds if k not in ("title", "authors")] == [k for k, _ in truth.sections]
    assert doc.title == truth.title
    assert doc.authors == ["Ada Lindqvist", "Omar Haddad", "Mei Tanaka"]
    for sec in doc.sections:
        if sec.kind in truth.section_paragraphs:
            text = re.sub(r"[^a-z0-9]", "", _plain(doc.text[sec.span.start : sec.span.end]).lower())
            for para in truth.section_paragraphs[sec.kind]:
                assert re.sub(r"[^a-z0-9]", "", para.lower()) in text
            assert doc.section_of(sec.span.start) == sec.kind


def test_citation_markers_in_order(parsed):
    doc, truth = parsed
    found = [c.numbers for b in doc.blocks() for c in b.citations]
    assert found == truth.citations
    for b in doc.blocks():
        for c in b.citations:
            assert doc.text[c.span.start : c.span.end] == f"[{c.marker.replace('-', '–')}]"


def test_running_heads_and_page_numbers_removed(parsed):
    doc, truth = parsed
    body = doc.text
    for head in truth.running_heads:
        assert head not in body
    assert not re.search(r"^\d{3}$", body, re.M)
    assert "Volume 3" not in body
    assert "(Continued)" not in body


@pytest.mark.parametrize("index", [0, 1], ids=["ruled", "unruled"])
def test_every_table_cell(parsed, index):
    doc, truth = parsed
    spec = truth.tables[index]
    table = next(t for t in doc.tables if t.id == spec["id"])
    assert table.caption == spec["caption"]
    assert table.columns == spec["header"]
    assert len(table.rows) == len(spec["rows"])
    got = [[c.text for c in r] for r in table.rows]
    assert got == spec["rows"]
    assert table.footnote == spec["footnote"]
    assert len(table.pages) == 2
    # every cell is addressable in Document.text
    for row in table.rows:
        for cell in row:
            assert doc.text[cell.span.start : cell.span.end] == cell.text
            assert cell.span.page in table.pages


def test_references(parsed):
    doc, truth = parsed
    assert [r.number for r in doc.references] == list(range(1, len(truth.references) + 1))
    assert all(r.year and r.authors and r.title and r.journal for r in doc.references)
    assert doc.references[0].authors == ["Arnsby K", "Pell T"]
    assert doc.references[0].pages == "101–109"
