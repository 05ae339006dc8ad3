"""Evidence views drawn from the graph: the interactive evidence network (one HTML file),
its static image (SVG, PNG), and the trend plots of the review's conclusions.

- evidence.py: the graph (through the networkx projection) -> an EvidenceNetwork of protocols,
  drugs, adjuncts, conditions, outcome measures and side effects, each edge carrying the studies
  and sentences behind it;
- network.py:  EvidenceNetwork -> HTML (vendored cytoscape.js inlined) or SVG/PNG (matplotlib);
- plots.py:    named SPARQL queries -> trend figures with their data points as JSON.
"""
