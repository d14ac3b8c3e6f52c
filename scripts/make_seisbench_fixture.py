#!/usr/bin/env python3
"""Writes Tests/Fixtures/seisbench/: three small datasets in the SeisBench format, each written by
SeisBench's OWN writer (seisbench.data.WaveformDataWriter), plus expected.json holding what
SeisBench's OWN reader (seisbench.data.WaveformDataset) returns for every trace. The Swift
SeisBench reader must reproduce expected.json exactly (same shapes, same float32 samples).

Usage:  .venv/bin/python scripts/make_seisbench_fixture.py [SHARED_REAL_DIR]
        SHARED_REAL_DIR defaults to /work/shared/real; the waveforms come from its phasenet/
        folder (PhaseNet's waveform_train records, MIT licence, LICENSE copied alongside).

Output (about 1.1 MB, waveforms stored as float32):
  plain/    metadata.csv + waveforms.hdf5, data_format dimension_order "CW", component_order "ZNE",
            sampling_rate 100. 7 earthquake traces cut from 7 different 3-component records
            (lengths 4000..6500 samples, P at sample 500..2500; one row with S missing) and
            3 noise traces (the first 30 s of 3 further records, i.e. before P). bucket_size 4,
            so the writer produces blocks "bucketN" (trace_name "bucketN$i,:3,:W", zero padded
            to the longest trace of the block) and one single-trace dataset named after the
            trace. Columns: trace_name (set by the writer), trace_name_original (added by the
            writer for traces in a block), trace_category, trace_p_arrival_sample,
            trace_s_arrival_sample, trace_p_status, station_network_code, station_code,
            station_location_code, station_channel, trace_start_time, trace_snr_db (STEAD-like
            string "[z n e]"), source_distance_km, split.
  chunked/  a "chunks" file ("_2010", "_2014") and metadata{chunk}.csv + waveforms{chunk}.hdf5 per
            chunk, each chunk written by its own WaveformDataWriter (bucket_size 2, so BOTH chunks
            contain a block called "bucket0": trace names are only unique per chunk). Same data
            format as plain; distance column path_ep_distance_km, channel column trace_channel,
            trace_snr_db PNW-like "z|n|e".
  wc_enz/   data_format dimension_order "WC", component_order "ENZ" (STEAD's/PhaseNet's stored
            layout, [samples, components]) and per-trace overrides that SeisBench honours:
            trace_sampling_rate_hz (one trace decimated to 50 Hz; data_format says 100) and
            trace_component_order (one trace stored "NEZ", one stored with the Z component only,
            "Z"); trace_snr_db is a scalar (the Z value). SeisBench has no per-trace dimension order. Bucketer GeometricBucketer(axis=0)
            (the default axis=-1 would measure the component axis of WC arrays), bucket_size 3,
            so trace names look like "bucket0$1,:4200,:3".
  expected.json  for each dataset: chunks, data_format as SeisBench reads it, how h5py stored
            each data_format entry, the HDF5 datasets under data/, reader warnings, the batch
            shape of get_waveforms(all rows), and per row: trace_name, chunk, shape, sampling
            rate, category, P/S samples (null when missing), and for each component in E,N,Z
            order the first 4 samples, the last sample, the sum and the sum of squares (float64,
            correctly rounded with math.fsum). Read with
            WaveformDataset(path, component_order="ENZ", dimension_order="NCW", sampling_rate=None,
            cache=None, missing_components="pad") and get_waveforms(i) for one row (C, W).
            Also the same row read with the dataset's own orders ("native").
  README.md, LICENSE.

Invented values (documented as such, not from any catalogue): trace_start_time is the record file
name's nominal time (YYYYMMDDHHMMSScc, taken as the window start) plus the cut offset;
source_distance_km / path_ep_distance_km = (S - P) seconds * 8 km/s (NaN where S is missing);
trace_snr_db is computed here: 10*log10(mean square of the 3 s after P / mean square of the 3 s
before P) per component after removing the mean of the 3 s before P; station_location_code is
"00" for HH/BH records and empty otherwise; split values are assigned by hand.

Deterministic: fixed records and offsets; re-running gives byte-identical files.
"""
import json
import logging
import math
import shutil
import sys
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import scipy.signal
from obspy import UTCDateTime

import seisbench
import seisbench.data as sbd

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "Tests" / "Fixtures" / "seisbench"
SHARED = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/work/shared/real")
PHASENET = SHARED / "phasenet"

DATA_FORMAT_CW_ZNE = {
    "dimension_order": "CW",
    "component_order": "ZNE",
    "sampling_rate": 100,
    "measurement": "velocity",
    "unit": "counts",
    "instrument_response": "not restituted",
}
DATA_FORMAT_WC_ENZ = dict(DATA_FORMAT_CW_ZNE, dimension_order="WC", component_order="ENZ")
FS = 100.0
VPS_KM_S = 8.0  # invented apparent speed for distance = (ts - tp) * 8 km/s


def load_record(name):
    """PhaseNet record: data [9001, 3] float64 in the order of `channels`, itp, its."""
    d = np.load(PHASENET / "waveforms" / f"{name}.npz")
    channels = str(d["channels"]).split("_")
    assert len(channels) == 3 and [c[-1] for c in channels] == ["E", "N", "Z"], (name, channels)
    return {
        "name": name,
        "data": d["data"].astype(np.float64),  # [9001, 3], E, N, Z
        "itp": int(d["itp"]),
        "its": int(d["its"]),
        "band": channels[0][:2],
    }


def record_time(name):
    """Nominal time from the file name NET_STA_YYYYMMDDHHMMSScc."""
    t = name.split("_")[2]
    return UTCDateTime(
        int(t[0:4]), int(t[4:6]), int(t[6:8]), int(t[8:10]), int(t[10:12]), int(t[12:14]), int(t[14:16]) * 10000
    )


def snr_db(enz, p, fs):
    """Per-component SNR (E, N, Z) in dB around sample p; 3 s windows."""
    n = int(round(3 * fs))
    noise = enz[p - n:p]
    mu = noise.mean(axis=0)
    sig = ((enz[p:p + n] - mu) ** 2).mean(axis=0)
    noi = ((noise - mu) ** 2).mean(axis=0)
    return 10 * np.log10(sig / noi)


def base_meta(rec, start, category, p, s, split):
    net, sta = rec["name"].split("_")[:2]
    return {
        "trace_name": f"{rec['name']}_{'EV' if category != 'noise' else 'NO'}",
        "trace_category": category,
        "trace_p_arrival_sample": p,
        "trace_s_arrival_sample": s,
        "station_network_code": net,
        "station_code": sta,
        "station_location_code": "00" if rec["band"] in ("HH", "BH") else "",
        "trace_start_time": str(record_time(rec["name"]) + start / FS),
        "split": split,
    }


def cut_event(rec, length, p_target, drop_s=False):
    """Window [s0, s0+length) with P at p_target. Returns ENZ array [W, 3] float32 and metadata."""
    s0 = rec["itp"] - p_target
    assert 0 <= s0 and s0 + length <= rec["data"].shape[0], (rec["name"], s0, length)
    enz = rec["data"][s0:s0 + length]
    p = rec["itp"] - s0
    s = rec["its"] - s0
    assert 0 < p < s < length
    snr = snr_db(enz, p, FS)
    dist = (s - p) / FS * VPS_KM_S
    return enz.astype(np.float32), s0, float(p), (np.nan if drop_s else float(s)), snr, (np.nan if drop_s else round(dist, 1))


def cut_noise(rec, length=3000):
    assert length <= rec["itp"]
    return rec["data"][0:length].astype(np.float32)


def fmt_stead(snr_zne):
    return "[" + " ".join(f"{v:.2f}" for v in snr_zne) + "]"


def fmt_pnw(snr_zne):
    return "|".join(f"{v:.3f}" for v in snr_zne)


# --------------------------------------------------------------------------------------------
# plain/
# --------------------------------------------------------------------------------------------
PLAIN_EVENTS = [
    # record, length, P sample, split, drop S
    ("BK_BRIB_2008092115164635", 4000, 1000, "train", False),
    ("NC_GDXB_2012010123094724", 4200, 1500, "train", False),
    ("BG_ACR_2012082505145960", 4400, 2000, "train", True),   # the row with S missing
    ("NN_OMMB_2012062718271748", 4500, 2500, "train", False),
    ("NC_MEM_2017100709282692", 6000, 500, "dev", False),
    ("BK_HATC_2013052418582783", 6500, 800, "dev", False),
    ("CI_DPP_2013062217345377", 5000, 1200, "test", False),   # alone in its bucket -> plain name
]
PLAIN_NOISE = ["NC_MDPB_2010020301543668", "PG_AR_2004102501154586", "NN_TVH1_2011071500270912"]


def write_plain(path):
    with sbd.WaveformDataWriter(path / "metadata.csv", path / "waveforms.hdf5") as w:
        w.data_format = dict(DATA_FORMAT_CW_ZNE)
        w.bucket_size = 4
        for name, length, p_target, split, drop_s in PLAIN_EVENTS:
            rec = load_record(name)
            enz, s0, p, s, snr, dist = cut_event(rec, length, p_target, drop_s)
            m = base_meta(rec, s0, "earthquake_local", p, s, split)
            m.update(trace_p_status="manual", station_channel=rec["band"],
                     trace_snr_db=fmt_stead(snr[[2, 1, 0]]), source_distance_km=dist)
            w.add_trace(m, np.ascontiguousarray(enz[:, [2, 1, 0]].T))  # [W, ENZ] -> [ZNE, W]
        for name in PLAIN_NOISE:
            rec = load_record(name)
            enz = cut_noise(rec)
            m = base_meta(rec, 0, "noise", np.nan, np.nan, "train")
            m.update(trace_p_status=None, station_channel=rec["band"], trace_snr_db=None,
                     source_distance_km=np.nan)
            w.add_trace(m, np.ascontiguousarray(enz[:, [2, 1, 0]].T))


# --------------------------------------------------------------------------------------------
# chunked/
# --------------------------------------------------------------------------------------------
CHUNKS = {
    "_2010": {"events": [("BK_HUMO_2010081119294380", 4000, 700), ("NC_MQ1P_2010070310532150", 4300, 1700)],
              "noise": "BG_CLV_2010120607083474", "split": "train"},
    "_2014": {"events": [("BK_SCZ_2014011401023067", 4000, 2200), ("BG_CLV_2014093006271251", 4300, 900)],
              "noise": "BG_SQK_2014092905050165", "split": "test"},
}


def write_chunked(path):
    path.mkdir(parents=True, exist_ok=True)
    (path / "chunks").write_text("".join(f"{c}\n" for c in CHUNKS))
    for chunk, spec in CHUNKS.items():
        with sbd.WaveformDataWriter(path / f"metadata{chunk}.csv", path / f"waveforms{chunk}.hdf5") as w:
            w.data_format = dict(DATA_FORMAT_CW_ZNE)
            w.bucket_size = 2
            for name, length, p_target in spec["events"]:
                rec = load_record(name)
                enz, s0, p, s, snr, dist = cut_event(rec, length, p_target)
                m = base_meta(rec, s0, "earthquake_local", p, s, spec["split"])
                m.update(trace_channel=rec["band"], trace_snr_db=fmt_pnw(snr[[2, 1, 0]]), path_ep_distance_km=dist)
                w.add_trace(m, np.ascontiguousarray(enz[:, [2, 1, 0]].T))
            rec = load_record(spec["noise"])
            m = base_meta(rec, 0, "noise", np.nan, np.nan, spec["split"])
            m.update(trace_channel=rec["band"], trace_snr_db=None, path_ep_distance_km=np.nan)
            w.add_trace(m, np.ascontiguousarray(cut_noise(rec)[:, [2, 1, 0]].T))


# --------------------------------------------------------------------------------------------
# wc_enz/
# --------------------------------------------------------------------------------------------
def write_wc_enz(path):
    with sbd.WaveformDataWriter(path / "metadata.csv", path / "waveforms.hdf5") as w:
        w.data_format = dict(DATA_FORMAT_WC_ENZ)
        w.bucketer = sbd.GeometricBucketer(axis=0)  # W is axis 0 for WC arrays
        w.bucket_size = 3

        def add(rec, arr, s0, p, s, snr_scalar, dist, order, fs):
            m = base_meta(rec, s0, "earthquake_local", p, s, "train")
            m.update(trace_channel=rec["band"], trace_sampling_rate_hz=fs, trace_component_order=order,
                     trace_snr_db=round(float(snr_scalar), 2), source_distance_km=dist)
            w.add_trace(m, np.ascontiguousarray(arr))

        # Three 100 Hz traces in one block; the middle one stored N, E, Z.
        rec = load_record("NC_KCPB_2003093001160889")
        enz, s0, p, s, snr, dist = cut_event(rec, 4000, 1000)
        add(rec, enz, s0, p, s, snr[2], dist, "ENZ", 100.0)
        rec = load_record("NN_OMMB_2017072215554319")
        enz, s0, p, s, snr, dist = cut_event(rec, 4200, 1800)
        add(rec, enz[:, [1, 0, 2]], s0, p, s, snr[2], dist, "NEZ", 100.0)
        rec = load_record("NC_MMLB_2009102603503649")
        enz, s0, p, s, snr, dist = cut_event(rec, 4400, 1400)
        add(rec, enz, s0, p, s, snr[2], dist, "ENZ", 100.0)
        # One trace decimated to 50 Hz (zero-phase IIR decimation of the float64 counts).
        rec = load_record("TA_Q03C_2007052416012924")
        s0 = 1000
        seg = rec["data"][s0:s0 + 6000]
        dec = scipy.signal.decimate(seg, 2, axis=0, zero_phase=True).astype(np.float32)  # [3000, 3]
        p50 = (rec["itp"] - s0) / 2.0
        s50 = (rec["its"] - s0) / 2.0
        snr50 = snr_db(dec.astype(np.float64), int(p50), 50.0)
        add(rec, dec, s0, p50, s50, snr50[2], round((rec["its"] - rec["itp"]) / FS * VPS_KM_S, 1), "ENZ", 50.0)
        # One trace with the Z component only: stored [W, 1].
        rec = load_record("PG_PB_2006031611182298")
        enz, s0, p, s, snr, dist = cut_event(rec, 4000, 1500)
        add(rec, enz[:, 2:3], s0, p, s, snr[2], dist, "Z", 100.0)



# --------------------------------------------------------------------------------------------
# expected.json
# --------------------------------------------------------------------------------------------
class _Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def _f(x):
    x = float(x)
    return None if math.isnan(x) else x


def _stats(row):
    row64 = row.astype(np.float64)
    return {
        "first4": [float(v) for v in row64[:4]],
        "last": float(row64[-1]),
        "sum": math.fsum(row64),
        "sumsq": math.fsum(row64 * row64),
    }


def _h5_storage(h5path):
    out = {}
    with h5py.File(h5path, "r") as f:
        for key, ds in f["data_format"].items():
            tid = ds.id.get_type()
            entry = {"shape": list(ds.shape), "numpy_dtype": str(ds.dtype)}
            if isinstance(tid, h5py.h5t.TypeStringID):
                entry.update(h5_class="H5T_STRING", variable_length=bool(tid.is_variable_str()),
                             cset="UTF-8" if tid.get_cset() == h5py.h5t.CSET_UTF8 else "ASCII",
                             value=ds[()].decode())
            else:
                entry.update(h5_class="H5T_INTEGER" if ds.dtype.kind in "iu" else "H5T_FLOAT",
                             size_bytes=ds.dtype.itemsize, byte_order="little" if ds.dtype.byteorder in "<=|" else "big",
                             value=ds[()].item())
            out[key] = entry
        data = {name: {"shape": list(ds.shape), "dtype": str(ds.dtype)} for name, ds in f["data"].items()}
    return out, data


def describe(name, path):
    cap = _Capture()
    seisbench.logger.addHandler(cap)
    try:
        ds = sbd.WaveformDataset(path, component_order="ENZ", dimension_order="NCW", sampling_rate=None,
                                 cache=None, missing_components="pad")
    finally:
        seisbench.logger.removeHandler(cap)
    df = ds.data_format
    native = sbd.WaveformDataset(path, component_order=df["component_order"],
                                 dimension_order="N" + df["dimension_order"], sampling_rate=None, cache=None)
    storage, h5data = {}, {}
    for chunk, wpath in zip(ds.chunks, ds._chunks_with_paths()[2]):
        st, dd = _h5_storage(wpath)
        storage[chunk] = st
        h5data[chunk] = dd
    batch = ds.get_waveforms(list(range(len(ds))))
    traces = []
    md = ds.metadata
    for i in range(len(ds)):
        wv = ds.get_waveforms(i)  # (C=3 in E,N,Z, W)
        _, meta = ds.get_sample(i)
        r = md.iloc[i]
        nat = native.get_waveforms(i)
        block, _, loc = str(r["trace_name"]).partition("$")
        loc = loc or ":"
        with h5py.File(ds._chunks_with_paths()[2][ds.chunks.index(r["trace_chunk"])], "r") as f:
            stored_shape = list(f["data"][block][ds._parse_location(loc)].shape)
        t = {
            "row": i,
            "trace_name": r["trace_name"],
            "chunk": r["trace_chunk"],
            "hdf5_dataset": "data/" + block,
            "location": loc,
            "stored_shape": stored_shape,
            "source_component_order": r["trace_component_order"],
            "shape": list(wv.shape),
            "sampling_rate_hz": float(meta["trace_sampling_rate_hz"]),
            "trace_category": r["trace_category"],
            "trace_p_arrival_sample": _f(r["trace_p_arrival_sample"]),
            "trace_s_arrival_sample": _f(r["trace_s_arrival_sample"]),
            "split": r["split"],
            "trace_name_original": (None if pd.isna(r.get("trace_name_original", np.nan))
                                    else r["trace_name_original"]),
            "components": {c: _stats(wv[k]) for k, c in enumerate("ENZ")},
            "native": {
                "component_order": df["component_order"],
                "dimension_order": df["dimension_order"],
                "shape": list(nat.shape),
                "first2_along_W": (nat[:2].tolist() if df["dimension_order"] == "WC" else nat[:, :2].tolist()),
            },
        }
        if name == "wc_enz":
            _, m100 = ds.get_sample(i, sampling_rate=100)
            w100 = ds.get_waveforms(i, sampling_rate=100)
            t["resampled_to_100hz"] = {
                "shape": list(w100.shape),
                "trace_p_arrival_sample": _f(m100["trace_p_arrival_sample"]),
                "trace_s_arrival_sample": _f(m100["trace_s_arrival_sample"]),
            }
        traces.append(t)
    return {
        "path": name,
        "chunks": ds.chunks,
        "data_format": {k: (v.item() if hasattr(v, "item") else v) for k, v in df.items()},
        "hdf5_data_format_storage": storage,
        "hdf5_data": h5data,
        "metadata_columns_in_csv": {c: list(pd.read_csv(p, nrows=0).columns)
                                    for c, p in zip(ds.chunks, ds._chunks_with_paths()[1])},
        "reader_warnings": cap.messages,
        "batch_get_waveforms_shape": list(batch.shape),
        "traces": traces,
    }, ds


def verify(ds, sources):
    """SeisBench's reader must return exactly the arrays that went in (reordered to E,N,Z, C x W)."""
    for i in range(len(ds)):
        got = ds.get_waveforms(i)
        want = sources[i]
        assert got.dtype == np.float32, got.dtype
        assert got.shape == want.shape, (i, got.shape, want.shape)
        assert np.array_equal(got, want), i


def sources_plain():
    out = []
    for name, length, p_target, *_ in PLAIN_EVENTS:
        rec = load_record(name)
        out.append(cut_event(rec, length, p_target)[0].T)
    for name in PLAIN_NOISE:
        out.append(cut_noise(load_record(name)).T)
    return out


def sources_chunked():
    out = []
    for chunk in sorted(CHUNKS):
        for name, length, p_target in CHUNKS[chunk]["events"]:
            out.append(cut_event(load_record(name), length, p_target)[0].T)
        out.append(cut_noise(load_record(CHUNKS[chunk]["noise"])).T)
    return out


def sources_wc():
    a = cut_event(load_record("NC_KCPB_2003093001160889"), 4000, 1000)[0].T
    b = cut_event(load_record("NN_OMMB_2017072215554319"), 4200, 1800)[0].T
    c = cut_event(load_record("NC_MMLB_2009102603503649"), 4400, 1400)[0].T
    rec = load_record("TA_Q03C_2007052416012924")
    d = scipy.signal.decimate(rec["data"][1000:7000], 2, axis=0, zero_phase=True).astype(np.float32).T
    z = cut_event(load_record("PG_PB_2006031611182298"), 4000, 1500)[0].T.copy()
    z[0:2] = 0.0  # E and N are missing -> SeisBench pads zeros
    return [a, b, c, d, z]


def main():
    if not (PHASENET / "waveforms").is_dir():
        sys.exit(f"no PhaseNet records at {PHASENET}")
    OUT.mkdir(parents=True, exist_ok=True)
    for sub in ("plain", "chunked", "wc_enz"):
        shutil.rmtree(OUT / sub, ignore_errors=True)
    write_plain(OUT / "plain")
    write_chunked(OUT / "chunked")
    write_wc_enz(OUT / "wc_enz")

    expected = {
        "generator": {
            "script": "scripts/make_seisbench_fixture.py",
            "seisbench": seisbench.__version__,
            "h5py": h5py.__version__,
            "hdf5": h5py.version.hdf5_version,
            "numpy": np.__version__,
            "pandas": pd.__version__,
        },
        "reader": ("seisbench.data.WaveformDataset(path, component_order='ENZ', dimension_order='NCW', "
                   "sampling_rate=None, cache=None, missing_components='pad'); per row get_waveforms(i) -> (3, W) "
                   "in E,N,Z order (dimension_order='CW' is rejected: the target must contain 'N'); "
                   "sampling_rate_hz from get_sample(i)[1]['trace_sampling_rate_hz']; 'native' re-reads with "
                   "component_order=data_format component_order and dimension_order='N'+data_format dimension_order; "
                   "sum/sumsq are math.fsum over the float32 samples widened to float64"),
        "datasets": {},
    }
    for name, src in (("plain", sources_plain), ("chunked", sources_chunked), ("wc_enz", sources_wc)):
        desc, ds = describe(name, OUT / name)
        verify(ds, src())
        expected["datasets"][name] = desc
    with open(OUT / "expected.json", "w") as f:
        json.dump(expected, f, indent=1, sort_keys=False)
        f.write("\n")
    shutil.copyfile(PHASENET / "LICENSE", OUT / "LICENSE")
    (OUT / "README.md").write_text(
        "SeisBench-format test datasets written by SeisBench 0.12.6's own WaveformDataWriter, with what its\n"
        "WaveformDataset reader returns for every trace (expected.json). plain/ (CW, ZNE, blocks + padding, noise rows,\n"
        "one missing S), chunked/ (chunks file, two chunks), wc_enz/ (WC, ENZ, per-trace sampling rate and component order).\n"
        "Waveforms (float32 counts) are cut from PhaseNet records (AI4EPS/PhaseNet dataset/waveform_train, MIT licence,\n"
        "see LICENSE); start times, distances, SNRs, location codes and splits are invented/computed by the script.\n"
        "Regenerate: .venv/bin/python scripts/make_seisbench_fixture.py [/work/shared/real]\n"
    )
    print("wrote", OUT)


if __name__ == "__main__":
    main()
