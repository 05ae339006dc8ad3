"""Score extraction against gold annotations (format: corpus/gold/README.md).

``evaluate_gold_dir(gold_dir)`` finds each gold file's document, extracts it, and
counts true positives, false positives and false negatives per field, micro-averaged
over all documents. Quantities are compared after parsing and normalizing both sides
with kgraph's quantity grammar (relative tolerance 1%).

Scorers are looked up by the gold file's ``kind`` in ``SCORERS``; study reports are
scored by ``score_study_report``, reviews by ``score_review`` (evidence tables and
claims; plugged in by the review extractor). A scorer takes (gold dict, DocumentFrames)
and returns a ``DocScore``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterable

import yaml

from kgraph.errors import InputError
from kgraph.extract.frames import DocumentFrames, Protocol, Quantity, Study

# The study-report fields, in report order.
FIELDS = [
    "drug",
    "condition",
    "adjunct",
    "comparator",
    "dose",
    "rate",
    "duration",
    "sessions",
    "setting",
    "design",
    "n",
    "outcome_measure",
    "relief_duration",
    "side_effect",
    "negation",
]
DOSE_KINDS = ("bolus", "rate", "target_concentration", "total_dose")
REL_TOL = Decimal("0.01")
DOCUMENT_SUFFIXES = (".txt", ".md", ".pdf")


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: "Counts") -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None and r is None:
            return None
        p, r = p or 0.0, r or 0.0
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": _round(self.precision),
            "recall": _round(self.recall),
            "f1": _round(self.f1),
        }


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


@dataclass
class DocScore:
    gold_file: str
    document: str
    kind: str
    fields: dict[str, Counts] = field(default_factory=dict)
    protocols_total: int = 0
    protocols_right: int = 0
    # per field: what was missed and what was wrongly extracted (for debugging gold runs)
    protocol_diffs: list[str] = field(default_factory=list)  # why a gold protocol is not fully right
    misses: dict[str, list[str]] = field(default_factory=dict)
    extras: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None

    def counts(self, name: str) -> Counts:
        return self.fields.setdefault(name, Counts())

    def to_dict(self) -> dict[str, Any]:
        return {
            "gold_file": self.gold_file,
            "document": self.document,
            "kind": self.kind,
            "fields": {k: v.to_dict() for k, v in self.fields.items()},
            "protocols_total": self.protocols_total,
            "protocols_right": self.protocols_right,
            "protocol_diffs": self.protocol_diffs,
            "misses": self.misses,
            "extras": self.extras,
            "warnings": self.warnings,
            "error": self.error,
        }


@dataclass
class EvalReport:
    gold_dir: str
    documents: list[DocScore] = field(default_factory=list)

    @property
    def fields(self) -> dict[str, Counts]:
        total: dict[str, Counts] = {}
        for d in self.documents:
            for name, c in d.fields.items():
                total.setdefault(name, Counts()).add(c)
        ordered = {name: total[name] for name in FIELDS if name in total}
        ordered.update({k: v for k, v in total.items() if k not in ordered})
        return ordered

    @property
    def protocols_total(self) -> int:
        return sum(d.protocols_total for d in self.documents)

    @property
    def protocols_right(self) -> int:
        return sum(d.protocols_right for d in self.documents)

    @property
    def protocols_fully_right(self) -> float | None:
        return self.protocols_right / self.protocols_total if self.protocols_total else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "gold_dir": self.gold_dir,
            "documents_scored": sum(1 for d in self.documents if d.error is None),
            "documents_failed": [{"gold_file": d.gold_file, "error": d.error} for d in self.documents if d.error],
            "fields": {k: v.to_dict() for k, v in self.fields.items()},
            "protocols": {
                "total": self.protocols_total,
                "fully_right": self.protocols_right,
                "share": _round(self.protocols_fully_right),
            },
            "per_document": [d.to_dict() for d in self.documents],
        }


# --- quantities ----------------------------------------------------------------------

# Relief "immediately after / at the end of / only during the infusion" has no number:
# it is scored as 0 h (relief that ends with the infusion).
_END_OF_INFUSION = re.compile(
    r"^(?:(?:only\s+)?(?:during|while)|(?:immediately|right|just)\s+after|(?:at\s+)?(?:the\s+)?end\s+of)\s+(?:the\s+)?infusion$",
    re.I,
)


@dataclass(frozen=True)
class QValue:
    """A quantity reduced to comparable numbers."""

    unit: str | None
    numbers: tuple[Decimal, ...]  # (value,) | (low, high) | (mean,)
    text: str

    def matches(self, other: "QValue") -> bool:
        if self.unit != other.unit or len(self.numbers) != len(other.numbers):
            return False
        return all(_close(a, b) for a, b in zip(self.numbers, other.numbers))


def _close(a: Decimal, b: Decimal) -> bool:
    if a == b:
        return True
    scale = max(abs(a), abs(b))
    return abs(a - b) <= REL_TOL * scale


def qvalue(q: Quantity | None) -> QValue | None:
    """Comparable numbers of a parsed quantity, normalized when the grammar could."""
    if q is None:
        return None
    if q.normalized_unit and (q.normalized_value is not None or q.normalized_low is not None):
        if q.normalized_low is not None and q.normalized_high is not None:
            return QValue(q.normalized_unit, (q.normalized_low, q.normalized_high), q.text)
        if q.normalized_value is not None:
            return QValue(q.normalized_unit, (q.normalized_value,), q.text)
    unit = (q.unit or "").strip().lower() or None
    if q.low is not None and q.high is not None:
        return QValue(unit, (q.low, q.high), q.text)
    if q.mean is not None:
        return QValue(unit, (q.mean,), q.text)
    if q.value is not None:
        return QValue(unit, (q.value,), q.text)
    if q.text and _END_OF_INFUSION.match(q.text.strip()):
        return QValue("h", (Decimal(0),), q.text)
    return QValue(None, (), _norm_text(q.text))


def _norm_text(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip().lower()


def parse_gold_quantity(text: Any, kind: str) -> QValue:
    """Parse a gold quantity string with the same grammar the extractor uses."""
    s = str(text).strip()
    if _END_OF_INFUSION.match(s):
        return QValue("h", (Decimal(0),), s)
    from kgraph.extract import quantities as qmod

    q = _parse_one(qmod, s, kind)
    if q is not None:
        # the slot says what the number is (a total, a rate ...): normalize as that kind,
        # exactly as the extractor does for the quantities it puts in that slot
        frame_kind = _GOLD_KIND.get(kind, kind)
        if q.kind != frame_kind and q.unit:
            from kgraph.extract import units

            q.kind = frame_kind
            q.normalized_unit = q.normalized_value = q.normalized_low = q.normalized_high = None
            try:
                units.normalize(q)
            except Exception:  # noqa: BLE001
                pass
    value = qvalue(q)
    if value is None:
        return QValue(None, (), _norm_text(s))
    return value


_GOLD_KIND = {
    "bolus": "bolus",
    "rate": "rate",
    "target_concentration": "target_concentration",
    "total_dose": "total",
    "infusion_duration": "duration",
    "relief_duration": "relief",
    "adjunct_dose": "dose",
}


def _parse_one(qmod: Any, text: str, kind: str) -> Quantity | None:
    frame_kind = _GOLD_KIND.get(kind, kind)
    parse = getattr(qmod, "parse_quantity", None)
    if callable(parse):
        try:
            q = parse(text, kind=frame_kind)
        except TypeError:
            q = parse(text)
        if q is not None:
            return q
    matches = qmod.find_quantities(text) or []
    best = None
    for m in matches:
        q = getattr(m, "quantity", None) or (m[2] if isinstance(m, tuple) else m)
        if best is None or len(q.text) > len(best.text):
            best = q
    return best


# --- reading gold and documents ------------------------------------------------------

def load_gold(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: cannot read gold file ({exc.__class__.__name__}: {exc})") from exc
    if not isinstance(data, dict):
        raise InputError(f"{path}: gold file must be a mapping with 'kind' and 'studies' or 'claims'")
    return data


def find_document(gold_path: Path, gold: dict[str, Any]) -> Path:
    folder = gold_path.parent.parent
    if gold.get("document"):
        p = (folder / str(gold["document"])).resolve()
        if not p.exists():
            raise InputError(f"{gold_path}: document {gold['document']!r} not found in {folder}")
        return p
    for suffix in DOCUMENT_SUFFIXES:
        p = folder / (gold_path.stem + suffix)
        if p.exists():
            return p
    raise InputError(f"{gold_path}: no document named {gold_path.stem}.txt/.md/.pdf in {folder}")


def gold_files(gold_dir: Path) -> list[Path]:
    if not gold_dir.is_dir():
        raise InputError(f"{gold_dir}: not a folder of gold files")
    files = sorted(p for p in gold_dir.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    if not files:
        raise InputError(f"{gold_dir}: no gold files (*.yaml)")
    return files


# --- field items ---------------------------------------------------------------------

Item = Any


def _match(gold: list[Item], pred: list[Item], same: Callable[[Item, Item], bool]) -> tuple[Counts, list[Item], list[Item]]:
    """Greedy one-to-one matching; returns counts, unmatched gold, unmatched predictions."""
    remaining = list(pred)
    missed = []
    tp = 0
    for g in gold:
        for i, p in enumerate(remaining):
            if same(g, p):
                tp += 1
                del remaining[i]
                break
        else:
            missed.append(g)
    return Counts(tp=tp, fp=len(remaining), fn=len(missed)), missed, remaining


def _eq(a: Any, b: Any) -> bool:
    return a == b


def _q_same(a: tuple[str, QValue], b: tuple[str, QValue]) -> bool:
    return a[0] == b[0] and a[1].matches(b[1])


def _uniq(items: Iterable[Item]) -> list[Item]:
    out: list[Item] = []
    for it in items:
        if it not in out:
            out.append(it)
    return out


def _uniq_q(items: Iterable[tuple[str, QValue]]) -> list[tuple[str, QValue]]:
    out: list[tuple[str, QValue]] = []
    for it in items:
        if not any(_q_same(it, o) for o in out):
            out.append(it)
    return out


def _concept_id(value: Any) -> str | None:
    if value is None:
        return None
    return str(getattr(value, "id", value))


def comparator_key(comp: Any) -> str:
    """Gold writes placebo | active_placebo | a drug id; frames have kind + drug."""
    if isinstance(comp, str):
        return comp
    if comp.kind in ("placebo", "active_placebo", "usual_care", "none"):
        return comp.kind
    if comp.drug is not None:
        return comp.drug.id
    return _norm_text(comp.label).replace(" ", "_")


_FORM_ALIASES = {
    "s(+)-ketamine": "s_ketamine",
    "s-ketamine": "s_ketamine",
    "esketamine": "s_ketamine",
    "s_ketamine": "s_ketamine",
    "r(-)-ketamine": "r_ketamine",
    "r-ketamine": "r_ketamine",
    "arketamine": "r_ketamine",
    "r_ketamine": "r_ketamine",
    "racemic": "racemic",
    "racemic ketamine": "racemic",
}


def form_key(form: str | None) -> str | None:
    if not form:
        return None
    f = _norm_text(form)
    return _FORM_ALIASES.get(f, f.replace(" ", "_"))


def _route_key(route: str | None) -> str | None:
    if not route:
        return None
    r = _norm_text(route)
    return {"iv": "intravenous", "i.v.": "intravenous", "po": "oral", "by mouth": "oral"}.get(r, r.replace(" ", "_"))


@dataclass
class _GoldProtocol:
    drug: str
    form: str | None
    route: str | None
    doses: dict[str, list[QValue]]
    duration: list[QValue]
    sessions: int | None
    adjuncts: list[tuple[str, list[QValue]]]


def _gold_protocol(p: dict[str, Any]) -> _GoldProtocol:
    return _GoldProtocol(
        drug=str(p.get("drug")),
        form=form_key(p.get("form")),
        route=_route_key(p.get("route")),
        doses={k: [parse_gold_quantity(x, k) for x in (p.get(k) or [])] for k in DOSE_KINDS},
        duration=[parse_gold_quantity(x, "infusion_duration") for x in (p.get("infusion_duration") or [])],
        sessions=p.get("sessions"),
        adjuncts=[
            (str(a.get("drug")), [parse_gold_quantity(x, "adjunct_dose") for x in (a.get("doses") or [])])
            for a in (p.get("adjuncts") or [])
        ],
    )


def _pred_protocol(p: Protocol) -> _GoldProtocol:
    return _GoldProtocol(
        drug=p.drug.id,
        form=form_key(p.form),
        route=_route_key(p.route),
        doses={k: _uniq_qv([qvalue(q) for q in getattr(p, k)]) for k in DOSE_KINDS},
        duration=_uniq_qv([qvalue(q) for q in p.infusion_duration]),
        sessions=p.sessions,
        adjuncts=[(c.drug.id, _uniq_qv([qvalue(q) for q in c.doses])) for c in p.coadministrations],
    )


def _uniq_qv(values: Iterable[QValue | None]) -> list[QValue]:
    out: list[QValue] = []
    for v in values:
        if v is not None and not any(v.matches(o) for o in out):
            out.append(v)
    return out


def _same_qlist(a: list[QValue], b: list[QValue]) -> bool:
    if len(a) != len(b):
        return False
    counts, _, _ = _match(a, b, lambda x, y: x.matches(y))
    return counts.fn == 0 and counts.fp == 0


def _protocol_right(g: _GoldProtocol, p: _GoldProtocol) -> bool:
    if g.drug != p.drug or g.form != p.form or g.route != p.route or g.sessions != p.sessions:
        return False
    if not all(_same_qlist(g.doses[k], p.doses[k]) for k in DOSE_KINDS):
        return False
    if not _same_qlist(g.duration, p.duration):
        return False
    if sorted(a for a, _ in g.adjuncts) != sorted(a for a, _ in p.adjuncts):
        return False
    for drug, doses in g.adjuncts:
        if doses and not any(pd == drug and _same_qlist(doses, pq) for pd, pq in p.adjuncts):
            return False
    return True


def _protocol_diff(g: _GoldProtocol, p: _GoldProtocol) -> list[str]:
    out = []
    for name in ("drug", "form", "route", "sessions"):
        if getattr(g, name) != getattr(p, name):
            out.append(f"{name} {getattr(g, name)!r} != {getattr(p, name)!r}")
    for k in DOSE_KINDS:
        if not _same_qlist(g.doses[k], p.doses[k]):
            out.append(f"{k} {[q.text for q in g.doses[k]]} != {[q.text for q in p.doses[k]]}")
    if not _same_qlist(g.duration, p.duration):
        out.append(f"duration {[q.text for q in g.duration]} != {[q.text for q in p.duration]}")
    ga, pa = sorted(a for a, _ in g.adjuncts), sorted(a for a, _ in p.adjuncts)
    if ga != pa:
        out.append(f"adjuncts {ga} != {pa}")
    else:
        for drug, doses in g.adjuncts:
            if doses and not any(pd == drug and _same_qlist(doses, pq) for pd, pq in p.adjuncts):
                out.append(f"adjunct {drug} doses {[q.text for q in doses]} != {[[q.text for q in pq] for pd, pq in p.adjuncts if pd == drug]}")
    return out


def _protocol_similarity(g: _GoldProtocol, p: _GoldProtocol) -> int:
    score = 10 if g.drug == p.drug else 0
    score += sum(1 for k in DOSE_KINDS if _same_qlist(g.doses[k], p.doses[k]))
    score += 2 * int(sorted(a for a, _ in g.adjuncts) == sorted(a for a, _ in p.adjuncts))
    score += int(_same_qlist(g.duration, p.duration)) + int(g.sessions == p.sessions)
    return score


def _study_items(study: Study | dict[str, Any], gold: bool) -> dict[str, list[Item]]:
    """The scored items of one study, gold (dict) or predicted (Study), in one shape."""
    items: dict[str, list[Item]] = {name: [] for name in FIELDS}
    if gold:
        s: dict[str, Any] = study  # type: ignore[assignment]
        protocols = [_gold_protocol(p) for p in (s.get("protocols") or [])]
        items["condition"] = _uniq(str(c) for c in (s.get("conditions") or []))
        items["comparator"] = _uniq(str(c) for c in (s.get("comparators") or []))
        items["setting"] = [str(s["setting"])] if s.get("setting") else []
        items["design"] = [str(s["design"])] if s.get("design") else []
        items["n"] = [int(s["n"])] if s.get("n") is not None else []
        outcomes = s.get("outcomes") or []
        items["outcome_measure"] = _uniq(str(o["measure"]) for o in outcomes if o.get("measure"))
        items["relief_duration"] = _uniq_qv(
            parse_gold_quantity(o["relief_duration"], "relief_duration") for o in outcomes if o.get("relief_duration")
        )
        effects = s.get("side_effects") or []
        items["side_effect"] = _uniq(str(e["effect"]) for e in effects if e.get("effect"))
        items["negation"] = _uniq((str(e["effect"]), bool(e.get("negated", False))) for e in effects if e.get("effect"))
    else:
        st: Study = study  # type: ignore[assignment]
        protocols = [_pred_protocol(a.protocol) for a in st.arms if a.protocol is not None]
        items["condition"] = _uniq(c.id for c in st.conditions)
        comps = list(st.comparators) + [a.comparator for a in st.arms if a.comparator is not None]
        items["comparator"] = _uniq(comparator_key(c) for c in comps)
        items["setting"] = [st.setting.id] if st.setting else []
        items["design"] = [st.design.id] if st.design else []
        items["n"] = [st.n] if st.n is not None else []
        items["outcome_measure"] = _uniq(o.measure.id for o in st.outcomes if o.measure is not None)
        items["relief_duration"] = _uniq_qv(qvalue(o.relief_duration) for o in st.outcomes if o.relief_duration is not None)
        items["side_effect"] = _uniq(a.effect.id for a in st.adverse_effects)
        negation: dict[str, bool] = {}
        for a in st.adverse_effects:
            # a study-level side effect is negated only when every mention is negated
            negation[a.effect.id] = negation.get(a.effect.id, True) and a.negated
        items["negation"] = list(negation.items())
    items["drug"] = _uniq(p.drug for p in protocols)
    items["adjunct"] = _uniq(a for p in protocols for a, _ in p.adjuncts)
    items["dose"] = _uniq_q((k, q) for p in protocols for k in DOSE_KINDS for q in p.doses[k])
    items["rate"] = _uniq_q(("rate", q) for p in protocols for q in p.doses["rate"])
    items["duration"] = _uniq_q(("duration", q) for p in protocols for q in p.duration)
    items["sessions"] = _uniq(p.sessions for p in protocols if p.sessions is not None)
    items["_protocols"] = protocols
    return items


def _show(item: Any) -> str:
    if isinstance(item, QValue):
        return item.text
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], QValue):
        return f"{item[0]}: {item[1].text}"
    return str(item)


def _pair_studies(gold: list[dict[str, Any]], pred: list[Study]) -> list[tuple[dict[str, Any] | None, Study | None]]:
    if len(gold) <= 1 and len(pred) <= 1:
        return [(gold[0] if gold else None, pred[0] if pred else None)]
    pairs: list[tuple[dict[str, Any] | None, Study | None]] = []
    left = list(pred)
    for g in gold:
        best, best_score = None, -1
        for p in left:
            score = 0
            if g.get("label") and p.label and str(g["label"]).split()[0].lower() == p.label.split()[0].lower():
                score += 5
            if g.get("n") is not None and g.get("n") == p.n:
                score += 2
            score += len(set(g.get("conditions") or []) & {c.id for c in p.conditions})
            if score > best_score:
                best, best_score = p, score
        if best is not None:
            left.remove(best)
        pairs.append((g, best))
    pairs.extend((None, p) for p in left)
    return pairs


def score_study_report(gold: dict[str, Any], frames: DocumentFrames, score: DocScore) -> DocScore:
    for g_study, p_study in _pair_studies(list(gold.get("studies") or []), list(frames.studies)):
        g_items = _study_items(g_study, True) if g_study is not None else {n: [] for n in FIELDS + ["_protocols"]}
        p_items = _study_items(p_study, False) if p_study is not None else {n: [] for n in FIELDS + ["_protocols"]}
        for name in FIELDS:
            same = _q_same if name in ("dose", "rate", "duration") else (
                (lambda a, b: a.matches(b)) if name == "relief_duration" else _eq
            )
            counts, missed, extra = _match(g_items[name], p_items[name], same)
            score.counts(name).add(counts)
            if missed:
                score.misses.setdefault(name, []).extend(_show(m) for m in missed)
            if extra:
                score.extras.setdefault(name, []).extend(_show(e) for e in extra)
        # protocols fully right: pair each gold protocol with its most similar prediction
        preds = list(p_items["_protocols"])
        for gp in g_items["_protocols"]:
            score.protocols_total += 1
            if not preds:
                continue
            best = max(preds, key=lambda pp: (_protocol_right(gp, pp), _protocol_similarity(gp, pp)))
            if _protocol_right(gp, best):
                score.protocols_right += 1
            else:
                score.protocol_diffs.append(f"{gp.drug}: " + "; ".join(_protocol_diff(gp, best)))
            preds.remove(best)
    return score


def score_review(gold: dict[str, Any], frames: DocumentFrames, score: DocScore) -> DocScore:
    """Review gold: claims (claim, claim_kind, claim_level, claim_relation, claim_variables,
    claim_references), the evidence table against its table gold (table_<column>, table_rows)
    and cross-document links (link, link_conflict); see kgraph.extract.review_eval."""
    from kgraph.extract.review_eval import score_review as _score_review

    return _score_review(gold, frames, score)


SCORERS: dict[str, Callable[[dict[str, Any], DocumentFrames, DocScore], DocScore]] = {
    "study_report": score_study_report,
    "review": score_review,
}


def register_scorer(kind: str, scorer: Callable[[dict[str, Any], DocumentFrames, DocScore], DocScore]) -> None:
    """Plug in a scorer for another gold ``kind``."""
    SCORERS[kind] = scorer


def score_document(gold_path: Path, extract: Callable[[Path], DocumentFrames] | None = None) -> DocScore:
    gold = load_gold(gold_path)
    kind = str(gold.get("kind") or "study_report")
    doc_path = find_document(gold_path, gold)
    score = DocScore(gold_file=str(gold_path), document=str(doc_path), kind=kind)
    scorer = SCORERS.get(kind)
    if scorer is None:
        raise InputError(f"{gold_path}: unknown gold kind {kind!r} (expected one of {', '.join(SCORERS)})")
    frames = (extract or _extract_path)(doc_path)
    score.warnings.extend(frames.warnings)
    return scorer(gold, frames, score)


def _extract_path(path: Path) -> DocumentFrames:
    from kgraph.extract import extract_document
    from kgraph.parse import read_document

    return extract_document(read_document(path))


def evaluate_gold_dir(gold_dir: Path, extract: Callable[[Path], DocumentFrames] | None = None) -> EvalReport:
    """Score every gold file in ``gold_dir``; a failing document is reported, not fatal."""
    report = EvalReport(gold_dir=str(gold_dir))
    for path in gold_files(gold_dir):
        try:
            report.documents.append(score_document(path, extract))
        except Exception as exc:  # noqa: BLE001 - one bad document never stops the run
            report.documents.append(
                DocScore(gold_file=str(path), document="", kind="?", error=f"{exc.__class__.__name__}: {exc}")
            )
    return report


TARGETS = {
    "drug": 0.95,
    "condition": 0.95,
    "adjunct": 0.95,
    "dose": 0.90,
    "duration": 0.90,
    "setting": 0.90,
    "design": 0.90,
    "n": 0.90,
    "relief_duration": 0.85,
    "side_effect": 0.85,
    "negation": 0.85,
}
PROTOCOL_TARGET = 0.75


def render_table(report: EvalReport, console: Any = None) -> None:
    """Print the report as a rich table."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    table = Table(title=f"kgraph eval {report.gold_dir}")
    for col in ("field", "tp", "fp", "fn", "precision", "recall", "F1", "target"):
        table.add_column(col, justify="left" if col == "field" else "right")

    def fmt(x: float | None) -> str:
        return "-" if x is None else f"{x:.3f}"

    for name, c in report.fields.items():
        target = TARGETS.get(name)
        f1 = c.f1
        style = None
        if target is not None and f1 is not None:
            style = "green" if f1 >= target else "red"
        table.add_row(
            name, str(c.tp), str(c.fp), str(c.fn), fmt(c.precision), fmt(c.recall),
            fmt(f1), "" if target is None else f"{target:.2f}", style=style,
        )
    share = report.protocols_fully_right
    table.add_row(
        "protocols fully right", str(report.protocols_right), "", str(report.protocols_total - report.protocols_right),
        "", "", fmt(share), f"{PROTOCOL_TARGET:.2f}",
        style=None if share is None else ("green" if share >= PROTOCOL_TARGET else "red"),
    )
    console.print(table)
    for d in report.documents:
        if d.error:
            console.print(f"[red]failed[/red] {d.gold_file}: {d.error}")
