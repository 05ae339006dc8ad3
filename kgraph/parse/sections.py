"""Canonical section names from heading text."""

from __future__ import annotations

import re

CANONICAL = ("title", "authors", "abstract", "introduction", "methods", "results", "discussion", "conclusions", "references", "other")

_NUMBERING_RE = re.compile(r"^\s*(?:(?:\d{1,2}|[IVX]{1,4}|[A-H])(?:\.\d{1,2})*\.?\)?\s+)")

_EXACT = [
    ("abstract", r"abstract|summary|synopsis|structured abstract"),
    ("introduction", r"introduction|background|rationale|introduction and background|background and aims?"),
    (
        "methods",
        r"methods?|materials? and methods|patients and methods|subjects and methods|participants and methods|"
        r"methods and materials|methodology|study design and methods|experimental( procedures| section)?|"
        r"design and methods|methods and analysis|research design and methods|the study|trial design|study design",
    ),
    ("results", r"results?|findings|results and discussion|main results"),
    ("discussion", r"discussion|general discussion|comment|discussion and conclusions?"),
    (
        "conclusions",
        r"conclusions?|concluding remarks|summary and conclusions?|summary and future directions|conclusions? and "
        r"(?:implications|recommendations|future directions)|implications|interpretation",
    ),
    ("references", r"references?|bibliography|literature cited|works cited|reference list|references and notes|cited literature"),
    (
        "other",
        r"acknowledge?ments?|funding|funding sources?|disclosures?|conflicts? of interests?|competing interests?|"
        r"declaration of interests|authors'? contributions?|contributors|abbreviations|appendix|appendices|"
        r"supplementary (?:material|data|information)|additional files?|ethics approval.*|consent.*|"
        r"availability of data.*|data sharing.*|role of the funding source|financial disclosure|keywords?|key words",
    ),
]
_EXACT_RE = [(kind, re.compile(rf"^(?:{pat})$", re.I)) for kind, pat in _EXACT]

_KEYWORDS = [
    ("methods", re.compile(r"\bmethods?\b", re.I)),
    ("results", re.compile(r"\bresults\b", re.I)),
    ("discussion", re.compile(r"\bdiscussion\b", re.I)),
    ("conclusions", re.compile(r"\bconclusions?\b", re.I)),
]


def clean_heading(text: str) -> str:
    t = text.strip().strip("#").strip()
    t = _NUMBERING_RE.sub("", t)
    return t.strip().rstrip(":.").strip()


def canonical_kind(heading: str, strict: bool = False) -> str | None:
    """Map a heading to a canonical section kind, or None when it names none."""
    t = clean_heading(heading)
    t = re.sub(r"\s+", " ", t)
    if not t or len(t) > 80:
        return None
    for kind, rx in _EXACT_RE:
        if rx.match(t):
            return kind
    if strict:
        return None
    for kind, rx in _KEYWORDS:
        if rx.search(t) and len(t.split()) <= 6:
            return kind
    return None


CAPTION_RE = re.compile(
    r"^\s*(?:(?:Supplementary|Supplemental|Additional)\s+)?(Table|Figure|Fig\.?|Box|Panel|Chart|Scheme|Appendix)"
    r"(?:\s*(S?\d{1,3}[A-Za-z]?|[IVX]{1,5})\b)?"
)


def caption_label(text: str) -> tuple[str, str] | None:
    """("Table", "2") for "Table 2. Continued", ("Figure", "") for "Figure. PRISMA ...", else None."""
    m = CAPTION_RE.match(text)
    if not m:
        return None
    kind = m.group(1)
    kind = "Figure" if kind.lower().startswith("fig") else kind.capitalize()
    num = m.group(2) or ""
    rest = text[m.end():]
    if num:
        # "Table 2. ...", "Table 2 Summary ...", "Table 2" alone; not "Table 2 shows ..."
        if re.match(r"^\s*(?:[.:|\-–—]|$|\(?[Cc]ontinued|[A-Z(\[])", rest):
            return kind, num
        return None
    if re.match(r"^\.?\s*[.:]\s+[A-Z]", text[len(m.group(1)) + (m.start(1)):]) or re.match(r"^[.:]\s+[A-Z]", rest):
        return kind, ""
    return None
