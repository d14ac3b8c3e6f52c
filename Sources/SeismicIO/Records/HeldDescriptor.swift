// HeldDescriptor: the one file a piece reader has open, kept while consecutive pieces lie in it.

import Foundation

/// A reader's open file: `descriptor(for:open:)` hands back the descriptor while the path stays the
/// same, and closes it and opens the next when the path changes; `close` releases it.
struct HeldDescriptor {
    private var path: String?
    private var fd: Int32 = -1

    /// The descriptor of `path`, opened with `open` (which the caller writes: checks, errors) when
    /// another file, or none, is open.
    mutating func descriptor<E: Error>(for path: String, open: () throws(E) -> Int32) throws(E) -> Int32 {
        if self.path == path, fd >= 0 { return fd }
        close()
        fd = try open()
        self.path = path
        return fd
    }

    mutating func close() {
        if fd >= 0 { Foundation.close(fd) }
        fd = -1
        path = nil
    }
}
