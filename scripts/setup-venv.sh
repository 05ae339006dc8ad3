#!/usr/bin/env bash
# Creates ./.venv (once) and installs kgraph into it. Sourced by demo.sh and test.sh.
# Usage: source scripts/setup-venv.sh [extra]   (extra = "test" installs the test dependencies)
set -euo pipefail
KGRAPH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-python3}"
if ! "$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
  echo "kgraph: error: Python 3.11 or newer is needed (found: $("$PY" --version 2>&1))" >&2
  exit 1
fi
if [ ! -x "$KGRAPH_ROOT/.venv/bin/python" ]; then
  "$PY" -m venv "$KGRAPH_ROOT/.venv"
  "$KGRAPH_ROOT/.venv/bin/pip" install -q --upgrade pip
fi
spec="$KGRAPH_ROOT"
[ "${1:-}" = "test" ] && spec="$KGRAPH_ROOT[test]"
"$KGRAPH_ROOT/.venv/bin/pip" install -q -e "$spec"
export PATH="$KGRAPH_ROOT/.venv/bin:$PATH"
