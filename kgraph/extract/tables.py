"""Reading evidence tables: what each column holds, and the pieces of a cell.

- ``load_column_roles()`` reads ``ontology/table_columns.yaml`` (header synonyms, content tests,
  prose phrases per role), so a user extends recognition by editing that file.
- ``classify_columns(table, concept_finder)`` scores every column against every role by its
  header text AND its cells, then assigns roles best-first (a role to at most one column).
  Position is never used.
- ``split_items(text)`` splits "1. ... 2. ..." cells into separate items with their offsets.
- ``parse_reference_label(text)`` reads "Graven-Nielsen et al (Part 1)¹⁴" into author,
  citation numbers, year and part.
- ``expand_abbreviations(text, abbreviations)`` rewrites a cell with the table footnote's
  abbreviations spelled out, keeping a map back to the original offsets.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable

import yaml

from kgraph.config import ONTOLOGY_DIR
from kgraph.errors import InputError

COLUMN_ROLES_FILE = ONTOLOGY_DIR / "table_columns.yaml"

# A concept finder returns (scheme, concept_id, start, end) for the concepts in a text.
ConceptFinder = Callable[[str], list[tuple[str, str, int, int]]]


@dataclass
class RoleSpec:
    name: str
    headers: list[str]
    content: str | None = None
    phrases: list[str] = field(default_factory=list)
    variable: str | None = None  # the variable name claims use (default: the role name)

    @property
    def variable_name(self) -> str:
        return self.variable or self.name


@dataclass
class ColumnRoles:
    roles: dict[str, RoleSpec]
    variables: dict[str, list[str]]  # prose-only variables -> phrases
    overlapping: set[str] = field(default_factory=set)  # variables that may overlap others in prose
    header_weight: float = 0.7
    content_weight: float = 0.3
    min_score: float = 0.42
    header_fuzzy: int = 88
    min_roles: int = 2
    source: str = ""


@dataclass
class ColumnAssignment:
    col: int
    header: str
    role: str | None
    score: float
    header_score: float
    content_score: float
    candidates: list[tuple[str, float]] = field(default_factory=list)  # best alternatives


@dataclass
class TableReading:
    """How a table was read: one assignment per column, and whether it is an evidence table."""

    table_id: str
    columns: list[ColumnAssignment]
    is_evidence_table: bool
    reason: str = ""

    def col_of(self, role: str) -> int | None:
        for c in self.columns:
            if c.role == role:
                return c.col
        return None

    @property
    def roles(self) -> dict[str, int]:
        return {c.role: c.col for c in self.columns if c.role}


# --- configuration ---------------------------------------------------------------------------

def load_column_roles(path: Path | str | None = None) -> ColumnRoles:
    """Read the column-role vocabulary (default ontology/table_columns.yaml)."""
    p = Path(path) if path else COLUMN_ROLES_FILE
    return _load_column_roles(str(p.resolve()), p.stat().st_mtime if p.exists() else 0.0)


@lru_cache(maxsize=8)
def _load_column_roles(path: str, _mtime: float) -> ColumnRoles:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise InputError(f"{path}: column-role vocabulary not found") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML ({exc.__class__.__name__}: {str(exc).splitlines()[0]})") from None
    if not isinstance(data.get("roles"), dict):
        raise InputError(f"{path}: expected a 'roles:' mapping")
    roles: dict[str, RoleSpec] = {}
    for name, spec in data["roles"].items():
        spec = spec or {}
        headers = [str(h) for h in spec.get("headers") or []]
        phrases = [str(p) for p in spec.get("phrases") or []]
        for ph in phrases:
            try:
                re.compile(ph)
            except re.error as exc:
                raise InputError(f"{path}: role {name}: bad phrase pattern {ph!r} ({exc})") from None
        roles[str(name)] = RoleSpec(str(name), headers, spec.get("content"), phrases, spec.get("variable"))
    variables = {str(k): [str(p) for p in (v or {}).get("phrases") or []] for k, v in (data.get("variables") or {}).items()}
    return ColumnRoles(
        roles=roles,
        variables=variables,
        header_weight=float(data.get("header_weight", 0.7)),
        content_weight=float(data.get("content_weight", 0.3)),
        min_score=float(data.get("min_score", 0.42)),
        header_fuzzy=int(data.get("header_fuzzy", 88)),
        min_roles=int(data.get("min_roles", 2)),
        overlapping={str(v) for v in data.get("overlapping_variables") or []},
        source=path,
    )


# --- text helpers ----------------------------------------------------------------------------

_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_SUP_CHARS = "⁰¹²³⁴⁵⁶⁷⁸⁹"


def normalize_header(text: str) -> str:
    t = unicodedata.normalize("NFKC", text or "").lower()
    t = re.sub(r"(\w)-\s+(\w)", r"\1\2", t)  # "Dura- tion" from a wrapped header
    t = re.sub(r"[^\w\s]", " ", t)
    return re.sub(r"\s+", " ", t).strip()


def ascii_fold(text: str) -> str:
    """'Jørum' -> 'Jorum', 'Sörensen' -> 'Sorensen', 'Kvarnström' -> 'Kvarnstrom'."""
    special = {"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "ß": "ss", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "œ": "oe", "Œ": "OE"}
    t = "".join(special.get(ch, ch) for ch in text)
    t = unicodedata.normalize("NFKD", t)
    return "".join(ch for ch in t if not unicodedata.combining(ch))


def clean_cell_text(text: str) -> str:
    """Whitespace normalized; words hyphenated across lines in a narrow cell joined back."""
    t = (text or "").replace("\u00ad", "")
    t = re.sub(r"\s+", " ", t).strip()
    return t


# --- items -----------------------------------------------------------------------------------

_ITEM_START = re.compile(r"(?:^|(?<=[\s.;]))(\d{1,2})[.)]\s+(?=\S)")


def split_items(text: str) -> list[tuple[str, int, int]]:
    """Split a cell written as numbered items ("1. A. 2. B.") into [(item, start, end)].

    Numbers must run 1, 2, 3 ... from the cell start, and each later marker must follow the end
    of a sentence; anything else (a decimal such as "0.5", a cell that does not open with "1.")
    leaves the cell as one item. Offsets are into ``text`` and exclude the "1. " markers."""
    if not text or not text.strip():
        return []
    markers: list[tuple[int, int]] = []  # (marker start, content start)
    expected = 1
    for m in _ITEM_START.finditer(text):
        if int(m.group(1)) != expected:
            continue
        if expected == 1:
            if text[: m.start()].strip():
                break  # the cell does not open with "1.": not a numbered list
        else:
            before = text[: m.start()].rstrip()
            if not before or before[-1] not in ".;:)":
                continue
        markers.append((m.start(), m.end()))
        expected += 1
    if not markers:
        s = len(text) - len(text.lstrip())
        e = len(text.rstrip())
        return [(text[s:e], s, e)]
    items = []
    for i, (_, cstart) in enumerate(markers):
        cend = markers[i + 1][0] if i + 1 < len(markers) else len(text)
        e = cstart + len(text[cstart:cend].rstrip())
        items.append((text[cstart:e], cstart, e))
    return items


# --- reference labels ------------------------------------------------------------------------

@dataclass
class ReferenceLabel:
    text: str
    author: str | None  # the first author's surname as printed
    numbers: list[int]  # citation numbers from the marker (superscript, brackets, trailing digits)
    year: int | None = None
    year_suffix: str = ""  # "a" in "2009a"
    part: str | None = None  # "Part 1"
    coauthor: str | None = None  # "Anitescu" in "Patil and Anitescu"


_PART = re.compile(r"\(?\b(part|study|experiment|phase|trial|cohort)\s+(\d+|[IVX]{1,4}|[A-D])\b\)?", re.I)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})([a-z]?)(?!\d)")
_MARKER_TAIL = re.compile(r"(?:\^\{([\d,\s\-–]+)\}|\[([\d,\s\-–]+)\]|([" + _SUP_CHARS + r"][" + _SUP_CHARS + r",⁻\-–\s]*))\s*$")


def parse_citation_numbers(marker: str) -> list[int]:
    """'3,4' -> [3, 4]; '5-7' -> [5, 6, 7]; '⁵⁻⁷' -> [5, 6, 7]. Ranges over 50 numbers are refused."""
    t = marker.translate(_SUPERSCRIPTS)
    out: list[int] = []
    for part in re.split(r"[,;]\s*", t):
        part = part.strip()
        m = re.fullmatch(r"(\d{1,4})\s*[\-–—]\s*(\d{1,4})", part)
        if m:
            a, b = int(m.group(1)), int(m.group(2))
            if a <= b and b - a <= 50:
                out.extend(range(a, b + 1))
            continue
        if re.fullmatch(r"\d{1,4}", part):
            out.append(int(part))
    return out


def parse_reference_label(text: str) -> ReferenceLabel:
    """Read a table's reference cell: author, citation numbers, year, part."""
    raw = clean_cell_text(text)
    t = raw
    numbers: list[int] = []
    m = _MARKER_TAIL.search(t)
    if m:
        numbers = parse_citation_numbers(next(g for g in m.groups() if g))
        t = t[: m.start()].rstrip()
    part = None
    pm = _PART.search(t)
    if pm:
        part = f"{pm.group(1).capitalize()} {pm.group(2).upper() if not pm.group(2).isdigit() else pm.group(2)}"
        t = (t[: pm.start()] + t[pm.end():]).strip()
    year = None
    suffix = ""
    ym = _YEAR.search(t)
    if ym:
        year = int(ym.group(1))
        suffix = ym.group(2)
        t = (t[: ym.start()] + t[ym.end():]).strip()
    if not numbers:
        # digits glued to the label: "Sigtermans et al3", "Amr 10", "Eide et al 8,9"
        dm = re.search(r"(?:(?<=al)|(?<=al\.)|(?<=[a-zà-ÿ])|\s)(\d{1,3}(?:\s*[,\-–]\s*\d{1,3})*)\s*$", t)
        if dm:
            numbers = parse_citation_numbers(dm.group(1))
            t = t[: dm.start()].rstrip()
    t = re.sub(r"[\s,;.()]+$", "", t)
    t = re.sub(r"^[\s,;.()]+", "", t)
    t = re.sub(r"(\w)-\s+(\w)", r"\1-\2", t)  # "Graven- Nielsen" wrapped in a narrow cell
    coauthor = None
    author = None
    am = re.match(r"^(.+?)\s+(?:et\s+al\.?|and colleagues|and co-?workers)\b", t, re.I)
    if am:
        author = am.group(1)
    else:
        bm = re.match(r"^(.+?)\s+(?:and|&)\s+(.+)$", t)
        if bm:
            author, coauthor = bm.group(1), bm.group(2).strip()
        else:
            author = t or None
    if author:
        author = author.strip(" ,;.")
        # "Smith J" / "Smith, J." -> "Smith"
        author = re.sub(r",?\s+(?:[A-Z]\.?\s*){1,3}$", "", author).strip()
        if not re.search(r"[^\W\d_]", author):
            author = None
    return ReferenceLabel(raw, author, numbers, year, suffix, part, coauthor)


def looks_like_author_label(text: str) -> bool:
    t = clean_cell_text(text)
    if not t or len(t) > 80:
        return False
    if re.search(r"\bet\s+al\b", t, re.I):
        return True
    lab = parse_reference_label(t)
    if not lab.author:
        return False
    words = lab.author.split()
    capitalized = bool(re.match(r"^[A-ZÀ-ÞĀ-Ž]", lab.author))
    return capitalized and len(words) <= 3 and (bool(lab.numbers) or lab.year is not None or lab.coauthor is not None or len(words) == 1)


# --- abbreviations ---------------------------------------------------------------------------

def expand_abbreviations(text: str, abbreviations: dict[str, str]) -> tuple[str, list[tuple[int, int, int, int]]]:
    """``text`` with footnote abbreviations spelled out ("CRPS-1" -> "complex regional pain
    syndrome-1"), and the replaced pieces as (orig_start, orig_end, new_start, new_end)."""
    if not abbreviations or not text:
        return text, []
    keys = sorted(abbreviations, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w])(" + "|".join(re.escape(k) for k in keys) + r")(?![a-z])")
    out = []
    pieces = []
    pos = 0
    new_len = 0
    for m in pattern.finditer(text):
        out.append(text[pos : m.start()])
        new_len += m.start() - pos
        long = abbreviations[m.group(1)]
        pieces.append((m.start(), m.end(), new_len, new_len + len(long)))
        out.append(long)
        new_len += len(long)
        pos = m.end()
    out.append(text[pos:])
    return "".join(out), pieces


def map_back(pieces: list[tuple[int, int, int, int]], start: int, end: int) -> tuple[int, int]:
    """Map offsets in an expanded text back to the original text."""
    def one(pos: int, is_end: bool) -> int:
        shift = 0
        for os_, oe, ns, ne in pieces:
            if pos < ns:
                break
            if ns <= pos <= ne and not (is_end and pos == ns) and not (not is_end and pos == ne):
                return oe if is_end else os_
            shift = oe - ne
        return pos + shift
    return one(start, False), one(end, True)


# --- content tests ---------------------------------------------------------------------------

_TIME_UNIT = r"(?:min(?:utes?)?|h(?:rs?|ours?)?|d(?:ays?)?|wk|weeks?|mo(?:nths?)?|s(?:ec)?)"
_DOSE_UNIT = r"(?:mg|µg|μg|ug|mcg|ng|g|iu|ie|units?|ml|mmol)\b"
_NUM = r"\d+(?:[.,]\d+)?"


def content_test(kind: str | None, text: str, concept_finder: ConceptFinder | None,
                 abbreviations: dict[str, str]) -> bool:
    t = clean_cell_text(text)
    if not t or kind is None:
        return False
    low = t.lower()
    if kind == "author_label":
        return looks_like_author_label(t)
    if kind == "count":
        return bool(re.match(r"^\s*\d{1,6}\b(?![.,]\d)(?!\s*" + _TIME_UNIT + r"\b)(?!\s*" + _DOSE_UNIT + ")", low))
    if kind == "short_duration":
        return len(t) <= 120 and bool(re.search(_NUM + r"\s*(?:[-–]|to)?\s*(?:" + _NUM + r")?\s*-?\s*" + _TIME_UNIT + r"\b", low))
    if kind == "dose":
        return bool(re.search(_NUM + r"\s*(?:[-–]|to|or)?\s*(?:" + _NUM + r")?\s*" + _DOSE_UNIT, low))
    if kind == "prose":
        return len(t.split()) >= 4
    if kind.startswith("concept:"):
        if concept_finder is None:
            return False
        scheme = kind.split(":", 1)[1]
        expanded, _ = expand_abbreviations(t, abbreviations)
        return any(s == scheme for s, *_ in concept_finder(expanded))
    return False


# --- classification --------------------------------------------------------------------------

def header_score(header: str, spec: RoleSpec, fuzzy: int) -> float:
    h = normalize_header(header)
    if not h:
        return 0.0
    best = 0.0
    try:
        from rapidfuzz import fuzz
    except ImportError:  # pragma: no cover - rapidfuzz is a dependency
        fuzz = None
    for syn in spec.headers:
        s = normalize_header(syn)
        if not s:
            continue
        if h == s:
            return 1.0
        if len(s) >= 3 and re.search(r"\b" + re.escape(s) + r"\b", h):
            # a longer synonym covering more of the header is better evidence
            best = max(best, 0.6 + 0.3 * len(s) / len(h))
        elif fuzz is not None and len(s) >= 5 and fuzz.ratio(h, s) >= fuzzy:
            best = max(best, 0.6)
    return min(best, 0.95)


def classify_columns(table, concept_finder: ConceptFinder | None = None, abbreviations: dict[str, str] | None = None,
                     roles: ColumnRoles | None = None) -> TableReading:
    """Assign a role to each column of ``table`` (a kgraph.parse.model.Table) by header and content."""
    roles = roles or load_column_roles()
    abbreviations = abbreviations or {}
    headers = table.columns
    width = max([len(headers)] + [len(r) for r in table.rows]) if (headers or table.rows) else 0
    scores: dict[tuple[int, str], tuple[float, float, float]] = {}
    for c in range(width):
        header = headers[c] if c < len(headers) else ""
        cells = [r[c].text for r in table.rows if c < len(r) and r[c].text and r[c].text.strip()]
        for name, spec in roles.roles.items():
            hs = header_score(header, spec, roles.header_fuzzy)
            cs = 0.0
            if cells and spec.content:
                sample = cells[:60]
                cs = sum(content_test(spec.content, x, concept_finder, abbreviations) for x in sample) / len(sample)
            total = roles.header_weight * hs + roles.content_weight * cs
            scores[(c, name)] = (total, hs, cs)
    # best-first assignment: each column one role, each role one column
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0][0]))
    taken_cols: dict[int, str] = {}
    taken_roles: set[str] = set()
    for (c, name), (total, hs, cs) in ranked:
        if total < roles.min_score:
            break
        # content alone never names a column whose header says something else entirely
        if hs == 0.0 and headers and c < len(headers) and headers[c].strip():
            continue
        if c in taken_cols or name in taken_roles:
            continue
        taken_cols[c] = name
        taken_roles.add(name)
    assignments = []
    for c in range(width):
        header = headers[c] if c < len(headers) else ""
        alts = sorted(((n, scores[(c, n)][0]) for n in roles.roles), key=lambda x: -x[1])[:3]
        role = taken_cols.get(c)
        total, hs, cs = scores[(c, role)] if role else (0.0, 0.0, 0.0)
        assignments.append(ColumnAssignment(c, header, role, round(total, 3), round(hs, 3), round(cs, 3),
                                            [(n, round(s, 3)) for n, s in alts]))
    found = {a.role for a in assignments if a.role}
    others = found - {"reference"}
    if "reference" not in found:
        ok, reason = False, "no column names the cited study (reference/author/study)"
    elif len(others) < roles.min_roles:
        ok, reason = False, f"only {len(others)} study column(s) recognized ({', '.join(sorted(others)) or 'none'}); need {roles.min_roles}"
    else:
        ok, reason = True, ""
    return TableReading(table.id, assignments, ok, reason)


def variable_phrases(roles: ColumnRoles | None = None) -> dict[str, list[str]]:
    """Variable name -> prose phrase patterns, from the roles and the prose-only variables."""
    roles = roles or load_column_roles()
    out: dict[str, list[str]] = {}
    for spec in roles.roles.values():
        if spec.phrases:
            out.setdefault(spec.variable_name, []).extend(spec.phrases)
    for name, phrases in roles.variables.items():
        out.setdefault(name, []).extend(phrases)
    return out


def find_variables(text: str, roles: ColumnRoles | None = None) -> list[tuple[str, int, int]]:
    """Variables named in ``text`` as (variable, start, end), longest match first, no overlaps."""
    roles = roles or load_column_roles()
    hits: list[tuple[str, int, int]] = []
    for var, patterns in variable_phrases(roles).items():
        for p in patterns:
            for m in re.finditer(r"(?<![\w-])(?:" + p + r")(?![\w])", text, re.I):
                hits.append((var, m.start(), m.end()))
    hits.sort(key=lambda h: (-(h[2] - h[1]), h[1]))
    chosen: list[tuple[str, int, int]] = []
    free: list[tuple[str, int, int]] = []
    for h in hits:
        pool = free if h[0] in roles.overlapping else chosen
        if all(h[2] <= c[1] or h[1] >= c[2] for c in pool):
            pool.append(h)
    return sorted(chosen + free, key=lambda h: h[1])


def iter_nonempty(cells: Iterable) -> Iterable:
    for c in cells:
        if c is not None and c.text and c.text.strip():
            yield c
