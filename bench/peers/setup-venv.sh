#!/usr/bin/env bash
# Creates a THROWAWAY virtualenv for the peer benchmarks (bench/peers/*.py): numpy, jax[cpu] and
# neural-tangents from PyPI. Never a dependency of the package; `npm run bench` only uses it when
# it exists (default bench/.venv, gitignored; override with WIDEFLOW_BENCH_VENV, e.g. /tmp/wf-venv).
#
#   bash bench/peers/setup-venv.sh            # create or update
#   WIDEFLOW_BENCH_VENV=/tmp/wf-venv bash bench/peers/setup-venv.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${WIDEFLOW_BENCH_VENV:-$here/../.venv}"
python="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
  echo "creating virtualenv in $venv"
  "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
# jax[cpu] pulls jaxlib (~80 MB); neural-tangents pulls tensorflow (~2 GB installed) for its experimental
# module. Both are only ever installed here.
# neural-tangents 0.6.5 (the latest) imports jax.core.Jaxpr, which newer jax removed: pin a jax it supports.
"$venv/bin/python" -m pip install --quiet numpy "jax[cpu]==0.4.35" "neural-tangents==0.6.5"
"$venv/bin/python" - <<'PY'
import numpy, jax, neural_tangents
print("numpy", numpy.__version__, "jax", jax.__version__, "neural-tangents", neural_tangents.__version__)
PY
