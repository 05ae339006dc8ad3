"""Abbreviation definitions: Schwartz & Hearst (2003), plus footnote lists.

``find_definitions(text)`` finds "long form (SF)" and "SF (long form)" pairs the way
Schwartz & Hearst describe ("A simple algorithm for identifying abbreviation
definitions in biomedical text", PSB 2003): the short form is the parenthesized
token(s); the long form is the shortest run of preceding words in which every
character of the short form can be found, right to left, with the first character
starting a word.

``parse_footnote(text)`` reads a table footnote such as
"Abbreviations: CRPS, complex regional pain syndrome; VAS, visual analog scale."
into {short: long}.

Both return plain data; the spaCy component in pipeline.py turns definitions into
entity links (a later "CRPS" becomes the concept the long form names).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Definition", "find_definitions", "parse_footnote", "best_long_form"]


@dataclass(frozen=True)
class Definition:
    short: str
    long: str
    short_start: int  # character offsets into the text searched
    short_end: int
    long_start: int
    long_end: int


# A parenthesized chunk with no nested parentheses, e.g. "(CRPS)" or "(CRPS; ref 3)".
_PAREN = re.compile(r"\(([^()\n]{1,120})\)")
_WORD = re.compile(r"\S+")
# Words the long form may not begin with (Schwartz-Hearst drop leading function words
# only implicitly; an explicit list avoids "of complex regional ..." style long forms).
_BAD_LONG_START = {"of", "and", "or", "the", "a", "an", "in", "with", "for", "to", "by", "as", "on", "at", "from", "that"}


def _is_short_form(candidate: str) -> bool:
    if not (2 <= len(candidate) <= 12):
        return False
    if len(candidate.split()) > 2:
        return False
    if not candidate[0].isalnum():
        return False
    if not any(ch.isalpha() for ch in candidate):
        return False
    # All-lowercase single words are usually ordinary words ("(range)"), not abbreviations;
    # keep mixed-case forms such as "MgSO4" or "iv" only when short.
    if candidate.islower() and len(candidate) > 4:
        return False
    return True


def best_long_form(short: str, long_candidate: str) -> int | None:
    """Start index in ``long_candidate`` of the Schwartz-Hearst long form for ``short``,
    or None when the characters of ``short`` cannot be found right to left."""
    s_index = len(short) - 1
    l_index = len(long_candidate) - 1
    short_l = short.lower()
    long_l = long_candidate.lower()
    while s_index >= 0:
        ch = short_l[s_index]
        if not ch.isalnum():
            s_index -= 1
            continue
        while l_index >= 0 and (
            long_l[l_index] != ch or (s_index == 0 and l_index > 0 and long_l[l_index - 1].isalnum())
        ):
            l_index -= 1
        if l_index < 0:
            return None
        l_index -= 1
        s_index -= 1
    # extend back to the start of the word holding the first matched character
    start = l_index + 1
    while start > 0 and not long_candidate[start - 1].isspace():
        start -= 1
    return start


def _long_form_before(text: str, end: int, short: str) -> tuple[int, int] | None:
    """Pick the long form that ends at ``end`` (just before the parenthesis)."""
    n_words = min(len(short) + 5, len(short) * 2)
    window_start = max(0, end - 200)
    window = text[window_start:end]
    # a long form never crosses a sentence end or another parenthesis
    cut = max(window.rfind(". "), window.rfind("; "), window.rfind(")"), window.rfind("("), window.rfind(": "), window.rfind("\n"))
    if cut >= 0:
        window = window[cut + 1 :]
        window_start = end - len(window)
    words = list(_WORD.finditer(window))
    if not words:
        return None
    words = words[-n_words:]
    cand_start = words[0].start()
    candidate = window[cand_start:].rstrip()
    rel = best_long_form(short, candidate)
    if rel is None:
        return None
    long_text = candidate[rel:]
    # the long form must be longer than the short form and must not contain it verbatim
    if len(long_text) <= len(short) or short.lower() in long_text.lower().split():
        return None
    first = long_text.split()[0].lower() if long_text.split() else ""
    if first in _BAD_LONG_START:
        # drop leading function words and re-check
        parts = long_text.split(None, 1)
        if len(parts) < 2 or best_long_form(short, parts[1]) is None:
            return None
        rel += len(long_text) - len(parts[1])
        long_text = parts[1]
    abs_start = window_start + cand_start + rel
    return abs_start, abs_start + len(long_text)


def find_definitions(text: str) -> list[Definition]:
    """All abbreviation definitions in ``text``, in order of appearance."""
    found: list[Definition] = []
    seen: set[str] = set()
    for m in _PAREN.finditer(text):
        inner = m.group(1)
        inner_start = m.start(1)
        # "(CRPS; 3)" or "(VAS, 0-10)": the short form is the part before ; or ,
        head = re.split(r"[;,]", inner, maxsplit=1)[0].strip()
        head_start = inner_start + inner.find(head) if head else inner_start
        end_before = m.start()
        while end_before > 0 and text[end_before - 1] == " ":
            end_before -= 1
        if _is_short_form(head):
            span = _long_form_before(text, end_before, head)
            if span is not None:
                d = Definition(head, text[span[0] : span[1]], head_start, head_start + len(head), span[0], span[1])
                if d.short not in seen:
                    seen.add(d.short)
                    found.append(d)
                continue
        # reversed order: "CRPS (complex regional pain syndrome)"
        if len(inner.split()) >= 2:
            prev = re.search(r"(\S+)\s*$", text[max(0, m.start() - 30) : m.start()])
            if prev:
                short = prev.group(1).strip(",;:")
                s_start = m.start() - len(text[max(0, m.start() - 30) : m.start()]) + prev.start(1)
                if _is_short_form(short) and any(c.isupper() for c in short):
                    rel = best_long_form(short, inner)
                    if rel == 0 or (rel is not None and inner[:rel].strip() == ""):
                        if short not in seen:
                            seen.add(short)
                            found.append(Definition(short, inner.strip(), s_start, s_start + len(short), inner_start, inner_start + len(inner)))
    return found


_FOOT_PREFIX = re.compile(r"^\s*(abbreviations?|abbr\.?)\s*[:.]\s*", re.I)


def parse_footnote(text: str) -> dict[str, str]:
    """{short: long} from a footnote list: "CRPS, complex regional pain syndrome; VAS, visual
    analog scale" (also "CRPS = ...", "CRPS: ..."). Other footnote text is ignored."""
    result: dict[str, str] = {}
    if not text:
        return result
    body = _FOOT_PREFIX.sub("", text.strip())
    for m in _FOOT_PREFIX.finditer(text):
        body = text[m.end():]
    for item in re.split(r";\s*|\.\s+(?=[A-Z][A-Za-z0-9]{1,10}\s*[,=:])", body):
        item = item.strip().rstrip(".")
        mm = re.match(r"^([^\s,=:]{1,15}(?:\s[^\s,=:]{1,6})?)\s*[,=:]\s*(.+)$", item)
        if not mm:
            continue
        short, long = mm.group(1).strip(), mm.group(2).strip()
        if not any(c.isalpha() for c in short) or len(long) <= len(short):
            continue
        result.setdefault(short, long)
    return result
