// Help text of every command and subcommand, compared with committed snapshots.
//
// The snapshots live in Tests/Fixtures/help/<command path joined by '-'>.txt (seismic.txt for the
// root, prep-qsis-events.txt for `seismic prep qsis-events`), rendered 100 columns wide. After a
// deliberate change to help text, regenerate them and review the diff:
//
//     SEISMIC_UPDATE_SNAPSHOTS=1 swift test --filter HelpSnapshotTests
//
// (the test then rewrites every snapshot and fails, so an update is never silent).

import ArgumentParser
import Foundation
import SeismicCLI
import SeismicTorch
import TestSupport
import Testing

/// Every command of the tool with its path of command names (["seismic", "prep", "qsis-events"]).
func allCommands(_ command: ParsableCommand.Type = Seismic.self, path: [String] = []) -> [(path: [String], type: ParsableCommand.Type)] {
    let here = path + [command._commandName]
    return [(here, command)] + command.configuration.subcommands.flatMap { allCommands($0, path: here) }
}

struct HelpSnapshotTests {
    static let folder = Fixtures.path("help")
    static let updating = ProcessInfo.processInfo.environment["SEISMIC_UPDATE_SNAPSHOTS"] == "1"

    static func help(_ command: ParsableCommand.Type) -> String {
        Seismic.helpMessage(for: command, columns: 100) + "\n"
    }

    static func snapshotName(_ path: [String]) -> String {
        path.count == 1 ? "seismic.txt" : path.dropFirst().joined(separator: "-") + ".txt"
    }

    @Test func everyCommandsHelpMatchesItsSnapshot() throws {
        let commands = allCommands()
        #expect(commands.count >= 20)  // 13 commands, prep's 5 and sac's 2 and checkpoint's 3 subcommands
        if Self.updating { try FileManager.default.createDirectory(atPath: Self.folder, withIntermediateDirectories: true) }
        for (path, type) in commands {
            let file = Self.folder + "/" + Self.snapshotName(path)
            let text = Self.help(type)
            if Self.updating {
                try text.write(toFile: file, atomically: true, encoding: .utf8)
                Issue.record("rewrote \(file); unset SEISMIC_UPDATE_SNAPSHOTS and run again")
                continue
            }
            let expected = try #require(
                try? String(contentsOfFile: file, encoding: .utf8),
                "no snapshot \(file) for `\(path.joined(separator: " "))`; run with SEISMIC_UPDATE_SNAPSHOTS=1")
            #expect(text == expected, "`\(path.joined(separator: " ")) --help` differs from \(file)")
        }
        // No stale snapshot of a command that is gone.
        let names = Set(commands.map { Self.snapshotName($0.path) })
        let present = Set(try FileManager.default.contentsOfDirectory(atPath: Self.folder).filter { $0.hasSuffix(".txt") })
        #expect(present == names)
    }

    /// A Swift string literal line ending in `\\` prints a backslash instead of joining lines.
    @Test func noHelpLineEndsInABackslash() {
        for (path, type) in allCommands() {
            for line in Self.help(type).split(separator: "\n", omittingEmptySubsequences: false) {
                #expect(!line.hasSuffix("\\"), "`\(path.joined(separator: " ")) --help`: \(line)")
            }
        }
    }
}

struct VersionAndChoicesTests {
    @Test func versionIsTheLibrarysVersion() throws {
        let failure = try #require(parseFailure(["--version"]))
        #expect(failure.message == SeismicTorchVersion.current && failure.code == .success)
        #expect(SeismicTorchVersion.current.split(separator: ".").count == 3)
    }

    /// An invalid choice lists the valid ones, for every enum-valued option.
    @Test(arguments: [
        (["train", "--data", "d", "--out", "o", "--model", "x"], "'earthquake' and 'spectrogram'"),
        (["classify", "--model", "m", "r", "--format", "x"], "'table', 'csv' or 'json'"),
        (["export", "--model", "m", "-o", "o", "--format", "x"], "'onnx'"),
        (["prep", "qsis-events", "--folder", "/", "-o", "o", "--arrivals", "x"], "'reference', 'model' or 'header'"),
        (["monitor", "--model", "m", "--source", "stdin", "--units", "x"], "'g', 'm/s2' or 'gal'")
    ])
    func invalidChoicesListTheValidOnes(_ arguments: [String], _ choices: String) throws {
        let failure = try #require(parseFailure(arguments))
        #expect(failure.message.hasSuffix("Please provide one of \(choices)."), "\(failure.message)")
        #expect(failure.code == .validationFailure)
    }
}
