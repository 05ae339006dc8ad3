// evidence_for_claim: the evidence behind a review's claims: each claim with its level, the studies it cites (design, size, level, number of protocols) and the sentences it was read from.
// One row per claim and cited study (a claim citing nothing gets one row without a study); a cited study of
// several parts gives one row per part, and one for the whole study only when a document gives it facts of its own.
// @param claim str = ""      words the claim's statement contains (case-insensitive); "" for all claims
// @param variable str = ""   only claims relating this variable (infusion_duration, relief_duration, total_dose, adjunct ...); "" for all
// @list sentences
// @example kgraph query evidence_for_claim --param claim="longer infusions" --engine cypher
MATCH (c:Claim)
WHERE ($claim = '' OR toLower(c.statement) CONTAINS toLower($claim))
  AND ($variable = '' OR any(v IN [] + coalesce(c.comparesVariable, []) WHERE toLower(v) = toLower($variable)))
OPTIONAL MATCH (doc:Document)-[:HAS_CLAIM]->(c)
OPTIONAL MATCH (c)-[:CITES_STUDY]->()<-[:IS_PART_OF*0..1]-(s)
  WHERE NOT EXISTS { ()-[:IS_PART_OF]->(s) } OR s.sampleSize IS NOT NULL
     OR EXISTS { (s)-[:DESIGN|CONDITION|HAS_ARM|HAS_OUTCOME]->() }
OPTIONAL MATCH (s)-[:DESIGN]->(des)
WITH DISTINCT c, doc, s, des
RETURN c.statement AS claim,
       c.evidenceLevel AS claim_level,
       c.relation AS relation,
       s.label AS study,
       split(des.iri, '/')[-1] AS design,
       s.sampleSize AS n,
       coalesce(s.evidenceLevel, des.evidenceLevel) AS study_level,
       CASE WHEN s IS NULL THEN 0
            ELSE size(reduce(seen = [], x IN [(s)-[:HAS_ARM]->()-[:HAS_PROTOCOL]->(p) | p.iri] |
                      CASE WHEN x IN seen THEN seen ELSE seen + x END)) END AS protocols,
       [(c)-[:HAS_EVIDENCE]->(e) | e.text] AS sentences,
       doc.label AS document
ORDER BY claim, study
