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
                1–45 Hz as STEAD's traces). The same seed writes the same files.

                The physics (docs/DATA.md): noise between Peterson's low and high noise models with \
                the microseism peak, MEMS self-noise, traffic, machinery, impulsive transients, spikes, \
                steps and gaps; P and S waves from a Brune source with corner frequency, geometric \
                spreading, Q and κ (Boore's stochastic method), ak135 arrivals, polarisation and a \
                scattered coda.

                Example: seismic synth --out synthetic --events 200 --noise 200 --seed 1
                """)

        @Option(help: "Output folder.") var out: String
        @Option(parsing: .unconditional, help: "Earthquake records.") var events: Int = 100
        @Option(parsing: .unconditional, help: "Noise records.") var noise: Int = 100
        @Option(parsing: .unconditional, help: "Active-source records.") var activeSources: Int = 20
        @Option(parsing: .unconditional, help: "Earthquake traces in the mini STEAD (as many noise traces).") var stead: Int = 200
        @Option(parsing: .unconditional, help: "Record length in seconds.") var duration: Double = 480
        @Option(parsing: .unconditional, help: "Random seed.") var seed: UInt64 = 0
        @Option(help: "Also write one SVG plot per kind of record into this folder.") var plots: String?

        func validate() throws {
            try checkOption("events", events, .atLeast(0))
            try checkOption("noise", noise, .atLeast(0))
            try checkOption("active-sources", activeSources, .atLeast(0))
            try checkOption("stead", stead, .atLeast(0))
            try checkOption("duration", duration, .atLeast(60), .atMost(86_400))
        }

        func run() throws {
            let t0 = Date()
            try SyntheticCorpus.writeQSIS(folder: out + "/data_QSIS_Event", kind: .earthquake, count: events, durationSeconds: duration, seed: seed)
            try SyntheticCorpus.writeQSIS(folder: out + "/data_QSIS_Noise", kind: .noise, count: noise, durationSeconds: duration, seed: seed)
            try SyntheticCorpus.writeQSIS(
                folder: out + "/data_active_source", kind: .activeSource, count: activeSources,
                durationSeconds: duration, seed: seed)
            if stead > 0 { try SyntheticCorpus.writeSTEAD(folder: out + "/stead", earthquakes: stead, noise: stead, seed: seed) }
            if let plots {
                try FileManager.default.createDirectory(atPath: plots, withIntermediateDirectories: true)
                for (dir, name) in [("data_QSIS_Event", "earthquake"), ("data_QSIS_Noise", "noise"), ("data_active_source", "active_source")] {
                    if let first = QSIS.recordFiles(in: out + "/" + dir).first {
                        try AtomicFile.write(try DemoPipeline.recordPlot(first), to: "\(plots)/synthetic_\(name).svg")
                    }
                }
            }
            printSummary(
                "wrote \(out)",
                [
                    ("data_QSIS_Event", "\(events) records × 3 SAC files"), ("data_QSIS_Noise", "\(noise) records × 3 SAC files"),
                    ("data_active_source", "\(activeSources) records × 3 SAC files"),
                    ("stead", "\(stead) earthquake + \(stead) noise traces (merged.hdf5, merged.csv)"),
                    ("time", String(format: "%.1f s", Date().timeIntervalSince(t0)))
                ])
        }
    }
}
