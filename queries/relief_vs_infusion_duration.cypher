// relief_vs_infusion_duration: per protocol, how long one infusion lasted against how long relief lasted (both in hours).
// The review's first claim: longer infusions go with longer relief. Uses the normalized values (hours);
// a range counts by its midpoint, several values by the longest. Protocols lacking either are left out.
// @param drug str = "ketamine"   drug id, label or synonym; "" for all
// @param condition str = ""      only studies of this condition; "" for all
// @example kgraph query relief_vs_infusion_duration --engine cypher --format csv
MATCH (s:Study)-[:HAS_ARM]->(a:Arm)-[:HAS_PROTOCOL]->(p:Protocol)-[:DRUG]->(d:Resource)
WITH DISTINCT s, a, p, d
WHERE ($drug = '' OR toLower(split(d.iri, '/')[-1]) = toLower($drug)
       OR any(l IN [] + coalesce(d.prefLabel, []) + coalesce(d.altLabel, []) + coalesce(d.abbreviation, [])
              WHERE toLower(toString(l)) = toLower($drug)))
  AND ($condition = '' OR EXISTS {
        MATCH (s)-[:CONDITION]->(c)
        WHERE toLower(split(c.iri, '/')[-1]) = toLower($condition)
           OR any(l IN [] + coalesce(c.prefLabel, []) + coalesce(c.altLabel, []) + coalesce(c.abbreviation, [])
                  WHERE toLower(toString(l)) = toLower($condition)) })
MATCH (p)-[:INFUSION_DURATION]->(iq)
WITH s, a, p, coalesce(iq.normalizedValue, (iq.normalizedLow + iq.normalizedHigh) / 2.0) AS infusion
WHERE infusion IS NOT NULL
WITH s, a, p, max(infusion) AS infusion_hours
MATCH (s)-[:HAS_OUTCOME]->()-[:RELIEF_DURATION]->(rq)
WITH s, a, p, infusion_hours, coalesce(rq.normalizedValue, (rq.normalizedLow + rq.normalizedHigh) / 2.0) AS relief
WHERE relief IS NOT NULL
WITH s, a, p, infusion_hours, max(relief) AS relief_hours
RETURN s.label AS study, a.label AS arm, infusion_hours, p.sessions AS sessions, relief_hours
ORDER BY infusion_hours, study, arm
