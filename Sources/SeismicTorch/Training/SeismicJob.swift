// SeismicJob: the process's place in a data-parallel job (set once by seismic-mpi at start-up).

import SeismicNN

/// The job this process belongs to: nil collective for a single process. Set once at start-up by
/// the `seismic-mpi` executable (like MPI_COMM_WORLD, a fact of the process, not a tunable).
public enum SeismicJob {
    nonisolated(unsafe) public static var collective: Collective?

    /// Whether this process writes files and logs (rank 0, or a single process).
    public static var isLeader: Bool { (collective?.rank ?? 0) == 0 }
}
