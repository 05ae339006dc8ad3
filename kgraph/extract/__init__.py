"""Extraction: Document -> mentions -> frames (see frames.py).

    from kgraph.parse import read_document
    from kgraph.extract import extract_document
    frames = extract_document(read_document("paper.pdf"))   # -> DocumentFrames

``extract_document`` decides whether the document is a review (it has an evidence table,
or its title says review / meta-analysis) and hands it to ``kgraph.extract.review``;
every other document is read as a single-study report by ``kgraph.extract.assemble``.
The spaCy pipeline itself is ``kgraph.extract.pipeline`` (``get_nlp``, ``analyze``).
"""

from __future__ import annotations

import re
from typing import Any

from kgraph.extract.frames import DocumentFrames

__all__ = ["extract_document", "looks_like_review"]

_REVIEW_TITLE = re.compile(r"\b(?:review|meta-?analys[ie]s|systematic(?:ally)? review|pooled analysis|overview of)\b", re.I)
# a table that lists studies ("Characteristics of included studies", "Summary of ... protocols");
# "Baseline characteristics of participants" is a study report's own table
_EVIDENCE_TABLE = re.compile(r"\b(?:studies|trials|included|reviewed)\b|\bsummary of\b[^.]*\bprotocols\b", re.I)


def looks_like_review(doc: Any) -> bool:
    """A review: the title says so, or a table lists studies (a caption about studies and
    a body of several rows)."""
    if doc.title and _REVIEW_TITLE.search(doc.title):
        return True
    for table in getattr(doc, "tables", []) or []:
        if len(table.rows) >= 3 and _EVIDENCE_TABLE.search(table.caption or ""):
            return True
    # an evidence table recognized by its columns, or a paper that calls itself a review
    from kgraph.extract.review import is_review

    return is_review(doc)


def extract_document(doc: Any, nlp: Any = None) -> DocumentFrames:
    """All frames of one parsed document. Never raises for content it cannot read:
    such documents yield zero facts and a warning."""
    from kgraph.extract.assemble import assemble_study_report
    from kgraph.extract.pipeline import get_nlp

    nlp = nlp or get_nlp()
    if looks_like_review(doc):
        try:
            from kgraph.extract.review import extract_review
        except ImportError:
            extract_review = None
        if extract_review is not None:
            frames = extract_review(doc, nlp)
            if frames.studies or frames.claims:
                return frames
            # a "review" with no evidence table: read it as prose (the review reader's notes
            # about tables it could not use are kept only when the title says review)
            report = assemble_study_report(doc, nlp)
            if doc.title and _REVIEW_TITLE.search(doc.title):
                report.warnings = list(frames.warnings) + report.warnings
            return report
    frames = assemble_study_report(doc, nlp)
    for w in getattr(doc, "warnings", []) or []:
        if w not in frames.warnings:
            frames.warnings.insert(0, w)
    return frames


# --- a readable rendering (``kgraph extract --format text``) --------------------------------

def _q(q: Any) -> str:
    if q is None:
        return "-"
    norm = ""
    if q.normalized_unit:
        if q.normalized_low is not None and q.normalized_high is not None:
            norm = f" [{q.normalized_low}-{q.normalized_high} {q.normalized_unit}]"
        elif q.normalized_value is not None:
            norm = f" [{q.normalized_value} {q.normalized_unit}]"
    return f"{q.text}{norm}"


def _where(evidence: list[Any]) -> str:
    if not evidence:
        return ""
    ev = evidence[0]
    page = f"p{ev.page} " if ev.page else ""
    return f"  ({page}{ev.section or '-'} @{ev.start}-{ev.end})"


def frames_to_text(frames: DocumentFrames) -> str:
    """A compact human-readable listing of one document's frames."""
    out = [f"{frames.source}  [{frames.kind}]  key={frames.doc_key}"]
    if frames.title:
        out.append(f"  title: {frames.title}")
    for st in frames.studies:
        out.append(f"  study {st.label} (key {st.key})")
        out.append(f"    design: {st.design.id if st.design else '-'}  level: {st.evidence_level or '-'}  "
                   f"n: {st.n if st.n is not None else '-'}  setting: {st.setting.id if st.setting else '-'}")
        out.append(f"    conditions: {', '.join(c.id for c in st.conditions) or '-'}")
        for arm in st.arms:
            if arm.protocol is not None:
                p = arm.protocol
                out.append(f"    arm {arm.label}: {p.drug.id}" + (f" ({p.form})" if p.form else "")
                           + (f" route={p.route}" if p.route else "") + _where(p.evidence))
                for name in ("bolus", "rate", "target_concentration", "total_dose", "infusion_duration"):
                    values = getattr(p, name)
                    if values:
                        out.append(f"      {name}: " + "; ".join(_q(v) for v in values))
                if p.titration is not None:
                    out.append(f"      titration: {p.titration.text}")
                if p.sessions is not None or p.schedule:
                    out.append(f"      sessions: {p.sessions if p.sessions is not None else '-'}  schedule: {p.schedule or '-'}")
                for c in p.coadministrations:
                    out.append(f"      with {c.drug.id}: " + ("; ".join(_q(d) for d in c.doses) or "-")
                               + (f"  purpose: {c.purpose}" if c.purpose else "") + (f"  route: {c.route}" if c.route else ""))
            elif arm.comparator is not None:
                c = arm.comparator
                out.append(f"    arm {arm.label}: comparator {c.kind}" + (f" {c.drug.id}" if c.drug else "")
                           + (": " + "; ".join(_q(d) for d in c.doses) if c.doses else ""))
        for o in st.outcomes:
            out.append(f"    outcome {o.measure.id if o.measure else '-'}"
                       + (f"  relief: {_q(o.relief_duration)}" if o.relief_duration else "")
                       + (" (primary)" if o.primary else ""))
        for a in st.adverse_effects:
            flags = ("NOT " if a.negated else "") + ("maybe " if a.hedged else "")
            out.append(f"    side effect: {flags}{a.effect.id}" + (f"  incidence: {a.incidence.text}" if a.incidence else "")
                       + _where(a.evidence))
    for c in frames.claims:
        out.append(f"  claim (level {c.evidence_level or '-'}): {c.statement}")
    for w in frames.warnings:
        out.append(f"  warning: {w}")
    return "\n".join(out)
