"""The spaCy pipeline: entities from the vocabularies and lexicons, abbreviations,
quantities, negation, sentences (kgraph.extract.pipeline, kgraph.extract.abbreviations)."""

from __future__ import annotations

import pytest

from kgraph.extract import abbreviations as ab
from kgraph.extract.pipeline import PIPE_ORDER, analyze, analyze_many, get_nlp


@pytest.fixture(scope="module")
def nlp():
    return get_nlp()


def ents(doc, label=None):
    return [(e.text, e.label_, e._.concept_id) for e in doc.ents if label is None or e.label_ == label]


def test_pipeline_is_spacy_blank_with_registered_components(nlp):
    assert nlp.lang == "en"
    assert tuple(nlp.pipe_names) == PIPE_ORDER
    assert get_nlp() is nlp  # cached


def test_vocabulary_entities_with_concepts(nlp):
    doc = analyze("Patients with postherpetic neuralgia received Ketalar and midazolam in the outpatient clinic.", nlp=nlp)
    found = ents(doc)
    assert ("postherpetic neuralgia", "CONDITION", "postherpetic_neuralgia") in found
    assert ("Ketalar", "DRUG", "ketamine") in found  # brand name
    assert ("midazolam", "DRUG", "midazolam") in found
    drug = next(e for e in doc.ents if e.text == "midazolam")
    assert drug._.scheme == "drugs" and drug._.source == "vocab"


def test_matching_is_case_insensitive_for_labels_and_exact_for_abbreviations(nlp):
    upper = analyze("KETAMINE WAS GIVEN FOR POSTHERPETIC NEURALGIA.", nlp=nlp)
    assert ("KETAMINE", "DRUG", "ketamine") in ents(upper)
    assert ("POSTHERPETIC NEURALGIA", "CONDITION", "postherpetic_neuralgia") in ents(upper)
    abbreviation = analyze("Twelve patients with PHN were treated.", nlp=nlp)
    assert ("PHN", "CONDITION", "postherpetic_neuralgia") in ents(abbreviation)
    lowercase = analyze("the phn of the signal was measured.", nlp=nlp)
    assert not [e for e in lowercase.ents if e.text == "phn"]


def test_broad_lexicon_finds_drugs_outside_the_vocabulary_at_lower_priority(nlp):
    doc = analyze("Patients also took atorvastatin and ketamine.", nlp=nlp)
    atorva = next(e for e in doc.ents if e.text == "atorvastatin")
    assert atorva.label_ == "DRUG" and atorva._.source == "lexicon"
    assert atorva._.concept_id.startswith("drugbank:")
    ket = next(e for e in doc.ents if e.text == "ketamine")
    assert ket._.source == "vocab"


def test_abbreviation_defined_in_text_links_later_short_forms(nlp):
    text = ("We enrolled patients with a chronic widespread allodynic syndrome of the hand (CWASH). "
            "Ketamine reduced pain in CWASH within a week.")
    doc = analyze(text, nlp=nlp)
    assert doc._.abbreviations["CWASH"].startswith("chronic widespread")
    # the long form is no vocabulary concept, so the short form gets none either
    assert not [e for e in doc.ents if e.text == "CWASH"]
    doc2 = analyze("Sciatica and complex regional pain syndrome (CRPS) were studied. CRPS responded best.", nlp=nlp)
    crps = [e for e in doc2.ents if e.text == "CRPS"]
    assert crps and all(e._.concept_id == "complex_regional_pain_syndrome" for e in crps)


def test_document_definition_overrides_another_reading_of_the_short_form(nlp):
    text = "Pain was rated with the visual analog scale (VAS) and the Borg vascular scale (BVS). The VAS fell."
    doc = analyze(text, nlp=nlp)
    vas = [e for e in doc.ents if e.text == "VAS"]
    assert vas and all(e._.concept_id == "visual_analog_scale" for e in vas)


def test_given_footnote_abbreviations_apply(nlp):
    footnote = "Abbreviations: PHN, postherpetic neuralgia; NRS, numerical rating scale."
    mapping = ab.parse_footnote(footnote)
    assert mapping == {"PHN": "postherpetic neuralgia", "NRS": "numerical rating scale"}
    doc = analyze("Relief of PHN for 2 wk", abbreviations=mapping, nlp=nlp)
    assert doc._.abbreviations["PHN"] == "postherpetic neuralgia"
    assert ("PHN", "CONDITION", "postherpetic_neuralgia") in ents(doc)


def test_schwartz_hearst_definitions():
    text = ("Ketamine was studied in complex regional pain syndrome (CRPS) and the McGill Pain Questionnaire (MPQ; "
            "short form) was used; magnesium (Mg) too.")
    found = {d.short: d.long for d in ab.find_definitions(text)}
    assert found["CRPS"] == "complex regional pain syndrome"
    assert found["MPQ"] == "McGill Pain Questionnaire"
    for d in ab.find_definitions(text):
        assert text[d.short_start:d.short_end] == d.short
        assert text[d.long_start:d.long_end] == d.long
    assert ab.find_definitions("The dose (range 1-2 mg) was low.") == []
    assert ab.best_long_form("VAS", "the visual analog scale") == 4


def test_quantities_are_on_the_doc_with_token_spans(nlp):
    text = "Ketamine was infused at 0.1-0.5 mg/kg/h over 4 h, and midazolam 2 mg was given."
    doc = analyze(text, nlp=nlp)
    found = {m.quantity.text: m for m in doc._.quantities}
    assert "0.1-0.5 mg/kg/h" in found
    rate = found["0.1-0.5 mg/kg/h"].quantity
    assert rate.kind == "rate" and rate.normalized_unit == "mg/kg/h"
    assert str(rate.normalized_low) == "0.1" and str(rate.normalized_high) == "0.5"
    for m in doc._.quantities:
        assert text[m.start:m.end] == m.quantity.text
        assert m.span is not None and m.span.start_char <= m.start and m.span.end_char >= m.end


@pytest.mark.parametrize(
    "sentence, effect, negated",
    [
        ("No patient experienced hallucinations.", "hallucinations", True),
        ("Hallucinations were not observed.", "Hallucinations", True),
        ("Nausea occurred in 3 of 20 patients.", "Nausea", False),
        ("None of the patients reported dizziness.", "dizziness", True),
        ("Dizziness (21%) and nausea (25%) were common.", "Dizziness", False),
    ],
)
def test_negation_of_side_effects(nlp, sentence, effect, negated):
    doc = analyze(sentence, nlp=nlp)
    ent = next(e for e in doc.ents if e.text == effect)
    assert ent._.negated is negated
    if negated:
        assert ent._.negation_cue


def test_sentences_survive_decimals_and_abbreviations(nlp):
    doc = analyze("The rate was 0.15 mg/kg/h, i.e. low. Pain fell by 2.5 points vs. placebo. Relief lasted 3 h.", nlp=nlp)
    sents = [s.text.strip() for s in doc.sents]
    assert len(sents) == 3
    assert sents[0].startswith("The rate was 0.15")


def test_nlp_pipe_and_analyze_many(nlp):
    texts = ["Ketamine 0.5 mg/kg was given.", "No patient vomited.", ""]
    docs = list(analyze_many(texts, nlp=nlp))
    assert len(docs) == 3
    assert ents(docs[0], "DRUG") == [("Ketamine", "DRUG", "ketamine")]
    assert docs[0]._.quantities and docs[2]._.quantities == []
    assert [d.text for d in nlp.pipe(texts)] == texts
