// Parallel: chunked loops and the per-item map keep index order whatever the scheduling.

import Foundation
import SeismicNN
import Testing

@Suite struct ParallelTests {
    @Test func mapKeepsIndexOrderForUnevenWork() {
        // Early items take longest, so they finish last.
        let squares = Parallel.map(40) { i -> [Int] in
            if i < 4 { Thread.sleep(forTimeInterval: 0.005) }
            return [i, i * i]
        }
        #expect(squares == (0..<40).map { [$0, $0 * $0] })
        #expect(Parallel.map(0) { $0 }.isEmpty)
    }

    @Test func chunksCoverTheRangeOnceInOrder() {
        for count in [0, 1, 5, 1000] {
            var seen = [Int](repeating: 0, count: count)
            seen.withUnsafeMutableBufferPointer { buf in
                let base = buf.baseAddress
                Parallel.forEachChunk(count, chunks: 3) { _, r in for i in r { base![i] += 1 } }
            }
            #expect(seen.allSatisfy { $0 == 1 })
        }
    }

    private struct Failure: Error, Equatable { let who: String }

    /// `overlapping`: both results; the background on a thread of its own with the caller's
    /// workers (its kernels share the job's cores); the foreground's error first, as if it ran
    /// first, then the background's, thrown only once both are done (the background's state is
    /// never abandoned mid-run); with one worker, one after the other on the calling thread (a
    /// foreground error then ends the call before the background runs).
    @Test(arguments: [1, 2])
    func overlappingRunsBothAndOrdersTheirErrors(workers: Int) throws {
        try Parallel.withWorkers(workers) {
            let caller = Thread.current
            let (a, b) = try Parallel.overlapping(
                { (Thread.current === caller, 6 * 7) }, background: { (Thread.current === caller, Parallel.effectiveWorkers) })
            #expect(a == (true, 42) && b.1 == workers)
            #expect(b.0 == (workers == 1), "the background runs beside the caller unless one worker")

            var backgroundFinished = false
            #expect(throws: Failure(who: "foreground")) {
                try Parallel.overlapping(
                    { () throws -> Int in throw Failure(who: "foreground") },
                    background: { () throws -> Int in
                        Thread.sleep(forTimeInterval: 0.02)
                        backgroundFinished = true
                        throw Failure(who: "background")
                    })
            }
            // (With one worker the foreground runs first and its error ends the call.)
            #expect(backgroundFinished == (workers > 1), "the call returned before its background finished")
            #expect(throws: Failure(who: "background")) {
                try Parallel.overlapping({ 1 }, background: { () throws -> Int in throw Failure(who: "background") })
            }
        }
    }
}
