"""The evidence table regenerated from the graph: one row per study (per part, per review row).

``table_from_store(store)`` reads every document graph of the embedded store back into frames
(``frames_from_store``) and lays them out with ``table_from_frames``. Columns are the evidence
table roles of ontology/table_columns.yaml (their ``label``), in a review's usual order.

Row rules:
- a review's table row is a row (two rows of one study, "Part 1" and "Part 2", stay two rows of
  the same study key);
- a study known only from its own paper is a row of its own;
- what a study's own paper says is added to that study's review row(s): every value keeps its
  source, and when documents disagree (n = 9 in the paper, 20 in the review) both values show.

Every cell keeps its sources (document, page, table/row/column or section, the text read);
``render(table, fmt)`` writes md, csv, html (each value's source in a title attribute) or xlsx
(sources as cell comments).
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from kgraph.errors import InputError

COLUMNS: list[tuple[str, str]] = [
    ("reference", "Reference"),
    ("condition", "Clinical Indication"),
    ("study_size", "Study Size"),
    ("design", "Study Design"),
    ("infusion_duration", "Duration of Infusion"),
    ("setting", "Study Setting"),
    ("dose", "Dose Range"),
    ("combination_therapy", "Combination Therapy"),
    ("relief_duration", "Duration of Pain Relief"),
    ("secondary_outcomes", "Secondary Outcomes"),
    ("side_effects", "Side Effects"),
]
FORMATS = ("md", "csv", "html", "xlsx")


@dataclass
class Source:
    document: str  # document label or key
    page: int | None = None
    text: str = ""
    table: str | None = None
    row: int | None = None
    col: int | None = None
    section: str | None = None

    def describe(self) -> str:
        where = [self.document]
        if self.page is not None:
            where.append(f"p. {self.page}")
        if self.table:
            where.append(f"{self.table} row {self.row} col {self.col}" if self.row is not None else self.table)
        elif self.section:
            where.append(self.section)
        return ", ".join(where) + (f": \"{self.text}\"" if self.text else "")


@dataclass
class Value:
    text: str
    sources: list[Source] = field(default_factory=list)


@dataclass
class TableCell:
    values: list[Value] = field(default_factory=list)

    def add(self, text: str, sources: list[Source]) -> None:
        text = (text or "").strip()
        if not text:
            return
        for v in self.values:
            if v.text == text:
                for s in sources:
                    if s not in v.sources:
                        v.sources.append(s)
                return
        self.values.append(Value(text, list(sources)))

    @property
    def documents(self) -> list[str]:
        out: list[str] = []
        for v in self.values:
            for s in v.sources:
                if s.document not in out:
                    out.append(s.document)
        return out

    @property
    def text(self) -> str:
        """Values joined with '; '; when documents disagree, each value names its document."""
        docs_per_value = [{s.document for s in v.sources} for v in self.values]
        all_docs = set().union(*docs_per_value) if docs_per_value else set()
        if len(all_docs) > 1 and any(d != all_docs for d in docs_per_value):
            return " | ".join(f"{v.text} [{', '.join(sorted(d))}]" for v, d in zip(self.values, docs_per_value))
        return "; ".join(v.text for v in self.values)


@dataclass
class TableRow:
    study_key: str
    label: str
    part: str | None
    cells: dict[str, TableCell]
    order: tuple = ()
    documents: list[str] = field(default_factory=list)
    conditions: set[str] = field(default_factory=set)  # concept ids and labels, for filtering


@dataclass
class EvidenceTable:
    columns: list[tuple[str, str]]
    rows: list[TableRow]

    def cell_texts(self) -> list[dict[str, str]]:
        return [{label: r.cells[role].text for role, label in self.columns} for r in self.rows]


# --- from frames ---------------------------------------------------------------------------------

def _sources(evidence: Iterable[Any], document: str) -> list[Source]:
    out = []
    for e in evidence or []:
        out.append(Source(document, getattr(e, "page", None), getattr(e, "text", "") or "", getattr(e, "table", None),
                          getattr(e, "row", None), getattr(e, "col", None), getattr(e, "section", None)))
    return out


def _q(q: Any) -> str:
    text = (getattr(q, "text", "") or "").strip().rstrip(".;,")
    unit = getattr(q, "unit", None)
    # "50, 100 and 150 ng/mL" gives quantities whose own text is only "50": show their unit
    if unit and text and re.fullmatch(r"[~≈<>≤≥]?\s*[\d.,]+(?:\s*(?:-|–|to)\s*[\d.,]+)?", text):
        text = f"{text} {unit}"
    return text


def _study_values(st: Any, document: str) -> dict[str, list[tuple[str, list[Source]]]]:
    """Column role -> [(value text, sources)] for one Study frame."""
    out: dict[str, list[tuple[str, list[Source]]]] = {role: [] for role, _ in COLUMNS}
    study_src = _sources(st.evidence, document)

    def put(role: str, text: str | None, ev: Iterable[Any] | None = None, fallback: list[Source] | None = None) -> None:
        if text:
            srcs = _sources(ev, document) if ev else []
            out[role].append((text, srcs or (fallback if fallback is not None else study_src)))

    ref = f"{st.first_author or st.label}" + (f" {st.year}" if st.year else "") + (f" ({st.part})" if st.part else "") \
        + (f" [{st.reference_number}]" if st.reference_number is not None else "")
    ref_src = [s for s in study_src if s.col is not None][:1] or study_src[:1]
    put("reference", ref.strip(), None, ref_src)
    for c in st.conditions:
        put("condition", c.label, None, study_src)
    if st.n is not None:
        put("study_size", str(st.n), None, study_src)
    elif st.n_text:
        put("study_size", st.n_text, None, study_src)
    if st.design is not None:
        put("design", st.design.label, None, study_src)
    if st.setting is not None:
        put("setting", st.setting.label, None, study_src)
    for arm in st.arms:
        p = arm.protocol
        if p is None:
            continue
        psrc = _sources(p.evidence, document)
        for q in p.infusion_duration:
            put("infusion_duration", _q(q), q.evidence, psrc)
        if p.schedule:
            put("infusion_duration", p.schedule, None, psrc)
        if p.sessions:
            put("infusion_duration", f"{p.sessions} sessions", None, psrc)
        if p.setting is not None and st.setting is None:
            put("setting", p.setting.label, None, psrc)
        if p.form:
            put("dose", p.form, None, psrc)
        for q in p.bolus:
            put("dose", f"bolus {_q(q)}", q.evidence, psrc)
        for q in p.rate:
            put("dose", f"rate {_q(q)}", q.evidence, psrc)
        for q in p.target_concentration:
            put("dose", f"target {_q(q)}", q.evidence, psrc)
        for q in p.total_dose:
            put("dose", f"total {_q(q)}", q.evidence, psrc)
        if not (p.bolus or p.rate or p.target_concentration or p.total_dose):
            put("dose", p.drug.label, None, psrc)
        for co in p.coadministrations:
            doses = ", ".join(_q(d) for d in co.doses)
            text = co.drug.label + (f" {doses}" if doses else "") + (f" ({co.route})" if co.route else "")
            put("combination_therapy", text, co.evidence, psrc)
    for c in st.comparators:
        doses = ", ".join(_q(d) for d in c.doses)
        kind = {"placebo": "placebo", "active_placebo": "active placebo", "active": "comparator"}.get(c.kind, c.kind)
        label = c.drug.label if c.drug is not None else c.label
        text = f"vs {label}" + (f" {doses}" if doses else "") + (f" ({kind})" if c.drug is not None else "")
        put("combination_therapy", text, c.evidence)
    for o in st.outcomes:
        put("relief_duration", o.text, o.evidence)
    for o in st.secondary_outcomes:
        put("secondary_outcomes", o.text, o.evidence)
    for ae in st.adverse_effects:
        label = ae.effect.label
        general = ae.effect.id in ("adverse_event", "adverse_effect", "side_effect", "side_effects", "adverse_events")
        if ae.negated:
            text = "None" if general else f"no {label}"
        else:
            text = label + (f" ({_q(ae.incidence)})" if ae.incidence is not None else "")
        put("side_effects", text, ae.evidence)
    return out


def _doc_label(fr: Any) -> str:
    if fr.authors:
        from kgraph.extract.linking import surname_of

        name = surname_of(fr.authors[0]) or fr.authors[0]
        return f"{name} {fr.year}" if fr.year else name
    return fr.title or fr.doc_key


def _row_order(st: Any) -> tuple:
    rows = [(e.table or "", e.row) for e in st.evidence if getattr(e, "row", None) is not None]
    return min(rows) if rows else ("~", 10 ** 6)


def table_from_frames(frames_list: Iterable[Any], condition: str | None = None) -> EvidenceTable:
    """Lay out studies of several documents as one evidence table (see the module doc)."""
    frames_list = sorted(frames_list, key=lambda f: (f.kind != "review", f.doc_key))
    rows: list[TableRow] = []
    by_key: dict[str, list[TableRow]] = {}
    for doc_index, fr in enumerate(frames_list):
        doc = _doc_label(fr)
        for st in fr.studies:
            values = _study_values(st, doc)
            targets = by_key.get(st.key) if fr.kind != "review" else None
            if not targets:
                row = TableRow(st.key, st.label, st.part, {role: TableCell() for role, _ in COLUMNS},
                               order=(0 if fr.kind == "review" else 1, doc_index, *_row_order(st), st.key))
                rows.append(row)
                by_key.setdefault(st.key, []).append(row)
                targets = [row]
            for row in targets:
                if doc not in row.documents:
                    row.documents.append(doc)
                for c in st.conditions:
                    row.conditions.update({c.id.lower(), c.label.lower()})
                for role, vals in values.items():
                    if role == "reference" and fr.kind != "review" and row.cells["reference"].values:
                        continue
                    for text, srcs in vals:
                        row.cells[role].add(text, srcs)
    if condition:
        want = condition.strip().lower().replace(" ", "_")
        rows = [r for r in rows if any(want == c.replace(" ", "_") or want in c.replace(" ", "_") for c in r.conditions)]
    rows.sort(key=lambda r: r.order)
    return EvidenceTable(list(COLUMNS), rows)


# --- from the store -------------------------------------------------------------------------------

_ALL_TRIPLES = """
SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } FILTER(?g != $vocab && ?g != $ontology) }
"""
_LABELS = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?c ?label WHERE { ?c skos:prefLabel ?label }
"""


def frames_from_store(store: Any) -> list[Any]:
    """Every document graph of the store read back into DocumentFrames (the parts a table needs:
    studies, arms, protocols, doses, adjuncts, comparators, outcomes, adverse effects, evidence)."""
    from kgraph.rdf.namespaces import GRAPH

    result = store.query(_ALL_TRIPLES, {"vocab": _iri(GRAPH["vocab"]), "ontology": _iri(GRAPH["ontology"])})
    graphs: dict[str, dict[str, dict[str, list[Any]]]] = {}
    for g, s, p, o in result.rows:
        graphs.setdefault(str(g), {}).setdefault(str(s), {}).setdefault(str(p), []).append(o)
    labels = {str(c): str(label) for c, label in store.query(_LABELS).rows}
    out = []
    for g in sorted(graphs):
        fr = _GraphReader(graphs[g], labels).document()
        if fr is not None:
            out.append(fr)
    return out


def _iri(term: Any):
    import pyoxigraph as ox

    return ox.NamedNode(str(term))


KG = "https://w3id.org/kgraph/ontology#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
DCTERMS_IS_PART_OF = "http://purl.org/dc/terms/isPartOf"


class _GraphReader:
    def __init__(self, triples: dict[str, dict[str, list[Any]]], labels: dict[str, str]):
        self.t = triples
        self.labels = labels

    def one(self, s: str, p: str, default: Any = None) -> Any:
        vals = self.t.get(s, {}).get(KG + p if not p.startswith("http") else p, [])
        return vals[0] if vals else default

    def all(self, s: str, p: str) -> list[Any]:
        return list(self.t.get(s, {}).get(KG + p if not p.startswith("http") else p, []))

    def types(self, s: str) -> list[str]:
        return [str(x) for x in self.t.get(s, {}).get(RDF_TYPE, [])]

    def concept(self, iri: Any):
        from kgraph.extract.frames import Concept

        if iri is None:
            return None
        iri = str(iri)
        tail = iri.split("/vocab/", 1)[-1]
        scheme, _, cid = tail.partition("/")
        return Concept(cid or tail, self.labels.get(iri, cid.replace("_", " ")), scheme)

    def evidence(self, s: str) -> list[Any]:
        from kgraph.extract.frames import Evidence

        out = []
        for e in self.all(s, "hasEvidence"):
            e = str(e)
            bbox = self.one(e, "bbox")
            out.append(Evidence(
                text=str(self.one(e, "text", "") or ""), start=int(self.one(e, "charStart", 0) or 0),
                end=int(self.one(e, "charEnd", 0) or 0), page=_int(self.one(e, "page")),
                bbox=tuple(float(x) for x in str(bbox).split()) if bbox else None, section=_str(self.one(e, "section")),
                table=_str(self.one(e, "table")), row=_int(self.one(e, "row")), col=_int(self.one(e, "col"))))
        out.sort(key=lambda x: (x.table or "", x.row if x.row is not None else -1, x.col if x.col is not None else -1, x.start))
        return out

    def quantity(self, q: str):
        from kgraph.extract.frames import Quantity

        return Quantity(text=str(self.one(q, "text", "") or ""), kind=str(self.one(q, "kind", "") or ""),
                        unit=_str(self.one(q, "unitText")), value=_dec(self.one(q, "value")), low=_dec(self.one(q, "low")),
                        high=_dec(self.one(q, "high")), mean=_dec(self.one(q, "mean")), sd=_dec(self.one(q, "sd")),
                        qualifier=_str(self.one(q, "qualifier")), normalized_unit=_str(self.one(q, "normalizedUnitText")),
                        normalized_value=_dec(self.one(q, "normalizedValue")), normalized_low=_dec(self.one(q, "normalizedLow")),
                        normalized_high=_dec(self.one(q, "normalizedHigh")), per_weight=bool(self.one(q, "perWeight", False)),
                        per_70kg=bool(self.one(q, "per70kg", False)), evidence=self.evidence(q))

    def document(self):
        from kgraph.extract.frames import DocumentFrames

        docs = [s for s in self.t if KG + "Document" in self.types(s)]
        if not docs:
            return None
        d = docs[0]
        authors = str(self.one(d, "authors", "") or "")
        fr = DocumentFrames(doc_key=str(self.one(d, "documentKey", d)), source=str(self.one(d, "source", "") or ""),
                            sha256=str(self.one(d, "sha256", "") or ""), title=_str(self.one(d, "title")),
                            authors=[a.strip() for a in authors.split(";") if a.strip()], year=_int(self.one(d, "year")),
                            doi=_str(self.one(d, "doi")), kind=str(self.one(d, "kind", "study_report")))
        divided = {str(w) for facts in self.t.values() for w in facts.get(DCTERMS_IS_PART_OF, [])}
        for s in sorted(str(x) for x in self.all(d, "reportsStudy")):
            if s in divided and not any(self.all(s, p) for p in ("design", "sampleSize", "condition", "hasArm")):
                continue  # a study of several parts: its rows are its parts
            fr.studies.extend(self.studies(s))
        return fr

    def studies(self, s: str) -> list[Any]:
        """One Study frame per table row the study was read from (a study of two parts has two)."""
        from kgraph.extract.frames import Study

        base_ev = self.evidence(s)
        whole = str(self.one(s, DCTERMS_IS_PART_OF, s))  # a part: the study's identity is on the study
        rows = sorted({(e.table, e.row) for e in base_ev if e.table is not None and e.row is not None},
                      key=lambda x: (x[0] or "", x[1]))
        groups = rows or [None]
        out = []
        ns = [int(x) for x in self.all(s, "sampleSize")]
        parts = [str(x) for x in self.all(s, "part")]
        for grp in groups:
            ev = [e for e in base_ev if grp is None or (e.table, e.row) == grp]
            st = Study(key=str(self.one(whole, "key", whole)), label=str(self.one(whole, RDFS_LABEL, "") or ""),
                       design=self.concept(self.one(s, "design")), setting=self.concept(self.one(s, "setting")),
                       evidence_level=_int(self.one(s, "evidenceLevel")), reference_number=_int(self.one(whole, "referenceNumber")),
                       first_author=_str(self.one(whole, "firstAuthor")), year=_int(self.one(whole, "year")),
                       title=_str(self.one(whole, "title")), doi=_str(self.one(whole, "doi")), pmid=_str(self.one(whole, "pmid")),
                       evidence=ev)
            st.conditions = [self.concept(c) for c in sorted(str(x) for x in self.all(s, "condition"))]
            st.n = _pick_number(ns, ev) if len(ns) > 1 and grp is not None else (ns[0] if ns else None)
            st.part = _pick_part(parts, ev) if len(parts) > 1 else (parts[0] if parts else None)
            keep = (lambda evs: grp is None or not evs or any((e.table, e.row) == grp for e in evs))
            for a in sorted(str(x) for x in self.all(s, "hasArm")):
                arm = self.arm(a)
                if keep(_all_evidence(arm)):
                    st.arms.append(arm)
            for c in sorted(str(x) for x in self.all(s, "hasComparator")):
                comp = self.comparator(c)
                if keep(comp.evidence):
                    st.comparators.append(comp)
            for o in sorted(str(x) for x in self.all(s, "hasOutcome")):
                outcome = self.outcome(o)
                if keep(outcome.evidence):
                    (st.secondary_outcomes if outcome.primary is False else st.outcomes).append(outcome)
            for x in sorted(str(x) for x in self.all(s, "hasAdverseEffect")):
                ae = self.adverse_effect(x)
                if keep(ae.evidence):
                    st.adverse_effects.append(ae)
            for lst in (st.outcomes, st.secondary_outcomes, st.adverse_effects, st.comparators):
                lst.sort(key=lambda f: _first_position(f.evidence))
            out.append(st)
        return out

    def arm(self, a: str):
        from kgraph.extract.frames import Arm

        arm = Arm(label=str(self.one(a, RDFS_LABEL, "") or ""), n=_int(self.one(a, "sampleSize")), evidence=self.evidence(a))
        p = self.one(a, "hasProtocol")
        if p is not None:
            arm.protocol = self.protocol(str(p))
        c = self.one(a, "hasComparator")
        if c is not None:
            arm.comparator = self.comparator(str(c))
        return arm

    def protocol(self, p: str):
        from kgraph.extract.frames import Coadministration, Protocol

        prot = Protocol(drug=self.concept(self.one(p, "drug")), form=_str(self.one(p, "form")), route=_str(self.one(p, "route")),
                        sessions=_int(self.one(p, "sessions")), schedule=_str(self.one(p, "schedule")),
                        setting=self.concept(self.one(p, "setting")), evidence=self.evidence(p))
        for attr, pred in (("bolus", "bolus"), ("rate", "rate"), ("target_concentration", "targetConcentration"),
                           ("total_dose", "totalDose"), ("infusion_duration", "infusionDuration")):
            qs = [self.quantity(str(q)) for q in self.all(p, pred)]
            qs.sort(key=lambda q: _first_position(q.evidence))
            setattr(prot, attr, qs)
        for c in sorted(str(x) for x in self.all(p, "hasCoadministration")):
            co = Coadministration(drug=self.concept(self.one(c, "drug")), purpose=_str(self.one(c, "purpose")),
                                  route=_str(self.one(c, "route")), evidence=self.evidence(c))
            co.doses = sorted((self.quantity(str(q)) for q in self.all(c, "dose")), key=lambda q: _first_position(q.evidence))
            prot.coadministrations.append(co)
        prot.coadministrations.sort(key=lambda c: _first_position(c.evidence))
        return prot

    def comparator(self, c: str):
        from kgraph.extract.frames import Comparator

        comp = Comparator(label=str(self.one(c, RDFS_LABEL, "") or ""), kind=str(self.one(c, "kind", "") or ""),
                          drug=self.concept(self.one(c, "drug")), evidence=self.evidence(c))
        comp.doses = sorted((self.quantity(str(q)) for q in self.all(c, "dose")), key=lambda q: _first_position(q.evidence))
        return comp

    def outcome(self, o: str):
        from kgraph.extract.frames import Outcome

        primary = self.one(o, "primary")
        out = Outcome(measure=self.concept(self.one(o, "measure")), text=str(self.one(o, "text", "") or ""),
                      direction=_str(self.one(o, "direction")), primary=bool(primary) if primary is not None else None,
                      evidence=self.evidence(o))
        rd = self.one(o, "reliefDuration")
        if rd is not None:
            out.relief_duration = self.quantity(str(rd))
        return out

    def adverse_effect(self, x: str):
        from kgraph.extract.frames import AdverseEffect

        ae = AdverseEffect(effect=self.concept(self.one(x, "effect")), negated=bool(self.one(x, "negated", False)),
                           hedged=bool(self.one(x, "hedged", False)), evidence=self.evidence(x))
        inc = self.one(x, "incidence")
        if inc is not None:
            ae.incidence = self.quantity(str(inc))
        return ae


def _all_evidence(arm: Any) -> list[Any]:
    ev = list(arm.evidence)
    if arm.protocol is not None:
        ev.extend(arm.protocol.evidence)
    if arm.comparator is not None:
        ev.extend(arm.comparator.evidence)
    return ev


def _first_position(evidence: list[Any]) -> tuple:
    if not evidence:
        return ("~", 10 ** 9, 10 ** 9, 10 ** 9)
    e = evidence[0]
    return (e.table or "", e.row if e.row is not None else -1, e.col if e.col is not None else -1, e.start)


def _pick_number(values: list[int], evidence: list[Any]) -> int | None:
    """The sample size this row's own cells print, when a study node holds several."""
    for v in values:
        for e in evidence:
            if re.match(rf"^\s*(?:n\s*=\s*)?{v}\b", e.text or ""):
                return v
    return None


def _pick_part(parts: list[str], evidence: list[Any]) -> str | None:
    for p in parts:
        for e in evidence:
            if p.lower() in (e.text or "").lower():
                return p
    return None


def _dec(v: Any):
    from decimal import Decimal

    return Decimal(str(v)) if v is not None else None


def _int(v: Any) -> int | None:
    try:
        return int(v) if v is not None else None
    except (TypeError, ValueError):
        return None


def _str(v: Any) -> str | None:
    return str(v) if v is not None else None


def table_from_store(store: Any, condition: str | None = None) -> EvidenceTable:
    return table_from_frames(frames_from_store(store), condition)


# --- rendering ----------------------------------------------------------------------------------

def render(table: EvidenceTable, fmt: str = "md", out: Path | None = None) -> str | None:
    """Write the table as md, csv, html or xlsx; returns the text (md/csv/html) when ``out`` is None."""
    fmt = (fmt or "md").lower()
    if fmt not in FORMATS:
        raise InputError(f"unknown table format '{fmt}' (choose from {', '.join(FORMATS)})")
    if fmt == "xlsx":
        if out is None:
            raise InputError("--format xlsx needs --out FILE.xlsx")
        _xlsx(table, Path(out))
        return None
    text = {"md": _md, "csv": _csv, "html": _html}[fmt](table)
    if out is not None:
        Path(out).write_text(text, encoding="utf-8")
        return None
    return text


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _md(table: EvidenceTable) -> str:
    head = [label for _, label in table.columns]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in table.rows:
        lines.append("| " + " | ".join(_md_escape(r.cells[role].text) for role, _ in table.columns) + " |")
    lines.append("")
    lines.append(f"{len(table.rows)} rows, {len({r.study_key for r in table.rows})} studies. Sources: `kgraph table --format html` (hover a value).")
    return "\n".join(lines) + "\n"


def _csv(table: EvidenceTable) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["study_key"] + [label for _, label in table.columns] + ["sources"])
    for r in table.rows:
        sources = []
        for role, label in table.columns:
            for v in r.cells[role].values:
                for s in v.sources:
                    sources.append(f"{label}: {s.describe()}")
        w.writerow([r.study_key] + [r.cells[role].text for role, _ in table.columns] + [" || ".join(sources)])
    return buf.getvalue()


def _html(table: EvidenceTable) -> str:
    out = ["<!DOCTYPE html>", "<html><head><meta charset=\"utf-8\"><title>Evidence table</title>",
           "<style>body{font-family:sans-serif;font-size:13px}table{border-collapse:collapse}"
           "td,th{border:1px solid #bbb;padding:4px;vertical-align:top}th{background:#eee}"
           "span.v{border-bottom:1px dotted #777;cursor:help}span.conflict{background:#fde2e2}</style></head><body>",
           "<table>", "<thead><tr>" + "".join(f"<th>{html.escape(label)}</th>" for _, label in table.columns) + "</tr></thead>", "<tbody>"]
    for r in table.rows:
        tds = []
        for role, _ in table.columns:
            cell = r.cells[role]
            conflict = len(cell.documents) > 1 and len(cell.values) > 1
            parts = []
            for v in cell.values:
                title = "\n".join(s.describe() for s in v.sources) or "no source"
                docs = sorted({s.document for s in v.sources})
                suffix = f" <small>[{html.escape(', '.join(docs))}]</small>" if conflict else ""
                parts.append(f"<span class=\"v{' conflict' if conflict else ''}\" title=\"{html.escape(title, quote=True)}\">{html.escape(v.text)}</span>{suffix}")
            tds.append("<td>" + "; ".join(parts) + "</td>")
        out.append(f"<tr data-study=\"{html.escape(r.study_key, quote=True)}\">" + "".join(tds) + "</tr>")
    out += ["</tbody></table>", f"<p>{len(table.rows)} rows, {len({r.study_key for r in table.rows})} studies.</p>", "</body></html>"]
    return "\n".join(out) + "\n"


def _xlsx(table: EvidenceTable, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.comments import Comment

    wb = Workbook()
    ws = wb.active
    ws.title = "Evidence table"
    ws.append(["Study key"] + [label for _, label in table.columns])
    for i, r in enumerate(table.rows, start=2):
        ws.cell(row=i, column=1, value=r.study_key)
        for j, (role, _) in enumerate(table.columns, start=2):
            cell = r.cells[role]
            c = ws.cell(row=i, column=j, value=cell.text)
            sources = [s.describe() for v in cell.values for s in v.sources]
            if sources:
                c.comment = Comment("\n".join(sources)[:30000], "kgraph")
    src = wb.create_sheet("Sources")
    src.append(["Study key", "Column", "Value", "Document", "Page", "Table", "Row", "Col", "Section", "Text"])
    for r in table.rows:
        for role, label in table.columns:
            for v in r.cells[role].values:
                for s in v.sources:
                    src.append([r.study_key, label, v.text, s.document, s.page, s.table, s.row, s.col, s.section, s.text])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    wb.save(tmp)
    tmp.replace(path)
