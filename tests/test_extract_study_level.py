"""Study-level facts (design, n, setting, conditions, evidence) on short texts written for
this test. Each checks a general rule with its own wording; no sentence comes from the
corpus, the held-out set or the seed."""

from __future__ import annotations

import hashlib

import pytest

from kgraph.extract import extract_document
from kgraph.extract.assemble import _label_role
from kgraph.parse.text_reader import read_text


def frames_of(text: str):
    data = text.encode("utf-8")
    doc = read_text("study.txt", data, hashlib.sha256(data).hexdigest())
    return extract_document(doc)


def study_of(text: str):
    frames = frames_of(text)
    assert frames.studies, frames.warnings
    return frames.studies[0]


@pytest.mark.parametrize(
    "label,role",
    [
        ("CONTEXT: Opioid use is rising.", "background"),
        ("Objective To compare two doses.", "background"),
        ("Design, Setting, and Participants Multicentre trial in 12 clinics.", "methods"),
        ("Interventions Patients received one of two doses.", "methods"),
        ("Main Outcome Measures Pain at 6 weeks.", "methods"),
        ("MEASUREMENTS AND MAIN RESULTS: Two patients had bradycardia.", "results"),
        ("AND MAIN RESULTS: Two patients had bradycardia.", "results"),
        ("ResultsAll participants finished.", "results"),
        ("CONCLUSIONS AND RELEVANCE: The dose was safe.", "conclusions"),
        ("Results of earlier trials were mixed.", None),
        ("Patients were given a diary.", None),
    ],
)
def test_structured_abstract_labels_map_to_roles(label, role):
    assert _label_role(label) == role


def test_results_under_a_combined_measurements_label_are_results():
    study = study_of(
        "Dexmedetomidine for sedation after heart surgery: a randomized trial\n\n"
        "DESIGN: Randomized controlled trial.\n\n"
        "PATIENTS: Ninety adults after valve surgery.\n\n"
        "INTERVENTIONS: Dexmedetomidine 0.5 μg/kg/h or propofol.\n\n"
        "MEASUREMENTS AND MAIN RESULTS: Bradycardia occurred in 6 patients given dexmedetomidine.\n"
    )
    assert "bradycardia" in {a.effect.id for a in study.adverse_effects}


@pytest.mark.parametrize(
    "text",
    [
        "Ketamine note\n\nKetamine 0.3 mg/kg was given.\n\nIt helped.\n",
        "Lidocaine for pain\n\nResults: The numeric rating scale fell after lidocaine 1.5 mg/kg.\n",
    ],
)
def test_a_study_kept_for_a_drug_or_outcome_has_evidence(text):
    study = study_of(text)
    assert study.evidence and all(e.text for e in study.evidence)


def test_a_study_without_drug_keeps_its_n_and_setting():
    study = study_of(
        "Waiting times in a district hospital\n\n"
        "Methods: We interviewed 120 outpatients at the medical outpatient clinic after their visit.\n"
    )
    assert study.n == 120
    assert study.setting is not None and study.setting.id == "outpatient"


@pytest.mark.parametrize(
    "methods,n",
    [
        ("We randomized 820 pupils to the app or usual teaching. Each focus group included eight pupils.", 820),
        ("Participants: 312 participants were enrolled. Each group included ten participants in the interviews.", 312),
        ("In total 640 smokers were randomized. The per-protocol population comprised 402 smokers.", 640),
        ("We enrolled 275 pregnant women in four clinics.", 275),
        ("A total of 96 residents of nursing homes were included.", 96),
    ],
)
def test_sample_size_prefers_the_randomized_total_over_subsets(methods, n):
    study = study_of(f"A trial in the community\n\nMethods: {methods}\n\nResults: Outcomes improved.\n")
    assert study.n == n


def test_per_group_count_is_multiplied_only_by_a_known_number_of_groups():
    known = study_of(
        "Ketamine or placebo for burn pain\n\nMethods: Patients were randomized to ketamine 0.2 mg/kg/h or saline "
        "placebo (n = 25 per group).\n"
    )
    assert known.n == 50
    stated = study_of(
        "Three ketamine doses for burn pain\n\nMethods: Patients were randomized to three groups of ketamine "
        "(n = 20 per group).\n"
    )
    assert stated.n == 60


def test_one_patient_report_is_a_case_report_with_n_1():
    study = study_of(
        "Ketamine infusion for pain in a man with spinal cord injury\n\n"
        "To the Editor: A 52-year-old man with a spinal cord injury had burning pain. "
        "He received ketamine 0.2 mg/kg/h for 4 hours. His pain fell by half.\n"
    )
    assert study.design is not None and study.design.id == "case_report"
    assert study.n == 1


def test_a_case_series_is_not_a_case_report():
    study = study_of(
        "Ketamine for cluster headache: a case series\n\n"
        "We describe 6 patients with cluster headache given ketamine. A 40-year-old man responded first.\n"
    )
    assert study.design is None or study.design.id != "case_report"
    assert study.n != 1


def test_cluster_randomized_design_is_kept():
    study = study_of(
        "A school exercise programme: a cluster randomised controlled trial\n\n"
        "Methods: In this cluster randomised controlled trial, 16 schools and 1,200 pupils were randomized "
        "to the programme or usual care.\n"
    )
    assert study.design is not None and study.design.id == "cluster_randomized_trial"


def test_emergency_department_from_the_objective_and_a_plural_abbreviation():
    base = ("Haloperidol for acute headache: a randomized trial\n\n"
            "Objective: To compare haloperidol with metoclopramide for adults treated in the emergency department.\n\n"
            "Methods: We randomized 90 adults to haloperidol 5 mg or metoclopramide 10 mg.\n")
    assert study_of(base).setting.id == "emergency_department"
    plural = ("Haloperidol for acute headache: a randomized trial\n\n"
              "Methods: We randomized 90 adults attending three EDs to haloperidol 5 mg or metoclopramide 10 mg.\n")
    assert study_of(plural).setting.id == "emergency_department"


def test_affiliations_give_no_condition():
    study = study_of(
        "Ketamine infusion for phantom limb pain\n\nAnne Field1, Omar Haddad2\n\n"
        "1 Diabetes Research Centre, University of Exampleton, UK\n\n"
        "2 Department of Cancer Sciences, Example University Hospital, UK\n\n"
        "Abstract\n\nMethods: Twenty amputees with phantom limb pain received ketamine 0.4 mg/kg over 1 hour.\n"
    )
    ids = {c.id for c in study.conditions}
    assert "phantom_limb_pain" in ids
    assert not any("cancer" in i or "diabet" in i for i in ids)
    assert study.key.startswith("field-")


def test_home_as_a_modifier_is_no_setting():
    study = study_of(
        "Exercise for hip pain: a randomized trial\n\nMethods: We randomized 64 adults with hip pain to a home "
        "exercise programme or usual care; all had home Internet access.\n\nResults: Pain fell.\n"
    )
    assert study.setting is None
