#!/usr/bin/env bash
# Builds the C API as static and shared libraries (libbackstage_identity.a, .so) without
# changing the crate's crate-type, and renders their pkg-config file.
#
#   bash tests/c/build-lib.sh            # debug:   target/debug/
#   bash tests/c/build-lib.sh --release  # release: target/release/
#
# Then: export PKG_CONFIG_PATH="$PWD/target/<debug|release>/pkgconfig"
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
profile=debug
args=()
if [[ "${1:-}" == "--release" ]]; then
  profile=release
  args=(--release)
fi
cargo rustc -p backstage-identity --lib --features capi "${args[@]}" --crate-type staticlib,cdylib --quiet
libdir="$root/target/$profile"
mkdir -p "$libdir/pkgconfig"
sed -e "s|@INCLUDEDIR@|$root/include|" -e "s|@LIBDIR@|$libdir|" include/backstage_identity.pc.in \
  > "$libdir/pkgconfig/backstage_identity.pc"
echo "built $libdir/libbackstage_identity.a and .so; pkg-config file in $libdir/pkgconfig"
