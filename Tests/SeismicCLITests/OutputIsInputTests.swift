// No command writes over one of its inputs (issue: export, import, evaluate --json and sac prepare
// each destroyed their input and exited 0).

import ArgumentParser
import Foundation
import SeismicCLI
import SeismicIO
import SeismicNN
import SeismicTorch
import TestSupport
import Testing

struct OutputIsInputTests {
    @Test(arguments: [
        ["export", "--model", "m.safetensors", "-o", "m.safetensors"],
        ["export", "--model", "runs/../m.safetensors", "-o", "./m.safetensors"],
        ["import", "reference.onnx", "-o", "reference.onnx"],
        ["evaluate", "--model", "m.safetensors", "--data", "d.h5", "--json", "d.h5"],
        ["evaluate", "--model", "m.safetensors", "--data", "d.h5", "--json", "m.safetensors"],
        ["merge", "a.h5", "b.h5", "-o", "./b.h5"]
    ])
    func anOutputThatIsAnInputIsRefusedBeforeWork(arguments: [String]) throws {
        let failure = try #require(parseFailure(arguments), "\(arguments) was accepted")
        #expect(failure.code == .validationFailure)
        #expect(failure.message.contains("would destroy the input"), "\(failure.message)")
    }

    @Test func sacPrepareIntoTheRecordsOwnFolderIsRefusedAndLeavesItUntouched() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("prepare-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var rng = SeededGenerator(seed: 4)
        try SyntheticRecord.generate(event: true, durationSeconds: 10, using: &rng).writeSAC(folder: folder, name: "ST03.ev", station: "ST03")
        let file = folder + "/ST03.ev.HLZ.sac"
        let before = try Data(contentsOf: URL(fileURLWithPath: file))
        var command = try Seismic.parseAsRoot(["sac", "prepare", file, "--out", folder + "/."])
        #expect(throws: (any Error).self) { try withStandardOutput { try command.run() } }
        #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == before)
    }
}
