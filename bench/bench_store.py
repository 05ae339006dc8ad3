"""Benchmark: which embedded RDF store should kgraph use?

Builds a synthetic kgraph-shaped dataset (documents -> studies -> arms -> protocols -> doses,
adverse effects, outcomes, evidence; one named graph per document) of at least --triples quads
as N-Quads, then, each backend in a fresh subprocess (so peak memory is its own):

  rdflib-memory      rdflib Dataset, in-memory store (parse N-Quads)
  rdflib-berkeleydb  rdflib Dataset on the BerkeleyDB store (needs the 'berkeleydb' package)
  oxrdflib           rdflib Dataset on oxrdflib's Oxigraph store (on disk)
  pyoxigraph-bulk    pyoxigraph Store on disk, bulk_load of the file
  kgraph-embedded    kgraph.store.embedded.EmbeddedStore.replace_document, one transaction per
                     document graph: the path `kgraph ingest` takes

For each: load rate (triples/s), the time of three SPARQL queries (an aggregate over all
types, a 4-pattern join with a numeric filter, a point lookup), and peak RSS.
A backend that is missing or exceeds --timeout is reported, not fatal.

    .venv/bin/python bench/bench_store.py                  # 1M triples, all backends
    .venv/bin/python bench/bench_store.py --triples 200000 --backends pyoxigraph-bulk,kgraph-embedded
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KG = "https://w3id.org/kgraph/ontology#"
ID = "https://w3id.org/kgraph/id/"
GRAPH = "https://w3id.org/kgraph/graph/"
VOCAB = "https://w3id.org/kgraph/vocab/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
PROV_DERIVED = "http://www.w3.org/ns/prov#wasDerivedFrom"
XSD = "http://www.w3.org/2001/XMLSchema#"

BACKENDS = ["rdflib-memory", "rdflib-berkeleydb", "oxrdflib", "pyoxigraph-bulk", "kgraph-embedded"]

QUERIES = {
    "count_by_type": """
        SELECT ?type (COUNT(?s) AS ?n) WHERE { ?s a ?type } GROUP BY ?type ORDER BY DESC(?n)""",
    "join_rate_filter": """
        PREFIX kg: <https://w3id.org/kgraph/ontology#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?label ?value WHERE {
          ?study kg:hasArm ?arm ; rdfs:label ?label .
          ?arm kg:hasProtocol ?p .
          ?p kg:rate ?dose .
          ?dose kg:normalizedValue ?value .
          FILTER(?value > 0.45)
        }""",
    "point_lookup": """
        SELECT ?p ?o WHERE { <https://w3id.org/kgraph/id/study/s-7-2> ?p ?o }""",
}

DRUGS = ["ketamine", "midazolam", "clonidine", "lidocaine", "magnesium", "morphine"]
CONDITIONS = ["complex_regional_pain_syndrome", "postherpetic_neuralgia", "fibromyalgia", "phantom_limb_pain"]
EFFECTS = ["hallucination", "nausea", "headache", "dizziness", "somnolence", "dysphoria"]


# --- synthetic data --------------------------------------------------------------------------

def _lit(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _typed(value, datatype: str) -> str:
    return f'"{value}"^^<{XSD}{datatype}>'


def generate(path: Path, target: int, seed: int = 7) -> tuple[int, int]:
    """Write N-Quads until at least ``target`` quads; returns (quads, documents)."""
    rng = random.Random(seed)
    count = 0
    doc_no = 0
    with open(path, "w", encoding="utf-8") as out:
        while count < target:
            lines: list[str] = []
            g = f"<{GRAPH}doc-{doc_no}>"
            doc = f"<{ID}doc/doc-{doc_no}>"

            def add(s: str, p: str, o: str) -> None:
                lines.append(f"{s} <{p}> {o} {g} .\n")

            def evidence(fact: str, n: int) -> None:
                ev = f"<{ID}doc/doc-{doc_no}/evidence-{n}>"
                add(fact, KG + "hasEvidence", ev)
                add(ev, RDF_TYPE, f"<{KG}Evidence>")
                add(ev, KG + "text", _lit(f"Sentence {n} of document {doc_no} about ketamine {rng.random():.5f}."))
                add(ev, KG + "charStart", _typed(n * 100, "integer"))
                add(ev, KG + "charEnd", _typed(n * 100 + 90, "integer"))
                add(ev, KG + "page", _typed(1 + n % 9, "integer"))
                add(ev, PROV_DERIVED, doc)

            add(doc, RDF_TYPE, f"<{KG}Document>")
            add(doc, KG + "documentKey", _lit(f"doc-{doc_no}"))
            add(doc, KG + "sha256", _lit(f"{rng.getrandbits(256):064x}"))
            ev_no = 0
            for s_no in range(5):
                study = f"<{ID}study/s-{doc_no}-{s_no}>"
                add(doc, KG + "reportsStudy", study)
                add(study, RDF_TYPE, f"<{KG}Study>")
                add(study, RDFS_LABEL, _lit(f"Author{doc_no} {1990 + s_no}"))
                add(study, KG + "sampleSize", _typed(rng.randint(5, 200), "integer"))
                add(study, KG + "condition", f"<{VOCAB}conditions/{rng.choice(CONDITIONS)}>")
                ev_no += 1
                evidence(study, ev_no)
                for a_no in range(2):
                    arm = f"<{ID}study/s-{doc_no}-{s_no}/arm-{a_no}>"
                    protocol = f"{arm[:-1]}/protocol>"
                    add(study, KG + "hasArm", arm)
                    add(arm, RDF_TYPE, f"<{KG}Arm>")
                    add(arm, RDFS_LABEL, _lit(f"arm {a_no}"))
                    add(arm, KG + "hasProtocol", protocol)
                    add(protocol, RDF_TYPE, f"<{KG}Protocol>")
                    add(protocol, KG + "drug", f"<{VOCAB}drugs/{rng.choice(DRUGS)}>")
                    ev_no += 1
                    evidence(protocol, ev_no)
                    for role in ("rate", "bolus", "totalDose"):
                        dose = f"{protocol[:-1]}/{role}>"
                        add(protocol, KG + role, dose)
                        add(dose, RDF_TYPE, f"<{KG}Dose>")
                        value = f"{rng.uniform(0.05, 0.6):.3f}"
                        add(dose, KG + "value", _typed(value, "decimal"))
                        add(dose, KG + "normalizedValue", _typed(value, "decimal"))
                        add(dose, KG + "unitText", _lit("mg/kg/h"))
                        add(dose, KG + "text", _lit(f"{value} mg/kg/h"))
                for e_no in range(3):
                    ae = f"<{ID}study/s-{doc_no}-{s_no}/ae-{e_no}>"
                    add(study, KG + "hasAdverseEffect", ae)
                    add(ae, RDF_TYPE, f"<{KG}AdverseEffect>")
                    add(ae, KG + "effect", f"<{VOCAB}adverse_effects/{rng.choice(EFFECTS)}>")
                    add(ae, KG + "negated", _typed("true" if rng.random() < 0.2 else "false", "boolean"))
                    ev_no += 1
                    evidence(ae, ev_no)
            out.writelines(lines)
            count += len(lines)
            doc_no += 1
    return count, doc_no


# --- one backend (runs in a child process) ---------------------------------------------------

def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_backend(name: str, data: Path, workdir: Path) -> dict:
    started = time.perf_counter()
    result: dict = {"backend": name}
    if name in ("rdflib-memory", "rdflib-berkeleydb", "oxrdflib"):
        from rdflib import Dataset

        if name == "rdflib-memory":
            dataset = Dataset(default_union=True)
        elif name == "rdflib-berkeleydb":
            dataset = Dataset(store="BerkeleyDB", default_union=True)
            dataset.open(str(workdir / "bdb"), create=True)
        else:
            dataset = Dataset(store="Oxigraph", default_union=True)
            dataset.open(str(workdir / "oxrdflib"), create=True)
        dataset.parse(str(data), format="nquads")
        result["load_s"] = time.perf_counter() - started
        result["triples"] = len(dataset)

        def query(text: str) -> int:
            return len(list(dataset.query(text)))
    else:
        import pyoxigraph as ox

        if name == "pyoxigraph-bulk":
            store = ox.Store(str(workdir / "oxigraph"))
            store.bulk_load(path=str(data), format=ox.RdfFormat.N_QUADS)
            store.flush()
            result["load_s"] = time.perf_counter() - started
            result["triples"] = len(store)
        else:
            sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
            from kgraph.store.embedded import EmbeddedStore

            embedded = EmbeddedStore(workdir / "kgraph-store")
            store = embedded.oxigraph
            # one replace_document (one transaction) per document graph, as ingest does
            current, batch = None, []
            for quad in ox.parse(path=str(data), format=ox.RdfFormat.N_QUADS):
                graph = quad.graph_name.value
                if graph != current and batch:
                    embedded.replace_document(current, batch)
                    batch = []
                current = graph
                batch.append(quad)
            if batch:
                embedded.replace_document(current, batch)
            store.flush()
            result["load_s"] = time.perf_counter() - started
            # what `kgraph ingest` does after a batch: compact the indexes (timed apart)
            t0 = time.perf_counter()
            embedded.optimize()
            result["optimize_s"] = time.perf_counter() - t0
            result["triples"] = len(store)

        def query(text: str) -> int:
            return len(list(store.query(text, use_default_graph_as_union=True)))

    result["load_triples_per_s"] = result["triples"] / result["load_s"]
    for qname, text in QUERIES.items():
        t0 = time.perf_counter()
        rows = query(text)
        result[f"{qname}_s"] = time.perf_counter() - t0
        result[f"{qname}_rows"] = rows
    result["peak_rss_mb"] = _peak_rss_mb()
    return result


def _available(name: str) -> str | None:
    try:
        if name == "rdflib-berkeleydb":
            import berkeleydb  # noqa: F401
        elif name == "oxrdflib":
            import oxrdflib  # noqa: F401
    except ImportError as exc:
        return f"not installed ({exc.name})"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per backend")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        print(json.dumps(run_backend(args.child, Path(args.data), Path(args.workdir))))
        return 0

    tmp = Path(tempfile.mkdtemp(prefix="kgraph-bench-store-"))
    try:
        data = tmp / "synthetic.nq"
        t0 = time.perf_counter()
        quads, docs = generate(data, args.triples)
        print(f"synthetic data: {quads:,} quads in {docs:,} document graphs "
              f"({data.stat().st_size / 1e6:.0f} MB N-Quads, made in {time.perf_counter() - t0:.1f} s)", flush=True)
        results = []
        for name in [b.strip() for b in args.backends.split(",") if b.strip()]:
            missing = _available(name)
            if missing:
                results.append({"backend": name, "error": missing})
                print(f"{name:18} skipped: {missing}", flush=True)
                continue
            workdir = tmp / name
            workdir.mkdir()
            try:
                proc = subprocess.run([sys.executable, __file__, "--child", name, "--data", str(data),
                                       "--workdir", str(workdir)], capture_output=True, text=True,
                                      timeout=args.timeout)
                if proc.returncode != 0:
                    error = (proc.stderr.strip().splitlines() or ["failed"])[-1]
                    results.append({"backend": name, "error": error})
                    print(f"{name:18} failed: {error}", flush=True)
                    continue
                row = json.loads(proc.stdout.strip().splitlines()[-1])
            except subprocess.TimeoutExpired:
                row = {"backend": name, "error": f"did not finish in {args.timeout:.0f} s"}
                print(f"{name:18} timed out after {args.timeout:.0f} s", flush=True)
                results.append(row)
                continue
            finally:
                shutil.rmtree(workdir, ignore_errors=True)
            results.append(row)
            print(f"{name:18} load {row['load_s']:7.1f} s = {row['load_triples_per_s']:9,.0f} triples/s | "
                  f"count_by_type {row['count_by_type_s']:6.2f} s | join {row['join_rate_filter_s']:6.2f} s "
                  f"({row['join_rate_filter_rows']} rows) | lookup {row['point_lookup_s']:6.3f} s | "
                  f"peak RSS {row['peak_rss_mb']:7.0f} MB"
                  + (f" | optimize after load {row['optimize_s']:.1f} s" if "optimize_s" in row else ""), flush=True)
        if args.json:
            print(json.dumps(results, indent=2))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
