"""Stores: the embedded RDF store (default) and the Neo4j projection/loader."""
