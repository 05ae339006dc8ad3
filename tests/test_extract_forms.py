"""Drug forms (isomers) are read through ontology/vocab/forms.ttl, also when spacing is damaged."""

import pytest

from kgraph.extract.assemble import _form_patterns


def _form_of(text: str) -> set[str]:
    return {form for rx, form in _form_patterns() if rx.search(text)}


@pytest.mark.parametrize("text, form", [
    ("S (+) ketamine 0.2 mg/kg was infused", "S(+)-ketamine"),
    ("patients received esketamine", "S(+)-ketamine"),
    ("the (R)-ketamine arm", "R(-)-ketamine"),
    ("a racemic mixture was used", "racemic"),
])
def test_form_spellings_come_from_the_vocabulary(text, form):
    assert _form_of(text) == {form}


def test_no_form_in_plain_text():
    assert _form_of("ketamine 0.5 mg/kg/h for 4 hours") == set()
