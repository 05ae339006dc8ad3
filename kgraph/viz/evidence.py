"""The evidence network: what the graph says about protocols, as nodes and evidence-carrying edges.

Read from the networkx projection of the store (kgraph.store.graph_nx: the same nodes, labels,
properties and relationship types as Neo4j), so the view shows exactly what both stores hold.

Nodes: every Protocol, and the concepts protocols are linked to: its drug, its adjuncts (a drug in
the role of adjunct is its own node, "midazolam (adjunct)"), the conditions of its study, the
outcome measures and the side effects its study reports. Studies are not nodes: they are the
evidence on each edge, with the sentences or table cells (document, page, section, cell) each
fact was read from. A side effect stated as absent ("no hallucinations") is its own edge, marked
negated, next to the edge of the same effect reported as present.

An edge's evidence level is the best (lowest) Oxford CEBM level among its studies: the study's own
kg:evidenceLevel, else the level its design concept carries in ontology/vocab/designs.ttl.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable

import networkx as nx

from kgraph.errors import InputError, NotBuiltError

NOTHING_INGESTED = "nothing ingested yet: run `kgraph ingest corpus/` (or `kgraph ingest PATHS`) first"

# kind -> (legend label, colour, cytoscape shape, matplotlib marker)
KINDS: dict[str, tuple[str, str, str, str]] = {
    "protocol": ("Protocol", "#4C78A8", "round-rectangle", "s"),
    "drug": ("Drug", "#F58518", "diamond", "D"),
    "adjunct": ("Adjunct", "#B279A2", "pentagon", "p"),
    "condition": ("Condition", "#54A24B", "hexagon", "h"),
    "outcome": ("Outcome measure", "#C9A227", "triangle", "^"),
    "side_effect": ("Side effect", "#E45756", "ellipse", "o"),
}
# Oxford CEBM level -> (legend label, colour); None = no level known
LEVELS: dict[int | None, tuple[str, str]] = {
    1: ("Level 1", "#1B7837"),
    2: ("Level 2", "#5AAE61"),
    3: ("Level 3", "#E08214"),
    4: ("Level 4", "#D6604D"),
    5: ("Level 5", "#B2182B"),
    None: ("Level unknown", "#8C8C8C"),
}
RELATIONS = {
    "drug": "drug",
    "adjunct": "given with adjunct",
    "condition": "used for",
    "outcome": "outcome measured",
    "side_effect": "side effect",
}

# Relationship types of the projection (mapping.md: UPPER_SNAKE_CASE of the predicate's local name).
HAS_ARM, HAS_PROTOCOL, DRUG, HAS_COADMINISTRATION = "HAS_ARM", "HAS_PROTOCOL", "DRUG", "HAS_COADMINISTRATION"
CONDITION, DESIGN, SETTING, REPORTS_STUDY = "CONDITION", "DESIGN", "SETTING", "REPORTS_STUDY"
HAS_OUTCOME, MEASURE, RELIEF_DURATION, TIME_POINT = "HAS_OUTCOME", "MEASURE", "RELIEF_DURATION", "TIME_POINT"
HAS_ADVERSE_EFFECT, EFFECT, ARM, INCIDENCE = "HAS_ADVERSE_EFFECT", "EFFECT", "ARM", "INCIDENCE"
HAS_EVIDENCE, WAS_DERIVED_FROM, BROADER = "HAS_EVIDENCE", "WAS_DERIVED_FROM", "BROADER"
QUANTITY_RELATIONS = (("bolus", "BOLUS"), ("rate", "RATE"), ("titration", "TITRATION"),
                      ("target concentration", "TARGET_CONCENTRATION"), ("total dose", "TOTAL_DOSE"),
                      ("infusion duration", "INFUSION_DURATION"))


# --- records -------------------------------------------------------------------------------------

@dataclass
class DocumentRef:
    iri: str
    label: str
    key: str = ""
    source: str = ""
    title: str = ""


@dataclass
class SourceRef:
    """One sentence or table cell a fact was read from."""

    document: int  # index into EvidenceNetwork.documents
    text: str
    page: int | None = None
    section: str | None = None
    table: str | None = None
    row: int | None = None
    col: int | None = None

    def where(self, documents: list[DocumentRef]) -> str:
        parts = [documents[self.document].label]
        parts.append(f"p. {self.page}" if self.page is not None else "page not recorded")
        if self.table:
            cell = f"table {self.table}"
            if self.row is not None:
                cell += f" row {self.row}"
            if self.col is not None:
                cell += f" col {self.col}"
            parts.append(cell)
        elif self.section:
            parts.append(self.section)
        return " · ".join(parts)


@dataclass
class StudyRef:
    iri: str
    label: str
    design: str = ""
    n: int | None = None
    level: int | None = None
    documents: list[int] = field(default_factory=list)


@dataclass
class ViewNode:
    id: str
    iri: str
    kind: str
    label: str
    details: list[tuple[str, str]] = field(default_factory=list)
    studies: set[int] = field(default_factory=set)
    # protocol nodes only: the condition / drug (and adjunct) nodes the in-page filters select on
    conditions: set[str] = field(default_factory=set)
    drugs: set[str] = field(default_factory=set)


@dataclass
class ViewEdge:
    id: str
    source: str  # always a protocol node
    target: str
    relation: str  # key of RELATIONS
    negated: bool = False
    evidence: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))  # study -> sources
    notes: set[str] = field(default_factory=set)  # e.g. "improved", "relief 12 weeks"
    level: int | None = None


@dataclass
class EvidenceNetwork:
    nodes: dict[str, ViewNode]
    edges: dict[str, ViewEdge]
    studies: list[StudyRef]
    documents: list[DocumentRef]
    sources: list[SourceRef]
    filters: dict[str, str] = field(default_factory=dict)

    def node_count(self, kind: str | None = None) -> int:
        return sum(1 for n in self.nodes.values() if kind is None or n.kind == kind)

    def summary(self) -> str:
        kinds = ", ".join(f"{self.node_count(k)} {KINDS[k][0].lower()}{'s' if self.node_count(k) != 1 else ''}"
                          for k in KINDS if self.node_count(k))
        return (f"{len(self.nodes)} nodes ({kinds}), {len(self.edges)} edges, "
                f"{len({s for e in self.edges.values() for s in e.evidence})} studies")


# --- reading the projection ----------------------------------------------------------------------

def _one(value: Any) -> Any:
    """A projected property: one value, or a sorted list when graphs disagree -> the first."""
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _many(value: Any) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _text(value: Any) -> str:
    values = [str(v) for v in _many(value) if str(v).strip()]
    return " / ".join(values)


def _local(iri: str) -> str:
    return re.split(r"[/#]", iri.rstrip("/#"))[-1]


class _Graph:
    """Typed walks over the MultiDiGraph: out(node, TYPE), into(node, TYPE), labels."""

    def __init__(self, graph: nx.MultiDiGraph):
        self.g = graph

    def has(self, node: str, label: str) -> bool:
        return label in self.g.nodes[node].get("labels", ())

    def prop(self, node: str, name: str) -> Any:
        return self.g.nodes[node].get(name)

    def out(self, node: str, rel: str) -> list[str]:
        return sorted({t for _, t, d in self.g.out_edges(node, data=True) if d.get("type") == rel})

    def into(self, node: str, rel: str) -> list[str]:
        return sorted({s for s, _, d in self.g.in_edges(node, data=True) if d.get("type") == rel})

    def with_label(self, label: str) -> list[str]:
        return sorted(n for n, d in self.g.nodes(data=True) if label in d.get("labels", ()))

    def concept_label(self, node: str) -> str:
        label = _one(self.prop(node, "prefLabel")) or _one(self.prop(node, "label"))
        return str(label) if label else _local(node).replace("_", " ")


def load_projection(store) -> nx.MultiDiGraph:
    """The store's document graphs and vocabulary as one networkx MultiDiGraph (graph_nx)."""
    from kgraph.store.embedded import VOCAB_GRAPH
    from kgraph.store.graph_nx import networkx_from_quads
    from kgraph.store.projection import build_label_index

    documents = store.document_graphs()
    if not documents:
        raise NotBuiltError(NOTHING_INGESTED)
    vocab = store.graph_quads(VOCAB_GRAPH) if VOCAB_GRAPH in store.graphs() else []
    label_index = build_label_index(vocab)
    quads = list(vocab)
    for graph in documents:
        quads.extend(store.graph_quads(graph))
    return networkx_from_quads(quads, label_index)


def open_projection(settings=None) -> nx.MultiDiGraph:
    """load_projection of the configured store; a missing store is 'nothing ingested yet'."""
    from kgraph.store.embedded import EmbeddedStore

    try:
        store = EmbeddedStore(settings=settings, read_only=True)
    except NotBuiltError:
        raise NotBuiltError(NOTHING_INGESTED) from None
    with store:
        return load_projection(store)


# --- matching a filter value to concepts ----------------------------------------------------------

def _fold(text: str) -> str:
    return re.sub(r"[\s_\-]+", " ", str(text).casefold()).strip()


def concept_names(g: _Graph, node: str) -> set[str]:
    names = {_fold(_local(node))}
    for prop in ("prefLabel", "altLabel", "hiddenLabel", "abbreviation", "label"):
        names.update(_fold(v) for v in _many(g.prop(node, prop)))
    return names


def matching_concepts(g: _Graph, wanted: str, candidates: Iterable[str]) -> set[str]:
    """Candidates named ``wanted`` (id, label, synonym, abbreviation), or narrower than such a concept."""
    key = _fold(wanted)
    candidates = set(candidates)
    named = {c for c in g.g.nodes if g.has(c, "Concept") and key in concept_names(g, c)}
    if not named:
        return set()
    matched = set()
    for concept in candidates:
        seen, frontier = {concept}, [concept]
        while frontier:  # concept skos:broader* named
            current = frontier.pop()
            if current in named:
                matched.add(concept)
                break
            for parent in g.out(current, BROADER):
                if parent not in seen:
                    seen.add(parent)
                    frontier.append(parent)
    return matched


# --- building the network -------------------------------------------------------------------------

class _Builder:
    def __init__(self, graph: nx.MultiDiGraph):
        self.g = _Graph(graph)
        self.nodes: dict[str, ViewNode] = {}
        self.node_ids: dict[tuple[str, str], str] = {}
        self.edges: dict[tuple, ViewEdge] = {}
        self.studies: list[StudyRef] = []
        self.study_index: dict[str, int] = {}
        self.documents: list[DocumentRef] = []
        self.document_index: dict[str, int] = {}
        self.sources: list[SourceRef] = []
        self.source_index: dict[str, int] = {}

    # -- shared tables --
    def document(self, iri: str) -> int:
        if iri not in self.document_index:
            g = self.g
            key = _text(g.prop(iri, "documentKey"))
            label = _text(g.prop(iri, "label")) or key or _local(iri)
            self.document_index[iri] = len(self.documents)
            self.documents.append(DocumentRef(iri, label, key, _text(g.prop(iri, "source")),
                                              _text(g.prop(iri, "title"))))
        return self.document_index[iri]

    def study(self, iri: str) -> int:
        if iri not in self.study_index:
            g = self.g
            designs = g.out(iri, DESIGN)
            levels = [int(v) for v in _many(g.prop(iri, "evidenceLevel")) if _is_level(v)]
            if not levels:
                levels = [int(v) for d in designs for v in _many(g.prop(d, "evidenceLevel")) if _is_level(v)]
            n = _one(g.prop(iri, "sampleSize"))
            label = _text(g.prop(iri, "label")) or _text(g.prop(iri, "key")) or _local(iri)
            ref = StudyRef(iri, label, ", ".join(g.concept_label(d) for d in designs),
                           n if isinstance(n, int) else None, min(levels) if levels else None,
                           [self.document(d) for d in g.into(iri, REPORTS_STUDY)])
            self.study_index[iri] = len(self.studies)
            self.studies.append(ref)
        return self.study_index[iri]

    def evidence_of(self, fact: str) -> set[int]:
        found = set()
        for ev in self.g.out(fact, HAS_EVIDENCE):
            if ev not in self.source_index:
                g = self.g
                docs = g.out(ev, WAS_DERIVED_FROM)
                if not docs:
                    continue
                page, row, col = (_one(g.prop(ev, k)) for k in ("page", "row", "col"))
                self.source_index[ev] = len(self.sources)
                self.sources.append(SourceRef(
                    self.document(docs[0]), _text(g.prop(ev, "text")).strip(),
                    page if isinstance(page, int) else None, _text(g.prop(ev, "section")) or None,
                    _text(g.prop(ev, "table")) or None, row if isinstance(row, int) else None,
                    col if isinstance(col, int) else None))
            found.add(self.source_index[ev])
        return found

    # -- nodes and edges --
    def concept_node(self, kind: str, concept: str) -> ViewNode:
        key = (kind, concept)
        if key not in self.node_ids:
            node_id = f"n{len(self.nodes)}"
            self.node_ids[key] = node_id
            label = self.g.concept_label(concept)
            details = [("kind", KINDS[kind][0]), ("concept", concept)]
            self.nodes[node_id] = ViewNode(node_id, concept, kind, label, details)
        return self.nodes[self.node_ids[key]]

    def link(self, protocol: ViewNode, target: ViewNode, relation: str, study: int, sources: set[int],
             negated: bool = False, note: str | None = None) -> None:
        key = (protocol.id, target.id, relation, negated)
        edge = self.edges.get(key)
        if edge is None:
            edge = self.edges[key] = ViewEdge(f"e{len(self.edges)}", protocol.id, target.id, relation, negated)
        edge.evidence[study] |= sources
        if note:
            edge.notes.add(note)

    def protocol(self, protocol: str, arm: str, study_iri: str) -> None:
        g = self.g
        study = self.study(study_iri)
        drugs = g.out(protocol, DRUG)
        drug_label = ", ".join(g.concept_label(d) for d in drugs) or "unknown drug"
        form = _text(g.prop(protocol, "form"))
        quantities: list[tuple[str, str]] = []
        for name, rel in QUANTITY_RELATIONS:
            texts = sorted({_text(g.prop(q, "text")) for q in g.out(protocol, rel)} - {""})
            if texts:
                quantities.append((name, "; ".join(texts)))
        sessions = _one(g.prop(protocol, "sessions"))
        dose = _short(next((t for n, t in quantities if n in ("rate", "titration", "target concentration",
                                                              "total dose", "bolus")), ""))
        duration = _short(next((t for n, t in quantities if n == "infusion duration"), ""), 24)
        headline = " ".join(x for x in (drug_label, f"({form})" if form and form.casefold() not in
                                        drug_label.casefold() else "", dose) if x)
        if duration:
            headline += f" · {duration}"
        if isinstance(sessions, int) and sessions > 1:
            headline += f" ×{sessions}"
        study_ref = self.studies[study]
        node_id = f"n{len(self.nodes)}"
        details = [("kind", "Protocol"), ("study", study_ref.label), ("arm", _text(g.prop(arm, "label")))]
        details += [("drug", drug_label)] + ([("form", form)] if form else [])
        route = _text(g.prop(protocol, "route"))
        if route:
            details.append(("route", route))
        details += quantities
        if sessions is not None:
            details.append(("sessions", str(sessions)))
        schedule = _text(g.prop(protocol, "schedule"))
        if schedule:
            details.append(("schedule", schedule))
        settings = g.out(protocol, SETTING) or g.out(study_iri, SETTING)
        if settings:
            details.append(("setting", ", ".join(g.concept_label(s) for s in settings)))
        node = ViewNode(node_id, protocol, "protocol", headline,
                        [(k, v) for k, v in details if v], {study})
        self.nodes[node_id] = node
        protocol_sources = self.evidence_of(protocol)

        for d in drugs:
            target = self.concept_node("drug", d)
            node.drugs.add(target.id)
            self.link(node, target, "drug", study, protocol_sources)
        for co in g.out(protocol, HAS_COADMINISTRATION):
            sources = self.evidence_of(co) or protocol_sources
            doses = sorted({_text(g.prop(q, "text")) for q in g.out(co, "DOSE")} - {""})
            for d in g.out(co, DRUG):
                target = self.concept_node("adjunct", d)
                if not target.label.endswith("(adjunct)"):
                    target.label += " (adjunct)"
                node.drugs.add(target.id)
                node.details.append(("adjunct", g.concept_label(d) + (f" {'; '.join(doses)}" if doses else "")))
                self.link(node, target, "adjunct", study, sources, note="; ".join(doses) or None)
        study_sources = self.evidence_of(study_iri)
        for c in g.out(study_iri, CONDITION):
            target = self.concept_node("condition", c)
            node.conditions.add(target.id)
            self.link(node, target, "condition", study, study_sources)
        for outcome in g.out(study_iri, HAS_OUTCOME):
            sources = self.evidence_of(outcome)
            notes = [_text(g.prop(outcome, "direction"))]
            notes += [f"relief {_text(g.prop(q, 'text'))}" for q in g.out(outcome, RELIEF_DURATION)]
            for m in g.out(outcome, MEASURE):
                target = self.concept_node("outcome", m)
                for note in notes:
                    self.link(node, target, "outcome", study, sources, note=note.replace("_", " ") or None)
        for effect in g.out(study_iri, HAS_ADVERSE_EFFECT):
            arms = g.out(effect, ARM)
            if arms and arm not in arms:
                continue  # stated for another arm of the study
            negated = any(v is True for v in _many(g.prop(effect, "negated")))
            sources = self.evidence_of(effect)
            incidence = [_text(g.prop(q, "text")) for q in g.out(effect, INCIDENCE)]
            for e in g.out(effect, EFFECT):
                target = self.concept_node("side_effect", e)
                self.link(node, target, "side_effect", study, sources, negated,
                          note=("incidence " + "; ".join(incidence)) if incidence else None)

    def build(self) -> None:
        g = self.g
        for study_iri in g.with_label("Study"):
            for arm in g.out(study_iri, HAS_ARM):
                for protocol in g.out(arm, HAS_PROTOCOL):
                    self.protocol(protocol, arm, study_iri)
        for edge in self.edges.values():
            levels = [self.studies[s].level for s in edge.evidence if self.studies[s].level is not None]
            edge.level = min(levels) if levels else None
            self.nodes[edge.target].studies.update(edge.evidence)


def _short(text: str, limit: int = 32) -> str:
    """The first of several values ("a; b"), cut at ``limit`` characters: node labels stay short."""
    first = text.split("; ")[0]
    more = first != text
    if len(first) > limit:
        first, more = first[:limit - 1].rstrip(), True
    return first + ("…" if more else "")


def _is_level(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5


def build_network(graph: nx.MultiDiGraph, condition: str | None = None, drug: str | None = None
                  ) -> EvidenceNetwork:
    """The evidence network of the projected graph, limited to protocols for ``condition`` using ``drug``.

    ``drug`` matches the protocol's drug or one of its adjuncts; both match a concept by id, label,
    synonym or abbreviation, and every narrower concept (CRPS matches CRPS type 1).
    A filter matching nothing raises InputError naming what the graph does hold.
    """
    builder = _Builder(graph)
    builder.build()
    if not any(n.kind == "protocol" for n in builder.nodes.values()):
        docs = len([n for n in graph.nodes if "Document" in graph.nodes[n].get("labels", ())])
        raise NotBuiltError(f"the graph holds {docs} document(s) but no treatment protocol to draw "
                            f"(ingest study reports or a review: `kgraph ingest corpus/`)")
    network = EvidenceNetwork({}, {}, builder.studies, builder.documents, builder.sources)
    keep = {n.id for n in builder.nodes.values() if n.kind == "protocol"}
    for option, value, kinds, attribute in (("--condition", condition, ("condition",), "conditions"),
                                            ("--drug", drug, ("drug", "adjunct"), "drugs")):
        if value is None:
            continue
        if not value.strip():
            raise InputError(f"{option}: give a value (an id, label or abbreviation)")
        candidates = {n.iri: n for n in builder.nodes.values() if n.kind in kinds}
        matched = matching_concepts(builder.g, value, candidates)
        matched_ids = {builder.node_ids[(k, c)] for c in matched for k in kinds if (k, c) in builder.node_ids}
        if not matched_ids:
            known = sorted({n.label.replace(" (adjunct)", "") for n in candidates.values()})
            shown = ", ".join(known[:12]) + (f", ... ({len(known)} in all)" if len(known) > 12 else "")
            raise InputError(f"{option} {value!r} matches nothing in the graph; it holds: {shown or 'none'}")
        keep = {p for p in keep if getattr(builder.nodes[p], attribute) & matched_ids}
        network.filters[option.lstrip("-")] = value
        if not keep:
            given = " and ".join(f"--{k} {v!r}" for k, v in network.filters.items())
            raise InputError(f"no protocol matches {given} (each matches alone; not together)")
    for key, edge in builder.edges.items():
        if edge.source in keep:
            network.edges[edge.id] = edge
    used = keep | {e.target for e in network.edges.values()}
    for node_id, node in builder.nodes.items():
        if node_id in used:
            network.nodes[node_id] = node
    if network.filters:  # a concept's study count covers only what is shown
        for node in network.nodes.values():
            if node.kind != "protocol":
                node.studies = set()
        for edge in network.edges.values():
            network.nodes[edge.target].studies.update(edge.evidence)
    return network


# --- layout ---------------------------------------------------------------------------------------

SPRING_LIMIT = 600  # nodes; above it the layout places protocols around a laid-out concept skeleton
GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))


def layout(network: EvidenceNetwork, seed: int = 7) -> dict[str, tuple[float, float]]:
    """Node positions in [-1, 1]² from networkx's spring layout (force-directed, seeded: stable).

    Edges pull by their number of studies. Both the HTML page and the static image use these
    positions, so they show the same picture and the page needs no layout work of its own.
    Above SPRING_LIMIT nodes a full spring layout takes minutes; then only the concepts are laid
    out (linked by the protocols they share) and each protocol sits at the centre of its concepts,
    protocols with the same concepts spread on a sunflower spiral around that point.
    """
    graph = nx.Graph()
    graph.add_nodes_from(sorted(network.nodes, key=lambda n: int(n[1:])))
    for edge in network.edges.values():
        weight = len(edge.evidence)
        if graph.has_edge(edge.source, edge.target):
            graph[edge.source][edge.target]["weight"] += weight
        else:
            graph.add_edge(edge.source, edge.target, weight=weight)
    if len(graph) == 0:
        return {}
    if len(graph) == 1:
        return {next(iter(graph)): (0.0, 0.0)}
    if len(graph) > SPRING_LIMIT:
        return _skeleton_layout(network, graph, seed)
    positions = nx.spring_layout(graph, k=3.5 / math.sqrt(len(graph)), iterations=80, seed=seed, weight="weight")
    return {node: (float(x), float(y)) for node, (x, y) in positions.items()}


def _skeleton_layout(network: EvidenceNetwork, graph: nx.Graph, seed: int) -> dict[str, tuple[float, float]]:
    protocols = [n for n in graph if network.nodes[n].kind == "protocol"]
    skeleton = nx.Graph()
    skeleton.add_nodes_from(n for n in graph if network.nodes[n].kind != "protocol")
    for protocol in protocols:
        linked = sorted(graph[protocol])
        for i, a in enumerate(linked):
            for b in linked[i + 1:]:
                weight = skeleton[a][b]["weight"] + 1 if skeleton.has_edge(a, b) else 1
                skeleton.add_edge(a, b, weight=weight)
    if len(skeleton) > 1:
        # log weights: a hub shared by every protocol must not pull everything into one point
        for _, _, data in skeleton.edges(data=True):
            data["weight"] = 1 + math.log(data["weight"])
        concept_pos = nx.spring_layout(skeleton, k=3.0 / math.sqrt(len(skeleton)), iterations=100, seed=seed,
                                       weight="weight")
    else:
        concept_pos = {n: (0.0, 0.0) for n in skeleton}
    positions = {n: (float(x) * 1.4, float(y) * 1.4) for n, (x, y) in concept_pos.items()}
    groups: dict[tuple, list[str]] = {}
    for protocol in protocols:
        groups.setdefault(tuple(sorted(graph[protocol])), []).append(protocol)
    spacing = 1.2 / math.sqrt(max(len(protocols), 1))
    for i, (linked, members) in enumerate(sorted(groups.items())):
        if linked:
            cx = sum(positions[c][0] for c in linked) / len(linked)
            cy = sum(positions[c][1] for c in linked) / len(linked)
        else:  # a protocol linked to nothing: on an outer ring
            angle = i * GOLDEN_ANGLE
            cx, cy = 1.6 * math.cos(angle), 1.6 * math.sin(angle)
        for j, protocol in enumerate(members):
            radius, angle = spacing * math.sqrt(j + 0.5), j * GOLDEN_ANGLE + i
            positions[protocol] = (cx + radius * math.cos(angle), cy + radius * math.sin(angle))
    extent = max(max(abs(x), abs(y)) for x, y in positions.values()) or 1.0
    return {n: (x / extent, y / extent) for n, (x, y) in positions.items()}


def node_size(node: ViewNode) -> float:
    """Relative size 1..~4: grows with the square root of the supporting studies."""
    return 1.0 + math.sqrt(max(len(node.studies), 1) - 1) * 0.6
