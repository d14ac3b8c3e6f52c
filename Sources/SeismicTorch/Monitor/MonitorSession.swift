// MonitorSession: a whole monitor session — start the stream source, resolve units, pump packets
// through a MonitorRunner, start trigger programs, and account for everything at the end.

import Foundation
import SeismicIO
import SeismicNN

/// Where a monitor's packets come from, parsed from the command line's `--source`.
public enum StreamSource: Equatable, Sendable, CustomStringConvertible {
    /// Raspberry Shake UDP datagrams on `host:port` (an IPv4 address; port 0: any free port).
    case udp(host: String, port: UInt16)
    /// Lines `time,x,y,z` on standard input.
    case stdin
    /// A record played back as packets: a SAC triple (`path` names one component's file) or a
    /// miniSEED file.
    case replay(path: String)
    /// A SeedLink server's streams (`NetworkMonitorSession`: many stations).
    case seedlink(SeedLinkAddress)

    /// Parses `seedlink://HOST[:PORT]?streams=…` (`SeedLinkAddress`), `udp://HOST:PORT` (HOST may be empty: 127.0.0.1), `stdin` or `replay:FILE`.
    /// - Throws: `StreamSourceError.badSource` naming the text and the three forms.
    public init(parsing text: String) throws(StreamSourceError) {
        if text.lowercased().hasPrefix("seedlink://") {
            // Streams are checked with the other options (--list-streams needs none).
            do { self = .seedlink(try SeedLinkAddress(parsing: text, requireStreams: false)) } catch { throw .badSeedLink(error) }
        } else if text == "stdin" {
            self = .stdin
        } else if text.hasPrefix("replay:"), text.count > 7 {
            self = .replay(path: String(text.dropFirst(7)))
        } else if text.hasPrefix("udp://") {
            let hostPort = text.dropFirst(6).split(separator: ":", omittingEmptySubsequences: false)
            guard hostPort.count == 2, let port = UInt16(hostPort[1]) else { throw .badAddress(text) }
            self = .udp(host: hostPort[0].isEmpty ? "127.0.0.1" : String(hostPort[0]), port: port)
        } else {
            throw .badSource(text)
        }
    }

    public var description: String {
        switch self {
        case .udp(let host, let port): return "udp://\(host):\(port)"
        case .stdin: return "stdin"
        case .replay(let path): return "replay:\(path)"
        case .seedlink(let address): return address.description
        }
    }

    /// What the source receives one at a time, for the summary: datagrams, lines or packets.
    var unitWord: String {
        switch self {
        case .udp: return "datagrams"
        case .stdin: return "lines"
        case .replay: return "packets"
        case .seedlink: return "records"
        }
    }
}

/// The settings of a monitor session besides its model and source (the `monitor` command's options).
public struct MonitorSettings: Sendable {
    /// Counts → m/s² for UDP sources; nil: a Raspberry Shake 4D accelerometer's 1/384,500. Refused
    /// for other sources (their samples are in units: `units`).
    public var gain: Double?
    /// The gain of a Raspberry Shake 4D accelerometer channel (EN?), m/s² per count.
    public static let shakeAccelerometerGain = 1.0 / 384_500
    /// Units of stdin lines and replayed records (nil: the record's header, for stdin the card's).
    public var units: AccelerationUnit?
    /// Counts per `units`, for a replayed record in counts (`--sensitivity`).
    public var sensitivity: Double?
    /// Channel sensitivities for a replayed record in counts (`--inventory`).
    public var inventory: Inventory?
    /// "NET.STA.LOC" of a UDP or stdin stream (`--station`), which names no station itself; a
    /// replayed record's own SEED ids name it.
    public var station: String?
    /// Sampling rate in Hz (nil: the replayed record's, or estimated from packet times).
    public var samplingRateHz: Double?
    /// Band + instrument code to monitor (e.g. "EN"); nil: chosen from the stream.
    public var instrument: String?
    /// Window in seconds; nil: the model card's (another value is refused).
    public var windowSeconds: Double?
    public var hopSeconds = 1.0
    public var pgaThresholdGal = 2.0
    public var noiseMaximum = 0.5
    public var minimumGapSeconds = 10.0
    /// Replay speed factor (0: as fast as possible); nil: real time. Refused for other sources.
    public var replaySpeed: Double?
    public init() {}
}

/// One monitor session: `start` opens the source (UDP socket, stdin reader or replay thread) and
/// builds the runner; `run` pumps packets until the stream ends or `stop` says so; `summary`
/// accounts for every packet. Notes (units, instrument, rate, listening address) go to `log`.
public final class MonitorSession {
    public let source: StreamSource
    public let runner: MonitorRunner
    public let queue: PacketQueue
    public let trigger: TriggerCommand?
    private let log: @Sendable (String) -> Void
    /// "NET.STA.LOC" the lines carry (`MonitorLine.traceID`): the replayed record's, or `--station`.
    public let stationID: String
    private var stopUDP: (@Sendable () -> Void)?
    /// The replayed file's corrupt bytes, skipped (`inputProblem`).
    private var replayCorrupt: [CorruptBytes] = []

    /// Checks the settings against the model, opens the source and builds the runner.
    /// - Throws: `MonitorError` (a window other than the card's, a hop longer than it, a replayed
    ///   record shorter than a window, a rate other than the replayed record's, an instrument for
    ///   stdin lines, which carry no channel codes), `StreamSourceError` (address, socket), the replayed
    ///   record's read error, `AccelerationUnitError` (units missing, contradicting or refused).
    /// - Parameter standardInput: where `.stdin` lines are read from: the process's standard input
    ///   unless another front end (or a test) gives a handle.
    public init(
        model: ConvNet, card: ModelCard, source: StreamSource, settings: MonitorSettings,
        trigger: TriggerCommand?, standardInput: FileHandle = .standardInput, log: @escaping @Sendable (String) -> Void
    ) throws {
        let windowSeconds = try MonitorRunner.windowSeconds(given: settings.windowSeconds, card: card)
        guard settings.hopSeconds <= windowSeconds else {
            throw MonitorError.hop(hopSeconds: settings.hopSeconds, windowSeconds: windowSeconds)
        }
        self.source = source
        self.trigger = trigger
        self.log = log
        let (isUDP, isReplay): (Bool, Bool)
        switch source {
        case .udp: (isUDP, isReplay) = (true, false)
        case .stdin: (isUDP, isReplay) = (false, false)
        case .replay: (isUDP, isReplay) = (false, true)
        case .seedlink: throw MonitorError.networkSource
        }
        if settings.gain != nil, !isUDP {
            throw MonitorError.optionNotForSource(
                option: "--gain", source: source.description,
                reason: isReplay
                    ? "it converts UDP counts; a replayed record is converted by its header's units, --inventory, --units or --sensitivity"
                    : "it converts UDP counts; stdin lines are in --units")
        }
        if isReplay, settings.station != nil {
            throw MonitorError.optionNotForSource(option: "--station", source: source.description, reason: "a replayed record names its station (SEED ids)")
        }
        if !isReplay, settings.sensitivity != nil || settings.inventory != nil {
            throw MonitorError.optionNotForSource(
                option: settings.inventory != nil ? "--inventory" : "--sensitivity", source: source.description,
                reason: isUDP ? "UDP counts are converted by --gain (inventories for live streams come with SeedLink)" : "stdin lines are in --units")
        }
        if settings.replaySpeed != nil, !isReplay {
            throw MonitorError.optionNotForSource(
                option: "--speed", source: source.description, reason: "it paces a replay; a live stream comes at its own pace")
        }
        queue = PacketQueue()
        var scale = settings.gain ?? MonitorSettings.shakeAccelerometerGain
        var knownRate = settings.samplingRateHz
        var station = settings.station ?? ""
        let unitSource: AccelerationUnit.Source?
        switch source {
        case .udp(let host, let port):
            if let instrument = settings.instrument, !MonitorRunner.isAccelerometer(instrument) {
                throw MonitorError.notAnAccelerometer(instrument: instrument)
            }
            // Refused units are refused before the port is opened.
            _ = try AccelerationUnit.resolve(given: settings.units, source: .udp, card: card)
            let (bound, stop) = try StreamSources.udp(host: host, port: port, into: queue)
            stopUDP = stop
            unitSource = .udp
            log("monitor: listening on udp://\(host):\(bound)")
        case .stdin:
            if let instrument = settings.instrument { throw MonitorError.instrumentWithoutChannels(instrument: instrument) }
            StreamSources.lines(from: standardInput, components: card.architecture.inputShape[2], into: queue, log: log)
            unitSource = .stdin
        case .replay(let path):
            let record = try StreamSources.replayedRecord(
                path, componentOrder: card.componentOrder, windowSeconds: windowSeconds, instrument: settings.instrument,
                units: UnitOptions(units: settings.units, sensitivity: settings.sensitivity, inventory: settings.inventory), modelUnits: card.units)
            let recordRate = record.spans[0].samplingRateHz
            if let given = settings.samplingRateHz, abs(given - recordRate) > 1e-9 * recordRate {
                throw MonitorError.rateDiffersFromRecord(path: path, given: given, record: recordRate)
            }
            knownRate = recordRate
            station = record.stationID
            scale = 1  // the replay sends m/s²
            log("monitor: samples in \(record.units.description)")
            for note in record.notes { log("monitor: \(path): \(note)") }
            replayCorrupt = record.corrupt
            StreamSources.replay(record.spans, speed: settings.replaySpeed ?? 1, into: queue)
            unitSource = nil
        case .seedlink:
            throw MonitorError.networkSource
        }
        if let unitSource, let (u, from) = try AccelerationUnit.resolve(given: settings.units, source: unitSource, card: card) {
            scale = u.toMetersPerSecondSquared
            log("monitor: samples in \(u.rawValue), from \(from)")
        }
        stationID = station
        runner = MonitorRunner(model: model, card: card, samplingRateHz: knownRate, scale: scale)
        runner.windowSeconds = windowSeconds
        runner.hopSeconds = settings.hopSeconds
        runner.pgaThresholdGal = settings.pgaThresholdGal
        runner.noiseMaximum = Float(settings.noiseMaximum)
        runner.minimumGapSeconds = settings.minimumGapSeconds
        runner.instrument = settings.instrument
        runner.accelerometersOnly = isUDP
        runner.log = log
    }

    /// Seconds the end of a session waits for trigger programs still running before killing them.
    public static let triggerWaitSeconds = 10.0

    /// Seconds without a packet after which the windows whose data is complete are classified
    /// without waiting for stragglers (`MonitorRunner.classifyComplete`): the last window before a
    /// pause is printed within this time, not when data resumes.
    public var pauseSeconds = 1.0

    /// Pumps packets into the runner until the stream ends (stdin closed, replay done) or `stop`
    /// returns true (checked at least every 0.2 s), then classifies the hops whose data is complete
    /// without waiting for stragglers (also after `pauseSeconds` without a packet); hands every classified hop to `output` and starts the
    /// trigger program on each trigger. At the end, waits for the trigger programs
    /// still running (their failures are in `summary`).
    /// - Throws: what `output` throws; `MonitorError` when the window does not fit the sampling
    ///   rate found at start-up.
    public func run(stop: () -> Bool, output: (MonitorLine) throws -> Void) throws {
        defer { stopUDP?(); stopUDP = nil }
        func emit(_ lines: [MonitorLine]) throws {
            for var line in lines {
                line.traceID = stationID
                if !stationID.isEmpty, let group = runner.monitoredInstrument, !group.isEmpty { line.instrumentID = "\(stationID).\(group)" }
                try output(line)
                if line.trigger { trigger?.run(event: line) }
            }
        }
        var finished = false
        var lastPacket = ProcessInfo.processInfo.systemUptime
        var pauseHandled = true
        while !finished && !stop() {
            let (packet, end) = queue.pop(timeout: 0.2)
            finished = end
            let now = ProcessInfo.processInfo.systemUptime
            if let packet {
                lastPacket = now
                pauseHandled = false
                try emit(try runner.handle(packet))
            } else if !pauseHandled, now - lastPacket >= pauseSeconds {
                pauseHandled = true
                try emit(runner.classifyComplete())
            }
        }
        // At the end of the stream or on a stop request, the hops whose data is complete.
        try emit(runner.flush())
        stopUDP?()
        stopUDP = nil
        if let trigger {
            let running = trigger.runningCount
            if running > 0 {
                log("monitor: waiting for \(running) --on-trigger command(s) to finish (at most \(Int(Self.triggerWaitSeconds)) s, then killed)")
            }
            trigger.waitForRunning(timeout: Self.triggerWaitSeconds)
        }
    }

    /// After `run`: why the session had nothing to monitor, if so — standard input that was empty,
    /// or none of whose lines could be read (the first refused line was described in the log) —
    /// or lost data: a replayed miniSEED file's corrupt records, skipped. A front end reports it
    /// as a failure after the summary; nil when lines were read (or for UDP, which may
    /// legitimately receive nothing, and whole replays).
    public var inputProblem: MonitorError? {
        if case .replay(let path) = source, !replayCorrupt.isEmpty {
            return .corruptRecordsSkipped(path: path, runs: replayCorrupt.count, bytes: replayCorrupt.reduce(0) { $0 + $1.length })
        }
        guard case .stdin = source, queue.accepted == 0 else { return nil }
        return .nothingReadable(lines: queue.received, refused: queue.malformed)
    }

    /// One line (no line end) that accounts for the session: what the source received, the
    /// runner's counters, the queue's and the kernel's drops, and the trigger programs' failures.
    public var summary: String {
        (queue.received > 0 || source == .stdin
            ? "\(queue.received) \(source.unitWord) read" + (source == .stdin ? " (\(queue.skippedLines) blank or comment lines skipped); " : "; ") : "")
            + "\(runner.summary); \(queue.dropped) packets dropped (queue full), "
            + "\(queue.kernelDropped) dropped by the system (socket buffer full), \(queue.malformed) \(source.unitWord) that did not parse"
            + (trigger.map { "; " + $0.summary } ?? "")
    }
}
