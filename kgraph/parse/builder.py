"""From reader output (blocks in reading order) to a Document with offsets.

Both readers hand over ``RawBlock``s: text pieces in reading order, each piece plain
text or a marker (citation candidate, superscript, subscript). The builder decides
sections, parses the reference list, decides which superscripts are citations
(those whose numbers exist in the reference list), writes Document.text, and gives
every block, citation, reference and table cell its Span.

Citation markers are written into the text as "[3–7]", separated from the word they
touched and placed before trailing punctuation ("phencyclidine [1]."), so sentence
splitting and number extraction downstream do not see "phencyclidine.1".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kgraph.parse import citations as cit
from kgraph.parse.model import Block, BBox, Citation, Document, Section, Span, Table
from kgraph.parse.references import parse_reference, split_entries
from kgraph.parse.sections import caption_label, canonical_kind, clean_heading
from kgraph.parse.textnorm import normalize

# piece tags; BARE is a bare number that may be a citation ("synthase.32 Ketamine",
# "pain, 3-7 spinal"): it counts only when the document has a reference list its numbers fit
TEXT, CITE, SUP, SUB, BARE = "", "cite", "sup", "sub", "bare"


@dataclass
class RawBlock:
    kind: str  # paragraph | heading | caption | footnote | title | authors | reference
    pieces: list[tuple[str, str]]  # (text, tag)
    page: int | None = None
    bbox: BBox | None = None
    level: int = 0  # heading level: 1 top, 2 sub, 3 run-in
    style: tuple = ()  # heading style key (size, bold, caps) for ranking

    @property
    def plain(self) -> str:
        return "".join(t for t, tag in self.pieces if tag in (TEXT, SUB))

    def text_with_markers(self) -> str:
        return "".join(t for t, _ in self.pieces)


_TRAILING_PUNCT_RE = re.compile(r"([.,;:]+)$")
_EXPONENT_BASES = re.compile(r"(?:^|[\s(/])(?:[a-zA-Zμ]|cm|mm|km|kg/m|m|I|r|R|χ|x|10|e)$")


class DocumentBuilder:
    def __init__(self, doc: Document):
        self.doc = doc
        self.parts: list[str] = []
        self.length = 0

    # -- text assembly ------------------------------------------------------

    def _append(self, s: str) -> tuple[int, int]:
        start = self.length
        self.parts.append(s)
        self.length += len(s)
        return start, self.length

    def _sep(self) -> None:
        if self.length:
            self._append("\n\n")

    def render(self, rb: RawBlock, max_ref: int | None, section: str | None) -> Block:
        """Write one block: pieces -> text, citation markers -> [n] with spans."""
        self._sep()
        start = self.length
        out: list[str] = []
        pending: list[tuple[int, int, str, list[int]]] = []  # (rel start, rel end, marker, nums)
        pos = 0

        def emit(s: str):
            nonlocal pos
            out.append(s)
            pos += len(s)

        for text, tag in rb.pieces:
            if tag == TEXT:
                emit(text)
                continue
            if tag == SUB:
                emit(text)
                continue
            marker = text.strip()
            nums = None
            if tag in (CITE, SUP):
                prev = "".join(out)
                exponent = tag == SUP and bool(_EXPONENT_BASES.search(prev)) and len(marker) <= 2
                if not exponent:
                    nums = cit.parse_marker(marker, max_ref)
            elif tag == BARE and max_ref:
                nums = cit.parse_marker(marker, max_ref)
            if nums is None:
                emit(text)  # not a citation: an exponent, a footnote mark, or a plain number
                continue
            # move the marker before trailing punctuation of the text so far
            prev = "".join(out)
            m = _TRAILING_PUNCT_RE.search(prev.rstrip())
            stripped = prev.rstrip()
            punct = ""
            if m and not stripped.endswith("..."):
                punct = m.group(1)
                stripped = stripped[: -len(punct)]
            body = stripped.rstrip()
            label = cit.format_marker(marker)
            sep = " " if body and not body.endswith(("(", "[", "/")) else ""
            new = body + sep + label
            cstart = len(body) + len(sep)
            cend = cstart + len(label)
            out = [new + punct]
            pos = len(out[0])
            pending.append((cstart, cend, marker, nums))
            # text after the marker needs a space if it starts with a word
        text = "".join(out)
        text = re.sub(r"(\])(?=[A-Za-z0-9(])", r"\1 ", text)
        text, pending = self._collapse_ws(text, pending)
        if rb.kind in ("heading", "title"):
            text = text.strip()
        s, e = self._append(text)
        block = Block(
            text=text,
            span=Span(s, e, rb.page, rb.bbox),
            kind=rb.kind if rb.kind in ("paragraph", "heading", "caption", "footnote", "reference") else (
                "heading" if rb.kind in ("title",) else "paragraph"),
            section=section,
        )
        # re-find citations by their label in the final text (collapse may have shifted them)
        cursor = 0
        for _, _, marker, nums in pending:
            label = cit.format_marker(marker)
            i = text.find(label, cursor)
            if i < 0:
                continue
            cursor = i + len(label)
            block.citations.append(Citation(marker=marker, numbers=nums, span=Span(s + i, s + i + len(label), rb.page, None)))
        # bracketed citations printed as such ("[12]", "[23, 24]")
        for m in cit.BRACKET_RE.finditer(text):
            if any(c.span.start == s + m.start() for c in block.citations):
                continue
            nums = cit.parse_marker(m.group(1), max_ref)
            if nums:
                block.citations.append(Citation(marker=m.group(1), numbers=nums, span=Span(s + m.start(), s + m.end(), rb.page, None)))
        block.citations.sort(key=lambda c: c.span.start)
        return block

    @staticmethod
    def _collapse_ws(text: str, pending):
        new = re.sub(r"[ \t]+", " ", text).strip()
        return new, pending

    # -- the whole document -------------------------------------------------

    def build(self, blocks: list[RawBlock], tables: list[Table] | None = None) -> Document:
        doc = self.doc
        kinds = assign_sections(blocks)
        # references: parse before rendering so citations can be checked against them
        ref_lines: list[str] = []
        for b, k in zip(blocks, kinds):
            if k == "references" and b.kind != "heading":
                # the PDF reader keeps a block's lines: entries start at line starts
                ref_lines.extend(getattr(b, "lines", None) or [b.text_with_markers()])
        entries = split_entries(ref_lines) if ref_lines else []
        references = [parse_reference(n, t) for n, t in entries]
        numbers = [r.number for r in references if r.number]
        max_ref = max(numbers) if numbers else None

        current: Section | None = None
        refs_written = False
        ref_blocks = [
            (normalize(rb.text_with_markers()), rb.page) for rb, k in zip(blocks, kinds) if k == "references" and rb.kind != "heading"
        ]
        for rb, kind in zip(blocks, kinds):
            if kind == "references" and rb.kind != "heading":
                if refs_written or not references:
                    continue
                if current is None or current.kind != "references":
                    current = Section(title="References", kind="references", span=Span(0, 0))
                    doc.sections.append(current)
                for ref in references:
                    self._sep()
                    text = normalize(ref.raw)
                    label = f"{ref.number}. " if ref.number is not None else ""
                    s, e = self._append(label + text)
                    ref.span = Span(s, e, _ref_page(ref, ref_blocks) or rb.page, None)
                    current.blocks.append(Block(text=label + text, span=ref.span, kind="reference", section="references"))
                refs_written = True
                continue
            top_heading = rb.kind == "heading" and rb.level <= 1
            if current is None or current.kind != kind or (top_heading and kind == "other"):
                if rb.kind == "heading":
                    title = clean_heading(rb.plain)
                else:
                    title = {"title": "Title", "authors": "Authors"}.get(kind, kind.capitalize())
                current = Section(title=title, kind=kind, span=Span(0, 0))
                doc.sections.append(current)
            current.blocks.append(self.render(rb, max_ref, kind))
        for sec in doc.sections:
            if sec.blocks:
                sec.span = Span(sec.blocks[0].span.start, sec.blocks[-1].span.end, sec.blocks[0].span.page, None)
        doc.sections = [s for s in doc.sections if s.blocks]
        doc.references = references
        # tables after the body: caption, header and body rows, footnote
        for table in tables or []:
            self._write_table(table)
        doc.text = "".join(self.parts)
        return doc

    def _write_table(self, table: Table) -> None:
        self._sep()
        tstart = self.length
        first_page = table.pages[0] if table.pages else None
        if table.caption:
            self._append(table.caption)
            self._append("\n")
        for row in list(table.header) + list(table.rows):
            for k, cell in enumerate(row):
                if k:
                    self._append(" | ")
                s, e = self._append(cell.text)
                if cell.span is None:
                    cell.span = Span(s, e, first_page, None)
                else:
                    cell.span.start, cell.span.end = s, e
                for c in getattr(cell, "citations", []) or []:
                    label = cit.format_marker(c.marker)
                    self._append(" ")
                    cs, ce = self._append(label)
                    c.span = Span(cs, ce, cell.span.page, cell.span.bbox)
            self._append("\n")
        if table.footnote:
            self._append(table.footnote)
        table.span = Span(tstart, self.length, first_page, None)


def _ref_page(ref, ref_texts: list[tuple[str, int | None]]) -> int | None:
    head = normalize(ref.raw[:20])
    for text, page in ref_texts:
        if head and head in text:
            return page
    return None


def assign_sections(blocks: list[RawBlock]) -> list[str]:
    """A canonical section kind for every block, in reading order.

    Headings that name a canonical section open it. Other headings open an "other"
    section only when they share the style of the canonical headings (top level);
    otherwise they are subheadings inside the current section. Text before the
    first heading after the abstract is the introduction.
    """
    kinds: list[str] = []
    top_styles = set()
    for b in blocks:
        if b.kind == "heading":
            k = canonical_kind(b.plain, strict=True)
            if k and k not in ("other",):
                top_styles.add(b.style)
    current = "other" if any(b.kind == "title" for b in blocks[:6]) else None
    seen_abstract = False
    seen_body = False
    structured = False
    abstract_style = None
    for i, b in enumerate(blocks):
        if b.kind == "title":
            current = "title"
        elif b.kind == "authors":
            current = "authors"
        elif b.kind == "heading":
            k = canonical_kind(b.plain, strict=b.style not in top_styles)
            if k == "abstract" and (seen_body or seen_abstract and current != "abstract"):
                k = "conclusions" if re.search(r"summary", b.plain, re.I) else k
            if current == "abstract" and k in ("introduction", "methods", "results", "conclusions", "discussion"):
                # structured-abstract labels stay in the abstract when styled below the abstract heading
                if abstract_style is not None and b.style != abstract_style and b.style not in top_styles:
                    k = None
            if k == "abstract":
                seen_abstract = True
                abstract_style = b.style
                current = "abstract"
            elif k:
                current = k
                if k != "other":
                    seen_body = True
            elif b.level <= 1 and top_styles and b.style in top_styles:
                current = "other"
            elif current in (None, "title", "authors"):
                current = "introduction"
                seen_body = True
        else:
            text = b.plain.lstrip()
            if current in (None, "title", "authors", "other") and not seen_body and b.kind == "paragraph":
                if not seen_abstract and (_STRUCTURED_OPEN_RE.match(text) or _STRUCTURED_LABEL_RE.match(text)):
                    current = "abstract"  # a structured abstract without its heading
                    seen_abstract = True
                    structured = True
                elif abstract_heading_ahead(blocks, i) or _FRONT_MATTER_RE.search(text[:200]):
                    current = "other"  # affiliations, dates, notes before the abstract
                elif current == "other" and not any(x.kind == "title" for x in blocks[:i]):
                    pass
                elif not seen_abstract and _is_unlabeled_abstract(blocks, i):
                    current = "abstract"
                    seen_abstract = True
                elif seen_abstract or current is not None:
                    current = "introduction"
                    seen_body = True
            elif current == "abstract" and b.kind == "paragraph" and abstract_style is None and seen_abstract:
                if structured and (_STRUCTURED_LABEL_RE.match(text) or _STRUCTURED_OPEN_RE.match(text)):
                    pass  # "Methods: ...", "Key Words: ..." belong to the abstract
                elif structured and _FRONT_MATTER_RE.search(text[:200]):
                    pass
                elif _after_unlabeled_abstract(blocks, i):
                    current = "introduction"
                    seen_body = True
        kinds.append(current or "other")
    return kinds


# a label ends with ":" or ".", or runs into its text ("ContextMigraine ...", "Objective To ...")
_LABEL_END = r"(?:\s*[:.]\s|\s+(?-i:[A-Z])|(?-i:[A-Z][a-z]))"
_STRUCTURED_OPEN_RE = re.compile(
    r"^(?:Background|Purpose|(?:Study )?Objectives?|Aims?(?: and objectives)?|Context|Importance|Introduction|Rationale)"
    + _LABEL_END,
    re.I)
_STRUCTURED_LABEL_RE = re.compile(
    r"^(?:Materials? and Methods|Methods?|Design(?:,? Setting,? and Participants)?|Setting|Settings|Participants|Patients|"
    r"Interventions?|Measurements?(?: and Main Results)?|Main Outcome Measures?|Outcome Measures?|Main Results|Results?|"
    r"Findings|Conclusions?(?: and Relevance)?|Interpretation|Limitations|Key ?Words?|Trial registration|Funding)"
    + _LABEL_END,
    re.I,
)
_FRONT_MATTER_RE = re.compile(
    r"\b(?:Department|Departments|Division|University|Hospital|Institute|School of|Faculty of|Received:?|Accepted:?|"
    r"Correspondence|E-?mail:|Tel:|Fax:|ISSN)\b"
)


def abstract_heading_ahead(blocks: list[RawBlock], i: int) -> bool:
    """Is there an "Abstract" heading a little further on (so this block is front matter)?"""
    for nb in blocks[i + 1 : i + 25]:
        if nb.kind == "heading":
            k = canonical_kind(nb.plain, strict=True)
            if k == "abstract":
                return True
            if k and k != "other":
                return False
    return False


def _is_unlabeled_abstract(blocks: list[RawBlock], i: int) -> bool:
    """A long first paragraph followed by more text before any heading: an unlabeled abstract."""
    b = blocks[i]
    if len(b.plain.split()) < 80:
        return False
    paragraphs_after = 0
    for nb in blocks[i + 1 :]:
        if nb.kind == "heading":
            return canonical_kind(nb.plain) not in ("abstract",) and paragraphs_after >= 1
        if nb.kind == "paragraph":
            paragraphs_after += 1
    return False


def _after_unlabeled_abstract(blocks: list[RawBlock], i: int) -> bool:
    """The paragraph after an unlabeled abstract begins the introduction."""
    for j in range(i - 1, -1, -1):
        if blocks[j].kind == "paragraph":
            return True
        if blocks[j].kind == "heading":
            return False
    return False


# words that make a line an affiliation or an author note, not a name list or body text
_AFFILIATION_RE = re.compile(
    r"\b(?:Department|Dept\.|Division|Universit(?:y|é|ät|à|ad|ade|eit)|Institut(?:e|o)?|Cent(?:re|er|ro)|Hospital|"
    r"Hôpital|Klinik|School of|Faculty|College|Laborator(?:y|ies)|Foundation|NHS Trust|Research (?:UK|Unit|Council|Group)|"
    r"Ministry|Medical School|Graduate School|Sciences?,)\b"
)


def is_affiliation(text: str) -> bool:
    """An affiliation line or author note ("1 University of Southampton, UK", "Department of
    Addictions, ...", "and Public Health (J Brown PhD,"): short, names an institution, and is
    no sentence of findings or methods."""
    t = text.strip()
    words = t.split()
    if not t or len(words) > 40:
        return False
    if re.search(r"\((?:[A-Z]{1,3}\s)?[A-Z][a-z]+ (?:PhD|MD|MSc|MBBS|Prof|FRCP)\b", t):
        return True  # "(J Brown PhD," an author's affiliation note
    if not _AFFILIATION_RE.search(t):
        return False
    if re.search(r"\b(?:was|were|is|are|had|have|received|randomi[sz]ed|showed|reported|patients|we|our)\b", t, re.I):
        return False  # a sentence that mentions a hospital
    return True


def split_authors(text: str) -> list[str]:
    """'Dermot P Maher, MD, MS, Lucy Chen, MD, and Jianren Mao, MD, PhD' -> names."""
    # affiliation marks: "[1]", "[, 4]" (a superscript read as a citation), "Gonçalves^II" glued
    t = re.sub(r"\s*\[[^\]]*\]", "", text)
    t = re.sub(r"(?<=[a-zà-ÿ])(?:I{1,3}|IV|VI{0,3})(?=[\s,;*]|$)", "", t)
    t = re.sub(r"[\d*∗†‡§¶,]+(?=\s|,|$)", lambda m: "," if "," in m.group(0) else "", t)
    t = re.sub(r"\s+and\s+|\s*&\s*|;", ",", t)
    degrees = re.compile(
        r"^(?:MD|PhD|MS|MSc|BSc|MPH|MBBS|DO|RN|BS|BA|MA|MBA|FRCA|FRCPC|FRCP|FANZCA|FFPMANZCA|DPhil|PharmD|MBChB|Dr|Prof|"
        r"DrPH|ScD|MSN|BSN|FACP|FRACP|MRCP|DNP|MSPH|MHS|FAAP|Jr|Sr|II|III)\.?$",
        re.I,
    )
    names = []
    for part in t.split(","):
        p = part.strip().strip(".")
        if not p or degrees.match(p) or re.fullmatch(r"[A-Z]{2,7}", p):
            continue  # a degree ("FRCGP") standing alone
        if _AFFILIATION_RE.search(p):
            continue
        if len(p.split()) > 6:
            continue
        names.append(p)
    return names


_CITATION_YEAR_RE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})\s*(?:[A-Z][a-z]{2}\s*(?:\d{1,2}\s*)?)?;\s*\d+\s*(?:\(\w+\))?\s*:\s*[e\d]")


def year_from(text: str, citation_window: int = 2500) -> int | None:
    """The publication year. citation_window: how far a citation line ("2010;13(4):379") is
    trusted; a PDF passes its whole first page, a text file only its head (further down the
    reference list holds other papers' years)."""
    m = re.search(r"\((?:[A-Z][\w.]*\s){1,6}((?:19|20)\d{2})\s*;", text)
    if m:
        return int(m.group(1))
    # a citation line near the top: "Pain Physician. 2010;13(4):379-390." (not further down,
    # where the reference list holds other papers' years); it names the publication year,
    # which "Received: 4 Mar 2015" does not
    m = _CITATION_YEAR_RE.search(text[:2500])
    if m:
        return int(m.group(1))
    m = re.search(r"(?:©|Copyright|Published(?: [Oo]nline)?:?)\s*(?:[\w,]+\s+){0,4}((?:19|20)\d{2})", text)
    if m:
        return int(m.group(1))
    m = _CITATION_YEAR_RE.search(text[:citation_window])
    if m:
        return int(m.group(1))
    m = re.search(r"(?:Received|Accepted|Submitted):?\s*(?:\w+\s+){0,3}((?:19|20)\d{2})", text)
    if m:
        return int(m.group(1))
    return None


DOI_RE = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>,;]+)")


def doi_from(text: str) -> str | None:
    m = DOI_RE.search(text)
    if not m:
        return None
    doi = m.group(1)
    if doi.endswith(("-", "/")):
        # broken at a line end after "-" or "/": it continues on the next line
        rest = re.match(r"\s*([0-9A-Za-z][^\s\"<>,;]*)", text[m.end():])
        if rest:
            doi += rest.group(1)
    return doi.rstrip(".)]")


def is_caption(text: str) -> bool:
    return caption_label(text) is not None


_TERMINAL_END_RE = re.compile(r"[.?!:)]\s*$")


def merge_broken_paragraphs(blocks: list[RawBlock]) -> list[RawBlock]:
    """Join a paragraph cut by a footnote, a caption or furniture with its continuation."""
    out: list[RawBlock] = []
    for b in blocks:
        if b.kind == "paragraph" and out:
            j = len(out) - 1
            while j >= 0 and out[j].kind in ("footnote", "caption") and j > len(out) - 8:
                j -= 1
            if j >= 0 and j < len(out) - 1 and out[j].kind == "paragraph":
                prev = out[j].plain.rstrip()
                first = b.plain.lstrip()
                if prev and first[:1].islower() and not _TERMINAL_END_RE.search(prev):
                    if prev.endswith("-"):
                        out[j].pieces = out[j].pieces + b.pieces
                    else:
                        out[j].pieces = out[j].pieces + [(" ", TEXT)] + b.pieces
                    if hasattr(out[j], "lines") and hasattr(b, "lines"):
                        out[j].lines = out[j].lines + b.lines  # type: ignore[attr-defined]
                    continue
        out.append(b)
    return out
