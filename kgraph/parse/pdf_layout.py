"""Page layout: words -> line fragments -> columns and zones -> lines in reading order.

Columns are found from the page itself: a gutter is an x-range that prose lines on
both sides stop short of and (almost) none cross. Fragments that do cross a gutter
(title, abstract, full-width captions) split the page into zones; inside a zone the
columns are read left to right, each top to bottom. One, two or three columns, or a
narrow side column, all come out of the same rule.
"""

from __future__ import annotations

import itertools
import statistics
from dataclasses import dataclass, field

from kgraph.parse.pdf_backend import PageWords, Word


@dataclass(slots=True)
class Frag:
    """Words on one line, close together: a line of one column or one table cell."""

    words: list[Word]
    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def width(self) -> float:
        return self.x1 - self.x0


@dataclass(slots=True)
class Line:
    """A line of text in one column, words left to right, with its style."""

    words: list[Word]
    x0: float
    top: float
    x1: float
    bottom: float
    size: float  # median height of the normal (not raised) words
    bold: bool
    page: int
    zone: int = 0
    col: int = 0
    col_x0: float = 0.0
    col_x1: float = 0.0
    furniture: bool = False
    joined: str = ""  # the words' text, joined once

    @property
    def text(self) -> str:
        if not self.joined:
            self.joined = " ".join(w.text for w in self.words)
        return self.joined

    @property
    def baseline(self) -> float:
        normal = [w.bottom for w in self.words if not w.script]
        return statistics.median(normal) if normal else self.bottom


@dataclass
class PageLayout:
    number: int
    width: float
    height: float
    lines: list[Line] = field(default_factory=list)  # reading order
    body_size: float = 0.0


def _word_height(w: Word) -> float:
    return w.bottom - w.top


def make_fragments(words: list[Word]) -> list[Frag]:
    """Split pdfium's word stream into fragments at line changes and wide gaps."""
    frags: list[Frag] = []
    cur: list[Word] = []
    ref_top = ref_bottom = 0.0
    last_x1 = 0.0
    for w in words:
        if cur:
            h = ref_bottom - ref_top
            mid = (w.top + w.bottom) / 2
            gap = w.x0 - last_x1
            same_line = ref_top - 0.15 * h <= mid <= ref_bottom + 0.15 * h
            if same_line and -0.5 * h <= gap <= max(0.85 * h, 3.0):
                cur.append(w)
                if w.x1 > last_x1:
                    last_x1 = w.x1
                if not w.script and _word_height(w) > h:
                    ref_top, ref_bottom = w.top, w.bottom
                continue
            frags.append(_frag(cur))
        cur = [w]
        ref_top, ref_bottom = w.top, w.bottom
        last_x1 = w.x1
    if cur:
        frags.append(_frag(cur))
    return frags


def _frag(words: list[Word]) -> Frag:
    return Frag(
        words,
        min(w.x0 for w in words),
        min(w.top for w in words),
        max(w.x1 for w in words),
        max(w.bottom for w in words),
    )


def find_gutters(frags: list[Frag], page_width: float) -> list[tuple[float, float]]:
    """Vertical gutters between columns, as (x0, x1) ranges, left to right."""
    if len(frags) < 6:
        return []
    left_edge = min(f.x0 for f in frags)
    right_edge = max(f.x1 for f in frags)
    area = right_edge - left_edge
    if area <= 0:
        return []
    # lines of a column: long enough to be prose, too short to span the page (an abstract
    # or a title across both columns must not hide the gutter under it)
    prose = [f for f in frags if 0.12 * area <= f.width <= 0.62 * area and len(f.words) >= 3]
    gutters = _gutters(prose, left_edge, right_edge, max(2, int(0.15 * len(prose)))) if len(prose) >= 6 else []
    if not gutters:
        # one wide column beside a narrow one (a margin of side notes): nothing may cross
        wide = [f for f in frags if f.width >= 0.12 * area and len(f.words) >= 3]
        if len(wide) >= 6:
            gutters = _gutters(wide, left_edge, right_edge, max(1, int(0.03 * len(wide))))
    return gutters


def _gutters(prose: list[Frag], left_edge: float, right_edge: float, limit: int) -> list[tuple[float, float]]:
    area = right_edge - left_edge
    # coverage by prose fragments at 1-pt resolution
    n = int(area) + 2
    diff = [0] * (n + 1)
    for f in prose:
        diff[max(0, int(f.x0 - left_edge))] += 1
        diff[min(n - 1, int(f.x1 - left_edge)) + 1] -= 1
    cover = list(itertools.accumulate(diff[:n]))
    gutters = []
    k = 0
    while k < n:
        if cover[k] <= limit:
            j = k
            while j < n and cover[j] <= limit:
                j += 1
            # the gutter is the emptiest stretch of this low-coverage run (ragged line ends
            # thin out the coverage well before the real gutter starts)
            low = min(cover[k:j])
            best_a = best_b = None
            a = None
            for q in range(k, j + 1):
                if q < j and cover[q] == low:
                    if a is None:
                        a = q
                elif a is not None:
                    if best_a is None or q - a > best_b - best_a:
                        best_a, best_b = a, q
                    a = None
            gx0, gx1 = left_edge + best_a, left_edge + best_b
            if gx1 - gx0 >= 5 and gx0 > left_edge + 0.08 * area and gx1 < right_edge - 0.08 * area:
                left = sum(1 for f in prose if f.x1 <= gx0 + 1)
                right = sum(1 for f in prose if f.x0 >= gx1 - 1)
                if left >= 3 and right >= 3:
                    gutters.append((gx0, gx1))
            k = j
        else:
            k += 1
    return gutters


def order_page(pw: PageWords, frags: list[Frag], body_size: float | None = None) -> PageLayout:
    """Lines of the page in reading order (zones top to bottom, columns left to right)."""
    layout = PageLayout(pw.number, pw.width, pw.height)
    if not frags:
        return layout
    gutters = find_gutters(frags, pw.width)
    frags = sorted(frags, key=lambda f: (f.top, f.x0))
    bounds = [min(f.x0 for f in frags) - 1]
    for g0, g1 in gutters:
        bounds.append((g0 + g1) / 2)
    bounds.append(max(f.x1 for f in frags) + 1)

    def column_of(f: Frag) -> int | None:
        """Column index, or None if the fragment spans a gutter."""
        for g0, g1 in gutters:
            if f.x0 < g0 - 6 and f.x1 > g1 + 6:
                return None
        for gi, (g0, g1) in enumerate(gutters):
            if f.x0 >= g0 - 1 and f.x1 <= g1 + 1:
                return gi + 1  # a hanging number or bullet in the gutter leads the next column
        cx = (f.x0 + f.x1) / 2
        for c in range(len(bounds) - 1):
            if bounds[c] <= cx < bounds[c + 1]:
                return c
        return len(bounds) - 2

    zones: list[tuple[bool, list[tuple[int, Frag]]]] = []  # (spanning, [(col, frag)])
    for f in frags:
        col = column_of(f) if gutters else 0
        spanning = col is None
        if zones and zones[-1][0] == spanning:
            zones[-1][1].append((0 if spanning else col, f))
        else:
            zones.append((spanning, [(0 if spanning else col, f)]))
    zone_id = 0
    for spanning, members in zones:
        ncols = 1 if spanning else len(bounds) - 1
        for c in range(ncols):
            col_frags = [f for cc, f in members if cc == c]
            if not col_frags:
                continue
            # the column's edges come from its body lines, not from a running head or footer
            inner = [f for f in col_frags if 0.08 * pw.height < f.top and f.bottom < 0.92 * pw.height] or col_frags
            cx0 = min(f.x0 for f in inner)
            cx1 = max(f.x1 for f in inner)
            for line in group_lines(col_frags, pw.number):
                line.zone = zone_id
                line.col = c
                line.col_x0, line.col_x1 = cx0, cx1
                layout.lines.append(line)
        zone_id += 1
    return layout


def group_lines(frags: list[Frag], page: int) -> list[Line]:
    """Fragments of one column into lines (same baseline), each sorted left to right."""
    frags = sorted(frags, key=lambda f: (f.top, f.x0))
    lines: list[list[Frag]] = []
    extents: list[list[float]] = []  # [top, bottom] of each line so far
    for f in frags:
        placed = False
        for k in range(len(lines) - 1, max(-1, len(lines) - 4), -1):
            g_top, g_bottom = extents[k]
            overlap = min(g_bottom, f.bottom) - max(g_top, f.top)
            if overlap > 0.5 * min(f.bottom - f.top, g_bottom - g_top):
                lines[k].append(f)
                if f.top < g_top:
                    extents[k][0] = f.top
                if f.bottom > g_bottom:
                    extents[k][1] = f.bottom
                placed = True
                break
        if not placed:
            lines.append([f])
            extents.append([f.top, f.bottom])
    out = []
    for grp in lines:
        words = [w for f in sorted(grp, key=lambda f: f.x0) for w in f.words]
        out.append(make_line(words, page))
    out.sort(key=lambda l: l.top)
    return out


def make_line(words: list[Word], page: int) -> Line:
    normal = [w for w in words if not w.script] or words
    heights = sorted(_word_height(w) for w in normal)
    size = heights[len(heights) // 2]
    # words smaller than the line and raised are superscripts (citations, footnote marks)
    if len(words) > 1:
        bottoms = sorted(w.bottom for w in normal)
        base = bottoms[len(bottoms) // 2]
        for w in words:
            if w.script:
                continue
            h = _word_height(w)
            if h < 0.85 * size and w.bottom < base - 0.18 * size:
                w.script = "sup"
            elif h < 0.85 * size and w.bottom > base + 0.12 * size and w.top > base - size:
                w.script = "sub"
    bold = all(w.bold for w in normal)
    return Line(
        words,
        min(w.x0 for w in words),
        min(w.top for w in words),
        max(w.x1 for w in words),
        max(w.bottom for w in words),
        size,
        bold,
        page,
    )
