// Trainer: the reference's training loop — shuffled batches, Adam, StepLR, validation, best weights.

import Foundation
import SeismicNN

/// Hyper-parameters of a run; the defaults are the reference's.
public struct TrainingConfiguration: Codable, Equatable, Sendable {
    public var epochs = 50
    public var batchSize = 256
    public var learningRate = 1e-3
    public var stepSize = 7
    public var gamma = 0.5
    public var seed: UInt64 = 0

    public init() {}
}

/// What a finished (or stopped) run produced.
public struct TrainingResult: Sendable {
    public var history: [EpochRecord]
    public var bestEpoch: Int
    public var bestValidationAccuracy: Double
    /// Validation confusion matrix of the best epoch.
    public var bestConfusion: ConfusionMatrix
}

/// Trains a `ConvNet` on windows: per epoch, shuffled batches in train mode with Adam and the
/// StepLR learning rate, then validation in eval mode; the weights of the best validation accuracy
/// are kept in `best`. Deterministic for a seed on one machine.
public final class Trainer {
    public let model: ConvNet
    public let configuration: TrainingConfiguration
    public let optimizer: Adam
    /// Snapshot of the best-validation state.
    public let best: ConvNet
    private let schedule: StepLR

    public init(model: ConvNet, configuration: TrainingConfiguration, frozen: Set<String> = []) {
        self.model = model
        self.configuration = configuration
        optimizer = Adam(store: model.store, learningRate: Float(configuration.learningRate), frozen: frozen)
        schedule = StepLR(baseLearningRate: configuration.learningRate, stepSize: configuration.stepSize, gamma: configuration.gamma)
        best = ConvNet(model.architecture)
        best.store.copyState(from: model.store)
    }

    /// Mean loss, accuracy and confusion of `model` on `indices` of `data` in evaluation mode.
    public static func evaluate(_ model: ConvNet, on data: WindowDataset, indices: [Int], batchSize: Int = 1024)
        -> (loss: Double, accuracy: Double, confusion: ConfusionMatrix) {
        var confusion = ConfusionMatrix(classNames: data.classNames)
        var lossSum = 0.0
        var start = 0
        while start < indices.count {
            let slice = indices[start..<min(start + batchSize, indices.count)]
            let (x, y) = data.batch(slice)
            let logits = model.forward(x, training: false)
            lossSum += Double(CrossEntropy.loss(logits: logits, labels: y).loss) * Double(slice.count)
            for (p, t) in zip(logits.argmaxRows(), y) { confusion.add(truth: t, prediction: p) }
            start += batchSize
        }
        return (indices.isEmpty ? 0 : lossSum / Double(indices.count), confusion.accuracy, confusion)
    }

    /// Runs the epochs `startEpoch..<epochs`; `onEpoch` sees each record as it completes and may
    /// return false to stop after it.
    public func fit(_ data: WindowDataset, train: [Int], validation: [Int], startEpoch: Int = 0,
                    previous: [EpochRecord] = [],
                    onBatch: (Int, Int) -> Void = { _, _ in },
                    onEpoch: (EpochRecord, ConfusionMatrix) -> Bool = { _, _ in true }) -> TrainingResult {
        var history: [EpochRecord] = previous
        var bestAccuracy = previous.map(\.validationAccuracy).max() ?? -1
        var bestEpoch = previous.max { $0.validationAccuracy < $1.validationAccuracy }?.epoch ?? -1
        var bestConfusion = ConfusionMatrix(classNames: data.classNames)
        for epoch in startEpoch..<configuration.epochs {
            let t0 = Date()
            let lr = schedule.learningRate(epoch: epoch)
            optimizer.learningRate = Float(lr)
            var rng = SeededGenerator(seed: configuration.seed &+ UInt64(epoch) &* 0x9E37_79B9)
            let order = train.shuffled(using: &rng)
            var lossSum = 0.0, correct = 0, seen = 0
            var start = 0
            while start < order.count {
                let slice = order[start..<min(start + configuration.batchSize, order.count)]
                let (x, y) = data.batch(slice)
                model.store.zeroGradients()
                let logits = model.forward(x, training: true)
                let (loss, dLogits) = CrossEntropy.loss(logits: logits, labels: y)
                model.backward(dLogits)
                optimizer.update()
                lossSum += Double(loss) * Double(slice.count)
                correct += zip(logits.argmaxRows(), y).filter { $0 == $1 }.count
                seen += slice.count
                start += configuration.batchSize
                onBatch(seen, order.count)
            }
            let (valLoss, valAccuracy, confusion) = Self.evaluate(model, on: data, indices: validation)
            let record = EpochRecord(epoch: epoch, learningRate: lr, trainLoss: seen == 0 ? 0 : lossSum / Double(seen),
                                     trainAccuracy: seen == 0 ? 0 : Double(correct) / Double(seen), validationLoss: valLoss,
                                     validationAccuracy: valAccuracy, seconds: Date().timeIntervalSince(t0))
            history.append(record)
            if valAccuracy > bestAccuracy {
                bestAccuracy = valAccuracy
                bestEpoch = epoch
                bestConfusion = confusion
                best.store.copyState(from: model.store)
            }
            if !onEpoch(record, confusion) { break }
        }
        return TrainingResult(history: history, bestEpoch: bestEpoch, bestValidationAccuracy: bestAccuracy, bestConfusion: bestConfusion)
    }
}
