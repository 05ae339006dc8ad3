"""Quantity grammar: time and dose phrasings from trial reports (relief time points,
number words, treatment lengths, titrations on two time bases, weight bases)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from kgraph.extract.quantities import (
    apply_weight_basis,
    find_quantities,
    find_titrations,
    titration_range,
    weight_basis_statement,
)


def times(text: str) -> list[tuple[str, D, str]]:
    return [(m.kind, m.quantity.value, m.quantity.unit) for m in find_quantities(text) if m.quantity.unit in ("h", "d", "wk", "mo", "yr")]


def test_time_points_with_and_without_effect():
    got = times("Ketamine was better than placebo at 2 weeks but not at 3 and 4 weeks.")
    assert [(v, u) for _, v, u in got] == [(D(2), "wk"), (D(3), "wk"), (D(4), "wk")]


@pytest.mark.parametrize("text", [
    "Pain scores were lower at each visit up to and including week 8, not at week 12.",
    "Relief was significant at all visits including Week 8.",
])
def test_unit_first_time_point_after_including(text):
    assert ("time_point", D(8), "wk") in times(text)


def test_at_least_n_months_is_a_minimum():
    (m,) = find_quantities("relief lasting at least 3 months")
    assert (m.kind, m.quantity.value, m.quantity.unit, m.quantity.qualifier) == ("relief", D(3), "mo", "minimum")


@pytest.mark.parametrize("text, value, unit", [
    ("relief lasting up to two weeks", D(2), "wk"),
    ("pain was reduced for three months", D(3), "mo"),
    ("the effect persisted for twenty-one days", D(21), "d"),
])
def test_number_words_with_time_units(text, value, unit):
    assert [(v, u) for _, v, u in times(text)] == [(value, unit)]


def test_treatment_that_lasted_is_a_duration_not_relief():
    (m,) = find_quantities("The infusion lasted a median of 14 h (range 6-31 h).")
    q = m.quantity
    assert m.kind == "duration"
    assert (q.value, q.low, q.high, q.unit) == (D(14), D(6), D(31), "h")


def test_treatment_that_lasted_with_range_apart():
    ms = find_quantities("Infusions lasted 14 h on average (range 6-31 h).")
    assert [(m.kind, m.quantity.value, m.quantity.low, m.quantity.high) for m in ms] == [
        ("duration", D(14), None, None), ("duration", None, D(6), D(31))]


@pytest.mark.parametrize("text", [
    "Pain relief after the infusion lasted 3 weeks.",
    "The analgesic effect of the infusion lasted 3 weeks.",
    "Relief lasted 3 weeks.",
])
def test_relief_that_lasted_stays_relief(text):
    assert [m.kind for m in find_quantities(text)] == ["relief"]


def test_titration_on_two_time_bases_stays_start_and_maximum():
    text = "Ketamine was started at 100 mg/24 hr and increased as needed, not exceeding 25 mg/h."
    ms = find_quantities(text)
    assert [(m.text, m.role) for m in ms] == [("100 mg/24 hr", "start"), ("not exceeding 25 mg/h", "maximum")]
    start, top = ms[0].quantity, ms[1].quantity
    assert start.normalized_value == D("4.16666666667") and start.normalized_unit == "mg/h"
    assert top.normalized_value == D(25)
    assert all(m.quantity.low is None for m in ms)
    # the assembly asks before merging start and maximum into one range
    assert titration_range(start, top) is None


def test_titration_range_in_one_unit():
    (t,) = find_titrations(find_quantities("started at 10 mg/h and increased by 5 mg/h to a maximum of 40 mg/h"))
    r = titration_range(t.start, t.maximum)
    assert (r.low, r.high, r.unit, r.normalized_low, r.normalized_high) == (D(10), D(40), "mg/h", D(10), D(40))


@pytest.mark.parametrize("text, values, unit", [
    ("The rate was tapered from 40 to 10 mg/h.", [D(40), D(10)], "mg/h"),
    ("Doses were reduced from 20 mg to 10 mg.", [D(20), D(10)], "mg"),
    ("It ran at 100 - 25 mg/h.", [D(100), D(25)], "mg/h"),
])
def test_no_range_runs_downwards(text, values, unit):
    ms = find_quantities(text)
    assert [m.quantity.value for m in ms] == values
    assert all(m.quantity.unit == unit and m.quantity.low is None for m in ms)


def test_mixed_unit_range_upwards_is_kept():
    (m,) = find_quantities("100 mg/24 h to 25 mg/h")
    assert (m.quantity.normalized_low, m.quantity.normalized_high) == (D("4.16666666667"), D(25))


@pytest.mark.parametrize("text", ["a bolus of about 8 mg/kg", "approximately 8 mg/kg", "ca. 8 mg/kg", "~8 mg/kg", "circa 8 mg/kg"])
def test_approximate_amounts(text):
    (m,) = find_quantities(text)
    assert (m.quantity.value, m.quantity.unit, m.quantity.qualifier) == (D(8), "mg/kg", "approximately")
    assert m.text.endswith("8 mg/kg") and m.text != "8 mg/kg"


def test_abbreviation_period_does_not_end_the_clause_but_a_sentence_does():
    assert find_quantities("max. 25 mg/h")[0].quantity.qualifier == "maximum"
    ms = find_quantities("The dose was 8 mg/kg. 5 patients had nausea.")
    assert [(m.kind, m.role) for m in ms] == [("dose", None), ("count", "events")]


@pytest.mark.parametrize("sentence", [
    "All rates are expressed per 70 kg body weight.",
    "Doses were normalized to a 70-kg patient.",
    "Infusion rates are given for a 70 kg adult.",
])
def test_weight_basis_statement(sentence):
    assert weight_basis_statement(sentence) == 70


@pytest.mark.parametrize("sentence", ["Patients weighed 70 kg on average.", "The rate was 2 mg/h per 70 kg."])
def test_no_weight_basis_statement(sentence):
    assert weight_basis_statement(sentence) is None


def test_apply_weight_basis_to_absolute_rate():
    (m,) = find_quantities("The rate was titrated from 2 to 20 mg/h.")
    q = apply_weight_basis(m.quantity, 70)
    assert (q.unit, q.low, q.high, q.per_70kg, q.normalized_unit) == ("mg/h/70kg", D(2), D(20), True, "mg/kg/h")
    assert q.normalized_low == D("0.0285714285714")
    assert m.quantity.unit == "mg/h"  # the original is untouched


@pytest.mark.parametrize("text", ["0.5 mg/kg/h", "40 min", "50 ng/mL", "1000 mg per 70 kg"])
def test_apply_weight_basis_leaves_other_amounts(text):
    (m,) = find_quantities(text)
    assert apply_weight_basis(m.quantity, 70) is m.quantity


@pytest.mark.parametrize("text", ["on alternate days", "infused on alternate days for 3 days", "alternate-day infusions"])
def test_alternate_days(text):
    ivs = [m for m in find_quantities(text) if m.kind == "interval"]
    assert [(m.quantity.value, m.quantity.unit, m.label) for m in ivs] == [(D(2), "d", "every other day")]


@pytest.mark.parametrize("text, low, high", [
    ("0.1\u00a0\u2013\u00a00.5 mg/kg/h", D("0.1"), D("0.5")),
    ("0.1  to  0.5 mg/kg/h", D("0.1"), D("0.5")),
    ("between 0.1 and 0.5 mg/kg/h", D("0.1"), D("0.5")),
])
def test_ranges_with_spaces_around_the_separator(text, low, high):
    (m,) = find_quantities(text)
    assert (m.quantity.low, m.quantity.high) == (low, high)


def test_bare_numbers_cost_nothing_and_yield_nothing():
    text = "In 2019 (ref. 12) 3 of the 4 sites [5, 6] reported p < 0.05; see 7."
    assert [m.role for m in find_quantities(text)] == []
