"""Typeset project-written articles into PDFs whose content we know exactly.

``make_article(path, columns=2)`` writes a small clinical-style paper with reportlab
and returns its truth: the paragraphs in reading order (citation markers taken out),
the sections, the citation numbers in order, and every table cell. Layout features
the reader must cope with: one or two columns, running heads that alternate sides,
page numbers, superscript citations glued to words, a table with horizontal rules
and a table with no rules at all, both continuing onto a second page with a
"Continued" caption and a repeated header, multi-line cells, a numbered reference
list. Nothing here is taken from a real paper.

Also: ``make_long_pdf`` (many pages, for memory), ``make_scanned_pdf`` (an image
and no text layer) and ``make_encrypted_pdf`` (needs a password).
"""

from __future__ import annotations

import functools
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.lib.pagesizes import letter
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

PAGE_W, PAGE_H = letter
MARGIN = 54
BODY_FONT, BODY_BOLD, SIZE, LEADING = "Times-Roman", "Times-Bold", 10, 12.5
TABLE_FONT, TABLE_SIZE, TABLE_LEADING = "Times-Roman", 7.5, 9

# {n} or {n,m} or {n-m} inside a paragraph marks a superscript citation
_CITE_RE = re.compile(r"\{([\d,\-–]+)\}")

TITLE = "Oral Zentrafol for Chronic Limb Pain: A Randomized Trial in Two Clinics"
AUTHORS = "Ada Lindqvist, MD, Omar Haddad, PhD, and Mei Tanaka, MD"

SECTIONS: list[tuple[str, str, list[str]]] = [
    (
        "abstract",
        "Abstract",
        [
            "We compared oral zentrafol with placebo in adults with chronic limb pain. Pain scores fell more "
            "with zentrafol at 4 weeks, and dizziness was the most common side effect. Longer courses may "
            "help more patients, but larger trials are needed before wide use.",
        ],
    ),
    (
        "introduction",
        "Introduction",
        [
            "Chronic limb pain after nerve injury is common and often resists first-line drugs.{1} Several "
            "small studies suggested that zentrafol eases burning pain within days,{2,3} while others found "
            "no lasting benefit after the course ended.{4} The dose and the length of treatment varied "
            "widely between these reports, which makes them hard to compare.",
            "We therefore designed a trial with a fixed schedule and a placebo group. The aim was to measure "
            "the change in pain over 4 weeks and to record every side effect, including mild ones that "
            "earlier reports did not count.{5-7}",
        ],
    ),
    (
        "methods",
        "Methods",
        [
            "Adults aged 18 to 75 years with limb pain for more than 6 months were eligible. Patients with "
            "liver disease, pregnancy or recent surgery were excluded. Both clinics used the same protocol "
            "and the same case report forms.{8}",
            "Patients took 20 mg zentrafol or a matching placebo twice a day for 4 weeks. Pain was scored on "
            "a visual analog scale from 0 to 10 at baseline, at 2 weeks and at 4 weeks. Side effects were "
            "asked about at each visit with a fixed checklist.{9,10}",
            "The primary outcome was the change in pain score at 4 weeks. We used a mixed model with clinic as "
            "a random effect and report mean differences with 95% confidence intervals.",
        ],
    ),
    (
        "results",
        "Results",
        [
            "Of 132 patients screened, 96 were randomized and 91 completed the trial. Groups were similar at "
            "baseline (Table 1). Pain fell by 2.4 points with zentrafol and by 0.9 points with placebo, a "
            "difference of 1.5 points.{11}",
            "Dizziness was reported by 14 patients on zentrafol and 5 on placebo. Nausea and dry mouth were "
            "less common (Table 2). No serious adverse events occurred during the 4 weeks of treatment.",
        ],
    ),
    (
        "discussion",
        "Discussion",
        [
            "In this trial, zentrafol reduced chronic limb pain more than placebo over 4 weeks. The effect is "
            "similar in size to that of older drugs in this setting,{12} and the side effects were mild. "
            "The trial was short, so we cannot say whether the benefit lasts after treatment stops.",
            "Dizziness was the side effect that patients noticed most. It was usually mild and faded during "
            "the first week, which suggests that a slower start, with a lower dose for a few days, could "
            "make the drug easier to take. Patients who took the evening dose earlier than planned reported "
            "more daytime somnolence, so the timing of doses should be explained at the first visit.",
            "The two clinics enrolled similar patients and followed the same protocol, but the number of "
            "patients in each clinic was small. Differences in local practice, such as the use of nerve "
            "blocks before referral, may still have influenced the results in ways we could not measure. "
            "A larger trial in more centers would give a clearer estimate of the effect and its spread.",
            "Pain scores are only one part of the picture. Sleep, mood and the ability to walk matter to "
            "patients as much as the score itself, and these outcomes should be primary in the next trial "
            "rather than secondary. A follow-up visit some months after the end of treatment would show "
            "whether patients keep the benefit or return to their baseline pain.",
        ],
    ),
    (
        "conclusions",
        "Conclusions",
        [
            "Zentrafol at 20 mg twice a day eased chronic limb pain over 4 weeks. A longer trial should test "
            "whether the benefit persists and whether a higher dose adds to it.",
        ],
    ),
]

REFERENCES = [
    "Arnsby K, Pell T. Limb pain after nerve injury: a cohort study. J Pain Res. 2011;4:101-109.",
    "Corvin D, Laine M, Ostrow P. Zentrafol in burning pain: an open study. Pain Med. 2013;14:220-227.",
    "Feld R, Hart S. Early relief of neuropathic pain with zentrafol. Clin J Pain. 2014;30:55-61.",
    "Grau E, Ito K, Bale N. No lasting benefit of short zentrafol courses. Eur J Pain. 2015;19:812-819.",
    "Hollis J. Side effects in pain trials: what is not counted. Pain. 2012;153:1455-1458.",
    "Ibarra L, Quint F. Reporting mild adverse events. Trials. 2016;17:33-40.",
    "Jaeger P, Moss A, Ruiz C. Checklists for adverse events in analgesic trials. Pain. 2017;158:9-16.",
    "Kalman B, Noor S. Case report forms for pain research. Contemp Clin Trials. 2010;31:400-406.",
    "Lund H, Park J. The visual analog scale in chronic pain. Pain Pract. 2009;9:120-126.",
    "Marsh O, Tell V. Measuring pain over time. J Clin Epidemiol. 2011;64:300-307.",
    "Nakai R, Olsen G. Minimal important change in pain scores. Pain. 2008;137:20-27.",
    "Pereira A, Quist L, Romer B. Older drugs for limb pain: a meta-analysis. BMJ Open. 2018;8:e01234.",
]

TABLE_RULED = {
    "id": "Table 1",
    "caption": "Table 1. Baseline Characteristics of the Randomized Patients",
    "header": ["Characteristic", "Zentrafol (n = 48)", "Placebo (n = 48)", "Notes"],
    "widths": [150, 90, 90, 174],
    "rows": [
        ["Age, years, mean (SD)", "52.1 (11.4)", "50.8 (12.0)", "Range 19 to 74 in both groups combined."],
        ["Women, n (%)", "27 (56)", "25 (52)", ""],
        ["Pain duration, months, median", "26", "31", "Measured from the first clinic visit for limb pain."],
        ["Baseline pain score, mean (SD)", "6.8 (1.2)", "6.9 (1.1)", "Visual analog scale, 0 to 10."],
        ["Cause of pain: trauma, n (%)", "30 (63)", "29 (60)", "Includes fractures and crush injuries."],
        ["Cause of pain: surgery, n (%)", "18 (37)", "19 (40)", ""],
        ["Current opioid use, n (%)", "11 (23)", "13 (27)", "Stable dose for at least 4 weeks before entry."],
        ["Body mass index, mean (SD)", "27.4 (4.1)", "26.9 (3.8)", ""],
        ["Smokers, n (%)", "9 (19)", "8 (17)", "Self-reported at the screening visit."],
        ["Clinic A, n (%)", "24 (50)", "24 (50)", "Randomization was stratified by clinic."],
        ["Diabetes, n (%)", "6 (13)", "7 (15)", ""],
        ["Employed full time, n (%)", "20 (42)", "18 (38)", "Includes self-employed patients."],
        ["Previous nerve block, n (%)", "14 (29)", "12 (25)", "Any block in the past 2 years."],
        ["Sleep score, mean (SD)", "11.2 (3.3)", "11.6 (3.5)", "Higher scores mean worse sleep."],
        ["Depression score, mean (SD)", "8.1 (4.0)", "7.7 (4.2)", ""],
        ["Walking distance < 500 m, n (%)", "17 (35)", "16 (33)", "Reported by the patient at baseline."],
        ["Night pain, n (%)", "33 (69)", "35 (73)", ""],
        ["Allodynia on examination, n (%)", "21 (44)", "19 (40)", "Brush test on the affected limb."],
    ],
    "footnote": "Abbreviation: SD, standard deviation.",
}

TABLE_UNRULED = {
    "id": "Table 2",
    "caption": "Table 2. Adverse Events During Treatment",
    "header": ["Event", "Zentrafol", "Placebo", "Comment"],
    "widths": [140, 70, 70, 224],
    "rows": [
        ["Dizziness", "14", "5", "Mostly in the first week; no patient stopped for it."],
        ["Nausea", "6", "4", ""],
        ["Dry mouth", "5", "2", "Mild in all cases."],
        ["Headache", "4", "6", ""],
        ["Somnolence", "4", "1", "Two patients took the evening dose earlier."],
        ["Constipation", "3", "2", ""],
        ["Rash", "1", "0", "Resolved after 5 days without treatment."],
        ["Blurred vision", "2", "0", "Resolved within a day of stopping the dose."],
        ["Fatigue", "3", "3", ""],
        ["Insomnia", "1", "2", ""],
        ["Palpitations", "1", "0", "Normal electrocardiogram at the next visit."],
        ["Sweating", "2", "1", ""],
        ["Itching", "1", "1", ""],
        ["Confusion", "1", "0", "An older patient; resolved on the same day."],
        ["Abdominal pain", "2", "2", ""],
        ["Back pain", "1", "3", "Not thought to be related to the study drug."],
        ["Cough", "0", "1", ""],
        ["Fever", "1", "1", ""],
    ],
    "footnote": "Note: counts are patients with at least one event.",
}


@dataclass
class Truth:
    columns: int
    title: str = TITLE
    paragraphs: list[str] = field(default_factory=list)  # reading order, markers removed
    sections: list[tuple[str, str]] = field(default_factory=list)  # (kind, heading)
    section_paragraphs: dict[str, list[str]] = field(default_factory=dict)
    citations: list[list[int]] = field(default_factory=list)  # in reading order
    tables: list[dict] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    running_heads: list[str] = field(default_factory=list)
    pages: int = 0


def _expand(marker: str) -> list[int]:
    out: list[int] = []
    for part in marker.split(","):
        if "-" in part or "–" in part:
            a, b = re.split(r"[-–]", part)
            out.extend(range(int(a), int(b) + 1))
        else:
            out.append(int(part))
    return out


class _Typesetter:
    """A tiny page-flow engine on a reportlab canvas: columns, headings, paragraphs."""

    def __init__(self, c: canvas.Canvas, columns: int, truth: Truth):
        self.c = c
        self.columns = columns
        self.truth = truth
        self.gutter = 18
        self.col_w = (PAGE_W - 2 * MARGIN - (columns - 1) * self.gutter) / columns
        self.page = 1
        self.col = 0
        self.top = PAGE_H - MARGIN - 24
        self.bottom = MARGIN + 20
        self.y = self.top
        self._furniture()

    # -- page furniture -------------------------------------------------------

    def _furniture(self) -> None:
        c = self.c
        c.setFont("Helvetica-Bold", 7.5)
        journal, short = "JOURNAL OF INVENTED PAIN STUDIES", "Zentrafol for Limb Pain"
        left, right = (journal, short) if self.page % 2 else (short, journal)
        c.drawString(MARGIN, PAGE_H - MARGIN + 8, left)
        c.drawRightString(PAGE_W - MARGIN, PAGE_H - MARGIN + 8, right)
        c.setFont("Helvetica", 7.5)
        folio = f"{100 + self.page}"
        if self.page % 2:
            c.drawRightString(PAGE_W - MARGIN, MARGIN - 14, f"www.invented-pain.example  {folio}")
            c.drawString(MARGIN, MARGIN - 14, "March 2024 • Volume 3 • Number 1")
        else:
            c.drawString(MARGIN, MARGIN - 14, f"{folio}  www.invented-pain.example")
            c.drawRightString(PAGE_W - MARGIN, MARGIN - 14, "March 2024 • Volume 3 • Number 1")
        self.truth.running_heads = [journal, short, "www.invented-pain.example"]

    def new_page(self) -> None:
        self.c.showPage()
        self.page += 1
        self.col = 0
        self.y = self.top
        self._furniture()

    def next_column(self) -> None:
        if self.col + 1 < self.columns:
            self.col += 1
            self.y = self.y_col_top
        else:
            self.new_page()
            self.y_col_top = self.top

    @property
    def x(self) -> float:
        return MARGIN + self.col * (self.col_w + self.gutter)

    # -- text -------------------------------------------------------------------

    def full_width(self, text: str, font: str, size: float, leading: float) -> None:
        for line in _wrap_plain(text, font, size, PAGE_W - 2 * MARGIN):
            self.c.setFont(font, size)
            self.c.drawString(MARGIN, self.y - size, line)
            self.y -= leading
        self.y -= 4
        self.y_col_top = self.y

    def heading(self, text: str) -> None:
        if self.y - 3 * LEADING < self.bottom:
            self.next_column()
        self.y -= 4
        self.c.setFont(BODY_BOLD, SIZE + 1)
        self.c.drawString(self.x, self.y - SIZE, text)
        self.y -= LEADING + 3

    def paragraph(self, text: str) -> None:
        tokens = _tokens(text)
        lines = _wrap_tokens(tokens, self.col_w - 2, BODY_FONT, SIZE, indent=10)
        for k, line in enumerate(lines):
            if self.y - LEADING < self.bottom:
                self.next_column()
            x = self.x + (10 if k == 0 else 0)
            base = self.y - SIZE
            for word, sup in line:
                if sup:
                    self.c.setFont(BODY_FONT, SIZE * 0.62)
                    self.c.drawString(x, base + SIZE * 0.38, word)
                    x += stringWidth(word, BODY_FONT, SIZE * 0.62)
                else:
                    self.c.setFont(BODY_FONT, SIZE)
                    self.c.drawString(x, base, word)
                    x += stringWidth(word, BODY_FONT, SIZE)
            self.y -= LEADING
        self.y -= 2

    # -- tables -------------------------------------------------------------------

    def table(self, spec: dict, ruled: bool, rows_first_page: int) -> None:
        """A full-width table that starts on a fresh page and continues on the next one."""
        self.new_page()
        widths = spec["widths"]
        total = sum(widths)
        x0 = MARGIN
        chunks = [spec["rows"][:rows_first_page], spec["rows"][rows_first_page:]]
        for part, rows in enumerate(chunks):
            if part:
                self.new_page()
            caption = spec["caption"] if part == 0 else f"{spec['id']}. Continued"
            c = self.c
            c.setFont("Helvetica-Bold", 8.5)
            y = self.top
            c.drawString(x0, y - 8.5, caption)
            y -= 16
            if ruled:
                c.setLineWidth(0.8)
                c.line(x0, y, x0 + total, y)
            y -= 2
            y = self._row(spec["header"], widths, x0, y, bold=True)
            if ruled:
                c.setLineWidth(0.5)
                c.line(x0, y + 1, x0 + total, y + 1)
            for r in rows:
                y -= 3
                y = self._row(r, widths, x0, y)
                if ruled:
                    c.setLineWidth(0.3)
                    c.line(x0, y + 1, x0 + total, y + 1)
            if part == len(chunks) - 1:
                c.setFont(TABLE_FONT, TABLE_SIZE)
                c.drawString(x0, y - 10, spec["footnote"])
            else:
                c.setFont(TABLE_FONT, TABLE_SIZE)
                c.drawRightString(x0 + total, y - 10, "(Continued)")
        self.truth.tables.append(spec)
        self.new_page()
        self.y_col_top = self.top

    def _row(self, cells: list[str], widths: list[float], x0: float, y: float, bold: bool = False) -> float:
        font = "Times-Bold" if bold else TABLE_FONT
        x = x0
        lowest = y
        for text, w in zip(cells, widths):
            lines = _wrap_plain(text, font, TABLE_SIZE, w - 8) if text else []
            yy = y
            for line in lines:
                self.c.setFont(font, TABLE_SIZE)
                self.c.drawString(x + 2, yy - TABLE_SIZE, line)
                yy -= TABLE_LEADING
            lowest = min(lowest, yy)
            x += w
        return min(lowest, y - TABLE_LEADING) - 2


def _tokens(text: str) -> list[tuple[str, bool]]:
    """Words and citation markers; a marker is glued to the word before it."""
    out: list[tuple[str, bool]] = []
    pos = 0
    for m in _CITE_RE.finditer(text):
        for w in text[pos : m.start()].split(" "):
            if w:
                out.append((w, False))
        out.append((m.group(1).replace("-", "–"), True))
        pos = m.end()
    for w in text[pos:].split(" "):
        if w:
            out.append((w, False))
    return out


def _wrap_tokens(tokens, width, font, size, indent=0.0):
    lines: list[list[tuple[str, bool]]] = []
    line: list[tuple[str, bool]] = []
    used = indent
    space = stringWidth(" ", font, size)
    for word, sup in tokens:
        if sup:
            w = stringWidth(word, font, size * 0.62)
            if line:
                line.append((word, True))
                used += w
                continue
        w = stringWidth(word, font, size)
        need = w + (space if line else 0)
        if line and used + need > width:
            lines.append(line)
            line, used = [], 0.0
            need = w
        if line:
            line.append((" ", False))
        line.append((word, False))
        used += need
    if line:
        lines.append(line)
    # a marker right after a word, then a space before the next word
    fixed = []
    for ln in lines:
        out = []
        for i, (w, sup) in enumerate(ln):
            out.append((w, sup))
        fixed.append(out)
    return fixed


def _wrap_plain(text: str, font: str, size: float, width: float) -> list[str]:
    words = text.split()
    lines: list[str] = []
    cur = ""
    for w in words:
        cand = (cur + " " + w).strip()
        if cur and stringWidth(cand, font, size) > width:
            lines.append(cur)
            cur = w
        else:
            cur = cand
    if cur:
        lines.append(cur)
    return lines


def make_article(path: str | Path, columns: int = 2) -> Truth:
    """Write the article to ``path``; return what a perfect reader would recover."""
    truth = Truth(columns=columns)
    c = canvas.Canvas(str(path), pagesize=letter)
    c.setTitle(TITLE)
    t = _Typesetter(c, columns, truth)
    t.full_width(TITLE, "Helvetica-Bold", 16, 19)
    t.full_width(AUTHORS, "Helvetica", 10, 13)
    t.y -= 6
    t.y_col_top = t.y
    for kind, heading, paragraphs in SECTIONS:
        truth.sections.append((kind, heading))
        t.heading(heading)
        clean = []
        for p in paragraphs:
            t.paragraph(p)
            plain = _CITE_RE.sub("", p)
            clean.append(plain)
            truth.paragraphs.append(plain)
            truth.citations.extend(_expand(m) for m in _CITE_RE.findall(p))
        truth.section_paragraphs[kind] = clean
        if kind == "discussion":
            t.table(TABLE_RULED, ruled=True, rows_first_page=11)
            t.table(TABLE_UNRULED, ruled=False, rows_first_page=10)
    truth.sections.append(("references", "References"))
    t.heading("References")
    for i, ref in enumerate(REFERENCES, 1):
        for k, line in enumerate(_wrap_plain(f"{i}. {ref}", BODY_FONT, 8.5, t.col_w - 12)):
            if t.y - 10 < t.bottom:
                t.next_column()
            c.setFont(BODY_FONT, 8.5)
            c.drawString(t.x + (10 if k else 0), t.y - 8.5, line)
            t.y -= 10.5
        t.y -= 1.5
    truth.references = REFERENCES
    truth.pages = t.page
    c.save()
    return truth


def make_long_pdf(path: str | Path, pages: int = 1000) -> None:
    """Many short pages: a body paragraph, a running head and a page number on each."""
    c = canvas.Canvas(str(path), pagesize=letter)
    for i in range(1, pages + 1):
        c.setFont("Helvetica", 7.5)
        c.drawString(MARGIN, PAGE_H - MARGIN + 8, "LONG DOCUMENT TEST")
        c.drawRightString(PAGE_W - MARGIN, MARGIN - 14, str(i))
        c.setFont(BODY_FONT, SIZE)
        y = PAGE_H - MARGIN - 30
        for line in _wrap_plain(
            f"Page {i} of the long document repeats a short paragraph about dosing so that every page "
            "carries a text layer with a few lines of ordinary prose in one column.",
            BODY_FONT,
            SIZE,
            PAGE_W - 2 * MARGIN,
        ):
            c.drawString(MARGIN, y, line)
            y -= LEADING
        c.showPage()
    c.save()


def make_scanned_pdf(path: str | Path, pages: int = 2) -> None:
    """Pages that are only a picture: no text layer."""
    from reportlab.lib.utils import ImageReader
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (600, 800), "white")
    draw = ImageDraw.Draw(img)
    for k in range(30):
        draw.line((40, 40 + 24 * k, 560, 40 + 24 * k), fill="black", width=3)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    c = canvas.Canvas(str(path), pagesize=letter)
    for _ in range(pages):
        buf.seek(0)
        c.drawImage(ImageReader(buf), 36, 36, width=PAGE_W - 72, height=PAGE_H - 72)
        c.showPage()
    c.save()


def make_encrypted_pdf(path: str | Path) -> None:
    c = canvas.Canvas(str(path), pagesize=letter, encrypt="secret-user-password")
    c.setFont(BODY_FONT, SIZE)
    c.drawString(MARGIN, PAGE_H - 100, "This text needs a password.")
    c.showPage()
    c.save()


@functools.lru_cache(maxsize=None)
def article(tmp_dir: str, columns: int) -> tuple[str, Truth]:
    """Build (once per test session) the article with the given number of columns."""
    path = Path(tmp_dir) / f"fixture-{columns}col.pdf"
    truth = make_article(path, columns=columns)
    return str(path), truth


@functools.lru_cache(maxsize=None)
def read_cached(path: str):
    """Parse a file once per test session; tests share the Document (read-only)."""
    from kgraph.parse import read_document

    return read_document(path)
