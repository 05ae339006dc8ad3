"""Ontology and shapes load in independent tools; validation reports by document, fact and rule."""

from __future__ import annotations

from decimal import Decimal

from rdflib import Graph
from rdflib.namespace import OWL, PROV, RDF, RDFS, SKOS

import frames_fixture as F
from kgraph.config import ONTOLOGY_DIR
from kgraph.extract.frames import Concept
from kgraph.rdf.mapping import frames_to_graph
from kgraph.rdf.namespaces import KG
from kgraph.rdf.validate import validate_frames, validate_graph


def test_ontology_and_shapes_are_valid_owl_and_shacl(tmp_path):
    import owlready2
    import pyshacl

    ontology = Graph().parse(ONTOLOGY_DIR / "kgraph.ttl")
    shapes = Graph().parse(ONTOLOGY_DIR / "shapes.ttl")
    # the shapes graph itself conforms to SHACL-SHACL
    conforms, _, text = pyshacl.validate(Graph(), shacl_graph=shapes, ont_graph=ontology, meta_shacl=True)
    assert conforms, text
    # owlready2 reads RDF/XML, not Turtle
    for name, graph in (("kgraph", ontology), ("shapes", shapes)):
        path = tmp_path / f"{name}.owl"
        graph.serialize(path, format="xml")
        world = owlready2.World()
        onto = world.get_ontology(path.as_uri()).load()
        if name == "kgraph":
            names = {c.name for c in onto.classes()}
            assert {"Document", "Study", "Arm", "Protocol", "Dose", "Quantity", "Coadministration", "Comparator",
                    "Outcome", "AdverseEffect", "Claim", "Evidence", "Extractor"} <= names
            assert onto.search_one(iri=str(KG.hasEvidence)) is not None
        world.close()


def test_ontology_declares_every_term_the_mapping_uses():
    ontology = Graph().parse(ONTOLOGY_DIR / "kgraph.ttl")
    declared = set(ontology.subjects(RDF.type, OWL.Class)) | set(ontology.subjects(RDF.type, OWL.ObjectProperty)) \
        | set(ontology.subjects(RDF.type, OWL.DatatypeProperty)) | set(ontology.subjects(RDF.type, OWL.AnnotationProperty))
    used = set()
    for make in F.all_documents():
        _, graph = frames_to_graph(make)
        used |= {p for p in graph.predicates() if str(p).startswith(str(KG))}
        used |= {o for o in graph.objects(None, RDF.type) if str(o).startswith(str(KG))}
    assert used and used <= declared, sorted(str(u) for u in used - declared)
    for term in (KG.abbreviation, KG.neo4jLabel, KG.evidenceLevel):
        assert term in declared
    assert (KG.abbreviation, RDFS.subPropertyOf, SKOS.altLabel) in ontology


def test_fixture_documents_conform():
    for frames in F.all_documents():
        report = validate_frames(frames)
        assert report.conforms, report.format()


def test_unparseable_quantity_is_a_warning_not_an_error():
    report = validate_frames(F.epsilon_report())
    assert report.conforms
    assert [v.rule for v in report.warnings] == ["UnparsedQuantityShape/unparsed: HasValue"]
    assert report.warnings[0].fact_type == "Dose"


def test_violations_are_reported_by_document_fact_and_rule():
    frames = F.beta_report()
    study = frames.studies[0]
    study.evidence_level = 7
    protocol = study.arms[0].protocol
    protocol.drug = Concept("", "", "drugs")  # a protocol without a drug
    protocol.rate[0].unit = None  # a dose without a unit
    protocol.rate[0].low, protocol.rate[0].high = Decimal("0.5"), Decimal("0.1")
    study.evidence = []  # a study without evidence
    report = validate_frames(frames)
    assert not report.conforms
    rules = {(v.rule, v.fact_type) for v in report.errors}
    assert ("ProtocolShape/drug: MinCount", "Protocol") in rules
    assert ("DoseShape: Or", "Dose") in rules
    assert ("QuantityShape/low: LessThanOrEquals", "Dose") in rules
    assert ("StudyShape/evidenceLevel: MaxInclusive", "Study") in rules
    assert ("FactShape/hasEvidence: MinCount", "Study") in rules
    assert all(v.document == "doi:10.5555/beta.2011.0042" for v in report.violations)
    assert all(v.focus.startswith("https://w3id.org/kgraph/id/") for v in report.violations)
    lines = report.format().splitlines()
    assert any("ProtocolShape/drug" in line and "Protocol <" in line for line in lines)
    assert report.to_dict()["conforms"] is False


def test_evidence_without_text_or_document_is_a_violation():
    _, graph = frames_to_graph(F.zeta_report())
    evidence = next(graph.subjects(RDF.type, KG.Evidence))
    graph.remove((evidence, KG.text, None))
    graph.remove((evidence, PROV.wasDerivedFrom, None))
    report = validate_graph(graph)
    rules = {v.rule for v in report.errors}
    assert "EvidenceShape/text: MinCount" in rules
    assert "EvidenceShape/wasDerivedFrom: MinCount" in rules


def test_concept_missing_from_the_vocabularies_is_a_warning():
    frames = F.zeta_report()
    frames.studies[0].conditions = [Concept("no_such_condition_xyz", "no such condition", "conditions")]
    report = validate_frames(frames)
    assert report.conforms
    assert [v.rule for v in report.warnings] == ["KnownConcept/condition"]
    assert report.warnings[0].value.endswith("/conditions/no_such_condition_xyz")
