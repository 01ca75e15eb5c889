#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what it needs, then formatting, clippy, and every test.
# Usage: scripts/test.sh   (needs only Rust; as root it apt-installs redis, chromium and python3-venv)
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> [%s] %s\n' "$(date +%T)" "$*"; }
started=$(date +%s)

step "tools: scripts/ensure-deps.sh"
scripts/ensure-deps.sh

step "formatting: cargo fmt --check"
cargo fmt --all -- --check

step "clippy (native, warnings denied)"
cargo clippy --workspace --all-targets -- -D warnings
step "clippy (wasm32, warnings denied)"
cargo clippy -p zkshare-crypto --target wasm32-unknown-unknown --features wasm -- -D warnings
cargo clippy -p zkshare-crypto --target wasm32-unknown-unknown --features wasm-requests -- -D warnings

step "build: the binaries the end-to-end tests start"
cargo build --workspace --bins

step "tests: cargo test --workspace"
cargo test --workspace --no-fail-fast --features zkshare-crypto/vectors

step "fuzzing: every cargo-fuzz target for 20 s on the committed corpus"
scripts/fuzz-smoke.sh 20

step "done in $(( $(date +%s) - started )) s"
