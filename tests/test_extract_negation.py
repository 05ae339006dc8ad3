"""Negation and hedging of mentions in trial-report sentences: each form, in and out of scope."""

from __future__ import annotations

import pytest

from kgraph.extract.negation import CUES_FILE, assess, reload_cues


def judge(sentence: str, mention: str):
    i = sentence.index(mention)
    return assess(sentence, i, i + len(mention))


NEGATED = [
    ("None.", "None"),
    ("None reported", "None reported"),
    ("No side effects.", "side effects"),
    ("No patient experienced hallucinations.", "hallucinations"),
    ("No patients experienced hallucinations or dysphoria.", "dysphoria"),
    ("no hallucinations or dysphoria were reported", "hallucinations"),
    ("no hallucinations or dysphoria were reported", "dysphoria"),
    ("No hallucinations, dysphoria, or nausea were reported.", "nausea"),
    ("Hallucinations were not observed.", "Hallucinations"),
    ("Psychomimetic effects were not seen in any patient.", "Psychomimetic effects"),
    ("Patients did not report nausea or dizziness.", "dizziness"),
    ("There was an absence of sedation.", "sedation"),
    ("The infusion was completed without nausea.", "nausea"),
    ("All patients were free of hallucinations.", "hallucinations"),
    ("Patients denied hallucinations.", "hallucinations"),
    ("There were no significant side effects.", "side effects"),
    ("None of the patients developed hypertension.", "hypertension"),
    ("Neither hallucinations nor dysphoria occurred.", "hallucinations"),
    ("Neither hallucinations nor dysphoria occurred.", "dysphoria"),
    ("Zero patients reported nausea.", "nausea"),
    ("Hallucinations occurred in 0/20 patients.", "Hallucinations"),
    ("0/20 patients had hallucinations.", "hallucinations"),
    ("Nausea: none.", "Nausea"),
    ("Vomiting did not occur.", "Vomiting"),
    ("Dysphoria was reported by none of the patients.", "Dysphoria"),
    # generic safety statements
    ("There were no serious adverse events.", "adverse events"),
    ("No serious adverse events were reported.", "serious adverse events"),
    ("There was no evidence of harm.", "harm"),
    ("All infusions were completed without any adverse events.", "adverse events"),
    # "none of the X reported Y", any group noun, with a relative clause naming the group
    ("None of the women reported dizziness.", "dizziness"),
    ("None of the adolescents reported dizziness or vomiting.", "vomiting"),
    ("None of the children who received ketamine reported nausea.", "nausea"),
    ("None of the participants who underwent the infusion experienced hallucinations.", "hallucinations"),
    ("No women reported dizziness.", "dizziness"),
    # examples listed in a parenthesis share the negation of the phrase they list
    ("No serious adverse effects of exercise (including syncope, chest pain, shortness of breath, "
     "vaginal bleeding or miscarriage) were identified.", "miscarriage"),
    ("Adverse effects (e.g. nausea, dizziness, headache, vomiting or blurred vision) were not observed.", "vomiting"),
]


@pytest.mark.parametrize("sentence, mention", NEGATED)
def test_negated(sentence, mention):
    negated, hedged, cue = judge(sentence, mention)
    assert negated and cue, (sentence, mention)
    assert not hedged


@pytest.mark.parametrize(
    "sentence, mention, cue",
    [
        ("No patient experienced hallucinations.", "hallucinations", "No patient"),
        ("Hallucinations were not observed.", "Hallucinations", "were not observed"),
        ("Patients did not report nausea.", "nausea", "did not report"),
        ("None.", "None", "None"),
    ],
)
def test_cue_is_returned_as_written(sentence, mention, cue):
    assert judge(sentence, mention)[2] == cue


NOT_NEGATED = [
    # pseudo-negation
    ("The difference was no longer significant at 12 weeks.", "significant"),
    ("Ketamine not only reduced pain but also caused nausea.", "nausea"),
    ("There was no increase in pain during the infusion, but nausea occurred.", "pain"),
    ("The rate was not exceeding 25 mg/h and nausea occurred.", "nausea"),
    # scope ends at but ; however although except other than because
    ("There was no increase in pain during the infusion, but nausea occurred.", "nausea"),
    ("No hallucinations were observed; nausea occurred in 3 patients.", "nausea"),
    ("No hallucinations were seen, however dizziness was frequent.", "dizziness"),
    ("No serious events occurred, although headache was common.", "headache"),
    ("No side effects except nausea were reported.", "nausea"),
    ("No side effects other than mild nausea were reported.", "nausea"),
    ("No patients withdrew because of hallucinations.", "hallucinations"),
    # scope ends at an occurrence verb or a new clause
    ("No hallucinations were observed, and the patients had nausea.", "nausea"),
    ("Ketamine was not superior to placebo, and hallucinations were common.", "hallucinations"),
    ("Nausea occurred in 3 patients, none had hallucinations.", "Nausea"),
    # affirmed, or unknown
    ("Side effects were mild: nausea in 3 patients.", "nausea"),
    ("Five of 10 patients reported dizziness.", "dizziness"),
    ("Not reported", "Not reported"),
    # a relative clause that states the finding is not part of a negated subject
    ("None of the patients who had nausea withdrew.", "nausea"),
    # examples of an affirmed phrase stay affirmed
    ("Adverse effects (including syncope, chest pain, shortness of breath, vaginal bleeding or miscarriage) "
     "were common.", "miscarriage"),
    ("No hallucinations were seen (but nausea, dizziness and vomiting occurred).", "vomiting"),
]


@pytest.mark.parametrize("sentence, mention", NOT_NEGATED)
def test_not_negated(sentence, mention):
    negated, _, _ = judge(sentence, mention)
    assert not negated, (sentence, mention)


@pytest.mark.parametrize(
    "sentence, mention, cue",
    [
        ("Nausea may have been related to ketamine.", "Nausea", "may"),
        ("Hallucinations might be due to the bolus.", "Hallucinations", "might"),
        ("Dizziness was possibly due to the infusion.", "Dizziness", "possibly"),
        ("The headache was probably caused by the drug.", "headache", "probably"),
        ("Nausea was suspected to be drug related.", "Nausea", "suspected"),
        ("Hallucinations could be related to the drug.", "Hallucinations", "could be"),
        ("It is unclear whether the headache was caused by ketamine.", "headache", "unclear whether"),
    ],
)
def test_hedged(sentence, mention, cue):
    negated, hedged, got = judge(sentence, mention)
    assert hedged and not negated and got == cue


def test_month_may_is_not_a_hedge():
    assert judge("Nausea was recorded in May 2009.", "Nausea") == (False, False, None)


def test_hedge_scope_ends_at_terminator():
    assert judge("Nausea occurred; the cause may be the bolus.", "Nausea")[1] is False


def test_plain_mention():
    assert judge("Hallucinations occurred in 6 of 30 patients.", "Hallucinations") == (False, False, None)


def test_bad_span_is_rejected():
    with pytest.raises(ValueError):
        assess("Nausea.", 3, 99)


def test_user_can_add_a_cue(tmp_path):
    extra = tmp_path / "cues.yaml"
    extra.write_text(CUES_FILE.read_text(encoding="utf-8").replace("pre_negation:\n", "pre_negation:\n  - 'kein'\n"))
    try:
        assert judge("kein Erbrechen", "Erbrechen")[0] is False
        reload_cues(extra)
        assert judge("kein Erbrechen", "Erbrechen") == (True, False, "kein")
    finally:
        reload_cues()


def test_long_sentence_window_does_not_cut_words():
    filler = "x" * 150
    sentence = f"The casino{filler} hallucinations were frequent"
    assert judge(sentence, "hallucinations")[0] is False
    sentence = "no " + "word " * 40 + "hallucinations occurred"
    assert judge(sentence, "hallucinations")[0] is False  # beyond any cue's reach


def test_cue_prefilter_keeps_results():
    """Sentences without any cue are answered by the prefilter: same result as the full rules."""
    plain = "Hallucinations occurred in 6 of 30 patients after the 0.5 mg/kg infusion."
    assert judge(plain, "Hallucinations") == (False, False, None)
    # a cue far outside the mention's window does not change that
    far = "No patient withdrew. " + "word " * 60 + plain
    assert judge(far, "Hallucinations") == (False, False, None)
    # and the same sentence text with a cue near the mention is assessed in full
    assert judge("No hallucinations occurred in 6 of 30 patients.", "hallucinations")[0] is True
