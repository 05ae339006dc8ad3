// fact_provenance: where facts were read: the document, page, section, table cell, character offsets, the sentence itself, and the extractor (name and version).
// One row per fact and piece of evidence. Narrow it down by fact IRI, fact type, document or words of the sentence.
// @param fact str = ""       the fact's IRI (as printed by other queries or exports); "" for all
// @param type str = ""       fact type: Study, Arm, Protocol, Dose, Quantity, Coadministration, Comparator, Outcome, AdverseEffect, Claim ...; "" for all
// @param document str = ""   the document's key (doi:10..., pmid:...) or label ("Maher 2017"); "" for all
// @param contains str = ""   words the sentence or cell contains (case-insensitive); "" for all
// @example kgraph query fact_provenance --param type=Claim --engine cypher
MATCH (f:Resource)-[:HAS_EVIDENCE]->(e:Evidence)-[:WAS_DERIVED_FROM]->(doc:Document)
WHERE ($fact = '' OR f.iri = $fact)
  AND ($contains = '' OR toLower(e.text) CONTAINS toLower($contains))
WITH DISTINCT f, e, doc, coalesce(doc.label, doc.documentKey) AS document
WHERE $document = '' OR toLower(doc.documentKey) = toLower($document) OR toLower(document) = toLower($document)
UNWIND [l IN labels(f) WHERE l <> 'Resource'] AS type
WITH f, e, document, type
WHERE $type = '' OR toLower(type) = toLower($type)
OPTIONAL MATCH (e)-[:WAS_ATTRIBUTED_TO]->(agent)
WITH DISTINCT f, e, document, type, agent
RETURN f.iri AS fact, type, document, e.page AS page, e.section AS section, e.`table` AS `table`,
       e.row AS row, e.col AS col, e.charStart AS char_start, e.charEnd AS char_end, e.text AS text,
       agent.label AS extractor, agent.version AS version
ORDER BY document, char_start, fact
