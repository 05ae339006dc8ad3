"""Trend plots for the corpus and for the review, their data points checked against the graph.

The expected points are computed here from plain SPARQL rows (quantities, labels, adverse-effect
statements) in Python, independently of the named queries the plots run; each figure's JSON must
hold exactly those points. Graphs: the real pipeline over corpus/pdf and the review PDF
(built once per session by tests/test_viz_graphs.py).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from PIL import Image

from kgraph.cli import main as cli_main
from kgraph.errors import InputError
from kgraph.query.library import load_query
from kgraph.viz.plots import plot_trends, scatter_points, spearman, SCATTERS
from test_viz_graphs import (  # noqa: F401  (session fixtures shared with the other viz tests)
    corpus_data_dir,
    local,
    open_read_only,
    review_data_dir,
    sparql,
)

FIGURES = ("relief_vs_infusion_duration", "relief_vs_total_dose", "side_effects_by_adjunct")


# --- expectations from plain SPARQL ------------------------------------------------------------------

def concepts_named(data_dir: Path, wanted: str, via: str) -> set[str]:
    """Concepts reached by ``via`` whose id or any label is ``wanted`` (the queries' --param rule)."""
    rows = sparql(data_dir, f"""SELECT DISTINCT ?d ?l WHERE {{ ?x {via} ?d .
        OPTIONAL {{ ?d skos:prefLabel|skos:altLabel|kg:abbreviation ?l }} }}""")
    return {r["d"] for r in rows
            if local(r["d"]).lower() == wanted.lower() or (r["l"] or "").lower() == wanted.lower()}


def value_of(row: dict, prefix: str = "") -> float | None:
    v, lo, hi = (row.get(prefix + k) for k in ("v", "lo", "hi"))
    if v is not None:
        return float(v)
    if lo is not None and hi is not None:
        return (float(lo) + float(hi)) / 2
    return None


def expected_scatter(data_dir: Path, predicate: str, drug: str = "ketamine", condition_study: set | None = None
                     ) -> Counter:
    drugs = concepts_named(data_dir, drug, "kg:drug")
    rows = sparql(data_dir, f"""SELECT ?s ?p ?study ?arm ?d ?q ?v ?lo ?hi WHERE {{
        ?s a kg:Study ; rdfs:label ?study ; kg:hasArm ?a . ?a rdfs:label ?arm ; kg:hasProtocol ?p .
        ?p kg:drug ?d ; {predicate} ?q .
        OPTIONAL {{ ?q kg:normalizedValue ?v }} OPTIONAL {{ ?q kg:normalizedLow ?lo . ?q kg:normalizedHigh ?hi }} }}""")
    relief_rows = sparql(data_dir, """SELECT ?s ?q ?v ?lo ?hi WHERE { ?s kg:hasOutcome/kg:reliefDuration ?q .
        OPTIONAL { ?q kg:normalizedValue ?v } OPTIONAL { ?q kg:normalizedLow ?lo . ?q kg:normalizedHigh ?hi } }""")
    relief: dict[str, float] = {}
    for row in relief_rows:
        value = value_of(row)
        if value is not None:
            relief[row["s"]] = max(value, relief.get(row["s"], value))
    per_protocol: dict[tuple, float] = {}
    for row in rows:
        if row["d"] not in drugs or row["s"] not in relief:
            continue
        if condition_study is not None and row["s"] not in condition_study:
            continue
        value = value_of(row)
        if value is None:
            continue
        key = (row["p"], row["s"], row["study"], row["arm"])
        per_protocol[key] = max(value, per_protocol.get(key, value))
    return Counter((study, arm, round(x, 6), round(relief[s], 6)) for (_, s, study, arm), x in per_protocol.items())


def got_scatter(record: dict) -> Counter:
    return Counter((p["study"], p["arm"], round(p["x"], 6), round(p["y"], 6))
                   for p in record["points"] + record["excluded"])


def expected_side_effects(data_dir: Path, drug: str = "ketamine", adjunct: str = "midazolam") -> dict:
    drugs = concepts_named(data_dir, drug, "kg:drug")
    adjuncts = concepts_named(data_dir, adjunct, "kg:hasCoadministration/kg:drug")
    protocols = {r["p"] for r in sparql(data_dir, "SELECT ?p ?d WHERE { ?p a kg:Protocol ; kg:drug ?d }") if r["d"] in drugs}
    given = {r["p"] for r in sparql(data_dir, "SELECT ?p ?a WHERE { ?p kg:hasCoadministration/kg:drug ?a }")
             if r["a"] in adjuncts}
    group_size = Counter(p in given for p in protocols)
    statements = sparql(data_dir, """SELECT ?p ?e ?neg ?arm ?earm WHERE { ?s kg:hasArm ?arm ; kg:hasAdverseEffect ?ae .
        ?arm kg:hasProtocol ?p . ?ae kg:effect ?e ; kg:negated ?neg . OPTIONAL { ?ae kg:arm ?earm } }""")
    reported, denied = defaultdict(set), defaultdict(set)
    for row in statements:
        if row["p"] not in protocols or (row["earm"] is not None and row["earm"] != row["arm"]):
            continue
        key = (row["p"] in given, local(row["e"]))
        (denied if row["neg"] else reported)[key].add(row["p"])
    return {key: (len(reported[key]), len(denied[key]), group_size[key[0]]) for key in set(reported) | set(denied)}


def check_figures(out: Path, data_dir: Path) -> dict[str, dict]:
    records = {}
    for name in FIGURES:
        record = json.loads((out / f"{name}.json").read_text(encoding="utf-8"))
        records[name] = record
        assert record["points"], f"{name}: no data points"
        png, svg = out / f"{name}.png", out / f"{name}.svg"
        with Image.open(png) as image:
            assert image.format == "PNG" and image.width >= 1200
        svg_text = svg.read_text(encoding="utf-8")
        assert svg_text.lstrip().startswith("<?xml") and "</svg>" in svg_text
        # the query that produced the figure is printed in it, and kept in its JSON
        query = load_query(name, "sparql")
        assert record["query"]["name"] == name and record["query"]["file"] == f"queries/{name}.rq"
        assert record["query"]["sparql"] in query.text
        assert f"kgraph query {name}" in svg_text and "GROUP BY" in svg_text
    for trend in SCATTERS:
        predicate = {"infusion_hours": "kg:infusionDuration", "total_dose": "kg:totalDose"}[trend.x]
        want = expected_scatter(data_dir, predicate)
        got = got_scatter(records[trend.name])
        assert got == want, f"{trend.name}: points not in the graph {got - want}, missing {want - got}"
    side = records["side_effects_by_adjunct"]
    got = {(r["adjunct_given"], r["effect"]): (r["reported"], r["denied"], r["protocols"]) for r in side["points"]}
    assert got == expected_side_effects(data_dir)
    for row in side["points"]:
        assert math.isclose(row["rate"], row["reported"] / row["protocols"])
    return records


# --- tests -------------------------------------------------------------------------------------------

def test_trend_plots_for_the_corpus_match_the_graph(corpus_data_dir, tmp_path, capsys):
    out = tmp_path / "plots"
    assert cli_main(["--data-dir", str(corpus_data_dir), "plot", "trends", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    for name in FIGURES:
        assert name in printed
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}.{ext}" for n in FIGURES for ext in ("json", "png", "svg"))
    check_figures(out, corpus_data_dir)


def test_trend_plots_for_the_review_match_the_graph(review_data_dir, tmp_path):
    out = tmp_path / "review-plots"
    with open_read_only(review_data_dir) as store:
        results = plot_trends(store, out)
    assert [r.name for r in results] == list(FIGURES) and all(r.warning is None for r in results)
    records = check_figures(out, review_data_dir)
    # the review's first conclusion, read back from the graph: longer infusions, longer relief
    infusion = records["relief_vs_infusion_duration"]
    assert infusion["statistics"]["n"] >= 5
    assert infusion["statistics"]["spearman_rho"] > 0


def test_condition_narrows_the_scatter_plots(corpus_data_dir, tmp_path):
    counts = sparql(corpus_data_dir, "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s kg:condition ?c ; kg:hasOutcome/kg:reliefDuration ?r } GROUP BY ?c ORDER BY DESC(?n) ?c")
    condition = counts[0]["c"]
    studies = {r["s"] for r in sparql(corpus_data_dir, f"SELECT ?s WHERE {{ ?s kg:condition <{condition}> }}")}
    out = tmp_path / "plots"
    with open_read_only(corpus_data_dir) as store:
        results = plot_trends(store, out, condition=local(condition))
    record = json.loads((out / "relief_vs_infusion_duration.json").read_text())
    assert record["query"]["params"]["condition"] == local(condition)
    assert got_scatter(record) == expected_scatter(corpus_data_dir, "kg:infusionDuration", condition_study=studies)
    side = json.loads((out / "side_effects_by_adjunct.json").read_text())
    assert side["ignored_params"] == ["condition"]  # that query has no condition: said so, not hidden
    assert "not applied" in (out / "side_effects_by_adjunct.svg").read_text()
    assert {r.name for r in results} == set(FIGURES)


def test_plot_needs_a_graph_and_a_known_plot(tmp_path, corpus_data_dir, capsys):
    out = tmp_path / "plots"
    assert cli_main(["--data-dir", str(tmp_path / "empty"), "plot", "trends", "--out", str(out)]) != 0
    assert "nothing ingested yet: run `kgraph ingest corpus/`" in capsys.readouterr().err
    assert not out.exists()
    assert cli_main(["--data-dir", str(corpus_data_dir), "plot", "sideways", "--out", str(out)]) == InputError.exit_code
    assert "unknown plot 'sideways'" in capsys.readouterr().err
    a_file = tmp_path / "taken"
    a_file.write_text("x")
    assert cli_main(["--data-dir", str(corpus_data_dir), "plot", "trends", "--out", str(a_file)]) == InputError.exit_code
    assert a_file.read_text() == "x"


def test_a_drug_with_no_data_draws_nothing_and_says_so(corpus_data_dir, tmp_path, capsys):
    out = tmp_path / "plots"
    code = cli_main(["--data-dir", str(corpus_data_dir), "plot", "trends", "--drug", "no-such-drug", "--out", str(out)])
    assert code != 0
    err = capsys.readouterr().err
    assert "no trend could be drawn" in err and "no-such-drug" in err
    assert not list(out.glob("*.png"))


def test_scatter_points_labels_and_exclusions():
    trend = SCATTERS[0]
    rows = [
        {"study": "A 2001", "arm": "low", "infusion_hours": 1.0, "relief_hours": 24.0},
        {"study": "A 2001", "arm": "high", "infusion_hours": 4.0, "relief_hours": 48.0},
        {"study": "B 2002", "arm": "ketamine", "infusion_hours": 0.0, "relief_hours": 3.0},
        {"study": "C 2003", "arm": "ketamine", "infusion_hours": 120.0, "relief_hours": None},
        {"study": "D 2004", "arm": "ketamine", "infusion_hours": 0.5, "relief_hours": 0.0},
    ]
    points, excluded = scatter_points(rows, trend)
    assert [p["label"] for p in points] == ["A 2001 (low)", "A 2001 (high)", "D 2004"]
    assert [e["study"] for e in excluded] == ["B 2002", "C 2003"]
    assert "log scale" in excluded[0]["reason"] and excluded[1]["reason"] == "value missing"


def test_spearman_rank_correlation():
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    from scipy.stats import spearmanr

    for xs, ys in (([1, 2, 2, 3], [1, 3, 2, 4]), ([0.5, 4, 4, 120, 3], [3, 2016, 48, 4383, 0])):
        assert spearman(xs, ys) == pytest.approx(spearmanr(xs, ys).statistic)  # ties: average ranks
    assert spearman([1, 2], [1, 2]) is None and spearman([1, 1, 1], [1, 2, 3]) is None


def test_sparql_caption_is_the_query_body_without_its_header():
    from kgraph.viz.plots import _sparql_body

    for name in FIGURES:
        query = load_query(name, "sparql")
        body = _sparql_body(query)
        assert body.startswith("PREFIX") and not re.search(r"^#", body, re.M)
        assert "SELECT" in body and body in query.text
