"""Every IRI namespace kgraph uses, in one module.

- KG:    the ontology's classes and properties (ontology/kgraph.ttl)
- VOCAB: concepts of the SKOS vocabularies, one scheme per file in ontology/vocab/
         e.g. VOCAB["drugs/ketamine"], VOCAB["conditions/complex_regional_pain_syndrome"]
- ID:    instance data minted from stable content (documents, studies, protocols, ...)
- GRAPH: named graphs, one per document
"""

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SH, SKOS, XSD

BASE = "https://w3id.org/kgraph/"
KG = Namespace(BASE + "ontology#")
VOCAB = Namespace(BASE + "vocab/")
ID = Namespace(BASE + "id/")
GRAPH = Namespace(BASE + "graph/")
UO = Namespace("http://purl.obolibrary.org/obo/UO_")
QUDT_UNIT = Namespace("http://qudt.org/vocab/unit/")
MESH = Namespace("http://id.nlm.nih.gov/mesh/")
DRUGBANK = Namespace("https://go.drugbank.com/drugs/")
CHEBI = Namespace("http://purl.obolibrary.org/obo/CHEBI_")
BIBO = Namespace("http://purl.org/ontology/bibo/")

PREFIXES = {
    "kg": KG,
    "vocab": VOCAB,
    "id": ID,
    "graph": GRAPH,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "prov": PROV,
    "dcterms": DCTERMS,
    "sh": SH,
    "uo": UO,
    "unit": QUDT_UNIT,
    "mesh": MESH,
    "drugbank": DRUGBANK,
    "chebi": CHEBI,
    "bibo": BIBO,
}


def concept_iri(scheme: str, concept_id: str):
    """IRI of a vocabulary concept; broad-lexicon ids like 'drugbank:DB01221' keep their prefix."""
    return VOCAB[f"{scheme}/{concept_id.replace(':', '_')}"]
