"""Two-part studies and conflicts between documents about one study.

Hand-written frames (no extractor): a review tabulating a study in two rows ("Part 1", "Part 2")
and a second study with n = 16, and that second study's own paper saying n = 18 (plus a first
author with an accent, a title with quotes and brackets, one more condition). Each part is a
Study of its own under the study, which keeps only its identity; both values of a conflict stay,
each in its document's graph, and ``study_conflicts`` shows them alike in SPARQL and Cypher.
The names, DOIs (10.5555 is the DOI test prefix) and numbers are invented.
"""

from __future__ import annotations

import pytest
from rdflib import URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS

from frames_fixture import EXTRACTOR_VERSION, Text, condition, design, drug, effect, q
from kgraph.extract.frames import AdverseEffect, Arm, Claim, DocumentFrames, Outcome, Protocol, Study
from kgraph.query.library import load_query
from kgraph.query.runner import run_query
from kgraph.rdf.mapping import frames_to_graph, part_iri, study_iri
from kgraph.rdf.namespaces import KG
from kgraph.rdf.validate import validate_frames, validate_graph
from kgraph.store.embedded import EmbeddedStore
from kgraph.store.neo4j_loader import load_store

REVIEW, REPORT = "Rho 2020", "Sígma 2008"
TITLE_REVIEW = 'Ketamine "burst" infusions [CRPS]'
TITLE_REPORT = 'Ketamine "burst" infusions [CRPS]: a randomized trial'
RCT, CRPS, FM = "randomized_controlled_trial", "complex_regional_pain_syndrome", "fibromyalgia"
IDENTITY = {RDF.type, RDFS.label, KG.key, KG.firstAuthor, KG.year, KG.title, KG.doi, KG.pmid, KG.referenceNumber,
            KG.hasEvidence}


def _part(t: Text, row: int, part: str, n: int, minutes: str, hours: str, relief_h: str) -> Study:
    cell = lambda text, col: t.ev(text, page=3, table="Table 1", row=row, col=col,  # noqa: E731
                                  extractor="kgraph.table_rows")
    ref, size, dur, relief = (cell(f"Omicron et al ({part})", 0), cell(f"RCT, n = {n}", 2),
                              cell(f"{minutes} min", 4), cell(f"Relief for {relief_h} h", 8))
    return Study(
        key="omicron-2003", label="Omicron 2003", part=part, design=design(RCT), n=n, n_text=str(n),
        evidence_level=2, conditions=[condition(FM)], first_author="Omicron", year=2003, reference_number=7,
        title="Ketamine and muscle pain in fibromyalgia",
        arms=[Arm(label="ketamine", protocol=Protocol(
            drug=drug("ketamine"), route="intravenous", sessions=1,
            infusion_duration=[q(f"{minutes} min", "duration", "min", value=minutes, nunit="h", nvalue=hours,
                                 evidence=[dur])], evidence=[dur]), evidence=[size])],
        outcomes=[Outcome(measure=None, text=f"Relief for {relief_h} h", direction="improved",
                          relief_duration=q(f"{relief_h} h", "relief", "h", value=relief_h, nunit="h",
                                            nvalue=relief_h), evidence=[relief])],
        adverse_effects=[AdverseEffect(effect=effect("dizziness"), evidence=[size])],
        evidence=[ref, size],
    )


def review() -> DocumentFrames:
    t = Text()
    part1 = _part(t, 1, "Part 1", 29, "30", "0.5", "2")
    part2 = _part(t, 2, "Part 2", 15, "60", "1", "4")
    s_ref, s_size = (t.ev("Sigma et al", page=3, table="Table 1", row=3, col=0),
                     t.ev("RCT, 16 patients", page=3, table="Table 1", row=3, col=2))
    sigma = Study(
        key="sigma-2008", label="Sigma 2008", design=design(RCT), n=16, n_text="16", evidence_level=2,
        conditions=[condition(CRPS)], first_author="Sigma", year=2008, reference_number=8, title=TITLE_REVIEW,
        arms=[Arm(label="ketamine", protocol=Protocol(drug=drug("ketamine"), evidence=[s_size]), evidence=[s_size])],
        evidence=[s_ref, s_size],
    )
    claim = t.ev("Short infusions gave short relief.", page=5, section="discussion")
    return DocumentFrames(
        doc_key="doi:10.5555/review.2020.0002", source="corpus/rho-2020.txt", sha256="1" * 64,
        title="Short ketamine infusions: a review", authors=["Rho R"], year=2020, kind="review",
        doi="10.5555/review.2020.0002", studies=[part1, part2, sigma],
        claims=[Claim(statement="Short infusions gave short relief.", cited_references=[7, 8],
                      variables=["infusion_duration", "relief_duration"], relation="positive", evidence=[claim])],
        extractor_version=EXTRACTOR_VERSION,
    )


def sigma_report(n: int = 18) -> DocumentFrames:
    t = Text()
    s_design = t.ev(f"{n} patients with CRPS and fibromyalgia were randomized.", page=1, section="abstract")
    study = Study(
        key="sigma-2008", label="Sigma 2008", design=design(RCT), n=n, n_text=f"{n} patients",
        conditions=[condition(CRPS), condition(FM)], first_author="Sígma", year=2008, title=TITLE_REPORT,
        doi="10.5555/sigma.2008.0003",
        arms=[Arm(label="ketamine", protocol=Protocol(drug=drug("ketamine"), route="intravenous",
                                                      evidence=[s_design]), evidence=[s_design])],
        evidence=[s_design],
    )
    return DocumentFrames(
        doc_key="doi:10.5555/sigma.2008.0003", source="corpus/sigma-2008.pdf", sha256="2" * 64,
        title=TITLE_REPORT, authors=["Sígma S"], year=2008, doi="10.5555/sigma.2008.0003", kind="study_report",
        studies=[study], extractor_version=EXTRACTOR_VERSION,
    )


CONFLICTS = [
    ["Sigma 2008", "condition", CRPS, [REPORT, REVIEW]],
    ["Sigma 2008", "condition", FM, [REPORT]],
    ["Sigma 2008", "firstAuthor", "Sigma", [REVIEW]],
    ["Sigma 2008", "firstAuthor", "Sígma", [REPORT]],
    ["Sigma 2008", "sampleSize", "16", [REVIEW]],
    ["Sigma 2008", "sampleSize", "18", [REPORT]],
    ["Sigma 2008", "title", TITLE_REVIEW, [REVIEW]],
    ["Sigma 2008", "title", TITLE_REPORT, [REPORT]],
]


def canonical(rows) -> list[tuple]:
    return sorted(tuple(tuple(sorted(v)) if isinstance(v, list) else v for v in row) for row in rows)


# --- the RDF -----------------------------------------------------------------------------------

def test_each_part_is_a_study_under_the_study_which_keeps_only_its_identity():
    _, g = frames_to_graph(review())
    whole = study_iri("omicron-2003")
    parts = sorted(g.subjects(DCTERMS.isPartOf, whole))
    assert parts == [part_iri("omicron-2003", "Part 1"), part_iri("omicron-2003", "Part 2")]
    assert str(parts[0]) == str(whole) + "/part-1"
    assert set(g.subjects(RDF.type, KG.Study)) == {whole, *parts, study_iri("sigma-2008")}
    assert {p for p, _ in g.predicate_objects(whole)} <= IDENTITY
    assert str(g.value(whole, RDFS.label)) == "Omicron 2003" and g.value(whole, KG.referenceNumber).toPython() == 7
    for part, label, n in zip(parts, ("Omicron 2003 (Part 1)", "Omicron 2003 (Part 2)"), (29, 15)):
        assert str(g.value(part, RDFS.label)) == label
        assert str(g.value(part, KG.key)) == "omicron-2003"
        assert [o.toPython() for o in g.objects(part, KG.sampleSize)] == [n]
        assert len(set(g.objects(part, KG.hasArm))) == 1 and len(set(g.objects(part, KG.hasOutcome))) == 1
        assert len(set(g.objects(part, KG.hasAdverseEffect))) == 1 and g.value(part, KG.design) is not None
        assert set(g.objects(part, KG.hasEvidence))  # the row it was read from
    doc = next(g.subjects(RDF.type, KG.Document))
    assert {whole, *parts} <= set(g.objects(doc, KG.reportsStudy))
    # the review's claim cites the study as a whole (its reference number)
    claim = next(g.subjects(RDF.type, KG.Claim))
    assert set(g.objects(claim, KG.citesStudy)) == {whole, study_iri("sigma-2008")}
    # a study without parts is unchanged: its facts on its own node
    assert g.value(study_iri("sigma-2008"), KG.sampleSize).toPython() == 16


def test_part_iri_is_a_stable_slug():
    assert part_iri("graven-nielsen-2000", "Part 2") == URIRef(str(study_iri("graven-nielsen-2000")) + "/part-2")
    assert part_iri("x-2001", "Experiment B") == URIRef(str(study_iri("x-2001")) + "/part-experiment-b")
    assert part_iri("x-2001", " part 1 ") == part_iri("x-2001", "Part 1")


def test_a_label_that_already_names_the_part_gives_the_same_triples():
    plain, named = review(), review()
    for st in named.studies:
        if st.part:
            st.label = f"{st.label} ({st.part.upper()})"
    assert set(frames_to_graph(plain)[1]) == set(frames_to_graph(named)[1])


def test_both_documents_pass_the_shapes_and_the_parts_give_no_size_warning():
    for frames in (review(), sigma_report()):
        report = validate_frames(frames)
        assert report.conforms, report.format()
        assert not [v for v in report.violations if v.path == "sampleSize"], report.format()
    # a part without the study it is part of is an error
    _, g = frames_to_graph(review())
    for triple in list(g.triples((None, DCTERMS.isPartOf, None)))[:1]:
        g.remove(triple)
    broken = validate_graph(g)
    assert any(v.rule.startswith("StudyPartShape") and v.severity == "Violation" for v in broken.violations)


# --- store and Neo4j ---------------------------------------------------------------------------

def counts(driver) -> tuple[int, int]:
    records, _, _ = driver.execute_query(
        "MATCH (n) WITH count(n) AS nodes OPTIONAL MATCH ()-[r]->() RETURN nodes, count(r) AS rels")
    return records[0]["nodes"], records[0]["rels"]


@pytest.fixture(scope="module")
def engines(neo4j_driver, tmp_path_factory):
    store = EmbeddedStore(tmp_path_factory.mktemp("parts") / "store")
    store.load_system_graphs()
    for frames in (review(), sigma_report()):
        store.add_frames(frames)
    neo4j_driver.execute_query("MATCH (n) DETACH DELETE n")
    summary = load_store(store, neo4j_driver)
    assert not summary.failed, summary.failed
    yield store, neo4j_driver
    neo4j_driver.execute_query("MATCH (n) DETACH DELETE n")
    store.close()


def both(name: str, params: dict, store, driver):
    sparql = run_query(load_query(name, "sparql"), params, store=store)
    cypher = run_query(load_query(name, "cypher"), params, driver=driver)
    assert sparql.columns == cypher.columns
    return sparql, cypher


def test_neo4j_has_two_part_nodes_under_one_study_node(engines):
    _, driver = engines
    records, _, _ = driver.execute_query(
        "MATCH (p:Study)-[:IS_PART_OF]->(w:Study {key: 'omicron-2003'}) "
        "RETURN w.iri AS whole, keys(w) AS whole_keys, p.label AS part, p.sampleSize AS n, "
        "COUNT { (p)-[:HAS_ARM]->() } AS arms, COUNT { (w)-[:HAS_ARM|DESIGN|CONDITION]->() } AS whole_facts "
        "ORDER BY part")
    assert [(r["part"], r["n"], r["arms"], r["whole_facts"]) for r in records] == [
        ("Omicron 2003 (Part 1)", 29, 1, 0), ("Omicron 2003 (Part 2)", 15, 1, 0)]
    assert {r["whole"] for r in records} == {str(study_iri("omicron-2003"))}
    assert set(records[0]["whole_keys"]) == {"iri", "graphs", "label", "key", "firstAuthor", "year", "title",
                                             "referenceNumber"}


def test_queries_list_the_parts_not_the_whole_and_engines_agree(engines):
    store, driver = engines
    omicron = lambda table: [r for r in table.sorted_rows() if str(r[0]).startswith("Omicron")]  # noqa: E731
    sparql, cypher = both("studies_by_design", {}, store, driver)
    assert omicron(sparql) == omicron(cypher) == [
        ("Omicron 2003 (Part 1)", RCT, 29, 2, (FM,), (REVIEW,)),
        ("Omicron 2003 (Part 2)", RCT, 15, 2, (FM,), (REVIEW,)),
    ]
    sparql, cypher = both("relief_vs_infusion_duration", {}, store, driver)
    assert omicron(sparql) == omicron(cypher) == [
        ("Omicron 2003 (Part 1)", "ketamine", 0.5, 1, 2.0), ("Omicron 2003 (Part 2)", "ketamine", 1.0, 1, 4.0)]
    # the claim cites the study: one row per part, none for the whole
    sparql, cypher = both("evidence_for_claim", {}, store, driver)
    rows = [r for r in sparql.sorted_rows() if r[3] and "Omicron" in r[3]]
    assert [r[3:8] for r in rows] == [("Omicron 2003 (Part 1)", RCT, 29, 2, 1),
                                      ("Omicron 2003 (Part 2)", RCT, 15, 2, 1)]
    assert rows == [r for r in cypher.sorted_rows() if r[3] and "Omicron" in r[3]]
    for name in ("drug_condition_cooccurrence", "conditions_without_randomized_evidence"):
        sparql, cypher = both(name, {}, store, driver)
        assert sparql.sorted_rows() == cypher.sorted_rows(), name
    cooccurrence = both("drug_condition_cooccurrence", {"condition": FM}, store, driver)[0].rows
    assert cooccurrence == [["ketamine", FM, 3, 2]]  # the two parts and the report's study


def test_study_conflicts_in_both_engines(engines):
    store, driver = engines
    sparql, cypher = both("study_conflicts", {}, store, driver)
    assert sparql.columns == ["study", "property", "value", "documents"]
    assert sparql.sorted_rows() == cypher.sorted_rows() == canonical(CONFLICTS)
    sparql, cypher = both("study_conflicts", {"study": "SIGMA", "property": "samplesize"}, store, driver)
    assert sparql.sorted_rows() == cypher.sorted_rows() == canonical(CONFLICTS[4:6])
    assert both("study_conflicts", {"study": "omicron"}, store, driver)[1].rows == []


def test_reloading_is_idempotent_and_a_corrected_report_ends_the_size_conflict(engines):
    store, driver = engines
    quads, before = store.triple_count(), counts(driver)
    assert store.add_frames(review()).changed is False
    assert store.triple_count() == quads
    load_store(store, driver)
    assert counts(driver) == before

    store.add_frames(sigma_report(n=16))
    assert not load_store(store, driver).failed
    sparql, cypher = both("study_conflicts", {}, store, driver)
    assert sparql.sorted_rows() == cypher.sorted_rows() == canonical(
        [r for r in CONFLICTS if r[1] != "sampleSize"])
    store.add_frames(sigma_report())
    load_store(store, driver)
    assert counts(driver) == before
    assert both("study_conflicts", {}, store, driver)[1].sorted_rows() == canonical(CONFLICTS)

