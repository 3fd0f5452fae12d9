#!/usr/bin/env bash
# Benchmark: authentication throughput of the same real ES256 Backstage user token through the
# C API (tests/c/bench.c, linked with the release static library) and through the Rust core
# (core/examples/capi_bench.rs), in one run: ROUNDS alternating rounds of each, median of each
# side, and the ratio C / Rust (target: >= 0.95).
#
#   bash tests/c/bench.sh [iterations per round, default 20000] [rounds, default 7]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
iterations="${1:-20000}"
rounds="${2:-7}"
build="$root/tests/c/build"
mkdir -p "$build"
[[ -f /usr/include/cjson/cJSON.h ]] || { apt-get update -qq && apt-get install -y -qq libcjson-dev >/dev/null; }

bash tests/c/build-lib.sh --release >/dev/null
cargo build --release --quiet -p backstage-identity --example capi_bench
cc -std=c11 -O2 -Iinclude tests/c/bench.c target/release/libbackstage_identity.a \
  -lcjson -lgcc_s -lutil -lrt -lpthread -lm -ldl -o "$build/bench"

c=()
rust=()
for ((i = 1; i <= rounds; i++)); do
  c+=("$("$build/bench" tests/vectors/vectors.json "$iterations" | awk '$1 == "c" { print $2 }')")
  rust+=("$(target/release/examples/capi_bench "$iterations" | awk '$1 == "rust" { print $2 }')")
done
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
c_median="$(median "${c[@]}")"
rust_median="$(median "${rust[@]}")"
echo "C API authenticate (ES256 user token): ${c[*]} ops/s, median $c_median"
echo "Rust core authenticate (same token):   ${rust[*]} ops/s, median $rust_median"
awk -v c="$c_median" -v r="$rust_median" 'BEGIN { printf "ratio C / Rust: %.3f (target >= 0.95)\n", c / r }'
