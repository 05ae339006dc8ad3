"""Benchmark: loading a >= 1M-triple kgraph-shaped graph into Neo4j (a script, not a test).

    .venv/bin/python bench/bench_neo4j_load.py [--triples 1000000] [--baseline-triples 20000]

Prints triples/s and peak memory for kgraph's loader (kgraph/store/neo4j_loader.py:
projection + batched UNWIND, one transaction per document) next to a naive baseline
measured in the same run: one auto-committed MERGE statement per triple. The baseline
runs on a sample (--baseline-triples) and is extrapolated to the full size; the loader
is also timed on that same sample, so both are compared on identical data.

By default it starts a throw-away managed Neo4j (same JVM and memory settings as
`kgraph neo4j start`, jars shared with the main server home) so it never touches the
data of the server tests use; --use-configured uses NEO4J_URI or the managed server
instead (and deletes the benchmark's nodes afterwards).

Data: synthetic documents shaped like kgraph's RDF (document, study, arms, protocols,
doses and quantities, adjuncts, outcomes, adverse effects, one Evidence node per fact,
concept links into a vocabulary graph); every 10th document is a review whose claims
cite studies of earlier papers and restate their sample size (shared nodes).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kgraph.config import get_settings  # noqa: E402
from kgraph.rdf.namespaces import GRAPH, ID, KG, VOCAB  # noqa: E402
from kgraph.store import neo4j_server  # noqa: E402
from kgraph.store.neo4j_loader import Neo4jLoader  # noqa: E402
from kgraph.store.projection import build_label_index, literal_value, local_name, property_name, relationship_type  # noqa: E402

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
SKOS = "http://www.w3.org/2004/02/skos/core#"
PROV = "http://www.w3.org/ns/prov#"
XSD = "http://www.w3.org/2001/XMLSchema#"
T_DECIMAL, T_INTEGER, T_BOOLEAN = (ox.NamedNode(XSD + t) for t in ("decimal", "integer", "boolean"))
UO = "http://purl.obolibrary.org/obo/UO_"


def kg(name: str) -> ox.NamedNode:
    return ox.NamedNode(str(KG[name]))


# --- synthetic data ------------------------------------------------------------

SCHEMES = {"drugs": ("Drug", 60), "conditions": ("Condition", 30), "outcomes": ("OutcomeMeasure", 20),
           "adverse_effects": ("AdverseEffectType", 40), "settings": ("Setting", 6), "designs": ("StudyDesign", 8)}


def vocabulary() -> list[ox.Triple]:
    triples = []
    for scheme, (label, size) in SCHEMES.items():
        s = ox.NamedNode(str(VOCAB[scheme]))
        triples += [ox.Triple(s, RDF_TYPE, ox.NamedNode(SKOS + "ConceptScheme")),
                    ox.Triple(s, kg("neo4jLabel"), ox.Literal(label))]
        for i in range(size):
            c = ox.NamedNode(str(VOCAB[f"{scheme}/concept_{i}"]))
            triples += [ox.Triple(c, RDF_TYPE, ox.NamedNode(SKOS + "Concept")),
                        ox.Triple(c, ox.NamedNode(SKOS + "inScheme"), s),
                        ox.Triple(c, ox.NamedNode(SKOS + "prefLabel"), ox.Literal(f"{scheme} {i}", language="en")),
                        ox.Triple(c, ox.NamedNode(SKOS + "altLabel"), ox.Literal(f"{scheme[:3].upper()}{i}"))]
    return triples


def concept(rng: random.Random, scheme: str) -> ox.NamedNode:
    return ox.NamedNode(str(VOCAB[f"{scheme}/concept_{rng.randrange(SCHEMES[scheme][1])}"]))


class DocumentWriter:
    """Triples of one synthetic document."""

    def __init__(self, n: int, rng: random.Random):
        self.n, self.rng, self.triples = n, rng, []
        self.doc = self.node("doc")
        self.facts = 0

    def node(self, local: str) -> ox.NamedNode:
        return ox.NamedNode(str(ID[f"bench/d{self.n}/{local}"]))

    def add(self, s, p: str, o) -> None:
        predicate = ox.NamedNode(PROV + p[5:]) if p.startswith("prov:") else kg(p)
        self.triples.append(ox.Triple(s, predicate, o))

    def typed(self, s, *classes: str) -> None:
        for c in classes:
            self.triples.append(ox.Triple(s, RDF_TYPE, kg(c)))

    def evidence(self, fact) -> None:
        self.facts += 1
        ev = self.node(f"ev{self.facts}")
        r = self.rng
        self.add(fact, "hasEvidence", ev)
        self.typed(ev, "Evidence")
        start = r.randrange(100000)
        self.add(ev, "page", ox.Literal(str(r.randrange(1, 20)), datatype=T_INTEGER))
        self.add(ev, "bbox", ox.Literal(f"{r.uniform(40, 300):.1f},{r.uniform(40, 700):.1f},"
                                        f"{r.uniform(300, 560):.1f},{r.uniform(700, 760):.1f}"))
        self.add(ev, "charStart", ox.Literal(str(start), datatype=T_INTEGER))
        self.add(ev, "charEnd", ox.Literal(str(start + r.randrange(40, 300)), datatype=T_INTEGER))
        self.add(ev, "text", ox.Literal(f"Sentence {self.facts} of document {self.n}: ketamine 0.{r.randrange(1, 99)} mg/kg/h."))
        self.add(ev, "section", ox.Literal(r.choice(["Methods", "Results", "Table 2", "Abstract"])))
        self.add(ev, "prov:wasDerivedFrom", self.doc)
        self.add(ev, "prov:wasAttributedTo", ox.NamedNode(str(ID["extractor/kgraph-0.1.0"])))

    def quantity(self, local: str, unit: str, *classes: str) -> ox.NamedNode:
        q, r = self.node(local), self.rng
        self.typed(q, *(classes or ("Quantity",)))
        value = f"{r.uniform(0.05, 50):.2f}"
        self.add(q, "value", ox.Literal(value, datatype=T_DECIMAL))
        self.add(q, "unitText", ox.Literal(unit))
        self.add(q, "unit", ox.NamedNode(UO + f"{r.randrange(10, 300):07d}"))
        self.add(q, "normalizedValue", ox.Literal(value, datatype=T_DECIMAL))
        self.add(q, "normalizedUnitText", ox.Literal(unit))
        self.evidence(q)
        return q

    def paper(self, arms: int = 3, outcomes: int = 6, adverse: int = 8) -> ox.NamedNode:
        r, d = self.rng, self.doc
        self.typed(d, "Document")
        self.add(d, "title", ox.Literal(f"Intravenous ketamine for condition {self.n}"))
        self.add(d, "year", ox.Literal(str(r.randrange(1995, 2025)), datatype=T_INTEGER))
        self.add(d, "doi", ox.Literal(f"10.1000/bench.{self.n}"))
        self.add(d, "firstAuthor", ox.Literal(f"Author{self.n}"))
        self.add(d, "kind", ox.Literal("study_report"))
        study = self.node("study")
        self.add(d, "reportsStudy", study)
        self.typed(study, "Study", "Fact")
        self.add(study, "design", concept(r, "designs"))
        self.add(study, "sampleSize", ox.Literal(str(r.randrange(10, 400)), datatype=T_INTEGER))
        self.add(study, "evidenceLevel", ox.Literal(r.choice(["1b", "2b", "4"])))
        self.add(study, "condition", concept(r, "conditions"))
        self.add(study, "setting", concept(r, "settings"))
        self.evidence(study)
        for a in range(arms):
            arm, protocol = self.node(f"arm{a}"), self.node(f"arm{a}/protocol")
            self.add(study, "hasArm", arm)
            self.typed(arm, "Arm", "Fact")
            self.add(arm, "armLabel", ox.Literal(f"arm {a}"))
            self.add(arm, "hasProtocol", protocol)
            self.typed(protocol, "Protocol", "Fact")
            self.add(protocol, "drug", concept(r, "drugs"))
            self.add(protocol, "route", ox.Literal("intravenous"))
            self.add(protocol, "sessions", ox.Literal(str(r.randrange(1, 10)), datatype=T_INTEGER))
            self.add(protocol, "schedule", ox.Literal("daily"))
            self.add(protocol, "bolus", self.quantity(f"arm{a}/bolus", "mg/kg", "Dose", "Quantity"))
            self.add(protocol, "rate", self.quantity(f"arm{a}/rate", "mg/kg/h", "Dose", "Quantity"))
            self.add(protocol, "totalDose", self.quantity(f"arm{a}/total", "mg", "Dose", "Quantity"))
            self.add(protocol, "infusionDuration", self.quantity(f"arm{a}/duration", "h"))
            self.evidence(protocol)
            co = self.node(f"arm{a}/coadmin")
            self.add(protocol, "hasCoadministration", co)
            self.typed(co, "Coadministration", "Fact")
            self.add(co, "drug", concept(r, "drugs"))
            self.add(co, "purpose", ox.Literal("anxiolysis"))
            self.add(co, "dose", self.quantity(f"arm{a}/coadmin/dose", "mg", "Dose", "Quantity"))
            self.evidence(co)
        for o in range(outcomes):
            out = self.node(f"outcome{o}")
            self.add(study, "hasOutcome", out)
            self.typed(out, "Outcome", "Fact")
            self.add(out, "measure", concept(r, "outcomes"))
            self.add(out, "direction", ox.Literal(r.choice(["improved", "no_change"])))
            self.add(out, "primary", ox.Literal(r.choice(["true", "false"]), datatype=T_BOOLEAN))
            self.add(out, "timePoint", self.quantity(f"outcome{o}/time", "week"))
            self.add(out, "reliefDuration", self.quantity(f"outcome{o}/relief", "week"))
            self.evidence(out)
        for e in range(adverse):
            ae = self.node(f"ae{e}")
            self.add(study, "hasAdverseEffect", ae)
            self.typed(ae, "AdverseEffect", "Fact")
            self.add(ae, "effect", concept(r, "adverse_effects"))
            self.add(ae, "negated", ox.Literal(r.choice(["true", "false"]), datatype=T_BOOLEAN))
            self.add(ae, "incidence", self.quantity(f"ae{e}/incidence", "%"))
            self.evidence(ae)
        return study

    def review(self, cited: list[tuple[ox.NamedNode, int]], claims: int = 20) -> None:
        r, d = self.rng, self.doc
        self.typed(d, "Document")
        self.add(d, "title", ox.Literal(f"Review {self.n} of ketamine infusions"))
        self.add(d, "kind", ox.Literal("review"))
        for c in range(claims):
            claim = self.node(f"claim{c}")
            self.add(d, "hasClaim", claim)
            self.typed(claim, "Claim", "Fact")
            self.add(claim, "statement", ox.Literal(f"Claim {c} of review {self.n}."))
            self.add(claim, "evidenceLevel", ox.Literal(r.choice(["1b", "2b", "4"])))
            for study, size in r.sample(cited, min(3, len(cited))):
                self.add(claim, "citesStudy", study)
                self.typed(study, "Study")
                # The review's own reading of the study's size: sometimes it disagrees.
                self.add(study, "sampleSize", ox.Literal(str(size + r.choice([0, 0, 2])), datatype=T_INTEGER))
            self.evidence(claim)


def documents(count: int, seed: int = 7, scale: int = 1):
    """(graph IRI, triples) for `count` documents, generated one at a time (~900 triples each x scale)."""
    rng = random.Random(seed)
    studies: list[tuple[ox.NamedNode, int]] = []
    for n in range(count):
        writer = DocumentWriter(n, rng)
        if n % 10 == 9 and studies:
            writer.review(studies[-40:], claims=20 * scale)
        else:
            study = writer.paper(arms=3 * scale, outcomes=6 * scale, adverse=8 * scale)
            size = next(int(t.object.value) for t in writer.triples
                        if t.subject == study and t.predicate == kg("sampleSize"))
            studies.append((study, size))
        yield str(GRAPH[f"bench/d{n}"]), writer.triples


# --- measuring -------------------------------------------------------------------

class PeakRss:
    """Samples this process's resident memory (and optionally the server's) every 20 ms."""

    def __init__(self, server_pid: int | None = None):
        self.server_pid = server_pid
        self.peak = self.server_peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _rss(pid: int | str) -> int:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        except OSError:
            pass
        return 0

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._rss("self"))
            if self.server_pid:
                self.server_peak = max(self.server_peak, self._rss(self.server_pid))
            time.sleep(0.02)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def cpu_seconds(pid: int | str) -> float:
    """User + system CPU time of a process so far (from /proc; 0 when unknown)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def mib(n: int) -> str:
    return f"{n / 2**20:,.0f} MiB"


def counts(driver) -> tuple[int, int]:
    nodes = driver.execute_query("MATCH (n) RETURN count(n) AS c").records[0]["c"]
    rels = driver.execute_query("MATCH ()-[r]->() RETURN count(r) AS c").records[0]["c"]
    return nodes, rels


def wipe(driver) -> None:
    """Delete the benchmark's nodes (and registry entries) in chunks (CALL IN TRANSACTIONS needs auto-commit)."""
    with driver.session() as session:
        session.run("MATCH (n) WHERE n.iri STARTS WITH $p OR n.iri STARTS WITH $g OR n.iri STARTS WITH $v "
                    "CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS",
                    p=str(ID["bench/"]), g=str(GRAPH["bench/"]), v=str(VOCAB)).consume()


def naive_load(driver, docs) -> int:
    """The baseline: every triple its own auto-committed MERGE statement."""
    count = 0
    with driver.session() as session:
        for _graph, triples in docs:
            for t in triples:
                s = t.subject.value
                if t.predicate == RDF_TYPE:
                    label = local_name(t.object.value)
                    session.run(f"MERGE (s:Resource {{iri: $s}}) SET s:`{label}`", s=s).consume()
                elif isinstance(t.object, ox.Literal):
                    value = literal_value(t.object.value, t.object.datatype.value)
                    session.run(f"MERGE (s:Resource {{iri: $s}}) SET s.`{property_name(t.predicate.value)}` = $v",
                                s=s, v=value).consume()
                else:
                    rel = relationship_type(t.predicate.value)
                    session.run(f"MERGE (s:Resource {{iri: $s}}) MERGE (o:Resource {{iri: $o}}) "
                                f"MERGE (s)-[:`{rel}`]->(o)", s=s, o=t.object.value).consume()
                count += 1
    return count


def take_docs(limit_triples: int, seed: int = 7, scale: int = 1):
    docs, total = [], 0
    for graph, triples in documents(10**9, seed, scale):
        docs.append((graph, triples))
        total += len(triples)
        if total >= limit_triples:
            return docs, total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--baseline-triples", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--doc-scale", type=int, default=1,
                        help="document size: 1 = ~900 triples (a typical paper), 3 = ~2,700 (a long review)")
    parser.add_argument("--use-configured", action="store_true",
                        help="use NEO4J_URI or the managed server instead of a throw-away server")
    args = parser.parse_args()

    settings = get_settings()
    temp_home = None
    if args.use_configured:
        driver = neo4j_server.connect(settings)
        server_pid = neo4j_server.status(settings).pid if not settings.neo4j_uri else None
    else:
        lib = neo4j_server.ensure_jars(settings, progress=print)
        temp_home = Path(tempfile.mkdtemp(prefix="kgraph-bench-neo4j-"))
        (temp_home / "lib").symlink_to(lib)
        settings = dataclasses.replace(settings, neo4j_home=temp_home, neo4j_uri=None, neo4j_password=None)
        info = neo4j_server.start(settings, progress=print)
        server_pid = info.pid
        driver = neo4j_server.connect(settings)
    try:
        version, edition = neo4j_server.server_version(driver)
        print(f"Neo4j {version} {edition}; heap -Xms{neo4j_server.HEAP_INITIAL} -Xmx{neo4j_server.HEAP_MAX}, "
              f"page cache {neo4j_server.PAGECACHE}; {os.cpu_count()} cores; batch size {args.batch_size}")
        return run(driver, args, server_pid)
    finally:
        if args.use_configured:
            wipe(driver)
        driver.close()
        if temp_home is not None:
            neo4j_server.stop(settings)
            shutil.rmtree(temp_home, ignore_errors=True)


def run(driver, args, server_pid) -> int:
    vocab = vocabulary()
    index = build_label_index(vocab)
    loader = Neo4jLoader(driver, label_index=index, batch_size=args.batch_size)
    loader.ensure_schema()  # the constraint backs every MERGE, the baseline's too

    # 0. Warm the server's JIT so neither path pays for it alone.
    for graph, triples in documents(10, seed=99, scale=args.doc_scale):
        loader.load_graph(graph, triples)
    wipe(driver)

    # 1. The same sample through both paths.
    sample, sample_triples = take_docs(args.baseline_triples, scale=args.doc_scale)
    t0 = time.perf_counter()
    naive_load(driver, sample)
    naive_seconds = time.perf_counter() - t0
    naive_rate = sample_triples / naive_seconds
    wipe(driver)
    t0 = time.perf_counter()
    for graph, triples in sample:
        loader.load_graph(graph, triples)
    sample_seconds = time.perf_counter() - t0
    wipe(driver)
    print(f"\nsample: {len(sample)} documents, {sample_triples:,} triples")
    print(f"  naive MERGE per triple : {naive_rate:>10,.0f} triples/s  ({naive_seconds:.1f} s)")
    print(f"  kgraph loader          : {sample_triples / sample_seconds:>10,.0f} triples/s  ({sample_seconds:.1f} s)")

    # 2. The full graph: vocabulary first, then documents generated one at a time (generation not timed).
    loaded = len(vocab)
    load_seconds = 0.0
    docs = 0
    cpu_client0, cpu_server0 = time.process_time(), cpu_seconds(server_pid) if server_pid else 0.0
    with PeakRss(server_pid) as memory:
        base_rss = PeakRss._rss("self")
        t0 = time.perf_counter()
        loader.load_graph(str(GRAPH["vocab"]), vocab)
        load_seconds += time.perf_counter() - t0
        for graph, triples in documents(10**9, scale=args.doc_scale):
            t0 = time.perf_counter()
            loader.load_graph(graph, triples)
            load_seconds += time.perf_counter() - t0
            loaded += len(triples)
            docs += 1
            if loaded >= args.triples:
                break
            if docs % 50 == 0:
                print(f"  ... {loaded:,} triples, {loaded / load_seconds:,.0f} triples/s", flush=True)
    full_rate = loaded / load_seconds
    cpu_client = time.process_time() - cpu_client0  # includes generating the documents
    cpu_server = (cpu_seconds(server_pid) - cpu_server0) if server_pid else 0.0
    nodes, rels = counts(driver)
    print(f"\nfull: {docs} documents + vocabulary, {loaded:,} triples -> {nodes:,} nodes, {rels:,} relationships")
    print(f"  kgraph loader          : {full_rate:>10,.0f} triples/s  ({load_seconds:.1f} s, "
          f"{load_seconds / (docs + 1) * 1000:.0f} ms per document transaction)")
    print(f"  naive MERGE (extrapolated from the {sample_triples:,}-triple sample): "
          f"{naive_rate:,.0f} triples/s -> {loaded / naive_rate / 60:,.1f} min for this graph")
    print(f"  speed-up over naive    : {full_rate / naive_rate:,.1f}x")
    print(f"  peak memory            : loader process {mib(memory.peak)} RSS "
          f"(+{mib(memory.peak - base_rss)} during the load); Neo4j server {mib(memory.server_peak)} RSS"
          if server_pid else f"  peak memory            : loader process {mib(memory.peak)} RSS")
    if server_pid:
        print(f"  CPU seconds per 1M triples: loader process {cpu_client / loaded * 1e6:,.1f} (incl. generating "
              f"the data), Neo4j {cpu_server / loaded * 1e6:,.1f}; wall {load_seconds / loaded * 1e6:,.1f} s "
              f"on {os.cpu_count()} cores, load average now {os.getloadavg()[0]:.1f}")
    print(f"  target 100,000 triples/s: {'reached' if full_rate >= 100_000 else f'{full_rate / 100_000:.0%} of it'}")

    # 3. Idempotent replace: reload 20 documents, counts must not move.
    t0 = time.perf_counter()
    reloaded = 0
    for graph, triples in list(documents(20, scale=args.doc_scale)):
        loader.load_graph(graph, triples)
        reloaded += len(triples)
    reload_seconds = time.perf_counter() - t0
    same = counts(driver) == (nodes, rels)
    print(f"  reload of 20 documents : {reloaded / reload_seconds:>10,.0f} triples/s; counts unchanged: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
