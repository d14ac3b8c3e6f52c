// seismic-bench: throughput programs. Prints one line per measurement; `scripts/bench_*.py` run the
// PyTorch / ONNX Runtime / ObsPy side and print the ratios.

import Foundation
import SeismicNN
import SeismicTorch

let args = Array(CommandLine.arguments.dropFirst())
let what = args.first ?? "all"
let quick = args.contains("--quick")
BLASThreads.useSingleThreadPerCall()
Memory.keepLargeAllocations()

func printResults(_ results: [NNResult]) {
    for r in results {
        print(String(format: "%-16@ %-26@ %14.1f %@", r.model as NSString, r.metric as NSString, r.value, r.unit as NSString))
    }
}

switch what {
case "nn", "all":
    printResults(NNBenchmark.run(.earthquake(), quick: quick))
    printResults(NNBenchmark.run(.spectrogram(), quick: quick))
    if what == "all" { try PrepBenchmark.run(quick: quick); try SteadBenchmark.run(quick: quick) }
case "nn-earthquake":
    printResults(NNBenchmark.run(.earthquake(), quick: quick))
case "infer-earthquake":
    // Profiling aid: batched inference only.
    let model = ConvNet(.earthquake(), seed: 1)
    let x = NNBenchmark.randomInput(.earthquake(), batch: 1024, seed: 2)
    let s = NNBenchmark.time(iterations: 100, rounds: 1) { _ = model.forward(x, training: false) }
    print("inference batch 1024: \(Int(1024 / s)) windows/s")
case "latency-earthquake":
    let model = ConvNet(.earthquake(), seed: 1)
    let x = NNBenchmark.randomInput(.earthquake(), batch: 1, seed: 2)
    let s = NNBenchmark.time(iterations: 20000, rounds: 1) { _ = model.forward(x, training: false) }
    print("latency: \(s * 1e6) µs")
case "prep":
    try PrepBenchmark.run(quick: quick)
case "stead":
    try SteadBenchmark.run(quick: quick)
default:
    print("usage: seismic-bench [all|nn|prep|stead|nn-earthquake|infer-earthquake|latency-earthquake] [--quick]")
    exit(2)
}
