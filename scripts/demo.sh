#!/usr/bin/env bash
# The main job on the embedded store (no Neo4j needed): install, ingest corpus/,
# answer example questions, write the evidence views to out/.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup-venv.sh
export KGRAPH_DATA_DIR="${KGRAPH_DATA_DIR:-.kgraph}"
echo "== ingesting corpus/"
kgraph ingest corpus/
# The published review the first corpus grew from, when this checkout sits next to it.
REVIEW="../shared/seed/maher2017-review-typeset.pdf"
if [ -f "$REVIEW" ]; then
  echo "== ingesting the review $REVIEW (its evidence table and conclusions)"
  kgraph ingest "$REVIEW"
fi
echo
echo "== Which protocols were used for complex regional pain syndrome?"
kgraph query protocols_for_condition --param condition=complex_regional_pain_syndrome
echo
echo "== Which adjuncts were given with ketamine, and what for?"
kgraph query adjuncts_for_drug --param drug=ketamine
echo
echo "== How long did relief last, against how long the infusion ran?"
kgraph query relief_vs_infusion_duration
echo
echo "== Which conditions have no randomized evidence?"
kgraph query conditions_without_randomized_evidence
if [ -f "$REVIEW" ]; then
  echo
  echo "== The review's conclusions and the studies behind them"
  kgraph query evidence_for_claim
fi
echo
mkdir -p out
kgraph table --format md --out out/evidence-table.md
kgraph table --format html --out out/evidence-table.html
kgraph viz --out out/evidence.html
kgraph plot trends --out out/plots
echo
echo "== views written: out/evidence.html (open in a browser), out/evidence-table.md, out/evidence-table.html, out/plots/"
