// seismic: the SeismicTorch command-line tool. Each subcommand lives in its own file.

import ArgumentParser
import SeismicNN
import SeismicTorch

public struct Seismic: ParsableCommand {
    public init() {}
    public static let configuration = CommandConfiguration(
        commandName: "seismic",
        abstract: "Classify seismic records with small CNNs: read, prepare, train, evaluate, export.",
        discussion: """
            Records are miniSEED files and SDS archives (read with libmseed), SAC files (one per \
            component, …HLX/HLY/HLZ…, …E/N/Z…, …1/2/Z…) or STEAD-layout HDF5; units come from SAC \
            headers, StationXML inventories or --units. Answers are picks (CSV, QuakeML), \
            probability traces (miniSEED) and tables, with SEED ids and UTC times. \
            Models and their contracts (classes, sampling rate, window, preprocessing) travel in \
            safetensors checkpoints that PyTorch loads too.

            Start with:  seismic demo   (writes demo-run/report.html)
            """,
        version: SeismicTorchVersion.current,
        subcommands: [
            Demo.self, Synth.self, Prep.self, Merge.self, Train.self, Finetune.self, Evaluate.self, Export.self, Import.self, Classify.self, Monitor.self,
            DataCommand.self,
            Models.self, Info.self, SAC.self, CheckpointCommand.self
        ])

    /// The process the commands run in, set once by `main(context:)` before any command runs (the
    /// front end is the one place that knows it: `seismic` alone, `seismic-mpi` a rank of a job);
    /// commands hand it to the library calls that need it.
    nonisolated(unsafe) public private(set) static var context = JobContext()

    /// Parses the command line and runs the command in `context` (its kernels on `context.workers` cores).
    public static func main(context: JobContext) {
        Self.context = context
        context.run { main() }
    }

    /// Settings every compute-heavy subcommand applies before it starts.
    static func prepareEngine() {
        BLASThreads.useSingleThreadPerCall()
        Memory.keepLargeAllocations()
    }
}

/// A failure reported to the user as one line, exit status 1 (never a stack trace).
struct UserFacingError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
