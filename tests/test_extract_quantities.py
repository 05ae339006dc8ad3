"""Quantity grammar and unit normalization: each form the literature uses, and each trap."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from kgraph.extract.frames import Quantity
from kgraph.extract.quantities import find_quantities, find_schedules, find_titrations
from kgraph.extract.units import conversion, normalize, normalized_sd, parse_unit, spec_from_canonical


def only(text: str, **kw):
    """The single quantity in text (optionally the one of a given kind)."""
    ms = [m for m in find_quantities(text) if all(getattr(m.quantity, k) == v for k, v in kw.items())]
    assert len(ms) == 1, [(m.text, m.kind) for m in find_quantities(text)]
    return ms[0]


def kinds(text: str) -> list[tuple[str, str]]:
    return [(m.text, m.kind) for m in find_quantities(text)]


# --- units: every spelling ------------------------------------------------------------


@pytest.mark.parametrize(
    "written, canonical",
    [
        ("mg", "mg"),
        ("µg", "µg"),  # U+00B5 micro sign
        ("μg", "µg"),  # U+03BC Greek mu
        ("ug", "µg"),
        ("mcg", "µg"),
        ("micrograms", "µg"),
        ("ng/mL", "ng/mL"),
        ("IU", "IU"),
        ("IE", "IU"),
        ("mg/kg", "mg/kg"),
        ("µg/kg", "µg/kg"),
        ("mg/h", "mg/h"),
        ("mg/kg/h", "mg/kg/h"),
        ("mg/ kg/h", "mg/kg/h"),
        ("µg/kg/h", "µg/kg/h"),
        ("µg/kg/min", "µg/kg/min"),
        ("mcg/kg/hr", "µg/kg/h"),
        ("micrograms/kg/min", "µg/kg/min"),
        ("micrograms per kilogram per minute", "µg/kg/min"),
        ("mg/d", "mg/d"),
        ("mg kg(-1)", "mg/kg"),
        ("mg.kg-1.h-1", "mg/kg/h"),
        ("mg·kg⁻¹·h⁻¹", "mg/kg/h"),
        ("mg kg−1 h−1", "mg/kg/h"),
        ("μg kg^-1 min^-1", "µg/kg/min"),
        ("mg/(kg·h)", "mg/kg/h"),
        ("mg/h/70 kg", "mg/h/70kg"),
        ("mg/h per 70 kg", "mg/h/70kg"),
        ("mg per 70 kg", "mg/70kg"),
        ("mg/24 hr", "mg/24h"),
        ("mg/kg body weight", "mg/kg"),
        ("mg/m²", "mg/m2"),
    ],
)
def test_unit_spellings(written, canonical):
    p = parse_unit(written)
    assert p is not None and p.spec is not None, written
    assert p.spec.canonical == canonical
    assert p.end == len(written)


def test_unit_not_magnesium_or_word():
    assert parse_unit("MgSO4") is None
    assert parse_unit("mgSO4") is None
    assert parse_unit("patients") is None


def test_unreadable_unit_is_flagged():
    p = parse_unit("µg/ spin/e")
    assert p is not None and p.spec is None and p.warnings


def test_slash_between_two_doses_is_not_a_unit():
    p = parse_unit("mg/50 mg")
    assert p.spec.canonical == "mg" and p.end == 2


@pytest.mark.parametrize(
    "unit, kind, target, factor",
    [
        ("µg/kg/min", "rate", "mg/kg/h", D("0.06")),
        ("µg/kg/h", "rate", "mg/kg/h", D("0.001")),
        ("mg/h/70kg", "rate", "mg/kg/h", None),  # 1/70
        ("mg/kg/h", "rate", "mg/kg/h", D(1)),
        ("mg/h", "rate", "mg/h", D(1)),
        ("mg/kg", "total", "mg/70kg", D(70)),
        ("µg/kg", "total", "mg/70kg", D("0.07")),
        ("mg/70kg", "total", "mg/70kg", D(1)),
        ("mg", "total", "mg", D(1)),
        ("µg/kg", "bolus", "mg/kg", D("0.001")),
        ("mg", "bolus", "mg", D(1)),
        ("µg/mL", "target_concentration", "ng/mL", D(1000)),
        ("ng/mL", "target_concentration", "ng/mL", D(1)),
        ("min", "duration", "h", None),
        ("wk", "duration", "h", D(168)),
        ("mo", "relief", "h", D("730.5")),
        ("d", "follow_up", "h", D(24)),
        ("yr", "duration", "h", D(8766)),
        ("IU/kg", "bolus", "IU/kg", D(1)),
    ],
)
def test_conversion_factors(unit, kind, target, factor):
    unit_out, f = conversion(unit, kind)
    assert unit_out == target
    if factor is not None:
        assert D(f.numerator) / D(f.denominator) == factor


def test_canonical_round_trip():
    for unit in ["mg/kg/h", "µg/kg/min", "mg/h/70kg", "mg/24h", "ng/mL", "mg/70kg", "h"]:
        assert spec_from_canonical(unit).canonical == unit


def test_normalize_is_exact_decimal():
    q = normalize(Quantity(text="6 µg/kg/min", kind="rate", unit="µg/kg/min", value=D("6")))
    assert q.normalized_value == D("0.36") and str(q.normalized_value) == "0.36"
    q = normalize(Quantity(text="0.3 mg/kg", kind="total", unit="mg/kg", value=D("0.3")))
    assert str(q.normalized_value) == "21"
    q = normalize(Quantity(text="100 mg", kind="total", unit="mg", value=D("100")))
    assert str(q.normalized_value) == "100"  # never 1E+2


def test_non_terminating_result_is_rounded_not_float():
    q = normalize(Quantity(text="10 min", kind="duration", unit="min", value=D(10)))
    assert q.normalized_value == D("0.166666666667")


# --- doses, rates, totals, boluses -----------------------------------------------------------


def test_rate_range_en_dash():
    m = only("Ketamine was infused at 0.1–0.5 mg/kg/h.")
    q = m.quantity
    assert (q.kind, q.unit, q.low, q.high) == ("rate", "mg/kg/h", D("0.1"), D("0.5"))
    assert (q.normalized_low, q.normalized_high, q.normalized_unit) == (D("0.1"), D("0.5"), "mg/kg/h")
    assert q.per_weight and m.text == "0.1–0.5 mg/kg/h"


@pytest.mark.parametrize("written", ["0.1 to 0.5 mg/kg/h", "0.1-0.5 mg/kg/h", "0.1 - 0.5 mg/kg/h",
                                     "between 0.1 and 0.5 mg/kg/h", "from 0.1 to 0.5 mg/kg/h",
                                     "0.1 mg/kg/h to 0.5 mg/kg/h"])
def test_range_forms(written):
    q = only(f"A rate of {written} was used.").quantity
    assert (q.low, q.high, q.unit) == (D("0.1"), D("0.5"), "mg/kg/h")


def test_mixed_unit_range_is_converted():
    q = only("a dose between 6 μg/kg and 0.4 mg/kg over 17 min", kind="dose").quantity
    assert (q.low, q.high, q.unit) == (D("0.006"), D("0.4"), "mg/kg")


def test_mean_sd_per_70_kg():
    m = only("S(+)-ketamine 22.2 ± 2.0 mg/h/70 kg at the end of infusion.")
    q = m.quantity
    assert (q.mean, q.sd, q.unit, q.kind) == (D("22.2"), D("2.0"), "mg/h/70kg", "rate")
    assert q.per_70kg and not q.per_weight
    assert q.normalized_unit == "mg/kg/h"
    assert q.normalized_value == D("0.317142857143")  # 22.2 / 70
    assert normalized_sd(q) == D("0.0285714285714")


@pytest.mark.parametrize("written", ["22.2 (SD 2.0) mg/h", "22.2 mg/h (SD 2.0)", "22.2 mg/h ± 2.0 mg/h", "22.2 +/- 2.0 mg/h"])
def test_mean_sd_forms(written):
    q = only(f"The mean rate was {written}.").quantity
    assert (q.mean, q.sd, q.unit) == (D("22.2"), D("2.0"), "mg/h")


def test_bolus_microgram_spellings():
    for mu in ("µ", "μ"):
        m = only(f"A bolus of 60 {mu}g/kg over 5 min", kind="bolus")
        assert m.quantity.unit == "µg/kg"
        assert (m.quantity.normalized_value, m.quantity.normalized_unit) == (D("0.06"), "mg/kg")


def test_rate_microgram_per_minute():
    q = only("followed by an infusion of 6 mcg/kg/min", kind="rate").quantity
    assert q.normalized_value == D("0.36")


def test_total_dose_per_kg_to_70kg():
    q = only("a total dose of 0.4 mg/kg ketamine", kind="total").quantity
    assert (q.normalized_value, q.normalized_unit) == (D("28"), "mg/70kg")


def test_total_absolute_kept_absolute():
    q = only("The cumulative dose was 1000 mg.", kind="total").quantity
    assert (q.normalized_value, q.normalized_unit) == (D("1000"), "mg")
    assert not q.per_weight and not q.per_70kg


def test_total_normalized_to_70kg_patient():
    q = only("doses ranging from 324 to 6800 mg normalized to a 70-kg patient").quantity
    assert (q.low, q.high, q.unit, q.per_70kg) == (D(324), D(6800), "mg/70kg", True)


def test_per_70kg_phrase():
    q = only("cumulative dose about 1000 mg per 70 kg", kind="total").quantity
    assert (q.unit, q.qualifier, q.normalized_value) == ("mg/70kg", "approximately", D(1000))


@pytest.mark.parametrize(
    "written, unit, value",
    [
        ("0.3 mg.kg-1.h-1", "mg/kg/h", D("0.3")),
        ("5 mg·kg⁻¹·h⁻¹", "mg/kg/h", D("5")),
        ("2 mg kg−1 h−1", "mg/kg/h", D("2")),
        ("0.5 mg kg(-1) h(-1)", "mg/kg/h", D("0.5")),
        ("100 mg/24 hr", "mg/24h", D("100")),
        ("120 μg/kg/h", "µg/kg/h", D("120")),
    ],
)
def test_compound_rate_spellings(written, unit, value):
    q = only(f"ketamine {written} was infused").quantity
    assert (q.kind, q.unit, q.value) == ("rate", unit, value)


def test_per_24h_rate_normalizes_per_hour():
    q = only("ketamine 100 mg/24 hr").quantity
    assert (q.normalized_value, q.normalized_unit) == (D("4.16666666667"), "mg/h")


def test_iu_and_ie():
    assert only("calcitonin 200 IU").quantity.unit == "IU"
    assert only("Calcitonin 200 IE").quantity.unit == "IU"


def test_target_concentration_list():
    ms = find_quantities("Target plasma levels of 50, 100, and 150 ng/mL were used.")
    assert [m.quantity.value for m in ms] == [D(50), D(100), D(150)]
    assert {m.kind for m in ms} == {"target_concentration"}
    assert {m.quantity.normalized_unit for m in ms} == {"ng/mL"}
    assert ms[-1].text == "150 ng/mL"


def test_microgram_per_ml_concentration_normalized():
    q = only("a target plasma concentration of 0.1 µg/mL").quantity
    assert (q.kind, q.normalized_value, q.normalized_unit) == ("target_concentration", D(100), "ng/mL")


def test_or_list_shares_unit():
    ms = find_quantities("ketamine dose of either 17.5 or 35 mg")
    assert [(m.quantity.value, m.quantity.unit) for m in ms] == [(D("17.5"), "mg"), (D(35), "mg")]


# --- qualifiers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written, qualifier",
    [
        ("up to 0.35 mg/kg/h", "up_to"),
        ("a maximum of 40 mg/h", "maximum"),
        ("not exceeding 25 mg/h", "maximum"),
        ("≤120 μg/kg/h", "maximum"),
        ("approximately 0.2 mg/kg", "approximately"),
        ("~0.2 mg/kg", "approximately"),
        ("at least 0.1 mg/kg", "minimum"),
    ],
)
def test_qualifiers(written, qualifier):
    m = only(f"Ketamine {written} was given.")
    assert m.quantity.qualifier == qualifier
    assert m.text == written


def test_mean_word_sets_mean():
    q = only("Average maximum tolerated infusion rate 23.4 mg/h.").quantity
    assert q.mean == D("23.4") and q.value is None and q.qualifier == "maximum"
    assert q.normalized_value == D("23.4")


# --- titration ---------------------------------------------------------------------------------


def test_titration_start_maximum():
    ms = find_quantities("10 mg/h increased to a maximum of 40 mg/h")
    (t,) = find_titrations(ms)
    assert t.start.value == D(10) and t.maximum.value == D(40) and t.step is None
    assert t.maximum.qualifier == "maximum"
    assert [m.role for m in ms] == ["start", "maximum"]


def test_titration_step_interval_and_bare_maximum():
    text = "The infusion was started at 0.1 mg/kg/h and increased by 0.1 mg/kg/h every 30 min to 0.5."
    ms = find_quantities(text)
    (t,) = find_titrations(ms)
    assert (t.start.value, t.step.value, t.maximum.value) == (D("0.1"), D("0.1"), D("0.5"))
    assert t.maximum.unit == "mg/kg/h" and t.maximum.normalized_value == D("0.5")
    interval = [m for m in ms if m.role == "step_interval"]
    assert interval and interval[0].quantity.normalized_value == D("0.5")  # 30 min = 0.5 h


def test_titration_range_from_to():
    ms = find_quantities("The rate was titrated from 10 to 40 mg/h.")
    (t,) = find_titrations(ms)
    assert (t.start.value, t.maximum.value) == (D(10), D(40))


def test_titrated_to_only():
    ms = find_quantities("S-ketamine was titrated to 20 mg/h.")
    (t,) = find_titrations(ms)
    assert t.start is None and t.maximum.value == D(20)


def test_no_titration_without_verb():
    ms = find_quantities("Bolus of 0.25 mg/kg, then 0.5 mg/kg/h.")
    assert find_titrations(ms) == []


# --- durations, schedules --------------------------------------------------------------------


def test_hyphenated_duration():
    q = only("at the end of the 4.2-day infusion").quantity
    assert (q.kind, q.value, q.unit, q.normalized_value) == ("duration", D("4.2"), "d", D("100.8"))


def test_infusion_over_minutes():
    q = only("0.4 mg/kg over 40 min", kind="duration").quantity
    assert q.normalized_value == D("0.666666666667")


def test_schedule_every_other_day_for_3_days():
    ms = find_quantities("Ketamine was infused for 40 min every other day for 3 days.")
    (s,) = find_schedules(ms)
    assert s.label == "every other day" and s.interval.normalized_value == D(48)
    assert s.course.normalized_value == D(72) and s.course.kind == "course"
    assert s.session_duration.normalized_value == D("0.666666666667")


def test_schedule_ten_daily_infusions():
    ms = find_quantities("Patients received 10 daily 4-hour infusions.")
    (s,) = find_schedules(ms)
    assert (s.sessions, s.label) == (10, "daily")
    assert s.session_duration.value == D(4) and s.session_duration.unit == "h"


def test_schedule_x3():
    ms = find_quantities("1 h every other day x3")
    (s,) = find_schedules(ms)
    assert s.sessions == 3 and s.session_duration.normalized_value == D(1) and s.interval.value == D(2)


def test_q4h_and_repeated_every():
    q = only("morphine Q4h as needed").quantity
    assert (q.kind, q.normalized_value) == ("interval", D(4))
    m = only("infusions were repeated every ~30 days")
    assert m.kind == "interval" and m.quantity.normalized_value == D(720) and m.role == "interval"


def test_daily_hours_for_days():
    ms = find_quantities("4 h daily for 10 d")
    (s,) = find_schedules(ms)
    assert s.session_duration.value == D(4) and s.course.value == D(10) and s.label == "daily"


def test_daily_alone_is_not_schedule():
    assert find_quantities("Patients kept a daily pain diary.") == []


def test_twice_daily():
    m = only("clonidine 0.1 mg twice daily", kind="interval")
    assert m.quantity.normalized_value == D(12) and m.label == "twice daily"


# --- follow-up, relief, time points ---------------------------------------------------------------


def test_relief_follow_up():
    got = kinds("Relief lasted up to 12 weeks; patients were followed up for 3 months.")
    assert got == [("up to 12 weeks", "relief"), ("3 months", "follow_up")]
    q = only("Relief lasted up to 12 weeks.").quantity
    assert (q.qualifier, q.normalized_value) == ("up_to", D(2016))


def test_month_is_730_5_hours():
    q = only("followed up for 3 months").quantity
    assert q.normalized_value == D("2191.5")


def test_study_period_is_follow_up():
    assert only("over the 12-week study period").kind == "follow_up"


def test_time_points():
    assert kinds("no longer significant at week 12") == [("week 12", "time_point")]
    assert only("VAS was measured at 2 weeks").kind == "time_point"


def test_age_is_not_a_duration():
    q = only("mean age 45 ± 10 years").quantity
    assert q.kind == "age" and (q.mean, q.sd) == (D(45), D(10))


# --- sample sizes, counts, incidences ------------------------------------------------------------------


def test_n_equals():
    m = only("patients (n = 30)")
    assert (m.kind, m.role, m.quantity.value) == ("count", "sample_size", D(30))


def test_n_glued_to_p_value():
    ms = find_quantities("N = 8;P= 0.0078")
    assert [(m.text, m.role) for m in ms] == [("N = 8", "sample_size")]


def test_n_per_group():
    m = only("n = 30 per group")
    assert m.per == "group" and m.quantity.value == D(30)


def test_patients_enrolled():
    m = only("We enrolled 30 patients with CRPS.")
    assert (m.role, m.subject, m.quantity.value) == ("sample_size", "patients", D(30))


def test_patients_sessions_each():
    ms = find_quantities("12 patients, 2 sessions each")
    assert [(m.quantity.value, m.role, m.per) for m in ms] == [(D(12), "subjects", None), (D(2), "sessions", "each")]


@pytest.mark.parametrize(
    "written, count, denominator, pct",
    [
        ("6/30 (20%)", 6, 30, D(20)),
        ("0/20 patients", 0, 20, D(0)),
        ("4 of 9 ketamine-treated patients", 4, 9, None),
        ("Five of 10 patients", 5, 10, D(50)),
    ],
)
def test_incidences(written, count, denominator, pct):
    m = only(f"Nausea: {written}.")
    assert (m.role, m.quantity.value, m.denominator) == ("incidence", D(count), denominator)
    assert m.quantity.normalized_unit == "%"
    if pct is not None:
        assert m.quantity.normalized_value == pct


def test_count_with_percent():
    m = only("dizziness in 6 (20%)")
    assert m.role == "incidence" and m.quantity.normalized_value == D(20)


def test_percent():
    q = only("at least 50% reduction in pain").quantity
    assert (q.kind, q.value, q.qualifier) == ("percent", D(50), "minimum")


# --- traps ------------------------------------------------------------------------------------------


def test_confidence_level_is_not_a_finding():
    assert [m for m in find_quantities("95% CI 1.2 to 3.4, p < 0.05") if m.kind == "percent"] == []


def test_citations_and_disease_labels_are_not_quantities():
    text = "Anesth Analg 2017;124:661-74. pain1,2 in CRPS-1 patients [3,4] and^{5,6} 0.5 mg/kg/h.34,7,9-17,19,38 Three"
    ms = find_quantities(text)
    assert [(m.text, m.kind) for m in ms] == [("0.5 mg/kg/h", "rate")]


def test_citation_glued_to_unit():
    q = only("ketamine 0.5 mg/kg1,2 was given").quantity
    assert q.unit == "mg/kg" and q.value == D("0.5")


def test_unparseable_kept_as_text():
    m = only("Dose 6 μg/ spin/e yer None.")
    assert m.quantity.unit is None and m.quantity.value is None and m.warnings
    assert m.quantity.kind == "unknown" and m.text.startswith("6 μg/")


def test_magnesium_sulfate_dose():
    q = only("30 mg/kg of MgSO4").quantity
    assert q.unit == "mg/kg"


def test_decimal_middle_dot_and_thousands():
    assert only("a dose of 0·5 mg/kg").quantity.value == D("0.5")
    assert only("total of 6,800 mg", kind="total").quantity.value == D(6800)


def test_offsets_point_into_text():
    text = "Ketamine (0.15–0.4 mg/ kg/h) for 5 days; bolus 0.25 mg/kg."
    for m in find_quantities(text):
        assert text[m.start : m.end] == m.text


def test_user_can_add_a_unit_spelling(tmp_path):
    from kgraph.extract.units import UNITS_FILE, reload_units

    extra = tmp_path / "units.yaml"
    extra.write_text(UNITS_FILE.read_text(encoding="utf-8").replace("microgramme, microgrammes]", "microgramme, microgrammes, Mikrogramm]"))
    try:
        assert find_quantities("Ketamin 60 Mikrogramm/kg als Bolus") == []
        reload_units(extra)
        q = only("Ketamin 60 Mikrogramm/kg als Bolus").quantity
        assert (q.unit, q.normalized_value) == ("µg/kg", D("0.06"))
    finally:
        reload_units()


def test_range_with_two_time_units_normalizes_each_end_exactly():
    m = only("Relief lasting from 6 weeks to 6 months was reported.")
    assert m.kind == "relief" and m.quantity.unit == "mo"
    assert (m.quantity.normalized_low, m.quantity.normalized_high) == (D(1008), D(4383))
    assert (m.low_unit, m.low_written) == ("wk", D(6))


def test_list_of_time_points_shares_kind():
    got = kinds("Pain relief at 1 wk, 1 mo, 3 mo, and 6 mo.")
    assert [k for _, k in got] == ["relief"] * 4


def test_numbered_labels_are_not_counts():
    assert find_quantities("in CRPS type 1 patients and Table 2 patients") == []


def test_unit_first_time_points_need_a_time_context():
    got = kinds("No longer significant at week 12. Between day 3 and day 5. In the previous year 394 (36%) tried.")
    assert ("week 12", "time_point") in got and ("day 3", "time_point") in got and ("day 5", "time_point") in got
    assert not any(t.startswith("year") for t, _ in got)


@pytest.mark.parametrize("text", ["0.5 mg/kg/h on alternate days for 2 weeks", "alternate-day infusions for 3 doses",
                                  "infused over 4 h on alternate days"])
def test_alternate_day_schedules_do_not_break_the_grammar(text):
    kinds = {m.quantity.kind for m in find_quantities(text)}
    assert "interval" in kinds
