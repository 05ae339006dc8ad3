"""Tokenizer rules for clinical dosing text, on top of ``spacy.blank("en")``.

Public API (stable): ``customize_tokenizer(nlp) -> nlp`` changes ``nlp.tokenizer`` in place
(and returns ``nlp``). Idempotent.

What the rules guarantee: every span ``kgraph.extract.quantities.find_quantities``
returns starts and ends on token boundaries, so ``doc.char_span(m.start, m.end)``
works in the default strict mode. Tokenization of dose text is:

===========================  =========================================================
text                         tokens
===========================  =========================================================
``0.1–0.5 mg/kg/h``          ``0.1`` ``–`` ``0.5`` ``mg/kg/h``  (any dash between numbers)
``22.2 ± 2.0 mg/h/70 kg``    ``22.2`` ``±`` ``2.0`` ``mg/h`` ``/`` ``70`` ``kg``
``22.2±2.0``                 ``22.2`` ``±`` ``2.0``
``60 μg/kg``, ``60μg/kg``    ``60`` ``μg/kg``  (a number glued to a unit is split off)
``mg.kg-1.h-1``              ``mg.kg-1.h-1``  (one token)
``mg·kg⁻¹·h⁻¹``              ``mg·kg⁻¹·h⁻¹``  (one token)
``mg kg(-1) h(-1)``          ``mg`` ``kg(-1)`` ``h(-1)``  (one token per factor)
``100 mg/24 hr``             ``100`` ``mg`` ``/`` ``24`` ``hr``
``mg/ kg/h``                 ``mg`` ``/`` ``kg/h``
``Q4h``                      ``Q4h``  (one token; "q4h", "x3": ``q`` ``4h``, ``x`` ``3``)
``pain1,2``, ``mg/kg1,2``    ``pain`` ``1,2``, ``mg/kg`` ``1,2``  (glued citations)
``4.2-day``                  ``4.2`` ``-`` ``day``
``n = 30``, ``n=30``         ``n`` ``=`` ``30``
``N = 8;P= 0.0078``          ``N`` ``=`` ``8`` ``;`` ``P`` ``=`` ``0.0078``
``≤120``, ``~0.2``           ``≤`` ``120``, ``~`` ``0.2``
===========================  =========================================================

So: a unit expression written without spaces is one token (its slashes are not
split; spaCy's default splits "mg/kg" into three tokens), except that a slash
followed by a number ("/70 kg", "/24 h") is split off; numbers are separate tokens.
Unit spellings come from ``ontology/units.yaml``.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex

from kgraph.extract.units import atom_pattern

__all__ = ["customize_tokenizer", "UNIT_TOKEN_PATTERN"]

_EXP = r"(?:\^?\(\s?[-−–‐⁻]\s?[1¹]\s?\)|\^?[-−–‐⁻][1¹]|⁻¹)"


def _unit_token_pattern() -> str:
    atom = f"(?:{atom_pattern()})"
    factor = rf"{atom}{_EXP}?"
    group = rf"\((?:{atom})(?:[·.*×⋅∙](?:{atom}))*\)"
    return rf"{factor}(?:(?:/|\.|·|⋅|∙)(?:{factor}|{group}))*"


UNIT_TOKEN_PATTERN = _unit_token_pattern()
_TOKEN_MATCH_PREFIX = "(?#kgraph-units)"

_EXTRA_PREFIXES = [r"[≤≥≈∼~±=<>⩽⩾]", r"/(?=[A-Za-zµμ])"]
# "mL." at a sentence end: spaCy keeps "." after a single capital letter.
_EXTRA_SUFFIXES = [r"(?<=[A-Za-zµμ])/", r"(?<=[A-Za-z])=", r"(?<=[a-zµμ][A-Z])\."]
# spaCy's English exceptions keep "d." "h." ... as abbreviations; after a number they
# are units at a sentence end ("for 10 d."), so those letters lose the exception.
_UNIT_LETTER_EXCEPTIONS = ("d.", "h.", "s.", "y.", "g.", "l.")
_EXTRA_INFIXES = [
    # dash between numbers: "0.1–0.5", "2—5"
    r"(?<=[0-9])[–—‐‑−](?=[0-9.])",
    # spread: "22.2±2.0", "22.2+/-2.0"
    r"(?<=[0-9])(?:±|\+/-|\+/−)(?=[0-9])",
    # comparison glued to a number: "n=30", "P<0.05"
    r"(?<=[A-Za-z0-9])[=≤≥<>](?=[0-9.])",
    r"(?<=[A-Za-z])=(?=[A-Za-z])",
    # "8;P": lost space after a number
    r"(?<=[0-9]);(?=[A-Za-z])",
    # a slash before a number inside a unit: "mg/h/70", "mg/24"
    r"(?<=[A-Za-zµμ])/(?=[0-9])",
    # citations glued to a word or unit: "pain1,2", "mg/kg/h.34,7"
    r"(?<=[a-z])(?=[0-9])",
    r"(?<=[A-Za-z])\.(?=[0-9\^\[{¹²³⁴⁵⁶⁷⁸⁹⁰])",
]


def _glued_unit_infix() -> str:
    # Zero-width split between a number and the unit glued to it ("10mg/kg"), but not
    # inside a word-number such as "Q4h" or "CRPS1" (a letter right before the digits).
    return (
        r"(?<=[0-9])(?<![A-Za-z][0-9])(?<![A-Za-z][0-9]{2})(?<![A-Za-z][0-9]{3})"
        rf"(?=(?:{atom_pattern()}))"
    )


def customize_tokenizer(nlp: Language) -> Language:
    """Install the dose-text rules on ``nlp.tokenizer`` (see module docstring)."""
    tok = nlp.tokenizer
    current = getattr(tok.token_match, "__self__", None)
    if current is not None and getattr(current, "pattern", "").startswith(_TOKEN_MATCH_PREFIX):
        return nlp  # already customized
    # spaCy splits "/" between letters ("mg/kg" -> mg / kg); units need it whole.
    infixes = [p.replace(":<>=/", ":<>=") for p in nlp.Defaults.infixes]
    infixes += _EXTRA_INFIXES + [_glued_unit_infix()]
    prefixes = list(nlp.Defaults.prefixes) + _EXTRA_PREFIXES
    suffixes = list(nlp.Defaults.suffixes) + _EXTRA_SUFFIXES
    tok.infix_finditer = compile_infix_regex(infixes).finditer
    tok.prefix_search = compile_prefix_regex(prefixes).search
    tok.suffix_search = compile_suffix_regex(suffixes).search
    tok.rules = {k: v for k, v in (tok.rules or {}).items() if k not in _UNIT_LETTER_EXCEPTIONS}
    # A compiled pattern (not a Python closure) so nlp.to_disk()/to_bytes() still work.
    pattern = _TOKEN_MATCH_PREFIX + rf"(?:{UNIT_TOKEN_PATTERN})\Z"
    if current is not None and getattr(current, "pattern", None):
        pattern = rf"{pattern}|(?:{current.pattern})"
    tok.token_match = re.compile(pattern).match
    return nlp
