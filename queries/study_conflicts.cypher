// study_conflicts: per study, the properties documents state differently (a review's n = 16, the study's own paper's n = 18): each value with the documents that state it.
// Both values stay, each in its document's graph with its evidence (fact_provenance with the study's IRI shows where).
// A property conflicts when two documents state it and one states a value the other does not; values are compared
// as text (concepts by id). Compared: the study's literal properties and its design, setting and conditions, not
// what differs by nature (kg:sampleSizeText as written, a review's kg:referenceNumber).
// Who stated a literal is read from the node's perGraph JSON (docs/neo4j-mapping.md) by pattern matching, as
// Cypher has no JSON parser; a non-ASCII character matches any JSON escape (backslash-u) there, so two values
// differing only in one non-ASCII letter (Kvarnström, Kvarnstrøm) are not told apart. Concepts are read from the
// relationships' graph.
// @param study str = ""      words of the study's label or key (case-insensitive); "" for all
// @param property str = ""   only this property (sampleSize, design, condition, year ...); "" for all
// @list documents
// @example kgraph query study_conflicts --engine cypher
MATCH (s:Study)
WHERE size(s.graphs) > 1
  AND ($study = '' OR any(name IN [] + coalesce(s.label, []) + coalesce(s.key, [])
                          WHERE toLower(toString(name)) CONTAINS toLower($study)))
CALL (s) {
  MATCH (s)-[r:DESIGN|SETTING|CONDITION]->(c)
  RETURN r.graph AS g, toLower(type(r)) AS property, split(c.iri, '/')[-1] AS value
  UNION
  // the graph's own part of perGraph: from its key up to the next graph's key
  UNWIND s.graphs AS g
  WITH s, g, reduce(part = split(s.perGraph, '"' + g + '":{')[1], other IN s.graphs |
                    CASE WHEN other = g THEN part ELSE split(part, '"' + other + '":{')[0] END) AS said
  WHERE said IS NOT NULL
  UNWIND [k IN keys(s) WHERE NOT k IN ['iri', 'graphs', 'perGraph', 'sampleSizeText', 'referenceNumber']] AS property
  UNWIND [] + s[property] AS v
  // the value as it is written in JSON, as a regular expression
  WITH g, property, v, said,
       CASE WHEN v IS :: STRING
            THEN '"' + reduce(re = '', ch IN split(v, '') | re + CASE
                   WHEN ch =~ '[A-Za-z0-9 ]' THEN ch
                   WHEN ch = '"' OR ch = '\\' THEN '\\\\\\' + ch
                   WHEN ch =~ '[!-~]' THEN '\\' + ch
                   WHEN ch =~ '[\\x00-\\x1f]' THEN '\\\\(?:[bfnrt]|u00[0-9a-f]{2})'
                   ELSE '\\\\u[0-9a-f]{4}' END) + '"'
            ELSE replace(toString(v), '.', '\\.') END AS written
  WITH g, property, v, said, '(?:"(?:[^"\\\\]|\\\\.)*"|[^\\],"]+)' AS element, written
  WHERE said =~ ('.*[{,]"' + property + '":\\[(?:' + element + ',)*' + written + '(?:,' + element + ')*\\].*')
  RETURN g, property, toString(v) AS value
}
WITH s, property, g, value
WHERE $property = '' OR toLower(property) = toLower($property)
WITH s, property, g, collect(DISTINCT value) AS values
WITH s, property, collect({graph: g, values: values}) AS stated
WHERE any(a IN stated WHERE any(b IN stated WHERE b.graph <> a.graph AND any(v IN a.values WHERE NOT v IN b.values)))
UNWIND stated AS st
UNWIND st.values AS value
MATCH (doc:Document)-[r:REPORTS_STUDY]->(s)
WHERE r.graph = st.graph
WITH s, property, value, collect(DISTINCT doc.label) AS documents
RETURN head([] + s.label) AS study, property, value, documents
ORDER BY study, property, value
