"""RDF -> property graph: the one projection Neo4j and networkx both use.

Pure functions: triples (or quads) in, nodes and relationships out; no I/O.
The mapping is documented for users in docs/neo4j-mapping.md:

- a node per IRI that is a subject, or the object of a non-rdf:type triple;
- labels: ``Resource`` (added by the writers) + the local name of each rdf:type
  class in the kg: namespace; SKOS concepts get ``Concept`` + their scheme's
  ``kg:neo4jLabel`` (Drug, Condition, ...); concept schemes get ``ConceptScheme``;
- a property per literal predicate (local name), typed from the literal's datatype,
  several values -> a sorted list;
- a relationship per triple with an IRI object (except rdf:type), type =
  UPPER_SNAKE_CASE of the predicate's local name, property ``graph``.

Terms may be rdflib terms or pyoxigraph terms.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Mapping, NamedTuple

from kgraph.errors import InputError
from kgraph.rdf.namespaces import KG

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SKOS_CONCEPT = SKOS + "Concept"
SKOS_CONCEPT_SCHEME = SKOS + "ConceptScheme"
SKOS_IN_SCHEME = SKOS + "inScheme"
KG_NS = str(KG)
KG_NEO4J_LABEL = KG_NS + "neo4jLabel"

RESOURCE_LABEL = "Resource"
CONCEPT_LABEL = "Concept"
CONCEPT_SCHEME_LABEL = "ConceptScheme"
# Node properties the writers own; a literal predicate with one of these local names gets "Value" appended.
RESERVED_PROPERTIES = frozenset({"iri", "graphs", "perGraph"})

_XSD = "http://www.w3.org/2001/XMLSchema#"
_FLOAT_TYPES = frozenset(_XSD + t for t in ("decimal", "double", "float"))
_INT_TYPES = frozenset(_XSD + t for t in (
    "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
    "nonPositiveInteger", "negativeInteger", "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte",
))
_BOOL_TYPE = _XSD + "boolean"
_XSD_STRING = _XSD + "string"
_INT64 = (-(2 ** 63), 2 ** 63 - 1)

_LABEL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_REL_TYPE_RE = re.compile(r"^[A-Z][A-Z0-9_]*$")

Value = Any  # str | int | float | bool


# --- records -----------------------------------------------------------------

@dataclass
class NodeRecord:
    """What one named graph says about one node. Property values are sorted, de-duplicated lists."""

    iri: str
    labels: set[str] = field(default_factory=set)
    properties: dict[str, list[Value]] = field(default_factory=dict)


class RelationshipRecord(NamedTuple):
    source: str
    type: str
    target: str
    graph: str


@dataclass
class GraphProjection:
    """One named graph projected: its nodes (by IRI) and relationships."""

    graph: str
    nodes: dict[str, NodeRecord]
    relationships: list[RelationshipRecord]
    triples: int


# --- terms -------------------------------------------------------------------

_IRI, _BNODE, _LITERAL = "iri", "bnode", "literal"


def _rdflib_literal(term) -> tuple:
    return _LITERAL, str(term), (str(term.datatype) if term.datatype is not None else None), term.language


def _oxigraph_literal(term) -> tuple:
    return _LITERAL, term.value, term.datatype.value, term.language


def _handler_for(term_type: type) -> Callable[[Any], tuple]:
    """How to read a term of this Python type: rdflib and pyoxigraph terms, or ('iri'|'bnode', value) pairs."""
    name = term_type.__name__
    module = term_type.__module__.split(".")[0]
    if module == "rdflib":
        if name == "URIRef":
            return lambda t: (_IRI, str(t), None, None)
        if name == "BNode":
            return lambda t: (_BNODE, str(t), None, None)
        if name == "Literal":
            return _rdflib_literal
    elif module == "pyoxigraph":
        if name == "NamedNode":
            return lambda t: (_IRI, t.value, None, None)
        if name == "BlankNode":
            return lambda t: (_BNODE, t.value, None, None)
        if name == "Literal":
            return _oxigraph_literal
    elif issubclass(term_type, tuple):
        def pair(t):
            if len(t) == 2 and t[0] in (_IRI, _BNODE):
                return t[0], t[1], None, None
            raise InputError(f"not an RDF term: {t!r}")
        return pair
    raise InputError(f"not an RDF term: a {term_type.__module__}.{name}")


_HANDLERS: dict[type, Callable[[Any], tuple]] = {}


def _term(term) -> tuple[str, str, str | None, str | None]:
    """(kind, lexical value, datatype IRI, language) for an rdflib or pyoxigraph term."""
    handler = _HANDLERS.get(type(term))
    if handler is None:
        handler = _HANDLERS[type(term)] = _handler_for(type(term))
    return handler(term)


def _resource_id(kind: str, value: str, graph: str) -> str:
    # Blank nodes are local to their graph: skolemize them under the graph IRI.
    return value if kind == _IRI else f"{graph.rstrip('/#')}/.well-known/genid/{value}"


def literal_value(lexical: str, datatype: str | None) -> Value:
    """xsd:decimal/double/float -> float, xsd:integer (and kin) -> int, xsd:boolean -> bool, else str."""
    if datatype == _XSD_STRING:
        return lexical
    if datatype in _FLOAT_TYPES:
        try:
            return float(lexical)
        except ValueError:
            return lexical
    if datatype in _INT_TYPES:
        try:
            number = int(lexical.strip())
        except ValueError:
            return lexical
        return number if _INT64[0] <= number <= _INT64[1] else lexical
    if datatype == _BOOL_TYPE:
        text = lexical.strip().lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
    return lexical


# --- names -------------------------------------------------------------------

def local_name(iri: str) -> str:
    for sep in ("#", "/", ":"):
        if sep in iri:
            tail = iri.rsplit(sep, 1)[1]
            if tail:
                return tail
    return iri


def relationship_type(predicate_iri: str) -> str:
    """kg:hasProtocol -> HAS_PROTOCOL, prov:wasDerivedFrom -> WAS_DERIVED_FROM, kg:drug -> DRUG."""
    name = local_name(predicate_iri)
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name)
    name = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").upper()
    if not _REL_TYPE_RE.match(name):
        raise InputError(f"predicate <{predicate_iri}> has no local name usable as a relationship type")
    return name


def property_name(predicate_iri: str) -> str:
    name = local_name(predicate_iri)
    return name + "Value" if name in RESERVED_PROPERTIES else name


def _checked_label(name: str, where: str) -> str:
    if not _LABEL_RE.match(name):
        raise InputError(f"{where}: {name!r} is not usable as a Neo4j label (letters, digits, _)")
    return name


# --- projection --------------------------------------------------------------

def _triples_of(triples: Iterable) -> Iterator[tuple]:
    for triple in triples:
        if hasattr(triple, "subject"):  # pyoxigraph Triple / Quad
            yield triple.subject, triple.predicate, triple.object
        else:
            yield triple[0], triple[1], triple[2]


def build_label_index(triples: Iterable) -> dict[str, frozenset[str]]:
    """Concept IRI -> extra labels ({'Concept', 'Drug'}), from SKOS vocabulary triples.

    A concept's scheme-specific label is the scheme's kg:neo4jLabel literal.
    """
    scheme_labels: dict[str, set[str]] = defaultdict(set)
    concept_schemes: dict[str, set[str]] = defaultdict(set)
    concepts: set[str] = set()
    schemes: set[str] = set()
    for s, p, o in _triples_of(triples):
        s_kind, s_val, _, _ = _term(s)
        p_val = _term(p)[1]
        o_kind, o_val, _, _ = _term(o)
        if s_kind != _IRI:
            continue
        if p_val == RDF_TYPE and o_kind == _IRI:
            if o_val == SKOS_CONCEPT:
                concepts.add(s_val)
            elif o_val == SKOS_CONCEPT_SCHEME:
                schemes.add(s_val)
        elif p_val == SKOS_IN_SCHEME and o_kind == _IRI:
            concept_schemes[s_val].add(o_val)
        elif p_val == KG_NEO4J_LABEL and o_kind == _LITERAL:
            scheme_labels[s_val].add(_checked_label(o_val.strip(), f"kg:neo4jLabel of <{s_val}>"))
    index: dict[str, frozenset[str]] = {}
    for concept in concepts | set(concept_schemes):
        labels = {CONCEPT_LABEL}
        for scheme in concept_schemes.get(concept, ()):
            labels |= scheme_labels.get(scheme, set())
        index[concept] = frozenset(labels)
    for scheme in schemes:
        index[scheme] = frozenset({CONCEPT_SCHEME_LABEL})
    return index


def project_graph(graph_iri: str, triples: Iterable,
                  label_index: Mapping[str, frozenset[str]] | None = None) -> GraphProjection:
    """Project the triples of one named graph.

    ``label_index`` (from build_label_index over the vocabulary graph) labels the
    concepts a document only points at; the graph's own SKOS triples count too.
    """
    graph_iri = str(graph_iri)
    nodes: dict[str, NodeRecord] = {}
    literal_values: dict[tuple[str, str], set] = defaultdict(set)
    relationships: set[RelationshipRecord] = set()
    own_vocab: list[tuple] = []
    rel_types: dict[str, str] = {}
    prop_names: dict[str, str] = {}
    vocab_classes = (SKOS_CONCEPT, SKOS_CONCEPT_SCHEME)
    count = 0

    for s, p, o in _triples_of(triples):
        count += 1
        s_kind, s_val, _, _ = _term(s)
        p_kind, predicate, _, _ = _term(p)
        o_kind, o_val, datatype, _lang = _term(o)
        if s_kind == _LITERAL or p_kind != _IRI:
            raise InputError(f"graph <{graph_iri}>: malformed triple ({s!r}, {p!r}, {o!r})")
        subject_iri = s_val if s_kind == _IRI else _resource_id(s_kind, s_val, graph_iri)
        subject = nodes.get(subject_iri)
        if subject is None:
            subject = nodes[subject_iri] = NodeRecord(subject_iri)
        if o_kind == _LITERAL:
            name = prop_names.get(predicate)
            if name is None:
                name = prop_names[predicate] = property_name(predicate)
            if predicate == KG_NEO4J_LABEL:  # a property, and also a label for the scheme's concepts
                own_vocab.append((s, p, o))
            value = literal_value(o_val, datatype) if datatype is not None else o_val
            literal_values[(subject_iri, name)].add((type(value), value))
        elif predicate == RDF_TYPE:
            if o_val in vocab_classes:
                own_vocab.append((s, p, o))
            if o_kind == _IRI and o_val.startswith(KG_NS) and len(o_val) > len(KG_NS):
                subject.labels.add(_checked_label(o_val[len(KG_NS):], f"class <{o_val}>"))
        else:
            if predicate == SKOS_IN_SCHEME:
                own_vocab.append((s, p, o))
            target = o_val if o_kind == _IRI else _resource_id(o_kind, o_val, graph_iri)
            if target not in nodes:
                nodes[target] = NodeRecord(target)
            rel = rel_types.get(predicate)
            if rel is None:
                rel = rel_types[predicate] = relationship_type(predicate)
            relationships.add(RelationshipRecord(subject_iri, rel, target, graph_iri))

    for (iri, name), typed_values in literal_values.items():
        if len(typed_values) == 1:
            nodes[iri].properties[name] = [next(iter(typed_values))[1]]
        else:
            nodes[iri].properties[name] = normalize_values(v for _, v in typed_values)
    index = dict(label_index or {})
    if own_vocab:
        for iri, labels in build_label_index(own_vocab).items():
            index[iri] = index.get(iri, frozenset()) | labels
    if index:
        for iri, record in nodes.items():
            extra = index.get(iri)
            if extra:
                record.labels |= extra
    return GraphProjection(graph_iri, nodes, sorted(relationships), count)


def project_quads(quads: Iterable, label_index: Mapping[str, frozenset[str]] | None = None
                  ) -> dict[str, GraphProjection]:
    """Group quads by named graph and project each graph."""
    by_graph: dict[str, list[tuple]] = defaultdict(list)
    for quad in quads:
        if hasattr(quad, "graph_name"):  # pyoxigraph Quad
            s, p, o, g = quad.subject, quad.predicate, quad.object, quad.graph_name
        else:
            s, p, o, g = quad
        kind = type(g).__name__
        if g is None or kind == "DefaultGraph" or (kind == "URIRef" and str(g).startswith("urn:x-rdflib:default")):
            raise InputError(f"triple ({s}, {p}, {o}) is in the default graph: kgraph keeps every triple in a named graph")
        g_iri = g.value if hasattr(g, "value") and not isinstance(g, str) else str(g)
        by_graph[g_iri].append((s, p, o))
    return {g: project_graph(g, triples, label_index) for g, triples in by_graph.items()}


# --- merging what several graphs say about one node -------------------------

def normalize_values(values: Iterable[Value]) -> list[Value]:
    """De-duplicate and sort; a mix that Neo4j cannot store in one list becomes all strings."""
    unique = {(type(v).__name__, v) for v in values}
    kinds = {k for k, _ in unique}
    if kinds == {"int", "float"}:
        unique = {("float", float(v)) for _, v in unique}
    elif len(kinds) > 1:
        unique = {("str", _as_text(v)) for _, v in unique}
    return sorted(v for _, v in unique)


def _as_text(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def property_value(values: list[Value]) -> Value | list[Value]:
    """One value -> the value itself; several -> the sorted list (conflicts stay visible)."""
    return values[0] if len(values) == 1 else list(values)


def merge_contributions(contributions: Iterable[tuple[Iterable[str], Mapping[str, list[Value]]]]
                        ) -> tuple[set[str], dict[str, Value | list[Value]]]:
    """Union of what several graphs say about one node: labels and property values."""
    labels: set[str] = set()
    collected: dict[str, list[Value]] = defaultdict(list)
    for node_labels, properties in contributions:
        labels.update(node_labels)
        for name, values in properties.items():
            collected[name].extend(values)
    return labels, {name: property_value(normalize_values(values)) for name, values in sorted(collected.items())}
