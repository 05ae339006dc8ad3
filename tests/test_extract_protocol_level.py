"""Protocol-level assembly rules, checked on short reports written for this test.

Each case words a general rule of trial reports (which drug is studied, what an adjunct is,
which duration is the infusion's, what counts as relief, an outcome or a side effect). No
sentence is copied from the corpus, the held-out set or the seed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kgraph.extract import extract_document
from kgraph.parse.model import Document


def study_of(text: str):
    frames = extract_document(Document(source="protocol-level.txt", sha256="3" * 64, text=text))
    assert frames.studies, frames.warnings
    return frames.studies[0]


def report(methods: str, results: str = "Pain scores fell.", title: str = "Intravenous Lidocaine for Painful Polyneuropathy: A Randomized Trial"):
    return study_of(f"{title}\n\nAbstract\n\nMethods: {methods}\n\nResults: {results}\n")


def protocol(study):
    return next(a.protocol for a in study.arms if a.protocol is not None)


# 1. the studied drug comes from the document -------------------------------------------------

def test_studied_drug_is_the_one_the_document_gives_not_a_builtin_preference(monkeypatch):
    monkeypatch.delenv("KGRAPH_FOCUS_DRUGS", raising=False)
    study = report("Forty adults were randomized to lidocaine 3 mg/kg over 45 min or ketamine 0.3 mg/kg over 45 min. "
                   "Lidocaine was prepared by the pharmacy and lidocaine levels were measured.",
                   title="Intravenous Lidocaine Compared With Ketamine for Painful Polyneuropathy")
    assert protocol(study).drug.id == "lidocaine"
    assert [c.drug.id for c in study.comparators if c.drug] == ["ketamine"]


def test_focus_override_from_the_environment_still_works(monkeypatch):
    monkeypatch.setenv("KGRAPH_FOCUS_DRUGS", "ketamine")
    study = report("Forty adults were randomized to lidocaine 3 mg/kg over 45 min or ketamine 0.3 mg/kg over 45 min.",
                   title="Intravenous Lidocaine Compared With Ketamine for Painful Polyneuropathy")
    assert protocol(study).drug.id == "ketamine"


@pytest.mark.parametrize("sentence", [
    "Students were asked about their use of cannabis, ecstasy, ketamine and cocaine in the previous month.",
    "Self-reported recreational substances (ketamine, amphetamine) were recorded at baseline.",
])
def test_a_drug_only_asked_about_in_a_survey_is_not_studied(sentence):
    study = study_of("A Web-Based Alcohol Programme for Students: A Randomised Trial\n\nAbstract\n\n"
                     f"Methods: We randomised 900 students to an online programme or usual care. {sentence}\n\n"
                     "Results: Weekly alcohol units fell in both groups.\n")
    assert not any(a.protocol for a in study.arms)


# 2. results that name no drug; consumption outcomes ---------------------------------------------

def test_results_sentence_without_a_drug_reports_on_the_studied_drug():
    study = report("Twenty patients received lidocaine at 1.5 mg/kg/h, titrated to 3 mg/kg/h. "
                   "Ondansetron 4 mg was given to prevent nausea.",
                   results="Nausea was treated with ondansetron in two patients. The mean rate over the final day was 2.4 ± 0.3 mg/kg/h.")
    p = protocol(study)
    assert "2.4 ± 0.3 mg/kg/h" in [q.text for q in p.rate]
    ondansetron = next(c for c in p.coadministrations if c.drug.id == "ondansetron")
    assert all(q.value != Decimal("2.4") for q in ondansetron.doses)


def test_consumption_of_a_prn_drug_is_an_outcome_not_its_dose():
    study = report("Sixty patients were randomized to lidocaine 1.5 mg/kg/h or saline. Morphine 2 mg IV was available as needed. "
                   "Patients given lidocaine used less morphine over 48 h (median 8 vs 14 mg).")
    morphine = next(c for c in protocol(study).coadministrations if c.drug.id == "morphine")
    assert [q.value for q in morphine.doses] == [Decimal(2)]


# 3. adjuncts beyond "with ..."; placebo only as a phenomenon -------------------------------------

@pytest.mark.parametrize("adjunct_sentence", [
    "Midazolam 0.5 mg/h was run throughout.",
    "Each session began with midazolam 1 mg IV; lidocaine was then infused.",
])
def test_adjunct_as_its_own_subject_or_premedication(adjunct_sentence):
    study = report(f"Twenty patients received lidocaine 2 mg/kg/h for 4 hours. {adjunct_sentence}")
    assert [c.drug.id for c in protocol(study).coadministrations] == ["midazolam"]


def test_placebo_named_as_a_phenomenon_makes_no_arm():
    study = study_of("Intravenous Lidocaine for Painful Polyneuropathy\n\n"
                     "A 61-year-old man received lidocaine 2 mg/kg/h for 4 hours on three occasions. "
                     "His pain fell from 8 to 3. Placebo responses in neuropathic pain are large, so caution is needed.\n")
    assert all(c.kind != "placebo" for c in study.comparators)


# 4. durations that are not the infusion's -------------------------------------------------------

def test_loading_dose_time_is_not_the_infusion_duration():
    study = report("Lidocaine was given as a loading dose of 1.5 mg.kg-1 over 10 min, followed by an infusion of "
                   "2 mg.kg-1.h-1 for 90 min, in 24 patients.")
    assert [q.text for q in protocol(study).infusion_duration] == ["90 min"]


def test_reported_infusion_duration_with_a_statistic_word():
    study = report("Thirty ventilated adults received lidocaine at 1 mg/kg/h.",
                   results="The mean lidocaine rate was 1.2 mg/kg/h, and the infusion lasted a median of 20 h (range 9-40 h).")
    assert "20 h" in " ".join(q.text for q in protocol(study).infusion_duration)


# 4/5. relief durations ------------------------------------------------------------------------------

@pytest.mark.parametrize("results,hours", [
    ("Pain was lower than with saline at 3 weeks but not at 5 and 6 weeks.", Decimal(3 * 168)),
    ("Pain intensity was reduced at every visit up to and including week 5, and no longer at week 9.", Decimal(5 * 168)),
    ("Mean pain scores were still lower than baseline at 2 months.", Decimal("1461")),
    ("Patients described relief lasting at least 2 months.", Decimal("1461")),
])
def test_relief_duration_phrasings(results, hours):
    study = report("Thirty adults received lidocaine 3 mg/kg over 1 h or saline.", results=results)
    reliefs = [o.relief_duration for o in study.outcomes if o.relief_duration is not None]
    assert reliefs and reliefs[0].normalized_value == hours


@pytest.mark.parametrize("text", [
    ("Methods: Thirty adults with pain persisting for more than 9 months were randomized to lidocaine 3 mg/kg over 1 h or saline.\n\n"
     "Results: Pain scores fell in both groups."),
    ("Methods: Thirty adults were randomized to lidocaine 3 mg/kg over 1 h or saline after bowel surgery.\n\n"
     "Results: Pain scores were lower with lidocaine, and first flatus occurred earlier (median 30 vs 47 h; P=0.01)."),
])
def test_disease_duration_and_time_to_event_are_not_relief(text):
    study = study_of(f"Intravenous Lidocaine for Pain: A Randomized Trial\n\nAbstract\n\n{text}\n")
    assert all(o.relief_duration is None for o in study.outcomes)


# 6. outcomes --------------------------------------------------------------------------------------

def test_outcome_precision_eligibility_vitals_constructs_and_primary_by_position():
    study = report("Thirty adults with a DN4 score of 4 or more received lidocaine 3 mg/kg over 1 h or saline. "
                   "Heart rate and blood pressure were recorded every 10 minutes. "
                   "The primary outcome was pain on the NRS; secondary outcomes were quality of life and sleep quality.",
                   results="Spontaneous pain (NRS) decreased with lidocaine.")
    ids = {o.measure.id: bool(o.primary) for o in study.outcomes if o.measure}
    assert ids == {"numerical_rating_scale": True, "quality_of_life": False, "sleep_quality": False}


def test_survey_response_rate_is_not_a_responder_rate():
    study = report("Thirty adults received lidocaine 3 mg/kg over 1 h or saline. The NRS was the primary outcome. "
                   "We assumed a 50% response rate to the email invitation.")
    assert "responder_rate" not in {o.measure.id for o in study.outcomes if o.measure}


# 7. side effects ------------------------------------------------------------------------------------

@pytest.mark.parametrize("sentence,effect", [
    ("There were no adverse events.", "adverse_event"),
    ("No side effects were seen in either group.", "adverse_event"),
])
def test_no_adverse_events_is_a_negated_general_finding(sentence, effect):
    study = report("Thirty adults received lidocaine 3 mg/kg over 1 h or saline.", results=f"Pain fell. {sentence}")
    assert [(e.effect.id, e.negated) for e in study.adverse_effects] == [(effect, True)]


def test_general_negation_gives_way_to_named_effects():
    study = report("Thirty adults received lidocaine 3 mg/kg over 1 h or saline.",
                   results="Pain fell. Side effects: none. No dizziness or tinnitus was recorded.")
    assert {e.effect.id for e in study.adverse_effects} == {"dizziness", "tinnitus"}


def test_reason_for_a_missed_visit_is_not_a_side_effect():
    study = report("Thirty adults received lidocaine 3 mg/kg over 1 h or saline.",
                   results="Pain fell. Three participants missed a visit because of forgetfulness. Nausea occurred in 2 patients.")
    assert [e.effect.id for e in study.adverse_effects] == ["nausea"]


# 8. usual care as the control -----------------------------------------------------------------------

@pytest.mark.parametrize("methods", [
    "Forty adults were randomized to lidocaine 3 mg/kg over 1 h or usual care.",
    "Forty adults were randomized; the control group received standard care.",
])
def test_usual_care_is_a_comparator(methods):
    study = report(methods)
    assert [c.kind for c in study.comparators] == ["usual_care"]


def test_background_usual_care_is_not_a_comparator():
    study = report("Forty adults received lidocaine 3 mg/kg over 1 h in addition to usual care.")
    assert all(c.kind != "usual_care" for c in study.comparators)


def test_consumption_named_by_the_drug_is_an_opioid_consumption_outcome():
    study = report("Sixty patients were randomized to lidocaine 1.5 mg/kg/h or saline. Morphine 2 mg IV was available as needed.",
                   results="Patients given lidocaine needed less morphine on the first day (median 5 vs 9 mg; P = 0.01).")
    assert "opioid_consumption" in {o.measure.id for o in study.outcomes if o.measure}


def test_route_stated_once_for_the_drug_and_its_placebo():
    study = report("Racemic lidocaine 2 mg/kg or an equal volume of saline was infused intravenously over 30 min in 20 patients.")
    assert protocol(study).route == "intravenous"


def test_an_assessment_frequency_is_not_the_infusion_schedule():
    study = study_of("Dexmedetomidine Versus Propofol for ICU Sedation: A Randomized Trial\n\nAbstract\n\n"
                     "Methods: Eighty ventilated adults were randomized to dexmedetomidine 0.5 mcg/kg/h or propofol 20 mcg/kg/min. "
                     "Delirium, assessed twice daily with a validated tool, was the primary outcome.\n\n"
                     "Results: The infusion lasted a median of 16 h (range 5-30 h). Delirium occurred in 10 patients.\n")
    p = protocol(study)
    assert p.schedule is None and p.sessions == 1
    assert "16 h" in [q.text for q in p.infusion_duration]


def test_head_to_head_trial_studies_the_arm_listed_first_where_patients_are_allocated(monkeypatch):
    monkeypatch.delenv("KGRAPH_FOCUS_DRUGS", raising=False)
    study = study_of("Magnesium or Lidocaine Infusions for Refractory Migraine\n\nAbstract\n\n"
                     "Methods: Fifty adults received either lidocaine 1.5 mg/kg or magnesium sulfate 1 g, each over 30 min.\n\n"
                     "Results: Headache scores fell with both lidocaine and magnesium sulfate.\n")
    assert protocol(study).drug.id == "lidocaine"
    assert [c.drug.id for c in study.comparators if c.drug] == ["magnesium_sulfate"]


def test_a_background_drug_named_often_is_not_the_studied_drug():
    study = study_of("Intravenous Lidocaine for Cancer Pain Poorly Controlled by Morphine\n\nAbstract\n\n"
                     "Methods: Twelve patients with pain not controlled by morphine were randomized to lidocaine 2 mg/kg or saline, "
                     "each over 30 minutes. Oral morphine was continued; morphine rescue doses were recorded.\n\n"
                     "Results: Pain fell after lidocaine; morphine use did not change.\n")
    assert protocol(study).drug.id == "lidocaine"


def test_effect_of_earlier_failed_drugs_is_not_a_side_effect():
    study = report("A 60-year-old man received lidocaine 2 mg/kg over 1 h.",
                   results="Pain fell. Gabapentin and amitriptyline had each failed or caused intolerable drowsiness before referral. "
                           "He reported mild dizziness.")
    assert [e.effect.id for e in study.adverse_effects] == ["dizziness"]


def test_reminders_to_non_responders_are_about_survey_response():
    study = report("Thirty adults received lidocaine 3 mg/kg over 1 h or saline. The NRS was the primary outcome. "
                   "Non-responders were sent email reminders to maximise response rates.")
    assert "responder_rate" not in {o.measure.id for o in study.outcomes if o.measure}


def test_a_lab_reagent_is_not_a_studied_drug():
    frames = extract_document(Document(source="lab.txt", sha256="4" * 64, text=(
        "Design of Selective Enzyme Inhibitors\n\nMethods: The enzyme was incubated in 50 mM Hepes, pH 7.5, with the "
        "substrate for 5 min; 2 mg of inhibitor was dissolved in buffer.\n\nResults: Binding constants were measured.\n")))
    assert not any(a.protocol for st in frames.studies for a in st.arms)
