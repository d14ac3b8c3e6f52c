// Data-parallel training: K processes (simulated by threads sharing an in-memory collective)
// compute what one process computes — synchronised BatchNorm, summed gradients and dropout masks
// drawn by position in the global batch.

import Foundation
import SeismicNN
import SeismicSignal
import SeismicTorch
import TestSupport
import Testing

@Suite struct DataParallelTests {
    private func data() -> WindowDataset { RunFilesTestData.dataset() }

    /// K shares summed and one full batch differ only in how float32 sums are associated. Adam
    /// turns such differences into weight differences through near-zero gradients, whose sign the
    /// rounding decides (conv biases before BatchNorm have an analytically zero gradient: all of
    /// theirs are such); each step moves a weight by at most about lr whatever the gradient's size,
    /// so two runs of `steps` steps differ by at most 2·lr·steps per weight (lr = 1e-3), and
    /// running means, which inherit the conv biases' steps, by the same. That bound is the
    /// assertion. Running variances are a function of those weights and the data with no bound of
    /// that form, so they are not compared here; that the data-parallel machinery (synchronised
    /// statistics included) is exact is shown without any tolerance by
    /// `processesComputeBitForBitWhatAsManyThreadReplicasCompute`.
    private func compare(
        _ many: (weights: [Float], buffers: [Float], history: [EpochRecord]),
        _ one: (weights: [Float], buffers: [Float], history: [EpochRecord]), k: Int, steps: Int
    ) {
        let store = ConvNet(.earthquake()).store
        let bound = Float(2e-3 * Double(steps)) * 1.001
        for e in store.entries where e.kind != .counter {
            let range = e.offset..<(e.offset + e.count)
            let a = Array((e.kind == .parameter ? many.weights : many.buffers)[range])
            let b = Array((e.kind == .parameter ? one.weights : one.buffers)[range])
            guard !e.name.hasSuffix("running_var") else { continue }
            let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= bound, "K=\(k): \(e.name) differs by \(worst), beyond Adam's bound \(bound)")
        }
    }

    private func train(processes: Int, threads: Int = 1) -> (weights: [Float], buffers: [Float], history: [EpochRecord]) {
        var c = TrainingConfiguration()
        c.epochs = 2
        c.batchSize = 64
        c.seed = 4
        let config = c
        let (train, validation) = data().split(validationFraction: 0.2, seed: 4)
        let results = ResultBox(count: processes)
        let group = ThreadGroup(size: processes)
        let lock = NSLock()
        // One thread per simulated process (not concurrentPerform, which runs at most one per core
        // and would leave the others waiting at the first collective forever).
        let done = DispatchGroup()
        for rank in 0..<processes {
            done.enter()
            Thread {
                let model = ConvNet(.earthquake(), seed: 4)
                // Dropout stays on: masks follow each sample's place in the global batch.
                let trainer = Trainer(model: model, configuration: config)
                if processes > 1 { trainer.collective = ThreadCollective(rank: rank, group: group) }
                trainer.workers = threads
                // A process's kernels get its share of the cores, as seismic-mpi gives each rank.
                let result = Parallel.withWorkers(max(1, Parallel.machineWorkers / processes)) {
                    trainer.fit(data(), train: train, validation: validation)
                }
                let w = Array(UnsafeBufferPointer(start: model.store.values, count: model.store.parameterCount))
                let b = Array(UnsafeBufferPointer(start: model.store.buffers, count: model.store.bufferCount))
                lock.lock(); results.items[rank] = (w, b, result.history); lock.unlock()
                done.leave()
            }.start()
        }
        done.wait()
        return results.items[0]
    }

    /// One process training with a model replica per thread (as `seismic train` does) computes what
    /// one thread computes.
    @Test func replicasInThreadsComputeWhatOneThreadComputes() {
        let one = train(processes: 1)
        let threaded = train(processes: 1, threads: 3)
        compare(threaded, one, k: 3, steps: 2 * 3)
    }

    /// K processes and one process with K thread replicas take the same shares of every batch and
    /// sum them in the same order: the same bits, no tolerance (scripts/check_mpi.sh checks the same
    /// for two MPI ranks against `seismic train --threads 2`).
    @Test(arguments: [2, 3])
    func processesComputeBitForBitWhatAsManyThreadReplicasCompute(k: Int) {
        let processes = train(processes: k)
        let threads = train(processes: 1, threads: k)
        #expect(processes.weights == threads.weights)
        #expect(processes.buffers == threads.buffers)
        #expect(processes.history.map(\.trainLoss) == threads.history.map(\.trainLoss))
    }

    @Test func twoAndFourProcessesComputeWhatOneComputes() {
        let one = train(processes: 1)
        for k in [2, 4] {
            let many = train(processes: k)
            compare(many, one, k: k, steps: 2 * 3)  // 2 epochs of 3 batches (192 windows, batch 64)
            #expect(many.history.count == one.history.count)
        }
    }
}

final class ResultBox: @unchecked Sendable {
    var items: [(weights: [Float], buffers: [Float], history: [EpochRecord])]
    init(count: Int) { items = Array(repeating: ([], [], []), count: count) }
}
