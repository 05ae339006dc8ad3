"""Study identity across documents, and citations to references.

The rule (docs/linking.md):

- ``study_key(first_author, year)`` is the Study.key for every document that describes the
  study: a review's table row and the study's own paper both yield "sigtermans-2009". It is
  computed from what both sides print (first author's surname, ASCII-folded, and the year), so
  ingest order cannot matter and the RDF layer, which mints Study IRIs from the key, merges
  them. DOI and PMID are kept on the Study and used to confirm or refute a link; they cannot be
  the key because a review's reference list often lacks the DOI that the paper prints.
- When one document holds two *different* studies with the same surname + year (Eide 1994 and
  Eide 1994b, or refs whose titles differ), each gets a title suffix ("eide-1994-relief") and a
  warning says so.
- ``same_study(a, b)`` decides whether two study records are one study: equal DOI or PMID wins;
  different DOIs (or PMIDs) refute; else surname + year must agree and, when both titles are
  known, their similarity must reach TITLE_THRESHOLD (measured, see docs/linking.md).
- ``resolve_citation(label, references)`` ties a review's table row to the reference it cites:
  by the citation number (checked against the first author), else by first author + year. No
  match is reported, never guessed; two candidates are both reported with their scores.
- ``link_report(frames_list)`` checks a set of documents: which studies merge, key collisions
  (same key, different study), missed links (same DOI/PMID or near-identical author/year/title
  under different keys) and conflicts between documents (n = 9 in the paper, 20 in the review),
  each value with its evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any, Iterable

from rapidfuzz import fuzz

from kgraph.extract.tables import ReferenceLabel, ascii_fold

# Title similarity (0..100) at or above which two records with the same first author and year
# are the same paper: the larger of rapidfuzz partial_ratio (a title inside a longer one, a
# dropped subtitle) and token_set_ratio (reordered or garbled words) on normalized titles.
# Measured by tests/linking_measure.py on reference-list vs title-page variants and same-topic
# negatives (the review's references, the corpus's look-alike reports): lowest positive 96.6,
# highest negative 89.9; the threshold is the gap's midpoint, 93 (docs/linking.md).
TITLE_THRESHOLD = 93.0
TITLE_METRIC = "partial_or_set"

# First-author surname similarity (rapidfuzz ratio on folded surnames) for citation matching.
SURNAME_THRESHOLD = 85.0

_STOP = {"a", "an", "the", "of", "in", "on", "for", "and", "or", "with", "to", "by", "at", "from", "as", "is", "are",
         "vs", "versus", "its", "their", "after", "into"}
_DEGREES = re.compile(r",?\s*\b(?:MD|PhD|MS|MSc|BSc|MBBS|DO|RN|PharmD|MPH|FRCA|FANZCA|DM|MBChB|BS|BA|MA|Jr|Sr|II|III|IV)\b\.?", re.I)
_PARTICLES = {"van", "von", "de", "der", "den", "del", "della", "di", "da", "du", "le", "la", "ten", "ter", "mac", "st", "dos", "das"}


# --- names and keys --------------------------------------------------------------------------

def _is_initials(token: str) -> bool:
    t = token.strip(".,;")
    if not t:
        return True
    if re.fullmatch(r"(?:[A-Z]\.?-?){1,4}", token.strip(",;")):
        return True
    return bool(re.fullmatch(r"[A-Z]{1,3}", t))


def surname_of(author: str | None) -> str | None:
    """The surname in an author string as reference lists and title pages print it:
    'Sigtermans MJ', 'Sigtermans, M.J.', 'van Hilten JJ', 'Helena M. Verbruggen',
    'Dermot P Maher, MD, MS', 'Buckenmaier CC III'."""
    if not author:
        return None
    a = re.sub(r"\s+", " ", author).strip().strip(".;")
    a = re.sub(r"\bet al\.?$", "", a).strip(" ,")
    # "Surname, Initials" (the comma form) before degrees are stripped
    m = re.match(r"^([^,]+),\s*((?:[A-Z]\.?\s*-?){1,4})$", a)
    if m:
        return m.group(1).strip()
    a = _DEGREES.sub("", a).strip(" ,")
    if not a:
        return None
    tokens = a.split()
    if len(tokens) == 1:
        return tokens[0]
    # "Sigtermans MJ", "van Hilten JJ": trailing initials
    if _is_initials(tokens[-1]):
        head = [t for t in tokens if not _is_initials(t)]
        while head and _is_initials(head[-1]):
            head.pop()
        return " ".join(head) if head else tokens[0]
    # "Helena M. Verbruggen", "Jan van Dijk": given names first; keep particles with the surname
    i = len(tokens) - 1
    while i > 0 and tokens[i - 1].lower() in _PARTICLES:
        i -= 1
    return " ".join(tokens[i:])


def name_slug(name: str) -> str:
    s = ascii_fold(name).lower()
    s = re.sub(r"[^a-z0-9]+", "-", s).strip("-")
    return s


def study_key(first_author: str | None, year: int | None, suffix: str = "") -> str | None:
    """'Kvarnström', 2004 -> 'kvarnstrom-2004'. None when either part is unknown."""
    if not first_author or not year:
        return None
    slug = name_slug(first_author)
    if not slug:
        return None
    return f"{slug}-{year}{suffix}"


def title_words(title: str | None, n: int = 2) -> str:
    words = [w for w in normalize_title(title).split() if w not in _STOP]
    return "-".join(words[:n])


def normalize_title(title: str | None) -> str:
    if not title:
        return ""
    t = ascii_fold(title).lower()
    t = re.sub(r"(\w)fi\s+(\w)", r"\1fi\2", t)  # "signifi cant" from a split ligature
    t = t.replace("&", " and ")
    t = re.sub(r"[^a-z0-9]+", " ", t)
    return re.sub(r"\s+", " ", t).strip()


def normalize_doi(doi: str | None) -> str | None:
    if not doi:
        return None
    d = doi.strip().lower()
    d = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", d)
    d = d.rstrip(".,;)")
    return d or None


def title_similarity(a: str | None, b: str | None, metric: str = TITLE_METRIC) -> float | None:
    """0..100, or None when either title is unknown."""
    na, nb = normalize_title(a), normalize_title(b)
    if not na or not nb:
        return None
    if metric == "partial_or_set":
        return float(max(fuzz.partial_ratio(na, nb), fuzz.token_set_ratio(na, nb)))
    return float(getattr(fuzz, metric)(na, nb))


def surname_similarity(a: str | None, b: str | None) -> float:
    if not a or not b:
        return 0.0
    return float(fuzz.ratio(name_slug(a), name_slug(b)))


# --- identity decision -----------------------------------------------------------------------

@dataclass
class LinkDecision:
    same: bool | None  # None: not enough to decide
    score: float  # 0..100
    reason: str


def same_study(a: Any, b: Any, threshold: float = TITLE_THRESHOLD) -> LinkDecision:
    """Are two study records (Study frames, References, or anything with first_author/authors,
    year, title, doi, pmid) the same study?"""
    doi_a, doi_b = normalize_doi(getattr(a, "doi", None)), normalize_doi(getattr(b, "doi", None))
    if doi_a and doi_b:
        return LinkDecision(doi_a == doi_b, 100.0 if doi_a == doi_b else 0.0, "DOI")
    pa, pb = getattr(a, "pmid", None), getattr(b, "pmid", None)
    if pa and pb:
        return LinkDecision(str(pa) == str(pb), 100.0 if str(pa) == str(pb) else 0.0, "PMID")
    sa, sb = _first_surname(a), _first_surname(b)
    ya, yb = getattr(a, "year", None), getattr(b, "year", None)
    if not sa or not sb or not ya or not yb:
        return LinkDecision(None, 0.0, "first author or year unknown")
    name = surname_similarity(sa, sb)
    if name < SURNAME_THRESHOLD or ya != yb:
        return LinkDecision(False, min(name, 0.0 if ya != yb else name), "first author or year differ")
    sim = title_similarity(getattr(a, "title", None), getattr(b, "title", None))
    if sim is None:
        return LinkDecision(True, name, "first author + year (a title unknown)")
    return LinkDecision(sim >= threshold, sim, f"first author + year + title {TITLE_METRIC} {sim:.0f} (threshold {threshold:.0f})")


def _first_surname(obj: Any) -> str | None:
    fa = getattr(obj, "first_author", None)
    if fa:
        return surname_of(fa) if " " in fa.strip() else fa
    authors = getattr(obj, "authors", None) or []
    return surname_of(authors[0]) if authors else None


# --- citations to references ------------------------------------------------------------------

@dataclass
class Candidate:
    reference: Any  # kgraph.parse.model.Reference
    score: float
    reason: str


@dataclass
class CitationResolution:
    reference: Any | None  # the reference linked, or None
    candidates: list[Candidate] = field(default_factory=list)
    problem: str | None = None  # set when nothing was linked, or number and author disagree


def reference_surname(ref: Any) -> str | None:
    if getattr(ref, "authors", None):
        return surname_of(ref.authors[0])
    raw = getattr(ref, "raw", "") or ""
    m = re.match(r"^\s*(?:\d+\.\s*)?([^,.;]+?)(?:\s+[A-Z]{1,3})?[,.]", raw)
    return m.group(1).strip() if m else None


def resolve_citation(label: ReferenceLabel, references: list[Any]) -> CitationResolution:
    """The reference a table row cites. Number first (checked by first author), then author+year."""
    by_number = {r.number: r for r in references if getattr(r, "number", None) is not None}
    author = label.author
    if label.numbers:
        found = [by_number[n] for n in label.numbers if n in by_number]
        missing = [n for n in label.numbers if n not in by_number]
        if found:
            ref = found[0]
            rs = reference_surname(ref)
            sim = surname_similarity(author, rs) if author and rs else 100.0
            # "Patil and Anitescu" or a label whose first word is the surname's first part
            if author and rs and sim < SURNAME_THRESHOLD:
                sim = max(sim, float(fuzz.partial_ratio(name_slug(author), name_slug(rs))) if min(len(author), len(rs)) >= 4 else sim)
            if sim >= SURNAME_THRESHOLD:
                return CitationResolution(ref, [Candidate(ref, sim, f"reference number {ref.number}")])
            by_author = _author_candidates(author, label.year, references)
            cands = [Candidate(ref, sim, f"reference number {ref.number}, first author {rs!r}")] + by_author
            if not by_author:
                # the printed marker is the only candidate: link it, and say the names differ
                return CitationResolution(ref, cands, f"cites [{ref.number}] whose first author is {rs!r}, not {author!r}; "
                                                      "linked by the number (no reference matches the name)")
            return CitationResolution(
                None, cands,
                f"cites [{ref.number}] whose first author is {rs!r}, not {author!r}"
                + (f"; by author: {', '.join(_fmt(c) for c in by_author)}" if by_author else ""),
            )
        if missing:
            by_author = _author_candidates(author, label.year, references)
            return CitationResolution(
                None, by_author,
                f"citation {','.join(map(str, missing))} matches no reference in the reference list"
                + (f"; by author: {', '.join(_fmt(c) for c in by_author)}" if by_author else ""),
            )
    cands = _author_candidates(author, label.year, references)
    if not cands:
        return CitationResolution(None, [], f"{label.text!r} matches no reference" + ("" if references else " (no reference list)"))
    best = [c for c in cands if c.score >= cands[0].score - 1e-9]
    if len(best) == 1 and (label.year is not None or len(cands) == 1):
        return CitationResolution(best[0].reference, cands)
    return CitationResolution(None, cands, f"{label.text!r} has {len(cands)} candidate references: " + ", ".join(_fmt(c) for c in cands))


def _fmt(c: Candidate) -> str:
    ref = c.reference
    return f"[{getattr(ref, 'number', None)}] {reference_surname(ref)} {getattr(ref, 'year', None) or ''} (score {c.score:.0f})".replace("  ", " ")


def _author_candidates(author: str | None, year: int | None, references: list[Any]) -> list[Candidate]:
    if not author:
        return []
    out = []
    for ref in references:
        rs = reference_surname(ref)
        if not rs:
            continue
        sim = surname_similarity(author, rs)
        if sim < SURNAME_THRESHOLD:
            continue
        ry = getattr(ref, "year", None)
        if year is not None and ry is not None and ry != year:
            continue
        score = sim if year is None else min(100.0, sim)
        out.append(Candidate(ref, score, "first author" + (" + year" if year else "")))
    out.sort(key=lambda c: (-c.score, getattr(c.reference, "number", 0) or 0))
    return out


# --- keys for a set of rows -------------------------------------------------------------------

def assign_keys(records: list[dict[str, Any]]) -> list[str]:
    """Study keys for records of one document (dicts with first_author, year, title, part,
    reference_number, fallback). Rows of one study (same reference, e.g. Part 1 / Part 2) share
    their key; two different studies with the same surname + year get title suffixes."""
    base = [study_key(r.get("first_author"), r.get("year")) for r in records]
    keys: list[str] = []
    groups: dict[str, set] = {}
    for r, b in zip(records, base):
        if b:
            ident = r.get("reference_number") or normalize_title(r.get("title")) or r.get("ident") or id(r)
            groups.setdefault(b, set()).add(ident)
    for r, b in zip(records, base):
        if not b:
            keys.append(r["fallback"])
            continue
        if len(groups[b]) > 1:
            suffix = title_words(r.get("title"), 2) or (f"ref{r['reference_number']}" if r.get("reference_number") else "")
            keys.append(f"{b}-{suffix}" if suffix else b)
        else:
            keys.append(b)
    return keys


# --- cross-document report -------------------------------------------------------------------

@dataclass
class Conflict:
    key: str
    field: str
    values: list[tuple[str, Any, str]]  # (doc_key, value, evidence text)


@dataclass
class LinkReport:
    merged: dict[str, list[str]] = field(default_factory=dict)  # study key -> doc keys describing it
    collisions: list[str] = field(default_factory=list)  # same key, evidence of different studies
    missed: list[str] = field(default_factory=list)  # different keys, evidence of one study
    conflicts: list[Conflict] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"{k}: {', '.join(v)}" for k, v in sorted(self.merged.items()) if len(v) > 1]
        out += [f"collision: {c}" for c in self.collisions]
        out += [f"possible same study: {m}" for m in self.missed]
        for c in self.conflicts:
            vals = "; ".join(f"{d}: {v!r}" for d, v, _ in c.values)
            out.append(f"conflict {c.key} {c.field}: {vals}")
        return out


_CONFLICT_FIELDS = ("n", "year", "design", "setting")


def _field_value(study: Any, name: str) -> Any:
    v = getattr(study, name, None)
    if name in ("design", "setting") and v is not None:
        return getattr(v, "id", v)
    return v


def link_report(frames_list: Iterable[Any]) -> LinkReport:
    """Check how the studies of several documents (DocumentFrames) link up."""
    rows: list[tuple[str, Any]] = []
    for fr in sorted(frames_list, key=lambda f: f.doc_key):
        for st in fr.studies:
            rows.append((fr.doc_key, st))
    report = LinkReport()
    by_key: dict[str, list[tuple[str, Any]]] = {}
    for doc, st in rows:
        by_key.setdefault(st.key, []).append((doc, st))
    for key, items in sorted(by_key.items()):
        docs = sorted({d for d, _ in items})
        report.merged[key] = docs
        if len(docs) < 2:
            continue
        for (da, a), (db, b) in combinations(items, 2):
            if da == db:
                continue
            dec = same_study(a, b)
            if dec.same is False:
                report.collisions.append(f"{key}: {da} and {db} share the key but {dec.reason} (score {dec.score:.0f})")
        for name in _CONFLICT_FIELDS:
            vals = []
            for d, st in items:
                v = _field_value(st, name)
                if v is None:
                    continue
                ev = ""
                evs = getattr(st, "evidence", None) or []
                if evs:
                    ev = evs[0].text
                vals.append((d, v, ev))
            distinct = {repr(v) for _, v, _ in vals}
            if len(distinct) > 1 and len({d for d, _, _ in vals}) > 1:
                report.conflicts.append(Conflict(key, name, vals))
    keys = sorted(by_key)
    for ka, kb in combinations(keys, 2):
        a = by_key[ka][0][1]
        b = by_key[kb][0][1]
        dec = same_study(a, b)
        if dec.same and dec.reason in ("DOI", "PMID"):
            report.missed.append(f"{ka} and {kb}: same {dec.reason}")
    return report
