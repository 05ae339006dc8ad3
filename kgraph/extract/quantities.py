"""Quantity grammar: doses, rates, durations, schedules, sample sizes, incidences.

Public API (stable; the spaCy components wrap these functions):

``find_quantities(text) -> list[QuantityMatch]``
    Every quantity in ``text``, sorted by position, spans never overlapping. Each
    ``QuantityMatch`` has ``start``/``end`` (character offsets into ``text``) and a
    ``frames.Quantity`` (``text`` = ``text[start:end]``, ``kind``, canonical ``unit``,
    ``value`` or ``low``/``high`` or ``mean``/``sd``, ``qualifier``, ``per_weight``,
    ``per_70kg`` and the ``normalized_*`` fields filled by ``units.normalize``).

``find_schedules(matches) -> list[Schedule]`` and ``find_titrations(matches)``
    The schedules and titrations that ``find_quantities`` attached to its matches
    (each distinct object once, in text order).

``titration_range(start, maximum) -> Quantity | None``
    The range "start-maximum" of a titration as one quantity, or None when the two must
    stay separate: different units as written ("started at 100 mg/24 hr ... not
    exceeding 25 mg/h") or a start above the maximum. Never a range running downwards.

``weight_basis_statement(sentence) -> int | None`` and ``apply_weight_basis(q, kg)``
    A sentence that states a body-weight basis once for many amounts ("all rates are
    expressed per 70 kg body weight") gives that weight (70); ``apply_weight_basis``
    returns a copy of an absolute amount or rate on that basis ("2 mg/h" ->
    "mg/h/70kg", normalized mg/kg/h). The statement covers the amounts of its document
    or section, which only the caller knows: the assembly applies it to the absolute
    rates and doses of the studied drug read in the same section (never to amounts
    already per kg or per 70 kg, never to counts, times or concentrations).

Quantity kinds (``Quantity.kind``):

    rate                  mass (or IU) per time: "0.1-0.5 mg/kg/h", "6 µg/kg/min", "100 mg/24 hr"
    bolus                 a loading dose: "bolus of 0.25 mg/kg", "60 µg/kg over 5 min" with "bolus"
    total                 a total/cumulative dose: "cumulative dose of 1000 mg per 70 kg"
    dose                  any other amount: "0.4 mg/kg ketamine", "clonidine 0.1 mg"
    target_concentration  ng/mL (and any mass/volume near target/plasma/serum/level)
    concentration         a solution strength ("1 mg/mL")
    duration              infusion or session length: "over 40 min", "4.2-day", "for 5 days"
    course                the span of a repeated schedule: "every other day for 3 days"
    interval              the gap between sessions: "daily", "every other day", "Q4h",
                          "repeated every 30 days"; also a titration step ("every 30 min")
    relief                how long relief lasted: "relief lasted up to 12 weeks"
    follow_up             "followed up for 3 months", "over the 12-week study period"
    time_point            "at 2 weeks", "week 12"
    age, disease_duration "aged 45 ± 10 years", "history of pain for 5 years"
    percent               "20%", "at least 50% reduction"
    count                 sample sizes, sessions, incidences (``role`` says which)
    weight, bmi           "70 kg", "24 kg/m2"
    unknown               a number with a unit that could not be read: ``unit`` is None,
                          ``warnings`` says why; kept as text, never guessed

``QuantityMatch.role`` refines the kind:

    count:     sample_size ("n = 30", "30 patients were randomized"), subjects (a
               plain "12 patients"), events ("6 patients reported nausea"),
               incidence ("6/30 (20%)", "4 of 9 patients", "0/20 patients"),
               sessions ("x3", "10 daily infusions", "2 sessions each")
    titration: start, step, step_interval, maximum (``titration`` is the shared
               ``frames.Titration``; "from 10 to 40 mg/h" with a titration verb is one
               range match with role titration_range)

Other fields: ``label`` (schedule wording: "daily", "every other day", "every 4 h"),
``per`` ("group" for "n = 30 per group", "each" for "2 sessions each"),
``subject`` (the counted noun: "patients", "infusions"), ``denominator`` (30 in
"6/30"), ``schedule`` (a ``Schedule`` shared by the matches that form it),
``warnings``. A range written with two units ("6 weeks to 6 months", "6 µg/kg and
0.4 mg/kg") is expressed in the unit of its high end; ``low_unit``/``low_written`` keep
the low end as written, and its normalized value is computed from that.

Incidences: ``value`` is the count, ``normalized_unit`` "%" and ``normalized_value``
the stated percentage (or count/denominator*100 when none is stated).

A range never runs downwards: "from 40 to 10 mg/h" or "20 mg to 10 mg" (low end above the
high end once both are in one unit) are two quantities, the first sharing the trailing unit.
"The infusion lasted a median of 14 h" is a duration (the treatment's own length), not relief.
A period after "ca.", "max.", "approx.", "vs." or "resp." does not end the clause.

Ranges ("0.1 to 0.5", "0.1-0.5", "0.1–0.5", "between X and Y", "from X to Y"), mean ± SD
("22.2 ± 2.0", "22.2 (SD 2.0)"), "X (range A–B)" and lists sharing a trailing unit
("50, 100, and 150 ng/mL": three matches, the first two spanning only their number)
are kept as written. Qualifiers before a number ("up to", "maximum of", "not
exceeding", "≤", "approximately", "~", "at least") set ``qualifier``; "mean"/"average"
before a single value sets ``mean`` instead of ``value``.

Cue words (kinds, qualifiers) and unit spellings live in ``ontology/units.yaml``.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from kgraph.extract.frames import Quantity, Titration
from kgraph.extract.units import (
    UnitParse,
    conversion,
    convert_value,
    normalize,
    parse_unit,
    spec_from_canonical,
    to_decimal,
    unit_dimension,
    units_config,
)

__all__ = [
    "QuantityMatch", "Schedule", "find_quantities", "find_schedules", "find_titrations",
    "titration_range", "weight_basis_statement", "apply_weight_basis",
]


@dataclass
class Schedule:
    """How sessions repeat: "10 daily 4-hour infusions", "1 h every other day x3"."""

    text: str
    start: int
    end: int
    label: str | None = None  # "daily", "every other day", "every 4 h"
    sessions: int | None = None
    interval: Quantity | None = None  # normalized to h
    session_duration: Quantity | None = None
    course: Quantity | None = None  # "for 3 days"


@dataclass
class QuantityMatch:
    start: int
    end: int
    quantity: Quantity
    role: str | None = None
    label: str | None = None
    per: str | None = None
    subject: str | None = None
    denominator: int | None = None
    titration: Titration | None = None
    schedule: Schedule | None = None
    warnings: list[str] = field(default_factory=list)
    # a range written with two units ("6 weeks to 6 months"): the low end's own unit,
    # so its normalized value is computed from what was written, not from a rounded conversion
    low_unit: str | None = field(default=None, repr=False)
    low_written: Decimal | None = field(default=None, repr=False)

    @property
    def text(self) -> str:
        return self.quantity.text

    @property
    def kind(self) -> str:
        return self.quantity.kind


# --- numbers --------------------------------------------------------------------

_NUMBER_WORDS = {
    "zero": 0, "no": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    "hundred": 100, "single": 1, "both": 2,
}
_WORDS_ALT = "|".join(sorted((w for w in _NUMBER_WORDS if w not in ("no", "single", "both")), key=len, reverse=True))
_DIGITS = r"(?:\d{1,3}(?:,\d{3})+(?![\d])|0,\d+(?![\d,])|\d+(?:[.·]\d+)?)"
_NUM = rf"(?:{_DIGITS}|(?i:\b(?:{_WORDS_ALT})(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?\b))"
# The same numbers as _DIGITS, written to start with a plain \d so that the regex engine
# can skip to the next digit in C (about 3x faster over long texts than the alternation).
_DIGITS_RE = re.compile(r"\d(?:\d{0,2}(?:,\d{3})+(?![\d])|(?<=0),\d+(?![\d,])|\d*(?:[.·]\d+)?)")
_NUM_RE = re.compile(_NUM)


def _to_decimal(s: str) -> Decimal | None:
    s = s.strip()
    if s[0].isdigit():
        if s.startswith("0,"):
            s = "0." + s[2:]
        return Decimal(s.replace(",", "").replace("·", "."))
    low = s.lower().replace("-", " ").split()
    total = 0
    for w in low:
        if w not in _NUMBER_WORDS:
            return None
        total += _NUMBER_WORDS[w]
    return Decimal(total)


def _is_word(s: str) -> bool:
    return not s[0].isdigit()


# --- cue regexes from units.yaml --------------------------------------------------

_CFG = units_config()


def _alts(patterns: list[str]) -> str:
    return "|".join(patterns)


_QUAL_RE = re.compile(
    r"(?:^|(?<=[\s(,;:=]))(?:"
    + "|".join(f"(?P<{k}>{_alts(v)})" for k, v in _CFG["qualifiers"].items())
    + r")\s{0,2}$",
    re.IGNORECASE,
)
# Matched against lower-cased windows (faster than IGNORECASE on every call).
_KIND_CUE_RE = re.compile(
    r"\b(?:" + "|".join(rf"(?P<{k}>{_alts([p.lower() for p in v])})" for k, v in _CFG["kind_cues"].items()) + r")\b"
)
_STRONG_RELIEF_RE = re.compile(
    r"\b(?:relie(?:f|ved)|pain[- ]free|analgesi[ac]|lasted|persisted|sustained|duration of (?:pain )?relief)\b", re.I
)
# "the infusion lasted (a median of) 14 h", "sessions lasted 4 h": the treatment's own length
_ADMIN_LASTED_RE = re.compile(
    r"\b(?:infusions?|sessions?|administrations?|treatments?|procedures?|sedation|an[a]?esthesia|drips?)\b"
    r"(?:\s+[\w()-]+){0,3}?\s+(?:lasted|persisted|was\s+sustained|were\s+sustained)\b(?:\s+(?:for\s+)?(?:an?\s+)?"
    r"(?:mean|median|average|total)?(?:\s+of)?)?[\s~≈]*(?:(?:about|approximately|up\s+to|at\s+least)\s+)?$",
    re.I,
)
_RELIEF_WORD_RE = re.compile(r"\b(?:relie(?:f|ved)|pain|analgesi[ac]|effects?|benefits?|improvement)\b", re.I)
_FOLLOW_UP_RE = re.compile(r"\b(?:" + _alts(_CFG["kind_cues"]["follow_up"]) + r")\b", re.I)
_BETWEEN_RE = re.compile(r"\b(?:between|ranging\s+from|range\s+of|from)\s{1,2}$", re.I)
_MEAN_RE = re.compile(r"\b(?:mean|average|avg\.?)\b[^.;\d]{0,40}$", re.I)
_INTERVAL_LEFT_RE = re.compile(r"\b(?:every|each|q|at\s+intervals\s+of|intervals?\s+of)\s{0,2}(?:~|≈|approximately\s+|about\s+)?$", re.I)

_RANGE_SEP_RE = re.compile(r"\s{0,2}(?:[-–—‐‑]|to|through|-to-)\s{0,2}")
_AND_SEP_RE = re.compile(r"\s{1,2}(?:and|to|-|–)\s{1,2}")
_PM_RE = re.compile(r"\s{0,2}(?:±|\+/-|\+/−|\+-|\+ / -)\s{0,2}")
_LIST_SEP_RE = re.compile(r"\s{0,2},\s{0,2}(?:and\s+|or\s+)?|\s{1,2}(?:and|or|and/or)\s{1,2}")
_PAREN_SD_RE = re.compile(
    rf"\s{{0,2}}\(\s*(?:mean\s*)?(?:±|\+/-|SD|s\.d\.|S\.D\.|standard deviation)\s*[=:,]?\s*(?P<sd>{_DIGITS})\s*(?P<rest>[^()]{{0,20}}?)\)"
)
_PAREN_RANGE_RE = re.compile(
    rf"\s{{0,2}}\(\s*(?:range|IQR|interquartile range|min[-–]max)\s*[=:,]?\s*(?P<lo>{_DIGITS})\s*(?:[-–—]|to)\s*(?P<hi>{_DIGITS})\s*(?P<rest>[^()]{{0,20}}?)\)",
    re.I,
)
_CI_AFTER_RE = re.compile(r"\s{0,2}(?:CI\b|confidence|credible|prediction interval)", re.I)
# A period after an abbreviation that qualifies the next number ("ca. 8 mg/kg",
# "max. 25 mg/h", "approx. 2 h") does not end the clause.
_SENT_BREAK_RE = re.compile(
    r"[.;!?](?=\s|$)(?<!\b(?i:ca)\.)(?<!\b(?i:max)\.)(?<!\b(?i:approx)\.)(?<!\b(?i:vs)\.)(?<!\b(?i:resp)\.)|\n\s*\n"
)


# --- special patterns -----------------------------------------------------------------

_N_EQ_RE = re.compile(
    r"(?<![A-Za-z0-9])[nN]\s{0,2}[=:]\s{0,2}(?P<n>\d+)(?![\d.])"
    r"(?P<per>\s{0,2}(?:per|in\s+each|each|/|for\s+each)\s{0,2}(?:group|arm|treatment\s+group|cohort)s?\b|\s+each\b)?"
)
_SUBJECT_NOUNS = (
    r"patients?|subjects?|participants?|volunteers?|individuals?|people|persons?|adults?|children|"
    r"adolescents?|women|men|veterans?|cases?|controls?|responders?|non-?responders?|completers?"
)
_SESSION_NOUNS = (
    r"infusions?|sessions?|treatments?|courses?|cycles?|administrations?|injections?|doses?|"
    r"boosters?|visits?|applications?|rounds?"
)
_MOD = (
    r"(?!(?:of|with|and|or|in|were|was|had|have|who|that|the|to|from|per|for|at|on|by|a|an|"
    r"received|receiving|underwent|did|not|reported|experienced)\b)"
    r"(?:[A-Za-z][A-Za-z'’\-()+]*|\d+(?:\.\d+)?[-‐ ]?(?:h|hr|hour|min|minute|day|d|wk|week)s?)"
)
_COUNT_TAIL_RE = re.compile(
    rf"(?P<mods>(?:\s{{1,2}}{_MOD}){{0,3}}?)\s{{1,2}}(?P<noun>(?i:{_SUBJECT_NOUNS})|(?i:{_SESSION_NOUNS}))\b"
    r"(?P<each>\s{0,2}(?:each|apiece|per\s+(?:patient|subject|participant)))?"
    r"(?P<per>\s{0,2}(?:per|in\s+each|each|/)\s{0,2}(?:group|arm)s?\b)?"
)
_INCIDENCE_RE = re.compile(
    rf"(?<![\w./,\-])(?P<x>{_NUM})\s{{0,2}}(?:/|\bof\b(?:\s+the)?|\bout\s+of\b)\s{{0,2}}(?P<y>\d+)(?![\d.,]\d)"
    rf"(?P<pct>\s{{0,2}}[(\[]\s{{0,2}}(?P<p>{_DIGITS})\s{{0,2}}%\s{{0,2}}[)\]])?"
    rf"(?P<tail>(?:\s{{1,2}}{_MOD}){{0,3}}?\s{{1,2}}(?i:{_SUBJECT_NOUNS})\b)?"
)
_COUNT_PCT_RE = re.compile(
    rf"(?<![\w./,\-])(?P<x>\d+)\s{{0,2}}\(\s{{0,2}}(?P<p>{_DIGITS})\s{{0,2}}%\s{{0,2}}\)"
)
_Q_RE = re.compile(
    r"(?<![A-Za-z0-9])[qQ]\.?\s?(?P<lo>\d+(?:\.\d+)?)(?:\s?[-–]\s?(?P<hi>\d+(?:\.\d+)?))?\s?"
    r"(?P<u>h|hr|hrs|hours?|H|d|days?|wk|weeks?|w|mo|months?)(?![A-Za-z])"
)
_TIMES_RE = re.compile(
    r"(?:(?<=[\s(,;])|(?<=[a-zµμ]))[x×X]\s?(?P<n>\d+)(?![\d.%])(?!\s?(?:mg|µg|μg|ml|mL|/))"
    rf"|(?<![\w.])(?P<n2>\d+|(?i:{_WORDS_ALT}))\s?(?:times|x)(?![A-Za-z])(?!\s+(?:daily|a\s+day|per\s+day|weekly|a\s+week|higher|more|greater|less|lower))"
)
_UNIT_FIRST_RE = re.compile(
    r"(?<![A-Za-z])(?P<w>(?i:week|wk|day|month|year|hour))\s?(?P<n>\d+)(?!\d|\.\d|\s*(?:[-–]\s*\d|mg|µg|μg|%))"
)
_INTERVAL_WORD_RE = re.compile(
    r"(?i:(?P<alt>every\s+(?:other|second|alternate)\s+(?P<alt_u>day|week|month)|every\s+third\s+(?P<third_u>day|week)|"
    r"on\s+alternate\s+days|alternate\s+days|alternate-day)"
    r"|(?P<every>every\s+(?P<every_u>day|week|month|morning|evening|night))"
    r"|(?P<abbr>\b(?:b\.?i\.?d|t\.?i\.?d|q\.?i\.?d|q\.?d|o\.?d)\b\.?)"
    r"|(?P<freq>(?:(?P<times>once|twice|thrice|three\s+times|four\s+times|\d\s?(?:times|x))\s+|(?P<once_hyphen>once-|twice-))?"
    r"(?P<per>daily|a\s+day|per\s+day|each\s+day|weekly|a\s+week|per\s+week|monthly|a\s+month|per\s+month|nightly)))(?![A-Za-z])"
)
_BARE_FREQ_NEED_RE = re.compile(
    rf"[\s,]{{0,3}}(?:(?:[A-Za-z\-]+\s+){{0,3}}(?i:{_SESSION_NOUNS})\b|(?:for|over)\s+\d|for\s+(?i:{_WORDS_ALT})\b|x\s?\d)"
)
_TITR_VERB_RE = re.compile(
    r"\b(?:increas\w*|titrat\w*|escalat\w*|rais\w*|up-?titrat\w*|advanc\w*|step(?:ped|wise)|adjust\w*|augment\w*|doubl\w*)\b",
    re.I,
)
_STEP_END_RE = re.compile(r"(?:\bby|\bin\s+(?:increments|steps)\s+of|\bincrements?\s+of|\bsteps?\s+of)\s{0,2}$", re.I)
_STEP_INTERVAL_END_RE = re.compile(r"(?:\bevery|\beach|\bq|\bat\s+intervals\s+of|\bafter)\s{0,2}$", re.I)
_MAX_END_RE = re.compile(
    r"(?:\bto|\bup\s+to|\buntil|\btill|\breaching|max\w*(?:\s+\w+){0,3}?(?:\s+of)?|\bmax\.?)\s{0,2}$", re.I
)
_BARE_MAX_RE = re.compile(
    rf"\s{{0,2}},?\s{{0,2}}(?:and\s+)?(?:(?:up\s+)?to|until|reaching)\s{{1,2}}(?:an?\s+)?(?:max\w*(?:\s+\w+){{0,2}}?\s+(?:of\s+)?)?(?P<n>{_DIGITS})"
    r"(?!\s{0,2}(?:[-–]\s*\d|[A-Za-zµμ%/±]|\d))"
)
_TITR_FROM_RE = re.compile(r"(?:increas|titrat|escalat|rais|advanc)\w*\s+(?:\w+\s+){0,2}from\s+$", re.I)
_TITR_TO_ONLY_RE = re.compile(r"(?:increas|titrat|escalat|rais|advanc)\w*\s+(?:up\s+)?(?:to|until)\s+(?:an?\s+)?(?:max\w*(?:\s+\w+){0,3}?\s+(?:of\s+)?)?$", re.I)
_COURSE_GAP_RE = re.compile(r"^[\s,]{0,3}(?:for|over|during)\s+(?:a\s+(?:total|period)\s+of\s+|(?:the\s+)?(?:next|following)\s+)?$", re.I)
_SCHED_GAP_RE = re.compile(r"^[\s,]{0,3}(?:(?:and|then|repeated|given|administered|infused|infusions?|sessions?|treatments?)\s+){0,3}$", re.I)

_LABEL_NUMBER_BACK_RE = re.compile(
    r"\b(?i:type|grade|stage|class|phase|level|part|step|table|figure|fig\.?|ref\.?|no\.?|version|tier|"
    r"category|group|arm|cohort|study|trial|item|patient|case|subject)\s{1,2}$"
)
_SAMPLE_CUE_RE = re.compile(
    r"\b(?:enrol\w*|randomi[sz]\w*|recruit\w*|includ\w*|particip\w*|studied|total\s+of|consecutive|entered|allocated|assigned|screened|eligible|sample|cohort\s+of|comprised|consisted)\b",
    re.I,
)
_EVENT_CUE_RE = re.compile(
    r"\b(?:experienc\w*|report\w*|develop\w*|occurr\w*|complain\w*|suffer\w*|respond\w*|responders?|withdr\w*|dropped|discontinu\w*|had|showed|noted|required|achieved)\b",
    re.I,
)


# --- scanner -------------------------------------------------------------------------


class _Scan:
    def __init__(self, text: str):
        self.text = text
        self.taken = bytearray(len(text) + 1)
        self.matches: list[QuantityMatch] = []
        low = text.lower()
        self.low = low if len(low) == len(text) else None
        # Candidate numbers: digit runs, plus number words found by plain str.find
        # (much faster than a case-insensitive regex over the whole text).
        cands = list(_DIGITS_RE.finditer(text))
        for i in _find_words(self.low, _WORD_TRIGGERS) if self.low else (m.start() for m in _WORDS_FALLBACK_RE.finditer(text)):
            m = _NUM_RE.match(text, i)
            if m:
                cands.append(m)
        cands.sort(key=lambda m: m.start())
        self.cands = cands
        self.interval_triggers: list[int] | None = None

    def free(self, s: int, e: int) -> bool:
        return self.taken.find(1, s, e) == -1

    def add(self, m: QuantityMatch) -> QuantityMatch:
        self.taken[m.start : m.end] = b"\x01" * (m.end - m.start)
        self.matches.append(m)
        return m

    def new(self, start: int, end: int, kind: str, **kw) -> QuantityMatch:
        qkw = {k: kw.pop(k) for k in list(kw) if k in _QFIELDS}
        q = Quantity(text=self.text[start:end], kind=kind, **qkw)
        return self.add(QuantityMatch(start, end, q, **kw))

    # context helpers
    def left(self, pos: int, width: int = 60) -> str:
        """Text before pos in the same clause, cut after the previous quantity."""
        lo = max(0, pos - width)
        t = self.taken.rfind(1, lo, pos)
        if t != -1:
            lo = t + 1
        s = self.text[lo:pos]
        cut = None
        for m in _SENT_BREAK_RE.finditer(s):
            cut = m.end()
        return s[cut:] if cut is not None else s

    def right(self, pos: int, width: int = 45) -> str:
        """Text after pos in the same clause, cut before the next quantity."""
        hi = min(len(self.text), pos + width)
        t = self.taken.find(1, pos, hi)
        if t != -1:
            hi = t
        s = self.text[pos:hi]
        m = _SENT_BREAK_RE.search(s)
        return s[: m.start()] if m else s


_QFIELDS = {f for f in Quantity.__dataclass_fields__} - {"text", "kind"}
_WORD_TRIGGERS = tuple(w for w in _NUMBER_WORDS if w not in ("no", "single", "both"))
_WORDS_FALLBACK_RE = re.compile(rf"(?i:\b(?:{_WORDS_ALT})\b)")
_INTERVAL_TRIGGERS = (
    "every", "alternate", "once", "twice", "thrice", "three times", "four times", "daily", "weekly",
    "monthly", "nightly", "a day", "per day", "each day", "a week", "per week", "a month", "per month",
    "bid", "b.i.d", "tid", "t.i.d", "qid", "q.i.d", "qd", "q.d", "od", "o.d",
)


def _find_words(low: str, words: tuple[str, ...]) -> list[int]:
    """Start offsets of whole-word occurrences of ``words`` (ASCII) in lower-cased text."""
    out = set()
    n = len(low)
    # One byte per character (others become "?", which no trigger contains): the same
    # offsets, and bytes.find is faster than str.find on text with non-Latin-1 characters.
    hay = low.encode("latin-1", "replace")
    for w in words:
        wb = w.encode("ascii")
        i = hay.find(wb)
        while i != -1:
            e = i + len(w)
            if (i == 0 or not low[i - 1].isalnum()) and (e >= n or not low[e].isalpha()):
                out.add(i)
            i = hay.find(wb, i + 1)
    return sorted(out)


def _bad_start(text: str, i: int) -> bool:
    """A number glued to a word, a citation or a date is not a quantity."""
    if i == 0:
        return False
    p = text[i - 1]
    pp = text[i - 2] if i >= 2 else " "
    if p.isalnum() or p in "_[{^/":
        return True
    if p in "-‐‑–" and (pp.isalpha() or pp.isdigit()):
        return True
    if p in ".," and (pp.isalpha() or pp in ")]" or pp.isdigit()):
        return True
    if p in ":;" and pp.isdigit():
        return True
    return False


def find_quantities(text: str) -> list[QuantityMatch]:
    """All quantities in ``text`` (see module docstring)."""
    sc = _Scan(text)
    _pass_digit_led(sc)
    _pass_interval_words(sc, bare=False)
    _pass_numbers(sc)
    _pass_counts(sc)
    _pass_interval_words(sc, bare=True)
    sc.matches.sort(key=lambda m: m.start)
    _link_titrations(sc)
    _link_schedules(sc)
    for m in sc.matches:
        if m.quantity.unit is not None:
            normalize(m.quantity)
            if m.low_unit is not None and m.quantity.normalized_unit is not None:
                conv = conversion(m.low_unit, m.quantity.kind)
                if conv and conv[0] == m.quantity.normalized_unit:
                    m.quantity.normalized_low = convert_value(m.low_written, conv[1])
    return sc.matches


def find_schedules(matches: list[QuantityMatch]) -> list[Schedule]:
    seen: dict[int, Schedule] = {}
    for m in matches:
        if m.schedule is not None:
            seen.setdefault(id(m.schedule), m.schedule)
    return list(seen.values())


def find_titrations(matches: list[QuantityMatch]) -> list[Titration]:
    seen: dict[int, Titration] = {}
    for m in matches:
        if m.titration is not None:
            seen.setdefault(id(m.titration), m.titration)
    return list(seen.values())


# --- passes ----------------------------------------------------------------------------


_N_EQ_BACK_RE = re.compile(r"(?<![A-Za-z0-9])[nN]\s{0,2}[=:]\s{0,2}$")
_Q_BACK_RE = re.compile(r"(?<![A-Za-z0-9])[qQ]\.?\s?$")
_UNIT_FIRST_BACK_RE = re.compile(r"(?<![A-Za-z])(?i:week|wk|day|month|year|hour)\s?$")
_TIMES_BACK_RE = re.compile(r"(?:(?<=[\s(,;])|(?<=[a-zµμ]))[x×X]\s?$")
_INCIDENCE_NEXT_RE = re.compile(r"\s{0,2}(?:/|of\b|out\b)")
_PAREN_NEXT_RE = re.compile(r"\s{0,2}\(")
_TIMES_NEXT_RE = re.compile(r"\s?(?:times|x)(?![A-Za-z])")
# the three above in one regex (they exclude each other): one match per candidate number
_DIGIT_NEXT_RE = re.compile(
    r"(?P<incidence>\s{0,2}(?:/|of\b|out\b))|(?P<paren>\s{0,2}\()|(?P<times>\s?(?:times|x)(?![A-Za-z]))"
)


_BACK_TRIGGER_CHARS = set("=:qQ.kKyYsSrRxX×")


def _prev_char(text: str, pos: int) -> str:
    """The last non-space character before pos (within 3 characters)."""
    for i in range(pos - 1, max(-1, pos - 4), -1):
        if not text[i].isspace():
            return text[i]
    return ""


def _back(rx: re.Pattern, text: str, pos: int, width: int) -> int | None:
    """Start of ``rx`` (anchored with $) ending at pos, or None."""
    m = rx.search(text, max(0, pos - width), pos)
    return m.start() if m else None


def _pass_digit_led(sc: _Scan) -> None:
    """Patterns anchored on a number: n = 30, 6/30 (20%), Q4h, x3, week 12."""
    text = sc.text
    taken = sc.taken
    for d in sc.cands:
        ds = d.start()
        if taken[ds]:
            continue
        prev = text[ds - 1] if ds else ""
        if prev.isspace():
            prev = _prev_char(text, ds)
        if prev in _BACK_TRIGGER_CHARS and prev and text[ds].isdigit():
            b = _back(_N_EQ_BACK_RE, text, ds, 8) if prev in "=:" else None
            if b is not None:
                m = _N_EQ_RE.match(text, b)
                if m and sc.free(m.start(), m.end()):
                    per = m.group("per")
                    sc.new(
                        m.start(), m.end(), "count", value=Decimal(m.group("n")), role="sample_size",
                        per=("each" if per and per.strip() == "each" else "group") if per else None,
                    )
                    continue
            if prev in "qQ.kKyYsSrRxX×":
                b = _back(_Q_BACK_RE, text, ds, 4)
                if b is not None and _q_notation(sc, b):
                    continue
                b = _back(_UNIT_FIRST_BACK_RE, text, ds, 7)
                if b is not None and _unit_first(sc, b):
                    continue
                b = _back(_TIMES_BACK_RE, text, ds, 3)
                if b is not None and _times(sc, b):
                    continue
        nxt = _DIGIT_NEXT_RE.match(text, d.end())
        if nxt is None:
            continue
        after = nxt.lastgroup
        if after == "incidence":
            _incidence(sc, ds)
        elif after == "paren":
            if not _is_word(d.group(0)):
                _count_pct(sc, ds)
        elif not _bad_start(text, ds):
            _times(sc, ds)


def _incidence(sc: _Scan, pos: int) -> bool:
    text = sc.text
    m = _INCIDENCE_RE.match(text, pos)
    if not m or not (m.group("pct") or m.group("tail")):
        return False
    if not sc.free(m.start(), m.end()) or _bad_start(text, m.start()):
        return False
    x, y = _to_decimal(m.group("x")), Decimal(m.group("y"))
    if x is None or y == 0 or x > y:
        return False
    pct = Decimal(m.group("p")) if m.group("p") else to_decimal(Fraction(x) / Fraction(y) * 100)
    subject = m.group("tail").split()[-1].lower() if m.group("tail") else None
    sc.new(
        m.start(), m.end(), "count", value=x, role="incidence", denominator=int(y), subject=subject,
        normalized_unit="%", normalized_value=pct,
    )
    return True


def _count_pct(sc: _Scan, pos: int) -> bool:
    m = _COUNT_PCT_RE.match(sc.text, pos)
    if not m or not sc.free(m.start(), m.end()) or _bad_start(sc.text, m.start()):
        return False
    p = Decimal(_norm_digits(m.group("p")))
    if p > 100:
        return False
    sc.new(m.start(), m.end(), "count", value=Decimal(m.group("x")), role="incidence",
           normalized_unit="%", normalized_value=p)
    return True


_Q_UNITS = {"h": "h", "hr": "h", "hrs": "h", "hour": "h", "hours": "h", "d": "d", "day": "d", "days": "d",
            "wk": "wk", "week": "wk", "weeks": "wk", "w": "wk", "mo": "mo", "month": "mo", "months": "mo"}


def _q_notation(sc: _Scan, pos: int) -> bool:
    m = _Q_RE.match(sc.text, pos)
    if not m or not sc.free(m.start(), m.end()):
        return False
    unit = _Q_UNITS[m.group("u").lower()]
    lo, hi = Decimal(m.group("lo")), m.group("hi")
    kw = {"low": lo, "high": Decimal(hi)} if hi else {"value": lo}
    label = f"every {lo}{'-' + hi if hi else ''} {unit}"
    sc.new(m.start(), m.end(), "interval", unit=unit, role="interval", label=label, **kw)
    return True


def _times(sc: _Scan, pos: int) -> bool:
    m = _TIMES_RE.match(sc.text, pos)
    if not m or not sc.free(m.start(), m.end()):
        return False
    n = _to_decimal(m.group("n") or m.group("n2"))
    if n is None or n == 0 or n > 100:
        return False
    sc.new(m.start(), m.end(), "count", value=n, role="sessions")
    return True


_UNIT_FIRST = {"week": "wk", "wk": "wk", "day": "d", "month": "mo", "year": "yr", "hour": "h"}


_UNIT_FIRST_LEFT_RE = re.compile(
    r"(?:^|[(\[,;:–—-]|\b(?i:at|on|by|until|till|through|to|from|and|or|after|before|between|of|in|during|since|"
    r"beyond|post|than|versus|vs\.?|including|inclusive\s+of))\s{0,2}$"
)


def _unit_first(sc: _Scan, pos: int) -> bool:
    m = _UNIT_FIRST_RE.match(sc.text, pos)
    if not m or not sc.free(m.start(), m.end()):
        return False
    # "at week 12", "(day 3)", "Week 12 results"; not "the previous year 394 (36%)"
    if not (m.group("w")[0].isupper() or _UNIT_FIRST_LEFT_RE.search(sc.text, max(0, pos - 12), pos)):
        return False
    sc.new(m.start(), m.end(), "time_point", unit=_UNIT_FIRST[m.group("w").lower()], value=Decimal(m.group("n")))
    return True


def _pass_numbers(sc: _Scan) -> None:
    text = sc.text
    pos = 0
    for m in sc.cands:
        if m.start() < pos:
            continue
        if not sc.free(m.start(), m.end()) or _bad_start(text, m.start()):
            continue
        end = _quantity_at(sc, m)
        if end:
            pos = end


# First characters of every continuation a unitless number can have: a range ("-", "to",
# "through", "and"), a spread ("±", "+/-", "(SD"), a list (",", "and", "or").
_CONTINUE_CHARS = frozenset("-–—‐‑t±+(,ao")


def _may_continue(text: str, pos: int) -> bool:
    """Cheap pre-check before the range/spread/list regexes (most numbers have none)."""
    for i in range(pos, min(pos + 3, len(text))):
        ch = text[i]
        if not ch.isspace():
            return ch in _CONTINUE_CHARS
    return False


def _unit_ok(u: UnitParse | None) -> bool:
    return u is not None and u.spec is not None


def _same_family(a: UnitParse, b: UnitParse) -> Fraction | None:
    """Factor to express a value in unit ``a`` in unit ``b`` when both normalize alike."""
    if a.spec.canonical == b.spec.canonical:
        return Fraction(1)
    ca, cb = conversion(a.spec.canonical, "dose"), conversion(b.spec.canonical, "dose")
    if ca and cb and ca[0] == cb[0]:
        return ca[1] / cb[1]
    return None


def _quantity_at(sc: _Scan, m: re.Match) -> int | None:
    """Parse the quantity whose first number is ``m``; add matches; return end or None."""
    text = sc.text
    start = m.start()
    low_unit = None
    word1 = _is_word(m.group(0))
    pos = m.end()
    u1 = parse_unit(text, pos)
    if u1 is None and (word1 or not _may_continue(text, pos)):
        return None  # a bare number: no unit, and nothing that could start a range, spread or list
    v1 = _to_decimal(m.group(0))
    if v1 is None:
        return None
    if u1 is not None and u1.spec is None:
        if word1:
            return None
        q = sc.new(start, u1.end, "unknown", role=None, warnings=list(u1.warnings))
        return q.end
    if u1 is not None and word1 and unit_dimension(u1.spec.numerator) != "time":
        return None  # "one mg" is not how doses are written; "three months" is
    left = sc.left(start)
    between = _BETWEEN_RE.search(left)
    fields: dict = {}
    end = None
    unit = None
    if u1 is None:
        # number without unit: a range, spread or list whose unit follows the last number
        if word1:
            return None
        sep = (_AND_SEP_RE if between else _RANGE_SEP_RE).match(text, pos)
        if sep:
            n2 = _DIGITS_RE.match(text, sep.end())
            if n2:
                u2 = parse_unit(text, n2.end())
                if _unit_ok(u2) and not u2.hyphenated:
                    v2 = Decimal(_norm_digits(n2.group(0)))
                    if v1 > v2:
                        # "from 40 to 10 mg/h": no range runs downwards; two amounts, one unit
                        return _inverted_pair(sc, m, v1, n2, v2, u2)
                    fields = {"low": v1, "high": v2}
                    unit, end = u2, u2.end
        if end is None:
            pm = _PM_RE.match(text, pos)
            if pm:
                n2 = _DIGITS_RE.match(text, pm.end())
                if n2:
                    u2 = parse_unit(text, n2.end())
                    if _unit_ok(u2):
                        fields = {"mean": v1, "sd": Decimal(_norm_digits(n2.group(0)))}
                        unit, end = u2, u2.end
        if end is None:
            ps = _PAREN_SD_RE.match(text, pos)
            if ps and not ps.group("rest").strip():
                u2 = parse_unit(text, ps.end())
                if _unit_ok(u2):
                    fields = {"mean": v1, "sd": Decimal(_norm_digits(ps.group("sd")))}
                    unit, end = u2, u2.end
        if end is None and not between:
            return _list_at(sc, m, v1)
        if end is None:
            return None
    else:
        unit, end = u1, u1.end
        fields = {"value": v1}
        # repeated unit: "0.1 mg/kg/h to 0.5 mg/kg/h", "6 µg/kg and 0.4 mg/kg" (between)
        sep = (_AND_SEP_RE if between else _RANGE_SEP_RE).match(text, end)
        if sep and not u1.hyphenated:
            n2 = _DIGITS_RE.match(text, sep.end())
            if n2 and not _bad_start(text, n2.start()) or (n2 and text[n2.start() - 1] in " -–—‐‑"):
                u2 = parse_unit(text, n2.end())
                if _unit_ok(u2):
                    f = _same_family(u1, u2)
                    low = None if f is None else (v1 if f == 1 else to_decimal(Fraction(v1) * f))
                    high = Decimal(_norm_digits(n2.group(0)))
                    # "100 mg/24 hr to 25 mg/h" is a range; "20 mg to 10 mg" is two amounts
                    if low is not None and low <= high:
                        fields = {"low": low, "high": high}
                        if f != 1:
                            low_unit = (u1.spec.canonical, v1)
                        unit, end = u2, u2.end
        if "value" in fields:
            pm = _PM_RE.match(text, end)
            if pm:
                n2 = _DIGITS_RE.match(text, pm.end())
                if n2:
                    u2 = parse_unit(text, n2.end())
                    if u2 is None or (_unit_ok(u2) and u2.spec.canonical == u1.spec.canonical):
                        fields = {"mean": v1, "sd": Decimal(_norm_digits(n2.group(0)))}
                        end = u2.end if u2 else n2.end()
    # parenthetical SD or range after the unit
    if "value" in fields:
        ps = _PAREN_SD_RE.match(text, end)
        if ps and _rest_ok(text, ps, unit):
            fields = {"mean": v1, "sd": Decimal(_norm_digits(ps.group("sd")))}
            end = ps.end()
        else:
            pr = _PAREN_RANGE_RE.match(text, end)
            if pr and _rest_ok(text, pr, unit) and Decimal(_norm_digits(pr.group("lo"))) <= Decimal(_norm_digits(pr.group("hi"))):
                fields["low"] = Decimal(_norm_digits(pr.group("lo")))
                fields["high"] = Decimal(_norm_digits(pr.group("hi")))
                end = pr.end()
    if unit.spec.numerator == "%" and _CI_AFTER_RE.match(text, end):
        return end  # "95% CI": a confidence level, not a finding
    qual = _QUAL_RE.search(left)
    qstart = start
    qualifier = None
    if qual:
        qualifier = qual.lastgroup
        qstart = start - (len(left) - qual.start())
    if between:
        qstart = min(qstart, start - (len(left) - between.start()))
    if "value" in fields and _MEAN_RE.search(left):
        fields["mean"] = fields.pop("value")
    kind, role = _classify(sc, unit, start, end, left)
    spec = unit.spec
    match = sc.new(
        qstart, end, kind, unit=spec.canonical, qualifier=qualifier, per_weight=spec.per_weight,
        per_70kg=spec.per_70kg, role=role, **fields,
    )
    if role == "interval":
        match.label = f"every {match.quantity.value or ''} {spec.canonical}".replace("  ", " ")
    if low_unit is not None:
        match.low_unit = low_unit[0]
        match.low_written = low_unit[1]
    return end


def _inverted_pair(sc: _Scan, m: re.Match, v1: Decimal, n2: re.Match, v2: Decimal, u: UnitParse) -> int:
    """A "range" whose low end exceeds its high end: two quantities sharing the trailing unit."""
    left = sc.left(m.start())
    kind, role = _classify(sc, u, m.start(), u.end, left)
    qual = _QUAL_RE.search(left)
    spec = u.spec
    first = sc.new(m.start(), m.end(), kind, unit=spec.canonical, value=v1, per_weight=spec.per_weight,
                   per_70kg=spec.per_70kg, qualifier=qual.lastgroup if qual else None, role=role)
    second = sc.new(n2.start(), u.end, kind, unit=spec.canonical, value=v2, per_weight=spec.per_weight,
                    per_70kg=spec.per_70kg, role=role)
    for q in (first, second):
        if role == "interval":
            q.label = f"every {q.quantity.value} {spec.canonical}"
    return u.end


def _norm_digits(s: str) -> str:
    if s.startswith("0,"):
        s = "0." + s[2:]
    return s.replace(",", "").replace("·", ".")


def _rest_ok(text: str, m: re.Match, unit: UnitParse) -> bool:
    rest = m.group("rest").strip()
    if not rest:
        return True
    u = parse_unit(rest, 0)
    return _unit_ok(u) and u.end == len(rest) and u.spec.canonical == unit.spec.canonical


def _list_at(sc: _Scan, m: re.Match, v1: Decimal) -> int | None:
    """"50, 100, and 150 ng/mL", "17.5 or 35 mg": each number gets the trailing unit."""
    text = sc.text
    items = [(m.start(), m.end(), v1)]
    pos = m.end()
    for _ in range(8):
        sep = _LIST_SEP_RE.match(text, pos)
        if not sep:
            return None
        n = _DIGITS_RE.match(text, sep.end())
        if not n:
            return None
        items.append((n.start(), n.end(), Decimal(_norm_digits(n.group(0)))))
        pos = n.end()
        u = parse_unit(text, pos)
        if u is not None:
            if u.spec is None or u.hyphenated:
                return None
            break
    else:
        return None
    left = sc.left(m.start())
    kind, role = _classify(sc, u, m.start(), u.end, left)
    qual = _QUAL_RE.search(left)
    spec = u.spec
    for i, (s, e, v) in enumerate(items):
        end = u.end if i == len(items) - 1 else e
        sc.new(s, end, kind, unit=spec.canonical, value=v, per_weight=spec.per_weight, per_70kg=spec.per_70kg,
               qualifier=qual.lastgroup if (qual and i == 0) else None, role=role)
    return u.end


def _nearest_cue(left: str, right: str, allowed: set[str]) -> str | None:
    best, best_d = None, 10**6
    left, right = left.lower(), right.lower()
    for c in _KIND_CUE_RE.finditer(left):
        k = c.lastgroup
        if k in allowed:
            d = len(left) - c.end()
            if d <= best_d:
                best, best_d = k, d
    for c in _KIND_CUE_RE.finditer(right):
        k = c.lastgroup
        if k in allowed:
            d = c.start()
            if d < best_d:
                best, best_d = k, d
            break_early = d > best_d
            if break_early:
                break
    return best


_TIME_KINDS = {"relief", "follow_up", "time_point", "duration", "age", "disease_duration"}
_MASS_KINDS = {"bolus", "total"}


_LIST_GAP_RE = re.compile(r"\s{0,2}(?:,|,?\s(?:and|or|to))?\s{0,2}(?:and\s+|or\s+)?(?:at\s+|by\s+|after\s+)?", re.I)


def _classify(sc: _Scan, unit: UnitParse, start: int, end: int, left: str) -> tuple[str, str | None]:
    spec = unit.spec
    dim = unit_dimension(spec.numerator)
    has_den = spec.weight_basis is not None or spec.time or spec.volume or spec.area
    prev = _previous_in_list(sc, start, left)
    if prev is not None and prev.quantity.unit and unit_dimension(spec_numerator(prev.quantity.unit)) == dim:
        if prev.kind not in ("unknown", "interval", "count"):
            return prev.kind, None  # "relief at 1 wk, 1 mo, 3 mo, and 6 mo"
    if dim == "percent":
        return "percent", None
    if dim == "weight":
        return ("bmi" if spec.area else "weight"), None
    if dim == "time":
        if has_den:
            return "unknown", None
        if _INTERVAL_LEFT_RE.search(left):
            return "interval", "interval"
        right = sc.right(end)
        near_left = left[-60:]
        if re.search(r"\b(?:aged?|of age|years? old)\b", near_left[-25:] + " " + right[:12], re.I):
            return "age", None
        if _STRONG_RELIEF_RE.search(near_left) or _STRONG_RELIEF_RE.search(right[:30]):
            if _ADMIN_LASTED_RE.search(near_left) and not _RELIEF_WORD_RE.search(near_left):
                return "duration", None  # "the infusion lasted a median of 14 h": how long it ran
            return "relief", None
        if _FOLLOW_UP_RE.search(near_left[-40:]) or _FOLLOW_UP_RE.search(right[:20]):
            return "follow_up", None
        cue = _nearest_cue(near_left, right, _TIME_KINDS)
        return (cue or "duration"), None
    if spec.time:
        return "rate", None
    if spec.volume:
        right = sc.right(end)
        if spec.numerator == "ng" or _nearest_cue(left[-40:], right[:30], {"target_concentration"}):
            return "target_concentration", None
        return "concentration", None
    cue = _nearest_cue(left[-40:], sc.right(end, 30), _MASS_KINDS)
    return (cue or "dose"), None


def spec_numerator(unit: str) -> str:
    return unit.split("/", 1)[0]


def _previous_in_list(sc: _Scan, start: int, left: str) -> QuantityMatch | None:
    """The quantity just before ``start`` when only a list separator lies between."""
    if not left or not sc.matches:
        return None
    gap_start = start - len(left)
    last = sc.matches[-1]
    if last.end != gap_start or len(left) > 12:
        return None
    m = _LIST_GAP_RE.fullmatch(left)
    if not m or not left.strip(" "):
        return None
    return last


def _pass_counts(sc: _Scan) -> None:
    """Numbers followed by a counted noun: "30 patients", "10 daily 4-hour infusions"."""
    text = sc.text
    n_text = len(text)
    for m in sc.cands:
        me = m.end()
        if me >= n_text or not text[me].isspace():
            continue  # the counted noun always follows after a space
        if sc.taken[m.start()] or not sc.free(m.start(), me) or _bad_start(text, m.start()):
            continue
        t = _COUNT_TAIL_RE.match(text, me)
        if not t:
            continue
        if _LABEL_NUMBER_BACK_RE.search(text, max(0, m.start() - 12), m.start()):
            continue  # "CRPS type 1 patients", "Table 2 patients"
        n = _to_decimal(m.group(0))
        if n is None or (n != n.to_integral_value()):
            continue
        noun = t.group("noun").lower()
        end = t.end() if sc.free(m.end(), t.end()) else m.end()
        if not sc.free(m.start(), end):
            end = m.end()
        per = "each" if t.group("each") else ("group" if t.group("per") else None)
        if re.fullmatch(_SESSION_NOUNS, noun, re.I):
            role = "sessions"
        else:
            left, right = sc.left(m.start(), 50), sc.right(t.end(), 40)
            if _EVENT_CUE_RE.search(right[:25]) and not _SAMPLE_CUE_RE.search(right[:25]):
                role = "events"
            elif _SAMPLE_CUE_RE.search(left[-35:]) or _SAMPLE_CUE_RE.search(right[:30]) or re.search(r"\bin\s+$", left, re.I):
                role = "sample_size"
            else:
                role = "subjects"
        sc.new(m.start(), end, "count", value=n, role=role, subject=noun, per=per)


_FREQ_PER_HOURS = {"day": 24, "week": 168, "month": Decimal("730.5"), "night": 24}
_TIMES_WORDS = {"once": 1, "twice": 2, "thrice": 3, "three times": 3, "four times": 4}


def _pass_interval_words(sc: _Scan, bare: bool) -> None:
    """Frequency words. ``bare`` = the second pass, for "daily"/"weekly" alone, which
    count only next to a quantity or before session nouns ("daily pain diary" is not)."""
    text = sc.text
    if sc.low is not None:
        if sc.interval_triggers is None:
            sc.interval_triggers = _find_words(sc.low, _INTERVAL_TRIGGERS)
        found = (_INTERVAL_WORD_RE.match(text, i) for i in sc.interval_triggers)
    else:
        found = _INTERVAL_WORD_RE.finditer(text)
    for m in found:
        if m is None:
            continue
        s, e = m.start(), m.end()
        if not sc.free(s, e):
            continue
        g = m.group
        is_bare = bool(g("freq")) and not (g("times") or g("once_hyphen"))
        if is_bare != bare and not (bare and g("abbr")):
            continue
        if not bare and g("abbr"):
            continue
        words = " ".join(g(0).lower().split())
        if g("alt_u"):
            u = g("alt_u").lower()
            value, unit, label = 2, {"day": "d", "week": "wk", "month": "mo"}[u], f"every other {u}"
        elif g("third_u"):
            u = g("third_u").lower()
            value, unit, label = 3, {"day": "d", "week": "wk"}[u], f"every third {u}"
        elif "alternate" in words:
            value, unit, label = 2, "d", "every other day"
        elif g("every"):
            u = g("every_u").lower()
            u = "day" if u in ("morning", "evening", "night") else u
            value, unit, label = 1, {"day": "d", "week": "wk", "month": "mo"}[u], "daily" if u == "day" else f"every {u}"
        elif g("abbr"):
            key = re.sub(r"[^a-z]", "", words)
            value, unit, label = {"bid": (12, "h", "twice daily"), "tid": (8, "h", "three times daily"),
                                  "qid": (6, "h", "four times daily"), "qd": (1, "d", "daily"),
                                  "od": (1, "d", "daily")}[key]
            if key in ("od", "qd") and not _adjacent_to_match(sc, s, e):
                continue
        else:
            per = words.split()[-1]
            period = {"daily": "day", "day": "day", "weekly": "week", "week": "week", "monthly": "month",
                      "month": "month", "nightly": "night"}[per]
            times_w = g("times") or (g("once_hyphen") or "").rstrip("-")
            times = 1
            if times_w:
                tw = " ".join(times_w.lower().split())
                times = _TIMES_WORDS.get(tw) or int(re.match(r"\d", tw).group(0))
            if not times_w and not (_adjacent_to_match(sc, s, e) or _BARE_FREQ_NEED_RE.match(text, e)):
                continue  # "daily pain diaries": not a schedule
            hours = Fraction(_FREQ_PER_HOURS[period]) / times
            if times == 1:
                value, unit = 1, {"day": "d", "week": "wk", "month": "mo", "night": "d"}[period]
                label = {"day": "daily", "week": "weekly", "month": "monthly", "night": "daily"}[period]
            else:
                value, unit = to_decimal(hours), "h"
                label = f"{times_w.lower()} {'daily' if period == 'day' else period + 'ly'}"
        sc.new(s, e, "interval", unit=unit, value=Decimal(value), role="interval", label=label)


def _adjacent_to_match(sc: _Scan, s: int, e: int) -> bool:
    text = sc.text
    for m in sc.matches:
        if 0 <= s - m.end <= 3 and not text[m.end : s].strip(" ,"):
            return True
        if 0 <= m.start - e <= 30 and m.kind == "count" and m.role == "sessions":
            return True
    return False


# --- titration ---------------------------------------------------------------------------


def _family(q: Quantity) -> str | None:
    if q.kind in ("rate", "dose", "bolus", "total", "target_concentration"):
        return "rate" if q.kind == "rate" else ("conc" if q.kind == "target_concentration" else "dose")
    return None


def _link_titrations(sc: _Scan) -> None:
    text = sc.text
    ms = sc.matches
    added: list[QuantityMatch] = []
    i = 0
    while i < len(ms):
        a = ms[i]
        fam = _family(a.quantity)
        if fam is None or a.titration is not None:
            i += 1
            continue
        left = sc.left(a.start, 40)
        # "increased from 10 to 40 mg/h": one range match
        lead = left + re.match(r"\D*", a.quantity.text).group(0)  # the span may start with "from"
        if a.quantity.low is not None and _TITR_FROM_RE.search(lead):
            q = a.quantity
            t = Titration(text=q.text)
            t.start = Quantity(text=q.text, kind=q.kind, unit=q.unit, value=q.low, per_weight=q.per_weight, per_70kg=q.per_70kg)
            t.maximum = Quantity(text=q.text, kind=q.kind, unit=q.unit, value=q.high, qualifier="maximum",
                                 per_weight=q.per_weight, per_70kg=q.per_70kg)
            normalize(t.start)
            normalize(t.maximum)
            a.titration, a.role = t, "titration_range"
            i += 1
            continue
        # "titrated to 40 mg/h" with no start
        if _TITR_TO_ONLY_RE.search(left) and a.role is None:
            t = Titration(text=text[a.start : a.end], maximum=a.quantity)
            a.titration, a.role = t, "maximum"
            if a.quantity.qualifier is None:
                a.quantity.qualifier = "maximum"
            i += 1
            continue
        members: list[tuple[QuantityMatch, str]] = []
        verb = bool(_TITR_VERB_RE.search(left[-25:]) and re.search(r"\b(?:start\w*|initial\w*|begin\w*|from)\s*(?:at|with|of)?\s*$", left, re.I))
        prev = a
        j = i + 1
        while j < len(ms):
            b = ms[j]
            gap = text[prev.end : b.start]
            if len(gap) > 80 or _SENT_BREAK_RE.search(gap) or b.titration is not None:
                break
            if _TITR_VERB_RE.search(gap):
                verb = True
            if not verb:
                break
            if b.quantity.kind in ("duration", "interval", "time_point") and _STEP_INTERVAL_END_RE.search(gap):
                members.append((b, "step_interval"))
            elif _family(b.quantity) == fam and _STEP_END_RE.search(gap):
                members.append((b, "step"))
            elif _family(b.quantity) == fam and (_MAX_END_RE.search(gap) or b.quantity.qualifier in ("maximum", "up_to")):
                members.append((b, "maximum"))
                prev = b
                break
            else:
                break
            prev = b
            j += 1
        roles = {r for _, r in members}
        last = members[-1][0] if members else a
        if members and "maximum" not in roles and verb:
            # "... every 30 min to 0.5": the maximum's unit is the step's or the start's
            bm = _BARE_MAX_RE.match(text, last.end)
            if bm and sc.free(bm.start("n"), bm.end("n")):
                ref = next((b for b, r in members if r == "step"), a).quantity
                q = Quantity(text=text[bm.start("n") : bm.end("n")], kind=ref.kind, unit=ref.unit,
                             value=Decimal(_norm_digits(bm.group("n"))), qualifier="maximum",
                             per_weight=ref.per_weight, per_70kg=ref.per_70kg)
                nm = QuantityMatch(bm.start("n"), bm.end("n"), q)
                sc.taken[nm.start : nm.end] = b"\x01" * (nm.end - nm.start)
                added.append(nm)
                members.append((nm, "maximum"))
                roles.add("maximum")
        if not members or not (roles & {"step", "maximum"}):
            i += 1
            continue
        end = max(b.end for b, _ in members)
        t = Titration(text=text[a.start : end], start=a.quantity)
        a.titration, a.role = t, "start"
        for b, r in members:
            b.titration, b.role = t, r
            if r == "step":
                t.step = b.quantity
            elif r == "maximum":
                t.maximum = b.quantity
                if b.quantity.qualifier is None:
                    b.quantity.qualifier = "maximum"
            elif r == "step_interval":
                b.quantity.kind = "interval"
        i = ms.index(members[-1][0]) + 1 if members[-1][0] in ms else j
    if added:
        ms.extend(added)
        ms.sort(key=lambda m: m.start)


# --- schedules ----------------------------------------------------------------------------


def _link_schedules(sc: _Scan) -> None:
    text = sc.text
    ms = sc.matches
    n = len(ms)
    used = set()
    for i, m in enumerate(ms):
        if i in used or not (m.role in ("interval", "sessions")):
            continue
        if m.titration is not None:
            continue
        group = {i}
        # extend left over a session duration ("1 h every other day", "4 h daily")
        k = i - 1
        while k >= 0 and k not in used:
            b = ms[k]
            gap = text[b.end : ms[min(group)].start]
            if _SENT_BREAK_RE.search(gap) or len(gap) > 25 or not _SCHED_GAP_RE.match(gap):
                break
            if b.kind in ("duration", "time_point") and b.titration is None or b.role in ("interval", "sessions"):
                if b.kind == "time_point":
                    b.quantity.kind = "duration"
                group.add(k)
                k -= 1
            else:
                break
        k = i + 1
        while k < n:
            b = ms[k]
            gap = text[ms[max(group)].end : b.start]
            if _SENT_BREAK_RE.search(gap) or len(gap) > 30:
                break
            if b.kind in ("duration", "time_point") and b.role is None and _COURSE_GAP_RE.match(gap):
                b.quantity.kind = "course"
                b.role = "course"
                group.add(k)
            elif (b.role in ("interval", "sessions") or b.kind == "duration") and _SCHED_GAP_RE.match(gap):
                group.add(k)
            else:
                break
            k += 1
        members = [ms[g] for g in sorted(group)]
        s, e = members[0].start, members[-1].end
        sched = Schedule(text=text[s:e], start=s, end=e)
        for b in members:
            b.schedule = sched
            if b.role == "interval" and sched.interval is None:
                sched.interval, sched.label = b.quantity, b.label
            elif b.role == "sessions" and sched.sessions is None:
                sched.sessions = int(b.quantity.value)
            elif b.role == "course":
                sched.course = b.quantity
            elif b.kind == "duration" and sched.session_duration is None:
                sched.session_duration = b.quantity
        used |= group


# --- helpers for the assembly ------------------------------------------------------------


def titration_range(start: Quantity, maximum: Quantity) -> Quantity | None:
    """One quantity for a titration's start-to-maximum range, or None (keep them apart)."""
    if start.unit is None or start.unit != maximum.unit:
        return None  # "100 mg/24 hr ... not exceeding 25 mg/h": a start and a ceiling
    lo = start.value if start.value is not None else start.low
    hi = maximum.value if maximum.value is not None else maximum.high
    if lo is None or hi is None or lo > hi:
        return None
    q = Quantity(text=start.text, kind=maximum.kind, unit=maximum.unit, low=lo, high=hi,
                 per_weight=maximum.per_weight, per_70kg=maximum.per_70kg)
    return normalize(q)


_WEIGHT_BASIS_RE = re.compile(
    r"\b(?:rates?|doses?|dosages?|amounts?|infusion\s+rates?|dosing|values?)\b[^.;]{0,60}?"
    r"\b(?:are|were|is|was|being)\s+(?:all\s+)?(?:expressed|given|reported|stated|shown|presented|quoted|"
    r"normali[sz]ed|standardi[sz]ed|calculated|scaled|adjusted)\s+(?:as\s+)?(?:per|for|to)\s+(?:an?\s+|the\s+)?"
    r"(?P<kg>\d{2,3})[- ]?kg\b",
    re.I,
)


def weight_basis_statement(sentence: str) -> int | None:
    """70 for "All rates are expressed per 70 kg body weight", else None."""
    m = _WEIGHT_BASIS_RE.search(sentence)
    return int(m.group("kg")) if m else None


def apply_weight_basis(q: Quantity, kg: int = 70) -> Quantity:
    """A copy of an absolute mass/amount (or rate) restated per ``kg`` body weight.

    Returns ``q`` itself when it has no unit, is already per body weight, or is not a
    mass/amount dose or rate (counts, durations, concentrations are never rescaled).
    """
    if q.unit is None or q.per_weight or q.per_70kg or q.kind not in ("rate", "dose", "bolus", "total"):
        return q
    spec = spec_from_canonical(f"{q.unit}/{kg}kg")
    if spec is None or spec.volume is not None or unit_dimension(spec.numerator) not in ("mass", "amount"):
        return q
    new = copy.deepcopy(q)
    new.unit = f"{q.unit}/{kg}kg"
    new.per_weight, new.per_70kg = spec.per_weight, spec.per_70kg
    new.normalized_unit = new.normalized_value = new.normalized_low = new.normalized_high = None
    return normalize(new)
