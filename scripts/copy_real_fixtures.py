#!/usr/bin/env python3
"""Copies a handful of the shared real records (../shared/real/phasenet, MIT, AI4EPS/PhaseNet) into
Tests/Fixtures/real/phasenet as float32 .npy files the Swift tests read without NumPy's zip
archives: <name>.npy [9001, 3] (100 Hz, 90 s, counts, columns in the order of the record's
channels) and records.csv (name, itp, its, channels, as waveform.csv). The licence goes with them.
Usage: scripts/copy_real_fixtures.py [SHARED_REAL_DIR]"""
import csv, os, shutil, sys
import numpy as np

NAMES = [  # broadband HH, BH, strong motion HN, short period EH, DP, and a one-component EHZ record
    "BK_BRIB_2008092115164635", "BK_SAO_2016111609193067", "CI_MLAC_2017042709015422",
    "NC_BSR_2016060814045294", "BG_ACR_2012082505145960", "NC_BBG_2007102001425167",
]

src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "shared", "real", "phasenet")
dst = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "real", "phasenet")
os.makedirs(dst, exist_ok=True)
rows = {r["fname"][:-4]: r for r in csv.DictReader(open(os.path.join(src, "waveform.csv")))}
with open(os.path.join(dst, "records.csv"), "w", newline="") as out:
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["name", "itp", "its", "channels"])
    for name in NAMES:
        z = np.load(os.path.join(src, "waveforms", name + ".npz"))
        np.save(os.path.join(dst, name + ".npy"), z["data"].astype(np.float32))
        r = rows[name]
        w.writerow([name, r["itp"], r["its"], r["channels"]])
shutil.copy(os.path.join(src, "LICENSE"), os.path.join(dst, "LICENSE"))
print(f"copied {len(NAMES)} records into {dst}")

# Pick tests: the three-component records whose S arrives at least 1.5 s after P (so a 2 s window
# centred on one onset does not hold the other), cut to 45 s (20 s before P, 25 s after) to keep the
# fixtures small: real/phasenet-picks/<name>.npy [4500, 3] float32 and records.csv with the picks
# in samples of the cut record (itp 2000) and the cut's first sample in the original (1000).
FIRST, LENGTH = 1000, 4500
dst = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "real", "phasenet-picks")
os.makedirs(dst, exist_ok=True)
picked = [r for r in csv.DictReader(open(os.path.join(src, "waveform.csv")))
          if "_" in r["channels"] and int(r["its"]) - int(r["itp"]) >= 150]
with open(os.path.join(dst, "records.csv"), "w", newline="") as out:
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["name", "itp", "its", "channels", "first_sample"])
    for r in picked:
        name = r["fname"][:-4]
        data = np.load(os.path.join(src, "waveforms", r["fname"]))["data"][FIRST:FIRST + LENGTH]
        np.save(os.path.join(dst, name + ".npy"), data.astype(np.float32))
        w.writerow([name, int(r["itp"]) - FIRST, int(r["its"]) - FIRST, r["channels"], FIRST])
shutil.copy(os.path.join(src, "LICENSE"), os.path.join(dst, "LICENSE"))
print(f"copied {len(picked)} records for the pick tests into {dst}")
