#!/usr/bin/env bash
# Every test in every language. Installs what each suite needs (cargo fetches crates, the C suite
# apt-installs libcjson-dev and valgrind, the Node suite runs npm ci, the Python suite makes a venv).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n### %s\n' "$*"; }

step "Rust: formatting and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p backstage-identity --all-targets --all-features -- -D warnings

step "Rust: unit, vector, CLI and doc tests"
cargo test -p backstage-identity --all-features

step "Main job (CLI part)"
BI_DEMO_CLI_ONLY=1 bash scripts/demo.sh

if [ -f tests/c/run.sh ]; then
  step "C API"
  bash tests/c/run.sh
fi
if [ -f bindings-node/scripts/test.sh ]; then
  step "Node binding"
  bash bindings-node/scripts/test.sh
fi
if [ -f bindings-python/scripts/test.sh ]; then
  step "Python binding"
  bash bindings-python/scripts/test.sh
fi
echo
echo "all suites passed"
