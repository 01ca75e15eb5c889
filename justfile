# zkshare tasks for development. `just --list` shows them. None is needed to serve or to test:
# `cargo run --release -p zkshare-server` serves the page and `scripts/test.sh` runs the suite.

set shell := ["bash", "-euo", "pipefail", "-c"]

# Serve the web page and API on http://127.0.0.1:8080 (embedded store; pass server flags after),
# in development mode: account e-mails (sign-up codes, invitations) are PRINTED, not sent.
run *ARGS:
    cargo run --release -p zkshare-server -- --mail-to-console {{ARGS}}

# The whole test suite: tools, formatting, clippy, unit, Redis integration, browser end-to-end.
test:
    scripts/test.sh

# Formatting check and clippy with warnings denied (native and wasm32).
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings
    cargo clippy -p zkshare-crypto --target wasm32-unknown-unknown --features wasm -- -D warnings
    cargo clippy -p zkshare-crypto --target wasm32-unknown-unknown --features wasm-requests -- -D warnings

# Rebuild web/pkg (the page's WebAssembly and JS glue, committed) from the protocol crate.
# Paths are remapped so the same source gives the same bytes on any machine (see SECURITY.md);
# the test suite fails if the committed copy differs from a build from source.
wasm:
    cargo xtask wasm

# Install the programs the test suite starts (redis-server, chromium, …) when missing.
deps:
    scripts/ensure-deps.sh

# Fuzz every parser of untrusted input (fuzz/) for SECONDS each on the committed corpus; fails
# on any crash and prints the executions per target. Installs cargo-fuzz when missing.
fuzz seconds="60":
    scripts/fuzz-smoke.sh {{seconds}}

# Regenerate the protocol test vectors (deterministic: the file must not change).
vectors:
    cargo run -q -p zkshare-crypto --features vectors --example gen_vectors > tests/vectors/protocol-v1.json

# Benchmarks (bench/README.md): zkshare vs raw-Redis Lua and SnapPass, memory, browser crypto;
# writes bench/results/latest.md. `just bench --quick` is a short run; `--help` lists the options.
bench *ARGS:
    cargo build --release -p zkshare-server -p zkshare-bench
    bench/ensure-tools.sh
    cargo run -q --release -p zkshare-bench -- {{ARGS}}

# Print the SHA-256 of every web asset as this build serves it; compare with a server's /assets.json.
hashes:
    cargo xtask check-wasm
    cargo run -q --release -p zkshare-server -- print-asset-hashes

# Refresh the README's screenshots (docs/screenshots/*.png) through the browser test.
screenshots:
    cargo build --workspace --bins
    ZKSHARE_UPDATE_SCREENSHOTS=1 cargo test -p zkshare-tests --test web_e2e screenshots
    ZKSHARE_UPDATE_SCREENSHOTS=1 cargo test -p zkshare-tests --test web_accounts --test web_restricted --test web_requests --test web_branding
