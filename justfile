# zkshare tasks. `just --list` shows them.

set shell := ["bash", "-euo", "pipefail", "-c"]

# Build everything and serve the web page and API on http://127.0.0.1:8080 (embedded store).
run *ARGS: wasm
    cargo build --release -p zkshare-server
    ./target/release/zkshare-server {{ARGS}}

# The whole test suite: formatting, clippy, unit, Redis integration, browser end-to-end.
test: (deps "test") lint wasm
    cargo build --workspace --bins
    cargo test --workspace --no-fail-fast --features zkshare-crypto/vectors

# Formatting check and clippy with warnings denied (native and wasm32).
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings
    cargo clippy -p zkshare-crypto --target wasm32-unknown-unknown --features wasm -- -D warnings

# Build the protocol crate to WebAssembly and its JS glue into web/pkg (served by the server).
# Paths are remapped so the same source gives the same bytes on any machine (see SECURITY.md).
wasm: (deps "build")
    RUSTFLAGS="--remap-path-prefix=${CARGO_HOME:-$HOME/.cargo}=/cargo --remap-path-prefix=$PWD=/zkshare" \
      cargo build -p zkshare-crypto --target wasm32-unknown-unknown --release --features wasm
    wasm-bindgen target/wasm32-unknown-unknown/release/zkshare_crypto.wasm --target web --out-dir web/pkg --no-typescript
    @ls -l web/pkg

# Install missing tools: `build` (wasm target, wasm-bindgen CLI) or `test` (+ redis, chromium).
deps what="build":
    scripts/ensure-deps.sh {{what}}

# Fuzz every parser of untrusted input (fuzz/) for SECONDS each on the committed corpus; fails
# on any crash and prints the executions per target. Installs cargo-fuzz when missing.
fuzz seconds="60":
    scripts/fuzz-smoke.sh {{seconds}}

# Regenerate the protocol test vectors (deterministic: the file must not change).
vectors:
    cargo run -q -p zkshare-crypto --features vectors --example gen_vectors > tests/vectors/protocol-v1.json

# Benchmarks (bench/README.md): zkshare vs raw-Redis Lua and SnapPass, memory, browser crypto;
# writes bench/results/latest.md. `just bench --quick` is a short run; `--help` lists the options.
bench *ARGS: wasm
    cargo build --release -p zkshare-server -p zkshare-bench
    bench/ensure-tools.sh
    ./target/release/zkshare-bench {{ARGS}}

# Print the SHA-256 of every web asset as this build serves it; compare with a server's /assets.json.
hashes: wasm
    cargo build --release -p zkshare-server
    ./target/release/zkshare-server --print-asset-hashes

# Refresh the README's screenshots (docs/screenshots/*.png) through the browser test.
screenshots: wasm
    cargo build --workspace --bins
    ZKSHARE_UPDATE_SCREENSHOTS=1 cargo test -p zkshare-tests --test web_e2e screenshots
