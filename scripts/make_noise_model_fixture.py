#!/usr/bin/env python3
"""Writes Tests/Fixtures/noise_models/peterson_obspy.json: Peterson's (1993) new low and high noise
models as ObsPy tabulates them (obspy.signal.spectral_estimation.get_nlnm / get_nhnm), the
reference for SeismicSignal's PetersonNoiseModel. The models are public-domain USGS results
(Open-File Report 93-322); ObsPy's tables give the period to 6 significant digits and the level
to 3 decimals in dB rel. 1 (m/s^2)^2/Hz.

Usage:  .venv/bin/python scripts/make_noise_model_fixture.py
"""
import json
import os

import obspy
from obspy.signal.spectral_estimation import get_nhnm, get_nlnm

out = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "noise_models")
os.makedirs(out, exist_ok=True)
periods, low = get_nlnm()
periods_high, high = get_nhnm()
assert list(periods) == list(periods_high)
doc = {
    "generator": f"ObsPy {obspy.__version__}, obspy.signal.spectral_estimation.get_nlnm/get_nhnm",
    "unit": "dB rel. 1 (m/s^2)^2/Hz",
    "periods_s": [float(p) for p in periods],
    "low_db": [float(v) for v in low],
    "high_db": [float(v) for v in high],
}
with open(os.path.join(out, "peterson_obspy.json"), "w") as f:
    json.dump(doc, f)
print(f"wrote {len(periods)} periods to {out}/peterson_obspy.json")
