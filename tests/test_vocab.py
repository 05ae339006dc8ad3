"""The SKOS vocabularies in ontology/vocab/ and the lexicon layer in kgraph.vocab."""

from __future__ import annotations

import bz2
import importlib.util
import pickle
import re
import shutil
from collections import defaultdict
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SKOS

from kgraph.config import VOCAB_DIR
from kgraph.errors import InputError
from kgraph.rdf.namespaces import DRUGBANK, KG, MESH, VOCAB, concept_iri
from kgraph.vocab import (
    Term,
    broad_condition_lexicon,
    broad_drug_lexicon,
    load_vocabularies,
    normalize_surface,
    surface_variants,
    vocab_graph,
)

CORE_SCHEMES = {
    "drugs": "Drug",
    "conditions": "Condition",
    "outcomes": "OutcomeMeasure",
    "adverse_effects": "AdverseEffectType",
    "settings": "Setting",
    "designs": "StudyDesign",
}
VOCAB_FILES = sorted(VOCAB_DIR.glob("*.ttl"))

# Surface forms deliberately shared across schemes: an isomer name is both the drug and its form,
# and a few words are both a condition and an adverse effect ("hypertension": the indication, or a
# rise in blood pressure during treatment). The two concepts of a dual role are skos:related.
CROSS_SCHEME_SHARED = {("drugs", "forms"), ("adverse_effects", "conditions")}


@pytest.fixture(scope="module")
def vocab():
    return load_vocabularies()


@pytest.fixture(scope="module")
def drug_package_data() -> dict:
    """The drug package's own dictionary, read directly (the reference the tests check against)."""
    spec = importlib.util.find_spec("drug_named_entity_recognition")
    path = Path(next(iter(spec.submodule_search_locations))) / "drug_ner_dictionary.pkl.bz2"
    with bz2.open(path, "rb") as handle:
        return pickle.load(handle)


# --- files ---------------------------------------------------------------------------------------


def test_core_and_extra_vocabulary_files_exist():
    names = {p.stem for p in VOCAB_FILES}
    assert set(CORE_SCHEMES) | {"routes", "forms"} <= names


@pytest.mark.parametrize("path", VOCAB_FILES, ids=lambda p: p.name)
def test_file_parses_with_two_independent_parsers(path):
    rdflib_graph = Graph().parse(path, format="turtle")
    oxigraph_triples = list(pyoxigraph.parse(path.read_bytes(), format=pyoxigraph.RdfFormat.TURTLE))
    assert len(rdflib_graph) == len(oxigraph_triples) > 0


@pytest.mark.parametrize("path", VOCAB_FILES, ids=lambda p: p.name)
def test_every_concept_has_one_pref_label_and_its_scheme(path):
    graph = Graph().parse(path, format="turtle")
    (scheme,) = graph.subjects(RDF.type, SKOS.ConceptScheme)
    assert str(scheme) == str(VOCAB[path.stem])
    concepts = set(graph.subjects(RDF.type, SKOS.Concept))
    assert concepts
    for concept in concepts:
        labels = [o for o in graph.objects(concept, SKOS.prefLabel) if o.language == "en"]
        assert len(labels) == 1, concept
        assert (concept, SKOS.inScheme, scheme) in graph, concept
        assert str(concept).startswith(f"{VOCAB}{path.stem}/"), concept


def test_schemes_carry_their_neo4j_labels(vocab):
    for name, label in CORE_SCHEMES.items():
        assert vocab[name].neo4j_label == label


def test_ids_are_snake_case_and_match_concept_iri(vocab):
    for scheme in vocab:
        for concept in scheme:
            assert re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", concept.id), concept.id
            assert concept.iri == str(concept_iri(scheme.name, concept.id))


def test_pref_labels_are_unique_per_scheme(vocab):
    for scheme in vocab:
        seen = defaultdict(list)
        for concept in scheme:
            seen[normalize_surface(concept.pref_label)].append(concept.id)
        assert not {k: v for k, v in seen.items() if len(v) > 1}, scheme.name


def test_no_surface_form_names_two_concepts_in_one_scheme(vocab):
    owners = defaultdict(set)
    for term in vocab.terms():
        key = term.text if term.is_abbreviation else normalize_surface(term.text)
        owners[(term.scheme, key, term.is_abbreviation)].add(term.concept_id)
    clashes = {key: ids for key, ids in owners.items() if len(ids) > 1}
    assert clashes == {}


def test_surface_forms_shared_across_schemes_are_only_the_documented_ones(vocab):
    owners = defaultdict(set)
    for term in vocab.terms():
        if not term.is_abbreviation:
            owners[normalize_surface(term.text)].add((term.scheme, term.concept_id))
    shared = {text: found for text, found in owners.items() if len({scheme for scheme, _ in found}) > 1}
    assert {frozenset(scheme for scheme, _ in found) for found in shared.values()} <= {
        frozenset(pair) for pair in CROSS_SCHEME_SHARED
    }
    # the isomer names are among them, and the form points back to its drug
    assert {"drugs", "forms"} == {scheme for scheme, _ in owners["esketamine"]}
    assert [c.id for c in vocab.related("forms", "s_ketamine", "drugs")] == ["ketamine"]
    # a dual-role form names exactly one concept per scheme, and the two are skos:related
    for text, found in shared.items():
        schemes = dict(found)
        if set(schemes) == {"adverse_effects", "conditions"}:
            related = [c.id for c in vocab.related("conditions", schemes["conditions"], "adverse_effects")]
            assert related == [schemes["adverse_effects"]], text
            back = [c.id for c in vocab.related("adverse_effects", schemes["adverse_effects"], "conditions")]
            assert schemes["conditions"] in back, text
    assert {("conditions", "hypertension"), ("adverse_effects", "hypertension")} == owners["hypertension"]


def test_broader_stays_inside_the_scheme_and_has_no_cycles(vocab):
    for scheme in vocab:
        for concept in scheme:
            assert concept.id not in scheme.ancestors(concept.id), concept.id


def test_labels_that_are_not_abbreviations_are_not_too_short(vocab):
    # Two-letter labels would match everywhere; short forms belong in kg:abbreviation
    # (matched case-sensitively).
    for term in vocab.terms():
        if not term.is_abbreviation:
            assert len(term.text) >= 3, term


# --- identifiers ----------------------------------------------------------------------------------


def test_ketamine_identifiers(vocab):
    ketamine = vocab.concept("drugs", "ketamine")
    assert str(MESH["D007649"]) in ketamine.exact_match
    assert str(DRUGBANK["DB01221"]) in ketamine.exact_match
    assert ketamine.mesh_ids == ("D007649",)
    assert ketamine.drugbank_ids == ("DB01221",)
    assert "D018691" not in ketamine.mesh_ids  # the drug package's pharmacological-action id


def test_drugbank_ids_agree_with_the_drug_package(vocab, drug_package_data):
    data = drug_package_data
    checked = 0
    for name in ("drugs", "forms"):
        for concept in vocab[name]:
            for dbid in concept.drugbank_ids:
                package_ids = set()
                for label in concept.labels:
                    for canonical in data["drug_variant_to_canonical"].get(label.lower(), ()):
                        package_ids.add((data["drug_canonical_to_data"].get(canonical) or {}).get("drugbank_id"))
                assert dbid in package_ids, (concept.id, dbid, package_ids)
                checked += 1
    assert checked > 80


def test_no_drug_uses_the_drug_packages_mesh_ids(vocab, drug_package_data):
    # Those are pharmacological-action descriptors (e.g. ketamine -> D018691), not the drug.
    data = drug_package_data
    wrong = {d.get("mesh_id") for d in data["drug_canonical_to_data"].values() if d.get("mesh_id")}
    for concept in vocab["drugs"]:
        for mesh_id in concept.mesh_ids:
            assert mesh_id not in wrong or mesh_id == "D007649", (concept.id, mesh_id)


def test_identifier_iris_are_well_formed(vocab):
    patterns = {str(MESH): r"D\d{6,9}", str(DRUGBANK): r"DB\d{5}"}
    for scheme in vocab:
        for concept in scheme:
            for iri in concept.exact_match + concept.close_match:
                base = next((b for b in patterns if iri.startswith(b)), None)
                assert base is not None, (concept.id, iri)
                assert re.fullmatch(patterns[base], iri[len(base) :]), (concept.id, iri)


# --- coverage of the domain ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("abbreviation", "scheme", "concept_id"),
    [
        ("CRPS", "conditions", "complex_regional_pain_syndrome"),
        ("PHN", "conditions", "postherpetic_neuralgia"),
        ("SCI", "conditions", "spinal_cord_injury"),
        ("FM", "conditions", "fibromyalgia"),
        ("LBP", "conditions", "low_back_pain"),
        ("VAS", "outcomes", "visual_analog_scale"),
        ("NRS", "outcomes", "numerical_rating_scale"),
        ("MPQ", "outcomes", "mcgill_pain_questionnaire"),
        ("PPI", "outcomes", "present_pain_intensity"),
        ("GPR", "outcomes", "global_pain_relief"),
        ("DN4", "outcomes", "douleur_neuropathique_4"),
        ("ICU", "settings", "intensive_care_unit"),
        ("IV", "routes", "intravenous"),
        ("RCT", "designs", "randomized_controlled_trial"),
        ("PONRT", "designs", "prospective_observational_study"),
        ("MgSO4", "drugs", "magnesium_sulfate"),
    ],
)
def test_abbreviations_resolve_case_sensitively(vocab, abbreviation, scheme, concept_id):
    assert [c.id for c in vocab.lookup(abbreviation, scheme)] == [concept_id]
    assert Term(abbreviation, scheme, concept_id, True) in set(vocab.terms([scheme]))
    # lowercase is not the abbreviation ("iv" is a roman numeral, "fm" a radio band)
    assert vocab.lookup(abbreviation.lower(), scheme) == []


@pytest.mark.parametrize(
    ("text", "scheme", "concept_id"),
    [
        ("Ketalar", "drugs", "ketamine"),
        ("esketamine", "drugs", "ketamine"),
        ("Versed", "drugs", "midazolam"),
        ("lignocaine", "drugs", "lidocaine"),
        ("magnesium sulphate", "drugs", "magnesium_sulfate"),
        ("normal saline", "drugs", "saline"),
        ("hypertonic saline", "drugs", "hypertonic_saline"),
        ("placebo", "drugs", "placebo"),
        ("S(+)-ketamine", "forms", "s_ketamine"),
        ("esketamine", "forms", "s_ketamine"),
        ("racemic ketamine", "forms", "racemic"),
        ("arketamine", "forms", "r_ketamine"),
        ("CRPS-1", "conditions", "crps_type_1"),
        ("reflex sympathetic dystrophy", "conditions", "crps_type_1"),
        ("causalgia", "conditions", "crps_type_2"),
        ("pain after traumatic spinal cord injury", "conditions", "spinal_cord_injury_pain"),
        ("phantom limb pain", "conditions", "phantom_limb_pain"),
        ("post-herpetic neuralgia", "conditions", "postherpetic_neuralgia"),
        ("oncologic neuropathic pain", "conditions", "neuropathic_cancer_pain"),
        ("sickle cell crisis", "conditions", "sickle_cell_crisis"),
        ("neuropathic pain after combat limb injury", "conditions", "neuropathic_pain_after_combat_limb_injury"),
        ("mixed neuropathic pain diagnoses", "conditions", "mixed_neuropathic_pain"),
        ("chronic headache", "conditions", "chronic_headache"),
        ("trigeminal neuropathic pain", "conditions", "trigeminal_neuropathic_pain"),
        ("migraines", "conditions", "migraine"),
        ("painful diabetic neuropathy", "conditions", "diabetic_neuropathy"),
        ("chemotherapy-induced neuropathy", "conditions", "chemotherapy_induced_peripheral_neuropathy"),
        ("post-stroke pain", "conditions", "central_post_stroke_pain"),
        ("visual analogue scale", "outcomes", "visual_analog_scale"),
        ("11-point numerical rating scale", "outcomes", "numerical_rating_scale"),
        ("McGill Pain Questionnaire", "outcomes", "mcgill_pain_questionnaire"),
        ("Brief Pain Inventory", "outcomes", "brief_pain_inventory"),
        ("area of allodynia", "outcomes", "allodynia"),
        ("pressure pain threshold", "outcomes", "pressure_pain_threshold"),
        ("duration of relief", "outcomes", "duration_of_pain_relief"),
        ("opioid consumption", "outcomes", "opioid_consumption"),
        ("quality of life", "outcomes", "quality_of_life"),
        ("hallucinations", "adverse_effects", "hallucination"),
        ("feeling of inebriation", "adverse_effects", "inebriation"),
        ("psychotomimetic effects", "adverse_effects", "psychomimetic_effect"),
        ("vivid dreams", "adverse_effects", "vivid_dreams"),
        ("drowsiness", "adverse_effects", "somnolence"),
        ("changes in vision", "adverse_effects", "visual_disturbance"),
        ("double vision", "adverse_effects", "diplopia"),
        ("elevated transaminases", "adverse_effects", "elevated_liver_enzymes"),
        ("hepatotoxicity", "adverse_effects", "hepatotoxicity"),
        ("dry mouth", "adverse_effects", "dry_mouth"),
        ("outpatient", "settings", "outpatient"),
        ("intensive care unit", "settings", "intensive_care_unit"),
        ("day-case", "settings", "day_case"),
        ("at home", "settings", "home"),
        ("randomized placebo-controlled crossover trial", "designs", "randomized_crossover_trial"),
        ("double-blind", "designs", "double_blind"),
        ("open-label", "designs", "open_label"),
        ("retrospective chart review", "designs", "retrospective_study"),
        ("case series", "designs", "case_series"),
        ("case report", "designs", "case_report"),
        ("meta-analysis", "designs", "meta_analysis"),
        ("intranasal", "routes", "intranasal"),
        ("transdermal", "routes", "transdermal"),
        # designs of trials in general, as papers write them
        ("cluster-randomised controlled trial", "designs", "cluster_randomized_trial"),
        ("cluster randomized trial", "designs", "cluster_randomized_trial"),
        ("stepped-wedge", "designs", "stepped_wedge_trial"),
        ("pilot cluster-randomised controlled trial", "designs", "pilot_cluster_randomized_trial"),
        ("pilot RCT", "designs", "pilot_randomized_trial"),
        ("feasibility study", "designs", "feasibility_study"),
        ("quasi-experimental", "designs", "quasi_experimental_study"),
        ("Quasiexperimental", "designs", "quasi_experimental_study"),
        ("before-and-after study", "designs", "before_after_study"),
        ("pre-post study", "designs", "before_after_study"),
        ("controlled before-and-after study", "designs", "controlled_before_after_study"),
        ("interrupted time series analysis", "designs", "interrupted_time_series"),
        ("mixed-methods study", "designs", "mixed_methods_study"),
        ("situational analysis", "designs", "descriptive_study"),
        ("non-randomised controlled trial", "designs", "nonrandomized_controlled_trial"),
        ("cross-sectional studies", "designs", "cross_sectional_study"),
        ("prospective cohort study", "designs", "prospective_cohort_study"),
        ("observational cohort", "designs", "cohort_study"),
        ("Prospective observational", "designs", "prospective_observational_study"),
        ("open prospective study", "designs", "prospective_observational_study"),
        ("open-label single-arm", "designs", "single_arm_trial"),
        ("systematic review without meta-analysis", "designs", "systematic_review"),
        ("systematic review and meta-analysis", "designs", "meta_analysis"),
        ("narrative review", "designs", "narrative_review"),
        ("protocol paper", "designs", "study_protocol"),
        ("quasi-randomised", "designs", "nonrandomized"),
        # conditions beyond pain
        ("hypertension", "conditions", "hypertension"),
        ("adolescents with hypertension", "conditions", "hypertension"),
        ("hypertensive patients", "conditions", "hypertension"),
        ("pre-eclampsia", "conditions", "preeclampsia"),
        ("T2DM", "conditions", "type_2_diabetes"),
        ("type II diabetes", "conditions", "type_2_diabetes"),
        ("gestational diabetes mellitus", "conditions", "gestational_diabetes"),
        ("diabetes", "conditions", "diabetes_mellitus"),
        ("obese", "conditions", "obesity"),
        ("septic shock", "conditions", "septic_shock"),
        ("septicaemia", "conditions", "sepsis"),
        ("smokers", "conditions", "tobacco_dependence"),
        ("alcohol dependence", "conditions", "alcohol_use_disorder"),
        ("whiplash-associated disorders", "conditions", "whiplash_associated_disorder"),
        ("WAD", "conditions", "whiplash_associated_disorder"),
        ("insomnia", "conditions", "insomnia"),
        ("generalized anxiety disorder", "conditions", "anxiety_disorder"),
        ("patients with depression", "conditions", "major_depressive_disorder"),
        ("respiratory infection", "conditions", "respiratory_tract_infection"),
        ("influenza", "conditions", "influenza"),
        ("pulmonary hypertension", "conditions", "pulmonary_hypertension"),
        # outcomes beyond pain
        ("28-day mortality", "outcomes", "mortality"),
        ("in-hospital mortality", "outcomes", "mortality"),
        ("overall survival", "outcomes", "survival"),
        ("length of ICU stay", "outcomes", "length_of_stay"),
        ("7-day point prevalence abstinence", "outcomes", "smoking_abstinence"),
        ("MVPA", "outcomes", "physical_activity"),
        ("moderate-to-vigorous physical activity", "outcomes", "physical_activity"),
        ("BMI z-score", "outcomes", "body_mass_index"),
        ("HbA1c", "outcomes", "glycated_hemoglobin"),
        ("glycaemic control", "outcomes", "glycemic_control"),
        ("hand-washing frequency", "outcomes", "hand_hygiene"),
        ("quality of care", "outcomes", "quality_of_care"),
        ("medication adherence", "outcomes", "adherence"),
        ("questionnaire response rate", "outcomes", "survey_response_rate"),
        ("Confusion Assessment Method", "outcomes", "delirium_assessment"),
        ("RASS score", "outcomes", "sedation_score"),
        ("time to first flatus", "outcomes", "return_of_bowel_function"),
        ("rescue analgesia", "outcomes", "analgesic_consumption"),
        ("morphine consumption", "outcomes", "opioid_consumption"),
        ("time to first analgesic request", "outcomes", "time_to_first_rescue_analgesia"),
        ("the patient's satisfaction", "outcomes", None),
        ("patient's satisfaction", "outcomes", "patient_satisfaction"),
        # settings
        ("school-based", "settings", "school"),
        ("secondary schools", "settings", "school"),
        ("in the community", "settings", "community"),
        ("primary care", "settings", "primary_care"),
        ("general practices", "settings", "general_practice"),
        ("emergency departments", "settings", "emergency_department"),
        ("EDs", "settings", "emergency_department"),
        ("hospital ward", "settings", "inpatient"),
        ("day-case unit", "settings", "day_case"),
        ("pain clinics", "settings", "pain_clinic"),
        ("home-based", "settings", "home"),
        ("in their own homes", "settings", "home"),
        ("web-based intervention", "settings", "online"),
        ("nursing homes", "settings", "nursing_home"),
        # adverse effects
        ("adverse events", "adverse_effects", "adverse_event"),
        ("serious adverse events", "adverse_effects", "serious_adverse_event"),
        ("SAEs", "adverse_effects", "serious_adverse_event"),
        ("rise in liver enzymes", "adverse_effects", "elevated_liver_enzymes"),
        ("liver enzymes rose", "adverse_effects", "elevated_liver_enzymes"),
        ("ALT increase", "adverse_effects", "elevated_liver_enzymes"),
        ("elevation of transaminases", "adverse_effects", "elevated_liver_enzymes"),
        ("drug-high feeling", "adverse_effects", "inebriation"),
        ("drug-high", "adverse_effects", "inebriation"),
        ("felt detached", "adverse_effects", "dissociation"),
        ("burning sensation along the infused vein", "adverse_effects", "injection_site_reaction"),
        ("burning at the infusion site", "adverse_effects", "injection_site_reaction"),
        ("injection site pain", "adverse_effects", "injection_site_reaction"),
        ("akathisia", "adverse_effects", "akathisia"),
        ("shortness of breath", "adverse_effects", "dyspnea"),
        ("syncope", "adverse_effects", "syncope"),
        ("miscarriage", "adverse_effects", "miscarriage"),
        ("increases in systolic blood pressure", "adverse_effects", "hypertension"),
        ("abuse potential", "adverse_effects", "abuse_potential"),
        ("drug abuse", "adverse_effects", "abuse_potential"),
    ],
)
def test_domain_terms_are_recognized(vocab, text, scheme, concept_id):
    if concept_id is None:  # a phrase that is only recognized inside a text ("the" is not part of the term)
        assert vocab.lookup(text, scheme) == []
        return
    assert [c.id for c in vocab.lookup(text, scheme)] == [concept_id]


@pytest.mark.parametrize(
    ("text", "scheme"),
    [
        # words that name a place, a department or a measurement far more often than the concept
        ("home", "settings"),  # "home exercise", "home Internet access", "went home"
        ("school", "settings"),  # "Medical School", "School of Medicine"
        ("university", "settings"),
        ("online", "settings"),  # "Published online"
        ("web-based", "settings"),
        ("addiction", "adverse_effects"),
        ("Addictions", "adverse_effects"),  # "Department of Addictions"
        ("forgetfulness", "adverse_effects"),  # mostly a reason for missed doses or visits
        ("body weight", "outcomes"),  # "mg/kg body weight"
        ("BMI", "outcomes"),  # a baseline characteristic in every paper
        ("smoking", "conditions"),
        ("smoking status", "outcomes"),
        ("before and after", "designs"),  # "pain scores before and after the infusion"
        ("pilot", "designs"),
        ("baseline assessment", "designs"),
        ("descriptive analysis", "designs"),
        ("incidence of delirium", "outcomes"),  # the adverse effect, counted
        ("detachment", "adverse_effects"),  # "retinal detachment"
        ("well-being", "outcomes"),  # background text; the outcome is a named scale or score
    ],
)
def test_ambiguous_bare_words_are_not_surface_forms(vocab, text, scheme):
    assert vocab.lookup(text, scheme) == []


def test_surface_variants_cover_hyphens_spelling_plurals_and_felt():
    assert "drug-high" in surface_variants("drug high")
    assert "open label" in surface_variants("open-label")
    assert "quasiexperimental study" in surface_variants("quasi-experimental study")
    assert "cluster randomized controlled trial" in surface_variants("cluster-randomised controlled trial")
    assert "anesthesia" in surface_variants("anaesthesia") and "anaemia" in surface_variants("anemia")
    assert "haemodynamic instability" in surface_variants("hemodynamic instability")
    assert "magnesium sulphate" in surface_variants("magnesium sulfate")
    assert "emergency departments" in surface_variants("emergency department")
    assert "case studies" in surface_variants("case study")
    assert "felt detached" in surface_variants("feeling detached")
    assert "felt of inebriation" not in surface_variants("feeling of inebriation")
    # short stems keep their spelling ("raised" is not "raized"), names and symbols keep theirs
    assert not any("raiz" in v for v in surface_variants("raised liver enzymes"))
    assert surface_variants("McGill Pain Questionnaire") == []
    assert surface_variants("S(+)-ketamine") == []
    assert "for hours" not in surface_variants("four hours")  # "four" is not "for"


def test_generated_variants_are_matched_but_never_override_a_written_label(vocab):
    assert [c.id for c in vocab.lookup("drug-high", "adverse_effects")] == ["inebriation"]
    assert [c.id for c in vocab.lookup("felt detached", "adverse_effects")] == ["dissociation"]
    assert "drug-high" in vocab.variants("adverse_effects", "inebriation")
    written = {normalize_surface(t.text) for t in vocab.terms(variants=False)}
    for term in vocab.terms():
        if term.text in vocab.variants(term.scheme, term.concept_id):
            assert normalize_surface(term.text) not in written, term
    assert len(list(vocab.terms(variants=False))) < len(list(vocab.terms()))


def test_dual_role_concepts_are_linked_and_explained(vocab):
    for condition_id, effect_id in (("hypertension", "hypertension"), ("hypotension", "hypotension"), ("insomnia", "insomnia"),
                                    ("orthostatic_hypotension", "hypotension")):
        assert [c.id for c in vocab.lookup(vocab.label("conditions", condition_id), "adverse_effects")] == [effect_id]
        assert [c.id for c in vocab.related("conditions", condition_id, "adverse_effects")] == [effect_id]
        assert vocab.concept("conditions", condition_id).scope_note
    # anxiety and depression: the bare word keeps one role, the disorder and "patients with ..." the other
    assert [c.id for c in vocab.lookup("anxiety", "adverse_effects")] == ["anxiety"]
    assert vocab.lookup("anxiety", "conditions") == []
    assert [c.id for c in vocab.lookup("depression", "outcomes")] == ["depressive_symptoms"]
    assert vocab.lookup("depression", "conditions") == []
    assert [c.id for c in vocab.related("conditions", "major_depressive_disorder", "outcomes")] == ["depressive_symptoms"]
    # a survey response rate is its own concept; the bare phrase stays the clinical responder rate
    assert [c.id for c in vocab.lookup("response rate", "outcomes")] == ["responder_rate"]
    assert [c.id for c in vocab.related("outcomes", "responder_rate", "outcomes")] == ["survey_response_rate"]


def test_settings_roll_up_to_the_levels_reviews_compare(vocab):
    settings = vocab["settings"]
    for narrow in ("day_case", "pain_clinic", "primary_care", "general_practice", "antenatal_clinic"):
        assert settings.ancestors(narrow)[-1] == "outpatient", narrow
    for narrow in ("intensive_care_unit", "post_anesthesia_care_unit", "palliative_care_unit"):
        assert settings.ancestors(narrow)[-1] == "inpatient", narrow
    for top in ("outpatient", "inpatient", "emergency_department", "home", "community", "school", "university", "online", "nursing_home"):
        assert settings.ancestors(top) == [], top
    # "ED"/"EDs" only as case-sensitive abbreviations
    assert vocab.lookup("eds", "settings") == [] and vocab.lookup("ed", "settings") == []


def test_generic_adverse_event_concepts_for_negated_findings(vocab):
    effects = vocab["adverse_effects"]
    assert effects.ancestors("serious_adverse_event") == ["adverse_event"]
    assert effects.ancestors("adverse_event") == []
    assert [c.id for c in vocab.lookup("no serious adverse events".split(" ", 1)[1], "adverse_effects")] == ["serious_adverse_event"]
    assert "akathisia" in {c.id for c in effects.narrower("extrapyramidal_symptoms")}
    assert "involuntary_movements" in effects.ancestors("akathisia")


def test_hierarchy_places_subtypes_under_their_parents(vocab):
    assert "complex_regional_pain_syndrome" in vocab["conditions"].ancestors("crps_type_1")
    assert "neuropathic_pain" in vocab["conditions"].ancestors("postherpetic_neuralgia")
    assert "opioid" in vocab["drugs"].ancestors("alfentanil")
    assert "benzodiazepine" in vocab["drugs"].ancestors("midazolam")
    assert "psychomimetic_effect" in vocab["adverse_effects"].ancestors("hallucination")
    assert {c.id for c in vocab["drugs"].narrower("alpha_2_adrenergic_agonist")} >= {"clonidine", "dexmedetomidine"}


def test_design_evidence_levels_follow_oxford_cebm(vocab):
    expected = {
        "systematic_review": 1,
        "meta_analysis": 1,
        "randomized_controlled_trial": 2,
        "randomized_placebo_controlled_trial": 2,
        "randomized_crossover_trial": 2,
        "randomized_non_placebo_controlled_trial": 2,
        "nonrandomized_controlled_trial": 3,
        "cohort_study": 3,
        "prospective_observational_study": 3,
        "retrospective_study": 4,
        "case_series": 4,
        "case_control_study": 4,
        "historically_controlled_study": 4,
        "mechanism_based_reasoning": 5,
        "cluster_randomized_trial": 2,
        "stepped_wedge_trial": 2,
        "pilot_randomized_trial": 2,
        "pilot_cluster_randomized_trial": 2,
        "feasibility_study": 4,
        "quasi_experimental_study": 3,
        "controlled_before_after_study": 3,
        "before_after_study": 4,
        "interrupted_time_series": 4,
        "controlled_interrupted_time_series": 3,
        "prospective_cohort_study": 3,
        "cross_sectional_study": 4,
        "ecological_study": 4,
        "descriptive_study": 4,
        "mixed_methods_study": 4,
        "qualitative_study": 5,
        "narrative_review": 5,
        "single_arm_trial": 4,
    }
    for design_id, level in expected.items():
        assert vocab.concept("designs", design_id).evidence_level == level, design_id
        assert vocab.evidence_level(design_id) == level
    features = {c.id for c in vocab["designs"].narrower("study_design_feature")}
    assert {"double_blind", "open_label", "crossover_design", "randomized", "study_protocol", "secondary_analysis"} <= features
    # randomized subtypes sit under the randomized controlled trial, so "randomized" is implied
    for design_id in ("cluster_randomized_trial", "stepped_wedge_trial", "pilot_randomized_trial", "pilot_cluster_randomized_trial"):
        assert "randomized_controlled_trial" in vocab["designs"].ancestors(design_id), design_id
    # a feature written alone (a table cell "Retrospective") names the design it implies
    implied = {"retrospective": "retrospective_study", "prospective": "prospective_observational_study",
               "randomized": "randomized_controlled_trial", "nonrandomized": "nonrandomized_controlled_trial"}
    for feature, design_id in implied.items():
        assert [c.id for c in vocab.related("designs", feature, "designs")] == [design_id], feature
    for design in vocab["designs"]:
        if design.id in features or design.id == "study_design_feature":
            assert design.evidence_level is None, design.id
        else:
            assert design.evidence_level in {1, 2, 3, 4, 5}, design.id


# --- loading, errors and the graph ------------------------------------------------------------------


def test_loading_is_cached(vocab):
    assert load_vocabularies() is vocab
    assert load_vocabularies(str(VOCAB_DIR)) is vocab


def test_vocab_graph_holds_every_file_and_is_a_fresh_copy():
    graph = vocab_graph()
    expected = sum(len(Graph().parse(p, format="turtle")) for p in VOCAB_FILES)
    assert len(graph) == expected
    ketamine = URIRef(concept_iri("drugs", "ketamine"))
    assert (ketamine, SKOS.exactMatch, URIRef(MESH["D007649"])) in graph
    assert (URIRef(VOCAB["designs"]), KG.neo4jLabel, None) in graph
    graph.remove((ketamine, None, None))
    assert (ketamine, SKOS.exactMatch, URIRef(MESH["D007649"])) in vocab_graph()


def _copy_vocab(tmp_path: Path) -> Path:
    target = tmp_path / "vocab"
    shutil.copytree(VOCAB_DIR, target)
    return target


def test_malformed_file_is_reported_by_name(tmp_path):
    target = _copy_vocab(tmp_path)
    (target / "drugs.ttl").write_text("@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\nthis is not turtle")
    with pytest.raises(InputError, match=r"drugs\.ttl"):
        load_vocabularies(target)


def test_concept_without_pref_label_is_rejected(tmp_path):
    target = _copy_vocab(tmp_path)
    path = target / "settings.ttl"
    text = path.read_text()
    text = text.replace('skos:prefLabel "home setting"@en ;', "", 1)
    path.write_text(text)
    with pytest.raises(InputError, match=r"settings/home needs exactly one English skos:prefLabel"):
        load_vocabularies(target)


def test_concept_id_that_is_not_snake_case_is_rejected(tmp_path):
    target = _copy_vocab(tmp_path)
    path = target / "settings.ttl"
    path.write_text(path.read_text().replace("settings:day_case ", "settings:DayCase ").replace(
        "settings:day_case .", "settings:DayCase ."))
    with pytest.raises(InputError, match=r"DayCase"):
        load_vocabularies(target)


def test_missing_folder_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_vocabularies(tmp_path / "nowhere")


def test_a_user_added_term_is_recognized(tmp_path):
    target = _copy_vocab(tmp_path)
    path = target / "adverse_effects.ttl"
    path.write_text(path.read_text().replace(
        'skos:prefLabel "nystagmus"@en ;', 'skos:prefLabel "nystagmus"@en ;\n    skos:altLabel "rolling eyes"@en ;', 1))
    vocab = load_vocabularies(target)
    assert [c.id for c in vocab.lookup("rolling eyes", "adverse_effects")] == ["nystagmus"]
    assert Term("rolling eyes", "adverse_effects", "nystagmus", False) in set(vocab.terms(["adverse_effects"]))


# --- broad lexicons -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def drug_lexicon():
    return broad_drug_lexicon()


@pytest.fixture(scope="module")
def condition_lexicon():
    return broad_condition_lexicon()


def test_broad_drug_lexicon_finds_drugs_outside_our_vocabulary(vocab, drug_lexicon):
    assert len(drug_lexicon) > 20_000
    for text in ("warfarin", "methotrexate", "hydrocodone"):
        entry = drug_lexicon[text]
        assert re.fullmatch(r"drugbank:DB\d{5}", entry.concept_id)
        assert entry.scheme == "drugs"
        assert not vocab.lookup(text, "drugs")
    assert drug_lexicon["warfarin"].concept_id == "drugbank:DB00682"


def test_broad_drug_lexicon_leaves_out_common_words_and_our_own_terms(vocab, drug_lexicon):
    for word in ("relief", "today", "iron", "water", "control"):
        assert word not in drug_lexicon
    our_forms = vocab.surface_forms()
    assert not our_forms & set(drug_lexicon)


def test_broad_drug_lexicon_maps_our_drugs_to_our_ids(vocab, drug_lexicon, drug_package_data):
    ours = {c.id for c in vocab["drugs"]}
    mapped = [e for e in drug_lexicon.values() if e.concept_id in ours]
    assert len(mapped) > 50  # brand names and salts of drugs we name
    data = drug_package_data
    for entry in mapped:
        dbids = {
            (data["drug_canonical_to_data"].get(c) or {}).get("drugbank_id")
            for c in data["drug_variant_to_canonical"][entry.text]
        }
        concept = vocab.concept("drugs", entry.concept_id)
        related_forms = [f for f in vocab["forms"] if entry.concept_id in {d.id for d in vocab.related("forms", f.id, "drugs")}]
        known = set(concept.drugbank_ids) | {d for f in related_forms for d in f.drugbank_ids}
        assert dbids & known, entry


def test_broad_condition_lexicon_finds_conditions_outside_our_vocabulary(vocab, condition_lexicon):
    assert len(condition_lexicon) > 20_000
    asthma = condition_lexicon["asthma"]
    assert asthma.concept_id == "meshname:asthma" and asthma.label == "Asthma"
    assert condition_lexicon["multiple sclerosis"].concept_id == "meshname:multiple_sclerosis"
    assert not vocab.lookup("asthma", "conditions")
    # ids are built from MeSH headings, never from the package's unreliable descriptor ids
    assert not any(e.concept_id.startswith("mesh:") for e in condition_lexicon.values())


def test_broad_condition_lexicon_drops_non_diseases_and_common_words(condition_lexicon):
    for word in ("siblings", "hope", "attitudes", "shock", "recurrence", "pain"):
        assert word not in condition_lexicon
    for entry in condition_lexicon.values():
        assert ", " not in entry.text


def test_lexicon_exclusions_also_stop_generated_variants_but_never_written_labels(tmp_path, vocab):
    assert vocab.lookup("cognitions", "outcomes") == []  # listed: beliefs, not a plural of "cognition"
    assert [c.id for c in vocab.lookup("cognition", "outcomes")] == ["cognitive_function"]
    target = _copy_vocab(tmp_path)
    with (target / "lexicon_exclusions.txt").open("a") as handle:
        handle.write("drug-high\ndrug high\n")
    edited = load_vocabularies(target)
    assert edited.lookup("drug-high", "adverse_effects") == []
    assert [c.id for c in edited.lookup("drug high", "adverse_effects")] == ["inebriation"]


def test_lexicon_exclusions_file_is_honoured(tmp_path):
    target = _copy_vocab(tmp_path)
    with (target / "lexicon_exclusions.txt").open("a") as handle:
        handle.write("warfarin\nAsthma  # case-insensitive\n")
    assert "warfarin" not in broad_drug_lexicon(target)
    assert "asthma" not in broad_condition_lexicon(target)


def test_lexicon_exclusions_drop_generic_and_furniture_words(drug_lexicon, condition_lexicon):
    # generic class words and nicknames that are ordinary phrases
    for text in ("amino acids", "all clear", "spray and solution", "substance p", "egg white"):
        assert text not in drug_lexicon, text
    # named substances stay, even in a diet context
    for text in ("vitamin b2", "folic acid", "fish oil", "warfarin"):
        assert text in drug_lexicon, text
    # pathologic processes and measurements are not the condition studied
    for text in ("hypersensitivity", "inflammation", "fibrosis", "body weight", "birth weight", "loss of consciousness"):
        assert text not in condition_lexicon, text
    for text in ("asthma", "pneumonia", "heart failure"):
        assert text in condition_lexicon, text


def test_mesh_headings_of_our_conditions_map_lexicon_variants_to_our_ids(condition_lexicon):
    # "Pain, Postoperative" is a hidden label of postoperative_pain, so the heading's other
    # variants resolve to our concept instead of a meshname id
    assert condition_lexicon["acute post-operative pain"].concept_id == "postoperative_pain"
    assert condition_lexicon["social phobia"].concept_id == "anxiety_disorder"
