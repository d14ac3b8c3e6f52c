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
            Records are SAC files (one per component, …HLX/HLY/HLZ… or …E/N/Z…) or STEAD-layout HDF5. \
            Models and their contracts (classes, sampling rate, window, preprocessing) travel in \
            safetensors checkpoints that PyTorch loads too.

            Start with:  seismic demo   (writes demo-run/report.html)
            """,
        version: SeismicTorchVersion.current,
        subcommands: [Demo.self, Synth.self, Prep.self, Merge.self, Train.self, Finetune.self, Evaluate.self, Export.self, Import.self, Classify.self, Monitor.self, SAC.self, CheckpointCommand.self])

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
