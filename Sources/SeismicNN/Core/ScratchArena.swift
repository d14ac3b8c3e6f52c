// ScratchArena: a layer's working memory, kept from call to call while it is small.

/// Working memory a layer asks for on every call: kept (and grown) between calls when a call needs at
/// most `keptLimit` values, so one window at a time allocates none of it; a larger request gets memory
/// of its own, freed when the call's body returns (large work, where an allocation is small against the
/// arithmetic, holds nothing between calls). The first value is on a 64-byte boundary, as `Buffer`'s.
/// One call at a time: the owner (a layer) is not called concurrently; the chunks inside one call
/// share the memory by dividing it (`withValues`' areas are disjoint by construction).
public final class ScratchArena {
    /// Values kept between calls at most (default 64 Ki values, 256 kB).
    public let keptLimit: Int
    private var kept: UnsafeMutableRawPointer?
    /// Values held between calls (0 until a call within the limit; at least 1 after one).
    public private(set) var keptCount = 0

    public init(keptLimit: Int = 1 << 16) { self.keptLimit = keptLimit }

    deinit { kept?.deallocate() }

    /// Floats in one area of `count` values rounded up to whole 64-byte lines, so that consecutive
    /// areas each start on a line.
    public static func lineRounded(_ count: Int) -> Int { (count + 15) / 16 * 16 }

    /// Runs `body` with `count` floats of uninitialised working memory (valid only inside `body`).
    public func withValues<R>(_ count: Int, _ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        guard count <= keptLimit else {
            let own = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
            defer { own.deallocate() }
            return try body(own.bindMemory(to: Float.self, capacity: max(count, 1)))
        }
        if kept == nil || keptCount < count {
            kept?.deallocate()
            kept = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
            keptCount = max(count, 1)
        }
        return try body(kept!.bindMemory(to: Float.self, capacity: keptCount))
    }
}
