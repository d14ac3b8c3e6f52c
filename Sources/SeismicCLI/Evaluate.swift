// seismic evaluate: a checkpoint on a prepared dataset — table, JSON and plots.

import ArgumentParser
import Foundation
import SeismicIO
import SeismicPlot
import SeismicTorch

extension Seismic {
    struct Evaluate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Evaluate a checkpoint: on a prepared dataset's windows, or by its picks on a SeisBench dataset's traces.",
            discussion: """
                --data: the dataset's windows get the training-time amplitude chain, then the model \
                runs in evaluation mode. Class names of checkpoint and dataset must agree. Prints \
                accuracy, the confusion matrix and per-class precision/recall/F1. --json writes the \
                metrics (with ROC-style score histograms); --plots DIR writes the confusion heat-map and \
                the histograms as SVG.

                --seisbench: each whole trace of the dataset's --split (test by default; all for every \
                trace) is classified as classify classifies a record (windows every --stride, picks by \
                --thresholds at window centres) and its picks are scored against the metadata's \
                arrivals (trace_p_arrival_sample, trace_s_arrival_sample): for each arrival the \
                nearest pick of its phase gives the residual (pick − analyst); the share within \
                --tolerance; false picks = picks before the first arrival minus the tolerance, per \
                hour of that pre-event noise. --json writes every trace's residuals and the \
                histograms; --plots DIR writes pick_residuals.svg. The dataset must be in the \
                model's units.

                Memory (--data): about 4 × the dataset's windows (float32, 960 bytes each for \
                EarthquakeCNN) + 100 MB; a dataset that would not fit in the memory available (the \
                machine's, the cgroup's or ulimit -v) is refused before it is read.

                Examples:
                  seismic evaluate --model runs/qsis/best.safetensors --data data/qsis_test.h5 --json eval.json
                  seismic evaluate --model runs/real/best.safetensors --seisbench data/real-heldout --split test
                """)

        @Option(help: "Checkpoint (.safetensors), or a built-in model's name (seismic models).") var model: String
        @Option(help: "Prepared dataset (.h5): evaluate its windows.") var data: String?
        @Option(help: "SeisBench dataset folder: evaluate picks on its traces.") var seisbench: String?
        @Option(help: "With --seisbench: the split column's value to evaluate (train, dev, test) or all.") var split: String = "test"
        @Option(parsing: .unconditional, help: "With --seisbench: seconds between window starts (at most 1; the picks' time resolution).")
        var stride: Double = 0.1
        @Option(parsing: .unconditional, help: "With --seisbench: largest |pick − analyst| counted as a hit, seconds.") var tolerance: Double = 0.5
        @Option(
            parsing: .unconditional,
            help: "With --seisbench: pick thresholds per class, e.g. P=0.6,S=0.5 (others 0.7, as classify).")
        var thresholds: String?
        @Option(help: "Write the metrics as JSON here.") var json: String?
        @Option(help: "Write the plots (SVG) into this folder.") var plots: String?

        func validate() throws {
            guard (data == nil) != (seisbench == nil) else {
                throw ValidationError("give one of --data (a prepared dataset's windows) or --seisbench (picks on a SeisBench dataset's traces)")
            }
            try checkOption("stride", stride, .above(0), .atMost(1))
            try checkOption("tolerance", tolerance, .above(0), .atMost(10))
            if data != nil {
                // Pick options mean nothing for a prepared dataset's windows.
                let given = [("--split", split != "test"), ("--stride", stride != 0.1), ("--tolerance", tolerance != 0.5), ("--thresholds", thresholds != nil)]
                if let (name, _) = given.first(where: \.1) {
                    throw ValidationError("\(name) applies to --seisbench (picks on whole traces), not to --data (a prepared dataset's windows)")
                }
            }
            // The dataset folder's own files are inputs too: metadata.csv, waveforms.hdf5, chunks.
            let folderFiles = seisbench.map { f in ((try? FileManager.default.contentsOfDirectory(atPath: f)) ?? []).map { f + "/" + $0 } } ?? []
            let inputs = [model] + [data].compactMap { $0 } + folderFiles
            try refuseOverwriting(
                inputs: inputs, with: json, plots.map { $0 + "/confusion_matrix.svg" }, plots.map { $0 + "/score_histograms.svg" },
                plots.map { $0 + "/pick_residuals.svg" })
            try checkOutputFolder(plots, option: "--plots", inputs: [seisbench].compactMap { $0 })
            try checkOutputFile(json, option: "--json")
            try refuseWritingOverData(json, writing: "the evaluation")
            guard !split.isEmpty else { throw ValidationError("--split is empty: give a value of the split column (train, dev, test) or all") }
            if let json, let seisbench, OutputPaths.resolve(json).hasPrefix(OutputPaths.resolve(seisbench) + "/") {
                throw ValidationError("--json \(json) is inside the dataset folder \(seisbench); write it elsewhere")
            }
        }

        func run() throws {
            Seismic.prepareEngine()
            if let seisbench {
                try evaluatePicks(seisbench)
                return
            }
            guard let data else { return }
            let result = try Evaluation.run(checkpoint: model, dataset: data)
            print(result.table)
            try writeJSON(result.json)
            if let plots {
                try FileManager.default.createDirectory(atPath: plots, withIntermediateDirectories: true)
                try AtomicFile.write(
                    TrainingRun.confusionPlot(result.confusion, title: String(format: "Accuracy = %.2f %%", result.confusion.accuracy * 100)),
                    to: plots + "/confusion_matrix.svg")
                try AtomicFile.write(result.histogramPlot, to: plots + "/score_histograms.svg")
                print("wrote \(plots)/confusion_matrix.svg, \(plots)/score_histograms.svg")
            }
        }

        private func evaluatePicks(_ folder: String) throws {
            let progress = Progress("traces:", unit: "traces")
            let result: PickEvaluation
            do {
                result = try PickEvaluation.run(
                    checkpoint: model, datasetPath: folder, split: split == "all" ? nil : split, thresholds: thresholds, strideSeconds: stride,
                    toleranceSeconds: tolerance
                ) { progress.update($0, of: $1) }
            } catch PickEvaluation.RunError.thresholds(let e) {
                throw ValidationError("--thresholds: \(e)")
            } catch PickEvaluation.RunError.spectrogramModel {
                throw ValidationError("--seisbench evaluates picks of time-series models; \(model) is a spectrogram model")
            }
            print(result.table)
            try writeJSON(result.json)
            if let plots {
                try FileManager.default.createDirectory(atPath: plots, withIntermediateDirectories: true)
                try AtomicFile.write(result.residualPlot, to: plots + "/pick_residuals.svg")
                print("wrote \(plots)/pick_residuals.svg")
            }
        }

        private func writeJSON(_ object: [String: Any]) throws {
            guard let json else { return }
            let d = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            try AtomicFile.write(String(decoding: d, as: UTF8.self), to: json)
            print("wrote \(json)")
        }
    }
}
