// ChannelMerge: the channels of an instrument interleaved by time before the monitor places them —
// a server replaying an archive sends a whole file of one channel, then the next, where a live
// feed interleaves them.

import Foundation
import SeismicIO

/// Holds a record of an instrument (a station's channels with one band and instrument code, "HN?")
/// until each of the instrument's other channels has reached its start, so the monitor receives
/// its channels side by side in time, as a live feed delivers them. A live feed's records go out
/// at once (the others have reached them); a replay that sends all of one channel, then the next
/// (ringserver scanning day files, a FETCH of an archive), has the leading channel held until the
/// others catch up. An instrument seen with fewer than `components` channels holds its records
/// too (the others may be on their way). Held records go out, in time order, once they are older
/// than `waitSeconds` of wall time (a replay may take that long between one channel and the
/// next), or when an instrument's held records span more than `maximumSpanSeconds` of data (the
/// oldest, until they span less; said once per instrument: the monitor sees the lead as a gap),
/// or at `flush` (the end of the stream). A channel that stopped holds its instrument's others
/// until then: the monitor's windows need every component anyway. Records of one channel must come in time
/// order (`RecordOrder` before this).
public final class ChannelMerge {
    public typealias Entry = RecordOrder.Entry
    public let components: Int
    public let waitSeconds: Double, maximumSpanSeconds: Double
    /// Per instrument ("NET.STA.LOC.BI"): per channel, the time its newest record reached (end + one sample).
    private var reached: [String: [String: Double]] = [:]
    /// Per instrument, held records in time order.
    private var held: [String: [Entry]] = [:]
    private var warned: Set<String> = []
    /// Records released because they had waited `waitSeconds`, or because the held span exceeded `maximumSpanSeconds`.
    public private(set) var releasedByWait = 0, releasedBySpan = 0
    /// Told once per instrument whose held records exceed `maximumSpanSeconds`.
    public var log: (String) -> Void = { _ in }

    public init(components: Int = 3, waitSeconds: Double = 120, maximumSpanSeconds: Double = 600) {
        self.components = components
        self.waitSeconds = waitSeconds
        self.maximumSpanSeconds = maximumSpanSeconds
    }

    /// Records held now.
    public var heldCount: Int { held.values.reduce(0) { $0 + $1.count } }

    /// The instrument a channel belongs to: "NET.STA.LOC." and its first two channel letters.
    static func instrument(of id: SEEDIdentifier) -> String { "\(id.stationID).\(id.channel.prefix(2))" }

    /// Takes a record; returns those to deliver now, in time order.
    public func add(_ e: Entry) -> [Entry] {
        let key = Self.instrument(of: e.segment.id)
        let end = e.segment.endTime + 1 / e.segment.samplingRateHz
        reached[key, default: [:]][e.segment.id.channel] = max(reached[key]?[e.segment.id.channel] ?? -.infinity, end)
        var list = held[key] ?? []
        list.insert(e, at: list.firstIndex { $0.segment.startTime > e.segment.startTime } ?? list.count)
        held[key] = list
        var out = release(key)
        if let list = held[key], let first = list.first, let last = list.max(by: { $0.segment.endTime < $1.segment.endTime }),
            last.segment.endTime - first.segment.startTime > maximumSpanSeconds
        {
            if warned.insert(key).inserted {
                log(
                    "monitor: \(key)?: one channel leads another by more than \(Int(maximumSpanSeconds)) s (a server replaying an archive channel by channel?); the lead is taken for a gap. For archived records, `seismic classify` reads them whole"
                )
            }
            let spanned = drain(key) { list in
                list.count > 1 && list.map(\.segment.endTime).max()! - list[0].segment.startTime > self.maximumSpanSeconds
            }
            releasedBySpan += spanned.count
            out += spanned + release(key)
        }
        return out
    }

    /// Records held longer than `waitSeconds` at `now` (uptime), with the earlier ones of their instrument.
    public func due(now: Double) -> [Entry] {
        var out: [Entry] = []
        for key in held.keys.sorted() where held[key]!.contains(where: { now - $0.uptime >= waitSeconds }) {
            let released = drain(key) { $0.contains { now - $0.uptime >= self.waitSeconds } }
            releasedByWait += released.count
            out += released + release(key)
        }
        return out
    }

    /// Every record held, in time order per instrument (the end of the stream).
    public func flush() -> [Entry] { held.keys.sorted().flatMap { key in drain(key) { _ in true } } }

    /// The held records of `key` that every other channel has reached, from the earliest on.
    private func release(_ key: String) -> [Entry] {
        guard let list = held[key], let channels = reached[key], channels.count >= components else { return [] }
        var n = 0
        for e in list {
            let start = e.segment.startTime - 0.5 / e.segment.samplingRateHz
            guard channels.allSatisfy({ $0.key == e.segment.id.channel || $0.value >= start }) else { break }
            n += 1
        }
        held[key] = n == list.count ? nil : Array(list.dropFirst(n))
        return Array(list.prefix(n))
    }

    /// Releases the earliest held records of `key` while `more` holds for those left.
    private func drain(_ key: String, while more: ([Entry]) -> Bool) -> [Entry] {
        guard var list = held[key] else { return [] }
        var out: [Entry] = []
        while !list.isEmpty, more(list) { out.append(list.removeFirst()) }
        held[key] = list.isEmpty ? nil : list
        return out
    }
}
