"""The evidence page in a real browser: Debian's headless Chromium driven by Playwright.

Chromium starts with its networking features off and a fresh profile; every request that is not
a file: URL is aborted and recorded, and the tests assert there was none. The page is written by
`kgraph viz` from the corpus graph (tests/test_viz_graphs.py builds it with the real pipeline).
Screenshots go to test-artifacts/ (git-ignored).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import sync_playwright

from kgraph.cli import main as cli_main
from kgraph.viz.evidence import build_network, layout
from kgraph.viz.network import EDGE_BUDGET, write_html
from test_viz_graphs import (  # noqa: F401  (session fixtures shared with the other viz tests)
    corpus_data_dir,
    corpus_network,
    corpus_projection,
    synthetic_network,
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """A persistent Chromium context on a fresh profile, with every non-file request blocked."""
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install chromium"
    blocked: list[str] = []
    requested: list[str] = []
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=CHROMIUM, headless=True,
            args=CHROMIUM_ARGS, viewport={"width": 1400, "height": 900}, service_workers="block")

        def route(route):
            url = route.request.url
            if url.startswith("file:"):
                route.continue_()
            else:
                blocked.append(url)
                route.abort()

        context.route("**/*", route)
        context.on("request", lambda request: requested.append(request.url))
        context.blocked, context.requested = blocked, requested
        yield context
        context.close()


@pytest.fixture(scope="module")
def page_file(corpus_data_dir, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("viz") / "evidence.html"
    assert cli_main(["--data-dir", str(corpus_data_dir), "viz", "--out", str(out)]) == 0
    return out


def open_page(browser, path: Path):
    errors: list[str] = []
    page = browser.new_page()
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    page.on("console", lambda msg: errors.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    browser.requested.clear()
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-state=ready]", timeout=120_000)
    page.errors = errors
    return page


def visible_ids(page, selector: str = "node") -> set[str]:
    return set(page.evaluate(f"kgraphView.cy.elements('{selector}').not('.hidden').map(e => e.id())"))


def save_screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    return path


# --- tests -----------------------------------------------------------------------------------------

def test_page_renders_from_a_file_with_the_network_blocked(browser, page_file, corpus_network):
    page = open_page(browser, page_file)
    try:
        assert browser.requested == [page_file.as_uri()], browser.requested
        assert browser.blocked == []
        assert page.errors == []
        counts = page.evaluate("[kgraphView.cy.nodes().length, kgraphView.visibleNodeCount(),"
                               " kgraphView.cy.edges().length, kgraphView.visibleEdgeCount()]")
        nodes, edges = len(corpus_network.nodes), len(corpus_network.edges)
        assert counts == [nodes, nodes, edges, edges]
        assert page.inner_text("#counts") == f"Showing {nodes} of {nodes} nodes and {edges} of {edges} edges."
        # the canvas is drawn: many colours, and the kind colours of the legend among them
        shot = Image.open(io.BytesIO(page.locator("#cy").screenshot())).convert("RGB")
        colours = shot.getcolors(1 << 22)
        assert len(colours) > 50
        background = max(colours)[1]
        painted = sum(count for count, colour in colours if colour != background)
        assert painted > 0.02 * shot.width * shot.height
        kind_rgb = {tuple(int(c[i:i + 2], 16) for i in (1, 3, 5)) for c in
                    page.evaluate("Object.values(kgraphView.data.kinds).map(k => k.color)")}
        assert len(kind_rgb & {colour for _, colour in colours}) >= 4
        save_screenshot(page, "viz-evidence-network.png")
    finally:
        page.close()


def test_filters_change_what_is_shown(browser, page_file, corpus_network):
    page = open_page(browser, page_file)
    try:
        nodes = corpus_network.nodes
        # 1. switching off side effects hides them and protocols left without a shown edge
        page.uncheck("input[data-kind=side_effect]")
        kept_edges = {e.id for e in corpus_network.edges.values() if nodes[e.target].kind != "side_effect"}
        kept_nodes = {n for e in kept_edges for n in (corpus_network.edges[e].source, corpus_network.edges[e].target)}
        assert visible_ids(page) == kept_nodes
        assert visible_ids(page, "edge") == kept_edges
        assert page.inner_text("#counts").startswith(f"Showing {len(kept_nodes)} of {len(nodes)} nodes")
        page.check("input[data-kind=side_effect]")
        assert len(visible_ids(page)) == len(nodes)

        # 2. a condition keeps its protocols only
        condition = max((n for n in nodes.values() if n.kind == "condition"), key=lambda n: (len(n.studies), n.id))
        page.select_option("#condition-filter", condition.id)
        want = {p.id for p in nodes.values() if p.kind == "protocol" and condition.id in p.conditions}
        shown = visible_ids(page)
        assert {n for n in shown if nodes[n].kind == "protocol"} == want
        assert condition.id in shown and len(shown) < len(nodes)

        # 3. a level of evidence switched off takes its edges away
        page.click("#reset")
        level = max({e.level for e in corpus_network.edges.values()}, key=lambda lv: (lv is not None, lv or 0))
        page.uncheck(f"input[data-level='{level}']")
        shown_edges = visible_ids(page, "edge")
        assert shown_edges and all(corpus_network.edges[e].level != level for e in shown_edges)

        # 4. statements of absence can be hidden
        page.click("#reset")
        negated = {e.id for e in corpus_network.edges.values() if e.negated}
        page.uncheck("#show-negated")
        assert not (visible_ids(page, "edge") & negated)
        assert len(visible_ids(page, "edge")) == len(corpus_network.edges) - len(negated)

        # 5. the search box marks matching nodes
        page.click("#reset")
        drug = next(n for n in nodes.values() if n.kind == "drug")
        page.fill("#search", drug.label)
        assert "matching node" in page.inner_text("#search-status")
        assert drug.id in set(page.evaluate("kgraphView.cy.nodes('.match').map(n => n.id())"))
        page.fill("#search", "no node is called this")
        assert page.inner_text("#search-status").startswith("No shown node matches")
        assert page.errors == []
    finally:
        page.close()


def test_clicking_an_edge_lists_studies_and_source_sentences(browser, page_file, corpus_network):
    page = open_page(browser, page_file)
    try:
        degree: dict[str, int] = {}
        for e in corpus_network.edges.values():
            degree[e.target] = degree.get(e.target, 0) + 1
        # an edge to a node no other edge reaches, read from a page of a PDF: nothing overlaps its middle
        edge = next(e for e in sorted(corpus_network.edges.values(), key=lambda e: int(e.id[1:]))
                    if degree[e.target] == 1 and any(corpus_network.sources[s].page for v in e.evidence.values() for s in v))
        point = page.evaluate("""id => {
            const cy = kgraphView.cy, edge = cy.getElementById(id);
            cy.fit(edge.connectedNodes(), 150);
            const mid = edge.renderedMidpoint(), box = cy.container().getBoundingClientRect();
            return [box.left + mid.x, box.top + mid.y];
        }""", edge.id)
        page.mouse.click(*point)
        details = page.locator("#details")
        source, target = corpus_network.nodes[edge.source], corpus_network.nodes[edge.target]
        assert details.locator("h2").inner_text() == f"{source.label} → {target.label}"
        text = details.inner_text()
        for study, indexes in edge.evidence.items():
            assert corpus_network.studies[study].label in text
            for index in indexes:
                ref = corpus_network.sources[index]
                assert " ".join(ref.text.split()) in " ".join(text.split())
                cite = ref.where(corpus_network.documents)
                assert cite.split(" · ")[0] in text and (f"p. {ref.page}" in text if ref.page else True)
        assert details.locator("blockquote.source").count() >= 1
        save_screenshot(page, "viz-evidence-edge-details.png")

        # clicking the node at the far end lists the same study and sentences
        point = page.evaluate("""id => {
            const cy = kgraphView.cy, node = cy.getElementById(id);
            const pos = node.renderedPosition(), box = cy.container().getBoundingClientRect();
            return [box.left + pos.x, box.top + pos.y];
        }""", target.id)
        page.mouse.click(*point)
        assert details.locator("h2").inner_text() == target.label
        assert corpus_network.studies[next(iter(edge.evidence))].label in details.inner_text()
        assert page.errors == []
    finally:
        page.close()


def test_page_for_a_filtered_view_holds_only_that_view(browser, corpus_data_dir, corpus_projection, tmp_path):
    condition = "CRPS"
    network = build_network(corpus_projection, condition=condition)
    out = tmp_path / "crps.html"
    assert cli_main(["--data-dir", str(corpus_data_dir), "viz", "--condition", condition, "--out", str(out)]) == 0
    page = open_page(browser, out)
    try:
        assert page.evaluate("kgraphView.cy.nodes().length") == len(network.nodes)
        assert "--condition CRPS" in page.inner_text("footer")
        assert browser.blocked == []
    finally:
        page.close()


def test_a_large_network_loads_with_its_busiest_kinds_waiting(browser, tmp_path):
    network = synthetic_network(2500)
    out = tmp_path / "large.html"
    write_html(network, layout(network), out)
    page = open_page(browser, out)
    try:
        assert page.evaluate("kgraphView.cy.nodes().length") == len(network.nodes)
        first = page.evaluate("kgraphView.cy.edges().length")
        assert first <= EDGE_BUDGET and page.is_visible("#deferred-note")
        page.check("input[data-kind=side_effect]")
        page.check("input[data-kind=outcome]")
        assert page.evaluate("kgraphView.cy.edges().length") == len(network.edges)
        assert page.evaluate("kgraphView.visibleEdgeCount()") == len(network.edges)
        assert page.is_hidden("#deferred-note")
        marks = page.evaluate("performance.getEntriesByType('mark').map(m => [m.name, Math.round(m.startTime)])")
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "viz-large-page-marks.json").write_text(json.dumps(
            {"nodes": len(network.nodes), "edges": len(network.edges), "first_edges": first, "marks_ms": marks},
            indent=2))
        assert page.errors == [] and browser.blocked == []
        save_screenshot(page, "viz-large-network.png")
    finally:
        page.close()
