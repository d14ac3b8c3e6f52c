// Parallel: split index ranges across the machine's cores.

import Dispatch
import Foundation

/// Work splitting over cores. Deterministic: a range is always cut into the same chunks, so
/// reductions over per-chunk partial results give bit-identical sums run after run.
public enum Parallel {
    /// Cores used by kernels (all active processors unless set lower, e.g. for a latency benchmark).
    nonisolated(unsafe) public static var workerCount: Int = ProcessInfo.processInfo.activeProcessorCount

    /// Calls `body(chunk, range)` for `chunks` contiguous pieces of `0..<count`, concurrently.
    @inline(__always)
    public static func forEachChunk(_ count: Int, chunks requested: Int? = nil, minimumPerChunk: Int = 1,
                                    _ body: (Int, Range<Int>) -> Void) {
        let chunks = chunkCount(count, requested: requested, minimumPerChunk: minimumPerChunk)
        if chunks <= 1 {
            if count > 0 { body(0, 0..<count) }
            return
        }
        withoutActuallyEscaping(body) { escaping in
            // Chunks touch disjoint memory by construction; the box only crosses the Sendable check.
            let box = UncheckedBody(run: escaping)
            DispatchQueue.concurrentPerform(iterations: chunks) { i in
                box.run(i, range(of: i, chunks: chunks, count: count))
            }
        }
    }

    /// How many chunks `forEachChunk` will use.
    public static func chunkCount(_ count: Int, requested: Int? = nil, minimumPerChunk: Int = 1) -> Int {
        max(1, min(requested ?? workerCount, count / max(minimumPerChunk, 1)))
    }

    @inline(__always)
    static func range(of i: Int, chunks: Int, count: Int) -> Range<Int> {
        (i * count / chunks)..<((i + 1) * count / chunks)
    }
}

private struct UncheckedBody: @unchecked Sendable {
    let run: (Int, Range<Int>) -> Void
}
