"""Frames -> RDF: stable IRIs, one named graph per document, exact decimals, provenance per fact."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import PROV, RDF, SKOS, XSD

import frames_fixture as F
from kgraph.errors import InputError
from kgraph.extract.frames import Concept, DocumentFrames
from kgraph.rdf.mapping import (
    document_key,
    frames_to_dataset,
    frames_to_graph,
    graph_iri,
    key_slug,
    study_iri,
    unit_iri,
)
from kgraph.rdf.namespaces import GRAPH, ID, KG, QUDT_UNIT, VOCAB

FACT_CLASSES = {KG.Study, KG.Arm, KG.Protocol, KG.Dose, KG.Quantity, KG.Titration, KG.Coadministration,
                KG.Comparator, KG.Outcome, KG.AdverseEffect, KG.Claim}


def test_same_frames_give_identical_triples():
    for make in (F.review, F.beta_report, F.epsilon_report, F.zeta_report):
        gid1, g1 = frames_to_graph(make())
        gid2, g2 = frames_to_graph(make())
        assert gid1 == gid2
        assert set(g1) == set(g2)
        assert len(g1) > 50


def test_frames_survive_their_json_form_with_the_same_triples():
    frames = F.review()
    again = DocumentFrames.from_dict(frames.to_dict())
    assert set(frames_to_graph(frames)[1]) == set(frames_to_graph(again)[1])


def test_one_named_graph_per_document_from_the_doc_key():
    dataset = frames_to_dataset(F.beta_report())
    named = [g.identifier for g in dataset.graphs() if len(g)]
    assert named == [GRAPH["doi/10.5555/beta.2011.0042"]]
    assert graph_iri("doi:10.5555/BETA.2011.0042") == graph_iri("doi:10.5555/beta.2011.0042")


def test_same_study_in_two_documents_is_one_iri():
    _, review = frames_to_graph(F.review())
    _, report = frames_to_graph(F.beta_report())
    beta = study_iri("beta-2011")
    assert (beta, RDF.type, KG.Study) in review
    assert (beta, RDF.type, KG.Study) in report
    # each document keeps its own reading of the study's protocol
    review_protocols = set(review.objects(None, KG.hasProtocol))
    report_protocols = set(report.objects(None, KG.hasProtocol))
    assert review_protocols and report_protocols and not (review_protocols & report_protocols)


def test_decimals_stay_exact_and_typed():
    _, graph = frames_to_graph(F.review())
    rates = {str(o) for o in graph.objects(None, KG.mean)}
    assert rates == {"22.2"}
    for value in graph.objects(None, KG.normalizedValue):
        assert value.datatype == XSD.decimal
    assert Literal("0.3171", datatype=XSD.decimal) in set(graph.objects(None, KG.normalizedValue))
    assert Literal("0.15", datatype=XSD.decimal) in set(graph.objects(None, KG.value))
    # no binary float anywhere
    assert not [o for o in graph.objects() if isinstance(o, Literal) and o.datatype in (XSD.double, XSD.float)]


def test_every_fact_has_evidence_with_document_offsets_and_extractor():
    frames = F.review()
    _, graph = frames_to_graph(frames)
    doc = ID["doc/doi/10.5555/review.2017.0001"]
    facts = {s for cls in FACT_CLASSES for s in graph.subjects(RDF.type, cls)}
    assert len(facts) > 40
    for fact in facts:
        evidence = list(graph.objects(fact, KG.hasEvidence))
        assert evidence, f"{fact} has no evidence"
        for ev in evidence:
            assert graph.value(ev, PROV.wasDerivedFrom) == doc
            start, end = int(graph.value(ev, KG.charStart)), int(graph.value(ev, KG.charEnd))
            assert end - start == len(str(graph.value(ev, KG.text)))
            agent = graph.value(ev, PROV.wasAttributedTo)
            assert (agent, RDF.type, KG.Extractor) in graph
            assert str(graph.value(agent, KG.version)) == F.EXTRACTOR_VERSION


def test_table_cell_evidence_keeps_table_row_col_page_and_box():
    _, graph = frames_to_graph(F.review())
    cells = [ev for ev in graph.subjects(KG.table, Literal("Table 2"))]
    assert cells
    ev = cells[0]
    assert graph.value(ev, KG.row) is not None and graph.value(ev, KG.col) is not None
    assert int(graph.value(ev, KG.page)) == 4
    assert len(str(graph.value(ev, KG.bbox)).split()) == 4


def test_quantity_without_its_own_evidence_inherits_its_parents():
    _, graph = frames_to_graph(F.beta_report())
    midazolam = [co for co in graph.subjects(RDF.type, KG.Coadministration)][0]
    dose = graph.value(midazolam, KG.dose)
    assert set(graph.objects(dose, KG.hasEvidence)) == set(graph.objects(midazolam, KG.hasEvidence))


def test_unparseable_quantity_is_kept_as_text_with_a_flag():
    _, graph = frames_to_graph(F.epsilon_report())
    unparsed = list(graph.subjects(KG.unparsed, Literal(True)))
    assert len(unparsed) == 1
    assert str(graph.value(unparsed[0], KG.text)) == "a weight-adjusted dose"
    assert graph.value(unparsed[0], KG.value) is None


def test_negated_adverse_effect_is_kept_negated():
    _, graph = frames_to_graph(F.zeta_report())
    effect = next(graph.subjects(RDF.type, KG.AdverseEffect))
    assert graph.value(effect, KG.negated) == Literal(True)
    assert graph.value(effect, KG.effect) == VOCAB["adverse_effects/nausea"]


def test_adverse_effect_names_its_arm_when_the_arm_exists():
    _, graph = frames_to_graph(F.beta_report())
    bound = [ae for ae in graph.subjects(RDF.type, KG.AdverseEffect) if graph.value(ae, KG.arm) is not None]
    assert len(bound) == 2
    for ae in bound:
        assert str(graph.value(graph.value(ae, KG.arm), URIRef("http://www.w3.org/2000/01/rdf-schema#label"))) \
            == "ketamine"


def test_claims_cite_studies_by_reference_number_and_key():
    _, graph = frames_to_graph(F.review())
    claims = {str(graph.value(c, KG.statement)): c for c in graph.subjects(RDF.type, KG.Claim)}
    first = claims["Longer infusions were associated with longer relief."]
    assert set(graph.objects(first, KG.citesStudy)) == {study_iri("alpha-2009"), study_iri("beta-2011"),
                                                        study_iri("gamma-2004")}
    assert {int(v) for v in graph.objects(first, KG.citesReference)} == {3, 4, 5}
    second = claims["Midazolam reduced hallucinations but not nausea or headache."]
    assert study_iri("delta-2012") in set(graph.objects(second, KG.citesStudy))


def test_a_changed_fact_changes_its_iri_and_nothing_else():
    _, before = frames_to_graph(F.beta_report())
    _, after = frames_to_graph(F.changed_beta_report())
    assert study_iri("beta-2011") in set(after.subjects(RDF.type, KG.Study))
    old_protocols = set(before.subjects(RDF.type, KG.Protocol))
    new_protocols = set(after.subjects(RDF.type, KG.Protocol))
    assert old_protocols != new_protocols
    # the outcome did not change: same IRI in both versions
    assert set(before.subjects(RDF.type, KG.Outcome)) == set(after.subjects(RDF.type, KG.Outcome))


def test_duplicate_fact_in_one_document_is_one_resource():
    frames = F.zeta_report()
    frames.studies[0].adverse_effects.append(copy.deepcopy(frames.studies[0].adverse_effects[0]))
    _, graph = frames_to_graph(frames)
    assert len(list(graph.subjects(RDF.type, KG.AdverseEffect))) == 1


def test_broad_lexicon_concept_is_described_in_the_document_graph():
    frames = F.zeta_report()
    frames.studies[0].arms[0].protocol.coadministrations = []
    frames.studies[0].arms[0].protocol.drug = Concept("drugbank:DB01221", "Ketamine", "drugs")
    _, graph = frames_to_graph(frames)
    concept = VOCAB["drugs/drugbank_DB01221"]
    assert (concept, RDF.type, SKOS.Concept) in graph
    assert str(graph.value(concept, SKOS.prefLabel)) == "Ketamine"
    assert graph.value(concept, SKOS.inScheme) == VOCAB["drugs"]


def test_keys_and_document_keys_are_normalized():
    assert key_slug("doi:10.1213/ANE.0000000000001787") == "doi/10.1213/ane.0000000000001787"
    assert key_slug("https://doi.org/10.1213/ANE.1") == "doi/10.1213/ane.1"
    assert key_slug("Müller  2009 part 1") == "m%C3%BCller-2009-part-1"
    assert document_key(doi="https://doi.org/10.1213/ANE.1") == "doi:10.1213/ane.1"
    assert document_key(pmid="27943799") == "pmid:27943799"
    assert document_key(first_author="Schwartzman RJ", year=2009,
                        title="Outpatient intravenous ketamine for the treatment of CRPS") \
        == "schwartzman-2009-outpatient-intravenous-ketamine-for-the-treatment-of-crps"
    with pytest.raises(InputError):
        document_key()
    with pytest.raises(InputError):
        key_slug("   ")


def test_unit_iris_from_qudt_for_common_spellings():
    assert unit_iri("mcg/kg") == QUDT_UNIT["MicroGM-PER-KiloGM"]
    assert unit_iri("μg/kg") == QUDT_UNIT["MicroGM-PER-KiloGM"]
    assert unit_iri("mg") == QUDT_UNIT["MilliGM"]
    assert unit_iri("hours") == QUDT_UNIT["HR"]
    assert unit_iri("ng/mL") == QUDT_UNIT["NanoGM-PER-MilliL"]
    assert unit_iri("mg/kg/h") is None  # no public IRI: kept as kg:unitText only
    _, graph = frames_to_graph(F.review())
    assert QUDT_UNIT["HR"] in set(graph.objects(None, KG.normalizedUnit))


def test_empty_doc_key_is_an_input_error():
    frames = F.zeta_report()
    frames.doc_key = ""
    with pytest.raises(InputError):
        frames_to_graph(frames)


def test_no_blank_nodes():
    from rdflib import BNode

    for make in (F.review, F.beta_report):
        _, graph = frames_to_graph(make())
        assert not [t for t in graph if isinstance(t[0], BNode) or isinstance(t[2], BNode)]


def test_sample_decimal_forms():
    frames = F.zeta_report()
    frames.studies[0].arms[0].protocol.bolus[0].value = Decimal("5.00E+1")
    _, graph = frames_to_graph(frames)
    assert Literal("50", datatype=XSD.decimal) in set(graph.objects(None, KG.value))
