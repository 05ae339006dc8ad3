// relief_vs_total_dose: per protocol, the total dose (normalized, mg per 70 kg) and the rate (mg/kg/h) against how long relief lasted (hours).
// The review's second claim: a higher total dose goes with greater and longer relief, the rate less so.
// A range counts by its midpoint, several values by the largest. Protocols without a normalized total
// dose or a relief duration are left out; the rate may be empty.
// @param drug str = "ketamine"   drug id, label or synonym; "" for all
// @param condition str = ""      only studies of this condition; "" for all
// @example kgraph query relief_vs_total_dose --engine cypher --format json
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
MATCH (p)-[:TOTAL_DOSE]->(tq)
WITH s, a, p, coalesce(tq.normalizedValue, (tq.normalizedLow + tq.normalizedHigh) / 2.0) AS total
WHERE total IS NOT NULL
WITH s, a, p, max(total) AS total_dose
MATCH (s)-[:HAS_OUTCOME]->()-[:RELIEF_DURATION]->(rq)
WITH s, a, p, total_dose, coalesce(rq.normalizedValue, (rq.normalizedLow + rq.normalizedHigh) / 2.0) AS relief
WHERE relief IS NOT NULL
WITH s, a, p, total_dose, max(relief) AS relief_hours
OPTIONAL MATCH (p)-[:RATE]->(xq)
WITH s, a, p, total_dose, relief_hours, coalesce(xq.normalizedValue, (xq.normalizedLow + xq.normalizedHigh) / 2.0) AS rate
WITH s, a, p, total_dose, relief_hours, max(rate) AS rate
RETURN s.label AS study, a.label AS arm, total_dose, rate, relief_hours
ORDER BY total_dose, study, arm
