#!/usr/bin/env python3
"""miniSEED read throughput, side by side: `seismic info` (libmseed through SeismicIO: every record
decoded into samples, segments and gaps summarised) against ObsPy's `read` on the same day-long file.

The file: three channels (HHZ/HHN/HHE) of one day at 100 Hz (8,640,000 samples each), a random walk
in int32 counts, Steim-2 in 4096-byte records, written by ObsPy. Each side runs `--repeat` times;
the best time counts (a busy machine only makes runs slower). `seismic info` is timed as a process
(start-up included, about 10 ms); ObsPy inside Python (import excluded).
Usage: scripts/bench_mseed.py [path/to/seismic] [--repeat 3]"""
import argparse, subprocess, tempfile, time
import numpy as np
import obspy

parser = argparse.ArgumentParser()
parser.add_argument("seismic", nargs="?", default=".build/release/seismic")
parser.add_argument("--repeat", type=int, default=3)
args = parser.parse_args()

with tempfile.TemporaryDirectory() as d:
    path = f"{d}/day.mseed"
    rng = np.random.default_rng(0)
    start = obspy.UTCDateTime("2020-01-01")
    n = 86_400 * 100
    traces = [obspy.Trace(np.cumsum(rng.integers(-50, 51, n)).astype(np.int32),
                          header={"network": "XX", "station": "DAY", "channel": f"HH{c}", "sampling_rate": 100.0, "starttime": start})
              for c in "ZNE"]
    obspy.Stream(traces).write(path, format="MSEED", encoding="STEIM2", reclen=4096)
    samples = 3 * n

    def best(run):
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            run()
            times.append(time.perf_counter() - t0)
        return min(times)

    ours = best(lambda: subprocess.run([args.seismic, "info", path], check=True, stdout=subprocess.DEVNULL))
    theirs = best(lambda: obspy.read(path))
    check = obspy.read(path)
    assert sum(len(t.data) for t in check) == samples
    print(f"miniSEED read, one day × 3 channels at 100 Hz ({samples / 1e6:.1f} M samples, Steim-2, "
          f"{__import__('os').path.getsize(path) / 1e6:.1f} MB):")
    print(f"  seismic info {ours:.3f} s ({samples / ours / 1e6:.0f} M samples/s)   "
          f"ObsPy {obspy.__version__} read {theirs:.3f} s ({samples / theirs / 1e6:.0f} M samples/s)   "
          f"ratio ObsPy/seismic {theirs / ours:.2f}")
