// Classifier: class probabilities over time for whole records, with the checkpoint's preprocessing.

import Foundation
import SeismicIO
import SeismicNN
import SeismicSignal

/// One window's prediction.
public struct WindowPrediction: Sendable, Equatable {
    /// Seconds from the record's first sample to the window's first sample.
    public var startSeconds: Double
    public var probabilities: [Float]
    public var label: Int

    public init(startSeconds: Double, probabilities: [Float], label: Int) {
        self.startSeconds = startSeconds
        self.probabilities = probabilities
        self.label = label
    }
}

/// A record's predictions and their summary.
public struct RecordClassification: Sendable {
    public var source: String
    public var startTime: Double
    public var windowSeconds: Double
    public var classNames: [String]
    public var predictions: [WindowPrediction]

    public init(source: String, startTime: Double, windowSeconds: Double, classNames: [String], predictions: [WindowPrediction]) {
        self.source = source
        self.startTime = startTime
        self.windowSeconds = windowSeconds
        self.classNames = classNames
        self.predictions = predictions
    }

    /// The class treated as "nothing happening": a class named Noise, else the last class.
    public var backgroundClass: Int { classNames.firstIndex { $0.lowercased() == "noise" } ?? classNames.count - 1 }

    /// Whether any window is predicted as something other than the background class.
    public var hasEvent: Bool { predictions.contains { $0.label != backgroundClass } }

    /// Start of the first window predicted as `classIndex`, seconds from the record start.
    public func firstWindow(of classIndex: Int) -> Double? { predictions.first { $0.label == classIndex }?.startSeconds }

    /// Highest probability of each class over the record.
    public var maxProbabilities: [Float] {
        classNames.indices.map { c in predictions.map { $0.probabilities[c] }.max() ?? 0 }
    }
}

/// Runs a time-series model over records: the record chain of its card (detrend, taper, high-pass),
/// sliding windows of the card's duration every `strideSeconds`, each resampled to the card's
/// window length, the amplitude chain (normalise → int16 → normalise), then the model in batches.
public struct Classifier {
    public let model: ConvNet
    public let card: ModelCard
    public var strideSeconds: Double
    public var batchSize = 4096

    public init(model: ConvNet, card: ModelCard, strideSeconds: Double = 0.5) {
        precondition(card.architecture.inputShape[0] == 1, "the classifier runs time-series models ([N, 1, length, components])")
        self.model = model
        self.card = card
        self.strideSeconds = strideSeconds
    }

    public var windowSeconds: Double { Double(card.windowSamples) / card.samplingRateHz }

    public enum ClassifyError: Error, CustomStringConvertible {
        case components(found: Int, expected: Int)
        case tooShort(seconds: Double, window: Double)
        public var description: String {
            switch self {
            case .components(let f, let e): return "the record has \(f) components, the model takes \(e)"
            case .tooShort(let s, let w): return String(format: "the record lasts %.2f s, shorter than one %.2f s window", s, w)
            }
        }
    }

    /// Predictions for every window of `waveform` (already in the card's units).
    public func classify(_ waveform: Waveform, source: String = "") throws -> RecordClassification {
        let comps = card.architecture.inputShape[2]
        guard waveform.componentCount == comps else { throw ClassifyError.components(found: waveform.componentCount, expected: comps) }
        guard waveform.durationSeconds >= windowSeconds else { throw ClassifyError.tooShort(seconds: waveform.durationSeconds, window: windowSeconds) }
        let p = card.preprocessing
        let prepared = try waveform.detrended().tapered(maxPercentage: p.taperFraction)
            .highpassed(cornerHz: p.highpassCornerHz, corners: p.highpassCorners)
        let rate = prepared.samplingRateHz
        let sourceSamples = Int((windowSeconds * rate).rounded())
        let step = max(1, Int((strideSeconds * rate).rounded()))
        let starts = Array(stride(from: 0, through: prepared.npts - sourceSamples, by: step))
        let length = card.windowSamples
        let size = length * comps
        // Cut, resample and normalise windows in parallel chunks (one cutter per chunk).
        var values = [Float](repeating: 0, count: starts.count * size)
        values.withUnsafeMutableBufferPointer { out in
            let base = UncheckedFloats(pointer: out.baseAddress!)
            Parallel.forEachChunk(starts.count, minimumPerChunk: 64) { _, range in
                let cutter = WindowCutter(sourceSamples: sourceSamples, targetSamples: length)
                for w in range {
                    cutter.cut(prepared, start: starts[w]).withUnsafeBufferPointer { (base.pointer + w * size).update(from: $0.baseAddress!, count: size) }
                }
            }
        }
        let batch = WindowBatch(values: values, count: starts.count, length: length, components: comps)
        let normalized = batch.quantizedNormalized()
        var predictions: [WindowPrediction] = []
        predictions.reserveCapacity(starts.count)
        var first = 0
        while first < starts.count {
            let n = min(batchSize, starts.count - first)
            let x = Tensor(shape: [n, 1, length, comps], storage: Array(normalized.values[(first * size)..<((first + n) * size)]))
            let probs = model.predict(x)
            try ModelOutputError.check(probs, model: "the model", context: "windows from \(Double(starts[first]) / rate) s of \(source)")
            let k = card.classNames.count
            for r in 0..<n {
                let row = Array(probs.storage[(r * k)..<((r + 1) * k)])
                predictions.append(WindowPrediction(startSeconds: Double(starts[first + r]) / rate, probabilities: row,
                                                    label: row.indices.max { row[$0] < row[$1] }!))
            }
            first += n
        }
        return RecordClassification(source: source, startTime: waveform.startTime, windowSeconds: windowSeconds,
                                    classNames: card.classNames, predictions: predictions)
    }
}

private struct UncheckedFloats: @unchecked Sendable { let pointer: UnsafeMutablePointer<Float> }
