"""Frame assembly for study reports (kgraph.extract.assemble, kgraph.extract.extract_document).

The reports below are written for these tests (not taken from the corpus or the seed)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from kgraph.extract import extract_document, looks_like_review
from kgraph.extract.assemble import document_key
from kgraph.extract.frames import DocumentFrames
from kgraph.parse import read_document
from kgraph.parse.model import Document

REPORT = """Five-Day Inpatient Ketamine Infusion With Clonidine for Postherpetic Neuralgia: A Randomized, Double-Blind, Placebo-Controlled Trial

Abstract

Background: Postherpetic neuralgia (PHN) is often refractory to oral drugs.

Methods: In this randomized, double-blind, placebo-controlled trial, forty-four inpatients with PHN (22 per group) received intravenous ketamine or normal saline continuously for 5 days. The ketamine rate was titrated from 0.05 to 0.3 mg/kg/h. All patients received clonidine 0.15 mg orally twice daily to prevent tachycardia. Before and after treatment, hypertonic saline was injected into the forearm to provoke muscle pain. Pain was rated on an 11-point numerical rating scale (NRS).

Results: NRS scores were lower with ketamine than with placebo at 2 and 6 weeks (P < 0.01) but not at 10 weeks. Somnolence occurred in 9 of 22 ketamine patients. No patient experienced hallucinations, and vomiting was not observed.

Conclusions: A 5-day ketamine infusion relieved PHN for 6 weeks.
"""


def make_document(text: str, **meta) -> Document:
    fields = dict(source="test-report.txt", sha256="0" * 64, text=text)
    fields.update(meta)
    return Document(**fields)


@pytest.fixture(scope="module")
def frames() -> DocumentFrames:
    return extract_document(make_document(REPORT, title=REPORT.splitlines()[0], authors=["Okonjo-Meyer AB"], year=2021))


@pytest.fixture(scope="module")
def study(frames):
    assert len(frames.studies) == 1
    return frames.studies[0]


def test_study_level_facts(frames, study):
    assert frames.kind == "study_report"
    assert study.key == "okonjo-meyer-2021" and study.label == "Okonjo-Meyer 2021"
    assert study.design.id == "randomized_placebo_controlled_trial"
    assert study.evidence_level == 2
    assert study.n == 44
    assert study.setting.id == "inpatient"
    assert [c.id for c in study.conditions] == ["postherpetic_neuralgia"]


def test_protocol_from_title_and_methods(study):
    protocols = [a.protocol for a in study.arms if a.protocol]
    assert len(protocols) == 1
    p = protocols[0]
    assert p.drug.id == "ketamine"
    assert p.route == "intravenous"
    assert [(q.normalized_low, q.normalized_high, q.normalized_unit) for q in p.rate] == [
        (Decimal("0.05"), Decimal("0.3"), "mg/kg/h")
    ]
    assert [q.normalized_value for q in p.infusion_duration] == [Decimal(120)]
    assert p.sessions == 1


def test_adjunct_versus_comparator_and_saline_as_stimulus(study):
    p = next(a.protocol for a in study.arms if a.protocol)
    adjuncts = {c.drug.id: c for c in p.coadministrations}
    assert set(adjuncts) == {"clonidine"}
    clonidine = adjuncts["clonidine"]
    assert [q.value for q in clonidine.doses] == [Decimal("0.15")]
    assert clonidine.purpose and "tachycardia" in clonidine.purpose
    assert clonidine.route == "oral"
    # normal saline is the placebo arm; hypertonic saline provoked pain and is no comparator
    assert [(c.kind, c.label) for c in study.comparators] == [("placebo", "placebo")]


def test_outcomes_relief_and_side_effects(study):
    nrs = next(o for o in study.outcomes if o.measure and o.measure.id == "numerical_rating_scale")
    assert nrs.relief_duration is not None and nrs.relief_duration.normalized_value == Decimal(6 * 168)
    effects = {a.effect.id: a for a in study.adverse_effects}
    assert not effects["somnolence"].negated
    assert effects["somnolence"].incidence is not None and effects["somnolence"].incidence.value == 9
    assert effects["hallucination"].negated and effects["vomiting"].negated
    assert "tachycardia" not in effects  # the reason an adjunct was given is no side effect


def test_every_fact_points_at_its_sentence(frames, study):
    text = REPORT
    evidences = list(study.evidence)
    for arm in study.arms:
        if arm.protocol:
            evidences += arm.protocol.evidence
            for q in arm.protocol.rate + arm.protocol.infusion_duration:
                evidences += q.evidence
    for a in study.adverse_effects:
        evidences += a.evidence
    for o in study.outcomes:
        evidences += o.evidence
    assert evidences
    for ev in evidences:
        assert text[ev.start:ev.end] == ev.text
        assert ev.extractor.startswith("kgraph.extract.assemble/")
    somnolence = next(a for a in study.adverse_effects if a.effect.id == "somnolence")
    assert "Somnolence occurred in 9 of 22" in somnolence.evidence[0].text


def test_json_round_trip(frames):
    data = frames.to_dict()
    again = DocumentFrames.from_dict(data)
    assert again.to_dict() == data
    assert data["schema_version"] == "1"


def test_document_keys():
    assert document_key(make_document("x", doi="https://doi.org/10.5555/ABC.1")) == "doi:10.5555/abc.1"
    assert document_key(make_document("x", pmid="123456")) == "pmid:123456"
    key = document_key(make_document("x", authors=["Jan van der Berg"], year=2004, title="Ketamine in CRPS: a trial"))
    assert key == "van-der-berg-2004-ketamine-crps-trial"


def test_no_recognizable_content_gives_zero_facts_and_a_warning():
    frames = extract_document(make_document("The committee met on Tuesday. Minutes were approved.\n"))
    assert frames.studies == []
    assert any("no recognizable" in w for w in frames.warnings)
    empty = extract_document(make_document(""))
    assert empty.studies == [] and empty.warnings


def test_unparseable_quantity_is_kept_as_text_with_a_warning():
    text = "Ketamine infusion in neuropathic pain\n\nMethods: Ketamine 6 µg/ spin was infused over 2 hours.\n"
    frames = extract_document(make_document(text))
    p = next(a.protocol for a in frames.studies[0].arms if a.protocol)
    kept = [q for q in p.total_dose + p.rate + p.bolus if q.unit is None]
    assert kept and "spin" in kept[0].text and kept[0].normalized_value is None
    assert any("unparseable quantity" in w and "spin" in w for w in frames.warnings)


def test_review_documents_go_to_the_review_extractor(tmp_path: Path):
    assert looks_like_review(make_document("x", title="Ketamine for pain: a systematic review"))
    assert not looks_like_review(make_document("x", title="Ketamine for pain: a randomized trial"))
    path = tmp_path / "review.txt"
    path.write_text(
        "Ketamine Infusions for Neuropathic Pain: A Narrative Review\n\nAbstract\n\n"
        "We reviewed trials of ketamine infusions. Longer infusions were associated with longer relief.\n",
        encoding="utf-8",
    )
    frames = extract_document(read_document(path))
    assert isinstance(frames, DocumentFrames)
    assert frames.kind in ("review", "study_report")


def test_corpus_document_end_to_end():
    path = Path(__file__).resolve().parent.parent / "corpus" / "crps-outpatient-ketamine-rct.txt"
    document = read_document(path)
    frames = extract_document(document)
    study = frames.studies[0]
    protocol = next(a.protocol for a in study.arms if a.protocol)
    assert protocol.drug.id == "ketamine" and protocol.sessions == 10
    assert {c.drug.id for c in protocol.coadministrations} == {"midazolam", "clonidine"}
    for a in study.adverse_effects:
        for ev in a.evidence:
            assert document.text[ev.start:ev.end] == ev.text
