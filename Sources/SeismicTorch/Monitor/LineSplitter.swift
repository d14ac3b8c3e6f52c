// LineSplitter: a byte stream cut into lines in linear time, whatever its line ends, with a bound
// on the length of a line.

/// Cuts bytes arriving in chunks into lines ended by "\n", "\r\n" or "\r" (also across chunk
/// boundaries), in time linear in the input. A line longer than `maximumLineBytes` is not
/// buffered: its bytes are dropped up to its end and it is reported once as `.tooLong`. At the end
/// of the input (`finish`), a last line without a line end is a line like the others.
public struct LineSplitter: Sendable {
    public enum Piece: Equatable, Sendable {
        /// A line's bytes, without its line end.
        case line([UInt8])
        /// A line longer than the bound (its bytes dropped); `bytes` is its length.
        case tooLong(bytes: Int)
    }

    /// Lines longer than this many bytes are refused (64 KiB by default).
    public let maximumLineBytes: Int
    private var current: [UInt8] = []
    private var overflow = 0  // bytes of the current line beyond the bound (0: within it)
    private var afterCR = false  // the previous byte ended a line with "\r": a "\n" next belongs to it

    public init(maximumLineBytes: Int = 65_536) { self.maximumLineBytes = max(1, maximumLineBytes) }

    /// Takes the next chunk; returns the lines it completed, in order.
    public mutating func take<C: Collection>(_ chunk: C) -> [Piece] where C.Element == UInt8 {
        var out: [Piece] = []
        var start = chunk.startIndex
        var i = chunk.startIndex
        while i != chunk.endIndex {
            let b = chunk[i]
            if b == 0x0A || b == 0x0D {
                if b == 0x0A && afterCR && i == start && current.isEmpty && overflow == 0 {
                    // The "\n" of a "\r\n" whose "\r" ended the previous line.
                    afterCR = false
                    i = chunk.index(after: i)
                    start = i
                    continue
                }
                append(chunk[start..<i])
                out.append(endLine())
                afterCR = b == 0x0D
                i = chunk.index(after: i)
                start = i
                continue
            }
            afterCR = false
            i = chunk.index(after: i)
        }
        append(chunk[start..<chunk.endIndex])
        return out
    }

    /// The end of the input: the last line when it had no line end.
    public mutating func finish() -> [Piece] {
        guard !current.isEmpty || overflow > 0 else { return [] }
        return [endLine()]
    }

    private mutating func append<S: Collection>(_ bytes: S) where S.Element == UInt8 {
        guard !bytes.isEmpty else { return }
        if overflow > 0 { overflow += bytes.count; return }
        if current.count + bytes.count > maximumLineBytes {
            overflow = current.count + bytes.count - maximumLineBytes
            current.append(contentsOf: bytes.prefix(maximumLineBytes - current.count))
            return
        }
        current.append(contentsOf: bytes)
    }

    private mutating func endLine() -> Piece {
        defer { current.removeAll(keepingCapacity: current.count <= 4096); overflow = 0 }
        return overflow > 0 ? .tooLong(bytes: current.count + overflow) : .line(current)
    }
}
