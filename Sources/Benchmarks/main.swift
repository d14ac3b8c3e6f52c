// seismic-bench: throughput programs. Prints one line per measurement; `scripts/bench_*.py` run the
// PyTorch / ONNX Runtime / ObsPy side and print the ratios.

import Foundation
import SeismicIO
import SeismicNN
import SeismicSignal
import SeismicTorch

let usage = """
    usage: seismic-bench COMMAND [--quick]
      all                  nn, then prep and stead (long; several GB of memory)
      nn                   both networks: training (batch 256, 32), inference, one window
      nn-earthquake        EarthquakeCNN only
      train-earthquake     EarthquakeCNN training steps of batch 256 (a profiling aid)
      infer-earthquake     EarthquakeCNN inference of batch 1024 (a profiling aid)
      infer-spectrogram    SpectrogramCNN inference of batch 32 (a profiling aid)
      latency-earthquake   EarthquakeCNN, one window at a time (a profiling aid)
      latency-spectrogram  SpectrogramCNN, one image at a time (a profiling aid)
      epoch                one EarthquakeCNN training epoch of 100,000 windows
      gemm                 the machine's ceiling: BLAS sgemm on one core and every core, our product
                           on the convolutions' shapes, memory read on every core and our
                           matrix-vector product on SpectrogramCNN's fc1 against it
      prep                 reading and preparing a folder of 480 s three-component SAC records
      stead                preparing a synthetic STEAD file: traces/s and peak memory
      classify-day         a day of one 100 Hz three-component station, classified
      monitor-latency      the live loop, from the packet that completes a window to its line
      seedlink-server STATIONS SECONDS
                           a SeedLink server on loopback for scripts/bench_seedlink.sh
    --quick: fewer iterations. SEISMIC_MAX_ISA=avx2|baseline caps the kernels' instruction set.
    Side by side with PyTorch, ONNX Runtime, ObsPy and SeisBench: scripts/bench_*.py (README).
    """
let args = Array(CommandLine.arguments.dropFirst())
guard let what = args.first, !what.hasPrefix("-") else {
    // No command, or an option where the command goes: --help is asked for, anything else is a mistake.
    if args.first == "--help" || args.first == "-h" {
        print(usage, terminator: "")
        exit(0)
    }
    FileHandle.standardError.write(Data("seismic-bench: name a command\n\(usage)".utf8))
    exit(2)
}
let quick = args.contains("--quick")
BLASThreads.useSingleThreadPerCall()
Memory.keepLargeAllocations()

/// `text` padded with spaces to `width` characters (Foundation's `%-16@` does not pad on Linux).
func column(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }

func printResults(_ results: [NNResult]) {
    for r in results {
        let rate = r.gflops.map { String(format: "  (%.1f GFLOP/s)", $0) } ?? ""
        print(column(r.model, 16) + " " + column(r.metric, 26) + String(format: " %14.1f ", r.value) + r.unit + rate)
    }
}

switch what {
case "nn", "all":
    printResults(NNBenchmark.run(.earthquake(), quick: quick))
    printResults(NNBenchmark.run(.spectrogram(), quick: quick))
    if what == "all" { try PrepBenchmark.run(quick: quick); try SteadBenchmark.run(quick: quick) }
case "nn-earthquake":
    printResults(NNBenchmark.run(.earthquake(), quick: quick))
case "infer-earthquake", "infer-spectrogram", "latency-earthquake", "latency-spectrogram":
    // Profiling aids: batched inference, or one window, in evaluation mode only.
    let arch: ConvNetArchitecture = what.hasSuffix("spectrogram") ? .spectrogram() : .earthquake()
    let batch = what == "infer-earthquake" ? 1024 : (what == "infer-spectrogram" ? 32 : 1)
    let model = ConvNet(arch, seed: 1)
    let x = NNBenchmark.randomInput(arch, batch: batch, seed: 2)
    _ = model.forward(x, training: false)
    let s = NNBenchmark.time(iterations: what.hasSuffix("spectrogram") ? 10 : (batch == 1 ? 20_000 : 100), rounds: 3) {
        _ = model.forward(x, training: false)
    }
    let item = NNBenchmark.inputName(arch)
    print(
        batch == 1
            ? String(format: "latency 1 %@: %.2f µs", item, s * 1e6)
            : "inference batch \(batch): \(Int(Double(batch) / s)) \(item)s/s")
case "train-earthquake":
    // Profiling aid: training steps of batch 256 only (forward, backward, Adam).
    let arch = ConvNetArchitecture.earthquake()
    let model = ConvNet(arch, seed: 1)
    let adam = Adam(store: model.store)
    let x = NNBenchmark.randomInput(arch, batch: 256, seed: 2)
    let labels = (0..<256).map { $0 % arch.classCount }
    let s = NNBenchmark.time(iterations: quick ? 50 : 500, rounds: 3) { NNBenchmark.trainingStep(model, adam, x, labels) }
    print("train batch 256: \(Int(256 / s)) windows/s")
case "gemm":
    GemmBenchmark.run()
case "prep":
    try PrepBenchmark.run(quick: quick)
case "epoch":
    // One training epoch of EarthquakeCNN on 100,000 windows (batch 256, shuffled, Adam, StepLR).
    var rng = SeededGenerator(seed: 5)
    let n = quick ? 20_000 : 100_000
    let values = (0..<(n * 240)).map { _ in rng.nextUnitFloat() * 2 - 1 }
    let data = WindowDataset(
        windows: WindowBatch(values: values, count: n, length: 80, components: 3),
        labels: (0..<n).map { $0 % 3 }, classNames: ["P-wave", "S-wave", "Noise"])
    var config = TrainingConfiguration()
    config.epochs = 1
    let trainer = Trainer(model: ConvNet(.earthquake(), seed: 1), configuration: config)
    let t0 = Date()
    _ = trainer.fit(data, train: Array(0..<n), validation: [])
    let seconds = Date().timeIntervalSince(t0)
    print(
        String(format: "%-16@ %-26@ %14.2f s  (%.0f windows/s)", "EarthquakeCNN" as NSString, "epoch of \(n) windows" as NSString, seconds, Double(n) / seconds)
    )
case "classify-day":
    // A day of one 100 Hz three-component station, classified in 2 s windows every 0.5 s.
    let hours = quick ? 2.0 : 24.0
    let n = Int(hours * 3600 * 100)
    var rng = SeededGenerator(seed: 9)
    let comps = (0..<3).map { _ in (0..<n).map { _ in Double(rng.nextUnitFloat() - 0.5) * 1e-3 } }
    let w = Waveform(components: comps, componentCodes: ["HLX", "HLY", "HLZ"], samplingRateHz: 100)
    let card = ModelCard.earthquakePretraining()
    let classifier = Classifier(model: ConvNet(card.architecture, seed: 1), card: card, strideSeconds: 0.5)
    let t0 = Date()
    let result = try classifier.classify(w)
    let seconds = Date().timeIntervalSince(t0)
    print(
        String(
            format: "%-16@ %-26@ %14.1f windows/s  (%d windows, %.0f h of 100 Hz 3-component data in %.2f s)", "classify" as NSString,
            "\(Int(hours)) h record" as NSString, Double(result.predictions.count) / seconds, result.predictions.count, hours, seconds))
case "seedlink-server":
    // seismic-bench seedlink-server STATIONS SECONDS: a live server for scripts/bench_seedlink.sh.
    let rest = Array(args.dropFirst())
    if rest.contains(where: { $0 == "-h" || $0 == "--help" }) {
        print(SeedLinkServerBenchmark.usage)
        exit(0)
    }
    let numbers = rest.map { Double($0) }
    guard numbers.count <= 2, numbers.allSatisfy({ $0 != nil && $0! >= 1 }) else {
        FileHandle.standardError.write(
            Data(("seismic-bench seedlink-server: STATIONS and SECONDS are numbers ≥ 1\n" + SeedLinkServerBenchmark.usage + "\n").utf8))
        exit(64)
    }
    let values = numbers.compactMap { $0 }
    try SeedLinkServerBenchmark.run(stations: Int(values.first ?? 20), seconds: values.dropFirst().first ?? 120)
case "monitor-latency":
    // From the packet that completes a window to the classified line (parse excluded), 125 Hz, hop 1 s.
    let card = ModelCard.earthquakePretraining()
    let engine = try MonitorEngine(model: ConvNet(card.architecture, seed: 1), card: card, samplingRateHz: 125)
    engine.lagSeconds = 0
    var rng = SeededGenerator(seed: 4)
    var latencies: [Double] = []
    let packetsCount = quick ? 3000 : 30_000
    for k in 0..<packetsCount {
        for c in 0..<3 {
            let samples = (0..<25).map { _ in Double(rng.nextUnitFloat() - 0.5) * 1e-3 }
            let t0 = DispatchTime.now().uptimeNanoseconds
            let lines = engine.ingest(component: c, time: 1000 + Double(k) * 0.2, samples: samples)
            if !lines.isEmpty {
                for l in lines { _ = String(format: "%.3f %.3f", l.time, l.pgaGal) }
                latencies.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
            }
        }
    }
    latencies.sort()
    print(
        String(
            format: "%-16@ %-26@ median %.3f ms, p99 %.3f ms over %d windows (target: median ≤ 5 ms)", "monitor" as NSString,
            "packet → classified line" as NSString, latencies[latencies.count / 2], latencies[latencies.count * 99 / 100], latencies.count))
case "stead":
    try SteadBenchmark.run(quick: quick)
case "help":
    print(usage, terminator: "")
default:
    FileHandle.standardError.write(Data("seismic-bench: unknown command '\(what)'\n\(usage)".utf8))
    exit(2)
}
