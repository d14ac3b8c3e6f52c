// RecordOrder: each channel's records put back in time order before the monitor places them — a
// record that arrives ahead of a missing one waits a little for it, as a jitter buffer does.

import Foundation
import SeismicIO

/// Holds a channel's first record until a second arrives (the earlier of the two anchors the
/// monitor's windows), and a record that starts after a gap in what the channel has delivered, until the
/// missing records arrive (then all go out in time order), `waitSeconds` of wall time pass, or the
/// held records span `maximumSpanSeconds` of data (then the gap is taken as real and they go out
/// in time order). Records that continue the channel, overlap it or are older go out at once (the
/// monitor counts duplicates and late samples). Without this, a record arriving before its
/// predecessor would make the windows in between look incomplete (bridged or skipped) before the
/// predecessor arrives.
public final class RecordOrder {
    /// A record and when it arrived (uptime, s).
    public typealias Entry = (segment: TraceSegment, uptime: Double)
    public let waitSeconds: Double, maximumSpanSeconds: Double
    private var expected: [SEEDIdentifier: Double] = [:]
    private var held: [SEEDIdentifier: [Entry]] = [:]
    /// Records that were held, and held records released by time or span (gaps taken as real).
    public private(set) var reordered = 0, gapsAccepted = 0

    /// Records of a channel held before its first goes out (see `add`).
    public static let startRecords = 2

    public init(waitSeconds: Double = 3, maximumSpanSeconds: Double = 30) {
        self.waitSeconds = waitSeconds
        self.maximumSpanSeconds = maximumSpanSeconds
    }

    /// Records held now.
    public var heldCount: Int { held.values.reduce(0) { $0 + $1.count } }

    /// Takes a record; returns those to deliver now, in order.
    public func add(_ segment: TraceSegment, uptime: Double) -> [Entry] {
        let id = segment.id
        let half = 0.5 / segment.samplingRateHz
        guard let next = expected[id] else {
            // A channel's first records wait for a second one (or `waitSeconds`): the first to
            // arrive anchors the monitor's windows, so it must be the earliest.
            var list = held[id] ?? []
            list.insert((segment, uptime), at: list.firstIndex { $0.segment.startTime > segment.startTime } ?? list.count)
            // (A copy of a held record is not a second one.)
            guard Set(list.map(\.segment.startTime)).count >= Self.startRecords else {
                held[id] = list
                return []
            }
            // The earliest goes out; the others as they continue it.
            held[id] = Array(list.dropFirst())
            return [deliver(list[0])] + drain(id, all: false)
        }
        guard segment.startTime > next + half else {
            var out = [deliver((segment, uptime))]
            out += drain(id, all: false)
            return out
        }
        reordered += 1
        var list = held[id] ?? []
        list.insert((segment, uptime), at: list.firstIndex { $0.segment.startTime > segment.startTime } ?? list.count)
        held[id] = list
        if let last = list.last, last.segment.endTime - next > maximumSpanSeconds { return drain(id, all: true) }
        return []
    }

    /// Records held longer than `waitSeconds` at `now` (uptime), with those behind them: their gap is taken as real.
    public func due(now: Double) -> [Entry] {
        var out: [Entry] = []
        for id in held.keys.sorted() where held[id]!.contains(where: { now - $0.uptime >= waitSeconds }) { out += drain(id, all: true) }
        return out
    }

    /// Every record held, in order per channel (the end of the stream, or a pause).
    public func flush() -> [Entry] { held.keys.sorted().flatMap { drain($0, all: true) } }

    private func deliver(_ e: Entry) -> Entry {
        let end = e.segment.endTime + 1 / e.segment.samplingRateHz
        expected[e.segment.id] = max(expected[e.segment.id] ?? -.infinity, end)
        return e
    }

    /// The held records of `id` that now continue the channel (all of them with `all`, the gaps accepted).
    private func drain(_ id: SEEDIdentifier, all: Bool) -> [Entry] {
        guard var list = held[id], !list.isEmpty else { return [] }
        var out: [Entry] = []
        while let first = list.first {
            let continues = expected[id].map { first.segment.startTime <= $0 + 0.5 / first.segment.samplingRateHz } ?? true
            guard continues || all else { break }
            if !continues { gapsAccepted += 1 }
            out.append(deliver(list.removeFirst()))
        }
        held[id] = list.isEmpty ? nil : list
        return out
    }
}
