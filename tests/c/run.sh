#!/usr/bin/env bash
# The C API's test command: installs what it needs (apt: libcjson-dev, valgrind, pkg-config;
# cargo: the pinned cbindgen), checks the committed header against a fresh one, builds the
# static and shared libraries, and runs the C programs against them: the shared vectors, the
# boundary tests and the thread test, each under AddressSanitizer + UndefinedBehaviorSanitizer
# and under valgrind memcheck (zero errors, zero leaks of any kind), plus the README example.
# Ends with the line "N passed, N failed"; exits non-zero on any failure.
#
#   bash tests/c/run.sh
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
CBINDGEN_VERSION=0.29.4
build="$root/tests/c/build"
mkdir -p "$build"

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok   $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
# Runs a test program; adds up the "<name>: N passed, N failed" line it prints, and counts
# the run itself (exit status, sanitizer or valgrind verdict) as one more test.
run_program() {
  local label="$1"
  shift
  local log="$build/$label.log"
  "$@" >"$log" 2>&1
  local status=$?
  local line
  line="$(grep -E '^[a-z]+: [0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)"
  if [[ -n "$line" ]]; then
    local p f
    p="$(sed -E 's/^[a-z]+: ([0-9]+) passed, ([0-9]+) failed$/\1/' <<<"$line")"
    f="$(sed -E 's/^[a-z]+: ([0-9]+) passed, ([0-9]+) failed$/\2/' <<<"$line")"
    passed=$((passed + p))
    failed=$((failed + f))
  fi
  if [[ $status -eq 0 && -n "$line" ]]; then
    pass "$label ($line)"
  else
    fail "$label (exit $status); log:"
    tail -n 40 "$log"
  fi
}

# --- Setup -----------------------------------------------------------------------------------
missing=()
[[ -f /usr/include/cjson/cJSON.h ]] || missing+=(libcjson-dev)
command -v valgrind >/dev/null || missing+=(valgrind)
command -v pkg-config >/dev/null || missing+=(pkg-config)
command -v cc >/dev/null || missing+=(gcc)
if ((${#missing[@]})); then
  echo "installing ${missing[*]}"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
    || { echo "FAIL cannot install ${missing[*]}"; exit 1; }
fi
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
if [[ "$(cbindgen --version 2>/dev/null)" != "cbindgen $CBINDGEN_VERSION" ]]; then
  echo "installing cbindgen $CBINDGEN_VERSION"
  cargo install cbindgen --version "$CBINDGEN_VERSION" --locked --quiet || { echo "FAIL cannot install cbindgen"; exit 1; }
fi

# --- The header --------------------------------------------------------------------------------
tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
if cbindgen --quiet --config core/cbindgen.toml --crate backstage-identity --output "$tmp" core \
  && diff -u include/backstage_identity.h "$tmp"; then
  pass "include/backstage_identity.h is what cbindgen $CBINDGEN_VERSION generates"
else
  fail "include/backstage_identity.h differs from a fresh cbindgen run: regenerate it with
     cbindgen --quiet --config core/cbindgen.toml --crate backstage-identity --output include/backstage_identity.h core"
fi
# Every identifier the header declares outside comments carries the bi_/BI_ prefix.
unprefixed="$(grep -vE '^\s*(/?\*|//)' include/backstage_identity.h \
  | grep -oE '^(#define [A-Za-z_][A-Za-z0-9_]*|typedef [^;]* [A-Za-z_][A-Za-z0-9_]*;|[A-Za-z_][A-Za-z0-9_ *]* \**[A-Za-z_][A-Za-z0-9_]*\()' \
  | grep -oE '[A-Za-z_][A-Za-z0-9_]*(;|\()?$' | tr -d ';(' | grep -vE '^(bi_|BI_|BACKSTAGE_IDENTITY_H$)' || true)"
if [[ -z "$unprefixed" ]]; then
  pass "every symbol of the header starts with bi_ or BI_"
else
  fail "symbols without the prefix: $unprefixed"
fi
for std in c99 c11; do
  if echo '#include "backstage_identity.h"' | cc -std=$std -Wall -Wextra -pedantic -Werror -Iinclude -fsyntax-only -x c -; then
    pass "the header compiles alone as $std -pedantic"
  else
    fail "the header does not compile alone as $std"
  fi
done
if echo '#include "backstage_identity.h"' | c++ -std=c++11 -Wall -Wextra -Werror -Iinclude -fsyntax-only -x c++ -; then
  pass "the header compiles as C++11"
else
  fail "the header does not compile as C++11"
fi

# --- The libraries and the Rust side of the boundary --------------------------------------------
if ! bash tests/c/build-lib.sh; then
  fail "building the libraries"
  echo "$passed passed, $failed failed"
  exit 1
fi
lib="$root/target/debug"
export PKG_CONFIG_PATH="$lib/pkgconfig"
rust_log="$build/rust-capi.log"
if cargo test -p backstage-identity --features capi --lib --quiet capi:: >"$rust_log" 2>&1; then
  pass "Rust tests of the capi module ($(grep -oE '[0-9]+ passed' "$rust_log" | tail -n 1))"
else
  fail "Rust tests of the capi module"
  tail -n 40 "$rust_log"
fi

# --- The C programs -------------------------------------------------------------------------------
cflags=(-std=c11 -g -O1 -Wall -Wextra -Werror -Iinclude)
link=("$lib/libbackstage_identity.a" -lcjson -lgcc_s -lutil -lrt -lpthread -lm -ldl)
asan=(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
vectors="$root/tests/vectors/vectors.json"
for program in vectors boundary threads; do
  if cc "${cflags[@]}" "tests/c/$program.c" "${link[@]}" -o "$build/$program" \
    && cc "${cflags[@]}" "${asan[@]}" "tests/c/$program.c" "${link[@]}" -o "$build/$program-asan"; then
    pass "compile $program.c (plain and sanitized)"
  else
    fail "compile $program.c"
  fi
done

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1:exitcode=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
valgrind=(valgrind -q --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all --error-exitcode=1)

run_program "vectors (asan+ubsan)" "$build/vectors-asan" "$vectors"
run_program "boundary (asan+ubsan)" "$build/boundary-asan" "$vectors"
run_program "threads (asan+ubsan)" "$build/threads-asan" "$vectors" 200
run_program "vectors (valgrind)" "${valgrind[@]}" "$build/vectors" "$vectors"
run_program "boundary (valgrind)" "${valgrind[@]}" "$build/boundary" "$vectors"
run_program "threads (valgrind)" "${valgrind[@]}" "$build/threads" "$vectors" 40

# --- The README example, through pkg-config and the shared library -------------------------------
example_log="$build/example.log"
if cc -std=c11 -Wall -Wextra -Werror tests/c/example.c $(pkg-config --cflags --libs backstage_identity) \
  -Wl,-rpath,"$(pkg-config --variable=libdir backstage_identity)" -o "$build/example" \
  && "${valgrind[@]}" "$build/example" >"$example_log" 2>&1 \
  && grep -qx 'authenticated user:default/alice (user token), expires at 1796317579' "$example_log" \
  && [[ "$(ldd "$build/example")" == *"$lib/libbackstage_identity.so"* ]]; then
  pass "the README example builds with pkg-config, links the shared library and authenticates (valgrind clean)"
else
  fail "the README example"
  cat "$example_log" 2>/dev/null
fi

if cc -std=c11 -Wall -Wextra -Werror tests/c/example.c $(pkg-config --cflags backstage_identity) \
  "$(pkg-config --variable=libdir backstage_identity)/libbackstage_identity.a" -lpthread -ldl -lm \
  -o "$build/example-static" \
  && [[ "$(ldd "$build/example-static")" != *libbackstage_identity* ]] \
  && static_out="$("$build/example-static")" \
  && grep -qx 'authenticated user:default/alice (user token), expires at 1796317579' <<<"$static_out"; then
  pass "the README example links the static library with the README's command"
else
  fail "the README example with the static library"
fi

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
