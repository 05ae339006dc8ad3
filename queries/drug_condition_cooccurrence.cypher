// drug_condition_cooccurrence: which drugs appear with which conditions across studies and papers: as the protocol's drug, an adjunct, or a comparator.
// 'studies' counts distinct studies of the condition mentioning the drug; 'documents' counts the documents describing those studies.
// @param drug str = ""          only this drug (id, label or synonym); "" for all
// @param condition str = ""     only this condition (id, label or abbreviation); "" for all
// @param min_studies int = 1    only pairs seen in at least this many studies
// @example kgraph query drug_condition_cooccurrence --engine cypher
MATCH (doc:Document)-[:REPORTS_STUDY]->(s:Study)-[:CONDITION]->(c:Resource)
CALL {
  WITH s
  MATCH (s)-[:HAS_ARM]->()-[:HAS_PROTOCOL]->()-[:DRUG]->(d) RETURN d
  UNION
  WITH s
  MATCH (s)-[:HAS_ARM]->()-[:HAS_PROTOCOL]->()-[:HAS_COADMINISTRATION]->()-[:DRUG]->(d) RETURN d
  UNION
  WITH s
  MATCH (s)-[:HAS_COMPARATOR]->()-[:DRUG]->(d) RETURN d
  UNION
  WITH s
  MATCH (s)-[:HAS_ARM]->()-[:HAS_COMPARATOR]->()-[:DRUG]->(d) RETURN d
}
WITH DISTINCT doc, s, c, d
WHERE ($drug = '' OR toLower(split(d.iri, '/')[-1]) = toLower($drug)
       OR any(l IN [] + coalesce(d.prefLabel, []) + coalesce(d.altLabel, []) + coalesce(d.abbreviation, [])
              WHERE toLower(toString(l)) = toLower($drug)))
  AND ($condition = '' OR toLower(split(c.iri, '/')[-1]) = toLower($condition)
       OR any(l IN [] + coalesce(c.prefLabel, []) + coalesce(c.altLabel, []) + coalesce(c.abbreviation, [])
              WHERE toLower(toString(l)) = toLower($condition)))
WITH split(d.iri, '/')[-1] AS drug, split(c.iri, '/')[-1] AS condition, count(DISTINCT s) AS studies,
     count(DISTINCT doc) AS documents
WHERE studies >= $min_studies
RETURN drug, condition, studies, documents
ORDER BY studies DESC, drug, condition
