"""Property-based tests: generated doses, ranges, spreads and unit spellings round-trip
through find_quantities + normalize to the expected exact Decimal."""

from __future__ import annotations

from decimal import Decimal, localcontext

from hypothesis import given, settings
from hypothesis import strategies as st

from kgraph.extract.quantities import find_quantities

# spelling -> (kind the sentence template produces, normalized unit, factor as (numerator, denominator))
RATE_SPELLINGS = {
    "mg/kg/h": ((1, 1), "mg/kg/h"),
    "mg/kg/hr": ((1, 1), "mg/kg/h"),
    "mg/ kg/h": ((1, 1), "mg/kg/h"),
    "mg.kg-1.h-1": ((1, 1), "mg/kg/h"),
    "mg·kg⁻¹·h⁻¹": ((1, 1), "mg/kg/h"),
    "mg kg−1 h−1": ((1, 1), "mg/kg/h"),
    "mg kg(-1) h(-1)": ((1, 1), "mg/kg/h"),
    "mg/kg per hour": ((1, 1), "mg/kg/h"),
    "µg/kg/min": ((6, 100), "mg/kg/h"),
    "μg/kg/min": ((6, 100), "mg/kg/h"),
    "mcg/kg/min": ((6, 100), "mg/kg/h"),
    "ug/kg/min": ((6, 100), "mg/kg/h"),
    "micrograms/kg/min": ((6, 100), "mg/kg/h"),
    "micrograms per kilogram per minute": ((6, 100), "mg/kg/h"),
    "µg/kg/h": ((1, 1000), "mg/kg/h"),
    "μg kg−1 h−1": ((1, 1000), "mg/kg/h"),
    "mg/kg/min": ((60, 1), "mg/kg/h"),
    "mg/h/70 kg": ((1, 70), "mg/kg/h"),
    "mg/h per 70 kg": ((1, 70), "mg/kg/h"),
    "mg/h": ((1, 1), "mg/h"),
    "mg/24 hr": ((1, 24), "mg/h"),
    "mg/d": ((1, 24), "mg/h"),
    "µg/h": ((1, 1000), "mg/h"),
}
BOLUS_SPELLINGS = {
    "mg/kg": ((1, 1), "mg/kg"),
    "mg kg(-1)": ((1, 1), "mg/kg"),
    "mg.kg-1": ((1, 1), "mg/kg"),
    "mg·kg⁻¹": ((1, 1), "mg/kg"),
    "µg/kg": ((1, 1000), "mg/kg"),
    "μg/kg": ((1, 1000), "mg/kg"),
    "mcg/kg": ((1, 1000), "mg/kg"),
    "micrograms/kg": ((1, 1000), "mg/kg"),
    "mg": ((1, 1), "mg"),
    "µg": ((1, 1000), "mg"),
    "mcg": ((1, 1000), "mg"),
    "ug": ((1, 1000), "mg"),
    "g": ((1000, 1), "mg"),
    "IU": ((1, 1), "IU"),
    "IE": ((1, 1), "IU"),
}
TOTAL_SPELLINGS = {
    "mg/kg": ((70, 1), "mg/70kg"),
    "µg/kg": ((7, 100), "mg/70kg"),
    "mg per 70 kg": ((1, 1), "mg/70kg"),
    "mg/70 kg": ((1, 1), "mg/70kg"),
    "mg": ((1, 1), "mg"),
    "g": ((1000, 1), "mg"),
}
DURATION_SPELLINGS = {
    "min": (1, 60), "minutes": (1, 60), "mins": (1, 60),
    "h": (1, 1), "hr": (1, 1), "hrs": (1, 1), "hours": (1, 1),
    "d": (24, 1), "days": (24, 1),
    "wk": (168, 1), "weeks": (168, 1),
    "months": (7305, 10), "mo": (7305, 10),
}
CONC_SPELLINGS = {"ng/mL": (1, 1), "ng/ml": (1, 1), "µg/L": (1, 1), "μg/mL": (1000, 1), "mcg/mL": (1000, 1)}

TEMPLATES = {
    "rate": "Ketamine was infused at {q} in the ward.",
    "bolus": "A bolus of {q} was given first.",
    "total": "The total dose was {q} in this arm.",
    "duration": "The infusion ran over {q} in all patients.",
    "target_concentration": "The target plasma concentration was {q} throughout.",
}


@st.composite
def numbers(draw) -> str:
    whole = draw(st.integers(min_value=0, max_value=2000))
    places = draw(st.integers(min_value=0, max_value=3))
    if places == 0:
        return str(whole if whole else 1)
    frac = draw(st.integers(min_value=0, max_value=10**places - 1))
    return f"{whole}.{frac:0{places}d}"


@st.composite
def written_values(draw) -> tuple[str, str, dict]:
    """(number part as written, unit separator style, expected raw fields)."""
    form = draw(st.sampled_from(["single", "range", "between", "pm", "sd_paren"]))
    a, b = draw(numbers()), draw(numbers())
    if form == "single":
        return a, {"value": Decimal(a)}
    if form in ("range", "between") and Decimal(a) > Decimal(b):
        a, b = b, a  # a range runs upwards; a downward pair is two quantities (tested below)
    if form == "range":
        sep = draw(st.sampled_from(["-", "–", " to ", " - ", "—"]))
        return f"{a}{sep}{b}", {"low": Decimal(a), "high": Decimal(b)}
    if form == "between":
        return f"between {a} and {b}", {"low": Decimal(a), "high": Decimal(b)}
    if form == "pm":
        pm = draw(st.sampled_from([" ± ", "±", " +/- "]))
        return f"{a}{pm}{b}", {"mean": Decimal(a), "sd": Decimal(b)}
    return f"{a} (SD {b})", {"mean": Decimal(a), "sd": Decimal(b)}


def expected(value: Decimal, factor: tuple[int, int]) -> Decimal:
    """value * factor, exact when it terminates, else rounded to 12 significant digits."""
    num, den = factor
    with localcontext() as ctx:
        ctx.prec = 60
        exact = value * num / den
        if exact * den == value * num and len(exact.normalize().as_tuple().digits) <= 40:
            return exact
        ctx.prec = 12
        return value * num / den


def check(kind: str, spelling: str, factor: tuple[int, int], norm_unit: str, written: str, fields: dict):
    text = TEMPLATES[kind].format(q=f"{written} {spelling}")
    ms = [m for m in find_quantities(text) if m.quantity.kind == kind]
    assert len(ms) == 1, (text, [(m.text, m.kind) for m in find_quantities(text)])
    q = ms[0].quantity
    assert text[ms[0].start : ms[0].end] == q.text
    for name, raw in fields.items():
        assert getattr(q, name) == raw, (text, name)
    assert q.normalized_unit == norm_unit, text
    if "value" in fields or "mean" in fields:
        base = fields.get("value", fields.get("mean"))
        assert q.normalized_value == expected(base, factor), text
    else:
        assert q.normalized_low == expected(fields["low"], factor), text
        assert q.normalized_high == expected(fields["high"], factor), text
    # exact decimals: no float artefacts, no exponent notation
    for v in (q.normalized_value, q.normalized_low, q.normalized_high):
        if v is not None:
            assert "E" not in str(v) and len(str(v).replace(".", "").lstrip("0-")) <= 40


@settings(max_examples=300, deadline=None)
@given(spelling=st.sampled_from(sorted(RATE_SPELLINGS)), wv=written_values())
def test_rates_round_trip(spelling, wv):
    written, fields = wv
    factor, unit = RATE_SPELLINGS[spelling]
    check("rate", spelling, factor, unit, written, fields)


@settings(max_examples=200, deadline=None)
@given(spelling=st.sampled_from(sorted(BOLUS_SPELLINGS)), wv=written_values())
def test_boluses_round_trip(spelling, wv):
    written, fields = wv
    factor, unit = BOLUS_SPELLINGS[spelling]
    check("bolus", spelling, factor, unit, written, fields)


@settings(max_examples=150, deadline=None)
@given(spelling=st.sampled_from(sorted(TOTAL_SPELLINGS)), wv=written_values())
def test_totals_round_trip(spelling, wv):
    written, fields = wv
    factor, unit = TOTAL_SPELLINGS[spelling]
    check("total", spelling, factor, unit, written, fields)


@settings(max_examples=150, deadline=None)
@given(spelling=st.sampled_from(sorted(DURATION_SPELLINGS)), wv=written_values())
def test_durations_round_trip(spelling, wv):
    written, fields = wv
    check("duration", spelling, DURATION_SPELLINGS[spelling], "h", written, fields)


@settings(max_examples=100, deadline=None)
@given(spelling=st.sampled_from(sorted(CONC_SPELLINGS)), wv=written_values())
def test_concentrations_round_trip(spelling, wv):
    written, fields = wv
    check("target_concentration", spelling, CONC_SPELLINGS[spelling], "ng/mL", written, fields)


@settings(max_examples=100, deadline=None)
@given(a=numbers(), b=numbers(), c=numbers())
def test_lists_share_unit(a, b, c):
    text = f"Target levels of {a}, {b}, and {c} ng/mL were used."
    ms = find_quantities(text)
    assert [m.quantity.value for m in ms] == [Decimal(a), Decimal(b), Decimal(c)]
    assert all(m.quantity.unit == "ng/mL" for m in ms)


@settings(max_examples=150, deadline=None)
@given(a=numbers(), b=numbers(), spelling=st.sampled_from(sorted(RATE_SPELLINGS)))
def test_no_range_runs_downwards(a, b, spelling):
    """Whatever is written, a quantity's low end never exceeds its high end (same unit)."""
    text = f"Ketamine was infused at {a}-{b} {spelling} or from {b} {spelling} to {a} mg/h."
    for m in find_quantities(text):
        q = m.quantity
        if q.normalized_low is not None and q.normalized_high is not None:
            assert q.normalized_low <= q.normalized_high, (text, m.text)
        if q.low is not None and q.high is not None and m.low_unit is None:
            assert q.low <= q.high, (text, m.text)
