"""The embedded store: persistent, one transaction per document, bound parameters, exports that
an independent parser (Debian's rapper, pyoxigraph for JSON-LD) reads back to the same count."""

from __future__ import annotations

import shutil
import subprocess

import pyoxigraph as ox
import pytest
from rdflib import Literal, URIRef

import frames_fixture as F
from kgraph.errors import InputError, NotBuiltError
from kgraph.rdf.mapping import frames_to_graph, graph_iri
from kgraph.store.embedded import (
    ONTOLOGY_GRAPH,
    VOCAB_GRAPH,
    EmbeddedStore,
    StoreError,
    bind_parameters,
    export_store,
    parameter_names,
)

KG = "https://w3id.org/kgraph/ontology#"
HOSTILE = ['x" } ; DROP ALL ; #', "'} DELETE WHERE { ?s ?p ?o } #", "}; DROP", 'a\\" . } INSERT DATA { <a> <b> <c> }',
           "line\nbreak } ", "<https://w3id.org/kgraph/graph/x>", "$other ?s {}"]


@pytest.fixture()
def store(tmp_path):
    with EmbeddedStore(tmp_path / "store") as opened:
        opened.load_system_graphs()
        for frames in F.all_documents():
            opened.add_frames(frames)
        yield opened


def snapshot(store: EmbeddedStore) -> dict[str, set]:
    return {g: store.graph_triples(g) for g in store.graphs()}


def test_documents_and_system_graphs_are_stored(store):
    graphs = store.graphs()
    assert ONTOLOGY_GRAPH in graphs and VOCAB_GRAPH in graphs
    assert len(store.document_graphs()) == 4
    info = store.document_info("doi:10.5555/beta.2011.0042")
    assert info.sha256 == "b" * 64 and info.source == "corpus/beta-2011.pdf"
    assert info.triples == len(frames_to_graph(F.beta_report())[1])
    assert store.is_unchanged("doi:10.5555/beta.2011.0042", "B" * 64)
    assert not store.is_unchanged("doi:10.5555/beta.2011.0042", "e" * 64)
    assert not store.is_unchanged("doi:10.5555/unknown", "b" * 64)


def test_reloading_the_same_document_changes_nothing(store):
    before = snapshot(store)
    total = store.triple_count()
    for frames in F.all_documents():
        result = store.add_frames(frames)
        assert not result.changed and result.added == 0 and result.removed == 0
    assert snapshot(store) == before
    assert store.triple_count() == total


def test_a_changed_version_replaces_only_its_own_facts(store):
    before = snapshot(store)
    changed = F.changed_beta_report()
    result = store.add_frames(changed)
    assert result.changed and result.added > 0 and result.removed > 0
    after = snapshot(store)
    gid = str(graph_iri(changed.doc_key))
    for g, triples in before.items():
        if g != gid:
            assert after[g] == triples, f"graph {g} changed"
    expected = {ox.Triple(*(_ox(t) for t in triple)) for triple in frames_to_graph(changed)[1]}
    assert after[gid] == expected
    assert store.document_info(changed.doc_key).sha256 == "e" * 64
    # the old rate is gone from the store, the new one is there
    rates = {r["text"] for r in store.query(
        "PREFIX kg: <%s> SELECT DISTINCT ?text WHERE { GRAPH ?g { ?p kg:rate/kg:text ?text } FILTER(?g = $g) }" % KG,
        {"g": URIRef(gid)}, union=False).dicts()}
    assert rates == {"up to 0.30 mg/kg/h"}


def _ox(term):
    from kgraph.store.embedded import to_ox

    return to_ox(term)


def test_store_persists_across_reopen_and_read_only(tmp_path):
    path = tmp_path / "persist"
    with EmbeddedStore(path) as first:
        first.add_frames(F.zeta_report())
        count = first.triple_count()
    with EmbeddedStore(path, read_only=True) as reader:
        assert reader.triple_count() == count
        assert [d.key for d in reader.documents()] == ["zeta-2019-oral-ketamine-postherpetic-neuralgia"]
        with pytest.raises(StoreError):
            reader.add_frames(F.beta_report())
    with pytest.raises(NotBuiltError):
        EmbeddedStore(tmp_path / "nothing-here", read_only=True)


def test_failed_replace_keeps_the_old_graph(store):
    gid = str(graph_iri("zeta-2019-oral-ketamine-postherpetic-neuralgia"))
    before = store.graph_triples(gid)
    bad = list(frames_to_graph(F.zeta_report())[1]) + [(URIRef("not an iri"), URIRef("http://x/p"), Literal("o"))]
    with pytest.raises((InputError, StoreError, ValueError)):
        store.replace_document(gid, bad)
    assert store.graph_triples(gid) == before


def test_remove_document(store):
    gid = str(graph_iri("zeta-2019-oral-ketamine-postherpetic-neuralgia"))
    assert store.remove_document(gid)
    assert gid not in store.graphs()
    assert not store.remove_document(gid)


def test_union_query_and_parameter_types(store):
    rows = store.query(
        "PREFIX kg: <%s> SELECT DISTINCT ?label WHERE { ?s a kg:Study ; kg:sampleSize ?n ; "
        "<http://www.w3.org/2000/01/rdf-schema#label> ?label FILTER(?n >= $min) } ORDER BY ?label" % KG,
        {"min": 19}).rows
    assert rows == [["Alpha 2009"], ["Beta 2011"], ["Delta 2012"]]
    ask = store.query("ASK { ?s ?p $v }", {"v": True})
    assert ask.boolean is True


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_parameter_values_are_data(store, value):
    before = snapshot(store)
    query = ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
             "SELECT ?s WHERE { ?s rdfs:label ?l FILTER(?l = $label) }")
    assert store.query(query, {"label": value}).rows == []
    assert snapshot(store) == before


def test_hostile_value_matches_itself_exactly(store):
    frames = F.zeta_report()
    frames.studies[0].label = HOSTILE[0]
    store.add_frames(frames)
    rows = store.query("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
                       "SELECT DISTINCT ?s WHERE { ?s rdfs:label $label }", {"label": HOSTILE[0]}).rows
    assert rows == [["https://w3id.org/kgraph/id/study/zeta-2019"]]


def test_parameters_are_not_replaced_inside_strings_iris_or_comments():
    text = 'SELECT * WHERE { ?s ?p "$a" . <http://x/$a> ?q $a } # $a\n'
    assert parameter_names(text) == ["a"]
    bound = bind_parameters(text, {"a": 'v"'})
    assert '"$a"' in bound and "<http://x/$a>" in bound and "# $a" in bound
    assert '"v\\""' in bound
    with pytest.raises(InputError):
        bind_parameters("SELECT * WHERE { ?s ?p $missing }", {})


def test_syntax_error_names_the_position(store):
    with pytest.raises(InputError) as err:
        store.query("SELECT ?s WHERE {\n  ?s ?p \n}")
    assert "SPARQL syntax error" in str(err.value) and "3:" in str(err.value)


# --- exports ----------------------------------------------------------------------------------

RAPPER_INPUT = {"turtle": "turtle", "ntriples": "ntriples", "rdfxml": "rdfxml", "nquads": "nquads", "trig": "trig"}


def rapper_count(path, syntax: str) -> int:
    rapper = shutil.which("rapper")
    assert rapper, "Debian's rapper (raptor2-utils) is needed: apt-get install raptor2-utils"
    proc = subprocess.run([rapper, "-i", syntax, "-c", str(path)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    # "rapper: Parsing returned N triples" (on stderr)
    for line in proc.stderr.splitlines():
        if "returned" in line:
            return int(line.split("returned", 1)[1].split()[0])
    raise AssertionError(f"no count in rapper output: {proc.stderr}")


@pytest.mark.parametrize("fmt", ["turtle", "ntriples", "rdfxml", "nquads", "trig"])
def test_every_serialization_parses_back_with_rapper(store, tmp_path, fmt):
    out = tmp_path / f"graph.{fmt}"
    store.export(out, fmt)
    if fmt in ("nquads", "trig"):
        expected = sum(store.triple_count(g) for g in store.graphs())
    else:
        expected = len({t for g in store.graphs() for t in store.graph_triples(g)})
    assert rapper_count(out, RAPPER_INPUT[fmt]) == expected


def test_jsonld_export_parses_back_with_pyoxigraph(store, tmp_path):
    out = tmp_path / "graph.jsonld"
    store.export(out, "jsonld")
    quads = list(ox.parse(path=str(out), format=ox.RdfFormat.JSON_LD))
    assert len(set(quads)) == sum(store.triple_count(g) for g in store.graphs())
    assert {q.graph_name.value for q in quads} == set(store.graphs())


def test_export_store_is_atomic_and_checks_its_target(tmp_path):
    from kgraph.config import Settings

    settings = Settings(data_dir=tmp_path / "data")
    with EmbeddedStore(settings=settings) as s:
        s.add_frames(F.zeta_report())
    out = tmp_path / "all.nq"
    count = export_store(out, "nquads", settings=settings)
    assert count == rapper_count(out, "nquads")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".all.nq.")]
    with pytest.raises(InputError):
        export_store(tmp_path / "missing-dir" / "x.ttl", "turtle", settings=settings)
    with pytest.raises(InputError):
        export_store(out, "yaml", settings=settings)
