"""RDF -> property graph projection, the Neo4j loader and the networkx builder.

Every test that touches Neo4j uses IRIs under its own random token and removes
its graphs afterwards, so it neither sees nor disturbs other tests' data.
"""

from __future__ import annotations

import socket
import threading
import uuid
from urllib.parse import urlparse

import pyoxigraph
import pytest
from rdflib import Literal, URIRef
from rdflib import Graph
from rdflib.namespace import PROV, RDF, SKOS

from kgraph.errors import InputError
from kgraph.rdf.namespaces import GRAPH, ID, KG, VOCAB
from kgraph.store.graph_nx import build_networkx, networkx_from_quads, nodes_with_label
from kgraph.store.neo4j_loader import GraphLoadError, Neo4jLoader, load_graphs
from kgraph.store.projection import (
    build_label_index,
    merge_contributions,
    normalize_values,
    project_graph,
    project_quads,
    relationship_type,
)


# --- a small hand-made graph shaped like kgraph's -------------------------------

XSD_INTEGER = URIRef("http://www.w3.org/2001/XMLSchema#integer")
XSD_DECIMAL = URIRef("http://www.w3.org/2001/XMLSchema#decimal")


class Fixture:
    """IRIs of one test's world, all under a random token."""

    def __init__(self, token: str | None = None):
        self.token = token or uuid.uuid4().hex[:12]
        t = self.token
        self.vocab_graph = GRAPH[f"vocab-{t}"]
        self.drugs, self.conditions = VOCAB[f"{t}/drugs"], VOCAB[f"{t}/conditions"]
        self.ketamine, self.midazolam = VOCAB[f"{t}/drugs/ketamine"], VOCAB[f"{t}/drugs/midazolam"]
        self.crps = VOCAB[f"{t}/conditions/complex_regional_pain_syndrome"]

    def iri(self, local: str) -> URIRef:
        return ID[f"{self.token}/{local}"]

    def graph(self, name: str) -> URIRef:
        return GRAPH[f"{self.token}-{name}"]

    def vocab(self) -> list[tuple]:
        return [
            (self.drugs, RDF.type, SKOS.ConceptScheme), (self.drugs, KG.neo4jLabel, Literal("Drug")),
            (self.conditions, RDF.type, SKOS.ConceptScheme), (self.conditions, KG.neo4jLabel, Literal("Condition")),
            (self.ketamine, RDF.type, SKOS.Concept), (self.ketamine, SKOS.inScheme, self.drugs),
            (self.ketamine, SKOS.prefLabel, Literal("ketamine", lang="en")),
            (self.ketamine, SKOS.altLabel, Literal("Ketalar")), (self.ketamine, SKOS.altLabel, Literal("CI-581")),
            (self.midazolam, RDF.type, SKOS.Concept), (self.midazolam, SKOS.inScheme, self.drugs),
            (self.midazolam, SKOS.prefLabel, Literal("midazolam", lang="en")),
            (self.crps, RDF.type, SKOS.Concept), (self.crps, SKOS.inScheme, self.conditions),
            (self.crps, SKOS.prefLabel, Literal("complex regional pain syndrome", lang="en")),
        ]

    def paper(self, name: str, sample_size: int = 40, rate: str = "0.35", with_adjunct: bool = True) -> list[tuple]:
        """A study report: document -> study -> arm -> protocol -> dose, each fact with evidence."""
        doc, study, arm = self.iri(f"{name}/doc"), self.iri(f"{name}/study"), self.iri(f"{name}/arm1")
        protocol, dose, evidence = self.iri(f"{name}/protocol1"), self.iri(f"{name}/dose1"), self.iri(f"{name}/ev1")
        triples = [
            (doc, RDF.type, KG.Document), (doc, KG.title, Literal("IV ketamine in CRPS", lang="en")),
            (doc, KG.year, Literal(2020, datatype=XSD_INTEGER)), (doc, KG.reportsStudy, study),
            (study, RDF.type, KG.Study), (study, KG.sampleSize, Literal(sample_size, datatype=XSD_INTEGER)),
            (study, KG.condition, self.crps), (study, KG.hasArm, arm),
            (arm, RDF.type, KG.Arm), (arm, KG.hasProtocol, protocol),
            (protocol, RDF.type, KG.Protocol), (protocol, KG.drug, self.ketamine),
            (protocol, KG.route, Literal("intravenous")), (protocol, KG.sessions, Literal(5, datatype=XSD_INTEGER)),
            (protocol, KG.rate, dose),
            (dose, RDF.type, KG.Dose), (dose, RDF.type, KG.Quantity),
            (dose, KG.value, Literal(rate, datatype=XSD_DECIMAL)), (dose, KG.unitText, Literal("mg/kg/h")),
            (dose, KG.hasEvidence, evidence),
            (evidence, RDF.type, KG.Evidence), (evidence, KG.page, Literal(3, datatype=XSD_INTEGER)),
            (evidence, KG.text, Literal(f"Ketamine was infused at {rate} mg/kg/h.")),
            (evidence, KG.negated, Literal(False)), (evidence, PROV.wasDerivedFrom, doc),
        ]
        if with_adjunct:
            coadmin = self.iri(f"{name}/coadmin1")
            triples += [
                (protocol, KG.hasCoadministration, coadmin), (coadmin, RDF.type, KG.Coadministration),
                (coadmin, KG.drug, self.midazolam), (coadmin, KG.purpose, Literal("anxiolysis")),
            ]
        return triples

    def review_citing(self, paper_name: str, sample_size: int = 42) -> list[tuple]:
        """A review that cites the paper's study (the same Study IRI) with its own reading of it."""
        review, claim, study = self.iri("review/doc"), self.iri("review/claim1"), self.iri(f"{paper_name}/study")
        return [
            (review, RDF.type, KG.Document), (review, KG.hasClaim, claim),
            (claim, RDF.type, KG.Claim), (claim, KG.citesStudy, study),
            (claim, KG.statement, Literal("Ketamine relieves CRPS pain for weeks.")),
            (study, RDF.type, KG.Study), (study, KG.sampleSize, Literal(sample_size, datatype=XSD_INTEGER)),
            (study, KG.evidenceLevel, Literal("2b")),
        ]


# --- pure projection --------------------------------------------------------------

def test_projection_of_a_small_paper():
    world = Fixture()
    index = build_label_index(world.vocab())
    projection = project_graph(world.graph("paper"), world.paper("smith"), index)
    nodes = projection.nodes
    protocol, dose, evidence = (nodes[str(world.iri(f"smith/{n}"))] for n in ("protocol1", "dose1", "ev1"))
    doc = nodes[str(world.iri("smith/doc"))]

    # Class IRIs are labels, not nodes; concepts the paper points at are nodes labelled from the vocabulary.
    assert str(KG.Study) not in nodes
    assert nodes[str(world.ketamine)].labels == {"Concept", "Drug"}
    assert nodes[str(world.crps)].labels == {"Concept", "Condition"}
    assert dose.labels == {"Dose", "Quantity"} and protocol.labels == {"Protocol"}
    # Datatypes: decimal -> float, integer -> int, boolean -> bool, language tag dropped.
    assert dose.properties["value"] == [0.35] and isinstance(dose.properties["value"][0], float)
    assert doc.properties["year"] == [2020] and doc.properties["title"] == ["IV ketamine in CRPS"]
    assert evidence.properties["negated"] == [False]
    assert protocol.properties["sessions"] == [5]
    types = {r.type for r in projection.relationships}
    assert types == {"REPORTS_STUDY", "CONDITION", "HAS_ARM", "HAS_PROTOCOL", "DRUG", "RATE", "HAS_EVIDENCE",
                     "WAS_DERIVED_FROM", "HAS_COADMINISTRATION"}
    assert all(r.graph == str(world.graph("paper")) for r in projection.relationships)
    assert projection.triples == len(world.paper("smith"))
    # 7 instance nodes + ketamine, midazolam, crps; one relationship per IRI-object triple
    assert len(nodes) == 10 and len(projection.relationships) == 10


def test_vocabulary_graph_projects_concepts_with_lists():
    world = Fixture()
    projection = project_graph(world.vocab_graph, world.vocab())
    ketamine = projection.nodes[str(world.ketamine)]
    assert ketamine.labels == {"Concept", "Drug"}
    assert ketamine.properties["altLabel"] == ["CI-581", "Ketalar"]  # several values: a sorted list
    assert projection.nodes[str(world.drugs)].labels == {"ConceptScheme"}
    assert {r.type for r in projection.relationships} == {"IN_SCHEME"}


def test_names_and_value_merging():
    assert relationship_type(str(KG.hasProtocol)) == "HAS_PROTOCOL"
    assert relationship_type(str(PROV.wasDerivedFrom)) == "WAS_DERIVED_FROM"
    assert relationship_type(str(SKOS.inScheme)) == "IN_SCHEME"
    assert relationship_type("https://example.org/ns#hasURLFor") == "HAS_URL_FOR"
    assert normalize_values([3, 1.5, 3]) == [1.5, 3.0]  # int+float: floats, as Neo4j lists must be one type
    assert normalize_values(["a", 2, True]) == ["2", "a", "true"]  # anything else mixed: strings
    labels, props = merge_contributions([({"Study"}, {"sampleSize": [40]}), ({"Study"}, {"sampleSize": [40]})])
    assert labels == {"Study"} and props == {"sampleSize": 40}  # agreement stays a single value


def test_bad_class_name_and_default_graph_are_input_errors():
    world = Fixture()
    bad = [(world.iri("x"), RDF.type, URIRef(str(KG) + "Not-A-Label"))]
    with pytest.raises(InputError, match="Not-A-Label"):
        project_graph(world.graph("bad"), bad)
    with pytest.raises(InputError, match="default graph"):
        project_quads([(world.iri("x"), KG.kind, Literal("k"), None)])


def test_pyoxigraph_terms_project_like_rdflib_terms():
    world = Fixture()
    graph = Graph()
    for triple in world.paper("smith"):
        graph.add(triple)
    ntriples = graph.serialize(format="nt")
    paper = pyoxigraph.NamedNode(str(world.graph("paper")))
    oxi_quads = [pyoxigraph.Quad(q.subject, q.predicate, q.object, paper)
                 for q in pyoxigraph.parse(ntriples, format=pyoxigraph.RdfFormat.N_TRIPLES)]
    from_oxi = project_quads(oxi_quads)[str(world.graph("paper"))]
    from_rdflib = project_graph(world.graph("paper"), world.paper("smith"))
    assert from_oxi.relationships == from_rdflib.relationships
    assert {i: (n.labels, n.properties) for i, n in from_oxi.nodes.items()} == \
           {i: (n.labels, n.properties) for i, n in from_rdflib.nodes.items()}


def test_blank_nodes_are_skolemized_per_graph():
    from rdflib import BNode

    world = Fixture()
    b = BNode("b0")
    projections = project_quads([(world.iri("s"), KG.rate, b, world.graph("a")), (b, KG.value, Literal(1), world.graph("a")),
                                 (world.iri("s"), KG.rate, b, world.graph("b"))])
    node_a = {n for n in projections[str(world.graph("a"))].nodes if "genid" in n}
    node_b = {n for n in projections[str(world.graph("b"))].nodes if "genid" in n}
    assert len(node_a) == len(node_b) == 1 and node_a != node_b


def test_networkx_builder_unions_shared_nodes():
    world = Fixture()
    index = build_label_index(world.vocab())
    projections = [project_graph(world.graph("paper"), world.paper("smith"), index),
                   project_graph(world.graph("review"), world.review_citing("smith"), index)]
    g = build_networkx(projections)
    study = g.nodes[str(world.iri("smith/study"))]
    assert study["sampleSize"] == [40, 42] and study["evidenceLevel"] == "2b"
    assert study["graphs"] == sorted([str(world.graph("paper")), str(world.graph("review"))])
    assert nodes_with_label(g, "Drug") == sorted([str(world.ketamine), str(world.midazolam)])
    assert g.number_of_edges() == sum(len(p.relationships) for p in projections)
    # Adding the same graph twice changes nothing (edge keys are (type, graph)).
    assert build_networkx(projections + projections[:1]).number_of_edges() == g.number_of_edges()


# --- Neo4j ------------------------------------------------------------------------

@pytest.fixture
def world(neo4j_driver):
    """A Fixture whose graphs are removed from Neo4j after the test."""
    world = Fixture()
    yield world
    loader = Neo4jLoader(neo4j_driver)
    for graph in loader.loaded_graphs():
        if world.token in graph:
            loader.remove_graph(graph)
    neo4j_driver.execute_query("MATCH (n:Resource) WHERE n.iri CONTAINS $t DETACH DELETE n", t=world.token)


def _counts(driver, token: str) -> tuple[int, int]:
    nodes = driver.execute_query("MATCH (n:Resource) WHERE n.iri CONTAINS $t RETURN count(n) AS c", t=token)
    rels = driver.execute_query("MATCH (a:Resource)-[r]->() WHERE a.iri CONTAINS $t RETURN count(r) AS c", t=token)
    return nodes.records[0]["c"], rels.records[0]["c"]


def _global_counts(driver) -> tuple[int, int]:
    n = driver.execute_query("MATCH (n) RETURN count(n) AS c").records[0]["c"]
    r = driver.execute_query("MATCH ()-[r]->() RETURN count(r) AS c").records[0]["c"]
    return n, r


def _node(driver, iri) -> dict | None:
    records = driver.execute_query("MATCH (n:Resource {iri: $iri}) RETURN labels(n) AS labels, properties(n) AS p",
                                   iri=str(iri)).records
    return {"labels": set(records[0]["labels"]), **records[0]["p"]} if records else None


def _graphs(world: Fixture) -> dict:
    return {str(world.vocab_graph): world.vocab, str(world.graph("paper")): lambda: world.paper("smith"),
            str(world.graph("other")): lambda: world.paper("jones", sample_size=12, with_adjunct=False)}


def test_load_then_reload_changes_no_counts(neo4j_driver, world):
    summary = load_graphs(neo4j_driver, _graphs(world))
    assert not summary.failed and len(summary.loaded) == 3
    first, first_global = _counts(neo4j_driver, world.token), _global_counts(neo4j_driver)
    assert first == (18, 21)  # nodes: vocab 5 + smith 7 + jones 6; relationships: 3 + 10 + 8
    again = load_graphs(neo4j_driver, _graphs(world))
    assert not again.failed
    assert _counts(neo4j_driver, world.token) == first and _global_counts(neo4j_driver) == first_global
    # The networkx builder makes the same graph from the same projection.
    quads = [(*t, URIRef(g)) for g, triples_of in _graphs(world).items() for t in triples_of()]
    g = networkx_from_quads(quads, build_label_index(world.vocab()))
    assert (g.number_of_nodes(), g.number_of_edges()) == first
    ketamine = _node(neo4j_driver, world.ketamine)
    assert ketamine["labels"] == {"Resource", "Concept", "Drug"}
    assert ketamine["altLabel"] == ["CI-581", "Ketalar"] and ketamine["prefLabel"] == "ketamine"
    assert g.nodes[str(world.ketamine)]["altLabel"] == ketamine["altLabel"]
    dose = _node(neo4j_driver, world.iri("smith/dose1"))
    assert dose["value"] == 0.35 and dose["labels"] == {"Resource", "Dose", "Quantity"}


def test_changed_version_replaces_only_that_document(neo4j_driver, world):
    load_graphs(neo4j_driver, _graphs(world))
    jones_before = [_node(neo4j_driver, world.iri(f"jones/{n}")) for n in ("study", "protocol1", "dose1")]
    loader = Neo4jLoader(neo4j_driver, label_index=build_label_index(world.vocab()))
    # New version of smith: other sample size and rate, the adjunct is gone.
    result = loader.load_graph(world.graph("paper"), world.paper("smith", sample_size=44, rate="0.5", with_adjunct=False))
    assert result.removed_nodes == 1  # the Coadministration node; midazolam is a Concept and stays
    assert _node(neo4j_driver, world.iri("smith/study"))["sampleSize"] == 44
    assert _node(neo4j_driver, world.iri("smith/dose1"))["value"] == 0.5
    assert _node(neo4j_driver, world.iri("smith/coadmin1")) is None
    midazolam = _node(neo4j_driver, world.midazolam)
    assert midazolam["graphs"] == [str(world.vocab_graph)] and "Drug" in midazolam["labels"]
    assert [_node(neo4j_driver, world.iri(f"jones/{n}")) for n in ("study", "protocol1", "dose1")] == jones_before
    rels = neo4j_driver.execute_query("MATCH ()-[r]->() WHERE r.graph = $g RETURN count(r) AS c",
                                      g=str(world.graph("paper"))).records[0]["c"]
    assert rels == result.relationships == 8


def test_shared_node_keeps_what_each_document_says(neo4j_driver, world):
    loader = Neo4jLoader(neo4j_driver, label_index=build_label_index(world.vocab()))
    loader.load_graph(world.graph("paper"), world.paper("smith", sample_size=40))
    loader.load_graph(world.graph("review"), world.review_citing("smith", sample_size=42))
    study_iri = world.iri("smith/study")
    study = _node(neo4j_driver, study_iri)
    assert study["graphs"] == sorted([str(world.graph("paper")), str(world.graph("review"))])
    assert study["sampleSize"] == [40, 42]  # the conflict stays visible
    assert study["evidenceLevel"] == "2b" and study["labels"] == {"Resource", "Study"}
    # Both documents' relationships reach the shared node.
    by_graph = neo4j_driver.execute_query(
        "MATCH (s:Resource {iri: $iri})-[r]-() RETURN r.graph AS g, count(r) AS c ORDER BY g", iri=str(study_iri))
    assert {r["g"]: r["c"] for r in by_graph.records} == {str(world.graph("paper")): 3, str(world.graph("review")): 1}
    # Reloading the review with the same number agrees: one value again; taking the review out leaves the paper's.
    loader.load_graph(world.graph("review"), world.review_citing("smith", sample_size=40))
    assert _node(neo4j_driver, study_iri)["sampleSize"] == 40
    loader.remove_graph(world.graph("review"))
    study = _node(neo4j_driver, study_iri)
    assert study["graphs"] == [str(world.graph("paper"))] and "evidenceLevel" not in study and "perGraph" not in study
    assert _node(neo4j_driver, world.iri("review/claim1")) is None


def test_a_concept_mentioned_by_many_documents_stays_cheap(neo4j_driver, world):
    import json

    graphs = {str(world.vocab_graph): world.vocab}
    graphs.update({str(world.graph(f"p{i}")): (lambda i=i: world.paper(f"p{i}")) for i in range(3)})
    load_graphs(neo4j_driver, graphs)
    ketamine = _node(neo4j_driver, world.ketamine)
    assert len(ketamine["graphs"]) == 4
    # Papers only point at ketamine: they add nothing to its perGraph bookkeeping.
    assert list(json.loads(ketamine["perGraph"])) == [str(world.vocab_graph)]
    counts = _counts(neo4j_driver, world.token)
    load_graphs(neo4j_driver, graphs)
    assert _counts(neo4j_driver, world.token) == counts and _node(neo4j_driver, world.ketamine) == ketamine
    # A loader given no vocabulary keeps the vocabulary labels Neo4j already has.
    Neo4jLoader(neo4j_driver).remove_graph(world.vocab_graph)
    ketamine = _node(neo4j_driver, world.ketamine)
    assert ketamine["labels"] == {"Resource", "Concept", "Drug"} and "prefLabel" not in ketamine
    assert len(ketamine["graphs"]) == 3 and "perGraph" not in ketamine


def test_hostile_values_are_data_not_cypher(neo4j_driver, world):
    hostile = "x'}) DETACH DELETE n //\"; }; DROP `a` {$p}"
    loader = Neo4jLoader(neo4j_driver)
    loader.load_graph(world.graph("h"), [(world.iri("h/doc"), KG.title, Literal(hostile)),
                                         (world.iri("h/doc"), RDF.type, KG.Document)])
    assert _node(neo4j_driver, world.iri("h/doc"))["title"] == hostile


def test_bad_graph_is_reported_and_the_batch_goes_on(neo4j_driver, world):
    graphs = _graphs(world)
    graphs[str(world.graph("bad"))] = lambda: [(world.iri("bad/x"), RDF.type, URIRef(str(KG) + "Bad Class"))]
    summary = load_graphs(neo4j_driver, graphs)
    assert list(summary.failed) == [str(world.graph("bad"))] and "Bad Class" in summary.failed[str(world.graph("bad"))]
    assert len(summary.loaded) == 3


class CuttableProxy:
    """A TCP relay between the driver and Neo4j whose connections can be cut: a real network failure."""

    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.sockets += [client, upstream]
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass

    def cut(self) -> None:
        self.listener.close()
        for sock in self.sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()


def test_unreachable_mid_load_leaves_all_or_nothing(neo4j_driver, neo4j_connection, world):
    from neo4j import GraphDatabase

    loader = Neo4jLoader(neo4j_driver, label_index=build_label_index(world.vocab()))
    loader.load_graph(world.graph("paper"), world.paper("smith", sample_size=40))
    before = _counts(neo4j_driver, world.token)

    target = urlparse(neo4j_connection.uri)
    proxy = CuttableProxy(target.hostname, target.port or 7687)
    batches = []

    def cut_after_second_batch(graph: str, rows: int) -> None:
        batches.append(rows)
        if len(batches) == 2:
            proxy.cut()

    with GraphDatabase.driver(f"bolt://127.0.0.1:{proxy.port}", auth=neo4j_connection.auth) as via_proxy:
        flaky = Neo4jLoader(via_proxy, batch_size=2, on_batch=cut_after_second_batch,
                            label_index=build_label_index(world.vocab()))
        flaky.ensure_schema()
        changed = world.paper("smith", sample_size=99, rate="0.9")
        with pytest.raises(GraphLoadError, match=r"was NOT loaded.*nothing of it was written"):
            flaky.load_graph(world.graph("paper"), changed)
    assert len(batches) >= 2
    # Nothing of the new version: the previous one is intact.
    assert _counts(neo4j_driver, world.token) == before
    assert _node(neo4j_driver, world.iri("smith/study"))["sampleSize"] == 40
    assert _node(neo4j_driver, world.iri("smith/dose1"))["value"] == 0.35
