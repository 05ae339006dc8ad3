"""Frames to RDF triples under the kgraph ontology, with provenance."""
