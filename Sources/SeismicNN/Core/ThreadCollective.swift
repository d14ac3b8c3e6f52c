// ThreadCollective: the Collective of data-parallel training among threads of one process.

import Foundation
import Synchronization

/// Threads that sum arrays together: each contribution is kept apart and the sum is formed in
/// rank order, so every thread gets the same bits and runs repeat exactly.
///
/// A training step meets here about ten times (BatchNorm statistics of each block, forward and
/// backward, and the gradient), so the wait is a barrier that spins first: a member that arrives
/// early polls for up to `spinSeconds` (the other member is usually microseconds away, and waking a
/// sleeping thread costs tens of microseconds) and then sleeps on a condition, so a member that is
/// descheduled on a busy machine costs the others at most the spin.
public final class ThreadGroup: @unchecked Sendable {
    public let size: Int
    /// How long an early member polls before it sleeps.
    public let spinSeconds: Double
    private let condition = NSCondition()
    /// Rounds completed; a member waits for it to move past the round it joined.
    private let generation = Atomic<Int>(0)
    private let arrived = Atomic<Int>(0)
    /// Each member's values for the current round, one slot per rank (raw storage: members write
    /// their own slots at the same time).
    private let contributions: UnsafeMutablePointer<[Double]>
    /// The last round's sum. A member reads it before it joins the next round, and the next sum
    /// is written only once every member has joined, so no reader is overwritten.
    private var result: [Double] = []

    /// A group of `size` members whose early arrivals poll for `spinSeconds` (default 100 µs; a
    /// negative or non-finite value counts as 0) before they sleep.
    public init(size: Int, spinSeconds: Double = 100e-6) {
        precondition(size >= 1, "a thread group needs at least one member")
        self.size = size
        self.spinSeconds = spinSeconds.isFinite ? min(max(spinSeconds, 0), 1) : 0
        contributions = .allocate(capacity: size)
        contributions.initialize(repeating: [], count: size)
    }

    deinit {
        contributions.deinitialize(count: size)
        contributions.deallocate()
    }

    /// The element-wise sum over all members of their `values` (blocks until all have called).
    public func reduce(rank: Int, _ values: [Double]) -> [Double] {
        let round = generation.load(ordering: .acquiring)
        contributions[rank] = values
        if arrived.add(1, ordering: .acquiringAndReleasing).newValue == size {
            var sum = contributions[0]
            for r in 1..<size { for i in sum.indices { sum[i] += contributions[r][i] } }
            result = sum
            arrived.store(0, ordering: .relaxed)
            generation.store(round + 1, ordering: .releasing)
            condition.lock()
            condition.broadcast()
            condition.unlock()
        } else {
            waitPast(round)
        }
        return result
    }

    private func waitPast(_ round: Int) {
        waitPollingFirst(until: { generation.load(ordering: .acquiring) != round }, spinSeconds: spinSeconds, on: condition)
    }
}

/// One member's view of a `ThreadGroup`.
public final class ThreadCollective: Collective {
    public let rank: Int
    public let group: ThreadGroup
    public var size: Int { group.size }

    public init(rank: Int, group: ThreadGroup) {
        self.rank = rank
        self.group = group
    }

    public func sum(_ values: UnsafeMutablePointer<Double>, count: Int) {
        let r = group.reduce(rank: rank, Array(UnsafeBufferPointer(start: values, count: count)))
        for i in 0..<count { values[i] = r[i] }
    }

    public func sum(_ values: UnsafeMutablePointer<Float>, count: Int) {
        let r = group.reduce(rank: rank, (0..<count).map { Double(values[$0]) })
        for i in 0..<count { values[i] = Float(r[i]) }
    }
}
