#!/usr/bin/env python3
"""A day of one station: `seismic-bench classify-day` (read-free: preparation, windows, model) vs ONNX
Runtime running the same number of windows through the exported model (inference only).
Usage: scripts/bench_classify.py [path/to/seismic-bench] [path/to/seismic]"""
import re, subprocess, sys, tempfile, time
import numpy as np, onnxruntime as ort

BENCH = sys.argv[1] if len(sys.argv) > 1 else ".build/release/seismic-bench"
SEISMIC = sys.argv[2] if len(sys.argv) > 2 else ".build/release/seismic"

out = subprocess.run([BENCH, "classify-day"], check=True, capture_output=True, text=True).stdout.strip()
m = re.search(r"([\d.]+) windows/s\s+\((\d+) windows.* in ([\d.]+) s", out)
swift_rate, n, swift_s = float(m.group(1)), int(m.group(2)), float(m.group(3))
with tempfile.TemporaryDirectory() as d:
    subprocess.run([SEISMIC, "checkpoint", "init", "--model", "earthquake", "-o", f"{d}/m.safetensors"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([SEISMIC, "export", "--model", f"{d}/m.safetensors", "-o", f"{d}/m.onnx"], check=True, stdout=subprocess.DEVNULL)
    sess = ort.InferenceSession(f"{d}/m.onnx", providers=["CPUExecutionProvider"])
    x = np.random.default_rng(0).standard_normal((4096, 1, 80, 3)).astype(np.float32)
    t0 = time.perf_counter(); done = 0
    while done < n:
        k = min(4096, n - done); sess.run(None, {"modelInput": x[:k]}); done += k
    ort_s = time.perf_counter() - t0
print(out)
print(f"{'ONNX Runtime':16} {'model only, same windows':26} {n / ort_s:14.1f} windows/s  ({ort_s:.2f} s)")
print(f"day of one station: SeismicTorch {swift_s:.2f} s end to end (target < 5 s); ONNX Runtime {ort_s:.2f} s for the model alone")
