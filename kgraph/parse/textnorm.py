"""Character-level clean-up shared by the PDF and text readers.

NFKC-like normalization that keeps what clinical text needs: micro sign and Greek mu
both become Greek mu (one form to match "μg"), vulgar fractions stay, superscript and
subscript digits are handled by the citation code before this runs, curly quotes
become straight ones, Unicode minus becomes "-", en dashes stay (ranges "3–7").
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

# Characters NFKC would damage for our purposes: fractions ("1½" -> "11⁄2"), primes
# in chemistry notation, dashes that mark ranges, the degree sign.
_KEEP = set("½⅓⅔¼¾⅕⅖⅗⅘⅙⅚⅛⅜⅝⅞′″‴–—°±×÷≤≥≠≈∼→←↑↓•·§¶†‡")

_MAP = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u201f": '"',
    "\u2212": "-",  # minus sign
    "\u2010": "-",  # hyphen
    "\u2011": "-",  # non-breaking hyphen
    "\u00ad": "",  # soft hyphen
    "\u200b": "",
    "\u200c": "",
    "\u200d": "",
    "\u2060": "",
    "\ufeff": "",
    "\ufffd": "",
    "\ufffe": "-",  # pdfium's line-end hyphen when it reaches us unhandled
    "\u00b5": "\u03bc",  # micro sign -> Greek small mu (NFKC does the same)
    "\u2044": "/",  # fraction slash
    "\u223c": "~",  # tilde operator used as "approximately"
}

_MIDDOT_DECIMAL_RE = re.compile(r"(?<=\d)·(?=\d)")
_CTRL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACE_RE = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


_TABLE: dict[int, str] = {ord(k): v for k, v in _MAP.items()}
_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]")


def _mapping(ch: str) -> str:
    if ch in _MAP:
        return _MAP[ch]
    if ch in _KEEP:
        return ch
    return unicodedata.normalize("NFKC", ch)


def normalize(text: str) -> str:
    """Normalize odd Unicode in running text; keeps newlines, collapses other whitespace."""
    if not text.isascii():
        for ch in set(_NON_ASCII_RE.findall(text)):
            if ord(ch) not in _TABLE:
                _TABLE[ord(ch)] = _mapping(ch)
        text = text.translate(_TABLE)
    if "·" in text:
        text = _MIDDOT_DECIMAL_RE.sub(".", text)  # Lancet's decimal point: "39·8" -> "39.8"
    text = _CTRL_RE.sub("", text)
    return _SPACE_RE.sub(" ", text)


def norm_ws(text: str) -> str:
    return " ".join(text.split())


# --- hyphenation ---------------------------------------------------------------

_WORD_RE = re.compile(r"[A-Za-zÀ-ÿ]+")


def vocabulary(texts) -> Counter:
    """Lowercased word counts over a document, used to decide line-end hyphens."""
    counts: Counter = Counter()
    for t in texts:
        counts.update(w.lower() for w in _WORD_RE.findall(t))
    return counts


def join_hyphenated(left: str, right: str, vocab: Counter | None) -> str:
    """Join two line pieces where ``left`` ends with a line-end hyphen.

    Keep the hyphen for compounds ("placebo-|controlled", "face-|to-face"), drop it
    for words broken at a syllable ("hetero-|geneity"). The document's own words
    decide: a joined form seen elsewhere wins, then a hyphenated form seen elsewhere,
    then "both halves are words here" means a compound.
    """
    lm = re.search(r"([A-Za-zÀ-ÿ]+)-$", left)
    rm = re.match(r"([A-Za-zÀ-ÿ]+)", right)
    if not lm or not rm:
        return left + right  # "2-|3", "(-|..." : keep the hyphen, no space
    a, b = lm.group(1), rm.group(1)
    if b[0].isupper() or (a.isupper() and len(a) > 1):
        return left + right  # "anti-|TNF", "CRPS-|1"
    if lm.start() > 0 and left[lm.start() - 1] in "-/":
        return left + right  # "wind-up-|like": already a compound
    vocab = vocab or Counter()
    joined = (a + b).lower()
    if vocab.get(joined, 0) > 0:
        return left[:-1] + right
    if vocab.get(a.lower(), 0) > 0 and vocab.get(b.lower(), 0) > 0 and len(a) > 2 and (len(b) > 2 or vocab.get(b.lower(), 0) > 2):
        return left + right
    if len(a) <= 2 and vocab.get(b.lower(), 0) > 0 and a.lower() in {"co", "re", "bi", "ex", "non", "pre", "non"}:
        return left + right
    return left[:-1] + right
