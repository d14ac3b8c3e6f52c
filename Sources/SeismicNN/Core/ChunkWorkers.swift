// ChunkWorkers: the threads that run `Parallel.forEachChunk`'s chunks, kept between calls.

import Foundation
import Synchronization

/// Threads kept for `Parallel.forEachChunk` (one fewer than the machine's cores). A call posts its
/// chunks and takes chunks itself; each chunk is claimed once, by whichever thread gets to it first,
/// so a caller never waits for a sleeping worker to wake: it waits only for chunks already begun.
/// A call uses as many workers as its caller's share of the cores allows (`Parallel.effectiveWorkers`
/// less one: a job or an MPI rank given part of the machine keeps to it); the others stay asleep.
/// A worker that finds nothing to do polls for `spinSeconds` before it sleeps on a condition: a
/// training step makes about twenty calls in a few milliseconds, and waking a sleeping thread costs
/// tens of microseconds each time (as `ThreadGroup`'s barrier). A caller whose chunks outlast the
/// spin sleeps too, woken by the last chunk.
///
/// One call at a time uses the workers: a call made while they are in use (another thread's, or a
/// chunk's own nested call) gets `false` and runs its chunks another way. Which thread runs a chunk
/// changes nothing: chunk i always covers the same range and writes its own results.
final class ChunkWorkers: @unchecked Sendable {
    /// The process's workers: one thread per core past the first, started on first use.
    static let shared = ChunkWorkers(threads: max(Parallel.machineWorkers - 1, 0))

    let threads: Int
    /// How long an idle worker polls before it sleeps, and a waiting caller before it sleeps.
    let spinSeconds: Double
    /// The current job as one word: generation (high 32 bits), chunk count (16 bits) and the next
    /// chunk to claim (low 16 bits). A claim is a compare-and-swap of the whole word, so a worker
    /// that wakes late can claim only a chunk of the current job, and only while it runs.
    private let ticket = Atomic<UInt64>(0)
    /// Workers (by index) that may claim chunks of the current job; set before its ticket is posted.
    private let helpers = Atomic<Int>(0)
    /// Chunks of the current job finished.
    private let finished = Atomic<Int>(0)
    private let inUse = Atomic<Bool>(false)
    /// Workers sleep on `condition` for the next job; a caller sleeps on `done` for its last chunk.
    private let condition = NSCondition(), done = NSCondition()
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
        let share = min(chunks, Parallel.effectiveWorkers, threads + 1) - 1
        guard share > 0, chunks <= Self.maximumChunks,
            inUse.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
        else { return false }
        startIfNeeded()
        withoutActuallyEscaping(body) { escaping in
            job = escaping
            helpers.store(share, ordering: .relaxed)
            finished.store(0, ordering: .relaxed)
            let generation = ((ticket.load(ordering: .relaxed) >> 32) &+ 1) & 0xFFFF_FFFF
            let posted = (generation << 32) | (UInt64(chunks) << 16)
            ticket.store(posted, ordering: .releasing)
            condition.lock()
            condition.broadcast()
            condition.unlock()
            claimChunks(of: generation)
            waitPollingFirst(until: { finished.load(ordering: .acquiring) >= chunks }, spinSeconds: spinSeconds, on: done)
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
            if finished.add(1, ordering: .acquiringAndReleasing).newValue == Int(count) {
                // The last chunk: the caller may be asleep (a stale wake-up is harmless: it re-checks).
                done.lock()
                done.broadcast()
                done.unlock()
            }
        }
    }

    private func startIfNeeded() {
        startOnce.withLock { started in
            guard !started else { return }
            started = true
            for index in 0..<threads {
                let thread = Thread { self.serve(index: index) }
                thread.stackSize = 8 << 20
                thread.start()
            }
        }
    }

    /// Worker `index`: waits for each new job (polling after a job it helped with, else asleep)
    /// and claims its chunks when the job's share includes it.
    private func serve(index: Int) {
        var seen = ticket.load(ordering: .acquiring) >> 32
        var helped = false
        while true {
            // Poll only after a job this worker helped with: the next is likely microseconds away.
            waitPollingFirst(
                until: { ticket.load(ordering: .acquiring) >> 32 != seen }, spinSeconds: helped ? spinSeconds : 0, on: condition)
            seen = ticket.load(ordering: .acquiring) >> 32
            helped = index < helpers.load(ordering: .relaxed)
            if helped { claimChunks(of: seen) }
        }
    }
}
