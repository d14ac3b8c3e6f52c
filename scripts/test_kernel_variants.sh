#!/usr/bin/env bash
# Runs the numerical test suites again with the C kernels forced down to each narrower instruction
# set this CPU can run (SEISMIC_MAX_ISA, see Sources/CSeismicKernels/dispatch.c), so a machine of one
# generation proves the other generations' code paths too. The full suite has already run with the
# widest variant (`make test`). Expects `swift build --build-tests -c release` to have run.
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || true)
has() { [[ " $flags " == *" $1 "* ]]; }
variants=()
if [ "$(uname -m)" = x86_64 ]; then
  if has avx512f; then variants=(avx2 baseline); else variants=(baseline); fi
  has avx512f || echo "kernel variants: this CPU has no AVX-512, so the avx512 kernels are not run here"
  { has avx2 && has fma; } || variants=()
fi
for isa in "${variants[@]}"; do
  echo "== kernel variants: the numerical suites with SEISMIC_MAX_ISA=$isa"
  SEISMIC_MAX_ISA=$isa $SWIFT test -c release --skip-build --filter 'SeismicNNTests|SeismicTorchTests'
done
