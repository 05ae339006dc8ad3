"""Text reader: bare numbers vs citations, structured-abstract labels, front matter.

Every case is a short text written for this test (no sentence from the corpus, the
held-out set or the seed); each checks a general rule, not one wording."""

from __future__ import annotations

import hashlib

import pytest

from kgraph.parse.builder import is_affiliation, split_authors, year_from
from kgraph.parse.text_reader import read_text


def read(text: str):
    data = text.encode("utf-8")
    return read_text("front.txt", data, hashlib.sha256(data).hexdigest())


def section_of(doc, fragment: str) -> str | None:
    i = doc.text.find(fragment)
    assert i >= 0, fragment
    return doc.section_of(i)


@pytest.mark.parametrize(
    "sentence,count",
    [
        ("Eleven patients reported nausea, 4 vomiting and 2 headache.", "4 vomiting"),
        ("In all, 212 people were assessed, 150 were eligible.", "150 were eligible"),
        ("Of the volunteers, 18 completed every visit.", "18 completed"),
    ],
)
def test_a_number_before_a_word_is_a_count_not_a_citation(sentence, count):
    doc = read(f"A trial of lidocaine\n\nMethods: {sentence}\n")
    assert count in doc.text
    assert not [c for b in doc.blocks() for c in b.citations]


def test_bare_digits_need_a_reference_list_to_be_citations():
    body = "Lidocaine blocks sodium channels.7 Mexiletine is its oral analogue."
    without = read(f"Sodium channel blockers\n\nIntroduction\n\n{body}\n")
    assert not [c for b in without.blocks() for c in b.citations]
    refs = "\n".join(f"{i}. Author A. A title number {i}. J Test. 2001;{i}:1-2." for i in range(1, 9))
    with_refs = read(f"Sodium channel blockers\n\nIntroduction\n\n{body}\n\nReferences\n\n{refs}\n")
    assert [c.numbers for b in with_refs.blocks() for c in b.citations] == [[7]]


def test_superscript_and_bracket_citations_stay_citations():
    doc = read("Opioids in pain\n\nIntroduction\n\nOpioids are common³ and debated [4].\n")
    assert [c.numbers for b in doc.blocks() for c in b.citations] == [[3], [4]]


def test_abstract_line_directly_followed_by_labelled_text_is_the_abstract():
    doc = read(
        "Nerve blocks for hip fracture\n\nAbstract\nMethods: Eighty older adults were randomized.\n"
        "Results: Pain scores fell.\n\nIntroduction\n\nHip fractures are common.\n"
    )
    assert section_of(doc, "Eighty older adults") == "abstract"
    assert section_of(doc, "Hip fractures are common") == "introduction"


def test_labelled_abstract_without_heading_after_the_title():
    doc = read("Nerve blocks for hip fracture\n\nMethods: Eighty older adults were randomized.\n\nResults: Pain fell.\n")
    assert section_of(doc, "Eighty older adults") == "abstract"


def test_category_line_and_glued_labels():
    doc = read(
        "Brief Report\n\nSpinal anaesthesia for knee surgery in older adults\n\nMary Stone, MD, and Tom Reed, PhD\n\n"
        "ObjectiveTo compare two spinal doses.\n\nParticipantsSixty adults.\n\nResultsBoth doses worked.\n\n"
        "Introduction\n\nKnee surgery is common.\n"
    )
    assert doc.title.startswith("Spinal anaesthesia")
    assert doc.authors == ["Mary Stone", "Tom Reed"]
    assert section_of(doc, "Sixty adults") == "abstract"
    assert "Participants: Sixty adults" in doc.text


def test_affiliation_lines_are_front_matter():
    doc = read(
        "Exercise advice after stroke\n\nAnn Lee1, Bo Chan2\n\n1 University of Leeds, Leeds, UK\n\n"
        "2 Department of Rehabilitation, City Hospital, Bristol, UK\n\nAbstract\n\nMethods: Forty survivors took part.\n"
    )
    notes = [b.text for b in doc.blocks() if b.kind == "footnote"]
    assert any("University of Leeds" in n for n in notes)
    assert any("Department of Rehabilitation" in n for n in notes)


@pytest.mark.parametrize(
    "line,expected",
    [
        ("Maria Costa [1] , PhD; Jon Berg [2] , MSc; Ana Ruiz [1, 3] , FRCGP", ["Maria Costa", "Jon Berg", "Ana Ruiz"]),
        ("Helena SouzaI , Pedro AlvesII, Rita Mendes de LimaIII", ["Helena Souza", "Pedro Alves", "Rita Mendes de Lima"]),
        ("Kim Park1,2*, Lee Cho [3]", ["Kim Park", "Lee Cho"]),
    ],
)
def test_affiliation_markers_do_not_stay_on_author_names(line, expected):
    assert split_authors(line) == expected


@pytest.mark.parametrize(
    "text,is_aff",
    [
        ("Department of Public Health, Example University", True),
        ("3 Institute of Neurology, London, UK", True),
        ("and Primary Care (K Mills PhD,", True),
        ("Patients were treated at the University Hospital clinic.", False),
    ],
)
def test_affiliation_lines_are_recognized(text, is_aff):
    assert is_affiliation(text) is is_aff


def test_publication_year_wins_over_received_date():
    head = "Received: 12 Nov 2019; Accepted: 3 Feb 2020\nJ Example Med. 2020;14:101-109."
    assert year_from(head) == 2020
    assert year_from("Received: 12 Nov 2019") == 2019


def test_published_online_date_gives_the_year():
    assert year_from("Lancet Example 2014\nPublished Online\nSeptember 25, 2014 http://example.org") == 2014


def test_unicode_exponents_are_not_citations():
    doc = read("Obesity and pain\n\nMethods: Adults with a BMI above 30 kg/m² and platelets above 150 × 10⁹ were included.\n")
    assert not [c for b in doc.blocks() for c in b.citations]
    assert "kg/m2" in doc.text or "kg/m²" in doc.text
