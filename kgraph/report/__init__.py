"""Reports built from the graph (or from frames): the evidence table."""
