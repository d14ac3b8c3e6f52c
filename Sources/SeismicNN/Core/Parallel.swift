// Parallel: split index ranges across the machine's cores.

import Dispatch
import Foundation
import Synchronization

/// Work splitting over cores. Deterministic: a range is always cut into the same chunks, so
/// reductions over per-chunk partial results give bit-identical sums run after run.
public enum Parallel {
    /// The machine's active processors: the workers a kernel uses unless the calling thread runs
    /// under `withWorkers` (a job's `JobContext.workers`, a data-parallel replica's share).
    public static let machineWorkers = ProcessInfo.processInfo.activeProcessorCount

    /// The calling thread's cap set by `withWorkers`: a POSIX thread-specific value holding the
    /// count itself as the pointer's bits (none: no cap). Read on every kernel call, so it must be
    /// cheap: Foundation's `Thread.current.threadDictionary`, used before, took 8 % of one
    /// EarthquakeCNN window's latency (perf, Zen 5).
    private static let workersKey: pthread_key_t = {
        var key = pthread_key_t()
        let status = pthread_key_create(&key, nil)
        precondition(status == 0, "pthread_key_create failed (\(status))")
        return key
    }()

    /// Runs `body` with kernels on the calling thread limited to `workers` (per thread: a data-
    /// parallel trainer gives each of its threads one core without touching other threads).
    /// Fewer than one worker means one.
    public static func withWorkers<T>(_ workers: Int, _ body: () throws -> T) rethrows -> T {
        let previous = pthread_getspecific(workersKey)
        pthread_setspecific(workersKey, UnsafeRawPointer(bitPattern: max(workers, 1)))
        defer { pthread_setspecific(workersKey, previous) }
        return try body()
    }

    /// Workers for a kernel started on this thread.
    public static var effectiveWorkers: Int {
        pthread_getspecific(workersKey).map { Int(bitPattern: $0) } ?? machineWorkers
    }

    /// Calls `body(chunk, range)` for `chunks` contiguous pieces of `0..<count`, concurrently: on
    /// this thread and the kept `ChunkWorkers`, or on Dispatch's threads while those are in use.
    @inline(__always)
    public static func forEachChunk(
        _ count: Int, chunks requested: Int? = nil, minimumPerChunk: Int = 1,
        _ body: (Int, Range<Int>) -> Void
    ) {
        let chunks = chunkCount(count, requested: requested, minimumPerChunk: minimumPerChunk)
        if chunks <= 1 {
            if count > 0 { body(0, 0..<count) }
            return
        }
        // The kept workers; while another call holds them, Dispatch's.
        if ChunkWorkers.shared.run(chunks: chunks, { i in body(i, range(of: i, chunks: chunks, count: count)) }) { return }
        withoutActuallyEscaping(body) { escaping in
            // Chunks touch disjoint memory by construction; the box only crosses the Sendable check.
            let box = UncheckedBody(run: escaping)
            DispatchQueue.concurrentPerform(iterations: chunks) { i in
                box.run(i, range(of: i, chunks: chunks, count: count))
            }
        }
    }

    /// `body(i)` for every i in 0..<count, concurrently, for uneven work such as files or traces:
    /// `effectiveWorkers` threads (the job's cores, not the machine's) each take the next index
    /// until none is left, and kernels started inside `body` run on one core each (the job's
    /// cores are already busy). The results in index order.
    public static func map<T>(_ count: Int, _ body: (Int) -> T) -> [T] {
        guard count > 0 else { return [] }
        let workers = min(effectiveWorkers, count)
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            withoutActuallyEscaping(body) { escaping in
                // Every index writes its own slot; the box only crosses the Sendable check.
                let box = UncheckedMap(run: escaping, base: buffer.baseAddress!)
                let next = IndexDispenser()
                DispatchQueue.concurrentPerform(iterations: workers) { _ in
                    withWorkers(1) {
                        while case let i = next.take(), i < count { (box.base + i).initialize(to: box.run(i)) }
                    }
                }
            }
            initialized = count
        }
    }

    /// `foreground()` on this thread while `background()` runs on a thread of its own (with this
    /// thread's `effectiveWorkers`), both results once both are done: a serial stage beside
    /// parallel work (the next span of a record read and filtered while the model classifies this
    /// one's windows). `background` must touch nothing `foreground` does. With one worker (a job
    /// given one core) they run one after the other on this thread. Errors: the foreground's
    /// first, as if it ran first, then the background's; thrown once both are done (with one
    /// worker, a foreground error ends the call before the background runs).
    public static func overlapping<A, B>(_ foreground: () throws -> A, background: () throws -> B) throws -> (A, B) {
        let workers = effectiveWorkers
        guard workers > 1 else { return (try foreground(), try background()) }
        return try withoutActuallyEscaping(background) { escaping in
            // The box carries the closure to the thread and its result back; the semaphore orders both.
            let box = OverlapBox(run: escaping)
            let done = DispatchSemaphore(value: 0)
            Thread {
                withWorkers(workers) { box.result = Result { try box.run!() } }
                box.run = nil  // released before the wait ends: it must not outlive this call
                done.signal()
            }.start()
            let front = Result { try foreground() }
            done.wait()
            return (try front.get(), try box.result!.get())
        }
    }

    /// How many chunks `forEachChunk` will use.
    public static func chunkCount(_ count: Int, requested: Int? = nil, minimumPerChunk: Int = 1) -> Int {
        max(1, min(requested ?? effectiveWorkers, count / max(minimumPerChunk, 1)))
    }

    @inline(__always)
    static func range(of i: Int, chunks: Int, count: Int) -> Range<Int> {
        (i * count / chunks)..<((i + 1) * count / chunks)
    }
}

/// `overlapping`'s background closure and its result, handed between two threads in order.
private final class OverlapBox<B>: @unchecked Sendable {
    var run: (() throws -> B)?
    var result: Result<B, any Error>?
    init(run: @escaping () throws -> B) { self.run = run }
}

private struct UncheckedBody: @unchecked Sendable {
    let run: (Int, Range<Int>) -> Void
}

/// Hands out 0, 1, 2, … to the workers of `map`, each index once.
private final class IndexDispenser: Sendable {
    private let counter = Atomic<Int>(0)
    func take() -> Int { counter.add(1, ordering: .relaxed).oldValue }
}

private struct UncheckedMap<T>: @unchecked Sendable {
    let run: (Int) -> T
    let base: UnsafeMutablePointer<T>
}
