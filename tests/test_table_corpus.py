"""The evidence table regenerated from the graph, for the corpus, cell by cell against its gold.

Each corpus report goes through the real pipeline (parse -> extract -> rdf -> embedded store);
the table is then read back from the store, so what is checked is what a user gets from
`kgraph table`. Concept cells are compared by the vocabulary's labels, quantity cells after
normalization (durations in hours, doses in their normalized units). Every differing cell is
named in the report.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from kgraph.config import CORPUS_DIR
from kgraph.extract import extract_document
from kgraph.extract.quantities import find_quantities
from kgraph.parse import read_document
from kgraph.report.evidence_table import table_from_store
from kgraph.store.embedded import EmbeddedStore
from kgraph.vocab import load_vocabularies

GOLD = sorted((CORPUS_DIR / "gold").glob("*.yaml"))
# Share of covered cells that must match exactly; the rest are listed by name.
REQUIRED_SHARE = 0.95


def _label(scheme: str, concept_id: str) -> str:
    vocab = load_vocabularies()
    concept = vocab.concept(scheme, concept_id) if hasattr(vocab, "concept") else None
    return concept.pref_label if concept is not None else concept_id


_CELL_PREFIXES = ("rate ", "total ", "bolus ", "target ")


def _normalized(texts: list[str], kinds: set[str]) -> set[Decimal]:
    """Numbers of every quantity in the texts, parsed the same way for gold and cell
    (the cell's "rate "/"total " labels are dropped so both sides read without context)."""
    out: set[Decimal] = set()
    for text in texts:
        for prefix in _CELL_PREFIXES:
            if text.startswith(prefix):
                text = text[len(prefix):]
        for m in find_quantities(text):
            q = m.quantity
            if q.kind not in kinds and kinds:
                continue
            for v in (q.normalized_value, q.normalized_low, q.normalized_high):
                if v is not None:
                    out.add(Decimal(v).quantize(Decimal("0.001")))
    return out


def _gold_quantities(values: list[str], kinds: set[str]) -> set[Decimal]:
    return _normalized([str(v) for v in values], kinds)


def _row_for(path: Path):
    gold = yaml.safe_load(path.read_text(encoding="utf-8"))
    source = CORPUS_DIR / (gold.get("document") or f"{path.stem}.txt")
    frames = extract_document(read_document(source))
    with EmbeddedStore.in_memory() as store:
        store.load_system_graphs()
        store.add_frames(frames)
        table = table_from_store(store)
    return gold, table


def _compare(name: str, gold: dict, table) -> list[tuple[str, bool, str]]:
    """[(cell name, matches, detail)] for the columns the extractor covers."""
    results: list[tuple[str, bool, str]] = []
    study = gold["studies"][0]
    rows = table.rows
    if not rows:
        return [(f"{name} / (row)", False, "no row in the regenerated table")]
    row = rows[0]
    cell = {role: [v.text for v in c.values] for role, c in row.cells.items()}

    def check(column: str, ok: bool, expected, got) -> None:
        results.append((f"{name} / {column}", ok, f"expected {expected!r}, got {got!r}"))

    if study.get("conditions"):
        want = {_label("conditions", c) for c in study["conditions"]}
        check("Clinical Indication", want <= set(cell["condition"]), sorted(want), cell["condition"])
    if study.get("n") is not None:
        check("Study Size", str(study["n"]) in cell["study_size"], study["n"], cell["study_size"])
    if study.get("design"):
        want = _label("designs", study["design"])
        check("Study Design", want in cell["design"], want, cell["design"])
    if study.get("setting"):
        want = _label("settings", study["setting"])
        check("Study Setting", want in cell["setting"], want, cell["setting"])
    protocols = study.get("protocols") or []
    durations = [d for p in protocols for d in p.get("infusion_duration") or []]
    if durations:
        want = _gold_quantities(durations, set())
        got = _normalized(cell["infusion_duration"], set())
        check("Duration of Infusion", want <= got, sorted(want), cell["infusion_duration"])
    doses = [d for p in protocols for k in ("bolus", "rate", "total_dose", "target_concentration")
             for d in p.get(k) or []]
    if doses:
        want = _gold_quantities(doses, set())
        got = _normalized(cell["dose"], set())
        check("Dose Range", want <= got, sorted(want), cell["dose"])
    adjuncts = [a["drug"] for p in protocols for a in p.get("adjuncts") or []]
    if adjuncts:
        want = {_label("drugs", a) for a in adjuncts}
        got = {v.split(" ")[0] for v in cell["combination_therapy"] if not v.startswith("vs ")}
        have = {w for w in want if any(v.startswith(w) for v in cell["combination_therapy"])}
        check("Combination Therapy", have == want, sorted(want), sorted(got))
    effects = study.get("side_effects") or []
    if effects:
        want = {("no " if e.get("negated") else "") + _label("adverse_effects", e["effect"]) for e in effects}
        have = {w for w in want if any(v == w or v.startswith(w + " (") for v in cell["side_effects"])}
        check("Side Effects", have == want, sorted(want - have), cell["side_effects"])
    return results


@pytest.fixture(scope="module")
def comparisons() -> list[tuple[str, bool, str]]:
    out: list[tuple[str, bool, str]] = []
    for path in GOLD:
        gold, table = _row_for(path)
        out.extend(_compare(path.stem, gold, table))
    return out


def test_gold_files_exist():
    assert len(GOLD) >= 12


def test_corpus_table_matches_gold_cell_by_cell(comparisons):
    right = sum(1 for _, ok, _ in comparisons if ok)
    share = right / len(comparisons)
    differing = [f"{cell}: {detail}" for cell, ok, detail in comparisons if not ok]
    print(f"\ncorpus evidence table vs gold: {right}/{len(comparisons)} covered cells right ({share:.1%})")
    for line in differing:
        print("  differs:", line)
    assert share >= REQUIRED_SHARE, "cells that differ:\n" + "\n".join(differing)
