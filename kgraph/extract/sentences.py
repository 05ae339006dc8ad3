"""Rule-based sentence splitting for clinical papers (text extracted from PDFs).

Public API (stable): ``split_sentences(text) -> list[tuple[int, int]]``: character
offsets (start, end) of each sentence, whitespace trimmed, in order, never
overlapping. The spaCy component wraps it by setting ``token.is_sent_start``.

A sentence ends at ``.``, ``!`` or ``?`` (with closing quotes/brackets and any
citation glued after it: ``pain.^{3,4}``, ``pain.[3,4]``, ``pain.³⁴``, ``pain.12``)
followed by whitespace and a capital letter, digit, bracket or quote; and at a
blank line. It does not end:

- inside decimals (``0.5 mg``), or before a lower-case word (``5 mg. of``);
- after abbreviations: e.g., i.e., vs., Fig., Figs., Ref., Eq., No., approx., ca.,
  cf., Dr., Prof., Mr., Mrs., Ms., St., Vol., pp., p., viz., resp., incl., Jr., Sr.,
  dotted acronyms (U.S.), and "et al." unless a capitalized word follows;
- after initials (``Mao J. Anesth``, ``J.R. Smith``);
- after an enumerator at the start of a line or cell (``1. Pain relief``).

Run-in section labels glued to the text by PDF extraction (``ContextAcute pain``,
``ResultsTwelve patients``, ``METHODS Patients``, ``Conclusions: Ketamine``) become
their own one-label sentence, so the label can be read as a section heading.
A lost space after a period (``pain.Results``) is still a boundary when a
lower-case word precedes it and a capitalized word follows.
"""

from __future__ import annotations

import re

__all__ = ["split_sentences", "SECTION_LABELS"]

_ABBREVIATIONS = {
    "e.g", "eg", "i.e", "ie", "vs", "v", "fig", "figs", "ref", "refs", "eq", "eqs", "no", "nos", "approx",
    "ca", "cf", "dr", "drs", "prof", "mr", "mrs", "ms", "st", "vol", "vols", "pp", "p", "viz", "resp",
    "incl", "jr", "sr", "al", "suppl", "dept", "univ", "inc", "ltd", "co", "corp", "ed", "eds",
    "op", "cit", "sec", "ch", "tab", "a.m", "p.m", "b.i.d", "t.i.d", "q.i.d", "i.v", "s.c", "i.m",
    "p.o", "q.d", "o.d", "e", "i", "n.b", "nb", "est", "avg", "temp", "esp",
}
_NEVER_AFTER = {"dr", "drs", "prof", "mr", "mrs", "ms", "st", "fig", "figs", "ref", "refs", "eq", "eqs",
                "no", "nos", "vol", "vols", "pp", "p", "vs", "v", "cf", "e.g", "eg", "i.e", "ie", "viz",
                "approx", "ca", "incl", "resp", "suppl", "tab", "ch", "sec", "esp", "avg"}

SECTION_LABELS = (
    "Background", "Context", "Objective", "Objectives", "Aim", "Aims", "Purpose", "Introduction",
    "Methods", "Method", "Materials and Methods", "Patients and Methods", "Design", "Setting",
    "Design, Setting, and Participants", "Design and Setting", "Participants", "Patients", "Subjects",
    "Intervention", "Interventions", "Main Outcome Measures", "Main Outcome Measure", "Outcome Measures",
    "Measurements", "Results", "Findings", "Conclusion", "Conclusions", "Conclusions and Relevance",
    "Discussion", "Interpretation", "Importance", "Trial Registration", "Funding", "Limitations",
    "Evidence Review", "Data Sources", "Study Selection", "Data Extraction", "Data Synthesis",
    "Observations", "Case Presentation", "Case Report", "Summary", "Abstract", "Relevance",
)
_LABEL_ALTS = "|".join(re.escape(lab).replace(r"\ ", r"\s+") for lab in sorted(SECTION_LABELS, key=len, reverse=True))
_LABEL_RE = re.compile(
    rf"(?P<label>(?:{_LABEL_ALTS}))(?:(?P<colon>\s*[:.]\s*)|(?=[A-Z][a-z]))"
    rf"|(?P<caps>(?:{_LABEL_ALTS.upper()}))(?:\s*[:.]\s*|\s+(?=[A-Z])|(?=[A-Z][a-z]))"
)

_CAND_RE = re.compile(r"[.!?]|\n[ \t\r\f\v]*\n")
_CLOSERS = "\"'”’)]»"
_CITATION_RE = re.compile(
    r"\^\{[^{}\n]{1,40}\}|\[\s*\d[\d,;\s–\-]{0,40}\]|[⁰¹²³⁴⁵⁶⁷⁸⁹⁻,–]+"
)
_GLUED_DIGITS_RE = re.compile(r"\d[\d,–\-]{0,30}(?=\s)")
_WS_RE = re.compile(r"\s+")
_WORD_BEFORE_RE = re.compile(r"(\S+)$")
_INITIALS_RE = re.compile(r"(?:[A-Z]\.)*[A-Z]")
_DOTTED_RE = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]")
_ENUM_RE = re.compile(r"\(?\d{1,2}|[a-z]|[ivx]{1,4}")
_OPENERS = "\"'“‘([{•–-"


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence offsets in ``text`` (see module docstring)."""
    n = len(text)
    cuts: list[int] = []
    for m in _CAND_RE.finditer(text):
        i = m.start()
        if text[i] == "\n":
            cuts.append(m.end())
            continue
        end = _boundary_after(text, i, n)
        if end is not None:
            cuts.append(end)
    spans: list[tuple[int, int]] = []
    start = 0
    for cut in cuts + [n]:
        if cut <= start:
            continue
        _emit(text, start, cut, spans)
        start = cut
    return spans


def _emit(text: str, start: int, end: int, out: list[tuple[int, int]]) -> None:
    s, e = _trim(text, start, end)
    if s >= e:
        return
    lab = _LABEL_RE.match(text, s)
    if lab:
        label_end = lab.end("label") if lab.group("label") else lab.end("caps")
        rest = lab.end()
        # "Results: ..." keeps the colon with the label
        sep_end = label_end
        while sep_end < rest and text[sep_end] in " \t:.":
            sep_end += 1
        if rest < e and any(c.isalnum() for c in text[rest:e]):
            ls, le = _trim(text, s, min(sep_end, e))
            out.append((ls, le))
            s, e = _trim(text, rest, e)
            if s >= e:
                return
    out.append((s, e))


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


def _boundary_after(text: str, i: int, n: int) -> int | None:
    """If the punctuation at i ends a sentence, the offset where the next one starts."""
    ch = text[i]
    # decimals and numbered parts ("0.5", "2.3.1")
    if ch == "." and i + 1 < n and text[i + 1].isdigit() and i > 0 and text[i - 1].isdigit():
        return None
    j = i + 1
    while j < n and text[j] in ".!?":
        j += 1
    while j < n and text[j] in _CLOSERS:
        j += 1
    cm = _CITATION_RE.match(text, j)
    if cm:
        j = cm.end()
        while j < n and text[j] in _CLOSERS:
            j += 1
    elif i > 0 and (text[i - 1].isalpha() or text[i - 1] in ")]") and ch == ".":
        gm = _GLUED_DIGITS_RE.match(text, j)  # "pain.12 The"
        if gm and j + 1 < n:
            after = _next_visible(text, gm.end(), n)
            if after is not None and text[after].isupper():
                j = gm.end()
    if j >= n:
        return None
    word = _word_before(text, i)
    if not text[j].isspace():
        tail = word.rsplit(".", 1)[-1]
        # lost space: "pain.Results" -> boundary only between a lower-case word and a capital word
        if (
            ch == "."
            and text[j].isupper()
            and j + 1 < n
            and text[j + 1].islower()
            and len(tail) >= 2
            and tail.isalpha()
            and tail.islower()
            and tail not in _ABBREVIATIONS
        ):
            return j
        return None
    k = _next_visible(text, j, n)
    if k is None:
        return None
    nxt = text[k]
    if not (nxt.isupper() or nxt.isdigit() or nxt in _OPENERS):
        return None
    if ch != ".":
        return k
    if _is_abbreviation(text, i, word, k):
        return None
    return k


def _next_visible(text: str, j: int, n: int) -> int | None:
    m = _WS_RE.match(text, j)
    k = m.end() if m else j
    return k if k < n else None


def _word_before(text: str, i: int) -> str:
    m = _WORD_BEFORE_RE.search(text, max(0, i - 40), i)
    if not m:
        return ""
    return m.group(1).lstrip("([{\"'“‘")


def _is_abbreviation(text: str, i: int, word: str, k: int) -> bool:
    if not word:
        return False
    low = word.lower()
    nxt_word = text[k : k + 20].split(maxsplit=1)[0] if k < len(text) else ""
    if low == "al" and text[max(0, i - 6) : i].lower().endswith("et al"):
        # "Smith et al. (2009)", "et al.^3": not an end; "et al. The": an end
        return not (nxt_word[:1].isupper() and nxt_word[1:2].islower())
    if low in _NEVER_AFTER:
        return True
    if low in _ABBREVIATIONS and not (nxt_word[:1].isupper() and nxt_word[1:2].islower()):
        return True
    if _INITIALS_RE.fullmatch(word) and word != "I" or _DOTTED_RE.fullmatch(word):
        # "Mao J. Anesth", "J.R. Smith", "U.S.": initials and dotted acronyms
        return True
    if _ENUM_RE.fullmatch(word) and _line_start(text, i - len(word)):
        return True  # "1. Pain relief at 1 wk" at the start of a line or cell
    return False


def _line_start(text: str, pos: int) -> bool:
    p = pos - 1
    while p >= 0 and text[p] in " \u00a0":
        p -= 1
    if p < 0 or text[p] in "\n\t\r:;!?":
        return True
    if text[p] == ".":
        prev = _word_before(text, p).lower()  # "Ref. 3." is not an enumerated item
        return bool(prev) and prev not in _NEVER_AFTER and prev not in _ABBREVIATIONS
    return False
