#!/usr/bin/env bash
# One command for the side-by-side benchmarks on PROBLEMS.md: odegrad and
# diffsol (criterion, one process, this crate), the odegrad rows that only
# Diffrax has a counterpart for (the workspace's own benches), Diffrax
# (Python, pinned versions in a local virtual environment), then the table in
# BENCHMARKS.md. Not part of CI: it downloads jax and takes about 15 minutes.
#
#   bash bench/peers/run.sh [--skip-diffrax]
#
# Run it on an otherwise idle machine: the table compares absolute times.
set -euo pipefail
cd "$(dirname "$0")"

cargo bench --bench forward --bench stiff_peers --bench adjoint_peers

(
  cd ../..
  cargo bench --bench adjoint_recursive -- 'P4_neural_ode_dopri5/(forward|C=steps)|P6_heat32_tsit5/forward'
  cargo bench --bench adjoint_stiff -- 'P3_robertson_kvaerno5/C=256|P6_heat_kvaerno5/forward'
)

if [[ "${1:-}" != "--skip-diffrax" ]]; then
  if [[ ! -x .venv/bin/python ]]; then
    python3 -m venv .venv
    .venv/bin/pip install --quiet "jax[cpu]==0.10.2" "diffrax==0.7.2"
  fi
  mkdir -p target
  .venv/bin/python diffrax/bench.py > target/diffrax.jsonl
fi

python3 table.py
