#!/usr/bin/env bash
# Set up .venv and evaluate an example case with the built-in rule pack.
# Usage: bash scripts/run-example.sh [CASE.json] [escalade evaluate options]
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e .
case_file=${1:-examples/cases/title-agent-claimed-deferral.json}
shift || true
exec .venv/bin/escalade evaluate "$case_file" "$@"
