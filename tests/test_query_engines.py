"""Every library query gives the same answer in SPARQL (embedded store) and Cypher (real Neo4j).

The Neo4j database is emptied at the start of this module and loaded from the embedded store
through kgraph.store.neo4j_loader (the documented RDF -> property graph mapping), so run the
tests against the managed test server, never against a database whose content you need.
"""

from __future__ import annotations

import pytest

import frames_fixture as F
from kgraph.errors import InputError
from kgraph.query.library import library_names, load_file, load_query
from kgraph.query.runner import run_query
from kgraph.store.embedded import EmbeddedStore
from kgraph.store.neo4j_loader import load_store

PROVENANCE_PARAMS = [{}, {"type": "Claim"}, {"fact": "https://w3id.org/kgraph/id/study/beta-2011"},
                     {"contains": "midazolam"}, {"document": "Zeta 2019"}, {"type": "dose", "document": "Omega 2017"}]
EXTRA_PARAMS = [
    ("protocols_for_condition", {"condition": "FM", "drug": "KETAMINE"}),
    ("adjuncts_for_drug", {"drug": "", "adjunct": "Versed"}),
    ("side_effects_by_protocol", {"drug": ""}),
    ("side_effects_by_adjunct", {"drug": "", "adjunct": ""}),
    ("studies_by_design", {"min_n": "30"}),
    ("drug_condition_cooccurrence", {"drug": "lidocaine", "condition": "phantom_limb_pain"}),
]


def counts(driver) -> tuple[int, int]:
    records, _, _ = driver.execute_query(
        "MATCH (n) WITH count(n) AS nodes OPTIONAL MATCH ()-[r]->() RETURN nodes, count(r) AS rels")
    return records[0]["nodes"], records[0]["rels"]


@pytest.fixture(scope="module")
def engines(neo4j_driver, tmp_path_factory):
    path = tmp_path_factory.mktemp("engines") / "store"
    store = EmbeddedStore(path)
    store.load_system_graphs()
    for frames in F.all_documents():
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
    return sparql, cypher


@pytest.mark.parametrize("name,params,columns,rows", F.EXPECTED,
                         ids=[f"{e[0]}-{i}" for i, e in enumerate(F.EXPECTED)])
def test_cypher_answers_and_engines_agree(engines, name, params, columns, rows):
    store, driver = engines
    sparql, cypher = both(name, params, store, driver)
    assert cypher.columns == columns == sparql.columns
    expected = sorted((tuple(tuple(v) if isinstance(v, list) else v for v in row) for row in rows),
                      key=lambda r: tuple((v is None, type(v).__name__, str(v)) for v in r))
    assert cypher.sorted_rows() == expected
    assert cypher.sorted_rows() == sparql.sorted_rows()


@pytest.mark.parametrize("params", PROVENANCE_PARAMS, ids=[str(p) for p in PROVENANCE_PARAMS])
def test_fact_provenance_agrees(engines, params):
    store, driver = engines
    sparql, cypher = both("fact_provenance", params, store, driver)
    assert sparql.rows, params
    assert cypher.columns == sparql.columns
    assert cypher.sorted_rows() == sparql.sorted_rows()


@pytest.mark.parametrize("name,params", EXTRA_PARAMS, ids=[e[0] for e in EXTRA_PARAMS])
def test_engines_agree_on_more_parameters(engines, name, params):
    store, driver = engines
    sparql, cypher = both(name, params, store, driver)
    assert sparql.rows
    assert cypher.sorted_rows() == sparql.sorted_rows()


def test_every_library_query_was_compared():
    compared = {e[0] for e in F.EXPECTED} | {"fact_provenance"}
    assert set(library_names()) <= compared


@pytest.mark.parametrize("value", ["x' }) DETACH DELETE n //", '"; MATCH (n) DETACH DELETE n; //', "}; DROP",
                                   "{$drug}", "` RETURN 1 //"])
def test_hostile_cypher_parameters_are_data(engines, value):
    store, driver = engines
    before = counts(driver)
    for name in ("protocols_for_condition", "studies_by_design", "fact_provenance", "evidence_for_claim"):
        query = load_query(name, "cypher")
        first = next(iter(query.params))
        assert run_query(query, {first: value}, driver=driver).rows == [], (name, value)
    assert counts(driver) == before


def test_cypher_syntax_error_in_a_user_file_names_the_line(engines, tmp_path):
    _, driver = engines
    bad = tmp_path / "bad.cypher"
    bad.write_text("MATCH (s:Study)\nWHERE s.sampleSize >> $n\nRETURN s.label AS study\n")
    with pytest.raises(InputError) as err:
        run_query(load_file(bad), ["n:int=3"], driver=driver)
    message = str(err.value)
    assert str(bad) in message and "Cypher syntax error" in message and "line 2" in message


def test_user_cypher_file_with_typed_parameter(engines, tmp_path):
    _, driver = engines
    own = tmp_path / "big.cypher"
    own.write_text("// @param n int = 20\nMATCH (s:Study) WHERE s.sampleSize >= $n RETURN s.label AS study\n")
    assert sorted(r[0] for r in run_query(load_file(own), [], driver=driver).rows) == ["Alpha 2009", "Delta 2012"]
    with pytest.raises(InputError):
        run_query(load_file(own), ["n=many"], driver=driver)


def test_reload_changes_nothing_and_a_changed_document_keeps_engines_in_step(engines):
    store, driver = engines
    before = counts(driver)
    answers = both("protocols_for_condition", {}, store, driver)[1].sorted_rows()
    load_store(store, driver)
    assert counts(driver) == before
    assert both("protocols_for_condition", {}, store, driver)[1].sorted_rows() == answers

    store.add_frames(F.changed_beta_report())
    summary = load_store(store, driver)
    assert not summary.failed
    for name in library_names():
        sparql, cypher = both(name, {}, store, driver)
        assert cypher.sorted_rows() == sparql.sorted_rows(), name
    rates = {r[7][0] for r in both("protocols_for_condition", {"condition": F.CRPS}, store, driver)[1].rows
             if r[1] == "Beta 2011" and r[14] == [F.BETA_DOC]}
    assert rates == {"up to 0.30 mg/kg/h"}
    # put the original back: the database returns to the same counts
    store.add_frames(F.beta_report())
    load_store(store, driver)
    assert counts(driver) == before
