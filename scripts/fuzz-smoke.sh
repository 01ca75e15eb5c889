#!/usr/bin/env bash
# Runs every cargo-fuzz target (fuzz/) for a bounded time on the committed corpus; fails on any crash.
# Usage: scripts/fuzz-smoke.sh [SECONDS per target, default 20]
#
# Installs cargo-fuzz when missing and builds the targets once. The toolchain is stable, so
# RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass its -Z flags. Targets are built without a sanitizer
# (all the code is safe Rust: panics, overflows and failed assertions are what can go wrong,
# and libFuzzer catches those) and with debug assertions, so integer overflow panics too.
# New inputs go to a scratch corpus listed first; fuzz/corpus/ is only read. Crashing inputs
# are kept in fuzz/artifacts/<target>/ (not committed); the failure output ends with the
# `cargo fuzz run …` line that replays one (run it with RUSTC_BOOTSTRAP=1).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-20}
cargo_fuzz_version=0.13.2

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "==> cargo install cargo-fuzz --version $cargo_fuzz_version --locked (one-time, about a minute)"
  cargo install cargo-fuzz --version "$cargo_fuzz_version" --locked
fi

export RUSTC_BOOTSTRAP=1
# Beside the workspace's own build, wherever cargo puts it (CARGO_TARGET_DIR, config, or target/).
target_dir="$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')/fuzz"
flags=(--sanitizer none --debug-assertions --target-dir "$target_dir")

mapfile -t targets < <(cargo fuzz list)
echo "==> cargo fuzz build (${#targets[@]} targets: ${targets[*]})"
cargo fuzz build "${flags[@]}"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
failed=()
summary=()
for target in "${targets[@]}"; do
  echo "==> fuzzing $target for ${seconds}s"
  mkdir -p "$scratch/$target" "fuzz/artifacts/$target"
  log="$scratch/$target.log"
  status=0
  cargo fuzz run "${flags[@]}" "$target" "$scratch/$target" "fuzz/corpus/$target" -- \
    -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
    -artifact_prefix="fuzz/artifacts/$target/" >"$log" 2>&1 || status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  summary+=("$(printf '%-10s %12s executions' "$target" "${execs:-?}")")
  if [ "$status" != 0 ]; then
    tail -n 60 "$log" >&2
    failed+=("$target")
  fi
done

echo "==> executions per target (${seconds}s each)"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]} (inputs in fuzz/artifacts/)" >&2
  exit 1
fi
echo "no crashes"
