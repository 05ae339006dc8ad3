"""The same facts, worded in different ways, must still be extracted.

Each case is a short report written for this test: a title, then an abstract whose
methods and results sentences are reworded variants. No sentence is copied from the
corpus or the seed review; the rules must be general."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kgraph.extract import extract_document
from kgraph.parse.model import Document

TITLE = "Intravenous Ketamine for Painful Diabetic Neuropathy: A Randomized Trial"


def extract(methods: str, results: str = "Pain improved.", title: str = TITLE):
    text = f"{title}\n\nAbstract\n\nMethods: {methods}\n\nResults: {results}\n"
    frames = extract_document(Document(source="reworded.txt", sha256="1" * 64, text=text))
    assert frames.studies, frames.warnings
    return frames.studies[0]


def protocol(study):
    return next(a.protocol for a in study.arms if a.protocol is not None)


@pytest.mark.parametrize(
    "methods",
    [
        "Thirty-two adults were randomized to ketamine 0.2 mg/kg/h or saline; each patient was premedicated with midazolam 1 mg.",
        "Thirty-two adults were randomized to ketamine (0.2 mg/kg/h) or saline, and midazolam 1 mg was given before every infusion.",
        "Thirty-two adults received ketamine 0.2 mg/kg/h together with midazolam 1 mg, or saline.",
        "Thirty-two adults were randomized to ketamine 0.2 mg/kg/h or saline; midazolam 1 mg was added to reduce dysphoria.",
    ],
)
def test_adjunct_is_found_however_it_is_introduced(methods):
    study = extract(methods)
    p = protocol(study)
    assert [c.drug.id for c in p.coadministrations] == ["midazolam"]
    assert [q.value for q in p.coadministrations[0].doses] == [Decimal(1)]
    assert [c.kind for c in study.comparators] == ["placebo"]
    assert study.n == 32


@pytest.mark.parametrize(
    "methods",
    [
        "Twenty patients received ketamine 0.5 mg/kg or lidocaine 2 mg/kg, each over 40 minutes.",
        "Twenty patients were randomly assigned to ketamine 0.5 mg/kg versus lidocaine 2 mg/kg, infused over 40 minutes.",
        "Twenty patients were given either ketamine 0.5 mg/kg or lidocaine 2 mg/kg over 40 minutes.",
        "Ketamine 0.5 mg/kg was compared with lidocaine 2 mg/kg, each infused over 40 minutes, in 20 patients.",
    ],
)
def test_active_comparator_is_not_an_adjunct(methods):
    study = extract(methods)
    p = protocol(study)
    assert p.coadministrations == []
    comps = {c.drug.id: c for c in study.comparators if c.drug}
    assert set(comps) == {"lidocaine"} and comps["lidocaine"].kind == "active"
    assert [q.normalized_value for q in p.total_dose] == [Decimal("35")]  # 0.5 mg/kg -> mg per 70 kg
    assert [q.normalized_value for q in p.infusion_duration] == [Decimal(40) / Decimal(60)] or [
        str(q.normalized_value)[:5] for q in p.infusion_duration] == ["0.666"]
    assert study.n == 20


@pytest.mark.parametrize(
    "results, hours",
    [
        ("Pain relief lasted about 5 hours.", 5),
        ("The reduction in pain persisted for 5 hours after the infusion.", 5),
        ("Pain was lower than with placebo at 1 and 5 hours (P < 0.05) but not at 24 hours.", 5),
        ("Relief was still present at 5 h; by 24 h it had disappeared.", 5),
        ("Compared with placebo, pain scores stayed significantly lower through week 3, but no difference remained at week 6.", 3 * 168),
    ],
)
def test_relief_duration_wordings(results, hours):
    study = extract("Twenty patients received ketamine 0.5 mg/kg over 40 minutes or placebo.", results)
    relief = [o.relief_duration for o in study.outcomes if o.relief_duration is not None]
    assert relief and max(q.normalized_value for q in relief) == Decimal(hours)


@pytest.mark.parametrize(
    "results, effect",
    [
        ("Hallucinations did not occur.", "hallucination"),
        ("No hallucinations were reported in either group.", "hallucination"),
        ("None of the participants vomited.", "vomiting"),
        ("There were no episodes of hypotension.", "hypotension"),
        ("No subject developed nystagmus.", "nystagmus"),
    ],
)
def test_negated_side_effects(results, effect):
    study = extract("Twenty patients received ketamine 0.5 mg/kg over 40 minutes or placebo.", results)
    effects = {a.effect.id: a for a in study.adverse_effects}
    assert effect in effects and effects[effect].negated


@pytest.mark.parametrize(
    "methods",
    [
        "Fourteen patients received ketamine started at 5 mg/h and increased by 5 mg/h every 8 hours to a maximum of 30 mg/h.",
        "In 14 patients the ketamine rate began at 5 mg/h and was raised in steps of 5 mg/h up to 30 mg/h.",
        "Fourteen patients were given ketamine titrated from 5 to 30 mg/h.",
    ],
)
def test_titration_is_one_range(methods):
    p = protocol(extract(methods))
    assert [(q.normalized_low, q.normalized_high) for q in p.rate] == [(Decimal(5), Decimal(30))]


@pytest.mark.parametrize(
    "methods, sessions",
    [
        ("Eight patients received six daily 3-hour ketamine infusions at 0.3 mg/kg/h.", 6),
        ("Eight patients received ketamine 0.3 mg/kg/h for 3 hours on days 1, 3, 5 and 7.", 4),
        ("Eight patients received ketamine 0.3 mg/kg/h for 3 hours once daily for 6 days.", 6),
        ("Eight patients received a single 3-hour infusion of ketamine at 0.3 mg/kg/h.", 1),
    ],
)
def test_sessions_wordings(methods, sessions):
    p = protocol(extract(methods))
    assert p.sessions == sessions
    assert [q.normalized_value for q in p.infusion_duration] == [Decimal(3)]


@pytest.mark.parametrize(
    "methods",
    [
        "Sixteen patients received ketamine; the total dose averaged 700 mg when normalized to a 70-kg patient.",
        "Sixteen patients received ketamine, a cumulative dose of 700 mg per 70 kg.",
        "Sixteen patients received ketamine 10 mg/kg in total.",
    ],
)
def test_total_dose_per_70_kg(methods):
    p = protocol(extract(methods))
    assert [(q.normalized_value, q.normalized_unit) for q in p.total_dose] == [(Decimal(700), "mg/70kg")]


def test_route_is_never_invented():
    title = "Ketamine for Painful Diabetic Neuropathy: A Randomized Trial"
    p = protocol(extract("Sixteen patients received ketamine 0.5 mg/kg or saline over 40 minutes.", title=title))
    assert p.route is None
    p2 = protocol(extract("Sixteen patients received subcutaneous ketamine 0.5 mg/kg or saline over 40 minutes.", title=title))
    assert p2.route == "subcutaneous"
    p3 = protocol(extract("Sixteen patients received ketamine 0.5 mg/kg or saline over 40 minutes."))  # title: intravenous
    assert p3.route == "intravenous"


def test_sample_size_from_groups_and_ignoring_screened():
    study = extract("Of 90 patients screened, 40 were randomized to ketamine 0.5 mg/kg or placebo over 40 minutes.")
    assert study.n == 40
    study = extract("Patients were randomized to ketamine 0.5 mg/kg or placebo over 40 minutes (n = 15 per group).")
    assert study.n == 30
