"""Document identity from the front matter: DOI and year, which key a document in the graph."""

from kgraph.parse.builder import doi_from, year_from


def test_doi_broken_at_a_line_end_is_joined():
    assert doi_from("doi:10.1136/bmjopen-2016-\n012335\n") == "10.1136/bmjopen-2016-012335"
    assert doi_from("doi:10.1136/bmjopen-2016- 012335 ▸ Prepublication") == "10.1136/bmjopen-2016-012335"


def test_doi_trailing_punctuation_is_dropped():
    assert doi_from("available at doi:10.1000/abc.12.") == "10.1000/abc.12"


def test_year_from_a_vancouver_citation_line():
    assert year_from("Some Journal. 2010;13(4):379-390.") == 2010
    assert year_from("Anesth Analg 2017 Feb;124(2):661-74") == 2017


def test_year_is_not_taken_from_the_reference_list():
    body = "Title line\n" + "words " * 600 + "\nReferences\n1. Smith J. A study. J Pain. 1999;3:12-19."
    assert year_from(body) is None
