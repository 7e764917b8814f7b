#!/usr/bin/env bash
# Set up a virtual environment in .venv (with the test extras) and run the test suite.
# Usage: bash scripts/test.sh [pytest args]    (PYTHON=python3.13 to choose the interpreter)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q -e '.[test]'
exec "$VENV/bin/python" -m pytest "$@"
