#!/usr/bin/env bash
# The walkthrough: installs, builds the native module, starts the seed-like Express backend on
# 127.0.0.1 and shows each case with its real status code. Exits 0 when every step is as expected.
#   bindings-node/scripts/demo.sh [--express4]
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
install_deps
build_native
node demo/walkthrough.js "$@"
