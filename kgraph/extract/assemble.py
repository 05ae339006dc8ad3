"""Frame assembly for study reports: Document -> DocumentFrames.

The pipeline (pipeline.py) finds mentions: concepts, quantities, negation. This module
decides what they are facts about, using only general cues of trial reports:

- where a sentence sits (title; abstract parts "Methods:", "Results:"; the methods,
  results and discussion sections), so protocols come from methods, outcomes and
  side effects from results, and nothing from the introduction or the references;
- which drug a quantity belongs to (the nearest drug before it in its clause, or the
  drug the paragraph is about);
- how another drug relates to the studied drug: alternatives ("X or Y", "versus",
  "(1) ... (2) ...", "as an active placebo") make comparators; "premedicated with",
  "before each infusion", "to prevent hallucinations", "together with", "continued",
  "if hallucinations occurred, ... was given" make adjuncts;
- which time points bound the relief ("persisted through week 12", "at 1.5 h but not
  at 3 h", "relief lasted about 3 hours", "only during the infusion").

Every fact keeps Evidence: sentence text, character offsets into Document.text, page,
box, section and the extractor name and version.

Public entry: ``assemble_study_report(document, nlp=None) -> DocumentFrames``;
``kgraph.extract.extract_document`` dispatches here (or to the review extractor).
"""

from __future__ import annotations

import copy
import functools
import os
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any, Iterable

from spacy.tokens import Doc, Span

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
from kgraph.extract.pipeline import (
    PIPELINE_VERSION,
    QuantityMention,
    analyze,
    get_nlp,
    vocabulary_index,
)
from kgraph.parse.model import Document
from kgraph.extract.quantities import titration_range

EXTRACTOR_NAME = "kgraph.extract.assemble"
EXTRACTOR_VERSION = PIPELINE_VERSION
EXTRACTOR = f"{EXTRACTOR_NAME}/{EXTRACTOR_VERSION}"

# The studied drug comes from the document (title, objective, intervention sentences, the
# drug named most). A collection about one drug may still set an override, in order of
# preference, for papers comparing two active drugs ("magnesium versus ketamine"):
# KGRAPH_FOCUS_DRUGS="ketamine,lidocaine" (vocabulary ids). No built-in preference.
DEFAULT_FOCUS_DRUGS: tuple[str, ...] = ()


def focus_drugs() -> tuple[str, ...]:
    env = os.environ.get("KGRAPH_FOCUS_DRUGS")
    if env is not None:
        return tuple(x.strip() for x in env.split(",") if x.strip())
    return DEFAULT_FOCUS_DRUGS


# --- sentences and their roles ---------------------------------------------------------

# Roles: title | background | methods | results | conclusions | discussion | abstract
# (an abstract without labelled parts counts as methods and results) | skip
_ABSTRACT_LABELS = [
    (r"background|context|introduction|objectives?|aims?|purpose|study objectives?|rationale|importance|"
     r"background and (?:aims?|objectives?|purpose)|aims? and objectives", "background"),
    (r"methods and findings|case (?:presentation|reports?|descriptions?|summary)|observations?", "abstract"),
    # "(MEASUREMENTS) AND MAIN RESULTS:" when the splitter cut the label in two
    (r"measurements and main results|(?:and )?main results|results?|findings|evidence synthesis", "results"),
    (r"methods?|materials and methods|patients and methods|design|study design|setting|settings|patients|participants|"
     r"subjects|interventions?|exposures?|measurements?|main outcomes? and measures?|main outcome measures?|outcome measures?|"
     r"design,? setting,? and participants|design,? setting,? participants|setting and participants|participants and setting|"
     r"methods and materials|data sources?|study selection|data extraction|evidence acquisition", "methods"),
    (r"conclusions?(?: and relevance| and implications)?|interpretation|implications|discussion|perspective", "conclusions"),
    (r"key\s*words|keywords|trial registration|registration|funding|level of evidence", "skip"),
]
_LABEL_RES = [
    (re.compile(r"^\s*(?:" + pat + r")\s*(?:[:.\-–—]|\n|$)", re.I), role) for pat, role in _ABSTRACT_LABELS
]
_SECTION_ROLE = {
    "title": "title",
    "authors": "skip",
    "abstract": "abstract",
    "introduction": "background",
    "methods": "methods",
    "results": "results",
    "discussion": "discussion",
    "conclusions": "conclusions",
    "references": "skip",
    "other": "other",
}
METHODS_ROLES = {"methods", "abstract", "title"}
RESULTS_ROLES = {"results", "abstract"}
STUDY_ROLES = {"title", "abstract", "methods", "background_abstract"}


@dataclass
class Sent:
    index: int
    span: Span
    start: int  # offsets into Document.text
    end: int
    role: str
    section: str | None
    page: int | None = None
    bbox: tuple[float, float, float, float] | None = None
    block: int | None = None  # paragraph index, for discourse
    in_abstract: bool = False
    # filled once by sentence_records: Span.text and Span.ents rebuild on every access
    text_: str = ""
    ents_: list[Span] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.text_

    @property
    def ents(self) -> list[Span]:
        return self.ents_


_MAIN_HEADINGS = [
    (r"abstract|summary|structured abstract", "abstract"),
    (r"introduction|background", "background"),
    (r"methods?|materials? and methods|patients and methods|subjects and methods|methods and materials|"
     r"methodology|study design and methods", "methods"),
    (r"results?|findings", "results"),
    (r"discussion|comment", "discussion"),
    (r"conclusions?|summary and conclusions?", "conclusions"),
    (r"references|bibliography|literature cited|acknowledge?ments?|funding|conflicts? of interest|disclosures?|"
     r"author contributions?|abbreviations", "skip"),
]
_HEADING_RE = [
    (re.compile(r"^(?:\d+(?:\.\d+)*\.?\s*)?(?:" + pat + r")\s*[:.]?\s*$", re.I), role) for pat, role in _MAIN_HEADINGS
]
_REFERENCES_START = re.compile(r"^(?:\d+\.?\s*)?(?:references|bibliography)\s+(?:\[?1\]?[.)]?\s|1\.)", re.I)


_COMPOUND_HEADING = re.compile(
    r"^(?:\d+(?:\.\d+)*\.?\s*)?(?:[A-Za-z-]+\s+){1,4}(?:and\s+)?(methods?|results|discussion|conclusions?)\s*$", re.I)


def _main_heading(text: str) -> str | None:
    t = text.strip()
    if len(t) > 60:
        return None
    for rx, role in _HEADING_RE:
        if rx.match(t):
            return role
    m = _COMPOUND_HEADING.match(t)
    if m and "\n" not in t:
        # "Case descriptions and methods", "Patients and methods"
        word = m.group(1).lower()
        return "methods" if word.startswith("method") else "results" if word == "results" else (
            "discussion" if word == "discussion" else "conclusions")
    if _REFERENCES_START.match(t):
        return "skip"
    return None


def _label_role(text: str) -> str | None:
    """The abstract part a sentence starts ("Methods:", "RESULTS.", "Background<newline>",
    "Results Ketamine ..." when a converter joined the heading to its paragraph)."""
    head = text[:80]
    for rx, role in _LABEL_RES:
        m = rx.match(head)
        if m:
            return role
    for pat, role in _ABSTRACT_LABELS:
        m = re.match(r"^\s*(" + pat + r")\s+(?=(?-i:[A-Z0-9]))", head, re.I)
        if m and m.group(1)[0].isupper() and not re.match(
            r"^\s*\S+\s+(?:of|from|in|on|for|to|and|were|was|are|is|show\w*|suggest\w*)\b", head
        ):
            return role
    for pat, role in _ABSTRACT_LABELS:
        # a label a converter glued to its text: "ContextComplex regional pain ...", "RESULTSAll ..."
        m = re.match(r"^\s*(" + pat + r")(?=(?-i:[A-Z][a-z]))", head, re.I)
        if m and (m.group(1)[:1].isupper() and m.group(1)[1:2].islower() or m.group(1).isupper()):
            return role
    return None


_TITLE_NOISE = re.compile(
    r"\b(?:doi|journal|vol\.|issn|copyright|©|illustrative report|not an original|received|accepted|"
    r"published|correspondence|e-?mail|university|department|hospital,|\d{4};\d)",
    re.I,
)


def _title_like(text: str) -> bool:
    t = _norm(text)
    words = t.split()
    if len(words) < 4 or len(t) > 400 or _TITLE_NOISE.search(t):
        return False
    caps = sum(1 for w in words if w[:1].isupper() or not w[:1].isalpha())
    # author lines: short comma-separated capitalized names with initials
    if re.search(r"\b[A-Z]\.\s*[A-Z]?\.?,", t) or len(re.findall(r",", t)) >= 3 and not re.search(r":", t):
        return False
    return caps / len(words) >= 0.6 or ":" in t


def _block_index(document: Document) -> list[tuple[int, int, int, Any]]:
    """(start, end, block number, block) sorted by start."""
    out = []
    for i, b in enumerate(document.blocks()):
        out.append((b.span.start, b.span.end, i, b))
    out.sort(key=lambda x: x[0])
    return out


def _locate_block(blocks: list[tuple[int, int, int, Any]], offset: int) -> tuple[int, Any] | None:
    lo, hi = 0, len(blocks) - 1
    best = None
    while lo <= hi:
        mid = (lo + hi) // 2
        if blocks[mid][0] <= offset:
            best = mid
            lo = mid + 1
        else:
            hi = mid - 1
    if best is None:
        return None
    s, e, i, b = blocks[best]
    if offset < e or offset == s:
        return i, b
    return None


_BODY_KINDS = {"introduction", "methods", "results", "discussion", "conclusions", "references"}


def sentence_records(document: Document, doc: Doc) -> list[Sent]:
    """Sentences of the document with their role.

    The role comes from headings found in the text (standalone "METHODS", "2. Results",
    abstract labels "Methods:", "RESULTS."), backed by the reader's sections: front matter
    (title, authors, journal line) -> abstract (its labelled parts) -> body sections ->
    references (skipped)."""
    blocks = _block_index(document)
    title_span = _title_span(document)
    records: list[Sent] = []
    zone = "front"
    role: str | None = None
    abstract_done = False
    for sent in doc.sents:
        text = document.text[sent.start_char : sent.end_char]
        stripped = text.strip()
        if not stripped:
            continue
        start = sent.start_char
        section = document.section_of(start) if document.sections else None
        loc = _locate_block(blocks, start)
        page = bbox = None
        block_no = None
        if loc is not None:
            block_no, block = loc
            page, bbox = block.span.page, block.span.bbox
            if section is None and block.section:
                section = block.section
        if loc is not None and loc[1].kind == "footnote":
            # affiliations, author notes, dates, copyright: front matter wherever the layout put them
            records.append(Sent(index=len(records), span=sent, start=start, end=sent.end_char, role="note",
                                section=section, page=page, bbox=bbox, block=block_no, in_abstract=False))
            continue
        if stripped.count("|") >= 3 or stripped.count("\t") >= 3 or _in_table(document, start):
            # a table flattened into the text: its rows are not prose
            records.append(Sent(index=len(records), span=sent, start=start, end=sent.end_char, role="table",
                                section=section, page=page, bbox=bbox, block=block_no, in_abstract=False))
            continue
        heading = _main_heading(stripped)
        label = _label_role(stripped) if heading is None else None
        this_role: str
        if title_span and title_span[0] <= start < title_span[1]:
            this_role = "title"
        elif zone == "skip_rest":
            this_role = "skip"
        else:
            if zone == "front":
                if heading == "abstract" or section == "abstract" or label in ("background", "methods"):
                    zone = "abstract"
                elif heading in ("background", "methods", "results", "discussion") or section in ("methods", "results", "discussion"):
                    zone = "body"
            elif zone == "abstract":
                if heading is not None and heading != "abstract" and (abstract_done or heading == "background" and role not in (None,)):
                    zone, role = "body", None
                elif section in ("methods", "results", "discussion") and heading is None and label is None and abstract_done:
                    zone, role = "body", None
            if zone == "front":
                this_role = "front"
            elif zone == "abstract":
                if heading == "abstract":
                    role = None
                    this_role = "skip"
                elif heading is not None or label is not None:
                    role = heading or label
                    if role == "skip":
                        abstract_done = True
                    if role == "conclusions":
                        abstract_done = True
                    this_role = role if role != "background" else "background_abstract"
                else:
                    this_role = (role if role != "background" else "background_abstract") if role else "abstract"
            else:  # body
                if heading == "abstract":
                    heading = "results"  # a "Summary" inside the body sums up results
                if heading is not None:
                    role = heading
                    if heading == "skip" and _REFERENCES_START.match(stripped) or heading == "skip" and re.match(
                        r"^(?:\d+\.?\s*)?(?:references|bibliography|literature cited)", stripped, re.I
                    ):
                        zone = "skip_rest"
                    this_role = "skip"
                else:
                    if role is None:
                        role = _SECTION_ROLE.get(section or "", "other")
                    if label == "conclusions" and role in ("discussion", "other"):
                        role = "conclusions"
                    this_role = role
                if section == "references":
                    this_role = "skip"
        records.append(
            Sent(
                index=len(records),
                span=sent,
                start=start,
                end=sent.end_char,
                role=this_role,
                section=section,
                page=page,
                bbox=bbox,
                block=block_no,
                in_abstract=(zone == "abstract"),
            )
        )
    _attach_text_and_entities(records, doc, document.text)
    if not any(r.role not in ("front", "title", "note") for r in records):
        # no headings at all (a bare abstract): everything is abstract text
        for r in records:
            if r.role == "front":
                r.role = "abstract"
                r.in_abstract = True
    if not any(r.role == "title" for r in records):
        front = [r for r in records if r.role == "front"]
        candidates = [r for r in front if _title_like(r.text)]
        if not candidates:
            # a sentence-case title: the first line, without a final period
            candidates = [r for r in front[:1] if len(r.text.split()) >= 3 and not r.text.strip().endswith(".")
                          and not _TITLE_NOISE.search(r.text)]
        if candidates:
            best = max(candidates, key=lambda r: len(r.text))
            best.role = "title"
        elif records and records[0].role == "abstract" and _title_like(records[0].text) and len(records) > 1:
            records[0].role = "title"
    for r in records:
        if r.role in ("front", "note"):
            r.role = "skip"
    _mark_unlabelled_abstract_parts(records)
    return records


def _attach_text_and_entities(records: list[Sent], doc: Doc, text: str) -> None:
    """Each sentence's text and entities, computed once for all sentences."""
    ents = list(doc.ents)
    k = 0
    for r in records:
        r.text_ = text[r.start : r.end]
        while k < len(ents) and ents[k].start_char < r.start:
            k += 1
        j = k
        found = []
        while j < len(ents) and ents[j].start_char < r.end:
            found.append(ents[j])
            j += 1
        r.ents_ = found


def _in_table(document: Document, offset: int) -> bool:
    for t in document.tables:
        if t.span is not None and t.span.start <= offset < t.span.end:
            return True
    return False


def _title_span(document: Document) -> tuple[int, int] | None:
    for s in document.sections:
        if s.kind == "title":
            return s.span.start, s.span.end
    if document.title:
        pos = document.text.find(document.title[:60])
        if pos >= 0:
            return pos, pos + len(document.title)
    return None


def _mark_unlabelled_abstract_parts(records: list[Sent]) -> None:
    """In an abstract without labels, sentences still say what they are: a sentence
    that reports findings ("reduced", "P = ") is results; "we conclude" is conclusions."""
    for r in records:
        if r.role != "abstract":
            continue
        t = r.text.lower()
        if re.search(r"\b(?:we conclude|in conclusion|these (?:data|findings|results) suggest)", t):
            r.role = "conclusions"


# --- small text helpers ----------------------------------------------------------------

_NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100,
    "single": 1, "once": 1, "twice": 2, "thrice": 3, "a dozen": 12, "dozen": 12,
}
_NUM_WORD_RE = (
    r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?"
    r"|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen"
    r"|eighteen|nineteen|(?:one |a )?hundred)"
)
NUMBER_RE = r"(?:\d{1,3}(?:,\d{3})+|\d+|" + _NUM_WORD_RE + r")"


def parse_int(text: str) -> int | None:
    t = text.strip().lower().replace(",", "")
    if t.isdigit():
        return int(t)
    t = t.replace("-", " ")
    if t in _NUMBER_WORDS:
        return _NUMBER_WORDS[t]
    parts = t.split()
    if len(parts) == 2 and parts[0] in _NUMBER_WORDS and parts[1] in _NUMBER_WORDS:
        a, b = _NUMBER_WORDS[parts[0]], _NUMBER_WORDS[parts[1]]
        if parts[1] == "hundred":
            return a * 100
        return a + b
    if parts and parts[-1] == "hundred":
        return 100
    return None


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _evidence(sent: Sent, extractor: str = EXTRACTOR) -> Evidence:
    return Evidence(
        text=sent.text,
        start=sent.start,
        end=sent.end,
        page=sent.page,
        bbox=sent.bbox,
        section=sent.section,
        extractor=extractor,
    )


def _concept(scheme: str, cid: str) -> Concept:
    index = vocabulary_index()
    label = index.labels.get((scheme, cid))
    if label is None:
        label = cid.replace("_", " ")
    return Concept(id=cid, label=label, scheme=scheme)


def _ent_concept(ent: Span) -> Concept | None:
    scheme, cid = ent._.scheme, ent._.concept_id
    if not scheme or not cid:
        return None
    if ent._.source == "lexicon":
        return Concept(id=cid, label=ent.text, scheme=scheme)
    return _concept(scheme, cid)


def _ents(sent: Sent, label: str) -> list[Span]:
    return [e for e in sent.ents_ if e.label_ == label]


def _quantities(doc: Doc, sent: Sent) -> list[QuantityMention]:
    return [m for m in (doc._.quantities or []) if sent.start <= m.start < sent.end]


def _clone(q: Quantity, kind: str | None = None, sent: Sent | None = None) -> Quantity:
    """A copy of a mention's quantity, re-normalized for the slot it fills."""
    new = copy.deepcopy(q)
    if kind and kind != new.kind:
        new.kind = kind
        _renormalize(new)
    if sent is not None and not new.evidence:
        new.evidence = [_evidence(sent)]
    return new


def _renormalize(q: Quantity) -> None:
    q.normalized_unit = q.normalized_value = q.normalized_low = q.normalized_high = None
    try:
        from kgraph.extract import units

        units.normalize(q)
    except Exception:  # noqa: BLE001 - a quantity that cannot be normalized stays as written
        pass


def _qkey(q: Quantity) -> tuple:
    if q.normalized_unit is not None:
        return (q.normalized_unit, q.normalized_value, q.normalized_low, q.normalized_high)
    return (q.unit, q.value, q.low, q.high, q.mean, q.text if q.value is None and q.low is None and q.mean is None else None)


def _add_unique(target: list[Quantity], q: Quantity) -> bool:
    key = _qkey(q)
    for existing in target:
        if _qkey(existing) == key:
            for ev in q.evidence:
                if all(ev.start != e.start for e in existing.evidence):
                    existing.evidence.append(ev)
            return False
    target.append(q)
    return True


# --- unit classes ------------------------------------------------------------------------

_TIME_UNITS = {"s", "sec", "min", "h", "d", "wk", "mo", "yr"}


def _unit_of(q: Quantity) -> str:
    return (q.unit or "").replace("μ", "µ")


def is_duration(q: Quantity) -> bool:
    return _unit_of(q) in _TIME_UNITS or q.kind in ("duration", "follow_up", "relief", "time_point", "interval")


def is_rate(q: Quantity) -> bool:
    u = _unit_of(q)
    return q.kind == "rate" or bool(re.search(r"/(?:\d+)?(?:min|h|d|wk)\b", u)) and not u.endswith("mL")


def is_concentration(q: Quantity) -> bool:
    u = _unit_of(q)
    return q.kind == "target_concentration" or bool(re.search(r"/(?:mL|L|dL)$", u))


def is_mass_dose(q: Quantity) -> bool:
    u = _unit_of(q)
    if not u or is_concentration(q) or is_duration(q):
        return False
    return bool(re.match(r"^(?:g|mg|µg|ng|IU|U|mmol|µmol|mEq)(?:/|$)", u))


def is_volume(q: Quantity) -> bool:
    return bool(re.match(r"^(?:mL|µL|dL|L)$", _unit_of(q)))


# --- metadata ---------------------------------------------------------------------------

def document_key(document: Document) -> str:
    """Stable key of a document: DOI, PMID, or first author + year + title words."""
    from kgraph.extract.linking import name_slug, normalize_doi, normalize_title, surname_of

    doi = normalize_doi(document.doi)
    if doi:
        return f"doi:{doi}"
    if document.pmid:
        return f"pmid:{document.pmid.strip()}"
    parts = []
    surname = next((sn for sn in (surname_of(a) for a in document.authors) if sn and re.search(r"[^\W\d_]{2}", sn)), None)
    if surname:
        parts.append(name_slug(surname))
    if document.year:
        parts.append(str(document.year))
    title_words = [w for w in normalize_title(document.title).split() if len(w) > 2][:6]
    parts.extend(title_words)
    if not parts:
        import hashlib

        return "sha256:" + (document.sha256 or hashlib.sha256(document.text.encode("utf-8")).hexdigest())[:16]
    return "-".join(parts)


def _study_identity(document: Document) -> tuple[str, str, str | None]:
    from kgraph.extract.linking import study_key, surname_of

    surname = next((sn for sn in (surname_of(a) for a in document.authors) if sn and re.search(r"[^\W\d_]{2}", sn)), None)
    key = study_key(surname, document.year) or document_key(document)
    label = f"{surname} {document.year}" if surname and document.year else (document.title or key)
    return key, label, surname


# --- the assembly --------------------------------------------------------------------------

@dataclass
class DrugMention:
    sent: Sent
    ent: Span
    concept: Concept


@dataclass
class Context:
    document: Document
    doc: Doc
    sents: list[Sent]
    warnings: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.document.text

    def by_role(self, roles: Iterable[str]) -> list[Sent]:
        roles = set(roles)
        return [s for s in self.sents if s.role in roles]


def assemble_study_report(document: Document, nlp: Any = None) -> DocumentFrames:
    """Frames of a single-study report (abstract, methods, results)."""
    frames = _empty_frames(document, kind="study_report")
    if not document.text or not document.text.strip():
        frames.warnings.append(f"{document.source}: no text; no facts extracted")
        return frames
    doc = analyze(document.text, nlp=nlp or get_nlp())
    ctx = Context(document=document, doc=doc, sents=sentence_records(document, doc))
    study = build_study(ctx)
    frames.warnings.extend(doc._.warnings)
    frames.warnings.extend(ctx.warnings)
    if study is None:
        frames.warnings.append(f"{document.source}: no recognizable study content (no drug, condition or design found)")
        return frames
    frames.studies.append(study)
    return frames


def _empty_frames(document: Document, kind: str) -> DocumentFrames:
    return DocumentFrames(
        doc_key=document_key(document),
        source=document.source,
        sha256=document.sha256,
        title=document.title,
        authors=list(document.authors),
        year=document.year,
        doi=document.doi,
        pmid=document.pmid,
        kind=kind,
        warnings=[],
        extractor_version=EXTRACTOR,
    )


def build_study(ctx: Context) -> Study | None:
    document = ctx.document
    key, label, surname = _study_identity(document)
    study = Study(
        key=key,
        label=label,
        first_author=surname,
        year=document.year,
        title=document.title,
        doi=document.doi,
        pmid=document.pmid,
    )
    design_mentions = find_design_mentions(ctx)
    study.conditions, cond_evs = find_conditions(ctx)
    study.evidence.extend(e for e in cond_evs if e not in study.evidence)
    setting, setting_ev = find_setting(ctx)
    if setting is not None:
        study.setting = setting
        study.evidence.append(setting_ev)

    drugs = drug_mentions(ctx)
    focus = choose_focus_drug(ctx, drugs)
    roles = DrugRoles()
    if focus is not None:
        roles = classify_drugs(ctx, drugs, focus)
        protocols = build_protocols(ctx, drugs, focus, roles)
        for p in protocols:
            p.setting = study.setting
        study.comparators = roles.comparators
        study.arms = _arms(protocols, roles.comparators)
    else:
        # a trial of a programme, website or advice: its usual-care control is still a comparator
        study.comparators = usual_care_comparators(ctx)
    design_concept, design_ev = decide_design(ctx, design_mentions, study.comparators)
    if design_concept is not None:
        study.design = design_concept
        study.evidence_level = evidence_level_of(design_concept.id)
        if design_ev is not None:
            study.evidence.append(design_ev)
    # "n = 30 per group" is multiplied only by a number of groups that is known
    n_arms = len(study.arms) if len(study.arms) >= 2 else _stated_group_count(ctx)
    n, n_text, n_ev = find_sample_size(ctx, n_arms=n_arms)
    if n is not None:
        study.n, study.n_text = n, n_text
        study.evidence.append(n_ev)
    if study.design is None and (study.n is None or study.n == 1):
        one = _one_patient_report(ctx)
        if one is not None and "case_report" in {cid for (sc, cid) in vocabulary_index().terms_by_key if sc == "designs"}:
            # a letter or case report about one patient: its design and n = 1
            study.design = _concept("designs", "case_report")
            study.evidence_level = evidence_level_of("case_report")
            study.n, study.n_text = 1, _norm(one[1])
            study.evidence.append(_evidence(one[0]))
    study.outcomes = find_outcomes(ctx, [a.protocol for a in study.arms if a.protocol is not None],
                                   roles.combination)
    study.adverse_effects = find_adverse_effects(ctx)
    if (focus is None and not study.conditions and study.design is None and not study.outcomes
            and study.n is None and study.setting is None):
        return None
    if not study.evidence:
        # a study kept for its drug, outcomes or effects alone still says where it was read
        study.evidence.extend(_fallback_study_evidence(ctx, study))
    return study


_ONE_PATIENT = re.compile(
    r"(?:\b(?:we|I)\s+(?:report|describe|present)\s+(?:the\s+case\s+of\s+)?|^\s*|(?<=:\s)|\bcase\s+of\s+|\b(?:in|of|for)\s+)"
    r"(?P<who>an?\s+(?:\d{1,3}[- ]year[- ]old|young|elderly|middle-aged|older)?\s*(?:[a-z-]+\s+){0,2}?"
    r"(?:man|woman|boy|girl|patient|male|female|gentleman|lady|mother|veteran))\b",
    re.I)


def _one_patient_report(ctx: Context) -> tuple[Sent, str] | None:
    """A report about one patient ("A 74-year-old woman ...", "We describe a patient ...")
    that names no group of patients: a case report."""
    hit = None
    for s in ctx.sents:
        if s.role not in ("title", "abstract", "methods", "results", "background_abstract", "other", "background"):
            continue
        if re.search(r"\b(?:case series|\d+\s+(?:consecutive\s+)?(?:patients|cases|subjects|participants))\b", s.text, re.I) \
                and s.role in ("title", "abstract", "methods"):
            return None
        if hit is None:
            m = _ONE_PATIENT.search(s.text)
            lead = m.group(0)[: m.start("who") - m.start()].strip().lower() if m else ""
            if m and (lead.startswith(("we", "i ", "case")) or lead == "" or s.role == "title"):
                hit = (s, m.group("who"))
    return hit


def _fallback_study_evidence(ctx: Context, study: Study) -> list[Evidence]:
    for group in ([a for a in study.arms], list(study.outcomes), list(study.adverse_effects)):
        for item in group:
            evs = list(getattr(item, "evidence", None) or [])
            if not evs and getattr(item, "protocol", None) is not None:
                evs = list(item.protocol.evidence)
            if evs:
                return evs[:1]
    first = next((s for s in ctx.sents if s.role == "title"), None) or next(
        (s for s in ctx.sents if s.role not in ("skip", "table") and s.text.strip()), None)
    return [_evidence(first)] if first is not None else []


_GROUP_COUNT = re.compile(
    r"\b(two|three|four|five|2|3|4|5)\s+(?:(?:treatment|study|parallel|equal|dose|intervention)\s+)?(?:groups|arms)\b"
    r"|\bone of (two|three|four|five|2|3|4|5)\b", re.I)


def _stated_group_count(ctx: Context) -> int | None:
    """The number of groups the abstract or methods state ("two groups", "one of three arms")."""
    for s in ctx.sents:
        if s.role not in ("abstract", "methods", "title"):
            continue
        m = _GROUP_COUNT.search(s.text)
        if m:
            return parse_int(m.group(1) or m.group(2))
    return None


def _arms(protocols: list[Protocol], comparators: list[Comparator]) -> list[Arm]:
    arms: list[Arm] = []
    for p in protocols:
        parts = [p.form or p.drug.label]
        doses = [q.text for q in (p.total_dose or p.bolus or p.rate)[:1]]
        parts.extend(doses)
        parts.extend(f"+ {c.drug.label}" for c in p.coadministrations if _is_arm_adjunct(c))
        arms.append(Arm(label=" ".join(parts), protocol=p, evidence=list(p.evidence[:1])))
    for c in comparators:
        arms.append(Arm(label=c.label, comparator=c, evidence=list(c.evidence[:1])))
    return arms


def _is_arm_adjunct(c: Coadministration) -> bool:
    return bool(c.purpose and c.purpose.startswith("combination"))


# --- design, evidence level, setting, conditions -----------------------------------------

def evidence_level_of(design_id: str) -> int | None:
    index = vocabulary_index()
    vocabs = index.vocabularies
    for name in ("evidence_level", "evidence_level_of"):
        fn = getattr(vocabs, name, None)
        if callable(fn):
            try:
                value = fn(design_id)
            except TypeError:
                value = fn("designs", design_id)
            if value is not None:
                return int(value)
    concept = index.concept("designs", design_id)
    for name in ("evidence_level", "evidenceLevel"):
        value = getattr(concept, name, None) if concept is not None else None
        if value is None and isinstance(concept, dict):
            value = concept.get(name)
        if value is not None:
            return int(value)
    return None


def _broader_map() -> dict[tuple[str, str], set[tuple[str, str]]]:
    """(scheme, id) -> all broader concepts (transitive), from the vocabulary."""
    return _broader_cached()


@lru_cache(maxsize=1)
def _broader_cached() -> dict[tuple[str, str], set[tuple[str, str]]]:
    index = vocabulary_index()
    direct: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for key in index.terms_by_key:
        scheme, cid = key
        parents: Iterable[Any] = ()
        for name in ("broader", "broader_of"):
            fn = getattr(index.vocabularies, name, None)
            if callable(fn):
                try:
                    parents = fn(scheme, cid) or ()
                except TypeError:
                    parents = fn(cid) or ()
                break
        else:
            concept = index.concept(scheme, cid)
            parents = getattr(concept, "broader", None) or () if concept is not None else ()
        direct[key] = {(scheme, p if isinstance(p, str) else getattr(p, "id", str(p))) for p in parents}
    closure: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for key in direct:
        seen: set[tuple[str, str]] = set()
        stack = list(direct[key])
        while stack:
            k = stack.pop()
            if k in seen:
                continue
            seen.add(k)
            stack.extend(direct.get(k, ()))
        closure[key] = seen
    return closure


def _drop_broader(keys: list[tuple[str, str]]) -> list[tuple[str, str]]:
    broader = _broader_map()
    covered = set()
    for k in keys:
        covered |= broader.get(k, set())
    return [k for k in keys if k not in covered]


_EXCLUSION = re.compile(
    r"\b(?:exclu(?:ded|sion)|were not eligible|ineligible|contraindicat\w*|history of|without|other than|"
    r"no patient (?:had|took)|prior|previous(?:ly)?)\b",
    re.I,
)
_RECRUITMENT = re.compile(r"\b(?:recruited|referred|identified|screened|drawn|selected)\b[^.;]{0,40}\bfrom\b|\bfrom the\b[^.;]{0,30}\b(?:clinic|center|centre|department|database)", re.I)


# Design concepts the decision below names (ids in ontology/vocab/designs.ttl). Features
# (randomized, crossover, placebo-controlled ...) carry no level; the design is decided from
# the features and types stated plus the comparators found, the way the CEBM table reads.
_RCT = "randomized_controlled_trial"
_RCT_PLACEBO = "randomized_placebo_controlled_trial"
_RCT_ACTIVE = "randomized_non_placebo_controlled_trial"
_RCT_CROSSOVER = "randomized_crossover_trial"
_FEATURE_ROOT = "study_design_feature"


@dataclass
class DesignMentions:
    types: list[tuple[str, Span, Sent]] = field(default_factory=list)  # in order of weight
    features: dict[str, Sent] = field(default_factory=dict)


def find_design_mentions(ctx: Context) -> DesignMentions:
    found = DesignMentions()
    broader = _broader_map()
    weight = {"title": 0, "abstract": 1, "methods": 2}
    cands = []
    for s in ctx.sents:
        w = weight.get(s.role)
        if w is None:
            continue
        for e in _ents(s, "DESIGN"):
            if e._.negated:
                continue
            cid = e._.concept_id
            if ("designs", _FEATURE_ROOT) in broader.get(("designs", cid), set()):
                found.features.setdefault(cid, s)
            elif cid != _FEATURE_ROOT:
                cands.append((w, s.index, cid, e, s))
        # "crossover" written without a design noun
        if re.search(r"\bcross-?over\b|\blatin[- ]square\b", s.text, re.I):
            found.features.setdefault("crossover_design", s)
        if re.search(r"\bwithout (?:a |any )?(?:placebo|control)|\bno placebo\b", s.text, re.I):
            found.features.setdefault("_no_placebo", s)
        if re.search(r"\bnon-?randomi[sz]ed\b", s.text, re.I):
            found.features.setdefault("nonrandomized", s)
    for w, idx, cid, e, s in sorted(cands, key=lambda x: (x[0], x[1])):
        found.types.append((cid, e, s))
    return found


def decide_design(ctx: Context, dm: DesignMentions, comparators: list[Comparator]) -> tuple[Concept | None, Evidence | None]:
    """The study design from stated types and features and the comparators found."""
    index = vocabulary_index()
    known = {cid for (scheme, cid) in index.terms_by_key if scheme == "designs"}
    broader = _broader_map()

    def is_under(cid: str, root: str) -> bool:
        return cid == root or ("designs", root) in broader.get(("designs", cid), set())

    type_ids = [cid for cid, _, _ in dm.types]
    randomized = ("randomized" in dm.features or any(is_under(t, _RCT) for t in type_ids)) and "nonrandomized" not in dm.features
    first_ev = None
    if dm.types:
        first_ev = _evidence(dm.types[0][2])
    elif dm.features:
        first_ev = _evidence(next(iter(dm.features.values())))
    if randomized and _RCT in known:
        crossover = "crossover_design" in dm.features or any(is_under(t, _RCT_CROSSOVER) for t in type_ids)
        placebo = any(c.kind in ("placebo", "active_placebo") for c in comparators) or bool(
            {"placebo_controlled", "active_placebo_controlled"} & set(dm.features)
        ) or any(is_under(t, _RCT_PLACEBO) for t in type_ids)
        if "_no_placebo" in dm.features and not any(c.kind in ("placebo", "active_placebo") for c in comparators):
            placebo = False
        active = any(c.kind == "active" for c in comparators) or "active_controlled" in dm.features
        # a kind of RCT the vocabulary names beyond the comparator split (cluster, stepped-wedge,
        # pilot): the stated kind is the design; a pilot of a cluster trial is a cluster trial
        special = [t for t in type_ids if is_under(t, _RCT) and t not in (_RCT, _RCT_PLACEBO, _RCT_ACTIVE, _RCT_CROSSOVER)
                   and not any(is_under(t, x) for x in (_RCT_PLACEBO, _RCT_ACTIVE, _RCT_CROSSOVER))]
        if special:
            chosen = max(special, key=lambda t: (_specificity(("designs", t)), "pilot" not in t))
            ev = next(_evidence(s) for cid, _, s in dm.types if cid == chosen)
            return _concept("designs", chosen), ev
        if crossover and _RCT_CROSSOVER in known:
            chosen = _RCT_CROSSOVER
        elif placebo and _RCT_PLACEBO in known:
            chosen = _RCT_PLACEBO
        elif active and _RCT_ACTIVE in known:
            chosen = _RCT_ACTIVE
        else:
            chosen = _RCT
        ev = next((_evidence(s) for cid, _, s in dm.types if is_under(cid, _RCT)), None) or _evidence(
            dm.features.get("randomized") or dm.types[0][2] if dm.types else dm.features["randomized"]
        )
        return _concept("designs", chosen), ev
    non_rct = [(cid, e, s) for cid, e, s in dm.types if not is_under(cid, _RCT)]
    if non_rct:
        keys = _drop_broader(_uniq_keys(("designs", cid) for cid, _, _ in non_rct))
        cid = next(c for c, _, _ in non_rct if ("designs", c) in keys)
        # a retrospective "cohort" without a comparison group is a retrospective series
        parents = [p for (_, p) in broader.get(("designs", cid), set())]
        if not comparators and "cohort_study" in parents and "retrospective_study" in parents:
            cid = "retrospective_study"
        s = next(s for c, _, s in non_rct if c == cid) if any(c == cid for c, _, _ in non_rct) else non_rct[0][2]
        return _concept("designs", cid), _evidence(s)
    if "retrospective" in dm.features and "retrospective_study" in known:
        return _concept("designs", "retrospective_study"), _evidence(dm.features["retrospective"])
    if "open_label" in dm.features and not comparators and "single_arm_trial" in known:
        return _concept("designs", "single_arm_trial"), _evidence(dm.features["open_label"])
    if "prospective" in dm.features and "prospective_observational_study" in known:
        return _concept("designs", "prospective_observational_study"), _evidence(dm.features["prospective"])
    return None, first_ev


def _specificity(key: tuple[str, str]) -> int:
    return len(_broader_map().get(key, ()))


def _uniq_keys(keys: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for k in keys:
        if k not in out and k[0] and k[1]:
            out.append(k)
    return out


# Settings are reported at the level the literature compares them: outpatient, inpatient,
# intensive care. Narrower places (a pain clinic, a day-case unit, a palliative care ward)
# roll up to their top concept; intensive care stays itself (anesthetic-dose protocols).
SETTING_LEVELS_KEPT = ("intensive_care_unit",)
_WHERE_TREATED = re.compile(
    r"\b(?:admitted|admission|stayed|treated|took place|were run|was run|were given|received|infus\w+|sessions?|"
    r"discharged|went home|hospitali[sz]ed|overnight|attended|studied as|under supervision)\b",
    re.I,
)


_STAY_CUE = re.compile(r"\b(?:admitted|stayed|overnight|hospitali[sz]ed|next (?:morning|day)|inpatients?)\b", re.I)
_SAME_DAY_CUE = re.compile(r"\b(?:went home|same (?:day|afternoon|evening)|day-?case|outpatients?)\b", re.I)


_OBJECTIVE = re.compile(
    r"^\s*(?:(?:study\s+)?objectives?|aims?|purpose)\b|\b(?:we|this study)\s+(?:aimed|sought|set out|intended)\b|"
    r"\b(?:the|our)\s+(?:aim|objective|purpose|goal)\s+(?:of\s+(?:this|the)\s+(?:study|trial)\s+)?(?:was|is)\b|^\s*to\s+(?:evaluate|assess|compare|determine|examine|test|investigate)\b",
    re.I)


def find_setting(ctx: Context) -> tuple[Concept | None, Evidence | None]:
    """Where the treatment took place: SETTING mentions in the title, abstract and methods,
    weighted by where they stand and by whether the sentence says the treatment happened
    there; where patients were recruited from counts only when nothing else is said."""
    broader = _broader_map()
    scores: dict[tuple[str, str], float] = {}
    fallback: dict[tuple[str, str], float] = {}
    first: dict[tuple[str, str], tuple[Span, Sent]] = {}
    weight = {"title": 3.0, "abstract": 2.0, "methods": 1.5, "background_abstract": 0.0}
    for s in ctx.sents:
        w = weight.get(s.role, 0.0)
        if s.role == "background_abstract" and _OBJECTIVE.search(s.text):
            w = 1.0  # the objective names the population's place ("patients seen in the ED")
        if w == 0.0:
            continue
        ents = _ents(s, "SETTING")
        if not ents:
            continue
        recruited = bool(_RECRUITMENT.search(s.text))
        where = bool(_WHERE_TREATED.search(s.text))
        for e in ents:
            if e._.negated or (s.role != "title" and _EXCLUSION.search(re.split(r"[,;]", s.text[: e.start_char - s.start])[-1])):
                continue
            k = (e._.scheme, e._.concept_id)
            if k[1] not in SETTING_LEVELS_KEPT:
                tops = [a for a in broader.get(k, set()) if not broader.get(a)]
                if tops:
                    k = sorted(tops)[0]
            local = s.text[max(0, e.start_char - s.start - 60) : e.start_char - s.start]
            target = scores
            if recruited and re.search(r"\b(?:recruited|referred|from)\b", local, re.I):
                target = fallback
            bonus = 1.0 if where else 0.0
            # overnight stays make a stay inpatient, same-day returns home outpatient
            if k[1] == "inpatient" and _STAY_CUE.search(s.text):
                bonus += 1.0
            if k[1] == "outpatient" and _SAME_DAY_CUE.search(s.text):
                bonus += 1.0
            target[k] = target.get(k, 0.0) + w + bonus
            first.setdefault(k, (e, s))
    scores = scores or fallback
    if not scores:
        return None, None
    best = max(scores, key=lambda k: (scores[k], -first[k][1].index))
    e, s = first[best]
    return _concept(best[0], best[1]), _evidence(s)


def find_conditions(ctx: Context) -> tuple[list[Concept], list[Evidence]]:
    """Conditions studied: from the title when it names any, else the abstract, else methods.

    Exclusion criteria and negated mentions do not count; a broader concept gives way to
    a narrower one the abstract names ("CRPS" -> "CRPS type 1"; "chronic pain" -> the
    diagnoses listed for the cohort); a cohort of several subtypes ("neuropathic pain
    from nerve injury, postherpetic neuralgia or radiculopathy"), or the generic term
    listed as one group among others, is the vocabulary's "mixed ..." concept when it has
    one; in a pain study, an underlying disease that is not a pain condition ("sickle cell
    disease" next to "vaso-occlusive crisis") is context, not the condition treated;
    lexicon-only conditions count only when the vocabulary finds none."""
    tiers = [("title",), ("abstract", "background_abstract", "methods_abstract"), ("methods",)]
    for tier in tiers:
        found: list[tuple[tuple[str, str], Span, Sent]] = []
        for s in ctx.sents:
            role = s.role
            if role == "methods" and s.in_abstract:
                role = "methods_abstract"
            if role not in tier:
                continue
            for e in _ents(s, "CONDITION"):
                if e._.negated:
                    continue
                before = s.text[: e.start_char - s.start]
                if role != "title" and _EXCLUSION.search(before):
                    continue
                found.append(((e._.scheme, e._.concept_id), e, s))
        vocab_found = [f for f in found if f[1]._.source != "lexicon"]
        use = vocab_found or ([f for f in found if tier[0] == "title"] if found else [])
        if not use:
            continue
        keys = _drop_broader(_uniq_keys(k for k, _, _ in use))
        population = _population_condition_lists(ctx)
        if tier[0] == "title":
            keys = _refine_with_narrower(ctx, keys, population)
        keys = _mixed_cohort(keys, population)
        keys = _prefer_pain_conditions(ctx, keys)
        keys = _drop_broader(keys)
        concepts, evs = [], []
        for k in keys:
            try:
                e, s = next((e, s) for kk, e, s in use if kk == k) if any(kk == k for kk, _, _ in use) else _first_mention(ctx, k)
                c = _ent_concept(e)
                ev = _evidence(s)
            except KeyError:
                c, ev = _concept(k[0], k[1]), (_evidence(population[0][1]) if population else None)
            if c is not None:
                concepts.append(c)
                if ev is not None:
                    evs.append(ev)
        if concepts:
            return concepts, evs
    return [], []


def _population_condition_lists(ctx: Context) -> list[tuple[list[Span], Sent]]:
    """Condition mentions of the sentences that describe who was studied (abstract and
    methods, not exclusion criteria), one list per sentence."""
    out = []
    for s in ctx.sents:
        if s.role not in ("abstract", "background_abstract", "methods") or _EXCLUSION.search(s.text):
            continue
        ents = [e for e in _ents(s, "CONDITION") if not e._.negated and e._.source != "lexicon"]
        if ents:
            out.append((ents, s))
    return out


def _mixed_concept(key: tuple[str, str]) -> tuple[str, str] | None:
    """The vocabulary's "mixed <label>" concept for a generic condition, if it has one."""
    index = vocabulary_index()
    label = index.labels.get(key)
    if not label:
        return None
    return index.lookup(f"mixed {label}")


def _mixed_cohort(keys: list[tuple[str, str]], population: list[tuple[list[Span], Sent]]) -> list[tuple[str, str]]:
    broader = _broader_map()
    out = list(keys)
    for ents, s in population:
        ekeys = _uniq_keys((e._.scheme, e._.concept_id) for e in ents)
        for e in ents:
            g = (e._.scheme, e._.concept_id)
            mixed = _mixed_concept(g)
            if mixed is None:
                continue
            subtypes = [k for k in ekeys if g in broader.get(k, set())]
            after = s.text[e.end_char - s.start : e.end_char - s.start + 25]
            if len(subtypes) >= 2 and re.match(r"^\s*(?:from|due to|caused by|of|including|secondary to|after)\b|^\s*[:(]", after, re.I):
                # "neuropathic pain from A, B or C": one mixed cohort
                out = [k for k in out if k not in subtypes and k != g and not (k in broader.get(g, set()))]
                out = [k for k in out if not any(g2 in broader.get(k, set()) for g2 in [g])]
                if mixed not in out:
                    out.append(mixed)
                out = [k for k in out if not (k in broader.get(mixed, set()) or (k in keys and mixed in broader.get(k, set())))]
                # title terms that are subtypes of the same generic condition give way too
                out = [k for k in out if k == mixed or g not in broader.get(k, set())]
            elif len(ekeys) >= 3 and g in out and not subtypes:
                # the generic term as one group among several diagnoses
                out = [mixed if k == g else k for k in out]
            elif len(ekeys) >= 3 and g not in out and any(k in out for k in ekeys if k != g):
                out.append(mixed)
    return _uniq_keys(out)


def _prefer_pain_conditions(ctx: Context, keys: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """In a pain study keep the pain conditions: "vaso-occlusive crisis in adults with sickle
    cell disease" is about the crisis."""
    broader = _broader_map()
    index = vocabulary_index()

    def roots(k: tuple[str, str]) -> set[str]:
        anc = broader.get(k, set())
        tops = {a for a in anc if not broader.get(a)} or ({k} if not anc else set())
        return {index.labels.get(t, t[1]).lower() for t in tops}

    pain = [k for k in keys if any("pain" in r for r in roots(k))]
    if pain and len(pain) < len(keys):
        return pain
    return keys


def _first_mention(ctx: Context, key: tuple[str, str]) -> tuple[Span, Sent]:
    for s in ctx.sents:
        for e in s.ents:
            if (e._.scheme, e._.concept_id) == key:
                return e, s
    raise KeyError(key)


def _refine_with_narrower(ctx: Context, keys: list[tuple[str, str]], population: list[tuple[list[Span], Sent]] | None = None) -> list[tuple[str, str]]:
    """A title's generic condition gives way to the narrower ones the abstract or methods
    name for the cohort: the whole list of that sentence ("chronic pain" -> "20 with CRPS,
    15 with chronic daily headache, ...")."""
    broader = _broader_map()
    out = list(keys)

    def family(k: tuple[str, str]) -> set[tuple[str, str]]:
        # the concept and its ancestors, without the scheme's top concepts ("pain condition")
        return {a for a in ({k} | broader.get(k, set())) if broader.get(a)}

    for ents, s in population or []:
        ekeys = _uniq_keys((e._.scheme, e._.concept_id) for e in ents)
        narrower = [k for k in ekeys if any(p in out for p in broader.get(k, set())) and k not in out]
        if not narrower and len(ekeys) >= 3:
            # "refractory chronic pain" in the title, a cohort of CRPS, headache and back pain
            # in the abstract: the cohort's diagnoses are the conditions studied
            for t in list(out):
                related = [k for k in ekeys if k not in out and family(k) & family(t)]
                if len(related) >= 2:
                    narrower = related
                    out = [x for x in out if x != t]
                    break
        if not narrower:
            continue
        replaced = {p for k in narrower for p in broader.get(k, set()) if p in out}
        out = [x for x in out if x not in replaced]
        siblings = ekeys if len(ekeys) >= 3 else narrower
        for k in siblings:
            if k not in out:
                out.append(k)
    return _drop_broader(out)


# --- sample size -------------------------------------------------------------------------

_PEOPLE = (
    r"(?:patients|participants|subjects|volunteers|adults|women|men|children|individuals|persons|people|"
    r"amputees|members|veterans|soldiers|outpatients|inpatients|cases|adolescents|infants|elderly|"
    r"consecutive patients|study participants|recipients|students|pupils|schoolchildren|smokers|residents|mothers|"
    r"pregnant women|girls|boys|neonates|newborns|respondents|nurses|physicians|doctors|clinicians|workers|employees|"
    r"caregivers|carers|teenagers|youths?|clients|athletes|users|drinkers|households|families|dyads|couples|"
    r"healthy volunteers|older adults|older people|survivors|mothers-to-be|parturients|pregnancies)"
)
# a part of the sample, never its total: a per-protocol set, focus groups, interviews, a subgroup
_N_SUBSET = re.compile(
    r"\b(?:per[- ]protocol|focus groups?|(?:qualitative|in-depth|semi-structured|key informant) interviews?|interviewees|sub-?groups?|subsets?|sub-?samples?|completers?|"
    r"qualitative|nested|pilot phase|each (?:focus )?group|each (?:arm|site|centre|center|school|class|cluster|clinic))\b",
    re.I)
_N_SURVEYED = re.compile(
    r"\b(?:sampled|surveyed|interviewed|(?:interviews|questionnaires?|surveys?) (?:with|of|to|among)|"
    r"responded|respondents)\b", re.I)
_N_SERVICE_COUNT = re.compile(
    r"\b(?:recorded|registered|beds|daily attendance|per (?:day|week|month|year)|annually|each year|"
    r"catchment|population of|served)\b", re.I)
# "Participants: 460 ...", "Patients 60 adults ...": the structured abstract's own count
_N_LABEL = re.compile(r"^\s*(?:Participants|Patients|Subjects|Population|Sample|Design,? setting,? and participants|"
                      r"Setting and participants|Participants and setting|Study population)\s*[:.]?\s*", re.I)
_N_PATTERNS = [
    # "60 patients", "Twenty-two wounded service members", "26 women with FM"
    re.compile(r"\b(?P<num>" + NUMBER_RE + r")\s+(?:[A-Za-z-]+\s+){0,3}?" + _PEOPLE + r"\b", re.I),
    # "n = 30", "N=8"
    re.compile(r"\b[nN]\s*=\s*(?P<num>\d+)"),
    # "60 were randomized"
    re.compile(r"\b(?P<num>" + NUMBER_RE + r")\s+(?:were|had been)\s+(?:randomi[sz]ed|enrolled|included|recruited|studied|treated|analy[sz]ed)", re.I),
]
_N_POS = re.compile(
    r"\b(?:randomi[sz]ed|randomly assigned|enrolled|included|recruited|studied|took part|participated|completed|"
    r"were treated|received|underwent|allocated|accounted for|analy[sz]ed|reviewed|identified|given)\b",
    re.I,
)
_N_NEG = re.compile(
    r"\b(?:screened|assessed for eligibility|excluded|withdrew|withdrawn|dropped out|lost to follow|declined|"
    r"discontinued|eligible|approached|refused)\b",
    re.I,
)
_PER_GROUP = re.compile(r"^\s*(?:patients\s+|participants\s+|subjects\s+)?(?:per|in each|each)\s+(?:group|arm)", re.I)


def find_sample_size(ctx: Context, n_arms: int | None = None) -> tuple[int | None, str | None, Evidence | None]:
    """Patients enrolled: the count stated with "randomized", "enrolled", "included" ...,
    never a screened, withdrawn or subgroup count or an incidence; "n = 24 per group"
    times the number of groups when no total is stated."""
    cands: list[tuple[float, int, int, str, Sent, bool]] = []
    for s in ctx.sents:
        if s.role not in ("abstract", "methods", "results"):
            continue
        text = s.text
        spans: dict[int, tuple[int, int, int, bool]] = {}  # start -> (end, value, per_group)
        for rx in _N_PATTERNS:
            for m in rx.finditer(text):
                value = parse_int(m.group("num"))
                if value is not None:
                    spans.setdefault(m.start("num"), (m.end(), value, False))
        for qm in _quantities(ctx.doc, s):
            raw = qm.raw
            if qm.quantity.kind == "count" and getattr(raw, "role", None) in ("sample_size", "subjects") and qm.quantity.value is not None:
                rel = qm.start - s.start
                per = getattr(raw, "per", None) == "group"
                prev = spans.get(rel)
                spans[rel] = (max(qm.end - s.start, prev[0] if prev else 0), int(qm.quantity.value), per or (prev[2] if prev else False))
        for rel, (rel_end, value, per_group) in spans.items():
            if value <= 0 or value > 100000:
                continue
            before = text[max(0, rel - 50) : rel]
            after = text[rel_end : rel_end + 80]
            num_text = text[rel:rel_end]
            # numbered headings ("1.1 Patients"), ages, doses, "9 of 30"
            if re.search(r"(?:^|\n)\s*(?:\d+\.)*\s*$", before) and re.match(r"^\d+(?:\.\d+)*\s+[A-Z][a-z]+(?:\s|$)", text[rel:rel + 40]) and "." in text[max(0, rel - 3): rel + 4]:
                continue
            if re.search(r"(?:aged|age|older than|younger than|years?|mean|median|range|IQR|score|above|below|over|under|than|≥|>|<|≤|=)\s*$", before, re.I) and not re.search(r"\b[nN]\s*=\s*$", before):
                continue
            if re.match(r"\s*(?:of|/|out of|%|years|yr|mg|µg|μg|ml|mL|kg|h\b|min|hours|days|weeks|months)\b", text[rel + len(num_text.split()[0]) if num_text.split() else rel_end:][:12], re.I):
                continue
            if re.search(r"\b(?:\d+|" + _NUM_WORD_RE + r")\s+of\s*(?:the\s*)?$", before, re.I):
                continue
            score = 0.0
            clause_after = re.split(r"[;.,]\s", after)[0]
            clause_before = re.split(r"[;,(]\s*", before)[-1]
            window = clause_before[-40:] + " " + num_text + " " + clause_after
            if re.search(r"\b(?:randomi[sz]ed|randomly assigned|enrolled|included|recruited|took part|participated|were studied|entered|allocated|accounted for|were identified|were reviewed|were treated|underwent)\b", window, re.I):
                score += 4
            elif re.search(r"\bcompleted\b", window, re.I):
                score += 2
            if _N_SUBSET.search(window):
                score -= 5
            if _N_SURVEYED.search(window):
                score += 3  # a survey's own sample: "interviews with 100 outpatients", "we surveyed 240 nurses"
            if _N_SERVICE_COUNT.search(window):
                score -= 4  # a service statistic, not the people studied
            label = _N_LABEL.match(text)
            if label and rel - label.end() <= 40:
                score += 3
            if _N_SUBSET.search(window) is None and re.search(r"\b(?:per|in each|each)\s+(?:group|arm)\b", clause_before[-40:], re.I):
                per_group = True
            if re.search(r"\b(?:screened|assessed for eligibility|excluded|withdr[ea]w\w*|dropped out|lost to|declined|refused|approached|eligible|discontinued)\b", window, re.I):
                score -= 6
            finding = s.role == "results" or bool(_ents(s, "ADVERSE_EFFECT"))
            if (finding and re.search(r"\b(?:in|by)\s*$", before)) or re.match(
                    r"\s*(?:\w+\s+){0,2}(?:reported|had|developed|experienced|felt|required|needed|showed|were mildly|complained)", after, re.I):
                score -= 6
            if re.search(r"\(\s*$", before) or re.search(r"[,;]\s*$", before) and re.search(r"\d", before[-15:]):
                score -= 4
            if re.search(r"\b(?:all|a total of|total of|in total|overall)\s*$", before, re.I):
                score += 2
            if s.in_abstract or s.role == "abstract":
                score += 1
            if re.match(r"\s*\(?\s*(?:per|in each|each)\s+(?:group|arm)", text[rel_end:], re.I) or re.search(r"\b(?:per|each)\s+(?:group|arm)\s*$", before, re.I):
                per_group = True
            if re.match(r"^[nN]\s*=", text[max(0, rel - 4):rel + 1].strip() or "x") or re.search(r"\b[nN]\s*=\s*$", before):
                if re.search(r"\b(?:group|arm|placebo|\w+ine)\b[^;]{0,12}$", before, re.I):
                    per_group = True
            cands.append((score, s.index, value, _norm(num_text), s, per_group))
    if not cands:
        return None, None, None
    totals = [c for c in cands if not c[5] and c[0] > 0]
    if totals:
        best = max(totals, key=lambda c: (c[0], -c[1]))
        return best[2], best[3], _evidence(best[4])
    groups = [c for c in cands if c[5] and c[0] > -3]
    if groups and n_arms:
        best = max(groups, key=lambda c: (c[0], -c[1]))
        return best[2] * n_arms, f"{best[3]} per group x {n_arms} groups", _evidence(best[4])
    others = [c for c in cands if not c[5] and c[0] >= 0]
    if others:
        best = max(others, key=lambda c: (c[0], -c[1]))
        return best[2], best[3], _evidence(best[4])
    return None, None, None


# --- drugs and their roles ------------------------------------------------------------------

_PLACEBO_IDS = {"placebo", "saline", "normal_saline", "sodium_chloride", "isotonic_saline"}
_PLACEBO_WORDS = re.compile(r"\b(?:placebo|saline|normal saline|sodium chloride|NaCl|dextrose|vehicle|sham)\b", re.I)


def is_placebo_concept(c: Concept | None) -> bool:
    if c is None:
        return False
    return c.id in _PLACEBO_IDS or bool(_PLACEBO_WORDS.fullmatch(c.label or ""))


def drug_mentions(ctx: Context) -> list[DrugMention]:
    out = []
    for s in ctx.sents:
        if s.role == "skip":
            continue
        for e in _ents(s, "DRUG"):
            c = _ent_concept(e)
            if c is not None:
                out.append(DrugMention(s, e, c))
    return out


def choose_focus_drug(ctx: Context, drugs: list[DrugMention]) -> Concept | None:
    """The drug whose protocols the paper reports: the one the document names most in its
    title, abstract, methods and intervention sentences (KGRAPH_FOCUS_DRUGS may override)."""
    counts: dict[str, float] = {}
    concept_of: dict[str, Concept] = {}
    dosed: set[str] = set()
    prominent: set[str] = set()
    given: set[str] = set()
    from_vocab: set[str] = set()
    for d in drugs:
        if is_placebo_concept(d.concept) or _is_diluent(d) or _is_class(d.concept.scheme, d.concept.id):
            continue
        w = {"title": 3.0, "abstract": 1.0, "methods": 1.0, "results": 0.5}.get(d.sent.role, 0.0)
        if w == 0 or _not_given(d):
            continue
        rel = d.ent.start_char - d.sent.start
        before, after = d.sent.text[max(0, rel - 50) : rel], d.sent.text[rel + len(d.ent.text) : rel + len(d.ent.text) + 40]
        if _BACKGROUND_BEFORE.search(before) or _BACKGROUND_AFTER.match(after):
            w *= 0.25  # "pain not controlled by morphine", "morphine was continued": background
        elif _INTERVENTION_CUE.search(before) or _GIVEN_AFTER.match(after):
            w += 1.0  # the allocation or administration names the studied drug
            given.add(d.concept.id)
        counts[d.concept.id] = counts.get(d.concept.id, 0.0) + w
        concept_of.setdefault(d.concept.id, d.concept)
        if d.ent._.source != "lexicon":
            from_vocab.add(d.concept.id)
        if d.sent.role == "title" or (d.sent.in_abstract and d.ent._.source != "lexicon"):
            # a broad-lexicon word in a title ("dietary riboflavin intake") must also be given
            if d.ent._.source != "lexicon" or d.sent.role != "title" or _INTERVENTION_CUE.search(d.sent.text):
                prominent.add(d.concept.id)
        if d.concept.id not in dosed:
            cands = _anchor_candidates(d.sent)
            for m in _quantities(ctx.doc, d.sent):
                if is_mass_dose(m.quantity) or is_rate(m.quantity) or is_concentration(m.quantity):
                    a = _anchor(ctx, d.sent, m, cands)
                    if a is not None and a.start_char == d.ent.start_char:
                        dosed.add(d.concept.id)
                        break
    # a drug named in passing (a questionnaire item, a prior treatment) is no studied drug:
    # it must be in the title or abstract, or be given with a dose
    counts = {k: v for k, v in counts.items() if k in prominent or k in dosed}
    # a broad-lexicon hit (not a vocabulary drug) must be given to patients, never just
    # named or measured out (a reagent has an amount too)
    counts = {k: v for k, v in counts.items() if k in from_vocab or k in given}
    if not counts:
        return None
    for preferred in focus_drugs():
        if preferred in counts:
            return concept_of[preferred]
    best = max(counts, key=lambda k: counts[k])
    # a head-to-head trial names both drugs about equally: the experimental arm is the one
    # listed first where patients are allocated ("received either X or Y", "randomized to
    # X or Y"), as a placebo is listed after the drug
    close = [k for k in counts if counts[k] >= 0.75 * counts[best]]
    if len(close) > 1:
        votes = _first_in_allocation(ctx, drugs, set(close))
        if votes:
            top = max(close, key=lambda k: (votes.get(k, 0), counts[k]))
            if votes.get(top, 0) > votes.get(best, 0):
                best = top
    return concept_of[best]


_BACKGROUND_BEFORE = re.compile(
    r"\b(?:(?:not|poorly|inadequately|well) controlled (?:by|with|on)|despite|refractory to|resistant to|failed|failure of|"
    r"previous(?:ly)?|prior|history of|rescue|as[- ]needed|stable (?:doses? of)?|usual|background|already (?:on|taking)|"
    r"receiving (?:regular|oral|stable|long-term)|on (?:regular|long-term|stable))\s+(?:[\w-]+\s+){0,2}$", re.I)
_BACKGROUND_AFTER = re.compile(
    r"^\s*(?:[\w-]+\s+){0,2}(?:(?:was|were) continued|rescue|(?:use|consumption|requirements?|equivalents?)\b|as needed|PRN)", re.I)
_GIVEN_AFTER = re.compile(
    r"^\s*(?:\([^)]{0,40}\)\s*)?(?:[\d.,]+\s*\S+\s+)?(?:was|were)\s+(?:then\s+)?(?:infused|administered|given|injected|started|run)\b", re.I)


def _first_in_allocation(ctx: Context, drugs: list[DrugMention], candidates: set[str]) -> dict[str, int]:
    """How often each candidate is named first of two candidates given as alternatives
    ("either X or Y") in an allocation sentence of the abstract or methods."""
    by_sent: dict[int, list[DrugMention]] = {}
    for d in drugs:
        if d.concept.id in candidates and d.sent.role in ("abstract", "methods"):
            by_sent.setdefault(d.sent.index, []).append(d)
    votes: dict[str, int] = {}
    for mentions in by_sent.values():
        ids = {d.concept.id for d in mentions}
        if len(ids) < 2 or not _INTERVENTION_CUE.search(mentions[0].sent.text):
            continue
        ordered = sorted(mentions, key=lambda d: d.ent.start_char)
        first = ordered[0]
        if any(d.concept.id != first.concept.id and _alternatives(ctx, d.sent, first.ent, d.ent) for d in ordered[1:]):
            votes[first.concept.id] = votes.get(first.concept.id, 0) + 1
    return votes


_INTERVENTION_CUE = re.compile(
    r"\b(?:randomi[sz]ed to|randomly (?:assigned|allocated) to|allocated to|assigned to|received|receiving|"
    r"administered|infused|infusions? of|given|treated with|dosed|intervention|study drug)\b", re.I)
# contexts that name a drug that nobody was given: substances asked about in a survey, lab
# reagents and buffers, nutrients measured in the diet or blood
_NOT_GIVEN = re.compile(
    r"\b(?:recreational|illicit|street drugs?|substances?|drug use|use of (?:alcohol|drugs|tobacco)|asked about|"
    r"questionnaire|self-reported|buffer\w*|reagents?|assay\w*|incubat\w+|chromatograph\w*|culture medium|"
    r"dietary|diet\b|intakes?|food|nutrient\w*|serum (?:levels?|concentrations?) of|pH|in vitro|enzym\w+|substrates?|"
    r"crystal\w*|recombinant)\b|\b\d+(?:\.\d+)?\s*[mµμn]M\b", re.I)


def _not_given(d: DrugMention) -> bool:
    """A drug named where nobody receives it (a survey list, a lab reagent, a nutrient)."""
    if not _NOT_GIVEN.search(d.sent.text):
        return False
    # unless this very mention is dosed or given ("ketamine 0.5 mg/kg was infused")
    rel = d.ent.start_char - d.sent.start
    near = d.sent.text[max(0, rel - 40) : rel + len(d.ent.text) + 40]
    return not re.search(r"\d\s*(?:mg|µg|μg|mcg|g)\b|\b(?:infused|administered|randomi[sz]ed)\b", near, re.I)


_DILUENT = re.compile(
    r"(?:\b(?:in|into|with|diluted (?:in|with)|dissolved (?:in|to)|made up (?:in|to|with)|prepared (?:in|as))\s+"
    r"(?:\d[\d.,]*\s*(?:mL|ml|L|cc)\s+(?:of\s+)?)?(?:the\s+)?(?:0\.9\s*%\s*|normal\s+|isotonic\s+)?$)",
    re.I,
)
_STIMULUS = re.compile(r"\b(?:hypertonic|inject(?:ed|ing|ion)\s+(?:of\s+)?[\d.,]*\s*(?:mL|ml)?|into the|provoked?|evoked|induced)\b", re.I)


def _is_diluent(d: DrugMention) -> bool:
    """Saline or dextrose as the carrier of another drug ("diluted in 100 mL saline")."""
    if d.concept.id not in _PLACEBO_IDS and not re.search(r"saline|dextrose|glucose|water", d.ent.text, re.I):
        return False
    before = d.sent.text[: d.ent.start_char - d.sent.start]
    return bool(_DILUENT.search(before[-60:]))


def _is_pain_stimulus(d: DrugMention) -> bool:
    """Hypertonic saline injected to provoke pain is a test, not a treatment."""
    s = d.sent.text
    rel = d.ent.start_char - d.sent.start
    window = s[max(0, rel - 60) : rel + len(d.ent.text) + 60]
    return bool(re.search(r"\bhypertonic\b", window, re.I)) or bool(
        re.search(r"\b(?:pain (?:was )?(?:provoked|evoked|induced)|saline[- ](?:evoked|induced))\b", window, re.I)
    )


@dataclass
class DrugRoles:
    comparators: list[Comparator] = field(default_factory=list)
    adjuncts: list[Coadministration] = field(default_factory=list)
    # drugs that form an extra "focus + drug" arm besides their own comparator arm
    combination: list[Coadministration] = field(default_factory=list)
    placebo: bool = False


_PURPOSE_VERBS = r"(?:prevent|reduce|limit|minimi[sz]e|attenuate|blunt|counteract|treat|avoid|control|lessen|decrease|suppress|manage|relieve|mitigate)"
_PRN_EVENTS = r"(?:hallucinations|dysphoria|agitation|anxiety|nausea|vomiting|side effects|adverse|unpleasant|psychomimetic|emergence|nightmares|dreams|tachycardia|hypertension)"
# Strong cues: the drug is given as part of the treatment, next to the studied drug.
_ADJ_CUE = re.compile(
    r"\b(?:premedicat\w*|pre-?treat\w*|before (?:each|every|the) (?:infusion|session|treatment)|"
    r"prior to (?:each|every|the) (?:infusion|session|treatment)|"
    r"at the (?:start|beginning|onset) of (?:each|every|the) (?:infusion|session)|"
    r"together with|along(?:side)? with|alongside|in combination with|combined with|co-?administ\w*|co-?infus\w*|"
    r"concomitant\w*|in addition to|add-?on|added to|plus|as (?:an )?adjunct\w*|adjuvant|run alongside|supported by|"
    r"to " + _PURPOSE_VERBS + r"\b|for (?:anxiolysis|sedation|prophylaxis|premedication|" + _PRN_EVENTS + r")|rescue|"
    r"as needed|as required|when needed|if needed|if required|on demand|PRN|p\.r\.n\.|available for|"
    r"all (?:patients|participants|subjects) (?:were given|received|also received)|"
    r"every (?:patient|participant|subject) received|in both (?:groups|arms)|with each infusion|"
    r"(?:nausea|vomiting|hallucinations|dysphoria|agitation|anxiety|" + _PRN_EVENTS + r")\s+(?:was |were )?(?:treated|managed|relieved) with|"
    r"responded to|"
    # the adjunct as its own subject or as the first drug of each session:
    # "Midazolam 1 mg/h was run throughout", "each began with midazolam 1 mg; ketamine was then ..."
    r"(?:was|were) (?:run|infused|given|administered|continued|maintained) (?:throughout|concurrently|simultaneously)|"
    r"throughout (?:the|each|every) (?:infusion|session|treatment)|"
    r"(?:began|begun|started|commenced|preceded) (?:with|by)|"
    r"if " + _PRN_EVENTS + r"[^.;]{0,60}(?:occurred|developed|appeared))",
    re.I,
)
# Weak cue: a background drug kept going. It counts only in a paragraph that describes the
# treatment (names the studied drug), not among eligibility criteria.
_CONTINUED_CUE = re.compile(r"\b(?:(?:was|were) continued|continued (?:unchanged|throughout|at|their|to)|continued\b)", re.I)
_ELIGIBILITY = re.compile(r"\b(?:eligib\w*|exclu\w*|inclu\w*|criteria|allowed|permitted|not permitted|prohibited|withheld|usual (?:care|regimen|treatment|analgesi\w*)|as prescribed|treating team)\b", re.I)
_NO_ADJ = re.compile(
    r"\b(?:no (?:premedication|other drugs?|adjuncts?|study-specific adjunct|benzodiazepine|co-?medication)|"
    r"without (?:premedication|midazolam|an adjunct)|not given routinely)\b",
    re.I,
)
_PURPOSE = re.compile(
    r"\b(?:to " + _PURPOSE_VERBS + r"\s+[^.;,]{3,60}"
    r"|for (?:anxiolysis|sedation|prophylaxis|premedication|" + _PRN_EVENTS + r")[^.;]{0,40}"
    r"|as (?:an )?(?:adjunct|premedication)[^.;,]{0,40}|as needed[^.;]{0,40}|PRN[^.;]{0,40}"
    r"|if " + _PRN_EVENTS + r"[^.;]{0,60}(?:occurred|developed|appeared))",
    re.I,
)
_COMP_BETWEEN = re.compile(
    r"\b(?:or|versus|vs\.?|compared (?:with|to)|than|and with|with (?:lidocaine|placebo))\b|\(\d\)|\b\d\)|[\[(][a-d][\])]",
    re.I,
)
# amounts of a drug used, compared between groups: a consumption outcome
_CONSUMPTION = re.compile(
    r"\b(?:needed|required|requested|used|consumed|took)\s+(?:less|more|fewer|significantly less|significantly more)\b|"
    r"\b(?:consumption|requirements?|use)\b[^.;]{0,40}\d[^.;]{0,15}\b(?:vs\.?|versus)\s*\d|"
    r"\d[\d.]*\s*(?:mg|µg|μg|mcg)?\s*(?:vs\.?|versus)\s*\d[\d.]*\s*(?:mg|µg|μg|mcg)\b", re.I)
_ACTIVE_PLACEBO = re.compile(r"active[- ]placebo|active control", re.I)
_ALT_WORD = re.compile(r"\b(?:or|versus|vs\.?|compared (?:with|to)|against|either)\b", re.I)
_ALT_SEPARATORS = re.compile(r"(?:\s|,|\bor\b|\bversus\b|\bvs\.?|\bcompared (?:with|to)\b|\bagainst\b|\beither\b|\bwith\b(?= ITEM)|ITEM|\bthe\b|\ba\b|\ban\b)*", re.I)
_ITEM_WORDS = re.compile(r"\b(?:placebo|saline|sham|normal saline|isotonic saline|(?:the )?combination(?: of both)?|both)\b", re.I)


def _alternatives(ctx: Context, s: Sent, a: Span, b: Span) -> bool:
    """Whether two drug mentions are alternatives, i.e. different arms: "X or Y", "X versus Y",
    "X, Y or Z", "either X (dose) or Y", "(1) X, (2) Y", a title "X, Y and Placebo". What lies
    between them may only be other alternatives, their doses and parentheses."""
    first, second = (a, b) if a.start_char < b.start_char else (b, a)
    seg = ctx.text[first.end_char : second.start_char]
    if len(seg) > 250 or re.search(r"[;.]\s", seg):
        return False
    # other drugs and placebo words between become ITEM; doses, parentheses, numbering vanish
    rel = first.end_char
    pieces, pos = [], 0
    for e in sorted((e for e in _ents(s, "DRUG") if first.end_char <= e.start_char and e.end_char <= second.start_char),
                    key=lambda e: e.start_char):
        pieces.append(seg[pos : e.start_char - rel])
        pieces.append(" ITEM ")
        pos = e.end_char - rel
    pieces.append(seg[pos:])
    bare = "".join(pieces)
    enumerated = bool(re.search(r"\(\s*(?:[1-9]|[a-d])\s*\)|(?<![\w(])[1-9]\)", seg))  # "(1) X, (2) Y"
    bare = re.sub(r"\([^()]*\)", " ", bare)
    bare = _ITEM_WORDS.sub(" ITEM ", bare)
    bare = re.sub(r"[~≈]?\d[\d.,]*(?:\s*[-–]\s*[\d.,]+)?\s*(?:[µμa-zA-Z%]+(?:[/.·][\w⁻¹()-]+)*)?", " ", bare)
    bare = re.sub(r"\b(?:over|for|each|infused|given|administered|intravenously|orally|at|of|dose|doses|mg|iv|IV|in random order)\b", " ", bare) \
        if s.role != "title" else bare
    if s.role == "title":
        bare = re.sub(r"\b(?:and|&)\b", " or ", bare)
    if not _ALT_SEPARATORS.fullmatch(bare.strip()):
        return False
    tail = ctx.text[second.end_char : min(s.end, second.end_char + 150)]
    if _ALT_WORD.search(bare) or s.role == "title" or enumerated:
        return True
    # "X, Y or Z": commas only between, the alternation word comes after
    return "," in seg and bool(re.match(r"^[^.;]*?,?\s+or\s+", tail))


_USUAL_CARE = (r"(?:usual|standard|routine|conventional) (?:care|treatment|practice|management)|treatment as usual|"
               r"information[- ]only(?: [\w-]+)?|measurement[- ]only(?: [\w-]+)?|no[- ]intervention(?: control)?|wait(?:ing)?[- ]?list(?: control)?|"
               r"attention[- ]control|minimal (?:advice|intervention)")
_USUAL_CARE_ARM = re.compile(
    r"\b(?:or|versus|vs\.?|compared (?:with|to)|to|with|control (?:group|arm|condition)s?\s+(?:received|got|had|was|were)?)\s+"
    r"(?:an?\s+|the\s+|continued\s+)?(?P<c>" + _USUAL_CARE + r")\b"
    r"|\b(?P<c2>" + _USUAL_CARE + r")\s+(?:group|arm|control|condition|comparator)\b", re.I)


def usual_care_comparators(ctx: Context) -> list[Comparator]:
    """A control arm that is care as usual ("randomised to the website or usual care",
    "an information-only control group"): a comparator of kind usual_care, not a drug arm.
    Background care given to everyone ("in addition to their usual analgesia") is not one."""
    for s in ctx.sents:
        if s.role not in ("title", "abstract", "methods"):
            continue
        for m in _USUAL_CARE_ARM.finditer(s.text):
            before = s.text[: m.start()]
            if re.search(r"\b(?:in addition to|added to|on top of|alongside|continued)\s*$", before, re.I):
                continue
            if not re.search(r"\b(?:randomi[sz]\w*|allocated|assigned|control|compar\w+|versus|vs|arms?|groups?)\b", s.text, re.I) \
                    and s.role != "title":
                continue
            label = _norm(m.group("c") or m.group("c2")).lower()
            return [Comparator(label=label, kind="usual_care", evidence=[_evidence(s)])]
    return []


def _purpose_of(s: Sent, d: DrugMention) -> str | None:
    """Why an adjunct was given: the purpose phrase after it (up to the next drug), else the
    one just before it in the same clause."""
    rel_s, rel_e = d.ent.start_char - s.start, d.ent.end_char - s.start
    after = s.text[rel_e:]
    nxt = min((e.start_char - s.start - rel_e for e in _ents(s, "DRUG") if e.start_char > d.ent.end_char), default=len(after))
    m = _PURPOSE.search(after[:nxt])
    if m:
        return _norm(m.group(0))
    before = re.split(r"[,;]\s", s.text[:rel_s])[-1]
    m = _PURPOSE.search(before)
    return _norm(m.group(0)) if m else None


def _block_mentions(ctx: Context, s: Sent, concept_id: str) -> bool:
    """Whether the paragraph of ``s`` names the concept."""
    for other in ctx.sents:
        if other.block == s.block and other.block is not None or other.index == s.index:
            if any(e._.concept_id == concept_id for e in other.ents):
                return True
    return False


@lru_cache(maxsize=None)
def _is_class(scheme: str, cid: str) -> bool:
    """A concept with narrower concepts (opioid, benzodiazepine): a class, not a drug given."""
    broader = _broader_map()
    return any((scheme, cid) in parents for parents in broader.values())


def classify_drugs(ctx: Context, drugs: list[DrugMention], focus: Concept) -> DrugRoles:
    roles = DrugRoles()
    protocol_roles = {"title", "abstract", "methods"}
    comp: dict[str, dict[str, Any]] = {}
    adj: dict[str, dict[str, Any]] = {}
    combination_sent: list[Sent] = []
    placebo_evidence: list[Sent] = []
    placebo_negated = False
    for s in ctx.sents:
        if s.role not in protocol_roles:
            continue
        text = s.text
        if re.search(r"\b(?:the )?combination(?: of (?:both|the two|the drugs|the two drugs))?\b|\bboth (?:drugs|together)\b|\bgiven together\b", text, re.I):
            combination_sent.append(s)
        for m in re.finditer(r"\bplacebo\b|\bsaline\b|\bsham\b", text, re.I):
            before = text[max(0, m.start() - 40) : m.start()]
            after = text[m.end() : m.end() + 30]
            if re.search(r"active[- ]$", before, re.I):
                continue
            if m.group(0).lower() == "saline":
                window = text[max(0, m.start() - 60) : m.end() + 60]
                if _DILUENT.search(before) or re.search(r"\bhypertonic\b", window, re.I) or re.match(r"[- ](?:evoked|induced)", after):
                    continue
                if not re.search(r"\b(?:or|versus|vs|placebo|received|control|arm|group|matching|identical)\b", window, re.I):
                    continue
            if re.search(r"\b(?:without|no|not|absence of)\b[^.;]{0,25}$", before, re.I):
                placebo_negated = True
                continue
            if re.match(r"^[- ](?:responses?|effects?|responders?|rates?|response rates?)\b", after, re.I):
                continue  # "placebo responses are substantial": the phenomenon, not an arm
            if re.search(r"^[- ]?controlled\b", after, re.I) and s.role == "title":
                pass
            placebo_evidence.append(s)
    roles.comparators.extend(usual_care_comparators(ctx))
    if placebo_evidence and not (placebo_negated and len(placebo_evidence) == 0):
        roles.placebo = True
        roles.comparators.append(
            Comparator(label="placebo", kind="placebo", evidence=[_evidence(placebo_evidence[0])])
        )
    by_sent: dict[int, list[DrugMention]] = {}
    for d in drugs:
        by_sent.setdefault(d.sent.index, []).append(d)
    for idx, mentions in by_sent.items():
        s = mentions[0].sent
        if s.role not in protocol_roles and not (s.role == "results"):
            continue
        text = s.text
        focus_mentions = [d for d in mentions if d.concept.id == focus.id]
        for d in mentions:
            cid = d.concept.id
            if cid == focus.id or is_placebo_concept(d.concept) or _is_diluent(d) or _is_pain_stimulus(d):
                continue
            if _is_class(d.concept.scheme, cid):
                continue
            rel_start = d.ent.start_char - s.start
            rel_end = d.ent.end_char - s.start
            before = text[:rel_start]
            after = text[rel_end:]
            local = text[max(0, rel_start - 100) : min(len(text), rel_end + 100)]
            if _EXCLUSION.search(before[-60:]) or re.search(r"\bdespite\b", before[-80:], re.I):
                continue
            if s.role == "results" and not re.search(r"\b(?:treated with|was given|were given|received|rescue|responded to)\b", local, re.I):
                continue
            next_drug = min((e.start_char - d.ent.end_char for e in _ents(s, "DRUG") if e.start_char >= d.ent.end_char), default=60)
            if _ACTIVE_PLACEBO.search(after[: min(60, next_drug)]) or _ACTIVE_PLACEBO.search(before[-25:]):
                entry = comp.setdefault(cid, {"concept": d.concept, "kind": "active_placebo", "sents": []})
                entry["kind"] = "active_placebo"
                entry["sents"].append((s, d))
                continue
            is_comp = any(_alternatives(ctx, s, f.ent, d.ent) for f in focus_mentions)
            if not focus_mentions and re.search(r"\b(?:group|arm)\b", before[-40:], re.I) and s.role == "methods":
                is_comp = True
            if re.search(r"\b(?:versus|vs\.?|compared (?:with|to))\s*$", before[-30:], re.I) or re.match(
                r"\s*(?:versus|vs\.?)\b", after
            ):
                is_comp = True
            if is_comp:
                entry = comp.setdefault(cid, {"concept": d.concept, "kind": "active", "sents": []})
                entry["sents"].append((s, d))
                continue
            if _NO_ADJ.search(local) and not re.search(r"\bavailable\b", local, re.I):
                continue
            strong = _ADJ_CUE.search(local)
            weak = not strong and _CONTINUED_CUE.search(local) and not _ELIGIBILITY.search(text) and _block_mentions(ctx, s, focus.id)
            if strong or weak:
                entry = adj.setdefault(cid, {"concept": d.concept, "sents": []})
                entry["sents"].append((s, d))
    # drugs both ways: a comparator arm alone, and an adjunct within a combination arm
    for cid, entry in comp.items():
        c = Comparator(
            label="active placebo" if entry["kind"] == "active_placebo" else entry["concept"].label,
            kind=entry["kind"],
            drug=entry["concept"],
            evidence=[_evidence(entry["sents"][0][0])],
        )
        for s, d in entry["sents"]:
            for q in _doses_for(ctx, s, d):
                _add_unique(c.doses, q)
        roles.comparators.append(c)
        if entry["kind"] == "active" and combination_sent:
            co = Coadministration(drug=entry["concept"], purpose="combination arm", evidence=[_evidence(combination_sent[0])])
            co.doses = [copy.deepcopy(q) for q in c.doses]
            roles.combination.append(co)
    for cid, entry in adj.items():
        if cid in comp:
            continue
        co = Coadministration(drug=entry["concept"], evidence=[_evidence(entry["sents"][0][0])])
        dose_mentions = list(entry["sents"]) + [
            (d.sent, d) for d in drugs
            if d.concept.id == cid and d.sent.role in ("abstract", "methods") and (d.sent, d) not in entry["sents"]
            and not _ELIGIBILITY.search(d.sent.text) and not re.search(r"\b(?:despite|prior|previous)\b", d.sent.text, re.I)
        ]
        for s, d in dose_mentions:
            if _CONSUMPTION.search(s.text):
                continue  # "needed less morphine (median 6 vs 10 mg)": an outcome, not a dose
            for q in _doses_for(ctx, s, d):
                _add_unique(co.doses, _clone(q, "dose"))
        for s, d in entry["sents"]:
            if co.purpose is None:
                co.purpose = _purpose_of(s, d)
            if co.route is None:
                co.route = _route_near(s, d.ent)
        roles.adjuncts.append(co)
    return roles


# --- quantities attached to drugs ----------------------------------------------------------

def _anchor(ctx: Context, s: Sent, m: QuantityMention, drug_ents: list[Span]) -> Span | None:
    """The drug a quantity belongs to: the nearest drug before it in its clause, or a drug
    right after it ("0.4 mg/kg ketamine", "80 mg of ketamine")."""
    text = ctx.text
    best = None
    best_dist = None
    for e in drug_ents:
        if e.end_char <= m.start:
            between = text[e.end_char : m.start]
            dist = len(between)
            if ";" in between:
                dist += 400
            if re.search(r"\.\s", between):
                dist += 1000
            if best_dist is None or dist < best_dist:
                best, best_dist = e, dist
    for e in drug_ents:
        if e.start_char >= m.end:
            between = text[m.end : e.start_char]
            if re.fullmatch(r"\s*(?:of\s+)?(?:the\s+)?(?:(?:iv|i\.v\.|intravenous|oral|racemic)\s+)?", between, re.I):
                return e
    if best is None:
        # "After an initial bolus of 2.5-7.5 mg, midazolam was infused ...": the subject follows
        following = [e for e in drug_ents if e.start_char >= m.end and not re.search(r"[;.]\s", text[m.end : e.start_char])]
        if following:
            return min(following, key=lambda e: e.start_char)
    return best


def _anchor_candidates(s: Sent) -> list[Span]:
    cached = s.__dict__.get("_anchor_candidates")  # asked for once per quantity: keep per sentence
    if cached is not None:
        return cached
    out = []
    for e in _ents(s, "DRUG"):
        d = DrugMention(s, e, _ent_concept(e) or Concept(id="", label="", scheme="drugs"))
        if _is_diluent(d) or _is_pain_stimulus(d):
            continue
        out.append(e)
    s.__dict__["_anchor_candidates"] = out
    return out


def _doses_for(ctx: Context, s: Sent, d: DrugMention) -> list[Quantity]:
    """Dose-like quantities of the sentence anchored to this drug mention."""
    ents = _anchor_candidates(s)
    out = []
    for m in _quantities(ctx.doc, s):
        q = m.quantity
        if not (is_mass_dose(q) or is_rate(q) or is_concentration(q)) or is_volume(q):
            continue
        if is_concentration(q) and not q.kind == "target_concentration":
            continue
        a = _anchor(ctx, s, m, ents)
        if a is not None and a.start_char == d.ent.start_char:
            out.append(_with_evidence(q, s))
    return out


def _with_evidence(q: Quantity, s: Sent) -> Quantity:
    new = copy.deepcopy(q)
    if not new.evidence:
        new.evidence = [_evidence(s)]
    return new


_ROUTES = [
    (re.compile(r"\b(?:intravenous(?:ly)?|i\.v\.|IV)\b|\binfused intravenously\b"), "intravenous"),
    (re.compile(r"\b(?:oral(?:ly)?|by mouth|per os|p\.o\.|PO)\b"), "oral"),
    (re.compile(r"\b(?:intranasal(?:ly)?|nasal spray)\b", re.I), "intranasal"),
    (re.compile(r"\b(?:subcutaneous(?:ly)?|s\.c\.|SC)\b"), "subcutaneous"),
    (re.compile(r"\b(?:intramuscular(?:ly)?|i\.m\.|IM)\b"), "intramuscular"),
    (re.compile(r"\b(?:transdermal(?:ly)?|patch)\b", re.I), "transdermal"),
    (re.compile(r"\b(?:epidural(?:ly)?)\b", re.I), "epidural"),
    (re.compile(r"\b(?:intrathecal(?:ly)?)\b", re.I), "intrathecal"),
    (re.compile(r"\b(?:sublingual(?:ly)?)\b", re.I), "sublingual"),
]


def _route_key(text: str) -> str | None:
    for rx, route in _ROUTES:
        if rx.search(text):
            return route
    return None


def _route_mentions(s: Sent) -> list[tuple[int, int, str]]:
    """(start, end, route) in document offsets: ROUTE entities, else route words."""
    out = []
    for e in _ents(s, "ROUTE"):
        route = e._.concept_id or _route_key(e.text)
        if route:
            out.append((e.start_char, e.end_char, route))
    if not out:
        for rx, route in _ROUTES:
            for m in rx.finditer(s.text):
                out.append((s.start + m.start(), s.start + m.end(), route))
    return out


def _route_near(s: Sent, ent: Span) -> str | None:
    """A route stated for this drug mention: the route word nearest to it, if no other drug
    is closer to that word."""
    drugs = _anchor_candidates(s)
    best = None
    for start, end, route in _route_mentions(s):
        dist = ent.start_char - end if end <= ent.start_char else start - ent.end_char
        if dist < 0 or dist > 60:
            continue
        nearest = min(drugs, key=lambda e: min(abs(e.start_char - end), abs(start - e.end_char)), default=None)
        if nearest is not None and nearest.start_char != ent.start_char:
            continue
        if best is None or dist < best[0]:
            best = (dist, route)
    return best[1] if best else None


# --- protocol construction ------------------------------------------------------------------

_BOLUS_CUE = re.compile(r"\b(?:bolus|loading|load|initial dose|priming|induction dose)\b", re.I)
_TOTAL_CUE = re.compile(r"\b(?:total|cumulative|in all|altogether|overall dose)\b", re.I)
_PER70 = re.compile(r"\b70[- ]?kg\b", re.I)
_TITRATE_START = re.compile(r"\b(?:start(?:ed|ing)?|initiat\w+|begun|began|commenc\w+|initial(?:ly)?|from)\b", re.I)
_TITRATE_UP = re.compile(r"\b(?:increas\w+|titrat\w+|escalat\w+|rais\w+|up to|to a maximum|maximum of|until)\b", re.I)
_STEP_BEFORE = re.compile(r"(?<!followed )(?<!replaced )\b(?:by|increments? of|steps? of)\s*$", re.I)
_INFUSION_WORD = re.compile(r"\binfus\w*|\bsessions?\b|\bdrip\b|\btreatments?\b", re.I)
_DURATION_BEFORE = re.compile(
    r"(?:\b(?:over|for|lasting|lasted|ran for|run for|during|infused over|given over|administered over|each lasting|duration of)"
    r"(?:\s+(?:a|an|the|about|approximately|at least|up to))?\s*$)",
    re.I,
)
_NOT_DURATION_BEFORE = re.compile(
    r"\b(?:every|each|after|at|within|by|before|apart|later|since|from|q|until|interval of|intervals of|separated by)\s*$",
    re.I,
)
_NOT_DURATION_AFTER = re.compile(r"^\s*(?:later|apart|after|before|afterwards|post|of (?:pain|follow|observation)|follow|observation|washout|interval)", re.I)


@dataclass
class _Slotted:
    slot: str  # bolus | rate | total_dose | target_concentration
    q: Quantity
    sent: Sent
    mention: QuantityMention


def _slot_for(q: Quantity, sent: Sent, m: QuantityMention, ctx: Context) -> str | None:
    if is_volume(q) or q.kind in ("count", "percent", "age"):
        return None
    text = ctx.text
    before = text[max(sent.start, m.start - 50) : m.start]
    if is_concentration(q):
        if q.kind == "target_concentration" or re.search(r"\btarget", before, re.I):
            return "target_concentration"
        return None
    if is_rate(q):
        return "rate"
    if not is_mass_dose(q):
        return None
    total_at = max((m_.end() for m_ in _TOTAL_CUE.finditer(before[-40:])), default=-1)
    bolus_at = max((m_.end() for m_ in _BOLUS_CUE.finditer(before[-40:])), default=-1)
    if total_at > bolus_at:
        return "total_dose"
    if bolus_at >= 0 or (q.kind == "bolus" and total_at < 0):
        return "bolus"
    return "total_dose"


def _fix_per70(q: Quantity, sent: Sent, m: QuantityMention | None = None, doc_text: str = "") -> Quantity:
    """"1,020 mg when normalized to a 70-kg patient", "for a 70-kg patient this corresponds to
    17.5 mg": an absolute mass stated per 70 kg (the 70 kg must be next to the number)."""
    near = _PER70.search(sent.text)
    if m is not None and doc_text:
        after = doc_text[m.end : min(sent.end, m.end + 45)]
        before = doc_text[max(sent.start, m.start - 60) : m.start]
        near = (re.match(r"^[^;()]*?\b(?:for|per|in|to|normali[sz]ed to|of) (?:a |an |the )?70[- ]?kg\b", after, re.I)
                or re.search(r"\b(?:for|per|in) (?:a |an |the )?70[- ]?kg (?:patient|adult|person|subject|man|woman)?(?:[^;.]|\.\d)*$", before, re.I))
    if not q.per_weight and not q.per_70kg and is_mass_dose(q) and near and "/" not in _unit_of(q):
        q = copy.deepcopy(q)
        q.per_70kg = True
        unit = _unit_of(q)
        q.unit = f"{unit}/70kg"
        _renormalize(q)
        if q.normalized_unit is None:
            q.unit = unit
            _renormalize(q)
    return q


def _duration_is_infusion(ctx: Context, s: Sent, m: QuantityMention) -> bool:
    q = m.quantity
    if not is_duration(q) or q.kind in ("age", "interval", "follow_up", "relief", "course", "disease_duration"):
        return False
    text = ctx.text
    before = text[max(s.start, m.start - 40) : m.start]
    after = text[m.end : min(s.end, m.end + 40)]
    raw = text[m.start : m.end]
    if _NOT_DURATION_BEFORE.search(before) or _NOT_DURATION_AFTER.search(after):
        return False
    if re.search(r"\b(?:tapered|weaned|reduced|decreased|stopped|discontinued|withheld)\b[^.;,]{0,15}$", before, re.I):
        return False
    # "each held for 20 minutes (60 minutes in total)": the steps of one infusion
    if re.match(r"^\s*(?:in total|in all|total|altogether)\b", after, re.I):
        return True
    sent_text = s.text
    if re.search(r"\b(?:in total|in all)\b", sent_text, re.I) and re.search(r"\beach\b[^.;]{0,25}$", before, re.I):
        return False
    if re.search(r"\beach (?:held|maintained|kept)\b[^.;]{0,10}$", before, re.I) or re.search(r"\b(?:each|per) step\b", before + after, re.I):
        return False
    hyphen = re.search(r"-(?:hour|h|hr|minute|min|day|d)\b", raw, re.I) or re.match(r"^\s*-?\s*(?:hour|minute|day)s?\b", after)
    # "a 4-hour infusion", "10 daily 4-h infusions", "5-day inpatient infusion"
    if hyphen or re.match(r"^\s*(?:\w+\s+){0,2}(?:infusions?|sessions?|treatment|course|continuous)", after, re.I):
        if re.match(r"^\s*(?:[\w-]+\s+){0,2}(?:infusions?|sessions?)\b", after, re.I):
            return True
        if hyphen and _INFUSION_WORD.search(s.text):
            return True
    if _DURATION_BEFORE.search(before):
        hours = _hours(q)
        # "over two consecutive weeks" is the course, not one infusion, unless continuous
        if hours is not None and hours > 24:
            multi_day = re.search(r"continuous|continuously|\binfusions? (?:ran|lasted|was run)|infused|stepwise|titrat\w+|increased", s.text, re.I)
            course = re.search(r"\b(?:daily|each day|per day|consecutive|every other day|sessions|infusions)\b", s.text, re.I)
            if not multi_day or course:
                return False
        if re.search(r"\b(?:follow(?:ed)?[- ]up|observ\w+|monitor\w+|fasted|washout|study period)\b", before + " " + s.text[: m.start - s.start][-60:], re.I):
            return False
        return bool(_INFUSION_WORD.search(s.text) or re.search(r"\b(?:infused|given|administered|received|dose)\b", s.text, re.I) or q.kind == "duration")
    if re.match(r"^\s*(?:each|per (?:infusion|session))\b", after, re.I) and _INFUSION_WORD.search(s.text):
        return True
    if re.search(r"\bfor\s*$", before, re.I) and re.search(r"\bcontinuous", s.text, re.I):
        return True
    return False


def _hours(q: Quantity) -> Decimal | None:
    if q.normalized_unit == "h":
        return q.normalized_value if q.normalized_value is not None else q.normalized_high
    return None


def build_protocols(ctx: Context, drugs: list[DrugMention], focus: Concept, roles: DrugRoles) -> list[Protocol]:
    base = Protocol(drug=focus)
    slotted: list[_Slotted] = []
    durations: list[tuple[Quantity, Sent]] = []
    discourse_drug: dict[int | None, str] = {}
    protocol_sents = [s for s in ctx.sents if s.role in METHODS_ROLES or s.role in ("results", "discussion", "conclusions")]
    alternatives: list[list[Quantity]] = []
    flexible: list[Quantity] = []
    for s in protocol_sents:
        ents = _anchor_candidates(s)
        focus_here = any((e._.concept_id == focus.id) for e in ents)
        mentions = _quantities(ctx.doc, s)
        sent_slots: list[_Slotted] = []
        for m in mentions:
            q = m.quantity
            slot = _slot_for(q, s, m, ctx)
            late = s.role in ("discussion", "conclusions")
            if late and not (slot == "total_dose" and focus_here and re.search(
                    r"\b(?:total|cumulative)\b", ctx.text[max(s.start, m.start - 40) : m.start], re.I)):
                continue  # the discussion restates (or cites others); only a stated total is new
            if slot is not None and re.search(r"\bequivalents?\b|\bMME\b|\bOME\b", s.text):
                continue  # opioid consumption in morphine equivalents, not a dose given
            if re.match(r"^\s*(?:[\w-]+\s+){0,2}(?:filaments?|needles?|gauge|cannulas?|catheters?|syringes?|bags?|vials?|ampoules?|tubes?)\b",
                        ctx.text[m.end : m.end + 40], re.I):
                continue  # "a 26-g von Frey filament": equipment, not a dose
            if slot is None and q.kind == "unknown" and not late and re.search(
                    r"\d\s*(?:mg|µg|μg|ug|mcg|g|ng|IU|IE|U|mmol|mEq)\b", q.text, re.I):
                # a number with a unit the grammar cannot read: kept as written, never guessed
                a = _anchor(ctx, s, m, ents)
                owner = a._.concept_id if a is not None else discourse_drug.get(s.block, focus.id)
                if owner == focus.id:
                    cue = ctx.text[max(s.start, m.start - 40) : m.start]
                    slot = "bolus" if _BOLUS_CUE.search(cue) else "rate" if re.search(r"\brate\b|/\s*(?:h|min)", cue + q.text, re.I) else "total_dose"
                    kept = copy.deepcopy(q)
                    kept.evidence = kept.evidence or [_evidence(s)]
                    sent_slots.append(_Slotted(slot, kept, s, m))
                    reason = "; ".join(getattr(m.raw, "warnings", None) or []) or "unit not understood"
                    ctx.warnings.append(f"unparseable quantity {q.text!r} kept as text ({reason}) at offset {m.start}")
                continue
            if slot is None:
                if not (focus_here or _discourse_is_focus(discourse_drug, s, focus) or (not ents and s.role == "results")):
                    continue
                if s.role != "results" and (_duration_is_infusion(ctx, s, m) or (
                        _reported_infusion_duration(ctx, s, m) and not _RELIEF_WORDS.search(s.text))):
                    durations.append((_clone(q, "duration", s), s))
                elif s.role == "results" and _reported_infusion_duration(ctx, s, m):
                    durations.append((_clone(q, "duration", s), s))
                continue
            a = _anchor(ctx, s, m, ents)
            owner = a._.concept_id if a is not None else discourse_drug.get(s.block, focus.id)
            if a is None and s.role == "results":
                # a results sentence naming no drug ("the mean infusion rate was ...") reports
                # on the studied drug, not on the adjunct named last
                owner = focus.id
            if owner != focus.id:
                continue
            before = ctx.text[max(s.start, m.start - 60) : m.start]
            if _STEP_BEFORE.search(before[-25:]) or re.search(r"\b(?:reduced|decreased|lowered|tapered|weaned)\b[^.;,]{0,20}$", before, re.I):
                continue  # a titration step or a reduction, not a rate given
            if s.role == "results":
                # results restate what was delivered: summary rates and totals only
                # ("the mean maximal rate was 36 ± 6 mg/h"), not single patients' values
                if slot not in ("rate", "total_dose"):
                    continue
                if a is None and not re.search(r"\b(?:rate|dose|infus\w*)\b", s.text, re.I):
                    continue
                summary = q.mean is not None or re.search(r"\b(?:mean|median|average|averaged|on average)\b", before, re.I) or (
                    slot == "total_dose" and re.search(r"\b(?:total|cumulative)\b", before + ctx.text[m.end : m.end + 30], re.I))
                if not summary:
                    continue
            q = _daily_dose(q, before)
            slot = "rate" if is_rate(q) else slot
            q2 = _fix_per70(q, s, m, ctx.text)
            kind = {"total_dose": "total", "rate": "rate", "bolus": "bolus", "target_concentration": "target_concentration"}[slot]
            sent_slots.append(_Slotted(slot, _clone(q2, kind, s), s, m))
        if ents:
            last = max(ents, key=lambda e: e.start_char)
            discourse_drug[s.block] = last._.concept_id
            for e in ents:
                if e._.concept_id == focus.id:
                    discourse_drug[s.block] = focus.id
        _merge_titration(ctx, s, sent_slots, base)
        alt = _alternative_doses(ctx, s, sent_slots, focus.id)
        if alt:
            alternatives.append(alt)
        if _FLEXIBLE.search(s.text):
            flexible.extend(sl.q for sl in sent_slots if sl.slot in ("total_dose", "bolus"))
        slotted.extend(sent_slots)
    for sl in slotted:
        for part in _split_value_and_range(sl.q):
            _add_unique(getattr(base, sl.slot), part)
        base.evidence.append(_evidence(sl.sent)) if all(e.start != sl.sent.start for e in base.evidence) else None
    for q, s in durations:
        for part in _split_value_and_range(q):
            _add_unique(base.infusion_duration, part)
        if all(e.start != s.start for e in base.evidence):
            base.evidence.append(_evidence(s))
    _drop_bolus_duration(ctx, base)
    for name in ("bolus", "rate", "target_concentration", "total_dose", "infusion_duration"):
        setattr(base, name, _drop_range_endpoints(getattr(base, name)))
    base.route = find_route(ctx, focus)
    base.form = find_form(ctx, focus)
    base.sessions, base.schedule = find_sessions(ctx, focus)
    daily_dosing = any(_unit_of(q).endswith("/d") for q in base.rate)
    if base.sessions is None and not daily_dosing and not base.schedule and (base.infusion_duration or base.total_dose or base.bolus):
        base.sessions = 1 if _single_administration(ctx) else None
    base.coadministrations = list(roles.adjuncts)
    if not base.evidence:
        first = next((d for d in drugs if d.concept.id == focus.id), None)
        if first is not None:
            base.evidence.append(_evidence(first.sent))
    # values stated elsewhere as one flexibly dosed arm are not separate arms
    flexible_keys = {_qkey(q) for q in flexible}
    alternatives = [alt for alt in alternatives if not all(_qkey(q) in flexible_keys for q in alt)]
    protocols = _split_alternatives(base, alternatives)
    for co in roles.combination:
        for p in list(protocols):
            combo = copy.deepcopy(p)
            combo.coadministrations = list(p.coadministrations) + [copy.deepcopy(co)]
            combo.evidence = list(p.evidence) + list(co.evidence)
            protocols.append(combo)
            break
    return protocols


def _split_value_and_range(q: Quantity) -> list[Quantity]:
    """"3 days (range 1-6 days)": a central value and a range, two facts."""
    central = q.value if q.value is not None else q.mean
    if central is None or q.low is None or q.high is None:
        return [q]
    a = copy.deepcopy(q)
    a.low = a.high = a.normalized_low = a.normalized_high = None
    b = copy.deepcopy(q)
    b.value = b.mean = b.sd = b.normalized_value = None
    b.qualifier = None
    m = re.search(r"\(?\s*(?:range|IQR)[^)]*\)?\s*$", q.text)
    if m:
        b.text = q.text[m.start():].strip("() ")
        a.text = q.text[: m.start()].strip()
    return [a, b]


def _drop_range_endpoints(values: list[Quantity]) -> list[Quantity]:
    """A single value that is the start or end of a range in the same list ("started at 0.1"
    next to "0.1-0.5") adds nothing."""
    ends = set()
    for q in values:
        if q.low is not None and q.high is not None and q.normalized_unit:
            ends.add((q.normalized_unit, q.normalized_low))
            ends.add((q.normalized_unit, q.normalized_high))
    if not ends:
        return values
    return [q for q in values if not (q.mean is None and q.low is None and (q.normalized_unit, q.normalized_value) in ends)]


def _daily_dose(q: Quantity, before: str) -> Quantity:
    """"a daily dose of 38 mg", "10 mg per day": an amount per day is a rate in mg/d."""
    if is_mass_dose(q) and "/" not in _unit_of(q) and re.search(r"\b(?:daily|per day|a day|/day)\b[^.;,]{0,40}$", before, re.I):
        q = copy.deepcopy(q)
        q.unit = f"{_unit_of(q)}/d"
        q.kind = "rate"
        _renormalize(q)
    return q


def _reported_infusion_duration(ctx: Context, s: Sent, m: QuantityMention) -> bool:
    """Results that report how long the infusions lasted: "the infusion lasted 5 days on
    average (range 3-7 days)", "median duration of the infusion was 3 days (range 1-6)"."""
    q = m.quantity
    if not is_duration(q) or q.kind in ("age", "interval"):
        return False
    text = ctx.text
    clause = text[max(s.start, m.start - 80) : m.start]
    clause = re.split(r"[;]", clause)[-1]
    return bool(
        re.search(r"\binfusions?\s+(?:\w+\s+){0,2}(?:lasted|ran|was run|continued)\b", clause, re.I)
        or re.search(r"\b(?:duration|length) of (?:the )?(?:\w+\s+){0,2}infusions?\b[^.;]{0,20}\bwas\b", clause, re.I)
        or re.search(r"\binfusion (?:duration|time|length)\b[^.;]{0,20}\bwas\b", clause, re.I)
        or re.search(r"\binfused over (?:a )?(?:mean|median|average)(?: of)?\s*$", clause, re.I)
    )


def _discourse_is_focus(discourse: dict[int | None, str], s: Sent, focus: Concept) -> bool:
    return discourse.get(s.block, focus.id) == focus.id


def _merge_titration(ctx: Context, s: Sent, slots: list[_Slotted], protocol: Protocol) -> None:
    """"started at 0.1 mg/kg/h and increased by 0.1 up to 0.5": one titrated range, not three rates."""
    text = ctx.text

    def role(sl: _Slotted) -> str | None:
        return getattr(sl.mention.raw, "role", None)

    # "started at 10 mg ... to a maximum of 50 mg/day": the start is a daily amount too
    for sl in slots:
        if role(sl) == "start" and sl.slot != "rate" and is_mass_dose(sl.q) and "/" not in _unit_of(sl.q):
            per_day = [o for o in slots if o.slot == "rate" and _unit_of(o.q) == f"{_unit_of(sl.q)}/d"]
            if per_day:
                sl.q = copy.deepcopy(sl.q)
                sl.q.unit = f"{_unit_of(sl.q)}/d"
                sl.q.kind = "rate"
                _renormalize(sl.q)
                sl.slot = "rate"
    rates = [sl for sl in slots if sl.slot == "rate" and sl.q.low is None and sl.q.mean is None]

    if any(role(sl) in ("start", "step", "maximum") for sl in rates):
        # the quantity grammar has read the titration: start, step(s), maximum
        steps = [sl for sl in rates if role(sl) == "step"]
        starts = [sl for sl in rates if role(sl) == "start"]
        grammar_titration = next((sl.mention.raw.titration for sl in rates if getattr(sl.mention.raw, "titration", None)), None)
        if grammar_titration is not None and protocol.titration is None:
            t = copy.deepcopy(grammar_titration)
            if not t.evidence:
                t.evidence = [_evidence(s)]
            protocol.titration = t
        drop = {id(sl) for sl in steps}
        if starts:
            start = starts[0]
            top = next((sl for sl in rates if role(sl) == "maximum" and sl.q.normalized_unit == start.q.normalized_unit), None)
            if top is None:
                later = [sl for sl in rates if sl.mention.start > start.mention.start and role(sl) not in ("step",)
                         and sl.q.normalized_unit == start.q.normalized_unit and sl.q.value is not None
                         and start.q.value is not None and sl.q.value > start.q.value
                         and not _STEP_BEFORE.search(text[max(s.start, sl.mention.start - 25) : sl.mention.start])]
                top = later[-1] if later else None
            # only a start and a maximum written in the same unit, rising, make one range;
            # "100 mg/24 hr ... not exceeding 25 mg/h" stays a start and a ceiling
            if top is not None and titration_range(start.q, top.q) is not None:
                rng = copy.deepcopy(start.q)
                rng.text = _norm(text[start.mention.start : top.mention.end])
                rng.value = None
                rng.low, rng.high = start.q.value, top.q.value
                rng.unit = top.q.unit
                rng.qualifier = None
                _renormalize(rng)
                drop |= {id(start), id(top)}
                slots[:] = [sl for sl in slots if id(sl) not in drop]
                slots.append(_Slotted("rate", rng, s, start.mention))
                return
        slots[:] = [sl for sl in slots if id(sl) not in drop]
        return
    if len(rates) < 2 or not _TITRATE_START.search(s.text) or not _TITRATE_UP.search(s.text):
        return
    step = None
    for sl in rates:
        if _STEP_BEFORE.search(text[max(s.start, sl.mention.start - 20) : sl.mention.start]):
            step = sl
    rest = [sl for sl in rates if sl is not step]
    by_unit: dict[str | None, list[_Slotted]] = {}
    for sl in rest:
        by_unit.setdefault(sl.q.normalized_unit or sl.q.unit, []).append(sl)
    group = max(by_unit.values(), key=len)
    if len(group) < 2:
        return
    start, top = group[0], group[-1]
    if start.q.value is None or top.q.value is None:
        return
    rng = copy.deepcopy(start.q)
    rng.text = text[start.mention.start : top.mention.end]
    rng.value = None
    rng.low, rng.high = start.q.value, top.q.value
    rng.unit = top.q.unit
    rng.qualifier = None
    _renormalize(rng)
    titration = Titration(
        text=_norm(rng.text),
        start=start.q,
        step=step.q if step else None,
        maximum=top.q,
        evidence=[_evidence(s)],
    )
    if protocol.titration is None:
        protocol.titration = titration
    drop = {id(start), id(top)} | ({id(step)} if step else set())
    slots[:] = [sl for sl in slots if id(sl) not in drop]
    slots.append(_Slotted("rate", rng, s, start.mention))


_FLEXIBLE = re.compile(r"\bflexible|as tolerated|according to|titrat\w+|adjusted|individuali[sz]ed", re.I)


def _alternative_doses(ctx: Context, s: Sent, slots: list[_Slotted], focus_id: str = "") -> list[Quantity]:
    """Doses of the same drug given as alternatives ("0.25 or 0.5 mg/kg", "ketamine 0.25 mg/kg,
    ketamine 0.5 mg/kg or saline", "lidocaine 5 mg/kg, lidocaine 2.5 mg/kg and saline"):
    each makes its own arm."""
    doses = [sl for sl in slots if sl.slot in ("total_dose", "bolus") and sl.q.value is not None]
    if len(doses) < 2 or s.role == "results":
        return []
    text = ctx.text
    units = {sl.q.normalized_unit for sl in doses}
    if len(units) != 1:
        return []
    between = text[doses[0].mention.end : doses[-1].mention.start]
    if _FLEXIBLE.search(s.text):
        return []  # one arm dosed within a range, not separate arms
    # the drug named again before each dose: one arm per naming
    anchors = {(_anchor(ctx, s, sl.mention, _anchor_candidates(s)) or s.span).start_char for sl in doses}
    if len(anchors) >= 2 and not re.search(r"\bthen\b|\bfollowed\b|\bafter\b|\bplus\b", between, re.I):
        values = []
        for sl in doses:
            if all(_qkey(v) != _qkey(sl.q) for v in values):
                values.append(sl.q)
        return values if len(values) >= 2 else []
    if re.search(r"\bor\b|\beither\b|\bversus\b|\bvs\.?", between + text[max(s.start, doses[0].mention.start - 30) : doses[0].mention.start], re.I) and not re.search(r"\bthen\b|\bfollowed\b", between, re.I):
        values = []
        for sl in doses:
            if all(_qkey(v) != _qkey(sl.q) for v in values):
                values.append(sl.q)
        return values if len(values) >= 2 else []
    return []


def _split_alternatives(base: Protocol, alternatives: list[list[Quantity]]) -> list[Protocol]:
    if not alternatives:
        return [base]
    levels = alternatives[0]
    keys = [_qkey(q) for q in levels]
    protocols = []
    for i, level in enumerate(levels):
        p = copy.deepcopy(base)
        for slot in ("total_dose", "bolus"):
            kept = []
            for q in getattr(base, slot):
                k = _qkey(q)
                if k in keys and keys.index(k) != i:
                    continue
                kept.append(copy.deepcopy(q))
            setattr(p, slot, kept)
        protocols.append(p)
    return protocols


def _drop_bolus_duration(ctx: Context, p: Protocol) -> None:
    """"a bolus of 60 µg/kg over 5 min": 5 min is how the bolus was given, not the infusion."""
    if not p.bolus or len(p.infusion_duration) < 2:
        return
    text = ctx.text
    kept = []
    for q in p.infusion_duration:
        ev = q.evidence[0] if q.evidence else None
        bolus_before = False
        if ev is not None:
            pos = text.find(q.text, ev.start, ev.end)
            if pos >= 0:
                window = text[max(ev.start, pos - 60) : pos]
                # "a loading dose of 0.1 mg.kg-1 over 5 min": dots inside units do not end the phrase
                bolus_before = bool(re.search(r"(?:bolus|loading dose|loading infusion|load)(?:[^.;,()]|\.(?=\S)){0,40}$", window, re.I))
        if not bolus_before:
            kept.append(q)
    if kept:
        p.infusion_duration = kept


def find_route(ctx: Context, focus: Concept) -> str | None:
    counts: dict[str, int] = {}
    for s in ctx.sents:
        if s.role not in ("title", "abstract", "methods"):
            continue
        ents = _anchor_candidates(s)
        focus_ents = [e for e in ents if e._.concept_id == focus.id]
        for start, end, route in _route_mentions(s):
            nearest = min(ents, key=lambda e: min(abs(e.start_char - end), abs(start - e.end_char)), default=None)
            if nearest is not None and nearest._.concept_id == focus.id:
                counts[route] = counts.get(route, 0) + 1
            elif nearest is None or not focus_ents:
                # "Each treatment was infused intravenously": no drug named, the study drug
                if nearest is None and re.search(r"\b(?:infus\w+|given|administered|delivered|lines?|cannula\w*|catheters?|pump)\b", s.text, re.I) \
                        and not re.search(r"\b(?:previous|prior|history|course of|failed|despite)\b", s.text, re.I):
                    counts[route] = counts.get(route, 0) + 1
            elif focus_ents and (re.search(r"\b(?:each|all|both)\b", s.text, re.I) or (
                    nearest.end_char <= start and re.search(r"\b(?:was|were)\s+(?:infused|given|administered|injected)\s*$",
                                                            ctx.text[nearest.end_char : start], re.I))):
                # "ketamine or saline, each infused intravenously"; "ketamine 0.3 mg/kg or an
                # equal volume of saline was infused intravenously": the route of both alternatives
                near_focus = min(abs(focus_ents[0].start_char - start), abs(start - focus_ents[0].end_char))
                if near_focus < 120 and nearest._.concept_id != focus.id and is_placebo_concept(_ent_concept(nearest)):
                    counts[route] = counts.get(route, 0) + 1
    if not counts:
        return None
    return max(counts, key=lambda r: counts[r])


def _loose_label(label: str) -> str:
    """A vocabulary label as a pattern that survives converter spacing: "S(+)-ketamine" also
    matches "S (+) ketamine" and "S(+)ketamine"."""
    out = []
    for ch in label:
        if ch.isspace() or ch == "-":
            out.append(r"[\s-]*")
        elif ch in "()+±,":
            out.append(r"\s*" + re.escape(ch) + r"\s*")
        else:
            out.append(re.escape(ch))
    return "".join(out)


@functools.lru_cache(maxsize=1)
def _form_patterns() -> list[tuple[re.Pattern, str]]:
    """Fallback spellings of drug forms, built from ontology/vocab/forms.ttl (labels the
    tokenizer may split so that the entity ruler misses them)."""
    from kgraph.vocab import load_vocabularies

    patterns = []
    for concept in load_vocabularies()["forms"].concepts.values():
        labels = sorted({l for l in (concept.pref_label, *concept.alt_labels, *concept.hidden_labels) if l},
                        key=len, reverse=True)
        rx = re.compile(r"(?<![\w(])(?:" + "|".join(_loose_label(l) for l in labels) + r")(?![\w])", re.I)
        patterns.append((rx, concept.pref_label))
    return patterns


def find_form(ctx: Context, focus: Concept) -> str | None:
    """The isomer or form as stated (FORM entities, else common spellings)."""
    counts: dict[str, int] = {}
    for s in ctx.sents:
        if s.role not in ("title", "abstract", "methods"):
            continue
        # the form of what was given counts; a form measured in plasma does not
        given = re.search(r"\b(?:infus\w+|given|administered|received|dosed|started|rate|bolus|dose)\b", s.text, re.I)
        measured = re.search(r"\b(?:plasma|serum|concentrations?|metabolite|norketamine|pharmacokinetic|pharmacodynamic|profiles?)\b", s.text, re.I)
        weight = 3 if given and not measured else (1 if not measured else 0)
        if s.role == "title":
            weight = max(weight, 1) if not measured else 0
        if weight == 0:
            continue
        found = False
        for e in _ents(s, "FORM"):
            label = _ent_concept(e)
            if label is not None:
                counts[label.label] = counts.get(label.label, 0) + weight
                found = True
        if not found:
            for rx, form in _form_patterns():
                if rx.search(s.text):
                    counts[form] = counts.get(form, 0) + weight
    if not counts:
        return None
    return max(counts, key=lambda f: counts[f])


_SESSION_NOUN = r"(?:infusions?|sessions?|treatments?|courses?|administrations?|doses?|cycles?)"
_SESSION_PATTERNS = [
    # "ten 4-hour infusions", "10 daily 4-h infusions", "three alternate-day infusions", "a total of three infusions"
    re.compile(r"\b(?P<num>" + NUMBER_RE + r")\s+(?:(?:[\w.]+-)?(?:hour|h|hr|min|minute|day)s?\s+|daily\s+|consecutive\s+|alternate-day\s+|separate\s+|weekly\s+|repeated\s+|outpatient\s+|inpatient\s+|ketamine\s+|intravenous\s+|iv\s+|[\w-]+-day\s+|\d+(?:\.\d+)?-?(?:h|hour|min)\s+){0,3}"
               + _SESSION_NOUN + r"\b", re.I),
    # "repeated on days 1, 3 and 5"
    re.compile(r"\bon days?\s+(?P<list>\d+(?:\s*(?:,|and|&)\s*\d+)+)", re.I),
    # "daily for 10 days", "once daily for 5 days", "every other day for 3 days" (sessions from the course)
    re.compile(r"\b(?P<sched>(?:once\s+)?daily|every day|every other day|on alternate days|every second day)\s+for\s+(?P<num>" + NUMBER_RE + r")\s+(?:consecutive\s+)?(?P<unit>days?|weeks?)\b", re.I),
    re.compile(r"\bfor\s+(?P<num>" + NUMBER_RE + r")\s+(?:consecutive\s+)?(?P<unit>days|weeks)\b[^.;]{0,30}\b(?P<sched>daily|per day|each day|every day)", re.I),
    # "on 3 consecutive days", "on each of 7 consecutive days", "on five separate days"
    re.compile(r"\bon (?:each of )?(?P<days>" + NUMBER_RE + r") (?:consecutive|successive|separate|alternate|subsequent) (?:days|weekdays|mornings)\b", re.I),
    # "x3", "× 3", "three times"
    re.compile(r"(?:[x×]\s?(?P<num>\d+)\b|\b(?P<num2>" + NUMBER_RE + r")\s+times\b)", re.I),
]
_SCHEDULES = [
    (re.compile(r"\bevery other day|alternate[- ]days?|every second day|on alternate days", re.I), "every other day"),
    (re.compile(r"\bconsecutive weekdays|monday (?:to|through) friday", re.I), "weekdays"),
    (re.compile(r"\bonce (?:a |per )?week|\bweekly\b", re.I), "weekly"),
    (re.compile(r"\b(?:once )?daily\b|\bevery day\b|\bconsecutive days\b|\bper day\b|\beach day\b", re.I), "daily"),
    (re.compile(r"\bevery (?:\d+|" + _NUM_WORD_RE + r") (?:days|weeks|months)\b", re.I), None),
]


def find_sessions(ctx: Context, focus: Concept) -> tuple[int | None, str | None]:
    """Number of infusions per patient and their schedule, from title, abstract and methods."""
    crossover = _is_crossover(ctx)
    best: tuple[int, int] | None = None  # (priority, value)
    schedule = None
    for s in ctx.sents:
        if s.role not in ("title", "abstract", "methods", "conclusions", "discussion"):
            continue
        text = s.text
        protocol_sentence = bool(_INFUSION_WORD.search(text)) or any(e._.concept_id == focus.id for e in _ents(s, "DRUG"))
        if not protocol_sentence:
            continue
        if s.role in ("conclusions", "discussion") and best is not None:
            continue
        for rx in _SESSION_PATTERNS:
            for m in rx.finditer(text):
                gd = m.groupdict()
                if re.search(r"\d\.\s*$", text[max(0, m.start() - 3) : m.start()]) and not gd.get("list"):
                    continue  # "1.2 Treatment": a numbered heading
                if gd.get("list") and (not re.search(r"\b(?:infusions?|repeated|treatments?|sessions?|given|received)\b", text, re.I)
                                       or re.search(r"\b(?:assess\w*|measur\w*|record\w*|rated|scor\w*|evaluat\w*|MADRS|questionnaire)\b", text, re.I)):
                    continue
                value = None
                priority = 1 if s.role in ("methods", "abstract", "title") else 0
                if gd.get("days"):
                    if crossover:
                        continue  # crossover periods on consecutive days are not repeated sessions
                    value = parse_int(gd["days"])
                elif gd.get("list"):
                    value = len(re.findall(r"\d+", gd["list"]))
                elif gd.get("sched"):
                    n = parse_int(gd.get("num") or "")
                    unit = (gd.get("unit") or "").lower()
                    sched = gd["sched"].lower()
                    if n is None:
                        continue
                    if unit.startswith("week"):
                        n *= 7
                    if "other" in sched or "alternate" in sched or "second" in sched:
                        value = (n + 1) // 2
                    else:
                        value = n
                elif gd.get("num") or gd.get("num2"):
                    n = parse_int(gd.get("num") or gd.get("num2") or "")
                    if n is None:
                        continue
                    before = text[max(0, m.start() - 30) : m.start()]
                    word = m.group(0).lower()
                    if re.search(r"\b(?:at least|more than|up to|fewer than|less than)\s*$", before, re.I):
                        continue
                    if re.search(r"\b(?:of|the|first|last|after|before|during|between)\s*$", before, re.I) and not re.search(r"total of\s*$", before, re.I):
                        # "after the fourth infusion", "during the three sessions"
                        if not re.search(r"total of\s*$", before, re.I):
                            continue
                    if re.search(r"\bdoses?\b", word) and re.search(r"\bdivided\b", text[m.end() - 20 : m.end() + 5] + word):
                        continue
                    if re.search(r"\b(?:doses?|treatments?)\b", word) and crossover:
                        continue
                    if crossover and re.search(r"\b(?:sessions?|occasions?|periods?|treatments?)\b", word):
                        continue
                    if "divided" in word:
                        continue
                    value = n
                    priority += 1
                if value is None or value <= 0 or value > 100:
                    continue
                if best is None or priority > best[0]:
                    best = (priority, value)
        if schedule is None and s.role in ("title", "abstract", "methods") and not re.search(
                r"\b(?:rated|recorded|assessed|measured|monitored|scored|checked|sampled|collected|reviewed|performed|tested|tests|obtained|drawn)\b", text, re.I):
            for rx, name in _SCHEDULES:
                for mm in rx.finditer(text):
                    if crossover and name == "daily":
                        continue
                    # the schedule of the infusions, not of an adjunct or a titration step
                    window = text[max(0, mm.start() - 40) : mm.end() + 40]
                    if not re.search(r"\binfusions?\b|\bsessions?\b|\btreatments?\b", window, re.I) and not any(
                            e._.concept_id == focus.id and abs(e.start_char - s.start - mm.start()) < 60 for e in _ents(s, "DRUG")):
                        continue
                    if re.search(r"\b(?:increased|decreased|reduced|titrated|raised|by)\b[^.;]{0,30}$", text[: mm.start()], re.I):
                        continue
                    schedule = name or _norm(mm.group(0))
                    break
                if schedule is not None:
                    break
    return (best[1] if best else None), schedule


def _is_crossover(ctx: Context) -> bool:
    for s in ctx.sents:
        if s.role in ("title", "abstract", "methods") and re.search(r"cross-?over|latin[- ]square|four-way|three-period|two-period", s.text, re.I):
            return True
    return False


def _single_administration(ctx: Context) -> bool:
    """No repetition stated: a single infusion per arm ("a 40-minute infusion", crossover periods)."""
    for s in ctx.sents:
        if s.role in ("abstract", "methods", "results") and re.search(
            r"\brepeat(?:ed)? (?:infusions?|treatments?|courses?|sessions?|when|every|after|on)\b|"
            r"\b(?:infusions?|treatments?|courses?) (?:was|were) repeated\b|\bre-?admi\w+|\badmissions\b|"
            r"\bmore than one (?:infusion|admission|course)|\bper patient\b|\bevery \d+ (?:weeks|months|days)\b", s.text, re.I):
            return False
    # nothing repeats: each arm got one infusion
    return True


# --- outcomes and relief ----------------------------------------------------------------------

_POSITIVE_RELIEF = re.compile(
    r"\b(?:lasted|lasting|last(?:s|ed)?|persist\w*|remain\w*|still|sustained|maintain\w*|through|throughout|until|"
    r"for (?:at least |about |approximately |up to |some )?|extended|prolonged|signifi ?cant\w*|better|lower|larger|greater|"
    r"superior|reduc\w+|improv\w+|decreas\w+|relie\w+|benefit|present|up to)\b",
    re.I,
)
_NEGATIVE_RELIEF = re.compile(
    r"\b(?:not|no longer|no difference|did not|disappeared|waned|vanished|returned|back (?:at|to) baseline|lost|"
    r"no (?:significant )?(?:effect|benefit|difference)|not detectable|ceased|abated|faded|neither|nor)\b",
    re.I,
)
_END_OF_INFUSION = re.compile(
    r"\b(?:only )?(?:during|while) (?:the )?(?:infusion|it ran|the drug was|the infusion (?:ran|continued|was running))|"
    r"for the duration of the infusion|while the infusion continued|"
    r"at the end of (?:the |each )?infusion only|only while the infusion|(?:immediately|shortly) after the infusion only",
    re.I,
)
_PAIN_TOPIC = re.compile(r"\b(?:pain\w*|headache\w*|migraine\w*|relie\w+|analges\w+|VAS|NRS|allodyni\w+|hyperalges\w+|neuralgi\w+|MPQ|PPI|GPR|ache\w*)\b", re.I)
_NOT_RELIEF_BEFORE = re.compile(
    r"\b(?:every|each|per|q|from|since|starting|within|by|before|over (?:the |a )?(?:whole |entire |first |full )?|"
    r"after the first|(?:on|by) day|during (?:the )?(?:first )?)\s*$",
    re.I,
)
_RELIEF_TOPIC = re.compile(
    r"\b(?:pain|relief|reli\w+|analges\w+|scores?|VAS|NRS|effect|benefit|improv\w+|reduc\w+|decreas\w+|lower|better|"
    r"diff ?erence|signifi ?cant\w*|response|responders?|eff ?ect)\b",
    re.I,
)


_RELIEF_WORDS = re.compile(r"\b(?:relief|relieved|effects?|benefit|analgesi\w*|response)\b", re.I)
_UP_TO_VISIT = re.compile(
    r"\b(?:up to and including|up to|through|until|to)\s+(?:the\s+)?(?P<tp>(?P<unit>weeks?|months?|days?|hours?)\s+(?P<n>\d{1,3}))\b", re.I)
_VISIT_HOURS = {"we": Decimal(168), "mo": Decimal("730.5"), "da": Decimal(24), "ho": Decimal(1)}
# the duration of the condition in an eligibility statement
_DISEASE_DURATION_BEFORE = re.compile(
    r"\b(?:(?:pain|symptoms?|disease|illness|neuralgia|condition|headaches?)\s+(?:(?:that|which)\s+had\s+)?"
    r"(?:lasting|persisting|present|duration(?: of)?|for|lasted)|history of [^.;]{0,30}|(?:adults|patients|participants|subjects|"
    r"women|men|children) with [^.;]{0,60}(?:lasting|persisting|for|of))\s*(?:for\s+)?"
    r"(?:more than|over|at least|longer than|>|≥|>=)?\s*$", re.I)
_TIME_TO_EVENT = re.compile(r"\d\s*(?:[a-z]+\s*)?(?:vs\.?|versus)\s*$", re.I)
_EVENT_TIME = re.compile(r"\btime to\b|\bfirst (?:flatus|bowel|defecation|stool|ambulation|mobili[sz]ation|oral intake|void\w*)\b|"
                         r"\blength of (?:hospital )?stay\b|\b(?:discharge|extubation|recovery|emergence)\b", re.I)
_MONITORING = re.compile(r"\b(?:monitor\w*|oximetry|telemetry|electrocardiograph\w*|ECG|vital signs|checked|safety)\b", re.I)


_STATED_OUTCOME = re.compile(r"\b(?:outcomes?|end ?points?|efficacy (?:variable|measure)s?)\b", re.I)
_SECONDARY = re.compile(r"\b(?:secondary|tertiary|exploratory|other (?:outcomes|end ?points|measures))\b", re.I)
# a score used to select or diagnose patients: "a DN4 score of 4 or more", "confirmed by ... at screening"
_THRESHOLD_AFTER = re.compile(
    r"^[^.;]{0,25}?(?:≥|>=|>|\bat least\b|\bof \d+(?:\.\d+)? or (?:more|higher|greater|above)\b|\b(?:above|over) \d)", re.I)
_THRESHOLD_BEFORE = re.compile(
    r"(?:≥|>=|>|\bat least|\bmore than|\bor (?:more|higher|above))\s*\d*(?:\.\d+)?\s*(?:points?\s+)?(?:on|in|of)\s+(?:the\s+)?$", re.I)
_SELECTION_BEFORE = re.compile(r"\b(?:confirmed|diagnos\w+|screen\w*|qualif\w+|select\w*|identified)\b[^.;]{0,40}$", re.I)
_SURVEY = re.compile(r"\b(?:survey|questionnaires?|invit\w*|e-?mails?|returned|participation|recruit\w*|sample size|assum\w+|"
                     r"maximi[sz]\w*|follow-?up|contact\w*|reminders?)\b", re.I)
_TREATMENT_RESPONSE = re.compile(r"\b(?:pain|(?<!non-)responders?|relief|reduction|improvement|remission|treatment response)\b", re.I)
# vital signs are recorded for safety; they are outcomes only where the paper calls them so
_VITAL_SIGN = re.compile(r"\b(?:heart rate|pulse|blood pressure|oxygen saturation|respiratory rate|temperature|vital signs?)\b", re.I)


def _consumption_outcome(s: Sent) -> str | None:
    """The consumption outcome a sentence reports by naming the drug used less or more
    ("patients needed less morphine"), without the word "consumption"."""
    if not _CONSUMPTION.search(s.text) or any(e._.concept_id in ("opioid_consumption", "analgesic_consumption")
                                              for e in _ents(s, "OUTCOME_MEASURE")):
        return None
    broader = _broader_map()
    for e in _ents(s, "DRUG"):
        cid = e._.concept_id
        if not cid:
            continue
        rel = e.start_char - s.start
        if not re.search(r"\b(?:less|more|fewer|consumption|requirements?|use)\b", s.text[max(0, rel - 30) : rel + len(e.text) + 30], re.I):
            continue
        parents = broader.get(("drugs", cid), set())
        if ("drugs", "opioid") in parents or cid == "opioid":
            return "opioid_consumption"
        if any(p[1] in ("analgesic", "nsaid", "non_opioid_analgesic") for p in parents):
            return "analgesic_consumption"
    return None


def _outcome_not_measured(s: Sent, e: Span, c: Concept) -> bool:
    """A mention that is no outcome of the trial: an eligibility threshold, a screening tool,
    a survey's response rate."""
    rel_s, rel_e = e.start_char - s.start, e.end_char - s.start
    before, after = s.text[:rel_s], s.text[rel_e:]
    if _THRESHOLD_AFTER.search(after) and not _STATED_OUTCOME.search(s.text):
        return True
    if _SELECTION_BEFORE.search(before[-60:]) or _THRESHOLD_BEFORE.search(before[-60:]):
        return True
    if re.search(r"\bresponse rates?\b|responders?\b", e.text, re.I) and _SURVEY.search(s.text) and not _TREATMENT_RESPONSE.search(s.text):
        return True
    return False


def _is_primary_mention(s: Sent, e: Span) -> bool:
    """"The primary outcome was X; secondary outcomes were Y and Z": only X is primary. A
    mention is primary when "primary" governs it: it comes after "primary" with no
    "secondary" between, or right before "was the primary ..."."""
    rel = e.start_char - s.start
    text = s.text
    best = None
    for m in re.finditer(r"\bprimary\b", text, re.I):
        if m.start() <= rel:
            between = text[m.end() : rel]
            if not _SECONDARY.search(between):
                best = True
        else:
            between = text[e.end_char - s.start : m.start()]
            if len(between) < 60 and not _SECONDARY.search(between) and not re.search(r"[;]", between):
                best = True
    return bool(best)


def _drop_constructs_and_vitals(order: list[str], stated: set[str]) -> list[str]:
    """Generic pain constructs ("pain relief", "spontaneous pain") give way to a named pain
    instrument (VAS, NRS, MPQ ...); vital signs count only when stated as outcomes."""
    try:
        from kgraph.vocab import load_vocabularies
        scheme = load_vocabularies()["outcomes"]
    except Exception:  # vocabulary unavailable: keep what was found
        return order
    roots = {"pain_intensity", "pain_relief"}

    def family(cid: str) -> bool:
        return cid in scheme and (cid in roots or any(a in roots for a in scheme.ancestors(cid)))

    has_instrument = any(family(c) and _has_abbreviation(scheme, c) for c in order)
    out = []
    for cid in order:
        if has_instrument and family(cid) and not _has_abbreviation(scheme, cid):
            continue
        label = cid.replace("_", " ")
        if _VITAL_SIGN.search(label) and cid not in stated:
            continue
        out.append(cid)
    return out


def _has_abbreviation(scheme: Any, cid: str) -> bool:
    """An instrument (VAS, NRS, GPR) has an abbreviation; a construct ("pain relief") has none."""
    c = scheme.concepts.get(cid)
    return bool(c is not None and c.abbreviations)


def find_outcomes(ctx: Context, protocols: list[Protocol] | None = None, combination: list[Coadministration] | None = None) -> list[Outcome]:
    outcomes: dict[str, Outcome] = {}
    order: list[str] = []
    primary_ids: set[str] = set()
    stated: set[str] = set()  # named as an outcome / end point
    for s in ctx.sents:
        if s.role not in ("abstract", "methods", "results", "title"):
            continue
        # monitoring for safety and scores used to select patients are not outcomes
        if _MONITORING.search(s.text) or _ELIGIBILITY.search(s.text):
            continue
        for e in _ents(s, "OUTCOME_MEASURE"):
            c = _ent_concept(e)
            if c is None or _outcome_not_measured(s, e, c):
                continue
            if c.id not in outcomes:
                outcomes[c.id] = Outcome(measure=c, text=_norm(s.text), evidence=[_evidence(s)])
                order.append(c.id)
            if _is_primary_mention(s, e):
                primary_ids.add(c.id)
            if _STATED_OUTCOME.search(s.text):
                stated.add(c.id)
        consumed = _consumption_outcome(s)
        if consumed is not None and consumed not in outcomes and s.role != "title":
            # "needed less morphine in the first 24 h (median 6 vs 10 mg)": opioid use as an outcome
            c = _concept("outcomes", consumed)
            outcomes[consumed] = Outcome(measure=c, text=_norm(s.text), evidence=[_evidence(s)])
            order.append(consumed)
    # a construct named next to its instrument ("pain intensity" and "NRS"): keep the instrument
    keep = set(k[1] for k in _drop_broader([("outcomes", c) for c in order]))
    order = [c for c in order if c in keep]
    order = _drop_constructs_and_vitals(order, stated)
    for cid in primary_ids:
        if cid in outcomes:
            outcomes[cid].primary = True
    infusion_hours = max((_hours(q) or Decimal(0) for p in (protocols or []) for q in p.infusion_duration), default=None)
    combo_names = [c.drug.label.lower() for c in (combination or [])] + [c.drug.id.replace("_", " ") for c in (combination or [])]
    relief = find_relief(ctx, order, infusion_hours, combo_names)
    combo_label = None
    if combination:
        combo_label = " + ".join([(protocols[0].drug.label if protocols else "")] + [c.drug.label for c in combination])
    extra: list[Outcome] = []
    for (cid, arm), (q, s) in relief.items():
        target = None
        if cid is not None and cid in outcomes:
            target = outcomes[cid]
        else:
            candidates = [outcomes[c] for c in order if outcomes[c].primary] or [outcomes[c] for c in order[:1]]
            target = candidates[0] if candidates else None
        if arm is not None:
            extra.append(Outcome(measure=target.measure if target else None, text=_norm(s.text), direction="improved",
                                 relief_duration=q, evidence=[_evidence(s)], arm=combo_label))
            continue
        if target is None:
            extra.append(Outcome(measure=None, text=_norm(s.text), direction="improved", relief_duration=q, evidence=[_evidence(s)]))
            continue
        if target.relief_duration is None or (_hours(q) or 0) > (_hours(target.relief_duration) or 0):
            target.relief_duration = q
            target.direction = "improved"
            target.text = _norm(s.text)
            target.evidence.append(_evidence(s))
    return [outcomes[c] for c in order] + extra


def _relief_quantity(text: str, hours: Decimal | None, sent: Sent, kind: str = "relief") -> Quantity:
    q = Quantity(text=text, kind=kind)
    if hours is not None:
        q.unit = "h"
        q.value = hours
        q.normalized_unit = "h"
        q.normalized_value = hours
    q.evidence = [_evidence(sent)]
    return q


def _clauses(text: str) -> list[tuple[int, int]]:
    """Clause offsets: split at ";" and at ", but" / "whereas" / "while"."""
    out, start = [], 0
    for m in re.finditer(r";\s*|,?\s+(?:but|whereas|although)\s+|:\s+", text):
        out.append((start, m.start()))
        start = m.end()
    out.append((start, len(text)))
    return out


def find_relief(ctx: Context, measures: list[str], infusion_hours: Decimal | None = None,
                combo_names: list[str] | None = None) -> dict[tuple[str | None, str | None], tuple[Quantity, Sent]]:
    """How long relief lasted, per (outcome measure, arm); measure None when the sentence
    names none, arm None for the main arm, else the combination drug.

    Each time point in a results or conclusions clause is read as relief present
    ("persisted through week 12", "at 1.5 h (P = 0.02)", "lasted about 3 hours",
    "up to week 10") or absent ("but not at 3 h", "had disappeared 120 min after",
    "no longer significant at week 12"); "over the 12-week study period", "within 24 h",
    "on day 3" (of the infusion) and "before 12 weeks" are not durations of relief.
    The relief duration is the latest time point with relief present; relief "only while
    the infusion ran" is 0 h after it."""
    best: dict[tuple[str | None, str | None], tuple[Decimal, Quantity, Sent]] = {}
    topic = " ".join(s.text for s in ctx.sents if s.role in ("title", "background_abstract"))
    topic += " " + " ".join(e.text for s in ctx.sents if s.role in ("title", "abstract", "methods") for e in _ents(s, "CONDITION"))
    if not _PAIN_TOPIC.search(topic):
        return {}  # relief means pain relief: a depression score's course is not relief
    combo_rx = None
    if combo_names:
        names = "|".join(re.escape(n) for n in combo_names if n)
        combo_rx = re.compile(r"\b(?:combination|combined|adding|added|plus|with " + (f"(?:{names})" if names else "x^") + r")\b|\b(?:" + (names or "x^") + r")\b", re.I)
    for s in ctx.sents:
        if s.role not in ("results", "abstract", "conclusions"):
            continue
        text = s.text
        if not _RELIEF_TOPIC.search(text):
            continue
        measure_ids = [e._.concept_id for e in _ents(s, "OUTCOME_MEASURE") if e._.concept_id in measures]
        key = measure_ids[0] if len(set(measure_ids)) == 1 and s.role != "conclusions" else None
        quantities = _quantities(ctx.doc, s)
        for c_start, c_end in _clauses(text):
            clause = text[c_start:c_end]
            arm = None
            if combo_rx is not None and combo_rx.search(clause):
                arm = "combination"
                if re.search(r"\b(?:alone|only)\b", clause, re.I) and not re.search(r"\bonly the combination\b", clause, re.I):
                    arm = None
            m_end = _END_OF_INFUSION.search(clause)
            if m_end and not _NEGATIVE_RELIEF.search(clause[: m_end.start()][-25:]) and _RELIEF_TOPIC.search(clause):
                _offer(best, (key, arm), Decimal(0), _relief_quantity("during the infusion", Decimal(0), s), s)
            covered = [(m.start - s.start, m.end - s.start) for m in quantities]
            for m_up in _UP_TO_VISIT.finditer(clause):
                # "at each visit up to and including week 8": the last visit with relief, when
                # the grammar did not read the unit-first time point
                a_rel = c_start + m_up.start("tp")
                if any(a <= a_rel < b for a, b in covered) or _NEGATIVE_RELIEF.search(clause[: m_up.start()]):
                    continue
                hours = Decimal(m_up.group("n")) * _VISIT_HOURS[m_up.group("unit").lower()[:2]]
                if _POSITIVE_RELIEF.search(clause) and hours > 0:
                    _offer(best, (key, arm), hours, _relief_quantity(_norm(m_up.group("tp")), hours, s), s)
            for m in quantities:
                rel_start, rel_end = m.start - s.start, m.end - s.start
                if not (c_start <= rel_start < c_end):
                    continue
                q = m.quantity
                if not is_duration(q) or q.kind in ("age", "interval", "course", "disease_duration"):
                    continue
                hours = _hours(q)
                if hours is None:
                    continue
                before = clause[: rel_start - c_start]
                after = clause[rel_end - c_start :]
                if _NOT_RELIEF_BEFORE.search(before[-40:]) and not re.search(r"\b(?:up to|through|until)\s*$", before, re.I):
                    continue
                if _DISEASE_DURATION_BEFORE.search(before[-80:]) and not re.search(
                        r"\b(?:reduc\w+|relie\w+|improv\w+|decreas\w+|lower\w*|benefit|effect)\b", before[-80:], re.I):
                    continue  # "pain lasting more than 6 months": who was enrolled, not relief
                if _TIME_TO_EVENT.search(before[-20:]) or re.match(r"\s*(?:vs\.?|versus)\s*\d", after) or (
                        _EVENT_TIME.search(clause) and not _PAIN_TOPIC.search(clause)):
                    continue  # "first flatus (median 38 vs 52 h)": a time to an event, compared

                if re.match(r"\s*(?:of|in) (?:the )?(?:infusion|treatment)|\s*infusion|\s*-(?:hour|h|min|day) infusion|\s+(?:study period|follow-?up|treatment (?:phase|period))", after, re.I) \
                        or re.search(r"-(?:hour|h|minute|min|day|week|wk)$", q.text):
                    continue  # the infusion's own length, or the study's length
                if re.search(r"\b(?:baseline|before)\b", after[:15], re.I) or re.match(r"\s*(?:later|after (?:discharge|admission))", after, re.I) and not _POSITIVE_RELIEF.search(before):
                    continue
                if _NEGATIVE_RELIEF.search(before):
                    continue
                own_after = re.split(r",\s+(?:and|but)\b", after[:30])[0]  # "..., and no longer at week 9" is the next time point's
                if re.search(r"\b(?:disappeared|waned|had gone|no longer|returned|faded)\b", before[-50:] + " " + own_after, re.I):
                    continue
                if re.search(r"\b(?:onward|onwards)\b", after[:12], re.I):
                    continue
                if infusion_hours and hours <= infusion_hours and (
                        re.search(r"\b(?:on|by) day\s*$|\bday\s*$", before, re.I)
                        or (q.text.lower().startswith("day") and re.search(r"\b(?:on|by)\s*$", before, re.I))):
                    continue  # a day of the infusion itself
                if not (_POSITIVE_RELIEF.search(before + " " + after[:25]) or re.search(r"\(\s*P\s*[<=]", after[:20], re.I)):
                    continue
                _offer(best, (key, arm), hours, _clone(q, "relief", s), s)
    return {k: (v[1], v[2]) for k, v in best.items()}


def _offer(best: dict, key: Any, hours: Decimal, q: Quantity, s: Sent) -> None:
    cur = best.get(key)
    if cur is None or hours > cur[0]:
        best[key] = (hours, q, s)


# --- adverse effects ---------------------------------------------------------------------------

_INCIDENCE_AFTER = re.compile(r"^\s*(?:\(|in\s+|by\s+|:\s*)?(?P<n>\d+)\s*(?:/|of)\s*(?P<d>\d+)\b|^\s*\(\s*(?P<n2>\d+)\s*(?:patients?|%)?\s*\)", re.I)
_INCIDENCE_BEFORE = re.compile(r"(?P<n>\d+|" + _NUM_WORD_RE + r")\s+(?:of\s+(?:the\s+)?(?P<d>\d+|" + _NUM_WORD_RE + r")\s+)?(?:[\w-]+\s+){0,2}(?:patients?|participants?|subjects?)\s+(?:\w+\s+){0,2}(?:reported|had|developed|experienced|felt|complained of|described)\s*$", re.I)


_AE_NOT_FINDING_AFTER = re.compile(
    r"^\s*(?:(?:or|and|,)\s+[\w-]+\s+)?(?:intensity|days|diary|diaries|frequency|scores?|severity|relief|disorders?|"
    r"questionnaire|scale|index|threshold|area|ratings?)\b"
    r"|^\s*(?:for|of) (?:more than |at least |over )?(?:\w+ ){0,2}(?:years?|months?)\b"
    r"|^[^.;]{0,25}\b(?:improved|decreased|was reduced|were reduced|lessened|was relieved|were relieved|fell|declined)\b"
    r"|^\s*(?:was |were )?(?:present |reported |noted )?(?:before|prior to) (?:the |each )?(?:infusion|treatment|study)"
    r"|^[^.;]{0,40}\b(?:before the infusion|at baseline|before treatment)\b",
    re.I,
)
_AE_NOT_FINDING_BEFORE = re.compile(
    r"(?:\b(?:no|any) (?:change|difference|increase|decrease) in|\bchanges? in|\bwean(?:ing|ed) from|\bdepth of|"
    r"\bunder|\bmimic(?:s|ked)? the|\bscored? (?:on|for)|\bassess(?:ed|ment of)|\bmeasured)\s+(?:the\s+)?$",
    re.I,
)
_MISSED_VISIT_REASON = re.compile(
    r"\b(?:miss\w*|did not (?:attend|complete|return)|non-?attendance|not attend\w*|absen\w+|skipp\w+)\b[^.;]{0,80}"
    r"\b(?:because of|due to|owing to|reasons?|citing|such as)\b[^.;]{0,60}$", re.I)
_EARLIER_TREATMENT = re.compile(
    r"\b(?:had (?:each |all |both )?failed|(?:previous|prior|earlier|former) (?:treatments?|medications?|drugs?|therapies|trials?)|"
    r"had been tried|before referral)\b[^.;]{0,80}\b(?:caused|causing|led to|because of|due to|with)\b[^.;]{0,40}$", re.I)
_EXAMPLES_INTRO = re.compile(r"^\s*(?:\(|,\s*(?:mostly|mainly|chiefly|predominantly|such as|including|e\.g\.,?|especially)\s)", re.I)


def find_adverse_effects(ctx: Context) -> list[AdverseEffect]:
    """Side effects reported in the results (abstract results included); negated mentions are
    kept, negated. One record per effect: negated only when every mention is negated.

    Not findings: the condition's own symptoms ("headache intensity", "headache days"), a
    symptom that improved, one present before the infusion, "no change in nausea", a
    procedure ("weaning from sedation"). A group named with its examples ("psychedelic
    effects (drug high, altered perception) in 11 of 13") is one finding: the examples
    count only where they are reported on their own, and the group only when it carries
    its own count or its examples are not reported on their own."""
    found: dict[str, AdverseEffect] = {}
    order: list[str] = []
    generic = _generic_effects()
    condition_words = _condition_words(ctx)
    example_only: dict[str, bool] = {}
    groups: dict[str, tuple[bool, list[str]]] = {}  # id -> (has incidence, example ids)
    for s in ctx.sents:
        if s.role not in RESULTS_ROLES:
            continue
        ents = [e for e in _ents(s, "ADVERSE_EFFECT")]
        example_spans = _example_lists(s, ents)
        for e in ents:
            c = _ent_concept(e)
            if c is None:
                continue
            rel_s, rel_e = e.start_char - s.start, e.end_char - s.start
            after, before = s.text[rel_e:], s.text[:rel_s]
            if c.id in generic:
                # "There were no adverse events": a finding of its own, negated. A heading of
                # named effects, "no other adverse events" or "adverse events occurred" is not.
                named = any(_ent_concept(x) is not None and _ent_concept(x).id not in generic for x in ents)
                if not e._.negated or named or re.search(r"\b(?:other|further|additional|new|unexpected)\s+$", before, re.I):
                    continue
                if c.id not in found:
                    found[c.id] = AdverseEffect(effect=c, negated=True, evidence=[_evidence(s)])
                    order.append(c.id)
                    example_only[c.id] = False
                continue
            if _AE_NOT_FINDING_AFTER.search(after) or _AE_NOT_FINDING_BEFORE.search(before[-40:]):
                continue
            if _MISSED_VISIT_REASON.search(before[-120:]):
                continue  # "missed a session because of forgetfulness": a reason, not an effect
            if _EARLIER_TREATMENT.search(before[-150:]):
                continue  # "earlier drugs had failed or caused drowsiness": not this treatment's effect
            if e.text.lower() in condition_words:
                continue
            negated = bool(e._.negated)
            if negated and re.match(r"^\s*(?:that|which|requiring|needing|severe enough)\b", after, re.I):
                continue  # "no hallucinations that required ...": says nothing about hallucinations
            hedged = bool(e._.hedged)
            incidence = _incidence(ctx, s, e)
            is_example = any(a <= e.start_char and e.end_char <= b for a, b, _ in example_spans)
            example_only[c.id] = example_only.get(c.id, True) and is_example
            for a, b, group in example_spans:
                if group.start_char == e.start_char:
                    ids = [x._.concept_id for x in ents if a <= x.start_char and x.end_char <= b]
                    prev = groups.get(c.id, (False, []))
                    groups[c.id] = (prev[0] or incidence is not None, prev[1] + ids)
            cur = found.get(c.id)
            if cur is None:
                found[c.id] = AdverseEffect(effect=c, negated=negated, hedged=hedged, incidence=incidence, evidence=[_evidence(s)])
                order.append(c.id)
            else:
                if all(ev.start != s.start for ev in cur.evidence):
                    cur.evidence.append(_evidence(s))
                if cur.negated and not negated:
                    cur.negated = False
                    cur.hedged = hedged
                    cur.incidence = incidence or cur.incidence
                elif cur.incidence is None and not negated:
                    cur.incidence = incidence
    drop = {cid for cid, only in example_only.items() if only}
    # "no serious adverse events" next to named effects (reported or denied): the named
    # ones are the findings; the general one would contradict or repeat them
    if any(c not in generic and c not in drop for c in order):
        drop |= set(generic)
    return [found[c] for c in order if c not in drop]


def _example_lists(s: Sent, ents: list[Span]) -> list[tuple[int, int, Span]]:
    """(start, end, group) of example lists: "effects (drug high, altered perception)",
    "effects, mostly drug high and altered perception,"."""
    out = []
    for e in ents:
        rest = s.text[e.end_char - s.start :]
        m = _EXAMPLES_INTRO.match(rest)
        if not m:
            continue
        if m.group(0).strip().startswith("("):
            close = rest.find(")")
            if close < 0:
                continue
            end = close
        else:
            stop = re.search(r",\s+(?:were|was|occurred|in \d)|\s(?:were|was|occurred)\b|[;.]", rest[m.end():])
            end = m.end() + (stop.start() if stop else len(rest) - m.end())
        start_abs = e.end_char + m.start()
        end_abs = e.end_char + end
        members = [x for x in ents if start_abs <= x.start_char and x.end_char <= end_abs]
        if members:
            out.append((start_abs, end_abs, e))
    return out


def _condition_words(ctx: Context) -> set[str]:
    """Lower-cased surface forms of the condition mentions: a side effect written the same
    way ("headache" in a headache trial) is the condition, not a side effect."""
    words = set()
    for s in ctx.sents:
        for e in _ents(s, "CONDITION"):
            words.add(e.text.lower())
            for w in re.findall(r"[a-z]+", e.text.lower()):
                if len(w) > 5:
                    words.add(w)
    return words


@lru_cache(maxsize=1)
def _generic_effects() -> frozenset[str]:
    """The root ("adverse event") and its severity grades ("serious adverse event")."""
    roots = _scheme_roots("adverse_effects")
    root_keys = {("adverse_effects", r) for r in roots}
    return roots | frozenset(k[1] for k, parents in _broader_map().items()
                             if k[0] == "adverse_effects" and k[1].endswith("adverse_event") and parents <= root_keys)


@lru_cache(maxsize=None)
def _scheme_roots(scheme: str) -> frozenset[str]:
    """Top concepts that group others ("adverse event"): too general to be a finding."""
    broader = _broader_map()
    has_children = {p[1] for k, parents in broader.items() if k[0] == scheme for p in parents}
    return frozenset(k[1] for k, parents in broader.items() if k[0] == scheme and not parents and k[1] in has_children)


def _incidence(ctx: Context, s: Sent, e: Span) -> Quantity | None:
    text = s.text
    rel_end = e.end_char - s.start
    rel_start = e.start_char - s.start
    after = text[rel_end : rel_end + 60]
    m = re.match(r"^\s*(?:\(|occurred in\s+|was reported (?:by|in)\s+|were reported (?:by|in)\s+|in\s+|by\s+)?(?P<n>\d+|" + _NUM_WORD_RE + r")\s*(?:/|of|out of)\s*(?P<d>\d+|" + _NUM_WORD_RE + r")\b", after, re.I)
    if m:
        return _count(m.group("n"), m.group("d"), m.group(0), s)
    m = re.match(r"^\s*(?:\(|occurred in\s+|(?:was|were) reported by\s+|in\s+|by\s+)(?P<n>\d+|" + _NUM_WORD_RE + r")(?:\s+(?:patients?|participants?|subjects?))?\b(?!\s*(?:mg|µg|h|min|%))", after, re.I)
    if m:
        return _count(m.group("n"), None, m.group(0), s)
    before = text[max(0, rel_start - 80) : rel_start]
    m = _INCIDENCE_BEFORE.search(before)
    if m:
        return _count(m.group("n"), m.group("d"), m.group(0), s)
    return None


def _count(n: str, d: str | None, text: str, s: Sent) -> Quantity | None:
    num = parse_int(n)
    if num is None:
        return None
    den = parse_int(d) if d else None
    q = Quantity(text=_norm(text.strip(" (")), kind="count", value=Decimal(num))
    if den:
        q.unit = f"of {den}"
    q.evidence = [_evidence(s)]
    return q
