// side_effects_by_adjunct: how often each side effect is reported for protocols of a drug given with an adjunct (e.g. midazolam) versus without it.
// Protocols are split into two groups by whether they list the adjunct. For each group and effect:
// 'reported' counts protocols with the effect stated as present, 'denied' those with it stated as
// absent, and 'protocols' is the size of the group. A statement tied to an arm counts for that arm only.
// @param drug str = "ketamine"      drug id, label or synonym
// @param adjunct str = "midazolam"  adjunct id, label or synonym
// @example kgraph query side_effects_by_adjunct --engine cypher
MATCH (p0:Protocol)-[:DRUG]->(d0:Resource)
WHERE $drug = '' OR toLower(split(d0.iri, '/')[-1]) = toLower($drug)
   OR any(l IN [] + coalesce(d0.prefLabel, []) + coalesce(d0.altLabel, []) + coalesce(d0.abbreviation, [])
          WHERE toLower(toString(l)) = toLower($drug))
WITH DISTINCT p0
WITH p0, EXISTS {
       MATCH (p0)-[:HAS_COADMINISTRATION]->()-[:DRUG]->(a0)
       WHERE toLower(split(a0.iri, '/')[-1]) = toLower($adjunct)
          OR any(l IN [] + coalesce(a0.prefLabel, []) + coalesce(a0.altLabel, []) + coalesce(a0.abbreviation, [])
                 WHERE toLower(toString(l)) = toLower($adjunct)) } AS given
WITH given AS adjunct_given, count(DISTINCT p0) AS protocols
MATCH (s:Study)-[:HAS_ARM]->(arm:Arm)-[:HAS_PROTOCOL]->(p:Protocol)-[:DRUG]->(d:Resource),
      (s)-[:HAS_ADVERSE_EFFECT]->(ae:AdverseEffect)-[:EFFECT]->(e:Resource)
WHERE (NOT EXISTS { (ae)-[:ARM]->() } OR EXISTS { (ae)-[:ARM]->(arm) })
  AND ($drug = '' OR toLower(split(d.iri, '/')[-1]) = toLower($drug)
       OR any(l IN [] + coalesce(d.prefLabel, []) + coalesce(d.altLabel, []) + coalesce(d.abbreviation, [])
              WHERE toLower(toString(l)) = toLower($drug)))
WITH DISTINCT adjunct_given, protocols, p, ae, e
WITH adjunct_given, protocols, p, ae, e, EXISTS {
       MATCH (p)-[:HAS_COADMINISTRATION]->()-[:DRUG]->(a)
       WHERE toLower(split(a.iri, '/')[-1]) = toLower($adjunct)
          OR any(l IN [] + coalesce(a.prefLabel, []) + coalesce(a.altLabel, []) + coalesce(a.abbreviation, [])
                 WHERE toLower(toString(l)) = toLower($adjunct)) } AS given
WHERE given = adjunct_given
RETURN adjunct_given,
       split(e.iri, '/')[-1] AS effect,
       count(DISTINCT CASE WHEN NOT ae.negated THEN p END) AS reported,
       count(DISTINCT CASE WHEN ae.negated THEN p END) AS denied,
       protocols
ORDER BY adjunct_given DESC, effect
