// seismic demo: the whole pipeline on built-in synthetic data, with no downloads.

import ArgumentParser
import Foundation
import SeismicTorch

extension Seismic {
    struct Demo: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the pipeline end to end on built-in synthetic records (no data needed).",
            discussion: """
                Writes synthetic three-component SAC records, prepares P/S/noise windows from them,
                trains EarthquakeCNN, evaluates it and saves the checkpoint, all under --out.

                Example: seismic demo --out out/demo
                """)

        @Option(help: "Output folder.") var out: String = "out/demo"
        @Option(help: "Synthetic records to generate.") var records: Int = 1000
        @Option(help: "Training epochs.") var epochs: Int = 20
        @Option(help: "Random seed (same seed, same result).") var seed: UInt64 = 1

        func validate() throws {
            guard records >= 10 else { throw ValidationError("--records must be at least 10 for an 80/20 split, got \(records)") }
            guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1") }
        }

        func run() throws {
            Seismic.prepareEngine()
            let summary = try DemoPipeline.run(outputFolder: out, recordCount: records, epochs: epochs, seed: seed) { line in
                print(line)
            }
            print(summary)
        }
    }
}
