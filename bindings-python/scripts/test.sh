#!/usr/bin/env bash
# Builds the extension (debug) into bindings-python/.venv and runs every Python check:
# pytest (vectors, errors, bad input, threads, HTTP fetcher, FastAPI, Flask, PyJWT-minted tokens),
# mypy --strict on the examples and the package, and stubtest on the native module's stub.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  if ! "$PYTHON" -m venv .venv; then
    # Debian's python3 ships venv separately.
    rm -rf .venv
    apt-get update -qq && apt-get install -y -qq python3-venv
    "$PYTHON" -m venv .venv
  fi
fi
export VIRTUAL_ENV="$PWD/.venv"
export PATH="$VIRTUAL_ENV/bin:$PATH"
python -m pip install --quiet --disable-pip-version-check -r requirements-test.txt -c constraints-test.txt

echo "--- maturin develop (debug build into .venv)"
maturin develop --quiet

echo "--- pytest"
status=0
python -m pytest -q tests || status=$?

echo "--- mypy --strict (examples and package)"
python -m mypy --strict examples python/backstage_identity || status=$?

echo "--- stubtest backstage_identity._native"
python -m mypy.stubtest backstage_identity._native || status=$?

exit "$status"
