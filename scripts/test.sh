#!/usr/bin/env bash
# Set up a virtual environment in .venv (with the test extras) and run the test suite.
# Usage: bash scripts/test.sh [pytest args]    (PYTHON=python3.13 to choose the interpreter,
#                                               VENV=.venv-3.13 to choose the environment)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --upgrade pip
# Python 3.13: durable-rules 2.0.28 must be compiled with this flag or it cannot be imported
# (README, "Python versions"); done first, so the install below finds it in place.
if "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 13))' &&
   ! "$VENV/bin/python" -c 'import durable_rules_engine' 2>/dev/null; then
  CPPFLAGS=-DPyEval_CallObject=PyObject_CallObject \
    "$VENV/bin/python" -m pip install -q --force-reinstall --no-binary durable-rules \
    --no-cache-dir durable-rules==2.0.28
fi
"$VENV/bin/python" -m pip install -q -e '.[test]'
exec "$VENV/bin/python" -m pytest "$@"
