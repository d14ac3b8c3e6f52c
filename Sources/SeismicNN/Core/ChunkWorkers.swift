// ChunkWorkers: the threads that run `Parallel.forEachChunk`'s chunks, kept between calls.

import CSeismicKernels
import Foundation
import Synchronization

/// Threads kept for `Parallel.forEachChunk` (one fewer than the machine's cores). A call posts its
/// chunks and takes chunks itself; each chunk is claimed once, by whichever thread gets to it first,
/// so a caller never waits for a sleeping worker to wake: it waits only for chunks already begun.
/// A worker that finds nothing to do polls for `spinSeconds` before it sleeps on a condition: a
/// training step makes about twenty calls in a few milliseconds, and waking a sleeping thread costs
/// tens of microseconds each time (as `ThreadGroup`'s barrier).
///
/// One call at a time uses the workers: a call made while they are in use (another thread's, or a
/// chunk's own nested call) gets `false` and runs its chunks another way. Which thread runs a chunk
/// changes nothing: chunk i always covers the same range and writes its own results.
final class ChunkWorkers: @unchecked Sendable {
    /// The process's workers: one thread per core past the first, started on first use.
    static let shared = ChunkWorkers(threads: max(Parallel.machineWorkers - 1, 0))

    let threads: Int
    /// How long an idle worker polls before it sleeps, and a caller before it yields its core.
    let spinSeconds: Double
    /// The current job as one word: generation (high 32 bits), chunk count (16 bits) and the next
    /// chunk to claim (low 16 bits). A claim is a compare-and-swap of the whole word, so a worker
    /// that wakes late can claim only a chunk of the job it saw, and only while it runs.
    private let ticket = Atomic<UInt64>(0)
    /// Chunks of the current job finished.
    private let finished = Atomic<Int>(0)
    private let inUse = Atomic<Bool>(false)
    private let condition = NSCondition()
    /// The current job's body; set before its ticket is published, cleared once it has finished.
    private var job: ((Int) -> Void)?
    private let startOnce = Mutex<Bool>(false)

    /// The most chunks one job can have (the ticket's 16-bit fields).
    static let maximumChunks = 0xFFFF

    init(threads: Int, spinSeconds: Double = 100e-6) {
        self.threads = threads
        self.spinSeconds = spinSeconds
    }

    /// Runs `body(i)` for every i in 0..<chunks, on this thread and the workers, and returns once all
    /// have finished; `false`, having run nothing, when the workers are in use or there are none.
    func run(chunks: Int, _ body: (Int) -> Void) -> Bool {
        guard threads > 0, chunks > 1, chunks <= Self.maximumChunks,
            inUse.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
        else { return false }
        startIfNeeded()
        withoutActuallyEscaping(body) { escaping in
            job = escaping
            finished.store(0, ordering: .relaxed)
            let generation = ((ticket.load(ordering: .relaxed) >> 32) &+ 1) & 0xFFFF_FFFF
            let posted = (generation << 32) | (UInt64(chunks) << 16)
            ticket.store(posted, ordering: .releasing)
            condition.lock()
            condition.broadcast()
            condition.unlock()
            claimChunks(of: generation)
            let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(spinSeconds * 1e9)
            var polls = 0
            while finished.load(ordering: .acquiring) < chunks {
                polls += 1
                // Past the spin, a worker still on its chunk may be waiting for this core.
                if polls % 64 == 0 && DispatchTime.now().uptimeNanoseconds >= deadline { sched_yield() } else { sk_spin_pause() }
            }
            job = nil
        }
        inUse.store(false, ordering: .releasing)
        return true
    }

    /// Claims and runs chunks of job `generation` until none is left (or another job is posted).
    private func claimChunks(of generation: UInt64) {
        while true {
            let t = ticket.load(ordering: .acquiring)
            let count = (t >> 16) & 0xFFFF, next = t & 0xFFFF
            guard t >> 32 == generation, next < count else { return }
            guard ticket.compareExchange(expected: t, desired: t + 1, ordering: .acquiringAndReleasing).exchanged else { continue }
            job!(Int(next))
            finished.add(1, ordering: .releasing)
        }
    }

    private func startIfNeeded() {
        startOnce.withLock { started in
            guard !started else { return }
            started = true
            for _ in 0..<threads {
                let thread = Thread { self.serve() }
                thread.stackSize = 8 << 20
                thread.start()
            }
        }
    }

    /// A worker: waits for each new job (polling, then asleep) and claims its chunks.
    private func serve() {
        var seen = ticket.load(ordering: .acquiring) >> 32
        while true {
            let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(spinSeconds * 1e9)
            var polls = 0
            while ticket.load(ordering: .acquiring) >> 32 == seen {
                polls += 1
                if polls % 64 == 0 && DispatchTime.now().uptimeNanoseconds >= deadline { break }
                sk_spin_pause()
            }
            condition.lock()
            while ticket.load(ordering: .acquiring) >> 32 == seen { condition.wait() }
            condition.unlock()
            seen = ticket.load(ordering: .acquiring) >> 32
            claimChunks(of: seen)
        }
    }
}
