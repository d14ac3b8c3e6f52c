// StandardStreams: writing to stderr and stdout without trapping when a reader has gone (a pipe
// into `head`, a closed terminal): FileHandle.write traps on EPIPE; write(2) returns an error.

import Foundation

/// Writes all of `text` to file descriptor `fd`; false on an error (EPIPE: the reader has gone).
private func writeAll(_ fd: Int32, _ text: String) -> Bool {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            return false
        }
        bytes = bytes.dropFirst(n)
    }
    return true
}

/// Writes `text` to stderr as it is; a closed stderr is ignored.
func writeStandardError(_ text: String) {
    _ = writeAll(STDERR_FILENO, text)
}

/// Writes one line to stdout at once (after anything `print` buffered); returns false once stdout
/// is closed (EPIPE: the reader has gone), so a long-running command can stop in order rather
/// than run unheard.
@discardableResult
func printLine(_ line: String) -> Bool {
    fflush(nil)
    return writeAll(STDOUT_FILENO, line + "\n")
}
