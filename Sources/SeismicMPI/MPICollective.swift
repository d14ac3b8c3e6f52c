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
        /// Longest a collective may wait for the other ranks (a hung rank); then this rank exits and
        /// mpirun stops the job. SEISMIC_MPI_TIMEOUT seconds, 600 by default.
        public let timeoutSeconds: Double
        private let watchdog = Watchdog()

        public init() {
            var provided: Int32 = 0
            MPI_Init_thread(nil, nil, Int32(MPI_THREAD_FUNNELED), &provided)
            MPI_Comm_set_errhandler(seismic_mpi_comm_world(), seismic_mpi_errors_return())
            var r: Int32 = 0, s: Int32 = 0
            MPI_Comm_rank(seismic_mpi_comm_world(), &r)
            MPI_Comm_size(seismic_mpi_comm_world(), &s)
            rank = Int(r)
            size = Int(s)
            timeoutSeconds = Double(ProcessInfo.processInfo.environment["SEISMIC_MPI_TIMEOUT"] ?? "") ?? 600
            watchdog.start(rank: rank)
        }

        private func check(_ code: Int32, _ what: String) {
            guard code != MPI_SUCCESS else { return }
            var text = [CChar](repeating: 0, count: Int(MPI_MAX_ERROR_STRING))
            var length: Int32 = 0
            MPI_Error_string(code, &text, &length)
            FileHandle.standardError.write(
                Data("seismic-mpi: rank \(rank): \(what) failed: \(String(cString: text)); stopping the job (the last checkpoint can be resumed)\n".utf8))
            MPI_Abort(seismic_mpi_comm_world(), 2)
        }

        public func sum(_ values: UnsafeMutablePointer<Double>, count: Int) {
            watchdog.arm(timeoutSeconds)
            defer { watchdog.disarm() }
            check(
                MPI_Allreduce(seismic_mpi_in_place(), values, Int32(count), seismic_mpi_double(), seismic_mpi_sum(), seismic_mpi_comm_world()), "MPI_Allreduce")
        }

        public func sum(_ values: UnsafeMutablePointer<Float>, count: Int) {
            watchdog.arm(timeoutSeconds)
            defer { watchdog.disarm() }
            check(
                MPI_Allreduce(seismic_mpi_in_place(), values, Int32(count), seismic_mpi_float(), seismic_mpi_sum(), seismic_mpi_comm_world()), "MPI_Allreduce")
        }

        public func finish() { MPI_Finalize() }
    }
    /// Ends the process when a collective outlives its deadline, so a hung peer never hangs the job.
    final class Watchdog: @unchecked Sendable {
        private let lock = NSLock()
        private var deadline: Date?

        func arm(_ seconds: Double) { lock.lock(); deadline = Date().addingTimeInterval(seconds); lock.unlock() }
        func disarm() { lock.lock(); deadline = nil; lock.unlock() }

        func start(rank: Int) {
            Thread { [self] in
                while true {
                    Thread.sleep(forTimeInterval: 1)
                    lock.lock()
                    let expired = deadline.map { Date() > $0 } ?? false
                    lock.unlock()
                    if expired {
                        FileHandle.standardError.write(
                            Data(
                                "seismic-mpi: rank \(rank): no answer from the other ranks within SEISMIC_MPI_TIMEOUT; stopping the job (the last checkpoint can be resumed)\n"
                                    .utf8))
                        _exit(3)
                    }
                }
            }.start()
        }
    }
#endif
