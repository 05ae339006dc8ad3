"""Named SPARQL and Cypher queries from queries/, with bound parameters, as tables, CSV or JSON."""
