#!/usr/bin/env bash
# Core benchmark: full verification of a real ES256 Backstage user token vs bare ring signature
# verification of the same signing input, measured in one criterion run; prints the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench -q -p backstage-identity --bench verify -- --noplot "$@" >/dev/null
python3 - <<'PY'
import json
base = "target/criterion/es256_user_token"
ns = {name: json.load(open(f"{base}/{name}/new/estimates.json"))["mean"]["point_estimate"]
      for name in ["ring_bare_signature", "verify_full", "authenticate_full"]}
bare = ns["ring_bare_signature"]
print("| operation | mean | ops/s | throughput vs bare ring |")
print("|---|---|---|---|")
for name, t in ns.items():
    print(f"| {name} | {t/1000:.2f} µs | {1e9/t:,.0f} | {bare/t:.3f}x |")
PY
