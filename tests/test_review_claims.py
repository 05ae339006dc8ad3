"""A review's conclusions as Claims: found by general cues, with levels, variables and citations."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from kgraph.extract.claims import evidence_level_in, extract_claims
from kgraph.extract.review_eval import score_claims
from kgraph.parse import read_document
from kgraph.parse.model import Block, Citation, Document, Reference, Section, Span

from test_review_support import SEED_TXT, analyzer, pdf_frames, store_with

GOLD = Path(__file__).resolve().parent.parent / "corpus" / "review-gold" / "maher2017.yaml"


@lru_cache(maxsize=1)
def gold_claims():
    return yaml.safe_load(GOLD.read_text(encoding="utf-8"))["claims"]


@lru_cache(maxsize=1)
def text_claims():
    doc = read_document(SEED_TXT)
    claims, _ = extract_claims(doc, [], analyzer())
    return claims


def _check_seed_claims(claims, capsys, where):
    tallies, notes = score_claims(gold_claims(), claims)
    with capsys.disabled():
        print(f"\nclaims from the {where} vs corpus/review-gold/maher2017.yaml:")
        for name, t in tallies.items():
            p = t.tp / (t.tp + t.fp) if t.tp + t.fp else 0.0
            r = t.tp / (t.tp + t.fn) if t.tp + t.fn else 0.0
            print(f"  {name:<18} P {p:.2f} R {r:.2f} (tp {t.tp}, fp {t.fp}, fn {t.fn})")
    assert tallies["claim"].tp == 4 and tallies["claim"].fp == 0, notes
    assert tallies["claim_level"].tp == 3 and tallies["claim_kind"].tp == 4
    assert tallies["claim_relation"].tp == 3
    return tallies


def test_the_seed_pdf_claims(capsys):
    claims = pdf_frames().claims
    tallies = _check_seed_claims(claims, capsys, "typeset PDF")
    assert [c.evidence_level for c in claims] == [2, 2, 2, None]
    assert [c.kind for c in claims] == ["conclusion"] * 3 + ["recommendation"]
    first = claims[0]
    assert first.variables == ["infusion_duration", "relief_duration"] and first.relation == "positive"
    assert claims[1].relation == "positive" and "total_dose" in claims[1].variables
    assert claims[2].relation == "none" and claims[2].variables[-1] == "side_effects"
    assert {"infusion_duration", "infusion_rate", "adjunct"} <= set(claims[3].variables)
    t = tallies["claim_references"]
    assert t.tp / (t.tp + t.fn) >= 0.75 and t.tp / (t.tp + t.fp) >= 0.85
    # the cited studies are the table's rows for those references
    keys = {s.key for s in pdf_frames().studies}
    assert "sigtermans-2009" in first.cited_studies and set(first.cited_studies) <= keys
    ev = first.evidence[0]
    assert ev.section == "discussion" and ev.page is not None and ev.text.startswith("CEBM level 2 evidence")


def test_the_seed_text_claims(capsys):
    _check_seed_claims(text_claims(), capsys, "text dump")


def test_evidence_behind_a_claim_query_lists_studies_with_protocols():
    from kgraph.query.runner import run

    store = store_with(pdf_frames())
    table = run("evidence_for_claim", {"variable": "infusion_duration"}, store=store)
    rows = [dict(zip(table.columns, r)) for r in table.rows]
    longer = [r for r in rows if "longer-duration infusions" in r["claim"]]
    studies = {r["study"] for r in longer}
    assert len(studies) >= 20 and "Sigtermans 2009" in studies
    assert all(int(r["protocols"]) >= 1 for r in longer)
    assert {r["claim_level"] for r in longer} == {2}


def _doc(paragraphs: list[tuple[str, str, list[list[int]]]], refs: int = 12) -> Document:
    """A small review: (section kind, text, citation numbers per marker) per paragraph."""
    text_parts, sections, pos = [], {}, 0
    for kind, text, cites in paragraphs:
        span = Span(pos, pos + len(text), page=1)
        block = Block(text, span, kind="heading" if kind.endswith(":heading") else "paragraph", section=kind.split(":")[0],
                      citations=[Citation(",".join(map(str, c)), c, span) for c in cites])
        sections.setdefault(kind.split(":")[0], []).append(block)
        text_parts.append(text + "\n")
        pos += len(text) + 1
    secs = [Section(k.title(), k, Span(b[0].span.start, b[-1].span.end), b) for k, b in sections.items()]
    return Document(source="review.txt", sha256="0", text="".join(text_parts), sections=secs,
                    references=[Reference(i, f"Author{i} A. Title {i}. 2010.", authors=[f"Author{i} A"], year=2010)
                                for i in range(1, refs + 1)])


def test_claims_from_reworded_discussions():
    doc = _doc([
        ("results:heading", "Infusion duration", []),
        ("results", "Two trials gave multiday infusions.", [[4, 5]]),
        ("discussion", "We conclude that repeated outpatient sessions are associated with longer relief than single "
                       "infusions (level 3 evidence).", [[4, 5]]),
        ("discussion", "Higher infusion rates did not appear to be related to the rate of adverse effects.", [[7]]),
        ("discussion", "Further randomized trials are needed to define the optimal regimen.", []),
        ("discussion", "The aim of this review was to summarize infusion protocols.", []),
        ("discussion", "Definite recommendations cannot be made at this time.", []),
        ("conclusions", "Clinicians should give midazolam with ketamine to reduce hallucinations.", [[9]]),
        ("conclusions", "In summary, multiday infusions seem to provide greater relief; this is based on level II evidence.", []),
        ("conclusions", "Pain scores were recorded with different scales.", [[2]]),
    ])
    claims, warnings = extract_claims(doc, [], analyzer())
    assert [c.statement[:24] for c in claims] == ["We conclude that repeate", "Higher infusion rates di",
                                                  "Clinicians should give m", "In summary, multiday inf"]
    a, b, c, d = claims
    assert (a.evidence_level, a.cited_references, a.relation, a.kind) == (3, [4, 5], "positive", "conclusion")
    assert a.variables == ["sessions", "setting", "relief_duration"]  # "repeated outpatient sessions"
    assert (b.relation, b.cited_references) == ("none", [7]) and b.variables == ["infusion_rate", "side_effects"]
    assert (c.kind, c.cited_references) == ("recommendation", [9])
    assert d.evidence_level == 2 and d.cited_references == [4, 5]  # inherited from "Infusion duration"
    assert warnings == []


def test_levels_in_many_spellings():
    assert evidence_level_in("CEBM level 2 evidence for treatment") == 2
    assert evidence_level_in("the level of evidence: 3") == 3
    assert evidence_level_in("this is level IV evidence") == 4
    assert evidence_level_in("evidence level 1") == 1
    assert evidence_level_in("at 2 levels of pain") is None


def test_a_claim_citing_a_missing_reference_is_reported():
    doc = _doc([("discussion", "We conclude that longer infusions are associated with longer relief.", [[3, 40]])], refs=12)
    claims, warnings = extract_claims(doc, [], analyzer())
    assert claims[0].cited_references == [3, 40]
    assert any("[40] match no reference" in w for w in warnings)
