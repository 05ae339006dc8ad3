"""Tables: found under their "Table N" caption, cut into a cell grid from the page.

Clinical tables usually have horizontal rules only (top, under the header, bottom,
sometimes between rows) or none, so a line-based table finder sees nothing. We use
the rules we have for the table's extent, header and row boundaries, and infer the
columns from the words themselves: a column boundary is an x-range that no body
word covers (checked against the header, so "Mean (SD)" is not split in two).
Rows come from inner rules when every row is ruled, otherwise from lines whose
first column starts a new entry. Pieces of one table on consecutive pages
("Table 2. Continued", a repeated header) are stitched into one logical table.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field

from kgraph.parse.citations import parse_marker
from kgraph.parse.model import Cell, Citation, Span, Table
from kgraph.parse.pdf_backend import PageWords, Rule, Word
from kgraph.parse.pdf_layout import Frag, make_line
from kgraph.parse.sections import caption_label
from kgraph.parse.textnorm import join_hyphenated, normalize

_FOOTNOTE_START_RE = re.compile(
    r"^(?:Abbreviations?|Note|Notes|Source|Sources|Data (?:are|were|is)|Values (?:are|were)|Results (?:are|were)|"
    r"[a-h]\s|[a-h][A-Z]|[*†‡§¶#]|\([a-h]\)|P values?|Footnotes?|Key:)",
)
_CONTINUED_RE = re.compile(r"^\(?\s*(?:continued|cont'?d\.?|continued on next page)\s*\)?\.?$", re.I)
_PUNCT_ONLY_RE = re.compile(r"^[.,;:)\]]+$")
_CONT_CAPTION_RE = re.compile(r"\b(?:continued|cont'?d)\b", re.I)


@dataclass
class CellData:
    text: str
    bbox: tuple[float, float, float, float] | None
    markers: list[str] = field(default_factory=list)  # superscript citation markers


@dataclass
class TablePiece:
    label: str  # "2"
    caption: str
    continued: bool
    page: int
    bbox: tuple[float, float, float, float]
    header: list[list[CellData]]
    rows: list[list[CellData]]
    col_bounds: list[float]  # x of column boundaries (len = ncols + 1)
    footnote: str = ""
    consumed: set = field(default_factory=set)  # ids of words used by the table


def _h(w: Word) -> float:
    return w.bottom - w.top


def find_tables(pw: PageWords, frags: list[Frag], body_size: float, vocab) -> list[TablePiece]:
    pieces: list[TablePiece] = []
    captions = []
    for f in frags:
        lab = caption_label(f.text)
        if lab and lab[0] == "Table" and lab[1]:
            captions.append((f, lab[1]))
    if not captions:
        return pieces
    hrules = [r for r in _merge_segments([r for r in pw.rules if r.horizontal]) if r.x1 - r.x0 > 40]
    taken: set[int] = set()
    for ci, (cap, label) in enumerate(captions):
        next_cap_top = min((c.top for c, _ in captions[ci + 1 :] if c.top > cap.bottom), default=pw.height + 1)
        piece = _table_under(pw, frags, cap, label, hrules, next_cap_top, body_size, vocab, taken)
        if piece is not None:
            pieces.append(piece)
            taken |= piece.consumed
    return pieces


def _merge_segments(rules: list[Rule]) -> list[Rule]:
    """Collinear pieces of one horizontal rule (ruled cells draw one segment each) -> one rule."""
    out: list[Rule] = []
    for r in sorted(rules, key=lambda r: (round(r.top), r.x0)):
        last = out[-1] if out else None
        if last is not None and abs(last.top - r.top) < 1.5 and r.x0 <= last.x1 + 1.0:
            last.x1 = max(last.x1, r.x1)
            last.bottom = max(last.bottom, r.bottom)
            continue
        out.append(Rule(r.x0, r.top, r.x1, r.bottom))
    out.sort(key=lambda r: r.top)
    return out


def _caption_frags(frags: list[Frag], cap: Frag) -> list[Frag]:
    """The caption and its wrapped lines (same style, directly below)."""
    out = [cap]
    lh = cap.height
    bottom = cap.bottom
    for f in sorted(frags, key=lambda f: f.top):
        if f is cap or f.top < cap.top:
            continue
        if f.top - bottom > 0.45 * lh:
            break
        if f.x0 >= cap.x0 - 2 and f.x1 <= max(cap.x1, f.x1) and abs(f.height - lh) < 0.2 * lh and f.top > bottom - 0.3 * lh:
            if f.words[0].bold == cap.words[-1].bold and not caption_label(f.text):
                out.append(f)
                bottom = f.bottom
                continue
        if f.top > bottom:
            break
    return out


def _panel_of(pw: PageWords, cap: Frag):
    """A shaded or framed box holding the caption (Lancet-style table panels)."""
    best = None
    for box in pw.boxes:
        x0, top, x1, bottom = box
        if x1 - x0 < 0.3 * pw.width or bottom - top < 40:
            continue
        if x0 - 2 <= cap.x0 and cap.x1 <= x1 + 2 and top - 2 <= cap.top and cap.bottom <= bottom + 2:
            if best is None or (x1 - x0) * (bottom - top) < (best[2] - best[0]) * (best[3] - best[1]):
                best = box
    return best


def _table_in_panel(pw, frags, cap, cap_frags, label, panel, hrules, body_size, vocab, taken) -> TablePiece | None:
    """A table inside a panel, its caption at the top or at the bottom of the panel."""
    px0, ptop, px1, pbottom = panel
    cap_top = min(f.top for f in cap_frags)
    cap_bottom = max(f.bottom for f in cap_frags)
    if cap_top - ptop > pbottom - cap_bottom:
        top, bottom = ptop, cap_top  # caption under the table
    else:
        top, bottom = cap_bottom, pbottom
    cap_ids = {id(w) for f in cap_frags for w in f.words}
    words = [
        w for f in frags for w in f.words
        if id(w) not in taken and id(w) not in cap_ids and w.x0 >= px0 - 2 and w.x1 <= px1 + 2
        and w.top >= top - 1 and w.bottom <= bottom + 1
    ]
    if len(words) < 4:
        return None
    # footnote lines at the end of the region: "Data are n (%)...", "*...", smaller print
    lines = _cluster_lines(words)
    foot: list[Word] = []
    # the footnote is the last run of prose lines that opens like a footnote
    cut = len(lines)
    for i in range(len(lines) - 1, 0, -1):
        if _looks_tabular(lines[i], body_size):
            break
        if _FOOTNOTE_START_RE.match(" ".join(w.text for w in lines[i])):
            cut = i
    foot = [w for ln in lines[cut:] for w in ln]
    lines = lines[:cut]
    body = [w for ln in lines for w in ln]
    if len(body) < 4:
        return None
    rules = [r for r in hrules if r.x0 >= px0 - 2 and r.x1 <= px1 + 2 and top - 1 <= r.top <= bottom + 1]
    inner = [r for r in rules if r.top > min(w.top for w in body) + 1 and r.top < max(w.bottom for w in body) - 1]
    x0 = min(w.x0 for w in body)
    x1 = max(w.x1 for w in body)
    header, rows, bounds = build_grid(body, inner, x0, x1, vocab)
    if not rows:
        return None
    caption_text = normalize(" ".join(f.text for f in cap_frags))
    return TablePiece(
        label=label,
        caption=caption_text,
        continued=bool(_CONT_CAPTION_RE.search(caption_text[:60])),
        page=pw.number,
        bbox=(px0, ptop, px1, pbottom),
        header=header,
        rows=rows,
        col_bounds=bounds,
        footnote=normalize(_lines_text(foot, vocab)) if foot else "",
        consumed={id(w) for w in words} | cap_ids,
    )


def _looks_tabular(line: list[Word], body_size: float) -> bool:
    """Words of the line stand apart in columns (gaps wider than a word space)."""
    gaps = [b.x0 - a.x1 for a, b in zip(line, line[1:])]
    h = statistics.median(_h(w) for w in line) if line else body_size
    return any(g > 1.1 * max(min(h, body_size), 4) for g in gaps)


def _table_under(pw, frags, cap, label, hrules, limit_top, body_size, vocab, taken) -> TablePiece | None:
    cap_frags = _caption_frags(frags, cap)
    cap_bottom = max(f.bottom for f in cap_frags)
    lh = max(body_size, 4.0)
    panel = _panel_of(pw, cap)
    if panel is not None:
        piece = _table_in_panel(pw, frags, cap, cap_frags, label, panel, hrules, body_size, vocab, taken)
        if piece is not None:
            return piece
    # rules under the caption (the table's top rule is close under it)
    below = [r for r in hrules if r.top >= cap.top - 1 and r.top < limit_top and r.x1 > cap.x0 and r.x0 < cap.x0 + 60]
    x0 = x1 = None
    bottom = None
    if below and below[0].top - cap_bottom < 4 * lh:
        # the widest rule near the top sets the table's width (partial rules under a
        # header group are narrower); rules of that width down the page belong to it
        near = [r for r in below if r.top - cap_bottom < 8 * lh]
        first = max(near, key=lambda r: r.x1 - r.x0)
        same = [r for r in below if abs(r.x0 - first.x0) < 8 and abs(r.x1 - first.x1) < 8]
        x0, x1 = first.x0, first.x1
        # the table ends at the first rule of its width that no table rows follow
        # (a later rule of the same width may frame a figure or the next table)
        words_x = [w for f in frags for w in f.words if id(w) not in taken and w.x0 >= x0 - 3 and w.x1 <= x1 + 3]
        bottom = same[-1].top
        for r in same[1:]:
            if not _rows_below(words_x, r.top, lh, body_size, next_rule=_next_top(same, r)):
                bottom = r.top
                break
        rules_in = [r for r in below if r.x0 >= x0 - 8 and r.x1 <= x1 + 8 and r.top <= bottom + 1]
    else:
        rules_in = []
    # words of the page not yet used, below the caption
    cand = [w for f in frags for w in f.words if id(w) not in taken and w.top >= cap_bottom - 1 and w.bottom <= limit_top + 1]
    cap_ids = {id(w) for f in cap_frags for w in f.words}
    cand = [w for w in cand if id(w) not in cap_ids]
    if x0 is None:
        # no rules: the table is as wide as its caption's column or the text block under it
        x0 = cap.x0 - 2
        right = [f.x1 for f in frags if f.top > cap_bottom and f.top < cap_bottom + 6 * lh and f.x0 >= x0 - 2]
        x1 = max([cap.x1] + right)
    unruled = not rules_in
    if unruled:
        # cells may run past the first rows' right edge: take words that start inside
        inside = [w for w in cand if w.x0 >= x0 - 3 and w.x0 < x1 - 2]
    else:
        inside = [w for w in cand if w.x0 >= x0 - 3 and w.x1 <= x1 + 3]
    if bottom is None or len(rules_in) < 2 or _rows_below(inside, bottom, lh, body_size):
        # no bottom rule on this page (the table goes on), or no rules at all
        bottom = _extend_down(inside, cap_bottom, bottom, lh, x0, x1, body_size)
        if bottom is None:
            return None
    if unruled:
        x1 = max([x1] + [w.x1 for w in inside if (w.top + w.bottom) / 2 <= bottom + 1])
    body_words = [w for w in inside if w.top >= cap_bottom - 1 and (w.top + w.bottom) / 2 <= bottom + 1]
    if len(body_words) < 4:
        return None
    # "(Continued)" under the table, and the footnote
    consumed = {id(w) for w in body_words} | cap_ids
    # footnotes and "(Continued)" may reach past the columns' right edge
    near = [w for w in cand if w.x0 >= x0 - 3]
    after = sorted((w for w in near if (w.top + w.bottom) / 2 > bottom + 1 and id(w) not in consumed), key=lambda w: (w.top, w.x0))
    footnote_words, cont_words = _footnote(after, bottom, lh, body_size, x1)
    consumed |= {id(w) for w in footnote_words} | {id(w) for w in cont_words}
    caption_text = normalize(" ".join(f.text for f in cap_frags))
    continued = bool(_CONT_CAPTION_RE.search(caption_text[:60]))
    inner = [r for r in rules_in if r.top > min(w.top for w in body_words) + 1 and r.top < bottom - 1]
    header, rows, bounds = build_grid(body_words, inner, x0, x1, vocab)
    if not rows and not header:
        return None
    footnote = normalize(_lines_text(footnote_words, vocab)) if footnote_words else ""
    top = min([cap.top] + [w.top for w in body_words])
    return TablePiece(
        label=label,
        caption=caption_text,
        continued=continued,
        page=pw.number,
        bbox=(min(x0, cap.x0), top, x1, bottom),
        header=header,
        rows=rows,
        col_bounds=bounds,
        footnote=footnote,
        consumed=consumed,
    )


def _next_top(rules: list[Rule], r: Rule) -> float | None:
    later = [x.top for x in rules if x.top > r.top + 1]
    return min(later) if later else None


def _rows_below(words, bottom: float, lh: float, body_size: float, next_rule: float | None = None) -> bool:
    """Do table rows go on right under this rule (more rows, or a table cut by the page end)?"""
    below = [w for w in words if w.top > bottom + 0.5 and (next_rule is None or w.bottom < next_rule + 1)]
    lines = _cluster_lines(below)[:3]
    if not lines:
        return False
    first = lines[0]
    if min(w.top for w in first) - bottom > 1.2 * lh:
        return False
    text = " ".join(w.text for w in first)
    if _FOOTNOTE_START_RE.match(text) or _CONTINUED_RE.match(text.strip()):
        return False
    if _looks_tabular(first, body_size):
        return True
    # a group label row ("Study type") followed at once by a tabular row
    span = max(w.x1 for w in words) - min(w.x0 for w in words)
    short = max(w.x1 for w in first) - min(w.x0 for w in first) < 0.45 * span
    if short and len(lines) > 1 and min(w.top for w in lines[1]) - max(w.bottom for w in first) < 1.2 * lh:
        return _looks_tabular(lines[1], body_size)
    return False


def _extend_down(words, start, ruled_bottom, lh, x0, x1, body_size):
    """Bottom of a table that has no bottom rule: lines continue while they look tabular."""
    lines = _cluster_lines(sorted(words, key=lambda w: (w.top, w.x0)))
    if not lines:
        return ruled_bottom
    bottom = ruled_bottom if ruled_bottom is not None else start
    prev_bottom = start
    n = 0
    for ln in lines:
        top = min(w.top for w in ln)
        b = max(w.bottom for w in ln)
        if ruled_bottom is not None and top < ruled_bottom:
            prev_bottom = b
            continue
        gap = top - prev_bottom
        if gap > 2.2 * lh and n > 0:
            break
        text = " ".join(w.text for w in ln)
        if _FOOTNOTE_START_RE.match(text) and n > 1:
            break
        # a full-width prose line in the body font ends the table
        width = max(w.x1 for w in ln) - min(w.x0 for w in ln)
        gaps = [b2.x0 - a2.x1 for a2, b2 in zip(ln, ln[1:])]
        big_gaps = sum(1 for g in gaps if g > 1.2 * lh)
        if n > 2 and big_gaps == 0 and width > 0.8 * (x1 - x0) and statistics.median(_h(w) for w in ln) >= 0.97 * body_size:
            break
        bottom = b
        prev_bottom = b
        n += 1
    return bottom if n > 0 or ruled_bottom is not None else None


def _footnote(words: list[Word], bottom: float, lh: float, body_size: float, right: float = 1e9):
    """Lines right under the table: "(Continued)" and the footnote (abbreviations, notes).

    "(Continued)" may sit at the right edge; a footnote line starts within the table.
    """
    lines = _cluster_lines(words)
    foot: list[Word] = []
    cont: list[Word] = []
    prev = bottom
    started = False
    for ln in lines:
        top = min(w.top for w in ln)
        text = " ".join(w.text for w in ln)
        size = statistics.median(_h(w) for w in ln)
        if top - prev > (1.6 if not started else 1.0) * max(size, 4):
            break
        if _CONTINUED_RE.match(text.strip()):
            cont.extend(ln)
            prev = max(w.bottom for w in ln)
            continue
        if ln[0].x0 > right:
            break
        if not started:
            if not (_FOOTNOTE_START_RE.match(text) or size < 0.92 * body_size):
                break
            started = True
        elif size > 1.05 * statistics.median(_h(w) for w in foot):
            break
        foot.extend(ln)
        prev = max(w.bottom for w in ln)
    return foot, cont


def _cluster_lines(words: list[Word]) -> list[list[Word]]:
    """Words into lines by vertical overlap (superscripts join their line)."""
    lines: list[list[Word]] = []
    tops: list[float] = []
    bottoms: list[float] = []
    for w in sorted(words, key=lambda w: (w.top + w.bottom) / 2):
        mid = (w.top + w.bottom) / 2
        if lines and tops[-1] - 0.1 * (bottoms[-1] - tops[-1]) <= mid <= bottoms[-1] + 0.1 * (bottoms[-1] - tops[-1]):
            lines[-1].append(w)
            if not w.script:
                tops[-1] = min(tops[-1], w.top)
                bottoms[-1] = max(bottoms[-1], w.bottom)
            continue
        lines.append([w])
        tops.append(w.top)
        bottoms.append(w.bottom)
    for ln in lines:
        ln.sort(key=lambda w: w.x0)
    return lines


def _lines_text(words: list[Word], vocab) -> str:
    out = ""
    for ln in _cluster_lines(words):
        line = make_line(ln, 0)
        t = _words_text(line.words)[0]
        if not out:
            out = t
        elif out.endswith("-") and len(out) > 1 and out[-2].isalpha():
            out = join_hyphenated(out, t, vocab)
        else:
            out += " " + t
    return out


def _words_text(words: list[Word]) -> tuple[str, list[str]]:
    """Text of a line's words; digit superscripts become markers, subscripts glue on."""
    parts: list[str] = []
    markers: list[str] = []
    prev: Word | None = None
    for w in words:
        if w.script == "sup" and parse_marker(w.text) is not None:
            markers.append(w.text)
            continue
        if parts and (w.script in ("sub", "sup") or (_PUNCT_ONLY_RE.match(w.text) and prev is not None and w.x0 - prev.x1 < 0.15 * _h(w))):
            parts[-1] = parts[-1] + w.text
            prev = w
            continue
        parts.append(w.text)
        prev = w
    return " ".join(parts), markers


def build_grid(words: list[Word], inner_rules: list[Rule], x0: float, x1: float, vocab):
    """Words of a table region -> header rows, body rows (of CellData), column bounds."""
    lines = _cluster_lines(words)
    for ln in lines:
        make_line(ln, 0)  # marks superscripts/subscripts by size and rise
    width = x1 - x0
    spanning = sorted((r for r in inner_rules if r.x1 - r.x0 >= 0.6 * width), key=lambda r: r.top)
    first_top = min(w.top for w in words)
    # header: above the first full-width rule under the first line; else the first line
    header_sep = next((r.top for r in spanning if r.top > first_top + 2), None)
    if header_sep is None:
        # partial rules (under a spanning header group) also close a header
        header_sep = None
    if header_sep is not None:
        header_lines = [ln for ln in lines if (ln[0].top + ln[0].bottom) / 2 < header_sep]
        if len(header_lines) > 6:  # not a header, a ruled row
            header_sep = None
    if header_sep is None:
        header_lines = lines[:1]
        header_sep = max(w.bottom for w in lines[0]) + 0.5
    body_lines = [ln for ln in lines if (ln[0].top + ln[0].bottom) / 2 >= header_sep]
    header_words = [w for ln in header_lines for w in ln]
    body_words = [w for ln in body_lines for w in ln]
    bounds = _column_bounds(body_lines or header_lines, header_lines, x0, x1)
    ncols = len(bounds) - 1
    # rows
    row_rules = [r.top for r in spanning if r.top > header_sep + 1]
    if len(row_rules) >= 1 and _rules_separate_rows(body_lines, row_rules):
        cuts = [header_sep] + row_rules + [max(w.bottom for w in words) + 1]
        row_groups = []
        for a, b in zip(cuts, cuts[1:]):
            grp = [ln for ln in body_lines if a <= (ln[0].top + ln[0].bottom) / 2 < b]
            if grp:
                row_groups.append(grp)
    else:
        row_groups = _rows_from_lines(body_lines, bounds)
    header = _header_rows(header_lines, bounds, vocab)
    rows = [_row_cells(grp, bounds, vocab) for grp in row_groups]
    rows = [r for r in rows if any(c.text or c.markers for c in r)]
    return header, rows, bounds


def _rules_separate_rows(body_lines, row_rules) -> bool:
    return len(body_lines) > len(row_rules)


def _col_of(w: Word, bounds: list[float]) -> int:
    cx = (w.x0 + w.x1) / 2
    for c in range(len(bounds) - 1):
        if cx < bounds[c + 1]:
            return c
    return len(bounds) - 2


def _column_bounds(lines: list[list[Word]], header_lines, x0: float, x1: float) -> list[float]:
    """Column boundaries from x-ranges that no body word covers.

    A line that is one run of words from the left edge (a group label such as "Primary
    outcome (abstinence for 6 months)") may run across columns: it does not vote.
    """
    all_words = [w for ln in lines for w in ln]
    heights = sorted(_h(w) for w in all_words) or [8.0]
    mh = heights[len(heights) // 2]
    min_gap = max(2.0, 0.45 * mh)
    left = min((w.x0 for w in all_words), default=x0)
    voting = []
    for ln in lines:
        segments = 1 + sum(1 for a, b in zip(ln, ln[1:]) if b.x0 - a.x1 > 1.5 * mh)
        if segments == 1 and ln[0].x0 < left + 1.5 * mh and len(lines) > 3:
            continue
        voting.extend(ln)
    words = voting if len(voting) >= 4 else all_words
    spans = sorted((w.x0, w.x1) for w in words if not w.script)
    merged: list[list[float]] = []
    for a, b in spans:
        if merged and a < merged[-1][1] + min_gap:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    # the last header line vetoes a boundary that cuts through one of its words
    last_header = header_lines[-1] if header_lines else []
    bounds = [x0 - 1]
    for (a0, a1), (b0, b1) in zip(merged, merged[1:]):
        cut = (a1 + b0) / 2
        if any(w.x0 < cut - 1 and w.x1 > cut + 1 for w in last_header if not w.script):
            continue
        bounds.append(cut)
    bounds.append(x1 + 1)
    return bounds


def _rows_from_lines(lines, bounds) -> list[list[list[Word]]]:
    """Group lines into rows: a row starts where the first column starts a new entry."""
    rows: list[list[list[Word]]] = []
    prev_first = ""
    prev_bottom = None
    gaps = []
    for a, b in zip(lines, lines[1:]):
        gaps.append(min(w.top for w in b) - max(w.bottom for w in a))
    typical_gap = statistics.median(gaps) if gaps else 0
    threshold = _row_gap_threshold(gaps)
    if threshold is not None:
        # rows are set apart by more space than the lines of a wrapped cell
        for i, ln in enumerate(lines):
            if i == 0 or gaps[i - 1] >= threshold:
                rows.append([ln])
            else:
                rows[-1].append(ln)
        return rows
    for i, ln in enumerate(lines):
        first = [w for w in ln if _col_of(w, bounds) == 0]
        first_text = " ".join(w.text for w in first)
        top = min(w.top for w in ln)
        gap = top - prev_bottom if prev_bottom is not None else None
        new_row = not rows
        if first and rows:
            cont = (
                first_text[:1].islower()
                or prev_first.endswith(("-", ",", " et", " and", " of", "(", "/"))
                or (first_text.startswith("(") and gap is not None and gap <= typical_gap + 0.5)
            )
            new_row = not cont
        if new_row:
            rows.append([ln])
        else:
            rows[-1].append(ln)
        if first:
            prev_first = first_text
        prev_bottom = max(w.bottom for w in ln)
    return rows


def _row_gap_threshold(gaps: list[float]) -> float | None:
    """A gap size that separates rows from wrapped lines, when the gaps fall in two groups."""
    vals = sorted(g for g in gaps if g > -0.5)
    if len(vals) < 4:
        return None
    best = None
    for a, b in zip(vals, vals[1:]):
        if b - a >= 1.5 and (best is None or b - a > best[1] - best[0]):
            best = (a, b)
    if best is None:
        return None
    low = [v for v in vals if v <= best[0]]
    high = [v for v in vals if v >= best[1]]
    if len(low) < 2 or not high or best[1] < 1.8 * max(best[0], 0.5):
        return None
    return (best[0] + best[1]) / 2


def _cell_from_words(words: list[Word], vocab) -> CellData:
    if not words:
        return CellData("", None)
    lines = _cluster_lines(words)
    text = ""
    markers: list[str] = []
    for ln in lines:
        t, m = _words_text(ln)
        markers.extend(m)
        if not t:
            continue
        if not text:
            text = t
        elif text.endswith("-") and len(text) > 1 and text[-2].isalpha():
            text = join_hyphenated(text, t, vocab)
        elif text.endswith(("/", "–")) and not text.endswith(" –"):
            text = text + t
        else:
            text = text + " " + t
    bbox = (min(w.x0 for w in words), min(w.top for w in words), max(w.x1 for w in words), max(w.bottom for w in words))
    return CellData(normalize(text).strip(), bbox, markers)


def _row_cells(lines, bounds, vocab) -> list[CellData]:
    ncols = len(bounds) - 1
    buckets: list[list[Word]] = [[] for _ in range(ncols)]
    for ln in lines:
        for w in ln:
            buckets[_col_of(w, bounds)].append(w)
    return [_cell_from_words(b, vocab) for b in buckets]


def _header_rows(lines, bounds, vocab) -> list[list[CellData]]:
    if not lines:
        return []
    # a multi-line header whose lines are one label each (wrapped) is one header row
    return [_row_cells(lines, bounds, vocab)]


# --- stitching pieces across pages ------------------------------------------


def _norm(s: str) -> str:
    return re.sub(r"\W+", "", s.lower())


def stitch(pieces: list[TablePiece], warnings: list[str]) -> list[Table]:
    """Join continued pieces (same number, later page) into logical tables."""
    tables: list[Table] = []
    groups: list[list[TablePiece]] = []
    for p in pieces:
        if groups and groups[-1][-1].label == p.label and p.page > groups[-1][-1].page - 1:
            groups[-1].append(p)
        else:
            groups.append([p])
    for grp in groups:
        head = grp[0]
        ncols = len(head.col_bounds) - 1
        header_cells = head.header
        header_key = [_norm(c.text) for r in header_cells for c in r]
        rows: list[list[CellData]] = []
        for k, p in enumerate(grp):
            prow = list(p.rows)
            if k > 0:
                # a repeated header is dropped; a header that differs stays as a row
                pkey = [_norm(c.text) for r in p.header for c in r]
                if p.header and pkey != header_key:
                    if _similar_header(pkey, header_key):
                        pass
                    else:
                        prow = [r for r in p.header] + prow
                if len(p.col_bounds) - 1 != ncols:
                    prow = _remap(prow, p.col_bounds, head.col_bounds)
                    warnings.append(f"Table {p.label}: page {p.page} has {len(p.col_bounds) - 1} columns, mapped onto {ncols}")
                # a repeated header read as a row (its cells may come out shuffled)
                header_words = sorted(" ".join(c.text for r in header_cells for c in r).lower().split())
                prow = [r for r in prow if sorted(" ".join(c.text for c in r).lower().split()) != header_words]
                # a row cut by the page break: its first cell is empty
                if prow and rows and not prow[0][0].text and not prow[0][0].markers:
                    first = prow.pop(0)
                    rows[-1] = [_merge_cells(a, b) for a, b in zip(rows[-1], first)]
            rows.extend(prow)
        caption = head.caption
        footnote = " ".join(p.footnote for p in grp if p.footnote)
        table = Table(
            id=f"Table {head.label}",
            caption=caption,
            header=[[_cell(c, 0, j, head.page) for j, c in enumerate(r)] for r in header_cells],
            rows=[],
            pages=sorted({p.page for p in grp}),
            footnote=footnote,
        )
        page_of_row = []
        for p in grp:
            page_of_row.extend([p.page] * len(p.rows))
        for i, r in enumerate(rows):
            table.rows.append([_cell(c, i, j, None) for j, c in enumerate(r)])
        _assign_pages(table, grp)
        tables.append(table)
    return tables


def _similar_header(a: list[str], b: list[str]) -> bool:
    if not a or not b:
        return False
    same = sum(1 for x, y in zip(a, b) if x == y)
    return same >= 0.6 * max(len(a), len(b))


def _merge_cells(a: CellData, b: CellData) -> CellData:
    text = (a.text + " " + b.text).strip() if b.text else a.text
    return CellData(text, a.bbox or b.bbox, a.markers + b.markers)


def _remap(rows, src_bounds, dst_bounds):
    out = []
    n = len(dst_bounds) - 1
    for r in rows:
        new = [CellData("", None) for _ in range(n)]
        for j, c in enumerate(r):
            cx = (src_bounds[j] + src_bounds[j + 1]) / 2 if c.bbox is None else (c.bbox[0] + c.bbox[2]) / 2
            k = 0
            while k < n - 1 and cx >= dst_bounds[k + 1]:
                k += 1
            new[k] = _merge_cells(new[k], c) if new[k].text else CellData(c.text, c.bbox, c.markers)
        out.append(new)
    return out


def _cell(c: CellData, row: int, col: int, page: int | None) -> Cell:
    cell = Cell(text=c.text, row=row, col=col, span=Span(0, 0, page, c.bbox))
    cell.citations = [Citation(marker=m, numbers=parse_marker(m) or [], span=Span(0, 0, page, None)) for m in c.markers]
    return cell


def _assign_pages(table: Table, grp: list[TablePiece]) -> None:
    """Give each body cell the page it was read from (rows are in page order)."""
    i = 0
    for p in grp:
        n = len(p.rows)
        for r in table.rows[i : i + n]:
            for c in r:
                if c.span is not None:
                    c.span.page = p.page
        i += n
    for r in table.rows[i:]:
        for c in r:
            if c.span is not None and c.span.page is None:
                c.span.page = grp[-1].page
