#!/usr/bin/env python3
"""Exported ONNX models are valid and compute what SeismicTorch computes.

For EarthquakeCNN and SpectrogramCNN: `seismic checkpoint init` makes a checkpoint, `seismic export`
writes ONNX, onnx.checker validates it, ONNX Runtime runs it on random inputs (batch 1 and 7: the
batch axis is dynamic), and the logits must match `seismic checkpoint logits` to 1e-4 relative.
Usage: scripts/check_onnx.py [path/to/seismic]   (exit 0 when both models agree)
"""
import os, subprocess, sys, tempfile
import numpy as np
import onnx, onnxruntime as ort

SEISMIC = sys.argv[1] if len(sys.argv) > 1 else ".build/release/seismic"

def run(*args):
    subprocess.run([SEISMIC, *args], check=True, stdout=subprocess.DEVNULL)

def check(kind, shape):
    worst = 0.0
    with tempfile.TemporaryDirectory() as d:
        run("checkpoint", "init", "--model", kind, "--seed", "3", "-o", f"{d}/m.safetensors")
        run("export", "--model", f"{d}/m.safetensors", "-o", f"{d}/m.onnx")
        model = onnx.load(f"{d}/m.onnx")
        onnx.checker.check_model(model, full_check=True)
        meta = {p.key: p.value for p in model.metadata_props}
        assert "class_names" in meta and model.opset_import[0].version == 17
        sess = ort.InferenceSession(f"{d}/m.onnx", providers=["CPUExecutionProvider"])
        for batch in (1, 7):
            x = np.random.default_rng(batch).standard_normal((batch, *shape)).astype(np.float32)
            np.save(f"{d}/x.npy", x)
            run("checkpoint", "logits", "--model", f"{d}/m.safetensors", "--input", f"{d}/x.npy", "-o", f"{d}/y.npy")
            swift = np.load(f"{d}/y.npy")
            onnx_out = sess.run(["modelOutput"], {"modelInput": x})[0]
            worst = max(worst, float(np.abs(swift - onnx_out).max() / np.abs(onnx_out).max()))
    print(f"{kind}: onnx.checker passed; ONNX Runtime vs SeismicTorch max relative logit difference {worst:.2e}; classes {meta['class_names']}")
    return worst <= 1e-4

if __name__ == "__main__":
    ok = check("earthquake", (1, 80, 3)) & check("spectrogram", (3, 100, 150))
    print("onnx: both models agree to 1e-4" if ok else "onnx: FAILED (tolerance 1e-4)")
    sys.exit(0 if ok else 1)
