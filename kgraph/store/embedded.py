"""The embedded RDF store: Oxigraph (pyoxigraph) on disk under ``Settings.store_dir``.

Why Oxigraph: see docs/store.md (bench/bench_store.py measured it against rdflib's stores).

- One named graph per document; ``replace_document`` swaps a graph in ONE SPARQL update
  (``DROP GRAPH`` + ``INSERT DATA``), which Oxigraph runs as one transaction: a reader sees the
  old graph or the new one, never a mix, and a failure leaves the old one.
  Loading the same triples again writes nothing.
- The ontology and the vocabularies live in their own named graphs (GRAPH["ontology"],
  GRAPH["vocab"]); queries see the union of all graphs as their default graph.
- Query parameters are bound, never pasted: each ``$name`` token of the query (outside strings,
  IRIs and comments) is replaced by the RDF term Oxigraph itself serializes for the value,
  so a value cannot end its literal or add syntax (see ``bind_parameters``).
"""

from __future__ import annotations

import io
import re
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

import pyoxigraph as ox

from kgraph.config import ONTOLOGY_DIR, Settings, get_settings
from kgraph.errors import InputError, KgraphError, NotBuiltError
from kgraph.rdf.namespaces import GRAPH, KG, PREFIXES

XSD = "http://www.w3.org/2001/XMLSchema#"
ONTOLOGY_GRAPH = str(GRAPH["ontology"])
VOCAB_GRAPH = str(GRAPH["vocab"])
SYSTEM_GRAPHS = (ONTOLOGY_GRAPH, VOCAB_GRAPH)

EXPORT_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}
QUAD_FORMATS = {"nquads", "trig", "jsonld"}


class StoreError(KgraphError):
    """The store cannot be opened, read or written."""


@dataclass
class DocumentInfo:
    graph: str
    iri: str
    key: str
    sha256: str | None
    source: str | None
    title: str | None
    triples: int

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class ReplaceResult:
    graph: str
    changed: bool
    triples: int  # triples in the graph now
    added: int
    removed: int

    def as_dict(self) -> dict:
        return asdict(self)


# --- terms -----------------------------------------------------------------------------------

def to_ox(term) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """An rdflib term (or a pyoxigraph term) as a pyoxigraph term."""
    if isinstance(term, (ox.NamedNode, ox.BlankNode, ox.Literal)):
        return term
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            # Oxigraph keeps language tags lower-cased; do the same so re-loads compare equal
            return ox.Literal(str(term), language=term.language.lower())
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise InputError(f"not an RDF term: {term!r}")


def python_value(term) -> Any:
    """A result term as a plain Python value (numbers typed, IRIs as strings, unbound as None)."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value if term.datatype is not None else XSD + "string"
        text = term.value
        try:
            if datatype in (XSD + "integer", XSD + "int", XSD + "long", XSD + "nonNegativeInteger",
                            XSD + "positiveInteger", XSD + "short"):
                return int(text)
            if datatype == XSD + "decimal":
                return Decimal(text)
            if datatype in (XSD + "double", XSD + "float"):
                return float(text)
            if datatype == XSD + "boolean":
                return text.strip() in ("true", "1")
        except ValueError:
            return text
        return text
    return str(term)


def _term_for(value) -> ox.NamedNode | ox.Literal:
    """A query parameter as an RDF term: str -> xsd:string, int -> integer, Decimal -> decimal, ..."""
    if isinstance(value, (ox.NamedNode, ox.Literal)):
        return value
    from rdflib import Literal, URIRef

    if isinstance(value, (URIRef, Literal)):
        return to_ox(value)
    if isinstance(value, bool):
        return ox.Literal("true" if value else "false", datatype=ox.NamedNode(XSD + "boolean"))
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=ox.NamedNode(XSD + "integer"))
    if isinstance(value, Decimal):
        return ox.Literal(format(value, "f"), datatype=ox.NamedNode(XSD + "decimal"))
    if isinstance(value, float):
        return ox.Literal(repr(value), datatype=ox.NamedNode(XSD + "double"))
    if isinstance(value, str):
        return ox.Literal(value)
    raise InputError(f"cannot bind a parameter of type {type(value).__name__}: {value!r}")


# SPARQL tokens in which '$name' is not a variable: strings, IRIs, comments.
_SKIP = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r'|<[^<>"{}|^`\\\x00-\x20]*>'
    r"|#[^\n]*",
    re.S,
)
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def parameter_names(sparql: str) -> list[str]:
    """The ``$name`` parameters a query uses, in order of first use."""
    names: list[str] = []
    for kind, text in _split_tokens(sparql):
        if kind == "code":
            for match in _PARAM.finditer(text):
                if match.group(1) not in names:
                    names.append(match.group(1))
    return names


def bind_parameters(sparql: str, params: Mapping[str, Any]) -> str:
    """Replace every ``$name`` with the serialized RDF term of ``params[name]``.

    The term's text comes from Oxigraph's own N-Triples writer (quotes, backslashes and line
    breaks escaped), and it replaces exactly one variable token, so whatever the value holds it
    stays one literal or IRI in the query.
    """
    out = []
    for kind, text in _split_tokens(sparql):
        if kind != "code":
            out.append(text)
            continue

        def replace(match: re.Match) -> str:
            name = match.group(1)
            if name not in params:
                raise InputError(f"query parameter ${name} has no value")
            return " " + str(_term_for(params[name])) + " "

        out.append(_PARAM.sub(replace, text))
    return "".join(out)


def _split_tokens(sparql: str) -> Iterator[tuple[str, str]]:
    position = 0
    for match in _SKIP.finditer(sparql):
        if match.start() > position:
            yield "code", sparql[position:match.start()]
        yield "skip", match.group(0)
        position = match.end()
    if position < len(sparql):
        yield "code", sparql[position:]


# --- the store -------------------------------------------------------------------------------

class EmbeddedStore:
    """Named graphs on disk (or in memory with ``path=None`` and ``in_memory=True``)."""

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False, in_memory: bool = False,
                 settings: Settings | None = None):
        self.read_only = read_only
        if in_memory:
            self.path = None
            self._store = ox.Store()
            return
        settings = settings or get_settings()
        self.path = Path(path) if path is not None else Path(settings.store_dir)
        try:
            if read_only:
                if not (self.path / "CURRENT").exists():
                    raise NotBuiltError(f"no graph at {self.path}: ingest documents first ('kgraph ingest PATHS')")
                self._store = ox.Store.read_only(str(self.path))
            else:
                self.path.mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(str(self.path))
        except OSError as exc:
            raise StoreError(f"cannot open the store at {self.path}: {_one_line(exc)}") from None

    @classmethod
    def in_memory(cls) -> "EmbeddedStore":
        return cls(in_memory=True)

    # -- lifecycle --
    def close(self) -> None:
        if self._store is not None and not self.read_only:
            try:
                self._store.flush()
            except OSError:
                pass
        self._store = None

    def __enter__(self) -> "EmbeddedStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def oxigraph(self) -> ox.Store:
        if self._store is None:
            raise StoreError("the store is closed")
        return self._store

    # -- writing --
    def replace_document(self, graph_iri, triples: Iterable) -> ReplaceResult:
        """Make named graph ``graph_iri`` hold exactly ``triples`` (or quads; their graph is ignored).

        Nothing is written when the graph already holds exactly these triples.
        """
        self._writable()
        graph = ox.NamedNode(str(graph_iri))
        new = {_triple_of(t) for t in triples}
        old = {ox.Triple(q.subject, q.predicate, q.object)
               for q in self.oxigraph.quads_for_pattern(None, None, None, graph)}
        has_blank = any(isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode) for t in new)
        if new == old and not has_blank:
            return ReplaceResult(str(graph_iri), False, len(new), 0, 0)
        try:
            if not old:
                # a new graph: extend() is one transaction of its own, and much faster than parsing an update
                self.oxigraph.extend([ox.Quad(t.subject, t.predicate, t.object, graph) for t in new])
            else:
                body = "\n".join(f"{t.subject} {t.predicate} {t.object} ." for t in new)
                self.oxigraph.update(f"DROP SILENT GRAPH {graph} ;\nINSERT DATA {{ GRAPH {graph} {{\n{body}\n}} }}")
        except (OSError, SyntaxError, ValueError, RuntimeError) as exc:
            raise StoreError(f"graph <{graph_iri}> was not replaced (the old version is kept): "
                             f"{_one_line(exc)}") from None
        return ReplaceResult(str(graph_iri), True, len(new), len(new - old), len(old - new))

    def add_frames(self, frames) -> ReplaceResult:
        """Map one document's frames to its named graph and store it."""
        from kgraph.rdf.mapping import frames_to_graph

        gid, graph = frames_to_graph(frames)
        return self.replace_document(gid, graph)

    def remove_document(self, graph_iri) -> bool:
        self._writable()
        graph = ox.NamedNode(str(graph_iri))
        if not self.oxigraph.contains_named_graph(graph):
            return False
        self.oxigraph.update(f"DROP GRAPH {graph}")
        return True

    def optimize(self) -> None:
        """Compact the on-disk indexes (worth it after ingesting many documents: joins get faster)."""
        self._writable()
        try:
            self.oxigraph.optimize()
        except OSError as exc:
            raise StoreError(f"cannot optimize the store at {self.path}: {_one_line(exc)}") from None

    def load_file(self, graph_iri, path: str | Path, fmt: str = "turtle") -> ReplaceResult:
        """Replace a named graph with the triples of an RDF file (the ontology, a vocabulary)."""
        path = Path(path)
        format_ = EXPORT_FORMATS.get(fmt)
        if format_ is None:
            raise InputError(f"unknown RDF format '{fmt}'")
        try:
            triples = [ox.Triple(q.subject, q.predicate, q.object)
                       for q in ox.parse(path=str(path), format=format_)]
        except FileNotFoundError:
            raise InputError(f"{path}: file not found") from None
        except (SyntaxError, ValueError, OSError) as exc:
            raise InputError(f"{path}: {_one_line(exc)}") from None
        return self.replace_document(graph_iri, triples)

    def load_ontology(self) -> ReplaceResult:
        return self.load_file(ONTOLOGY_GRAPH, ONTOLOGY_DIR / "kgraph.ttl")

    def load_vocabularies(self) -> ReplaceResult | None:
        """Store kgraph.vocab.vocab_graph() as GRAPH["vocab"]; None while no vocabulary module exists."""
        try:
            from kgraph.vocab import vocab_graph
        except ImportError:
            return None
        return self.replace_document(VOCAB_GRAPH, vocab_graph())

    def load_system_graphs(self) -> None:
        self.load_ontology()
        self.load_vocabularies()

    # -- reading --
    def graphs(self) -> list[str]:
        return sorted(g.value for g in self.oxigraph.named_graphs() if isinstance(g, ox.NamedNode))

    def document_graphs(self) -> list[str]:
        return [g for g in self.graphs() if g not in SYSTEM_GRAPHS]

    def graph_quads(self, graph_iri) -> list[ox.Quad]:
        return list(self.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(str(graph_iri))))

    def graph_triples(self, graph_iri) -> set[ox.Triple]:
        return {ox.Triple(q.subject, q.predicate, q.object) for q in self.graph_quads(graph_iri)}

    def triple_count(self, graph_iri=None) -> int:
        if graph_iri is None:
            return len(self.oxigraph)
        return sum(1 for _ in self.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(str(graph_iri))))

    def documents(self) -> list[DocumentInfo]:
        rows = self.query(
            """
            PREFIX kg: <%s>
            SELECT ?g ?doc ?key ?sha ?source ?title WHERE {
              GRAPH ?g { ?doc a kg:Document ; kg:documentKey ?key .
                OPTIONAL { ?doc kg:sha256 ?sha } OPTIONAL { ?doc kg:source ?source }
                OPTIONAL { ?doc kg:title ?title } }
            } ORDER BY ?key
            """ % KG, union=False,
        )
        return [DocumentInfo(graph=r["g"], iri=r["doc"], key=r["key"], sha256=r["sha"], source=r["source"],
                             title=r["title"], triples=self.triple_count(r["g"])) for r in rows.dicts()]

    def document_info(self, key_or_graph: str) -> DocumentInfo | None:
        from kgraph.rdf.mapping import graph_iri

        wanted = {key_or_graph}
        try:
            wanted.add(str(graph_iri(key_or_graph)))
        except KgraphError:
            pass
        for info in self.documents():
            if info.graph in wanted or info.key == key_or_graph:
                return info
        return None

    def is_unchanged(self, doc_key: str, sha256: str) -> bool:
        """True when the document is stored and was read from a file with this content hash."""
        info = self.document_info(doc_key)
        return info is not None and info.sha256 is not None and info.sha256 == sha256.lower()

    def query(self, sparql: str, params: Mapping[str, Any] | None = None, union: bool = True) -> "QueryResult":
        """Run a SPARQL 1.1 query; ``$name`` tokens are bound from ``params`` (see bind_parameters)."""
        text = bind_parameters(sparql, params or {})
        try:
            result = self.oxigraph.query(text, use_default_graph_as_union=union)
        except SyntaxError as exc:
            raise InputError(f"SPARQL syntax error: {_one_line(exc)}") from None
        except (OSError, RuntimeError, ValueError) as exc:
            raise StoreError(f"SPARQL query failed: {_one_line(exc)}") from None
        return QueryResult.from_oxigraph(result)

    # -- export --
    def export(self, out: str | Path | io.IOBase | None = None, fmt: str = "turtle",
               graphs: Iterable[str] | None = None) -> bytes | None:
        """Write the store: nquads/trig/jsonld keep the named graphs; turtle/ntriples/rdfxml write
        the union of the graphs (each triple once). ``graphs`` limits the export."""
        format_ = EXPORT_FORMATS.get(fmt)
        if format_ is None:
            raise InputError(f"unknown export format '{fmt}' (choose from {', '.join(EXPORT_FORMATS)})")
        selected = list(graphs) if graphs is not None else self.graphs()
        target = str(out) if isinstance(out, Path) else out
        prefixes = {p: str(ns) for p, ns in PREFIXES.items()} if fmt in ("turtle", "trig") else None
        try:
            if fmt in QUAD_FORMATS:
                quads = [q for g in selected for q in self.graph_quads(g)]
                if fmt == "jsonld":
                    return self._export_jsonld(quads, target)
                return ox.serialize(quads, target, format_, prefixes=prefixes)
            seen: set[ox.Triple] = set()
            triples = []
            for g in selected:
                for q in self.graph_quads(g):
                    t = ox.Triple(q.subject, q.predicate, q.object)
                    if t not in seen:
                        seen.add(t)
                        triples.append(t)
            return ox.serialize(triples, target, format_, prefixes=prefixes)
        except OSError as exc:
            raise StoreError(f"cannot write {out}: {_one_line(exc)}") from None

    @staticmethod
    def _export_jsonld(quads: list[ox.Quad], target) -> bytes | None:
        """JSON-LD through rdflib (compact, with the kgraph prefixes as @context)."""
        from rdflib import Dataset

        dataset = Dataset()
        dataset.parse(data=ox.serialize(quads, None, ox.RdfFormat.N_QUADS).decode("utf-8"), format="nquads")
        context = {p: str(ns) for p, ns in PREFIXES.items()}
        data = dataset.serialize(format="json-ld", context=context, auto_compact=True).encode("utf-8")
        if target is None:
            return data
        if isinstance(target, str):
            Path(target).write_bytes(data)
        else:
            target.write(data)
        return None

    def _writable(self) -> None:
        if self.read_only:
            raise StoreError(f"the store at {self.path} is open read-only")


@dataclass
class QueryResult:
    """SELECT rows (``columns`` + ``rows`` of Python values), an ASK boolean, or CONSTRUCT triples."""

    columns: list[str]
    rows: list[list[Any]]
    boolean: bool | None = None
    triples: list | None = None

    @classmethod
    def from_oxigraph(cls, result) -> "QueryResult":
        if isinstance(result, ox.QueryBoolean):
            return cls(columns=["result"], rows=[[bool(result)]], boolean=bool(result))
        if isinstance(result, ox.QuerySolutions):
            columns = [v.value for v in result.variables]
            rows = [[python_value(solution[c]) for c in columns] for solution in result]
            return cls(columns=columns, rows=rows)
        triples = list(result)
        return cls(columns=["subject", "predicate", "object"],
                   rows=[[python_value(t.subject), python_value(t.predicate), python_value(t.object)]
                         for t in triples], triples=triples)

    def dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row)) for row in self.rows]


def _triple_of(t) -> ox.Triple:
    if isinstance(t, ox.Triple):
        return t
    if isinstance(t, ox.Quad):
        return ox.Triple(t.subject, t.predicate, t.object)
    s, p, o = t[0], t[1], t[2]
    return ox.Triple(to_ox(s), to_ox(p), to_ox(o))


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:400] or type(exc).__name__


def open_store(settings: Settings | None = None, read_only: bool = False) -> EmbeddedStore:
    return EmbeddedStore(settings=settings, read_only=read_only)


def export_store(out: str | Path, fmt: str = "turtle", settings: Settings | None = None) -> int:
    """Write the whole store to ``out`` (atomically: a temporary file renamed at the end).

    Returns the number of triples (turtle, ntriples, rdfxml) or quads (nquads, trig, jsonld) written.
    """
    import os
    import tempfile

    if fmt not in EXPORT_FORMATS:
        raise InputError(f"unknown export format '{fmt}' (choose from {', '.join(EXPORT_FORMATS)})")
    out = Path(out)
    if out.is_dir():
        raise InputError(f"{out}: is a folder; give a file name")
    if not out.parent.exists():
        raise InputError(f"{out.parent}: folder does not exist")
    with EmbeddedStore(settings=settings, read_only=True) as store:
        if fmt in QUAD_FORMATS:
            count = sum(store.triple_count(g) for g in store.graphs())
        else:
            count = len({t for g in store.graphs() for t in store.graph_triples(g)})
        handle, temp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
        os.close(handle)
        try:
            store.export(Path(temp), fmt)
            os.replace(temp, out)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    return count
