"""The same property-graph projection as Neo4j, as a networkx MultiDiGraph (for analytics and views).

Node key: the IRI. Node attributes: ``labels`` (sorted, with ``Resource``),
``graphs`` (sorted named-graph IRIs) and one attribute per property, with the
same values Neo4j holds (merge_contributions). Edge key ``(TYPE, graph IRI)``,
attributes ``type`` and ``graph``: one edge per triple with an IRI object, as in Neo4j.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable, Mapping

import networkx as nx

from kgraph.store.projection import (
    RESOURCE_LABEL,
    GraphProjection,
    merge_contributions,
    project_quads,
)


def build_networkx(projections: Iterable[GraphProjection]) -> nx.MultiDiGraph:
    """Merge graph projections into one MultiDiGraph; shared nodes get the union, as in Neo4j."""
    graph = nx.MultiDiGraph()
    contributions: dict[str, dict[str, tuple]] = defaultdict(dict)
    edges = []
    for projection in projections:
        for iri, node in projection.nodes.items():
            contributions[iri][projection.graph] = (node.labels, node.properties)
        edges.extend(projection.relationships)
    for iri in sorted(contributions):
        per_graph = contributions[iri]
        labels, properties = merge_contributions(per_graph.values())
        attributes = dict(properties)
        attributes["labels"] = sorted(labels | {RESOURCE_LABEL})
        attributes["graphs"] = sorted(per_graph)
        graph.add_node(iri, **attributes)
    for rel in edges:
        graph.add_edge(rel.source, rel.target, key=(rel.type, rel.graph), type=rel.type, graph=rel.graph)
    return graph


def networkx_from_quads(quads: Iterable, label_index: Mapping[str, frozenset[str]] | None = None
                        ) -> nx.MultiDiGraph:
    """Quads (rdflib or pyoxigraph, any number of named graphs) straight to a MultiDiGraph."""
    return build_networkx(project_quads(quads, label_index).values())


def nodes_with_label(graph: nx.MultiDiGraph, label: str) -> list[str]:
    """IRIs of the nodes carrying ``label`` (like ``MATCH (n:Label)``), sorted."""
    return sorted(n for n, data in graph.nodes(data=True) if label in data.get("labels", ()))
