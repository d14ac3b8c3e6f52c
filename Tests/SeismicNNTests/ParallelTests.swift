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

    /// The kept workers under many calls back to back (a training step's pattern): every chunk of
    /// every call runs once, with its own range, before the call returns — a worker that wakes late
    /// must not claim a chunk of a later call, nor run one twice. Chunk counts past the workers'
    /// 16-bit ticket (70,000) run too (on Dispatch's threads).
    @Test func everyChunkOfEveryCallRunsOnceBeforeItReturns() {
        let count = 257
        var seen = [Int](repeating: 0, count: count)
        var starts = [Int](repeating: -1, count: 18)
        for call in 0..<3_000 {
            let chunks = 2 + call % 17
            seen.withUnsafeMutableBufferPointer { buf in
                starts.withUnsafeMutableBufferPointer { first in
                    let (base, firstOf) = (buf.baseAddress!, first.baseAddress!)
                    Parallel.forEachChunk(count, chunks: chunks) { chunk, r in
                        firstOf[chunk] = r.lowerBound
                        for i in r { base[i] += 1 }
                    }
                }
            }
            guard seen.allSatisfy({ $0 == call + 1 }) else {
                Issue.record("call \(call) (\(chunks) chunks): counts \(Set(seen))")
                return
            }
            #expect((0..<chunks).allSatisfy { starts[$0] == $0 * count / chunks }, "call \(call): chunk ranges \(starts.prefix(chunks))")
        }
        // Calls far enough apart that the workers have gone to sleep (their poll is 100 µs): each
        // call wakes them or finishes without them; either way every chunk runs once.
        for call in 0..<20 {
            Thread.sleep(forTimeInterval: 0.002)
            seen.withUnsafeMutableBufferPointer { buf in
                let base = buf.baseAddress!
                Parallel.forEachChunk(count, chunks: 2 + call % 3) { _, r in for i in r { base[i] += 1 } }
            }
        }
        #expect(seen.allSatisfy { $0 == 3_020 })
        var many = [UInt8](repeating: 0, count: 70_000)
        many.withUnsafeMutableBufferPointer { buf in
            let base = buf.baseAddress!
            Parallel.forEachChunk(70_000, chunks: 70_000) { _, r in for i in r { base[i] += 1 } }
        }
        #expect(many.allSatisfy { $0 == 1 })
    }

    /// Callers on every core at once (Parallel.map's threads), each chunk calling again inside
    /// itself: one call holds the kept workers, the others (and the nested calls) run on Dispatch's
    /// threads; all finish, each chunk once.
    @Test func concurrentAndNestedCallsAllFinish() {
        let callers = 4, calls = 200, count = 64
        // Parallel.map's threads are the callers (as many at once as there are cores).
        let finished = Parallel.map(callers) { _ -> Bool in
            var cells = [Int](repeating: 0, count: count * 4)
            for _ in 0..<calls {
                cells.withUnsafeMutableBufferPointer { buf in
                    let base = buf.baseAddress!
                    Parallel.forEachChunk(count, chunks: 3) { _, r in
                        for i in r {
                            Parallel.forEachChunk(4, chunks: 2) { _, inner in for j in inner { base[i * 4 + j] += 1 } }
                        }
                    }
                }
            }
            return cells.allSatisfy { $0 == calls }
        }
        #expect(finished == [Bool](repeating: true, count: callers))
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
