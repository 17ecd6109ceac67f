#!/usr/bin/env bash
# One command for the side-by-side benchmarks: odegrad and diffsol (criterion,
# one process) and Diffrax (Python, pinned versions in a local virtual
# environment), then the table in BENCHMARKS.md. Not part of CI: it downloads
# jax and takes several minutes.
#
#   bash bench/peers/run.sh [--skip-diffrax]
set -euo pipefail
cd "$(dirname "$0")"

cargo bench --bench forward --bench stiff_peers

if [[ "${1:-}" != "--skip-diffrax" ]]; then
  if [[ ! -x .venv/bin/python ]]; then
    python3 -m venv .venv
    .venv/bin/pip install --quiet "jax[cpu]==0.10.2" "diffrax==0.7.2"
  fi
  mkdir -p target
  .venv/bin/python diffrax/bench.py > target/diffrax.jsonl
fi

python3 table.py
