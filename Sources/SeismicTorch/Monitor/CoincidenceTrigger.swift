// CoincidenceTrigger: a network event when enough stations trigger together — at least N
// stations whose pick triggers switch on within T seconds, as ObsPy's `coincidence_trigger` and
// SeisComP's station-count triggers declare one.

import Foundation
import SeismicIO

/// An event declared by the network: the stations whose triggers made it and those that joined.
public struct NetworkEvent: Sendable, Equatable {
    /// "YYYYMMDDTHHMMSS.sss" of `time`: unique within a run (events are at least T apart).
    public var id: String
    /// The earliest trigger-on time of its stations (UTC s).
    public var time: Double
    /// The triggers that made and joined the event, in the order they arrived.
    public var triggers: [StationTrigger]
    /// The picks of its triggers, once made (for QuakeML when the event closes).
    public var picks: [Pick] = []
    /// Stations (trace ids, "NET.STA.LOC") in order of their first trigger.
    public var stations: [String] {
        var seen = Set<String>()
        return triggers.map(\.traceID).filter { seen.insert($0).inserted }
    }
}

/// One station's trigger switching on.
public struct StationTrigger: Sendable, Equatable {
    public var traceID: String
    public var phase: String
    /// The window centre where it switched on (UTC s).
    public var time: Double

    public init(traceID: String, phase: String, time: Double) {
        self.traceID = traceID
        self.phase = phase
        self.time = time
    }
}

/// Declares events from station triggers: when at least `minimumStations` different stations
/// have triggers switching on within `windowSeconds` of each other (their arrival order at the
/// monitor does not matter: station streams lag differently). Later triggers within
/// `windowSeconds` of an open event's triggers join it. An event closes once the network's time
/// (the newest window time of any station) is `windowSeconds` past its last trigger and its
/// triggers' picks are made (or `closeAfterSeconds` past it, whatever is still open).
public final class CoincidenceTrigger {
    public let minimumStations: Int
    public let windowSeconds: Double
    /// Seconds after an event's last trigger at which it closes even with picks still open.
    public var closeAfterSeconds = 60.0
    private var recent: [StationTrigger] = []
    private var open: [NetworkEvent] = []
    private var openPicks: [String: Int] = [:]  // event id → triggers without a pick yet
    /// Picks of triggers not (yet) in an event: a station's pick may end before enough stations trigger.
    private var recentPicks: [Pick] = []

    public init(minimumStations: Int, windowSeconds: Double) {
        precondition(minimumStations >= 1 && windowSeconds >= 0, "minimumStations \(minimumStations), windowSeconds \(windowSeconds)")
        self.minimumStations = minimumStations
        self.windowSeconds = windowSeconds
    }

    /// Events declared and not yet closed.
    public var openEvents: [NetworkEvent] { open }

    /// Takes a trigger; returns the event it declares (nil when it declares none: too few stations
    /// yet, or it joined an open event — `eventID(of:)` then names it).
    public func add(_ t: StationTrigger) -> NetworkEvent? {
        if let k = open.firstIndex(where: { e in e.triggers.contains { abs($0.time - t.time) <= windowSeconds } }) {
            open[k].triggers.append(t)
            open[k].time = min(open[k].time, t.time)
            openPicks[open[k].id, default: 0] += 1
            return nil
        }
        recent.append(t)
        // The triggers within a span of windowSeconds that holds t, with the most stations.
        let near = recent.filter { abs($0.time - t.time) <= windowSeconds }.sorted { $0.time < $1.time }
        var best: [StationTrigger] = []
        for (i, a) in near.enumerated() {
            let span = near[i...].prefix { $0.time - a.time <= windowSeconds }
            guard span.contains(t) else { continue }
            if Set(span.map(\.traceID)).count > Set(best.map(\.traceID)).count { best = Array(span) }
        }
        guard Set(best.map(\.traceID)).count >= minimumStations else { return nil }
        let time = best.map(\.time).min()!
        var event = NetworkEvent(id: UTCTime.compact(time, fractionDigits: 2), time: time, triggers: best)
        recent.removeAll { tr in best.contains(tr) }
        // The picks its triggers already made.
        event.picks = recentPicks.filter { p in best.contains { $0.traceID == p.traceID && $0.phase == p.phase && $0.time == p.startTime } }
        recentPicks.removeAll { p in event.picks.contains(p) }
        open.append(event)
        openPicks[event.id] = best.count - event.picks.count
        return event
    }

    /// The event a trigger (station, phase, on-time) belongs to, if open.
    public func eventID(of traceID: String, phase: String, time: Double) -> String? {
        openEvent(traceID: traceID, phase: phase, time: time).map { open[$0].id }
    }

    /// The index of the open event holding the trigger (station, phase, on-time).
    private func openEvent(traceID: String, phase: String, time: Double) -> Int? {
        open.firstIndex { e in e.triggers.contains { $0.traceID == traceID && $0.phase == phase && $0.time == time } }
    }

    /// Files a pick with the open event whose trigger made it (same station, phase and on-time);
    /// returns that event's id, nil when it belongs to none yet (a pick of a trigger still
    /// waiting for other stations is kept, and joins the event its trigger helps declare).
    @discardableResult
    public func addPick(_ p: Pick) -> String? {
        guard let k = openEvent(traceID: p.traceID, phase: p.phase, time: p.startTime) else {
            if recent.contains(where: { $0.traceID == p.traceID && $0.phase == p.phase && $0.time == p.startTime }) { recentPicks.append(p) }
            return nil
        }
        open[k].picks.append(p)
        openPicks[open[k].id, default: 1] -= 1
        return open[k].id
    }

    /// The events to close at network time `time` (see the type's notes); forgets triggers older
    /// than two windows.
    public func close(at time: Double) -> [NetworkEvent] {
        recent.removeAll { $0.time < time - 2 * windowSeconds - closeAfterSeconds }
        recentPicks.removeAll { $0.startTime < time - 2 * windowSeconds - closeAfterSeconds }
        let done = open.filter { e in
            let last = e.triggers.map(\.time).max()!
            return (time > last + windowSeconds && (openPicks[e.id] ?? 0) <= 0) || time > last + closeAfterSeconds
        }
        open.removeAll { e in done.contains { $0.id == e.id } }
        for e in done { openPicks[e.id] = nil }
        return done
    }

    /// Closes every open event (the end of the stream).
    public func closeAll() -> [NetworkEvent] {
        defer { open = []; openPicks = [:]; recentPicks = [] }
        return open
    }
}
