#!/usr/bin/env bash
# The main job: verify real Backstage tokens end to end on the bundled data.
#
# 1. The CLI authenticates tokens that Backstage's own TokenFactory / DefaultAuthService minted
#    (tests/vectors/backstage/), at the instant Backstage judged them: one accepted user token with
#    its principal, a plugin-to-plugin token on behalf of a user, then expired, tampered and
#    unknown-kid tokens refused with their codes.
# 2. If the Node binding is present, the Express walkthrough (bindings-node/scripts/demo.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build -q -p backstage-identity --features cli --bin backstage-identity
cli=target/debug/backstage-identity
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Writes the case's token, JWKS documents and `now` into $work/<case>/.
extract() {
  python3 - "$1" "$work/$1" <<'PY'
import json, os, sys
case = json.load(open(f"tests/vectors/backstage/{sys.argv[1]}.json"))
out = sys.argv[2]
os.makedirs(out, exist_ok=True)
open(f"{out}/token", "w").write(case["token"])
open(f"{out}/now", "w").write(str(case["now"]))
json.dump(case["jwks"]["auth"], open(f"{out}/auth.json", "w"))
for plugin, doc in case["jwks"].get("plugins", {}).items():
    json.dump(doc, open(f"{out}/plugin-{plugin}.json", "w"))
json.dump({"pluginId": case["config"]["pluginId"], "backend": case["config"]["backend"]},
          open(f"{out}/config.json", "w"))
PY
}

failures=0
# show CASE TITLE EXPECTED_EXIT EXPECTED_CODE [extra CLI args]
show() {
  local case=$1 title=$2 want_exit=$3 want_code=$4; shift 4
  extract "$case"
  local dir="$work/$case" out status
  echo "== $title  ($case)"
  set +e
  out=$("$cli" authenticate --config "$dir/config.json" --auth-jwks "$dir/auth.json" "$@" \
        --now "$(cat "$dir/now")" --token - < "$dir/token")
  status=$?
  set -e
  echo "   $out"
  echo "   exit $status"
  if [ "$status" != "$want_exit" ] || ! grep -q "\"code\":$want_code" <<<"$out"; then
    echo "   UNEXPECTED: wanted exit $want_exit and code $want_code"
    failures=$((failures + 1))
  fi
}

echo "# backstage-identity CLI on tokens minted and judged by Backstage's own packages"
show 001-user-es256-default "valid user token (ES256)" 0 null
show 028-plugin-obo-catalog-to-scaffolder "plugin token catalog -> scaffolder on behalf of a user" 0 null \
  --plugin-jwks "catalog=$work/028-plugin-obo-catalog-to-scaffolder/plugin-catalog.json"
show 009-user-expired-at-exp "expired user token (now = exp)" 1 '"ERR_TOKEN_EXPIRED"'
show 010-user-signature-char-flipped "tampered user token (one signature character changed)" 1 '"ERR_SIGNATURE_INVALID"'
show 011-user-unknown-kid-after-restart "token signed by a key the JWKS no longer has" 1 '"ERR_JWKS_NO_MATCHING_KEY"'

if [ "$failures" -ne 0 ]; then
  echo "demo: $failures unexpected result(s)"
  exit 1
fi

if [ -z "${BI_DEMO_CLI_ONLY:-}" ] && [ -f bindings-node/scripts/demo.sh ]; then
  echo
  echo "# Node: the seed's Express middleware, native"
  bash bindings-node/scripts/demo.sh
fi
