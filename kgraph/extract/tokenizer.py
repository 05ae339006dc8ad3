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
followed by a number ("/70 kg", "/24 h") is split off, and a closing parenthesis
is split off unless it closes an exponent ("kg(-1)"); numbers are separate tokens.
No ``token_match`` is installed: spaCy calls it on every uncached string, which
costs ~10% of tokenizer speed; the infix/suffix rules above suffice.
Unit spellings come from ``ontology/units.yaml``.
"""

from __future__ import annotations


from spacy.language import Language
from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex

from kgraph.extract.units import atom_pattern

__all__ = ["customize_tokenizer"]

_MARK = "(?#kgraph-dose-rules)"

_EXTRA_PREFIXES = [r"(?:[≤≥≈∼~±=<>⩽⩾]|/(?=[A-Za-zµμ]))"]
# "mL." at a sentence end: spaCy keeps "." after a single capital letter.
_EXTRA_SUFFIXES = [r"(?<=[A-Za-zµμ])(?:/|=|(?<=[a-zµμ][A-Z])\.)"]
# ")" of an exponent or a unit group stays with its unit: "kg(-1)", "h(−1)", "mg/(kg·h)"
_CLOSE_PAREN_SUFFIX = r"(?<![(][-−–‐⁻]1)(?<![(][-−–‐⁻]¹)(?<![·⋅∙.]h)(?<![·⋅∙.]hr)(?<![·⋅∙.]min)\)"
# spaCy's English exceptions keep "d." "h." ... as abbreviations; after a number they
# are units at a sentence end ("for 10 d."), so those letters lose the exception.
_UNIT_LETTER_EXCEPTIONS = ("d.", "h.", "s.", "y.", "g.", "l.")
# Few alternatives, each behind a one-character lookbehind: spaCy runs the infix regex
# over every uncached string, so each alternative costs time on every character.
# Few alternatives, each behind a one-character lookbehind: spaCy runs the infix regex
# over every uncached string, so each alternative costs time on every character.
_EXTRA_INFIXES = [
    # after a digit: a dash between numbers ("0.1–0.5"), a spread ("22.2±2.0"), a
    # comparison ("n=30"), a lost space ("8;P"), or a glued unit ("10mg/kg", but not
    # inside a word-number such as "Q4h")
    r"(?<=[0-9])(?:[–—‐‑−](?=[0-9.])|(?:±|\+/-|\+/−)(?=[0-9])|;(?=[A-Za-z])|[=≤≥<>](?=[0-9.])"
    r"|(?<![A-Za-z][0-9])(?<![A-Za-z][0-9]{2})(?<![A-Za-z][0-9]{3})(?=(?:UNIT_ATOM)))",
    # after a letter: a slash before a number ("mg/h/70", "mg/24"), a comparison
    # ("P=0.05", "P=x"), a citation after a period ("h.34", "pain.^{3}") or glued to a
    # lower-case word or unit ("pain1,2", "mg/kg1,2")
    r"(?<=[A-Za-zµμ])(?:/(?=[0-9])|[=≤≥<>](?=[0-9.])|=(?=[A-Za-z])|\.(?=[0-9\^\[{¹²³⁴⁵⁶⁷⁸⁹⁰])|(?<=[a-z])(?=[0-9]))",
]


def _extra_infixes() -> list[str]:
    return [p.replace("UNIT_ATOM", atom_pattern()) for p in _EXTRA_INFIXES]


def customize_tokenizer(nlp: Language) -> Language:
    """Install the dose-text rules on ``nlp.tokenizer`` (see module docstring)."""
    tok = nlp.tokenizer
    current = getattr(tok.infix_finditer, "__self__", None)
    if current is not None and _MARK in getattr(current, "pattern", ""):
        return nlp  # already customized
    # spaCy splits "/" between letters ("mg/kg" -> mg / kg); units need it whole.
    infixes = [p.replace(":<>=/", ":<>=") for p in nlp.Defaults.infixes]
    infixes += [_MARK + p for p in _extra_infixes()]
    prefixes = list(nlp.Defaults.prefixes) + _EXTRA_PREFIXES
    suffixes = [_CLOSE_PAREN_SUFFIX if p == r"\)" else p for p in nlp.Defaults.suffixes] + _EXTRA_SUFFIXES
    tok.infix_finditer = compile_infix_regex(infixes).finditer
    tok.prefix_search = compile_prefix_regex(prefixes).search
    tok.suffix_search = compile_suffix_regex(suffixes).search
    tok.rules = {k: v for k, v in (tok.rules or {}).items() if k not in _UNIT_LETTER_EXCEPTIONS}
    return nlp
