// seismic prep seisbench: P / S / Noise windows from a dataset in SeisBench's format.

import ArgumentParser
import Foundation
import SeismicIO
import SeismicTorch

extension WindowPlacement: ExpressibleByArgument {}

extension Seismic.Prep {
    struct SeisBenchDataset: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "seisbench",
            abstract: "Prepare P / S / Noise windows from a SeisBench dataset (metadata.csv + waveforms.hdf5, chunked too).",
            discussion: """
                Reads any dataset in SeisBench's format (STEAD, INSTANCE, ETHZ, PNW, TXED, … as \
                SeisBench distributes them, or one written with SeisBench's WaveformDataWriter): each \
                trace by its trace_name, its components in the order data_format (or the \
                trace_component_order column) gives, resampled to 100 Hz when its rate differs. Each \
                trace goes through the seed's chain (detrend, taper, 0.5 Hz high-pass); a P window at \
                trace_p_arrival_sample, an S window at trace_s_arrival_sample (--placement peak: the \
                seed's, centred on the largest amplitude after the arrival; arrival: centred on it, \
                shifted by up to --arrival-shift), --noise-windows random windows per noise trace \
                (trace_category noise) and --noise-before-p windows before the first arrival of each \
                earthquake; 200 samples resampled to 80 (40 Hz).

                Splits: the metadata's split column (train, dev, test) when it has one; otherwise \
                --test-fraction of the stations (seeded) go to test.h5, so no station is in both. \
                Writes train.h5, dev.h5 and test.h5 (those that receive traces) into --out.

                Cleaning (earthquake traces; none by default): --reference-cleaning applies the \
                seed's rules (P ≥ 200 samples, distance < 100 km, median SNR > 40 dB, S − P > 20 \
                samples, pick weights > 0.75); each rule can also be given alone. Units: the \
                data_format's unit (counts or an acceleration unit); velocity datasets are refused.

                Memory: one block of traces at a time plus the windows cut (960 bytes each).

                Example: seismic prep seisbench --path ~/.seisbench/datasets/ethz --out data/ethz
                """)

        @Option(help: "SeisBench dataset folder (metadata.csv + waveforms.hdf5, or chunks).") var path: String
        @Option(help: "Output folder for train.h5, dev.h5 and test.h5.") var out: String
        @Option(parsing: .unconditional, help: "Random seed (window shifts, noise windows, the split by station).") var seed: UInt64 = 0
        @Option(help: "Where P and S windows go: peak (the seed's) or arrival (centred on the pick).") var placement: WindowPlacement = .peak
        @Option(parsing: .unconditional, help: "Largest shift of a window centred on its arrival, seconds (--placement arrival).")
        var arrivalShift: Double = 0.2
        @Option(parsing: .unconditional, help: "Windows per P or S arrival, each with its own random shift (augmentation).")
        var windowsPerArrival: Int = 1
        @Option(parsing: .unconditional, help: "Random noise windows per noise trace.") var noiseWindows: Int = 2
        @Option(parsing: .unconditional, help: "Random noise windows before the first arrival of each earthquake trace (ending 0.5 s before it).")
        var noiseBeforeP: Int = 0
        @Option(parsing: .unconditional, help: "Share of stations held out for test.h5 when the metadata has no split column.")
        var testFraction: Double = 0.2
        @Flag(help: "Apply all the seed's cleaning rules (as the options below with the seed's values).") var referenceCleaning = false
        @Option(parsing: .unconditional, help: "Keep earthquakes whose P is at least this many samples in.") var minPSample: Double?
        @Option(parsing: .unconditional, help: "Keep earthquakes closer than this (km; source_distance_km or path_ep_distance_km).")
        var maxDistanceKm: Double?
        @Option(parsing: .unconditional, help: "Keep earthquakes whose median trace_snr_db is above this.") var minSnrDb: Double?
        @Option(parsing: .unconditional, help: "Keep earthquakes whose S is more than this many samples after P.") var minSMinusP: Double?
        @Option(parsing: .unconditional, help: "Keep earthquakes whose trace_p_weight and trace_s_weight are above this.") var minPickWeight: Double?

        func validate() throws {
            try checkOption("arrival-shift", arrivalShift, .atLeast(0), .atMost(0.9))
            try checkOption("windows-per-arrival", windowsPerArrival, .atLeast(1), .atMost(1000))
            try checkOption("noise-windows", noiseWindows, .atLeast(0), .atMost(1000))
            try checkOption("noise-before-p", noiseBeforeP, .atLeast(0), .atMost(1000))
            try checkOption("test-fraction", testFraction, .atLeast(0), .atMost(1))
            for (name, v) in [("min-p-sample", minPSample), ("max-distance-km", maxDistanceKm), ("min-s-minus-p", minSMinusP)] {
                try checkOption(name, v, .atLeast(0))
            }
            try checkOption("min-snr-db", minSnrDb)
            try checkOption("min-pick-weight", minPickWeight)
            let outputs = SeisBench.splitNames.map { "\(out)/\($0).h5" }
            let inputs = (try? FileManager.default.contentsOfDirectory(atPath: path))?.map { "\(path)/\($0)" } ?? []
            try refuseOverwriting(inputs: inputs, with: outputs)
            try checkOutputFolder(out, option: "--out", inputs: [path])
            if arrivalShift != 0.2, placement == .peak {
                throw ValidationError("--arrival-shift applies to --placement arrival (the peak placement shifts by up to ±0.8 s, as the seed)")
            }
        }

        func run() throws {
            let t0 = Date()
            var settings = SeisBenchSettings()
            settings.seed = seed
            settings.placement = placement
            settings.arrivalShiftSeconds = arrivalShift
            settings.windowsPerArrival = windowsPerArrival
            settings.noiseWindowsPerNoiseTrace = noiseWindows
            settings.noiseWindowsBeforeP = noiseBeforeP
            settings.testFraction = testFraction
            if referenceCleaning { settings.cleaning = .reference }
            if let minPSample { settings.cleaning.minimumPSample = minPSample }
            if let maxDistanceKm { settings.cleaning.maximumDistanceKm = maxDistanceKm }
            if let minSnrDb { settings.cleaning.minimumSNRdB = minSnrDb }
            if let minSMinusP { settings.cleaning.minimumSMinusPSamples = minSMinusP }
            if let minPickWeight { settings.cleaning.minimumPickWeight = minPickWeight }
            let dataset = try SeismicIO.SeisBenchDataset(path: path)
            let progress = Progress("traces:", unit: "traces")
            let (parts, method) = try SeisBench.prepare(dataset, settings: settings) { progress.update($0, of: $1) }
            let written = parts.filter { $0.dataset.count > 0 && $0.name != SeisBench.unsplit }
            guard !written.isEmpty else {
                let skipped = parts.flatMap(\.summary.skipped).reduce(into: [String: Int]()) { $0[$1.key, default: 0] += $1.value }
                throw UserFacingError("\(path): no windows (nothing written); skipped: \(STEAD.Summary.report(skipped))")
            }
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            var rows: [(String, String)] = [("split", method)]
            if testFraction != 0.2, !method.hasPrefix("by station") {
                rows.append(("note", "--test-fraction not used: the metadata's split column decides"))
            }

            for p in parts {
                let w = p.summary.windowsPerClass
                if p.name == SeisBench.unsplit {
                    rows.append(("not in a split", "\(p.summary.skipped.values.reduce(0, +)) traces (not written)"))
                } else if p.dataset.count > 0 {
                    try p.dataset.save(to: "\(out)/\(p.name).h5")
                    rows.append(("\(p.name).h5", "\(p.dataset.count) windows: P \(w[0]), S \(w[1]), noise \(w[2]) from \(p.summary.tracesRead) traces"))
                } else {
                    rows.append(("\(p.name)", "no windows from \(p.summary.tracesRead) traces (not written)"))
                }
                for (reason, n) in p.summary.skipped.sorted(by: { $0.key < $1.key }) { rows.append(("  skipped", "\(n) × \(reason)")) }
            }
            // A split file of an earlier SeisBench preparation that this one does not write would
            // mix two runs: removed once the new files are in place (another preparation's file is
            // left, and said).
            let writing = Set(written.map(\.name))
            for name in SeisBench.splitNames where !writing.contains(name) {
                let stale = "\(out)/\(name).h5"
                guard FileManager.default.fileExists(atPath: stale) else { continue }
                if SeisBench.isSeisBenchPreparation(at: stale) {
                    try FileManager.default.removeItem(atPath: stale)
                    rows.append(("removed", "\(name).h5 of an earlier SeisBench preparation (this one has no \(name) split)"))
                } else {
                    rows.append(("note", "\(name).h5 in \(out) is from another preparation: left as it is, not part of this one"))
                }
            }
            rows.append(("units", written[0].dataset.metadata.input.units.name))
            rows.append(("time", String(format: "%.1f s", Date().timeIntervalSince(t0))))
            printSummary("wrote \(out)", rows)
        }
    }
}
