// NetworkMonitorSession: a SeedLink monitor session — the client's records through a bounded
// queue into a NetworkMonitor, outputs, --on-trigger with each event, QuakeML per event, status.

import Foundation
import SeismicIO
import SeismicNN

/// A bounded queue of records between the SeedLink client's thread and the monitor: a full queue
/// makes the client wait (TCP holds the stream back; nothing is dropped).
final class RecordQueue: @unchecked Sendable {
    private var items: [SeedLinkRecord] = []
    private let condition = NSCondition()
    private var ended = false
    private(set) var endError: SeedLinkError?
    let capacity: Int
    /// The most records held at once.
    private(set) var highWater = 0

    init(capacity: Int) { self.capacity = capacity }

    func push(_ r: SeedLinkRecord) {
        condition.lock()
        while items.count >= capacity, !ended { condition.wait() }
        items.append(r)
        highWater = max(highWater, items.count)
        condition.broadcast()
        condition.unlock()
    }

    func finish(_ error: SeedLinkError?) {
        condition.lock()
        ended = true
        endError = error
        condition.broadcast()
        condition.unlock()
    }

    /// Every record held (waiting at most `timeout` for one), and whether the stream has ended.
    func popAll(timeout: Double) -> ([SeedLinkRecord], Bool) {
        condition.lock()
        defer { condition.unlock() }
        if items.isEmpty, !ended { _ = condition.wait(until: Date(timeIntervalSinceNow: timeout)) }
        let out = items
        items = []
        condition.broadcast()
        return (out, ended && out.isEmpty)
    }
}

/// One SeedLink monitor session: `run` streams until stopped (or a FETCH completes), handing each
/// output to the caller, running `--on-trigger` with every event's JSON and writing each closed
/// event's picks as QuakeML into `eventsFolder`.
public final class NetworkMonitorSession {
    public let address: SeedLinkAddress
    public let monitor: NetworkMonitor
    public let client: SeedLinkClient
    public let trigger: TriggerCommand?
    public let eventsFolder: String?
    /// Where the last sequence number of each station is kept (`--state`, as slinktool's -x): a
    /// restart resumes there instead of taking the server's backlog again (old events declared
    /// twice); written every `stateSeconds` and at the end (after a kill -9, the records of the
    /// last `stateSeconds` come again).
    public let stateFile: String?
    public var stateSeconds = 1.0
    private let queue = RecordQueue(capacity: 4096)
    private let log: @Sendable (String) -> Void
    private let started = ProcessInfo.processInfo.systemUptime
    public private(set) var eventsDeclared = 0, picksMade = 0, quakeMLWritten = 0

    /// - Throws: `MonitorError` (hop), `SeedLinkError`; `MonitorError.seedLinkUnits` when the
    ///   units options cannot convert counts (no inventory, no --units).
    public init(
        model: ConvNet, card: ModelCard, address: SeedLinkAddress, settings: NetworkMonitorSettings, units: UnitOptions,
        seedLink: SeedLinkSettings = SeedLinkSettings(), trigger: TriggerCommand?, eventsFolder: String?, stateFile: String? = nil,
        log: @escaping @Sendable (String) -> Void
    ) throws {
        // Counts need a sensitivity: --units alone would take counts for m/s².
        guard units.inventory != nil || (units.units != nil && units.sensitivity != nil) else { throw MonitorError.seedLinkUnits }
        self.address = address
        self.trigger = trigger
        self.eventsFolder = eventsFolder
        self.log = log
        monitor = try NetworkMonitor(model: model, card: card, settings: settings, units: units, log: log)
        if let eventsFolder {
            do { try FileManager.default.createDirectory(atPath: eventsFolder, withIntermediateDirectories: true) } catch {
                throw MonitorError.eventsFolder(
                    path: eventsFolder, reason: (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription)
            }
        }
        if let stateFile { stateLock = try Self.lockState(stateFile) }
        let resume = try Self.readState(stateFile, log: log)
        client = SeedLinkClient(address: address, settings: seedLink, resumeFrom: resume.sequences, numbering: resume.numbering)
        self.stateFile = stateFile
    }

    /// Seconds without a record after which complete windows are classified without waiting.
    public var pauseSeconds = 1.0

    /// Streams until `stop` returns true (checked at least every 0.1 s), the client gives up, or a
    /// FETCH completes; every `statusSeconds` (nil: never) and whenever `statusRequested` returns
    /// true, `statusReport` goes to `reportStatus` (by default its text to `log`). At the end the
    /// open windows, picks and events are flushed.
    /// - Throws: what `output` throws; the client's `SeedLinkError` when it gave up (after the flush).
    public func run(
        stop: () -> Bool, statusSeconds: Double? = nil, statusRequested: () -> Bool = { false }, reportStatus: ((NetworkStatus) -> Void)? = nil,
        output: (NetworkOutput) throws -> Void
    ) throws {
        let queue = self.queue
        client.start(onRecord: { queue.push($0) }, onEnd: { queue.finish($0) }, log: log)
        defer { client.stop() }
        var lastRecord = ProcessInfo.processInfo.systemUptime
        var pauseHandled = true
        var nextStatus = statusSeconds.map { ProcessInfo.processInfo.systemUptime + $0 }
        var ended = false
        var nextState = ProcessInfo.processInfo.systemUptime + stateSeconds
        while !ended, !stop() {
            let (records, end) = queue.popAll(timeout: 0.1)
            ended = end
            let now = ProcessInfo.processInfo.systemUptime
            for r in records {
                heard.insert(r.stationKey)
                monitor.handle(r.segment, receivedUptime: r.receivedUptime)
            }
            monitor.releaseHeld(now: now)
            if !records.isEmpty || monitor.dueCount > 0 {
                if !records.isEmpty { lastRecord = now }
                pauseHandled = false
                try emit(monitor.classifyDue(), output)
            } else if !pauseHandled, now - lastRecord >= pauseSeconds {
                pauseHandled = true
                try emit(monitor.classifyComplete(), output)
            }
            if stateFile != nil, now >= nextState {
                writeState()
                nextState = now + stateSeconds
            }
            if statusRequested() || (nextStatus.map { now >= $0 } ?? false) {
                if let reportStatus { reportStatus(statusReport) } else { log(status) }
                if let s = statusSeconds { nextStatus = now + s }
            }
        }
        client.stop()
        // Records received before the stop are monitored too: nothing received is lost.
        let (rest, _) = queue.popAll(timeout: 0)
        for r in rest {
            heard.insert(r.stationKey)
            monitor.handle(r.segment, receivedUptime: r.receivedUptime)
        }
        try emit(monitor.flush(), output)
        writeState()
        if stateLock >= 0 {
            close(stateLock)
            stateLock = -1
        }
        if let trigger, trigger.runningCount > 0 {
            log(
                "monitor: waiting for \(trigger.runningCount) --on-trigger command(s) to finish (at most \(Int(MonitorSession.triggerWaitSeconds)) s, then killed)"
            )
            trigger.waitForRunning(timeout: MonitorSession.triggerWaitSeconds)
        }
        if let error = queue.endError { throw error }
        // A session that never reached the server is a failure, not an empty watch.
        if client.statistics.sessions == 0, let reason = client.lastFailure {
            throw SeedLinkError.unreachable(server: client.server, attempts: client.failedAttempts, reason: reason)
        }
    }

    /// The state file's sequence numbers (our own format, not slinktool's): "NET_STA HEX" lines
    /// for SeedLink 3.1, "NET_STA HEX 4.0" for 4.0's 64-bit numbers; none when there is no
    /// file yet (said). Lines that are not such, or of the other version than the first line's,
    /// are ignored (said).
    /// - Throws: `MonitorError.stateFile` when the path is a folder or its file is not text
    ///   (refused rather than overwritten).
    public static func readState(_ path: String?, log: (String) -> Void) throws -> (sequences: [String: Int], numbering: SeedLinkVersion) {
        guard let path else { return ([:], .v3) }
        var folder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &folder) else {
            log("monitor: --state \(path): no state yet; it is written every second")
            return ([:], .v3)
        }
        if folder.boolValue { throw MonitorError.stateFile(path: path, reason: "is a folder; give a file's path") }
        guard let data = FileManager.default.contents(atPath: path) else { throw MonitorError.stateFile(path: path, reason: "cannot be read") }
        guard let text = String(data: data, encoding: .utf8), !data.contains(0) else {
            throw MonitorError.stateFile(path: path, reason: "is not a state file (not text); move it away or give another path")
        }
        var out: [String: Int] = [:]
        var numbering: SeedLinkVersion?
        for line in text.split(whereSeparator: \.isNewline) {
            let f = line.split(separator: " ")
            let version = f.count == 3 ? SeedLinkVersion(rawValue: String(f[2])) : f.count == 2 ? .v3 : nil
            guard let version, let seq = Int(f[1], radix: 16), seq >= 0, seq < Int.max, version == .v4 || seq <= 0xFF_FFFF else {
                log("monitor: --state \(path): line '\(line)' is not 'NET_STA HEX' or 'NET_STA HEX 4.0'; ignored")
                continue
            }
            guard numbering == nil || numbering == version else {
                log("monitor: --state \(path): line '\(line)' is of another SeedLink version than the lines before; ignored")
                continue
            }
            numbering = version
            out[String(f[0])] = seq
        }
        if out.isEmpty, text.split(whereSeparator: \.isNewline).contains(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            // Not one state line: some other file given by mistake, which writing the state would destroy.
            throw MonitorError.stateFile(path: path, reason: "holds no state line ('NET_STA HEX'); it looks like another file: give a new path")
        }
        log("monitor: --state \(path): resuming \(out.count) station\(out.count == 1 ? "" : "s") after their last records")
        return (out, numbering ?? .v3)
    }

    /// The lock held on `path + ".lock"` while the session runs (a second monitor on the same state
    /// is refused); its descriptor, closed when the session is freed.
    private var stateLock: Int32 = -1
    deinit { if stateLock >= 0 { close(stateLock) } }

    /// Takes the lock of a state file (creating `path.lock`), which also checks that its folder is writable.
    /// - Throws: `MonitorError.stateFile` when the lock cannot be made or another process holds it.
    static func lockState(_ path: String) throws -> Int32 {
        // The file's real path: a symbolic link to a state file in use is the same state.
        let lockPath = realPath(path) + ".lock"
        let fd = open(lockPath, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw MonitorError.stateFile(path: path, reason: "\(lockPath) cannot be made: \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw MonitorError.stateFile(path: path, reason: "in use by another monitor (it holds \(lockPath)); give each monitor its own state file")
        }
        return fd
    }

    /// `path` with symbolic links followed, the last one included even when its target does not
    /// exist yet (a state file not written yet), and its folder made absolute.
    static func realPath(_ path: String) -> String {
        var current = URL(fileURLWithPath: path).standardizedFileURL.path
        for _ in 0..<16 {
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: current) else { break }
            let folder = (current as NSString).deletingLastPathComponent
            current = target.hasPrefix("/") ? target : (folder as NSString).appendingPathComponent(target)
        }
        let folder = (current as NSString).deletingLastPathComponent
        let resolved = URL(fileURLWithPath: folder).resolvingSymlinksInPath().path
        return (resolved as NSString).appendingPathComponent((current as NSString).lastPathComponent)
    }

    /// A sequence number in (at least six) upper-case hexadecimal digits, all 64 bits of it.
    static func hex(_ value: Int) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    private func writeState() {
        guard let stateFile else { return }
        let points = client.resumePoints
        let suffix = points.numbering == .v4 ? " 4.0" : ""
        let text = points.sequences.sorted { $0.key < $1.key }.map { "\($0.key) \(Self.hex($0.value))\(suffix)\n" }.joined()
        do { try AtomicFile.write(Data(text.utf8), to: stateFile) } catch { log("monitor: --state \(stateFile) could not be written: \(error)") }
    }

    private func emit(_ outputs: [NetworkOutput], _ output: (NetworkOutput) throws -> Void) throws {
        for o in outputs {
            switch o {
            case .event:
                eventsDeclared += 1
                try output(o)
                if let trigger { trigger.run(json: try Self.json(o)) }
            case .eventClosed(let e):
                if let eventsFolder { writeQuakeML(e, into: eventsFolder) }
                try output(o)
            case .pick:
                picksMade += 1
                try output(o)
            case .window:
                try output(o)
            }
        }
    }

    private func writeQuakeML(_ e: NetworkEvent, into folder: String) {
        let path = folder + "/event-\(e.id).xml"
        guard !e.picks.isEmpty else {
            log("monitor: event \(e.id): no pick made yet of its \(e.triggers.count) triggers; no QuakeML written")
            return
        }
        do {
            try AtomicFile.write(try QuakeML.document(events: [e.picks], eventIDs: [e.id], creationTime: Date().timeIntervalSince1970), to: path)
            quakeMLWritten += 1
        } catch {
            log("monitor: event \(e.id): \(path) could not be written: \(error)")
        }
    }

    /// The stations ("NET_STA") records came from.
    private var heard: Set<String> = []

    /// What became of the stations asked for: refused by the server, accepted but never heard
    /// from, and heard but with every record skipped (units or rate), each named.
    public var stationsMissing: (refused: [String], neverHeard: [String], allSkipped: [String]) {
        let refused = client.refusedStations
        let never = address.stations.filter { s in !refused.contains(s.key) && !heard.contains { s.matches(stationKey: $0) } }.map(\.key)
        let monitored = Set(monitor.stations.map { Self.stationKey(ofTraceID: $0.traceID) })
        // (Records still held for ordering are neither monitored nor skipped yet.)
        return (refused, never, monitor.skippedStations.subtracting(monitored).sorted())
    }

    /// SeedLink's "NET_STA" of a trace id "NET.STA.LOC".
    static func stationKey(ofTraceID id: String) -> String { id.split(separator: ".", omittingEmptySubsequences: false).prefix(2).joined(separator: "_") }

    /// The session's figures now: stations live (a record within `silentSeconds`) and silent,
    /// refused, never heard, or with every record skipped (named); latency of the recent windows
    /// (median, 99th percentile); the client's reconnects and drops; the stations' late and
    /// duplicate samples; memory and CPU.
    public var statusReport: NetworkStatus { report(at: ProcessInfo.processInfo.systemUptime) }

    /// `statusReport` as of `now` (seconds of `ProcessInfo.systemUptime`): which stations had a
    /// record within `silentSeconds` before it. (A test takes it at the last record's arrival,
    /// so that how late the records were processed does not matter.)
    public func report(at now: Double) -> NetworkStatus {
        let all = monitor.stations
        let stations = all.filter { !$0.instrumentID.isEmpty }
        let silent = stations.filter { now - $0.lastRecordUptime > silentSeconds }
        let missing = stationsMissing
        let (median, p99) = Self.percentiles(monitor.latencies)
        let (ageMedian, ageP99) = Self.percentiles(monitor.dataAges)
        return NetworkStatus(
            elapsedSeconds: now - started, live: stations.count - silent.count, silent: silent.map(\.traceID),
            incomplete: monitor.receivedStations.subtracting(stations.map(\.traceID)).filter { id in
                // (A station whose every record was skipped is named as such.)
                !missing.allSkipped.contains(Self.stationKey(ofTraceID: id))
            }.sorted(), silentSeconds: silentSeconds,
            refused: missing.refused, neverHeard: missing.neverHeard, allSkipped: missing.allSkipped, latencyMedian: median, latencyP99: p99,
            windows: monitor.latencies.count, dataAgeMedian: ageMedian, dataAgeP99: ageP99, link: client.statistics, version: client.sessionVersion,
            lateSamples: all.reduce(0) { $0 + $1.statistics.late }, duplicateSamples: all.reduce(0) { $0 + $1.statistics.duplicates },
            skippedRecords: monitor.skippedRecords, picks: picksMade, events: eventsDeclared, residentMegabytes: Self.residentMegabytes,
            cpuSeconds: Self.cpuSeconds)
    }

    /// `statusReport` as one line of text.
    public var status: String { statusReport.text() }

    /// Seconds without a record after which a station counts as silent in `status`.
    public var silentSeconds = 60.0

    /// The process's resident memory in MB (Linux: /proc/self/statm), nil where it cannot be read.
    static var residentMegabytes: Double? {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
            let pages = text.split(separator: " ").dropFirst().first.flatMap({ Double($0) })
        else { return nil }
        return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
    }

    /// CPU time the process has used, user + system, seconds (getrusage).
    static var cpuSeconds: Double {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
    }

    /// Median and 99th percentile of `values` (0, 0 when empty).
    static func percentiles(_ values: [Double]) -> (Double, Double) {
        guard !values.isEmpty else { return (0, 0) }
        let s = values.sorted()
        return (s[(s.count - 1) / 2], s[min(s.count - 1, Int((Double(s.count) * 0.99).rounded(.up)) - 1)])
    }

    /// An output as one JSON object: `type` window, pick, event or event_closed, with SEED ids and UTC times.
    public static func json(_ o: NetworkOutput) throws -> String {
        let object: [String: Any]
        switch o {
        case .window(let line):
            var j = line.json
            j["type"] = "window"
            object = j
        case .pick(let p, let instrument, let event):
            object = [
                "type": "pick", "trace_id": p.traceID, "instrument": instrument, "phase": p.phase, "peak_time": UTCTime.iso8601(p.peakTime),
                "start_time": UTCTime.iso8601(p.startTime), "end_time": UTCTime.iso8601(p.endTime), "peak_value": Double(p.peakValue),
                "event": event ?? NSNull()
            ]
        case .event(let e), .eventClosed(let e):
            var j: [String: Any] = [
                "type": { if case .event = o { return "event" } else { return "event_closed" } }(), "id": e.id, "time": UTCTime.iso8601(e.time),
                "stations": e.stations,
                "triggers": e.triggers.map { ["trace_id": $0.traceID, "phase": $0.phase, "time": UTCTime.iso8601($0.time)] }
            ]
            if case .eventClosed = o { j["picks"] = e.picks.count }
            object = j
        }
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
    }

    /// An output as one line of text.
    public static func text(_ o: NetworkOutput) -> String {
        switch o {
        case .window(let line):
            let probs = zip(line.classNames, line.probabilities).map { String(format: "%@ %5.1f%%", $0 as NSString, $1 * 100) }.joined(separator: "  ")
            return "\(UTCTime.iso8601(line.time, fractionDigits: 3))  \(line.instrumentID)  \(probs)  PGA \(String(format: "%.3f", line.pgaGal)) gal"
        case .pick(let p, let instrument, let event):
            return "PICK   \(UTCTime.iso8601(p.peakTime, fractionDigits: 3))  \(instrument)  \(p.phase)  p=\(String(format: "%.2f", p.peakValue))"
                + (event.map { "  event \($0)" } ?? "")
        case .event(let e):
            return "EVENT  \(UTCTime.iso8601(e.time, fractionDigits: 3))  id \(e.id)  \(e.stations.count) stations: \(e.stations.joined(separator: ", "))"
        case .eventClosed(let e):
            return "CLOSED \(UTCTime.iso8601(e.time, fractionDigits: 3))  id \(e.id)  \(e.stations.count) stations, \(e.picks.count) picks"
        }
    }

    /// One line accounting for the session (no line end).
    public var summary: String { statusReport.text(lead: "session of") }
}
