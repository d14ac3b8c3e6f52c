#!/usr/bin/env python3
"""Record preparation speed: SeismicTorch (seismic-bench prep) vs ObsPy/SciPy on the same files.

Both read the same folder of 480 s, 100 Hz three-component SAC records, run detrend('linear') →
taper(0.05) → highpass 0.5 Hz (4 corners, causal), cut two 200-sample windows and resample them
to 80 with scipy.signal.resample. ObsPy runs in one process per core (the fair comparison on this
machine); the ratio is Swift records/s over ObsPy records/s.
Usage: scripts/bench_obspy.py [path/to/seismic-bench] [--quick]
"""
import glob, os, re, subprocess, sys, tempfile, time
from multiprocessing import Pool
import warnings
warnings.filterwarnings("ignore")

BENCH = next((a for a in sys.argv[1:] if not a.startswith("--")), ".build/release/seismic-bench")
QUICK = "--quick" in sys.argv

def prepare(x_path):
    import obspy, scipy.signal as ss
    st = obspy.Stream()
    for c in "XYZ":
        st += obspy.read(x_path.replace("HLX", "HL" + c), format="SAC")
    st.detrend("linear"); st.taper(0.05); st.filter("highpass", freq=0.5, corners=4, zerophase=False)
    for start in (10000, 20000):
        for tr in st:
            ss.resample(tr.data[start:start + 200], 80)
    return 1

def main():
    out = subprocess.run([BENCH, "prep"] + (["--quick"] if QUICK else []), check=True, capture_output=True, text=True).stdout
    m = re.search(r"([\d.]+) records/s", out)
    swift = float(m.group(1))
    folder = os.path.join(tempfile.gettempdir(), "seismic-bench-records")
    files = sorted(glob.glob(os.path.join(folder, "*HLX.sac")))
    prepare(files[0])  # warm imports
    workers = os.cpu_count() or 2
    t0 = time.perf_counter()
    with Pool(workers) as pool:
        n = sum(pool.map(prepare, files))
    obspy_rate = n / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    for f in files[: max(4, len(files) // 4)]: prepare(f)
    single = max(4, len(files) // 4) / (time.perf_counter() - t0)
    print(out.strip())
    print(f"{'ObsPy/SciPy':16} {'%d processes' % workers:26} {obspy_rate:14.1f} records/s  (one process: {single:.1f})")
    print(f"ratio SeismicTorch / ObsPy: {swift / obspy_rate:.1f}x  (target >= 10x)")

if __name__ == "__main__":
    main()
