// SeedLinkV4Packet: one SeedLink 4.0 packet — a 17-byte header ("SE", payload format and
// subformat, payload length, 64-bit sequence number, station-id length), the station id, then the
// payload — parsed from a stream of bytes and written for a server.

/// One packet of a SeedLink 4.0 stream (little-endian header, as the FDSN SeedLink 4.0
/// specification and libslink's `receive_header` lay it out):
///
/// | bytes | field |
/// |---|---|
/// | 0–1 | "SE" |
/// | 2 | payload format: '2' miniSEED 2, '3' miniSEED 3, 'J' JSON, 'X' XML |
/// | 3 | subformat: 'D' data, 'E' event, 'C' calibration, 'T' timing, 'L' log, 'O' opaque; for JSON 'I' INFO, 'E' ERROR |
/// | 4–7 | payload length (UInt32) |
/// | 8–15 | sequence number (UInt64) |
/// | 16 | station id length (UInt8) |
/// | 17… | station id ("NET_STA"), then the payload |
public struct SeedLinkV4Packet: Sendable, Equatable {
    public var format: UInt8
    public var subformat: UInt8
    /// The station's sequence number (64-bit). INFO and ERROR packets carry no meaningful one
    /// (ringserver sends 0); nil is written, and read back, as UInt64.max.
    public var sequence: Int?
    /// "NET_STA" as the server names the station (may be empty for INFO and ERROR packets).
    public var stationID: String
    public var payload: [UInt8]

    public static let headerLength = 17
    /// The longest payload a client accepts (a miniSEED record of a SeedLink server is at most a few kB;
    /// an INFO STREAMS answer of a large server some MB).
    public static let maximumPayload = 16 << 20

    public init(format: UInt8, subformat: UInt8, sequence: Int?, stationID: String, payload: [UInt8]) {
        self.format = format
        self.subformat = subformat
        self.sequence = sequence
        self.stationID = stationID
        self.payload = payload
    }

    /// Whether the payload is a miniSEED record (format '2' or '3').
    public var isMiniSEED: Bool { format == UInt8(ascii: "2") || format == UInt8(ascii: "3") }
    /// Whether the payload is the JSON of an INFO or ERROR answer.
    public var isInfo: Bool { format == UInt8(ascii: "J") && subformat == UInt8(ascii: "I") }
    public var isError: Bool { format == UInt8(ascii: "J") && subformat == UInt8(ascii: "E") }

    /// The first packet of `bytes` and how many bytes it took, or nil while the packet is incomplete.
    /// - Throws: `SeedLinkPacketError.badHeader` when the bytes do not start with "SE", or a payload
    ///   longer than `maximumPayload`, or a station id that is not printable ASCII (what was there, shown).
    public static func parse(_ bytes: ArraySlice<UInt8>) throws(SeedLinkPacketError) -> (packet: SeedLinkV4Packet, length: Int)? {
        let b = bytes.startIndex
        if bytes.count >= 2, bytes[b] != UInt8(ascii: "S") || bytes[b + 1] != UInt8(ascii: "E") {
            throw .badHeader(SeedLinkPacket.show(bytes), version: .v4)
        }
        guard bytes.count >= headerLength else { return nil }
        func le(_ at: Int, _ n: Int) -> UInt64 { (0..<n).reduce(UInt64(0)) { $0 | UInt64(bytes[b + at + $1]) << (8 * UInt64($1)) } }
        let payloadLength = Int(le(4, 4)), sequence = le(8, 8), idLength = Int(bytes[b + 16])
        guard payloadLength <= maximumPayload else {
            throw .badHeader(SeedLinkPacket.show(bytes.prefix(headerLength), limit: headerLength) + " (a payload of \(payloadLength) bytes)", version: .v4)
        }
        let total = headerLength + idLength + payloadLength
        guard bytes.count >= total else { return nil }
        let id = bytes[(b + headerLength)..<(b + headerLength + idLength)]
        guard id.allSatisfy({ $0 > 32 && $0 < 127 }) else {
            throw .badHeader(SeedLinkPacket.show(bytes.prefix(headerLength + idLength), limit: 40) + " (a station id that is not ASCII)", version: .v4)
        }
        // (Int.max is refused too: the next number asked for must fit.)
        guard sequence == .max || sequence < UInt64(Int.max) else {
            throw .badHeader(SeedLinkPacket.show(bytes.prefix(headerLength), limit: headerLength) + " (sequence number \(sequence))", version: .v4)
        }
        let packet = SeedLinkV4Packet(
            format: bytes[b + 2], subformat: bytes[b + 3], sequence: sequence == .max ? nil : Int(sequence),
            stationID: String(decoding: id, as: UTF8.self), payload: Array(bytes[(b + headerLength + idLength)..<(b + total)]))
        return (packet, total)
    }

    /// The packet's bytes, as a server sends them.
    public var bytes: [UInt8] {
        func le(_ v: UInt64, _ n: Int) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) } }
        let id = Array(stationID.utf8.prefix(255))
        return [UInt8(ascii: "S"), UInt8(ascii: "E"), format, subformat] + le(UInt64(payload.count), 4)
            + le(sequence.map { UInt64($0) } ?? .max, 8) + [UInt8(id.count)] + id + payload
    }
}
