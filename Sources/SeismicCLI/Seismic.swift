// seismic: the SeismicTorch command-line tool. Each subcommand lives in its own file.

import ArgumentParser
import Foundation
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
        context.run { runCommandLine(nil) }
    }

    /// As ArgumentParser's `main`, except that a `ValidationError` a command throws from `run()`
    /// (options found not to fit together once its files are read) is reported with that
    /// command's usage, as one thrown by `validate()` is, not the root command's (exit status 64).
    static func runCommandLine(_ arguments: [String]?) {
        var command: ParsableCommand
        do { command = try parseAsRoot(arguments) } catch { exit(withError: error) }
        do {
            try command.run()
        } catch let error as ValidationError {
            writeStandardError(usageError(error, command: Swift.type(of: command)))
            Foundation.exit(ExitCode.validationFailure.rawValue)
        } catch {
            exit(withError: error)
        }
    }

    /// The report of a `ValidationError` thrown by `command`'s `run()`: the message, then the
    /// command's usage and where its help is (lines ending in a line end).
    public static func usageError(_ error: ValidationError, command: ParsableCommand.Type) -> String {
        let names = commandPath(to: command)?.joined(separator: " ") ?? command._commandName
        return "Error: \(error.message)\nUsage: \(usageString(for: command))\n  See '\(names) --help' for more information.\n"
    }

    /// The command names from the root to `type` ("seismic data list"); nil when it is not a subcommand.
    public static func commandPath(to type: ParsableCommand.Type, from root: ParsableCommand.Type = Seismic.self) -> [String]? {
        if root == type { return [root._commandName] }
        for sub in root.configuration.subcommands {
            if let rest = commandPath(to: type, from: sub) { return [root._commandName] + rest }
        }
        return nil
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
