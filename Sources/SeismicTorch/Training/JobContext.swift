// JobContext: what a long library call needs to know about the process it runs in — its cores, its
// place in a data-parallel job, and whether it has been asked to stop — passed explicitly.

import Foundation
import SeismicNN
import Synchronization

/// A request to stop (Ctrl-C, SIGTERM), set from a signal handler and read between steps: a
/// training finishes its epoch and writes it, a monitor classifies what is complete. Lock-free
/// (an atomic store is all a signal handler may do).
public final class StopRequest: Sendable {
    private let flag = Atomic<Bool>(false)
    public init() {}
    /// Asks the work that checks this request to stop at its next safe point.
    public func request() { flag.store(true, ordering: .relaxed) }
    public var isRequested: Bool { flag.load(ordering: .relaxed) }
}

/// A request for a status line (SIGUSR1), set from a signal handler and taken by the session that
/// prints it: `take` reads and clears it.
public final class StatusRequest: Sendable {
    private let flag = Atomic<Bool>(false)
    public init() {}
    public func request() { flag.store(true, ordering: .relaxed) }
    /// Whether a status line was asked for since the last call.
    public func take() -> Bool { flag.exchange(false, ordering: .relaxed) }
}

/// The process a training, preparation or monitor session runs in, handed to it by the front end
/// (the `seismic` and `seismic-mpi` executables make one at start-up) rather than read from
/// globals: a second front end, or a test, runs two jobs side by side with their own contexts.
public struct JobContext {
    /// The data-parallel job this process is a rank of (`mpirun … seismic-mpi`); nil alone.
    public var collective: Collective?
    /// Cores the kernels of this job use (all of the machine's unless shared among the ranks on it).
    public var workers: Int
    /// Checked between steps (epochs, packets).
    public let stop: StopRequest
    /// Set by SIGUSR1: a monitor prints a status line.
    public let status = StatusRequest()

    /// - Parameters: `workers`: at least 1 (a smaller value is taken as 1).
    public init(collective: Collective? = nil, workers: Int = Parallel.machineWorkers, stop: StopRequest = StopRequest()) {
        self.collective = collective
        self.workers = max(1, workers)
        self.stop = stop
    }

    /// Whether this process writes files and logs: rank 0 of a job, or a process alone.
    public var isLeader: Bool { (collective?.rank ?? 0) == 0 }

    /// Runs `body` with the kernels started on this thread using `workers` cores.
    public func run<T>(_ body: () throws -> T) rethrows -> T { try Parallel.withWorkers(workers, body) }
}
