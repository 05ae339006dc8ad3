// conditions_without_randomized_evidence: the conditions for which no study in the graph is randomized, with how many studies and which designs there are.
// A design counts as randomized when its id, or the id of a broader design (skos:broader), says
// 'randomized' (and not 'nonrandomized'): randomized_controlled_trial, randomized_placebo_controlled_trial ...
// @list designs
// @example kgraph query conditions_without_randomized_evidence --engine cypher
MATCH (s:Study)-[:CONDITION]->(c:Resource)
WHERE NOT EXISTS {
  MATCH (other:Study)-[:CONDITION]->(c), (other)-[:DESIGN]->(:Resource)-[:BROADER*0..]->(ancestor)
  WHERE toLower(split(ancestor.iri, '/')[-1]) CONTAINS 'randomized'
    AND NOT toLower(split(ancestor.iri, '/')[-1]) CONTAINS 'nonrandomized'
    AND NOT toLower(split(ancestor.iri, '/')[-1]) CONTAINS 'non_randomized'
}
WITH DISTINCT c, s
OPTIONAL MATCH (s)-[:DESIGN]->(des)
RETURN split(c.iri, '/')[-1] AS condition, count(DISTINCT s) AS studies,
       collect(DISTINCT split(des.iri, '/')[-1]) AS designs
ORDER BY condition
