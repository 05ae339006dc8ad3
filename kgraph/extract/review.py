"""Reviews: evidence tables to Study frames, conclusions to Claims (docs/reviews.md).

``extract_review(doc, nlp=None) -> DocumentFrames``

1. Every table is read by ``tables.classify_columns`` (header text and cell content, never
   position). A table with a reference column and enough study columns is an evidence table;
   any other table is kept as it is (the Document still has it) and a warning says why no facts
   were read from it.
2. Each body row of an evidence table becomes a Study: the reference cell is tied to the
   reference list (``linking.resolve_citation``), the key is ``linking.study_key`` (first author
   + year, the same key the study's own paper gets). Cells run through the same pipeline as
   sentences (vocabularies, quantity grammar, negation) with the table footnote's abbreviations
   applied; "1. ... 2. ..." items are separate facts. Rows of one study ("Part 1", "Part 2")
   share the key and carry ``Study.part``.
3. Claims come from kgraph.extract.claims (discussion, summary, conclusions, recommendations).

Every fact's evidence is its table cell: table id, row (0-based index into Table.rows), column,
page, box and character offsets (narrowed to the item when the cell holds several).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kgraph.extract import tables as T
from kgraph.extract.abbreviations import parse_footnote
from kgraph.extract.frames import (
    AdverseEffect,
    Arm,
    Coadministration,
    Comparator,
    Concept,
    DocumentFrames,
    Evidence,
    Outcome,
    Protocol,
    Quantity,
    Study,
    Titration,
)
from kgraph.extract.linking import assign_keys, name_slug, normalize_doi, resolve_citation, surname_of

EXTRACTOR = "kgraph.review"

# Words that tell a comparator from an adjunct in a combination-therapy cell.
_COMPARE_CUE = re.compile(r"\b(?:compared (?:with|to|against)|versus|vs\.?|comparison with|than|control(?:led)? (?:group|arm)|comparator)\b", re.I)
_PLACEBO = re.compile(r"\bplacebo\b", re.I)
_ACTIVE_PLACEBO = re.compile(r"\bactive[- ](?:placebo|control)\b|\bplacebo control\b|\bas (?:an? )?(?:active )?placebo\b", re.I)
_NONE_CELL = re.compile(r"^\s*(?:none|nil|no(?:ne)? (?:reported|observed|noted))\s*[.;:]?\s*$", re.I)
_NONE_START = re.compile(r"^\s*none\s*[.;:,]\s*", re.I)
_NOT_REPORTED = re.compile(r"^\s*(?:not (?:reported|stated|available|assessed|specified)|n/?a|nr|unknown|unclear|[-–—])\s*\.?\s*$", re.I)
_IMPROVED = re.compile(r"\b(?:reduc|decreas|improv|relie(?:f|ved)|lower|better|attenuat|normaliz|respon|benefit|analgesi|control|less pain|alleviat)\w*", re.I)
_NO_EFFECT = re.compile(r"\b(?:no (?:\w+ )?(?:difference|benefit|change|advantage|effect|improvement|significant)|not (?:significant|different|improv)|no longer significant|did not|equivalent|similar|failed to)\b", re.I)
_WORSENED = re.compile(r"\b(?:worse|increas\w* pain|recrudescence|exacerbat\w*|return of)\b", re.I)
_SCHEDULE = re.compile(r"\b(every other day|every \d+(?:\.\d+)? ?(?:d|days?|wk|weeks?|h|hours?)|daily|once daily|twice daily|weekly|monthly|continuous(?:ly)?|on consecutive (?:days|weekdays)|repeated)\b", re.I)
_SESSIONS = re.compile(r"\b(\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\s+(?:(?:daily|consecutive|separate|repeated|serial|outpatient|inpatient)\s+)*(?:sessions|infusions|treatments|courses)\b", re.I)
_FOR_DAYS = re.compile(r"\bfor\s+(\d{1,3})\s*(?:d|days?)\b", re.I)
_WORDNUM = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
            "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
            "eighteen": 18, "nineteen": 19, "twenty": 20, "all": None}
_INCIDENCE = re.compile(
    r"\b(?:(?P<n>\d{1,4}|" + "|".join(k for k in _WORDNUM if k != "all") + r")\s*(?:of|/|out of)\s*(?P<m>\d{1,4}|"
    + "|".join(k for k in _WORDNUM if k != "all") + r")"
    r"|(?P<pct>\d{1,3}(?:\.\d+)?)\s*%"
    r"|(?P<pctw>" + "|".join(k for k in _WORDNUM if k != "all") + r"|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety) percent"
    r"|(?P<c>\d{1,4}|" + "|".join(k for k in _WORDNUM if k != "all") + r")\s+(?:\w+\s+)?(?:patients?|subjects?|participants?|cases?))\b",
    re.I,
)
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_DURATION_KINDS = {"duration", "follow_up", "relief"}
_TIME_UNITS = {"s", "min", "h", "d", "wk", "mo", "yr"}
_GENERAL_AE_IDS = ("adverse_event", "adverse_effect", "side_effect", "any_adverse_event", "adverse_events", "side_effects")


# --- analysis of a cell ------------------------------------------------------------------------

@dataclass
class Ent:
    label: str
    scheme: str
    concept_id: str
    text: str
    start: int
    end: int
    negated: bool = False
    hedged: bool = False


@dataclass
class QMention:
    start: int
    end: int
    quantity: Quantity
    raw: Any = None  # the grammar's QuantityMatch: role, schedule, titration, denominator


@dataclass
class CellReading:
    """One cell: its text, where it is, and what the pipeline found in it."""

    text: str
    row: int
    col: int
    cell: Any  # the first parse.model.Cell behind it
    ents: list[Ent] = field(default_factory=list)
    quantities: list[QMention] = field(default_factory=list)
    sentences: list[tuple[int, int]] = field(default_factory=list)
    items: list[tuple[str, int, int]] = field(default_factory=list)
    extra_citations: list[Any] = field(default_factory=list)  # markers of merged continuation cells


class Analyzer:
    """Runs the extraction pipeline over short texts (cells, sentences) with given abbreviations."""

    def __init__(self, nlp: Any = None) -> None:
        from kgraph.extract import pipeline

        self._pipeline = pipeline
        self.nlp = nlp if nlp is not None else pipeline.get_nlp()
        self._labels: dict[tuple[str, str], str] = {}
        self._forms: dict[str, str] | None = None
        self._cache: dict[tuple, tuple] = {}

    def analyze(self, text: str, abbreviations: dict[str, str] | None = None):
        return self._pipeline.analyze(text, abbreviations=abbreviations or None, nlp=self.nlp)

    def read(self, text: str, abbreviations: dict[str, str] | None = None) -> tuple[list[Ent], list[QMention], list[tuple[int, int]]]:
        """Entities, quantities and sentences of ``text`` (cached: a table is read more than once)."""
        if not text.strip():
            return [], [], []
        key = (text, tuple(sorted((abbreviations or {}).items())))
        hit = self._cache.get(key)
        if hit is None:
            hit = self._read(text, abbreviations)
            if len(self._cache) > 4096:
                self._cache.clear()
            self._cache[key] = hit
        ents, qs, sents = hit
        # callers may edit quantities (kind, evidence): hand out copies
        return list(ents), [QMention(q.start, q.end, copy.deepcopy(q.quantity), q.raw) for q in qs], list(sents)

    @staticmethod
    def _ents(doc) -> list[Ent]:
        ents = []
        for e in doc.ents:
            cid = e._.concept_id
            scheme = getattr(e._, "scheme", None) or ""
            if not cid:
                continue
            ents.append(Ent(e.label_, scheme, cid, e.text, e.start_char, e.end_char,
                            bool(getattr(e._, "negated", False)), bool(getattr(e._, "hedged", False))))
        return ents

    def _read(self, text: str, abbreviations: dict[str, str] | None):
        doc = self.analyze(text, abbreviations)
        ents = self._ents(doc)
        used = [k for k in (abbreviations or {}) if re.search(r"(?<!\w)" + re.escape(k) + r"(?!\w)", text)]
        if used:
            # a footnote's "CRPS, complex regional pain syndrome" must not hide what the vocabulary
            # itself knows more precisely ("CRPS-1" is CRPS type 1): the longer vocabulary match wins
            plain = self._ents(self.analyze(text, None))
            merged = []
            for e in ents:
                better = [p for p in plain if p.label == e.label and p.start <= e.start and p.end >= e.end
                          and (p.end - p.start) > (e.end - e.start) - (1 if p.concept_id != e.concept_id else 0)
                          and p.concept_id != e.concept_id]
                if better:
                    b = better[0]
                    merged.append(Ent(b.label, b.scheme, b.concept_id, b.text, b.start, b.end, e.negated or b.negated, e.hedged or b.hedged))
                else:
                    merged.append(e)
            ents = merged
        qs = [QMention(m.start, m.end, m.quantity, getattr(m, "raw", None)) for m in (doc._.quantities or [])]
        sents = [(sp.start_char, sp.end_char) for sp in doc.sents] if doc.has_annotation("SENT_START") else [(0, len(text))]
        return ents, qs, sents

    def _index(self):
        return self._pipeline.vocabulary_index()

    def concept(self, scheme: str, cid: str, surface: str = "") -> Concept:
        key = (scheme, cid)
        if key not in self._labels:
            label = None
            try:
                label = self._index().labels.get(key)
            except Exception:  # a lexicon id has no vocabulary entry
                label = None
            self._labels[key] = label or surface or cid
        return Concept(cid, self._labels[key], scheme)

    def concepts_in(self, text: str) -> list[tuple[str, str, int, int]]:
        ents, _, _ = self.read(text)
        return [(e.scheme, e.concept_id, e.start, e.end) for e in ents]

    def has_concept(self, scheme: str, cid: str) -> bool:
        try:
            return (scheme, cid) in self._index().labels
        except Exception:
            return False

    def form_of(self, surface: str) -> Concept | None:
        """The drug form a drug mention names ("S(+)-ketamine", "esketamine"), if any."""
        if self._forms is None:
            self._forms = {}
            try:
                for (scheme, cid), forms in self._index().terms_by_key.items():
                    if scheme == "forms":
                        for text, _ in forms:
                            self._forms[" ".join(text.lower().split())] = cid
            except Exception:
                pass
        cid = self._forms.get(" ".join(surface.lower().split()))
        return self.concept("forms", cid, surface) if cid else None

    def evidence_level(self, design_id: str) -> int | None:
        try:
            from kgraph.extract.assemble import evidence_level_of

            return evidence_level_of(design_id)
        except Exception:
            return None


# --- entry point -------------------------------------------------------------------------------

def extract_review(doc: Any, nlp: Any = None, analyzer: Analyzer | None = None) -> DocumentFrames:
    """Frames of a review: one Study per evidence-table row, Claims from its conclusions."""
    from kgraph.extract.claims import extract_claims

    analyzer = analyzer or Analyzer(nlp)
    frames = DocumentFrames(
        doc_key=review_document_key(doc),
        source=doc.source,
        sha256=doc.sha256,
        title=doc.title,
        authors=list(doc.authors or []),
        year=doc.year,
        doi=normalize_doi(doc.doi),
        pmid=doc.pmid,
        kind="review",
        extractor_version=_extractor_version(),
    )
    frames.warnings.extend(getattr(doc, "warnings", []) or [])
    for table in doc.tables:
        studies, warnings = read_table(doc, table, analyzer)
        frames.studies.extend(studies)
        frames.warnings.extend(warnings)
    claims, warnings = extract_claims(doc, frames.studies, analyzer)
    frames.claims.extend(claims)
    frames.warnings.extend(warnings)
    return frames


def _extractor_version() -> str:
    try:
        from kgraph.extract.pipeline import PIPELINE_VERSION

        return f"{EXTRACTOR}/{PIPELINE_VERSION}"
    except Exception:  # pragma: no cover
        return EXTRACTOR


def review_document_key(doc: Any) -> str:
    """The document key, by the same rule as every other document (DOI, PMID, author-year-title,
    else the content hash)."""
    from kgraph.extract.assemble import document_key

    return document_key(doc)


# --- is it a review? ---------------------------------------------------------------------------

_REVIEW_SELF = re.compile(
    r"\b(?:this|the present|our|the current)\s+(?:[\w-]+\s+){0,2}(?:review|meta-?analysis|overview)\b"
    r"|\bliterature search\b|\bPRISMA\b",
    re.I,
)
_CHART_REVIEW = re.compile(r"\b(?:chart|record|records|retrospective|case|notes?)\s+review\b", re.I)


def has_evidence_table(doc: Any) -> bool:
    """A table whose header names a study column and enough study variables (no NLP needed)."""
    for table in getattr(doc, "tables", []) or []:
        try:
            if T.classify_columns(table).is_evidence_table:
                return True
        except Exception:  # noqa: BLE001 - a malformed table is no evidence of anything
            continue
    return False


def is_review(doc: Any) -> bool:
    """A review: an evidence table, or the abstract/introduction calls the paper a review."""
    if has_evidence_table(doc):
        return True
    head = []
    for s in getattr(doc, "sections", []) or []:
        if s.kind in ("title", "abstract", "introduction", "methods"):
            head.extend(b.text for b in s.blocks)
    text = " ".join(head)[:20000] or (doc.text or "")[:5000]
    return any(not _CHART_REVIEW.search(m.group(0)) for m in _REVIEW_SELF.finditer(text))


# --- tables ------------------------------------------------------------------------------------

def read_table(doc: Any, table: Any, analyzer: Analyzer) -> tuple[list[Study], list[str]]:
    """Studies from one table, or none and a warning when it is not an evidence table."""
    warnings: list[str] = []
    abbreviations = parse_footnote(table.footnote or "")
    reading = T.classify_columns(table, analyzer.concepts_in, abbreviations)
    if not reading.is_evidence_table:
        cols = "; ".join(f"{c.header!r}" for c in reading.columns) or "no header"
        warnings.append(f"{table.id}: not read as an evidence table ({reading.reason}); kept as a table, no facts extracted. Columns: {cols}")
        return [], warnings
    unknown = [c.header for c in reading.columns if not c.role and c.header]
    if unknown:
        warnings.append(f"{table.id}: column(s) not recognized, their cells are not read: {', '.join(repr(u) for u in unknown)}")
    roles = reading.roles
    rows = _logical_rows(table, roles, warnings)
    main_drug = _main_drug(doc, table, rows, roles, abbreviations, analyzer)
    records = []
    built: list[tuple[Study, dict[str, Any]]] = []
    group_label: str | None = None
    for row_index, cells in rows:
        nonempty = [c for c in cells.values() if c.text.strip()]
        if len(nonempty) == 1 and roles.get("reference") in cells and cells[roles["reference"]].text.strip() and \
                not T.parse_reference_label(cells[roles["reference"]].text).numbers:
            group_label = cells[roles["reference"]].text.strip()  # a group heading row ("Fibromyalgia")
            continue
        if not nonempty:
            continue
        for col, cr in cells.items():
            cr.ents, cr.quantities, cr.sentences = analyzer.read(cr.text, abbreviations)
            cr.items = T.split_items(cr.text)
        study, info = _row_to_study(doc, table, row_index, cells, roles, main_drug, group_label, abbreviations, analyzer, warnings)
        built.append((study, info))
        records.append(info)
    keys = assign_keys(records)
    for (study, info), key in zip(built, keys):
        study.key = key
        if key != info.get("base_key") and info.get("base_key"):
            warnings.append(f"{table.id} row {info['row']}: two studies share {info['base_key']!r}; this one is keyed {key!r}")
    return [s for s, _ in built], warnings


def _logical_rows(table: Any, roles: dict[str, int], warnings: list[str]) -> list[tuple[int, dict[int, CellReading]]]:
    """Body rows as {col: CellReading}. A row continues the row above (a cell broken over a page,
    or multi-line cells that the reader split into rows) when its reference cell is empty, or when
    it leaves a key column (year, size, design) empty that the row above fills and most of its
    cells are empty."""
    ref_col = roles.get("reference")
    key_cols = [roles[r] for r in ("year", "study_size", "design") if r in roles]
    out: list[tuple[int, dict[int, CellReading]]] = []
    for i, row in enumerate(table.rows):
        by_col: dict[int, CellReading] = {j: CellReading(T.clean_cell_text(c.text), i, j, c) for j, c in enumerate(row)}
        texts = [cr.text for cr in by_col.values()]
        filled = sum(1 for t in texts if t)
        ref_text = by_col[ref_col].text if ref_col is not None and ref_col in by_col else ""
        continuation = False
        if out and filled:
            prev = out[-1][1]
            if ref_col is not None and not ref_text:
                continuation = True
            elif key_cols and filled < 0.5 * max(1, len(texts)) and any(
                    not (by_col.get(k) and by_col[k].text) and prev.get(k) is not None and prev[k].text for k in key_cols):
                continuation = True
        if continuation:
            prev = out[-1][1]
            for col, cr in by_col.items():
                if not cr.text:
                    continue
                if col in prev and prev[col].text:
                    prev[col].text = f"{prev[col].text} {cr.text}"
                    if col == ref_col and getattr(cr.cell, "citations", None):
                        prev[col].extra_citations.extend(cr.cell.citations)
                else:
                    prev[col] = cr
            warnings.append(f"{table.id} row {i}: read as the continuation of row {out[-1][0]}")
            continue
        out.append((i, by_col))
    return out


def _main_drug(doc, table, rows, roles, abbreviations, analyzer) -> Concept | None:
    """The drug the table is about: named in its caption, else most often in its dose cells,
    else in the document title."""
    for text in (table.caption or "",):
        ents, _, _ = analyzer.read(text, abbreviations)
        drugs = [e for e in ents if e.label == "DRUG"]
        if drugs:
            return analyzer.concept(drugs[0].scheme, drugs[0].concept_id, drugs[0].text)
    counts: dict[tuple[str, str], int] = {}
    surface: dict[tuple[str, str], str] = {}
    dose_col = roles.get("dose")
    if dose_col is not None:
        for _, cells in rows:
            cr = cells.get(dose_col)
            if not cr or not cr.text:
                continue
            ents, _, _ = analyzer.read(cr.text, abbreviations)
            for e in ents:
                if e.label == "DRUG":
                    counts[(e.scheme, e.concept_id)] = counts.get((e.scheme, e.concept_id), 0) + 1
                    surface[(e.scheme, e.concept_id)] = e.text
    if counts:
        key = max(counts, key=lambda k: (counts[k], k))
        return analyzer.concept(key[0], key[1], surface[key])
    if doc.title:
        ents, _, _ = analyzer.read(doc.title)
        drugs = [e for e in ents if e.label == "DRUG"]
        if drugs:
            return analyzer.concept(drugs[0].scheme, drugs[0].concept_id, drugs[0].text)
    return None


# --- evidence ----------------------------------------------------------------------------------

def cell_evidence(doc: Any, table: Any, cr: CellReading, start: int | None = None, end: int | None = None) -> Evidence:
    """Evidence for a cell, or for the piece [start:end] of its text."""
    cell = cr.cell
    span = getattr(cell, "span", None)
    text = cr.text if start is None else cr.text[start:end]
    if span is not None:
        abs_start, abs_end = span.start, span.end
        original = doc.text[span.start:span.end] if doc.text else ""
        if start is not None and original:
            # offsets into the cell text map onto the document when the cell text is the document's
            if T.clean_cell_text(original) == cr.text:
                mapped = _map_clean_offsets(original, start, end)
                if mapped:
                    abs_start, abs_end = span.start + mapped[0], span.start + mapped[1]
        page, bbox = span.page, span.bbox
    else:
        abs_start, abs_end, page, bbox = 0, 0, None, None
    return Evidence(text=text, start=abs_start, end=abs_end, page=page, bbox=tuple(bbox) if bbox else None,
                    section="table", table=table.id, row=cr.row, col=cr.col, extractor=EXTRACTOR)


def _map_clean_offsets(original: str, start: int, end: int) -> tuple[int, int] | None:
    """Offsets in the whitespace-collapsed text -> offsets in the original text."""
    mapping: list[int] = []
    prev_space = True
    lead = True
    for i, ch in enumerate(original):
        if ch.isspace():
            if lead or prev_space:
                continue
            prev_space = True
            mapping.append(i)
        else:
            lead = False
            prev_space = False
            mapping.append(i)
    mapping.append(len(original))
    if end > len(mapping) - 1:
        return None
    s = mapping[start] if start < len(mapping) else len(original)
    e = mapping[end - 1] + 1 if end > 0 else s
    return s, e


# --- one row -----------------------------------------------------------------------------------

def _row_to_study(doc, table, row_index, cells, roles, main_drug, group_label, abbreviations, analyzer, warnings):
    def cell(role: str) -> CellReading | None:
        col = roles.get(role)
        if col is None:
            return None
        cr = cells.get(col)
        return cr if cr is not None and cr.text.strip() and not _NOT_REPORTED.match(cr.text) else None

    def ev(cr: CellReading, s: int | None = None, e: int | None = None) -> Evidence:
        return cell_evidence(doc, table, cr, s, e)

    ref_cr = cell("reference")
    label = T.parse_reference_label(ref_cr.text) if ref_cr else T.ReferenceLabel("", None, [])
    if ref_cr is not None and not label.numbers:
        # the reader keeps a cell's superscript markers apart from its text
        label.numbers = [n for c in list(getattr(ref_cr.cell, "citations", None) or []) + ref_cr.extra_citations for n in c.numbers]
    resolution = resolve_citation(label, doc.references) if ref_cr else None
    ref = resolution.reference if resolution else None
    where = f"{table.id} row {row_index}"
    if resolution and resolution.problem:
        warnings.append(f"{where} ({label.text!r}): {resolution.problem}")
    year_cr = cell("year")
    year = (ref.year if ref is not None and ref.year else None) or label.year
    if year is None and year_cr is not None:
        m = re.search(r"(?:19|20)\d{2}", year_cr.text)
        year = int(m.group(0)) if m else None
    first_author = None
    if ref is not None and ref.authors:
        first_author = surname_of(ref.authors[0])
    if first_author and label.author and name_slug(first_author) == name_slug(label.author):
        first_author = label.author  # the row's own spelling when both agree (a reference list may carry OCR damage)
    first_author = first_author or label.author
    # the review's number for the study only when the row is tied to that reference (never guessed)
    ref_number = ref.number if ref is not None else None
    display = first_author or label.text or f"row {row_index}"
    study = Study(
        key="",
        # one label per study, whatever part: the part is Study.part
        label=f"{display} {year}".strip() if year else (display or label.text),
        reference_number=ref_number,
        first_author=first_author,
        year=year,
        title=getattr(ref, "title", None) if ref is not None else None,
        doi=normalize_doi(getattr(ref, "doi", None)) if ref is not None else None,
        pmid=getattr(ref, "pmid", None) if ref is not None else None,
        part=label.part,
    )
    if ref_cr is not None:
        study.evidence.append(ev(ref_cr))
    printed = ref_number or (label.numbers[0] if label.numbers else None)
    fallback = f"{name_slug(first_author or 'study')}-{'ref' + str(printed) if printed else 'row' + str(row_index)}-{name_slug(review_document_key(doc))[:40]}"
    if year is None:
        warnings.append(f"{where} ({label.text!r}): no year for this study; keyed {fallback!r}, it will not link to the study's own paper")
    from kgraph.extract.linking import study_key

    info = {"row": row_index, "first_author": first_author, "year": year, "title": study.title,
            "reference_number": ref_number, "part": label.part, "fallback": fallback,
            "ident": ref_number or (tuple(label.numbers) if label.numbers else None) or (label.author, label.year, label.year_suffix),
            "base_key": study_key(first_author, year)}

    # conditions
    cond_cr = cell("condition")
    if cond_cr is not None:
        seen = set()
        for e in cond_cr.ents:
            if e.label == "CONDITION" and e.concept_id not in seen:
                seen.add(e.concept_id)
                study.conditions.append(analyzer.concept(e.scheme, e.concept_id, e.text))
        for e in elliptical_conditions(cond_cr.text, analyzer, abbreviations):
            if e.concept_id not in seen:
                seen.add(e.concept_id)
                study.conditions.append(analyzer.concept(e.scheme, e.concept_id, e.text))
        if not study.conditions:
            warnings.append(f"{where}: condition {cond_cr.text!r} matches no vocabulary concept")
    elif group_label:
        ents, _, _ = analyzer.read(group_label, abbreviations)
        for e in ents:
            if e.label == "CONDITION":
                study.conditions.append(analyzer.concept(e.scheme, e.concept_id, e.text))

    # size
    size_cr = cell("study_size")
    if size_cr is not None:
        m = re.match(r"^\s*(?:n\s*=\s*)?(\d{1,3}(?:[,\u2009 ]\d{3})+|\d{1,6})\b(?![.,]\d)", size_cr.text, re.I)
        study.n_text = size_cr.text
        if m:
            study.n = int(re.sub(r"\D", "", m.group(1)))
        else:
            warnings.append(f"{where}: study size {size_cr.text!r} has no leading number; kept as text")

    # design
    design_cr = cell("design")
    if design_cr is not None:
        designs = [e for e in design_cr.ents if e.label == "DESIGN"]
        if designs:
            best = _most_specific_design(designs, analyzer)
            study.design = analyzer.concept(best.scheme, best.concept_id, best.text)
            study.evidence_level = analyzer.evidence_level(best.concept_id)
        else:
            used = [f"{k} = {v}" for k, v in abbreviations.items() if re.search(r"\b" + re.escape(k) + r"\b", design_cr.text)]
            warnings.append(f"{where}: design {design_cr.text!r} matches no design concept"
                            + (f" (footnote: {'; '.join(used)})" if used else ""))

    # setting: the setting column, else a setting named in another cell of the row
    setting_cr = cell("setting")
    setting = None
    if setting_cr is not None:
        sets = [e for e in setting_cr.ents if e.label == "SETTING"]
        if sets:
            setting = analyzer.concept(sets[0].scheme, sets[0].concept_id, sets[0].text)
        else:
            warnings.append(f"{where}: setting {setting_cr.text!r} matches no setting concept")
    study.setting = setting

    # protocol
    protocol = None
    dose_cr = cell("dose")
    dur_cr = cell("infusion_duration")
    drug_cr = cell("drug")
    route_cr = cell("route")
    drug = main_drug
    form = None
    other_dose_drugs: list[Ent] = []
    for cr in (drug_cr, dose_cr):
        if cr is None:
            continue
        drugs = [e for e in cr.ents if e.label == "DRUG"]
        if cr is drug_cr and drugs:
            drug = analyzer.concept(drugs[0].scheme, drugs[0].concept_id, drugs[0].text)
        for e in cr.ents:
            if form is None and e.label == "FORM":
                form = _form_text(e, analyzer)
            elif form is None and e.label == "DRUG" and (drug is None or e.concept_id == drug.id):
                f = analyzer.form_of(e.text)
                form = f.label if f is not None else None
    if dose_cr is not None and drug is not None:
        other_dose_drugs = [e for e in dose_cr.ents if e.label == "DRUG" and e.concept_id != drug.id and not _is_placebo(e)]
    if drug is not None and any(x is not None for x in (dose_cr, dur_cr, drug_cr)):
        protocol = Protocol(drug=drug, form=form, setting=setting)
        if dose_cr is not None:
            protocol.evidence.append(ev(dose_cr))
            _read_doses(protocol, dose_cr, other_dose_drugs, ev)
        if dur_cr is not None:
            protocol.evidence.append(ev(dur_cr))
            _read_duration(protocol, dur_cr, ev)
            if setting is None:
                sets = [e for e in dur_cr.ents if e.label == "SETTING"]
                if sets:
                    protocol.setting = analyzer.concept(sets[0].scheme, sets[0].concept_id, sets[0].text)
        if route_cr is not None:
            routes = [e for e in route_cr.ents if e.label == "ROUTE"]
            protocol.route = _route_text(routes[0], analyzer) if routes else None
        else:
            for cr in (dose_cr, dur_cr):
                if cr is not None:
                    routes = [e for e in cr.ents if e.label == "ROUTE"]
                    if routes:
                        protocol.route = _route_text(routes[0], analyzer)
                        break
    elif drug is None and dose_cr is not None:
        warnings.append(f"{where}: no drug named in the table caption or dose cell; protocol not built")

    # comparators from other drugs in the dose cell ("0.1 mg/kg ketamine or 30 mg/kg of MgSO4")
    comparators: list[Comparator] = []
    for e in other_dose_drugs:
        doses = [_as_dose(_with_evidence(q.quantity, ev(dose_cr, q.start, q.end))) for q in dose_cr.quantities
                 if not _is_time(q.quantity) and q.quantity.kind not in ("interval", "course", "count", "percent")
                 and _nearest_drug(q, dose_cr.ents, dose_cr.text) is e]
        if not doses:
            continue  # a drug named without a dose of its own ("if no analgesic benefit") is no arm
        comparators.append(Comparator(label=e.text, kind="active", drug=analyzer.concept(e.scheme, e.concept_id, e.text),
                                      doses=doses, evidence=[ev(dose_cr)]))
        if protocol is not None:
            for q in doses:
                for lst in (protocol.bolus, protocol.rate, protocol.total_dose, protocol.target_concentration):
                    if q in lst:
                        lst.remove(q)

    # combination therapy: adjuncts and comparators
    combo_cr = cell("combination_therapy")
    if combo_cr is not None:
        coadmins, comps = _read_combination(combo_cr, drug, analyzer, ev)
        if protocol is not None:
            protocol.coadministrations.extend(coadmins)
        comparators.extend(comps)

    # placebo named anywhere in the row
    if not any(c.kind in ("placebo", "active_placebo") for c in comparators):
        for role in ("design", "relief_duration", "secondary_outcomes", "side_effects", "study_size"):
            cr = cell(role)
            if cr is not None and _PLACEBO.search(cr.text):
                m = _PLACEBO.search(cr.text)
                kind = "active_placebo" if _ACTIVE_PLACEBO.search(cr.text) else "placebo"
                comparators.append(Comparator(label="active placebo" if kind == "active_placebo" else "placebo", kind=kind,
                                              evidence=[ev(cr, *_sentence_around(cr, m.start()))]))
                break
    # "compared with alfentanil" in an outcome or side-effect cell
    for role in ("relief_duration", "secondary_outcomes", "side_effects"):
        cr = cell(role)
        if cr is None:
            continue
        for m in _COMPARE_CUE.finditer(cr.text):
            after = [e for e in cr.ents if e.label == "DRUG" and 0 <= e.start - m.end() <= 25 and (drug is None or e.concept_id != drug.id)
                     and not _is_placebo(e)]
            for e in after[:1]:
                if not any(c.drug is not None and c.drug.id == e.concept_id for c in comparators):
                    comparators.append(Comparator(label=e.text, kind="active", drug=analyzer.concept(e.scheme, e.concept_id, e.text),
                                                  evidence=[ev(cr, *_sentence_around(cr, m.start()))]))
    study.comparators = _dedupe_comparators(comparators)

    # arms
    if protocol is not None:
        study.arms.append(Arm(label=(protocol.form or protocol.drug.label), protocol=protocol, evidence=list(protocol.evidence)))
    for c in study.comparators:
        study.arms.append(Arm(label=c.label, comparator=c, evidence=list(c.evidence)))
    _arm_sizes(study, [cell("study_size"), cell("design")], analyzer, drug)

    # outcomes
    relief_cr = cell("relief_duration")
    if relief_cr is not None:
        study.outcomes.extend(_read_outcomes(relief_cr, analyzer, ev, primary=True))
    sec_cr = cell("secondary_outcomes")
    if sec_cr is not None and not _NONE_CELL.match(sec_cr.text):
        study.secondary_outcomes.extend(_read_outcomes(sec_cr, analyzer, ev, primary=False))

    # adverse effects
    ae_cr = cell("side_effects")
    if ae_cr is not None:
        study.adverse_effects.extend(_read_adverse_effects(ae_cr, analyzer, ev, warnings, where))

    for role in ("condition", "study_size", "design", "setting"):
        cr = cell(role)
        if cr is not None:
            study.evidence.append(ev(cr))
    return study, info


# --- pieces --------------------------------------------------------------------------------------

_ELLIPSIS = re.compile(r"\b([A-Z][A-Za-z]{1,9}(?:\s+types?)?)[- ]?(\d)\s*(?:and|&|,|/)\s*(\d)\b")


def elliptical_conditions(text: str, analyzer: Analyzer, abbreviations: dict[str, str]) -> list[Ent]:
    """The second term of "CRPS-1 and 2" / "CRPS types 1 and 2" (written without its head)."""
    out = []
    for m in _ELLIPSIS.finditer(text):
        head = m.group(1).replace("types", "type")
        ents, _, _ = analyzer.read(f"{head}{'-' if ' ' not in head else ' '}{m.group(3)}", abbreviations)
        out.extend(e for e in ents if e.label == "CONDITION")
    return out


def _most_specific_design(designs: list[Ent], analyzer: Analyzer) -> Ent:
    """The design entity that says most: a randomized trial over a bare 'crossover'."""
    def rank(e: Ent) -> tuple[int, int]:
        cid = e.concept_id
        score = 0
        if "random" in cid:
            score += 3
        if "retrospective" in cid or "observational" in cid or "cohort" in cid or "case" in cid or "nonrandom" in cid:
            score += 2
        if "crossover" in cid or "parallel" in cid:
            score += 1
        return (score, e.end - e.start)
    return max(designs, key=rank)


def _form_text(e: Ent, analyzer: Analyzer) -> str:
    return analyzer.concept(e.scheme or "forms", e.concept_id, e.text).label


def _route_text(e: Ent, analyzer: Analyzer) -> str:
    return analyzer.concept(e.scheme or "routes", e.concept_id, e.text).label.lower()


def _is_placebo(e: Ent) -> bool:
    return e.concept_id in ("placebo", "saline_placebo", "normal_saline_placebo") or e.text.lower() == "placebo"


def _is_time(q: Quantity) -> bool:
    return (q.unit or "") in _TIME_UNITS or q.kind in _DURATION_KINDS and (q.unit or "") in _TIME_UNITS


def _clause_before(text: str, start: int, qs: list[QMention], width: int = 40) -> str:
    """The text before a quantity back to the previous quantity or clause break."""
    lo = max(0, start - width)
    for q in qs:
        if lo < q.end <= start:
            lo = q.end
    piece = text[lo:start]
    cut = max(piece.rfind(","), piece.rfind(";"), piece.rfind(". "))
    return piece[cut + 1:] if cut >= 0 else piece


def _dose_kind(qm: QMention, text: str, qs: list[QMention]) -> str | None:
    """Which protocol list a dose-cell quantity belongs to."""
    q = qm.quantity
    unit = (q.unit or "").lower()
    before = _clause_before(text, qm.start, qs).lower()
    after = text[qm.end:qm.end + 14].lower()
    if q.kind in ("rate", "target_concentration"):
        return q.kind
    if q.kind == "concentration" or "/ml" in unit or "/l" in unit:
        return "target_concentration" if re.search(r"target|plasma|serum|level|concentration", text, re.I) else None
    if re.search(r"/(?:h|min|d|24h)\b|/h/|/min/", unit):
        return "rate"
    # the grammar spreads "bolus" to neighbours in a list; only a cue in this quantity's own clause counts
    if re.search(r"\b(?:bolus|loading)\b", before) or re.match(r"^\s*(?:iv\s+|intravenous\s+)?(?:bolus|loading)", after):
        return "bolus"
    if q.kind == "total" or re.search(r"\b(?:total|cumulative)\b", before):
        return "total"
    if unit in ("", "%") or unit in _TIME_UNITS or q.kind in ("count", "percent", "weight", "bmi", "unknown"):
        return None
    # "60 µg/kg over 5 min" before an infusion rate: a loading dose
    m = re.match(r"^\s*over\s+(\d+(?:\.\d+)?)\s*(?:min|minutes?)\b", text[qm.end:qm.end + 20], re.I)
    if m and float(m.group(1)) <= 15 and any(_dose_unit_is_rate(o.quantity) for o in qs if o.start > qm.end):
        return "bolus"
    return "total"


def _dose_unit_is_rate(q: Quantity) -> bool:
    return q.kind == "rate" or bool(re.search(r"/(?:h|min|d|24h)\b|/h/|/min/", (q.unit or "").lower()))


def _read_doses(protocol: Protocol, cr: CellReading, other_drugs: list[Ent], ev) -> None:
    text = cr.text
    rates: list[Quantity] = []
    titration = None
    for qm in cr.quantities:
        q = qm.quantity
        if _is_time(q) or q.kind in ("interval", "course", "count", "percent"):
            continue
        owner = _nearest_drug(qm, cr.ents, text)
        if owner is not None and owner.concept_id != protocol.drug.id and not _is_placebo(owner):
            continue  # another drug's dose: a comparator, read by the caller
        kind = _dose_kind(qm, text, cr.quantities)
        if kind is None:
            continue
        q = _with_evidence(q, ev(cr, qm.start, qm.end))
        target = {"bolus": protocol.bolus, "rate": protocol.rate, "target_concentration": protocol.target_concentration,
                  "total": protocol.total_dose}[kind]
        _set_kind(q, kind)
        target.append(q)
        if kind == "rate":
            rates.append(q)
        raw_t = getattr(qm.raw, "titration", None)
        if raw_t is not None and titration is None:
            titration = raw_t
    if titration is not None and (titration.start is not None or titration.maximum is not None):
        protocol.titration = copy.deepcopy(titration)
        protocol.titration.evidence = [ev(cr)]
    elif len(rates) >= 2 and re.search(r"\b(?:increas|titrat|escalat|doubl|maxim|up to|stepwise)\w*", text, re.I):
        protocol.titration = Titration(text=text, start=rates[0], maximum=rates[-1], evidence=[ev(cr)])


def _set_kind(q: Quantity, kind: str) -> None:
    """A quantity read as another kind is normalized again (a per-kg total goes to mg per 70 kg)."""
    if q.kind == kind:
        return
    q.kind = kind
    q.normalized_unit = q.normalized_value = q.normalized_low = q.normalized_high = None
    try:
        from kgraph.extract import units

        units.normalize(q)
    except Exception:  # noqa: BLE001 - a quantity that cannot be normalized stays as written
        pass


_FRAME_DOSE_KINDS = {"bolus", "rate", "total", "target_concentration", "dose"}


def _as_dose(q: Quantity) -> Quantity:
    """An adjunct's or comparator's dose keeps a dose kind of the frames ("1.5 µg/kg/mL" read as a
    solution concentration is still the dose given)."""
    if q.kind not in _FRAME_DOSE_KINDS:
        _set_kind(q, "dose")
    return q


def _with_evidence(q: Quantity, e: Evidence) -> Quantity:
    if not q.evidence:
        q.evidence = [e]
    return q


def _nearest_drug(qm: QMention, ents: list[Ent], text: str) -> Ent | None:
    """The drug a dose belongs to: a drug named right after it ("0.1 mg/kg midazolam", "30 mg/kg
    of MgSO4"), else the drug before it in the same clause ("midazolam 2-4 mg", "alfentanil with a
    target of 25, 50, 75 ng/mL"), else a drug shortly after it in the same clause."""
    drugs = [e for e in ents if e.label == "DRUG"]
    after = [e for e in drugs if e.start >= qm.end]
    before = [e for e in drugs if e.end <= qm.start]
    if after:
        nxt = min(after, key=lambda e: e.start)
        gap = text[qm.end:nxt.start]
        if re.fullmatch(r"\s*(?:of\s+)?(?:(?:iv|i\.v\.|oral|intravenous|po)\s+)?", gap, re.I):
            return nxt
    if before:
        prev = max(before, key=lambda e: e.end)
        gap = text[prev.end:qm.start]
        if not re.search(r"[.;]|\bor\b|\bversus\b|\bvs\b", gap) and len(gap) <= 80:
            return prev
    if after:
        nxt = min(after, key=lambda e: e.start)
        gap = text[qm.end:nxt.start]
        if not re.search(r"[.;]", gap) and len(gap) <= 15:
            return nxt
    return None


def _read_duration(protocol: Protocol, cr: CellReading, ev) -> None:
    text = cr.text
    schedule = None
    for qm in cr.quantities:
        sch = getattr(qm.raw, "schedule", None)
        if sch is not None:
            schedule = sch
            break
    if schedule is not None:
        if schedule.label:
            protocol.schedule = schedule.label
        if schedule.sessions:
            protocol.sessions = schedule.sessions
    sched = _SCHEDULE.search(text)
    if protocol.schedule is None and sched:
        s = sched.group(1).lower()
        protocol.schedule = "continuous" if s.startswith("continuous") else s
    if protocol.sessions is None:
        m = _SESSIONS.search(text)
        if m:
            n = m.group(1).lower()
            protocol.sessions = int(n) if n.isdigit() else _WORDNUM.get(n)
    if protocol.sessions is None and protocol.schedule in ("daily", "once daily", "on consecutive days"):
        # "4 h daily for 10 d": one session a day over the course
        for qm in cr.quantities:
            if qm.quantity.kind == "course" and qm.quantity.unit == "d" and qm.quantity.value is not None \
                    and qm.quantity.value == int(qm.quantity.value):
                protocol.sessions = int(qm.quantity.value)
    for qm in cr.quantities:
        q = qm.quantity
        if not _is_time(q) or q.kind in ("interval", "course", "time_point", "follow_up", "relief", "age", "disease_duration"):
            continue
        before = text[max(0, qm.start - 8):qm.start].lower()
        if re.search(r"every\s*$", before):
            continue  # an interval between sessions
        q = _with_evidence(q, ev(cr, qm.start, qm.end))
        _set_kind(q, "duration")
        protocol.infusion_duration.append(q)


def _sentence_around(cr: CellReading, pos: int) -> tuple[int, int]:
    for s, e in cr.sentences:
        if s <= pos < e:
            return s, e
    return 0, len(cr.text)


def _items(cr: CellReading) -> list[tuple[str, int, int]]:
    return cr.items or [(cr.text, 0, len(cr.text))]


def _read_combination(cr: CellReading, drug: Concept | None, analyzer: Analyzer, ev) -> tuple[list[Coadministration], list[Comparator]]:
    coadmins: list[Coadministration] = []
    comps: list[Comparator] = []
    if _NONE_CELL.match(cr.text):
        return coadmins, comps
    for item, s, e in _items(cr):
        rest_start = s
        m = _NONE_START.match(item)
        if m:
            rest_start = s + m.end()
        item_text = cr.text[rest_start:e]
        if not item_text.strip():
            continue
        drugs = [x for x in cr.ents if x.label == "DRUG" and rest_start <= x.start < e and (drug is None or x.concept_id != drug.id)
                 and not _is_placebo(x)]
        compare = _COMPARE_CUE.search(item_text) is not None or _PLACEBO.search(item_text) is not None \
            or re.search(r"\b(?:control|comparator)\b", item_text, re.I) is not None
        qs = [q for q in cr.quantities if rest_start <= q.start < e and not _is_time(q.quantity)]
        routes = [x for x in cr.ents if x.label == "ROUTE" and rest_start <= x.start < e]
        item_drugs = [x for x in cr.ents if x.label == "DRUG" and rest_start <= x.start < e]
        for i, d in enumerate(drugs):
            # doses nearest to this drug within the item
            doses = [_as_dose(_with_evidence(q.quantity, ev(cr, q.start, q.end))) for q in qs if _nearest_drug(q, item_drugs, cr.text) is d]
            route = None
            if routes:
                r = min(routes, key=lambda x: abs(x.start - d.start))
                if abs(r.start - d.start) <= 40:
                    route = _route_text(r, analyzer)
            concept = analyzer.concept(d.scheme, d.concept_id, d.text)
            if compare:
                # "diphenhydramine placebo control", "5 mg IV midazolam as active placebo"
                tail = cr.text[d.end:min(e, d.end + 30)]
                as_placebo = re.match(r"^\s*(?:placebo|as (?:an? )?(?:active )?placebo|active placebo)\b", tail, re.I)
                kind = "active_placebo" if as_placebo else "active"
                comps.append(Comparator(label=d.text, kind=kind, drug=concept, doses=doses, evidence=[ev(cr, s, e)]))
            else:
                purpose = None
                pm = re.search(r"\b(?:to|for)\s+((?:reduce|prevent|decrease|treat|render|limit|mitigate|control|manage|avoid|blunt|minimi[sz]e|provide|attenuate|hallucinations|unpleasant|sedation|nausea)\b[^.;]*)", item_text, re.I)
                if pm:
                    purpose = pm.group(1).strip()
                coadmins.append(Coadministration(drug=concept, doses=doses, purpose=purpose, route=route, evidence=[ev(cr, s, e)]))
        if not drugs and _PLACEBO.search(item_text):
            kind = "active_placebo" if _ACTIVE_PLACEBO.search(item_text) else "placebo"
            comps.append(Comparator(label="placebo", kind=kind, evidence=[ev(cr, s, e)]))
    return _dedupe_coadmins(coadmins), comps


def _dedupe_coadmins(items: list[Coadministration]) -> list[Coadministration]:
    out: dict[str, Coadministration] = {}
    for c in items:
        if c.drug.id in out:
            prev = out[c.drug.id]
            prev.doses.extend(d for d in c.doses if d not in prev.doses)
            prev.evidence.extend(c.evidence)
            prev.route = prev.route or c.route
            prev.purpose = prev.purpose or c.purpose
        else:
            out[c.drug.id] = c
    return list(out.values())


def _dedupe_comparators(items: list[Comparator]) -> list[Comparator]:
    out: dict[str, Comparator] = {}
    for c in items:
        k = c.drug.id if c.drug is not None else c.kind
        if k in out:
            prev = out[k]
            if prev.kind == "active" and c.kind == "active_placebo":
                prev.kind = c.kind
            prev.doses.extend(d for d in c.doses if d not in prev.doses)
        else:
            out[k] = c
    # a bare "placebo" next to a drug given as placebo is the same comparator
    if any(c.kind == "active_placebo" and c.drug is not None for c in out.values()):
        out.pop("placebo", None)
        out.pop("active_placebo", None) if "active_placebo" in out and out["active_placebo"].drug is None else None
    return list(out.values())


def _arm_sizes(study: Study, crs: list[CellReading | None], analyzer: Analyzer, drug: Concept | None) -> None:
    """'20 (11 ketamine, 9 placebo)', '15 ketamine, 15 MgSO4': arm sizes."""
    for cr in crs:
        if cr is None:
            continue
        for m in re.finditer(r"\b(\d{1,5})\s+([A-Za-z][\w()+\-]*(?:\s+[A-Za-z][\w\-]*)?)", cr.text):
            n = int(m.group(1))
            word_start = m.start(2)
            target = None
            for e in cr.ents:
                if e.label == "DRUG" and e.start == word_start:
                    target = e.concept_id
                    break
            if target is None and re.match(r"placebo", m.group(2), re.I):
                target = "placebo"
            if target is None:
                continue
            for arm in study.arms:
                if arm.n is not None:
                    continue
                if arm.protocol is not None and arm.protocol.drug.id == target:
                    arm.n = n
                elif arm.comparator is not None and ((arm.comparator.drug is not None and arm.comparator.drug.id == target)
                                                     or (target == "placebo" and arm.comparator.kind == "placebo")):
                    arm.n = n


def _direction(text: str) -> str | None:
    head = " ".join(text.split()[:3])
    if _IMPROVED.search(head) and not re.search(r"\b(?:no|not|without)\b", head, re.I):
        return "improved"  # "Decreased mean VAS at 2 wk ... but no group difference"
    if _NO_EFFECT.search(text):
        return "not_significant" if re.search(r"significan|no benefit|no advantage|no difference", text, re.I) else "no_change"
    if _WORSENED.search(text):
        return "worsened"
    if _IMPROVED.search(text):
        return "improved"
    return None


def _relief_quantity(item: str, qs: list[QMention], s: int) -> Quantity | None:
    """How long relief lasted, from an outcome item: the longest time point stated in it, or 0 h
    for 'immediately after the infusion'."""
    times = [q for q in qs if _is_time(q.quantity) and q.quantity.kind in _DURATION_KINDS | {"time_point"}
             and not re.search(r"\b(?:starting|beginning|onset|start(?:ed|s)?)\s+(?:at|after|on|within|from)?\s*(?:day\s*)?$",
                               item[max(0, q.start - s - 25):max(0, q.start - s)], re.I)]
    times = [q for q in times if q.quantity.normalized_value is not None or q.quantity.normalized_high is not None]
    if times:
        def hours(q: QMention) -> Decimal:
            v = q.quantity.normalized_high if q.quantity.normalized_high is not None else q.quantity.normalized_value
            return v if v is not None else Decimal(0)
        best = max(times, key=hours)
        return best.quantity
    m = re.search(r"\bimmediately(?: after(?: the)? infusion)?|\bat the end of (?:the )?infusion|\bduring (?:the )?infusion", item, re.I)
    if m:
        return Quantity(text=m.group(0), kind="relief", unit="h", value=Decimal(0), normalized_unit="h", normalized_value=Decimal(0))
    return None


def _is_pain_measure(e: Ent, analyzer: Analyzer) -> bool:
    label = analyzer.concept(e.scheme, e.concept_id, e.text).label.lower()
    return "pain" in label or "pain" in e.concept_id


def _read_outcomes(cr: CellReading, analyzer: Analyzer, ev, primary: bool) -> list[Outcome]:
    out: list[Outcome] = []
    if _NONE_CELL.match(cr.text):
        return out
    for item, s, e in _items(cr):
        # an item may hold several sentences; each sentence is a finding
        sents = [(max(a, s), min(b, e)) for a, b in cr.sentences if a < e and b > s] or [(s, e)]
        for a, b in sents:
            text = cr.text[a:b].strip()
            if not text or len(text) < 3:
                continue
            measures = [x for x in cr.ents if x.label == "OUTCOME_MEASURE" and a <= x.start < b]
            qs = [q for q in cr.quantities if a <= q.start < b]
            direction = _direction(text)
            # relief is what the pain outcomes say: the relief column, or a pain measure among the
            # secondary outcomes ("Decreased scores on components of the MPQ at 12 wk")
            about_pain = primary or bool(re.search(r"\bpain\b", text, re.I)) or any(_is_pain_measure(m, analyzer) for m in measures)
            relief = _relief_quantity(text, qs, a) if about_pain and direction == "improved" else None
            time_point = None
            if relief is None:
                times = [q.quantity for q in qs if _is_time(q.quantity)]
                time_point = times[-1] if times else None
            size = None
            sm = re.search(r"\b\d{1,3}(?:\.\d+)?\s*%|\b(?:\w+) of \d+\b|\bat least a \d+% reduction\b", text)
            if sm:
                size = sm.group(0)
            e_ = ev(cr, a, a + len(cr.text[a:b].rstrip()))
            if relief is not None:
                relief = _with_evidence(relief, e_)
                _set_kind(relief, "relief")
            if time_point is not None:
                time_point = _with_evidence(time_point, e_)
                _set_kind(time_point, "follow_up")  # when the outcome was measured
            out.append(Outcome(
                measure=analyzer.concept(measures[0].scheme, measures[0].concept_id, measures[0].text) if measures else None,
                text=text, direction=direction, size=size, time_point=time_point, relief_duration=relief,
                primary=primary, evidence=[e_],
            ))
    return out


def _general_adverse_concept(analyzer: Analyzer) -> Concept:
    for cid in _GENERAL_AE_IDS:
        if analyzer.has_concept("adverse_effects", cid):
            return analyzer.concept("adverse_effects", cid)
    return Concept("adverse_event", "adverse event", "adverse_effects")


def _incidence(text: str) -> Quantity | None:
    m = _INCIDENCE.search(text)
    if not m:
        return None
    def num(s: str) -> int | None:
        s = s.lower()
        return int(s) if s.isdigit() else _WORDNUM.get(s, _TENS.get(s))
    if m.group("n"):
        n, of = num(m.group("n")), num(m.group("m"))
        if n is None or of is None:
            return None
        return Quantity(text=m.group(0), kind="count", unit=None, value=Decimal(n), high=Decimal(of))
    if m.group("pct"):
        return Quantity(text=m.group(0), kind="percent", unit="%", value=Decimal(m.group("pct")))
    if m.group("pctw"):
        v = num(m.group("pctw"))
        return Quantity(text=m.group(0), kind="percent", unit="%", value=Decimal(v)) if v is not None else None
    if m.group("c"):
        v = num(m.group("c"))
        return Quantity(text=m.group(0), kind="count", value=Decimal(v)) if v is not None else None
    return None


def _incidence_in(cr: CellReading, a: int, b: int) -> Quantity | None:
    """An incidence the quantity grammar found in cell text [a:b]: "4 of 9 patients", "Six patients", "50% of patients"."""
    for qm in cr.quantities:
        if not (a <= qm.start < b):
            continue
        role = getattr(qm.raw, "role", None)
        if qm.quantity.kind == "count" and role in ("incidence", "events", "subjects"):
            return qm.quantity
        if qm.quantity.kind == "percent" and re.match(r"^\s*of\s+(?:the\s+)?(?:patients|subjects|participants)", cr.text[qm.end:qm.end + 20], re.I):
            return qm.quantity
    return None


def _read_adverse_effects(cr: CellReading, analyzer: Analyzer, ev, warnings: list[str], where: str) -> list[AdverseEffect]:
    out: list[AdverseEffect] = []
    if _NONE_CELL.match(cr.text):
        return [AdverseEffect(effect=_general_adverse_concept(analyzer), negated=True, evidence=[ev(cr)])]
    for item, s, e in _items(cr):
        sents = [(max(a, s), min(b, e)) for a, b in cr.sentences if a < e and b > s] or [(s, e)]
        for a, b in sents:
            text = cr.text[a:b]
            aes = [x for x in cr.ents if x.label == "ADVERSE_EFFECT" and a <= x.start < b]
            e_ = ev(cr, a, a + len(text.rstrip()))
            if not aes:
                if re.search(r"\b(?:no|none|without)\b.*\b(?:side effects?|adverse (?:effects?|events?)|complications?)\b", text, re.I):
                    out.append(AdverseEffect(effect=_general_adverse_concept(analyzer), negated=True, evidence=[e_]))
                elif re.search(r"\b(?:side effects?|adverse (?:effects?|events?)|complications?)\b", text, re.I):
                    out.append(AdverseEffect(effect=_general_adverse_concept(analyzer), negated=False,
                                             hedged=bool(re.search(r"\bmay|might|possibl", text, re.I)),
                                             incidence=_incidence(text), evidence=[e_]))
                continue
            incidence = _incidence_in(cr, a, b) or _incidence(text)
            # "Five patients reported side effects with modest dizziness being most common": the
            # count belongs to the side effects as a whole, not to each one listed after it
            listing = re.search(r"\b(?:most (?:common|frequent)|including|such as|included|being)\b", text, re.I)
            general = re.search(r"\b(?:side effects?|adverse (?:effects?|events?)|complications?)\b", text, re.I)
            generic = [x for x in aes if x.concept_id in _GENERAL_AE_IDS]
            specific = [x for x in aes if x.concept_id not in _GENERAL_AE_IDS]
            if listing and general and incidence is not None and specific:
                g = _general_adverse_concept(analyzer)
                out.append(AdverseEffect(effect=g, incidence=incidence, evidence=[e_]))
                incidence = None
            seen = set()
            for x in specific or generic:
                if (x.concept_id, x.negated) in seen:
                    continue
                seen.add((x.concept_id, x.negated))
                out.append(AdverseEffect(effect=analyzer.concept(x.scheme, x.concept_id, x.text), negated=x.negated, hedged=x.hedged,
                                         incidence=None if x.negated else incidence, evidence=[e_]))
    return out
