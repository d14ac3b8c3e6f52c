// StandardOutput: one owner of file descriptor 1 at a time among the tests of this process.

import Foundation

/// Tests run concurrently in one process and file descriptor 1 belongs to all of them: a test that
/// captures standard output (redirecting fd 1) would also catch what another test prints. So a
/// test that captures, or that runs a command printing to standard output, does it inside
/// `withStandardOutput`; tests' own notes go to standard error (`diagnostic`).
private let standardOutputLock = NSRecursiveLock()

/// Runs `body` while no other test prints to or captures standard output.
public func withStandardOutput<T>(_ body: () throws -> T) rethrows -> T {
    standardOutputLock.lock()
    defer { standardOutputLock.unlock() }
    return try body()
}

/// A test's note (measured errors, summaries) on standard error, where no capture catches it.
public func diagnostic(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
