"""Load named graphs into Neo4j through the projection (kgraph/store/projection.py).

One transaction per named graph: the graph's previous subgraph is taken out and
its new one written, so a reload changes no counts and a changed document
replaces only its own facts. Writes are batched ``UNWIND`` statements with
parameters only: values, and also labels and relationship types (validated
identifiers from projection.py), which go through Cypher 5.26's dynamic
``SET n:$(labels)`` / ``CREATE ()-[:$(type)]->()``, so no statement text is
ever built from data.

Bookkeeping kept in Neo4j (documented in docs/neo4j-mapping.md):
- ``(:NamedGraph {iri, nodes, tripleCount, nodeCount, relationshipCount, loadId, loadedAt})``
  per loaded graph: which nodes it mentions, so replacing it finds them by index;
- on a node mentioned by two or more graphs, ``perGraph``: a JSON string of what
  each graph says about it (labels, properties) beyond its vocabulary labels, so
  taking one graph out leaves exactly the union of the others. A node in one
  graph needs none (its labels and properties are that graph's), and a graph that
  only points at a node (a paper citing a drug concept) adds nothing to it: a
  concept mentioned by thousands of documents stays cheap to update.

Run one loader at a time per database (the CLI does): nodes are read, merged in
Python and written back inside the transaction. Needs Neo4j 5.26 or newer.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import asdict, dataclass
from typing import Callable, Iterable, Iterator, Mapping, Sequence

from kgraph.errors import KgraphError, ServerError
from kgraph.store.projection import (
    CONCEPT_LABEL,
    RESOURCE_LABEL,
    GraphProjection,
    build_label_index,
    merge_contributions,
    project_graph,
)

REGISTRY_LABEL = "NamedGraph"
INTERNAL_PROPERTIES = frozenset({"iri", "graphs", "perGraph"})
SCHEMA_STATEMENTS = (
    f"CREATE CONSTRAINT kgraph_resource_iri IF NOT EXISTS FOR (n:{RESOURCE_LABEL}) REQUIRE n.iri IS UNIQUE",
    f"CREATE CONSTRAINT kgraph_named_graph_iri IF NOT EXISTS FOR (g:{REGISTRY_LABEL}) REQUIRE g.iri IS UNIQUE",
)

BatchHook = Callable[[str, int], None]  # (graph IRI, rows written in the batch)

# The write statements, each the body after `UNWIND <rows> AS row`. Labels and relationship types
# go in as parameters through Cypher 5.26's dynamic $(...) syntax: no statement text is built from
# data, and one statement covers every label set and type. `graphs` is edited in place (kept
# sorted), so a vocabulary node mentioned by thousands of documents is never shipped back and forth.
_DELETE_OLD_RELATIONSHIPS = "MATCH (n:Resource {iri: row})-[r]->() WHERE r.graph = $graph DELETE r"
_DELETE_NODES = "MATCH (n:Resource {iri: row}) DETACH DELETE n"
_UPDATE_NODES = (
    "MATCH (n:Resource {iri: row.iri}) "
    "WITH n, row, [g IN coalesce(n.graphs, []) WHERE g <> $graph] AS others "
    "FOREACH (_ IN CASE WHEN row.props IS NULL THEN [] ELSE [1] END | SET n = row.props) "
    "SET n.graphs = CASE WHEN row.member THEN [g IN others WHERE g < $graph] + [$graph] "
    "+ [g IN others WHERE g > $graph] ELSE others END "
    "SET n:$(row.add) REMOVE n:$(row.remove)"
)
_CREATE_NODES = "CREATE (n:Resource:$(row.labels)) SET n = row.props"
_CREATE_RELATIONSHIPS = (
    "MATCH (a:Resource {iri: row[0]}) MATCH (b:Resource {iri: row[1]}) "
    "CREATE (a)-[:$(row[2]) {graph: $graph}]->(b)"
)
_REGISTER = (
    f"MERGE (g:{REGISTRY_LABEL} {{iri: $graph}}) SET g.nodes = $nodes, g.tripleCount = $triples, "
    "g.nodeCount = $node_count, g.relationshipCount = $rel_count, g.loadId = $load_id, g.loadedAt = datetime()"
)
_UNREGISTER = f"OPTIONAL MATCH (g:{REGISTRY_LABEL} {{iri: $graph}}) DELETE g"


@dataclass
class LoadResult:
    graph: str
    triples: int
    nodes: int
    relationships: int
    removed_nodes: int
    seconds: float

    def as_dict(self) -> dict:
        return asdict(self)


class GraphLoadError(ServerError):
    """A named graph could not be loaded; the message says whether anything of it was written."""


def _chunks(rows: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


class Neo4jLoader:
    """Writes GraphProjections into one Neo4j database, one transaction per graph."""

    def __init__(self, driver, database: str | None = None, batch_size: int = 2000,
                 label_index: Mapping[str, frozenset[str]] | None = None,
                 on_batch: BatchHook | None = None):
        self.driver = driver
        self.database = database
        self.batch_size = batch_size
        # Vocabulary labels (Concept, Drug, ...) by concept IRI. Without one, the loader takes the labels
        # the Concept nodes already in Neo4j carry, so it never strips a vocabulary label it cannot see.
        self.label_index: dict[str, frozenset[str]] | None = dict(label_index) if label_index is not None else None
        self.on_batch = on_batch
        self._schema_ready = False

    # -- schema ---------------------------------------------------------------

    def ensure_schema(self) -> None:
        """Uniqueness constraints before any write (they also back every iri lookup)."""
        if self._schema_ready:
            return
        with self._session() as session:
            for statement in SCHEMA_STATEMENTS:
                session.run(statement).consume()
            session.run("CALL db.awaitIndexes(300)").consume()
        self._schema_ready = True

    def _index(self) -> dict[str, frozenset[str]]:
        if self.label_index is None:
            self.ensure_schema()
            records, _, _ = self.driver.execute_query(
                f"MATCH (c:{CONCEPT_LABEL}) RETURN c.iri AS iri, labels(c) AS labels", database_=self.database)
            self.label_index = {r["iri"]: frozenset(r["labels"]) - {RESOURCE_LABEL} for r in records if r["iri"]}
        return self.label_index

    def _session(self):
        # The server's notices (e.g. "property nodes does not exist yet" on a first load) are noise here.
        return self.driver.session(database=self.database, notifications_min_severity="OFF")

    # -- public ---------------------------------------------------------------

    def load_graph(self, graph_iri: str, triples: Iterable) -> LoadResult:
        """Project and load one named graph, replacing its previous version."""
        return self.load_projection(project_graph(str(graph_iri), triples, self._index()))

    def load_projection(self, projection: GraphProjection) -> LoadResult:
        return self._replace(projection.graph, projection)

    def remove_graph(self, graph_iri: str) -> LoadResult:
        """Take a named graph out of Neo4j (nodes only it mentioned go; shared nodes keep the rest)."""
        return self._replace(str(graph_iri), None)

    def loaded_graphs(self) -> list[str]:
        records, _, _ = self.driver.execute_query(
            f"MATCH (g:{REGISTRY_LABEL}) RETURN g.iri AS iri ORDER BY iri", database_=self.database)
        return [r["iri"] for r in records]

    # -- the transaction ------------------------------------------------------

    def _replace(self, graph: str, projection: GraphProjection | None) -> LoadResult:
        from neo4j.exceptions import DriverError, IncompleteCommit, Neo4jError

        self.ensure_schema()
        self._index()
        started = time.perf_counter()
        load_id = uuid.uuid4().hex
        action = "loaded" if projection is not None else "removed"
        try:
            with self._session() as session:
                tx = session.begin_transaction()
                try:
                    counts = self._write(tx, graph, projection, load_id)
                except BaseException:
                    _quiet_rollback(tx)
                    raise
                try:
                    tx.commit()
                except IncompleteCommit as exc:
                    raise GraphLoadError(self._unknown_outcome(graph, load_id, action, exc)) from None
        except GraphLoadError:
            raise
        except (DriverError, Neo4jError, OSError) as exc:
            raise GraphLoadError(
                f"graph <{graph}> was NOT {action}: Neo4j failed before the transaction committed, so nothing "
                f"of it was written and its previous version (if any) is unchanged ({_one_line(exc)})"
            ) from None
        nodes, relationships, removed = counts
        triples = projection.triples if projection is not None else 0
        return LoadResult(graph, triples, nodes, relationships, removed, time.perf_counter() - started)

    def _unknown_outcome(self, graph: str, load_id: str, action: str, exc: Exception) -> str:
        """The connection broke during COMMIT: ask the server (if it is back) whether it took it."""
        try:
            records, _, _ = self.driver.execute_query(
                f"OPTIONAL MATCH (g:{REGISTRY_LABEL} {{iri: $graph}}) RETURN g.loadId AS loadId",
                graph=graph, database_=self.database)
            committed = records[0]["loadId"] == load_id if action == "loaded" else records[0]["loadId"] is None
        except Exception:  # noqa: BLE001 - the server is still gone: say we cannot tell
            return (f"graph <{graph}>: the connection broke while committing and Neo4j is unreachable, so it is "
                    f"unknown whether it was {action} (all or nothing either way); run the load again, "
                    f"reloading is idempotent ({_one_line(exc)})")
        if committed:
            return f"graph <{graph}> WAS fully {action} (the connection broke after the commit reached Neo4j)"
        return f"graph <{graph}> was NOT {action}: the commit did not reach Neo4j; nothing of it was written"

    def _write(self, tx, graph: str, projection: GraphProjection | None, load_id: str) -> tuple[int, int, int]:
        index = self._index()
        new_nodes = projection.nodes if projection is not None else {}
        old_nodes, current = self._read_state(tx, graph, list(new_nodes))

        deletes: list[str] = []
        creates: list[dict] = []  # nodes Neo4j does not have yet
        updates: list[dict] = []  # nodes it has whose membership, labels or properties change
        for iri in sorted(set(old_nodes) | set(new_nodes)):
            vocabulary_labels = index.get(iri, frozenset())
            says = _says(new_nodes[iri], vocabulary_labels) if iri in new_nodes else None
            existing = current.get(iri)
            if existing is None:
                if iri in new_nodes:
                    props = _merged_props({graph: says} if says else {})
                    props.update(iri=iri, graphs=[graph])
                    labels = set(says["labels"] if says else ()) | vocabulary_labels
                    creates.append({"props": props, "labels": sorted(labels)})
                continue
            before = _contributions(existing, vocabulary_labels)
            after = {g: c for g, c in before.items() if g != graph}
            if says:
                after[graph] = says
            member_before, member_after = existing["member"], iri in new_nodes
            graph_count = existing["graph_count"] - member_before + member_after
            existing_labels = set(existing["labels"])
            if graph_count == 0 and CONCEPT_LABEL not in existing_labels:
                deletes.append(iri)
                continue
            if graph_count == 0:  # a vocabulary concept nobody mentions any more: kept, as it is
                props = {k: v for k, v in existing["props"].items() if k != "perGraph"}
                labels = existing_labels
            else:
                props = _merged_props(after)
                props["iri"] = iri
                if graph_count > 1 and after:
                    props["perGraph"] = json.dumps(after, sort_keys=True, separators=(",", ":"))
                labels = {RESOURCE_LABEL} | vocabulary_labels | {l for c in after.values() for l in c["labels"]}
            add, remove = sorted(labels - existing_labels), sorted(existing_labels - labels)
            props_changed = props != existing["props"]
            if member_before == member_after and not props_changed and not add and not remove:
                continue  # nothing about this node changes (the common case on a reload)
            updates.append({"iri": iri, "member": member_after, "props": props if props_changed else None,
                            "add": add, "remove": remove})

        rel_rows = [[rel.source, rel.target, rel.type] for rel in projection.relationships] if projection else []
        registry = dict(graph=graph, nodes=sorted(new_nodes), triples=projection.triples if projection else 0,
                        node_count=len(new_nodes), rel_count=len(rel_rows), load_id=load_id)
        steps = [(old_nodes, _DELETE_OLD_RELATIONSHIPS), (deletes, _DELETE_NODES), (updates, _UPDATE_NODES),
                 (creates, _CREATE_NODES), (rel_rows, _CREATE_RELATIONSHIPS)]
        if all(len(rows) <= self.batch_size for rows, _ in steps):
            # The usual document: every write in ONE statement (ordered unit subqueries), as round trips
            # dominate the cost of a small transaction.
            parts = [f"CALL () {{ UNWIND ${name} AS row {body} }}" for name, (rows, body) in
                     zip(("old", "deletes", "updates", "creates", "rels"), steps) if rows]
            parts.append(_REGISTER if projection is not None else _UNREGISTER)
            tx.run(" ".join(parts), old=old_nodes, deletes=deletes, updates=updates, creates=creates,
                   rels=rel_rows, **registry).consume()
            if self.on_batch:
                self.on_batch(graph, sum(len(rows) for rows, _ in steps))
        else:  # a big graph (the vocabulary, a long review): statement by statement, in batches
            for rows, body in steps:
                if rows:
                    self._batched(tx, graph, rows, f"UNWIND $rows AS row {body}", graph=graph)
            tx.run(_REGISTER if projection is not None else _UNREGISTER, **registry).consume()
        return len(new_nodes), len(rel_rows), len(deletes)

    def _read_state(self, tx, graph: str, new_iris: list[str]) -> tuple[list[str], dict[str, dict]]:
        """One round trip: the nodes the graph's previous version mentioned, and for every node the old
        or new version mentions: labels, properties except ``graphs``, how many graphs mention it,
        whether this graph is one of them, and (when it is the only one) which graph that is."""
        record = tx.run(
            f"OPTIONAL MATCH (g:{REGISTRY_LABEL} {{iri: $graph}}) WITH coalesce(g.nodes, []) AS old "
            "CALL (old) { UNWIND old + $new AS iri WITH DISTINCT iri MATCH (n:Resource {iri: iri}) "
            "WITH iri, n, coalesce(n.graphs, []) AS gs "
            "RETURN collect([iri, labels(n), n {.*, graphs: null}, size(gs), $graph IN gs, "
            "CASE WHEN size(gs) = 1 THEN gs[0] END]) AS found } RETURN old, found",
            graph=graph, new=new_iris,
        ).single()
        found = {}
        for iri, labels, props, graph_count, member, only_graph in record["found"]:
            props.pop("graphs", None)
            found[iri] = {"labels": labels, "props": props, "graph_count": graph_count, "member": member,
                          "only_graph": only_graph}
        return record["old"], found

    def _batched(self, tx, hook_graph: str, rows: Sequence, query: str, **params) -> None:
        for chunk in _chunks(rows, self.batch_size):
            tx.run(query, rows=list(chunk), **params).consume()
            if self.on_batch:
                self.on_batch(hook_graph, len(chunk))


def _says(node, vocabulary_labels: frozenset[str]) -> dict | None:
    """What one graph says about a node beyond its vocabulary labels; None when nothing (a paper
    that only points at a concept), so such mentions cost no bookkeeping on the concept."""
    labels = sorted(node.labels - vocabulary_labels)
    if not labels and not node.properties:
        return None
    return {"labels": labels, "props": node.properties}


def _merged_props(contributions: Mapping[str, dict]) -> dict:
    return merge_contributions((c["labels"], c["props"]) for c in contributions.values())[1]


def _contributions(existing: dict, vocabulary_labels: frozenset[str]) -> dict[str, dict]:
    """What each graph says about an existing node (see the module docstring)."""
    props = existing["props"]
    if props.get("perGraph"):
        return json.loads(props["perGraph"])
    if existing["graph_count"] == 1:  # one graph: the node's labels and properties are what it says
        own = {k: (v if isinstance(v, list) else [v]) for k, v in props.items() if k not in INTERNAL_PROPERTIES}
        labels = sorted(set(existing["labels"]) - {RESOURCE_LABEL} - vocabulary_labels)
        if own or labels:
            return {existing["only_graph"]: {"labels": labels, "props": own}}
    return {}


def _quiet_rollback(tx) -> None:
    try:
        tx.rollback()
    except Exception:  # noqa: BLE001 - the connection may already be gone; the server rolls back anyway
        pass


def _one_line(exc: BaseException) -> str:
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return " ".join(str(message).split())[:300]


# --- whole stores ------------------------------------------------------------

@dataclass
class LoadSummary:
    loaded: list[LoadResult]
    failed: dict[str, str]
    pruned: list[str]

    @property
    def triples(self) -> int:
        return sum(r.triples for r in self.loaded)

    def as_dict(self) -> dict:
        return {
            "loaded": [r.as_dict() for r in self.loaded],
            "failed": self.failed,
            "pruned": self.pruned,
            "graphs": len(self.loaded),
            "triples": self.triples,
        }


def is_vocabulary_graph(graph_iri: str) -> bool:
    from kgraph.rdf.namespaces import GRAPH

    return str(graph_iri).startswith(str(GRAPH["vocab"]))


def load_graphs(driver, graphs: Mapping[str, Callable[[], Iterable]] | Iterable[tuple[str, Callable[[], Iterable]]],
                database: str | None = None, prune: bool = False,
                on_graph: Callable[[str, LoadResult | None, str | None], None] | None = None,
                batch_size: int = 2000) -> LoadSummary:
    """Load several named graphs, each in its own transaction.

    ``graphs`` maps a graph IRI to a function returning its triples (so one graph is
    in memory at a time). The vocabulary graph(s) are loaded first and label the
    concepts the documents point at. A graph that fails is reported and the batch
    goes on, unless Neo4j itself is gone (then nothing more can be loaded).
    """
    items = list(graphs.items()) if isinstance(graphs, Mapping) else list(graphs)
    items.sort(key=lambda item: (not is_vocabulary_graph(item[0]), item[0]))
    label_index: dict[str, frozenset[str]] = {}
    for graph_iri, triples_of in items:
        if is_vocabulary_graph(graph_iri):
            for iri, labels in build_label_index(triples_of()).items():
                label_index[iri] = label_index.get(iri, frozenset()) | labels
    has_vocabulary = any(is_vocabulary_graph(g) for g, _ in items)
    loader = Neo4jLoader(driver, database=database, label_index=label_index if has_vocabulary else None,
                         batch_size=batch_size)
    loader.ensure_schema()
    summary = LoadSummary([], {}, [])
    for graph_iri, triples_of in items:
        try:
            result = loader.load_graph(graph_iri, triples_of())
        except GraphLoadError as exc:
            summary.failed[graph_iri] = str(exc)
            if on_graph:
                on_graph(graph_iri, None, str(exc))
            if not _reachable(driver):
                remaining = [g for g, _ in items if g not in summary.failed and
                             g not in {r.graph for r in summary.loaded}]
                raise ServerError(
                    f"{exc}; Neo4j is unreachable, stopping: {len(summary.loaded)} graph(s) fully loaded, "
                    f"{len(remaining)} not attempted"
                ) from None
            continue
        except KgraphError as exc:  # bad data in one graph: report it, go on
            summary.failed[graph_iri] = str(exc)
            if on_graph:
                on_graph(graph_iri, None, str(exc))
            continue
        summary.loaded.append(result)
        if on_graph:
            on_graph(graph_iri, result, None)
    if prune:
        wanted = {g for g, _ in items}
        for stale in loader.loaded_graphs():
            if stale not in wanted:
                loader.remove_graph(stale)
                summary.pruned.append(stale)
    return summary


def _reachable(driver) -> bool:
    try:
        driver.verify_connectivity()
        return True
    except Exception:  # noqa: BLE001
        return False


def load_store(store, driver, database: str | None = None, prune: bool = False,
               on_graph: Callable[[str, LoadResult | None, str | None], None] | None = None) -> LoadSummary:
    """Load every named graph of the embedded store (kgraph.store.embedded.EmbeddedStore)."""
    graph_iris = [str(g) for g in store.graphs()]
    return load_graphs(
        driver, [(g, (lambda g=g: store.graph_quads(g))) for g in graph_iris],
        database=database, prune=prune, on_graph=on_graph,
    )


def run_load(settings=None, only: list[str] | None = None, prune: bool = False,
             show_progress: bool = True) -> LoadSummary:
    """What ``kgraph neo4j load`` does: the embedded store's graphs into Neo4j, with a progress bar."""
    from kgraph.config import get_settings
    from kgraph.store.embedded import EmbeddedStore

    settings = settings or get_settings()
    with EmbeddedStore(settings=settings, read_only=True) as store:  # NotBuiltError when nothing was ingested
        return _run_load(store, settings, only, prune, show_progress)


def _run_load(store, settings, only, prune, show_progress) -> LoadSummary:
    from kgraph.errors import InputError
    from kgraph.store.neo4j_server import connect

    graph_iris = [str(g) for g in store.graphs()]
    if only:
        missing = [g for g in only if g not in graph_iris]
        if missing:
            raise InputError(f"no named graph {missing[0]!r} in the store at {settings.store_dir}")
        graph_iris = [g for g in graph_iris if g in only]
        prune = False  # pruning only makes sense against the whole store
    if not graph_iris:
        raise InputError(f"the store at {settings.store_dir} holds no graphs: run 'kgraph ingest' first")
    driver = connect(settings)
    try:
        items = [(g, (lambda g=g: store.graph_quads(g))) for g in graph_iris]
        if not show_progress:
            return load_graphs(driver, items, prune=prune)
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(TextColumn("loading into Neo4j"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), transient=True) as bar:
            task = bar.add_task("graphs", total=len(items))
            return load_graphs(driver, items, prune=prune,
                               on_graph=lambda *_: bar.advance(task))
    finally:
        driver.close()
