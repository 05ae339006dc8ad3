#!/usr/bin/env bash
# The whole test suite on a fresh machine: system packages, Python packages,
# a real Neo4j server (fetched from Maven Central, started and stopped here), pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
need_apt=()
command -v rapper >/dev/null 2>&1 || need_apt+=(raptor2-utils)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "== installing Debian packages: ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
echo "== installing kgraph with its test dependencies into .venv"
source scripts/setup-venv.sh test

echo "== starting the managed Neo4j (first run fetches it from Maven Central)"
kgraph neo4j start
stop_neo4j() { kgraph neo4j stop || true; }
trap stop_neo4j EXIT
eval "$(kgraph neo4j status --env)"

echo "== running the tests"
export CI="${CI:-true}"
python -m pytest tests "$@"
