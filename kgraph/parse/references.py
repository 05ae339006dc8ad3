"""The reference list: split into entries, number them, parse each into fields.

Handles the numbered styles of clinical journals (Vancouver/AMA: "1. Domino EF.
Title. Journal. 2010;113:678-684.", BMC "[1]", Lancet "1 West R, ... Lancet 2012;
380: 1-9.") and falls back to author-year entries (no number) split by their
author lead. Unparsed parts stay in ``raw``; fields are filled only when found.
"""

from __future__ import annotations

import re

from kgraph.parse.model import Reference

# "1. ", "1 ", "[1] ", "1) " at the start of an entry
_NUM_RE = re.compile(r"^\s*(?:[-•*]\s+)?(?:\[(\d{1,4})\]|(\d{1,4})[.)]?)\s+(?=\S)")
_BULLET_RE = re.compile(r"^\s*[-•*]\s+")
# An author lead: "Schwartzman RJ,", "van Hilten JJ", "Graven-Nielsen T,", "Éide PK.", "Yu F,"
_AUTHOR_LEAD_RE = re.compile(
    r"^(?:(?:van|von|de|der|den|di|da|du|le|la|el|al)\s+)*[A-ZÀ-Þ][\w'’\-]+(?:\s[A-ZÀ-Þ][\w'’\-]+)?"
    r",?\s(?:[A-Z]{1,3}|[A-Z]\.(?:\s?[A-Z]\.)*)(?:,|\.|\s|$|;|:)",
)
_YEAR_VOL_RE = re.compile(
    r"(?P<year>(?:19|20)\d{2})[a-z]?(?:\s+[A-Z][a-z]{2,8}(?:\s+\d{1,2})?)?\s*[;,]\s*"
    r"(?P<vol>[\w]+)?\s*(?:\((?P<issue>[^)]{1,12})\))?\s*(?::\s*(?P<pages>[A-Za-z]?\d+(?:\s*[-–—]\s*[A-Za-z]?\d+)?))?"
)
_YEAR_RE = re.compile(r"\b(?:19|20)\d{2}\b")
_DOI_RE = re.compile(r"\b(?:doi:\s*|https?://(?:dx\.)?doi\.org/)?(10\.\d{4,9}/[^\s\"<>]+)", re.I)
_PMID_RE = re.compile(r"\bPMID:?\s*(\d{5,9})\b", re.I)
_COMPLETE_END_RE = re.compile(r"([.)\]>]|\d{4}|[A-Za-z]{3,})\s*$")


def split_entries(lines: list[str]) -> list[tuple[int | None, str]]:
    """Group lines (or paragraphs) of a reference list into (printed number, text) entries.

    A line starts a new entry when it carries the next number, or when the entry
    before it is complete (has its year and a proper end) and the line opens with a
    bullet or an author lead. Anything else continues the entry before it.
    """
    entries: list[list] = []  # [number, text]
    for line in lines:
        line = line.strip()
        if not line:
            continue
        bullet = bool(_BULLET_RE.match(line))
        m = _NUM_RE.match(line)
        number = None
        if m:
            number = int(m.group(1) or m.group(2))
            body = line[m.end():]
            last = next((e[0] for e in reversed(entries) if e[0] is not None), 0)
            if number != last + 1 and not (number > last and _looks_like_start(body)):
                number = None  # "1996 Guidelines on ..." is not entry 1996
        if number is not None:
            entries.append([number, body])
            continue
        body = _BULLET_RE.sub("", line)
        if not entries:
            entries.append([None, body])
            continue
        prev = entries[-1][1]
        numbered_list = len(entries) >= 2 and all(e[0] is not None for e in entries)
        if numbered_list and not bullet:
            entries[-1][1] = _join(prev, body)  # a numbered list: unnumbered lines continue
        elif _complete(prev) and (bullet or _looks_like_start(body)) and not _continuation(body):
            entries.append([None, body])
        else:
            entries[-1][1] = _join(prev, body)
    # number unnumbered entries in sequence when the list is numbered
    numbered = sum(1 for e in entries if e[0] is not None)
    if numbered >= max(1, len(entries) // 4):
        prev_n = 0
        for e in entries:
            if e[0] is None:
                e[0] = prev_n + 1
            prev_n = e[0]
    return [(e[0], e[1]) for e in entries]


def _join(a: str, b: str) -> str:
    if a.endswith("-") and b[:1].islower():
        return a[:-1] + b
    if b[:1] in "–-—" or a.endswith(("–", "-", "/")):
        return a + b
    return a + " " + b


def _looks_like_start(text: str) -> bool:
    return bool(_AUTHOR_LEAD_RE.match(text))


def _continuation(text: str) -> bool:
    """Text that cannot start an entry: a page range tail, a lowercase word, a journal tail."""
    t = text.lstrip()
    return not t or t[0] in "–-—;:,.)" or t[0].islower() or t[0].isdigit()


def _complete(text: str) -> bool:
    """An entry that already has its year and ends like the end of a reference."""
    t = text.rstrip()
    if not t:
        return False
    if not _YEAR_RE.search(t) and not _DOI_RE.search(t) and "http" not in t:
        return False
    if re.search(r"[;:]\s*\d+$", t):  # "2001;22:834" - pages cut off
        return False
    if t.endswith(("-", "–", ",", ";", ":")):
        return False
    return t[-1] in ".)]>" or bool(re.search(r"\d$", t) and _YEAR_VOL_RE.search(t))


def parse_reference(number: int | None, text: str) -> Reference:
    raw = " ".join(text.split())
    ref = Reference(number=number, raw=raw)
    body = re.sub(r"(?<!\w)[*_]{1,2}([^*_]+?)[*_]{1,2}(?!\w)", r"\1", raw)  # Markdown emphasis
    doi = _DOI_RE.search(body)
    if doi:
        ref.doi = doi.group(1).rstrip(".,;)]")
    pmid = _PMID_RE.search(body) or re.search(r"\[Medline:\s*(\d{5,9})\]", body)
    if pmid:
        ref.pmid = pmid.group(1)
    # cut "doi:...", "PMID...", "[Medline: ...]" and URLs off the tail before splitting into fields
    core = re.split(
        r"\s(?:doi:|https?://|PMID|PubMed|\[PMID|\[doi|\[Medline|\[FREE|\[CrossRef|Available (?:at|from))",
        body,
        maxsplit=1,
        flags=re.I,
    )[0].strip()
    rest = core
    year_paren = None
    # "Authors (2003) Title. Journal 24, 12-17"
    m = re.search(r"\((?P<year>(?:19|20)\d{2})[a-z]?\)", core)
    if m and m.start() < 0.7 * len(core) and _AUTHOR_LEAD_RE.match(core) and "." not in core[: m.start()].replace(". ", "").strip(".")[:0]:
        ref.authors = _split_authors(core[: m.start()])
        year_paren = int(m.group("year"))
        rest = core[m.end():].strip(" .")
    else:
        end = _author_end(core)
        if end:
            ref.authors = _split_authors(core[:end].rstrip(":. "))
            rest = core[end:].strip()
    ym = None
    for cand in _YEAR_VOL_RE.finditer(rest):
        if cand.group("vol") or cand.group("pages"):
            ym = cand
            break
    if year_paren is not None:
        ref.year = year_paren
        vm = re.search(
            r"\s(?P<vol>\d+[A-Za-z]?)(?:\s*\((?P<issue>[^)]{1,12})\))?\s*[,:]\s*"
            r"(?P<pages>[A-Za-z]?\d+(?:\s*[-–—]\s*[A-Za-z]?\d+)?)\.?$",
            rest,
        )
        if vm:
            ref.volume = vm.group("vol")
            ref.pages = re.sub(r"\s+", "", vm.group("pages")).replace("-", "–")
            before = rest[: vm.start()]
        else:
            before = rest
    elif ym is not None:
        ref.year = int(ym.group("year"))
        ref.volume = ym.group("vol")
        if ym.group("pages"):
            ref.pages = re.sub(r"\s+", "", ym.group("pages")).replace("-", "–")
        before = rest[: ym.start()]
    else:
        yr = None
        for yr in _YEAR_RE.finditer(rest):
            pass
        if yr:
            ref.year = int(yr.group(0))
            before = rest[: yr.start()]
        else:
            before = rest
    ref.title, ref.journal = _title_journal(before.strip().rstrip(".;,").strip())
    return ref


_CONNECTORS = {"of", "and", "the", "in", "for", "&", "de", "der", "und", "y", "on", "des", "la", "du", "et"}


def _title_journal(before: str) -> tuple[str | None, str | None]:
    """Split 'Title. Journal' where the journal is a run of capitalized words or abbreviations."""
    if not before:
        return None, None
    splits = [m.end() for m in re.finditer(r"[.?!]\s+(?=[A-Z0-9\"'(\[])", before)]
    for pos in splits:
        journal = before[pos:].strip().rstrip(".")
        tokens = journal.split()
        if not tokens or len(tokens) > 10:
            continue
        if all(t[:1].isupper() or t.lower() in _CONNECTORS or t[:1] == "(" for t in tokens) and not tokens[0][:1].isdigit():
            title = before[:pos].strip().rstrip(".")
            if re.search(r"\b(?:In|Edited by|eds?)\b[:.]?$", title):
                continue
            return (title or None), journal
    return before.rstrip(".") or None, None


_INITIALS_END_RE = re.compile(
    r"(?:\b[A-Z]{1,3}|\bet al|\b(?:[A-Z]\.\s?){1,3}|\b(?:Jr|Sr|II|III|IV))\.\s+(?=[A-Z0-9\"'‘“(\[])"
)


def _author_end(text: str) -> int | None:
    if not _AUTHOR_LEAD_RE.match(text):
        # group authors ("Oxford Centre for ...") have no author list we can split
        return None
    name = r"(?:[^,:.]{1,40}?\s[A-Z]{1,3}|et al)"
    colon = re.match(rf"^{name}(?:,\s*{name})*\s*:\s", text[:600])
    if colon:  # BMC: "Irurita V, Smith AB: Title", "Chen L, et al: Title"
        return colon.end()
    etal = re.search(r"\bet al[;,]", text[:400])
    if etal:  # "et al; American College of Cardiology; ... Association. Title"
        end = re.search(r"\.\s+(?=[A-Z0-9\"'(\[])", text[etal.end():])
        if end:
            return etal.end() + end.end()
    for m in _INITIALS_END_RE.finditer(text):
        seg = text[: m.end()]
        # an author list holds commas or is a single "Surname XY."
        if m.start() < 400:
            return m.end()
    return None


def _split_authors(text: str) -> list[str]:
    text = re.sub(r"[,;]?\s*et al\.?$", "", text.strip().rstrip(",;:"))
    if re.search(r"[A-Z][\w'’\-]+, (?:[A-Z]\.\s?)+", text):
        # "Acharya, K. R., Sturrock, E. D. and Ehlers, M. R."
        names = re.findall(r"([A-ZÀ-Þ][\w'’\-]+(?: [A-ZÀ-Þ][\w'’\-]+)*, (?:[A-Z]\.[\s-]?)+)", text)
        if names:
            return [n.strip() for n in names]
    text = re.sub(r"\s+and\s+", ", ", text)
    parts = [p.strip() for p in re.split(r"[;,]\s*", text) if p.strip()]
    out = []
    for p in parts:
        if p.lower() in {"et al", "et al."}:
            continue
        # "American College of Cardiology" after "et al;" is a group author: keep it too
        out.append(p)
    return out


def parse_references(lines: list[str]) -> list[Reference]:
    return [parse_reference(n, t) for n, t in split_entries(lines)]
