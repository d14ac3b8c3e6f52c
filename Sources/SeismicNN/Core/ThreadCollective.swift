// ThreadCollective: the Collective of data-parallel training among threads of one process.

import Foundation

/// Threads that sum arrays together: each contribution is kept apart and the sum is formed in
/// rank order, so every thread gets the same bits and runs repeat exactly.
public final class ThreadGroup: @unchecked Sendable {
    public let size: Int
    private let condition = NSCondition()
    private var contributions: [[Double]]
    private var result: [Double] = []
    private var arrived = 0, generation = 0, leaving = 0

    public init(size: Int) {
        precondition(size >= 1, "a thread group needs at least one member")
        self.size = size
        contributions = Array(repeating: [], count: size)
    }

    /// The element-wise sum over all members of their `values` (blocks until all have called).
    public func reduce(rank: Int, _ values: [Double]) -> [Double] {
        condition.lock()
        while leaving > 0 { condition.wait() }  // the previous round is still being read
        contributions[rank] = values
        arrived += 1
        let myGeneration = generation
        if arrived == size {
            var sum = contributions[0]
            for r in 1..<size { for i in sum.indices { sum[i] += contributions[r][i] } }
            result = sum
            generation += 1
            leaving = size
            condition.broadcast()
        } else {
            while generation == myGeneration { condition.wait() }
        }
        let out = result
        leaving -= 1
        if leaving == 0 { arrived = 0; condition.broadcast() }
        condition.unlock()
        return out
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
