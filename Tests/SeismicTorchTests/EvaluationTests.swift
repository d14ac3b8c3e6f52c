// The one evaluator: a model on windows, alone or shared among processes (threads standing in).

import Foundation
import SeismicNN
import SeismicTorch
import TestSupport
import Testing

@Suite struct EvaluationTests {
    /// Three processes each evaluating their contiguous share and summing: the same confusion and
    /// score histograms as one process (counts are exact), and the same mean loss up to how the
    /// batches' float32 mean losses were rounded: each is the float64 sum of its windows' losses
    /// over its count, rounded once (relative error ≤ u = 2⁻²⁴), so the two means differ by at most
    /// 2u × the mean loss.
    @Test func sharesSummedOverProcessesEqualOneProcess() throws {
        let data = RunFilesTestData.dataset()
        let model = ConvNet(.earthquake(), seed: 3)
        let indices = Array(stride(from: 0, to: data.count, by: 2))
        let one = Evaluation.run(model: model, data: data, indices: indices, batchSize: 1024) { _, _ in }
        let group = ThreadGroup(size: 3)
        let results = EvaluationBox()
        let threads = (0..<3).map { rank in
            Thread {
                // Each "process" has its own replica of the model, as under mpirun.
                let replica = ConvNet(.earthquake(), seed: 3)
                let e = Evaluation.run(
                    model: replica, data: data, indices: indices, batchSize: 1024,
                    collective: ThreadCollective(rank: rank, group: group)
                ) { _, _ in }
                results.set(rank, e)
            }
        }
        threads.forEach { $0.start() }
        let deadline = Date().addingTimeInterval(300)
        while results.count < 3 && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        let shared = results.all
        #expect(shared.count == 3)
        for e in shared {
            #expect(e.confusion.counts == one.confusion.counts && e.confusion.total == indices.count)
            #expect(e.positiveHistogram == one.positiveHistogram && e.negativeHistogram == one.negativeHistogram)
            #expect(abs(e.meanLoss - one.meanLoss) <= 2 * 0x1p-24 * one.meanLoss)
        }
    }

    /// The prediction is the argmax of the logits; `check` sees every batch's logits and indices,
    /// and what it throws ends the evaluation.
    @Test func predictionsAreTheLogitsArgmaxAndTheCheckSeesEveryBatch() throws {
        let data = RunFilesTestData.dataset()
        let model = ConvNet(.earthquake(), seed: 5)
        var seen: [Int] = []
        var predicted = Array(repeating: 0, count: data.classNames.count)
        let e = Evaluation.run(model: model, data: data, batchSize: 7) { logits, idx in
            seen += idx
            for p in logits.argmaxRows() { predicted[p] += 1 }
        }
        #expect(seen == Array(0..<data.count))
        #expect((0..<predicted.count).map { c in e.confusion.counts.map { $0[c] }.reduce(0, +) } == predicted)
        struct Stop: Error {}
        #expect(throws: Stop.self) { try Evaluation.run(model: model, data: data, batchSize: 7) { _, _ in throw Stop() } }
    }
}

private final class EvaluationBox: @unchecked Sendable {
    private var results: [Int: Evaluation] = [:]
    private let lock = NSLock()
    func set(_ rank: Int, _ e: Evaluation) { lock.lock(); results[rank] = e; lock.unlock() }
    var count: Int { lock.lock(); defer { lock.unlock() }; return results.count }
    var all: [Evaluation] { lock.lock(); defer { lock.unlock() }; return results.keys.sorted().map { results[$0]! } }
}
