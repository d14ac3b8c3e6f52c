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
}
