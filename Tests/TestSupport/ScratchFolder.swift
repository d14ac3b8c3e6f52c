// ScratchFolder: a fresh folder under the system's temporary directory for one test.

import Foundation

/// Creates and returns a new, empty folder "PREFIX-UUID" in the temporary directory; the test
/// removes it (`defer { try? FileManager.default.removeItem(atPath: folder) }`).
public func scratchFolder(_ prefix: String) throws -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID())").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    return folder
}
