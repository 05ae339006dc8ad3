// adjuncts_for_drug: the adjunct drugs given with a drug, their doses, route and purpose, per study.
// One row per adjunct of each protocol of the drug (a study described by two documents may show twice,
// once per reading; 'sources' names the documents).
// @param drug str = "ketamine"   the protocol's drug: id, label or synonym
// @param adjunct str = ""        only this adjunct (id, label or synonym); "" for all
// @list doses sources
// @example kgraph query adjuncts_for_drug --param drug=ketamine --engine cypher
MATCH (s:Study)-[:HAS_ARM]->(:Arm)-[:HAS_PROTOCOL]->(p:Protocol)-[:DRUG]->(d:Resource),
      (p)-[:HAS_COADMINISTRATION]->(co:Coadministration)-[:DRUG]->(a:Resource)
WITH DISTINCT s, p, d, co, a
WHERE ($drug = '' OR toLower(split(d.iri, '/')[-1]) = toLower($drug)
       OR any(l IN [] + coalesce(d.prefLabel, []) + coalesce(d.altLabel, []) + coalesce(d.abbreviation, [])
              WHERE toLower(toString(l)) = toLower($drug)))
  AND ($adjunct = '' OR toLower(split(a.iri, '/')[-1]) = toLower($adjunct)
       OR any(l IN [] + coalesce(a.prefLabel, []) + coalesce(a.altLabel, []) + coalesce(a.abbreviation, [])
              WHERE toLower(toString(l)) = toLower($adjunct)))
RETURN split(d.iri, '/')[-1] AS drug,
       split(a.iri, '/')[-1] AS adjunct,
       co.purpose AS purpose,
       co.route AS route,
       [(co)-[:DOSE]->(q) | q.text] AS doses,
       s.label AS study,
       [(co)-[:HAS_EVIDENCE]->()-[:WAS_DERIVED_FROM]->(doc) | doc.label] AS sources
ORDER BY adjunct, study
