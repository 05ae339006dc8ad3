"""Plain text and Markdown, including what PDF-to-text converters produce.

Converters leave: citations as LaTeX ("^{3,4}", "$^{3,4}_{}$"), as Unicode superscripts
("³⁰", "¹⁵⁻¹⁷") or as bare digits glued to the word ("synthase.32 Ketamine"); page
furniture (affiliations, copyright) between body paragraphs; paragraphs cut by that
furniture or by tables; tables flattened into tab-separated lines; list bullets;
Markdown emphasis. This reader turns such text into the same RawBlocks as the PDF
reader, so sections, citations and references come out the same way.
"""

from __future__ import annotations

import re

from kgraph.errors import InputError
from kgraph.parse.builder import (
    BARE, CITE, SUB, TEXT, DocumentBuilder, RawBlock, doi_from, is_affiliation, split_authors, year_from,
)
from kgraph.parse.citations import SUPERSCRIPT_CHARS, from_superscript, from_subscript
from kgraph.parse.model import Cell, Document, Span, Table
from kgraph.parse.sections import caption_label, canonical_kind
from kgraph.parse.textnorm import join_hyphenated, normalize, vocabulary


def decode_text(data: bytes, path: str) -> str:
    """UTF-8 (with or without BOM), or UTF-16 with a BOM; anything else is refused."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: not valid UTF-16 text ({exc.reason} at byte {exc.start})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: not UTF-8 text (invalid byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "convert it first, e.g. iconv -f latin1 -t utf-8"
        ) from None


# --- citation markers in converter output --------------------------------------

_LATEX_SUP_RE = re.compile(r"\$?\^\{([^{}]*)\}(?:_\{[^{}]*\})?\$?")
_LATEX_SUB_RE = re.compile(r"\$?_\{([^{}]*)\}\$?")
_LATEX_CMD_RE = re.compile(r"\$\\[a-z]+\{([^{}]*)\}\$")
_UNI_SUP_RE = re.compile(rf"[{SUPERSCRIPT_CHARS}](?:[{SUPERSCRIPT_CHARS},˒ ]*[{SUPERSCRIPT_CHARS}])?")
_UNI_SUB_RE = re.compile(r"[₀-₉]+")
_NUMLIST = r"\d{1,3}(?:[-–,]\d{1,3})*"
# digits glued after a word's punctuation: "synthase.32 Ketamine", "therapy,9,11-13 only"
_GLUED_RE = re.compile(rf"(?<=[A-Za-z]{{3}}[.,;:])({_NUMLIST})(?=\s|$)|(?<=[a-z/][)\]a-z][.,;:])({_NUMLIST})(?=\s|$)")
# digits after a sentence end, before a capital or the paragraph end: "weeks. 10 Another"
_AFTER_STOP_RE = re.compile(rf"(?<=[a-z)%][.])( {_NUMLIST})(?=\s+[A-Z]|\s*$)")
# digits after a comma, before a lowercase word: "(CRPS), 3-7 spinal cord injury, 8-10 phantom"
_AFTER_COMMA_RE = re.compile(rf"(?<=[A-Za-z)][,])( {_NUMLIST})(?= (?:[a-z]+))")
_COUNT_WORDS = re.compile(
    r"^(?:patients?|subjects?|studies|trials?|cases?|participants?|children|adults?|women|men|mg|g|kg|mcg|μg|ml|mL|"
    r"h|hours?|min|minutes?|days?|d|weeks?|wk|months?|mo|years?|y|times|of|to|or|and|percent|%)\b"
)


_UNIT_BEFORE_SUP = re.compile(r"(?:^|[\s(/·.])(?:[a-zA-Zμ]|cm|mm|km|kg/m|m|10|e|ml|mL)$")


def _protect_superscripts(raw: str) -> str:
    """Unicode superscript citations ("common³", "pain¹⁵⁻¹⁷") as "^{3}" before NFKC folds them into
    plain digits; exponents ("kg/m²", "10⁹") stay as they are."""
    def repl(m: re.Match) -> str:
        before = raw[max(0, m.start() - 6) : m.start()]
        if _UNIT_BEFORE_SUP.search(before) or not before.strip():
            return m.group(0)
        return "^{" + from_superscript(m.group(0)).replace(" ", "") + "}"

    return _UNI_SUP_RE.sub(repl, raw)


def split_citations(text: str) -> list[tuple[str, str]]:
    """Text -> pieces with citation candidates tagged (the builder validates them)."""
    text = _LATEX_CMD_RE.sub(r"\1", text)
    marks: list[tuple[int, int, str, str]] = []  # start, end, marker, tag
    for m in _LATEX_SUP_RE.finditer(text):
        marks.append((m.start(), m.end(), m.group(1), CITE))
    for m in _LATEX_SUB_RE.finditer(text):
        if not any(a <= m.start() < b for a, b, _, _ in marks):
            marks.append((m.start(), m.end(), m.group(1), SUB))
    for m in _UNI_SUP_RE.finditer(text):
        marks.append((m.start(), m.end(), from_superscript(m.group(0)).replace(" ", ""), CITE))
    for m in _UNI_SUB_RE.finditer(text):
        marks.append((m.start(), m.end(), from_subscript(m.group(0)), SUB))
    for rx in (_GLUED_RE, _AFTER_STOP_RE):
        for m in rx.finditer(text):
            g = m.group(1) if m.lastindex == 1 or m.group(1) else m.group(2)
            s = m.start(1) if m.group(1) is not None else m.start(2)
            marks.append((s, s + len(g), g, BARE))
    comma: list[tuple[int, int, str, bool]] = []
    for m in _AFTER_COMMA_RE.finditer(text):
        after = text[m.end():].lstrip()
        before = text[: m.start()].rstrip(",").split()
        single = not re.search(r"[-–,]", m.group(1).strip())
        if before and re.search(r"\d", before[-1]):
            continue  # "0.5, 1 and 2 mg" is a list of numbers
        if _COUNT_WORDS.match(after):
            continue
        comma.append((m.start(1), m.end(1), m.group(1), single))
    for start, end, marker, single in comma:
        # a lone number before a word is a count ("dizziness, 6 somnolence", "screened, 84 were
        # randomized"), unless it stands in a run of range markers ("pain, 3-7 injury, 11 neuralgia, 12,13")
        if single and not any(not s2 and abs(a2 - start) <= 150 for a2, _, _, s2 in comma):
            continue
        marks.append((start, end, marker, BARE))
    marks.sort()
    pieces: list[tuple[str, str]] = []
    pos = 0
    for start, end, marker, tag in marks:
        if start < pos:
            continue
        if start > pos:
            pieces.append((text[pos:start], TEXT))
        if tag in (CITE, BARE):
            pieces.append((marker, tag))
        else:
            pieces.append((marker, SUB))
        pos = end
    if pos < len(text):
        pieces.append((text[pos:], TEXT))
    # leftover "$" of math mode
    return [(t.replace("$", "") if tag == TEXT else t, tag) for t, tag in pieces]


# --- paragraphs ----------------------------------------------------------------

_EMPHASIS_RE = re.compile(r"(?<![\w*])\*{1,2}([^*\n]+?)\*{1,2}(?![\w*])")
_BULLET_RE = re.compile(r"^\s*(?:[-*•·]|\d{1,2}[.)]\s*[-*•])\s+")
_MD_HEADING_RE = re.compile(r"^(#{1,6})\s+(.*)$")
_FRONT_NOTE_RE = re.compile(
    r"^(?:From the (?:Department|Division|Departments|Institute|School|Center|Centre)|Accepted for publication|"
    r"Address (?:correspondence|e-mail|reprint)|Reprints will not|Copyright\b|©|Funding:|Conflicts? of Interest: See|"
    r"Supplemental digital content|Received:? |Published online|DOI:|Correspondence:|E-mail:|Email:)",
    re.I,
)
_TERMINAL = (".", "?", "!", ")", ":")
# a structured-abstract label a converter glued to its text: "ContextMigraine is ...", "RESULTSAll ..."
_GLUED_LABEL_RE = re.compile(
    r"^((?:Background|Context|Importance|Objectives?|Aims?|Purpose|Design|Setting|Participants|Patients|Interventions?|"
    r"Exposures?|Methods|Measurements|Main Outcome Measures?|Main Outcomes and Measures|Results|Findings|Conclusions?|"
    r"Conclusions and Relevance|Interpretation|Design, Setting, and Participants|Measurements and Main Results)"
    r"|(?:BACKGROUND|CONTEXT|OBJECTIVES?|AIMS?|PURPOSE|DESIGN|SETTING|PARTICIPANTS|PATIENTS|INTERVENTIONS?|METHODS|"
    r"RESULTS|FINDINGS|CONCLUSIONS?))(?=[A-Z][a-z])"
)
_CONTINUED_RE = re.compile(r"^\(?\s*continued\s*\)?\.?$", re.I)


def blocks_have_body(blocks: list[RawBlock]) -> bool:
    """Has the body begun (a heading that names a body section)? Affiliations come before it."""
    return any(b.kind == "heading" and canonical_kind(b.plain, strict=True) in ("introduction", "methods", "results", "discussion")
               for b in blocks)


def _is_heading(p: str) -> tuple[bool, int]:
    t = p.strip()
    if not t or "\n" in t or "\t" in t or len(t) > 100:
        return False, 0
    if t.endswith((".", ",", ";", ":", "?", "!")) and not canonical_kind(t, strict=True):
        return False, 0
    if t[0].islower() or t[0].isdigit() or t[0] in "-*•(\"'[":
        return False, 0
    words = t.split()
    if len(words) > 12:
        return False, 0
    letters = [c for c in t if c.isalpha()]
    if letters and all(c.isupper() for c in letters) and len(letters) >= 3:
        return True, 1
    small = {"a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to", "with", "vs", "versus", "from"}
    caps = sum(1 for w in words if w[0].isupper() or w.lower() in small)
    if caps == len(words) or len(words) <= 3 and words[0][0].isupper():
        return True, 2
    if canonical_kind(t, strict=True):
        return True, 2
    return False, 0


def _join_lines(lines: list[str], vocab) -> str:
    out = ""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if not out:
            out = line
        elif out.endswith("-") and len(out) > 1 and out[-2].isalpha():
            out = join_hyphenated(out, line, vocab)
        else:
            out = out + " " + line
    return out


def read_text(path: str, data: bytes, sha256: str) -> Document:
    raw = decode_text(data, path)
    if not raw.strip():
        raise InputError(f"{path}: the file holds no text")
    raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    doc = Document(source=path, sha256=sha256, text="", media_type="text/markdown" if path.lower().endswith((".md", ".markdown")) else "text/plain")
    raw = _EMPHASIS_RE.sub(r"\1", raw)
    raw = _protect_superscripts(raw)
    paragraphs = []
    for p in re.split(r"\n\s*\n", raw):
        if not p.strip():
            continue
        # list items on their own lines are separate blocks ("- 2. ...", "- 3. ...")
        chunk: list[str] = []
        for line in p.split("\n"):
            if len(chunk) == 1 and canonical_kind(chunk[0], strict=True) and not chunk[0].rstrip().endswith(","):
                # "Abstract" (or "Methods") on its own line with the text right under it
                paragraphs.append(chunk[0])
                chunk = []
            if chunk and _BULLET_RE.match(line) and "\t" not in line:
                paragraphs.append("\n".join(chunk))
                chunk = []
            chunk.append(line)
        if chunk:
            paragraphs.append("\n".join(chunk))
    vocab = vocabulary(paragraphs)

    blocks: list[RawBlock] = []
    tables: list[Table] = []
    table_rows: list[list[str]] | None = None
    table_caption = ""
    in_refs = False

    def close_table():
        nonlocal table_rows, table_caption
        if table_rows:
            tables.append(_make_table(table_caption, table_rows, len(tables) + 1))
        table_rows = None
        table_caption = ""

    for idx, para in enumerate(paragraphs):
        lines = [l for l in para.split("\n") if l.strip()]
        first = lines[0].strip()
        # tables flattened into tab-separated lines (or Markdown pipes)
        tab_lines = [l for l in lines if l.count("\t") >= 2 or (l.strip().startswith("|") and l.count("|") >= 3)]
        if tab_lines and len(tab_lines) >= max(1, len(lines) // 2):
            label = caption_label(first.replace("\t", " "))
            if label and label[0] == "Table":
                close_table()
                table_caption = normalize(re.sub(r"\s+", " ", first.replace("\t", " ")).strip())
                rest = lines[1:]
            else:
                rest = lines
            if table_rows is None:
                table_rows = []
            for l in rest:
                if re.match(r"^\s*\|?\s*:?-{3,}", l):
                    continue
                cells = [normalize(c).strip() for c in re.split(r"\t|\s\|\s", l.strip().strip("|"))]
                table_rows.append(cells)
            continue
        if _CONTINUED_RE.match(first) and len(lines) == 1:
            continue
        if table_rows is not None and re.match(r"^(?:Abbreviations?|Source|Note|Notes|Data are|Values are)\b", first):
            tables.append(_make_table(table_caption, table_rows, len(tables) + 1, footnote=normalize(" ".join(lines))))
            table_rows = None
            table_caption = ""
            continue
        close_table()
        md = _MD_HEADING_RE.match(first)
        joined = _join_lines(lines, vocab)
        text = normalize(joined)
        if md and len(lines) == 1:
            level = len(md.group(1))
            htext = normalize(md.group(2).strip())
            blocks.append(RawBlock("heading", [(htext, TEXT)], level=level, style=("md", level)))
            in_refs = canonical_kind(htext) == "references"
            continue
        label = caption_label(text)
        if label:
            blocks.append(RawBlock("caption", split_citations(text)))
            continue
        if not in_refs and is_affiliation(text) and canonical_kind(text, strict=True) is None and not blocks_have_body(blocks):
            blocks.append(RawBlock("footnote", [(text, TEXT)]))  # an affiliation: front matter
            continue
        is_head, level = _is_heading(text)
        if is_head and not in_refs or (is_head and canonical_kind(text, strict=True)):
            style = ("caps",) if level == 1 else ("title",)
            blocks.append(RawBlock("heading", [(text, TEXT)], level=level, style=style))
            in_refs = canonical_kind(text) == "references"
            continue
        if in_refs:
            # one raw block per line: reference entries are one per line in converter output
            for l in lines:
                blocks.append(RawBlock("paragraph", [(normalize(l.strip()), TEXT)]))
            continue
        if _FRONT_NOTE_RE.match(text):
            blocks.append(RawBlock("footnote", [(text, TEXT)]))
            continue
        text = _BULLET_RE.sub("", text)
        text = _GLUED_LABEL_RE.sub(r"\1: ", text, count=1)
        blocks.append(RawBlock("paragraph", split_citations(text)))
    close_table()

    _front_matter(blocks)
    _repair_drop_cap(blocks, vocab)
    blocks = _merge_broken_paragraphs(blocks)
    tables = _stitch_text_tables(tables)
    builder = DocumentBuilder(doc)
    builder.build(blocks, tables)
    _metadata(doc, blocks, raw)
    doc.tables = tables
    doc.pages = 0
    return doc


def _make_table(caption: str, rows: list[list[str]], n: int, footnote: str = "") -> Table:
    label = caption_label(caption) if caption else None
    tid = f"Table {label[1]}" if label and label[1] else f"Table {n}"
    width = max((len(r) for r in rows), default=0)
    grid = [[Cell(text=c, row=i, col=j) for j, c in enumerate(r + [""] * (width - len(r)))] for i, r in enumerate(rows)]
    header, body = (grid[:1], grid[1:]) if len(grid) > 1 else ([], grid)
    return Table(id=tid, caption=caption, header=header, rows=body, footnote=footnote)


def _stitch_text_tables(tables: list[Table]) -> list[Table]:
    """Pieces of one table ("Table 2", then "Table 2. Continued") become one table."""
    out: list[Table] = []
    for t in tables:
        if out and out[-1].id == t.id:
            head = out[-1]
            key = [c.text for r in head.header for c in r]
            rows = t.rows if [c.text for r in t.header for c in r] == key else t.header + t.rows
            base = len(head.rows)
            for i, r in enumerate(rows):
                for c in r:
                    c.row = base + i
                head.rows.append(r)
            head.footnote = head.footnote or t.footnote
            continue
        out.append(t)
    return out


def _merge_broken_paragraphs(blocks: list[RawBlock]) -> list[RawBlock]:
    """Join a paragraph cut by furniture, a table or a figure with its continuation."""
    out: list[RawBlock] = []
    for b in blocks:
        if b.kind == "paragraph" and out:
            first = b.plain.lstrip()
            # find the last paragraph, skipping furniture, captions and footnotes
            j = len(out) - 1
            while j >= 0 and out[j].kind in ("footnote", "caption"):
                j -= 1
            if j >= 0 and out[j].kind == "paragraph":
                prev = out[j].plain.rstrip()
                if first[:1].islower() and prev and not prev.endswith(_TERMINAL):
                    out[j].pieces = out[j].pieces + [(" ", TEXT)] + b.pieces
                    continue
        out.append(b)
    return out


_AUTHORS_RE = re.compile(r"\b(?:MD|PhD|MS|MSc|MPH|MBBS|DO|RN|PharmD|FRCA|MBChB)\b|,\s*(?:and\s+)?[A-Z][a-z]+\s+[A-Z]")


_FRONT_NOISE_RE = re.compile(r"(?:19|20)\d{2}\s*;\s*\d|\bdoi\s*:|https?://|\bvol(?:ume)?\.?\s*\d|\bISSN\b", re.I)


_CATEGORY_RE = re.compile(
    r"^(?:original|research|clinical|brief|short|special|invited|review|case|rapid|scientific|full|regular)?\s*"
    r"(?:articles?|contributions?|investigations?|reports?|research|communications?|papers?|studies|study|"
    r"letters?(?: to the editor)?|correspondence|reviews?|trials?|originalien|übersichten)$",
    re.I,
)


def _is_category_line(text: str, nxt: RawBlock | None) -> bool:
    """A journal's article-type line: a few words naming a kind of article, or a
    shorter line above a longer title-like line."""
    t = text.strip().rstrip(":")
    if _CATEGORY_RE.match(t):
        return True
    if nxt is None or nxt.kind not in ("paragraph", "heading") or len(t.split()) > 3:
        return False
    t1 = nxt.plain.strip()
    return (4 <= len(t1.split()) <= 40 and not t1.endswith(".") and not _AUTHORS_RE.search(t1)
            and canonical_kind(t1) is None and canonical_kind(t) is None and not re.search(r"[:,]", t))


def _front_matter(blocks: list[RawBlock]) -> None:
    """The first short line that is not a notice or a citation line is the title,
    the name line after it the authors."""
    for i, b0 in enumerate(blocks[:4]):
        t0 = b0.plain
        if b0.kind not in ("paragraph", "heading") or canonical_kind(t0) is not None:
            return
        if _FRONT_NOISE_RE.search(t0) or (t0.rstrip().endswith(".") and len(t0.split()) <= 25):
            continue  # a journal line or a one-sentence notice above the title
        if _is_category_line(t0, blocks[i + 1] if i + 1 < len(blocks) else None):
            continue  # "Original Contribution", "Research Article" above the title
        if len(t0.split()) <= 40 and not t0.rstrip().endswith("."):
            b0.kind = "title"
            b0.level = 0
            if len(blocks) > i + 1:
                b1 = blocks[i + 1]
                t1 = b1.plain
                if len(t1.split()) <= 60 and _AUTHORS_RE.search(t1) and b1.kind in ("paragraph", "heading"):
                    b1.kind = "authors"
        return


def _repair_drop_cap(blocks: list[RawBlock], vocab) -> None:
    """A converter often drops a large initial ("etamine was" for "Ketamine was")."""
    for b in blocks[:12]:
        if b.kind != "paragraph" or not b.pieces or b.pieces[0][1] != TEXT:
            continue
        text = b.pieces[0][0]
        m = re.match(r"([a-z]+)\b", text)
        if not m or vocab.get(m.group(1), 0) > 1:
            continue
        word = m.group(1)
        fits = [c for c in "abcdefghijklmnopqrstuvwxyz" if vocab.get(c + word, 0) >= 2]
        if len(fits) == 1:
            b.pieces[0] = (fits[0].upper() + text, TEXT)
            return


def _metadata(doc: Document, blocks: list[RawBlock], raw: str) -> None:
    for sec in doc.sections:
        if sec.kind == "title" and sec.blocks:
            doc.title = sec.blocks[0].text
        if sec.kind == "authors" and sec.blocks:
            doc.authors = split_authors(sec.blocks[0].text)
    head = raw[:20000]
    doc.doi = doi_from(head)
    doc.year = year_from(head)
    m = re.search(r"\(([A-Z][A-Za-z.]+(?: [A-Z][A-Za-z.]+){0,5}) (?:19|20)\d{2};\d+", head)
    if m:
        doc.journal = m.group(1)
