// PacketRates: a stream's sampling rate from its packets' times and sample counts, robust to
// lost, reordered and duplicated packets.

import Foundation

/// Packet-to-packet sampling rates of the channels of one instrument: for each packet that follows
/// an earlier one of the same channel, the previous packet's sample count divided by the time
/// between the two packets' first samples. A lost packet gives one rate at half the true value, a
/// gap or a clock jump one outlier; the median of the last `keep` rates ignores them as long as
/// fewer than half the packets are affected. The estimate is then the fit over the pairs near that
/// median (within 40 %): their samples ÷ their time, so timestamps rounded to the millisecond
/// (one-sample lines at 300 Hz: 3 and 4 ms apart) still give the rate.
public struct PacketRates: Sendable {
    /// Rates outside this range (Hz) are not rates of a seismic stream and are left out.
    public static let plausible = 0.1...100_000.0
    /// How many recent rates the median is taken over.
    public let keep: Int
    private var last: [String: (time: Double, count: Int)] = [:]
    /// The most recent packet pairs, oldest first, at most `keep`: the earlier packet's sample
    /// count and the time (s) to the next packet of its channel.
    private var pairs: [(count: Int, seconds: Double)] = []
    /// The most recent packet-to-packet rates (Hz), oldest first, at most `keep`.
    public var recent: [Double] { pairs.map { Double($0.count) / $0.seconds } }

    public init(keep: Int = 16) { self.keep = max(1, keep) }

    /// Takes a packet of `channel` whose first sample is at `time` (s) and that holds `count`
    /// samples; returns the rate it completes with the channel's previous packet, if any (none for
    /// a channel's first packet, a duplicate, a packet older than the previous one, or a rate
    /// outside `plausible`).
    @discardableResult
    public mutating func add(channel: String, time: Double, count: Int) -> Double? {
        defer { last[channel] = (time, count) }
        guard let prev = last[channel], time > prev.time, prev.count > 0 else { return nil }
        let rate = Double(prev.count) / (time - prev.time)
        guard rate.isFinite, Self.plausible.contains(rate) else { return nil }
        pairs.append((prev.count, time - prev.time))
        if pairs.count > keep { pairs.removeFirst(pairs.count - keep) }
        return rate
    }

    /// The sampling rate the recent pairs give, rounded by `rounded`; nil with fewer than
    /// `minimum` pairs. Their median rate (for an even count the upper of the two middle ones, so
    /// a new rate counts only once it holds a majority) picks the pairs within 40 % of it, and the
    /// rate is those pairs' samples ÷ their seconds.
    public func estimate(minimum: Int) -> Double? {
        guard pairs.count >= max(1, minimum) else { return nil }
        let rates = recent
        let m = rates.sorted()[rates.count / 2]
        var samples = 0.0, seconds = 0.0
        for (pair, r) in zip(pairs, rates) where abs(r - m) <= 0.4 * m {
            samples += Double(pair.count)
            seconds += pair.seconds
        }
        return Self.rounded(samples / seconds)
    }

    /// Forgets the recent pairs (after the engine was re-created at a new rate).
    public mutating func clearRecent() { pairs.removeAll() }

    /// A measured rate as the stream's nominal one: the nearest whole hertz when within 1 % of it
    /// (timestamps jitter by milliseconds), else the rate to 0.001 Hz.
    public static func rounded(_ rate: Double) -> Double {
        let whole = rate.rounded()
        if whole >= 1, abs(rate - whole) <= 0.01 * whole { return whole }
        return (rate * 1000).rounded() / 1000
    }
}
