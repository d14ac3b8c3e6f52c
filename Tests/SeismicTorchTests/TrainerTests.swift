// Training: bit-identical runs for a seed, learning on separable data, head replacement.

import Foundation
import SeismicNN
import SeismicSignal
import SeismicTorch
import TestSupport
import Testing

/// Three classes of windows that differ in which component carries a tone.
private func toyDataset(count: Int, seed: UInt64) -> WindowDataset {
    var rng = TestRNG(seed: seed)
    var values: [Float] = []
    var labels: [Int] = []
    for i in 0..<count {
        let label = i % 3
        for t in 0..<80 {
            for c in 0..<3 {
                let tone: Float = c == label ? sin(Float(t) * 0.7) : 0
                values.append(tone + Float.random(in: -0.3...0.3, using: &rng))
            }
        }
        labels.append(label)
    }
    return WindowDataset(
        windows: WindowBatch(values: values, count: count, length: 80, components: 3),
        labels: labels, classNames: ["a", "b", "c"])
}

@Suite struct TrainerTests {
    private func train(seed: UInt64) -> (ConvNet, TrainingResult) {
        let data = toyDataset(count: 300, seed: 2)
        var config = TrainingConfiguration()
        config.epochs = 3
        config.batchSize = 64
        config.seed = seed
        let model = ConvNet(.earthquake(), seed: seed)
        let (train, val) = data.split(validationFraction: 0.2, seed: seed)
        let result = Trainer(model: model, configuration: config).fit(data, train: train, validation: val)
        return (model, result)
    }

    @Test func sameSeedGivesBitIdenticalTraining() {
        let (a, ra) = train(seed: 7)
        let (b, rb) = train(seed: 7)
        #expect(ra.history.map(\.trainLoss) == rb.history.map(\.trainLoss))
        #expect(
            Array(UnsafeBufferPointer(start: a.store.values, count: a.store.parameterCount))
                == Array(UnsafeBufferPointer(start: b.store.values, count: b.store.parameterCount)))
        let (c, _) = train(seed: 8)
        #expect(
            Array(UnsafeBufferPointer(start: a.store.values, count: a.store.parameterCount))
                != Array(UnsafeBufferPointer(start: c.store.values, count: c.store.parameterCount)))
    }

    /// A last batch with fewer windows than threads (here 1 window, 3 threads): the threads without
    /// a share contribute nothing, and the epoch's loss stays the mean over the windows seen.
    @Test func lastBatchSmallerThanTheThreadCount() {
        let data = toyDataset(count: 129, seed: 3)
        var config = TrainingConfiguration()
        config.epochs = 1
        config.batchSize = 64
        let trainer = Trainer(model: ConvNet(.earthquake(), seed: 1), configuration: config)
        trainer.workers = 3
        let result = trainer.fit(data, train: Array(0..<129), validation: Array(0..<9))
        #expect(result.history.count == 1 && result.history[0].trainLoss.isFinite && result.history[0].trainLoss > 0)
        #expect((0..<trainer.model.store.parameterCount).allSatisfy { trainer.model.store.values[$0].isFinite })
    }

    @Test func learnsSeparableWindowsAndKeepsBestWeights() {
        let (_, result) = train(seed: 3)
        #expect(result.history.count == 3)
        #expect(result.history.last!.trainLoss < result.history.first!.trainLoss)
        #expect(result.bestValidationAccuracy == result.history.map(\.validationAccuracy).max())
        #expect(result.bestConfusion.total == 60)
    }

    @Test func splitIsSeededDisjointAndComplete() {
        let data = toyDataset(count: 101, seed: 1)
        let (t, v) = data.split(validationFraction: 0.2, seed: 5)
        #expect(Set(t).isDisjoint(with: v))
        #expect(Set(t + v) == Set(0..<101))
        #expect(v.count == 20)
        #expect(data.split(validationFraction: 0.2, seed: 5).validation == v)
    }

    @Test func replacingTheHeadKeepsEverythingElse() {
        let model = ConvNet(.earthquake(), seed: 4)
        let tuned = model.replacingHead(classCount: 5, seed: 9)
        #expect(tuned.architecture.classCount == 5)
        #expect(tuned.store.tensor("fc3.weight").shape == [5, 16])
        for name in ["conv1.weight", "bn2.running_var", "fc2.bias"] { #expect(tuned.store.tensor(name) == model.store.tensor(name)) }
    }
}
