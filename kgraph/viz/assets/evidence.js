/* kgraph evidence network: the page's behaviour (filters, search, details). Data: #kgraph-data.
   Positions are precomputed by kgraph (networkx), so no layout runs here. Text from papers is
   only ever put into the page with textContent, never parsed as HTML. */
(function () {
  "use strict";

  performance.mark("kgraph:start");
  var data = JSON.parse(document.getElementById("kgraph-data").textContent);
  var meta = data.meta;
  var large = meta.large;
  var nodeById = {}, edgeById = {};
  var edgesByNode = {};
  data.nodes.forEach(function (n) { nodeById[n.id] = n; edgesByNode[n.id] = []; });
  data.edges.forEach(function (e) {
    edgeById[e.id] = e;
    edgesByNode[e.source].push(e);
    edgesByNode[e.target].push(e);
  });
  // In a very large network the busiest kinds (chosen by kgraph) start switched off and their edges
  // are only handed to the renderer when the reader ticks them.
  var deferred = {};
  (meta.deferred_kinds || []).forEach(function (kind) { deferred[kind] = []; });
  var levelColor = {};
  data.levels.forEach(function (l) { levelColor[String(l.level)] = l.color; });  // "null": unknown

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") node.textContent = attrs[key];
      else if (key === "className") node.className = attrs[key];
      else if (key === "style") node.setAttribute("style", attrs[key]);
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function levelLabel(level) {
    return level === null || level === undefined ? "level unknown" : "level " + level;
  }

  // --- the graph ------------------------------------------------------------------------------
  // Styles hang on classes (kind, level, width bucket), not on per-element data mappers: with tens of
  // thousands of edges that is what keeps the first drawing and every filter change fast.
  var baseSize = large ? 14 : 22;
  function levelKey(level) { return level === null || level === undefined ? "none" : String(level); }
  function widthClass(studies) { return studies >= 10 ? "w4" : studies >= 4 ? "w3" : studies >= 2 ? "w2" : "w1"; }
  var elements = [];
  data.nodes.forEach(function (n) {
    elements.push({
      group: "nodes",
      data: { id: n.id, label: n.label, px: Math.round(baseSize * n.size) },
      position: { x: n.x, y: n.y },
      classes: "kind-" + n.kind
    });
  });
  data.edges.forEach(function (e) {
    var element = {
      group: "edges",
      data: { id: e.id, source: e.source, target: e.target },
      classes: ["lv-" + levelKey(e.level), widthClass(e.evidence.length), e.negated ? "negated" : "reported"].join(" ")
    };
    var waiting = deferred[nodeById[e.target].kind];
    (waiting || elements).push(element);
  });

  var style = [
    { selector: "node", style: {
        "width": "data(px)", "height": "data(px)", "border-width": 1, "border-color": "#ffffff",
        "label": "data(label)", "font-size": 10, "text-wrap": "wrap", "text-max-width": 160,
        "text-valign": "bottom", "text-margin-y": 2, "color": "#222", "text-outline-color": "#fcfcfc",
        "text-outline-width": 1.5, "min-zoomed-font-size": 7 } },
    { selector: "node.kind-protocol", style: { "font-size": 7, "label": large ? "" : "data(label)" } },
    { selector: "node.kind-protocol:selected, node.kind-protocol.match", style: { "label": "data(label)" } },
    { selector: "edge", style: { "width": 1, "opacity": 0.75, "curve-style": large ? "haystack" : "bezier" } },
    { selector: "edge.w2", style: { "width": 2 } },
    { selector: "edge.w3", style: { "width": 3 } },
    { selector: "edge.w4", style: { "width": 4.5 } },
    { selector: "edge.negated", style: { "line-style": "dashed", "line-dash-pattern": [6, 4], "opacity": 0.6 } }
  ];
  Object.keys(data.kinds).forEach(function (kind) {
    style.push({ selector: "node.kind-" + kind, style: { "background-color": data.kinds[kind].color, "shape": data.kinds[kind].shape } });
  });
  data.levels.forEach(function (l) {
    style.push({ selector: "edge.lv-" + levelKey(l.level), style: { "line-color": l.color } });
  });
  style.push(
    { selector: ".hidden", style: { "display": "none" } },
    { selector: ".faded", style: { "opacity": 0.1, "text-opacity": 0 } },
    { selector: "node.match", style: { "border-width": 4, "border-color": "#111" } },
    { selector: "node:selected", style: { "border-width": 4, "border-color": "#000" } },
    { selector: "edge:selected", style: { "width": 6, "opacity": 1, "underlay-color": "#000",
        "underlay-opacity": 0.25, "underlay-padding": 3 } }
  );

  performance.mark("kgraph:elements");
  var cy = cytoscape({
    container: document.getElementById("cy"),
    elements: elements,
    layout: { name: "preset", fit: true, padding: 30 },
    style: style,
    minZoom: 0.02,
    maxZoom: 8,
    boxSelectionEnabled: false,
    motionBlur: false,
    textureOnViewport: large,
    hideEdgesOnViewport: large,
    pixelRatio: large ? 1 : "auto"
  });
  performance.mark("kgraph:cytoscape");
  // labels stay legible when the whole network is fitted into view: scale the font against the zoom
  var fitted = cy.zoom();
  if (fitted < 1) {
    // (protocol labels keep their small size: they appear once the reader zooms in)
    var font = Math.min(80, Math.round(10 / fitted));
    cy.style().selector("node").style({ "font-size": font, "text-max-width": 16 * font })
      .selector("node.kind-protocol").style("font-size", 7).update();
  }

  // --- controls -------------------------------------------------------------------------------
  var kindBoxes = {}, levelBoxes = {};
  var kindCounts = {};
  data.nodes.forEach(function (n) { kindCounts[n.kind] = (kindCounts[n.kind] || 0) + 1; });
  var kindSet = document.getElementById("kind-filter");
  Object.keys(data.kinds).forEach(function (kind) {
    if (!kindCounts[kind]) return;
    var box = el("input", { type: "checkbox", "data-kind": kind });
    box.checked = !deferred[kind];
    kindBoxes[kind] = box;
    kindSet.appendChild(el("label", {}, [box, el("span", { className: "swatch", style: "background:" + data.kinds[kind].color }),
      el("span", { text: data.kinds[kind].label }), el("span", { className: "count", text: String(kindCounts[kind]) })]));
  });
  var levelCounts = {};
  data.edges.forEach(function (e) { var k = String(e.level); levelCounts[k] = (levelCounts[k] || 0) + 1; });
  var levelSet = document.getElementById("level-filter");
  data.levels.forEach(function (l) {
    var key = String(l.level);
    if (!levelCounts[key]) return;
    var box = el("input", { type: "checkbox", "data-level": key });
    box.checked = true;
    levelBoxes[key] = box;
    levelSet.appendChild(el("label", {}, [box, el("span", { className: "swatch", style: "background:" + l.color }),
      el("span", { text: l.label }), el("span", { className: "count", text: String(levelCounts[key]) })]));
  });

  function fillSelect(select, kinds) {
    data.nodes.filter(function (n) { return kinds.indexOf(n.kind) >= 0; })
      .sort(function (a, b) { return a.label.localeCompare(b.label); })
      .forEach(function (n) {
        select.appendChild(el("option", { value: n.id, text: n.label + " (" + n.studies.length + ")" }));
      });
  }
  var conditionSelect = document.getElementById("condition-filter");
  var drugSelect = document.getElementById("drug-filter");
  fillSelect(conditionSelect, ["condition"]);
  fillSelect(drugSelect, ["drug", "adjunct"]);
  var minStudies = document.getElementById("min-studies");
  var showReported = document.getElementById("show-reported");
  var showNegated = document.getElementById("show-negated");
  var search = document.getElementById("search");

  // --- filtering ------------------------------------------------------------------------------
  function applyFilters() {
    var condition = conditionSelect.value, drug = drugSelect.value;
    var least = Math.max(1, parseInt(minStudies.value, 10) || 1);
    var activeProtocol = {};
    data.nodes.forEach(function (n) {
      if (n.kind !== "protocol") return;
      activeProtocol[n.id] = (!condition || n.conditions.indexOf(condition) >= 0) &&
        (!drug || n.drugs.indexOf(drug) >= 0) && n.studies.length >= least;
    });
    // an edge passes on its own terms; a node shows when it passes and keeps a passing edge
    var passing = {}, hasEdge = {};
    data.edges.forEach(function (e) {
      var target = nodeById[e.target];
      var ok = activeProtocol[e.source] && levelBoxes[String(e.level)].checked &&
        (e.negated ? showNegated.checked : showReported.checked) &&
        kindBoxes[target.kind].checked && target.studies.length >= least;
      passing[e.id] = ok;
      if (ok) { hasEdge[e.source] = true; hasEdge[e.target] = true; }
    });
    var visible = {};
    data.nodes.forEach(function (n) {
      visible[n.id] = kindBoxes[n.kind].checked && !!hasEdge[n.id] &&
        (n.kind !== "protocol" || activeProtocol[n.id]);
    });
    function shown(ele) {
      if (ele.isNode()) return visible[ele.id()];
      var e = ele.data();
      return passing[e.id] && visible[e.source] && visible[e.target];
    }
    // touch only the elements whose state changes
    var toShow = cy.elements(".hidden").filter(shown);
    var toHide = cy.elements().not(".hidden").filter(function (ele) { return !shown(ele); });
    cy.batch(function () {
      toShow.removeClass("hidden");
      toHide.addClass("hidden");
    });
    updateCounts();
    applySearch(false);
  }

  function updateCounts() {
    var shownNodes = cy.nodes().not(".hidden").length, shownEdges = cy.edges().not(".hidden").length;
    document.getElementById("counts").textContent = "Showing " + shownNodes + " of " + cy.nodes().length +
      " nodes and " + shownEdges + " of " + data.edges.length + " edges.";
    document.getElementById("empty-note").hidden = shownNodes > 0;
  }

  function applySearch(zoom) {
    var term = search.value.trim().toLowerCase();
    var status = document.getElementById("search-status");
    cy.batch(function () {
      cy.elements().removeClass("faded match");
      if (!term) { status.textContent = ""; return; }
      var shown = cy.nodes().not(".hidden");
      var matches = shown.filter(function (node) {
        var n = nodeById[node.id()];
        if (n.label.toLowerCase().indexOf(term) >= 0) return true;
        return n.details.some(function (d) { return String(d[1]).toLowerCase().indexOf(term) >= 0; });
      });
      status.textContent = matches.length ? matches.length + " matching node" + (matches.length > 1 ? "s" : "") +
        " (Enter zooms to them)" : "No shown node matches \u201c" + search.value.trim() + "\u201d.";
      if (!matches.length) return;
      var keep = matches.closedNeighborhood();
      cy.elements().not(keep).addClass("faded");
      matches.addClass("match");
      if (zoom) cy.animate({ fit: { eles: keep, padding: 60 }, duration: large ? 0 : 300 });
    });
  }

  function addDeferred(kind) {
    if (!deferred[kind] || !kindBoxes[kind].checked) return;
    var waiting = deferred[kind];
    delete deferred[kind];
    cy.add(waiting);
    if (!Object.keys(deferred).length) document.getElementById("deferred-note").hidden = true;
  }
  Object.keys(kindBoxes).forEach(function (k) {
    kindBoxes[k].addEventListener("change", function () { addDeferred(k); applyFilters(); });
  });
  if (Object.keys(deferred).length) {
    var note = document.getElementById("deferred-note");
    note.textContent = "Large network: " + Object.keys(deferred).map(function (k) { return data.kinds[k].label.toLowerCase() + "s"; })
      .join(" and ") + " start switched off to keep the view fast; tick them to add them.";
    note.hidden = false;
  }
  Object.keys(levelBoxes).forEach(function (k) { levelBoxes[k].addEventListener("change", applyFilters); });
  [showReported, showNegated, minStudies].forEach(function (input) {
    input.addEventListener("change", applyFilters);
  });
  [conditionSelect, drugSelect].forEach(function (input) {  // a new subject: show all of it
    input.addEventListener("change", function () {
      applyFilters();
      var shownNow = cy.elements().not(".hidden");
      if (shownNow.length) cy.fit(shownNow, 30);
    });
  });
  search.addEventListener("input", function () { applySearch(false); });
  search.addEventListener("keydown", function (event) { if (event.key === "Enter") applySearch(true); });
  document.getElementById("reset").addEventListener("click", function () {
    Object.keys(kindBoxes).forEach(function (k) { kindBoxes[k].checked = !deferred[k]; });
    Object.keys(levelBoxes).forEach(function (k) { levelBoxes[k].checked = true; });
    showReported.checked = showNegated.checked = true;
    conditionSelect.value = drugSelect.value = "";
    minStudies.value = "1";
    search.value = "";
    applyFilters();
    cy.fit(undefined, 30);
  });
  document.getElementById("fit").addEventListener("click", function () {
    cy.fit(cy.elements().not(".hidden"), 30);
  });

  // --- details --------------------------------------------------------------------------------
  var details = document.getElementById("details");
  var MAX_STUDIES = 100;

  function sourceBlock(index, relation) {
    var s = data.sources[index];
    var doc = data.documents[s.document];
    var where = [doc.label, s.page !== null ? "p. " + s.page : "page not recorded"];
    if (s.table) {
      where.push("table " + s.table + (s.row !== null ? " row " + s.row : "") + (s.col !== null ? " col " + s.col : ""));
    } else if (s.section) {
      where.push(s.section);
    }
    if (doc.source) where.push(doc.source);
    return el("blockquote", { className: "source" }, [
      relation ? el("span", { className: "relation", text: relation }) : null,
      el("p", { text: s.text || "(no text recorded)" }),
      el("cite", { text: where.join(" \u00b7 ") })
    ]);
  }

  function studyBlock(studyIndex, items) {
    var st = data.studies[studyIndex];
    var facts = [st.design || "design not recorded", st.n !== null ? "n = " + st.n : "n not recorded", levelLabel(st.level)];
    var docs = st.documents.map(function (d) { return data.documents[d].label; });
    if (docs.length) facts.push("reported in " + docs.join("; "));
    var block = el("div", { className: "study" }, [el("h3", { text: st.label }), el("p", { className: "meta", text: facts.join(" \u00b7 ") })]);
    var seen = {};
    items.forEach(function (item) {
      var key = item.source + "|" + (item.relation || "");
      if (seen[key]) return;
      seen[key] = true;
      block.appendChild(sourceBlock(item.source, item.relation));
    });
    if (!items.length) block.appendChild(el("p", { className: "hint", text: "No sentence recorded for this fact." }));
    return block;
  }

  function studyList(byStudy) {
    var keys = Object.keys(byStudy).map(Number).sort(function (a, b) {
      return data.studies[a].label.localeCompare(data.studies[b].label);
    });
    var frag = document.createDocumentFragment();
    keys.slice(0, MAX_STUDIES).forEach(function (k) { frag.appendChild(studyBlock(k, byStudy[k])); });
    if (keys.length > MAX_STUDIES) {
      frag.appendChild(el("p", { className: "hint", text: "\u2026 and " + (keys.length - MAX_STUDIES) +
        " more studies (narrow the view with the filters)." }));
    }
    return frag;
  }

  function showEdge(edge) {
    var e = edgeById[edge.id()];
    var src = nodeById[e.source], dst = nodeById[e.target];
    details.replaceChildren();
    details.appendChild(el("h2", { text: src.label + " \u2192 " + dst.label }));
    var tags = el("p", { className: "meta" }, [
      el("span", { className: "tag", style: "background:" + levelColor[String(e.level)], text: levelLabel(e.level) }),
      e.negated ? el("span", { className: "tag negated", text: "stated as absent" }) : null,
      el("span", { text: data.relations[e.relation] + " \u00b7 " + e.evidence.length + " stud" + (e.evidence.length === 1 ? "y" : "ies") })
    ]);
    details.appendChild(tags);
    if (e.notes.length) details.appendChild(el("p", { className: "meta", text: e.notes.join("; ") }));
    var byStudy = {};
    e.evidence.forEach(function (pair) {
      byStudy[pair[0]] = pair[1].map(function (s) { return { source: s, relation: null }; });
    });
    details.appendChild(studyList(byStudy));
  }

  function showNode(node) {
    var n = nodeById[node.id()];
    details.replaceChildren();
    details.appendChild(el("h2", { text: n.label }));
    details.appendChild(el("p", { className: "meta", text: data.kinds[n.kind].label + " \u00b7 " + n.studies.length +
      " supporting stud" + (n.studies.length === 1 ? "y" : "ies") }));
    var table = el("table");
    n.details.forEach(function (d) {
      if (d[0] === "kind") return;
      table.appendChild(el("tr", {}, [el("td", { text: d[0] }), el("td", { text: d[1] })]));
    });
    details.appendChild(table);
    var byStudy = {};
    edgesByNode[n.id].forEach(function (e) {
      var other = nodeById[e.source === n.id ? e.target : e.source];
      var relation = data.relations[e.relation] + ": " + other.label + (e.negated ? " (stated as absent)" : "");
      e.evidence.forEach(function (pair) {
        var list = byStudy[pair[0]] || (byStudy[pair[0]] = []);
        pair[1].forEach(function (s) { list.push({ source: s, relation: relation }); });
      });
    });
    details.appendChild(studyList(byStudy));
  }

  cy.on("tap", "node", function (event) { showNode(event.target); });
  cy.on("tap", "edge", function (event) { showEdge(event.target); });

  // --- header, footer, ready ------------------------------------------------------------------
  document.getElementById("summary").textContent = meta.summary;
  var filters = Object.keys(meta.filters).map(function (k) { return "--" + k + " " + meta.filters[k]; }).join(" ");
  document.getElementById("footer").textContent = "Drawn from the kgraph graph (kgraph " + meta.kgraph + ", " +
    meta.generated + (filters ? ", " + filters : "") + "). Layout: networkx. Rendering: " + meta.library + ".";
  applyFilters();

  window.kgraphView = {
    cy: cy,
    data: data,
    applyFilters: applyFilters,
    visibleNodeCount: function () { return cy.nodes().not(".hidden").length; },
    visibleEdgeCount: function () { return cy.edges().not(".hidden").length; }
  };
  performance.mark("kgraph:filtered");
  cy.one("render", function () {
    performance.mark("kgraph:rendered");
    document.body.setAttribute("data-state", "ready");
  });
  cy.ready(function () { cy.forceRender(); });
})();
