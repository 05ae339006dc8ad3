"""Write the evidence network: one self-contained HTML page, or a static SVG / PNG image.

The page inlines the vendored cytoscape.js (kgraph/viz/assets/, MIT, from the npm registry), its
own script and style, and the network as JSON: it opens from a file with no network access and
loads nothing from anywhere. Positions come from networkx (evidence.layout), so the page needs no
layout run and stays responsive with a few thousand nodes; the static image uses the same positions.

Every output is written to a temporary file in the target folder and renamed at the end: a failure
never leaves a half-written page.
"""

from __future__ import annotations

import json
import math
import re
import textwrap
from datetime import datetime, timezone
from pathlib import Path

from kgraph.errors import InputError
from kgraph.viz.evidence import (
    KINDS,
    LEVELS,
    RELATIONS,
    EvidenceNetwork,
    build_network,
    layout,
    node_size,
    open_projection,
)
from kgraph.viz.output import plain_text_figures, write_atomically

ASSETS = Path(__file__).parent / "assets"
FORMATS = ("html", "svg", "png")
CYTOSCAPE_FILE = "cytoscape.min.js"
CYTOSCAPE_VERSION = "3.35.0"
LARGE = 400  # nodes from which the page trades looks for speed (no label rendering while panning ...)
EDGE_BUDGET = 6000  # edges drawn at first; beyond it the busiest optional kinds start switched off
OPTIONAL_KINDS = ("outcome", "side_effect")  # kinds whose edges may wait until the reader asks for them


# --- entry point -------------------------------------------------------------------------------

def output_format(out: Path, fmt: str | None) -> tuple[Path, str]:
    """(path, format): the format from --format or the file's extension (default html)."""
    suffix = out.suffix.lower().lstrip(".")
    suffix = "html" if suffix == "htm" else suffix
    if fmt is None:
        return out, suffix if suffix in FORMATS else "html"
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise InputError(f"--format {fmt!r}: choose html, svg or png")
    if suffix in FORMATS and suffix != fmt:
        if out.name == "evidence.html":  # the default --out: follow the format
            return out.with_suffix("." + fmt), fmt
        raise InputError(f"--out {out} ends in .{suffix} but --format is {fmt}")
    return out, fmt


def write_evidence_view(out: Path, fmt: str | None = None, condition: str | None = None,
                        drug: str | None = None, settings=None) -> tuple[Path, EvidenceNetwork]:
    """What ``kgraph viz`` does: read the graph, build the network, write it. Returns (path, network)."""
    out, fmt = output_format(Path(out), fmt)
    _check_target(out)
    network = build_network(open_projection(settings), condition=condition, drug=drug)
    positions = layout(network)
    if fmt == "html":
        write_html(network, positions, out)
    else:
        write_static(network, positions, out, fmt)
    return out, network


def _check_target(out: Path) -> None:
    if out.is_dir():
        raise InputError(f"--out {out}: is a folder; give a file name")
    if not out.parent.exists():
        raise InputError(f"--out {out}: folder {out.parent} does not exist")


# --- HTML --------------------------------------------------------------------------------------

def _title(network: EvidenceNetwork) -> str:
    filters = ", ".join(f"{k} {v}" for k, v in network.filters.items())
    return "Evidence network" + (f" ({filters})" if filters else "")


def payload(network: EvidenceNetwork, positions: dict[str, tuple[float, float]]) -> dict:
    """The network as the page's JSON: nodes with positions, edges with studies and sentences."""
    from kgraph import __version__

    count = max(len(network.nodes), 1)
    spread = max(450.0, 42.0 * math.sqrt(count))  # model units: keeps nodes apart at any size
    nodes = []
    for node in sorted(network.nodes.values(), key=lambda n: int(n.id[1:])):
        x, y = positions.get(node.id, (0.0, 0.0))
        nodes.append({
            "id": node.id, "iri": node.iri, "kind": node.kind, "label": node.label,
            "x": round(x * spread, 2), "y": round(-y * spread, 2), "size": round(node_size(node), 3),
            "studies": sorted(node.studies), "details": [list(d) for d in node.details],
            "conditions": sorted(node.conditions), "drugs": sorted(node.drugs),
        })
    edges = [{
        "id": e.id, "source": e.source, "target": e.target, "relation": e.relation, "negated": e.negated,
        "level": e.level, "notes": sorted(e.notes),
        "evidence": [[study, sorted(sources)] for study, sources in sorted(e.evidence.items())],
    } for e in sorted(network.edges.values(), key=lambda e: int(e.id[1:]))]
    return {
        "meta": {
            "title": _title(network), "summary": network.summary(), "filters": network.filters,
            "generated": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "kgraph": __version__, "large": len(network.nodes) >= LARGE,
            "deferred_kinds": deferred_kinds(network),
            "library": f"cytoscape.js {CYTOSCAPE_VERSION} (MIT)",
        },
        "kinds": {k: {"label": v[0], "color": v[1], "shape": v[2]} for k, v in KINDS.items()},
        "levels": [{"level": k, "label": v[0], "color": v[1]} for k, v in LEVELS.items()],
        "relations": RELATIONS,
        "documents": [{"label": d.label, "key": d.key, "source": d.source, "title": d.title}
                      for d in network.documents],
        "studies": [{"label": s.label, "design": s.design, "n": s.n, "level": s.level,
                     "documents": s.documents} for s in network.studies],
        "sources": [{"document": s.document, "text": s.text, "page": s.page, "section": s.section,
                     "table": s.table, "row": s.row, "col": s.col} for s in network.sources],
        "nodes": nodes,
        "edges": edges,
    }


def deferred_kinds(network: EvidenceNetwork) -> list[str]:
    """Kinds whose edges the page adds only when their box is ticked: the busiest optional kinds,
    until at most EDGE_BUDGET edges remain (a browser draws ~30 000 edges, but slowly)."""
    per_kind: dict[str, int] = {}
    for edge in network.edges.values():
        kind = network.nodes[edge.target].kind
        per_kind[kind] = per_kind.get(kind, 0) + 1
    remaining, deferred = len(network.edges), []
    for kind in sorted(OPTIONAL_KINDS, key=lambda k: -per_kind.get(k, 0)):
        if remaining <= EDGE_BUDGET:
            break
        if per_kind.get(kind):
            deferred.append(kind)
            remaining -= per_kind[kind]
    return deferred


def _script_json(data: dict) -> str:
    # Inside <script type="application/json">: no '<', '>' or '&' may end or confuse the element.
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _inline_script(code: str) -> str:
    if "</script" in code.lower():  # would end the <script> element early
        code = code.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT")
    return code


def render_html(network: EvidenceNetwork, positions: dict[str, tuple[float, float]]) -> str:
    import html

    template = (ASSETS / "evidence.html").read_text(encoding="utf-8")
    parts = {
        "__TITLE__": html.escape(_title(network)),
        "/*__STYLE__*/": (ASSETS / "evidence.css").read_text(encoding="utf-8"),
        "/*__CYTOSCAPE__*/": _inline_script((ASSETS / CYTOSCAPE_FILE).read_text(encoding="utf-8")),
        "/*__APP__*/": _inline_script((ASSETS / "evidence.js").read_text(encoding="utf-8")),
        "__DATA__": _script_json(payload(network, positions)),
    }
    # one pass over the template, so no inserted text is searched for placeholders again
    pattern = re.compile("|".join(re.escape(token) for token in parts))
    missing = [token for token in parts if token not in template]
    if missing:
        raise RuntimeError(f"{ASSETS / 'evidence.html'}: placeholder {missing[0]} is missing")
    return pattern.sub(lambda match: parts[match.group(0)], template)


def write_html(network: EvidenceNetwork, positions: dict[str, tuple[float, float]], out: Path) -> None:
    page = render_html(network, positions)
    write_atomically(Path(out), lambda temp: temp.write_text(page, encoding="utf-8"))


# --- static image ------------------------------------------------------------------------------

@plain_text_figures
def write_static(network: EvidenceNetwork, positions: dict[str, tuple[float, float]], out: Path,
                 fmt: str = "svg") -> None:
    """The same network, same positions, drawn with networkx + matplotlib (SVG or PNG)."""
    import matplotlib.pyplot as plt
    import networkx as nx
    from matplotlib.lines import Line2D

    if fmt not in ("svg", "png"):
        raise InputError(f"static image format {fmt!r}: choose svg or png")
    graph = nx.Graph()
    for node in network.nodes.values():
        graph.add_node(node.id)
    count = len(network.nodes)
    side = min(30.0, max(9.0, 1.05 * math.sqrt(count)))
    fig, ax = plt.subplots(figsize=(side * 1.3, side))
    ax.set_axis_off()
    pos = {n: positions.get(n, (0.0, 0.0)) for n in network.nodes}

    # edges: one collection per (level, negated) so colour and line style follow the legend
    groups: dict[tuple, list] = {}
    for edge in network.edges.values():
        groups.setdefault((edge.level, edge.negated), []).append(edge)
    for (level, negated), edges in sorted(groups.items(), key=lambda kv: (kv[0][0] or 9, kv[0][1])):
        graph.add_edges_from((e.source, e.target) for e in edges)
        nx.draw_networkx_edges(
            graph, pos, ax=ax, edgelist=[(e.source, e.target) for e in edges],
            edge_color=LEVELS[level][1], style="--" if negated else "-", alpha=0.55 if negated else 0.7,
            width=[0.6 + 0.5 * math.log2(len(e.evidence)) for e in edges], node_size=0)
    scale = 160.0 if count < 200 else 70.0 if count < 1000 else 25.0
    for kind, (label, colour, _shape, marker) in KINDS.items():
        members = [n for n in network.nodes.values() if n.kind == kind]
        if not members:
            continue
        nx.draw_networkx_nodes(graph, pos, ax=ax, nodelist=[n.id for n in members], node_shape=marker,
                               node_color=colour, node_size=[scale * node_size(n) ** 2 for n in members],
                               edgecolors="white", linewidths=0.6)
    # labels: every concept while they fit, else the best supported; protocols only in small networks
    concepts = sorted((n for n in network.nodes.values() if n.kind != "protocol"),
                      key=lambda n: (-len(n.studies), n.label))
    labelled = concepts[:250]
    if count <= 60:
        labelled += [n for n in network.nodes.values() if n.kind == "protocol"]
    grow = max(1.0, side / 12)  # text grows with the canvas, so a big image stays readable
    font = (7 if count < 200 else 5) * grow
    for node in labelled:
        x, y = pos[node.id]
        ax.annotate(node.label, (x, y), xytext=(0, -7 - 2 * node_size(node)), textcoords="offset points",
                    ha="center", va="top", fontsize=font if node.kind != "protocol" else font - 1.5,
                    color="#222222", bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.6))
    kinds_shown = {n.kind for n in network.nodes.values()}
    handles = [Line2D([], [], marker=m, color="none", markerfacecolor=c, markeredgecolor="white",
                      markersize=9, label=l) for k, (l, c, _s, m) in KINDS.items() if k in kinds_shown]
    handles += [Line2D([], [], color=c, lw=2, label=l) for lv, (l, c) in LEVELS.items()
                if any(e.level == lv for e in network.edges.values())]
    if any(e.negated for e in network.edges.values()):
        handles.append(Line2D([], [], color="#555555", lw=1.5, ls="--", label="stated as absent (negated)"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9 * grow, frameon=False,
              title="nodes · edges (best level of evidence)", title_fontsize=9 * grow)
    ax.set_title(f"{_title(network)}\n{network.summary()}", fontsize=11 * grow, loc="left")
    note = ("Node size: number of supporting studies. Edge colour: the best Oxford CEBM level among the "
            "edge's studies; dashed: a side effect stated as absent. Drawn from the kgraph graph on "
            f"{datetime.now(timezone.utc):%Y-%m-%d}; layout: networkx spring layout (the HTML view uses "
            "the same positions).")
    fig.text(0.01, 0.005, textwrap.fill(note, int(side * 1.3 * 14 / grow)), fontsize=8 * grow, color="#444444",
             va="bottom")
    fig.tight_layout(rect=(0, 0.04, 1, 1))

    def save(temp: Path) -> None:
        fig.savefig(temp, format=fmt, dpi=150 if count < 1000 else 110, metadata=_image_metadata(fmt, network))

    try:
        write_atomically(Path(out), save)
    finally:
        plt.close(fig)


def _image_metadata(fmt: str, network: EvidenceNetwork) -> dict:
    title = f"{_title(network)}: {network.summary()}"
    if fmt == "svg":
        return {"Title": title, "Creator": "kgraph viz", "Date": None}
    return {"Title": title, "Software": "kgraph viz"}
