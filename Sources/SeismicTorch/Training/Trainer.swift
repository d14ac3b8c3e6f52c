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
    /// Model replicas trained in threads of this process (nil: all cores for models under a million
    /// parameters, one otherwise; ignored under MPI). The gradient of a batch is the sum of the
    /// replicas' shares in rank order, so the count sets the rounding: K threads give the bits of
    /// K MPI ranks, and other counts agree to float rounding.
    public var threads: Int? = nil

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
    /// Data-parallel training: every process takes its contiguous share of each global batch,
    /// BatchNorm statistics are synchronised, gradients are summed in one call per step and dropout
    /// masks follow the sample's place in the global batch, so K processes compute what one process
    /// computes (to float rounding).
    public var collective: Collective? {
        didSet { model.setBatchNormCollective(collective) }
    }

    public init(model: ConvNet, configuration: TrainingConfiguration, frozen: Set<String> = []) {
        self.model = model
        self.configuration = configuration
        optimizer = Adam(store: model.store, learningRate: Float(configuration.learningRate), frozen: frozen)
        self.frozen = frozen
        schedule = StepLR(baseLearningRate: configuration.learningRate, stepSize: configuration.stepSize, gamma: configuration.gamma)
        best = ConvNet(model.architecture)
        best.store.copyState(from: model.store)
    }

    /// This process's contiguous share of `batch` (rank r of K takes [r·n/K, (r+1)·n/K)).
    static func share(_ batch: ArraySlice<Int>, of c: Collective) -> ArraySlice<Int> {
        let n = batch.count
        let lo = batch.startIndex + c.rank * n / c.size, hi = batch.startIndex + (c.rank + 1) * n / c.size
        return batch[lo..<hi]
    }

    /// Threads that train in data parallel inside this process: each takes a share of every batch
    /// with its own replica of the model (synchronised BatchNorm, one gradient sum per step), which
    /// uses the cores far better than splitting each small layer. By default all cores for models
    /// under a million parameters (EarthquakeCNN), one otherwise; ignored under MPI.
    public lazy var workers: Int =
        configuration.threads
        ?? (model.store.parameterCount < 1_000_000 ? Parallel.effectiveWorkers : 1)
    private var replicas: [(model: ConvNet, optimizer: Adam)] = []
    private let frozen: Set<String>

    /// Replicas 1…workers−1, copied from the model and its optimizer state.
    private func prepareReplicas() {
        guard replicas.count != workers - 1 else { return }
        replicas = (1..<workers).map { w in
            let replica = ConvNet(model.architecture, seed: configuration.seed &+ UInt64(w))
            replica.store.copyState(from: model.store)
            replica.dropoutProbability = model.dropoutProbability
            // The same generators as the model: each step's key is shared, masks follow the sample,
            // and the replicas' generators stay equal to the model's (saved with it).
            replica.dropoutGenerators = model.dropoutGenerators
            let adam = Adam(store: replica.store, learningRate: optimizer.learningRate, frozen: frozen)
            let n = model.store.parameterCount
            adam.restore(
                step: optimizer.step, first: Array(UnsafeBufferPointer(start: optimizer.firstMoment, count: n)),
                second: Array(UnsafeBufferPointer(start: optimizer.secondMoment, count: n)))
            return (replica, adam)
        }
    }

    /// One pass over `order` in batches: forward, backward, gradient sum (data parallel), update.
    static func trainEpoch(
        model: ConvNet, optimizer: Adam, collective: Collective?, data: WindowDataset, order: [Int],
        batchSize: Int, onBatch: (Int, Int) -> Void
    ) -> (lossSum: Double, correct: Int, seen: Int) {
        var lossSum = 0.0, correct = 0, seen = 0
        var start = 0
        while start < order.count {
            let global = order[start..<min(start + batchSize, order.count)]
            let slice = collective.map { share(global, of: $0) } ?? global
            // Dropout masks are indexed by position in the global batch: every share draws the
            // values one process would draw for the whole batch.
            model.setDropoutOffset(firstSample: slice.startIndex - global.startIndex)
            let (x, y) = data.batch(slice)
            model.store.zeroGradients()
            let logits = model.forward(x, training: true)
            var (loss, dLogits) = CrossEntropy.loss(logits: logits, labels: y)
            if let col = collective {
                // The mean over the global batch: scale the local mean's gradient by n_local / n,
                // then one sum over the whole gradient arena.
                let f = Float(slice.count) / Float(global.count)
                for i in dLogits.storage.indices { dLogits.storage[i] *= f }
                model.backward(dLogits)
                col.sum(model.store.gradients, count: model.store.parameterCount)
                // A share can be empty (a last batch smaller than the process count): it adds nothing
                // (its mean loss over no windows is NaN, as in PyTorch).
                var stats = [
                    slice.isEmpty ? 0 : Double(loss) * Double(slice.count),
                    Double(zip(logits.argmaxRows(), y).filter { $0 == $1 }.count)
                ]
                stats.withUnsafeMutableBufferPointer { col.sum($0.baseAddress!, count: 2) }
                lossSum += stats[0]
                correct += Int(stats[1])
                loss = Float(stats[0] / Double(global.count))
            } else {
                model.backward(dLogits)
                lossSum += Double(loss) * Double(slice.count)
                correct += zip(logits.argmaxRows(), y).filter { $0 == $1 }.count
            }
            optimizer.update()
            seen += global.count
            start += batchSize
            onBatch(seen, order.count)
        }
        return (lossSum, correct, seen)
    }

    /// Runs the epochs `startEpoch..<epochs`; `onEpoch` sees each record as it completes and may
    /// return false to stop after it.
    public func fit(
        _ data: WindowDataset, train: [Int], validation: [Int], startEpoch: Int = 0,
        previous: [EpochRecord] = [],
        onBatch: (Int, Int) -> Void = { _, _ in },
        onEpoch: (EpochRecord, ConfusionMatrix) -> Bool = { _, _ in true }
    ) -> TrainingResult {
        var history: [EpochRecord] = previous
        var bestAccuracy = previous.map(\.validationAccuracy).max() ?? -1
        var bestEpoch = previous.max { $0.validationAccuracy < $1.validationAccuracy }?.epoch ?? -1
        var bestConfusion = ConfusionMatrix(classNames: data.classNames)
        let threads = collective == nil ? max(1, workers) : 1
        for epoch in startEpoch..<configuration.epochs {
            let t0 = Date()
            let lr = schedule.learningRate(epoch: epoch)
            optimizer.learningRate = Float(lr)
            var rng = SeededGenerator(seed: configuration.seed &+ UInt64(epoch) &* 0x9E37_79B9)
            let order = train.shuffled(using: &rng)
            var totals: (lossSum: Double, correct: Int, seen: Int)
            if threads > 1 {
                totals = trainEpochInThreads(threads, data: data, order: order, learningRate: Float(lr), onBatch: onBatch)
            } else {
                totals = Self.trainEpoch(
                    model: model, optimizer: optimizer, collective: collective, data: data, order: order,
                    batchSize: configuration.batchSize, onBatch: onBatch)
            }
            let (lossSum, correct, seen) = totals
            // A non-finite validation loss is the divergence check's (TrainingRun), not an error here.
            let validated = Evaluation.run(model: model, data: data, indices: validation, collective: collective) { _, _ in }
            let (valLoss, valAccuracy, confusion) = (validated.meanLoss, validated.confusion.accuracy, validated.confusion)
            let record = EpochRecord(
                epoch: epoch, learningRate: lr, trainLoss: seen == 0 ? 0 : lossSum / Double(seen),
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

    /// One epoch with `count` threads, each on its own replica (the model itself is replica 0), each
    /// kernel single-threaded; afterwards every replica holds the same state as the model.
    private func trainEpochInThreads(
        _ count: Int, data: WindowDataset, order: [Int], learningRate: Float,
        onBatch: (Int, Int) -> Void
    ) -> (lossSum: Double, correct: Int, seen: Int) {
        prepareReplicas()
        let members = [(model, optimizer)] + replicas.map { ($0.model, $0.optimizer) }
        let group = ThreadGroup(size: count)
        let box = EpochBox()
        let batchSize = configuration.batchSize
        let workersPerReplica = max(1, Parallel.effectiveWorkers / count)
        let done = DispatchGroup()
        for (rank, member) in members.enumerated() {
            let (m, opt) = member
            opt.learningRate = learningRate
            let col = ThreadCollective(rank: rank, group: group)
            m.setBatchNormCollective(col)
            let job = UncheckedJob {
                // Each thread's kernels get an equal share of the cores (the rule seismic-mpi applies to
                // the ranks of one machine, so K threads and K ranks compute the same bits); other
                // threads are not affected.
                Parallel.withWorkers(workersPerReplica) {
                    let r = Self.trainEpoch(
                        model: m, optimizer: opt, collective: col, data: data, order: order, batchSize: batchSize,
                        onBatch: rank == 0 ? { seen, _ in box.setProgress(seen) } : { _, _ in })
                    if rank == 0 { box.totals = r }
                }
            }
            done.enter()
            Thread {
                job.run(); done.leave()
            }.start()
        }
        // Progress is reported from the calling thread while the workers run.
        while done.wait(timeout: .now() + 0.1) == .timedOut { onBatch(box.progress, order.count) }
        onBatch(order.count, order.count)
        members.forEach { m, _ in m.setBatchNormCollective(nil) }
        return box.totals
    }
}

private final class EpochBox: @unchecked Sendable {
    var totals: (lossSum: Double, correct: Int, seen: Int) = (0, 0, 0)
    private let lock = NSLock()
    private var seen = 0
    func setProgress(_ n: Int) { lock.lock(); seen = n; lock.unlock() }
    var progress: Int { lock.lock(); defer { lock.unlock() }; return seen }
}
private struct UncheckedJob: @unchecked Sendable { let run: () -> Void }
