#!/usr/bin/env bash
# Reproduces the built-in model earthquake-real (models/earthquake-real.safetensors) and its
# evaluation (docs/models/), from the real records in ../shared/real (PhaseNet's waveform_train set,
# MIT): the three-component records written as SeisBench datasets (split by station, fixed in
# models/real-split.csv), windows prepared by `seismic prep seisbench`, EarthquakeCNN trained from
# scratch, evaluated on the held-out stations' records, then embedded in the binary.
# Usage: scripts/train_builtin_model.sh [SHARED_REAL_DIR]   (after `make build` and `make deps`)
set -euo pipefail
cd "$(dirname "$0")/.."
shared="${1:-../shared/real}"
seismic=.build/release/seismic
out=out/real
rm -rf "$out/windows" "$out/run"
.venv/bin/python scripts/make_real_datasets.py --shared "$shared" --out "$out"
# 16 windows per P and S arrival (centred on the analyst pick, shifted by up to ±0.2 s) and 64
# noise windows from before P (ending at least 0.5 s before it) per record.
$seismic prep seisbench --path "$out/phasenet-real" --out "$out/windows" --placement arrival \
  --windows-per-arrival 16 --noise-before-p 64 --seed 1
# Two threads fixed: each thread count rounds differently (results repeat bit for bit per count).
$seismic train --data "$out/windows/train.h5" --out "$out/run" --epochs 30 --batch-size 128 --seed 1 --threads 2
cp "$out/run/best.safetensors" models/earthquake-real.safetensors
mkdir -p docs/models
$seismic evaluate --model models/earthquake-real.safetensors --data "$out/windows/test.h5" \
  --json docs/models/earthquake-real-windows.json --plots docs/models | tee docs/models/earthquake-real-windows.txt
$seismic evaluate --model models/earthquake-real.safetensors --seisbench "$out/phasenet-real" --split test \
  --json docs/models/earthquake-real-picks.json --plots docs/models | tee docs/models/earthquake-real-picks.txt
.venv/bin/python scripts/embed_builtin_models.py
