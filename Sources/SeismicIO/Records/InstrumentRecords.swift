// InstrumentRecords: channels grouped by instrument (NET.STA.LOC + band/instrument code), mapped
// to a model's components, and cut into the spans where every component has data.

import Foundation

/// A contiguous run of samples of one channel, with or without its samples in memory: what
/// `InstrumentRecords.assemble` groups, trims and cuts (`TraceSegment` holds its samples;
/// `IndexedSegment` decodes them from miniSEED records when they are read).
public protocol ChannelSegment: Sendable {
    /// The record a span of such segments forms, one segment per component.
    associatedtype Samples: RecordSamples & Sendable
    var id: SEEDIdentifier { get }
    /// Time of the first sample, seconds since 1970-01-01 UTC.
    var startTime: Double { get }
    var samplingRateHz: Double { get }
    var sampleCount: Int { get }
    /// Appends the samples of `next`, which continues this segment.
    mutating func append(_ next: Self)
    /// Samples `first ..< first + count` only, the start time moved to the first.
    func cut(first: Int, count: Int) -> Self
    /// The record of `slices` (one per component: a segment and its first sample), `count` samples
    /// each, named by `codes`, at `rate` from `start`.
    /// - Throws: `WaveformError` when the samples cannot form a record (a non-finite sample).
    static func record(_ slices: [(segment: Self, first: Int)], count: Int, codes: [String], rate: Double, start: Double) throws(WaveformError) -> Samples
}

extension ChannelSegment {
    /// Time of the last sample (ObsPy `stats.endtime`).
    public var endTime: Double { startTime + Double(max(sampleCount - 1, 0)) / samplingRateHz }
}

extension TraceSegment: ChannelSegment {
    public var sampleCount: Int { samples.count }
    public mutating func append(_ next: TraceSegment) { samples += next.samples }
    public func cut(first: Int, count: Int) -> TraceSegment {
        var s = self
        s.samples = Array(samples[first..<(first + count)])
        s.startTime += Double(first) / samplingRateHz
        return s
    }
    public static func record(
        _ slices: [(segment: TraceSegment, first: Int)], count: Int, codes: [String], rate: Double, start: Double
    ) throws(WaveformError) -> Waveform {
        try Waveform(
            validating: slices.map { Array($0.segment.samples[$0.first..<($0.first + count)]) }, componentCodes: codes, samplingRateHz: rate,
            startTime: start)
    }
}

/// One instrument's components over a span where all of them have samples at one rate.
public struct InstrumentRecord<Samples: RecordSamples & Sendable>: Sendable {
    /// "NET.STA.LOC.BI", e.g. "CI.PASC..HH" (`SEEDIdentifier.instrumentID`).
    public var instrumentID: String
    /// The channels read, in the model's component order.
    public var channels: [SEEDIdentifier]
    /// The orientation set the channels form ("ZNE", "Z12", "Z23", "ZXY"; see `ComponentMapping`).
    public var orientationSet: String
    /// Samples [component × sample] in the model's order; `componentCodes` are the channel codes.
    public var samples: Samples
}

extension InstrumentRecord where Samples == Waveform {
    /// The record's samples in memory.
    public var waveform: Waveform {
        get { samples }
        set { samples = newValue }
    }
}

/// What a scan of channels gave: the records, and everything it could not use with the reason.
public struct InstrumentScan<Samples: RecordSamples & Sendable>: Sendable {
    public var records: [InstrumentRecord<Samples>] = []
    /// What could not be used: an instrument ("CI.PASC..HH") or a span of one, and why.
    public var skipped: [(what: String, reason: String)] = []
    /// Gaps and overlaps within each channel (their records are split there).
    public var gaps: [TraceGap] = []

    public init() {}
}

/// The policy for gaps and overlaps: no sample is invented. A gap in any component splits the
/// record — each span where every component has data is a record of its own — and an overlap
/// (data covered twice) keeps the earlier segment, starting the later one where it ends. Spans
/// shorter than the caller's minimum are skipped and counted with their reason.
public enum InstrumentRecords {
    /// Groups `segments` by instrument, chooses each instrument's channels for `componentOrder`
    /// (`ComponentMapping`), and returns a record for every span of at least `minimumSeconds`
    /// where all chosen channels have data at one sampling rate, sampled together (their sample
    /// times agree to a quarter of a sample). Instruments with a missing component, spans whose channels
    /// differ in rate or sample times, and short spans are in `skipped`.
    public static func assemble<Segment: ChannelSegment>(
        _ segments: [Segment], componentOrder: [String], minimumSeconds: Double = 0
    ) -> InstrumentScan<Segment.Samples> {
        var scan = InstrumentScan<Segment.Samples>()
        let sorted = segments.sorted { ($0.id, $0.startTime) < ($1.id, $1.startTime) }
        scan.gaps = MiniSEED.gaps(in: sorted)
        let byInstrument = Dictionary(grouping: sorted, by: \.id.instrumentID)
        for instrument in byInstrument.keys.sorted() {
            let channels = Dictionary(grouping: byInstrument[instrument]!, by: \.id)
            var byLetter: [Character: SEEDIdentifier] = [:]
            for id in channels.keys.sorted() { if let c = id.component, byLetter[c] == nil { byLetter[c] = id } }
            let chosen: (letters: [Character], set: String)
            do {
                chosen = try ComponentMapping.select(available: Set(byLetter.keys), modelOrder: componentOrder)
            } catch {
                scan.skipped.append((instrument, error.description))
                continue
            }
            let ids = chosen.letters.map { byLetter[$0]! }
            let lists = ids.map { withoutOverlaps(channels[$0]!) }
            let spans = commonSpans(lists)
            if spans.isEmpty { scan.skipped.append((instrument, "its components never have data at the same time")) }
            var short = 0
            for span in spans {
                switch record(span, ids: ids, lists: lists) {
                case .success(let w):
                    if Double(w.sampleCount) / w.samplingRateHz < minimumSeconds { short += 1; continue }
                    scan.records.append(InstrumentRecord(instrumentID: instrument, channels: ids, orientationSet: chosen.set, samples: w))
                case .failure(let reason):
                    scan.skipped.append(("\(instrument) at \(UTCTime.iso8601(span.start))", reason.description))
                }
            }
            if short > 0 {
                scan.skipped.append((instrument, "\(short) span\(short == 1 ? "" : "s") with every component shorter than \(minimumSeconds) s"))
            }
        }
        return scan
    }

    /// A channel's segments with each overlap removed: a segment starting before the previous
    /// one's end loses its samples up to that end (nothing left: dropped), and one that then
    /// continues the previous one (the next sample due, within half a sample, at the same rate)
    /// is joined to it.
    static func withoutOverlaps<Segment: ChannelSegment>(_ segments: [Segment]) -> [Segment] {
        var out: [Segment] = []
        for var s in segments.sorted(by: { $0.startTime < $1.startTime }) {
            if let last = out.last {
                let period = 1 / last.samplingRateHz
                if s.startTime < last.endTime + 0.5 * period {
                    let skip = Int(((last.endTime + 0.5 * period - s.startTime) * s.samplingRateHz).rounded(.up))
                    guard skip < s.sampleCount else { continue }
                    s = s.cut(first: skip, count: s.sampleCount - skip)
                }
                if abs(s.samplingRateHz - last.samplingRateHz) <= 1e-6 * last.samplingRateHz, abs(s.startTime - (last.endTime + period)) <= 0.5 * period {
                    out[out.count - 1].append(s)
                    continue
                }
            }
            out.append(s)
        }
        return out
    }

    /// A time span and, per channel, the index of the segment covering it.
    struct Span { var start: Double; var end: Double; var segment: [Int] }

    /// The spans where every channel of `lists` has a segment (each list sorted by time, without
    /// overlaps): a sweep over the lists, one channel at a time.
    static func commonSpans<Segment: ChannelSegment>(_ lists: [[Segment]]) -> [Span] {
        var spans = lists[0].indices.map { Span(start: lists[0][$0].startTime, end: lists[0][$0].endTime, segment: [$0]) }
        for list in lists.dropFirst() {
            var next: [Span] = []
            var i = 0, j = 0
            while i < spans.count && j < list.count {
                let start = max(spans[i].start, list[j].startTime), end = min(spans[i].end, list[j].endTime)
                if start <= end { next.append(Span(start: start, end: end, segment: spans[i].segment + [j])) }
                if spans[i].end < list[j].endTime { i += 1 } else { j += 1 }
            }
            spans = next
        }
        return spans
    }

    /// The waveform of `span`, or why the channels cannot form one there.
    static func record<Segment: ChannelSegment>(_ span: Span, ids: [SEEDIdentifier], lists: [[Segment]]) -> Result<Segment.Samples, RecordSpanError> {
        let segs = span.segment.enumerated().map { lists[$0.offset][$0.element] }
        let rate = segs[0].samplingRateHz
        guard segs.allSatisfy({ abs($0.samplingRateHz - rate) <= 1e-6 * rate }) else {
            return .failure(
                RecordSpanError("channels at different sampling rates: " + segs.map { "\($0.id.channel) \($0.samplingRateHz) Hz" }.joined(separator: ", ")))
        }
        // Each channel's sample nearest the span's start (the latest first sample of the span's
        // segments); channels of one instrument sample at the same instants, so those samples
        // must agree to a quarter of a sample (clock rounding), or the record is refused.
        let firsts = segs.map { s in max(0, Int(((span.start - s.startTime) * rate).rounded())) }
        let times = zip(segs, firsts).map { $0.startTime + Double($1) / rate }
        guard let earliest = times.min(), let latest = times.max(), (latest - earliest) * rate <= 0.25 else {
            return .failure(
                RecordSpanError(
                    "channels not sampled together: their samples are \(String(format: "%.2f", ((times.max() ?? 0) - (times.min() ?? 0)) * rate)) of a sample apart (at most 0.25)"
                ))
        }
        let count = zip(segs, firsts).map { $0.sampleCount - $1 }.min() ?? 0
        guard count > 0 else { return .failure(RecordSpanError("no sample common to every channel")) }
        do {
            return .success(
                try Segment.record(zip(segs, firsts).map { (segment: $0, first: $1) }, count: count, codes: ids.map(\.channel), rate: rate, start: earliest))
        } catch {
            return .failure(RecordSpanError(error.description))
        }
    }
}

/// Why a span of an instrument is not a record.
public struct RecordSpanError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
