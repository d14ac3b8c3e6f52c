// MPICollective: the Collective of data-parallel training over MPI_COMM_WORLD (Open MPI).

#if MPI
import CMPI
import Foundation
import SeismicNN

/// MPI for one job: initialised once, errors returned (not fatal) and reported with their text,
/// sums as MPI_Allreduce(IN_PLACE, SUM).
public final class MPICollective: Collective {
    public let rank: Int
    public let size: Int

    public init() {
        var provided: Int32 = 0
        MPI_Init_thread(nil, nil, Int32(MPI_THREAD_FUNNELED), &provided)
        MPI_Comm_set_errhandler(seismic_mpi_comm_world(), seismic_mpi_errors_return())
        var r: Int32 = 0, s: Int32 = 0
        MPI_Comm_rank(seismic_mpi_comm_world(), &r)
        MPI_Comm_size(seismic_mpi_comm_world(), &s)
        rank = Int(r)
        size = Int(s)
    }

    private func check(_ code: Int32, _ what: String) {
        guard code != MPI_SUCCESS else { return }
        var text = [CChar](repeating: 0, count: Int(MPI_MAX_ERROR_STRING))
        var length: Int32 = 0
        MPI_Error_string(code, &text, &length)
        FileHandle.standardError.write(Data("seismic-mpi: rank \(rank): \(what) failed: \(String(cString: text)); stopping the job (the last checkpoint can be resumed)\n".utf8))
        MPI_Abort(seismic_mpi_comm_world(), 2)
    }

    public func sum(_ values: UnsafeMutablePointer<Double>, count: Int) {
        check(MPI_Allreduce(seismic_mpi_in_place(), values, Int32(count), seismic_mpi_double(), seismic_mpi_sum(), seismic_mpi_comm_world()), "MPI_Allreduce")
    }

    public func sum(_ values: UnsafeMutablePointer<Float>, count: Int) {
        check(MPI_Allreduce(seismic_mpi_in_place(), values, Int32(count), seismic_mpi_float(), seismic_mpi_sum(), seismic_mpi_comm_world()), "MPI_Allreduce")
    }

    public func barrier() { check(MPI_Barrier(seismic_mpi_comm_world()), "MPI_Barrier") }

    public func finish() { MPI_Finalize() }
}
#endif
