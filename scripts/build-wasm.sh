#!/usr/bin/env bash
# Builds the wasm core with wasm-pack + wasm-bindgen (installed by scripts/setup.sh) into:
#   wasm/wideflow.simd.wasm   +simd128
#   wasm/wideflow.wasm        scalar fallback (same exports and imports, so one glue serves both)
#   bindings/glue.ts          wasm-bindgen's --target web glue as a per-instance factory (scripts/gen-glue.mjs)
# Toolchain: Debian's rustc-web with -Zbuild-std (rustup cannot add targets here; see README, "Toolchain"):
# std's dependencies and wasm-bindgen come from crates.io. Skips cleanly, keeping the committed artifacts,
# when the toolchain is absent and WIDEFLOW_REQUIRE_WASM_BUILD is not set.
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS_BIN="${WIDEFLOW_TOOLS_ROOT:-${CARGO_HOME:-$HOME/.cargo}}/bin"
skip() {
  if [ "${WIDEFLOW_REQUIRE_WASM_BUILD:-0}" = 1 ]; then echo "build-wasm: $1" >&2; exit 1; fi
  echo "build-wasm: $1; keeping the committed wasm/ and bindings/glue.ts" >&2; exit 0
}
{ [ -x /usr/bin/rustc ] && [ -x /usr/bin/cargo ] && [ -d /usr/lib/rustlib/src/rust/library ]; } || skip "Debian rustc-web toolchain not found"
{ [ -x "$TOOLS_BIN/wasm-pack" ] && [ -x "$TOOLS_BIN/wasm-bindgen" ]; } || skip "wasm-pack/wasm-bindgen not found in $TOOLS_BIN (run scripts/setup.sh)"

# wasm-pack finds wasm-bindgen on PATH (it must equal the crate's version) and calls `cargo`: Debian's, with
# Debian's rustc, never a rustup toolchain from ~/.cargo/bin.
shim=$(mktemp -d)
trap 'rm -rf "$shim"' EXIT
ln -s /usr/bin/cargo "$shim/cargo"
ln -s "$TOOLS_BIN/wasm-bindgen" "$shim/wasm-bindgen"
export PATH="$shim:$PATH" RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1
out="$PWD/target/wasm-pack"

build() { # $1 = RUSTFLAGS, $2 = artifact name, $3 = target dir name
  # --mode force: do not look for a rustup target. --no-opt: wasm-opt (binaryen 108 in Debian) breaks wasm-bindgen
  # output, and -O3 measured 1–2 % smaller with no speed change. The crate dir must precede `--`; what follows goes
  # to `cargo build` (wasm-pack's own `cargo metadata` does not need it). Separate target dirs keep each
  # artifact's std build cached (RUSTFLAGS differ).
  CARGO_TARGET_DIR="$PWD/target/wasm/$3" RUSTFLAGS="$1" "$TOOLS_BIN/wasm-pack" --quiet build --mode force --no-opt --no-pack \
    --target web --release --out-dir "$out/$3" --out-name wideflow crates/core \
    -- --config "$PWD/scripts/wasm-cargo.toml" -Zbuild-std=std,panic_abort
  cp "$out/$3/wideflow_bg.wasm" "wasm/$2"
}
mkdir -p wasm
build "-C target-feature=+simd128" wideflow.simd.wasm simd
build "" wideflow.wasm scalar
# One glue for both artifacts: wasm-bindgen must have produced the same JS for each.
if ! cmp -s "$out/simd/wideflow.js" "$out/scalar/wideflow.js"; then
  diff "$out/simd/wideflow.js" "$out/scalar/wideflow.js" >&2 || true
  echo "build-wasm: the SIMD and scalar glue differ; one glue cannot serve both" >&2
  exit 1
fi
node scripts/gen-glue.mjs "$out/simd"
ls -l wasm/*.wasm | awk '{print "build-wasm: " $NF " " $5 " bytes"}' >&2
