"""Negation and hedging of a mention (side effect, outcome) in a trial report sentence.

Public API (stable):

``assess(sentence_text, span_start, span_end) -> (negated, hedged, cue)``
    ``span_start``/``span_end`` are character offsets of the mention inside
    ``sentence_text``. ``cue`` is the negation cue as written when negated, else the
    hedge cue when hedged, else None.

Rules, tuned for how trial reports state side effects (the clinical-note rules of
NegEx-style tools miss most of them):

- a cell or sentence that is only "None.", "None reported", "Nil", "No side effects"
  negates, whatever the span ("Not reported" does not: it means unknown);
- a cue before the mention ("no", "without", "absence of", "free of", "denied",
  "did not report", "neither ... nor") reaches forward over a coordinated list
  ("no hallucinations or dysphoria were reported") up to ``max_words``; its scope ends
  at a terminator ("but", ";", "however", "although", "except", ...) or at an
  occurrence verb ("no X was seen, and nausea occurred");
- a subject cue ("No patient", "none of the patients", "zero patients",
  "0/20 patients") reaches over the verb phrase ("No patient experienced hallucinations");
- a cue after the mention ("was not observed", "were not seen", "did not occur",
  "in none of the patients", "in 0/20 patients", ": none") reaches back to it;
- examples listed in a parenthesis ("no serious adverse effects (including syncope,
  chest pain or miscarriage) were reported") share the negation of the phrase they list;
- pseudo-negations do not negate: "no longer significant", "not only ... but also",
  "no increase in pain", "not exceeding 25 mg/h";
- hedges in the same clause: may, might, possibly, probably, suspected, could be
  related, unclear whether, cannot be excluded, ...

Speed: all cues are also compiled into one regex; it runs once per sentence (cached),
and a mention with no cue in its window is answered without the full rules.

Cues live in ``ontology/negation_cues.yaml`` (users extend them there);
``reload_cues(path)`` re-reads the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from kgraph.config import ONTOLOGY_DIR
from kgraph.errors import InputError

__all__ = ["assess", "reload_cues", "CUES_FILE"]

CUES_FILE = ONTOLOGY_DIR / "negation_cues.yaml"


@dataclass
class _Cues:
    whole_cell: re.Pattern
    pre: re.Pattern
    subject: re.Pattern
    post: re.Pattern
    pseudo: re.Pattern
    terminators: re.Pattern
    verbs: re.Pattern
    hedges: re.Pattern
    any_cue: re.Pattern  # every negation and hedge cue in one regex: most windows have none
    max_pre: int
    max_subject: int
    max_post: int
    max_hedge: int


def _alt(patterns: list[str]) -> re.Pattern:
    """One regex for a cue list, matched against the lower-cased sentence."""
    pats = sorted((str(p) for p in patterns), key=len, reverse=True)
    word_start = [p for p in pats if re.match(r"[\w(\\]", p) and not p.startswith("(?<")]
    punct_start = [p for p in pats if p not in word_start]
    # A cue starts and ends on a word edge, unless it starts/ends with punctuation
    # (": none", ";"). Alternatives starting with a word get a plain lookbehind, which
    # keeps the regex fast; the others are tried as they are.
    alts = []
    if word_start:
        alts.append(r"(?<![\w/])(?:" + "|".join(f"(?:{p})" for p in word_start) + ")")
    if punct_start:
        alts.append("(?:" + "|".join(f"(?:{p})" for p in punct_start) + ")")
    body = "|".join(alts) or r"(?!x)x"
    return re.compile(rf"(?:{body})(?:(?![\w/])|(?<=[^\w\s]))")


def _load(path: Path) -> _Cues:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        mw = raw.get("max_words", {})
        return _Cues(
            whole_cell=re.compile(r"(?:" + "|".join(f"(?:{p})" for p in raw["whole_cell"]) + r")"),
            pre=_alt(raw["pre_negation"]),
            subject=_alt(raw["pre_subject"]),
            post=_alt(raw["post_negation"]),
            pseudo=_alt(raw["pseudo_negation"]),
            terminators=_alt(raw["terminators"]),
            verbs=_alt(raw["occurrence_verbs"]),
            hedges=_alt(raw["hedges"]),
            any_cue=_alt(raw["pre_negation"] + raw["pre_subject"] + raw["post_negation"] + raw["hedges"]),
            max_pre=int(mw.get("pre", 10)),
            max_subject=int(mw.get("subject", 14)),
            max_post=int(mw.get("post", 8)),
            max_hedge=int(mw.get("hedge", 10)),
        )
    except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError, re.error) as exc:
        raise InputError(f"cannot read negation cues from {path}: {exc}") from exc


_CUES = _load(CUES_FILE)


def reload_cues(path: Path | str | None = None) -> None:
    global _CUES
    _CUES = _load(Path(path) if path else CUES_FILE)
    _analyse.cache_clear()
    _cue_spans.cache_clear()


_WORD_RE = re.compile(r"[\w/%]+")
_CELL_STRIP_RE = re.compile(r"^[\s\W_]+|[\s\W_]+$")


def _words(s: str) -> int:
    return len(_WORD_RE.findall(s))


_WHOLE_CELL_MAX = 60
_WINDOW_BEFORE = 160  # characters; max_words * ~10, plus room for a long cue
_WINDOW_AFTER = 120


@dataclass(frozen=True)
class _Analysis:
    pseudo: tuple[tuple[int, int], ...]
    terminators: tuple[int, ...]  # start offsets


@lru_cache(maxsize=4096)
def _analyse(window: str) -> _Analysis:
    """Pseudo-negations and terminators of a lower-cased text window."""
    c = _CUES
    pseudo = tuple((m.start(), m.end()) for m in c.pseudo.finditer(window))
    terms = tuple(m.start() for m in c.terminators.finditer(window))
    return _Analysis(pseudo, terms)


@lru_cache(maxsize=1024)
def _cue_spans(low_sentence: str) -> tuple[tuple[int, int], ...]:
    """Where any negation or hedge cue occurs in a lower-cased sentence."""
    return tuple(m.span() for m in _CUES.any_cue.finditer(low_sentence))


def _in_pseudo(a: _Analysis, s: int, e: int) -> bool:
    return any(ps <= s and e <= pe for ps, pe in a.pseudo)


def _terminated(a: _Analysis, s: int, e: int) -> bool:
    return any(s <= t < e for t in a.terminators)


def assess(sentence_text: str, span_start: int, span_end: int) -> tuple[bool, bool, str | None]:
    """(negated, hedged, cue) for the mention at [span_start, span_end) of the sentence."""
    text = sentence_text
    if not (0 <= span_start <= span_end <= len(text)):
        raise ValueError(f"span {span_start}:{span_end} outside sentence of length {len(text)}")
    c = _CUES
    low = text.lower()
    if len(low) != len(text):  # rare characters whose lower case is longer: keep offsets
        low = "".join(ch if len(ch.lower()) != 1 else ch.lower() for ch in text)
    if len(text) <= _WHOLE_CELL_MAX:
        core = _CELL_STRIP_RE.sub("", low)
        if core and c.whole_cell.fullmatch(core):
            return True, False, _CELL_STRIP_RE.sub("", text)
    # Cues reach a few words only: look at a window around the mention, which also
    # bounds the cost on very long "sentences" (flattened tables).
    lo = max(0, span_start - _WINDOW_BEFORE)
    hi = min(len(low), span_end + _WINDOW_AFTER)
    while 0 < lo < span_start and not low[lo - 1].isspace():
        lo += 1  # never start inside a word ("casino" is not "no")
    while span_end < hi < len(low) and not low[hi].isspace():
        hi -= 1
    # Prefilter: no cue near the mention, nothing to assess. The cue search runs once per
    # sentence (mentions of one sentence share it), not once per mention window.
    if not any(cs < hi and ce > lo for cs, ce in _cue_spans(low)):
        return False, False, None
    win = low[lo:hi]
    a = _analyse(win)
    s, e = span_start - lo, span_end - lo
    found = _negation_cue(c, a, win, s, e)
    if found is not None:
        return True, False, text[lo + found[0] : lo + found[1]]
    found = _hedge_cue(c, a, win, s, e)
    if found is not None:
        return False, True, text[lo + found[0] : lo + found[1]]
    return False, False, None


# "no serious adverse effects (including syncope, chest pain or miscarriage) were
# reported": the examples in a parenthesis share the negation of the phrase they list.
_EXAMPLES_OPEN_RE = re.compile(r"\(\s*(?:including|incl\.|e\.g\.|eg|such as|i\.e\.|namely|notably|especially)[\s,:]")


def _examples_paren(text: str, s: int) -> int | None:
    """Offset of the "(" when the mention at ``s`` is an example in a "(including ...)" list."""
    p = text.rfind("(", 0, s)
    if p == -1 or text.find(")", p, s) != -1 or ";" in text[p:s]:
        return None
    return p if _EXAMPLES_OPEN_RE.match(text, p) else None


def _negation_cue(c: _Cues, a: _Analysis, text: str, s: int, e: int) -> tuple[int, int] | None:
    found = _negation_cue_at(c, a, text, s, e)
    if found is None:
        p = _examples_paren(text, s)
        if p is not None:
            close = text.find(")", e)
            # negated as the listing phrase is: cues before the "(" and after the ")"
            found = _negation_cue_at(c, a, text, p, close + 1 if close != -1 else e)
    return found


def _negation_cue_at(c: _Cues, a: _Analysis, text: str, s: int, e: int) -> tuple[int, int] | None:
    best: tuple[int, tuple[int, int]] | None = None  # (distance in words, cue offsets)
    before = text[:s]
    for m in c.subject.finditer(before):
        if _in_pseudo(a, m.start(), m.end()) or _terminated(a, m.end(), s):
            continue
        d = _words(text[m.end() : s])
        if d <= c.max_subject and (best is None or d < best[0]):
            best = (d, m.span())
    for m in c.pre.finditer(before):
        if _in_pseudo(a, m.start(), m.end()) or _terminated(a, m.end(), s):
            continue
        gap = text[m.end() : s]
        d = _words(gap)
        if d > c.max_pre or c.verbs.search(gap):
            continue
        if m.group(0) == "not" and (d > 6 or "," in gap):
            continue  # a bare "not" negates a short phrase, not the next clause
        if best is None or d < best[0]:
            best = (d, m.span())
    # post cues: start after the mention, scope back to it
    for m in c.post.finditer(text, e):
        if _in_pseudo(a, m.start(), m.end()):
            continue
        cue_start = m.start() + (len(m.group(0)) - len(m.group(0).lstrip()))
        if _terminated(a, e, cue_start):
            break
        d = _words(text[e:cue_start])
        if d > c.max_post:
            break
        if best is None or d < best[0]:
            best = (d, (cue_start, m.end()))
        break
    return best[1] if best else None


def _hedge_cue(c: _Cues, a: _Analysis, text: str, s: int, e: int) -> tuple[int, int] | None:
    best: tuple[int, tuple[int, int]] | None = None
    for m in c.hedges.finditer(text):
        if m.end() <= s:
            lo, hi = m.end(), s
        elif m.start() >= e:
            lo, hi = e, m.start()
        else:
            continue
        if _terminated(a, lo, hi):
            continue
        d = _words(text[lo:hi])
        if d <= c.max_hedge and (best is None or d < best[0]):
            best = (d, m.span())
    return best[1] if best else None
