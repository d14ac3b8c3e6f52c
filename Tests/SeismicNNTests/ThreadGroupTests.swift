// ThreadGroup: the barrier-and-sum that data-parallel threads meet at several times a step.

import Foundation
import SeismicNN
import TestSupport
import Testing

@Suite struct ThreadGroupTests {
    /// Members call `reduce` round after round at uneven speeds (one of them sometimes sleeps, so
    /// the others' spin runs out and they sleep too); every member gets every round's exact sum,
    /// including when a fast member starts the next round while a slow one is still reading the
    /// last. With no spin at all (always sleeping), a long spin (almost never sleeping), and
    /// spins that make no sense (negative, NaN: no spin).
    @Test(arguments: [0.0, 100e-6, 0.05, -1, .nan])
    func everyMemberGetsEveryRoundsSum(spinSeconds: Double) {
        let size = 3, rounds = 400
        let group = ThreadGroup(size: size, spinSeconds: spinSeconds)
        let wrong = Locked(0)
        // One thread per member (a dispatch pool may run fewer at once than the group needs).
        let done = DispatchGroup()
        for rank in 0..<size {
            done.enter()
            Thread {
                for round in 0..<rounds {
                    if rank == round % size && round % 7 == 0 { usleep(200) }
                    let values = [Double(rank + 1) * Double(round), Double(round), 1]
                    let sum = group.reduce(rank: rank, values)
                    // Σ (rank + 1)·round over ranks 0…size−1, size·round, size.
                    let expected = [Double(size * (size + 1) / 2) * Double(round), Double(size * round), Double(size)]
                    if sum != expected { wrong.withLock { $0 += 1 } }
                }
                done.leave()
            }.start()
        }
        done.wait()
        #expect(wrong.current == 0)
    }

    /// A group of one returns its own values at once.
    @Test func aGroupOfOneReturnsItsValues() {
        #expect(ThreadGroup(size: 1).reduce(rank: 0, [1.5, -2]) == [1.5, -2])
    }
}
