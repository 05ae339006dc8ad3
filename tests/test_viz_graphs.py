"""The evidence network read from real graphs, checked against SPARQL on the same store.

Also the home of the graphs every tests/test_viz_*.py module uses: the corpus PDFs and the review
PDF run through the real pipeline (parse -> extract -> rdf mapping -> EmbeddedStore on disk),
built once per test session (a module-level cache, so importing modules share one build).
Should the extractor find no protocol at all in a source, the hand-written frames of
tests/frames_fixture.py stand in, with a warning in the test report.
"""

from __future__ import annotations

import math
import re
import warnings
from collections import defaultdict
from pathlib import Path

import pytest

from kgraph.cli import main as cli_main
from kgraph.errors import InputError, NotBuiltError
from kgraph.store.embedded import EmbeddedStore
from kgraph.viz.evidence import (
    DocumentRef,
    EvidenceNetwork,
    SourceRef,
    StudyRef,
    ViewEdge,
    ViewNode,
    build_network,
    layout,
    load_projection,
)
from kgraph.viz.network import EDGE_BUDGET, deferred_kinds, payload, render_html

ROOT = Path(__file__).resolve().parents[1]
CORPUS_PDFS = sorted((ROOT / "corpus" / "pdf").glob("*.pdf"))
SEED = ROOT.parent / "shared" / "seed"
if not SEED.exists():
    SEED = Path("/work/shared/seed")
REVIEW_PDF = SEED / "maher2017-review-typeset.pdf"

PREFIXES = """PREFIX kg: <https://w3id.org/kgraph/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
"""

_built: dict[str, Path] = {}


def build_store(name: str, sources: list[Path], base: Path) -> Path:
    """A data dir whose store holds ``sources`` run through the real pipeline (built once per session)."""
    if name in _built:
        return _built[name]
    from kgraph.extract import extract_document
    from kgraph.parse import read_document

    data_dir = base / name
    frames = []
    for path in sources:
        try:
            document = extract_document(read_document(path))
        except Exception as exc:  # the extractor is another stage's work: report, go on
            warnings.warn(f"{path.name}: extraction failed ({exc}); left out of the test graph")
            continue
        if any(arm.protocol for study in document.studies for arm in study.arms):
            frames.append(document)
    if not frames:
        import frames_fixture

        warnings.warn(f"{name}: the extractor found no protocol; using tests/frames_fixture.py instead")
        frames = frames_fixture.all_documents()
    with EmbeddedStore(data_dir / "store") as store:
        store.load_system_graphs()
        for document in frames:
            store.add_frames(document)
    _built[name] = data_dir
    return data_dir


@pytest.fixture(scope="session")
def corpus_data_dir(tmp_path_factory) -> Path:
    assert CORPUS_PDFS, "corpus/pdf/*.pdf is missing"
    return build_store("corpus", CORPUS_PDFS, tmp_path_factory.getbasetemp())


@pytest.fixture(scope="session")
def review_data_dir(tmp_path_factory) -> Path:
    assert REVIEW_PDF.is_file(), f"{REVIEW_PDF} is missing"
    return build_store("review", [REVIEW_PDF], tmp_path_factory.getbasetemp())


def open_read_only(data_dir: Path) -> EmbeddedStore:
    return EmbeddedStore(data_dir / "store", read_only=True)


def sparql(data_dir: Path, text: str) -> list[dict]:
    with open_read_only(data_dir) as store:
        return store.query(PREFIXES + text).dicts()


@pytest.fixture(scope="session")
def corpus_projection(corpus_data_dir):
    with open_read_only(corpus_data_dir) as store:
        return load_projection(store)


@pytest.fixture(scope="session")
def corpus_network(corpus_projection) -> EvidenceNetwork:
    return build_network(corpus_projection)


def local(iri: str) -> str:
    return re.split(r"[/#]", iri)[-1]


# --- the network against SPARQL --------------------------------------------------------------------

def test_network_nodes_are_the_graphs_protocols_and_concepts(corpus_data_dir, corpus_network):
    protocols = {r["p"] for r in sparql(corpus_data_dir, "SELECT DISTINCT ?p WHERE { ?s a kg:Study ; kg:hasArm/kg:hasProtocol ?p }")}
    assert protocols, "the corpus graph has no protocol"
    expected = {
        "protocol": protocols,
        "drug": "SELECT DISTINCT ?c WHERE { ?s kg:hasArm/kg:hasProtocol/kg:drug ?c }",
        "adjunct": "SELECT DISTINCT ?c WHERE { ?s kg:hasArm/kg:hasProtocol/kg:hasCoadministration/kg:drug ?c }",
        "condition": "SELECT DISTINCT ?c WHERE { ?s kg:hasArm/kg:hasProtocol ?p ; kg:condition ?c }",
        "outcome": "SELECT DISTINCT ?c WHERE { ?s kg:hasArm/kg:hasProtocol ?p ; kg:hasOutcome/kg:measure ?c }",
        "side_effect": """SELECT DISTINCT ?c WHERE { ?s kg:hasArm ?a ; kg:hasAdverseEffect ?e . ?a kg:hasProtocol ?p .
                          ?e kg:effect ?c . OPTIONAL { ?e kg:arm ?ea } FILTER(!BOUND(?ea) || ?ea = ?a) }""",
    }
    for kind, query in expected.items():
        want = query if isinstance(query, set) else {r["c"] for r in sparql(corpus_data_dir, query)}
        got = {n.iri for n in corpus_network.nodes.values() if n.kind == kind}
        assert got == want, f"{kind} nodes differ from SPARQL: missing {sorted(want - got)[:5]}, extra {sorted(got - want)[:5]}"


def test_every_edge_carries_studies_and_the_graphs_own_sentences(corpus_data_dir, corpus_network):
    texts = {r["text"].strip() for r in sparql(corpus_data_dir, "SELECT DISTINCT ?text WHERE { ?e a kg:Evidence ; kg:text ?text }")}
    pages = {(r["text"].strip(), r.get("page")) for r in sparql(
        corpus_data_dir, "SELECT ?text ?page WHERE { ?e a kg:Evidence ; kg:text ?text OPTIONAL { ?e kg:page ?page } }")}
    with_sentence = 0
    for edge in corpus_network.edges.values():
        assert edge.evidence, f"edge {edge.id} has no study"
        for study, sources in edge.evidence.items():
            assert 0 <= study < len(corpus_network.studies)
            for index in sources:
                source = corpus_network.sources[index]
                assert source.text in texts
                assert (source.text, source.page) in pages
                with_sentence += 1
    assert with_sentence >= len(corpus_network.edges) // 2, "most edges should show a source sentence"
    # PDFs give page numbers: the view shows them
    assert any(s.page is not None for s in corpus_network.sources)


def test_negated_edges_are_the_negated_statements(corpus_data_dir, corpus_network):
    rows = sparql(corpus_data_dir, """SELECT DISTINCT ?p ?c ?neg WHERE { ?s kg:hasArm ?a ; kg:hasAdverseEffect ?e .
        ?a kg:hasProtocol ?p . ?e kg:effect ?c ; kg:negated ?neg . OPTIONAL { ?e kg:arm ?ea } FILTER(!BOUND(?ea) || ?ea = ?a) }""")
    want = {(r["p"], r["c"], r["neg"]) for r in rows}
    got = {(corpus_network.nodes[e.source].iri, corpus_network.nodes[e.target].iri, e.negated)
           for e in corpus_network.edges.values() if e.relation == "side_effect"}
    assert got == want


def test_node_size_counts_supporting_studies(corpus_data_dir, corpus_network):
    rows = sparql(corpus_data_dir, "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s kg:hasArm/kg:hasProtocol/kg:drug ?c } GROUP BY ?c")
    for row in rows:
        node = next(n for n in corpus_network.nodes.values() if n.kind == "drug" and n.iri == row["c"])
        assert len(node.studies) == row["n"], node.label


def test_evidence_level_is_the_best_of_the_edges_studies(corpus_network):
    for edge in corpus_network.edges.values():
        levels = [corpus_network.studies[s].level for s in edge.evidence if corpus_network.studies[s].level]
        assert edge.level == (min(levels) if levels else None)


def test_condition_filter_keeps_narrower_conditions(corpus_data_dir, corpus_projection):
    network = build_network(corpus_projection, condition="CRPS")
    rows = sparql(corpus_data_dir, """SELECT DISTINCT ?p WHERE { ?s kg:hasArm/kg:hasProtocol ?p ; kg:condition ?c .
        ?c skos:broader* ?b . ?b kg:abbreviation|skos:altLabel|skos:prefLabel ?l . FILTER(LCASE(STR(?l)) = "crps") }""")
    assert rows, "the corpus has CRPS studies"
    assert {n.iri for n in network.nodes.values() if n.kind == "protocol"} == {r["p"] for r in rows}
    assert network.filters == {"condition": "CRPS"}


def test_drug_filter_matches_drug_or_adjunct(corpus_data_dir, corpus_projection):
    network = build_network(corpus_projection, drug="midazolam")
    rows = sparql(corpus_data_dir, """SELECT DISTINCT ?p WHERE { ?s kg:hasArm/kg:hasProtocol ?p .
        { ?p kg:drug ?d } UNION { ?p kg:hasCoadministration/kg:drug ?d }
        ?d skos:broader* <https://w3id.org/kgraph/vocab/drugs/midazolam> }""")
    assert {n.iri for n in network.nodes.values() if n.kind == "protocol"} == {r["p"] for r in rows}


def test_filters_matching_nothing_are_errors(corpus_projection, corpus_network):
    with pytest.raises(InputError, match="--condition 'gout' matches nothing"):
        build_network(corpus_projection, condition="gout")
    with pytest.raises(InputError, match="--drug 'no-such-drug' matches nothing"):
        build_network(corpus_projection, drug="no-such-drug")
    # a condition and a drug each in the graph, never in one protocol
    protocols = [n for n in corpus_network.nodes.values() if n.kind == "protocol"]
    nodes = corpus_network.nodes
    pair = next(((c, d) for c in nodes.values() if c.kind == "condition" for d in nodes.values() if d.kind == "drug"
                 if not any(c.id in p.conditions and d.id in p.drugs for p in protocols)), None)
    assert pair, "the corpus should have a drug never used for some condition"
    condition, drug = (local(pair[0].iri), local(pair[1].iri))
    with pytest.raises(InputError, match=f"no protocol matches --condition '{condition}' and --drug '{drug}'"):
        build_network(corpus_projection, condition=condition, drug=drug)


# --- the CLI ---------------------------------------------------------------------------------------

def test_viz_on_an_empty_graph_says_nothing_ingested(tmp_path, capsys):
    out = tmp_path / "evidence.html"
    code = cli_main(["--data-dir", str(tmp_path / "empty"), "viz", "--out", str(out)])
    assert code != 0
    assert "nothing ingested yet: run `kgraph ingest corpus/`" in capsys.readouterr().err
    assert not out.exists()
    # a store holding only the ontology and vocabularies is just as empty
    with EmbeddedStore(tmp_path / "system" / "store") as store:
        store.load_system_graphs()
    code = cli_main(["--data-dir", str(tmp_path / "system"), "viz", "--out", str(out)])
    assert code != 0 and "nothing ingested yet" in capsys.readouterr().err
    assert not out.exists()


def test_viz_filter_matching_nothing_writes_no_page(corpus_data_dir, tmp_path, capsys):
    out = tmp_path / "evidence.html"
    code = cli_main(["--data-dir", str(corpus_data_dir), "viz", "--condition", "gout", "--out", str(out)])
    assert code == InputError.exit_code
    err = capsys.readouterr().err
    assert "--condition 'gout' matches nothing in the graph" in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_viz_writes_svg_and_png_of_the_same_network(corpus_data_dir, corpus_network, tmp_path, capsys):
    import xml.etree.ElementTree as ET

    from PIL import Image

    svg, png = tmp_path / "net.svg", tmp_path / "net.png"
    assert cli_main(["--data-dir", str(corpus_data_dir), "viz", "--format", "svg", "--out", str(svg)]) == 0
    assert cli_main(["--data-dir", str(corpus_data_dir), "viz", "--out", str(png)]) == 0
    assert f"{len(corpus_network.nodes)} nodes" in capsys.readouterr().err
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    text = svg.read_text(encoding="utf-8")
    drug = next(n for n in corpus_network.nodes.values() if n.kind == "drug")
    assert drug.label in text and f"{len(corpus_network.nodes)} nodes" in text
    with Image.open(png) as image:
        assert image.format == "PNG" and image.width > 800 and len(image.getcolors(1 << 20) or []) > 10
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.png", "net.svg"]  # no temporary left over
    assert cli_main(["--data-dir", str(corpus_data_dir), "viz", "--format", "svg", "--out", str(tmp_path / "x.png")]) == 2


def test_html_page_is_self_contained(corpus_network):
    page = render_html(corpus_network, layout(corpus_network))
    # nothing is fetched: no element with src/href, no <link>, a CSP that forbids every load
    from html.parser import HTMLParser

    class Tags(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tags, self.loading = [], []

        def handle_starttag(self, tag, attrs):
            self.tags.append(tag)
            self.loading += [(tag, k, v) for k, v in attrs if k in ("src", "href", "srcset", "data", "action")]

    tags = Tags()
    tags.feed(page)
    assert tags.loading == [] and "link" not in tags.tags and "iframe" not in tags.tags
    assert tags.tags.count("script") == 3 and "@import" not in page
    assert "default-src 'none'" in page
    assert "Copyright (c) 2016-2026, The Cytoscape Consortium" in page  # the vendored library, inlined
    data = re.search(r'<script type="application/json" id="kgraph-data">(.*?)</script>', page, re.S).group(1)
    import json

    parsed = json.loads(data)
    assert len(parsed["nodes"]) == len(corpus_network.nodes) and len(parsed["edges"]) == len(corpus_network.edges)
    assert "</" not in data  # a sentence cannot end the data element


# --- large networks (no pipeline: a network of the size a big corpus gives) ------------------------

def synthetic_network(protocols: int, effects: int = 40, measures: int = 30) -> EvidenceNetwork:
    """``protocols`` protocols over a few dozen shared concepts, one study each, like a large corpus."""
    nodes, edges = {}, {}
    studies = [StudyRef(f"urn:study:{i}", f"Study {i}", "randomized controlled trial", 20 + i % 50, 1 + i % 5, [0])
               for i in range(protocols)]
    sources = [SourceRef(0, f"Sentence {i} of the paper.", 1 + i % 9, "results") for i in range(protocols)]

    def node(kind: str, key: str, label: str) -> ViewNode:
        node_id = f"n{len(nodes)}"
        nodes[node_id] = ViewNode(node_id, f"urn:{kind}:{key}", kind, label)
        return nodes[node_id]

    drug = node("drug", "ketamine", "ketamine")
    conditions = [node("condition", str(i), f"condition {i}") for i in range(12)]
    measure_nodes = [node("outcome", str(i), f"measure {i}") for i in range(measures)]
    effect_nodes = [node("side_effect", str(i), f"effect {i}") for i in range(effects)]
    for i in range(protocols):
        p = node("protocol", str(i), f"ketamine protocol {i}")
        p.studies = {i}
        targets = [(drug, "drug", False), (conditions[i % 12], "condition", False)]
        targets += [(measure_nodes[(i + k) % measures], "outcome", False) for k in range(4)]
        targets += [(effect_nodes[(i * 7 + k) % effects], "side_effect", k == 0) for k in range(5)]
        for target, relation, negated in targets:
            edge = ViewEdge(f"e{len(edges)}", p.id, target.id, relation, negated)
            edge.evidence[i].add(i)
            edge.level = studies[i].level
            edges[edge.id] = edge
            target.studies.add(i)
        p.conditions.add(conditions[i % 12].id)
        p.drugs.add(drug.id)
    return EvidenceNetwork(nodes, edges, studies, [DocumentRef("urn:doc", "Synthetic 2024")], sources)


def test_large_network_layout_is_fast_path_and_bounded():
    network = synthetic_network(2500)
    assert len(network.nodes) > 2500 and len(network.edges) > 25000
    positions = layout(network)
    assert set(positions) == set(network.nodes)
    assert all(math.isfinite(x) and math.isfinite(y) and abs(x) <= 1.0001 and abs(y) <= 1.0001
               for x, y in positions.values())
    # protocols do not sit on top of each other
    distinct = {(round(x, 4), round(y, 4)) for x, y in positions.values()}
    assert len(distinct) > 0.95 * len(positions)


def test_large_network_defers_the_busiest_kinds():
    network = synthetic_network(2500)
    deferred = deferred_kinds(network)
    assert deferred == ["side_effect", "outcome"]
    kept = sum(1 for e in network.edges.values() if network.nodes[e.target].kind not in deferred)
    assert kept <= EDGE_BUDGET
    assert deferred_kinds(synthetic_network(100)) == []
    meta = payload(network, layout(network))["meta"]
    assert meta["large"] and meta["deferred_kinds"] == deferred


def test_missing_store_is_nothing_ingested(tmp_path):
    from kgraph.config import Settings
    from kgraph.viz.evidence import open_projection

    with pytest.raises(NotBuiltError, match="nothing ingested yet"):
        open_projection(Settings(data_dir=tmp_path / "none"))
    assert not (tmp_path / "none").exists()


def test_quantities_and_sources_show_in_protocol_details(corpus_network):
    details = defaultdict(list)
    for node in corpus_network.nodes.values():
        if node.kind == "protocol":
            for key, value in node.details:
                details[key].append(value)
    assert details["study"] and details["drug"]
    assert details["infusion duration"], "some protocol shows its infusion duration"
