"""The records the extractor emits and the RDF stage consumes.

These are plain dataclasses with a stable JSON form (``to_dict``/``from_dict``),
printed by ``kgraph extract --format json``. Field names are part of the public
schema: add fields, never rename them.

Every fact carries ``evidence``: where it was read (document, page, box,
character offsets, the sentence or table cell, the extractor).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, get_args, get_origin, get_type_hints

SCHEMA_VERSION = "1"


@dataclass
class Evidence:
    """Where a fact was read."""

    text: str  # the sentence or table cell
    start: int  # character offsets into Document.text
    end: int
    page: int | None = None
    bbox: tuple[float, float, float, float] | None = None
    section: str | None = None
    table: str | None = None  # table id when read from a table cell
    row: int | None = None
    col: int | None = None
    extractor: str = "kgraph"


@dataclass
class Concept:
    """A vocabulary concept: ``id`` is the concept's local name in its scheme
    (e.g. "ketamine" in scheme "drugs"), or a public id such as "drugbank:DB01221"
    for terms found only in the broad lexicons."""

    id: str
    label: str
    scheme: str  # drugs | conditions | outcomes | adverse_effects | settings | designs


@dataclass
class Quantity:
    """A number with a unit as written, and normalized.

    A single value sets ``value``; a range sets ``low`` and ``high``; a spread sets
    ``mean`` and ``sd``. ``qualifier`` keeps "up to", "maximum", "approximately".
    ``normalized_*`` are in ``normalized_unit`` (mg/kg/h for rates, mg per 70 kg
    for total doses, h for durations). Unparseable quantities keep ``text`` only.
    """

    text: str
    kind: str  # bolus | rate | total | target_concentration | dose | duration | follow_up | relief | count | percent
    #           | interval | course | time_point | age | disease_duration | concentration | weight | bmi | unknown
    unit: str | None = None
    value: Decimal | None = None
    low: Decimal | None = None
    high: Decimal | None = None
    mean: Decimal | None = None
    sd: Decimal | None = None
    qualifier: str | None = None  # up_to | maximum | minimum | approximately
    normalized_unit: str | None = None
    normalized_value: Decimal | None = None
    normalized_low: Decimal | None = None
    normalized_high: Decimal | None = None
    per_weight: bool = False  # dose per kg body weight
    per_70kg: bool = False  # dose stated per 70 kg
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class Titration:
    """Start, step and maximum of a titrated rate."""

    text: str
    start: Quantity | None = None
    step: Quantity | None = None
    maximum: Quantity | None = None
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class Coadministration:
    """An adjunct drug given with the protocol's drug, with its own doses."""

    drug: Concept
    doses: list[Quantity] = field(default_factory=list)
    purpose: str | None = None  # e.g. "reduce psychomimetic effects"
    route: str | None = None
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class Comparator:
    """What an arm was compared against: placebo, active placebo, another drug."""

    label: str
    kind: str  # placebo | active_placebo | active | usual_care | none
    drug: Concept | None = None
    doses: list[Quantity] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class Protocol:
    """One way of giving the drug in one arm."""

    drug: Concept
    form: str | None = None  # racemic | S(+)-ketamine | R(-)-ketamine ...
    route: str | None = None  # intravenous | oral | intranasal | subcutaneous ...
    bolus: list[Quantity] = field(default_factory=list)
    rate: list[Quantity] = field(default_factory=list)
    titration: Titration | None = None
    target_concentration: list[Quantity] = field(default_factory=list)
    total_dose: list[Quantity] = field(default_factory=list)
    infusion_duration: list[Quantity] = field(default_factory=list)
    sessions: int | None = None
    schedule: str | None = None  # e.g. "daily", "every other day"
    setting: Concept | None = None
    coadministrations: list[Coadministration] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class Arm:
    label: str
    protocol: Protocol | None = None
    comparator: Comparator | None = None
    n: int | None = None
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class Outcome:
    measure: Concept | None
    text: str  # the finding as stated
    direction: str | None = None  # improved | worsened | no_change | not_significant
    size: str | None = None  # effect size as written
    time_point: Quantity | None = None
    relief_duration: Quantity | None = None  # how long relief lasted, normalized to hours
    primary: bool | None = None
    evidence: list[Evidence] = field(default_factory=list)
    arm: str | None = None  # the arm's label when the finding belongs to one arm (e.g. a combination arm)


@dataclass
class AdverseEffect:
    effect: Concept
    negated: bool = False  # "No patient experienced hallucinations"
    hedged: bool = False  # "may have caused"
    incidence: Quantity | None = None  # count or percent when stated
    arm: str | None = None
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class Study:
    """A study as one document (or one table row of a review) describes it."""

    key: str  # stable key: DOI, PMID, or normalized first-author + year (+ part)
    label: str  # e.g. "Sigtermans 2009"
    design: Concept | None = None
    n: int | None = None
    n_text: str | None = None
    evidence_level: int | None = None  # Oxford CEBM 1..5
    setting: Concept | None = None
    conditions: list[Concept] = field(default_factory=list)
    arms: list[Arm] = field(default_factory=list)
    comparators: list[Comparator] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    adverse_effects: list[AdverseEffect] = field(default_factory=list)
    secondary_outcomes: list[Outcome] = field(default_factory=list)
    reference_number: int | None = None  # the review's reference number for this study
    first_author: str | None = None
    year: int | None = None
    title: str | None = None
    doi: str | None = None
    pmid: str | None = None
    part: str | None = None  # "Part 1" when a paper reports two studies
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class Claim:
    """A review's conclusion, its evidence level and the studies behind it."""

    statement: str
    evidence_level: int | None = None
    cited_references: list[int] = field(default_factory=list)
    cited_studies: list[str] = field(default_factory=list)  # Study.key of cited studies
    variables: list[str] = field(default_factory=list)  # e.g. ["infusion_duration", "relief_duration"]
    relation: str | None = None  # positive | negative | none
    kind: str = "conclusion"  # conclusion | recommendation
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class DocumentFrames:
    """Everything extracted from one document."""

    doc_key: str  # stable key of the document (DOI, PMID, or author-year-title)
    source: str
    sha256: str
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    doi: str | None = None
    pmid: str | None = None
    kind: str = "study_report"  # study_report | review
    studies: list[Study] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    schema_version: str = SCHEMA_VERSION
    extractor_version: str = ""

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "DocumentFrames":
        return from_jsonable(cls, data)


# --- JSON form -------------------------------------------------------------
# Decimals are written as strings so no precision is lost ("0.15", not 0.15000000001).

def to_jsonable(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Decimal):
        return str(obj)
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, dict):
        return {k: to_jsonable(v) for k, v in obj.items()}
    return obj


def from_jsonable(tp: Any, data: Any) -> Any:
    if data is None:
        return None
    origin = get_origin(tp)
    if origin in (list, tuple):
        (inner, *_) = get_args(tp) or (Any,)
        if origin is tuple:
            return tuple(data)
        return [from_jsonable(inner, v) for v in data]
    args = [a for a in get_args(tp) if a is not type(None)]
    if args and origin is not None and not dataclasses.is_dataclass(tp):
        # Optional[X] / X | None
        return from_jsonable(args[0], data)
    if dataclasses.is_dataclass(tp):
        hints = get_type_hints(tp)
        kwargs = {f.name: from_jsonable(hints[f.name], data[f.name]) for f in dataclasses.fields(tp) if f.name in data}
        return tp(**kwargs)
    if tp is Decimal:
        return Decimal(str(data))
    return data
