#!/usr/bin/env python3
"""Checkpoints cross between SeismicTorch and the PyTorch reference, both ways, with the same logits.

1. Swift writes a checkpoint; PyTorch loads it with load_state_dict(safetensors.torch.load_file(...))
   into the reference model and must give the logits `seismic checkpoint logits` gives.
2. PyTorch writes a trained-looking state dict with safetensors; Swift loads it and must give
   PyTorch's logits.
Usage: scripts/check_torch_interop.py [path/to/seismic]   (exit 0 = both directions agree to 1e-4)
"""
import os, subprocess, sys, tempfile
import numpy as np
import torch, torch.nn as nn
from safetensors.torch import load_file, save_file

SEISMIC = sys.argv[1] if len(sys.argv) > 1 else ".build/release/seismic"

class EarthquakeCNN(nn.Module):
    """The reference model with the seed's attribute names."""
    def __init__(self, classes=3):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(1, 16, (3, 1)), nn.BatchNorm2d(16)
        self.conv2, self.bn2 = nn.Conv2d(16, 32, (3, 1)), nn.BatchNorm2d(32)
        self.conv3, self.bn3 = nn.Conv2d(32, 64, (3, 1)), nn.BatchNorm2d(64)
        self.pool, self.drop, self.act = nn.MaxPool2d((3, 1), (3, 1)), nn.Dropout(0.1), nn.GELU()
        self.fc1, self.fc2, self.fc3 = nn.Linear(384, 64), nn.Linear(64, 16), nn.Linear(16, classes)
    def forward(self, x):
        for conv, bn in ((self.conv1, self.bn1), (self.conv2, self.bn2), (self.conv3, self.bn3)):
            x = self.drop(self.pool(self.act(bn(conv(x)))))
        x = x.flatten(1)
        return self.fc3(self.act(self.fc2(self.act(self.fc1(x)))))

def run(*args):
    subprocess.run([SEISMIC, *args], check=True, stdout=subprocess.DEVNULL)

def main():
    worst = 0.0
    with tempfile.TemporaryDirectory() as d:
        x = np.random.default_rng(5).standard_normal((32, 1, 80, 3)).astype(np.float32)
        np.save(f"{d}/x.npy", x)
        # 1. Swift -> PyTorch
        run("checkpoint", "init", "--model", "earthquake", "--seed", "11", "-o", f"{d}/swift.safetensors")
        run("checkpoint", "logits", "--model", f"{d}/swift.safetensors", "--input", f"{d}/x.npy", "-o", f"{d}/swift_logits.npy")
        m = EarthquakeCNN(); m.load_state_dict(load_file(f"{d}/swift.safetensors")); m.eval()
        with torch.no_grad(): ref = m(torch.from_numpy(x)).numpy()
        got = np.load(f"{d}/swift_logits.npy")
        e1 = np.abs(got - ref).max() / np.abs(ref).max(); worst = max(worst, e1)
        print(f"Swift checkpoint in PyTorch: max relative logit difference {e1:.2e}")
        # 2. PyTorch -> Swift (non-default running statistics, as after training)
        torch.manual_seed(3); m = EarthquakeCNN()
        for bn in (m.bn1, m.bn2, m.bn3):
            bn.running_mean.uniform_(-0.5, 0.5); bn.running_var.uniform_(0.5, 2.0); bn.num_batches_tracked.fill_(123)
        m.eval(); save_file(m.state_dict(), f"{d}/torch.safetensors")
        with torch.no_grad(): ref = m(torch.from_numpy(x)).numpy()
        run("checkpoint", "logits", "--model", f"{d}/torch.safetensors", "--input", f"{d}/x.npy", "-o", f"{d}/torch_logits.npy")
        got = np.load(f"{d}/torch_logits.npy")
        e2 = np.abs(got - ref).max() / np.abs(ref).max(); worst = max(worst, e2)
        print(f"PyTorch checkpoint in Swift: max relative logit difference {e2:.2e}")
    ok = worst <= 1e-4
    print("interop: both directions agree to 1e-4" if ok else "interop: FAILED (tolerance 1e-4)")
    return 0 if ok else 1

if __name__ == "__main__":
    sys.exit(main())
