"""The ten real articles in ../shared/pdfs (see its SOURCES.md), with per-file expectations.

Reference counts were checked by eye against the last entry of each printed list.
Table row counts marked "exact" were counted on the page; the others are lower
bounds (row grouping of unruled tables is a judgement call: one line per row, or one
study per row).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pdf_fixtures import read_cached

PDFS = Path(__file__).resolve().parents[2] / "shared" / "pdfs"
if not PDFS.exists():
    PDFS = Path("/work/shared/pdfs")

# file: (references, running heads/footers that must not reach the body, {table id: (min rows, exact?)})
EXPECT = {
    "bmc-cancer-2016-diabetes-adenoma-meta.pdf": (
        65,
        ["BMC Cancer (2016) 16:642", "Page 3 of 9"],
        {"Table 1": (17, False), "Table 2": (10, False)},
    ),
    "bmc-hsr-2014-malawi-quality-improvement.pdf": (
        31,
        ["BMC Health Services Research 2014, 14:1", "Page 2 of 10"],
        {"Table 1": (5, False), "Table 2": (5, False)},
    ),
    "bmc-medicine-2014-limit-antenatal-diet-rct.pdf": (
        77,
        ["BMC Medicine 2014, 12:161", "Page 8 of 19"],
        {
            "Table 1": (15, False),
            "Table 2": (68, True),  # 17 food groups x 4 time points, over pages 8-9
            "Table 3": (15, False),
            "Table 4": (15, False),
            "Table 5": (2, False),
            "Table 6": (4, False),
            "Table 7": (4, False),
        },
    ),
    "bmc-public-health-2014-uatuni-rct.pdf": (
        29,
        ["BMC Public Health 2014, 14:563", "Page 2 of 13"],
        {"Table 1": (15, False), "Table 2": (40, False)},
    ),
    "bmjopen-2016-goactive-pilot-crct.pdf": (
        38,
        ["Downloaded from http://bmjopen.bmj.com"],
        {"Table 1": (2, False), "Table 2": (2, False), "Table 3": (2, False), "Table 4": (2, False), "Table 5": (2, False)},
    ),
    "clinsci-2014-ace-inhibitor-design.pdf": (
        52,
        ["TThhee", "Creative Commons Attribution Licence"],
        {"Table 1": (2, False), "Table 2": (1, False), "Table 3": (1, False), "Table 4": (1, False), "Table 5": (10, False)},
    ),
    "jmir-2011-hand-hygiene-rct.pdf": (
        57,
        ["JOURNAL OF MEDICAL INTERNET RESEARCH", "RenderX", "vol. 13 | iss. 4"],
        {"Table 1": (4, False), "Table 2": (4, False), "Table 3": (4, False), "Table 4": (3, False), "Table 5": (10, False), "Table 6": (10, False)},
    ),
    "lancet-respmed-2014-stopadvisor-rct.pdf": (
        36,
        ["www.thelancet.com/respiratory", "Published online September 25, 2014"],
        {"Table 1": (22, True), "Table 2": (10, True), "Table 3": (9, True)},
    ),
    "rsp-2016-adolescent-hypertension-meta.pdf": (
        46,
        ["Prevalence of hypertension in adolescents Gonçalves et al."],
        {"Table 1": (10, False), "Table 2": (15, False)},
    ),
    "ymj-2016-septic-shock-protocol-meta.pdf": (
        30,
        ["Protocol-Based Resuscitation for Septic Shock\n"],
        {"Table 1": (20, False), "Table 2": (8, True), "Table 3": (3, True)},  # Table 1 printed sideways, pp3-5
    ),
}


@pytest.fixture(scope="module", params=sorted(EXPECT))
def case(request):
    return request.param, read_cached(str(PDFS / request.param))


def _body(doc) -> str:
    """Body text: from the abstract to the end of the references (tables are written after)."""
    start = next((s.span.start for s in doc.sections if s.kind == "abstract"), 0)
    end = doc.tables[0].span.start if doc.tables else len(doc.text)
    return doc.text[start:end]


def test_no_running_heads_or_page_numbers(case):
    name, doc = case
    body = _body(doc)
    for furniture in EXPECT[name][1]:
        assert furniture not in body, f"{name}: {furniture!r} left in the text"
    assert not re.search(r"\bPage \d+ of \d+\b", body)
    assert not re.search(r"^\d{1,4}$", body, re.M), "a page number on its own line"


def test_sections_found(case):
    name, doc = case
    kinds = [s.kind for s in doc.sections]
    assert "title" in kinds and doc.title
    for kind in ("abstract", "methods", "results", "references"):
        assert kind in kinds, f"{name}: no {kind} section ({kinds})"
    assert kinds.index("abstract") < kinds.index("methods") < kinds.index("results")
    assert "discussion" in kinds or "conclusions" in kinds


def test_references_parsed(case):
    name, doc = case
    refs = doc.references
    assert len(refs) == EXPECT[name][0]
    assert [r.number for r in refs] == list(range(1, len(refs) + 1))
    complete = sum(1 for r in refs if r.authors and r.year and r.title)
    assert complete >= 0.6 * len(refs)
    assert sum(1 for r in refs if r.year) >= 0.75 * len(refs)  # web pages and reports may have none


def test_tables_found_with_rows(case):
    name, doc = case
    found = {t.id: t for t in doc.tables}
    for tid, (rows, exact) in EXPECT[name][2].items():
        assert tid in found, f"{name}: {tid} not found"
        t = found[tid]
        if exact:
            assert len(t.rows) == rows, f"{name} {tid}: {len(t.rows)} rows"
        else:
            assert len(t.rows) >= rows, f"{name} {tid}: only {len(t.rows)} rows"
        assert all(len(r) == len(t.rows[0]) for r in t.rows)
        for row in t.rows:
            for cell in row:
                assert doc.text[cell.span.start : cell.span.end] == cell.text


def test_continued_tables_are_stitched(case):
    name, doc = case
    ids = [t.id for t in doc.tables]
    assert len(ids) == len(set(ids)), f"{name}: a table split into pieces: {ids}"


def test_ligatures_and_hyphens(case):
    name, doc = case
    body = _body(doc)
    assert not re.search(r"\b(?:confi|eff|benefi|signifi|identifi|fi) (?:dentiality|ect|ts|cant|ed|ndings?)\b", body)
    assert "\ufb01" not in body and "\ufb02" not in body and "\ufffe" not in body
