"""Small parts of the reader: citation markers, reference entries, text clean-up, sections."""

from __future__ import annotations

from collections import Counter

import pytest

from kgraph.parse.citations import parse_marker
from kgraph.parse.references import parse_reference, split_entries
from kgraph.parse.sections import canonical_kind, caption_label
from kgraph.parse.text_reader import split_citations
from kgraph.parse.textnorm import join_hyphenated, normalize


@pytest.mark.parametrize(
    "marker,numbers",
    [
        ("3,4", [3, 4]),
        ("3–7,26", [3, 4, 5, 6, 7, 26]),
        ("[23, 24]", [23, 24]),
        ("34,7,9-17,19,38", [3, 4, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 19, 38]),  # OCR lost a comma
        ("2018", [2018]),
    ],
)
def test_parse_marker(marker, numbers):
    assert parse_marker(marker) == numbers


def test_parse_marker_rejects_what_is_not_a_citation():
    assert parse_marker("7-3") is None
    assert parse_marker("0") is None
    assert parse_marker("2018", max_ref=41) is None
    assert parse_marker("a") is None


def test_split_citations_from_converter_output():
    pieces = split_citations("transmission.^{28,29} As is the case, the relief ³⁰ lasted; synthase.32 Ketamine was 2 mg.")
    cites = [t for t, tag in pieces if tag == "cite"]
    assert cites == ["28,29", "30"]
    # bare digits glued to a word are candidates, kept only when a reference list fits them
    assert [t for t, tag in pieces if tag == "bare"] == ["32"]
    assert "".join(t for t, tag in pieces if tag == "") .count("2 mg") == 1


def test_normalize_keeps_clinical_meaning():
    assert normalize("eﬀective ﬁrst") == "effective first"
    assert normalize("5 µg/kg and 5 μg/kg") == "5 μg/kg and 5 μg/kg"
    assert normalize("“quoted” it’s") == "\"quoted\" it's"
    assert normalize("1½ h, 3–7, −0.5, 39·8") == "1½ h, 3–7, -0.5, 39.8"


def test_line_end_hyphens_decided_by_the_document():
    vocab = Counter({"heterogeneity": 2, "placebo": 5, "controlled": 4, "wind": 1, "up": 3, "like": 2})
    assert join_hyphenated("statistical heterogen-", "eity was", vocab) == "statistical heterogeneity was"
    assert join_hyphenated("a placebo-", "controlled trial", vocab) == "a placebo-controlled trial"
    assert join_hyphenated("no wind-up-", "like pain", vocab) == "no wind-up-like pain"
    assert join_hyphenated("anti-", "TNF", vocab) == "anti-TNF"


@pytest.mark.parametrize(
    "heading,kind",
    [
        ("METHODS", "methods"),
        ("Materials and Methods", "methods"),
        ("2. Patients and methods", "methods"),
        ("Background", "introduction"),
        ("SUMMARY AND FUTURE DIRECTIONS", "conclusions"),
        ("Literature Cited", "references"),
        ("Acknowledgements", "other"),
        ("Duration of Infusion", None),
    ],
)
def test_canonical_section_names(heading, kind):
    assert canonical_kind(heading, strict=True) == kind


def test_captions():
    assert caption_label("Table 2. Continued") == ("Table", "2")
    assert caption_label("Table 3 Summary of changes") == ("Table", "3")
    assert caption_label("Fig. 2 Forest plot") == ("Figure", "2")
    assert caption_label("Figure. PRISMA flow diagram.") == ("Figure", "")
    assert caption_label("Table 2 shows the doses") is None


def test_reference_styles():
    ama = parse_reference(3, "Sigtermans MJ, van Hilten JJ, Bauer MC, et al. Ketamine produces effective and long-term "
                             "pain relief in patients with Complex Regional Pain Syndrome Type 1. Pain. 2009;145:304–311.")
    assert ama.authors == ["Sigtermans MJ", "van Hilten JJ", "Bauer MC"]
    assert (ama.journal, ama.year, ama.volume, ama.pages) == ("Pain", 2009, "145", "304–311")
    bmc = parse_reference(10, "Palmer D: Tackling Malawi's human resources crisis. Reprod Health Matters 2006, 14(27):27–39.")
    assert bmc.authors == ["Palmer D"] and bmc.journal == "Reprod Health Matters" and bmc.year == 2006
    biochem = parse_reference(5, "Natesh, R., Schwager, S. L., Sturrock, E. D. and Acharya, K. R. (2003) Crystal structure "
                                 "of the human angiotensin-converting enzyme-lisinopril complex. Nature 421, 551–554")
    assert biochem.authors[0] == "Natesh, R." and biochem.year == 2003 and biochem.journal == "Nature"
    assert (biochem.volume, biochem.pages) == ("421", "551–554")
    jmir = parse_reference(1, "Brug J, Aro AR. Risk perceptions and behaviour. Emerg Infect Dis 2004;10(8):1486-1489. "
                              "[doi: 10.3201/eid1008.040283] [Medline: 15496256]")
    assert jmir.doi == "10.3201/eid1008.040283" and jmir.pmid == "15496256"


def test_reference_entries_from_lines():
    lines = [
        "1. Domino EF. Taming the ketamine tiger. 1965. Anesthesiology.",
        "2010;113:678–684.",
        "Kronenberg RH. Ketamine as an analgesic. J Pain Palliat Care Pharmacother. 2002;16:27–35.",
        "- Jackson K, Ashby M. Burst ketamine for cancer pain. J Pain Symptom Manage. 2001;22:834",
        "–842.",
    ]
    entries = split_entries(lines)
    assert [n for n, _ in entries] == [1, 2, 3]
    assert entries[0][1].endswith("2010;113:678–684.") and entries[2][1].endswith("834–842.")
