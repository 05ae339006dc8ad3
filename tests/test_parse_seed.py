"""The seed review: its text dump and its typeset PDF read into the same structure."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from pdf_fixtures import read_cached

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed"
if not SEED.exists():  # the tree may sit elsewhere; the seed lives next to the repository
    SEED = Path("/work/shared/seed")
TEXT = str(SEED / "maher2017-ketamine-infusion-review.txt")
PDF = str(SEED / "maher2017-review-typeset.pdf")
YAML = SEED / "maher2017-table2.yaml"

COLUMN_KEYS = [
    "reference",
    "clinical_indication",
    "study_size",
    "study_design",
    "duration_of_infusion",
    "study_setting",
    "dose_range",
    "combination_therapy",
    "duration_of_pain_relief",
    "secondary_outcomes",
    "side_effects",
]
BODY_KINDS = ["abstract", "introduction", "methods", "results", "discussion", "conclusions", "other", "references"]


def ws(s) -> str:
    return " ".join(str(s).split())


@pytest.fixture(scope="module")
def text_doc():
    return read_cached(TEXT)


@pytest.fixture(scope="module")
def pdf_doc():
    return read_cached(PDF)


@pytest.fixture(scope="module")
def table2_truth():
    return yaml.safe_load(YAML.read_text(encoding="utf-8"))


@pytest.mark.parametrize("which", ["text", "pdf"])
def test_sections(which, text_doc, pdf_doc):
    doc = text_doc if which == "text" else pdf_doc
    kinds = [s.kind for s in doc.sections]
    body = [k for k in kinds if k not in ("title", "authors")]
    assert body[-len(BODY_KINDS):] == BODY_KINDS
    assert "title" in kinds and "authors" in kinds
    assert doc.title.startswith("Intravenous Ketamine Infusions for Neuropathic Pain Management")
    assert doc.authors == ["Dermot P Maher", "Lucy Chen", "Jianren Mao"]
    assert doc.year == 2017
    titles = {s.kind: s.title for s in doc.sections}
    assert titles["methods"] == "METHODS" and titles["references"] == "REFERENCES"
    # the unlabeled abstract ends with the journal line; the introduction starts with the drop-capped word
    abstract = next(s for s in doc.sections if s.kind == "abstract")
    assert doc.text[abstract.span.start : abstract.span.end].rstrip().endswith("(Anesth Analg 2017;124:661–74)") or \
        doc.text[abstract.span.start : abstract.span.end].rstrip().endswith("(Anesth Analg 2017;124:661-74)")
    intro = next(s for s in doc.sections if s.kind == "introduction")
    assert doc.text[intro.span.start :].startswith("Ketamine was first synthesized in the 1960s")


@pytest.mark.parametrize("which", ["text", "pdf"])
def test_41_structured_references(which, text_doc, pdf_doc):
    doc = text_doc if which == "text" else pdf_doc
    refs = doc.references
    assert [r.number for r in refs] == list(range(1, 42))
    assert sum(1 for r in refs if r.authors and r.year and r.journal and r.title) == 40  # 39 is a web page
    r3 = refs[2]
    assert r3.authors[0] == "Sigtermans MJ" and r3.year == 2009 and r3.journal == "Pain"
    assert (r3.volume, r3.pages) == ("145", "304–311")
    assert refs[39].authors[:3] == ["Eagle KA", "Berger PB", "Calkins H"]
    assert refs[39].journal == "J Am Coll Cardiol" and refs[39].year == 2002
    assert refs[17].pages == "834–842"  # the dump splits this entry over two lines
    for r in refs:
        assert doc.text[r.span.start : r.span.end].startswith(f"{r.number}. ")
        assert doc.section_of(r.span.start) == "references"


def test_text_and_pdf_references_agree(text_doc, pdf_doc):
    same = sum(
        1
        for a, b in zip(text_doc.references, pdf_doc.references)
        if (a.authors, a.title, a.journal, a.year, a.volume, a.pages) == (b.authors, b.title, b.journal, b.year, b.volume, b.pages)
    )
    assert same >= 39  # the dump garbles two titles ("®-", "N-methyl-Daspartate")


@pytest.mark.parametrize("which", ["text", "pdf"])
def test_citations_link_to_references(which, text_doc, pdf_doc):
    doc = text_doc if which == "text" else pdf_doc
    cites = [c for b in doc.blocks() for c in b.citations]
    assert len(cites) >= 60
    for c in cites:
        assert c.numbers and all(1 <= n <= 41 for n in c.numbers)
        assert doc.text[c.span.start : c.span.end].startswith("[")
        assert doc.section_of(c.span.start) not in ("references", "title", "authors")
    numbers = {n for c in cites for n in c.numbers}
    assert numbers >= set(range(3, 39)) - {36}  # every study of Table 2 and most background refs
    # one marker mangled by OCR ("mg/kg/h.34,7,9-17") is repaired to 3, 4, 7, 9-17, 19, 38
    assert [3, 4, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 19, 38] in [c.numbers for c in cites]


def test_text_citations_match_the_typeset_ones(text_doc, pdf_doc):
    text_cites = Counter(tuple(c.numbers) for b in text_doc.blocks() for c in b.citations)
    pdf_cites = Counter(tuple(c.numbers) for b in pdf_doc.blocks() for c in b.citations)
    common = sum((text_cites & pdf_cites).values())
    # the dump lost some markers (and garbled one); what it kept is what the PDF has
    assert common / sum(text_cites.values()) >= 0.95
    assert common / sum(pdf_cites.values()) >= 0.85


def test_text_furniture_is_not_paragraph_text(text_doc):
    notes = [b.text for b in text_doc.blocks() if b.kind == "footnote"]
    assert any(n.startswith("Copyright ©") for n in notes)
    assert any(n.startswith("Accepted for publication") for n in notes)
    # the paragraph cut by the furniture is whole again
    assert any("significantly outlast the plasma half-life in many reports" in b.text for b in text_doc.blocks())


def test_pdf_body_has_no_furniture(pdf_doc):
    body = pdf_doc.text
    for head in ("ANESTHESIA & ANALGESIA", "www.anesthesia-analgesia.org", "Volume 124", "Ketamine Infusions for Neuropathic Pain\n"):
        assert head not in body
    for page in range(661, 671):
        assert f"\n{page}\n" not in body and not body.endswith(str(page))


def test_pdf_table2_is_one_logical_table(pdf_doc, table2_truth):
    tables = [t for t in pdf_doc.tables if t.id == "Table 2"]
    assert len(tables) == 1
    t = tables[0]
    assert t.pages == [4, 5, 6, 7]
    assert t.caption == table2_truth["caption"]
    assert t.columns == table2_truth["columns"]
    assert len(t.rows) == 27 and all(len(r) == 11 for r in t.rows)
    assert ws(t.footnote) == ws(table2_truth["footnote"])


def test_pdf_table2_cells_match_the_yaml(pdf_doc, table2_truth):
    t = next(t for t in pdf_doc.tables if t.id == "Table 2")
    total = exact = 0
    misses = []
    for row, want in zip(t.rows, table2_truth["rows"]):
        for cell, key in zip(row, COLUMN_KEYS):
            total += 1
            if ws(cell.text) == ws(want[key]):
                exact += 1
            else:
                misses.append((want["ref"], key, cell.text, want[key]))
    share = exact / total
    print(f"Table 2: {exact}/{total} cells exact ({share:.1%})")
    assert total == 27 * 11
    assert share == 1.0, misses[:5]
    # the superscript reference number is a citation of the cell, not part of its text
    assert [r[0].citations[0].numbers for r in t.rows] == [[w["ref"]] for w in table2_truth["rows"]]


def test_pdf_table_cells_are_located(pdf_doc):
    for t in pdf_doc.tables:
        for row in t.header + t.rows:
            for cell in row:
                assert pdf_doc.text[cell.span.start : cell.span.end] == cell.text
                assert cell.span.page in t.pages
                assert cell.span.bbox is None or cell.span.bbox[0] < cell.span.bbox[2]


def test_pdf_table1(pdf_doc):
    t = next(t for t in pdf_doc.tables if t.id == "Table 1")
    assert t.columns == ["", "Level 1", "Level 2", "Level 3", "Level 4", "Level 5"]
    assert [r[0].text for r in t.rows] == ["Treatment benefits", "Treatment harms"]
    assert t.footnote.startswith("Source: http://www.cebm.net/")
