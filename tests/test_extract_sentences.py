"""Rule-based sentence splitting on PDF-extracted clinical text."""

from __future__ import annotations

from kgraph.extract.sentences import split_sentences


def sents(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


def test_plain_sentences_and_offsets():
    text = "Ketamine was infused. Pain decreased!  Did it last? Yes."
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == ["Ketamine was infused.", "Pain decreased!", "Did it last?", "Yes."]
    assert all(text[s:e] == text[s:e].strip() for s, e in spans)


def test_abbreviations_do_not_split():
    text = (
        "Adjuncts (e.g., midazolam) were given, i.e., before infusion. Ketamine vs. placebo was compared as in Fig. 2 "
        "and Ref. 3. Doses were approx. 5 mg. of ketamine. Dr. Smith and No. 5 agreed. Smith et al. (2009) confirmed it."
    )
    assert sents(text) == [
        "Adjuncts (e.g., midazolam) were given, i.e., before infusion.",
        "Ketamine vs. placebo was compared as in Fig. 2 and Ref. 3.",
        "Doses were approx. 5 mg. of ketamine.",
        "Dr. Smith and No. 5 agreed.",
        "Smith et al. (2009) confirmed it.",
    ]


def test_et_al_before_capitalized_word_ends_sentence():
    assert sents("As shown by Smith et al. The result held.") == ["As shown by Smith et al.", "The result held."]


def test_decimals_do_not_split():
    assert sents("The rate was 0.5 mg/kg/h. It rose to 1.5 mg/kg/h.") == [
        "The rate was 0.5 mg/kg/h.",
        "It rose to 1.5 mg/kg/h.",
    ]


def test_unit_at_sentence_end_splits():
    assert sents("Relief lasted 3 d. Patients went home.") == ["Relief lasted 3 d.", "Patients went home."]


def test_citations_stay_with_their_sentence():
    text = "Pain fell.^{3,4} Relief lasted.[5,6] It recurred.³⁴ It fell again.12 Twelve patients left."
    assert sents(text) == ["Pain fell.^{3,4}", "Relief lasted.[5,6]", "It recurred.³⁴", "It fell again.12",
                           "Twelve patients left."]


def test_initials_do_not_split():
    assert sents("Maher DP, Chen L, Mao J. Anesth Analg. J.R. Smith agreed.") == [
        "Maher DP, Chen L, Mao J. Anesth Analg.",
        "J.R. Smith agreed.",
    ]


def test_run_in_labels_become_their_own_sentence():
    text = "ContextAcute pain is common. ObjectiveTo test ketamine. RESULTS Twelve patients completed. Conclusions: It works."
    assert sents(text) == [
        "Context", "Acute pain is common.",
        "Objective", "To test ketamine.",
        "RESULTS", "Twelve patients completed.",
        "Conclusions:", "It works.",
    ]


def test_lost_space_after_period():
    assert sents("Pain decreased.Results were stable.") == ["Pain decreased.", "Results were stable."]


def test_enumerated_cells():
    assert sents("Relief over 1 h.\t1. Pain relief at 1 wk. 2. Relief at 2 wk.") == [
        "Relief over 1 h.", "1. Pain relief at 1 wk.", "2. Relief at 2 wk.",
    ]


def test_blank_line_is_a_boundary():
    assert sents("Table 2 Doses\n\nKetamine was given") == ["Table 2 Doses", "Ketamine was given"]


def test_lower_case_continuation_does_not_split():
    assert sents("The dose was 5 mg. followed by saline.") == ["The dose was 5 mg. followed by saline."]


def test_empty_and_whitespace():
    assert split_sentences("") == []
    assert split_sentences("   \n ") == []
