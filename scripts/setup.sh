#!/usr/bin/env bash
# Installs what building wideflow from source needs, on Debian, if it is missing. Idempotent and quick when present.
#  - rustc-web 1.96 + rust-web-src + lld-22: a Rust that can build std for wasm32 (-Zbuild-std); rustup cannot add targets here.
#  - gcc: wasm-pack's own dependencies (zstd, bzip2, lzma, ring) compile C code when it is installed.
#  - chromium: only for the browser smoke test (set WIDEFLOW_NO_CHROMIUM=1 to skip it).
#  - wasm-bindgen-cli and wasm-pack (cargo install, exact versions below, ~7 min once on 2 cores): they build the
#    typed boundary (scripts/build-wasm.sh). Installed into $WIDEFLOW_TOOLS_ROOT/bin (default: cargo's own root,
#    ~/.cargo/bin), which is the directory to cache between CI runs; a version check makes a second run a no-op.
# Without root or apt it prints what is missing and exits 0: the committed wasm/ artifacts are then used as they are.
set -euo pipefail

# The CLI must equal the crate's `wasm-bindgen = "=…"` exactly (crates/core/Cargo.toml): it refuses any other
# library version. 0.2.130 cannot be installed with --locked from this registry (a missing webpki-roots).
WASM_BINDGEN_VERSION=0.2.129
WASM_PACK_VERSION=0.15.1
TOOLS_ROOT="${WIDEFLOW_TOOLS_ROOT:-${CARGO_HOME:-$HOME/.cargo}}"

# Lists the Debian packages still needed. Versions are read into variables first: `rustc --version | grep -q`
# under pipefail can fail spuriously when grep exits before rustc finishes writing (SIGPIPE).
missing() {
  local need=() v
  v=$(/usr/bin/rustc --version 2>/dev/null || true)
  [[ "$v" =~ ^rustc\ 1\.(8[5-9]|9[0-9]|[1-9][0-9][0-9]) ]] || need+=(rustc-web)
  v=$(/usr/bin/cargo --version 2>/dev/null || true)
  [[ "$v" =~ ^cargo\ 1\.(8[5-9]|9[0-9]|[1-9][0-9][0-9]) ]] || need+=(cargo-web)
  [ -d /usr/lib/rustlib/src/rust/library/vendor ] || need+=(rust-web-src)
  # rust-web-llvm provides /usr/bin/rust-lld -> lld-22 but does not depend on lld-22: check the link resolves.
  [ -L /usr/bin/rust-lld ] || [ -e /usr/bin/rust-lld ] || need+=(rust-web-llvm)
  [ -e "$(readlink -f /usr/bin/rust-lld 2>/dev/null || echo /nonexistent)" ] || need+=(lld-22)
  command -v cc >/dev/null 2>&1 || need+=(gcc libc6-dev)
  if [ "${WIDEFLOW_NO_CHROMIUM:-0}" != 1 ] && [ ! -x /usr/bin/chromium ]; then need+=(chromium); fi
  echo "${need[*]}"
}

# Prints "<name>@<version>" for each Rust tool that is absent or at another version.
missing_tools() {
  local out=() v
  v=$("$TOOLS_ROOT/bin/wasm-bindgen" --version 2>/dev/null || true)
  [ "$v" = "wasm-bindgen $WASM_BINDGEN_VERSION" ] || out+=("wasm-bindgen-cli@$WASM_BINDGEN_VERSION")
  v=$("$TOOLS_ROOT/bin/wasm-pack" --version 2>/dev/null || true)
  [ "$v" = "wasm-pack $WASM_PACK_VERSION" ] || out+=("wasm-pack@$WASM_PACK_VERSION")
  echo "${out[*]}"
}

read -r -a need <<<"$(missing)"
if [ ${#need[@]} -ne 0 ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "wideflow setup: missing Debian packages: ${need[*]} (need root + apt-get); using the committed wasm/ artifacts" >&2
    exit 0
  fi
  echo "wideflow setup: installing ${need[*]}" >&2
  t0=$(date +%s)
  export DEBIAN_FRONTEND=noninteractive
  # A fresh machine may still be running its own apt jobs: wait for the dpkg lock instead of failing.
  apt_opts=(-o DPkg::Lock::Timeout=600 -o Dpkg::Use-Pty=0)
  apt-get "${apt_opts[@]}" update -qq >/dev/null
  apt-get "${apt_opts[@]}" install -y -qq "${need[@]}" >/dev/null
  read -r -a still <<<"$(missing)"
  if [ ${#still[@]} -ne 0 ]; then
    echo "wideflow setup: still missing after apt-get install: ${still[*]}" >&2
    exit 1
  fi
  echo "wideflow setup: installed in $(($(date +%s) - t0)) s" >&2
fi

read -r -a tools <<<"$(missing_tools)"
[ ${#tools[@]} -eq 0 ] && exit 0
# Debian's cargo and rustc, never a rustup toolchain that may come first in PATH (see README, "Toolchain").
export RUSTC=/usr/bin/rustc
for t in "${tools[@]}"; do
  name=${t%@*} version=${t#*@}
  extra=(--locked)
  # wasm-bindgen-cli's default features only add a TLS stack for its test runner's downloads.
  [ "$name" = wasm-bindgen-cli ] && extra+=(--no-default-features)
  echo "wideflow setup: cargo install $name $version into $TOOLS_ROOT/bin (a few minutes, once)" >&2
  t0=$(date +%s)
  /usr/bin/cargo install -q --force --root "$TOOLS_ROOT" "$name" --version "=$version" "${extra[@]}"
  echo "wideflow setup: $name installed in $(($(date +%s) - t0)) s" >&2
done
read -r -a still <<<"$(missing_tools)"
if [ ${#still[@]} -ne 0 ]; then
  echo "wideflow setup: still missing after cargo install: ${still[*]}" >&2
  exit 1
fi
