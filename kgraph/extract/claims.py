"""A review's conclusions as Claims: statement, evidence level, cited studies, compared variables.

Where: paragraphs of the discussion, conclusions, summary and recommendations sections (by the
reader's canonical section, or a heading that names them). The abstract and results restate or
prepare conclusions and are not read here.

What makes a paragraph a claim: a general cue, never a sentence of a known review:
- a graded level of evidence ("CEBM level 2 evidence", "level of evidence: 3", "evidence level II"),
- a conclusion cue ("we conclude", "suggests that", "is associated with", "evidence that", "shows that"),
- a recommendation cue ("we recommend", "should", "would include", "on the basis of the evidence").
Aims ("the goal of this study is ..."), calls for more research ("further studies are needed")
and refusals ("recommendations cannot be made") are not claims.

One claim per paragraph (or list item): its statement is the sentence that carries the
comparison (the most protocol/outcome variables, preferring the graded or cued sentence); its
evidence level is the one stated in the same paragraph; its cited references are the
paragraph's citation markers, or, when the paragraph cites nothing (discussion items often
summarize the results section), the citations of the results subsections whose headings name
the claim's protocol variables ("Duration of Infusion" for infusion_duration).

Variables come from the phrases in ontology/table_columns.yaml; the relation is read from the
claim's main clause: "regardless of"/"not related" -> none, both sides moving the same way
("longer infusions ... longer relief") -> positive, opposite ways -> negative.
"""

from __future__ import annotations

import re
from typing import Any

from kgraph.extract.frames import Claim, Evidence, Study
from kgraph.extract.tables import find_variables, load_column_roles

EXTRACTOR = "kgraph.review.claims"

CLAIM_SECTIONS = {"discussion", "conclusions", "conclusion", "summary", "recommendations", "implications"}
_CLAIM_HEADING = re.compile(r"\b(?:discussion|conclusions?|summary|recommendations?|implications|key points|take[- ]home)\b", re.I)
_OTHER_HEADING = re.compile(r"\b(?:references|acknowledg|disclosures?|funding|conflicts? of interest|author contributions?|appendix)\b", re.I)

_LEVEL = re.compile(
    r"\b(?:(?:cebm|oxford|ocebm)\s+)?level\s+(?P<a>[1-5]|i{1,3}|iv|v)[abc]?\s+(?:of\s+)?evidence\b"
    r"|\blevel of evidence\s*(?:is|was|of|:|=)?\s*(?P<b>[1-5]|i{1,3}|iv|v)\b"
    r"|\bevidence level\s*(?:is|was|of|:|=)?\s*(?P<c>[1-5]|i{1,3}|iv|v)\b"
    r"|\b(?:cebm|oxford)\s+(?:level|grade)\s+(?P<d>[1-5])\b",
    re.I,
)
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5}
_CONCLUSION_CUE = re.compile(
    r"\b(?:we\s+conclude|in\s+conclusion|(?:it\s+is\s+)?concluded|suggests?\s+that|indicates?\s+that|shows?\s+that|"
    r"demonstrates?\s+that|(?:is|are|was|were|be|been)\s+associated\s+with|evidence\s+(?:for|that|suggests|supports|indicates)|"
    r"level\s+(?:[1-5]|i{1,3}|iv|v)\s+evidence|appears?\s+to\s+be\s+(?:effective|safe|related|associated))\b",
    re.I,
)
_RECOMMEND_CUE = re.compile(
    r"\b(?:we\s+recommend|(?:is|are)\s+recommended|recommend(?:s|ed)?\s+(?:that|using|the)|should\s+(?!be\s+noted)|would\s+include|"
    r"on\s+the\s+basis\s+of\s+(?:the\s+)?(?:available\s+)?(?:evidence|data|literature)|is\s+(?:advised|advisable)|"
    r"a\s+successful\s+[\w\s-]{0,40}protocol)",
    re.I,
)
_AIM = re.compile(r"^\s*(?:the|our)\s+(?:main\s+)?(?:goal|aim|objective|purpose)s?\s+of\b|^\s*(?:this|the present)\s+(?:review|study)\s+aim", re.I)
_RESEARCH_NEED = re.compile(
    r"\b(?:further|more|additional|future|larger)\s+(?:[\w-]+\s+){0,5}(?:studies|trials|research|investigations?)\s+(?:are|is)\s+(?:needed|required|warranted)"
    r"|\bcalls?\s+for\s+(?:[\w-]+\s+){0,4}(?:trials|studies|research)\b|\brequire[sd]?\s+further\s+investigation"
    r"|\bneed\s+for\s+(?:further\s+)?(?:[\w-]+\s+){0,3}(?:trials|studies|research|optimization)\b",
    re.I,
)
_REFUSAL = re.compile(r"\brecommendations?\s+(?:cannot|can\s*not|could\s+not)\s+be\s+made|\bno\s+(?:definitive\s+|definite\s+)?recommendations?\b", re.I)
_NONE_REL = re.compile(
    r"\b(?:regardless\s+of|irrespective\s+of|independent(?:ly)?\s+of|(?:does|do|did)\s+not\s+(?:appear\s+to\s+|seem\s+to\s+)?(?:be\s+)?"
    r"(?:relate|related|correlate|associated|affect|influence|matter)|not\s+(?:be\s+)?(?:related|associated|correlated)|"
    r"no\s+(?:clear\s+)?(?:relationship|association|correlation))\b",
    re.I,
)
_INCREASE = re.compile(r"\b(?:longer|longest|higher|greater|more|increase[sd]?|increases\s+in|increasing|prolonged|larger|extended|multi[- ]?(?:hour|day)|maximal)\b", re.I)
_DECREASE = re.compile(r"\b(?:shorter|lower|less|fewer|reduces?|reduced|reduction|decrease[sd]?|smaller|minimal|mitigate[sd]?)\b", re.I)
_RATE_QTY = re.compile(r"\d\s*(?:mg|µg|μg|ug|mcg)\s*/\s*kg\s*/\s*(?:h|hr|min)\b|\d\s*(?:mg|µg|μg|ug|mcg)\s*/\s*(?:h|hr)\b", re.I)
_SUBORDINATE = re.compile(r"^\s*(?:although|though|even though|while|whereas|despite|if)\b[^,]*,\s*", re.I)
_THAT_CLAUSE = re.compile(r"\b(?:suggests?|indicates?|shows?|demonstrates?|evidence(?:\s+for\s+\w+)?|concludes?|found)\s+that\s+", re.I)

_ENUM = re.compile(r"^\s*(?:[-–•*]\s*)?(?:\(?\d{1,2}[.)]|\(?[a-z][.)])?\s*")

OUTCOME_VARIABLES = {"relief_duration", "pain_relief", "side_effects"}


def evidence_level_in(text: str) -> int | None:
    m = _LEVEL.search(text)
    if not m:
        return None
    v = next(g for g in m.groups() if g)
    return int(v) if v.isdigit() else _ROMAN.get(v.lower())


def _sentences(text: str, analyzer: Any) -> list[tuple[int, int]]:
    try:
        from kgraph.extract.sentences import split_sentences  # the shared splitter, when present

        result = split_sentences(text)
        spans = []
        for s in result:
            if isinstance(s, tuple):
                spans.append((int(s[0]), int(s[1])))
            elif hasattr(s, "start") and hasattr(s, "end"):
                spans.append((int(s.start), int(s.end)))
        if spans:
            return spans
    except Exception:
        pass
    if analyzer is not None:
        _, _, sents = analyzer.read(text)
        if sents:
            return sents
    spans, start = [], 0
    for m in re.finditer(r"(?<=[.!?])\s+(?=[A-Z(])", text):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    return spans


def _main_clause(sentence: str) -> str:
    m = _THAT_CLAUSE.search(sentence)
    if m:
        return sentence[m.end():]
    m = _SUBORDINATE.match(sentence)
    if m:
        return sentence[m.end():]
    # "Although X, Y" after a leading adverb: "However, although X, Y"
    m = re.match(r"^\s*\w+,\s*(?:although|though|while|whereas)\b[^,]*,\s*", sentence, re.I)
    if m:
        return sentence[m.end():]
    return sentence


def claim_variables(text: str) -> list[tuple[str, int, int]]:
    """Variables in ``text``: phrases from the vocabulary, plus a dosing rate written as a quantity."""
    found = find_variables(text, load_column_roles())
    for m in _RATE_QTY.finditer(text):
        if not any(s <= m.start() < e for _, s, e in found):
            found.append(("infusion_rate", m.start(), m.end()))
    return sorted(found, key=lambda h: h[1])


def _ordered(vars_found: list[tuple[str, int, int]]) -> list[str]:
    names: list[str] = []
    for v, _, _ in vars_found:
        if v not in names:
            names.append(v)
    # protocol variables first, outcomes last: "infusion_duration -> relief_duration"
    return [v for v in names if v not in OUTCOME_VARIABLES] + [v for v in names if v in OUTCOME_VARIABLES]


def relation_of(clause: str, vars_found: list[tuple[str, int, int]]) -> str | None:
    if _NONE_REL.search(clause):
        return "none"
    if len({v for v, _, _ in vars_found}) < 2:
        return None
    dirs = []
    for v, s, e in vars_found:
        window = clause[max(0, s - 30):e]
        inc = list(_INCREASE.finditer(window))
        dec = list(_DECREASE.finditer(window))
        last_inc = inc[-1].start() if inc else -1
        last_dec = dec[-1].start() if dec else -1
        if last_inc < 0 and last_dec < 0:
            dirs.append((v, 0))
        else:
            dirs.append((v, 1 if last_inc > last_dec else -1))
    protocol_dirs = [d for v, d in dirs if v not in OUTCOME_VARIABLES and d]
    outcome_dirs = [d for v, d in dirs if v in OUTCOME_VARIABLES and d]
    if protocol_dirs and outcome_dirs:
        return "positive" if protocol_dirs[0] == outcome_dirs[0] else "negative"
    # "the use of midazolam reduces side effects": presence of the factor, outcome moves down
    if outcome_dirs and not protocol_dirs:
        return "positive" if outcome_dirs[0] > 0 else "negative"
    if re.search(r"\b(?:associated with|results? in|provides?|leads? to|produces?)\b", clause, re.I):
        return "positive"
    return None


_TABLE_TALK = re.compile(r"^\s*(?:in|as shown in|see|the comparison of [^,]{0,80} in)\s+(?:table|fig(?:ure)?)\.?\s*\d|^\s*(?:table|fig(?:ure)?)\.?\s*\d+\s+(?:shows|lists|summari)", re.I)
_CLINICAL_LABELS = {"DRUG", "CONDITION", "OUTCOME_MEASURE", "ADVERSE_EFFECT"}


def _names_clinical_entity(sentence: str, analyzer: Any) -> bool:
    if analyzer is None:
        return True
    ents, _, _ = analyzer.read(sentence)
    return any(e.label in _CLINICAL_LABELS for e in ents)


def _section_citations(doc: Any) -> list[tuple[Any, set[str], list[int]]]:
    """(heading block, protocol variables the heading names, citation numbers under it) for body subsections."""
    out: list[tuple[Any, set[str], list[int]]] = []
    current: tuple[Any, set[str], list[int]] | None = None
    for block in doc.blocks():
        if block.kind == "heading":
            vars_ = {v for v, _, _ in claim_variables(block.text)} - OUTCOME_VARIABLES
            current = (block, vars_, [])
            out.append(current)
            continue
        if current is None:
            continue
        sec = block.section or ""
        if sec in CLAIM_SECTIONS:
            continue
        for c in block.citations:
            current[2].extend(n for n in c.numbers if n not in current[2])
    return [x for x in out if x[1] and x[2]]


def extract_claims(doc: Any, studies: list[Study], analyzer: Any = None) -> tuple[list[Claim], list[str]]:
    warnings: list[str] = []
    claims: list[Claim] = []
    ref_numbers = {r.number for r in doc.references if getattr(r, "number", None) is not None}
    keys_by_ref: dict[int, list[str]] = {}
    for st in studies:
        if st.reference_number is not None and st.key not in keys_by_ref.setdefault(st.reference_number, []):
            keys_by_ref[st.reference_number].append(st.key)
    subsection_cites = None
    in_claim_heading = False
    for block in doc.blocks():
        if block.kind == "heading":
            in_claim_heading = bool(_CLAIM_HEADING.search(block.text)) and not _OTHER_HEADING.search(block.text)
            if _OTHER_HEADING.search(block.text):
                in_claim_heading = False
            continue
        if block.kind in ("caption", "footnote"):
            continue
        section = (block.section or doc.section_of(block.span.start) or "").lower()
        if section not in CLAIM_SECTIONS and not (in_claim_heading and section in ("", "other")):
            continue
        text = block.text
        sents = _sentences(text, analyzer)
        level = evidence_level_in(text)
        scored = []
        for i, (s, e) in enumerate(sents):
            # a list item's number ("1.", "(2)", "-") is not part of the statement
            lead = _ENUM.match(text[s:e])
            if lead:
                s += lead.end()
            sent = text[s:e].strip()
            if not sent or _AIM.search(sent) or _REFUSAL.search(sent):
                continue
            if _RESEARCH_NEED.search(sent) and not evidence_level_in(sent):
                continue
            rec = bool(_RECOMMEND_CUE.search(sent))
            con = bool(_CONCLUSION_CUE.search(sent))
            lev = evidence_level_in(sent) is not None
            main = _main_clause(sent)
            vars_main = claim_variables(main)
            vars_all = claim_variables(sent)
            nvars = len({v for v, _, _ in vars_main}) if len({v for v, _, _ in vars_main}) >= 2 else len({v for v, _, _ in vars_all})
            if not (rec or con or lev or (level is not None and nvars >= 2)):
                continue
            if _TABLE_TALK.search(sent):
                continue  # "In Table 2, the I2 value ... suggests heterogeneity": a result, not a conclusion
            if not lev and level is None and nvars == 0 and not _names_clinical_entity(sent, analyzer):
                continue  # a cue with nothing clinical to conclude about
            priority = (2 if (lev and nvars >= 2) else 1 if ((rec or con) and nvars >= 2) else 0, nvars >= 2, rec or con or lev, -i)
            scored.append((priority, i, s, e, sent, rec, main, vars_main, vars_all))
        if not scored:
            continue
        best = max(scored, key=lambda x: x[0])
        _, _, s, e, sent, rec, main, vars_main, vars_all = best
        vars_used = vars_main if len({v for v, _, _ in vars_main}) >= 2 else vars_all
        clause = main if vars_used is vars_main else sent
        kind = "recommendation" if rec and not evidence_level_in(sent) else "conclusion"
        # the variables the statement names (the relation is read from its main clause); a
        # recommendation recommends protocol choices: its outcomes are purposes, not variables
        variables = _ordered(vars_all)
        if kind == "recommendation":
            variables = [v for v in variables if v not in OUTCOME_VARIABLES]
        relation = None if kind == "recommendation" else relation_of(clause, vars_used)
        cited: list[int] = []
        for c in block.citations:
            for n in c.numbers:
                if n not in cited:
                    cited.append(n)
        inherited: list[Any] = []
        if not cited:
            if subsection_cites is None:
                subsection_cites = _section_citations(doc)
            wanted = [v for v in variables if v not in OUTCOME_VARIABLES]
            for heading, vars_, nums in subsection_cites:
                if vars_ & set(wanted):
                    cited.extend(n for n in nums if n not in cited)
                    inherited.append(heading)
        unknown = [n for n in cited if ref_numbers and n not in ref_numbers]
        if unknown:
            warnings.append(f"claim {sent[:60]!r}...: citation(s) {unknown} match no reference in the reference list")
        cited_studies: list[str] = []
        for n in cited:
            for k in keys_by_ref.get(n, []):
                if k not in cited_studies:
                    cited_studies.append(k)
        ev = _block_evidence(doc, block, s, e, section)
        claims.append(Claim(
            statement=sent,
            evidence_level=level,
            cited_references=sorted(cited),
            cited_studies=cited_studies,
            variables=variables,
            relation=relation,
            kind=kind,
            evidence=[ev],
        ))
        for heading in inherited:
            # the references come from the subsections the claim summarizes: point at their headings
            h = _block_evidence(doc, heading, 0, len(heading.text), heading.section or "")
            h.extractor = EXTRACTOR + ".inherited-citations"
            claims[-1].evidence.append(h)
    return claims, warnings


def _block_evidence(doc: Any, block: Any, s: int, e: int, section: str) -> Evidence:
    span = block.span
    start, end = span.start, span.end
    if doc.text and doc.text[span.start:span.end] == block.text:
        start, end = span.start + s, span.start + e
    return Evidence(text=block.text[s:e].strip(), start=start, end=end, page=span.page,
                    bbox=tuple(span.bbox) if span.bbox else None, section=section or None, extractor=EXTRACTOR)
