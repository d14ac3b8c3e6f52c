#!/usr/bin/env python3
"""Side-by-side speed: SeismicTorch (seismic-bench nn) vs PyTorch CPU and ONNX Runtime, same shapes.

Prints the machine and its measured peak (`seismic-bench gemm`: the faster of BLAS sgemm and our own
product kernel, each on every core at once), then for each kernel variant this CPU runs
(SEISMIC_MAX_ISA avx512, avx2, baseline): windows/s or images/s (µs for one), the arithmetic rate (convolutions and linear layers, torch.utils.flop_counter's
count, i.e. the direct convolution's; SpectrogramCNN's evaluation takes its 3×3 layers on 48 and 96
inputs by Winograd with 2.25× fewer, so its inference can pass 100 %) as a fraction of that peak,
the ratios against PyTorch and ONNX Runtime, and the goal of
issue #18 for that measure. PyTorch runs once a pass for each of our variants (a child process each),
capped on x86-64 to the same instruction set, as it would run on a CPU of that generation: ATen,
oneDNN and MKL by ATEN_CPU_CAPABILITY, ONEDNN_MAX_CPU_ISA and MKL_ENABLE_INSTRUCTIONS (avx2 → avx2,
AVX2, AVX2; baseline → default, SSE41, SSE4_2, the lowest each offers; avx512 uncapped). ONNX
Runtime has no such cap (MLAS reads CPUID): it runs once a pass with its widest kernels, so a
narrower variant's ratio against it is the harder comparison, not the one an older CPU would see.
Each variant thus adds a PyTorch run to a pass (make bench, which runs every variant, takes minutes more).
Usage: scripts/bench_pytorch.py [path/to/seismic-bench] [--quick] [--epoch] [--isa avx2,...] [--passes N]
  --quick: fewer iterations and smaller batches (a check that everything runs, not a measurement;
    SpectrogramCNN trains batch 32 only, so its training goal is not shown).
  --epoch: end-to-end time of one EarthquakeCNN training epoch on 100,000 windows, both sides
    (the widest kernels; SEISMIC_MAX_ISA caps ours, PyTorch is not capped here).
  --isa: the kernel variants to run (default: every one this CPU runs, widest first); --isa=V too.
  --passes N: N alternating passes (for each variant of ours: PyTorch capped as it, ONNX Runtime with
    the first variant only, then ours), so that both sides meet the same spells of load on a shared
    host (ONNX Runtime's figure, taken once a pass, is minutes older for a later variant); each
    figure is the best of its N (the peak too, measured again each pass), and the last column gives
    the range of the goal's ratio (against ONNX Runtime for inference, PyTorch for training) taken
    within each pass.
"""
import json, os, platform, re, subprocess, sys, tempfile, time, warnings
# What would cap (or change) ATen, oneDNN or MKL if the caller had set it: cleared in every child that
# measures PyTorch, and for --epoch, which measures it in this process, by starting again without
# them before PyTorch loads (it reads them once, then).
CAP_VARIABLES = ("ATEN_CPU_CAPABILITY", "ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA", "ONEDNN_CPU_ISA_HINTS", "DNNL_CPU_ISA_HINTS",
                 "MKL_ENABLE_INSTRUCTIONS", "MKL_CBWR", "MKL_VERBOSE", "ONEDNN_VERBOSE", "DNNL_VERBOSE")

# "--isa=avx2" as well as "--isa avx2" (both forms of argparse and of our seismic CLI); only when run,
# not when imported (bench_station_day.py imports the networks and parses its own arguments).
if __name__ == "__main__":
    sys.argv = sys.argv[:1] + [part for a in sys.argv[1:]
                               for part in (a.split("=", 1) if a.startswith(("--isa=", "--passes=")) else [a])]

def environment_without(names):
    """This process's environment but for `names`."""
    return {k: v for k, v in os.environ.items() if k not in names}

if "--epoch" in sys.argv and __name__ == "__main__" and any(v in os.environ for v in CAP_VARIABLES):
    os.execve(sys.executable, [sys.executable, os.path.abspath(__file__)] + sys.argv[1:], environment_without(CAP_VARIABLES))
import numpy as np
import torch, torch.nn as nn, torch.nn.functional as F

# Options: flags, and those that take a value. BENCH: the one argument that is neither.
FLAGS, VALUED = ("--quick", "--epoch"), ("--isa", "--passes")
# Internal: a child run that measures the references under its environment's caps, its results as
# JSON in the file named after REFERENCES; WITH_ORT: ONNX Runtime too.
REFERENCES, WITH_ORT = "--references", "--with-onnx-runtime"
BENCH = next((a for i, a in enumerate(sys.argv[1:], 1)
              if not a.startswith("-") and sys.argv[i - 1] not in VALUED), ".build/release/seismic-bench")
QUICK = "--quick" in sys.argv
torch.set_num_threads(os.cpu_count() or 2)

def block(cin, cout, k, p):
    return [nn.Conv2d(cin, cout, k), nn.BatchNorm2d(cout), nn.GELU(), nn.MaxPool2d(p, p), nn.Dropout(0.1)]
def earthquake():
    return nn.Sequential(*block(1, 16, (3, 1), (3, 1)), *block(16, 32, (3, 1), (3, 1)), *block(32, 64, (3, 1), (3, 1)),
                         nn.Flatten(), nn.Linear(384, 64), nn.GELU(), nn.Linear(64, 16), nn.GELU(), nn.Linear(16, 3))
def spectrogram():
    return nn.Sequential(*block(3, 48, (3, 3), (2, 2)), *block(48, 96, (3, 3), (2, 2)), *block(96, 192, (3, 3), (2, 2)),
                         nn.Flatten(), nn.Linear(32640, 1280), nn.GELU(), nn.Linear(1280, 64), nn.GELU(), nn.Linear(64, 2))

# (iterations, rounds) of each measure, the same on both sides (seismic-bench nn): rounds of about
# half a second or more, the best counts — a busy machine only makes rounds slower.
TRAIN_REPEATS = {(False, 256): (60, 5), (False, 32): (300, 5), (True, 256): (1, 2), (True, 32): (1, 3)}
INFER_REPEATS = {False: (60, 5), True: (3, 3)}

def best_time(fn, iterations, rounds=3):
    fn()
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(iterations): fn()
        best = min(best, (time.perf_counter() - t0) / iterations)
    return best

def measure(name, make, shape, classes, spectro, with_ort=True):
    out, item = {}, "image" if spectro else "window"
    m = make(); opt = torch.optim.Adam(m.parameters(), lr=1e-3); m.train()
    for b in (256, 32):
        b = min(b, 32) if spectro and QUICK else b
        x = torch.randn(b, *shape); y = torch.randint(0, classes, (b,))
        def step():
            opt.zero_grad(); F.cross_entropy(m(x), y).backward(); opt.step()
        s = best_time(step, *TRAIN_REPEATS[(spectro, b)])
        out[f"train batch {b}"] = b / s
    m.eval(); nb = 32 if spectro else 1024
    xi = torch.randn(nb, *shape)
    with torch.no_grad():
        out[f"inference batch {nb}"] = nb / best_time(lambda: m(xi), *INFER_REPEATS[spectro])
        x1 = torch.randn(1, *shape)
        out[f"latency 1 {item}"] = best_time(lambda: m(x1), 3 if spectro else 2000) * 1e6
    ort = {}
    if not with_ort: return out, ort
    try:
        import onnxruntime as rt
        with tempfile.TemporaryDirectory() as d:
            path = f"{d}/m.onnx"
            with warnings.catch_warnings():  # the TorchScript exporter is asked for (dynamo=False): no notice each pass
                warnings.simplefilter("ignore", DeprecationWarning)
                torch.onnx.export(m, torch.randn(1, *shape), path, input_names=["modelInput"], output_names=["modelOutput"],
                                  dynamic_axes={"modelInput": {0: "batch"}, "modelOutput": {0: "batch"}}, opset_version=17, dynamo=False)
            so = rt.SessionOptions(); so.intra_op_num_threads = os.cpu_count() or 2
            sess = rt.InferenceSession(path, so, providers=["CPUExecutionProvider"])
            xb = np.random.randn(nb, *shape).astype(np.float32); x1 = np.random.randn(1, *shape).astype(np.float32)
            ort[f"inference batch {nb}"] = nb / best_time(lambda: sess.run(None, {"modelInput": xb}), *INFER_REPEATS[spectro])
            ort[f"latency 1 {item}"] = best_time(lambda: sess.run(None, {"modelInput": x1}), 3 if spectro else 2000) * 1e6
    except Exception as e:  # ONNX Runtime missing or export failed: report, keep going
        print(f"# ONNX Runtime skipped for {name}: {e}", file=sys.stderr)
    return out, ort

# Each variant's PyTorch, capped to the same instruction set on x86-64 ({}: its own widest): ATen's
# kernels, oneDNN's (convolutions) and MKL's (linear layers, small convolutions), each the lowest it
# offers for baseline (ours: SSE2). Elsewhere (arm64: baseline is NEON) PyTorch is not capped.
CAPS = {"avx512": {},
        "avx2": {"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2", "MKL_ENABLE_INSTRUCTIONS": "AVX2"},
        "baseline": {"ATEN_CPU_CAPABILITY": "default", "ONEDNN_MAX_CPU_ISA": "SSE41", "MKL_ENABLE_INSTRUCTIONS": "SSE4_2"}}
if platform.machine().lower() not in ("x86_64", "amd64"): CAPS = {isa: {} for isa in CAPS}
def caps_text(isa):
    """The caps PyTorch runs under for our variant `isa`, as set in its environment."""
    return ", ".join(f"{k}={v}" for k, v in CAPS[isa].items()) or "uncapped"

MODELS = (("EarthquakeCNN", earthquake, (1, 80, 3), 3, False), ("SpectrogramCNN", spectrogram, (3, 100, 150), 2, True))

def references_child(path):
    """The child's work: both models in PyTorch (and ONNX Runtime if asked), as JSON in the file `path`."""
    res = {"capability": torch.backends.cpu.get_cpu_capability(), "torch": {}, "ort": {}}
    for name, make, shape, classes, spectro in MODELS:
        res["torch"][name], res["ort"][name] = measure(name, make, shape, classes, spectro, WITH_ORT in sys.argv)
    with open(path, "w") as f: json.dump(res, f)

def references(isa, with_ort):
    """PyTorch capped as our variant `isa` (and ONNX Runtime, uncapped, if with_ort), in a child process:
    PyTorch reads its caps once, when it loads. The child's messages pass through as they come."""
    with tempfile.TemporaryDirectory() as d:
        path = f"{d}/references.json"
        args = ([sys.executable, os.path.abspath(__file__), REFERENCES, path] + (["--quick"] if QUICK else [])
                + ([WITH_ORT] if with_ort else []))
        done = subprocess.run(args, env={**environment_without(CAP_VARIABLES), **CAPS[isa]})
        if done.returncode != 0 or not os.path.isfile(path):
            sys.exit(f"PyTorch capped as {isa} ({caps_text(isa)}) failed (exit status {done.returncode}; its messages above)")
        with open(path) as f: return json.load(f)

def run_bench(args, env=None):
    """seismic-bench's standard output; a failure ends the script with its message, not a traceback."""
    done = subprocess.run(args, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed (exit status {done.returncode}): is {BENCH} seismic-bench?\n{done.stderr.strip()}")
    return done.stdout

def swift_results(isa):
    args = [BENCH, "nn"] + (["--quick"] if QUICK else [])
    text = run_bench(args, env={**os.environ, "SEISMIC_MAX_ISA": isa})
    res = {}
    for line in text.splitlines():
        m = re.match(r"(\S+)\s+(.+?)\s{2,}([\d.]+) (\S+)(?:\s+\(([\d.]+) GFLOP/s\))?", line)
        if m: res[(m.group(1), m.group(2).strip())] = (float(m.group(3)), float(m.group(5)) if m.group(5) else None)
    return res

def machine(quiet=False):
    """The machine line (printed unless quiet), the peak on every core (GFLOP/s) and the variants this CPU
    runs, widest first."""
    # The machine's ceiling whatever the caller caps: SEISMIC_MAX_ISA cleared.
    text = run_bench([BENCH, "gemm"], env=environment_without(("SEISMIC_MAX_ISA",)))
    if not quiet: print(text.strip())
    # The machine's ceiling: the faster of BLAS sgemm and our own product, each on every core at once
    # (OpenBLAS may run narrower kernels than ours, e.g. its Haswell ones on an AVX-512 machine).
    cores = re.search(r"(\d+) cores;", text)
    every = f"{cores.group(1)} cores" if cores else "cores"
    peaks = [float(m.group(1)) for m in re.finditer(r"(?:BLAS|sk_gemm_bias).*, " + every + r"\s+([\d.]+) GFLOP/s", text)]
    widest = re.search(r"widest this CPU runs: (\w+)", text)
    if not peaks or not widest: sys.exit(f"{BENCH} gemm printed no sgemm peak: is it seismic-bench?")
    peak, widest = max(peaks), widest.group(1)
    order = ["avx512", "avx2", "baseline"]
    return peak, order[order.index(widest):]

# Issue #18's goals: (measure, reference, ratio at least).
GOALS = {("EarthquakeCNN", "train batch 256"): ("PyTorch", 5), ("EarthquakeCNN", "inference batch 1024"): ("ONNX Runtime", 1.5),
         ("EarthquakeCNN", "latency 1 window"): ("ONNX Runtime", 2), ("SpectrogramCNN", "train batch 256"): ("PyTorch", 2),
         ("SpectrogramCNN", "inference batch 32"): ("ONNX Runtime", 1), ("SpectrogramCNN", "latency 1 image"): ("ONNX Runtime", 1)}

def epoch():
    n = 20_000 if QUICK else 100_000
    out = run_bench([BENCH, "epoch"] + (["--quick"] if QUICK else []))
    swift_s = float(re.search(r"([\d.]+) s", out).group(1))
    x = torch.rand(n, 1, 80, 3) * 2 - 1; y = torch.arange(n) % 3
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=256, shuffle=True)
    m = earthquake(); opt = torch.optim.Adam(m.parameters(), lr=1e-3); sched = torch.optim.lr_scheduler.StepLR(opt, 7, 0.5)
    m.train(); t0 = time.perf_counter()
    for xb, yb in loader:
        opt.zero_grad(); F.cross_entropy(m(xb), yb).backward(); opt.step()
    sched.step(); torch_s = time.perf_counter() - t0
    print(out.strip())
    print(f"{'PyTorch':16} {'epoch of %d windows' % n:26} {torch_s:14.2f} s  ({n / torch_s:.0f} windows/s)")
    ratio = torch_s / swift_s
    print(f"ratio SeismicTorch / PyTorch (epoch time): {ratio:.2f}x  (#18 goal: training ≥ 5× PyTorch: {'met' if ratio >= 5 else 'NOT met'})")

def option(flag, default):
    if flag not in sys.argv: return default
    if sys.argv.count(flag) > 1: sys.exit(f"{flag} given {sys.argv.count(flag)} times: give it once (see --help)")
    i = sys.argv.index(flag)
    if i + 1 >= len(sys.argv): sys.exit(f"{flag} needs a value (see --help)")
    return sys.argv[i + 1]

def speedup(metric, ours, theirs):
    """How many times faster ours is: rates divide one way, latencies the other."""
    return theirs / ours if metric.startswith("latency") else ours / theirs

def better(metric, a, b):
    if a is None: return b
    return min(a, b) if metric.startswith("latency") else max(a, b)

def main():
    if REFERENCES in sys.argv:
        i = sys.argv.index(REFERENCES)
        references_child(sys.argv[i + 1]); return
    if "--help" in sys.argv or "-h" in sys.argv:
        print(__doc__.strip()); return
    unknown = [a for i, a in enumerate(sys.argv[1:], 1)
               if a.startswith("-") and a not in FLAGS + VALUED and sys.argv[i - 1] not in VALUED]
    if unknown: sys.exit(f"unknown option {unknown[0]} (see --help)")
    if "--epoch" in sys.argv and ("--isa" in sys.argv or "--passes" in sys.argv):
        sys.exit("--epoch takes neither --isa nor --passes (SEISMIC_MAX_ISA caps its kernels)")
    if not (os.path.isfile(BENCH) and os.access(BENCH, os.X_OK)):
        sys.exit(f"{BENCH}: no seismic-bench there; build it first (swift build -c release --product seismic-bench)")
    if "--epoch" in sys.argv:
        epoch(); return
    passes = option("--passes", "1")
    if not passes.isdigit() or int(passes) < 1: sys.exit(f"--passes {passes}: give a whole number, 1 or more")
    passes = int(passes)
    requested = option("--isa", None)
    if requested == "": sys.exit("--isa needs a value: avx512, avx2 or baseline, comma-separated (see --help)")
    unknown = [v for v in (requested or "").split(",") if requested and v not in ("avx512", "avx2", "baseline")]
    if unknown: sys.exit(f"--isa: {','.join(unknown)} is not avx512, avx2 or baseline")
    peak, variants = machine()
    peaks = [peak]
    if requested:
        missing = [v for v in requested.split(",") if v not in variants]
        if missing: sys.exit(f"--isa: this CPU does not run {','.join(missing)} (it runs {','.join(variants)})")
        variants = requested.split(",")
    # Per (variant, model, metric): the best figure of each side over the passes (PyTorch's capped as
    # that variant; ONNX Runtime's the same for all), and each pass's ratios.
    best_torch, best_ort, best_swift, ratios, capability = {}, {}, {}, {}, {}
    for n in range(passes):
        if passes > 1: print(f"# pass {n + 1} of {passes}", file=sys.stderr, flush=True)
        # The peak again each later pass, the highest counting: load only lowers it (measured once,
        # it moved 217–399 GFLOP/s between runs on a shared host, and every percentage with it).
        if n > 0: peaks.append(machine(quiet=True)[0])
        ort_pass = None
        for isa in variants:
            ref = references(isa, with_ort=ort_pass is None)
            capability[isa] = ref["capability"]
            if ort_pass is None: ort_pass = ref["ort"]
            for name, res in ref["torch"].items():
                for metric, v in res.items(): best_torch[(isa, name, metric)] = better(metric, best_torch.get((isa, name, metric)), v)
            for key, (v, gflops) in swift_results(isa).items():
                name, metric = key
                old = best_swift.get((isa, key))
                if old is None or better(metric, old[0], v) == v: best_swift[(isa, key)] = (v, gflops)
                # The goal's reference in this pass (none when it did not run the measure this time).
                who = GOALS.get(key, ("PyTorch", 0))[0]
                theirs = (ref["torch"] if who == "PyTorch" else ort_pass).get(name, {}).get(metric)
                if theirs is not None: ratios.setdefault((isa, key), []).append(speedup(metric, v, theirs))
        for name, res in ort_pass.items():
            for metric, v in res.items(): best_ort[(name, metric)] = better(metric, best_ort.get((name, metric)), v)
    peak = max(peaks)
    if len(peaks) > 1:
        print(f"\npeak: the highest of {len(peaks)} measures, one a pass ({', '.join(f'{p:.1f}' for p in peaks)} GFLOP/s)")
    for isa in variants:
        print(f"\nSeismicTorch kernels: {isa}    (peak: the faster of sgemm and our product on every core, {peak:.1f} GFLOP/s)"
              + (f"; best of {passes} alternating passes" if passes > 1 else ""))
        print(f"PyTorch: {caps_text(isa)} (ATen's kernels: {capability[isa]}); ONNX Runtime: its widest kernels (it has no cap)")
        print(f"{'model':16} {'measure':26} {'SeismicTorch':>12} {'GFLOP/s':>8} {'peak':>5} {'PyTorch':>10} {'ratio':>7}"
              f" {'ONNX RT':>10} {'ratio':>7}  goal")
        for (torch_isa, name, metric), ref in best_torch.items():
            if torch_isa != isa or (isa, (name, metric)) not in best_swift: continue
            s, gflops = best_swift[(isa, (name, metric))]
            ratio = speedup(metric, s, ref)
            o = best_ort.get((name, metric))
            oratio = None if o is None else speedup(metric, s, o)
            goal = ""
            if (name, metric) in GOALS:
                who, target = GOALS[(name, metric)]
                got = ratio if who == "PyTorch" else oratio
                goal = f"≥ {target}× {who}: " + ("no ONNX Runtime" if got is None else ("met" if got >= target else "NOT met"))
            spread = ratios.get((isa, (name, metric)), [])
            who = GOALS.get((name, metric), ("PyTorch", 0))[0]
            within = f"  (per pass vs {who}: {min(spread):.2f}–{max(spread):.2f}x)" if passes > 1 and spread else ""
            rate = "" if gflops is None else f"{gflops:8.1f} {100 * gflops / peak:4.0f}%"
            print(f"{name:16} {metric:26} {s:12.1f} {rate:>14} {ref:10.1f} {ratio:6.2f}x"
                  f" {'' if o is None else f'{o:10.1f}':>10} {'' if oratio is None else f'{oratio:6.2f}x':>7}  {goal}{within}")
    print("(windows/s or images/s, or µs for latency; ratio > 1 means SeismicTorch is faster; peak: the SeismicTorch rate against that peak)")

if __name__ == "__main__":
    main()
