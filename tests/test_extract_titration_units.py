"""A titration written in two different units is a start and a ceiling, never one range."""

from decimal import Decimal

from kgraph.extract import extract_document
from kgraph.parse.text_reader import read_text


def _rates(text: str):
    doc = read_text("titration.txt", text.encode(), "0" * 64)
    frames = extract_document(doc)
    return [q for st in frames.studies for arm in st.arms if arm.protocol for q in arm.protocol.rate]


def test_start_per_day_and_ceiling_per_hour_stay_apart():
    rates = _rates("Esketamine for pain\n\nMethods\nEsketamine was infused at 60 mg/24 h and raised as needed, "
                   "never exceeding 20 mg/h.\n")
    assert all(q.low is None or q.low <= q.high for q in rates)
    assert {q.value for q in rates} >= {Decimal("60"), Decimal("20")}


def test_same_unit_titration_is_one_rising_range():
    rates = _rates("Ketamine for pain\n\nMethods\nKetamine was started at 0.1 mg/kg/h and increased to a maximum "
                   "of 0.4 mg/kg/h.\n")
    assert any(q.low == Decimal("0.1") and q.high == Decimal("0.4") for q in rates)
