"""PDF -> Document: pages streamed one at a time, then furniture, paragraphs, sections.

Per page (nothing of the PDF is kept once the page is done): words from pdfium,
line fragments, tables under their captions (their words leave the text flow),
figure text inside images dropped, columns and reading order. Per document: running
heads, footers and page numbers (text repeating at the same place on several pages;
sides may alternate), paragraphs (gaps, indents, style changes; across columns and
pages when a sentence runs on), headings by font, then the shared builder.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict

import pypdfium2 as pdfium

from kgraph.errors import InputError
from kgraph.parse.builder import (
    CITE,
    SUB,
    SUP,
    TEXT,
    DocumentBuilder,
    RawBlock,
    doi_from,
    merge_broken_paragraphs,
    is_affiliation,
    split_authors,
    year_from,
)
from kgraph.parse.citations import parse_marker
from kgraph.parse.model import Document
from kgraph.parse.pdf_backend import PageWords, PdfPages, Rule, Word
from kgraph.parse.pdf_layout import Frag, Line, _frag, make_fragments, order_page
from kgraph.parse.pdf_tables import TablePiece, find_tables, stitch
from kgraph.parse.sections import caption_label, canonical_kind
from kgraph.parse.textnorm import join_hyphenated, normalize

_PAGE_NUM_RE = re.compile(r"^(?:page\s*)?#(?:\s*(?:of|/)\s*#)?$|^#\s*\|.*|^\W*#\W*$", re.I)
_FURNITURE_RE = re.compile(
    r"(?:©|\bcopyright\b|\ball rights reserved\b|\bdownloaded from\b|\bcreative commons\b|\bopen access\b.*\blicen[cs]e|"
    r"\bwww\.|https?://|\bdoi:?\s*10\.|^\s*vol\.?\s*#|\bpage\s*#\s*of\s*#)",
    re.I,
)
_FRONT_NOTE_RE = re.compile(
    r"^(?:From the (?:Department|Division|Departments|Institute|School|Center|Centre)|Accepted for publication|"
    r"Address (?:correspondence|e-mail|reprint)|Reprints will not|Copyright\b|©|Funding:|Conflicts? of Interest:|"
    r"Supplemental digital content|Received:?\s|Published online|Correspondence:?|E-?mail:|\*\s*Correspondence)",
    re.I,
)
_NON_LETTERS_RE = re.compile(r"[^A-Za-zÀ-ÿ]+")
_CAPTION_HEADS = {"Tab", "Fig", "Box", "Pan", "Cha", "Sch", "App", "Sup", "Add", "TAB", "FIG"}
_LIST_START_RE = re.compile(r"^(?:\d{1,2}[.)]|[•●▪◦–-]|\(\d{1,2}\)|[a-h][.)])\s")


def read_pdf(path: str, data: bytes, sha256: str) -> Document:
    try:
        pages = PdfPages(path, data)
    except pdfium.PdfiumError as exc:
        msg = str(exc)
        if "password" in msg.lower():
            raise InputError(f"{path}: the PDF is encrypted and needs a password") from None
        raise InputError(f"{path}: not a readable PDF (corrupt or truncated: {msg})") from None
    doc = Document(source=path, sha256=sha256, text="", media_type="application/pdf")
    with pages:
        if len(pages) == 0:
            raise InputError(f"{path}: the PDF has no pages (corrupt or truncated)")
        reader = _Reader(path, doc)
        for i in range(len(pages)):
            try:
                pw = pages.page(i)
            except pdfium.PdfiumError as exc:
                doc.warnings.append(f"page {i + 1}: unreadable ({exc})")
                continue
            reader.add_page(pw)
        doc.pages = len(pages)
    return reader.finish()


class _Reader:
    def __init__(self, path: str, doc: Document):
        self.path = path
        self.doc = doc
        self.lines: list[Line] = []
        self.pieces: list[TablePiece] = []
        self.vocab: Counter = Counter()
        self.heights: Counter = Counter()  # word height (0.5 pt bins) -> character count
        self.page_sizes: dict[int, tuple[float, float]] = {}
        self.chars = 0
        self.empty_pages: list[int] = []
        self.image_pages = 0
        self.first_page_text = ""

    # -- per page -----------------------------------------------------------

    def body_size(self) -> float:
        if not self.heights:
            return 10.0
        return self.heights.most_common(1)[0][0] / 2

    def add_page(self, pw: PageWords) -> None:
        self.page_sizes[pw.number] = (pw.width, pw.height)
        self.chars += pw.chars
        if pw.chars < 20:
            self.empty_pages.append(pw.number)
            if pw.images:
                self.image_pages += 1
        if pw.unmapped:
            self.doc.warnings.append(f"page {pw.number}: {pw.unmapped} words with glyphs that have no Unicode mapping")
        words = pw.words
        if pw.images:
            words = [w for w in words if not _inside_any(w, pw.images)]
        upright = [w for w in words if not w.rotated]
        for w in upright:
            if not w.script:
                self.heights[round(2 * (w.bottom - w.top))] += len(w.text)
            if w.text.isalpha():
                self.vocab[w.text.lower()] += 1
        if pw.number <= 2:
            self.first_page_text += " ".join(w.text for w in pw.words) + "\n"
        body = self.body_size()
        sideways = [w for w in words if w.rotated in (90, 270)]
        if len(sideways) > 60:
            # a table printed sideways on an upright page: read it in its own frame
            self.pieces.extend(_sideways_tables(pw, sideways, body, self.vocab))
        frags = make_fragments(upright)
        frags = _drop_figure_panels(pw, frags)
        tables = find_tables(pw, frags, body, self.vocab)
        if tables:
            used = set().union(*(t.consumed for t in tables))
            self.pieces.extend(tables)
            frags = _without(frags, used)
        layout = order_page(pw, frags)
        self.lines.extend(layout.lines)

    # -- document -----------------------------------------------------------

    def finish(self) -> Document:
        doc = self.doc
        if self.chars == 0 or not self.lines and not self.pieces:
            if self.image_pages or self.chars == 0:
                raise InputError(f"{self.path}: the PDF has no text layer (scanned images?); run OCR on it first")
        if self.empty_pages:
            doc.warnings.append(f"pages without a text layer (skipped): {_ranges(self.empty_pages)}")
        body = self.body_size()
        _mark_furniture(self.lines, self.page_sizes)
        blocks = self._blocks([l for l in self.lines if not l.furniture], body)
        tables = stitch(self.pieces, doc.warnings)
        DocumentBuilder(doc).build(blocks, tables)
        doc.tables = tables
        self._metadata(blocks)
        return doc

    def _metadata(self, blocks: list[RawBlock]) -> None:
        doc = self.doc
        for sec in doc.sections:
            if sec.kind == "title" and sec.blocks and doc.title is None:
                doc.title = " ".join(b.text for b in sec.blocks)
            if sec.kind == "authors" and sec.blocks and not doc.authors:
                doc.authors = split_authors(sec.blocks[0].text)
        head = normalize(self.first_page_text)
        doc.doi = doi_from(head)
        doc.year = year_from(head, citation_window=len(head))  # page 1: its citation line wherever it stands

    # -- paragraphs ---------------------------------------------------------

    def _blocks(self, lines: list[Line], body: float) -> list[RawBlock]:
        gaps = [
            b.top - a.bottom
            for a, b in zip(lines, lines[1:])
            if a.page == b.page and a.zone == b.zone and a.col == b.col and abs(a.size - body) < 1 and abs(b.size - body) < 1
        ]
        typical_gap = statistics.median(gaps) if gaps else 0.2 * body
        # does this document mark paragraphs by a first-line indent?
        indents = 0
        for a, b in zip(lines, lines[1:]):
            if a.page == b.page and a.col == b.col and a.zone == b.zone and abs(b.size - body) < 1:
                if 0.6 * b.size < b.x0 - b.col_x0 < 3.5 * b.size and a.text.rstrip().endswith((".", "?", "!")):
                    indents += 1
        self.indent_style = indents >= 3
        title_lines = _title_lines(lines, body)
        blocks: list[RawBlock] = []
        cur: list[Line] = []
        cur_kind = "paragraph"

        def flush():
            nonlocal cur, cur_kind
            if cur:
                blocks.append(self._raw_block(cur, cur_kind, body))
            cur = []
            cur_kind = "paragraph"

        for ln in lines:
            kind = self._line_kind(ln, body, title_lines)
            if cur and self._continues(cur, cur_kind, ln, kind, body, typical_gap):
                cur.append(ln)
                continue
            flush()
            cur = [ln]
            cur_kind = kind
        flush()
        _authors_after_title(blocks)
        _mark_affiliations(blocks)
        blocks = _drop_plot_labels(blocks)
        return merge_broken_paragraphs(blocks)

    def _line_kind(self, ln: Line, body: float, title_lines: set) -> str:
        if id(ln) in title_lines:
            return "title"
        text = ln.text
        if text[:3] in _CAPTION_HEADS and caption_label(text):
            return "caption"
        words = [w for w in ln.words if not w.script]
        nwords = len(words)
        caps = False
        if nwords <= 8:
            letters = _NON_LETTERS_RE.sub("", text)
            caps = len(letters) >= 4 and sum(c.isupper() for c in letters) >= 0.9 * len(letters)
        short = nwords <= 14 and not text.rstrip().endswith((".", ",", ";")) or canonical_kind(text, strict=True) is not None and nwords <= 6
        full = ln.x1 > ln.col_x1 - 1.5 * ln.size and ln.x0 < ln.col_x0 + 1.5 * ln.size and nwords > 6
        if full and ln.size < 1.15 * body:
            short = False  # a bold paragraph (an abstract set in bold) fills its lines
        named = nwords <= 6 and canonical_kind(text, strict=True) is not None
        if named or short and (ln.bold or ln.size > 1.15 * body or (caps and ln.size >= 0.95 * body and nwords <= 8)):
            if any(c.isalpha() for c in text) and not _LIST_START_RE.match(text) and not text[:1].islower():
                return "heading"
        if ln.size < 0.9 * body and ln.page <= 2 and _FRONT_NOTE_RE.match(text):
            return "footnote"
        return "paragraph"

    def _continues(self, cur: list[Line], cur_kind: str, ln: Line, kind: str, body: float, typical_gap: float) -> bool:
        prev = cur[-1]
        if kind != cur_kind and not (cur_kind == "caption" and kind == "paragraph"):
            if not (cur_kind == "footnote" and kind == "paragraph" and ln.size < 0.9 * body):
                return False
        if kind == "title":
            return ln.page == prev.page
        if kind == "heading":
            # a heading wraps onto the next line when it is close, in the same style, and
            # its first line was long (two short headings in a row are two headings)
            col_w = max(1.0, prev.col_x1 - prev.col_x0)
            return (
                ln.page == prev.page
                and ln.col == prev.col
                and ln.top - prev.bottom < 0.6 * ln.size
                and abs(ln.size - prev.size) < 0.5
                and ln.bold == prev.bold
                and (prev.x1 - prev.x0 > 0.6 * col_w or ln.text[:1].islower())
            )
        if abs(ln.size - prev.size) > 0.12 * max(ln.size, prev.size):
            return False
        if cur_kind == "caption":
            # a caption runs until a gap or a change of style
            return ln.page == prev.page and ln.top - prev.bottom < 0.6 * ln.size and ln.col == prev.col
        if ln.bold != prev.bold and ln.bold:
            return False
        text = ln.text
        prev_text = " ".join(w.text for w in prev.words if not w.script).rstrip()
        terminal = prev_text.endswith((".", "?", "!", ":")) or re.search(r"[.?!]\)?[\d,–-]*$", prev_text) is not None
        indent = ln.x0 - ln.col_x0
        indented = indent > 0.6 * ln.size
        prev_indented = prev.x0 - prev.col_x0 > 0.6 * prev.size
        # a line is "full" unless it stops well short of the column edge (ragged-right
        # text stops up to a word short, so allow a fifth of the column)
        col_w = max(1.0, prev.col_x1 - prev.col_x0)
        prev_full = prev.x1 > prev.col_x1 - max(1.5 * prev.size, 0.2 * col_w)
        if _LIST_START_RE.match(text) and terminal:
            return False
        same_column = ln.page == prev.page and ln.zone == prev.zone and ln.col == prev.col
        if same_column:
            gap = ln.top - prev.bottom
            if gap > typical_gap + 0.45 * ln.size or gap < -0.5 * ln.size:
                return False
            if terminal and not prev_full:
                return False
            if indented and not prev_indented and terminal:
                return False
            return True
        # next column or page: a sentence that runs on continues the paragraph
        if not terminal or prev_text.endswith("-"):
            return True
        if self.indent_style:
            return prev_full and not indented  # a new paragraph would be indented
        return prev_full and not indented and text[:1].islower()

    def _raw_block(self, lines: list[Line], kind: str, body: float) -> RawBlock:
        pieces: list[tuple[str, str]] = []
        texts: list[str] = []
        for k, ln in enumerate(lines):
            lp = _line_pieces(ln, first_of_block=(k == 0))
            texts.append("".join(t for t, _ in lp))
            if not pieces:
                pieces.extend(lp)
                continue
            last_text = next((i for i in range(len(pieces) - 1, -1, -1) if pieces[i][1] == TEXT), None)
            ended_hyphen = last_text is not None and pieces[last_text][0].endswith("-") and last_text == len(pieces) - 1
            if ended_hyphen and lp and lp[0][1] == TEXT:
                left = pieces[last_text][0]
                joined = join_hyphenated(left, lp[0][0], self.vocab)
                pieces[last_text] = (joined, TEXT)
                pieces.extend(lp[1:])
            else:
                pieces.append((" ", TEXT))
                pieces.extend(lp)
        pieces = [(normalize(t) if tag == TEXT else t, tag) for t, tag in pieces]
        x0 = min(l.x0 for l in lines)
        top = min(l.top for l in lines if l.page == lines[0].page)
        x1 = max(l.x1 for l in lines)
        bottom = max(l.bottom for l in lines if l.page == lines[0].page)
        size = statistics.median(l.size for l in lines)
        first = lines[0]
        letters = [c for c in first.text if c.isalpha()]
        caps = bool(letters) and all(c.isupper() for c in letters)
        rb = RawBlock(kind, pieces, page=first.page, bbox=(x0, top, x1, bottom))
        rb.lines = [normalize(t) for t in texts]  # type: ignore[attr-defined]
        if kind == "heading":
            rb.style = (round(size * 2) / 2, first.bold, caps)
            rb.level = 1 if (size > 1.05 * body or caps) else 2
        return rb


def _line_pieces(ln: Line, first_of_block: bool) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    words = ln.words
    for i, w in enumerate(words):
        t = w.text
        if w.script == "sup":
            tag = CITE if parse_marker(t) is not None else SUP
            out.append((t, tag))
            continue
        if w.script == "sub":
            out.append((t, SUB))
            continue
        if out and out[-1][1] == TEXT:
            prev = words[i - 1]
            # a drop cap ("K" + "etamine") or a gap pdfium did not call a space
            if i == 1 and first_of_block and len(prev.text) == 1 and prev.text.isupper() and (prev.bottom - prev.top) > 1.5 * ln.size and t[:1].islower():
                out[-1] = (out[-1][0] + t, TEXT)
                continue
            out[-1] = (out[-1][0] + " " + t, TEXT)
        else:
            lead = " " if out else ""
            out.append((lead + t, TEXT))
    return out


def _title_lines(lines: list[Line], body: float) -> set:
    """The largest text in the upper part of page 1 (and its wrapped lines)."""
    first_page = min((x.page for x in lines), default=1)
    first = [l for l in lines if l.page == first_page]
    if not first:
        return set()
    ph = max(l.bottom for l in first)
    cands = [l for l in first if l.top < 0.6 * ph and len(l.text) > 3 and any(c.isalpha() for c in l.text)]
    if not cands:
        return set()
    biggest = max(l.size for l in cands)
    if biggest < 1.25 * body:
        return set()
    chosen = [l for l in cands if abs(l.size - biggest) < 0.6]
    # keep a contiguous run
    chosen.sort(key=lambda l: l.top)
    run = [chosen[0]]
    for l in chosen[1:]:
        if l.top - run[-1].bottom < 1.2 * biggest:
            run.append(l)
        else:
            break
    return {id(l) for l in run}


_NAME_LINE_RE = re.compile(r"\b(?:MD|PhD|MS|MSc|MPH|MBBS|DO|RN|PharmD|FRCA|MBChB)\b|[A-Z][a-z]+ (?:[A-Z]\.? ?){1,2}[A-Z][a-zA-Z]+[\d,*∗†‡§]|,\s*(?:and\s+)?[A-Z][a-z]+(?: [A-Z]\.?)? [A-Z][a-z]+")


def _authors_after_title(blocks: list[RawBlock]) -> None:
    for i, b in enumerate(blocks):
        if b.kind == "title":
            for nb in blocks[i + 1 : i + 4]:
                t = nb.plain
                if is_affiliation(t):
                    continue  # affiliations before or instead of the name line
                if nb.kind in ("paragraph", "heading") and len(t.split()) <= 80 and _NAME_LINE_RE.search(t) and not t.rstrip().endswith("."):
                    nb.kind = "authors"
                    return
            return


def _mark_affiliations(blocks: list[RawBlock]) -> None:
    """Affiliation lines and author notes on the first pages (often a side column read in
    between the abstract's lines) are front matter, not body text."""
    for b in blocks:
        if b.kind in ("paragraph", "heading") and (b.page or 1) <= 2 and canonical_kind(b.plain, strict=True) is None:
            if is_affiliation(b.plain):
                b.kind = "footnote"


def _sideways_tables(pw: PageWords, words: list[Word], body: float, vocab) -> list[TablePiece]:
    """Turn sideways words (and the page's rules) upright in a virtual page, find tables there."""
    angle = Counter(w.rotated for w in words).most_common(1)[0][0]
    W, H = pw.width, pw.height
    same = [w for w in words if w.rotated == angle]
    # which way do the lines run? successive words of a line move up or down the page
    steps = [b.top - a.top for a, b in zip(same, same[1:]) if abs(b.x0 - a.x0) < 2 and not a.line_end]
    upward = sum(1 for d in steps if d < 0) >= sum(1 for d in steps if d > 0)

    def turn(x0, top, x1, bottom):
        if upward:  # reads bottom to top: the page's bottom edge becomes the left edge
            return H - bottom, x0, H - top, x1
        return top, W - x1, bottom, W - x0  # reads top to bottom

    upright: list[Word] = []
    for w in words:
        if w.rotated != angle:
            continue
        x0, top, x1, bottom = turn(w.x0, w.top, w.x1, w.bottom)
        upright.append(Word(w.text, x0, top, x1, bottom, w.bold, "", 0, w.hyphen, w.line_end, w.font))
    rules = []
    for r in pw.rules:
        x0, top, x1, bottom = turn(r.x0, r.top, r.x1, r.bottom)
        rules.append(Rule(x0, top, x1, bottom))
    virtual = PageWords(number=pw.number, width=H, height=W, words=upright, rules=rules, rotation=angle)
    frags = make_fragments(upright)
    pieces = find_tables(virtual, frags, body, vocab)
    for p in pieces:
        p.bbox = None  # the cells' boxes are in the turned frame, not the page's
    return pieces


_PLOT_LABEL_RE = re.compile(r"^[\s\d.,%()\-–−+<>=·]*$")


def _drop_plot_labels(blocks: list[RawBlock]) -> list[RawBlock]:
    """Axis ticks and numbers of a drawn chart ("2", "0.4 0.6") on a page with a figure."""
    figure_pages = {b.page for b in blocks if b.kind == "caption" and b.plain.lstrip()[:3] in ("Fig", "FIG")}
    out = []
    for b in blocks:
        if b.kind == "paragraph" and b.page in figure_pages and len(b.plain) <= 40 and _PLOT_LABEL_RE.match(b.plain):
            continue
        out.append(b)
    return out


def _drop_figure_panels(pw: PageWords, frags: list[Frag]) -> list[Frag]:
    """Text drawn inside a framed figure (flow-diagram boxes, plot labels) leaves the flow.

    A frame that holds a "Figure" caption is a figure panel: everything in it above the
    caption is part of the drawing; the caption itself stays.
    """
    if not pw.boxes:
        return frags
    out = frags
    for box in pw.boxes:
        x0, top, x1, bottom = box
        if x1 - x0 < 0.25 * pw.width or bottom - top < 0.12 * pw.height:
            continue
        inside = [f for f in out if f.x0 >= x0 - 2 and f.x1 <= x1 + 2 and f.top >= top - 2 and f.bottom <= bottom + 2]
        if not inside:
            continue
        near = [
            f for f in out
            if f.x0 < x1 and f.x1 > x0 and (top - 30 <= f.top <= bottom + 20)
        ]
        caps = [f for f in near if (lab := caption_label(f.text)) and lab[0] == "Figure"]
        if not caps:
            continue
        # the caption's own lines stay; so does a caption inside the frame and what follows it
        cap_top = min(f.top for f in caps)
        inner_caps = [f for f in caps if top - 2 <= f.top <= bottom]
        limit = min((f.top for f in inner_caps), default=bottom + 3)
        drop = {id(f) for f in inside if f.bottom <= limit + 1 and not caption_label(f.text)}
        out = [f for f in out if id(f) not in drop]
    return out


def _inside_any(w: Word, boxes) -> bool:
    for x0, top, x1, bottom in boxes:
        if w.x0 >= x0 - 1 and w.x1 <= x1 + 1 and w.top >= top - 1 and w.bottom <= bottom + 1:
            return True
    return False


def _without(frags: list[Frag], used: set) -> list[Frag]:
    out = []
    for f in frags:
        keep = [w for w in f.words if id(w) not in used]
        if len(keep) == len(f.words):
            out.append(f)
        elif keep:
            out.append(_frag(keep))
    return out


def _mark_furniture(lines: list[Line], page_sizes: dict[int, tuple[float, float]]) -> None:
    """Running heads, footers, page numbers: text at the page edge that repeats."""
    npages = len(page_sizes)
    keyed: dict[str, set[int]] = defaultdict(set)
    band_lines: list[tuple[Line, list[str]]] = []
    for ln in lines:
        w, h = page_sizes.get(ln.page, (612, 792))
        if ln.top < 0.085 * h or ln.bottom > 0.915 * h:
            # a running head is often two parts far apart (journal left, title right)
            keys = [_furniture_key(part) for part in _line_parts(ln)]
            band_lines.append((ln, keys))
            for key in keys:
                keyed[key].add(ln.page)
    need = 2 if npages <= 3 else 3
    for ln, keys in band_lines:
        w, h = page_sizes.get(ln.page, (612, 792))
        # text that does not repeat is furniture only at the very edge (copyright, DOI, URL lines)
        edge = ln.top < 0.06 * h or ln.bottom > 0.95 * h
        if all(len(keyed[k]) >= need or _PAGE_NUM_RE.match(k) or (edge and _FURNITURE_RE.search(k)) for k in keys):
            ln.furniture = True
        elif edge and _FURNITURE_RE.search(ln.text):
            ln.furniture = True


def _furniture_key(text: str) -> str:
    key = re.sub(r"\d+", "#", text.lower())
    return re.sub(r"\s+", " ", key).strip()


def _line_parts(ln: Line) -> list[str]:
    parts: list[list[Word]] = [[ln.words[0]]]
    for a, b in zip(ln.words, ln.words[1:]):
        if b.x0 - a.x1 > 2.0 * ln.size:
            parts.append([b])
        else:
            parts[-1].append(b)
    return [" ".join(w.text for w in p) for p in parts]


def _ranges(nums: list[int]) -> str:
    out = []
    start = prev = nums[0]
    for n in nums[1:]:
        if n == prev + 1:
            prev = n
            continue
        out.append(f"{start}-{prev}" if prev != start else str(start))
        start = prev = n
    out.append(f"{start}-{prev}" if prev != start else str(start))
    return ", ".join(out)
