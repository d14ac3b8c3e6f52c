#!/usr/bin/env python3
"""Writes the real records with analyst picks (PhaseNet's waveform_train set, ../shared/real/phasenet,
MIT licence) as SeisBench datasets, written by SeisBench's own WaveformDataWriter, so `seismic prep
seisbench` and `seismic evaluate --picks` read them like any SeisBench dataset.

Only the three-component records are used (83 of 103; the model takes E, N, Z). Each becomes one
trace: 9001 samples at 100 Hz (90 s), float32 counts as stored (no response removed), components in
E, N, Z order, P at sample itp and S at its (the analyst's), the nominal start time of the file name.

The split is by station and fixed: models/real-split.csv lists every station and its split (train
or test). It is made once (15 of the 61 stations, drawn with Python's random.Random(16)) and then
read, so the held-out stations never change; delete it to draw again.

Writes
  OUT/phasenet-real/   all 83 records, the split column from models/real-split.csv (train, test);
                       what scripts/train_builtin_model.sh prepares and trains on.
  data/real-heldout/   the test records only (split test), shipped in the repository for `make demo`
                       and the tests, with the licence.

Usage: .venv/bin/python scripts/make_real_datasets.py [--shared ../shared/real] [--out out/real]
"""
import argparse, csv, os, random, shutil, sys

import numpy as np
import seisbench
import seisbench.data as sbd

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("--shared", default=os.path.join(root, "..", "shared", "real"))
ap.add_argument("--out", default=os.path.join(root, "out", "real"))
args = ap.parse_args()

src = os.path.join(args.shared, "phasenet")
rows = [r for r in csv.DictReader(open(os.path.join(src, "waveform.csv"))) if "_" in r["channels"]]
stations = sorted({"_".join(r["fname"].split("_")[:2]) for r in rows})

split_path = os.path.join(root, "models", "real-split.csv")
if not os.path.exists(split_path):
    test = set(random.Random(16).sample(stations, 15))
    os.makedirs(os.path.dirname(split_path), exist_ok=True)
    with open(split_path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["station", "split"])
        for s in stations:
            w.writerow([s.replace("_", "."), "test" if s in test else "train"])
split = {r["station"]: r["split"] for r in csv.DictReader(open(split_path))}
missing = [s for s in stations if s.replace("_", ".") not in split]
if missing:
    sys.exit(f"{split_path} does not list {missing}; delete it to draw the split again")


def start_time(stem):
    """The file name's nominal time YYYYMMDDHHMMSScc as ISO 8601 UTC."""
    t = stem.split("_")[2]
    return f"{t[0:4]}-{t[4:6]}-{t[6:8]}T{t[8:10]}:{t[10:12]}:{t[12:14]}.{t[14:16]}0000Z"


def write(folder, selected):
    if os.path.exists(folder):
        shutil.rmtree(folder)
    os.makedirs(folder)
    with sbd.WaveformDataWriter(os.path.join(folder, "metadata.csv"), os.path.join(folder, "waveforms.hdf5")) as writer:
        writer.data_format = {
            "dimension_order": "CW", "component_order": "ENZ", "sampling_rate": 100,
            "measurement": "mixed (velocity and acceleration sensors)", "unit": "counts",
            "instrument_response": "not restituted",
        }
        writer.bucket_size = 16
        for r in selected:
            stem = r["fname"][:-4]
            z = np.load(os.path.join(src, "waveforms", r["fname"]))
            channels = str(z["channels"]).split("_")
            assert [c[-1] for c in channels] == ["E", "N", "Z"], (stem, channels)
            net, sta = stem.split("_")[:2]
            writer.add_trace(
                {
                    "trace_category": "earthquake_local", "trace_p_arrival_sample": int(r["itp"]),
                    "trace_s_arrival_sample": int(r["its"]), "trace_p_status": "manual", "trace_s_status": "manual",
                    "station_network_code": net, "station_code": sta, "station_location_code": "",
                    "station_channel": channels[0][:2], "trace_start_time": start_time(stem),
                    "trace_sampling_rate_hz": 100.0, "split": split[f"{net}.{sta}"], "source_file": stem,
                },
                z["data"].T.astype(np.float32),
            )
    shutil.copy(os.path.join(src, "LICENSE"), os.path.join(folder, "LICENSE"))


write(os.path.join(args.out, "phasenet-real"), rows)
heldout = [r for r in rows if split["_".join(r["fname"].split("_")[:2]).replace("_", ".")] == "test"]
target = os.path.join(root, "data", "real-heldout")
write(target, heldout)
with open(os.path.join(target, "README.md"), "w") as f:
    f.write(
        "Held-out real records: the test stations of models/real-split.csv, "
        f"{len(heldout)} three-component records of PhaseNet's waveform_train set (AI4EPS/PhaseNet, MIT licence: LICENSE),\n"
        "90 s at 100 Hz in counts with the analyst's P and S picks, as a SeisBench dataset written by SeisBench "
        f"{seisbench.__version__}'s WaveformDataWriter.\nNo model shipped here was trained on these stations. "
        "Regenerate: .venv/bin/python scripts/make_real_datasets.py\n")
n_test = sum(1 for s in split.values() if s == "test")
print(f"{len(rows)} records of {len(stations)} stations: {len(rows) - len(heldout)} train, {len(heldout)} test "
      f"({n_test} stations held out) -> {args.out}/phasenet-real, {target}")
