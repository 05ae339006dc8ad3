"""Frames (kgraph.extract.frames) to RDF under the kgraph ontology.

One document becomes one named graph. IRIs are minted from stable content only, never from
run order or counters, so ingesting the same frames twice gives the same triples, and a changed
paper yields a graph that replaces the old one under the same graph IRI:

- document and graph IRI: from ``DocumentFrames.doc_key`` (the extractor derives it from the
  DOI, the PMID, or first author + year + title; see :func:`document_key`);
- study IRI: from ``Study.key``, so a study described by its own paper and by a review is one
  resource (its facts stay in each document's graph); a study of several parts (``Study.part``:
  a review's rows "(Part 1)", "(Part 2)", a paper reporting two experiments) gets one resource
  per part, ``<study IRI>/part-<slug>``, holding that part's facts and ``dcterms:isPartOf`` the
  study, which keeps only what identifies it (key, label, first author, year, title, DOI, PMID,
  reference number);
- every other fact: its parent's IRI + a hash of the fact's content (evidence excluded), so an
  identical fact read twice is one resource with two pieces of evidence;
- evidence: the document IRI + a hash of where it was read.

Numbers stay exact (xsd:decimal from Decimal); each fact points at its evidence; a fact the
extractor gave no evidence of its own inherits its parent's (a dose read in the protocol's sentence).
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from decimal import Decimal
from urllib.parse import quote

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from kgraph.extract.frames import (
    AdverseEffect,
    Arm,
    Claim,
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
    to_jsonable,
)
from kgraph.errors import InputError
from kgraph.rdf.namespaces import GRAPH, ID, KG, PREFIXES, QUDT_UNIT, VOCAB, concept_iri

# --- IRIs ------------------------------------------------------------------------------------

_SAFE = "abcdefghijklmnopqrstuvwxyz0123456789-._~/"


def key_slug(key: str) -> str:
    """A stable IRI path for a key: NFKC, lower case, 'doi:' -> 'doi/', spaces -> '-', rest %-encoded."""
    text = unicodedata.normalize("NFKC", str(key)).strip().lower()
    if not text:
        raise InputError("empty key: a document or study needs a DOI, PMID or author-year key")
    text = re.sub(r"^(doi|pmid|pmcid|arxiv)\s*:\s*", r"\1/", text)
    text = re.sub(r"^https?://(dx\.)?doi\.org/", "doi/", text)
    text = re.sub(r"\s+", "-", text)
    text = re.sub(r"/{2,}", "/", text).strip("/")
    return quote(text, safe=_SAFE)


def document_key(doi: str | None = None, pmid: str | None = None, first_author: str | None = None,
                 year: int | None = None, title: str | None = None) -> str:
    """The stable key of a paper: its DOI, else its PMID, else normalized author-year-title."""
    if doi and doi.strip():
        return "doi:" + re.sub(r"^(https?://(dx\.)?doi\.org/|doi:\s*)", "", doi.strip(), flags=re.I).lower()
    if pmid and str(pmid).strip():
        return "pmid:" + str(pmid).strip()
    parts = [_ascii_words(first_author or "", 1), str(year) if year else "", _ascii_words(title or "", 8)]
    key = "-".join(p for p in parts if p)
    if not key:
        raise InputError("cannot mint a document key: no DOI, PMID, author, year or title")
    return key


def _ascii_words(text: str, limit: int) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_text)[:limit])


def graph_iri(doc_key: str) -> URIRef:
    return GRAPH[key_slug(doc_key)]


def document_iri(doc_key: str) -> URIRef:
    return ID["doc/" + key_slug(doc_key)]


def study_iri(study_key: str) -> URIRef:
    return ID["study/" + key_slug(study_key)]


def part_iri(study_key: str, part: str) -> URIRef:
    """'Part 1' of study 'graven-nielsen-2000' -> <.../study/graven-nielsen-2000/part-1>."""
    slug = re.sub(r"^part-", "", _ascii_words(part, 8)) or key_slug(part)
    return URIRef(f"{study_iri(study_key)}/part-{slug}")


def extractor_iri(name: str, version: str) -> URIRef:
    return ID[f"extractor/{key_slug(name)}/{key_slug(version or 'unversioned')}"]


def content_hash(value) -> str:
    """16 hex digits of SHA-256 over the canonical JSON of a frame, its evidence left out."""
    canonical = json.dumps(_without_evidence(to_jsonable(value)), sort_keys=True, ensure_ascii=False,
                           separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def _without_evidence(value):
    if isinstance(value, dict):
        return {k: _without_evidence(v) for k, v in value.items() if k != "evidence"}
    if isinstance(value, list):
        return [_without_evidence(v) for v in value]
    return value


def child_iri(parent: URIRef, role: str, frame) -> URIRef:
    return URIRef(f"{parent}/{role}-{content_hash(frame)}")


# --- units -----------------------------------------------------------------------------------

# Public unit IRIs (QUDT unit vocabulary) for the spellings the extractor normalizes to.
# Compound dosing rates (mg/kg/h, µg/kg/min) have no QUDT unit: they keep kg:unitText only.
QUDT_UNITS = {
    "mg": "MilliGM", "µg": "MicroGM", "ng": "NanoGM", "g": "GM", "kg": "KiloGM",
    "mg/kg": "MilliGM-PER-KiloGM", "µg/kg": "MicroGM-PER-KiloGM",
    "mg/h": "MilliGM-PER-HR", "mg/d": "MilliGM-PER-DAY",
    "ng/ml": "NanoGM-PER-MilliL", "µg/ml": "MicroGM-PER-MilliL", "mg/ml": "MilliGM-PER-MilliL",
    "ml": "MilliL", "l": "L",
    "s": "SEC", "min": "MIN", "h": "HR", "d": "DAY", "wk": "WK", "mo": "MO", "yr": "YR",
    "%": "PERCENT", "iu": "IU",
}
_UNIT_SPELLINGS = [
    (r"[μµ]g|ug|mcg|micrograms?", "µg"), (r"milligrams?", "mg"), (r"nanograms?", "ng"),
    (r"hours?|hrs?", "h"), (r"minutes?|mins?", "min"), (r"days?", "d"), (r"weeks?|wks?", "wk"),
    (r"months?|mos?", "mo"), (r"years?|yrs?", "yr"), (r"seconds?|secs?", "s"), (r"ie", "iu"),
    (r"per\s*cent", "%"), (r"ml", "ml"),
]


def unit_key(unit: str) -> str:
    """Fold a unit spelling to the lookup form of QUDT_UNITS ('mcg/kg' -> 'µg/kg', 'hrs' -> 'h')."""
    text = unicodedata.normalize("NFKC", unit).strip().lower().replace("·", "/").replace(" per ", "/")
    text = re.sub(r"\s+", "", text)
    parts = text.split("/")
    folded = []
    for part in parts:
        for pattern, canonical in _UNIT_SPELLINGS:
            if re.fullmatch(pattern, part):
                part = canonical
                break
        folded.append(part)
    return "/".join(folded)


def unit_iri(unit: str | None) -> URIRef | None:
    if not unit:
        return None
    local = QUDT_UNITS.get(unit_key(unit))
    return QUDT_UNIT[local] if local else None


# --- building the graph ----------------------------------------------------------------------

def frames_to_graph(frames: DocumentFrames) -> tuple[URIRef, Graph]:
    """The document's named-graph IRI and its triples."""
    builder = _GraphBuilder(frames)
    builder.build()
    return builder.graph_iri, builder.graph


def frames_to_dataset(frames: DocumentFrames) -> Dataset:
    """The document as an rdflib Dataset holding exactly one named graph."""
    gid, graph = frames_to_graph(frames)
    dataset = Dataset()
    for prefix, ns in PREFIXES.items():
        dataset.bind(prefix, ns)
    named = dataset.graph(gid)
    for triple in graph:
        named.add(triple)
    return dataset


def frames_to_quads(frames: DocumentFrames) -> tuple[URIRef, list[tuple]]:
    gid, graph = frames_to_graph(frames)
    return gid, [(s, p, o, gid) for s, p, o in graph]


class _GraphBuilder:
    def __init__(self, frames: DocumentFrames):
        if not isinstance(frames, DocumentFrames):
            raise InputError(f"expected DocumentFrames, got {type(frames).__name__}")
        self.frames = frames
        self.graph_iri = graph_iri(frames.doc_key)
        self.doc = document_iri(frames.doc_key)
        self.graph = Graph(identifier=self.graph_iri)
        for prefix, ns in PREFIXES.items():
            self.graph.bind(prefix, ns)
        self.extractor_version = frames.extractor_version or ""
        self._agents: dict[str, URIRef] = {}

    # -- small helpers --
    def add(self, s, p, o) -> None:
        if o is not None:
            self.graph.add((s, p, o))

    def lit(self, s, p, value, datatype=None) -> None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return
        if isinstance(value, bool):
            literal = Literal(value, datatype=XSD.boolean)
        elif isinstance(value, Decimal):
            literal = Literal(_plain_decimal(value), datatype=XSD.decimal)
        elif isinstance(value, int):
            literal = Literal(value, datatype=XSD.integer)
        else:
            # a simple literal is xsd:string in RDF 1.1; rdflib keeps "x" and "x"^^xsd:string apart,
            # and every other store gives back the simple form, so we write that one
            literal = Literal(str(value), datatype=datatype)
        self.graph.add((s, p, literal))

    def concept(self, concept: Concept | None) -> URIRef | None:
        if concept is None or not concept.id:
            return None
        iri = concept_iri(concept.scheme, concept.id)
        if ":" in concept.id:
            # A broad-lexicon term (e.g. drugbank:DB01221) is in no vocabulary file: describe it here.
            self.add(iri, RDF.type, SKOS.Concept)
            self.add(iri, SKOS.inScheme, VOCAB[concept.scheme])
            self.lit(iri, SKOS.prefLabel, concept.label)
        return iri

    def agent(self, name: str) -> URIRef:
        name = name or "kgraph"
        if name not in self._agents:
            iri = extractor_iri(name, self.extractor_version)
            self.add(iri, RDF.type, KG.Extractor)
            self.lit(iri, RDFS.label, name)
            self.lit(iri, KG.version, self.extractor_version or None)
            self._agents[name] = iri
        return self._agents[name]

    def evidence(self, fact: URIRef, own: list[Evidence], inherited: list[Evidence]) -> list[Evidence]:
        """Link a fact to its evidence (its own, else its parent's); returns what it used."""
        used = own or inherited
        for ev in used:
            self.add(fact, KG.hasEvidence, self.evidence_node(ev))
        return used

    def evidence_node(self, ev: Evidence) -> URIRef:
        iri = URIRef(f"{self.doc}/evidence-{content_hash(ev)}")
        if (iri, RDF.type, KG.Evidence) in self.graph:
            return iri
        self.add(iri, RDF.type, KG.Evidence)
        self.lit(iri, KG.text, ev.text if ev.text is not None else "")
        self.lit(iri, KG.charStart, int(ev.start))
        self.lit(iri, KG.charEnd, int(ev.end))
        self.lit(iri, KG.page, ev.page)
        if ev.bbox:
            self.lit(iri, KG.bbox, " ".join(_plain_number(v) for v in ev.bbox))
        self.lit(iri, KG.section, ev.section)
        self.lit(iri, KG.table, ev.table)
        self.lit(iri, KG.row, ev.row)
        self.lit(iri, KG.col, ev.col)
        self.add(iri, PROV.wasDerivedFrom, self.doc)
        self.add(iri, PROV.wasAttributedTo, self.agent(ev.extractor))
        return iri

    # -- the document --
    def build(self) -> None:
        f = self.frames
        d = self.doc
        self.add(d, RDF.type, KG.Document)
        self.lit(d, KG.documentKey, f.doc_key)
        self.lit(d, RDFS.label, _document_label(f))
        self.lit(d, KG.source, f.source)
        self.lit(d, KG.sha256, (f.sha256 or "").lower() or None)
        self.lit(d, KG.title, f.title)
        if f.authors:
            self.lit(d, KG.authors, "; ".join(a.strip() for a in f.authors if a and a.strip()))
            self.lit(d, KG.firstAuthor, f.authors[0].strip())
        self.lit(d, KG.year, f.year)
        self.lit(d, KG.doi, f.doi.strip().lower() if f.doi else None)
        self.lit(d, KG.pmid, f.pmid)
        self.lit(d, KG.kind, f.kind)
        self.lit(d, KG.schemaVersion, f.schema_version)
        self.lit(d, KG.extractorVersion, f.extractor_version or None)
        for warning in f.warnings:
            self.lit(d, KG.warning, warning)

        studies_by_ref: dict[int, URIRef] = {}
        for study in f.studies:
            s, facts = self.study(study)
            self.add(d, KG.reportsStudy, s)
            if facts != s:  # a part: the document reports it too, so queries list it as a study
                self.add(d, KG.reportsStudy, facts)
            if study.reference_number is not None:
                studies_by_ref.setdefault(study.reference_number, s)
        for claim in f.claims:
            self.add(d, KG.hasClaim, self.claim(claim, studies_by_ref))

    # -- facts --
    def study(self, st: Study) -> tuple[URIRef, URIRef]:
        """The study's resource and the one holding its facts: the same, or the part's resource
        (two parts' sizes, arms and outcomes on one node could not be told apart)."""
        whole = study_iri(st.key)
        part = (st.part or "").strip()
        label = (st.label or "").strip()
        if part and label.lower().endswith(f"({part.lower()})"):  # "Smith 2001 (Part 1)": the study is "Smith 2001"
            label = label[: -len(part) - 2].strip()
        self.add(whole, RDF.type, KG.Study)
        self.lit(whole, RDFS.label, label)
        self.lit(whole, KG.key, st.key)
        self.lit(whole, KG.referenceNumber, st.reference_number)
        self.lit(whole, KG.firstAuthor, st.first_author)
        self.lit(whole, KG.year, st.year)
        self.lit(whole, KG.title, st.title)
        self.lit(whole, KG.doi, st.doi.strip().lower() if st.doi else None)
        self.lit(whole, KG.pmid, st.pmid)
        ev = self.evidence(whole, st.evidence, [])
        s = whole
        if part:
            s = part_iri(st.key, part)
            self.add(s, RDF.type, KG.Study)
            self.lit(s, RDFS.label, f"{label} ({part})".strip())
            self.lit(s, KG.key, st.key)
            self.lit(s, KG.part, part)
            self.add(s, DCTERMS.isPartOf, whole)
            self.evidence(s, st.evidence, [])
        self.add(s, KG.design, self.concept(st.design))
        self.lit(s, KG.sampleSize, st.n)
        self.lit(s, KG.sampleSizeText, st.n_text)
        self.lit(s, KG.evidenceLevel, st.evidence_level)
        self.add(s, KG.setting, self.concept(st.setting))
        for condition in st.conditions:
            self.add(s, KG.condition, self.concept(condition))

        arms_by_label: dict[str, URIRef] = {}
        for comparator in st.comparators:
            self.add(s, KG.hasComparator, self.comparator(s, comparator, ev))
        for arm in st.arms:
            a = self.arm(s, arm, ev)
            self.add(s, KG.hasArm, a)
            arms_by_label.setdefault(_fold(arm.label), a)
        for outcome in st.outcomes:
            self.add(s, KG.hasOutcome, self.outcome(s, outcome, ev, primary_default=None))
        for outcome in st.secondary_outcomes:
            self.add(s, KG.hasOutcome, self.outcome(s, outcome, ev, primary_default=False))
        for effect in st.adverse_effects:
            self.add(s, KG.hasAdverseEffect, self.adverse_effect(s, effect, ev, arms_by_label))
        return whole, s

    def arm(self, study: URIRef, arm: Arm, inherited) -> URIRef:
        a = child_iri(study, "arm", arm)
        self.add(a, RDF.type, KG.Arm)
        self.lit(a, RDFS.label, arm.label)
        self.lit(a, KG.sampleSize, arm.n)
        ev = self.evidence(a, arm.evidence, inherited)
        if arm.protocol is not None:
            self.add(a, KG.hasProtocol, self.protocol(a, arm.protocol, ev))
        if arm.comparator is not None:
            # minted under the study so the arm's comparator and the study's list are one resource
            self.add(a, KG.hasComparator, self.comparator(study, arm.comparator, ev))
        return a

    def protocol(self, arm: URIRef, p: Protocol, inherited) -> URIRef:
        iri = child_iri(arm, "protocol", p)
        self.add(iri, RDF.type, KG.Protocol)
        self.add(iri, KG.drug, self.concept(p.drug))
        self.lit(iri, KG.form, p.form)
        self.lit(iri, KG.route, p.route)
        ev = self.evidence(iri, p.evidence, inherited)
        for predicate, quantities in (
            (KG.bolus, p.bolus), (KG.rate, p.rate), (KG.targetConcentration, p.target_concentration),
            (KG.totalDose, p.total_dose),
        ):
            for q in quantities:
                self.add(iri, predicate, self.quantity(iri, q, ev, KG.Dose))
        for q in p.infusion_duration:
            self.add(iri, KG.infusionDuration, self.quantity(iri, q, ev, KG.Quantity))
        if p.titration is not None:
            self.add(iri, KG.titration, self.titration(iri, p.titration, ev))
        self.lit(iri, KG.sessions, p.sessions)
        self.lit(iri, KG.schedule, p.schedule)
        self.add(iri, KG.setting, self.concept(p.setting))
        for co in p.coadministrations:
            self.add(iri, KG.hasCoadministration, self.coadministration(iri, co, ev))
        return iri

    def titration(self, parent: URIRef, t: Titration, inherited) -> URIRef:
        iri = child_iri(parent, "titration", t)
        self.add(iri, RDF.type, KG.Titration)
        self.lit(iri, KG.text, t.text)
        ev = self.evidence(iri, t.evidence, inherited)
        for predicate, q in ((KG.titrationStart, t.start), (KG.titrationStep, t.step),
                             (KG.titrationMaximum, t.maximum)):
            if q is not None:
                self.add(iri, predicate, self.quantity(iri, q, ev, KG.Dose))
        return iri

    def coadministration(self, parent: URIRef, co: Coadministration, inherited) -> URIRef:
        iri = child_iri(parent, "coadministration", co)
        self.add(iri, RDF.type, KG.Coadministration)
        self.add(iri, KG.drug, self.concept(co.drug))
        self.lit(iri, KG.purpose, co.purpose)
        self.lit(iri, KG.route, co.route)
        ev = self.evidence(iri, co.evidence, inherited)
        for q in co.doses:
            self.add(iri, KG.dose, self.quantity(iri, q, ev, KG.Dose))
        return iri

    def comparator(self, study: URIRef, c: Comparator, inherited) -> URIRef:
        iri = child_iri(study, "comparator", c)
        self.add(iri, RDF.type, KG.Comparator)
        self.lit(iri, RDFS.label, c.label)
        self.lit(iri, KG.kind, c.kind)
        self.add(iri, KG.drug, self.concept(c.drug))
        ev = self.evidence(iri, c.evidence, inherited)
        for q in c.doses:
            self.add(iri, KG.dose, self.quantity(iri, q, ev, KG.Dose))
        return iri

    def outcome(self, study: URIRef, o: Outcome, inherited, primary_default) -> URIRef:
        iri = child_iri(study, "outcome", o)
        self.add(iri, RDF.type, KG.Outcome)
        self.lit(iri, KG.text, o.text)
        self.add(iri, KG.measure, self.concept(o.measure))
        self.lit(iri, KG.direction, o.direction)
        self.lit(iri, KG.effectSize, o.size)
        self.lit(iri, KG.primary, o.primary if o.primary is not None else primary_default)
        ev = self.evidence(iri, o.evidence, inherited)
        if o.time_point is not None:
            self.add(iri, KG.timePoint, self.quantity(iri, o.time_point, ev, KG.Quantity))
        if o.relief_duration is not None:
            self.add(iri, KG.reliefDuration, self.quantity(iri, o.relief_duration, ev, KG.Quantity))
        return iri

    def adverse_effect(self, study: URIRef, ae: AdverseEffect, inherited, arms_by_label) -> URIRef:
        iri = child_iri(study, "adverse-effect", ae)
        self.add(iri, RDF.type, KG.AdverseEffect)
        self.add(iri, KG.effect, self.concept(ae.effect))
        self.lit(iri, KG.negated, bool(ae.negated))
        self.lit(iri, KG.hedged, bool(ae.hedged))
        self.lit(iri, KG.armLabel, ae.arm)
        if ae.arm and _fold(ae.arm) in arms_by_label:
            self.add(iri, KG.arm, arms_by_label[_fold(ae.arm)])
        ev = self.evidence(iri, ae.evidence, inherited)
        if ae.incidence is not None:
            self.add(iri, KG.incidence, self.quantity(iri, ae.incidence, ev, KG.Quantity))
        return iri

    def claim(self, c: Claim, studies_by_ref: dict[int, URIRef]) -> URIRef:
        iri = child_iri(self.doc, "claim", c)
        self.add(iri, RDF.type, KG.Claim)
        self.lit(iri, KG.statement, c.statement)
        self.lit(iri, KG.evidenceLevel, c.evidence_level)
        self.lit(iri, KG.relation, c.relation)
        self.lit(iri, KG.kind, c.kind)
        for variable in c.variables:
            self.lit(iri, KG.comparesVariable, variable)
        for number in c.cited_references:
            self.lit(iri, KG.citesReference, int(number))
            if number in studies_by_ref:
                self.add(iri, KG.citesStudy, studies_by_ref[number])
        for key in c.cited_studies:
            self.add(iri, KG.citesStudy, study_iri(key))
        self.evidence(iri, c.evidence, [])
        return iri

    def quantity(self, parent: URIRef, q: Quantity, inherited, cls) -> URIRef:
        role = re.sub(r"[^a-z0-9]+", "-", (q.kind or "quantity").lower()).strip("-") or "quantity"
        iri = child_iri(parent, role, q)
        self.add(iri, RDF.type, cls)
        self.lit(iri, KG.text, q.text)
        self.lit(iri, KG.kind, q.kind)
        for predicate, value in ((KG.value, q.value), (KG.low, q.low), (KG.high, q.high), (KG.mean, q.mean),
                                 (KG.sd, q.sd), (KG.normalizedValue, q.normalized_value),
                                 (KG.normalizedLow, q.normalized_low), (KG.normalizedHigh, q.normalized_high)):
            if value is not None:
                self.lit(iri, predicate, _decimal(value))
        self.lit(iri, KG.unitText, q.unit)
        self.add(iri, KG.unit, unit_iri(q.unit))
        self.lit(iri, KG.qualifier, q.qualifier)
        self.lit(iri, KG.normalizedUnitText, q.normalized_unit)
        self.add(iri, KG.normalizedUnit, unit_iri(q.normalized_unit))
        if q.per_weight:
            self.lit(iri, KG.perWeight, True)
        if q.per_70kg:
            self.lit(iri, KG.per70kg, True)
        if all(v is None for v in (q.value, q.low, q.high, q.mean)):
            self.lit(iri, KG.unparsed, True)
        self.evidence(iri, q.evidence, inherited)
        return iri


# --- literals --------------------------------------------------------------------------------

def _decimal(value) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(str(value))


def _plain_decimal(value: Decimal) -> str:
    """The xsd:decimal lexical form Oxigraph stores ("12", "0.1", "100.8"): no exponent, no trailing
    zeros, no ".0", so triples read back from the store equal the ones written."""
    if not value.is_finite():
        raise InputError(f"not a finite number: {value}")
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("", "-", "-0"):
        text = "0"
    return text


def _plain_number(value) -> str:
    return _plain_decimal(_decimal(value))


def _fold(text: str | None) -> str:
    return re.sub(r"\s+", " ", (text or "").strip().lower())


def _document_label(f: DocumentFrames) -> str:
    """'Maher 2017' from the first author and year, else the title, else the key."""
    if f.authors and f.authors[0].strip() and f.year:
        return f"{surname(f.authors[0])} {f.year}"
    return f.title or f.doc_key


def surname(author: str) -> str:
    """'Maher DP' -> 'Maher'; 'Maher, David P.' -> 'Maher'; 'David P. Maher' -> 'Maher'."""
    author = author.strip()
    if "," in author:
        return author.split(",", 1)[0].strip()
    words = author.split()
    if len(words) > 1 and re.fullmatch(r"[A-Z]{1,3}\.?", words[-1]):
        return " ".join(words[:-1])
    return words[-1]
