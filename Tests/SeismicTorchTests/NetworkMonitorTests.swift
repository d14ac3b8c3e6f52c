// The network monitor: picks made window by window equal classify's, the coincidence trigger,
// records put back in order, and real records of 24 stations streamed from a SeedLink server on
// loopback through the whole session, with and without faults, against classify.

import Foundation
import SeismicIO
import SeismicNN
import SeismicTorch
import TestSupport
import Testing

@Suite struct StreamPickerTests {
    /// Random probability traces with runs broken by missing windows: the picks made one window
    /// at a time equal `RecordClassification.picks` on the same windows (the law the picker keeps).
    @Test func picksWindowByWindowEqualClassifysPicks() {
        var rng = SeededGenerator(seed: 17)
        let names = ["P-wave", "S-wave", "Noise"]
        for trial in 0..<300 {
            let stride = [0.5, 1.0][trial % 2]
            var predictions: [WindowPrediction] = []
            var t = 0.0
            var p: [Float] = [0.1, 0.1, 0.8]
            for _ in 0..<(20 + Int(rng.next() % 200)) {
                // A random walk in probabilities, so triggers last several windows.
                for c in 0..<3 { p[c] = min(1, max(0, p[c] + Float(Double(rng.next() % 701) / 1000 - 0.35))) }
                if rng.next() % 7 == 0 { p[Int(rng.next() % 2)] = [0.7, 0.35, 0.71, 0.9][Int(rng.next() % 4)] }  // at and near the thresholds
                predictions.append(WindowPrediction(startSeconds: t, probabilities: p, label: 0))
                t += stride * (rng.next() % 9 == 0 ? Double(2 + rng.next() % 3) : 1)  // missing windows split the run
            }
            let thresholds = PickThresholds(byClass: ["P-wave": 0.7, "S-wave": Float([0.35, 0.6][trial % 2])])
            let record = RecordClassification(
                source: "x", instrumentID: "XX.STA.00.HN", startTime: 1_700_000_000, windowSeconds: 2, strideSeconds: stride, classNames: names,
                predictions: predictions)
            let picker = StreamPicker(traceID: "XX.STA.00", classNames: names, backgroundClass: 2, thresholds: thresholds, strideSeconds: stride)
            picker.instrumentID = "XX.STA.00.HN"
            var picks: [Pick] = []
            var ons: [Double] = []
            for w in predictions {
                for o in picker.add(time: record.time(ofWindowStartingAt: w.startSeconds)!, probabilities: w.probabilities) {
                    if case .pick(let p) = o { picks.append(p) } else if case .on(_, let time) = o { ons.append(time) }
                }
            }
            for o in picker.close() { if case .pick(let p) = o { picks.append(p) } }
            #expect(picks.sorted() == record.picks(thresholds: thresholds), "trial \(trial)")
            #expect(ons.sorted() == picks.map(\.startTime).sorted(), "every pick's trigger was announced at its start")
        }
    }
}

@Suite struct CoincidenceTriggerTests {
    private func t(_ station: String, _ time: Double, _ phase: String = "P") -> StationTrigger { StationTrigger(traceID: station, phase: phase, time: time) }

    @Test func declaresAnEventWhenEnoughStationsTriggerWithinTheWindow() {
        let c = CoincidenceTrigger(minimumStations: 3, windowSeconds: 10)
        #expect(c.add(t("A", 100)) == nil)
        #expect(c.add(t("A", 104)) == nil)  // the same station twice is one station
        #expect(c.add(t("B", 120)) == nil)  // too late for A
        // Streams lag differently: C's trigger at 108 arrives after B's at 120.
        let e = c.add(t("C", 108))
        #expect(e == nil)
        let d = c.add(t("D", 112))
        #expect(d?.stations.sorted() == ["B", "C", "D"] || d?.stations.sorted() == ["A", "C", "D"])
        #expect(d.map { $0.time == $0.triggers.map(\.time).min() } == true)
        // Within the window of the event's triggers: joins it, declares nothing new.
        #expect(c.add(t("E", 115, "S")) == nil)
        #expect(c.openEvents.first?.stations.contains("E") == true)
        #expect(c.eventID(of: "E", phase: "S", time: 115) == d?.id)
        // Closes once the network is a window past its last trigger and its picks are made.
        #expect(c.close(at: 130).isEmpty)  // picks not made
        for tr in c.openEvents[0].triggers {
            c.addPick(Pick(traceID: tr.traceID, startTime: tr.time, peakTime: tr.time + 1, endTime: tr.time + 2, peakValue: 0.9, phase: tr.phase))
        }
        let closed = c.close(at: 130)
        #expect(closed.count == 1 && closed[0].picks.count == closed[0].triggers.count)
        #expect(c.openEvents.isEmpty)
    }

    /// A station whose pick ends before enough others trigger: its pick joins the event its
    /// trigger helps declare (QuakeML holds it), and the event closes on time, not late.
    @Test func aPickMadeBeforeTheEventJoinsIt() {
        let c = CoincidenceTrigger(minimumStations: 3, windowSeconds: 5)
        func pick(_ s: String, _ on: Double) -> Pick { Pick(traceID: s, startTime: on, peakTime: on + 0.5, endTime: on + 1, peakValue: 0.9, phase: "P") }
        #expect(c.add(t("A", 0)) == nil)
        #expect(c.addPick(pick("A", 0)) == nil)  // no event yet
        #expect(c.addPick(pick("Z", 0)) == nil)  // a pick of no trigger is not kept
        #expect(c.add(t("B", 2)) == nil)
        let e = c.add(t("C", 3))
        #expect(e?.picks == [pick("A", 0)])
        #expect(c.addPick(pick("B", 2)) == e?.id && c.addPick(pick("C", 3)) == e?.id)
        let closed = c.close(at: 3 + 5 + 0.1)
        #expect(closed.count == 1 && closed[0].picks.map(\.traceID).sorted() == ["A", "B", "C"])
    }

    @Test func twoStationsAreNotThreeAndAnOpenPickClosesLate() {
        let c = CoincidenceTrigger(minimumStations: 3, windowSeconds: 5)
        // A and C are 8.5 s apart: no span of 5 s holds three stations.
        #expect(c.add(t("A", 0)) == nil && c.add(t("B", 4)) == nil && c.add(t("C", 8.5)) == nil)
        let e = c.add(t("D", 6))
        #expect(e?.stations.sorted() == ["B", "C", "D"])
        #expect(c.close(at: 20).isEmpty)  // no pick made yet
        #expect(c.close(at: 8.5 + c.closeAfterSeconds + 0.1).count == 1)
    }
}

@Suite struct ChannelMergeTests {
    private func record(_ k: Int, channel: String, seconds: Double = 10) -> RecordOrder.Entry {
        (
            TraceSegment(
                id: SEEDIdentifier("XX.A.00.\(channel)")!, startTime: 1000 + seconds * Double(k), samplingRateHz: 100,
                samples: Array(repeating: Double(k), count: Int(seconds * 100))), 0
        )
    }

    /// Whatever the order the three channels arrive in (each in its own time order: interleaved
    /// at random, or all of one channel, then the next, as a replayed archive), once the last
    /// record arrived every record is out (no wait, no flush), in time order.
    @Test func anInstrumentsChannelsComeOutInterleavedByTime() {
        var rng = SeededGenerator(seed: 9)
        for trial in 0..<60 {
            var queues = ["HNE", "HNN", "HNZ"].map { c in (0..<12).map { record($0, channel: c) } }
            var arrivals: [RecordOrder.Entry] = []
            if trial % 3 == 0 {
                arrivals = queues.flatMap { $0 }  // channel by channel
            } else {
                while queues.contains(where: { !$0.isEmpty }) {
                    let open = queues.indices.filter { !queues[$0].isEmpty }
                    let k = open[Int(rng.next() % UInt64(open.count))]
                    arrivals.append(queues[k].removeFirst())
                }
            }
            let merge = ChannelMerge(waitSeconds: 100, maximumSpanSeconds: 1000)
            var out: [TraceSegment] = []
            for e in arrivals { out += merge.add(e).map(\.segment) }
            #expect(out.count == arrivals.count && merge.heldCount == 0)
            #expect(out.map(\.startTime) == out.map(\.startTime).sorted())
            #expect(merge.releasedByWait == 0 && merge.releasedBySpan == 0)
        }
    }

    /// A live feed's records go out as they arrive: a record waits only for the others to reach its start.
    @Test func aLiveFeedIsNotHeld() {
        let merge = ChannelMerge()
        for k in 0..<20 {
            for (i, c) in ["HNE", "HNN", "HNZ"].enumerated() {
                let out = merge.add(record(k, channel: c))
                // From the third channel's first record on, each goes out at once.
                #expect(out.count == (k == 0 ? (i == 2 ? 3 : 0) : 1))
            }
        }
    }

    /// Live, each channel's records (of their own lengths: 7, 10 and 13 s) arrive when their last
    /// sample is due: a record is held only while another channel has not reached its start.
    @Test func aLiveFeedIsHeldOnlyForAChannelBehind() {
        let merge = ChannelMerge()
        let lengths = ["HNE": 7.0, "HNN": 10.0, "HNZ": 13.0]
        // Every record of 120 s of data, in the order their ends come due.
        let records = lengths.flatMap { c, n in (0..<Int(120 / n)).map { k in record(k, channel: c, seconds: n) } }.sorted {
            ($0.segment.endTime, $0.segment.id.channel) < ($1.segment.endTime, $1.segment.id.channel)
        }
        var reached: [String: Double] = [:]
        var released = 0
        for (n, r) in records.enumerated() {
            reached[r.segment.id.channel] = r.segment.endTime + 0.01
            released += merge.add(r).count
            let heldCount = merge.heldCount
            // What is held waits for a channel that has not reached it: the channel furthest behind.
            let behind = reached.count < 3 ? -Double.infinity : reached.values.min()!
            #expect(heldCount == n + 1 - released)
            if reached.count == 3 {
                let waiting = records.prefix(n + 1).sorted { $0.segment.startTime < $1.segment.startTime }.suffix(heldCount)
                #expect(waiting.allSatisfy { $0.segment.startTime > behind - 0.005 }, "held \(waiting.map(\.segment.startTime)), behind \(behind)")
            }
        }
    }

    @Test func aMissingChannelIsWaitedForThenTheSpanIsCapped() {
        var told: [String] = []
        let merge = ChannelMerge(waitSeconds: 3, maximumSpanSeconds: 60)
        merge.log = { told.append($0) }
        #expect(merge.add(record(0, channel: "HNE")).isEmpty && merge.add(record(0, channel: "HNN")).isEmpty)
        #expect(merge.due(now: 2.9).isEmpty)
        #expect(merge.due(now: 3).count == 2 && merge.releasedByWait == 2)
        // One channel far ahead of the others: beyond 60 s held, the oldest go out.
        var out = 0
        for k in 1...10 { out += merge.add(record(k, channel: "HNE")).count }
        #expect(out == 4 && merge.releasedBySpan == 4 && merge.heldCount == 6)
        #expect(told.count == 1 && told[0].contains("XX.A.00.HN?") && told[0].contains("seismic classify"))
    }
}

@Suite struct RecordOrderTests {
    private func record(_ k: Int, channel: String = "HNZ") -> TraceSegment {
        TraceSegment(
            id: SEEDIdentifier("XX.A.00.\(channel)")!, startTime: 1000 + Double(k), samplingRateHz: 100, samples: Array(repeating: Double(k), count: 100))
    }

    /// Records swapped with a neighbour of their channel (the first two included) come out in time
    /// order, none lost.
    @Test func recordsComeOutInTimeOrder() {
        var rng = SeededGenerator(seed: 5)
        for _ in 0..<50 {
            var arrivals = (0..<60).flatMap { k in ["HNE", "HNZ"].map { record(k, channel: $0) } }
            // Records of a channel swapped with their neighbour (disjoint swaps: each moves at most one place in its channel).
            var i = 2
            while i < arrivals.count {
                if rng.next() % 3 == 0 {
                    arrivals.swapAt(i, i - 2)
                    i += 3
                } else {
                    i += 1
                }
            }
            let order = RecordOrder(waitSeconds: 100, maximumSpanSeconds: 100)
            var out: [TraceSegment] = []
            for r in arrivals { out += order.add(r, uptime: 0).map(\.segment) }
            out += order.flush().map(\.segment)
            #expect(out.count == arrivals.count)
            for channel in ["HNE", "HNZ"] {
                let times = out.filter { $0.id.channel == channel }.map(\.startTime)
                #expect(
                    times == times.sorted() && times.count == 60,
                    "arrived \(arrivals.filter { $0.id.channel == channel }.map { Int($0.startTime) - 1000 }), out \(times.map { Int($0) - 1000 })")
            }
        }
    }

    @Test func aRealGapIsAcceptedAfterTheWaitOrTheSpan() {
        let order = RecordOrder(waitSeconds: 3, maximumSpanSeconds: 5)
        #expect(order.add(record(0), uptime: 0).isEmpty)  // a channel's first record waits for a second
        #expect(order.due(now: 3).map(\.segment.startTime) == [1000])  // or for the wait
        #expect(order.add(record(2), uptime: 1).isEmpty)  // record 1 missing: held
        #expect(order.due(now: 3.9).isEmpty)
        #expect(order.due(now: 4.0).map(\.segment.startTime) == [1002])
        #expect(order.gapsAccepted == 1)
        #expect(order.add(record(4), uptime: 5).isEmpty)
        #expect(order.add(record(6), uptime: 5).isEmpty)
        #expect(order.add(record(9), uptime: 5).map(\.segment.startTime) == [1004, 1006, 1009])  // held span over 5 s
        #expect(order.add(record(3), uptime: 6).count == 1)  // older: out at once (the monitor counts it late)
    }
}

/// 24 real records (Tests/Fixtures/real/phasenet-picks, MIT) as 24 stations of one network: their
/// channels named HN? (the monitor converts acceleration: both paths convert the counts alike), each station at its own location code,
/// all moved to one origin 0.2 s apart (a moveout), float32 as the server sends them.
struct RealNetwork {
    var segments: [TraceSegment]
    var stations: [String]
    static let origin = 1_795_996_800.0

    static func load() throws -> RealNetwork {
        let names = try RealRecord.names(set: "phasenet-picks")
        var segments: [TraceSegment] = []
        var stations: [String] = []
        for (k, name) in names.enumerated() {
            let r = try RealRecord.load(name, set: "phasenet-picks")
            guard r.channels.count == 3 else { continue }
            let location = String(format: "%02d", k)
            for var s in r.segments(location: location, rename: { "HN" + String($0.suffix(1)) }) {
                s.startTime = origin + 0.2 * Double(k)
                s.samples = s.samples.map { Double(Float($0)) }
                segments.append(s)
            }
            stations.append("\(r.network).\(r.station).\(location)")
        }
        return RealNetwork(segments: segments, stations: stations)
    }

    /// Each station's classify outcome (its channels written as miniSEED and classified as
    /// `seismic classify` does), keyed by trace id.
    func classified(_ classifier: Classifier, units: UnitOptions, folder: String) throws -> [String: RecordClassification] {
        var out: [String: RecordClassification] = [:]
        for station in stations {
            let path = "\(folder)/\(station).mseed"
            try MiniSEED.write(segments.filter { $0.id.stationID == station }, to: path, encoding: .float32)
            let c = try #require(try classifier.classify(miniSEEDAt: path, units: units).first?.get()).classification
            out[station] = c
        }
        return out
    }
}

@Suite(.serialized) struct NetworkMonitorSessionTests {
    /// Counts at a strong-motion sensor's sensitivity (the same for both paths; the windows are
    /// normalised, so the model's answers do not depend on it).
    private let units = UnitOptions(units: .mps2, sensitivity: 400_000)

    private func folder() throws -> String {
        let f = FileManager.default.temporaryDirectory.appendingPathComponent("network-monitor-\(UUID())").path
        try FileManager.default.createDirectory(atPath: f, withIntermediateDirectories: true)
        return f
    }

    /// Streams the network from a server with `fault` (FETCH, so the session ends) and returns
    /// every output and the session.
    private func run(
        _ network: RealNetwork, fault: LocalSeedLinkServer.Fault = .none, shuffle: Bool = false, channelByChannel: Bool = false,
        version: SeedLinkVersion = .v3, scratch: String, events: String? = nil
    ) throws -> ([NetworkOutput], NetworkMonitorSession) {
        var frames = try LocalSeedLinkServer.frames(of: network.segments, scratch: scratch, encoding: .float32)
        if channelByChannel {
            // As a server replaying files: every record of a channel, then the next channel's.
            frames = frames.enumerated().sorted {
                ($0.element.stationKey, $0.element.location, $0.element.channel, $0.offset) < (
                    $1.element.stationKey, $1.element.location, $1.element.channel, $1.offset
                )
            }.map(\.element)
            for i in frames.indices { frames[i].sequence = i + 1 }
        }
        if shuffle {
            // Out of order: every fifth record of each channel sent after the channel's next one;
            // every seventh record sent again under a new sequence number.
            var positions: [String: [Int]] = [:]
            for (i, f) in frames.enumerated() { positions[f.stationKey + f.location + f.channel, default: []].append(i) }
            for p in positions.values { for j in stride(from: 0, to: p.count - 1, by: 5) { frames.swapAt(p[j], p[j + 1]) } }
            var copies: [LocalSeedLinkServer.Frame] = []
            for (i, f) in frames.enumerated() where i % 7 == 0 { copies.append(f) }
            var mixed: [LocalSeedLinkServer.Frame] = []
            for (i, f) in frames.enumerated() {
                mixed.append(f)
                if i % 7 == 3, i / 7 < copies.count { mixed.append(copies[i / 7]) }
            }
            frames = mixed
            for i in frames.indices { frames[i].sequence = i + 1 }
        }
        let server = try LocalSeedLinkServer(frames: frames, fault: fault, versions: LocalSeedLinkServer.versions(speaking: version))
        defer { server.shutdown() }
        let streams = Set(network.stations.map { s in s.split(separator: ".").prefix(2).joined(separator: "_") }).sorted().joined(separator: ",")
        // FETCH ends the session when the server closes, so a cut connection needs DATA: the run
        // then stops once every record has arrived.
        let fetch = fault == .none
        let address = try SeedLinkAddress(parsing: "seedlink://127.0.0.1:\(server.port)?streams=\(streams)" + (fetch ? "&fetch" : ""))
        let (model, card) = try Checkpoint.load(from: "earthquake-real")
        var settings = NetworkMonitorSettings()
        settings.hopSeconds = 0.5
        var link = SeedLinkSettings()
        link.firstReconnectDelaySeconds = 0.05
        link.keepaliveSeconds = 0.5
        link.stallSeconds = 1.5
        let session = try NetworkMonitorSession(
            model: model, card: card, address: address, settings: settings, units: units, seedLink: link, trigger: nil, eventsFolder: events,
            log: { _ in })
        var outputs: [NetworkOutput] = []
        let total = frames.count
        let started = Date()
        try session.run(stop: { !fetch && (session.client.statistics.records >= total || Date().timeIntervalSince(started) > 120) }) { outputs.append($0) }
        #expect(session.client.statistics.records == total, "\(session.client.statistics.records) of \(total) records")
        #expect(session.client.sessionVersion == version)
        return (outputs, session)
    }

    /// The outputs of a run, by kind.
    private struct Outputs {
        var windows: [String: [MonitorLine]] = [:], picks: [String: [Pick]] = [:]
        var events: [NetworkEvent] = [], closed: [NetworkEvent] = []
        init(_ outputs: [NetworkOutput]) {
            for o in outputs {
                switch o {
                case .window(let l): windows[l.traceID, default: []].append(l)
                case .pick(let p, let instrument, _):
                    // A pick names the instrument the monitor took, once its records named it.
                    #expect(p.instrumentID == instrument || instrument.split(separator: ".", omittingEmptySubsequences: false).count != 4)
                    #expect(p.instrumentID.isEmpty || p.instrumentID.hasPrefix(p.traceID + "."), "\(p.instrumentID) of \(p.traceID)")
                    picks[p.traceID, default: []].append(p)
                case .event(let e): events.append(e)
                case .eventClosed(let e): closed.append(e)
                }
            }
        }
    }

    /// Window centres to the millisecond (the two paths add the same times in another order).
    private func ms(_ t: Double) -> Int { Int((t * 1000).rounded()) }

    /// Streamed through SeedLink, every window classify classifies is classified (same centres),
    /// with the same probabilities where both chains see the same signal, and the same picks:
    /// classify runs its record chain (detrend, 5 % taper, 0.5 Hz high-pass) over the whole
    /// 45 s record, the monitor over each 2 s window as the reference's live loop does, so
    /// probabilities differ near the record's tapered ends and where the high-pass rings
    /// differently (measured below, printed); a pick is compared where it is clear in classify — peak
    /// ≥ 0.9, its trigger more than 3 s from either end (the taper and a window) — and must be found
    /// by the monitor with the same phase, its peak within one hop. One event holds the stations
    /// whose P arrives within the coincidence window, its QuakeML written.
    @Test func realRecordsOf24StationsGiveClassifysPicksAndOneEvent() throws {
        let network = try RealNetwork.load()
        #expect(network.stations.count >= 20)
        let scratch = try folder()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let (outputs, session) = try run(network, scratch: scratch, events: scratch + "/events")
        let out = Outputs(outputs)
        // Every pick names its instrument (NET.STA.LOC.BI), as classify's do.
        let named = out.picks.values.joined().map(\.instrumentID)
        #expect(!named.isEmpty && named.allSatisfy { $0.split(separator: ".", omittingEmptySubsequences: false).count == 4 }, "\(Set(named))")
        let (model, card) = try Checkpoint.load(from: "earthquake-real")
        let reference = try network.classified(Classifier(model: model, card: card, strideSeconds: 0.5), units: units, folder: scratch)
        var diffs: [Double] = [], compared = 0
        for station in network.stations {
            let c = try #require(reference[station])
            let byTime = Dictionary(uniqueKeysWithValues: c.predictions.map { (ms(c.time(ofWindowStartingAt: $0.startSeconds)!), $0.probabilities) })
            let lines = out.windows[station] ?? []
            #expect(Set(lines.map { ms($0.time) }) == Set(byTime.keys), "\(station): \(lines.count) windows, classify \(byTime.count)")
            for l in lines where l.time - c.startTime > 3 && c.startTime + 45 - l.time > 3 {
                if let p = byTime[ms(l.time)] { diffs.append(zip(l.probabilities, p).map { Double(abs($0 - $1)) }.max()!) }
            }
            let mine = out.picks[station] ?? []
            for p in c.picks(thresholds: PickThresholds()) where p.peakValue >= 0.9 && p.startTime - c.startTime > 3 && c.startTime + 45 - p.endTime > 3 {
                compared += 1
                #expect(
                    mine.contains { $0.phase == p.phase && abs($0.peakTime - p.peakTime) <= 0.5 + 1e-6 },
                    "\(station): classify's \(p) not picked by the monitor: \(mine)")
            }
        }
        diffs.sort()
        diagnostic(
            "network: \(compared) clear classify picks compared; probability differences away from the ends: median \(diffs[diffs.count / 2]), 99th percentile \(diffs[diffs.count * 99 / 100]), max \(diffs.last!)"
        )
        #expect(compared >= 30)
        // The bulk of the windows see the same signal: the median difference is float rounding.
        #expect(diffs[diffs.count / 2] < 1e-3)
        #expect(out.events.count == 1)
        let event = try #require(out.events.first)
        #expect(event.stations.count >= 3 && Set(event.stations).isSubset(of: Set(network.stations)))
        #expect(out.closed.count == 1 && out.closed.first?.stations.count ?? 0 >= 20, "\(out.closed.map(\.stations.count))")
        let quakeML = try String(contentsOfFile: scratch + "/events/event-\(event.id).xml", encoding: .utf8)
        #expect(quakeML.contains("<pick") && quakeML.contains("phaseHint"))
        #expect(session.monitor.stations.count == network.stations.count)
        diagnostic("network: \(session.summary)")
    }

    /// A cut connection, a stall, garbage, records out of order and sent twice: the session
    /// resumes by sequence number and gives exactly the windows and picks of a clean run.
    @Test(arguments: [LocalSeedLinkServer.Fault.disconnect(afterFrames: 700), .stall(afterFrames: 1500), .garbage(afterFrames: 2500), .repeatFrames])
    func faultsChangeNothing(_ fault: LocalSeedLinkServer.Fault) throws {
        let network = try RealNetwork.load()
        let scratch = try folder()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let clean = Outputs(try run(network, scratch: scratch).0)
        let (outputs, session) = try run(network, fault: fault, shuffle: fault == .repeatFrames, scratch: scratch)
        let faulty = Outputs(outputs)
        expectSame(clean, faulty, stations: network.stations)
        let link = session.client.statistics
        switch fault {
        case .repeatFrames: #expect(link.duplicateRecords > 0 && session.monitor.order.reordered > 0)
        case .garbage: #expect(link.garbage == 1 && link.reconnects >= 1)
        case .stall: #expect(link.stalls >= 1 && link.reconnects >= 1)
        default: #expect(link.reconnects >= 1)
        }
        diagnostic("network with \(fault): \(session.summary)")
    }

    /// The windows, picks and events of two runs are the same (probabilities within 1e-5: the
    /// same windows batched differently).
    /// `sameEvents` false: the events may be split differently, but hold the same stations and picks.
    private func expectSame(_ clean: Outputs, _ other: Outputs, stations: [String], sameEvents: Bool = true) {
        for station in stations {
            let a = clean.windows[station] ?? [], b = other.windows[station] ?? []
            #expect(!a.isEmpty && a.map { ms($0.time) } == b.map { ms($0.time) }, "\(station): windows differ")
            for (x, y) in zip(a, b) { #expect(zip(x.probabilities, y.probabilities).allSatisfy { abs($0 - $1) <= 1e-5 }, "\(station) at \(x.time)") }
            #expect((clean.picks[station] ?? []).map(\.peakTime) == (other.picks[station] ?? []).map(\.peakTime), "\(station): picks differ")
        }
        if sameEvents {
            #expect(other.events.count == clean.events.count)
        } else {
            #expect(Set(other.closed.flatMap(\.stations)) == Set(clean.closed.flatMap(\.stations)))
            // Picks made after the first part closed and joining no second event stay out of both (they are output all the same).
            let picks: (Outputs) -> Set<String> = { Set($0.closed.flatMap(\.picks).map { "\($0.traceID) \($0.phase) \(ms($0.peakTime))" }) }
            #expect(picks(other).isSubset(of: picks(clean)))
            diagnostic("network split: \(other.closed.count) events holding \(picks(other).count) of the \(picks(clean).count) picks of one")
        }
    }

    /// A server replaying an archive channel by channel (each station's HNE whole, then HNN, then
    /// HNZ), and a server speaking SeedLink 4.0, give exactly the windows and picks of the
    /// interleaved 3.1 stream; the 4.0 stream the same events too. (The replay delivers stations
    /// one after another, so an event may close on the first stations' data time before the
    /// last ones arrive and be declared again by them: the same stations, split, and picks of a
    /// station that came too late for either event are in neither.)
    @Test(arguments: [(true, SeedLinkVersion.v3), (false, .v4)])
    func channelByChannelOrVersion4ChangeNothing(_ channelByChannel: Bool, _ version: SeedLinkVersion) throws {
        let network = try RealNetwork.load()
        let scratch = try folder()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let clean = Outputs(try run(network, scratch: scratch).0)
        let (outputs, session) = try run(network, channelByChannel: channelByChannel, version: version, scratch: scratch)
        expectSame(clean, Outputs(outputs), stations: network.stations, sameEvents: !channelByChannel)
        #expect(session.monitor.merge.releasedBySpan == 0 && session.monitor.merge.heldCount == 0)
        diagnostic("network \(channelByChannel ? "channel by channel" : "interleaved"), SeedLink \(version.rawValue): \(session.summary)")
    }

    /// A session stopped part way and started again with the same --state file asks every station
    /// for the record after its last one: together the two runs receive every record once.
    /// (In 4.0 the numbers cross 2³² on the way: the file keeps all 64 bits.)
    @Test(arguments: SeedLinkVersion.allCases)
    func aStateFileResumesARestartWhereTheLastRunStopped(_ version: SeedLinkVersion) throws {
        let network = try RealNetwork.load()
        let scratch = try folder()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        // Released over 3 s (45 s of data at 15×), so the first run stops part way whatever the machine's speed.
        let frames = try LocalSeedLinkServer.frames(
            of: network.segments, firstSequence: version == .v4 ? 0x1_0000_0000 - 500 : 1, scratch: scratch, encoding: .float32
        ) { ($0 - RealNetwork.origin) / 15 }
        let server = try LocalSeedLinkServer(frames: frames, versions: LocalSeedLinkServer.versions(speaking: version))
        defer { server.shutdown() }
        let streams = Set(network.stations.map { s in s.split(separator: ".").prefix(2).joined(separator: "_") }).sorted().joined(separator: ",")
        let (model, card) = try Checkpoint.load(from: "earthquake-real")
        var counts: [Int] = []
        for run in 0..<2 {
            let session = try NetworkMonitorSession(
                model: model, card: card, address: try SeedLinkAddress(parsing: "seedlink://127.0.0.1:\(server.port)?streams=\(streams)"),
                settings: NetworkMonitorSettings(), units: units, trigger: nil, eventsFolder: nil, stateFile: scratch + "/state", log: { _ in })
            let started = Date()
            let before = counts.first ?? 0
            try session.run(stop: {
                let n = session.client.statistics.records
                return (run == 0 ? n >= 1000 : n + before >= frames.count) || Date().timeIntervalSince(started) > 120
            }) { _ in }
            counts.append(session.client.statistics.records)
        }
        #expect(counts[0] >= 1000 && counts[0] < frames.count)
        #expect(counts[0] + counts[1] == frames.count, "\(counts) of \(frames.count)")
        let state = try String(contentsOfFile: scratch + "/state", encoding: .utf8).split(separator: "\n")
        #expect(state.count == Set(network.stations.map { $0.split(separator: ".").prefix(2).joined(separator: "_") }).count)
        #expect(server.commands[1].contains { $0.hasPrefix("DATA ") })
        if version == .v4 {
            #expect(state.allSatisfy { $0.hasSuffix(" 4.0") } && state.contains { Int($0.split(separator: " ")[1], radix: 16)! > 0xFFFF_FFFF }, "\(state)")
        }
    }

    @Test func stateFilesAreReadLineByLine() throws {
        let scratch = try folder()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let path = scratch + "/state"
        var said: [String] = []
        try "XX_A 00002A\nXX_B 1F\nnonsense\nXX_C 1000000\nXX_D 10 4.0\n".write(toFile: path, atomically: true, encoding: .utf8)
        let three = try NetworkMonitorSession.readState(path, log: { said.append($0) })
        // 3.1 numbers are 24-bit; a line of the other version is ignored, said.
        #expect(three.numbering == .v3 && three.sequences == ["XX_A": 42, "XX_B": 31])
        #expect(said.filter { $0.contains("ignored") }.count == 3)
        try "XX_A 1234567890AB 4.0\nXX_B 7FFFFFFFFFFFFFFF 4.0\nXX_C 0 4.0\n".write(toFile: path, atomically: true, encoding: .utf8)
        let four = try NetworkMonitorSession.readState(path, log: { _ in })
        #expect(four.numbering == .v4 && four.sequences == ["XX_A": 0x1234_5678_90AB, "XX_C": 0])
        #expect(try NetworkMonitorSession.readState(scratch + "/none", log: { _ in }).sequences.isEmpty)
        // A folder, or a file that is not text, is refused rather than overwritten.
        #expect(throws: MonitorError.stateFile(path: scratch, reason: "is a folder; give a file's path")) {
            try NetworkMonitorSession.readState(scratch, log: { _ in })
        }
        try Data([0x53, 0x00, 0xFF, 0xFE]).write(to: URL(fileURLWithPath: path))
        #expect(throws: MonitorError.self) { try NetworkMonitorSession.readState(path, log: { _ in }) }
        // Text without one state line (a stream list given by mistake) is refused, not overwritten.
        try "TW A001 HN?\nTW A002 HN?\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect {
            try NetworkMonitorSession.readState(path, log: { _ in })
        } throws: { error in
            "\(error)".contains("holds no state line")
        }
        try "\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try NetworkMonitorSession.readState(path, log: { _ in }).sequences.isEmpty)
    }

    /// Two monitors cannot share a state file: the second is refused while the first runs.
    @Test func aStateFileInUseIsRefused() throws {
        let scratch = try folder()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let (model, card) = try Checkpoint.load(from: "earthquake-real")
        func session() throws -> NetworkMonitorSession {
            try NetworkMonitorSession(
                model: model, card: card, address: try SeedLinkAddress(parsing: "seedlink://127.0.0.1:1?streams=XX_A"), settings: NetworkMonitorSettings(),
                units: units, trigger: nil, eventsFolder: nil, stateFile: scratch + "/state", log: { _ in })
        }
        let first = try session()
        #expect {
            _ = try session()
        } throws: { error in
            "\(error)".contains("in use by another monitor")
        }
        // Nor through a symbolic link to it.
        try FileManager.default.createSymbolicLink(atPath: scratch + "/link", withDestinationPath: scratch + "/state")
        #expect(throws: MonitorError.self) {
            try NetworkMonitorSession(
                model: model, card: card, address: try SeedLinkAddress(parsing: "seedlink://127.0.0.1:1?streams=XX_A"), settings: NetworkMonitorSettings(),
                units: units, trigger: nil, eventsFolder: nil, stateFile: scratch + "/link", log: { _ in })
        }
        withExtendedLifetime(first) {}
        #expect(throws: MonitorError.self) {
            try NetworkMonitorSession(
                model: model, card: card, address: try SeedLinkAddress(parsing: "seedlink://127.0.0.1:1?streams=XX_A"), settings: NetworkMonitorSettings(),
                units: units, trigger: nil, eventsFolder: nil, stateFile: "/nonexistent-folder/state", log: { _ in })
        }
    }

    /// A station that goes silent a third of the way in: the others stream on and give the
    /// picks they give with it; the status names it silent. The server releases each record when
    /// its data is due at 20 × real time, so silence shows on the wall clock: the quiet station's
    /// last record arrives about 4 s before the others' last ones, which arrive within 0.4 s of
    /// each other. The status is taken as of the last record's arrival, so a busy machine that
    /// processes the records late does not make every station look silent.
    @Test func aStationThatGoesSilentIsNamedAndTheOthersGoOn() throws {
        var network = try RealNetwork.load()
        let scratch = try folder()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let clean = Outputs(try run(network, scratch: scratch).0)
        let quiet = network.stations[3]
        network.segments = network.segments.map { s in
            guard s.id.stationID == quiet else { return s }
            var cut = s
            cut.samples = Array(s.samples.prefix(1500))
            return cut
        }
        let frames = try LocalSeedLinkServer.frames(of: network.segments, scratch: scratch, encoding: .float32) { ($0 - RealNetwork.origin) / 20 }
        let server = try LocalSeedLinkServer(frames: frames)
        defer { server.shutdown() }
        let streams = Set(network.stations.map { s in s.split(separator: ".").prefix(2).joined(separator: "_") }).sorted().joined(separator: ",")
        let (model, card) = try Checkpoint.load(from: "earthquake-real")
        var settings = NetworkMonitorSettings()
        settings.hopSeconds = 0.5
        let session = try NetworkMonitorSession(
            model: model, card: card, address: try SeedLinkAddress(parsing: "seedlink://127.0.0.1:\(server.port)?streams=\(streams)"),
            settings: settings, units: units, trigger: nil, eventsFolder: nil, log: { _ in })
        session.silentSeconds = 1.5
        var outputs: [NetworkOutput] = []
        let started = Date()
        try session.run(stop: { session.client.statistics.records >= frames.count || Date().timeIntervalSince(started) > 120 }) { outputs.append($0) }
        let lastArrival = try #require(session.monitor.stations.map(\.lastRecordUptime).max())
        let status = session.report(at: lastArrival).text()
        let out = Outputs(outputs)
        #expect(status.contains("\(network.stations.count - 1) stations live, 1 silent") && status.contains(quiet), "\(status)")
        #expect((out.windows[quiet] ?? []).allSatisfy { $0.time < RealNetwork.origin + 0.2 * 3 + 15 })  // its data ends 15 s after its start
        for station in network.stations where station != quiet {
            #expect((clean.picks[station] ?? []).map(\.peakTime) == (out.picks[station] ?? []).map(\.peakTime), "\(station)")
        }
    }
}

@Suite struct NetworkMonitorUnitsTests {
    /// The status names what became of each station asked for: refused by the server, accepted
    /// but never heard (its selector matches nothing), heard with every record skipped (not in
    /// the inventory); the others are live.
    @Test func theStatusNamesStationsRefusedNeverHeardOrSkipped() throws {
        let network = try RealNetwork.load()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("network-status-\(UUID())").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        // Three stations as XX.A, XX.B, XX.C (HN?), and XX.D with a BHZ only.
        var segments: [TraceSegment] = []
        for (name, station) in zip(["A", "B", "C"], network.stations) {
            for var s in network.segments where s.id.stationID == station {
                s.id = SEEDIdentifier(network: "XX", station: name, location: "00", channel: s.id.channel)
                segments.append(s)
            }
        }
        var d = segments[0]
        d.id = SEEDIdentifier(network: "XX", station: "D", location: "00", channel: "BHZ")
        segments.append(d)
        let server = try LocalSeedLinkServer(frames: try LocalSeedLinkServer.frames(of: segments, scratch: scratch, encoding: .float32))
        defer { server.shutdown() }
        let inv = try inventory(["A", "B"].flatMap { st in ["HNE", "HNN", "HNZ"].map { (st, $0, 400_000.0, "M/S**2") } })
        let (model, card) = try Checkpoint.load(from: "earthquake-real")
        var settings = NetworkMonitorSettings()
        settings.minimumStations = 2
        let session = try NetworkMonitorSession(
            model: model, card: card,
            address: try SeedLinkAddress(parsing: "seedlink://127.0.0.1:\(server.port)?streams=XX_A,XX_B,XX_C,XX_NOPE,XX_D:HN?&fetch"),
            settings: settings, units: UnitOptions(inventory: inv), trigger: nil, eventsFolder: nil, log: { _ in })
        try session.run(stop: { false }) { _ in }
        let missing = session.stationsMissing
        #expect(missing.refused == ["XX_NOPE"] && missing.neverHeard == ["XX_D"] && missing.allSkipped == ["XX_C"], "\(missing)")
        let summary = session.summary
        #expect(
            summary.contains("2 stations live") && summary.contains("1 refused by the server (XX_NOPE)")
                && summary.contains("1 asked for and never heard (XX_D)") && summary.contains("1 with every record skipped (units or rate) (XX_C)"),
            "\(summary)")
        // The same as JSON (monitor --json --status-every).
        let json = try #require(try JSONSerialization.jsonObject(with: Data(session.statusReport.json.utf8)) as? [String: Any])
        #expect(json["type"] as? String == "status" && json["stations_live"] as? Int == 2)
        #expect(json["refused"] as? [String] == ["XX_NOPE"] && json["never_heard"] as? [String] == ["XX_D"])
        #expect(json["all_records_skipped"] as? [String] == ["XX_C"])
        let link = try #require(json["seedlink"] as? [String: Any])
        #expect(link["version"] as? String == "3.1" && (link["records"] as? Int ?? 0) == session.client.statistics.records)
    }

    /// A StationXML inventory for `channels`: (station, channel, counts per unit, unit).
    private func inventory(_ channels: [(String, String, Double, String)], epochs: [(start: String, end: String?)] = [("2020-01-01T00:00:00Z", nil)]) throws
        -> Inventory
    {
        var xml =
            "<?xml version='1.0' encoding='UTF-8'?>\n<FDSNStationXML xmlns=\"http://www.fdsn.org/xml/station/1\" schemaVersion=\"1.2\"><Source>test</Source>"
        xml += "<Created>2026-01-01T00:00:00Z</Created><Network code=\"XX\">"
        for station in Set(channels.map(\.0)).sorted() {
            xml += "<Station code=\"\(station)\"><Latitude>0</Latitude><Longitude>0</Longitude><Elevation>0</Elevation>"
            for ((_, code, value0, unit), (k, epoch)) in channels.filter({ $0.0 == station }).flatMap({ c in epochs.enumerated().map { (c, $0) } }) {
                // Each later epoch's sensitivity is 4 times smaller.
                let value = value0 / pow(4, Double(k))
                xml += "<Channel code=\"\(code)\" locationCode=\"00\" startDate=\"\(epoch.start)\"" + (epoch.end.map { " endDate=\"\($0)\"" } ?? "")
                xml += "><Latitude>0</Latitude><Longitude>0</Longitude>"
                xml += "<Elevation>0</Elevation><Depth>0</Depth><SampleRate>100</SampleRate><Response><InstrumentSensitivity><Value>\(value)</Value>"
                xml += "<Frequency>1</Frequency><InputUnits><Name>\(unit)</Name></InputUnits><OutputUnits><Name>COUNTS</Name></OutputUnits>"
                xml += "</InstrumentSensitivity></Response></Channel>"
            }
            xml += "</Station>"
        }
        return try Inventory.read(data: Data((xml + "</Network></FDSNStationXML>").utf8), path: "test.xml")
    }

    /// The same counts at two stations whose sensitivities differ by 4: each channel is converted
    /// with its own, so the PGAs differ by exactly 4 (the record chain is linear). A velocity
    /// channel and a channel the inventory lacks are skipped, each said once.
    @Test func eachChannelIsConvertedWithItsOwnSensitivity() throws {
        let inv = try inventory(
            ["HNE", "HNN", "HNZ"].map { ("A", $0, 400_000.0, "M/S**2") } + ["HNE", "HNN", "HNZ"].map { ("B", $0, 100_000.0, "M/S**2") }
                + [("C", "HHZ", 1e9, "M/S")])
        let card = ModelCard.earthquakePretraining()
        let log = Locked<[String]>([])
        let monitor = try NetworkMonitor(
            model: ConvNet(card.architecture, seed: 1), card: card, settings: NetworkMonitorSettings(), units: UnitOptions(inventory: inv),
            log: { line in log.withLock { $0.append(line) } })
        let t0 = 1_795_996_800.0
        for (k, code) in ["HNE", "HNN", "HNZ"].enumerated() {
            let samples = (0..<1000).map { i in (3000 * sin(Double(i) / (5 + Double(k))) + Double((i * 7919) % 200)).rounded() }
            for station in ["A", "B"] {
                for part in 0..<5 {
                    monitor.handle(
                        TraceSegment(
                            id: SEEDIdentifier(network: "XX", station: station, location: "00", channel: code), startTime: t0 + Double(part) * 2,
                            samplingRateHz: 100, samples: Array(samples[(part * 200)..<((part + 1) * 200)])), receivedUptime: 0)
                }
            }
        }
        for station in ["C", "D"] {
            monitor.handle(
                TraceSegment(
                    id: SEEDIdentifier(network: "XX", station: station, location: "00", channel: "HHZ"), startTime: t0, samplingRateHz: 100, samples: [1, 2, 3]),
                receivedUptime: 0)
        }
        let lines = monitor.flush().compactMap { o -> MonitorLine? in if case .window(let l) = o { return l } else { return nil } }
        let a = lines.filter { $0.traceID == "XX.A.00" }, b = lines.filter { $0.traceID == "XX.B.00" }
        #expect(a.count >= 8 && a.count == b.count)
        for (x, y) in zip(a, b) { #expect(abs(y.pgaGal / x.pgaGal - 4) < 1e-9, "\(y.pgaGal) / \(x.pgaGal)") }
        #expect(monitor.skippedRecords == 2 && monitor.unconvertibleChannels == 2)
        #expect(log.current.contains { $0.contains("XX.C.00.HHZ") && $0.contains("M/S") })
        #expect(log.current.contains { $0.contains("XX.D.00.HHZ") })
    }

    /// An inventory whose sensitivity changes (a new epoch, 4 times smaller) halfway through the
    /// stream: windows after the change are converted with the new one.
    @Test func aNewInventoryEpochIsTakenWhenItStarts() throws {
        let change = 1_795_996_810.0  // 2026-11-30T00:00:10Z
        let inv = try inventory(
            ["HNE", "HNN", "HNZ"].map { ("A", $0, 400_000.0, "M/S**2") },
            epochs: [("2020-01-01T00:00:00Z", "2026-11-30T00:00:10Z"), ("2026-11-30T00:00:10Z", nil)])
        let card = ModelCard.earthquakePretraining()
        let monitor = try NetworkMonitor(
            model: ConvNet(card.architecture, seed: 1), card: card, settings: NetworkMonitorSettings(), units: UnitOptions(inventory: inv), log: { _ in })
        // The same 10 s of counts before and after the change; each channel's 20 s in one go (a
        // channel leading the others by 20 s, as SeedLink records of quiet data can).
        for (k, code) in ["HNE", "HNN", "HNZ"].enumerated() {
            let samples = (0..<1000).map { i in (3000 * sin(Double(i) / (5 + Double(k))) + Double((i * 7919) % 200)).rounded() }
            for half in 0..<2 {
                for part in 0..<5 {
                    monitor.handle(
                        TraceSegment(
                            id: SEEDIdentifier(network: "XX", station: "A", location: "00", channel: code),
                            startTime: change - 10 + Double(half * 10 + part * 2),
                            samplingRateHz: 100, samples: Array(samples[(part * 200)..<((part + 1) * 200)])), receivedUptime: 0)
                }
            }
        }
        let lines = monitor.flush().compactMap { o -> MonitorLine? in if case .window(let l) = o { return l } else { return nil } }
        let before = lines.filter { $0.endTime < change }, after = lines.filter { $0.time - 1 >= change }
        #expect(before.count >= 8 && after.count == before.count, "\(before.count) before, \(after.count) after, \(lines.map { $0.time - change })")
        for (x, y) in zip(before, after) { #expect(abs(y.pgaGal / x.pgaGal - 4) < 1e-9, "\(y.pgaGal) / \(x.pgaGal)") }
    }
}
