// Buffer: one owned, fixed-size allocation of plain values, addressed by pointer.

/// For kernels' working and cached arrays: a stable pointer without nested `withUnsafe…` scopes,
/// freed with the buffer. Contents start uninitialised unless `repeating` is given. The first value is
/// on a 64-byte boundary (`alignment`): malloc's 16 put every AVX-512 vector of a kernel across two
/// cache lines, and a store so split does not forward to the next load (the training block's forward,
/// which reloads its running winner, 13 % slower on Zen 4 at 16 mod 64 than at 0).
public final class Buffer<Element> {
    public let pointer: UnsafeMutablePointer<Element>
    public let count: Int
    /// Bytes the first value is aligned to: one cache line, one AVX-512 vector.
    public static var alignment: Int { 64 }

    public init(count: Int) {
        self.count = count
        let capacity = max(count, 1)
        pointer = UnsafeMutableRawPointer.allocate(
            byteCount: capacity * MemoryLayout<Element>.stride, alignment: max(Self.alignment, MemoryLayout<Element>.alignment)
        ).bindMemory(to: Element.self, capacity: capacity)
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

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }

    public subscript(i: Int) -> Element {
        get { pointer[i] }
        set { pointer[i] = newValue }
    }
}
