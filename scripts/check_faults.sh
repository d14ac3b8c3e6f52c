#!/usr/bin/env bash
# Fault injection (`make faults`, also run by `make test`): a full disk, SIGKILL at random moments,
# two trainings into one folder, and a record too large for the memory limit. What must hold: a
# failed write exits non-zero and leaves the previous epoch's files current; a killed run resumes
# to exactly the weights of an uninterrupted one; a second training into a folder in use is
# refused; classify refuses a record that cannot fit before reading it, with the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
seismic=${SEISMIC:-.build/release/seismic}
[ -x "$seismic" ] || { echo "faults: $seismic not built (swift build -c release --product seismic)"; exit 1; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
fail() { echo "faults: FAILED — $*"; exit 1; }
$seismic synth --out "$work/syn" --events 0 --noise 0 --active-sources 0 --stead 300 --seed 5 >/dev/null
$seismic prep stead --hdf5 "$work/syn/stead/merged.hdf5" --csv "$work/syn/stead/merged.csv" --out "$work/data" --seed 5 >/dev/null 2>&1
train() { $seismic train --data "$work/data/train.h5" --batch-size 16 --seed 7 --threads 1 "$@"; }
# In the background as the process itself (so that kill reaches it, not a subshell).
train_bg() { exec $seismic train --data "$work/data/train.h5" --batch-size 16 --seed 7 --threads 1 "$@"; }
weights() { .venv/bin/python - "$1" <<'PY'
import hashlib, json, struct, sys
raw = open(sys.argv[1], "rb").read(); n = struct.unpack("<Q", raw[:8])[0]; header = json.loads(raw[8:8 + n])
h = hashlib.sha256()
for k in sorted(k for k in header if k != "__metadata__"):
    a, b = header[k]["data_offsets"]; h.update(k.encode()); h.update(raw[8 + n + a:8 + n + b])
print(h.hexdigest())
PY
}
epochs_in() { .venv/bin/python -c "import csv,sys; print(sum(1 for _ in csv.DictReader(open(sys.argv[1]))))" "$1/history.csv"; }

train --out "$work/ref" --epochs 30 >/dev/null 2>&1
ref=$(weights "$work/ref/last.safetensors")

# 1. A full disk (a file-size limit: writes fail with EFBIG) while epoch 3 is written.
train --out "$work/disk" --epochs 2 >/dev/null 2>&1
set +e
(trap '' XFSZ; ulimit -f 64; exec $seismic train --data "$work/data/train.h5" --batch-size 16 --seed 7 --threads 1 \
   --out "$work/disk" --epochs 30 --resume) >"$work/disk.log" 2>&1
rc=$?
set -e
[ $rc -ne 0 ] || fail "a write failure exited 0: $(tail -2 "$work/disk.log")"
[ "$(epochs_in "$work/disk")" = 2 ] || fail "after a failed write the run shows $(epochs_in "$work/disk") epochs, not the 2 written before"
train --out "$work/disk" --epochs 30 --resume >/dev/null 2>&1 || fail "resume after a failed write did not work"
[ "$(weights "$work/disk/last.safetensors")" = "$ref" ] || fail "resume after a failed write differs from the uninterrupted run"
echo "full disk: exit $rc ($(grep -m1 -o 'error: [^:]*' "$work/disk.log" || echo error)), epoch 2 stayed current, resume equals the uninterrupted run"

# 2. SIGKILL at random moments (during epochs and while their files are written), then resume.
for k in 1 2 3 4 5; do
  rm -rf "$work/kill"
  (train_bg --out "$work/kill" --epochs 30 >/dev/null 2>&1) &
  pid=$!
  sleep "$((RANDOM % 2)).$((RANDOM % 10))$((RANDOM % 10))"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  # The epochs of the current generation (its manifest); none when the first was never made current.
  done_before=$(.venv/bin/python -c "import json,sys; print(json.load(open(sys.argv[1]))['epochs'])" "$work/kill/current/state.json" 2>/dev/null || echo 0)
  # A run killed before its first generation was made current holds nothing to resume: training
  # into the folder again (without --resume) must be accepted.
  if [ "$done_before" = 0 ]; then train --out "$work/kill" --epochs 30 >"$work/kill.log" 2>&1 || fail "restart after kill $k: $(tail -1 "$work/kill.log")";
  else train --out "$work/kill" --epochs 30 --resume >"$work/kill.log" 2>&1 || fail "resume after kill $k (at epoch $done_before): $(tail -1 "$work/kill.log")"; fi
  [ "$(weights "$work/kill/last.safetensors")" = "$ref" ] || fail "kill $k at epoch $done_before: the resumed weights differ"
  [ "$(epochs_in "$work/kill")" = 30 ] || fail "kill $k: history has $(epochs_in "$work/kill") rows"
  echo "kill $k: killed after $done_before epochs; resumed to the uninterrupted weights and a 30-row history"
done

# 3. Two trainings into one folder: the second is refused while the first runs, and after it.
(train_bg --out "$work/two" --epochs 400 >/dev/null 2>&1) &
first=$!
for _ in $(seq 1 200); do [ -s "$work/two/.lock" ] && break; sleep 0.05; done
set +e; second=$(train --out "$work/two" --epochs 40 --resume 2>&1); rc=$?; set -e
kill "$first" 2>/dev/null || true; wait "$first" 2>/dev/null || true
[ $rc -ne 0 ] && [[ "$second" == *"in use"* ]] || fail "a second training into a folder in use was not refused (exit $rc): $second"
set +e; again=$(train --out "$work/ref" --epochs 30 2>&1); rc=$?; set -e
[ $rc -ne 0 ] && [[ "$again" == *"already holds a training run"* ]] || fail "training into a finished run without --resume was not refused"
echo "two trainings: the second was refused while the first ran ('in use') and a finished run without --resume too"
# 4. A record larger than the memory limit (ulimit -v): refused before reading, with the figure,
# never killed by the allocator. 3 × 2·10⁶ samples at 100 Hz needs about 0.3 GB resident.
$seismic checkpoint init --output "$work/m.safetensors" >/dev/null
.venv/bin/python - "$work/big" <<'PY'
import numpy as np, os, sys
os.makedirs(sys.argv[1]); n = 2_000_000
for c in "ENZ":
    f = np.full(70, -12345.0, "<f4"); f[0] = 0.01; f[5] = 0.0
    i = np.full(40, -12345, "<i4"); i[6] = 6; i[9] = n; i[15] = 1; i[35] = 1
    s = bytearray(b"-12345  " * 24); s[0:8] = b"ST01    "
    x = (np.random.default_rng(1).standard_normal(n) * 0.01).astype("<f4")
    open(f"{sys.argv[1]}/ST01.HN{c}.sac", "wb").write(f.tobytes() + i.tobytes() + bytes(s) + x.tobytes())
PY
set +e
big=$( (ulimit -v 1000000; exec $seismic classify --model "$work/m.safetensors" "$work/big/ST01.HNE.sac") 2>&1); rc=$?
set -e
[ $rc -eq 1 ] && [[ "$big" == *"needs about"*"ulimit -v"* ]] || fail "a record over the memory limit was not refused up front (exit $rc): ${big:0:300}"
$seismic classify --model "$work/m.safetensors" "$work/big/ST01.HNE.sac" --stride 2 >/dev/null || fail "the same record without the limit failed"
echo "memory: under ulimit -v 1 GB classify refused the record up front: ${big%%$'\n'*}"
echo "faults: every fault left a consistent run"
