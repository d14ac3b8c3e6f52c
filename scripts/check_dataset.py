#!/usr/bin/env python3
"""Opens a SeismicTorch dataset with h5py and checks its layout: X, y, attributes, provenance.
Usage: scripts/check_dataset.py DATASET.h5 [...]   (exit 0 when every file is valid)"""
import sys
import h5py, numpy as np

def check(path):
    with h5py.File(path, "r") as f:
        X, y = f["X"][...], f["y"][...]
        names = f.attrs["class_names"]
        names = (names.decode() if isinstance(names, bytes) else str(names)).split(",")
        assert X.dtype == np.float32 and y.dtype == np.int64, (X.dtype, y.dtype)
        assert X.shape[0] == y.shape[0], (X.shape, y.shape)
        assert y.min(initial=0) >= 0 and y.max(initial=0) < len(names)
        for k in ("source", "station", "method", "start_time"):
            assert f["provenance/" + k].shape[0] == y.shape[0], k
        for k in ("sampling_rate_hz", "window_samples", "component_order", "seed", "tool_version", "preparation", "units"):
            assert k in f.attrs, k
        units = f.attrs["units"]
        units = units.decode() if isinstance(units, bytes) else str(units)
        assert units in ("counts", "m/s^2", "gal", "g"), units
        counts = np.bincount(y, minlength=len(names))
        print(f"{path}: X {X.shape} float32, y {y.shape} int64, classes " + ", ".join(f"{n}={c}" for n, c in zip(names, counts)) + f", units {units}")

if __name__ == "__main__":
    for p in sys.argv[1:]: check(p)
