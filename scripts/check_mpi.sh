#!/usr/bin/env bash
# Data-parallel jobs under Open MPI give the single-process results (run by `make test` when mpirun
# exists): `prep stead` with 2 ranks writes the same windows as 1 rank, and training with 2 ranks
# (synchronised BatchNorm, gradients summed, dropout masks by place in the global batch) gives
# bit for bit what one process gives with 2 thread replicas (`--threads 2`): the same shares of
# every batch, summed in the same order (a sum of two terms does not depend on its order), so no
# tolerance is needed. That K thread replicas agree with one thread to float rounding is tested
# in the Swift suite (DataParallelTests).
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
done
run 2 $mpi train --data "$work/stead1/train.h5" --out "$work/run2" --epochs 1 --batch-size 64 --dropout 0 --seed 3 >/dev/null 2>&1
run 2 $mpi train --data "$work/stead1/train.h5" --out "$work/drop2" --epochs 2 --batch-size 64 --dropout 0.3 --seed 3 >/dev/null 2>&1
$seismic train --data "$work/stead1/train.h5" --out "$work/runT" --epochs 1 --batch-size 64 --dropout 0 --seed 3 --threads 2 >/dev/null
$seismic train --data "$work/stead1/train.h5" --out "$work/dropT" --epochs 2 --batch-size 64 --dropout 0.3 --seed 3 --threads 2 >/dev/null
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
import csv
def losses(run): return [r["train_loss"] + "/" + r["val_accuracy"] for r in csv.DictReader(open(f"{w}/{run}/history.csv"))]
for mpi_run, threads_run, what in (("run2", "runT", "1 epoch, dropout off"), ("drop2", "dropT", "2 epochs, dropout 0.3")):
    t1, t2 = tensors(f"{w}/{mpi_run}/last.safetensors"), tensors(f"{w}/{threads_run}/last.safetensors")
    differing = [k for k in t1 if not np.array_equal(t1[k], t2[k])]
    same_history = losses(mpi_run) == losses(threads_run)
    print(f"train {what}: 2 ranks vs one process with 2 threads: "
          + ("identical weights, buffers, training losses and validation accuracies" if not differing and same_history else
             f"DIFFER in {differing or 'history'}"))
    ok &= not differing and same_history and len(t1) == len(t2)
print("mpi: 2 ranks reproduce one process" if ok else "mpi: FAILED")
sys.exit(0 if ok else 1)
PY
