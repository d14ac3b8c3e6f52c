#!/usr/bin/env python3
"""ONNX files exported by the PyTorch reference import into SeismicTorch with the same logits.

Builds the reference EarthquakeCNN and SpectrogramCNN (seed attribute names), gives BatchNorm
non-trivial statistics, exports with torch.onnx.export at opset 10 and 17 (and once with
BatchNorm folded into the convolutions), runs `seismic import`, and compares `seismic checkpoint
logits` with PyTorch's eval-mode logits (1e-4 relative). Also checks that an unrelated graph is
refused with the list of unsupported operators.
Usage: scripts/check_onnx_import.py [path/to/seismic]
"""
import subprocess, sys, tempfile
import numpy as np, torch, torch.nn as nn

SEISMIC = sys.argv[1] if len(sys.argv) > 1 else ".build/release/seismic"

class Reference(nn.Module):
    def __init__(self, spectro=False, classes=3):
        super().__init__()
        c, k, p = ([3, 48, 96, 192], (3, 3), (2, 2)) if spectro else ([1, 16, 32, 64], (3, 1), (3, 1))
        self.conv1, self.bn1 = nn.Conv2d(c[0], c[1], k), nn.BatchNorm2d(c[1])
        self.conv2, self.bn2 = nn.Conv2d(c[1], c[2], k), nn.BatchNorm2d(c[2])
        self.conv3, self.bn3 = nn.Conv2d(c[2], c[3], k), nn.BatchNorm2d(c[3])
        self.pool, self.drop, self.act = nn.MaxPool2d(p, p), nn.Dropout(0.1), nn.GELU()
        dims = (32640, 1280, 64) if spectro else (384, 64, 16)
        self.fc1, self.fc2, self.fc3 = nn.Linear(dims[0], dims[1]), nn.Linear(dims[1], dims[2]), nn.Linear(dims[2], classes)
    def forward(self, x):
        for conv, bn in ((self.conv1, self.bn1), (self.conv2, self.bn2), (self.conv3, self.bn3)):
            x = self.drop(self.pool(self.act(bn(conv(x)))))
        return self.fc3(self.act(self.fc2(self.act(self.fc1(torch.flatten(x, 1))))))

def fold(m):
    """BatchNorm folded into the preceding Conv, BatchNorm replaced by identity (as graph optimisers do)."""
    for conv, name in ((m.conv1, "bn1"), (m.conv2, "bn2"), (m.conv3, "bn3")):
        bn = getattr(m, name); s = bn.weight / torch.sqrt(bn.running_var + bn.eps)
        conv.weight.data = conv.weight * s[:, None, None, None]; conv.bias.data = (conv.bias - bn.running_mean) * s + bn.bias
        setattr(m, name, nn.Identity())
    return m

def check(spectro, opset, folded, d):
    torch.manual_seed(opset + (7 if spectro else 0))
    m = Reference(spectro)
    for bn in (m.bn1, m.bn2, m.bn3):
        bn.running_mean.uniform_(-0.3, 0.3); bn.running_var.uniform_(0.5, 2.0); bn.weight.data.uniform_(0.5, 1.5)
    m.eval()
    shape = (3, 100, 150) if spectro else (1, 80, 3)
    x = torch.randn(4, *shape)
    with torch.no_grad(): ref = m(x).numpy()
    if folded: m = fold(m)
    torch.onnx.export(m, torch.randn(1, *shape), f"{d}/m.onnx", input_names=["modelInput"], output_names=["modelOutput"],
                      dynamic_axes={"modelInput": {0: "batch"}, "modelOutput": {0: "batch"}}, opset_version=opset, dynamo=False)
    subprocess.run([SEISMIC, "import", f"{d}/m.onnx", "-o", f"{d}/m.safetensors"], check=True, stdout=subprocess.DEVNULL)
    np.save(f"{d}/x.npy", x.numpy())
    subprocess.run([SEISMIC, "checkpoint", "logits", "--model", f"{d}/m.safetensors", "--input", f"{d}/x.npy", "-o", f"{d}/y.npy"],
                   check=True, stdout=subprocess.DEVNULL)
    err = float(np.abs(np.load(f"{d}/y.npy") - ref).max() / np.abs(ref).max())
    print(f"{'SpectrogramCNN' if spectro else 'EarthquakeCNN'} opset {opset}{' (BatchNorm folded)' if folded else ''}: "
          f"max relative logit difference {err:.2e}")
    return err <= 1e-4

def refuses_other_graphs(d):
    m = nn.Sequential(nn.Conv2d(1, 4, 3), nn.Sigmoid(), nn.AdaptiveAvgPool2d(1))
    torch.onnx.export(m, torch.randn(1, 1, 8, 8), f"{d}/other.onnx", opset_version=17, dynamo=False)
    r = subprocess.run([SEISMIC, "import", f"{d}/other.onnx", "-o", f"{d}/o.safetensors"], capture_output=True, text=True)
    ok = r.returncode != 0 and "Sigmoid" in r.stderr and "GlobalAveragePool" in r.stderr
    print(f"unrelated graph refused naming its operators: {ok}")
    return ok

if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as d:
        results = [check(False, 10, False, d), check(False, 17, False, d), check(False, 17, True, d), check(True, 17, False, d),
                   refuses_other_graphs(d)]
    print("onnx import: all checks agree" if all(results) else "onnx import: FAILED")
    sys.exit(0 if all(results) else 1)
