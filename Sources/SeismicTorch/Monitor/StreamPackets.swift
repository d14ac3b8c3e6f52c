// StreamPackets: parsing what live sources send (Raspberry Shake UDP packets, time,x,y,z lines).

import Foundation

/// One packet of one component: channel code, time of the first sample, samples (raw units).
public struct StreamPacket: Sendable, Equatable {
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
    /// that is not a finite number, a sample that is not a number). Samples that are numbers but
    /// not finite (nan, inf) are kept: `MonitorRunner` flags, skips and counts such packets.
    public static func shakePacket(_ text: String) -> StreamPacket? {
        var t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard t.hasPrefix("{"), t.hasSuffix("}") else { return nil }
        t = String(t.dropFirst().dropLast())
        let parts = t.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count >= 3 else { return nil }
        let channel = parts[0].trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
        guard !channel.isEmpty, channel.count <= 8, let time = Double(parts[1]), time.isFinite else { return nil }
        var samples: [Double] = []
        samples.reserveCapacity(parts.count - 2)
        for p in parts.dropFirst(2) {
            guard let v = Double(p) else { return nil }
            samples.append(v)
        }
        return StreamPacket(channel: channel, time: time, samples: samples)
    }

    /// A `time,x,y,z` line (time in seconds; values in the stream's units); nil when malformed
    /// (a time that is not a finite number, a value that is not a number). Values that are numbers
    /// but not finite (nan, inf) are kept, to be flagged and counted as for UDP packets.
    public static func csvLine(_ line: String) -> (time: Double, values: [Double])? {
        let parts = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count >= 2, let t = Double(parts[0]), t.isFinite else { return nil }
        let v = parts.dropFirst().compactMap { Double($0) }
        guard v.count == parts.count - 1 else { return nil }
        return (t, v)
    }

    /// The instrument of a channel code, as SEED groups channels: the code without its last
    /// letter (the orientation), i.e. band code + instrument code for SEED's three letters —
    /// "EN" for ENE/ENN/ENZ (accelerometer), "EH" for EHZ (geophone); "" for the one-letter
    /// channels of `time,x,y,z` lines. Upper-cased.
    public static func instrument(of channel: String) -> String {
        String(channel.uppercased().dropLast())
    }

    /// Component index of a channel code: its last letter in E/N/Z or X/Y/Z or 1/2/Z order.
    public static func componentIndex(_ channel: String) -> Int? {
        guard let last = channel.uppercased().last else { return nil }
        switch last {
        case "E", "X", "1": return 0
        case "N", "Y", "2": return 1
        case "Z": return 2
        default: return nil
        }
    }
}
