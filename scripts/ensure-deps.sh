#!/usr/bin/env bash
# Makes sure the programs the test suite starts are present; installs them when it can.
# Usage: scripts/ensure-deps.sh   (redis-server, redis-cli, chromium, chromedriver, python3 with venv, openssl, systemd-analyze)
# Building and serving need nothing from here: the wasm32 target comes with rust-toolchain.toml, and
# the page's WebAssembly is committed in web/pkg (`cargo xtask wasm` rebuilds it without any CLI).
set -euo pipefail
cd "$(dirname "$0")/.."

# The wasm32 target: rust-toolchain.toml names it, but an older rustup may not add it by itself.
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  echo "==> rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v redis-cli >/dev/null || missing+=(redis-tools)
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
command -v python3 >/dev/null || missing+=(python3)
# The mail tests' SMTP sink makes its throwaway CA and certificates with the openssl CLI.
command -v openssl >/dev/null || missing+=(openssl)
# The deployment test checks the systemd unit with systemd-analyze.
command -v systemd-analyze >/dev/null || missing+=(systemd)
# Virtual environments for the Python tools the tests install from PyPI (Debian splits venv out).
scratch=$(mktemp -d)
python3 -m venv "$scratch/venv" >/dev/null 2>&1 || missing+=(python3-venv)
rm -rf "$scratch"
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
