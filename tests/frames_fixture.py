"""Hand-written frames for the graph, store and query tests (the extractor is not involved).

Four documents, written the way the extractor would report them:

- REVIEW: a review that tabulates four studies (alpha-2009, beta-2011, gamma-2004, delta-2012)
  and draws two claims from them;
- BETA: the study report of beta-2011 itself: the same Study IRI as the review's row, with its
  own arms (ketamine + midazolam + clonidine vs placebo);
- EPSILON: a crossover trial in phantom limb pain, ketamine vs lidocaine, one dose kept as
  unparseable text;
- ZETA: a case report of oral ketamine in postherpetic neuralgia, no randomized evidence.

The study names, DOIs (10.5555 is the DOI test prefix) and numbers are invented.
"""

from __future__ import annotations

import copy
from decimal import Decimal as D

from kgraph.extract.frames import (
    AdverseEffect,
    Arm,
    Claim,
    Coadministration,
    Comparator,
    Concept,
    DocumentFrames,
    Evidence,
    Outcome,
    Protocol,
    Quantity,
    Study,
    Titration,
)

EXTRACTOR_VERSION = "0.1.0-test"


def _concept_in(scheme: str):
    """A Concept maker for one vocabulary scheme, labelled from its id."""
    return lambda cid: Concept(cid, cid.replace("_", " "), scheme)


drug = _concept_in("drugs")
condition = _concept_in("conditions")
design = _concept_in("designs")
setting = _concept_in("settings")
effect = _concept_in("adverse_effects")
measure = _concept_in("outcomes")


class Text:
    """Builds a document text and evidence with real offsets into it."""

    def __init__(self) -> None:
        self.text = ""

    def ev(self, sentence: str, page: int | None = 1, section: str | None = "results",
           table: str | None = None, row: int | None = None, col: int | None = None,
           extractor: str = "kgraph.sentences") -> Evidence:
        if self.text:
            self.text += " "
        start = len(self.text)
        self.text += sentence
        bbox = (72.0, 100.0 + 12 * page, 300.5, 112.0 + 12 * page) if page else None
        return Evidence(text=sentence, start=start, end=start + len(sentence), page=page, bbox=bbox,
                        section=section, table=table, row=row, col=col, extractor=extractor)


def q(text: str, kind: str, unit: str | None = None, *, value=None, low=None, high=None, mean=None, sd=None,
      nunit: str | None = None, nvalue=None, nlow=None, nhigh=None, qualifier=None, per_weight=False,
      per_70kg=False, evidence=None) -> Quantity:
    dec = lambda v: None if v is None else D(v)  # noqa: E731
    return Quantity(text=text, kind=kind, unit=unit, value=dec(value), low=dec(low), high=dec(high), mean=dec(mean),
                    sd=dec(sd), qualifier=qualifier, normalized_unit=nunit, normalized_value=dec(nvalue),
                    normalized_low=dec(nlow), normalized_high=dec(nhigh), per_weight=per_weight,
                    per_70kg=per_70kg, evidence=list(evidence or []))


# --- the review --------------------------------------------------------------------------------

def review() -> DocumentFrames:
    t = Text()
    cell = lambda text, row, col: t.ev(text, page=4, section="results", table="Table 2", row=row, col=col,  # noqa: E731
                                       extractor="kgraph.table_rows")
    # Table rows: one evidence per cell we read a fact from.
    a_ind = cell("CRPS-1", 1, 1)
    a_design = cell("PRCT parallel, n = 60", 1, 3)
    a_dur = cell("4.2 d continuous infusion", 1, 4)
    a_dose = cell("S(+)-ketamine titrated; mean 22.2 mg/h per 70 kg at end of infusion", 1, 6)
    a_relief = cell("Lower pain scores than placebo over the 12-wk study period", 1, 8)
    a_se = cell("Psychomimetic effects during infusion", 1, 10)

    b_ind = cell("CRPS", 2, 1)
    b_design = cell("PRCT parallel, 19 patients", 2, 3)
    b_dur = cell("4 h daily for 10 d", 2, 4)
    b_dose = cell("Up to 0.35 mg/kg/h; about 1000 mg per 70 kg over 10 d", 2, 6)
    b_combo = cell("Midazolam 2 mg IV before each infusion; clonidine 0.1 mg orally", 2, 7)
    b_relief = cell("Reduced pain at 12 wk", 2, 8)
    b_se = cell("Nausea and headache; no hallucinations", 2, 10)

    g_ind = cell("PHN", 3, 1)
    g_design = cell("Case series, 5 patients", 3, 3)
    g_dur = cell("1 h", 3, 4)
    g_dose = cell("0.15 mg/kg over 1 h", 3, 6)
    g_relief = cell("Relief for 3 h after the infusion", 3, 8)
    g_se = cell("Dizziness in 2 of 5 patients", 3, 10)

    d_ind = cell("FM", 4, 1)
    d_design = cell("PONRT, 30 patients", 4, 3)
    d_dur = cell("30 min", 4, 4)
    d_dose = cell("0.5 mg/kg over 30 min with midazolam 1 mg", 4, 6)
    d_relief = cell("Pain relief lasted 48 h", 4, 8)
    d_se = cell("Somnolence; hallucinations in 3 patients", 4, 10)

    claim1 = t.ev("Longer infusions were associated with longer relief (level 2 evidence).", page=9,
                  section="discussion")
    claim2 = t.ev("Midazolam reduced hallucinations but not nausea or headache (level 2 evidence).", page=9,
                  section="discussion")

    alpha = Study(
        key="alpha-2009", label="Alpha 2009", design=design("randomized_controlled_trial"), n=60,
        n_text="60", evidence_level=2, setting=setting("inpatient"),
        conditions=[condition("complex_regional_pain_syndrome")], first_author="Alpha", year=2009,
        reference_number=3,
        arms=[Arm(label="ketamine", n=30, protocol=Protocol(
            drug=drug("ketamine"), form="S(+)-ketamine", route="intravenous",
            rate=[q("mean 22.2 mg/h per 70 kg", "rate", "mg/h", mean="22.2", per_70kg=True,
                    nunit="mg/kg/h", nvalue="0.3171", evidence=[a_dose])],
            titration=Titration(text="titrated stepwise", evidence=[a_dose]),
            infusion_duration=[q("4.2 d", "duration", "d", value="4.2", nunit="h", nvalue="100.8",
                                 evidence=[a_dur])],
            sessions=1, evidence=[a_dose, a_dur]), evidence=[a_design])],
        comparators=[Comparator(label="placebo", kind="placebo", evidence=[a_relief])],
        outcomes=[Outcome(measure=measure("numeric_rating_scale"),
                          text="Lower pain scores than placebo over the 12-wk study period", direction="improved",
                          relief_duration=q("12 wk", "relief", "wk", value="12", nunit="h", nvalue="2016"),
                          primary=True, evidence=[a_relief])],
        adverse_effects=[AdverseEffect(effect=effect("psychomimetic_effect"), evidence=[a_se])],
        evidence=[a_ind, a_design],
    )
    beta = Study(
        key="beta-2011", label="Beta 2011", design=design("randomized_controlled_trial"), n=19, n_text="19",
        evidence_level=2, setting=setting("outpatient"), conditions=[condition("complex_regional_pain_syndrome")],
        first_author="Beta", year=2011, reference_number=4,
        arms=[Arm(label="ketamine", protocol=Protocol(
            drug=drug("ketamine"), route="intravenous",
            rate=[q("up to 0.35 mg/kg/h", "rate", "mg/kg/h", value="0.35", qualifier="up_to", per_weight=True,
                    nunit="mg/kg/h", nvalue="0.35", evidence=[b_dose])],
            total_dose=[q("about 1000 mg per 70 kg", "total", "mg", value="1000", qualifier="approximately",
                          per_70kg=True, nunit="mg/70kg", nvalue="1000", evidence=[b_dose])],
            infusion_duration=[q("4 h", "duration", "h", value="4", nunit="h", nvalue="4", evidence=[b_dur])],
            sessions=10, schedule="daily",
            coadministrations=[
                Coadministration(drug=drug("midazolam"), doses=[q("2 mg", "dose", "mg", value="2")],
                                 purpose="reduce psychomimetic effects", route="intravenous", evidence=[b_combo]),
                Coadministration(drug=drug("clonidine"), doses=[q("0.1 mg", "dose", "mg", value="0.1")],
                                 route="oral", evidence=[b_combo]),
            ], evidence=[b_dose, b_dur]), evidence=[b_design])],
        outcomes=[Outcome(measure=None, text="Reduced pain at 12 wk", direction="improved",
                          relief_duration=q("12 wk", "relief", "wk", value="12", nunit="h", nvalue="2016"),
                          evidence=[b_relief])],
        adverse_effects=[AdverseEffect(effect=effect("nausea"), evidence=[b_se]),
                         AdverseEffect(effect=effect("headache"), evidence=[b_se]),
                         AdverseEffect(effect=effect("hallucination"), negated=True, evidence=[b_se])],
        evidence=[b_ind, b_design],
    )
    gamma = Study(
        key="gamma-2004", label="Gamma 2004", design=design("case_series"), n=5, n_text="5", evidence_level=4,
        setting=setting("outpatient"), conditions=[condition("postherpetic_neuralgia")], first_author="Gamma",
        year=2004, reference_number=5,
        arms=[Arm(label="ketamine", protocol=Protocol(
            drug=drug("ketamine"), route="intravenous",
            total_dose=[q("0.15 mg/kg", "total", "mg/kg", value="0.15", per_weight=True, nunit="mg/70kg",
                          nvalue="10.5", evidence=[g_dose])],
            infusion_duration=[q("1 h", "duration", "h", value="1", nunit="h", nvalue="1", evidence=[g_dur])],
            sessions=1, evidence=[g_dose]), evidence=[g_design])],
        outcomes=[Outcome(measure=None, text="Relief for 3 h after the infusion", direction="improved",
                          relief_duration=q("3 h", "relief", "h", value="3", nunit="h", nvalue="3"),
                          evidence=[g_relief])],
        adverse_effects=[AdverseEffect(effect=effect("dizziness"),
                                       incidence=q("2 of 5", "count", value="2"), evidence=[g_se])],
        evidence=[g_ind, g_design],
    )
    delta = Study(
        key="delta-2012", label="Delta 2012", design=design("prospective_observational_study"), n=30, n_text="30",
        evidence_level=3, conditions=[condition("fibromyalgia")], first_author="Delta", year=2012,
        reference_number=6,
        arms=[Arm(label="ketamine", protocol=Protocol(
            drug=drug("ketamine"),
            total_dose=[q("0.5 mg/kg", "total", "mg/kg", value="0.5", per_weight=True, nunit="mg/70kg",
                          nvalue="35", evidence=[d_dose])],
            infusion_duration=[q("30 min", "duration", "min", value="30", nunit="h", nvalue="0.5",
                                 evidence=[d_dur])],
            coadministrations=[Coadministration(drug=drug("midazolam"), doses=[q("1 mg", "dose", "mg", value="1")],
                                                evidence=[d_dose])],
            evidence=[d_dose]), evidence=[d_design])],
        outcomes=[Outcome(measure=None, text="Pain relief lasted 48 h", direction="improved",
                          relief_duration=q("48 h", "relief", "h", value="48", nunit="h", nvalue="48"),
                          evidence=[d_relief])],
        adverse_effects=[AdverseEffect(effect=effect("somnolence"), evidence=[d_se]),
                         AdverseEffect(effect=effect("hallucination"),
                                       incidence=q("3 patients", "count", value="3"), evidence=[d_se])],
        evidence=[d_ind, d_design],
    )
    claims = [
        Claim(statement="Longer infusions were associated with longer relief.", evidence_level=2,
              cited_references=[3, 4, 5], variables=["infusion_duration", "relief_duration"], relation="positive",
              evidence=[claim1]),
        Claim(statement="Midazolam reduced hallucinations but not nausea or headache.", evidence_level=2,
              cited_references=[4], cited_studies=["delta-2012"], variables=["adjunct", "adverse_effect"],
              relation="negative", evidence=[claim2]),
    ]
    return DocumentFrames(
        doc_key="doi:10.5555/review.2017.0001", source="corpus/review-2017.txt", sha256="a" * 64,
        title="Intravenous ketamine infusions for neuropathic pain: a review", authors=["Omega AB", "Psi C"],
        year=2017, doi="10.5555/REVIEW.2017.0001", kind="review", studies=[alpha, beta, gamma, delta],
        claims=claims, extractor_version=EXTRACTOR_VERSION,
    )


# --- the study report of beta-2011 -------------------------------------------------------------

def beta_report() -> DocumentFrames:
    t = Text()
    s_design = t.ev("Nineteen patients with CRPS were randomized to ketamine or placebo in a double-blind trial.",
                    page=1, section="abstract")
    s_protocol = t.ev("Ketamine was infused over 4 h daily for 10 days at up to 0.35 mg/kg/h.", page=2,
                      section="methods")
    s_midazolam = t.ev("Midazolam 2 mg was given intravenously before each infusion to reduce psychomimetic "
                       "effects.", page=2, section="methods")
    s_placebo = t.ev("The placebo group received normal saline over the same schedule.", page=2, section="methods")
    s_relief = t.ev("Pain was significantly reduced at 12 weeks (P < 0.05).", page=3, section="results")
    s_se = t.ev("Nausea and headache occurred in 4 of 9 ketamine patients; no patient reported hallucinations.",
                page=3, section="results")
    study = Study(
        key="beta-2011", label="Beta 2011", design=design("randomized_controlled_trial"), n=19, n_text="19",
        evidence_level=2, setting=setting("outpatient"), conditions=[condition("complex_regional_pain_syndrome")],
        first_author="Beta", year=2011,
        arms=[
            Arm(label="ketamine", n=9, protocol=Protocol(
                drug=drug("ketamine"), route="intravenous",
                rate=[q("up to 0.35 mg/kg/h", "rate", "mg/kg/h", value="0.35", qualifier="up_to", per_weight=True,
                        nunit="mg/kg/h", nvalue="0.35")],
                infusion_duration=[q("4 h", "duration", "h", value="4", nunit="h", nvalue="4")],
                sessions=10, schedule="daily", setting=setting("outpatient"),
                coadministrations=[Coadministration(
                    drug=drug("midazolam"), doses=[q("2 mg", "dose", "mg", value="2")],
                    purpose="reduce psychomimetic effects", route="intravenous", evidence=[s_midazolam])],
                evidence=[s_protocol]), evidence=[s_protocol]),
            Arm(label="placebo", n=10, comparator=Comparator(label="normal saline", kind="placebo"),
                evidence=[s_placebo]),
        ],
        comparators=[Comparator(label="normal saline", kind="placebo", evidence=[s_placebo])],
        outcomes=[Outcome(measure=measure("numeric_rating_scale"), text="Pain was significantly reduced at 12 weeks",
                          direction="improved", size="P < 0.05",
                          time_point=q("12 weeks", "follow_up", "wk", value="12", nunit="h", nvalue="2016"),
                          relief_duration=q("12 weeks", "relief", "wk", value="12", nunit="h", nvalue="2016"),
                          primary=True, evidence=[s_relief])],
        adverse_effects=[
            AdverseEffect(effect=effect("nausea"), arm="ketamine", incidence=q("4 of 9", "count", value="4"),
                          evidence=[s_se]),
            AdverseEffect(effect=effect("headache"), arm="ketamine", incidence=q("4 of 9", "count", value="4"),
                          evidence=[s_se]),
            AdverseEffect(effect=effect("hallucination"), negated=True, evidence=[s_se]),
        ],
        evidence=[s_design],
    )
    return DocumentFrames(
        doc_key="doi:10.5555/beta.2011.0042", source="corpus/beta-2011.pdf", sha256="b" * 64,
        title="Outpatient ketamine infusions with midazolam in complex regional pain syndrome",
        authors=["Beta B", "Kappa K"], year=2011, doi="10.5555/beta.2011.0042", kind="study_report",
        studies=[study], extractor_version=EXTRACTOR_VERSION,
    )


# --- a crossover trial, with an unparseable dose ---------------------------------------------------

def epsilon_report() -> DocumentFrames:
    t = Text()
    s_design = t.ev("Ten patients with phantom limb pain took part in this randomized, double-blind crossover "
                    "study.", page=1, section="abstract")
    s_ket = t.ev("Ketamine 0.4 mg/kg was infused over 1 h.", page=2, section="methods")
    s_lido = t.ev("Lidocaine was given at a weight-adjusted dose.", page=2, section="methods")
    s_relief = t.ev("Ketamine reduced pain for 48 h compared with lidocaine.", page=3, section="results")
    s_se = t.ev("Dizziness was reported by 6 patients after ketamine.", page=3, section="results")
    study = Study(
        key="doi:10.5555/epsilon.2015.0007", label="Epsilon 2015", design=design("randomized_controlled_trial"), n=10,
        n_text="Ten patients", evidence_level=2, conditions=[condition("phantom_limb_pain")],
        first_author="Epsilon", year=2015, doi="10.5555/epsilon.2015.0007",
        arms=[
            Arm(label="ketamine", protocol=Protocol(
                drug=drug("ketamine"), route="intravenous",
                total_dose=[q("0.4 mg/kg", "total", "mg/kg", value="0.4", per_weight=True, nunit="mg/70kg",
                              nvalue="28")],
                infusion_duration=[q("1 h", "duration", "h", value="1", nunit="h", nvalue="1")],
                sessions=1, evidence=[s_ket]), evidence=[s_ket]),
            Arm(label="lidocaine", comparator=Comparator(
                label="lidocaine", kind="active", drug=drug("lidocaine"),
                doses=[q("a weight-adjusted dose", "dose")], evidence=[s_lido]), evidence=[s_lido]),
        ],
        outcomes=[Outcome(measure=None, text="Ketamine reduced pain for 48 h compared with lidocaine",
                          direction="improved",
                          relief_duration=q("48 h", "relief", "h", value="48", nunit="h", nvalue="48"),
                          evidence=[s_relief])],
        adverse_effects=[AdverseEffect(effect=effect("dizziness"), arm="ketamine",
                                       incidence=q("6 patients", "count", value="6"), evidence=[s_se])],
        evidence=[s_design],
    )
    return DocumentFrames(
        doc_key="doi:10.5555/epsilon.2015.0007", source="corpus/epsilon-2015.txt", sha256="c" * 64,
        title="Ketamine versus lidocaine for phantom limb pain: a crossover trial", authors=["Epsilon E"],
        year=2015, doi="10.5555/epsilon.2015.0007", studies=[study], extractor_version=EXTRACTOR_VERSION,
    )


# --- a case report without randomized evidence -------------------------------------------------------

def zeta_report() -> DocumentFrames:
    t = Text()
    s_case = t.ev("We describe a patient with postherpetic neuralgia treated with oral ketamine.", page=1,
                  section="abstract", extractor="kgraph.sentences")
    s_dose = t.ev("Oral ketamine 50 mg was given three times daily for 6 weeks.", page=1, section="methods")
    s_se = t.ev("The patient did not experience nausea.", page=2, section="results")
    study = Study(
        key="zeta-2019", label="Zeta 2019", design=design("case_report"), n=1, n_text="a patient",
        evidence_level=4, conditions=[condition("postherpetic_neuralgia")], first_author="Zeta", year=2019,
        arms=[Arm(label="oral ketamine", n=1, protocol=Protocol(
            drug=drug("ketamine"), route="oral",
            bolus=[q("50 mg", "bolus", "mg", value="50")],
            schedule="three times daily", evidence=[s_dose]), evidence=[s_dose])],
        adverse_effects=[AdverseEffect(effect=effect("nausea"), negated=True, evidence=[s_se])],
        evidence=[s_case],
    )
    return DocumentFrames(
        doc_key="zeta-2019-oral-ketamine-postherpetic-neuralgia", source="corpus/zeta-2019.md", sha256="d" * 64,
        title="Oral ketamine for postherpetic neuralgia", authors=["Zeta Z"], year=2019, studies=[study],
        extractor_version=EXTRACTOR_VERSION,
    )


def all_documents() -> list[DocumentFrames]:
    return [review(), beta_report(), epsilon_report(), zeta_report()]


def changed_beta_report() -> DocumentFrames:
    """A corrected version of the beta report: one rate changed, one adverse effect added."""
    frames = copy.deepcopy(beta_report())
    frames.sha256 = "e" * 64
    protocol = frames.studies[0].arms[0].protocol
    protocol.rate[0].value = D("0.30")
    protocol.rate[0].normalized_value = D("0.30")
    protocol.rate[0].text = "up to 0.30 mg/kg/h"
    frames.studies[0].adverse_effects.append(
        AdverseEffect(effect=effect("dizziness"), arm="ketamine", evidence=frames.studies[0].adverse_effects[0].evidence))
    return frames


# --- what the query library must answer on all_documents() -------------------------------------
# (params, columns, rows). List cells are sorted lists; None is an empty cell. Written by hand
# from the frames above: change both together.

CRPS, PHN, FM, PLP = ("complex_regional_pain_syndrome", "postherpetic_neuralgia", "fibromyalgia",
                      "phantom_limb_pain")
RCT = "randomized_controlled_trial"
REVIEW, BETA_DOC, EPSILON_DOC, ZETA_DOC = "Omega 2017", "Beta 2011", "Epsilon 2015", "Zeta 2019"

_PROTOCOL_COLUMNS = ["condition", "study", "design", "n", "drug", "route", "bolus", "rate", "total_dose",
                     "infusion_duration", "sessions", "setting", "adjuncts", "relief", "sources"]
_ALPHA_ROW = [CRPS, "Alpha 2009", RCT, 60, "ketamine", "intravenous", None, ["mean 22.2 mg/h per 70 kg"], None,
              ["4.2 d"], 1, "inpatient", None, ["12 wk"], [REVIEW]]
_BETA_REVIEW_ROW = [CRPS, "Beta 2011", RCT, 19, "ketamine", "intravenous", None, ["up to 0.35 mg/kg/h"],
                    ["about 1000 mg per 70 kg"], ["4 h"], 10, "outpatient", ["clonidine", "midazolam"],
                    ["12 weeks", "12 wk"], [REVIEW]]
_BETA_REPORT_ROW = [CRPS, "Beta 2011", RCT, 19, "ketamine", "intravenous", None, ["up to 0.35 mg/kg/h"], None,
                    ["4 h"], 10, "outpatient", ["midazolam"], ["12 weeks", "12 wk"], [BETA_DOC]]
_PHN_ROWS = [
    [PHN, "Gamma 2004", "case_series", 5, "ketamine", "intravenous", None, None, ["0.15 mg/kg"], ["1 h"], 1,
     "outpatient", None, ["3 h"], [REVIEW]],
    [PHN, "Zeta 2019", "case_report", 1, "ketamine", "oral", ["50 mg"], None, None, None, None, None, None, None,
     [ZETA_DOC]],
]
_ALL_PROTOCOL_ROWS = [_ALPHA_ROW, _BETA_REVIEW_ROW, _BETA_REPORT_ROW, *_PHN_ROWS,
                      [FM, "Delta 2012", "prospective_observational_study", 30, "ketamine", None, None, None,
                       ["0.5 mg/kg"], ["30 min"], None, None, ["midazolam"], ["48 h"], [REVIEW]],
                      [PLP, "Epsilon 2015", RCT, 10, "ketamine", "intravenous", None, None, ["0.4 mg/kg"], ["1 h"],
                       1, None, None, ["48 h"], [EPSILON_DOC]]]

_SE_COLUMNS = ["study", "arm", "drug", "rate", "infusion_duration", "total_dose", "effect", "negated", "incidence"]
_BETA_RATE, _H4 = ["up to 0.35 mg/kg/h"], ["4 h"]
_BETA_TOTAL = ["about 1000 mg per 70 kg"]
_SE_ROWS = [
    ["Alpha 2009", "ketamine", "ketamine", ["mean 22.2 mg/h per 70 kg"], ["4.2 d"], None, "psychomimetic_effect",
     False, None],
    # the review's protocol: the review's three statements (no arm named)
    ["Beta 2011", "ketamine", "ketamine", _BETA_RATE, _H4, _BETA_TOTAL, "hallucination", True, None],
    ["Beta 2011", "ketamine", "ketamine", _BETA_RATE, _H4, _BETA_TOTAL, "headache", False, None],
    ["Beta 2011", "ketamine", "ketamine", _BETA_RATE, _H4, _BETA_TOTAL, "nausea", False, None],
    # the report's protocol: its own arm-bound statements, plus the review's unbound ones for the same study
    ["Beta 2011", "ketamine", "ketamine", _BETA_RATE, _H4, None, "hallucination", True, None],
    ["Beta 2011", "ketamine", "ketamine", _BETA_RATE, _H4, None, "headache", False, "4 of 9"],
    ["Beta 2011", "ketamine", "ketamine", _BETA_RATE, _H4, None, "headache", False, None],
    ["Beta 2011", "ketamine", "ketamine", _BETA_RATE, _H4, None, "nausea", False, "4 of 9"],
    ["Beta 2011", "ketamine", "ketamine", _BETA_RATE, _H4, None, "nausea", False, None],
    ["Delta 2012", "ketamine", "ketamine", None, ["30 min"], ["0.5 mg/kg"], "hallucination", False, "3 patients"],
    ["Delta 2012", "ketamine", "ketamine", None, ["30 min"], ["0.5 mg/kg"], "somnolence", False, None],
    ["Epsilon 2015", "ketamine", "ketamine", None, ["1 h"], ["0.4 mg/kg"], "dizziness", False, "6 patients"],
    ["Gamma 2004", "ketamine", "ketamine", None, ["1 h"], ["0.15 mg/kg"], "dizziness", False, "2 of 5"],
    ["Zeta 2019", "oral ketamine", "ketamine", None, None, None, "nausea", True, None],
]

_CLAIM1 = "Longer infusions were associated with longer relief."
_CLAIM2 = "Midazolam reduced hallucinations but not nausea or headache."
_CLAIM1_TEXT = ["Longer infusions were associated with longer relief (level 2 evidence)."]
_CLAIM2_TEXT = ["Midazolam reduced hallucinations but not nausea or headache (level 2 evidence)."]
_CLAIM_COLUMNS = ["claim", "claim_level", "relation", "study", "design", "n", "study_level", "protocols",
                  "sentences", "document"]
_CLAIM1_ROWS = [
    [_CLAIM1, 2, "positive", "Alpha 2009", RCT, 60, 2, 1, _CLAIM1_TEXT, REVIEW],
    [_CLAIM1, 2, "positive", "Beta 2011", RCT, 19, 2, 2, _CLAIM1_TEXT, REVIEW],
    [_CLAIM1, 2, "positive", "Gamma 2004", "case_series", 5, 4, 1, _CLAIM1_TEXT, REVIEW],
]
_CLAIM2_ROWS = [
    [_CLAIM2, 2, "negative", "Beta 2011", RCT, 19, 2, 2, _CLAIM2_TEXT, REVIEW],
    [_CLAIM2, 2, "negative", "Delta 2012", "prospective_observational_study", 30, 3, 1, _CLAIM2_TEXT, REVIEW],
]
_COOC_COLUMNS = ["drug", "condition", "studies", "documents"]

EXPECTED: list[tuple[str, dict, list[str], list[list]]] = [
    ("protocols_for_condition", {}, _PROTOCOL_COLUMNS, _ALL_PROTOCOL_ROWS),
    ("protocols_for_condition", {"condition": "CRPS"}, _PROTOCOL_COLUMNS,
     [_ALPHA_ROW, _BETA_REVIEW_ROW, _BETA_REPORT_ROW]),
    ("protocols_for_condition", {"condition": PHN, "drug": "Ketalar"}, _PROTOCOL_COLUMNS, _PHN_ROWS),
    ("protocols_for_condition", {"condition": "migraine"}, _PROTOCOL_COLUMNS, []),
    ("adjuncts_for_drug", {}, ["drug", "adjunct", "purpose", "route", "doses", "study", "sources"], [
        ["ketamine", "clonidine", None, "oral", ["0.1 mg"], "Beta 2011", [REVIEW]],
        ["ketamine", "midazolam", "reduce psychomimetic effects", "intravenous", ["2 mg"], "Beta 2011", [REVIEW]],
        ["ketamine", "midazolam", "reduce psychomimetic effects", "intravenous", ["2 mg"], "Beta 2011", [BETA_DOC]],
        ["ketamine", "midazolam", None, None, ["1 mg"], "Delta 2012", [REVIEW]],
    ]),
    ("adjuncts_for_drug", {"adjunct": "clonidine"}, ["drug", "adjunct", "purpose", "route", "doses", "study",
                                                    "sources"],
     [["ketamine", "clonidine", None, "oral", ["0.1 mg"], "Beta 2011", [REVIEW]]]),
    ("side_effects_by_protocol", {}, _SE_COLUMNS, _SE_ROWS),
    ("side_effects_by_protocol", {"effect": "hallucination", "condition": CRPS}, _SE_COLUMNS,
     [r for r in _SE_ROWS if r[6] == "hallucination" and r[0] in ("Alpha 2009", "Beta 2011")]),
    ("side_effects_by_adjunct", {}, ["adjunct_given", "effect", "reported", "denied", "protocols"], [
        # with midazolam: both readings of Beta 2011, and Delta 2012
        [True, "hallucination", 1, 2, 3],
        [True, "headache", 2, 0, 3],
        [True, "nausea", 2, 0, 3],
        [True, "somnolence", 1, 0, 3],
        # without: Alpha 2009, Gamma 2004, Epsilon 2015, Zeta 2019
        [False, "dizziness", 2, 0, 4],
        [False, "nausea", 0, 1, 4],
        [False, "psychomimetic_effect", 1, 0, 4],
    ]),
    ("side_effects_by_adjunct", {"adjunct": "clonidine"}, ["adjunct_given", "effect", "reported", "denied",
                                                           "protocols"], [
        [True, "hallucination", 0, 1, 1],
        [True, "headache", 1, 0, 1],
        [True, "nausea", 1, 0, 1],
        [False, "dizziness", 2, 0, 6],
        [False, "hallucination", 1, 1, 6],
        [False, "headache", 1, 0, 6],
        [False, "nausea", 1, 1, 6],
        [False, "psychomimetic_effect", 1, 0, 6],
        [False, "somnolence", 1, 0, 6],
    ]),
    ("relief_vs_infusion_duration", {}, ["study", "arm", "infusion_hours", "sessions", "relief_hours"], [
        ["Delta 2012", "ketamine", 0.5, None, 48.0],
        ["Epsilon 2015", "ketamine", 1.0, 1, 48.0],
        ["Gamma 2004", "ketamine", 1.0, 1, 3.0],
        ["Beta 2011", "ketamine", 4.0, 10, 2016.0],
        ["Beta 2011", "ketamine", 4.0, 10, 2016.0],
        ["Alpha 2009", "ketamine", 100.8, 1, 2016.0],
    ]),
    ("relief_vs_infusion_duration", {"condition": "fibromyalgia"},
     ["study", "arm", "infusion_hours", "sessions", "relief_hours"], [["Delta 2012", "ketamine", 0.5, None, 48.0]]),
    ("relief_vs_total_dose", {}, ["study", "arm", "total_dose", "rate", "relief_hours"], [
        ["Gamma 2004", "ketamine", 10.5, None, 3.0],
        ["Epsilon 2015", "ketamine", 28.0, None, 48.0],
        ["Delta 2012", "ketamine", 35.0, None, 48.0],
        ["Beta 2011", "ketamine", 1000.0, 0.35, 2016.0],
    ]),
    ("studies_by_design", {}, ["study", "design", "n", "evidence_level", "conditions", "documents"], [
        ["Alpha 2009", RCT, 60, 2, [CRPS], [REVIEW]],
        ["Beta 2011", RCT, 19, 2, [CRPS], [BETA_DOC, REVIEW]],
        ["Epsilon 2015", RCT, 10, 2, [PLP], [EPSILON_DOC]],
        ["Delta 2012", "prospective_observational_study", 30, 3, [FM], [REVIEW]],
        ["Gamma 2004", "case_series", 5, 4, [PHN], [REVIEW]],
        ["Zeta 2019", "case_report", 1, 4, [PHN], [ZETA_DOC]],
    ]),
    ("studies_by_design", {"design": "RCT", "min_n": "15"},
     ["study", "design", "n", "evidence_level", "conditions", "documents"], [
        ["Alpha 2009", RCT, 60, 2, [CRPS], [REVIEW]],
        ["Beta 2011", RCT, 19, 2, [CRPS], [BETA_DOC, REVIEW]],
    ]),
    ("evidence_for_claim", {}, _CLAIM_COLUMNS, _CLAIM1_ROWS + _CLAIM2_ROWS),
    ("evidence_for_claim", {"claim": "LONGER infusions"}, _CLAIM_COLUMNS, _CLAIM1_ROWS),
    ("evidence_for_claim", {"variable": "adjunct"}, _CLAIM_COLUMNS, _CLAIM2_ROWS),
    ("conditions_without_randomized_evidence", {}, ["condition", "studies", "designs"], [
        [FM, 1, ["prospective_observational_study"]],
        [PHN, 2, ["case_report", "case_series"]],
    ]),
    ("drug_condition_cooccurrence", {}, _COOC_COLUMNS, [
        ["ketamine", CRPS, 2, 2],
        ["ketamine", PHN, 2, 2],
        ["clonidine", CRPS, 1, 2],
        ["ketamine", FM, 1, 1],
        ["ketamine", PLP, 1, 1],
        ["lidocaine", PLP, 1, 1],
        ["midazolam", CRPS, 1, 2],
        ["midazolam", FM, 1, 1],
    ]),
    ("drug_condition_cooccurrence", {"min_studies": "2"}, _COOC_COLUMNS,
     [["ketamine", CRPS, 2, 2], ["ketamine", PHN, 2, 2]]),
    # the review and the beta report agree on beta-2011; conflicts are tested in tests/test_rdf_parts.py
    ("study_conflicts", {}, ["study", "property", "value", "documents"], []),
]

_PROVENANCE_COLUMNS = ["fact", "type", "document", "page", "section", "table", "row", "col", "char_start", "char_end",
                       "text", "extractor", "version"]
