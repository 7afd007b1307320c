#!/usr/bin/env bash
# Builds wasm/wideflow.simd.wasm (+simd128) and wasm/wideflow.wasm (scalar fallback) from crates/core.
# Uses Debian's rustc-web with -Zbuild-std (see README, "Toolchain"). Skips cleanly, keeping the committed
# artifacts, when that toolchain is absent and WIDEFLOW_REQUIRE_WASM_BUILD is not set.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! { [ -x /usr/bin/rustc ] && [ -x /usr/bin/cargo ] && [ -d /usr/lib/rustlib/src/rust/library ]; }; then
  if [ "${WIDEFLOW_REQUIRE_WASM_BUILD:-0}" = 1 ]; then echo "build-wasm: Debian rustc-web toolchain not found" >&2; exit 1; fi
  echo "build-wasm: toolchain not found; keeping committed wasm/*.wasm" >&2; exit 0
fi
export RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$PWD/target/wasm"
build() { # $1 = rustflags, $2 = output name
  RUSTFLAGS="$1" /usr/bin/cargo build -q --release --target wasm32-unknown-unknown \
    --config scripts/wasm-cargo.toml -p wideflow-core --target-dir "$CARGO_TARGET_DIR/$2"
  cp "$CARGO_TARGET_DIR/$2/wasm32-unknown-unknown/release/wideflow_core.wasm" "wasm/$2"
}
mkdir -p wasm
build "-C target-feature=+simd128" wideflow.simd.wasm
build "" wideflow.wasm
ls -l wasm/*.wasm | awk '{print "build-wasm: " $NF " " $5 " bytes"}' >&2
