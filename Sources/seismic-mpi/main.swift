// seismic-mpi: the same commands as `seismic`, run as one rank of an MPI job (`mpirun -np K
// seismic-mpi train …`). Built with `swift build --traits MPI` (needs libopenmpi-dev); without
// the trait it explains how to get it.

import Foundation
import SeismicCLI

#if MPI
    import SeismicMPI
    import SeismicNN
    import SeismicTorch

    let mpi = MPICollective()
    // Share the cores among the ranks on this machine.
    let local = Int(ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_LOCAL_SIZE"] ?? "1") ?? 1
    Seismic.main(context: JobContext(collective: mpi, workers: Parallel.machineWorkers / max(local, 1)))
    mpi.finish()
#else
    FileHandle.standardError.write(
        Data("seismic-mpi was built without MPI: install libopenmpi-dev and build with `swift build -c release --traits MPI`\n".utf8))
    exit(2)
#endif
