// PacketRates: a stream's sampling rate from its packets' times and sample counts, robust to
// lost, reordered, duplicated and mistimed packets.

import Foundation

/// Packet-to-packet sampling rates of the channels of one instrument: for each packet that follows
/// an earlier one of the same channel, the previous packet's sample count divided by the time
/// between the two packets' first samples.
///
/// The estimate has two steps:
/// - **Which pairs.** The median of the recent periods (seconds per sample: the last quarter of the
///   retained pairs, at least `keep`) sets lost packets (twice the period), gaps and clock jumps
///   (outliers) aside, as long as fewer than half the recent pairs are affected; beyond, while an
///   eighth of them still say a whole fraction of it, that fraction (`shortestSupported`: heavy
///   loss of one-sample lines is not a rate change); the pairs whose period is within 40 % of it are kept (one-sample
///   lines at 300 Hz with times to the millisecond are 3 and 4 ms apart). The band is symmetric in
///   time, so jittered pairs are left out as often too long as too short: no bias.
/// - **The rate.** Those pairs' samples ÷ their seconds, over every retained pair: at least `keep`
///   pairs spanning at least `minimumSeconds` (summed over the pairs of all channels). Within a
///   channel the pairs' seconds add up to the time from its first to its last packet, so timestamp
///   jitter of ±j moves the fit by at most 2j ÷ that span while every pair is kept (j up to 20 % of
///   a period): ±1 ms over 2 s per channel, 0.1 %; 300 Hz with times rounded to the millisecond,
///   0.05 %. Lost packets break the sum into pieces, each adding its ends' jitter: with ±1 ms
///   (10 % of a period at 100 Hz) and 5 % loss the estimate stays the whole rate; with ±2 ms it can
///   be 1 Hz off, and beyond 20 % of a period pairs are left out and the fit is noisier still (±3 ms
///   at 100 Hz: up to 2 %). Streams whose times jitter by more than 10 % of a period need the rate
///   given.
///   A mistimed packet (its time off by δ, its neighbours on time) lengthens one pair and shortens
///   the next by the same δ: both are kept (their seconds add up as if on time) or both left out
///   (δ over 40 % of a period), so it does not move the fit at all. Several in a row can: the
///   monitor therefore confirms a change on fresh pairs (`clearRecent`, then a full set again:
///   see `MonitorRunner`).
public struct PacketRates: Sendable {
    /// Rates outside this range (Hz) are not rates of a seismic stream and are left out.
    public static let plausible = 0.1...100_000.0
    /// Pairs retained whatever their seconds, so memory stays bounded on any stream (one-sample
    /// lines at 5 kHz on three components span 6 s, summed over channels, in 30,000 pairs).
    public static let maximumPairs = 131_072
    /// How many recent rates the median is taken over (and the fewest pairs retained).
    public let keep: Int
    /// The fewest seconds the retained pairs span, summed over channels (older pairs are dropped
    /// beyond both minimums).
    public let minimumSeconds: Double
    private var last: [String: (time: Double, count: Int)] = [:]
    /// After `clearRecent`: the channels whose first pair since has been passed over.
    private var passedOver: Set<String>?
    /// The packet pairs, oldest first, from `head` on: the earlier packet's sample count and the
    /// time (s) to the next packet of its channel. Pairs before `head` are dropped ones, compacted
    /// away once they are half the storage (dropping stays O(1) per pair).
    private var storage: [(count: Int, seconds: Double)] = []
    private var head = 0
    /// The retained pairs.
    private var pairs: ArraySlice<(count: Int, seconds: Double)> { storage[head...] }
    private var retainedSeconds = 0.0
    /// Pairs added since the last `checkDue()` that returned true.
    private var addedSinceCheck = 0
    /// The most recent packet-to-packet rates (Hz), oldest first, at most `keep`.
    public var recent: [Double] { pairs.suffix(keep).map { Double($0.count) / $0.seconds } }

    public init(keep: Int = 16, minimumSeconds: Double = 0) {
        self.keep = max(1, keep)
        self.minimumSeconds = max(0, minimumSeconds)
    }

    /// Takes a packet of `channel` whose first sample is at `time` (s) and that holds `count`
    /// samples; returns the rate it completes with the channel's previous packet, if any (none for
    /// a channel's first packet, a duplicate, a packet older than the previous one, or a rate
    /// outside `plausible`).
    @discardableResult
    public mutating func add(channel: String, time: Double, count: Int) -> Double? {
        defer { last[channel] = (time, count) }
        guard let prev = last[channel], time > prev.time, prev.count > 0 else { return nil }
        if passedOver != nil, passedOver!.insert(channel).inserted { return nil }
        let rate = Double(prev.count) / (time - prev.time)
        guard rate.isFinite, Self.plausible.contains(rate) else { return nil }
        storage.append((prev.count, time - prev.time))
        addedSinceCheck += 1
        retainedSeconds += time - prev.time
        while storage.count - head > Self.maximumPairs
            || (storage.count - head > keep && retainedSeconds - storage[head].seconds >= minimumSeconds)
        {
            retainedSeconds -= storage[head].seconds
            head += 1
        }
        if head > 1024 && 2 * head > storage.count {
            storage.removeFirst(head)
            head = 0
        }
        return rate
    }

    /// Whether a re-check is due: once per 1/64 of the retained pairs added (every pair while
    /// fewer than 128 are retained), so the fit, which sorts the retained periods, costs
    /// O(64 log n) per pair on fast streams; a change is seen at most 1/64 of the span later.
    public mutating func checkDue() -> Bool {
        guard addedSinceCheck >= max(1, pairs.count / 64) else { return false }
        addedSinceCheck = 0
        return true
    }

    /// The sampling rate the retained pairs give, rounded by `rounded` (see `fit`).
    /// While the packet times are irregular (`irregularFraction` above `irregularLimit`, where
    /// the fit can be percents off: ±3 ms at 100 Hz gives 96…104), a rate within 5 % of a nominal
    /// one (`nominalRates`, which are 20 % apart or more) is taken as that rate.
    public func estimate(minimum: Int, minimumSeconds: Double = 0) -> Double? {
        guard let rate = fit(minimum: minimum, minimumSeconds: minimumSeconds).map(Self.rounded) else { return nil }
        guard let irregular = irregularFraction(), irregular > Self.irregularLimit,
            let nearest = Self.nominalRates.min(by: { abs($0 - rate) < abs($1 - rate) }), abs(nearest - rate) <= 0.05 * nearest
        else { return rate }
        return nearest
    }

    /// Sampling rates (Hz) seismic recorders are built for (SEED band codes' usual rates,
    /// Raspberry Shakes, MEMS networks).
    public static let nominalRates: [Double] = [1, 2, 4, 5, 8, 10, 20, 25, 31.25, 40, 50, 62.5, 80, 100, 125, 200, 250, 400, 500, 1000, 2000, 4000, 8000]

    /// The unrounded rate (Hz) the retained pairs give; nil with fewer than `minimum` pairs, when
    /// they span fewer than `minimumSeconds` (summed over channels), or when the pairs near the
    /// median span less than a quarter of it. The median of the recent periods (seconds ÷ samples, over
    /// the last quarter of the retained pairs and at least `keep`; for an even count the lower of
    /// the two middle ones, so a new rate counts only once it holds a majority), brought back to a
    /// whole fraction of itself that an eighth of them support (`shortestSupported`), says which rate holds; the
    /// median of all retained periods, when within 40 % of it, is the centre (else the recent
    /// one); the retained pairs whose period is within 40 % of the centre are kept, and the rate is
    /// their samples ÷ their seconds.
    public func fit(minimum: Int, minimumSeconds: Double = 0) -> Double? {
        guard pairs.count >= max(1, minimum), retainedSeconds >= minimumSeconds, let m = centre() else { return nil }
        var samples = 0, seconds = 0.0
        for pair in pairs where abs(pair.seconds / Double(pair.count) - m) <= 0.4 * m {
            samples += pair.count
            seconds += pair.seconds
        }
        // The retained pairs must span `minimumSeconds`, the kept ones at least a quarter of it
        // (timestamp jitter of ±40 % of a period leaves a quarter of the pairs out; with 45 % of
        // one-sample lines lost, the pairs of one period hold 30 % of the time, the rest is in
        // pairs of two periods and more).
        guard retainedSeconds >= minimumSeconds, 4 * seconds >= minimumSeconds, seconds > 0 else { return nil }
        return Double(samples) / seconds
    }

    /// The period (s per sample) the fit's band is centred on; nil without pairs. Periods, not
    /// rates: a band symmetric in time keeps jittered pairs symmetrically, so the fit is not biased
    /// by which of them are left out.
    private func centre() -> Double? {
        guard !pairs.isEmpty else { return nil }
        func median(_ p: ArraySlice<(count: Int, seconds: Double)>) -> Double {
            let periods = p.map { $0.seconds / Double($0.count) }.sorted()
            return periods[(periods.count - 1) / 2]
        }
        // The recent median says which rate holds now; the median of every retained pair, when it
        // agrees, centres the band more precisely (a band off-centre would leave jittered pairs
        // out on one side more than on the other, and bias the fit).
        let recent = pairs.suffix(max(keep, pairs.count / 4))
        let now = Self.shortestSupported(median(recent), periods: recent.map { $0.seconds / Double($0.count) })
        let all = median(pairs)
        return abs(all - now) <= 0.4 * now ? all : now
    }

    /// The fraction of the retained pairs whose period is more than 20 % of the fit's period away
    /// from every whole multiple of it, and not within 20 % of a whole fraction of it (lost packets
    /// make whole multiples, a change of rate whole fractions or multiples; timestamp jitter of
    /// more than ±10 % of a sample period makes the rest): above `irregularLimit`, packet times
    /// are too irregular for the fit to be within 0.5 %, and a change it suggests may be jitter.
    /// nil without pairs.
    public func irregularFraction() -> Double? {
        guard let m = centre() else { return nil }
        let irregular = pairs.filter { pair in
            let r = pair.seconds / Double(pair.count) / m
            // A whole multiple (lost packets) or a whole fraction (pairs of another rate while
            // the stream changes rate) is regular; jitter spreads periods between them.
            if r >= 0.8 { return abs(r - r.rounded()) > 0.2 }
            let inverse = 1 / r
            return abs(inverse - inverse.rounded()) > 0.2 * inverse.rounded()
        }.count
        return Double(irregular) / Double(pairs.count)
    }

    /// Above this `irregularFraction`, packet times jitter by more than about ±15 % of a period.
    public static let irregularLimit = 0.1

    /// `period` unless an eighth of `periods` lie within 20 % of `period` ÷ k for k = 4, 3 or 2 (the
    /// largest such k wins) and fewer than a quarter as many lie within 10 % of the middle between
    /// it and the next multiple (a valley: jitter, which spreads periods evenly, fills it; lost
    /// packets, which make pairs whole multiples of the sampling period, leave it empty). So a
    /// median pushed to twice the period by heavy loss is brought back while the true period still
    /// has that support; a real change to a longer period leaves none behind.
    public static func shortestSupported(_ period: Double, periods: [Double]) -> Double {
        for k in [4.0, 3.0, 2.0] {
            let candidate = period / k
            let support = periods.filter { abs($0 - candidate) <= 0.2 * candidate }.count
            // Lost packets leave a valley between the multiples; jitter fills it.
            let between = (period / k + period / (k - 1)) / 2
            let valley = periods.filter { abs($0 - between) <= 0.1 * between }.count
            if 8 * support >= periods.count, 4 * valley < support { return candidate }
        }
        return period
    }

    /// Forgets the retained pairs and each channel's last packet, to measure afresh; the first pair
    /// of each channel after the call is passed over too. The components of one mistimed line
    /// arrive one after another, some before the call and some just after: none of them can then
    /// give a pair in the fresh ones (a packet before the call has no successor pair, one just
    /// after is its channel's first packet, and the pair it starts is passed over).
    public mutating func clearRecent() {
        storage.removeAll()
        head = 0
        retainedSeconds = 0
        last.removeAll()
        passedOver = []
    }

    /// A measured rate as the stream's nominal one: the nearest whole hertz when within 1 % of it
    /// (timestamps jitter by milliseconds), else the rate to 0.001 Hz.
    public static func rounded(_ rate: Double) -> Double {
        let whole = rate.rounded()
        if whole >= 1, abs(rate - whole) <= 0.01 * whole { return whole }
        return (rate * 1000).rounded() / 1000
    }
}
