// seismic evaluate: a checkpoint on a prepared dataset — table, JSON and plots.

import ArgumentParser
import Foundation
import SeismicIO
import SeismicPlot
import SeismicTorch

extension Seismic {
    struct Evaluate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Evaluate a checkpoint on a prepared dataset: accuracy, confusion, precision/recall/F1.",
            discussion: """
                The dataset's windows get the training-time amplitude chain, then the model runs in \
                evaluation mode. Class names of checkpoint and dataset must agree. --json writes the \
                metrics (with ROC-style score histograms); --plots DIR writes the confusion heat-map and \
                the histograms as SVG.

                Memory: about 4 × the dataset's windows (float32, 960 bytes each for EarthquakeCNN) \
                + 100 MB; a dataset that would not fit in the memory available (the machine's, the \
                cgroup's or ulimit -v) is refused before it is read.

                Example: seismic evaluate --model runs/qsis/best.safetensors --data data/qsis_test.h5 --json eval.json
                """)

        @Option(help: "Checkpoint (.safetensors).") var model: String
        @Option(help: "Prepared dataset (.h5).") var data: String
        @Option(help: "Write the metrics as JSON here.") var json: String?
        @Option(help: "Write confusion_matrix.svg and score_histograms.svg into this folder.") var plots: String?

        func validate() throws {
            try refuseOverwriting(
                inputs: [model, data], with: json, plots.map { $0 + "/confusion_matrix.svg" },
                plots.map { $0 + "/score_histograms.svg" })
        }

        func run() throws {
            Seismic.prepareEngine()
            let result = try Evaluation.run(checkpoint: model, dataset: data)
            print(result.table)
            if let json {
                let d = try JSONSerialization.data(withJSONObject: result.json, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
                try AtomicFile.write(String(decoding: d, as: UTF8.self), to: json)
                print("wrote \(json)")
            }
            if let plots {
                try FileManager.default.createDirectory(atPath: plots, withIntermediateDirectories: true)
                try AtomicFile.write(
                    TrainingRun.confusionPlot(result.confusion, title: String(format: "Accuracy = %.2f %%", result.confusion.accuracy * 100)),
                    to: plots + "/confusion_matrix.svg")
                try AtomicFile.write(result.histogramPlot, to: plots + "/score_histograms.svg")
                print("wrote \(plots)/confusion_matrix.svg, \(plots)/score_histograms.svg")
            }
        }
    }
}
