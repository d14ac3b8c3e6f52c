// SeedLinkPacket: one SeedLink 3.1 frame — an 8-byte header ("SL" + sequence number, or "SLINFO")
// and a 512-byte miniSEED record — and the arithmetic of 24-bit sequence numbers.

import Foundation

/// One frame of a SeedLink 3.1 data stream: 8 bytes of header, then a 512-byte miniSEED 2 record.
/// Data frames start "SL" and six hexadecimal digits (the station's sequence number); INFO frames
/// start "SLINFO" and " *" (more follow) or "  " (the last).
public enum SeedLinkPacket: Sendable, Equatable {
    case data(sequence: Int, record: [UInt8])
    case info(record: [UInt8], last: Bool)

    /// Bytes of a frame: header and record.
    public static let headerLength = 8, recordLength = 512, length = 520

    /// Parses one frame from exactly `length` bytes.
    /// - Throws: `SeedLinkPacketError` naming what the header holds instead (printable bytes
    ///   shown, others as hex), so a log says what the server sent.
    public init(frame bytes: ArraySlice<UInt8>) throws(SeedLinkPacketError) {
        guard bytes.count == Self.length else { throw .wrongLength(bytes.count) }
        let header = Array(bytes.prefix(Self.headerLength))
        let record = Array(bytes.dropFirst(Self.headerLength))
        if header.starts(with: Array("SLINFO".utf8)) {
            self = .info(record: record, last: header[7] != UInt8(ascii: "*"))
            return
        }
        guard header[0] == UInt8(ascii: "S"), header[1] == UInt8(ascii: "L"),
            let sequence = Int(String(decoding: header[2..<8], as: UTF8.self), radix: 16),
            header[2..<8].allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 70) || ($0 >= 97 && $0 <= 102) })
        else { throw .badHeader(Self.show(header)) }
        self = .data(sequence: sequence, record: record)
    }

    /// The first bytes of `bytes` as a log shows them: printable ASCII as is, others as \xNN.
    public static func show<C: Collection>(_ bytes: C, limit: Int = 16) -> String where C.Element == UInt8 {
        bytes.prefix(limit).map { $0 >= 32 && $0 < 127 ? String(UnicodeScalar($0)) : String(format: "\\x%02X", $0) }.joined()
            + (bytes.count > limit ? "…" : "")
    }

    /// Sequence numbers are 24-bit and wrap: whether `b` comes after `a` (within half the range).
    public static func isAfter(_ b: Int, _ a: Int) -> Bool {
        let d = (b - a) & 0xFF_FFFF
        return d != 0 && d < 0x80_0000
    }

    /// The number following `a` (wrapping at 2²⁴).
    public static func next(after a: Int) -> Int { (a + 1) & 0xFF_FFFF }

    /// "NET_STA" of a miniSEED 2 record (its fixed header's network and station codes, trimmed);
    /// nil when the record is too short or the codes are not ASCII.
    public static func stationKey(ofRecord record: [UInt8]) -> String? {
        guard record.count >= 48 else { return nil }
        func field(_ r: Range<Int>) -> String? {
            let b = record[r]
            guard b.allSatisfy({ $0 >= 32 && $0 < 127 }) else { return nil }
            return String(decoding: b, as: UTF8.self).trimmingCharacters(in: .whitespaces)
        }
        guard let station = field(8..<13), let network = field(18..<20), !station.isEmpty else { return nil }
        return "\(network)_\(station)"
    }

    /// The text an INFO frame's record carries (an ASCII log record: its sample count of bytes
    /// from its data offset, in the header's byte order, told by the year field as libmseed
    /// does); nil when the record is not such.
    public static func text(ofRecord record: [UInt8]) -> String? {
        guard record.count >= 48 else { return nil }
        func u16(_ at: Int, swap: Bool) -> Int {
            let hi = Int(record[at]), lo = Int(record[at + 1])
            return swap ? lo << 8 | hi : hi << 8 | lo
        }
        let swap = !(1900...2100).contains(u16(20, swap: false))
        let count = u16(30, swap: swap), offset = u16(44, swap: swap)
        guard offset >= 48, offset + count <= record.count else { return nil }
        return String(decoding: record[offset..<(offset + count)], as: UTF8.self)
    }
}

/// A frame that is not SeedLink's.
public enum SeedLinkPacketError: Error, CustomStringConvertible, Equatable {
    case wrongLength(Int)
    /// The header is neither "SL" + six hexadecimal digits nor "SLINFO" (3.1), or not a valid
    /// "SE" header (4.0): what it was, shown.
    case badHeader(String, version: SeedLinkVersion = .v3)

    public var description: String {
        switch self {
        case .wrongLength(let n): return "a frame of \(n) bytes, not \(SeedLinkPacket.length)"
        case .badHeader(let shown, .v3): return "a frame header '\(shown)' that is neither SL + a 6-digit hexadecimal sequence number nor SLINFO"
        case .badHeader(let shown, .v4):
            return "a packet header '\(shown)' that is not a SeedLink 4.0 header (SE, format, subformat, length, sequence number, station)"
        }
    }
}
