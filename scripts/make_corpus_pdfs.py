#!/usr/bin/env python3
"""Typeset the illustrative corpus reports (corpus/*.txt) as PDFs in corpus/pdf/.

The PDFs exist to exercise kgraph's PDF reader on documents whose gold is known: a PDF
carries exactly the text of its .txt, so corpus/gold/<stem>.yaml is the gold of both.
Layouts vary on purpose (one or two columns, serif or sans, running heads, page
numbers), and the text's pipe tables ("a | b | c" lines under a "Table N." caption)
become small ruled tables.

Usage:  python scripts/make_corpus_pdfs.py [CORPUS_DIR] [--out OUT_DIR] [--only STEM ...]

Output is deterministic (fixed creation date, no random ids) so regenerating an
unchanged corpus gives byte-identical files.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4, letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    FrameBreak,
    KeepTogether,
    NextPageTemplate,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

rl_config.invariant = 1  # reproducible PDFs: fixed dates and ids

# Section headings the reports use, in any capitalization; a short line that is one of
# these (optionally numbered "1." / "2.1.") starts a section.
SECTION_WORDS = {
    "abstract", "background", "methods", "results", "discussion", "conclusions",
    "conclusion", "references", "introduction", "case reports", "case descriptions",
    "patients and methods", "materials and methods", "summary",
}
TABLE_CAPTION = re.compile(r"^Table \d+\.")
NUMBERED = re.compile(r"^(\d+(\.\d+)*\.?)\s+")

# Unicode fonts: the reports use µ, μ, ±, ≤, en dashes and Scandinavian letters, which
# reportlab's built-in Type 1 fonts cannot all show.
FONT_CANDIDATES = {
    "serif": [
        ("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf",
         "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Italic.ttf"),
        ("/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
         "/usr/share/fonts/truetype/liberation/LiberationSerif-Bold.ttf",
         "/usr/share/fonts/truetype/liberation/LiberationSerif-Italic.ttf"),
    ],
    "sans": [
        ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
         "/usr/share/fonts/truetype/dejavu/DejaVuSans-Oblique.ttf"),
        ("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
         "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
         "/usr/share/fonts/truetype/liberation/LiberationSans-Italic.ttf"),
    ],
}


def register_fonts() -> dict[str, tuple[str, str, str]]:
    """Register one TrueType family per style; fail with a clear message if none exists."""
    families: dict[str, tuple[str, str, str]] = {}
    for style, candidates in FONT_CANDIDATES.items():
        for regular, bold, italic in candidates:
            if all(Path(p).exists() for p in (regular, bold, italic)):
                names = (f"KG{style}", f"KG{style}-Bold", f"KG{style}-Italic")
                for name, path in zip(names, (regular, bold, italic)):
                    pdfmetrics.registerFont(TTFont(name, path))
                families[style] = names
                break
        else:
            sys.exit(f"make_corpus_pdfs: no Unicode {style} font found (tried {[c[0] for c in candidates]}); "
                     "install fonts-dejavu-core or fonts-liberation")
    return families


@dataclass
class Layout:
    columns: int
    family: str  # serif | sans
    pagesize: tuple[float, float]
    body_size: float
    running_head: bool


def layout_for(stem: str) -> Layout:
    """A stable, varied layout per document, derived from its name (not random)."""
    h = int(hashlib.sha256(stem.encode()).hexdigest(), 16)
    columns = 2 if h % 3 else 1  # about two thirds two-column, like journal articles
    family = "serif" if (h >> 4) % 2 else "sans"
    pagesize = letter if (h >> 8) % 2 else A4
    body_size = 9.0 if columns == 2 else 10.0
    return Layout(columns, family, pagesize, body_size, running_head=bool((h >> 12) % 2) or columns == 2)


@dataclass
class Block:
    kind: str  # marker | title | authors | journal | heading | subheading | para | table
    text: str = ""
    rows: list[list[str]] | None = None


def is_heading(line: str) -> bool:
    bare = NUMBERED.sub("", line.strip()).rstrip(":").strip().lower()
    return bare in SECTION_WORDS


def parse_report(text: str) -> list[Block]:
    """Split a report into typed blocks. The .txt convention: blank lines separate blocks;
    the first four non-empty blocks are the illustrative marker, title, authors and journal
    line; a block may start with a short heading line; 'Table N.' blocks hold pipe rows."""
    raw_blocks = [b.strip("\n") for b in re.split(r"\n\s*\n", text) if b.strip()]
    blocks: list[Block] = []
    front = ["marker", "title", "authors", "journal"]
    for i, raw in enumerate(raw_blocks):
        lines = [ln.rstrip() for ln in raw.split("\n")]
        if i < len(front):
            blocks.append(Block(front[i], " ".join(lines)))
            continue
        if TABLE_CAPTION.match(lines[0]) and len(lines) > 1 and "|" in lines[1]:
            rows = [[c.strip() for c in ln.split("|")] for ln in lines[1:] if "|" in ln]
            blocks.append(Block("table", lines[0], rows))
            continue
        # Leading heading lines: section words, or a short label line followed by text.
        while lines:
            first = lines[0].strip()
            if is_heading(first):
                blocks.append(Block("heading", first))
                lines = lines[1:]
            elif len(first) <= 60 and not first.endswith((".", ":", ";", ",")) and (
                    len(lines) > 1 or not re.search(r"\d", first)):
                # a short unpunctuated line that starts a block, or stands alone, is a heading
                # alone in its block it is a section heading, else a run-in subsection label
                blocks.append(Block("heading" if len(lines) == 1 else "subheading", first))
                lines = lines[1:]
            else:
                break
        if not lines:
            continue
        # Abstract paragraphs "Background: ..." stay paragraphs; a references block keeps one
        # paragraph per line.
        if all(re.match(r"^\d+\.\s", ln) for ln in lines) and len(lines) > 1:
            blocks.extend(Block("para", ln) for ln in lines)
        else:
            # A heading run into its paragraph ("BACKGROUND. Text" / "Background: text") stays.
            for ln in lines:
                blocks.append(Block("para", ln))
    return blocks


def styles(layout: Layout, fonts: tuple[str, str, str]) -> dict[str, ParagraphStyle]:
    regular, bold, italic = fonts
    size = layout.body_size
    return {
        "marker": ParagraphStyle("marker", fontName=italic, fontSize=8, leading=10, textColor=colors.HexColor("#7a1f1f"),
                                 alignment=TA_CENTER, spaceAfter=6),
        "title": ParagraphStyle("title", fontName=bold, fontSize=15, leading=19, alignment=TA_LEFT, spaceAfter=6),
        "authors": ParagraphStyle("authors", fontName=regular, fontSize=10, leading=13, spaceAfter=3),
        "journal": ParagraphStyle("journal", fontName=italic, fontSize=8.5, leading=11, spaceAfter=10,
                                  textColor=colors.HexColor("#333333")),
        "heading": ParagraphStyle("heading", fontName=bold, fontSize=size + 1.5, leading=size + 4,
                                  spaceBefore=8, spaceAfter=3),
        "subheading": ParagraphStyle("subheading", fontName=italic, fontSize=size, leading=size + 3,
                                     spaceBefore=4, spaceAfter=1),
        "para": ParagraphStyle("para", fontName=regular, fontSize=size, leading=size * 1.25,
                               alignment=TA_JUSTIFY if layout.columns == 2 else TA_LEFT, spaceAfter=4),
        "caption": ParagraphStyle("caption", fontName=bold, fontSize=size - 1, leading=size + 1, spaceBefore=4,
                                  spaceAfter=2),
        "cell": ParagraphStyle("cell", fontName=regular, fontSize=size - 1.5, leading=size),
        "cellhead": ParagraphStyle("cellhead", fontName=bold, fontSize=size - 1.5, leading=size),
    }


def ruled_table(block: Block, st: dict[str, ParagraphStyle], width: float) -> list:
    rows = block.rows or []
    ncols = max(len(r) for r in rows)
    data = []
    for i, row in enumerate(rows):
        row = row + [""] * (ncols - len(row))
        style = st["cellhead"] if i == 0 else st["cell"]
        data.append([Paragraph(escape(c), style) for c in row])
    first = width * (0.34 if ncols > 2 else 0.5)
    col_widths = [first] + [(width - first) / (ncols - 1)] * (ncols - 1)
    table = Table(data, colWidths=col_widths, repeatRows=1, hAlign="LEFT")
    # Horizontal rules only, like most journals: top, below the header, bottom.
    table.setStyle(TableStyle([
        ("LINEABOVE", (0, 0), (-1, 0), 0.8, colors.black),
        ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
        ("LINEBELOW", (0, -1), (-1, -1), 0.8, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
    ]))
    return [KeepTogether([Paragraph(escape(block.text), st["caption"]), table, Spacer(1, 6)])]


def build_pdf(txt_path: Path, pdf_path: Path, fonts_by_family: dict[str, tuple[str, str, str]]) -> int:
    text = txt_path.read_text(encoding="utf-8")
    blocks = parse_report(text)
    if len(blocks) < 5 or blocks[0].kind != "marker":
        raise ValueError(f"{txt_path}: not a corpus report (expected marker, title, authors, journal line, body)")
    layout = layout_for(txt_path.stem)
    fonts = fonts_by_family[layout.family]
    st = styles(layout, fonts)
    page_w, page_h = layout.pagesize
    margin = 18 * mm
    gutter = 6 * mm
    body_w = page_w - 2 * margin
    col_w = (body_w - gutter * (layout.columns - 1)) / layout.columns
    header = next(b.text for b in blocks if b.kind == "journal")
    short_title = next(b.text for b in blocks if b.kind == "title")
    if len(short_title) > 70:
        short_title = short_title[:67].rsplit(" ", 1)[0] + "…"

    def furniture(canvas, doc):
        canvas.saveState()
        canvas.setFont(fonts[0], 7.5)
        if layout.running_head and doc.page > 1:
            canvas.drawString(margin, page_h - 11 * mm, short_title)
        canvas.drawCentredString(page_w / 2, 10 * mm, str(doc.page))
        canvas.setFont(fonts[2], 6.5)
        canvas.drawRightString(page_w - margin, 10 * mm, "Illustrative report, kgraph corpus")
        canvas.restoreState()

    doc = BaseDocTemplate(str(pdf_path), pagesize=layout.pagesize, leftMargin=margin, rightMargin=margin,
                          topMargin=margin, bottomMargin=margin, title=short_title,
                          author="kgraph corpus (illustrative)", subject=header, creator="make_corpus_pdfs.py")

    def columns(top: float, bottom: float, prefix: str) -> list[Frame]:
        return [Frame(margin + i * (col_w + gutter), bottom, col_w, top - bottom, id=f"{prefix}{i}",
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
                for i in range(layout.columns)]

    front = [b for b in blocks if b.kind in ("marker", "title", "authors", "journal")]
    body = [b for b in blocks if b.kind not in ("marker", "title", "authors", "journal")]
    # The first page has a full-width title area above the columns, as tall as its text.
    title_h = sum(Paragraph(escape(b.text), st[b.kind]).wrap(body_w, page_h)[1]
                  + st[b.kind].spaceBefore + st[b.kind].spaceAfter for b in front) + 4 * mm
    first_top = page_h - margin
    title_frame = Frame(margin, first_top - title_h, body_w, title_h, id="title",
                        leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([
        PageTemplate("first", [title_frame] + columns(first_top - title_h - 4 * mm, margin, "f"), onPage=furniture),
        PageTemplate("later", columns(page_h - margin, margin, "l"), onPage=furniture),
    ])

    story: list = [NextPageTemplate("later")]
    for b in front:
        story.append(Paragraph(escape(b.text), st[b.kind]))
    story.append(FrameBreak())
    for b in body:
        if b.kind == "table":
            story.extend(ruled_table(b, st, col_w if layout.columns == 2 else body_w * 0.8))
        else:
            story.append(Paragraph(escape(b.text), st[b.kind]))
    doc.build(story)
    return len(body)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", nargs="?", default=str(Path(__file__).resolve().parent.parent / "corpus"))
    ap.add_argument("--out", default=None, help="output folder (default: CORPUS/pdf)")
    ap.add_argument("--only", nargs="*", default=None, help="stems to build")
    args = ap.parse_args(argv)
    corpus = Path(args.corpus)
    out = Path(args.out) if args.out else corpus / "pdf"
    txts = sorted(p for p in corpus.glob("*.txt") if args.only is None or p.stem in args.only)
    if not txts:
        print(f"make_corpus_pdfs: no .txt reports in {corpus}", file=sys.stderr)
        return 1
    out.mkdir(parents=True, exist_ok=True)
    fonts = register_fonts()
    failures = 0
    for txt in txts:
        target = out / f"{txt.stem}.pdf"
        tmp = target.with_suffix(".pdf.part")
        try:
            build_pdf(txt, tmp, fonts)
            tmp.replace(target)  # never leave a half-written PDF under the real name
            lay = layout_for(txt.stem)
            print(f"{target}  ({lay.columns} col, {lay.family}, {'letter' if lay.pagesize == letter else 'A4'})")
        except Exception as exc:  # one bad report must not stop the rest
            failures += 1
            tmp.unlink(missing_ok=True)
            print(f"make_corpus_pdfs: {txt}: {exc}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
