// seismic prep: turn raw records into prepared window datasets.

import ArgumentParser
import Foundation
import SeismicTorch

extension Seismic {
    struct Prep: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prepare window datasets from raw records (STEAD, …).",
            subcommands: [Stead.self])
    }
}

extension Seismic.Prep {
    struct Stead: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prepare P / S / Noise windows from STEAD (merged.hdf5 + merged.csv), split by time.",
            discussion: """
                As the reference's data_reader: cleans the catalogue (P ≥ 200 samples, distance < 100 km, \\
                median SNR > 40 dB, S − P > 20 samples, pick weights > 0.75), splits earthquakes 80/20 by \\
                start time with noise before/after the split time sampled to the same count, prepares each \\
                trace (detrend, taper, 0.5 Hz high-pass), cuts a P and an S window per earthquake and two \\
                noise windows per noise trace, and resamples 100 → 40 Hz. Writes train.h5 and test.h5.

                Instrument responses are not removed (the reference used an online service; this tool \\
                works offline): windows stay in counts (--response-free, the default).

                Example: seismic prep stead --hdf5 STEAD/merged.hdf5 --csv STEAD/merged.csv --out data/stead
                """)

        @Option(help: "STEAD waveforms (merged.hdf5).") var hdf5: String
        @Option(help: "STEAD catalogue (merged.csv).") var csv: String
        @Option(help: "Output folder for train.h5 and test.h5.") var out: String
        @Option(help: "Random seed (noise sampling, window shifts).") var seed: UInt64 = 0
        @Option(help: "Fraction of earthquakes (earliest first) used for training.") var trainFraction: Double = 0.8
        @Flag(help: "Keep counts; do not attempt instrument-response removal (the only offline option).")
        var responseFree = true

        func validate() throws {
            guard (0.0...1.0).contains(trainFraction) else { throw ValidationError("--train-fraction must be within 0…1") }
            for f in [hdf5, csv] where !FileManager.default.fileExists(atPath: f) {
                throw ValidationError("\(f) does not exist")
            }
        }

        func run() throws {
            let t0 = Date()
            let catalogue = try STEAD.catalogue(csv: csv)
            let quakes = catalogue.filter(\.isEarthquake)
            let clean = quakes.filter(\.passesReferenceCleaning)
            let (train, test) = STEAD.split(catalogue, trainFraction: trainFraction, seed: seed)
            print("catalogue: \(catalogue.count) traces, \(quakes.count) earthquakes (\(clean.count) pass cleaning), \(catalogue.filter(\.isNoise).count) noise")
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            var rows: [(String, String)] = []
            for (name, part) in [("train", train), ("test", test)] {
                let progress = Progress("\(name):", unit: "traces")
                let (data, summary) = try STEAD.prepare(part, hdf5: hdf5, seed: seed &+ (name == "test" ? 1 : 0)) {
                    progress.update($0, of: $1)
                }
                let path = (out as NSString).appendingPathComponent("\(name).h5")
                try data.save(to: path)
                rows.append(("\(name).h5", "\(data.count) windows: P \(summary.windowsPerClass[0]), S \(summary.windowsPerClass[1]), noise \(summary.windowsPerClass[2]) from \(summary.tracesRead) traces"))
                for (reason, n) in summary.skipped.sorted(by: { $0.key < $1.key }) { rows.append(("  skipped", "\(n) × \(reason)")) }
            }
            rows.append(("dropped by cleaning", "\(quakes.count - clean.count) earthquakes"))
            rows.append(("time", String(format: "%.1f s", Date().timeIntervalSince(t0))))
            printSummary("wrote \(out)", rows)
        }
    }
}
