# Shared by demo.sh, test.sh and bench.sh: install npm dependencies (from the committed lock file)
# when node_modules is missing or older than the lock, and build the native module.
set -euo pipefail
PKG_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$PKG_DIR"

need() {
  command -v "$1" >/dev/null 2>&1 || { echo "bindings-node: '$1' is required ($2)" >&2; exit 1; }
}
need node "Node.js 20 or later"
need npm "comes with Node.js"
need cargo "Rust toolchain, https://rustup.rs"

install_deps() {
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "bindings-node: npm ci" >&2
    # --ignore-scripts: no dependency needs its install script here (better-sqlite3 is only used
    # by database key stores, which the tests and the demo do not use), so nothing is downloaded
    # from outside the npm registry and nothing is compiled with node-gyp.
    npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2
  fi
}

# build_native [--release]
build_native() {
  echo "bindings-node: napi build $*" >&2
  npx napi build --platform "$@" --js native.js --dts native.d.ts >&2
}
