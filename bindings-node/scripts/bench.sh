#!/usr/bin/env bash
# Release build, then one side-by-side run (this package, jose, fast-jwt) on the same token set.
# The Markdown table goes to stdout.
#   bindings-node/scripts/bench.sh [--tokens 1000] [--ops 2000] [--rounds 25]
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
install_deps
build_native --release
node bench/bench.js "$@"
