"""Benchmark: words per second per core of the extraction pipeline.

Prints, from the same run and the same texts, the bare tokenizer + sentence splitter
(the floor any spaCy pipeline pays) next to the full kgraph pipeline (entity ruler
from the vocabularies and broad lexicons, abbreviations, quantity grammar, negation)
and next to frame assembly (pipeline + assemble over parsed documents).

    .venv/bin/python bench/bench_extract.py [--repeat N] [--min-seconds S]

One process, one core: the figures are per core. Pipeline construction (vocabularies,
lexicons) is timed separately and not counted in the throughput. Target: 100,000
words/s per core for the full pipeline.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_WPS = 100_000


def corpus_texts() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpus").glob("*.txt"))]
    seed = Path("/work/shared/seed/maher2017-ketamine-infusion-review.txt")
    if seed.exists():
        texts.append(seed.read_text(encoding="utf-8"))
    if not texts:
        raise SystemExit("no texts to benchmark (corpus/*.txt)")
    return texts


def words(texts: list[str]) -> int:
    return sum(len(re.findall(r"\S+", t)) for t in texts)


def run(fn, texts: list[str], min_seconds: float, repeat: int) -> float:
    """Best words/s over ``repeat`` rounds, each at least ``min_seconds`` long."""
    n_words = words(texts)
    best = 0.0
    for _ in range(repeat):
        done, start = 0, time.perf_counter()
        while True:
            fn(texts)
            done += n_words
            elapsed = time.perf_counter() - start
            if elapsed >= min_seconds:
                break
        best = max(best, done / elapsed)
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--min-seconds", type=float, default=2.0)
    args = ap.parse_args(argv)

    import spacy

    from kgraph.extract import pipeline

    texts = corpus_texts()
    print(f"texts: {len(texts)}  words: {words(texts):,}")

    t0 = time.perf_counter()
    bare = spacy.blank("en")
    bare.add_pipe("kgraph_tokenizer")
    bare.add_pipe("kgraph_sentences")
    t1 = time.perf_counter()
    full = pipeline.build_nlp()
    t2 = time.perf_counter()
    print(f"build: bare {t1 - t0:.2f} s, full {t2 - t1:.2f} s (vocabularies and lexicons; not in the rates)")

    def pipe(nlp):
        def go(batch: list[str]) -> None:
            for _ in nlp.pipe(batch, batch_size=32):
                pass
        return go

    bare_wps = run(pipe(bare), texts, args.min_seconds, args.repeat)
    full_wps = run(pipe(full), texts, args.min_seconds, args.repeat)

    from kgraph.extract.assemble import assemble_study_report
    from kgraph.parse import read_document

    docs = [read_document(p) for p in sorted((ROOT / "corpus").glob("*.txt"))]
    doc_words = sum(len(re.findall(r"\S+", d.text)) for d in docs)

    def assemble_all(_texts: list[str]) -> None:
        for d in docs:
            assemble_study_report(d, full)

    t = time.perf_counter()
    assemble_all([])
    frames_wps = doc_words / (time.perf_counter() - t)

    print()
    print(f"{'stage':<44}{'words/s per core':>18}")
    print(f"{'bare tokenizer + sentence splitter':<44}{bare_wps:>18,.0f}")
    print(f"{'full pipeline (entities, quantities, ...)':<44}{full_wps:>18,.0f}")
    print(f"{'pipeline + frame assembly (study reports)':<44}{frames_wps:>18,.0f}")
    # where the time goes: each component alone over the same tokenized texts
    n_words = words(texts)
    docs = [full.make_doc(t) for t in texts]
    t = time.perf_counter()
    for tx in texts:
        full.make_doc(tx)
    print(f"{'  of which: tokenizer':<44}{n_words / (time.perf_counter() - t):>18,.0f}")
    for name, proc in full.pipeline:
        t = time.perf_counter()
        docs = [proc(d) for d in docs]
        elapsed = time.perf_counter() - t
        if elapsed > 1e-3:  # the tokenizer component only installs rules at build time
            print(f"{'  of which: ' + name:<44}{n_words / elapsed:>18,.0f}")
    print()
    verdict = "meets" if full_wps >= TARGET_WPS else "below"
    print(f"full pipeline: {full_wps / bare_wps:.0%} of the bare baseline; {verdict} the target of {TARGET_WPS:,} words/s per core")
    return 0


if __name__ == "__main__":
    sys.exit(main())
