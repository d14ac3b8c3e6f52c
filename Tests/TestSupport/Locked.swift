// Locked: a value shared by test threads (thread-ranks, a source's reader thread), behind a lock.

import Foundation

/// A value behind a lock, for tests whose closures run on other threads.
public final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    public init(_ value: Value) { self.value = value }
    /// Runs `body` on the value while holding the lock.
    public func withLock<T>(_ body: (inout Value) -> T) -> T { lock.lock(); defer { lock.unlock() }; return body(&value) }
    /// A copy of the value.
    public var current: Value { withLock { $0 } }
}
