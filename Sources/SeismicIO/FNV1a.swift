// FNV1a: a 64-bit FNV-1a checksum, to tell whether bytes are the ones recorded earlier.

/// FNV-1a over 64 bits (Fowler–Noll–Vo): fast, not cryptographic; detects a file or dataset that is
/// not the one a manifest recorded.
public struct FNV1a: Sendable {
    public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    public mutating func add<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
        // Contiguous bytes (Data, arrays) in one tight loop: Data's iterator costs a call per byte,
        // which made checksumming each epoch's checkpoint show in training profiles.
        var v = value
        let contiguous: Bool? = bytes.withContiguousStorageIfAvailable { buffer in
            for b in buffer { v = (v ^ UInt64(b)) &* 0x100_0000_01b3 }
            return true
        }
        if contiguous == nil {
            for b in bytes { v = (v ^ UInt64(b)) &* 0x100_0000_01b3 }
        }
        value = v
    }

    /// The value as 16 hex digits.
    public var hex: String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// The checksum of `bytes` as 16 hex digits.
    public static func hex<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var h = FNV1a()
        h.add(bytes)
        return h.hex
    }
}
