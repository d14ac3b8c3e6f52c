#!/usr/bin/env bash
# Epoch time of EarthquakeCNN training with 1 and 2 MPI ranks on this machine, and the scaling
# efficiency T1 / (K · TK). Ranks split the cores between them (seismic-mpi does that itself).
# --bind-to none: with 2 or fewer ranks OpenMPI binds each rank to one core by default, so a
# single rank's threads would share one core (Cpus_allowed_list 0) and K = 2 would look 2× faster.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v mpirun >/dev/null || { echo "bench_mpi: mpirun not found (install openmpi-bin)"; exit 0; }
swift build -c release --product seismic >/dev/null 2>&1
swift build -c release --product seismic-mpi --traits MPI --scratch-path .build-mpi >/dev/null 2>&1
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
.build/release/seismic synth --out "$work/syn" --events 0 --noise 0 --active-sources 0 --stead 6000 --seed 1 >/dev/null
.build/release/seismic prep stead --hdf5 "$work/syn/stead/merged.hdf5" --csv "$work/syn/stead/merged.csv" --out "$work/d" >/dev/null 2>&1
t1=""
for k in 1 2; do
  mpirun --allow-run-as-root --oversubscribe --bind-to none -np $k .build-mpi/release/seismic-mpi train --data "$work/d/train.h5" --out "$work/run$k" \
    --epochs 3 --seed 1 >/dev/null 2>&1
  t=$(awk -F, 'NR > 2 { s += $7; n++ } END { printf "%.3f", s / n }' "$work/run$k/history.csv")  # epochs 2–3 (warm)
  windows=$(($(.venv/bin/python -c "import h5py; print(h5py.File('$work/d/train.h5')['y'].shape[0])") * 8 / 10))
  [ -z "$t1" ] && t1=$t
  eff=$(awk -v a="$t1" -v b="$t" -v k=$k 'BEGIN { printf "%.0f", 100 * a / (k * b) }')
  printf "mpi              K = %d ranks               epoch %6.3f s (%d windows)  scaling efficiency %s %%\n" $k "$t" "$windows" "$eff"
done
# The same training in one process without MPI, one replica per core (seismic train's default).
.build/release/seismic train --data "$work/d/train.h5" --out "$work/single" --epochs 3 --seed 1 >/dev/null 2>&1
t=$(awk -F, 'NR > 2 { s += $7; n++ } END { printf "%.3f", s / n }' "$work/single/history.csv")
printf "mpi              one process, no MPI        epoch %6.3f s  (%.2f × the %d-rank epoch)\n" "$t" "$(awk -v a="$t" -v b="$t1" 'BEGIN { print a / b }')" 1
