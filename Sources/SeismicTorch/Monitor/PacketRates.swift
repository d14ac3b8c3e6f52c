// PacketRates: a stream's sampling rate from its packets' times and sample counts, robust to
// lost, reordered, duplicated and mistimed packets.

import Foundation

/// Packet-to-packet sampling rates of the channels of one instrument: for each packet that follows
/// an earlier one of the same channel, the previous packet's sample count divided by the time
/// between the two packets' first samples.
///
/// The estimate has two steps:
/// - **Which pairs.** The median of the last `keep` rates sets lost packets (a rate at half the
///   true value), gaps and clock jumps (outliers) aside, as long as fewer than half the recent pairs
///   are affected; the pairs within 40 % of it are kept (one-sample lines at 300 Hz with times to
///   the millisecond are 3 and 4 ms apart: 333 and 250 Hz).
/// - **The rate.** Those pairs' samples ÷ their seconds, over every retained pair: at least `keep`
///   pairs and at least `minimumSamples` samples. A mistimed packet (its time off by δ) lengthens
///   one pair and shortens the next; when one of the two is left out the other can be off by up to
///   two thirds of a packet's duration (a longer pair is still within 40 %), so one mistimed packet
///   moves the fit by at most (⅔ × its samples) ÷ the retained samples: 0.26 % for one-sample lines
///   over 256 samples. Larger packets are diluted less (⅔ × 25 ÷ 400 = 4.2 % for 16 pairs of 25
///   samples); the monitor therefore confirms a change on fresh pairs (`clearRecent`, then a full
///   set again: see `MonitorRunner`).
public struct PacketRates: Sendable {
    /// Rates outside this range (Hz) are not rates of a seismic stream and are left out.
    public static let plausible = 0.1...100_000.0
    /// Pairs retained whatever their samples, so memory stays bounded on any stream.
    public static let maximumPairs = 4096
    /// How many recent rates the median is taken over (and the fewest pairs retained).
    public let keep: Int
    /// The fewest samples the retained pairs hold (older pairs are dropped beyond both minimums).
    public let minimumSamples: Int
    private var last: [String: (time: Double, count: Int)] = [:]
    /// The retained packet pairs, oldest first: the earlier packet's sample count and the time (s)
    /// to the next packet of its channel.
    private var pairs: [(count: Int, seconds: Double)] = []
    private var retainedSamples = 0
    /// The most recent packet-to-packet rates (Hz), oldest first, at most `keep`.
    public var recent: [Double] { pairs.suffix(keep).map { Double($0.count) / $0.seconds } }

    public init(keep: Int = 16, minimumSamples: Int = 0) {
        self.keep = max(1, keep)
        self.minimumSamples = max(0, minimumSamples)
    }

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
        retainedSamples += prev.count
        var drop = 0
        while pairs.count - drop > Self.maximumPairs
            || (pairs.count - drop > keep && retainedSamples - pairs[drop].count >= minimumSamples) {
            retainedSamples -= pairs[drop].count
            drop += 1
        }
        if drop > 0 { pairs.removeFirst(drop) }
        return rate
    }

    /// The sampling rate the retained pairs give, rounded by `rounded` (see `fit`).
    public func estimate(minimum: Int, minimumSamples: Int = 0) -> Double? {
        fit(minimum: minimum, minimumSamples: minimumSamples).map(Self.rounded)
    }

    /// The unrounded rate (Hz) the retained pairs give; nil with fewer than `minimum` pairs, or
    /// when the pairs near the median hold fewer than `minimumSamples` samples. The median of the
    /// last `keep` rates (for an even count the upper of the two middle ones, so a new rate counts
    /// only once it holds a majority) picks the retained pairs within 40 % of it, and the rate is
    /// those pairs' samples ÷ their seconds.
    public func fit(minimum: Int, minimumSamples: Int = 0) -> Double? {
        guard pairs.count >= max(1, minimum) else { return nil }
        let latest = recent.sorted()
        let m = latest[latest.count / 2]
        var samples = 0, seconds = 0.0
        for pair in pairs where abs(Double(pair.count) / pair.seconds - m) <= 0.4 * m {
            samples += pair.count
            seconds += pair.seconds
        }
        guard samples >= minimumSamples, seconds > 0 else { return nil }
        return Double(samples) / seconds
    }

    /// Forgets the retained pairs and each channel's last packet, to measure afresh: the next
    /// packet of each channel starts its pairs. A mistimed packet that came before the call can
    /// then give no pair at all in the fresh ones (it would lengthen the next channel's pair as
    /// well: the components of one mistimed line arrive one after another).
    public mutating func clearRecent() {
        pairs.removeAll()
        retainedSamples = 0
        last.removeAll()
    }

    /// A measured rate as the stream's nominal one: the nearest whole hertz when within 1 % of it
    /// (timestamps jitter by milliseconds), else the rate to 0.001 Hz.
    public static func rounded(_ rate: Double) -> Double {
        let whole = rate.rounded()
        if whole >= 1, abs(rate - whole) <= 0.01 * whole { return whole }
        return (rate * 1000).rounded() / 1000
    }
}
