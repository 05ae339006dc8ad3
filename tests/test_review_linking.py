"""One Study per study across documents: keys, the measured title threshold, the review and a
corpus report of one of its cited studies merged in either ingest order, conflicts kept."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

from kgraph.extract.frames import DocumentFrames, Evidence, Study
from kgraph.extract.linking import (
    TITLE_THRESHOLD,
    link_report,
    same_study,
    study_key,
    surname_of,
    title_similarity,
)
from kgraph.parse.model import Reference

from linking_measure import pairs
from test_review_support import pdf_document, pdf_frames, store_with

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
GOLDBERG = CORPUS / "crps-5day-inpatient-ketamine-titration.txt"


@lru_cache(maxsize=1)
def goldberg_frames():
    from kgraph.extract import extract_document
    from kgraph.parse import read_document

    return extract_document(read_document(GOLDBERG))


@pytest.mark.parametrize("author,surname", [
    ("Sigtermans MJ", "Sigtermans"), ("Sigtermans, M.J.", "Sigtermans"), ("van Hilten JJ", "van Hilten"),
    ("Helena M. Verbruggen", "Verbruggen"), ("Dermot P Maher, MD, MS", "Maher"), ("Buckenmaier CC III", "Buckenmaier"),
    ("Jan van Dijk", "van Dijk"), ("Jørum E", "Jørum"),
])
def test_surnames(author, surname):
    assert surname_of(author) == surname


def test_keys_fold_spelling():
    assert study_key("Kvarnström", 2004) == "kvarnstrom-2004"
    assert study_key("Jørum", 2003) == "jorum-2003"
    assert study_key("Éide", 1995) == study_key("Eide", 1995) == "eide-1995"
    assert study_key("van Hilten", 2011) == "van-hilten-2011"
    assert study_key("Smith", None) is None


def test_the_measured_threshold_separates_same_from_different_titles():
    """The measurement behind TITLE_THRESHOLD (tests/linking_measure.py, docs/linking.md) still holds."""
    pos, neg, hard = pairs()
    assert len(pos) > 400 and len(neg) > 3000 and hard
    assert min(title_similarity(a, b) for a, b in pos) >= TITLE_THRESHOLD
    assert max(title_similarity(a, b) for a, b in neg) < TITLE_THRESHOLD


def test_same_study_decisions():
    refs = {r.number: r for r in pdf_document().references}
    # same first author and year, different papers (refs 3 and 35 are both Sigtermans 2009)
    assert same_study(refs[3], refs[35]).same is False
    assert same_study(refs[3], refs[3]).same is True
    a = Reference(1, "x", authors=["Doe J"], year=2001, title="A trial", doi="10.1/ABC")
    b = Reference(2, "y", authors=["Roe K"], year=1999, title="Another", doi="https://doi.org/10.1/abc")
    assert same_study(a, b).same is True and same_study(a, b).reason == "DOI"
    c = Reference(3, "z", authors=["Doe J"], year=2001, title="A trial", doi="10.1/other")
    assert same_study(a, c).same is False
    # held out from the measurement: the review's garbled reference 7 and the corpus report's own title
    report_title = "Pharmacodynamic Profiles of (R)- and (S)-Ketamine During a 5-Day Inpatient Ketamine Infusion for Complex Regional Pain Syndrome"
    assert title_similarity(refs[7].title, report_title) >= TITLE_THRESHOLD


def test_corpus_report_of_a_cited_study_links_to_its_row():
    review = pdf_frames()
    row = next(s for s in review.studies if s.reference_number == 7)
    report = goldberg_frames()
    assert [s.key for s in report.studies] == [row.key] == ["goldberg-2010"]
    decision = same_study(row, report.studies[0])
    assert decision.same is True, decision.reason
    lr = link_report([review, report])
    assert lr.merged["goldberg-2010"] == sorted([review.doc_key, report.doc_key])
    assert lr.collisions == [] and lr.missed == []
    n_conflict = [c for c in lr.conflicts if c.key == "goldberg-2010" and c.field == "n"]
    assert n_conflict and sorted(v for _, v, _ in n_conflict[0].values) == [16, 18]


def _quads(store):
    return {str(q) for g in store.document_graphs() for q in store.graph_quads(g)}


def test_either_ingest_order_gives_one_study_with_evidence_from_both():
    review, report = pdf_frames(), goldberg_frames()
    one = store_with(review, report)
    two = store_with(report, review)
    assert _quads(one) == _quads(two)
    rows = one.query("""
        PREFIX kg: <https://w3id.org/kgraph/ontology#>
        SELECT ?s ?g ?n WHERE { GRAPH ?g { ?s a kg:Study ; kg:key "goldberg-2010" . OPTIONAL { ?s kg:sampleSize ?n } } }
    """).rows
    assert len({r[0] for r in rows}) == 1  # one Study node
    assert len({r[1] for r in rows}) == 2  # described in two documents' graphs
    assert sorted(r[2] for r in rows) == [16, 18]  # the conflict stays visible, each value in its own graph

    from kgraph.report.evidence_table import table_from_store

    table = table_from_store(one)
    row = next(r for r in table.rows if r.study_key == "goldberg-2010")
    assert len([r for r in table.rows if r.study_key == "goldberg-2010"]) == 1
    size = row.cells["study_size"]
    assert {v.text for v in size.values} == {"16", "18"} and "[" in size.text  # each value names its document
    assert len(row.documents) == 2


def test_lookalike_corpus_reports_do_not_link():
    from kgraph.extract import extract_document
    from kgraph.parse import read_document

    review_keys = {s.key for s in pdf_frames().studies}
    for name in ("phantom-limb-ketamine-calcitonin-crossover.txt", "fibromyalgia-esketamine-active-placebo.txt",
                 "crps-icu-anesthetic-ketamine-open-label.txt"):
        fr = extract_document(read_document(CORPUS / name))
        assert not ({s.key for s in fr.studies} & review_keys), name


def _frames(doc_key: str, *studies: Study) -> DocumentFrames:
    return DocumentFrames(doc_key=doc_key, source=doc_key, sha256="0", studies=list(studies))


def test_link_report_finds_collisions_and_missed_links():
    ev = [Evidence(text="x", start=0, end=1)]
    a = Study(key="smith-2001", label="Smith 2001", first_author="Smith", year=2001, doi="10.1/a", n=10, evidence=ev)
    b = Study(key="smith-2001", label="Smith 2001", first_author="Smith", year=2001, doi="10.1/b", n=10, evidence=ev)
    c = Study(key="smyth-2001", label="Smyth 2001", first_author="Smyth", year=2001, doi="10.1/a", evidence=ev)
    lr = link_report([_frames("d1", a), _frames("d2", b), _frames("d3", c)])
    assert len(lr.collisions) == 1 and "DOI" in lr.collisions[0]
    assert lr.missed == ["smith-2001 and smyth-2001: same DOI"]
    assert lr.lines()
