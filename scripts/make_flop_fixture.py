#!/usr/bin/env python3
"""Writes Tests/Fixtures/flop_counts.json: multiply-adds per item of both reference networks, forward
and one training step (forward + backward), as PyTorch's own counter (torch.utils.flop_counter,
convolutions and matrix products; it reports FLOPs = 2 per multiply-add) counts them.
Usage: .venv/bin/python scripts/make_flop_fixture.py"""
import importlib.util, json, os, torch
from torch.utils.flop_counter import FlopCounterMode

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("bench_pytorch", os.path.join(here, "bench_pytorch.py"))
bench = importlib.util.module_from_spec(spec); spec.loader.exec_module(bench)

def counts(make, shape, classes):
    model = make()
    model.eval()
    with FlopCounterMode(display=False) as forward:
        model(torch.randn(1, *shape))
    model.train()
    with FlopCounterMode(display=False) as step:  # two items: BatchNorm needs more than one in training
        torch.nn.functional.cross_entropy(model(torch.randn(2, *shape)), torch.arange(2) % classes).backward()
    return {"forward_multiply_adds_per_item": forward.get_total_flops() // 2,
            "training_multiply_adds_per_item": step.get_total_flops() // 4}

out = {"generator": f"torch.utils.flop_counter, PyTorch {torch.__version__}",
       "EarthquakeCNN": counts(bench.earthquake, (1, 80, 3), 3),
       "SpectrogramCNN": counts(bench.spectrogram, (3, 100, 150), 2)}
path = os.path.join(here, "..", "Tests", "Fixtures", "flop_counts.json")
with open(path, "w") as f: json.dump(out, f, indent=1); f.write("\n")
print(json.dumps(out))
