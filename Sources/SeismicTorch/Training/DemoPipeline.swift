// DemoPipeline: synthetic records → SAC → prepared windows → training → evaluation → checkpoint.

import Foundation
import SeismicIO
import SeismicNN
import SeismicSignal

/// The main job on built-in data, as `seismic demo` and `make demo` run it.
public enum DemoPipeline {
    /// Runs the pipeline in `outputFolder`; `log` receives progress lines. Returns a summary.
    public static func run(outputFolder: String, recordCount: Int, epochs: Int, seed: UInt64,
                           log: (String) -> Void) throws -> String {
        let fm = FileManager.default
        let recordsFolder = outputFolder + "/records"
        try fm.createDirectory(atPath: recordsFolder, withIntermediateDirectories: true)
        var rng = SeededGenerator(seed: seed)

        // 1. Synthetic QSIS-like records written as SAC triples in gal.
        var names: [String] = []
        for r in 0..<recordCount {
            let record = SyntheticRecord.generate(event: true, durationSeconds: 60, using: &rng)
            let name = String(format: "SYN%03d", r)
            try record.writeSAC(folder: recordsFolder, name: name)
            names.append(name)
        }
        log("wrote \(recordCount) synthetic records (3 SAC files each) to \(recordsFolder)")

        // 2. Read them back, prepare (gal → m/s², detrend, taper, high-pass), cut P, S and noise windows.
        let cutter = WindowCutter()
        var values: [Float] = []
        var labels: [Int] = []
        var skipped = 0
        for name in names {
            let (raw, traces, _) = try ThreeComponentRecord.read("\(recordsFolder)/\(name).HLX.sac")
            let w = try raw.mapComponents { $0.map { $0 * 0.01 } }.preparedLikeReference()
            let b = Double(traces[0].header.b ?? 0)
            guard let p = traces[0].header.float("a").map({ Double($0) - b }), let s = traces[0].header.float("t1").map({ Double($0) - b }) else {
                skipped += 1
                continue
            }
            let composite = w.compositeAmplitude
            let noiseArrival = max(0, p - 6)
            for (label, arrival, next) in [(0, p, Optional(s)), (1, s, nil), (2, noiseArrival, Optional(p))] {
                let start: Int?
                if label == 2 {
                    start = Int(noiseArrival * w.samplingRateHz) >= cutter.sourceSamples ? Int(noiseArrival * w.samplingRateHz) - cutter.sourceSamples : nil
                } else {
                    start = cutter.windowStart(in: w, composite: composite, arrival: arrival, nextArrival: next, using: &rng)
                }
                guard let st = start else { skipped += 1; continue }
                values += cutter.cut(w, start: st)
                labels.append(label)
            }
        }
        let batch = WindowBatch(values: values, count: labels.count, length: cutter.targetSamples, components: 3)
        let (windows, kept) = batch.referenceAmplitudeChain()
        let card = ModelCard.earthquakePretraining()
        let data = WindowDataset(windows: windows, labels: kept.map { labels[$0] }, classNames: card.classNames)
        log("prepared \(data.count) windows (P \(data.classCounts[0]), S \(data.classCounts[1]), noise \(data.classCounts[2])); skipped \(skipped + labels.count - kept.count)")

        // 3. Train EarthquakeCNN with the reference's settings (fewer epochs).
        var config = TrainingConfiguration()
        config.epochs = epochs
        config.seed = seed
        let model = ConvNet(card.architecture, seed: seed)
        let (trainIdx, valIdx) = data.split(validationFraction: 0.2, seed: seed)
        let trainer = Trainer(model: model, configuration: config)
        log("epoch  train loss  train acc  val loss  val acc      lr      s")
        let result = trainer.fit(data, train: trainIdx, validation: valIdx, onEpoch: { r, _ in
            log(String(format: "%5d  %10.4f  %8.2f%%  %8.4f  %6.2f%%  %.1e  %5.2f", r.epoch + 1, r.trainLoss, r.trainAccuracy * 100,
                       r.validationLoss, r.validationAccuracy * 100, r.learningRate, r.seconds))
            return true
        })

        // 4. Evaluate the best weights and save them with their card.
        var finalCard = card
        finalCard.history = result.history
        finalCard.notes = ["dataset": "synthetic demo, \(recordCount) records", "seed": "\(seed)"]
        let checkpoint = outputFolder + "/best.safetensors"
        try Checkpoint.save(model: trainer.best, card: finalCard, to: checkpoint)
        let confusion = result.bestConfusion
        var lines = ["", "best validation accuracy \(String(format: "%.2f", result.bestValidationAccuracy * 100)) % at epoch \(result.bestEpoch + 1)",
                     "confusion matrix (rows: true class, columns: predicted):"]
        for (i, name) in confusion.classNames.enumerated() {
            lines.append("  \(name.padding(toLength: 8, withPad: " ", startingAt: 0)) " + confusion.counts[i].map { String(format: "%6d", $0) }.joined())
        }
        lines.append("checkpoint: \(checkpoint)")
        return lines.joined(separator: "\n")
    }
}
