// side_effects_by_protocol: the side effects reported for each protocol of a drug, negated statements included.
// One row per protocol and adverse-effect statement. A statement tied to an arm counts for that arm's
// protocol only; one tied to no arm counts for every protocol of the study. 'negated' is true for
// statements such as "no patient experienced hallucinations".
// @param drug str = "ketamine"   drug id, label or synonym; "" for all
// @param condition str = ""      only studies of this condition (id, label or abbreviation); "" for all
// @param effect str = ""         only this adverse effect (id or label); "" for all
// @list rate infusion_duration total_dose
// @example kgraph query side_effects_by_protocol --param effect=hallucination --engine cypher
MATCH (s:Study)-[:HAS_ARM]->(a:Arm)-[:HAS_PROTOCOL]->(p:Protocol)-[:DRUG]->(d:Resource),
      (s)-[:HAS_ADVERSE_EFFECT]->(ae:AdverseEffect)-[:EFFECT]->(e:Resource)
WITH DISTINCT s, a, p, d, ae, e
WHERE (NOT EXISTS { (ae)-[:ARM]->() } OR EXISTS { (ae)-[:ARM]->(a) })
  AND ($drug = '' OR toLower(split(d.iri, '/')[-1]) = toLower($drug)
       OR any(l IN [] + coalesce(d.prefLabel, []) + coalesce(d.altLabel, []) + coalesce(d.abbreviation, [])
              WHERE toLower(toString(l)) = toLower($drug)))
  AND ($effect = '' OR toLower(split(e.iri, '/')[-1]) = toLower($effect)
       OR any(l IN [] + coalesce(e.prefLabel, []) + coalesce(e.altLabel, []) + coalesce(e.abbreviation, [])
              WHERE toLower(toString(l)) = toLower($effect)))
  AND ($condition = '' OR EXISTS {
        MATCH (s)-[:CONDITION]->(c)
        WHERE toLower(split(c.iri, '/')[-1]) = toLower($condition)
           OR any(l IN [] + coalesce(c.prefLabel, []) + coalesce(c.altLabel, []) + coalesce(c.abbreviation, [])
                  WHERE toLower(toString(l)) = toLower($condition)) })
RETURN s.label AS study,
       a.label AS arm,
       split(d.iri, '/')[-1] AS drug,
       [(p)-[:RATE]->(q) | q.text] AS rate,
       [(p)-[:INFUSION_DURATION]->(q) | q.text] AS infusion_duration,
       [(p)-[:TOTAL_DOSE]->(q) | q.text] AS total_dose,
       split(e.iri, '/')[-1] AS effect,
       ae.negated AS negated,
       head([(ae)-[:INCIDENCE]->(q) | q.text]) AS incidence
ORDER BY study, arm, effect
