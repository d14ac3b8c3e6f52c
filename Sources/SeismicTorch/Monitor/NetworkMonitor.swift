// NetworkMonitor: many stations in one process — a monitor per station keyed by SEED id, samples
// converted per channel, the windows due at all stations classified in one model call, picks per
// station and events by network coincidence.

import Foundation
import SeismicIO
import SeismicNN

/// Settings of a network monitor (the `monitor` command's options for a SeedLink source).
public struct NetworkMonitorSettings: Sendable {
    public var hopSeconds = 1.0
    /// Pick thresholds per class (classify's `--threshold`; default 0.7).
    public var thresholds = PickThresholds()
    /// Stations whose triggers must switch on within `coincidenceSeconds` to declare an event.
    public var minimumStations = 3
    public var coincidenceSeconds = 10.0
    /// Band + instrument code to monitor at every station (e.g. "HN"); nil: each station's own
    /// choice (an accelerometer first).
    public var instrument: String?
    /// The per-window PGA trigger of a single-station monitor (flag on window lines).
    public var pgaThresholdGal = 2.0, noiseMaximum = 0.5, minimumGapSeconds = 10.0
    public init() {}
}

/// What a network monitor reports.
public enum NetworkOutput: Sendable {
    /// A classified window of one station.
    case window(MonitorLine)
    /// A station's pick, and the event it belongs to.
    case pick(Pick, instrumentID: String, eventID: String?)
    /// An event declared (the moment the coincidence is met).
    case event(NetworkEvent)
    /// An event closed, with the picks made of its triggers.
    case eventClosed(NetworkEvent)
}

/// One station's state, for status lines and the summary.
public struct StationStatus: Sendable {
    /// "NET.STA.LOC".
    public var traceID: String
    /// "NET.STA.LOC.BI" once an instrument is monitored, else "".
    public var instrumentID: String
    /// Time of the newest sample received (UTC s) and when its record arrived (uptime s).
    public var newestSampleTime: Double
    public var lastRecordUptime: Double
    public var records: Int
    public var statistics: MonitorStatistics
}

/// Monitors every station of a stream of records (SeedLink's): each station ("NET.STA.LOC") gets
/// a `MonitorRunner` (instrument choice, ring buffer, record chain) at its records' sampling rate;
/// samples are converted to m/s² per channel (`UnitOptions`: the inventory's sensitivity of that
/// channel at the record's time, or `--units` with `--sensitivity`); the windows that become due
/// are held until `classifyDue`, which classifies all of them in one model call, then feeds each
/// station's `StreamPicker` and the network's `CoincidenceTrigger`.
public final class NetworkMonitor {
    public let card: ModelCard
    public let settings: NetworkMonitorSettings
    private let model: ConvNet
    private let units: UnitOptions
    private let classifier: Classifier
    private let log: (String) -> Void
    private var runners: [String: MonitorRunner] = [:]
    private var pickers: [String: StreamPicker] = [:]
    private var status: [String: StationStatus] = [:]
    /// Per channel: counts → m/s² (nil: not convertible) and the time it holds until (the inventory epoch's end).
    private var factors: [SEEDIdentifier: (factor: Double?, until: Double)] = [:]
    private var pending: [(station: String, runner: MonitorRunner, engine: MonitorEngine, window: DueWindow, uptime: Double)] = []
    public let coincidence: CoincidenceTrigger
    /// Seconds from the arrival of the record that completed a window to its classification, for
    /// the most recent windows (at most `latencyMemory`).
    public private(set) var latencies: [Double] = []
    public static let latencyMemory = 100_000
    /// Seconds each station's ring buffer holds: one channel may lead the others of its station
    /// by this much (a SeedLink record of quiet 100 Hz data holds up to tens of seconds) before the
    /// lead is taken for a gap. About 290 kB per 100 Hz three-component station.
    public static let bufferSeconds = 60.0
    /// Seconds from each recent window's last sample (its UTC time) to its classification (the
    /// wall clock's UTC): what the record's length, the server and the network add to `latencies`
    /// (meaningful for live streams only).
    public private(set) var dataAges: [Double] = []
    /// Records whose channel could not be converted (not in the inventory, not acceleration…),
    /// or whose sampling rate differs from their station's; the stations ("NET_STA") they came from.
    public private(set) var skippedRecords = 0
    public private(set) var skippedStations: Set<String> = []
    private var rateWarned: Set<SEEDIdentifier> = []
    /// Every station ("NET.STA.LOC") a record came from, held for ordering or placed.
    public private(set) var receivedStations: Set<String> = []

    /// - Throws: `MonitorError` when the hop does not fit the card's window.
    public init(model: ConvNet, card: ModelCard, settings: NetworkMonitorSettings, units: UnitOptions, log: @escaping (String) -> Void) throws {
        guard settings.hopSeconds > 0, settings.hopSeconds <= card.windowSeconds else {
            throw MonitorError.hop(hopSeconds: settings.hopSeconds, windowSeconds: card.windowSeconds)
        }
        self.model = model
        self.card = card
        self.settings = settings
        self.units = units
        self.log = log
        merge.log = log
        classifier = Classifier(model: model, card: card)
        coincidence = CoincidenceTrigger(minimumStations: settings.minimumStations, windowSeconds: settings.coincidenceSeconds)
    }

    /// Windows prepared and waiting for `classifyDue`.
    public var dueCount: Int { pending.count }

    /// The stations seen, sorted by trace id.
    public var stations: [StationStatus] {
        status.keys.sorted().map { k in
            var s = status[k]!
            s.statistics = runners[k]?.statistics ?? MonitorStatistics()
            s.instrumentID = runners[k]?.monitoredInstrument.map { "\(k).\($0)" } ?? ""
            return s
        }
    }

    /// Puts each channel's records in time order first (`RecordOrder`), then interleaves each
    /// instrument's channels by time (`ChannelMerge`).
    public let order = RecordOrder()
    public let merge = ChannelMerge()

    /// Takes one record (counts, as a SeedLink record arrives) received at `receivedUptime`;
    /// records that arrive ahead of a missing one wait in `order` for it, and records of a channel
    /// ahead of its instrument's others wait in `merge` (see `releaseHeld`).
    public func handle(_ segment: TraceSegment, receivedUptime: Double) {
        receivedStations.insert(segment.id.stationID)
        for e in order.add(segment, uptime: receivedUptime) { for m in merge.add(e) { place(m.segment, receivedUptime: m.uptime) } }
    }

    /// Delivers records held for a missing predecessor longer than `RecordOrder.waitSeconds` (call
    /// regularly), or all of them (`all`: a pause or the end of the stream).
    /// `all` releases every record `order` holds (a pause: gaps taken as real); `merge` keeps
    /// the channels that lead their instrument's others until `ending` (the end of the stream), its
    /// wait or its span, so a replay that pauses between channels is still interleaved.
    public func releaseHeld(all: Bool = false, ending: Bool = false, now: Double = ProcessInfo.processInfo.systemUptime) {
        for e in all || ending ? order.flush() : order.due(now: now) { for m in merge.add(e) { place(m.segment, receivedUptime: m.uptime) } }
        for m in ending ? merge.flush() : merge.due(now: now) { place(m.segment, receivedUptime: m.uptime) }
    }

    private func place(_ segment: TraceSegment, receivedUptime: Double) {
        let station = segment.id.stationID
        guard let factor = factor(of: segment.id, at: segment.startTime) else { return skip(segment.id) }
        let runner = runners[station] ?? makeRunner(station, rate: segment.samplingRateHz)
        var s =
            status[station]
            ?? StationStatus(traceID: station, instrumentID: "", newestSampleTime: -.infinity, lastRecordUptime: 0, records: 0, statistics: .init())
        s.records += 1
        s.lastRecordUptime = receivedUptime
        s.newestSampleTime = max(s.newestSampleTime, segment.endTime)
        status[station] = s
        guard let rate = runner.samplingRateHz, abs(rate - segment.samplingRateHz) <= 1e-6 * rate else {
            skip(segment.id)
            if rateWarned.insert(segment.id).inserted {
                log(
                    "monitor: \(segment.id): \(segment.samplingRateHz) Hz, not the station's \(runner.samplingRateHz ?? 0) Hz; its records are skipped (said once)"
                )
            }
            return
        }
        let packet = StreamPacket(channel: segment.id.channel, time: segment.startTime, samples: segment.samples.map { $0 * factor })
        do { _ = try runner.handle(packet) } catch { log("monitor: \(station): \(error)") }
        collectDue(station, runner, uptime: receivedUptime)
    }

    /// Counts a record skipped, and its station.
    private func skip(_ id: SEEDIdentifier) {
        skippedRecords += 1
        skippedStations.insert("\(id.network)_\(id.station)")
    }

    /// Holds the windows `runner` has made due, with the uptime their latency is counted from.
    private func collectDue(_ station: String, _ runner: MonitorRunner, uptime: Double) {
        for (engine, window) in runner.takeDue() { pending.append((station, runner, engine, window, uptime)) }
    }

    /// Counts → m/s² of a channel at `time` (cached until its inventory epoch ends; nil when it
    /// cannot be converted, said once per epoch).
    private func factor(of id: SEEDIdentifier, at time: Double) -> Double? {
        if let known = factors[id], time < known.until { return known.factor }
        var f: Double? = nil
        do {
            let c = try units.conversion(stated: nil, channels: [id], components: 1, time: time, path: id.description, to: .mps2)
            if c.unitsKnown {
                f = c.factors[0]
            } else {
                log("monitor: \(id): units unknown (give --inventory, or --units with --sensitivity); its records are skipped")
            }
        } catch {
            log("monitor: \(error); its records are skipped")
        }
        if f == nil { unconvertibleChannels += 1 }
        // A new inventory epoch starts at the current one's end: asked again then.
        let until = units.inventory?.sensitivity(of: id, at: time)?.end ?? .infinity
        if factors.count < 100_000 { factors[id] = (f, until) }
        return f
    }

    private func makeRunner(_ station: String, rate: Double) -> MonitorRunner {
        let r = MonitorRunner(model: model, card: card, samplingRateHz: rate, scale: 1)
        r.hopSeconds = settings.hopSeconds
        r.pgaThresholdGal = settings.pgaThresholdGal
        r.noiseMaximum = Float(settings.noiseMaximum)
        r.minimumGapSeconds = settings.minimumGapSeconds
        r.instrument = settings.instrument
        r.collectsWindows = true
        r.bufferSeconds = Self.bufferSeconds
        r.log = { [log] in log($0.replacingOccurrences(of: "monitor: ", with: "monitor: \(station): ")) }
        runners[station] = r
        pickers[station] = StreamPicker(
            traceID: station, classNames: card.classNames, backgroundClass: card.backgroundClass, thresholds: settings.thresholds,
            strideSeconds: settings.hopSeconds)
        return r
    }

    /// Classifies every window due at every station in one model call, in each station's time
    /// order; returns the windows, picks, events declared and events closed. `now` is the uptime
    /// the latencies are measured to.
    public func classifyDue(now: Double = ProcessInfo.processInfo.systemUptime) -> [NetworkOutput] {
        guard !pending.isEmpty else { return closeEvents() }
        let due = pending
        pending = []
        let probabilities = MonitorEngine.predict(due.map(\.window), with: classifier)
        var out: [NetworkOutput] = []
        for (k, d) in due.enumerated() {
            guard var line = d.engine.complete(d.window, probabilities: probabilities[k]) else { continue }
            line.traceID = d.station
            if let group = d.runner.monitoredInstrument {
                line.instrumentID = "\(d.station).\(group)"
                pickers[d.station]!.instrumentID = line.instrumentID  // its picks name the instrument
            }
            if latencies.count >= Self.latencyMemory { latencies.removeFirst(latencies.count / 2) }
            latencies.append(now - d.uptime)
            if dataAges.count >= Self.latencyMemory { dataAges.removeFirst(dataAges.count / 2) }
            dataAges.append(Date().timeIntervalSince1970 - line.endTime)
            out.append(.window(line))
            out += picks(pickers[d.station]!.add(time: line.time, probabilities: line.probabilities), station: d.station, instrumentID: line.instrumentID)
            networkTime = max(networkTime, line.time)
        }
        return out + closeEvents()
    }

    /// The newest window time of any station (UTC s).
    public private(set) var networkTime = -Double.infinity

    private func picks(_ outputs: [StreamPicker.Output], station: String, instrumentID: String) -> [NetworkOutput] {
        var out: [NetworkOutput] = []
        for o in outputs {
            switch o {
            case .on(let phase, let time):
                if let e = coincidence.add(StationTrigger(traceID: station, phase: phase, time: time)) { out.append(.event(e)) }
            case .pick(let p):
                out.append(.pick(p, instrumentID: instrumentID, eventID: coincidence.addPick(p)))
            }
        }
        return out
    }

    private func closeEvents() -> [NetworkOutput] { coincidence.close(at: networkTime).map { .eventClosed($0) } }

    /// Classifies what is complete at every station without waiting for stragglers (a pause in
    /// the stream), as `classifyDue` does.
    public func classifyComplete() -> [NetworkOutput] {
        releaseHeld(all: true)
        for (station, runner) in runners {
            _ = runner.classifyComplete()
            collectDue(station, runner, uptime: ProcessInfo.processInfo.systemUptime)
        }
        return classifyDue()
    }

    /// The end of the stream: every station's complete windows, its open triggers' picks, every
    /// open event closed.
    public func flush() -> [NetworkOutput] {
        releaseHeld(ending: true)
        for (station, runner) in runners {
            _ = runner.flush()
            collectDue(station, runner, uptime: ProcessInfo.processInfo.systemUptime)
        }
        var out = classifyDue()
        for station in pickers.keys.sorted() {
            let instrument = runners[station]?.monitoredInstrument.map { "\(station).\($0)" }
            if let instrument { pickers[station]!.instrumentID = instrument }
            out += picks(pickers[station]!.close(), station: station, instrumentID: instrument ?? station)
        }
        return out + coincidence.closeAll().map { .eventClosed($0) }
    }

    /// Channels (per inventory epoch) whose records are skipped because they cannot be converted.
    public private(set) var unconvertibleChannels = 0
}
