#!/usr/bin/env bash
# Core benchmark: full verification of a real ES256 Backstage user token vs bare ring signature
# verification of the same signing input.
#  1. time: criterion (release), the three operations interleaved over 3 rounds, median of the
#     rounds' means (so load from other processes hits all three alike);
#  2. instructions: valgrind callgrind counts of 1000 iterations of each (repeatable on a busy
#     machine; the setup is counted by a 0-iteration run and subtracted).
set -euo pipefail
cd "$(dirname "$0")/.."
means=$(mktemp)
trap 'rm -f "$means"' EXIT
for round in 1 2 3; do
  for op in ring_bare_signature verify_full authenticate_full; do
    cargo bench -q -p backstage-identity --bench verify -- --noplot --exact "es256_user_token/$op" \
      --warm-up-time 1 --measurement-time 3 >/dev/null 2>&1
    python3 -c "import json,sys; print(sys.argv[1], json.load(open(sys.argv[2]))['mean']['point_estimate'])" \
      "$op" "target/criterion/es256_user_token/$op/new/estimates.json" >> "$means"
  done
done
echo "## time (criterion, median of 3 interleaved rounds)"
python3 - "$means" <<'PY'
import statistics, sys
rounds = {}
for line in open(sys.argv[1]):
    name, t = line.split()
    rounds.setdefault(name, []).append(float(t))
ns = {name: statistics.median(v) for name, v in rounds.items()}
bare = ns["ring_bare_signature"]
print("| operation | mean | ops/s | throughput vs bare ring |")
print("|---|---|---|---|")
for name, t in ns.items():
    print(f"| {name} | {t/1000:.2f} µs | {1e9/t:,.0f} | {bare/t:.3f}x |")
PY
if command -v valgrind >/dev/null; then
  cargo build -q --release -p backstage-identity --example verify_loop
  count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/examples/verify_loop "$1" "$2" 2>&1 \
      | sed -n 's/.*refs: *//p' | tr -d ,
  }
  echo
  echo "## instructions (callgrind, per operation)"
  echo "| operation | instructions | throughput vs bare ring |"
  echo "|---|---|---|"
  bare=0
  for mode in bare verify authenticate; do
    per=$(( ($(count "$mode" 1000) - $(count "$mode" 0)) / 1000 ))
    [ "$mode" = bare ] && bare=$per
    printf '| %s | %s | %s |\n' "$mode" "$per" "$(python3 -c "print(f'{$bare/$per:.3f}x')")"
  done
fi
