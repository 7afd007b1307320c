#!/usr/bin/env bash
# Installs what building wideflow from source needs, on Debian, if it is missing. Idempotent and quick when present.
#  - rustc-web 1.96 + rust-web-src + lld-22: a Rust that can build std for wasm32 (-Zbuild-std); rustup cannot add targets here.
#  - chromium: only for the browser smoke test (set WIDEFLOW_NO_CHROMIUM=1 to skip it).
# Without root or apt it prints what is missing and exits 0: the committed wasm/ artifacts are then used as they are.
set -euo pipefail

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
  if [ "${WIDEFLOW_NO_CHROMIUM:-0}" != 1 ] && [ ! -x /usr/bin/chromium ]; then need+=(chromium); fi
  echo "${need[*]}"
}

read -r -a need <<<"$(missing)"
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
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
