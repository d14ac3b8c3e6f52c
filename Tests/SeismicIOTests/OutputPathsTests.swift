// An output that is an input is refused, however it is spelled.

import Foundation
import SeismicIO
import Testing

@Suite struct OutputPathsTests {
    @Test func theSameFileByPathLinkOrHardLinkIsRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("outputs-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = dir + "/model.safetensors"
        FileManager.default.createFile(atPath: input, contents: Data([1, 2, 3]))
        try FileManager.default.createSymbolicLink(atPath: dir + "/link.safetensors", withDestinationPath: input)
        try FileManager.default.linkItem(atPath: input, toPath: dir + "/hard.safetensors")
        for spelling in [
            input, dir + "/sub/../model.safetensors", dir + "/./model.safetensors", dir + "/link.safetensors",
            dir + "/hard.safetensors"
        ] {
            #expect(throws: OutputPathError.self, "\(spelling)") { try OutputPaths.refuseInputs(spelling, inputs: [input]) }
        }
        // Another file, existing or not, is fine.
        FileManager.default.createFile(atPath: dir + "/other", contents: Data([1, 2, 3]))
        try OutputPaths.refuseInputs(dir + "/other", inputs: [input])
        try OutputPaths.refuseInputs(dir + "/new.onnx", inputs: [input])
    }
}
