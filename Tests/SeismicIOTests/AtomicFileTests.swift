// AtomicFile: a file output is complete or absent; a failed write leaves the target as it was.

import Foundation
import SeismicIO
import Testing

@Suite struct AtomicFileTests {
    private func folder() throws -> String {
        let f = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-\(UUID())").path
        try FileManager.default.createDirectory(atPath: f, withIntermediateDirectories: true)
        return f
    }

    @Test func replacesTheTargetWholeAndLeavesNoTemporaryFile() throws {
        let f = try folder()
        defer { try? FileManager.default.removeItem(atPath: f) }
        try AtomicFile.write("old", to: f + "/out.txt")
        try AtomicFile.write("new content", to: f + "/out.txt")
        #expect(try String(contentsOfFile: f + "/out.txt", encoding: .utf8) == "new content")
        #expect(try FileManager.default.contentsOfDirectory(atPath: f) == ["out.txt"])
    }

    struct Interrupted: Error {}

    /// A producer that fails halfway (a C library's write, a full disk): the old file stays, the
    /// partial one is removed, and the producer's error comes through.
    @Test func aFailedProducerLeavesTheTargetUntouched() throws {
        let f = try folder()
        defer { try? FileManager.default.removeItem(atPath: f) }
        try AtomicFile.write("kept", to: f + "/out.txt")
        #expect(throws: Interrupted.self) {
            try AtomicFile.write(to: f + "/out.txt") { temporary in
                try Data("half".utf8).write(to: URL(fileURLWithPath: temporary))
                throw Interrupted()
            }
        }
        #expect(try String(contentsOfFile: f + "/out.txt", encoding: .utf8) == "kept")
        #expect(try FileManager.default.contentsOfDirectory(atPath: f) == ["out.txt"])
        // A producer that writes nothing is an error naming the target, not an empty file.
        #expect { try AtomicFile.write(to: f + "/none.txt") { _ in } } throws: { ($0 as? AtomicFileError)?.path == f + "/none.txt" }
        #expect(!FileManager.default.fileExists(atPath: f + "/none.txt"))
    }

    @Test func aMissingFolderIsAnError() {
        #expect(throws: (any Error).self) { try AtomicFile.write("x", to: "/nonexistent-\(UUID())/out.txt") }
    }
}
