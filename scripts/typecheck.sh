#!/usr/bin/env bash
# Type-check the package as installed (mypy cannot follow package-dir: engine/ -> escalade/).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
out=build/typecheck
rm -rf "$out"
"$VENV/bin/python" -m pip install -q --no-deps --target "$out" . >/dev/null
rm -rf build/lib build/bdist* ./*.egg-info 2>/dev/null || true
exec "$VENV/bin/mypy" "$out/escalade"
