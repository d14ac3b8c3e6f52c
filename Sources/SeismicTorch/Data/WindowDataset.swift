// WindowDataset: prepared windows [N, length, components] with integer labels and class names.

import SeismicIO
import SeismicNN
import SeismicSignal

/// Windows ready for a model: float32 [count, length, components] (sample-major, the reference's
/// [N, 80, 3]) with a label per window indexing `classNames`.
public struct WindowDataset: Sendable, Equatable {
    public var windows: WindowBatch
    public var labels: [Int]
    public var classNames: [String]
    /// Shape of one model input item: [1, length, components] for time series (the default), or
    /// e.g. [3, 100, 150] for spectrogram images (stored with `components` = 1).
    public var inputShape: [Int]
    /// Windows the training-time chain left out before these, by reason ("no_signal",
    /// "at_least_2g"; `Preprocessing.trainingWindows(of:)`): reported in summaries and metrics.
    public var dropped: [String: Int] = [:]

    public init(windows: WindowBatch, labels: [Int], classNames: [String], inputShape: [Int]? = nil) {
        precondition(windows.count == labels.count, "\(windows.count) windows, \(labels.count) labels")
        precondition(labels.allSatisfy { (0..<classNames.count).contains($0) }, "label outside the class set")
        let shape = inputShape ?? [1, windows.length, windows.components]
        precondition(shape.reduce(1, *) == windows.windowSize, "input shape \(shape) does not hold \(windows.windowSize) values")
        self.windows = windows
        self.labels = labels
        self.classNames = classNames
        self.inputShape = shape
    }

    public var count: Int { labels.count }

    /// `dropped` as a sentence for logs ("12 of 500 windows dropped by the training-time chain: 10
    /// without signal, 2 reaching 2 g"), nil when none were.
    public var droppedSummary: String? { Self.droppedSummary(dropped, kept: count) }

    /// `dropped` (reason → count) as that sentence, with `kept` windows left.
    public static func droppedSummary(_ dropped: [String: Int], kept: Int) -> String? {
        let total = dropped.values.reduce(0, +)
        guard total > 0 else { return nil }
        let words = ["no_signal": "without signal (peak |x| ≤ 1e-8)", "at_least_2g": "reaching 2 g (19.62 m/s², clipped or not ground motion)"]
        return "\(total) of \(total + kept) windows dropped by the training-time chain: "
            + dropped.keys.sorted().filter { dropped[$0]! > 0 }.map { "\(dropped[$0]!) \(words[$0] ?? $0)" }.joined(separator: ", ")
    }

    /// Windows per class, in class order.
    public var classCounts: [Int] {
        var c = [Int](repeating: 0, count: classNames.count)
        for l in labels { c[l] += 1 }
        return c
    }

    public func subset(_ indices: [Int]) -> WindowDataset {
        WindowDataset(windows: windows.selecting(indices), labels: indices.map { labels[$0] }, classNames: classNames, inputShape: inputShape)
    }

    /// The model input [n] + `inputShape` for windows `indices` (the memory layout is the same).
    public func batch(_ indices: ArraySlice<Int>) -> (input: Tensor, labels: [Int]) {
        let size = windows.windowSize
        var storage = [Float](repeating: 0, count: indices.count * size)
        windows.values.withUnsafeBufferPointer { src in
            storage.withUnsafeMutableBufferPointer { dst in
                for (k, i) in indices.enumerated() {
                    (dst.baseAddress! + k * size).update(from: src.baseAddress! + i * size, count: size)
                }
            }
        }
        return (Tensor(shape: [indices.count] + inputShape, storage: storage), indices.map { labels[$0] })
    }

    /// A seeded split into (train, validation) with `validationFraction` of the windows held out.
    public func split(validationFraction: Double = 0.2, seed: UInt64) -> (train: [Int], validation: [Int]) {
        var rng = SeededGenerator(seed: seed)
        let order = Array(0..<count).shuffled(using: &rng)
        let validationCount = Int((Double(count) * validationFraction).rounded())
        return (Array(order[validationCount...]).sorted(), Array(order[..<validationCount]).sorted())
    }
}

extension WindowDataset {
    /// FNV-1a (64 bits, hex) of the window values' bits and the labels: tells whether a resumed run
    /// is given the data it started with.
    public var checksum: String {
        var h = FNV1a()
        windows.values.withUnsafeBytes { h.add($0) }
        labels.withUnsafeBytes { h.add($0) }
        return h.hex
    }
}
