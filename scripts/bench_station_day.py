#!/usr/bin/env python3
"""A station-day end to end, side by side: `seismic classify` (read miniSEED, record chain, windows,
model, picks) against the same EarthquakeCNN weights run the SeisBench way — a
seisbench.models.WaveformModel whose `classify` reads the stream, preprocesses it (detrend, taper,
high-pass as the model card; SeisBench's own resampling of the stream to 40 Hz), slides 80-sample
windows every 20 samples (0.5 s) through PyTorch in batches, and picks with
`picks_from_annotations` (threshold 0.7) — in the same run, on the same file.

The file: three channels HN[ZNE] of one day at 100 Hz (8,640,000 samples each), Gaussian counts,
Steim-2 in 4096-byte records, written by ObsPy. The SeisBench side gets the stream already read
(ObsPy's read timed apart); both sides use every core. Each side runs `--repeat` times; the best
time counts (a busy machine only makes runs slower). The weights are a fresh `checkpoint init --seed
1` and the counts are noise, so neither side is expected to pick anything; the run measures time.
Our side runs the widest kernels the CPU has; `SEISMIC_MAX_ISA=avx2` (or `baseline`) in the
environment caps them, and the line printed names the cap.
Usage: scripts/bench_station_day.py [path/to/seismic] [--repeat 2]"""
import argparse, os, subprocess, sys, tempfile, time
import numpy as np
import obspy, torch
import seisbench.models as sbm, seisbench.util as sbu
import json, struct

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_pytorch import earthquake  # the reference network, as nn.Sequential

parser = argparse.ArgumentParser(
    description="A station-day of 3 x 100 Hz miniSEED classified end to end by seismic and the SeisBench way "
    "(see the module docstring); SEISMIC_MAX_ISA=avx2|baseline caps our kernels.")
parser.add_argument("seismic", nargs="?", default=".build/release/seismic", help="the seismic binary (default: %(default)s)")
parser.add_argument("--repeat", type=int, default=2, help="runs of each side, the best counting (default: %(default)s)")
args = parser.parse_args()
torch.set_num_threads(os.cpu_count() or 2)


def load_safetensors(path):
    """A safetensors file's float32 tensors (the format: 8-byte header length, JSON header, data)."""
    raw = open(path, "rb").read()
    size = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + size])
    data = raw[8 + size:]
    out = {}
    for name, entry in header.items():
        if name == "__metadata__": continue
        lo, hi = entry["data_offsets"]
        dtype = {"F32": np.float32, "I64": np.int64}[entry["dtype"]]
        out[name] = torch.from_numpy(np.frombuffer(data[lo:hi], dtype=dtype).reshape(entry["shape"]).copy())
    return out


def load_state(path):
    """The checkpoint's tensors (PyTorch's EarthquakeCNN names) under nn.Sequential's names, in order."""
    tensors = load_safetensors(path)
    names = [f"{layer}{i}.{p}" for i in (1, 2, 3) for layer, ps in (("conv", ("weight", "bias")),
             ("bn", ("weight", "bias", "running_mean", "running_var", "num_batches_tracked"))) for p in ps]
    names += [f"fc{i}.{p}" for i in (1, 2, 3) for p in ("weight", "bias")]
    keys = list(earthquake().state_dict().keys())
    return {k: tensors[n] for k, n in zip(keys, names)}


class EarthquakeWindows(sbm.WaveformModel):
    """EarthquakeCNN as a SeisBench window classifier: 2 s at 40 Hz, a prediction per window at its centre."""

    def __init__(self, net):
        super().__init__(component_order="ENZ", sampling_rate=40, output_type="point", in_samples=80, pred_sample=40,
                         labels="PSN", default_args={"stride": 20})
        self.net = net

    def annotate_stream_pre(self, stream, argdict):
        stream.detrend("linear")
        stream.taper(0.05, type="hann")
        stream.filter("highpass", freq=0.5, corners=4)
        return super().annotate_stream_pre(stream, argdict)

    def annotate_batch_pre(self, batch, argdict):
        # The card's amplitude chain per window: normalise by the signed maximum, to int16, normalise.
        x = batch / batch.amax(dim=(1, 2), keepdim=True)
        peak = x.abs().amax(dim=(1, 2), keepdim=True)
        x = torch.clamp(torch.trunc(x * (32767 / peak)), -32768, 32767)
        return x / x.amax(dim=(1, 2), keepdim=True)

    def forward(self, x):  # [N, 3, 80] → [N, 3] probabilities
        return torch.softmax(self.net(x.transpose(1, 2).unsqueeze(1)), dim=-1)

    def classify_aggregate(self, annotations, argdict):
        picks = sbu.PickList()
        for phase in "PS":
            picks += self.picks_from_annotations(annotations.select(channel=f"*_{phase}"), 0.7, phase)
        return sbu.ClassifyOutput(self.name, picks=sbu.PickList(sorted(picks)))


def best(run):
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter(); result = run(); times.append(time.perf_counter() - t0)
    return min(times), result


with tempfile.TemporaryDirectory() as d:
    path = f"{d}/XX.DAY..HN.mseed"
    rng = np.random.default_rng(0)
    start = obspy.UTCDateTime("2020-01-01")
    n = 86_400 * 100
    obspy.Stream([obspy.Trace(rng.normal(0, 200, n).astype(np.int32),
                              header={"network": "XX", "station": "DAY", "channel": f"HN{c}", "sampling_rate": 100.0, "starttime": start})
                  for c in "ZNE"]).write(path, format="MSEED", encoding="STEIM2", reclen=4096)
    model = f"{d}/m.safetensors"
    subprocess.run([args.seismic, "checkpoint", "init", "--model", "earthquake", "--seed", "1", "-o", model], check=True, stdout=subprocess.DEVNULL)

    ours, _ = best(lambda: subprocess.run([args.seismic, "classify", "--model", model, "--picks", f"{d}/picks.csv", path],
                                          check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    net = earthquake(); net.load_state_dict(load_state(model)); net.eval()
    wrapped = EarthquakeWindows(net).eval()
    read_s, stream = best(lambda: obspy.read(path))
    with torch.no_grad():
        theirs, output = best(lambda: wrapped.classify(stream, batch_size=4096))
    windows = (n - 200) // 50 + 1
    print(f"station-day (3 x 8,640,000 samples at 100 Hz, {windows:,} windows of 2 s every 0.5 s)")
    cap = os.environ.get("SEISMIC_MAX_ISA")
    kernels = f"at most {cap} (SEISMIC_MAX_ISA)" if cap else "the widest this CPU runs"
    print(f"  seismic classify (read, preprocess, model, picks; process start included): {ours:6.2f} s   "
          f"(target < 2 s: {'met' if ours < 2 else 'NOT met'}; kernels: {kernels})")
    print(f"  SeisBench way (WaveformModel.classify on PyTorch, stream already read):    {theirs:6.2f} s   "
          f"(+ ObsPy read {read_s:.2f} s); {len(output.picks)} picks")
    print(f"  ratio: SeismicTorch {(theirs + read_s) / ours:.2f}x faster end to end ({theirs / ours:.2f}x leaving out ObsPy's read, ours still reading)")
