"""Run a library query (or a user's file) on the embedded SPARQL store or on Neo4j.

Both engines return a :class:`Table` whose cells are normalized the same way, so one question
asked in SPARQL and in Cypher gives equal tables:
- numbers: integers stay int; decimals and floats become float rounded to 10 significant digits;
- ``@list`` columns: a sorted list without duplicates (SPARQL writes them with
  GROUP_CONCAT(...; separator=" | "), Cypher returns lists); an empty list is null;
- nodes and relationships (Cypher) become their ``iri`` (or their properties).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kgraph.errors import InputError, ServerError
from kgraph.query.library import QueryFile, bind_arguments, load_file, load_query

LIST_SEPARATOR = " | "


@dataclass
class Table:
    columns: list[str]
    rows: list[list[Any]]
    query: str = ""
    engine: str = ""
    list_columns: list[str] = field(default_factory=list)

    def dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row)) for row in self.rows]

    def sorted_rows(self) -> list[tuple]:
        """Rows in a canonical order (for comparing engines whose ORDER BY breaks ties differently)."""
        return sorted((tuple(_hashable(v) for v in row) for row in self.rows), key=_sort_key)


def _hashable(value):
    return tuple(value) if isinstance(value, list) else value


def _sort_key(row: tuple):
    return tuple((v is None, type(v).__name__, str(v)) for v in row)


# --- cell normalization ----------------------------------------------------------------------

def normalize_number(value):
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float):
        return float(f"{value:.10g}")
    return value


def normalize_cell(value, is_list: bool):
    if is_list:
        if value is None:
            return None
        items = value if isinstance(value, (list, tuple)) else [
            part for part in str(value).split(LIST_SEPARATOR) if part != ""]
        flat = []
        for item in items:
            if isinstance(item, (list, tuple)):
                flat.extend(item)
            elif item is not None:
                flat.append(item)
        unique = sorted({_plain(normalize_number(v)) for v in flat}, key=lambda v: (type(v).__name__, str(v)))
        return unique or None
    if isinstance(value, (list, tuple)):
        # a property two documents disagree on: keep every value, in a stable order
        return sorted({_plain(normalize_number(v)) for v in value}, key=str)
    return _plain(normalize_number(value))


def _plain(value):
    """Neo4j graph objects to plain values."""
    try:
        from neo4j.graph import Node, Relationship
    except ImportError:  # pragma: no cover
        return value
    if isinstance(value, Node):
        return value.get("iri") or dict(value)
    if isinstance(value, Relationship):
        return value.type
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


# --- parameters in Cypher ----------------------------------------------------------------------

_CYPHER_SKIP = re.compile(
    r"'(?:[^'\\]|\\.)*'" r'|"(?:[^"\\]|\\.)*"' r"|`[^`]*`" r"|//[^\n]*" r"|/\*.*?\*/", re.S)
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def cypher_parameter_names(cypher: str) -> list[str]:
    names: list[str] = []
    position = 0
    chunks = []
    for match in _CYPHER_SKIP.finditer(cypher):
        chunks.append(cypher[position:match.start()])
        position = match.end()
    chunks.append(cypher[position:])
    for chunk in chunks:
        for match in _PARAM.finditer(chunk):
            if match.group(1) not in names:
                names.append(match.group(1))
    return names


def _cypher_value(value):
    if isinstance(value, Decimal):
        return float(value)
    return value


# --- running -----------------------------------------------------------------------------------

def run_query(query: QueryFile, raw_params: list[str] | dict[str, str] | None = None, *, store=None,
              driver=None, database: str | None = None) -> Table:
    """Bind ``raw_params`` (--param k=v texts or a dict of texts) and run ``query`` on its engine."""
    raw_params = raw_params or []
    if query.engine == "sparql":
        from kgraph.store.embedded import parameter_names

        values = bind_arguments(query, raw_params, parameter_names(query.text))
        return run_sparql(query, values, store)
    values = bind_arguments(query, raw_params, cypher_parameter_names(query.text))
    return run_cypher(query, values, driver, database=database)


def run_sparql(query: QueryFile, values: dict[str, Any], store) -> Table:
    import pyoxigraph as ox

    from kgraph.store.embedded import StoreError

    where = str(query.path) if query.path else query.name
    terms = {k: (ox.NamedNode(v) if query.params.get(k) and query.params[k].type == "iri" else v)
             for k, v in values.items()}
    try:
        result = store.query(query.text, terms)
    except InputError as exc:
        message = str(exc)
        if message.startswith("SPARQL syntax error"):
            raise InputError(f"{where}: {message}") from None
        raise
    except StoreError as exc:
        raise InputError(f"{where}: {exc}") from None
    lists = set(query.list_columns)
    rows = [[normalize_cell(v, c in lists) for c, v in zip(result.columns, row)] for row in result.rows]
    return Table(result.columns, rows, query=query.name, engine="sparql", list_columns=query.list_columns)


def run_cypher(query: QueryFile, values: dict[str, Any], driver, database: str | None = None) -> Table:
    import neo4j
    from neo4j.exceptions import ClientError, CypherSyntaxError, DriverError, Neo4jError, ServiceUnavailable

    where = str(query.path) if query.path else query.name
    params = {k: _cypher_value(v) for k, v in values.items()}
    try:
        with driver.session(database=database, default_access_mode=neo4j.READ_ACCESS,
                            notifications_min_severity="OFF") as session:
            result = session.run(query.text, params)
            columns = list(result.keys())
            records = [list(record.values()) for record in result]
    except CypherSyntaxError as exc:
        raise InputError(f"{where}: Cypher syntax error: {_neo4j_message(exc)}") from None
    except ServiceUnavailable as exc:
        raise ServerError(f"Neo4j is unreachable: {_neo4j_message(exc)}") from None
    except ClientError as exc:
        raise InputError(f"{where}: Cypher error: {_neo4j_message(exc)}") from None
    except (Neo4jError, DriverError, OSError) as exc:
        raise ServerError(f"{where}: Neo4j failed: {_neo4j_message(exc)}") from None
    lists = set(query.list_columns)
    rows = [[normalize_cell(v, c in lists) for c, v in zip(columns, row)] for row in records]
    return Table(columns, rows, query=query.name, engine="cypher", list_columns=query.list_columns)


def _neo4j_message(exc: BaseException) -> str:
    message = getattr(exc, "message", None) or str(exc)
    # keep the line with the position ("... (line 2, column 5 (offset: 20))") and the caret line
    lines = [line.rstrip() for line in str(message).splitlines() if line.strip()]
    return " | ".join(lines)[:600] or type(exc).__name__


def run(name: str | None = None, params: list[str] | dict[str, str] | None = None, engine: str = "sparql",
        file=None, settings=None, store=None, driver=None) -> Table:
    """What ``kgraph query`` does: find the query, open the engine, run it."""
    from kgraph.config import get_settings

    settings = settings or get_settings()
    if file is not None:
        query = load_file(file, engine if engine and _engine_given(file, engine) else None)
    elif name:
        query = load_query(name, engine)
    else:
        raise InputError("give a query name (see 'kgraph query --list') or --file my.rq")

    if query.engine == "sparql":
        if store is not None:
            return run_query(query, params, store=store)
        from kgraph.store.embedded import EmbeddedStore

        with EmbeddedStore(settings=settings, read_only=True) as opened:
            return run_query(query, params, store=opened)
    if driver is not None:
        return run_query(query, params, driver=driver)
    from kgraph.store.neo4j_server import connect

    opened_driver = connect(settings)
    try:
        return run_query(query, params, driver=opened_driver)
    finally:
        opened_driver.close()


def _engine_given(file, engine: str) -> bool:
    """--engine overrides the extension only when the extension says nothing (e.g. .txt)."""
    from pathlib import Path

    from kgraph.query.library import EXTENSIONS

    return Path(file).suffix.lower() not in EXTENSIONS


__all__ = ["Table", "run", "run_query", "run_sparql", "run_cypher"]
