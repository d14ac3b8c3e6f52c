#!/usr/bin/env bash
# Data-parallel jobs under Open MPI give the single-process results (run by `make test` when mpirun
# exists): `prep stead` with 2 ranks writes the same windows as 1 rank, and one epoch of training
# with 2 ranks (synchronised BatchNorm, dropout off) ends with the same weights as 1 rank; with
# dropout on, the masks follow the global batch, so the training losses of 2 ranks are those of 1.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v mpirun >/dev/null || { echo "check_mpi: mpirun not found, skipped"; exit 0; }
swift build -c release --product seismic --scratch-path .build >/dev/null
swift build -c release --product seismic-mpi --traits MPI --scratch-path .build-mpi >/dev/null
seismic=.build/release/seismic
mpi=.build-mpi/release/seismic-mpi
run() { mpirun --allow-run-as-root --oversubscribe -np "$1" "${@:2}"; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
$seismic synth --out "$work/syn" --events 40 --noise 40 --active-sources 0 --stead 200 --seed 2 >/dev/null
for np in 1 2; do
  run $np $mpi prep qsis-events --folder "$work/syn/data_QSIS_Event" -o "$work/qsis$np.h5" >/dev/null 2>&1
  run $np $mpi prep stead --hdf5 "$work/syn/stead/merged.hdf5" --csv "$work/syn/stead/merged.csv" --out "$work/stead$np" --seed 4 >/dev/null 2>&1
  run $np $mpi train --data "$work/stead1/train.h5" --out "$work/run$np" --epochs 1 --batch-size 64 --dropout 0 --seed 3 >/dev/null 2>&1
  run $np $mpi train --data "$work/stead1/train.h5" --out "$work/drop$np" --epochs 2 --batch-size 64 --dropout 0.3 --seed 3 >/dev/null 2>&1
done
# A rank that dies stops the whole job (no hang) and leaves a checkpoint that resumes.
(set +e; run 2 $mpi train --data "$work/stead1/train.h5" --out "$work/fault" --epochs 400 --batch-size 16 --dropout 0 >/dev/null 2>&1; echo $? > "$work/fault.rc") &
for _ in $(seq 1 300); do [ -f "$work/fault/last.safetensors" ] && break; sleep 0.1; done
victim=$(pgrep -f "seismic-mpi train --data $work/stead1/train.h5 --out $work/fault" | tail -1)
kill -9 "$victim"
for _ in $(seq 1 300); do [ -f "$work/fault.rc" ] && break; sleep 0.1; done
[ -f "$work/fault.rc" ] && [ "$(cat "$work/fault.rc")" != 0 ] || { echo "mpi: FAILED — the job did not stop within 30 s of losing a rank"; exit 1; }
done_epochs=$(($(wc -l < "$work/fault/history.csv") - 1))
$seismic train --data "$work/stead1/train.h5" --out "$work/fault" --epochs $((done_epochs + 1)) --batch-size 16 --dropout 0 --resume >/dev/null
echo "fault: killing a rank stopped the job (exit $(cat "$work/fault.rc")); resumed after epoch $done_epochs from its last checkpoint"
# A rank that hangs (stopped) trips the others' watchdog: the job ends instead of waiting forever.
(set +e; SEISMIC_MPI_TIMEOUT=3 mpirun --allow-run-as-root --oversubscribe -x SEISMIC_MPI_TIMEOUT -np 2 $mpi train --data "$work/stead1/train.h5" \
   --out "$work/hang" --epochs 400 --batch-size 16 --dropout 0 >/dev/null 2>&1; echo $? > "$work/hang.rc") &
for _ in $(seq 1 300); do [ -f "$work/hang/last.safetensors" ] && break; sleep 0.1; done
kill -STOP "$(pgrep -f "seismic-mpi train --data $work/stead1/train.h5 --out $work/hang" | tail -1)"
for _ in $(seq 1 300); do [ -f "$work/hang.rc" ] && break; sleep 0.1; done
[ -f "$work/hang.rc" ] && [ "$(cat "$work/hang.rc")" != 0 ] || { echo "mpi: FAILED — a hung rank was not detected within 30 s"; exit 1; }
echo "hang: a stopped rank ended the job through the collective watchdog (exit $(cat "$work/hang.rc"))"
.venv/bin/python - "$work" <<'PY'
import json, struct, sys
import numpy as np, h5py
w = sys.argv[1]
def tensors(path):
    raw = open(path, "rb").read(); n = struct.unpack("<Q", raw[:8])[0]; header = json.loads(raw[8:8 + n]); out = {}
    for k, v in header.items():
        if k == "__metadata__" or v["dtype"] != "F32": continue
        a, b = v["data_offsets"]; out[k] = np.frombuffer(raw[8 + n + a:8 + n + b], dtype=np.float32)
    return out
ok = True
for part in ("train", "test"):
    a, b = h5py.File(f"{w}/stead1/{part}.h5"), h5py.File(f"{w}/stead2/{part}.h5")
    same = np.array_equal(a["X"][...], b["X"][...]) and np.array_equal(a["y"][...], b["y"][...])
    print(f"prep stead {part}.h5: 2 ranks {'identical to' if same else 'DIFFER from'} 1 rank ({a['X'].shape[0]} windows)")
    ok &= same
a, b = h5py.File(f"{w}/qsis1.h5"), h5py.File(f"{w}/qsis2.h5")
same = np.array_equal(a["X"][...], b["X"][...]) and np.array_equal(a["y"][...], b["y"][...])
print(f"prep qsis-events: 2 ranks {'identical to' if same else 'DIFFER from'} 1 rank ({a['X'].shape[0]} windows)")
ok &= same
t1, t2 = tensors(f"{w}/run1/last.safetensors"), tensors(f"{w}/run2/last.safetensors")
worst, noisy = 0.0, 0.0
for k in t1:
    d = np.abs(t1[k] - t2[k]).max()
    if (k.startswith("conv") and k.endswith(".bias")) or k.endswith("running_mean"):
        noisy = max(noisy, d)   # rounding noise amplified by Adam: bounded by 2·lr·steps
    else:
        worst = max(worst, d / max(np.abs(t1[k]).max(), 1e-6))
steps = -(-int(h5py.File(f"{w}/stead1/train.h5")["y"].shape[0] * 0.8 + 0.5) // 64)
print(f"train 1 epoch: weights of 2 ranks vs 1 rank: max relative difference {worst:.1e}; conv biases/running means {noisy:.1e} (bound {2e-3 * steps:.1e})")
ok &= worst <= 1e-4 and noisy <= 2e-3 * steps * 1.001
# Dropout on: Adam turns the rounding of near-zero gradients into visible weight differences, but
# the per-epoch training loss (the mean over every masked forward pass) shows whether the masks are
# the same: other masks change it by ~1e-2.
import csv
def losses(run): return [float(r["train_loss"]) for r in csv.DictReader(open(f"{w}/{run}/history.csv"))]
l1, l2 = losses("drop1"), losses("drop2")
dl = max(abs(a - b) for a, b in zip(l1, l2))
print(f"train 2 epochs, dropout 0.3: training loss of 2 ranks vs 1 rank differs by {dl:.1e} ({l1})")
ok &= len(l1) == len(l2) == 2 and dl <= 1e-5
print("mpi: 2 ranks reproduce 1 rank" if ok else "mpi: FAILED")
sys.exit(0 if ok else 1)
PY
