// seismic synth: write the built-in synthetic data (QSIS SAC folders and a mini STEAD).

import ArgumentParser
import Foundation
import SeismicIO
import SeismicPlot
import SeismicTorch

extension Seismic {
    struct Synth: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write synthetic records: QSIS-style SAC folders and a mini STEAD, from a seed.",
            discussion: """
                Writes under --out: data_QSIS_Event/<station>/…HLX/HLY/HLZ.sac (local earthquakes on \
                MEMS accelerometers, 480 s at 100 Hz in gal, with station and event coordinates, depth, \
                B = −trigger and P/S picks), data_QSIS_Noise/ (noise only), data_active_source/ \
                (explosions and hammer shots: short, high-frequency, no S) and stead/merged.hdf5 + \
                merged.csv in STEAD's layout (broadband seismometers: velocity in counts, band-passed \
                1–45 Hz as STEAD's traces). The same seed writes the same records: the SAC files and \
                merged.csv byte for byte, merged.hdf5's data (HDF5 stores its objects' write times). \
                Refused before writing: a run larger than the free space, and a folder that already \
                holds an earlier run's records.

                The physics (docs/DATA.md): noise between Peterson's low and high noise models with \
                the microseism peak, MEMS self-noise, traffic, machinery, impulsive transients, spikes, \
                steps and gaps; P and S waves from a Brune source with corner frequency, geometric \
                spreading, Q and κ (Boore's stochastic method), ak135 arrivals, polarisation and a \
                scattered coda.

                Example: seismic synth --out synthetic --events 200 --noise 200 --seed 1
                """)

        @Option(help: "Output folder (new or empty of earlier synthetic records).") var out: String
        @Option(parsing: .unconditional, help: "Earthquake records (0…1,000,000).") var events: Int = 100
        @Option(parsing: .unconditional, help: "Noise records (0…1,000,000).") var noise: Int = 100
        @Option(parsing: .unconditional, help: "Active-source records (0…1,000,000).") var activeSources: Int = 20
        @Option(parsing: .unconditional, help: "Earthquake traces in the mini STEAD, as many noise traces (0…1,000,000).") var stead: Int = 200
        @Option(parsing: .unconditional, help: "Record length of the QSIS records in seconds (60…86,400).") var duration: Double = 480
        @Option(parsing: .unconditional, help: "Random seed.") var seed: UInt64 = 0
        @Option(help: "Also write one SVG plot per kind of record into this folder.") var plots: String?

        /// The folders a run writes, by option.
        private var parts: [(folder: String, count: Int)] {
            [("data_QSIS_Event", events), ("data_QSIS_Noise", noise), ("data_active_source", activeSources), ("stead", stead)]
        }

        func validate() throws {
            try checkOption("events", events, .atLeast(0), .atMost(1_000_000))
            try checkOption("noise", noise, .atLeast(0), .atMost(1_000_000))
            try checkOption("active-sources", activeSources, .atLeast(0), .atMost(1_000_000))
            try checkOption("stead", stead, .atLeast(0), .atMost(1_000_000))
            try checkOption("duration", duration, .atLeast(60), .atMost(86_400))
            try checkOutputFolder(out, option: "--out")
            try checkOutputFolder(plots, option: "--plots")
            guard parts.contains(where: { $0.count > 0 }) else { throw ValidationError("nothing to write: every count is 0") }
            // Records of an earlier run would mix with this one's (another seed, other counts).
            for part in parts where part.count > 0 {
                let folder = out + "/" + part.folder
                if let entries = try? FileManager.default.contentsOfDirectory(atPath: folder), !entries.isEmpty {
                    throw ValidationError(
                        "\(folder) already holds \(entries.count) entries of an earlier run: they would mix with this run's; remove it or choose another --out")
                }
            }
            // The size, before writing: 3 SAC files per record (632 + 4 × samples bytes each) and
            // 72 kB per STEAD trace, against the free space where --out is.
            let samples = Double(Int(duration * 100))
            let bytes = Double(events + noise + activeSources) * 3 * (632 + 4 * samples) + Double(2 * stead) * 73_000
            let existing = nearestExistingPath(out)
            if let free = (try? FileManager.default.attributesOfFileSystem(forPath: existing))?[.systemFreeSize] as? NSNumber, bytes > free.doubleValue {
                throw ValidationError(
                    String(format: "this run would write about %.1f GB; %@ has %.1f GB free", bytes / 1e9, existing, free.doubleValue / 1e9))
            }
        }

        func run() throws {
            let t0 = Date()
            try SyntheticCorpus.writeQSIS(folder: out + "/data_QSIS_Event", kind: .earthquake, count: events, durationSeconds: duration, seed: seed)
            try SyntheticCorpus.writeQSIS(folder: out + "/data_QSIS_Noise", kind: .noise, count: noise, durationSeconds: duration, seed: seed)
            try SyntheticCorpus.writeQSIS(
                folder: out + "/data_active_source", kind: .activeSource, count: activeSources,
                durationSeconds: duration, seed: seed)
            if stead > 0 { try SyntheticCorpus.writeSTEAD(folder: out + "/stead", earthquakes: stead, noise: stead, seed: seed) }
            var written: [String] = []
            if let plots {
                try FileManager.default.createDirectory(atPath: plots, withIntermediateDirectories: true)
                for (dir, name) in [("data_QSIS_Event", "earthquake"), ("data_QSIS_Noise", "noise"), ("data_active_source", "active_source")] {
                    if let first = QSIS.recordFiles(in: out + "/" + dir).first {
                        try AtomicFile.write(try DemoPipeline.recordPlot(first), to: "\(plots)/synthetic_\(name).svg")
                        written.append("synthetic_\(name).svg")
                    }
                }
            }
            let describe = [
                "data_QSIS_Event": "\(events) earthquake records × 3 SAC files", "data_QSIS_Noise": "\(noise) noise records × 3 SAC files",
                "data_active_source": "\(activeSources) active-source records × 3 SAC files",
                "stead": "\(stead) earthquake + \(stead) noise traces (merged.hdf5, merged.csv)"
            ]
            printSummary(
                "wrote \(out)",
                parts.filter { $0.count > 0 }.map { ($0.folder, describe[$0.folder]!) }
                    + (plots.map { [("plots", "\($0): " + written.joined(separator: ", "))] } ?? [])
                    + [("time", String(format: "%.1f s", Date().timeIntervalSince(t0)))])
        }
    }
}
