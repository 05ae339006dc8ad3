"""The query library: named questions in queries/NAME.rq (SPARQL) and queries/NAME.cypher.

Each file starts with a header comment (``#`` in SPARQL, ``//`` in Cypher)::

    # protocols_for_condition: one line saying what it answers
    # More lines of description.
    # @param condition str = ""   a condition id, label or abbreviation; "" for all
    # @param min_n int = 0        studies with at least this many patients
    # @list bolus rate            columns holding several values (sorted, shown joined with " | ")
    # @example kgraph query protocols_for_condition --param condition=CRPS

Parameter types: str, int, float, decimal, bool, iri. A parameter without ``= default`` is required.
Queries refer to a parameter as ``$name`` in both languages; it is always bound, never pasted.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from kgraph.config import QUERIES_DIR
from kgraph.errors import InputError

ENGINES = {"sparql": ".rq", "cypher": ".cypher"}
EXTENSIONS = {".rq": "sparql", ".sparql": "sparql", ".cypher": "cypher", ".cql": "cypher"}
PARAM_TYPES = ("str", "int", "float", "decimal", "bool", "iri")

_PARAM_LINE = re.compile(
    r"@param\s+(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s+(?P<type>[a-z]+)"
    r"(?:\s*=\s*(?P<default>\"(?:[^\"\\]|\\.)*\"|\S+))?\s*(?P<doc>.*)$"
)
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|^`\\]+$")
_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


@dataclass
class Param:
    name: str
    type: str
    default: Any = None
    required: bool = True
    doc: str = ""

    def parse(self, text: str, where: str) -> Any:
        """A --param value (text) as this parameter's Python value; InputError when ill-typed."""
        return coerce(self.name, self.type, text, where)

    def describe(self) -> str:
        default = "required" if self.required else f"default {json.dumps(self.default)}"
        return f"{self.name} ({self.type}, {default}){': ' + self.doc if self.doc else ''}"


@dataclass
class QueryFile:
    name: str
    engine: str  # sparql | cypher
    path: Path | None
    text: str
    summary: str = ""
    description: str = ""
    params: dict[str, Param] = field(default_factory=dict)
    list_columns: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)


def coerce(name: str, type_: str, text: Any, where: str = "") -> Any:
    prefix = f"{where}: " if where else ""
    if not isinstance(text, str):
        text = str(text)
    value = text.strip() if type_ != "str" else text
    if type_ == "str":
        return value
    if type_ == "int":
        if re.fullmatch(r"[+-]?\d+", value):
            return int(value)
        raise InputError(f"{prefix}parameter '{name}' must be an integer, got {text!r}")
    if type_ in ("float", "decimal"):
        try:
            number = Decimal(value)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            raise InputError(f"{prefix}parameter '{name}' must be a number, got {text!r}")
        return number
    if type_ == "bool":
        if value.lower() in _TRUE:
            return True
        if value.lower() in _FALSE:
            return False
        raise InputError(f"{prefix}parameter '{name}' must be true or false, got {text!r}")
    if type_ == "iri":
        if _IRI.match(value):
            return value
        raise InputError(f"{prefix}parameter '{name}' must be an absolute IRI, got {text!r}")
    raise InputError(f"{prefix}unknown parameter type '{type_}' for '{name}' (use {', '.join(PARAM_TYPES)})")


def parse_header(text: str, engine: str, name: str, path: Path | None = None) -> QueryFile:
    """Read the leading comment block of a query file."""
    marker = "#" if engine == "sparql" else "//"
    where = str(path) if path else name
    query = QueryFile(name=name, engine=engine, path=path, text=text)
    description: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            if description:
                description.append("")
            continue
        if not stripped.startswith(marker):
            break
        content = stripped[len(marker):].strip()
        if content.startswith("@param"):
            match = _PARAM_LINE.match(content)
            if not match:
                raise InputError(f"{where}: cannot read parameter line: {content!r}")
            ptype = match.group("type")
            if ptype not in PARAM_TYPES:
                raise InputError(f"{where}: parameter '{match.group('name')}' has unknown type '{ptype}' "
                                 f"(use {', '.join(PARAM_TYPES)})")
            raw_default = match.group("default")
            param = Param(name=match.group("name"), type=ptype, doc=match.group("doc").strip(),
                          required=raw_default is None)
            if raw_default is not None:
                literal = json.loads(raw_default) if raw_default.startswith('"') else raw_default
                param.default = coerce(param.name, ptype, literal, where) if literal is not None else None
            query.params[param.name] = param
        elif content.startswith("@list"):
            query.list_columns.extend(content[len("@list"):].replace(",", " ").split())
        elif content.startswith("@example"):
            query.examples.append(content[len("@example"):].strip())
        else:
            description.append(content)
    while description and not description[-1]:
        description.pop()
    if description:
        first = description[0]
        query.summary = first.split(":", 1)[1].strip() if first.startswith(name + ":") else first
        query.description = "\n".join(description[1:]).strip()
    return query


def queries_dir() -> Path:
    return QUERIES_DIR


def library_names(directory: Path | None = None) -> list[str]:
    directory = directory or queries_dir()
    names = {p.stem for p in directory.glob("*") if p.suffix in (".rq", ".cypher")}
    return sorted(names)


def load_query(name: str, engine: str = "sparql", directory: Path | None = None) -> QueryFile:
    """A named query of the library; unknown names get an error listing the nearest names."""
    if engine not in ENGINES:
        raise InputError(f"unknown engine '{engine}' (choose sparql or cypher)")
    directory = directory or queries_dir()
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name or ""):
        raise InputError(f"unknown query '{name}': a query name has letters, digits, '_', '-' only")
    path = directory / f"{name}{ENGINES[engine]}"
    if not path.is_file():
        names = library_names(directory)
        if name in names:
            raise InputError(f"query '{name}' has no {engine} version ({path.name} is missing)")
        near = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
        near += [n for n in names if name.lower() in n.lower() and n not in near][:4]
        hint = f"; did you mean: {', '.join(near)}" if near else ""
        raise InputError(f"unknown query '{name}'{hint} (see 'kgraph query --list')")
    return parse_header(path.read_text(encoding="utf-8"), engine, name, path)


def load_file(path: Path, engine: str | None = None) -> QueryFile:
    """A user's own query file; the engine comes from --engine or the extension (.rq, .cypher)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: query file not found")
    if engine is None:
        engine = EXTENSIONS.get(path.suffix.lower())
        if engine is None:
            raise InputError(f"{path}: cannot tell the query language from the extension "
                             f"(use .rq or .cypher, or --engine)")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a UTF-8 text file") from None
    if not text.strip():
        raise InputError(f"{path}: the query file is empty")
    return parse_header(text, engine, path.stem, path)


def bind_arguments(query: QueryFile, raw: list[str] | dict[str, str], used: list[str]) -> dict[str, Any]:
    """--param k=v values checked against the query's declared parameters, with defaults filled in.

    ``used`` are the ``$names`` the query text refers to; for a user's file without @param lines
    they are accepted as strings (or typed with ``k:int=5``).
    """
    where = str(query.path) if query.path else query.name
    given: dict[str, tuple[str | None, str]] = {}
    items = raw.items() if isinstance(raw, dict) else [_split_param(p) for p in raw]
    for key, text in items:
        name, _, type_hint = key.partition(":")
        if name in given:
            raise InputError(f"parameter '{name}' given twice")
        given[name] = (type_hint or None, text)

    declared = dict(query.params)
    for name in used:
        if name not in declared:
            type_hint = given.get(name, (None, ""))[0] or "str"
            declared[name] = Param(name=name, type=type_hint, required=True)

    unknown = [n for n in given if n not in declared]
    if unknown:
        known = ", ".join(p.describe() for p in declared.values()) or "none"
        raise InputError(f"{where}: unknown parameter '{unknown[0]}' (parameters: {known})")
    values: dict[str, Any] = {}
    for name, param in declared.items():
        if name in given:
            type_hint, text = given[name]
            if type_hint and type_hint != param.type and name in query.params:
                raise InputError(f"{where}: parameter '{name}' is declared {param.type}, not {type_hint}")
            values[name] = coerce(name, type_hint or param.type, text, where)
        elif param.required:
            raise InputError(f"{where}: missing parameter '{name}': {param.describe()} "
                             f"(give it with --param {name}=VALUE)")
        else:
            values[name] = param.default
    return values


def _split_param(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise InputError(f"--param needs NAME=VALUE, got {text!r}")
    key, value = text.split("=", 1)
    key = key.strip()
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(:[a-z]+)?", key):
        raise InputError(f"--param: bad parameter name {key!r}")
    return key, value


def describe_library(directory: Path | None = None) -> str:
    """The text of 'kgraph query --list': each query, what it answers, its parameters, an example."""
    directory = directory or queries_dir()
    blocks = []
    for name in library_names(directory):
        engines = [e for e, ext in ENGINES.items() if (directory / f"{name}{ext}").is_file()]
        query = load_query(name, engines[0], directory)
        lines = [f"{name}  [{', '.join(engines)}]", f"  {query.summary}"]
        for param in query.params.values():
            lines.append(f"  --param {param.describe()}")
        if query.examples:
            lines.append(f"  e.g. {query.examples[0]}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) if blocks else f"no queries in {directory}"
