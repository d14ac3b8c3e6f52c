#!/usr/bin/env python3
"""Side-by-side speed: SeismicTorch (seismic-bench nn) vs PyTorch CPU and ONNX Runtime, same shapes.

Prints windows/s (and µs for one window) for both models and the ratios Swift / reference.
Usage: scripts/bench_pytorch.py [path/to/seismic-bench] [--quick] [--epoch]
  --epoch: end-to-end time of one EarthquakeCNN training epoch on 100,000 windows, both sides.
"""
import os, re, subprocess, sys, tempfile, time
import numpy as np
import torch, torch.nn as nn, torch.nn.functional as F

BENCH = next((a for a in sys.argv[1:] if not a.startswith("--")), ".build/release/seismic-bench")
QUICK = "--quick" in sys.argv
torch.set_num_threads(os.cpu_count() or 2)

def block(cin, cout, k, p):
    return [nn.Conv2d(cin, cout, k), nn.BatchNorm2d(cout), nn.GELU(), nn.MaxPool2d(p, p), nn.Dropout(0.1)]
def earthquake():
    return nn.Sequential(*block(1, 16, (3, 1), (3, 1)), *block(16, 32, (3, 1), (3, 1)), *block(32, 64, (3, 1), (3, 1)),
                         nn.Flatten(), nn.Linear(384, 64), nn.GELU(), nn.Linear(64, 16), nn.GELU(), nn.Linear(16, 3))
def spectrogram():
    return nn.Sequential(*block(3, 48, (3, 3), (2, 2)), *block(48, 96, (3, 3), (2, 2)), *block(96, 192, (3, 3), (2, 2)),
                         nn.Flatten(), nn.Linear(32640, 1280), nn.GELU(), nn.Linear(1280, 64), nn.GELU(), nn.Linear(64, 2))

def best_time(fn, iterations, rounds=3):
    fn()
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(iterations): fn()
        best = min(best, (time.perf_counter() - t0) / iterations)
    return best

def measure(name, make, shape, classes, spectro):
    out = {}
    m = make(); opt = torch.optim.Adam(m.parameters(), lr=1e-3); m.train()
    for b in (256, 32):
        b = min(b, 32) if spectro and QUICK else b
        x = torch.randn(b, *shape); y = torch.randint(0, classes, (b,))
        def step():
            opt.zero_grad(); F.cross_entropy(m(x), y).backward(); opt.step()
        s = best_time(step, 1 if spectro else (20 if b == 256 else 100), 1 if spectro else 3)
        out[f"train batch {b}"] = b / s
    m.eval(); nb = 32 if spectro else 1024
    xi = torch.randn(nb, *shape)
    with torch.no_grad():
        out[f"inference batch {nb}"] = nb / best_time(lambda: m(xi), 1 if spectro else 20, 1 if spectro else 3)
        x1 = torch.randn(1, *shape)
        out["latency 1 window"] = best_time(lambda: m(x1), 3 if spectro else 2000) * 1e6
    ort = {}
    try:
        import onnxruntime as rt
        with tempfile.TemporaryDirectory() as d:
            path = f"{d}/m.onnx"
            torch.onnx.export(m, torch.randn(1, *shape), path, input_names=["modelInput"], output_names=["modelOutput"],
                              dynamic_axes={"modelInput": {0: "batch"}, "modelOutput": {0: "batch"}}, opset_version=17, dynamo=False)
            so = rt.SessionOptions(); so.intra_op_num_threads = os.cpu_count() or 2
            sess = rt.InferenceSession(path, so, providers=["CPUExecutionProvider"])
            xb = np.random.randn(nb, *shape).astype(np.float32); x1 = np.random.randn(1, *shape).astype(np.float32)
            ort[f"inference batch {nb}"] = nb / best_time(lambda: sess.run(None, {"modelInput": xb}), 1 if spectro else 20, 1 if spectro else 3)
            ort["latency 1 window"] = best_time(lambda: sess.run(None, {"modelInput": x1}), 3 if spectro else 2000) * 1e6
    except Exception as e:  # ONNX Runtime missing or export failed: report, keep going
        print(f"# ONNX Runtime skipped for {name}: {e}")
    return out, ort

def swift_results():
    args = [BENCH, "nn"] + (["--quick"] if QUICK else [])
    text = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    res = {}
    for line in text.splitlines():
        m = re.match(r"(\S+)\s+(.+?)\s{2,}([\d.]+) (\S+)", line)
        if m: res[(m.group(1), m.group(2).strip())] = float(m.group(3))
    return res

def epoch():
    n = 20_000 if QUICK else 100_000
    out = subprocess.run([BENCH, "epoch"] + (["--quick"] if QUICK else []), check=True, capture_output=True, text=True).stdout
    swift_s = float(re.search(r"([\d.]+) s", out).group(1))
    x = torch.rand(n, 1, 80, 3) * 2 - 1; y = torch.arange(n) % 3
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=256, shuffle=True)
    m = earthquake(); opt = torch.optim.Adam(m.parameters(), lr=1e-3); sched = torch.optim.lr_scheduler.StepLR(opt, 7, 0.5)
    m.train(); t0 = time.perf_counter()
    for xb, yb in loader:
        opt.zero_grad(); F.cross_entropy(m(xb), yb).backward(); opt.step()
    sched.step(); torch_s = time.perf_counter() - t0
    print(out.strip())
    print(f"{'PyTorch':16} {'epoch of %d windows' % n:26} {torch_s:14.2f} s  ({n / torch_s:.0f} windows/s)")
    print(f"ratio SeismicTorch / PyTorch (epoch time): {torch_s / swift_s:.2f}x  (target >= 3x)")

def main():
    if "--epoch" in sys.argv:
        epoch(); return
    swift = swift_results()
    print(f"{'model':16} {'measure':26} {'Swift':>12} {'PyTorch':>12} {'ratio':>7} {'ONNX RT':>12} {'ratio':>7}")
    for name, make, shape, classes, spectro in (("EarthquakeCNN", earthquake, (1, 80, 3), 3, False),
                                                ("SpectrogramCNN", spectrogram, (3, 100, 150), 2, True)):
        torch_res, ort_res = measure(name, make, shape, classes, spectro)
        for metric, ref in torch_res.items():
            s = swift.get((name, metric))
            if s is None: continue
            lower_better = metric.startswith("latency")
            ratio = (ref / s) if lower_better else (s / ref)
            o = ort_res.get(metric)
            oratio = "" if o is None else f"{((o / s) if lower_better else (s / o)):6.2f}x"
            ostr = "" if o is None else f"{o:12.1f}"
            print(f"{name:16} {metric:26} {s:12.1f} {ref:12.1f} {ratio:6.2f}x {ostr:>12} {oratio:>7}")
    print("(windows/s, or µs for latency; ratio > 1 means SeismicTorch is faster)")

if __name__ == "__main__":
    main()
