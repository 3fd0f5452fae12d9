#!/usr/bin/env bash
# Installs, builds (debug) and runs every test of the Node binding: the shared vectors, errors and
# bad input, the middleware over HTTP (Express 4 and 5), the refresh behaviour, worker threads,
# and the compatibility test against Backstage's own packages. Exits non-zero on any failure.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
install_deps
(cd .. && cargo fmt -p bindings-node -- --check && cargo clippy -p bindings-node --all-targets -- -D warnings)
build_native
git -C .. diff --exit-code -- bindings-node/native.js bindings-node/native.d.ts || {
  echo "bindings-node: the committed native.js / native.d.ts differ from the generated ones" >&2
  exit 1
}
npx tsc -p tsconfig.json
node --test --test-concurrency=1 test/*.test.js
node demo/walkthrough.js
node demo/walkthrough.js --express4
