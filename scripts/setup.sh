#!/usr/bin/env bash
# Installs what building wideflow from source needs, on Debian, if it is missing. Idempotent and quick when present.
#  - rustc-web 1.96 + rust-web-src + lld-22: a Rust that can build std for wasm32 (-Zbuild-std); rustup cannot add targets here.
#  - chromium: only for the browser smoke test (set WIDEFLOW_NO_CHROMIUM=1 to skip it).
# Without root or apt it prints what is missing and exits 0: the committed wasm/ artifacts are then used as they are.
set -euo pipefail
need=()
[ -x /usr/bin/rustc ] && /usr/bin/rustc --version 2>/dev/null | grep -qE '^rustc 1\.(8[5-9]|9[0-9])' || need+=(rustc-web cargo-web)
[ -d /usr/lib/rustlib/src/rust/library/vendor ] || need+=(rust-web-src)
command -v rust-lld >/dev/null 2>&1 && [ -e "$(readlink -f "$(command -v rust-lld)")" ] || need+=(lld-22 rust-web-llvm)
if [ "${WIDEFLOW_NO_CHROMIUM:-0}" != 1 ] && ! command -v chromium >/dev/null 2>&1; then need+=(chromium); fi
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "wideflow setup: missing Debian packages: ${need[*]} (need root + apt-get); using the committed wasm/ artifacts" >&2
  exit 0
fi
echo "wideflow setup: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq "${need[@]}" >/dev/null
