#!/usr/bin/env bash
# Runs the crate's native tests. Any cargo ≥ 1.85 works (rustup's or Debian's rustc-web).
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v cargo >/dev/null 2>&1 && cargo --version >/dev/null 2>&1; then exec cargo test -q --release -p wideflow-core; fi
exec env RUSTC=/usr/bin/rustc /usr/bin/cargo test -q --release -p wideflow-core
