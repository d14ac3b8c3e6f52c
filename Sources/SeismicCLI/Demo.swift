// seismic demo: the whole pipeline on built-in synthetic data, with no downloads.

import ArgumentParser
import Foundation
import SeismicIO
import SeismicTorch

extension Seismic {
    struct Demo: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the pipeline end to end on built-in synthetic records (no data needed).",
            discussion: """
                Synthesises QSIS-like SAC records and a mini STEAD, prepares windows from both, \
                pre-trains EarthquakeCNN on the STEAD part (P / S / Noise), fine-tunes it on the QSIS \
                part, evaluates, plots and writes --out/report.html. Prints each step and where its \
                output is. Then evaluates the fine-tuned model on real records of stations no model \
                here was trained on (--real, the repository's data/real-heldout: 24 records with \
                analyst picks, MIT) and prints that accuracy next to the synthetic one, with the \
                built-in model earthquake-real's on the same windows; each figure says what it was \
                measured on.

                Example: seismic demo --out demo-run
                """)

        @Option(help: "Output folder.") var out: String = "demo-run"
        @Option(parsing: .unconditional, help: "Synthetic QSIS earthquake records (as many noise records).") var records: Int = 600
        @Option(parsing: .unconditional, help: "Earthquakes in the synthetic mini STEAD (as many noise traces).") var stead: Int = 3000
        @Option(parsing: .unconditional, help: "Pre-training epochs.") var pretrainEpochs: Int = 12
        @Option(parsing: .unconditional, help: "Fine-tuning epochs.") var finetuneEpochs: Int = 10
        @Option(parsing: .unconditional, help: "Random seed (same seed, same result).") var seed: UInt64 = 1
        @Option(
            help:
                "Real records (a SeisBench dataset) to evaluate the fine-tuned model on, next to the synthetic figure (default: data/real-heldout of the repository, when run from it)."
        )
        var real: String?

        func validate() throws {
            try checkOption("records", records, .atLeast(20))
            try checkOption("stead", stead, .atLeast(100))
            try checkOption("pretrain-epochs", pretrainEpochs, .atLeast(1))
            try checkOption("finetune-epochs", finetuneEpochs, .atLeast(1))
            if let real {
                // Checked before minutes of synthesis and training.
                do { _ = try SeisBenchDataset(path: real) } catch { throw ValidationError("--real \(real): \(error)") }
            }
        }

        func run() throws {
            Seismic.prepareEngine()
            var settings = DemoPipeline.Settings()
            settings.qsisEvents = records
            settings.qsisNoise = records
            settings.steadEarthquakes = stead
            settings.pretrainEpochs = pretrainEpochs
            settings.finetuneEpochs = finetuneEpochs
            settings.seed = seed
            if let real {
                settings.realHeldOut = real
                settings.realHeldOutRequired = true
            }
            try DemoPipeline.run(context: Seismic.context, folder: out, settings: settings) { print($0) }
        }
    }
}
