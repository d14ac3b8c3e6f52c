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

    /// A file name made from header codes stays one name in its folder: no "/", no control
    /// character or white space, never "." or ".." (nor empty); other text is kept as it is.
    @Test func fileNamesFromHeaderCodesStayInTheirFolder() {
        #expect(OutputPaths.fileName("BG.ACR..DP_20120825T051459.600Z") == "BG.ACR..DP_20120825T051459.600Z")
        #expect(OutputPaths.fileName("BG./../../x..DP") == "BG._.._.._x..DP")
        #expect(OutputPaths.fileName("a b\tc\u{1}d\u{7f}é") == "a_b_c_d_é")
        #expect(OutputPaths.fileName("..") == "_.")
        #expect(OutputPaths.fileName(".") == "_")
        #expect(OutputPaths.fileName("") == "_")
        // Every text of up to 3 characters from an alphabet of the troublesome ones.
        let alphabet = Array("./ \t\n\u{0}aZ9_-é").map { String($0) }
        var texts = [""]
        for length in 1...3 { texts += texts.filter { $0.count == length - 1 }.flatMap { t in alphabet.map { t + $0 } } }
        for text in texts {
            let name = OutputPaths.fileName(text)
            #expect(!name.isEmpty && name != "." && name != ".." && !name.contains("/"), "\(text.debugDescription) → \(name.debugDescription)")
            #expect(!name.contains(where: { $0.isWhitespace || ($0.asciiValue.map { $0 < 0x20 } ?? false) }), "\(text.debugDescription)")
        }
    }
}
