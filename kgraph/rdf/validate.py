"""Validate a document graph against ontology/shapes.ttl and report by document, fact and rule.

The data graph pyshacl sees is the document's graph plus the ontology (so ``sh:targetClass kg:Fact``
reaches every subclass). Concepts the document points at are checked against the vocabularies
when they are available: an IRI in the vocab namespace that no vocabulary (and not the document
itself) describes is reported as a warning, since queries by label will not find it.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDF, SH, SKOS

from kgraph.config import ONTOLOGY_DIR
from kgraph.errors import InputError
from kgraph.rdf.namespaces import KG, VOCAB

SHAPES_FILE = ONTOLOGY_DIR / "shapes.ttl"
ONTOLOGY_FILE = ONTOLOGY_DIR / "kgraph.ttl"

# Object properties whose values are vocabulary concepts.
CONCEPT_PROPERTIES = (KG.drug, KG.condition, KG.design, KG.setting, KG.measure, KG.effect)


@dataclass
class Violation:
    document: str  # the document key (or graph IRI when no Document is in the graph)
    focus: str  # IRI of the fact at fault
    fact_type: str | None  # its kg: class, e.g. "Protocol"
    rule: str  # shape / property: constraint, e.g. "ProtocolShape/drug: MinCount"
    severity: str  # Violation | Warning | Info
    message: str
    path: str | None = None
    value: str | None = None

    def line(self) -> str:
        what = f"{self.fact_type or 'node'} <{self.focus}>"
        value = f" (value: {self.value})" if self.value is not None else ""
        return f"{self.document}: {self.severity.lower()}: {what}: {self.rule}: {self.message}{value}"


@dataclass
class ValidationReport:
    document: str
    violations: list[Violation] = field(default_factory=list)

    @property
    def conforms(self) -> bool:
        """True when nothing of severity Violation was found (warnings are allowed)."""
        return not self.errors

    @property
    def errors(self) -> list[Violation]:
        return [v for v in self.violations if v.severity == "Violation"]

    @property
    def warnings(self) -> list[Violation]:
        return [v for v in self.violations if v.severity != "Violation"]

    def by_rule(self) -> dict[str, list[Violation]]:
        grouped: dict[str, list[Violation]] = {}
        for v in self.violations:
            grouped.setdefault(v.rule, []).append(v)
        return grouped

    def format(self) -> str:
        if not self.violations:
            return f"{self.document}: conforms"
        return "\n".join(v.line() for v in self.violations)

    def to_dict(self) -> dict:
        return {"document": self.document, "conforms": self.conforms,
                "violations": [asdict(v) for v in self.violations]}


def _parse(path: Path) -> Graph:
    try:
        return Graph().parse(path, format="turtle")
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except Exception as exc:  # rdflib raises several parser exception types
        raise InputError(f"{path}: cannot parse Turtle: {exc}") from None


@functools.lru_cache(maxsize=1)
def shapes_graph() -> Graph:
    return _parse(SHAPES_FILE)


@functools.lru_cache(maxsize=1)
def ontology_graph() -> Graph:
    return _parse(ONTOLOGY_FILE)


@functools.lru_cache(maxsize=1)
def _known_concepts() -> frozenset[URIRef] | None:
    """Concept IRIs of the vocabularies, or None while kgraph.vocab is not available."""
    try:
        from kgraph.vocab import vocab_graph  # written by the vocabulary stage
    except ImportError:
        return None
    graph = vocab_graph()
    return frozenset(s for s in graph.subjects(RDF.type, SKOS.Concept) if isinstance(s, URIRef))


def validate_graph(graph: Graph, document: str | None = None, check_concepts: bool = True) -> ValidationReport:
    """Run the SHACL shapes on one document graph; never raises on invalid data, only reports."""
    from pyshacl import validate as shacl_validate

    document = document or _document_name(graph)
    _conforms, results, _text = shacl_validate(
        graph, shacl_graph=shapes_graph(), ont_graph=ontology_graph(), inference="none",
        allow_warnings=True, advanced=False, abort_on_first=False,
    )
    report = ValidationReport(document=document)
    shapes = shapes_graph()
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        path = results.value(result, SH.resultPath)
        component = results.value(result, SH.sourceConstraintComponent)
        severity = results.value(result, SH.resultSeverity)
        message = results.value(result, SH.resultMessage)
        value = results.value(result, SH.value)
        source = results.value(result, SH.sourceShape)
        report.violations.append(Violation(
            document=document,
            focus=str(focus),
            fact_type=_fact_type(graph, focus),
            rule=_rule_name(shapes, source, path, component),
            severity=_local(severity) if severity else "Violation",
            message=str(message) if message else _local(component),
            path=_local(path) if path is not None and not isinstance(path, BNode) else None,
            value=str(value) if value is not None and value != focus else None,
        ))
    if check_concepts:
        report.violations.extend(_unknown_concepts(graph, document))
    report.violations.sort(key=lambda v: (v.severity != "Violation", v.rule, v.focus, v.value or ""))
    return report


def validate_frames(frames) -> ValidationReport:
    from kgraph.rdf.mapping import frames_to_graph

    _, graph = frames_to_graph(frames)
    return validate_graph(graph, document=frames.doc_key)


def _unknown_concepts(graph: Graph, document: str) -> list[Violation]:
    known = _known_concepts()
    if known is None:
        return []
    described = set(graph.subjects(RDF.type, SKOS.Concept))
    found = []
    for predicate in CONCEPT_PROPERTIES:
        for fact, concept in graph.subject_objects(predicate):
            if str(concept).startswith(str(VOCAB)) and concept not in known and concept not in described:
                found.append(Violation(
                    document=document, focus=str(fact), fact_type=_fact_type(graph, fact),
                    rule=f"KnownConcept/{_local(predicate)}", severity="Warning",
                    message="concept is in no vocabulary file (queries by label will not find it)",
                    path=_local(predicate), value=str(concept)))
    return found


def _document_name(graph: Graph) -> str:
    for doc in graph.subjects(RDF.type, KG.Document):
        key = graph.value(doc, KG.documentKey)
        return str(key) if key is not None else str(doc)
    return str(graph.identifier)


def _fact_type(graph: Graph, node) -> str | None:
    if node is None:
        return None
    types = sorted(_local(t) for t in graph.objects(node, RDF.type) if str(t).startswith(str(KG)))
    return types[0] if types else None


def _rule_name(shapes: Graph, source, path, component) -> str:
    """'ProtocolShape/drug: MinCount' from the result's source shape, path and component."""
    node_shape = source
    if isinstance(source, BNode):
        parent = shapes.value(predicate=SH.property, object=source)
        if parent is None:  # a shape inside sh:or / sh:and: name it by its owner's name
            parent = _owner_shape(shapes, source)
        node_shape = parent if parent is not None else source
    shape_name = _local(node_shape) if isinstance(node_shape, URIRef) else "anonymous shape"
    component_name = _local(component).removesuffix("ConstraintComponent") if component else "Constraint"
    if path is not None and not isinstance(path, BNode):
        return f"{shape_name}/{_local(path)}: {component_name}"
    return f"{shape_name}: {component_name}"


def _owner_shape(shapes: Graph, node):
    """The named shape whose sh:or / sh:and list holds ``node``, if any."""
    seen = set()
    while node is not None and node not in seen:
        seen.add(node)
        owner = shapes.value(predicate=RDF.first, object=node)
        if owner is None:
            return None
        # walk back to the head of the list
        head = owner
        while True:
            previous = shapes.value(predicate=RDF.rest, object=head)
            if previous is None:
                break
            head = previous
        for predicate in (SH["or"], SH["and"], SH["xone"], SH.property):
            parent = shapes.value(predicate=predicate, object=head)
            if parent is not None:
                if isinstance(parent, URIRef):
                    return parent
                node = parent
                break
        else:
            return None
    return None


def _local(term) -> str:
    text = str(term)
    for sep in ("#", "/"):
        if sep in text:
            text = text.rsplit(sep, 1)[1]
    return text
