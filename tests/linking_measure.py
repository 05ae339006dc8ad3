"""Measure the title-similarity threshold for study linking (docs/linking.md).

Run: .venv/bin/python tests/linking_measure.py

Positives: a reference-list title against the way a title page (or another reference list)
prints the same paper: changed case, dropped subtitle, other punctuation, an OCR-split
ligature, lost diacritics, a hyphenated word joined, two typos, and combinations.
Negatives: two different papers: every pair of titles in the review's reference list (all on
ketamine, so topically close), the same-first-author pairs in it, and every corpus report title
against every reference title; each negative is also compared with the variants of the other
title, since a paper's own title page meets the other paper's reference entry.
"""

from __future__ import annotations

import re
import sys
from itertools import combinations
from pathlib import Path

from rapidfuzz import fuzz

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kgraph.extract.linking import normalize_title, surname_of  # noqa: E402
from kgraph.parse import read_document  # noqa: E402

SEED_TXT = Path("/work/shared/seed/maher2017-ketamine-infusion-review.txt")
CORPUS = Path(__file__).resolve().parent.parent / "corpus"
METRICS = ["ratio", "partial_ratio", "token_sort_ratio", "token_set_ratio", "WRatio", "QRatio", "partial_or_set"]


def partial_or_set(a: str, b: str) -> float:
    """The larger of partial_ratio (a title inside a longer one) and token_set_ratio (reordered words)."""
    return max(fuzz.partial_ratio(a, b), fuzz.token_set_ratio(a, b))


def metric(name: str):
    return partial_or_set if name == "partial_or_set" else getattr(fuzz, name)
_SMALL = {"a", "an", "the", "of", "in", "on", "for", "and", "or", "with", "to", "by", "at", "from", "as", "vs"}


def _title_case(t: str) -> str:
    words = t.split()
    return " ".join(w if (i and w.lower() in _SMALL) else w[:1].upper() + w[1:] for i, w in enumerate(words))


def _sentence_case(t: str) -> str:
    t = t.lower()
    return t[:1].upper() + t[1:]


def _punct(t: str) -> str:
    t = t.replace("-", " ").replace("(", "").replace(")", "").replace(":", ".").replace("+", "")
    return re.sub(r"\s+", " ", t)


def _ocr(t: str) -> str:
    t = t.replace("fi", "fi ", 1).replace("ff", "ff ", 1)
    t = t.replace("ö", "o").replace("ä", "a").replace("ø", "o").replace("é", "e")
    return re.sub(r"(\w)-(\w)", r"\1\2", t, count=1)


def _typos(t: str) -> str:
    words = t.split()
    longs = [i for i, w in enumerate(words) if len(w) > 6]
    for i in longs[:2]:
        w = words[i]
        words[i] = w[:3] + w[4:]
    return " ".join(words)


def _swap(t: str) -> str:
    words = t.split()
    mid = len(words) // 2
    if len(words) > 4:
        words[mid], words[mid + 1] = words[mid + 1], words[mid]
    return " ".join(words)


def _drop_word(t: str) -> str:
    words = t.split()
    if len(words) > 5:
        del words[len(words) // 3]
    return " ".join(words)


def _symbols(t: str) -> str:
    return t.replace("(R)", "®").replace("(S)", "(S)").replace("±", "+/-").replace("µ", "u").replace("'", "")


def _drop_subtitle(t: str) -> str:
    return t.split(":")[0] if ":" in t else t


def variants(title: str) -> list[str]:
    v = [_sentence_case(title), _title_case(title), _punct(title), _ocr(title), _typos(title), _drop_subtitle(title),
         _typos(_punct(_sentence_case(title))), _ocr(_title_case(title)), title.rstrip(".") + ".", "The " + title,
         _swap(title), _drop_word(title), _symbols(_swap(_title_case(title))), _drop_word(_swap(_sentence_case(title)))]
    return [x for x in v if normalize_title(x) and normalize_title(x) != ""]


def load_titles():
    doc = read_document(SEED_TXT)
    refs = [(r.number, surname_of(r.authors[0]) if r.authors else None, r.title) for r in doc.references if r.title and len(r.title) > 20]
    corpus = []
    for p in sorted(CORPUS.glob("*.txt")):
        try:
            d = read_document(p)
            if not d.title and (CORPUS / "pdf" / (p.stem + ".pdf")).exists():
                d = read_document(CORPUS / "pdf" / (p.stem + ".pdf"))  # the typeset copy of the same report
        except Exception:
            continue
        if d.title:
            corpus.append((d.title, surname_of(d.authors[0]) if d.authors else None, d.year))
    return refs, corpus


def pairs():
    refs, corpus = load_titles()
    pos, neg, hard = [], [], []
    for _, _, t in refs:
        for v in variants(t):
            pos.append((t, v))
    for (na, sa, ta), (nb, sb, tb) in combinations(refs, 2):
        neg.append((ta, tb))
        neg.extend((ta, v) for v in variants(tb)[:3])
        if sa and sb and sa.lower() == sb.lower():
            hard.append((ta, tb))
    for c, c_surname, c_year in corpus:
        for number, r_surname, t in refs:
            if c_surname and r_surname and c_surname.lower() == r_surname.lower():
                continue  # possibly the same study (the corpus reports one cited study): not a negative
            neg.append((t, c))
    return pos, neg, hard


def sweep(pos, neg, metric_name: str):
    fn = metric(metric_name)
    ps = [fn(normalize_title(a), normalize_title(b)) for a, b in pos]
    ns = [fn(normalize_title(a), normalize_title(b)) for a, b in neg]
    rows = []
    for th in range(50, 101, 5):
        tp = sum(s >= th for s in ps)
        fp = sum(s >= th for s in ns)
        fn_ = len(ps) - tp
        prec = tp / (tp + fp) if tp + fp else 1.0
        rec = tp / len(ps) if ps else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        rows.append((th, tp, fp, fn_, prec, rec, f1))
    return ps, ns, rows


def main() -> None:
    pos, neg, hard = pairs()
    print(f"positives {len(pos)}, negatives {len(neg)} (same-first-author negatives {len(hard)})")
    print("| metric | min positive | max negative | gap |")
    print("|---|---|---|---|")
    results = {}
    for m in METRICS:
        ps, ns, rows = sweep(pos, neg, m)
        results[m] = (ps, ns, rows)
        print(f"| {m} | {min(ps):.1f} | {max(ns):.1f} | {min(ps) - max(ns):+.1f} |")
    m = max(METRICS, key=lambda k: min(results[k][0]) - max(results[k][1]))
    print(f"\nwidest gap: {m}; midpoint {(min(results[m][0]) + max(results[m][1])) / 2:.1f}")
    ps, ns, rows = results[m]
    print(f"\n{m}: threshold sweep")
    print("| threshold | TP | FP | FN | precision | recall | F1 |")
    print("|---|---|---|---|---|---|---|")
    for th, tp, fp, fn_, prec, rec, f1 in rows:
        print(f"| {th} | {tp} | {fp} | {fn_} | {prec:.3f} | {rec:.3f} | {f1:.3f} |")
    fn = metric(m)
    print("\nsame-first-author negatives:")
    for a, b in hard:
        print(f"- {fn(normalize_title(a), normalize_title(b)):.1f}: {a[:60]!r} vs {b[:60]!r}")
    worst_pos = sorted(((fn(normalize_title(a), normalize_title(b)), a, b) for a, b in pos))[:5]
    print("\nlowest positives:")
    for s, a, b in worst_pos:
        print(f"- {s:.1f}: {a[:50]!r} vs {b[:50]!r}")
    worst_neg = sorted(((fn(normalize_title(a), normalize_title(b)), a, b) for a, b in neg), reverse=True)[:5]
    print("\nhighest negatives:")
    for s, a, b in worst_neg:
        print(f"- {s:.1f}: {a[:50]!r} vs {b[:50]!r}")


if __name__ == "__main__":
    main()
