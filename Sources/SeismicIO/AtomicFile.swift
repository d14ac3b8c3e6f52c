// AtomicFile: every file output written whole or not at all — a temporary file next to the target,
// flushed to disk, renamed over it.

import Foundation

/// Writes files so that a reader (or a crash, Ctrl-C or full disk) never sees a partial one: the
/// content goes to a hidden temporary file in the target's folder, is flushed with fsync, and is
/// renamed over the target in one step (POSIX rename). On any failure the temporary file is removed
/// and the target is left as it was.
public enum AtomicFile {
    /// The temporary name `write` uses for `path`: hidden, in the same folder, unique to the process.
    public static func temporaryPath(for path: String) -> String {
        let url = URL(fileURLWithPath: path)
        return url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial-\(getpid())").path
    }

    /// Runs `produce` with a temporary path to write the whole file at (by any means, a C library
    /// included), then flushes and renames it over `path`.
    /// - Throws: `AtomicFileError` naming `path` when the temporary file cannot be flushed or moved;
    ///   whatever `produce` throws, after removing the temporary file.
    public static func write(to path: String, _ produce: (String) throws -> Void) throws {
        let temporary = temporaryPath(for: path)
        do {
            try produce(temporary)
            let fd = open(temporary, O_RDONLY)
            guard fd >= 0 else { throw AtomicFileError(path: path, reason: "the temporary file \(temporary) was not written") }
            let synced = fsync(fd) == 0
            let reason = String(cString: strerror(errno))
            close(fd)
            guard synced else { throw AtomicFileError(path: path, reason: "flushing to disk failed: \(reason)") }
            guard rename(temporary, path) == 0 else { throw AtomicFileError(path: path, reason: String(cString: strerror(errno))) }
        } catch {
            unlink(temporary)
            throw error
        }
    }

    /// Writes `data` to `path` atomically.
    /// - Throws: `AtomicFileError` naming `path` and the system's reason ("No such file or
    ///   directory" for a missing folder, "Is a directory", "No space left on device"…).
    public static func write(_ data: Data, to path: String) throws {
        if InputPaths.isFolder(path) { throw AtomicFileError(path: path, reason: "it is a folder") }
        try write(to: path) { temporary in
            let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard fd >= 0 else { throw AtomicFileError(path: path, reason: String(cString: strerror(errno))) }
            defer { close(fd) }
            try data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
                var done = 0
                while done < bytes.count {
                    let n = systemWrite(fd, bytes.baseAddress! + done, bytes.count - done)
                    if n < 0, errno == EINTR { continue }
                    guard n > 0 else { throw AtomicFileError(path: path, reason: String(cString: strerror(errno))) }
                    done += n
                }
            }
        }
    }

    /// Writes `text` as UTF-8 to `path` atomically.
    public static func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: path)
    }
}

/// A file that could not be put in place; the target is unchanged.
public struct AtomicFileError: Error, CustomStringConvertible, Equatable {
    public var path: String
    public var reason: String
    public var description: String { "writing \(path) failed: \(reason)" }
}

/// write(2), named apart from `AtomicFile.write`.
private func systemWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int { write(fd, bytes, count) }
