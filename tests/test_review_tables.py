"""Evidence tables to Study frames: column roles, cell pieces, rows, bad input."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from kgraph.extract import tables as T
from kgraph.extract.linking import resolve_citation
from kgraph.extract.review import extract_review, read_table
from kgraph.parse.model import Cell, Document, Reference, Span, Table

from test_review_support import analyzer, seed_table_document, seed_table_frames, table_gold

GOLD_ROLES = ["reference", "condition", "study_size", "design", "infusion_duration", "setting", "dose",
              "combination_therapy", "relief_duration", "secondary_outcomes", "side_effects"]


def _table(header: list[str], rows: list[list[str]], footnote: str = "", caption: str = "Table 1. Included studies") -> Table:
    return Table(id="Table 1", caption=caption, header=[[Cell(h, 0, j) for j, h in enumerate(header)]],
                 rows=[[Cell(t, i, j) for j, t in enumerate(r)] for i, r in enumerate(rows)], footnote=footnote)


# --- column roles ---------------------------------------------------------------------------------

def test_seed_headers_get_their_roles():
    gold = table_gold()
    reading = T.classify_columns(_table(gold["columns"], [[r[f] for f in (
        "reference", "clinical_indication", "study_size", "study_design", "duration_of_infusion", "study_setting",
        "dose_range", "combination_therapy", "duration_of_pain_relief", "secondary_outcomes", "side_effects")] for r in gold["rows"][:5]]))
    assert reading.is_evidence_table
    assert [c.role for c in reading.columns] == GOLD_ROLES


def test_synonym_headers_in_another_order_get_the_same_roles():
    header = ["Adverse events", "Author (year)", "Sample size", "Indication", "Dosage", "Infusion time", "Design",
              "Setting", "Adjuncts", "Pain relief", "Other outcomes"]
    reading = T.classify_columns(_table(header, [["None.", "Smith 2009", "12", "CRPS", "0.3 mg/kg", "40 min", "RCT",
                                                   "outpatient", "None.", "Lower pain at 1 wk.", "None."]]))
    roles = reading.roles
    assert reading.is_evidence_table
    assert roles["side_effects"] == 0 and roles["reference"] == 1 and roles["study_size"] == 2
    assert roles["condition"] == 3 and roles["dose"] == 4 and roles["infusion_duration"] == 5
    assert roles["design"] == 6 and roles["setting"] == 7 and roles["combination_therapy"] == 8
    assert roles["relief_duration"] == 9 and roles["secondary_outcomes"] == 10


def test_a_user_extends_recognition_in_the_yaml(tmp_path):
    text = T.COLUMN_ROLES_FILE.read_text(encoding="utf-8")
    custom = tmp_path / "table_columns.yaml"
    custom.write_text(text.replace("    headers: [study setting, setting,", "    headers: [where treated, study setting, setting,"), encoding="utf-8")
    header = ["Study", "N", "Where treated", "Design"]
    rows = [["Smith 2009", "12", "outpatient", "RCT"]]
    before = T.classify_columns(_table(header, rows))
    after = T.classify_columns(_table(header, rows), roles=T.load_column_roles(custom))
    assert before.roles.get("setting") is None
    assert after.roles["setting"] == 2


def test_bad_role_file_is_one_clear_error(tmp_path):
    from kgraph.errors import InputError

    bad = tmp_path / "table_columns.yaml"
    bad.write_text("roles: [unclosed", encoding="utf-8")
    with pytest.raises(InputError, match="table_columns.yaml"):
        T.load_column_roles(bad)


# --- cell pieces --------------------------------------------------------------------------------

def test_numbered_items_are_split_with_offsets():
    text = "1. Pain relief at 1 wk, 1 mo, 3 mo, and 6 mo. 2. Recrudescence in 6/20 patients at 6 mo."
    items = T.split_items(text)
    assert [i[0] for i in items] == ["Pain relief at 1 wk, 1 mo, 3 mo, and 6 mo.", "Recrudescence in 6/20 patients at 6 mo."]
    assert all(text[s:e] == t for t, s, e in items)
    # decimals and cells that do not open with "1." stay whole
    assert len(T.split_items("0.1 mg/kg midazolam loading dose followed by 0.025 mg/kg midazolam.")) == 1
    assert len(T.split_items("Reduced VAS 2. at 3 h")) == 1


@pytest.mark.parametrize("text,author,numbers,part,year", [
    ("Sigtermans et al³", "Sigtermans", [3], None, None),
    ("Graven-Nielsen et al (Part 2)¹⁴", "Graven-Nielsen", [14], "Part 2", None),
    ("Graven- Nielsen et al (Part 1)14", "Graven-Nielsen", [14], "Part 1", None),
    ("Patil and Anitescu^{27}", "Patil", [27], None, None),
    ("Amr10", "Amr", [10], None, None),
    ("Smith J, 2003 [4-6]", "Smith", [4, 5, 6], None, 2003),
    ("van Dijk et al. (2011b)", "van Dijk", [], None, 2011),
])
def test_reference_labels(text, author, numbers, part, year):
    lab = T.parse_reference_label(text)
    assert (lab.author, lab.numbers, lab.part, lab.year) == (author, numbers, part, year)


def test_footnote_abbreviations_expand_cells():
    ab = {"IP": "inpatient", "PRCT": "prospective randomized control trial"}
    expanded, pieces = T.expand_abbreviations("PRCT parallel, IP", ab)
    assert expanded == "prospective randomized control trial parallel, inpatient"
    assert T.map_back(pieces, 0, len("prospective randomized control trial")) == (0, 4)


# --- rows to studies -------------------------------------------------------------------------------

def test_one_study_per_row_and_two_parts_share_a_key():
    fr = seed_table_frames()
    assert len(fr.studies) == 27
    assert len({s.key for s in fr.studies}) == 26
    parts = [s for s in fr.studies if s.part]
    assert [(s.key, s.part, s.n) for s in parts] == [("graven-nielsen-2000", "Part 1", 29), ("graven-nielsen-2000", "Part 2", 15)]
    assert all(s.reference_number is not None for s in fr.studies)


def _study(fr, key, part=None):
    return next(s for s in fr.studies if s.key == key and s.part == part)


def test_row_facts_protocol_adjuncts_comparators_outcomes_effects():
    fr = seed_table_frames()
    s = _study(fr, "schwartzman-2009")
    assert (s.n, s.design.id, s.setting.id, s.reference_number, s.evidence_level) == (9, "randomized_controlled_trial", "outpatient", 4, 2)
    p = s.arms[0].protocol
    assert p.drug.id == "ketamine" and p.sessions == 10 and p.schedule == "daily"
    assert [q.normalized_value for q in p.infusion_duration] == [4]
    assert {q.normalized_value for q in p.rate} == {Decimal("0.35"), 25}
    assert [(q.normalized_value, q.normalized_unit) for q in p.total_dose] == [(1000, "mg/70kg")]
    assert {c.drug.id: c.route for c in p.coadministrations} == {"midazolam": "intravenous", "clonidine": "oral"}
    assert [c.kind for c in s.comparators] == ["placebo"]
    assert [o.relief_duration.normalized_value for o in s.outcomes] == [672, 1344]  # 4 wk, 8 wk
    assert {a.effect.id for a in s.adverse_effects} == {"nausea", "headache", "fatigue"}
    assert all(a.incidence.value == 4 for a in s.adverse_effects)

    sig = _study(fr, "sigtermans-2009")
    assert sig.arms[0].protocol.form == "S(+)-ketamine"
    assert sig.conditions[0].id == "crps_type_1"

    kiefer = _study(fr, "kiefer-2008")
    assert [(a.effect.id, a.negated) for a in kiefer.adverse_effects] == [("adverse_event", True)]  # "None."
    assert kiefer.arms[0].protocol.titration is not None

    noppers = _study(fr, "noppers-2011")
    assert [(c.kind, c.drug.id) for c in noppers.comparators] == [("active_placebo", "midazolam")]
    assert not noppers.arms[0].protocol.coadministrations

    kim = _study(fr, "kim-2015")
    assert [(c.kind, c.drug.id) for c in kim.comparators] == [("active", "magnesium_sulfate")]
    assert [q.text for q in kim.arms[0].protocol.total_dose] == ["0.1 mg/kg"]
    assert {a.label: a.n for a in kim.arms} == {"ketamine": 15, "MgSO4": 15}

    kang = _study(fr, "kang-2010")
    assert [q.text for q in kang.arms[0].protocol.bolus] == ["0.2 mg/kg"]
    assert ("hypotension", True) in {(a.effect.id, a.negated) for a in kang.adverse_effects}


def test_every_fact_points_at_its_cell():
    doc = seed_table_document()
    fr = seed_table_frames()
    table = doc.tables[-1]
    seen = 0
    for s in fr.studies:
        facts = list(s.outcomes) + list(s.secondary_outcomes) + list(s.adverse_effects) + list(s.comparators)
        for a in s.arms:
            if a.protocol:
                facts += [a.protocol] + a.protocol.coadministrations + a.protocol.infusion_duration + a.protocol.rate + a.protocol.total_dose
        for f in facts:
            for e in f.evidence:
                assert e.table == "Table 2" and e.row is not None and e.col is not None
                cell = table.rows[e.row][e.col]
                assert doc.text[e.start:e.end] == e.text  # offsets into Document.text
                assert cell.span.start <= e.start and e.end <= cell.span.end
                seen += 1
    assert seen > 250


def test_reworded_rows_are_read_the_same_way():
    """Not the review's sentences: other wording, other abbreviations, other order."""
    header = ["Study", "Patients (n)", "Population", "Type of study", "Regimen", "Co-medication", "Setting",
              "Infusion length", "Efficacy", "Adverse effects"]
    rows = [
        ["Okafor et al 12", "n = 24", "PHN", "RCT, crossover", "ketamine 0.15 mg/kg/h", "Clonidine 0.1 mg by mouth.",
         "Outpatient clinic", "2 hours", "Lower NRS for 3 weeks after the last session.", "No patient had hallucinations."],
        ["Lindqvist 13", "31", "Fibromyalgia", "retrospective", "0.5 mg/kg over 30 min", "None", "inpatient ward",
         "30 min", "No difference from placebo at 2 wk.", "Nausea in 3 of 31."],
    ]
    doc = Document(source="t.txt", sha256="0", text="", references=[
        Reference(12, "Okafor L, et al. Illustrative. 2015.", authors=["Okafor L"], year=2015, title="Illustrative one"),
        Reference(13, "Lindqvist A, et al. Illustrative. 2012.", authors=["Lindqvist A"], year=2012, title="Illustrative two"),
    ])
    table = _table(header, rows, footnote="Abbreviations: PHN, postherpetic neuralgia; NRS, numerical rating scale.",
                   caption="Table 3. Ketamine infusion studies")
    studies, warnings = read_table(doc, table, analyzer())
    a, b = studies
    assert (a.key, a.n, a.design.id, [c.id for c in a.conditions]) == ("okafor-2015", 24, "randomized_controlled_trial", ["postherpetic_neuralgia"])
    pa = a.arms[0].protocol
    assert pa.drug.id == "ketamine" and [q.normalized_value for q in pa.rate] == [Decimal("0.15")]
    assert [(c.drug.id, c.route) for c in pa.coadministrations] == [("clonidine", "oral")]
    assert [q.normalized_value for q in pa.infusion_duration] == [2]
    assert a.outcomes[0].relief_duration.normalized_value == 504  # 3 weeks in hours
    assert [(x.effect.id, x.negated) for x in a.adverse_effects] == [("hallucination", True)]
    assert (b.key, b.n, b.setting.id) == ("lindqvist-2012", 31, "inpatient")
    assert b.outcomes[0].direction == "not_significant" and b.outcomes[0].relief_duration is None
    assert [(x.effect.id, x.negated, x.incidence.value) for x in b.adverse_effects] == [("nausea", False, 3)]


# --- bad input ------------------------------------------------------------------------------------

def test_unrecognized_header_keeps_the_table_and_warns_without_facts():
    doc = seed_table_document(header=["Col A", "Col B", "Col C", "Col D", "Col E", "Col F", "Col G", "Col H", "Col I", "Col J", "Col K"])
    fr = extract_review(doc, analyzer=analyzer())
    assert fr.studies == []
    assert any("Table 2: not read as an evidence table" in w and "kept as a table" in w for w in fr.warnings)
    assert doc.tables[-1].rows  # the table itself is untouched


def test_citation_matching_no_reference_is_reported_not_guessed():
    gold = copy.deepcopy(table_gold())
    rows = gold["rows"][:2]
    rows[0] = dict(rows[0], ref=99)  # Sigtermans row cites a reference the list does not have
    doc = seed_table_document(rows=rows)
    fr = extract_review(doc, analyzer=analyzer())
    sig = fr.studies[0]
    assert sig.reference_number is None and sig.title is None and sig.year is None
    assert any("citation 99 matches no reference" in w for w in fr.warnings)
    assert any("Sigtermans" in w and "will not link" in w for w in fr.warnings)


def test_two_candidate_references_are_both_reported_with_scores():
    refs = [Reference(8, "Eide PK, ... 1995.", authors=["Eide PK"], year=1995, title="Central dysesthesia pain"),
            Reference(13, "Eide PK, ... 1994.", authors=["Eide PK"], year=1994, title="Relief of post-herpetic neuralgia")]
    res = resolve_citation(T.parse_reference_label("Eide et al"), refs)
    assert res.reference is None
    assert [c.reference.number for c in res.candidates] == [8, 13]
    assert "[8] Eide 1995 (score 100)" in res.problem and "[13] Eide 1994 (score 100)" in res.problem
    # the year settles it
    assert resolve_citation(T.parse_reference_label("Eide et al (1994)"), refs).reference.number == 13
