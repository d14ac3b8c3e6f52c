// Evaluation: a checkpoint on a dataset — accuracy, confusion, per-class scores, score histograms.

import Foundation
import SeismicNN
import SeismicPlot

/// The result of evaluating a model on windows.
public struct Evaluation: Sendable {
    public var confusion: ConfusionMatrix
    public var meanLoss: Double
    /// For each class c: histogram (20 bins over 0…1) of P(c) for windows of class c (`positive`)
    /// and of the other classes (`negative`) — the ROC-style view of how well c separates.
    public var positiveHistogram: [[Int]]
    public var negativeHistogram: [[Int]]
    /// Windows of the dataset the training-time chain left out, by reason (`WindowDataset.dropped`).
    public var dropped: [String: Int] = [:]

    public static let bins = 20

    /// The checkpoint at `modelPath` on the prepared dataset at `dataPath`, after the training-time
    /// amplitude chain. Throws `CheckpointError` or `DatasetError` (both naming their file) when either
    /// is invalid, when the dataset does not fit the model (`checkCompatible`, same classes), or when
    /// it has no windows (none in the file, or none left by the amplitude chain).
    public static func run(checkpoint modelPath: String, dataset dataPath: String) throws -> Evaluation {
        let (model, card) = try Checkpoint.load(from: modelPath)
        try PreparedDataset.requireMemory(toLoad: dataPath, for: "evaluating on \(dataPath)")
        let prepared = try PreparedDataset.load(from: dataPath)
        try prepared.checkCompatible(with: card, modelPath: modelPath, path: dataPath, use: .evaluation)
        guard prepared.count > 0 else { throw DatasetError.noWindows(path: dataPath, reason: "X holds 0 windows") }
        let data = card.preprocessing.trainingWindows(of: prepared)
        guard data.count > 0 else {
            throw DatasetError.noWindows(path: dataPath, reason: data.droppedSummary ?? "no windows left by the training-time chain")
        }
        var evaluation = try run(model: model, data: data, modelName: modelPath)
        evaluation.dropped = data.dropped
        return evaluation
    }

    /// `model` on `data` in evaluation mode, 1024 windows at a time (see the general `run`).
    /// - Throws: `ModelOutputError` naming `modelName` and the windows when the logits are not finite.
    public static func run(model: ConvNet, data: WindowDataset, batchSize: Int = 1024, modelName: String = "the model") throws -> Evaluation {
        try run(model: model, data: data, batchSize: batchSize) { logits, idx in
            try ModelOutputError.check(logits, model: modelName, context: "windows \(idx.first!)…\(idx.last!) of the dataset")
        }
    }

    /// The one evaluator (training's validation, `evaluate`, the demo): `model` on the windows
    /// `indices` of `data` (all when nil), `batchSize` at a time, in evaluation mode. Mean
    /// cross-entropy over the windows; the prediction of a window is the argmax of its logits (as
    /// `torch.argmax`; the same as of its probabilities, without softmax's rounding ties); the
    /// score histograms bin its softmax probabilities. With `collective`, each process evaluates
    /// its contiguous share of `indices` and the counts, histograms and loss are summed over the
    /// processes (every rank gets the whole result).
    /// - Parameter check: called with each batch's logits [n, classes] and its window indices,
    ///   before they are used; what it throws ends the evaluation. With `collective`, a check that
    ///   throws on one process leaves the others waiting in the sum: give one that cannot throw
    ///   (training passes a no-op) or make every process throw alike.
    public static func run(
        model: ConvNet, data: WindowDataset, indices: [Int]? = nil, batchSize: Int = 1024, collective: Collective? = nil,
        check: (Tensor, ArraySlice<Int>) throws -> Void
    ) rethrows -> Evaluation {
        let k = data.classNames.count
        let all = indices ?? Array(0..<data.count)
        let mine = collective.map { Trainer.share(all[...], of: $0) } ?? all[...]
        var confusion = ConfusionMatrix(classNames: data.classNames)
        var pos = Array(repeating: Array(repeating: 0, count: bins), count: k)
        var neg = pos
        var loss = 0.0
        var start = mine.startIndex
        while start < mine.endIndex {
            let idx = mine[start..<min(start + batchSize, mine.endIndex)]
            let (x, y) = data.batch(idx)
            let logits = model.forward(x, training: false)
            try check(logits, idx)
            loss += Double(CrossEntropy.loss(logits: logits, labels: y).loss) * Double(idx.count)
            let p = CrossEntropy.softmax(logits)
            for (r, (truth, prediction)) in zip(y, logits.argmaxRows()).enumerated() {
                confusion.add(truth: truth, prediction: prediction)
                // A non-finite score (a diverged model in training, which `check` let through and
                // whose loss says so) has no bin.
                for c in 0..<k where p.storage[r * k + c].isFinite {
                    let b = min(max(Int(p.storage[r * k + c] * Float(bins)), 0), bins - 1)
                    if c == truth { pos[c][b] += 1 } else { neg[c][b] += 1 }
                }
            }
            start += batchSize
        }
        if let collective {
            // One sum over the processes: confusion, both histograms, the loss.
            var flat = (confusion.counts + pos + neg).flatMap { $0.map(Double.init) } + [loss]
            flat.withUnsafeMutableBufferPointer { collective.sum($0.baseAddress!, count: $0.count) }
            func rows(_ from: Int, _ count: Int, _ width: Int) -> [[Int]] {
                (0..<count).map { r in (0..<width).map { Int(flat[from + r * width + $0]) } }
            }
            confusion.counts = rows(0, k, k)
            pos = rows(k * k, k, bins)
            neg = rows(k * k + k * bins, k, bins)
            loss = flat[flat.count - 1]
        }
        return Evaluation(
            confusion: confusion, meanLoss: all.isEmpty ? 0 : loss / Double(all.count),
            positiveHistogram: pos, negativeHistogram: neg)
    }

    public var json: [String: Any] {
        TrainingRun.metricsJSON(
            confusion,
            extra: [
                "mean_loss": meanLoss, "windows": confusion.total, "dropped_windows": dropped,
                "score_histograms": Dictionary(
                    uniqueKeysWithValues: confusion.classNames.enumerated().map {
                        ($1, ["bins": Self.bins, "own_class": positiveHistogram[$0], "other_classes": negativeHistogram[$0]])
                    })
            ])
    }

    /// A readable table: accuracy, confusion (counts and row-normalised), precision/recall/F1.
    public var table: String {
        let c = confusion
        let w = max(13, (c.classNames.map(\.count).max() ?? 0) + 2)
        func pad(_ s: String) -> String { s.padding(toLength: w, withPad: " ", startingAt: 0) }
        var lines = [
            String(format: "accuracy %.2f %% on %d windows (mean loss %.4f)", c.accuracy * 100, c.total, meanLoss)
                + (WindowDataset.droppedSummary(dropped, kept: c.total).map { "\n" + $0 } ?? ""), "",
            "confusion (rows: true, columns: predicted)", pad("") + c.classNames.map { pad($0) }.joined()
        ]
        for (i, n) in c.classNames.enumerated() {
            lines.append(pad(n) + c.counts[i].indices.map { pad(String(format: "%d (%.2f)", c.counts[i][$0], c.rowNormalized[i][$0])) }.joined())
        }
        lines += ["", pad("class") + pad("precision") + pad("recall") + pad("F1") + "support"]
        for (i, n) in c.classNames.enumerated() {
            lines.append(
                pad(n) + pad(String(format: "%.3f", c.precision(i))) + pad(String(format: "%.3f", c.recall(i)))
                    + pad(String(format: "%.3f", c.f1(i))) + "\(c.counts[i].reduce(0, +))")
        }
        return lines.joined(separator: "\n")
    }

    /// Score histograms as SVG: one panel per class, own class vs the others.
    public var histogramPlot: String {
        let centres = (0..<Self.bins).map { (Double($0) + 0.5) / Double(Self.bins) }
        return LinePlot(
            title: "Class probability histograms",
            panels: confusion.classNames.enumerated().map { c, name in
                Panel(
                    title: "P(\(name))", xLabel: "Predicted probability", yLabel: "Windows",
                    series: [
                        Series(name: name, x: centres, y: positiveHistogram[c].map(Double.init), color: Palette.blue),
                        Series(name: "other classes", x: centres, y: negativeHistogram[c].map(Double.init), color: Palette.red, dashed: true)
                    ])
            }, columns: confusion.classNames.count
        ).svg()
    }
}
