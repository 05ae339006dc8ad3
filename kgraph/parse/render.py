"""What the reader saw, page by page: for `kgraph parse FILE --format text|json`."""

from __future__ import annotations

import json
import textwrap
from collections import defaultdict

from kgraph.parse.model import Document


def _page_key(page: int | None) -> int:
    return page if page is not None else 0


def pages_view(doc: Document) -> list[dict]:
    """Blocks and tables grouped by the page they start on, in reading order."""
    by_page: dict[int, dict] = defaultdict(lambda: {"blocks": [], "tables": []})
    for sec in doc.sections:
        for b in sec.blocks:
            entry = {
                "kind": b.kind,
                "section": sec.kind,
                "start": b.span.start,
                "end": b.span.end,
                "bbox": b.span.bbox,
                "text": b.text,
                "citations": [{"marker": c.marker, "numbers": c.numbers} for c in b.citations],
            }
            by_page[_page_key(b.span.page)]["blocks"].append(entry)
    for t in doc.tables:
        first = t.pages[0] if t.pages else None
        by_page[_page_key(first)]["tables"].append(
            {
                "id": t.id,
                "caption": t.caption,
                "pages": t.pages,
                "columns": t.columns,
                "rows": [[c.text for c in r] for r in t.rows],
                "footnote": t.footnote,
            }
        )
    return [{"page": p, **by_page[p]} for p in sorted(by_page)]


def render_json(doc: Document) -> str:
    data = doc.to_dict()
    data["by_page"] = pages_view(doc)
    return json.dumps(data, ensure_ascii=False, indent=1)


def render_text(doc: Document, width: int = 100) -> str:
    out: list[str] = []
    w = out.append
    w(f"{doc.source}  [{doc.media_type}, {doc.pages} pages, sha256 {doc.sha256[:12]}]")
    if doc.title:
        w(f"title:   {doc.title}")
    if doc.authors:
        w(f"authors: {', '.join(doc.authors)}")
    meta = [f"year {doc.year}" if doc.year else "", f"doi {doc.doi}" if doc.doi else "", f"journal {doc.journal}" if doc.journal else ""]
    if any(meta):
        w("         " + "; ".join(m for m in meta if m))
    w("sections: " + ", ".join(f"{s.kind}:{s.title!r}" for s in doc.sections))
    for warning in doc.warnings:
        w(f"warning: {warning}")
    for page in pages_view(doc):
        label = f"page {page['page']}" if page["page"] else "no page"
        w("")
        w(f"=== {label} " + "=" * max(0, width - len(label) - 5))
        for b in page["blocks"]:
            tag = f"[{b['section']}/{b['kind']}]"
            body = textwrap.shorten(b["text"], width=600, placeholder=" ...") if b["kind"] != "heading" else b["text"]
            w(textwrap.fill(body, width=width, initial_indent=f"{tag} ", subsequent_indent="    "))
            if b["citations"]:
                cites = "; ".join(f"{c['marker']}->{c['numbers']}" for c in b["citations"])
                w(textwrap.fill(cites, width=width, initial_indent="    cites: ", subsequent_indent="           "))
        for t in page["tables"]:
            w(f"--- {t['id']} (pages {', '.join(map(str, t['pages']))}): {len(t['rows'])} rows x {len(t['columns'])} columns")
            w(f"    caption: {t['caption']}")
            w("    columns: " + " | ".join(t["columns"]))
            for i, r in enumerate(t["rows"]):
                w(textwrap.shorten(f"    {i + 1:>3}: " + " | ".join(r), width=width * 2, placeholder=" ..."))
            if t["footnote"]:
                w(textwrap.shorten("    footnote: " + t["footnote"], width=width * 2, placeholder=" ..."))
    if doc.references:
        w("")
        w(f"=== references ({len(doc.references)}) " + "=" * 40)
        for r in doc.references:
            fields = [
                f"{len(r.authors)} authors" if r.authors else "no authors",
                f"year {r.year}" if r.year else "",
                f"{r.journal} {r.volume or ''}:{r.pages or ''}" if r.journal else "",
                f"doi {r.doi}" if r.doi else "",
                f"pmid {r.pmid}" if r.pmid else "",
            ]
            w(f"  [{r.number}] " + "; ".join(f for f in fields if f))
            if r.title:
                w(f"       {textwrap.shorten(r.title, width=width)}")
    return "\n".join(out)
