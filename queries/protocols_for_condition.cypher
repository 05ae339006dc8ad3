// protocols_for_condition: the protocols used for a condition: drug, route, doses, duration, sessions, setting, adjuncts, relief, and the documents they were read from.
// One row per protocol (and condition) of every study of the condition. Doses are shown as written;
// the setting is the protocol's, else the study's; relief is every relief duration the study reports.
// @param condition str = ""   condition id, label or abbreviation (complex_regional_pain_syndrome, CRPS), narrower conditions included; "" for all
// @param drug str = ""        drug id, label or synonym (ketamine, Ketalar); "" for all
// @list bolus rate total_dose infusion_duration adjuncts relief sources
// @example kgraph query protocols_for_condition --param condition=CRPS --engine cypher
MATCH (s:Study)-[:CONDITION]->(c:Resource), (s)-[:HAS_ARM]->(:Arm)-[:HAS_PROTOCOL]->(p:Protocol)-[:DRUG]->(d:Resource)
WITH DISTINCT s, c, p, d
WHERE ($condition = '' OR EXISTS {
         MATCH (c)-[:BROADER*0..]->(w)
         WHERE toLower(split(w.iri, '/')[-1]) = toLower($condition)
            OR any(l IN [] + coalesce(w.prefLabel, []) + coalesce(w.altLabel, []) + coalesce(w.abbreviation, [])
                   WHERE toLower(toString(l)) = toLower($condition)) })
  AND ($drug = '' OR toLower(split(d.iri, '/')[-1]) = toLower($drug)
       OR any(l IN [] + coalesce(d.prefLabel, []) + coalesce(d.altLabel, []) + coalesce(d.abbreviation, [])
              WHERE toLower(toString(l)) = toLower($drug)))
RETURN split(c.iri, '/')[-1] AS condition,
       s.label AS study,
       head([(s)-[:DESIGN]->(x) | split(x.iri, '/')[-1]]) AS design,
       s.sampleSize AS n,
       split(d.iri, '/')[-1] AS drug,
       p.route AS route,
       [(p)-[:BOLUS]->(q) | q.text] AS bolus,
       [(p)-[:RATE]->(q) | q.text] AS rate,
       [(p)-[:TOTAL_DOSE]->(q) | q.text] AS total_dose,
       [(p)-[:INFUSION_DURATION]->(q) | q.text] AS infusion_duration,
       p.sessions AS sessions,
       coalesce(head([(p)-[:SETTING]->(x) | split(x.iri, '/')[-1]]),
                head([(s)-[:SETTING]->(x) | split(x.iri, '/')[-1]])) AS setting,
       [(p)-[:HAS_COADMINISTRATION]->()-[:DRUG]->(a) | split(a.iri, '/')[-1]] AS adjuncts,
       [(s)-[:HAS_OUTCOME]->()-[:RELIEF_DURATION]->(q) | q.text] AS relief,
       [(p)-[:HAS_EVIDENCE]->()-[:WAS_DERIVED_FROM]->(doc) | doc.label] AS sources
ORDER BY condition, study, drug
