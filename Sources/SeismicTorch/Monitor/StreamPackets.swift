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
}

public enum StreamParsing {
    /// A Raspberry Shake UDP datagram: `{'EHZ', 1585265558.718, 16450, 16431, …}` (counts).
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
            guard let v = Double(p), v.isFinite else { return nil }
            samples.append(v)
        }
        return StreamPacket(channel: channel, time: time, samples: samples)
    }

    /// A `time,x,y,z` line (time in seconds; values in the stream's units); nil when malformed.
    public static func csvLine(_ line: String) -> (time: Double, values: [Double])? {
        let parts = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count >= 2, let t = Double(parts[0]), t.isFinite else { return nil }
        let v = parts.dropFirst().compactMap { Double($0) }
        guard v.count == parts.count - 1, v.allSatisfy(\.isFinite) else { return nil }
        return (t, v)
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
