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
    if what == "all" { try PrepBenchmark.run(quick: quick) }
case "nn-earthquake":
    printResults(NNBenchmark.run(.earthquake(), quick: quick))
case "prep":
    try PrepBenchmark.run(quick: quick)
default:
    print("usage: seismic-bench [all|nn|prep] [--quick]")
    exit(2)
}
