#!/usr/bin/env python3
"""Checks classify's pick outputs with ObsPy (part of `make test`).

A record written by ObsPy as miniSEED (three channels XX.CHK.00.HH[ZNE], 60 s at 100 Hz) is
classified by `seismic classify` with a checkpoint from `seismic checkpoint init` and thresholds low
enough (0.01) that every class but Noise is picked. Then:
- the CSV has SeisBench's pick columns and instrument (XX.CHK.00.HH, the band and instrument code);
- the QuakeML must pass ObsPy's QuakeML 1.2 schema validation and `obspy.read_events` must read
  back exactly the picks of the CSV (station codes, phase, time to the microsecond), the channel
  code being the instrument's band and instrument code with "?" (XX.CHK.00.HH?);
- the annotations must be miniSEED ObsPy reads: one channel per class (MXP, MXS, MXN at a 0.5 s
  stride), starting at the first window's centre (record start + 1 s), sampled every 0.5 s, and
  each CSV pick's peak value must be the annotation's value at its peak time.
Usage: scripts/check_quakeml.py [path/to/seismic]   (exit 0 when all hold)"""
import csv, os, subprocess, sys, tempfile
import numpy as np
import obspy
from obspy.io.quakeml.core import _validate as validate_quakeml

SEISMIC = sys.argv[1] if len(sys.argv) > 1 else ".build/release/seismic"


def run(*args):
    subprocess.run([SEISMIC, *args], check=True, stdout=subprocess.DEVNULL)


with tempfile.TemporaryDirectory() as d:
    run("checkpoint", "init", "--model", "earthquake", "--seed", "3", "-o", f"{d}/m.safetensors")
    rng = np.random.default_rng(1)
    start = obspy.UTCDateTime("2021-03-04T05:06:07.080000Z")
    traces = [obspy.Trace(rng.normal(0, 100, 6000).astype(np.int32), header={
        "network": "XX", "station": "CHK", "location": "00", "channel": f"HH{c}", "sampling_rate": 100.0, "starttime": start})
        for c in "ZNE"]
    obspy.Stream(traces).write(f"{d}/record.mseed", format="MSEED", encoding="STEIM2")
    run("classify", "--model", f"{d}/m.safetensors", "--thresholds", "P=0.01,S=0.01", "--picks", f"{d}/picks.csv",
        "--quakeml", f"{d}/picks.xml", "--annotations", f"{d}/annotations", f"{d}/record.mseed")

    rows = list(csv.DictReader(open(f"{d}/picks.csv")))
    assert list(rows[0].keys()) == ["trace_id", "start_time", "peak_time", "end_time", "peak_value", "phase", "instrument"], rows[0].keys()
    assert all(r["instrument"] == "XX.CHK.00.HH" for r in rows), rows
    assert sorted(r["phase"] for r in rows) == ["P", "S"], rows
    assert validate_quakeml(f"{d}/picks.xml"), "the QuakeML does not validate against ObsPy's QuakeML 1.2 schema"
    catalog = obspy.read_events(f"{d}/picks.xml")
    picks = [p for e in catalog for p in e.picks]
    got = sorted((p.waveform_id.network_code, p.waveform_id.station_code, p.waveform_id.location_code or "", p.phase_hint, str(p.time))
                 for p in picks)
    want = sorted(tuple(r["trace_id"].split(".")) + (r["phase"], str(obspy.UTCDateTime(r["peak_time"]))) for r in rows)
    assert got == want, (got, want)
    assert all(p.evaluation_mode == "automatic" for p in picks)
    # The instrument as the channel code with "?": the pick was made on its three components.
    assert all(p.waveform_id.get_seed_string() == "XX.CHK.00.HH?" for p in picks), [p.waveform_id for p in picks]

    files = os.listdir(f"{d}/annotations")
    assert len(files) == 1, files
    annotations = obspy.read(f"{d}/annotations/{files[0]}")
    assert sorted(t.id for t in annotations) == ["XX.CHK.00.MXN", "XX.CHK.00.MXP", "XX.CHK.00.MXS"], annotations
    for t in annotations:
        assert abs(t.stats.starttime - (start + 1.0)) < 1e-6, (t.stats.starttime, start)
        assert t.stats.sampling_rate == 2.0 and t.stats.npts == (6000 - 200) // 50 + 1, t.stats
    for r in rows:
        trace = annotations.select(channel="MXP" if r["phase"] == "P" else "MXS")[0]
        k = round((obspy.UTCDateTime(r["peak_time"]) - trace.stats.starttime) * 2)
        assert abs(trace.data[k] - float(r["peak_value"])) <= 5e-5, (r, trace.data[k])
    print(f"check_quakeml: {len(picks)} picks read back by ObsPy {obspy.__version__} from QuakeML and CSV, "
          f"{len(annotations)} annotation traces; all agree")
