"""The PDF text layer: words with boxes and fonts, and ruling lines, one page at a time.

pdfium (pypdfium2) gives the text layer about 10x faster than pdfminer, and its own
word spacing is better on justified lines (no glued words). We ask it for the page
text once, split that into words ourselves, and fetch boxes only for the first and
last character of each word, plus the characters we need to look at closely
(trailing digits that may be a superscript citation, ligatures). Per-character
calls are what make a PDF reader slow in Python; this keeps it to a few per word.

Coordinates are converted to the displayed page (rotation applied) with the origin
at the top left, as pdfplumber does: (x0, top, x1, bottom) in points.
"""

from __future__ import annotations

import ctypes
import math
import re
from dataclasses import dataclass, field
from typing import Iterator

import pypdfium2 as pdfium
import pypdfium2.raw as raw

# Characters that may form a superscript citation/footnote marker glued to a word.
SUP_CHARS = set("0123456789,–-−‐‑,*†‡§¶abcdef")
DIGITS = set("0123456789")
LIGATURES = set("\ufb00\ufb01\ufb02\ufb03\ufb04\ufb05\ufb06")
SPACES = {" ", "\t", "\xa0", "\u2002", "\u2003", "\u2009", "\u200a", "\u202f", "\u3000"}
LINEBREAKS = {"\r", "\n"}
SOFT_HYPHEN = "\ufffe"  # pdfium marks a hyphen at the end of a line this way
SUP_END = set("0123456789*†‡§¶")
_WORD_RE = re.compile(r"[^\s\x00\u2002\u2003\u2009\u200a\u202f\u3000]+")
_LIGATURE_SPACE_RE = re.compile(r"(?:ff|fi|fl|ffi|ffl|ft|[\ufb00-\ufb06]) (?=[a-z])")
_UNMAPPED_RE = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\ufffd]")

# Variants of two pdfium calls that return the handle as a plain integer, so it can key a cache.
_proto = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int)
_get_text_object = _proto(ctypes.cast(raw.FPDFText_GetTextObject, ctypes.c_void_p).value)
_get_font = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p)(ctypes.cast(raw.FPDFTextObj_GetFont, ctypes.c_void_p).value)


@dataclass(slots=True)
class Word:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    bold: bool = False
    script: str = ""  # "" | "sup" | "sub"
    rotated: int = 0  # 0 upright on the displayed page, else 90 / 180 / 270 (counter-clockwise)
    hyphen: bool = False  # ends with a line-end hyphen (pdfium's soft hyphen)
    line_end: bool = False  # pdfium put a line break after this word
    font: int = 0  # font id, to tell fonts apart cheaply

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def width(self) -> float:
        return self.x1 - self.x0


@dataclass(slots=True)
class Rule:
    """A ruling line (or the edge of a thin filled box)."""

    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def horizontal(self) -> bool:
        return (self.x1 - self.x0) >= (self.bottom - self.top)


@dataclass
class PageWords:
    number: int  # 1-based
    width: float
    height: float
    words: list[Word]
    rules: list[Rule] = field(default_factory=list)
    boxes: list[tuple[float, float, float, float]] = field(default_factory=list)
    images: list[tuple[float, float, float, float]] = field(default_factory=list)
    rotation: int = 0
    chars: int = 0  # characters in the text layer
    unmapped: int = 0  # glyphs without a Unicode mapping


class _Transform:
    """User space (y up, page rotation not applied) -> displayed page (y down)."""

    def __init__(self, page: pdfium.PdfPage):
        left, bottom, right, top = page.get_cropbox()
        self.left, self.bottom = left, bottom
        self.w, self.h = right - left, top - bottom
        self.rot = page.get_rotation() % 360

    def box(self, l: float, b: float, r: float, t: float) -> tuple[float, float, float, float]:
        l -= self.left
        r -= self.left
        b -= self.bottom
        t -= self.bottom
        rot = self.rot
        if rot == 0:
            return l, self.h - t, r, self.h - b
        if rot == 90:
            return b, l, t, r
        if rot == 180:
            return self.w - r, b, self.w - l, t
        return self.h - t, self.w - r, self.h - b, self.w - l  # 270


def _font_is_bold(name: str, flags: int) -> bool:
    low = name.lower()
    if any(k in low for k in ("bold", "black", "heavy", "semibold", "demi")):
        return True
    # "Times,B", "Arial-BdMT", "...-Bd", "MinionPro-Bd", "Helvetica-BoldOblique"
    tail = low.rsplit("+", 1)[-1]
    if tail.endswith((",b", "-b", ".b", ".bi", "-bd", "bd", "-bdit", "bdit", "-bi", "-medium", "med")):
        return True
    return bool(flags & (1 << 18))  # ForceBold


class PdfPages:
    """Open a PDF with pdfium and hand out pages one by one (bounded memory)."""

    def __init__(self, path: str, data: bytes | None = None):
        self.path = path
        # pdfium raises PdfiumError for corrupt, encrypted (without password) or non-PDF files.
        self.doc = pdfium.PdfDocument(data if data is not None else path)
        self._fonts: dict[int, tuple[int, bool]] = {}
        self._objfonts: dict[int, tuple[int, bool]] = {}

    def __len__(self) -> int:
        return len(self.doc)

    def close(self) -> None:
        self.doc.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def pages(self) -> Iterator[PageWords]:
        for i in range(len(self.doc)):
            yield self.page(i)

    def page(self, index: int) -> PageWords:
        page = self.doc[index]
        try:
            tf = _Transform(page)
            self._objfonts.clear()  # text-object handles are freed with the page and reused
            textpage = page.get_textpage()
            try:
                words, nchars, unmapped = self._words(textpage, tf)
            finally:
                textpage.close()
            rules, boxes, images = self._graphics(page, tf)
            return PageWords(
                number=index + 1,
                width=float(page.get_width()),
                height=float(page.get_height()),
                words=words,
                rules=rules,
                boxes=boxes,
                images=images,
                rotation=tf.rot,
                chars=nchars,
                unmapped=unmapped,
            )
        finally:
            page.close()

    # -- text ---------------------------------------------------------------

    def _font_of(self, tph, idx: int) -> tuple[int, bool]:
        obj = _get_text_object(tph, idx)
        if not obj:
            return 0, False
        hit = self._objfonts.get(obj)
        if hit is not None:
            return hit
        font = _get_font(obj)
        hit = self._fonts.get(font) if font else (0, False)
        if hit is None:
            buf = ctypes.create_string_buffer(256)
            fptr = ctypes.cast(font, raw.FPDF_FONT)
            n = raw.FPDFFont_GetBaseFontName(fptr, buf, 256)
            name = buf.raw[: max(0, n - 1)].decode("utf-8", "replace") if n else ""
            flags = raw.FPDFFont_GetFlags(fptr)
            weight = raw.FPDFFont_GetWeight(fptr) if hasattr(raw, "FPDFFont_GetWeight") else 0
            bold = _font_is_bold(name, flags) or weight >= 600
            hit = (len(self._fonts) + 1, bold)
            self._fonts[font] = hit
        if len(self._objfonts) > 50000:
            self._objfonts.clear()
        self._objfonts[obj] = hit
        return hit

    def _words(self, tp, tf: _Transform) -> tuple[list[Word], int, int]:
        tph = tp.raw
        n = raw.FPDFText_CountChars(tph)
        if n <= 0:
            return [], 0, 0
        text = tp.get_text_range(0, n)
        if len(text) != n:  # surrogate pairs: fall back to per-char code points
            text = "".join(chr(raw.FPDFText_GetUnicode(tph, k) or 0xFFFD) for k in range(n))
        unmapped = len(_UNMAPPED_RE.findall(text))
        rect = raw.FS_RECTF()
        prect = ctypes.byref(rect)
        loose = raw.FPDFText_GetLooseCharBox
        angle = raw.FPDFText_GetCharAngle
        box = tf.box
        rot_rad = math.radians(tf.rot)

        if tf.rot == 0:
            ox, oy, ph = tf.left, tf.bottom, tf.h

            def cbox(k: int) -> tuple[float, float, float, float]:
                loose(tph, k, prect)
                return rect.left - ox, ph - (rect.top - oy), rect.right - ox, ph - (rect.bottom - oy)

        else:

            def cbox(k: int) -> tuple[float, float, float, float]:
                loose(tph, k, prect)
                return box(rect.left, rect.bottom, rect.right, rect.top)

        words: list[Word] = []
        append = words.append
        font_of = self._font_of
        split_script = self._split_script
        line_start = True
        line_start_prev = True
        rotated = 0
        nword = 0
        fid, bold = 0, False
        # A ligature glyph pdfium decomposes ("fi") can carry a phantom space inside its
        # own box ("confi dentiality"): drop a space that sits within the previous glyph.
        phantom = []
        for m in _LIGATURE_SPACE_RE.finditer(text):
            k = m.end() - 1  # the space
            prev_box = cbox(k - 1)
            space_box = cbox(k)
            next_box = cbox(k + 1)
            if space_box[0] < prev_box[2] - 0.3 and next_box[0] - prev_box[2] < 0.6:
                phantom.append(k)
        if phantom:
            chars = list(text)
            for k in phantom:
                chars[k] = "\u200b"
            text = "".join(chars)
        spans = []
        for m in _WORD_RE.finditer(text):
            i, j = m.span()
            k = text.find(SOFT_HYPHEN, i, j - 1)
            # pdfium glues a word hyphenated at a line end into one ("Non\ufffeCRPS"): split it
            while k != -1:
                spans.append((i, k + 1, True))
                i = k + 1
                k = text.find(SOFT_HYPHEN, i, j - 1)
            spans.append((i, j, False))
        for i, j, broken in spans:
            raw_text = text[i:j]
            if "\u200b" in raw_text:
                raw_text = raw_text.replace("\u200b", "")
                if not raw_text:
                    continue
            last = j - 1
            a = cbox(i)
            b = cbox(last) if last != i else a
            if line_start or (last != i and abs(a[0] - b[0]) < 0.2 * (b[3] - b[1])):
                # pdfium's angle is in user space; add the page rotation to get the displayed one
                ang = (angle(tph, i) + rot_rad) % (2 * math.pi)
                rotated = 0 if not (0.3 < ang < 2 * math.pi - 0.3) else (round(math.degrees(ang) / 90) % 4) * 90
            line_start_prev = line_start
            line_start = broken or (j < n and text[j] in "\r\n")
            x0 = a[0] if a[0] < b[0] else b[0]
            top = a[1] if a[1] < b[1] else b[1]
            x1 = a[2] if a[2] > b[2] else b[2]
            bottom = a[3] if a[3] > b[3] else b[3]
            if line_start_prev or nword % 3 == 0:
                fid, bold = font_of(tph, i)
            nword += 1
            hyphen = raw_text[-1] == SOFT_HYPHEN
            if hyphen:
                raw_text = raw_text[:-1] + "-"
            if not rotated and last > i and raw_text[-1] in SUP_END:
                # A digit (or dagger) run glued to the end of a word may be a raised marker.
                split = split_script(raw_text, i, a, cbox)
                if split is not None:
                    k, kind, kbox = split
                    base_box = cbox(i + k - 1) if k > 1 else a
                    append(Word(raw_text[:k], x0, min(a[1], base_box[1]), base_box[2],
                                max(a[3], base_box[3]), bold, "", False, False, False, fid))
                    append(Word(raw_text[k:], kbox[0], kbox[1], max(x1, kbox[2]), kbox[3],
                                bold, kind, False, hyphen, line_start, fid))
                    continue
            append(Word(raw_text, x0, top, x1, bottom, bold, "", rotated, hyphen, line_start, fid))
        return words, n, unmapped

    @staticmethod
    def _split_script(raw_text: str, start: int, first_box, cbox):
        """Find a raised (or lowered) run at the end of a word; return (offset, kind, box)."""
        fh = first_box[3] - first_box[1]
        if fh <= 0:
            return None
        lastbox = cbox(start + len(raw_text) - 1)
        lh = lastbox[3] - lastbox[1]
        raised = first_box[3] - lastbox[3] > 0.12 * fh and lh < 0.92 * fh
        lowered = lastbox[3] - first_box[3] > 0.08 * fh and lh < 0.92 * fh
        if not (raised or lowered):
            return None
        kind = "sup" if raised else "sub"
        k = len(raw_text) - 1
        run_box = list(lastbox)
        while k - 1 > 0 and raw_text[k - 1] in SUP_CHARS:
            bx = cbox(start + k - 1)
            h = bx[3] - bx[1]
            same = abs(bx[3] - lastbox[3]) < 0.1 * fh and h < 0.92 * fh
            if not same:
                break
            k -= 1
            run_box[0] = min(run_box[0], bx[0])
            run_box[1] = min(run_box[1], bx[1])
        return k, kind, tuple(run_box)

    # -- graphics -----------------------------------------------------------

    def _graphics(self, page: pdfium.PdfPage, tf: _Transform):
        # raw pdfium calls: pypdfium2's object wrappers cost more than the work itself
        rules: list[Rule] = []
        boxes: list[tuple[float, float, float, float]] = []
        images: list[tuple[float, float, float, float]] = []
        handle = page.raw
        n = raw.FPDFPage_CountObjects(handle)
        l, b, r, t = ctypes.c_float(), ctypes.c_float(), ctypes.c_float(), ctypes.c_float()
        pl, pb, pr, pt = ctypes.byref(l), ctypes.byref(b), ctypes.byref(r), ctypes.byref(t)
        get_obj, get_type, get_bounds = raw.FPDFPage_GetObject, raw.FPDFPageObj_GetType, raw.FPDFPageObj_GetBounds
        PATH, IMAGE = raw.FPDF_PAGEOBJ_PATH, raw.FPDF_PAGEOBJ_IMAGE
        count = 0
        for i in range(min(n, 20000)):  # a plot with a huge number of paths: its marks are not rules
            obj = get_obj(handle, i)
            kind = get_type(obj)
            if kind != PATH and kind != IMAGE:
                continue
            count += 1
            if not get_bounds(obj, pl, pb, pr, pt):
                continue
            x0, top, x1, bottom = tf.box(l.value, b.value, r.value, t.value)
            w, h = x1 - x0, bottom - top
            if kind == IMAGE:
                if w > 20 and h > 20:
                    images.append((x0, top, x1, bottom))
                continue
            if h <= 2.5 and w >= 8:
                rules.append(Rule(x0, top, x1, bottom))
            elif w <= 2.5 and h >= 8:
                rules.append(Rule(x0, top, x1, bottom))
            elif w > 8 and h > 8 and count < 4000:
                boxes.append((x0, top, x1, bottom))  # a panel, a cell background or a plot
        return rules, boxes, images
