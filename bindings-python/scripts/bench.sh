#!/usr/bin/env bash
# Release build of the extension into bindings-python/.venv, then scripts/bench.py.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
export VIRTUAL_ENV="$PWD/.venv"
export PATH="$VIRTUAL_ENV/bin:$PATH"
python -m pip install --quiet --disable-pip-version-check -r requirements-test.txt -c constraints-test.txt
maturin develop --release --quiet
python scripts/bench.py
