// Buffer: one owned, fixed-size allocation of plain values, addressed by pointer.

/// For kernels' working and cached arrays: a stable pointer without nested `withUnsafe…` scopes,
/// freed with the buffer. Contents start uninitialised unless `repeating` is given.
public final class Buffer<Element> {
    public let pointer: UnsafeMutablePointer<Element>
    public let count: Int

    public init(count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
    }

    public convenience init(repeating value: Element, count: Int) {
        self.init(count: count)
        pointer.initialize(repeating: value, count: count)
    }

    /// A copy of `source`'s first `count` values.
    public convenience init(copying source: UnsafePointer<Element>, count: Int) {
        self.init(count: count)
        pointer.initialize(from: source, count: count)
    }

    deinit { pointer.deallocate() }

    public subscript(i: Int) -> Element {
        get { pointer[i] }
        set { pointer[i] = newValue }
    }
}
