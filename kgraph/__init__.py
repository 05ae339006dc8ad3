"""kgraph: clinical literature to a knowledge graph of treatment protocols.

Data flows one way: parse -> extract -> rdf -> store -> query/viz.
"""

__version__ = "0.1.0"
