// studies_by_design: the studies in the graph with their design, size and level of evidence (Oxford CEBM), the conditions studied and the documents that describe them.
// The level is the one stated for the study, else the design's default level from the designs vocabulary.
// A study of several parts is listed by its parts ("Graven-Nielsen 2000 (Part 1)"); the whole study only when a document gives it facts of its own.
// @param design str = ""   only this design (id, label or abbreviation such as RCT); "" for all
// @param min_n int = 0     only studies with at least this many patients (0: no limit, unknown sizes included)
// @list conditions documents
// @example kgraph query studies_by_design --engine cypher
MATCH (s:Study)
WHERE NOT EXISTS { ()-[:IS_PART_OF]->(s) } OR s.sampleSize IS NOT NULL
   OR EXISTS { (s)-[:DESIGN|CONDITION|HAS_ARM|HAS_OUTCOME]->() }
OPTIONAL MATCH (s)-[:DESIGN]->(des)
WITH DISTINCT s, des
WHERE ($design = '' OR (des IS NOT NULL AND (toLower(split(des.iri, '/')[-1]) = toLower($design)
       OR any(l IN [] + coalesce(des.prefLabel, []) + coalesce(des.altLabel, []) + coalesce(des.abbreviation, [])
              WHERE toLower(toString(l)) = toLower($design)))))
  AND ($min_n <= 0 OR s.sampleSize >= $min_n)
RETURN s.label AS study,
       split(des.iri, '/')[-1] AS design,
       s.sampleSize AS n,
       coalesce(s.evidenceLevel, des.evidenceLevel) AS evidence_level,
       [(s)-[:CONDITION]->(c) | split(c.iri, '/')[-1]] AS conditions,
       [(doc:Document)-[:REPORTS_STUDY]->(s) | doc.label] AS documents
ORDER BY evidence_level, n DESC, study
