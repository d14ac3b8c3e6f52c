// InputPaths: what a reader says when the path it is given is not a file it can read.

import Foundation

public enum InputPaths {
    /// Whether `path` names a folder (after symbolic links). Readers refuse such a path with
    /// `folderReason` in their own error instead of Foundation's "could not be completed".
    public static func isFolder(_ path: String) -> Bool {
        var folder: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &folder) && folder.boolValue
    }

    /// The reason readers give for a folder named where a file was expected.
    public static func folderReason(expected: String) -> String { "it is a folder, not \(expected)" }
}
