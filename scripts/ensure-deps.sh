#!/usr/bin/env bash
# Makes sure the tools the build and the test suite need are present; installs them when it can.
# Usage: scripts/ensure-deps.sh build   (Rust target + wasm-bindgen CLI: needed to build the page)
#        scripts/ensure-deps.sh test    (the above + redis-server, chromium, chromium-driver)
set -euo pipefail
cd "$(dirname "$0")/.."

what=${1:-build}
wasm_bindgen_version=$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)"/\1/p' Cargo.toml)

# The wasm32 target: rust-toolchain.toml names it, but an older rustup may not add it by itself.
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  echo "==> rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# wasm-bindgen CLI at exactly the version of the wasm-bindgen crate (a mismatch breaks the glue).
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wasm_bindgen_version" ]; then
  echo "==> cargo install wasm-bindgen-cli --version $wasm_bindgen_version (one-time, a few minutes)"
  cargo install wasm-bindgen-cli --version "$wasm_bindgen_version"
fi

[ "$what" = test ] || exit 0

missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v redis-cli >/dev/null || missing+=(redis-tools)
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
[ -x /usr/bin/python3 ] || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "==> apt-get install ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "The test suite needs: ${missing[*]}" >&2
    echo "Install them with:  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi
