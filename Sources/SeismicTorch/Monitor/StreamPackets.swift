// StreamPackets: parsing what live sources send (Raspberry Shake UDP packets, time,x,y,z lines).

import Foundation

/// One packet of one component: channel code, time of the first sample, samples (raw units).
public struct StreamPacket: Sendable, Equatable {
    /// The SEED channel code (ObsPy's `stats.channel`: band, instrument and orientation, e.g.
    /// ENZ); "X", "Y", "Z" for the columns of `time,x,y,z` lines. Its component in the model's
    /// order is `StreamParsing.componentIndex(_:)`.
    public var channel: String
    public var time: Double
    public var samples: [Double]

    public init(channel: String, time: Double, samples: [Double]) {
        self.channel = channel
        self.time = time
        self.samples = samples
    }

    /// True when a sample is NaN or ±inf (the runner flags, skips and counts such packets).
    public var hasNonFiniteSamples: Bool { !samples.allSatisfy(\.isFinite) }
}

public enum StreamParsing {
    /// A Raspberry Shake UDP datagram: `{'EHZ', 1585265558.718, 16450, 16431, …}` (counts); nil
    /// when malformed (no braces, no samples, a channel code of 0 or more than 8 characters, a time
    /// that is not a finite decimal number, a sample that is not a number: see `number`). Samples that are numbers but
    /// not finite (nan, inf) are kept: `MonitorRunner` flags, skips and counts such packets.
    public static func shakePacket(_ text: String) -> StreamPacket? {
        var t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard t.hasPrefix("{"), t.hasSuffix("}") else { return nil }
        t = String(t.dropFirst().dropLast())
        let parts = t.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count >= 3 else { return nil }
        let channel = parts[0].trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
        guard !channel.isEmpty, channel.count <= 8, let time = number(parts[1]), time.isFinite else { return nil }
        var samples: [Double] = []
        samples.reserveCapacity(parts.count - 2)
        for p in parts.dropFirst(2) {
            guard let v = number(p) else { return nil }
            samples.append(v)
        }
        return StreamPacket(channel: channel, time: time, samples: samples)
    }

    /// A `time,x,y,z` line (time in seconds; values in the stream's units) with exactly one value
    /// per component (`components`, the model's); nil when malformed: another number of fields, a
    /// time that is not a finite decimal number, a value that is not a number (see `number`).
    /// Fields are separated by commas (spaces around them allowed) or, in a line without a comma,
    /// by runs of spaces and tabs (`time x y z`, as awk and column-aligned files write them).
    /// Values that are numbers but not finite (nan, inf) are kept, to be flagged and counted as
    /// for UDP packets. A malformed line is refused whole: none of its values is used.
    public static func csvLine(_ line: String, components: Int = 3) -> (time: Double, values: [Double])? {
        let parts = fields(line)
        guard components > 0, parts.count == 1 + components, let t = number(parts[0]), t.isFinite else { return nil }
        var values: [Double] = []
        values.reserveCapacity(components)
        for p in parts.dropFirst() {
            guard let v = number(p) else { return nil }
            values.append(v)
        }
        return (t, values)
    }

    /// The fields of a `time,x,y,z` line: split at commas (each trimmed of spaces and tabs) when
    /// it has one, else at runs of spaces and tabs.
    public static func fields(_ line: String) -> [String] {
        if line.contains(",") {
            return line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        }
        return line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    }

    /// A number as a stream writes it: plain decimal (optional sign, digits with an optional
    /// fraction, optional exponent: `-1.5e-3`, `.5`, `7.`), or one of the words nan, inf,
    /// infinity (any case, optional sign) for a non-finite sample; nil for anything else — hex
    /// (`0x10`), an empty field, a stray character. (`Double(String)` alone also takes hex floats.)
    public static func number(_ text: String) -> Double? {
        var bytes = Substring(text).utf8[...]
        if let first = bytes.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        let word = String(decoding: bytes, as: UTF8.self).lowercased()
        if word == "nan" || word == "inf" || word == "infinity" { return Double(text) }
        func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
        let mantissa = bytes.prefix { isDigit($0) || $0 == UInt8(ascii: ".") }
        guard mantissa.filter({ $0 == UInt8(ascii: ".") }).count <= 1, mantissa.contains(where: isDigit) else { return nil }
        var rest = bytes.dropFirst(mantissa.count)
        if let e = rest.first, e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            rest = rest.dropFirst()
            if let s = rest.first, s == UInt8(ascii: "+") || s == UInt8(ascii: "-") { rest = rest.dropFirst() }
            guard let d = rest.first, isDigit(d) else { return nil }
            rest = rest.drop { isDigit($0) }
        }
        guard rest.isEmpty else { return nil }
        return Double(text)
    }

    /// The instrument of a channel code, as SEED groups channels: the code without its last
    /// letter (the orientation), i.e. band code + instrument code for SEED's three letters —
    /// "EN" for ENE/ENN/ENZ (accelerometer), "EH" for EHZ (geophone); "" for the one-letter
    /// channels of `time,x,y,z` lines. Upper-cased.
    public static func instrument(of channel: String) -> String {
        String(channel.uppercased().dropLast())
    }

    /// Component index of a channel code by its last letter: east-like E/X/2 → 0, north-like
    /// N/Y/1 → 1, vertical Z → 2 (`ComponentMapping`'s ZNE, ZXY and Z12 sets).
    public static func componentIndex(_ channel: String) -> Int? {
        guard let last = channel.uppercased().last else { return nil }
        switch last {
        case "E", "X", "2": return 0  // east-like; 2 as in Z12 (`ComponentMapping`)
        case "N", "Y", "1": return 1  // north-like
        case "Z": return 2
        default: return nil
        }
    }
}
