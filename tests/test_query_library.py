"""The query library in SPARQL on the embedded store: expected rows, headers, errors, the CLI."""

from __future__ import annotations

import json

import pytest

import frames_fixture as F
from kgraph.cli import main
from kgraph.config import QUERIES_DIR, Settings, get_settings, set_settings
from kgraph.errors import InputError
from kgraph.query.library import ENGINES, library_names, load_file, load_query
from kgraph.query.runner import Table, run, run_query
from kgraph.store.embedded import EmbeddedStore

REQUIRED = {"protocols_for_condition", "adjuncts_for_drug", "side_effects_by_protocol", "side_effects_by_adjunct",
            "relief_vs_infusion_duration", "relief_vs_total_dose", "studies_by_design", "evidence_for_claim",
            "conditions_without_randomized_evidence", "fact_provenance", "drug_condition_cooccurrence"}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("query-store") / "store"
    with EmbeddedStore(path) as opened:
        opened.load_system_graphs()
        for frames in F.all_documents():
            opened.add_frames(frames)
        yield opened


def canonical(rows) -> list[tuple]:
    return Table(columns=[], rows=[list(r) for r in rows]).sorted_rows()


def test_library_has_every_query_in_both_languages_with_the_same_header():
    names = set(library_names())
    assert REQUIRED <= names
    for name in names:
        sparql, cypher = load_query(name, "sparql"), load_query(name, "cypher")
        assert sparql.summary and sparql.summary == cypher.summary, name
        assert sparql.examples and cypher.examples, name
        assert [(p.name, p.type, p.default, p.required) for p in sparql.params.values()] == \
            [(p.name, p.type, p.default, p.required) for p in cypher.params.values()], name
        assert sparql.list_columns == cypher.list_columns, name


@pytest.mark.parametrize("name,params,columns,rows", F.EXPECTED,
                         ids=[f"{e[0]}-{i}" for i, e in enumerate(F.EXPECTED)])
def test_sparql_answers(store, name, params, columns, rows):
    table = run_query(load_query(name, "sparql"), params, store=store)
    assert table.columns == columns
    assert table.sorted_rows() == canonical(rows)


def test_sparql_rows_come_in_the_documented_order(store):
    table = run_query(load_query("relief_vs_infusion_duration", "sparql"), {}, store=store)
    hours = [row[2] for row in table.rows]
    assert hours == sorted(hours)
    table = run_query(load_query("drug_condition_cooccurrence", "sparql"), {}, store=store)
    assert [row[2] for row in table.rows] == sorted((row[2] for row in table.rows), reverse=True)


def test_fact_provenance(store):
    query = load_query("fact_provenance", "sparql")
    claims = run_query(query, {"type": "claim"}, store=store)
    assert len(claims.rows) == 2
    row = claims.dicts()[0]
    assert row["document"] == "Omega 2017" and row["page"] == 9 and row["section"] == "discussion"
    assert row["extractor"] == "kgraph.sentences" and row["version"] == F.EXTRACTOR_VERSION
    assert row["char_end"] - row["char_start"] == len(row["text"])

    beta = run_query(query, {"fact": "https://w3id.org/kgraph/id/study/beta-2011"}, store=store).dicts()
    assert sorted((r["document"], r["text"]) for r in beta) == [
        ("Beta 2011", "Nineteen patients with CRPS were randomized to ketamine or placebo in a double-blind trial."),
        ("Omega 2017", "CRPS"),
        ("Omega 2017", "PRCT parallel, 19 patients"),
    ]
    cells = [r for r in beta if r["table"]]
    assert {(r["table"], r["row"], r["col"]) for r in cells} == {("Table 2", 2, 1), ("Table 2", 2, 3)}

    zeta = run_query(query, {"document": "zeta-2019-oral-ketamine-postherpetic-neuralgia"}, store=store)
    assert sorted(r["type"] for r in zeta.dicts()) == ["AdverseEffect", "Arm", "Dose", "Protocol", "Study"]

    midazolam = run_query(query, {"contains": "MIDAZOLAM"}, store=store).dicts()
    assert len(midazolam) == 11
    assert all("midazolam" in r["text"].lower() for r in midazolam)


def test_unknown_query_name_lists_near_names():
    with pytest.raises(InputError) as err:
        load_query("protocols_for_conditon")
    assert "did you mean: protocols_for_condition" in str(err.value)
    with pytest.raises(InputError) as err:
        load_query("../../etc/passwd")
    assert "unknown query" in str(err.value)
    with pytest.raises(InputError):
        load_query("studies_by_design", engine="gremlin")


def test_missing_and_ill_typed_parameters(store, tmp_path):
    query = load_query("studies_by_design", "sparql")
    with pytest.raises(InputError) as err:
        run_query(query, ["min_n=twelve"], store=store)
    assert "'min_n' must be an integer" in str(err.value)
    with pytest.raises(InputError) as err:
        run_query(query, ["colour=red"], store=store)
    assert "unknown parameter 'colour'" in str(err.value) and "min_n (int" in str(err.value)
    with pytest.raises(InputError):
        run_query(query, ["min_n"], store=store)
    with pytest.raises(InputError):
        run_query(query, ["min_n=1", "min_n=2"], store=store)
    own = tmp_path / "mine.rq"
    own.write_text("# @param level int\nPREFIX kg: <https://w3id.org/kgraph/ontology#>\n"
                   "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a kg:Study ; kg:evidenceLevel $level }\n")
    with pytest.raises(InputError) as err:
        run_query(load_file(own), [], store=store)
    assert "missing parameter 'level'" in str(err.value)
    assert run_query(load_file(own), ["level=4"], store=store).rows == [[2]]


def test_user_file_with_undeclared_parameters_binds_them_as_strings_or_typed(store, tmp_path):
    own = tmp_path / "labels.rq"
    own.write_text("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
                   "PREFIX kg: <https://w3id.org/kgraph/ontology#>\n"
                   "SELECT DISTINCT ?l WHERE { ?s rdfs:label ?l ; kg:sampleSize ?n FILTER(STRSTARTS(?l, $prefix) "
                   "&& ?n > $min) }")
    assert run_query(load_file(own), ["prefix=Beta", "min:int=5"], store=store).rows == [["Beta 2011"]]
    with pytest.raises(InputError):
        run_query(load_file(own), ["prefix=Beta"], store=store)


def test_syntax_error_in_a_user_file_gives_the_engine_message_with_line(store, tmp_path):
    bad = tmp_path / "bad.rq"
    bad.write_text("PREFIX kg: <https://w3id.org/kgraph/ontology#>\nSELECT ?s WHERE {\n  ?s kg:drug \n}\n")
    with pytest.raises(InputError) as err:
        run_query(load_file(bad), [], store=store)
    message = str(err.value)
    assert str(bad) in message and "SPARQL syntax error" in message and "4:" in message


@pytest.mark.parametrize("value", ['x" } ; DROP ALL ; #', "'} DELETE WHERE { ?s ?p ?o } #", "}; DROP",
                                   "{{$drug}}", "CRPS\" || true || \""])
def test_hostile_parameters_match_nothing_and_change_nothing(store, value):
    before = store.triple_count()
    for name in ("protocols_for_condition", "studies_by_design", "fact_provenance", "evidence_for_claim"):
        query = load_query(name, "sparql")
        first = next(iter(query.params))
        assert run_query(query, {first: value}, store=store).rows == [], (name, value)
    assert store.triple_count() == before


# --- the CLI ----------------------------------------------------------------------------------

@pytest.fixture()
def cli_data(tmp_path):
    previous = get_settings()
    settings = Settings(data_dir=tmp_path / "data")
    with EmbeddedStore(settings=settings) as opened:
        opened.load_system_graphs()
        for frames in F.all_documents():
            opened.add_frames(frames)
    set_settings(settings)
    yield settings
    set_settings(previous)


def test_cli_query_formats(cli_data, capsys):
    data_dir = str(cli_data.data_dir)
    assert main(["--data-dir", data_dir, "query", "studies_by_design", "--format", "json",
                 "--param", "design=case_series"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows == [{"study": "Gamma 2004", "design": "case_series", "n": 5, "evidence_level": 4,
                     "conditions": ["postherpetic_neuralgia"], "documents": ["Omega 2017"]}]
    assert main(["--data-dir", data_dir, "query", "conditions_without_randomized_evidence", "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "condition,studies,designs", "fibromyalgia,1,prospective_observational_study",
        "postherpetic_neuralgia,2,case_report | case_series"]
    assert main(["--data-dir", data_dir, "query", "side_effects_by_adjunct"]) == 0
    out = capsys.readouterr().out
    assert "psychomimetic_effect" in out and "7 row(s)" in out
    assert main(["--data-dir", data_dir, "query", "--list"]) == 0
    listing = capsys.readouterr().out
    assert all(name in listing for name in REQUIRED)


def test_cli_query_errors_are_one_line(cli_data, capsys, tmp_path):
    data_dir = str(cli_data.data_dir)
    assert main(["--data-dir", data_dir, "query", "no_such_query"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kgraph: error: unknown query 'no_such_query'") and err.count("\n") == 1
    assert main(["--data-dir", data_dir, "query", "studies_by_design", "--param", "min_n=x"]) == 2
    assert "must be an integer" in capsys.readouterr().err
    assert main(["--data-dir", data_dir, "query", "studies_by_design", "--format", "xml"]) == 2
    assert main(["--data-dir", data_dir, "query"]) == 2
    assert main(["--data-dir", str(tmp_path / "empty"), "query", "studies_by_design"]) == 3
    assert "ingest documents first" in capsys.readouterr().err


def test_cli_export(cli_data, capsys, tmp_path):
    out = tmp_path / "graph.nq"
    assert main(["--data-dir", str(cli_data.data_dir), "export", str(out), "--format", "nquads"]) == 0
    assert "wrote" in capsys.readouterr().err
    assert out.stat().st_size > 0
    assert main(["--data-dir", str(cli_data.data_dir), "export", str(tmp_path / "x.ttl"), "--format", "yaml"]) == 2


def test_run_opens_the_configured_store(cli_data):
    table = run("studies_by_design", ["min_n=25"], settings=cli_data)
    assert [r[0] for r in table.rows] == ["Alpha 2009", "Delta 2012"]


def test_every_query_file_is_utf8_and_ends_with_newline():
    for path in QUERIES_DIR.iterdir():
        if path.suffix in ENGINES.values():
            text = path.read_text(encoding="utf-8")
            assert text.endswith("\n"), path
