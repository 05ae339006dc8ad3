"""Scoring a review's extraction against gold (format: corpus/gold/README.md, "Review gold").

- ``compare_table(studies, table_gold)``: the studies read from a review (or read back from the
  graph) against an evidence-table gold file (rows of cell strings, like the seed's
  maher2017-table2.yaml), field by field. Concept and number columns compare what the graph
  holds with what kgraph's vocabularies and quantity grammar read in the gold cell (with the
  table's footnote abbreviations); text columns (relief, secondary outcomes) compare the stored
  findings with the gold items verbatim (whitespace normalized). A gold cell the vocabulary cannot
  name at all (a design written "RS") is "unverifiable": counted apart, never as right.
- ``score_claims(gold_claims, claims)``: claims matched by statement similarity, then evidence
  level, kind, relation, variables and cited references per field.
- ``score_links(...)``: the cross-document links of the gold (a corpus report of a cited study
  must share the review row's study key; the conflicts it lists must stay visible; documents
  listed as not linked must not share any key with the review).
- ``score_review(gold, frames, score)``: all of the above into an evaluate.DocScore.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable

import yaml

from kgraph.extract import tables as T
from kgraph.extract.abbreviations import parse_footnote
from kgraph.extract.linking import name_slug, title_similarity

TABLE_FIELDS = ["reference", "clinical_indication", "study_size", "study_design", "duration_of_infusion",
                "study_setting", "dose_range", "combination_therapy", "duration_of_pain_relief",
                "secondary_outcomes", "side_effects"]
CLAIM_FIELDS = ["claim", "claim_kind", "claim_level", "claim_relation", "claim_variables", "claim_references"]
CLAIM_MATCH = 80.0  # statement similarity (partial_or_set, 0..100) to pair a claim with its gold
_GENERAL = {"adverse_event", "adverse_effect", "side_effect", "side_effects", "adverse_events"}
_NONE = re.compile(r"^\s*(?:none|nil)\s*[.;:]?\s*$", re.I)
_NOT_REPORTED = re.compile(r"^\s*(?:not (?:reported|stated|available|assessed|specified)|n/?a|nr|unknown)\s*\.?\s*$", re.I)


def _norm(text: Any) -> str:
    return " ".join(str(text or "").split())


# --- table -------------------------------------------------------------------------------------

@dataclass
class CellResult:
    row: int
    field: str
    status: str  # right | wrong | unverifiable | no_row
    gold: str
    got: str = ""


@dataclass
class TableComparison:
    rows_gold: int
    rows_found: int
    studies_found: int
    cells: list[CellResult] = field(default_factory=list)

    def per_field(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {f: {"right": 0, "wrong": 0, "unverifiable": 0, "no_row": 0} for f in TABLE_FIELDS}
        for c in self.cells:
            out[c.field][c.status] += 1
        return out

    @property
    def right(self) -> int:
        return sum(c.status == "right" for c in self.cells)

    @property
    def checked(self) -> int:
        return sum(c.status in ("right", "wrong", "no_row") for c in self.cells)

    @property
    def share_right(self) -> float:
        return self.right / self.checked if self.checked else 0.0

    def lines(self) -> list[str]:
        out = [f"rows {self.rows_found}/{self.rows_gold}, studies {self.studies_found}; fields right {self.right}/{self.checked} "
               f"= {self.share_right:.1%} ({sum(c.status == 'unverifiable' for c in self.cells)} unverifiable)"]
        for f, d in self.per_field().items():
            n = d["right"] + d["wrong"] + d["no_row"]
            out.append(f"  {f:<24} {d['right']:>3}/{n:<3} right" + (f", {d['unverifiable']} unverifiable" if d["unverifiable"] else ""))
        return out


def _reader(analyzer: Any):
    if analyzer is None:
        from kgraph.extract.review import Analyzer

        analyzer = Analyzer()
    return analyzer


def _pair_rows(rows: list[dict[str, Any]], studies: list[Any]) -> list[Any | None]:
    """The study for each gold row: same reference number and part, else same first author and part."""
    left = list(studies)
    out: list[Any | None] = []
    for r in rows:
        part = f"Part {r['part']}" if r.get("part") is not None else None
        ref = r.get("ref")
        found = None
        for s in left:
            if ref is not None and s.reference_number == ref and (s.part or None) == part:
                found = s
                break
        if found is None:
            fa = name_slug(str(r.get("first_author") or ""))
            for s in left:
                if fa and name_slug(s.first_author or s.label or "").startswith(fa) and (s.part or None) == part:
                    found = s
                    break
        if found is not None:
            left.remove(found)
        out.append(found)
    return out


def _qtuple(q: Any) -> tuple:
    def r(v: Any) -> str:
        if v is None:
            return ""
        return f"{Decimal(v):.4g}"
    # as written (unit and numbers): the gold cell and the graph hold the same text, whatever kind
    # (dose, total, bolus) the extractor decided the number is
    return (q.unit or "", r(q.value), r(q.low), r(q.high), r(q.mean))


def _in_cell(evidence: Iterable[Any], gold_text: str) -> bool:
    g = _norm(gold_text).lower()
    return any(len(_norm(e.text)) >= 2 and _norm(e.text).lower() in g for e in evidence or [])


def _gold_sentences(text: str, analyzer: Any, abbreviations: dict[str, str]) -> list[str]:
    if _NONE.match(text) or _NOT_REPORTED.match(text):
        return []
    _, _, sents = analyzer.read(text, abbreviations)
    out = []
    for item, s, e in T.split_items(text):
        pieces = [(max(a, s), min(b, e)) for a, b in sents if a < e and b > s] or [(s, e)]
        out.extend(_norm(text[a:b]) for a, b in pieces if len(_norm(text[a:b])) >= 3)
    return out


def _protocols(study: Any) -> list[Any]:
    return [a.protocol for a in study.arms if a.protocol is not None]


def _cell_status(fname: str, gold_text: str, gold_row: dict[str, Any], study: Any, analyzer: Any,
                 abbreviations: dict[str, str], main_drugs: set[str]) -> tuple[str, str]:
    """(status, what the graph holds) for one gold cell."""
    from kgraph.extract.review import _most_specific_design

    text = _norm(gold_text)
    empty = _NOT_REPORTED.match(text) is not None or not text
    ents, qs, _ = analyzer.read(text, abbreviations) if not empty else ([], [], [])
    protocols = _protocols(study)

    if fname == "reference":
        part = f"Part {gold_row['part']}" if gold_row.get("part") is not None else None
        got = f"{study.first_author} [{study.reference_number}]" + (f" {study.part}" if study.part else "")
        ok = (study.reference_number == gold_row.get("ref")
              and name_slug(study.first_author or "").startswith(name_slug(str(gold_row.get("first_author") or "")))
              and (study.part or None) == part)
        return ("right" if ok else "wrong"), got
    if fname == "clinical_indication":
        from kgraph.extract.review import elliptical_conditions

        want = {e.concept_id for e in ents if e.label == "CONDITION"}
        want |= {e.concept_id for e in elliptical_conditions(text, analyzer, abbreviations)}
        got = {c.id for c in study.conditions}
        if not want and not empty:
            return "unverifiable", ", ".join(sorted(got))
        return ("right" if want == got else "wrong"), ", ".join(sorted(got))
    if fname == "study_size":
        m = re.match(r"^\s*(\d{1,6})\b", text)
        if not m:
            return ("right" if study.n is None else "wrong") if empty else "unverifiable", str(study.n)
        return ("right" if study.n == int(m.group(1)) else "wrong"), str(study.n)
    if fname == "study_design":
        designs = [e for e in ents if e.label == "DESIGN"]
        got = study.design.id if study.design is not None else ""
        if not designs:
            return ("right" if not got else "wrong") if empty else "unverifiable", got
        return ("right" if got == _most_specific_design(designs, analyzer).concept_id else "wrong"), got
    if fname == "study_setting":
        sets = [e.concept_id for e in ents if e.label == "SETTING"]
        got = study.setting.id if study.setting is not None else ""
        if not sets:
            return ("right" if not got else "wrong") if empty else "unverifiable", got
        return ("right" if got == sets[0] else "wrong"), got
    if fname == "duration_of_infusion":
        want = sorted(_qtuple(q.quantity) for q in qs if q.quantity.kind == "duration" and q.quantity.unit)
        got = sorted(_qtuple(q) for p in protocols for q in p.infusion_duration)
        return ("right" if want == got else "wrong"), "; ".join(q.text for p in protocols for q in p.infusion_duration)
    if fname == "dose_range":
        skip = {"duration", "interval", "course", "time_point", "count", "percent", "follow_up", "relief", "age", "weight", "bmi"}
        want = sorted(_qtuple(q.quantity) for q in qs if q.quantity.kind not in skip and q.quantity.unit)
        got_q = [q for p in protocols for q in (p.bolus + p.rate + p.target_concentration + p.total_dose)]
        got_q += [q for c in study.comparators if _in_cell(c.evidence, text) for q in c.doses]
        got = sorted(_qtuple(q) for q in got_q)
        return ("right" if want == got else "wrong"), "; ".join(q.text for q in got_q)
    if fname == "combination_therapy":
        want = {e.concept_id for e in ents if e.label == "DRUG" and e.concept_id not in main_drugs and e.concept_id != "placebo"}
        got = {c.drug.id for p in protocols for c in p.coadministrations}
        got |= {c.drug.id for c in study.comparators if c.drug is not None and _in_cell(c.evidence, text)}
        return ("right" if want == got else "wrong"), ", ".join(sorted(got))
    if fname in ("duration_of_pain_relief", "secondary_outcomes"):
        want = _gold_sentences(text, analyzer, abbreviations)
        outs = study.outcomes if fname == "duration_of_pain_relief" else study.secondary_outcomes
        got = [_norm(o.text) for o in outs]
        return ("right" if want == got else "wrong"), " | ".join(got)
    if fname == "side_effects":
        if _NONE.match(text):
            want = {("none", True)}
        else:
            want = {(e.concept_id, bool(e.negated)) for e in ents if e.label == "ADVERSE_EFFECT" and e.concept_id not in _GENERAL}
        got = set()
        for ae in study.adverse_effects:
            if ae.effect.id in _GENERAL:
                if ae.negated:
                    got.add(("none", True))
                continue
            got.add((ae.effect.id, bool(ae.negated)))
        return ("right" if want == got else "wrong"), ", ".join(f"{'no ' if n else ''}{i}" for i, n in sorted(got))
    raise ValueError(fname)


def compare_table(studies: list[Any], table_gold: dict[str, Any], analyzer: Any = None) -> TableComparison:
    """Field-by-field comparison of review studies with an evidence-table gold (rows of cell strings)."""
    analyzer = _reader(analyzer)
    rows = list(table_gold.get("rows") or [])
    abbreviations = parse_footnote(str(table_gold.get("footnote") or ""))
    main_drugs = {a.protocol.drug.id for s in studies for a in s.arms if a.protocol is not None}
    paired = _pair_rows(rows, studies)
    comp = TableComparison(rows_gold=len(rows), rows_found=sum(p is not None for p in paired),
                           studies_found=len({s.key for s in studies}))
    for i, (row, study) in enumerate(zip(rows, paired)):
        for fname in TABLE_FIELDS:
            gold_text = str(row.get(fname) or "")
            if study is None:
                comp.cells.append(CellResult(i, fname, "no_row", gold_text))
                continue
            status, got = _cell_status(fname, gold_text, row, study, analyzer, abbreviations, main_drugs)
            comp.cells.append(CellResult(i, fname, status, gold_text, got))
    return comp


# --- claims ------------------------------------------------------------------------------------

@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0


def _sets(tally: Tally, gold: set, pred: set) -> None:
    tally.tp += len(gold & pred)
    tally.fp += len(pred - gold)
    tally.fn += len(gold - pred)


def _one(tally: Tally, gold: Any, pred: Any) -> None:
    if gold is None and pred is None:
        return
    if gold is not None and pred == gold:
        tally.tp += 1
        return
    if pred is not None:
        tally.fp += 1
    if gold is not None:
        tally.fn += 1


def pair_claims(gold_claims: list[dict[str, Any]], claims: list[Any]) -> list[tuple[dict[str, Any] | None, Any | None, float]]:
    scored = []
    for gi, g in enumerate(gold_claims):
        for pi, c in enumerate(claims):
            sim = title_similarity(str(g.get("statement") or ""), c.statement) or 0.0
            scored.append((sim, gi, pi))
    scored.sort(reverse=True)
    used_g, used_p, pairs = set(), set(), []
    for sim, gi, pi in scored:
        if sim < CLAIM_MATCH or gi in used_g or pi in used_p:
            continue
        used_g.add(gi)
        used_p.add(pi)
        pairs.append((gold_claims[gi], claims[pi], sim))
    pairs += [(g, None, 0.0) for i, g in enumerate(gold_claims) if i not in used_g]
    pairs += [(None, c, 0.0) for i, c in enumerate(claims) if i not in used_p]
    return pairs


def score_claims(gold_claims: list[dict[str, Any]], claims: list[Any]) -> tuple[dict[str, Tally], list[str]]:
    tallies = {f: Tally() for f in CLAIM_FIELDS}
    notes: list[str] = []
    for g, c, sim in pair_claims(gold_claims, claims):
        if g is not None and c is not None:
            tallies["claim"].tp += 1
        elif g is not None:
            tallies["claim"].fn += 1
            notes.append(f"claim missed: {str(g.get('statement'))[:80]}")
        else:
            tallies["claim"].fp += 1
            notes.append(f"claim extra: {c.statement[:80]}")
        g = g or {}
        _one(tallies["claim_kind"], g.get("kind") if g else None, c.kind if c is not None else None)
        _one(tallies["claim_level"], g.get("evidence_level"), c.evidence_level if c is not None else None)
        _one(tallies["claim_relation"], g.get("relation"), c.relation if c is not None else None)
        _sets(tallies["claim_variables"], set(g.get("variables") or []), set(c.variables) if c is not None else set())
        _sets(tallies["claim_references"], {int(x) for x in g.get("cited_references") or []},
              set(c.cited_references) if c is not None else set())
    return tallies, notes


# --- body statements: facts about single studies -----------------------------------------------

FACT_QUANTITIES = {"infusion_duration": "infusion_duration", "total_dose": "total_dose", "rate": "rate", "bolus": "bolus"}


def score_facts(statements: list[dict[str, Any]], studies: list[Any]) -> tuple[dict[str, Tally], list[str]]:
    """The review's body statements give facts about single cited studies ("an infusion protocol of
    5 hours' duration ... at 2 weeks" for ref 10): check them against the study read from the table.
    An independent check of the table extraction: these facts come from the review's prose."""
    from kgraph.extract.evaluate import form_key, parse_gold_quantity, qvalue

    tallies: dict[str, Tally] = {}
    notes: list[str] = []
    by_ref: dict[int, list[Any]] = {}
    for st in studies:
        if st.reference_number is not None:
            by_ref.setdefault(st.reference_number, []).append(st)

    def check(name: str, ok: bool, ref: int, want: Any, got: Any) -> None:
        t = tallies.setdefault(f"fact_{name}", Tally())
        if ok:
            t.tp += 1
        else:
            t.fn += 1
            notes.append(f"ref {ref} {name}: expected {want!r}, table row has {got!r}")

    for stmt in statements or []:
        for fact in stmt.get("facts") or []:
            ref = fact.get("ref")
            if ref is None:
                continue  # facts about groups of studies ("refs: [3, 4, 5]") are not per-study
            rows = by_ref.get(int(ref), [])
            protocols = [a.protocol for st in rows for a in st.arms if a.protocol is not None]
            for name, value in fact.items():
                if name == "ref":
                    continue
                values = value if isinstance(value, list) else [value]
                if name in FACT_QUANTITIES:
                    have = [qvalue(q) for p in protocols for q in getattr(p, FACT_QUANTITIES[name])]
                    for v in values:
                        want = parse_gold_quantity(v, name)
                        check(name, any(h is not None and want.matches(h) for h in have), ref, v, [h.text for h in have if h])
                elif name == "relief_duration":
                    have = [qvalue(o.relief_duration) for st in rows for o in st.outcomes + st.secondary_outcomes if o.relief_duration]
                    want = parse_gold_quantity(values[0], name)
                    longest = max(have, key=lambda h: h.numbers[-1]) if have else None
                    check(name, longest is not None and want.matches(longest), ref, values[0], longest.text if longest else None)
                elif name == "sessions":
                    got = [p.sessions for p in protocols]
                    check(name, int(values[0]) in got, ref, values[0], got)
                elif name == "setting":
                    got = [st.setting.id for st in rows if st.setting] + [p.setting.id for p in protocols if p.setting]
                    check(name, values[0] in got, ref, values[0], got)
                elif name in ("adjunct", "adjuncts"):
                    got = {c.drug.id for p in protocols for c in p.coadministrations}
                    for v in values:
                        check("adjunct", v in got, ref, v, sorted(got))
                elif name == "comparator":
                    got = {c.drug.id for st in rows for c in st.comparators if c.drug is not None}
                    got |= {c.kind for st in rows for c in st.comparators}
                    check(name, values[0] in got, ref, values[0], sorted(got))
                elif name == "form":
                    got = {form_key(p.form) for p in protocols}
                    check(name, form_key(values[0]) in got, ref, values[0], sorted(x for x in got if x))
                elif name == "route":
                    adjunct = fact.get("adjunct")
                    if adjunct:  # the route of the adjunct the fact is about
                        got = {c.route for p in protocols for c in p.coadministrations if c.drug.id == adjunct}
                    else:
                        got = {p.route for p in protocols}
                    check(name, values[0] in got, ref, values[0], sorted(x for x in got if x))
                elif name == "outcome":
                    got = {o.measure.id for st in rows for o in st.outcomes + st.secondary_outcomes if o.measure}
                    check(name, values[0] in got, ref, values[0], sorted(got))
                elif name == "side_effects":
                    got = {a.effect.id for st in rows for a in st.adverse_effects if not a.negated}
                    for v in values:
                        check("side_effects", v in got, ref, v, sorted(got))
    return tallies, notes


# --- links -------------------------------------------------------------------------------------

def score_links(links: list[dict[str, Any]], review_frames: Any, corpus_dir: Path,
                extract: Any) -> tuple[dict[str, Tally], list[str]]:
    tallies = {"link": Tally(), "link_conflict": Tally()}
    notes: list[str] = []
    keys_by_ref = {s.reference_number: s for s in review_frames.studies if s.reference_number is not None}
    review_keys = {s.key for s in review_frames.studies}
    for link in links or []:
        if "not_linked" in link:
            for doc in link["not_linked"]:
                try:
                    fr = extract(corpus_dir / doc)
                except Exception as exc:  # noqa: BLE001 - a bad document is a note, not a crash
                    notes.append(f"link: {doc}: {exc}")
                    continue
                shared = {s.key for s in fr.studies} & review_keys
                if shared:
                    tallies["link"].fp += 1
                    notes.append(f"link: {doc} wrongly shares {sorted(shared)} with the review")
            continue
        ref = link.get("reference")
        row = keys_by_ref.get(ref)
        try:
            fr = extract(corpus_dir / link["document"])
        except Exception as exc:  # noqa: BLE001
            tallies["link"].fn += 1
            notes.append(f"link: {link.get('document')}: {exc}")
            continue
        match = [s for s in fr.studies if row is not None and s.key == row.key]
        if match:
            tallies["link"].tp += 1
        else:
            tallies["link"].fn += 1
            notes.append(f"link missed: reference {ref} ({row.key if row else 'no row'}) vs {link['document']} "
                         f"(keys {[s.key for s in fr.studies]})")
        for conflict in link.get("conflicts") or []:
            fname = conflict.get("field")
            attr = {"n": "n"}.get(fname, fname)
            a = getattr(row, attr, None) if row is not None else None
            b = getattr(match[0], attr, None) if match else None
            want_a, want_b = conflict.get("review_table"), conflict.get("document")
            if a == want_a and b == want_b and a != b:
                tallies["link_conflict"].tp += 1
            else:
                tallies["link_conflict"].fn += 1
                notes.append(f"conflict {fname}: expected review {want_a} vs document {want_b}, got {a} vs {b}")
    return tallies, notes


# --- the scorer ----------------------------------------------------------------------------------

def _resolve(gold_path: Path, rel: str) -> Path:
    p = Path(rel)
    if p.is_absolute():
        return p
    for base in (gold_path.parent, gold_path.parent.parent):
        cand = (base / p).resolve()
        if cand.exists():
            return cand
    return (gold_path.parent / p).resolve()


def _extract(path: Path) -> Any:
    from kgraph.extract import extract_document
    from kgraph.parse import read_document

    return extract_document(read_document(path))


def score_review(gold: dict[str, Any], frames: Any, score: Any, extract: Any = None) -> Any:
    """Claims, evidence table and cross-document links of a review gold file into ``score``."""
    extract = extract or _extract
    gold_path = Path(score.gold_file)

    def add(name: str, t: Tally) -> None:
        c = score.counts(name)
        c.tp += t.tp
        c.fp += t.fp
        c.fn += t.fn

    if gold.get("studies"):
        from kgraph.extract.evaluate import score_study_report

        score_study_report(gold, frames, score)
    if gold.get("claims") is not None:
        tallies, notes = score_claims(list(gold["claims"]), list(frames.claims))
        for name, t in tallies.items():
            add(name, t)
        for n in notes:
            score.misses.setdefault("claim", []).append(n)
    table_frames = frames
    if gold.get("table_gold"):
        table_path = _resolve(gold_path, str(gold["table_gold"]))
        table_gold = yaml.safe_load(table_path.read_text(encoding="utf-8"))
        also = gold.get("also_as")
        if also and str(score.document).lower().endswith((".txt", ".md")) and str(also).lower().endswith(".pdf"):
            # a PDF-to-text dump cannot keep a table's cells in place (the seed's is shuffled):
            # the table gold is scored on the typeset PDF of the same review
            table_frames = extract(_resolve(gold_path, str(also)))
            score.warnings.append(f"table scored on {also} (the text dump's table is not cell-aligned)")
        comp = compare_table(list(table_frames.studies), table_gold)
        for c in comp.cells:
            t = Tally()
            if c.status == "right":
                t.tp = 1
            elif c.status == "wrong":
                t.fp, t.fn = 1, 1
            elif c.status == "no_row":
                t.fn = 1
            else:
                continue
            add(f"table_{c.field}", t)
            if c.status != "right":
                score.misses.setdefault(f"table_{c.field}", []).append(f"row {c.row}: {c.gold[:50]!r} -> {c.got[:50]!r}")
        extra_rows = max(0, len(table_frames.studies) - comp.rows_found)
        add("table_rows", Tally(tp=comp.rows_found, fn=comp.rows_gold - comp.rows_found, fp=extra_rows))
        score.warnings.append("table: " + comp.lines()[0])
    if gold.get("body_statements"):
        tallies, notes = score_facts(list(gold["body_statements"]), list(table_frames.studies))
        for name, t in tallies.items():
            add(name, t)
        for n in notes:
            score.misses.setdefault("fact", []).append(n)
    if gold.get("links"):
        corpus_dir = gold_path.parent.parent
        tallies, notes = score_links(list(gold["links"]), frames, corpus_dir, extract)
        for name, t in tallies.items():
            add(name, t)
        for n in notes:
            score.misses.setdefault("link", []).append(n)
    return score
