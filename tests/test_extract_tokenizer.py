"""Tokenizer rules for dose text on spacy.blank("en")."""

from __future__ import annotations

import pytest
import spacy

from kgraph.extract.quantities import find_quantities
from kgraph.extract.tokenizer import customize_tokenizer


@pytest.fixture(scope="module")
def nlp():
    return customize_tokenizer(spacy.blank("en"))


def toks(nlp, text):
    return [t.text for t in nlp(text)]


@pytest.mark.parametrize(
    "text, tokens",
    [
        ("0.1–0.5 mg/kg/h", ["0.1", "–", "0.5", "mg/kg/h"]),
        ("0.1-0.5 mg/kg/h", ["0.1", "-", "0.5", "mg/kg/h"]),
        ("22.2 ± 2.0 mg/h/70 kg", ["22.2", "±", "2.0", "mg/h", "/", "70", "kg"]),
        ("22.2±2.0", ["22.2", "±", "2.0"]),
        ("60 μg/kg", ["60", "μg/kg"]),
        ("60 µg/kg", ["60", "µg/kg"]),
        ("60μg/kg", ["60", "μg/kg"]),
        ("10mg", ["10", "mg"]),
        ("Q4h", ["Q4h"]),
        ("4.2-day", ["4.2", "-", "day"]),
        ("12-wk", ["12", "-", "wk"]),
        ("n = 30", ["n", "=", "30"]),
        ("n=30", ["n", "=", "30"]),
        ("N = 8;P= 0.0078", ["N", "=", "8", ";", "P", "=", "0.0078"]),
        ("mg.kg-1.h-1", ["mg.kg-1.h-1"]),
        ("mg·kg⁻¹·h⁻¹", ["mg·kg⁻¹·h⁻¹"]),
        ("mg kg(-1) h(-1)", ["mg", "kg(-1)", "h(-1)"]),
        ("mg kg−1 h−1", ["mg", "kg−1", "h−1"]),
        ("mg/(kg·h)", ["mg/(kg·h)"]),
        ("100 mg/24 hr", ["100", "mg", "/", "24", "hr"]),
        ("≤120 μg/kg/h", ["≤", "120", "μg/kg/h"]),
        ("~0.2 mg/kg", ["~", "0.2", "mg/kg"]),
        ("(0.15–0.4 mg/kg/h).", ["(", "0.15", "–", "0.4", "mg/kg/h", ")", "."]),
        ("for 10 d.", ["for", "10", "d", "."]),
        ("150 ng/mL.", ["150", "ng/mL", "."]),
        ("pain1,2", ["pain", "1,2"]),
        ("0.5 mg/kg/h.34,7", ["0.5", "mg/kg/h", ".", "34,7"]),
        ("hours.^{3,4}", ["hours", ".", "^{3,4", "}"]),
    ],
)
def test_tokens(nlp, text, tokens):
    assert toks(nlp, text) == tokens


def test_ordinary_text_unchanged(nlp):
    assert toks(nlp, "e.g. the U.S. Dr. Smith and/or CRPS-1") == ["e.g.", "the", "U.S.", "Dr.", "Smith", "and/or", "CRPS-1"]


def test_idempotent_and_serializable(nlp):
    before = toks(nlp, "0.1–0.5 mg/kg/h")
    customize_tokenizer(nlp)
    assert toks(nlp, "0.1–0.5 mg/kg/h") == before
    fresh = spacy.blank("en")
    fresh.from_bytes(nlp.to_bytes())
    assert toks(fresh, "22.2 ± 2.0 mg/h/70 kg") == ["22.2", "±", "2.0", "mg/h", "/", "70", "kg"]


TEXT = (
    "Ketamine (0.15–0.4 mg/ kg/h) was infused for 4.2 days; S(+)-ketamine 22.2 ± 2.0 mg/h/70 kg. "
    "A bolus of 60 μg/kg over 5 min, then 6 µg/kg/min. Morphine Q4h. N = 8;P= 0.0078. "
    "Relief lasted 2 to 3 hours.³⁴ Pain fell in 1 to 10 minutes.^{35,36} over 1 h.\t1. "
    "Target levels of 50, 100, and 150 ng/mL. 10 daily 4-hour infusions x3; 6/30 (20%) had nausea; "
    "doses of 0.3 mg.kg-1.h-1 and 2 mg kg−1 h−1 and ≤120 μg/kg/h and 100 mg/24 hr for 10 d.\n"
)


def test_every_quantity_span_is_token_aligned(nlp):
    doc = nlp(TEXT)
    matches = find_quantities(TEXT)
    assert len(matches) > 15
    for m in matches:
        assert doc.char_span(m.start, m.end) is not None, m.text
