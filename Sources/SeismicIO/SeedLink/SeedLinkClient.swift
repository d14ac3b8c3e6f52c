// SeedLinkClient: a SeedLink client on SwiftNIO (protocol 4.0 where the server offers it, 3.1
// otherwise) — HELLO, STATION/SELECT/DATA (or FETCH) per station, END, then packets decoded with
// libmseed; resumes by sequence number after a disconnect, a stall or garbage, with a bounded
// back-off.

import Foundation
import NIOCore
import NIOPosix

/// Timeouts and back-off of a SeedLink session.
public struct SeedLinkSettings: Sendable {
    /// Seconds a TCP connection may take to open.
    public var connectTimeoutSeconds = 10.0
    /// Seconds the server may take to answer HELLO and each negotiation command.
    public var responseTimeoutSeconds = 10.0
    /// Seconds without a byte after which the client asks `INFO ID` (a live server answers it
    /// even when no data is due), as libslink's keep-alive.
    public var keepaliveSeconds = 30.0
    /// Seconds without a byte (keep-alive unanswered) after which the server is taken to have
    /// stalled: the connection is closed and opened anew.
    public var stallSeconds = 60.0
    /// The first wait before reconnecting; it doubles on each failed attempt up to the maximum, and
    /// starts again once a session delivers data.
    public var firstReconnectDelaySeconds = 1.0
    public var maximumReconnectDelaySeconds = 30.0
    /// Consecutive attempts that deliver no data before the client gives up (nil: never).
    public var maximumAttempts: Int? = nil
    /// Sequence numbers remembered per station to recognise a record sent twice.
    public var rememberedSequences = 1024
    /// Seconds without a data record, in a session that resumed by sequence number while the
    /// server answers, after which the client takes the server to have been restarted with new
    /// sequence numbers (a server that does not hold the numbers asked for may send nothing;
    /// ringserver instead starts at its next record, so there this fires only on a network quiet
    /// that long, and costs one reconnection): it reconnects asking for the newest records
    /// instead, keeping the old resume points should that session end before a record arrives.
    /// Once per quiet spell (the new session resumes nothing). Nil: never.
    public var renumberedAfterSeconds: Double? = 300
    public init() {}
}

/// One data record as received: the station it came from ("NET_STA"), its sequence number, and
/// its samples (one contiguous segment, as libmseed decodes it).
public struct SeedLinkRecord: Sendable {
    public var stationKey: String
    public var sequence: Int
    public var segment: TraceSegment
    /// `ProcessInfo.systemUptime` when the frame's last byte was read (for latency measures).
    public var receivedUptime: Double
}

/// What a session did, for its summary and status lines.
public struct SeedLinkStatistics: Sendable, Equatable {
    /// Connections that reached streaming, and how many of them were reconnections.
    public var sessions = 0, reconnects = 0
    /// Data records delivered; records sent again with a sequence number already received
    /// (dropped); records libmseed could not decode, or that held no samples (dropped, counted).
    public var records = 0, duplicateRecords = 0, undecodableRecords = 0, emptyRecords = 0
    /// INFO frames received while streaming (keep-alive answers); SeedLink 4.0 ERROR packets and
    /// packets of other formats (JSON, XML, opaque), skipped.
    public var infoFrames = 0, errorPackets = 0, otherPackets = 0
    /// Connections ended because the server sent bytes that are not SeedLink, stalled, closed
    /// or failed to open.
    public var garbage = 0, stalls = 0, closedByServer = 0, failedConnections = 0
    /// Sessions given up because the server sent nothing after a resume by sequence number (`renumberedAfterSeconds`).
    public var renumberings = 0
    /// Bytes read.
    public var bytes = 0
    public init() {}
}

/// A SeedLink client in multi-station mode, speaking protocol 4.0 when the server's HELLO offers
/// it (SLPROTO:4.0) and 3.1 otherwise, or the version the address asks for (`&protocol=`). `start` connects on its own event-loop thread and
/// hands every data record to `onRecord` on that thread (in the order received; a handler that
/// blocks holds the TCP stream back, so nothing is lost). A session that ends for any reason
/// (closed, stalled, garbage, refused connection) is opened again after a back-off, each station
/// (a wildcard request included) resuming at the sequence number after its last record (`DATA n`,
/// as libslink asks): nothing lost or repeated while the server still holds the records. (A
/// server may keep one read position per connection: ringserver resumes every station from the
/// newest of the positions asked, so a station whose last record is older can lose the records
/// in between, with libslink as with this client.) Records whose sequence number was already
/// received are dropped and counted.
public final class SeedLinkClient: @unchecked Sendable {
    // Everything below is touched on `loop` only, except `statistics` and `lastSequences` (lock).
    public let address: SeedLinkAddress
    public let settings: SeedLinkSettings
    private let group: MultiThreadedEventLoopGroup
    private let loop: any EventLoop
    private let lock = NSLock()
    private var _statistics = SeedLinkStatistics()
    private var _last: [String: Int]
    private var _numbering: SeedLinkVersion
    private var recent: [String: (order: [Int], set: Set<Int>)] = [:]
    private var onRecord: (@Sendable (SeedLinkRecord) -> Void)?
    private var onEnd: (@Sendable (SeedLinkError?) -> Void)?
    private var log: @Sendable (String) -> Void = { _ in }
    private var channel: (any Channel)?
    private var generation = 0
    private var finished = false
    private var failures = 0
    /// The requests with wildcards in NET or STA, and per station key the ones it answers (matched once).
    private lazy var wildcardRequests = address.stations.filter { ($0.network + $0.station).contains { $0 == "*" || $0 == "?" } }
    private var answering: [String: [String]] = [:]
    private var _lastFailure: String?
    /// Why the last attempt failed, and how many attempts in a row failed (for a session that never streamed).
    public var lastFailure: String? { lock.lock(); defer { lock.unlock() }; return _lastFailure }
    public var failedAttempts: Int { lock.lock(); defer { lock.unlock() }; return failures }
    private var everStreamed = false
    private var timer: RepeatedTask?
    // The session being negotiated or streaming.
    private var state = State.closed
    private var buffer: [UInt8] = []
    private var lastByte = 0.0, lastSend = 0.0
    private var keepaliveSent = false
    private var commands: [Command] = []
    private var refusals: [String] = []
    private var accepted = 0
    private var deliveredThisSession = false
    /// The protocol of the session, and whether it asked for stations by sequence number; when it started streaming.
    private var version = SeedLinkVersion.v3
    private var resumedBySequence = false
    /// The resume points a renumbering recovery cleared, restored if its session ends before a record arrives.
    private var setAside: [String: Int]?
    private var streamingSince = 0.0

    private enum State { case closed, connecting, hello(lines: Int), negotiating, streaming }
    /// A negotiation command: the station it belongs to; whether an ERROR leaves the station's
    /// other commands to be sent; whether an ERROR is merely logged (USERAGENT).
    private struct Command {
        var text: String
        var station: String
        var skipIfRefused: Bool
        var optional = false
    }

    /// - Parameters:
    ///   - resumeFrom: the last sequence number received per station ("NET_STA"), to resume a
    ///     session an earlier run ended;
    ///   - numbering: the protocol those numbers belong to (3.1: 24-bit, 4.0: 64-bit). A session
    ///     keeps to 3.1 while it resumes 3.1 numbers, so no record is lost at a switch (a client
    ///     resumed from 3.1 numbers, by a --state file, stays on 3.1 until the file is removed).
    public init(
        address: SeedLinkAddress, settings: SeedLinkSettings = SeedLinkSettings(), resumeFrom: [String: Int] = [:],
        numbering: SeedLinkVersion = .v3
    ) {
        self.address = address
        self.settings = settings
        _last = resumeFrom
        _numbering = numbering
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        loop = group.next()
    }

    /// The server as logs name it, "HOST:PORT".
    public var server: String { "\(address.host):\(address.port)" }

    public var statistics: SeedLinkStatistics { lock.lock(); defer { lock.unlock() }; return _statistics }
    /// The last sequence number received per station ("NET_STA"), and the protocol they belong to.
    public var lastSequences: [String: Int] { lock.lock(); defer { lock.unlock() }; return _last }
    /// The last sequence numbers with the protocol they belong to (a state file needs both at once).
    public var resumePoints: (sequences: [String: Int], numbering: SeedLinkVersion) { lock.lock(); defer { lock.unlock() }; return (_last, _numbering) }
    /// The requests ("NET_STA", as asked) the server refused in the last negotiation.
    public var refusedStations: [String] { lock.lock(); defer { lock.unlock() }; return _refused }
    private var _refused: [String] = []
    /// The protocol version of the last session (3.1 until one is negotiated).
    public var sessionVersion: SeedLinkVersion { lock.lock(); defer { lock.unlock() }; return _sessionVersion }
    private var _sessionVersion = SeedLinkVersion.v3

    private func count(_ body: (inout SeedLinkStatistics) -> Void) { lock.lock(); body(&_statistics); lock.unlock() }

    /// Connects and streams until `stop`, every station being refused, `maximumAttempts` failed
    /// attempts, or (FETCH) the server's end of data; `onEnd` is called once, with nil for a stop or
    /// a FETCH that completed. Notes (connected, refused stations, why a session ended, when the
    /// next attempt is) go to `log`.
    public func start(
        onRecord: @escaping @Sendable (SeedLinkRecord) -> Void, onEnd: @escaping @Sendable (SeedLinkError?) -> Void,
        log: @escaping @Sendable (String) -> Void
    ) {
        loop.execute {
            guard !self.address.stations.isEmpty else {
                self.onEnd = onEnd
                return self.finish(.badAddress(self.address.description, reason: SeedLinkAddress.noStreams))
            }
            self.onRecord = onRecord
            self.onEnd = onEnd
            self.log = log
            self.timer = self.loop.scheduleRepeatedTask(initialDelay: .milliseconds(100), delay: .milliseconds(100)) { _ in self.tick() }
            self.connect()
        }
    }

    /// Ends the session (a clean close; `onEnd(nil)`), then frees the client's thread. Call from
    /// any thread but the client's own (not from `onRecord`).
    public func stop() {
        lock.lock()
        let first = !stopped
        stopped = true
        lock.unlock()
        guard first else { return }
        let done = loop.submit { self.finish(nil) }
        _ = try? done.wait()
        try? group.syncShutdownGracefully()
    }
    private var stopped = false

    private func now() -> Double { ProcessInfo.processInfo.systemUptime }

    private func finish(_ error: SeedLinkError?) {
        guard !finished else { return }
        finished = true
        timer?.cancel()
        generation += 1
        if let channel { channel.close(promise: nil) }
        channel = nil
        state = .closed
        onEnd?(error)
    }

    private func connect() {
        guard !finished else { return }
        generation += 1
        let g = generation
        state = .connecting
        buffer = []
        deliveredThisSession = false
        lastSend = now()
        ClientBootstrap(group: loop)
            .connectTimeout(.milliseconds(Int64(settings.connectTimeoutSeconds * 1000)))
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in channel.pipeline.addHandler(SeedLinkFrameHandler(client: self, generation: g)) }
            .connect(host: address.host, port: address.port)
            .whenComplete { result in
                guard g == self.generation, !self.finished else {
                    if case .success(let c) = result { c.close(promise: nil) }
                    return
                }
                switch result {
                case .success(let c):
                    self.channel = c
                    self.state = .hello(lines: 2)
                    self.lastByte = self.now()
                    self.send("HELLO")
                case .failure(let error):
                    self.count { $0.failedConnections += 1 }
                    self.sessionEnded("cannot connect: \(Self.describe(error))")
                }
            }
    }

    /// A connection error as a log says it: the system's reason ("Connection refused"), not NIO's dump.
    static func describe(_ error: any Error) -> String {
        if let c = error as? NIOConnectionError {
            if let first = c.connectionErrors.first { return describe(first.error) }
            if c.dnsAError != nil || c.dnsAAAAError != nil { return "the host name \(c.host) could not be resolved" }
        }
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)) }
        return "\(error)"
    }

    private func send(_ command: String) {
        lastSend = now()
        channel?.writeAndFlush(ByteBuffer(string: command + "\r\n"), promise: nil)
    }

    /// The commands of a session: per station STATION, its SELECTs, DATA (resuming after the last
    /// record received) or FETCH (3.1; 4.0 has DATA, and ENDFETCH in place of END).
    private func negotiation(_ version: SeedLinkVersion) -> [Command] {
        var out: [Command] = []
        let last = lastSequences
        for s in address.stations {
            switch version {
            case .v3:
                out.append(Command(text: "STATION \(s.station) \(s.network)", station: s.key, skipIfRefused: false))
                for sel in s.selectors { out.append(Command(text: "SELECT \(sel)", station: s.key, skipIfRefused: true)) }
                let verb = address.fetch ? "FETCH" : "DATA"
                let resume = last[s.key].map { String(format: " %06X", SeedLinkPacket.next(after: $0)) } ?? ""
                out.append(Command(text: verb + resume, station: s.key, skipIfRefused: true))
            case .v4:
                out.append(Command(text: "STATION \(s.key)", station: s.key, skipIfRefused: false))
                for sel in s.selectors {
                    out.append(Command(text: "SELECT \(SeedLinkStation.version4Selector(sel))", station: s.key, skipIfRefused: true))
                }
                out.append(Command(text: "DATA" + (last[s.key].map { " \($0 + 1)" } ?? ""), station: s.key, skipIfRefused: true))
            }
        }
        return out
    }

    /// The protocol to speak with a server whose HELLO offered `offered`: the address's, else 4.0
    /// when offered (unless the resume points are 3.1 numbers and 3.1 is offered too), else 3.1.
    private func choose(offered: Set<SeedLinkVersion>) -> Result<SeedLinkVersion, SeedLinkError> {
        if let wanted = address.version {
            // A server that names no version speaks 3.1.
            guard offered.contains(wanted) || (wanted == .v3 && offered.isEmpty) else {
                return .failure(.versionNotOffered(server: server, version: wanted, offered: offered.map(\.rawValue).sorted()))
            }
            return .success(wanted)
        }
        guard offered.contains(.v4) else { return .success(.v3) }
        let points = resumePoints
        if points.numbering == .v3, !points.sequences.isEmpty, offered.contains(.v3) { return .success(.v3) }
        return .success(.v4)
    }

    /// Starts negotiating in `version`: SLPROTO and USERAGENT first for 4.0.
    private func beginNegotiation(_ version: SeedLinkVersion) {
        self.version = version
        lock.lock()
        _sessionVersion = version
        let dropped = version != _numbering && !_last.isEmpty ? _numbering : nil
        if version != _numbering {
            _last = [:]
            recent = [:]
            setAside = nil
            _numbering = version
        }
        lock.unlock()
        if let dropped {
            log(
                "seedlink: \(server): the resume points are SeedLink \(dropped.rawValue) sequence numbers, which a \(version.rawValue) session cannot use; streams start at the server's newest records"
            )
        }
        resumedBySequence = !lastSequences.isEmpty
        commands = negotiation(version)
        if version == .v4 {
            commands.insert(
                contentsOf: [
                    Command(text: "SLPROTO 4.0", station: "", skipIfRefused: false),
                    Command(text: "USERAGENT SeismicTorch-seismic", station: "", skipIfRefused: true, optional: true)
                ], at: 0)
        }
        refusals = []
        lock.lock()
        _refused = []
        lock.unlock()
        accepted = 0
        state = .negotiating
        send(commands[0].text)
    }

    // MARK: Bytes from the server (on the loop).

    fileprivate func received(_ bytes: ByteBuffer, generation g: Int) {
        guard g == generation, !finished else { return }
        buffer += bytes.readableBytesView
        lastByte = now()
        keepaliveSent = false
        count { $0.bytes += bytes.readableBytes }
        process()
    }

    fileprivate func closed(generation g: Int, error: (any Error)?) {
        guard g == generation, !finished else { return }
        if case .streaming = state, address.fetch, error == nil {
            // FETCH: the server closes once it has sent what it holds.
            process()
            finish(nil)
            return
        }
        count { $0.closedByServer += 1 }
        sessionEnded(error.map { "the connection failed: \(Self.describe($0))" } ?? "the server closed the connection")
    }

    private func process() {
        while !finished {
            switch state {
            case .closed, .connecting: return
            case .hello(let lines):
                guard let line = takeLine() else { return }
                if lines == 2, !line.contains("SeedLink") {
                    return garbage("the answer to HELLO is '\(SeedLinkPacket.show(Array(line.utf8), limit: 60))', not a SeedLink server's")
                }
                if lines == 2 {
                    log("seedlink: \(server): \(line)")
                    offered = Self.versions(offeredBy: line)
                }
                if lines > 1 {
                    state = .hello(lines: lines - 1)
                } else {
                    switch choose(offered: offered) {
                    case .success(let v): beginNegotiation(v)
                    case .failure(let e): return finish(e)
                    }
                }
            case .negotiating:
                guard let line = takeLine() else { return }
                let command = commands.removeFirst()
                if command.text == "SLPROTO 4.0", !line.hasPrefix("OK") {
                    // A server that offered 4.0 and then refuses it: 3.1, as it also speaks.
                    log("seedlink: \(server): SLPROTO 4.0 answered '\(SeedLinkPacket.show(Array(line.utf8), limit: 60))'; speaking 3.1")
                    guard address.version != .v4 else {
                        return finish(.versionNotOffered(server: server, version: .v4, offered: [SeedLinkVersion.v3.rawValue]))
                    }
                    beginNegotiation(.v3)
                    continue
                }
                if command.optional {
                    if !line.hasPrefix("OK") { log("seedlink: \(server): \(command.text) answered \(line); going on") }
                } else if line.hasPrefix("ERROR") {
                    // (An extended reply puts its code and message after a CR.)
                    let reason = "\(command.station): \(command.text) answered \(line.replacingOccurrences(of: "\r", with: " "))"
                    refusals.append(reason)
                    lock.lock()
                    if !_refused.contains(command.station) { _refused.append(command.station) }
                    lock.unlock()
                    log("seedlink: \(server): refused \(reason)")
                    // A station refused: its SELECTs and DATA are not sent.
                    if !command.skipIfRefused || command.text.hasPrefix("DATA") || command.text.hasPrefix("FETCH") {
                        commands.removeAll { $0.station == command.station }
                    }
                } else if line.hasPrefix("OK") {
                    if command.text.hasPrefix("DATA") || command.text.hasPrefix("FETCH") { accepted += 1 }
                } else {
                    return garbage("the answer to \(command.text) is '\(SeedLinkPacket.show(Array(line.utf8), limit: 60))', neither OK nor ERROR")
                }
                if let next = commands.first {
                    send(next.text)
                } else if accepted == 0 {
                    return finish(.everyStationRefused(server: server, reasons: refusals))
                } else {
                    send(version == .v4 && address.fetch ? "ENDFETCH" : "END")
                    state = .streaming
                    streamingSince = now()
                    count {
                        $0.sessions += 1
                        if self.everStreamed { $0.reconnects += 1 }
                    }
                    everStreamed = true
                    log("seedlink: \(server): streaming \(accepted) of \(address.stations.count) stations (SeedLink \(version.rawValue))")
                }
            case .streaming where buffer.starts(with: Array("END".utf8)):
                // The end of what FETCH asked for (ringserver sends END, then closes).
                buffer.removeFirst(3)
                if address.fetch { return finish(nil) }
                return sessionEnded("the server ended the stream (END)")
            case .streaming where buffer.starts(with: Array("ERROR".utf8)):
                // An error reported in the stream (libslink logs it and goes on).
                guard let line = takeLine() else { return }
                count { $0.errorPackets += 1 }
                log("seedlink: \(server): the server reports \(SeedLinkPacket.show(Array(line.utf8), limit: 200))")
            case .streaming where version == .v4:
                // (The start of END or ERROR: wait for the rest.)
                if buffer.count < 5, ["END", "ERROR"].contains(where: { Array($0.utf8).starts(with: buffer) }) { return }
                let parsed: (packet: SeedLinkV4Packet, length: Int)?
                do { parsed = try SeedLinkV4Packet.parse(buffer[...]) } catch { return garbage("\(error)") }
                guard let (packet, length) = parsed else { return }
                buffer.removeFirst(length)
                if packet.isMiniSEED, packet.subformat == UInt8(ascii: "D"), let sequence = packet.sequence {
                    // The header's station ("NET_STA"), or, when a server names it otherwise, the record's.
                    let parts = packet.stationID.split(separator: "_", omittingEmptySubsequences: false)
                    deliver(sequence: sequence, record: packet.payload, stationKey: parts.count == 2 && !parts.contains { $0.isEmpty } ? packet.stationID : nil)
                } else if packet.isMiniSEED, packet.subformat == UInt8(ascii: "D") {
                    count { $0.undecodableRecords += 1 }
                } else if packet.isInfo {
                    count { $0.infoFrames += 1 }
                } else if packet.isError {
                    count { $0.errorPackets += 1 }
                    log("seedlink: \(server): the server reports an error: \(String(decoding: packet.payload.prefix(300), as: UTF8.self))")
                } else {
                    // Events, calibrations, timing, logs, opaque and other formats: not waveform data.
                    count { $0.otherPackets += 1 }
                }
            case .streaming:
                guard buffer.count >= SeedLinkPacket.length else { return }
                let frame = buffer[0..<SeedLinkPacket.length]
                let packet: SeedLinkPacket
                do { packet = try SeedLinkPacket(frame: frame) } catch { return garbage("\(error)") }
                buffer.removeFirst(SeedLinkPacket.length)
                switch packet {
                case .info: count { $0.infoFrames += 1 }
                case .data(let sequence, let record): deliver(sequence: sequence, record: record)
                }
            }
        }
    }

    /// One line of a reply (up to CR LF or LF), or nil while it is incomplete. A reply longer than
    /// 4 kB without a line end is garbage.
    private func takeLine() -> String? {
        guard let end = buffer.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.count > 4096 { garbage("\(buffer.count) bytes without a line end where a reply was due") }
            return nil
        }
        var line = Array(buffer[..<end])
        buffer.removeFirst(end + 1)
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        return String(decoding: line, as: UTF8.self)
    }

    /// The SeedLink versions a HELLO answer's first line offers ("… :: SLPROTO:4.0 SLPROTO:3.1 CAP …").
    static func versions(offeredBy line: String) -> Set<SeedLinkVersion> {
        var out: Set<SeedLinkVersion> = []
        for word in line.split(separator: " ") where word.hasPrefix("SLPROTO:") {
            let v = word.dropFirst("SLPROTO:".count)
            if v.hasPrefix("3.") { out.insert(.v3) } else if v.hasPrefix("4.") { out.insert(.v4) }
        }
        return out
    }
    private var offered: Set<SeedLinkVersion> = []

    private func isAfter(_ b: Int, _ a: Int) -> Bool { version == .v4 ? b > a : SeedLinkPacket.isAfter(b, a) }

    /// Hands a record on (the station from the packet header in 4.0, else from the record's own).
    private func deliver(sequence: Int, record: [UInt8], stationKey: String? = nil) {
        guard let key = stationKey ?? SeedLinkPacket.stationKey(ofRecord: record) else {
            count { $0.undecodableRecords += 1 }
            let n = statistics.undecodableRecords
            if n <= 3 || n % 1000 == 0 {
                log("seedlink: \(server): record \(sequence) is not miniSEED (\(SeedLinkPacket.show(record, limit: 24))); dropped (\(n) so far)")
            }
            return
        }
        var seen = recent[key] ?? ([], [])
        if seen.set.contains(sequence) {
            count { $0.duplicateRecords += 1 }
            return
        }
        seen.order.append(sequence)
        seen.set.insert(sequence)
        if seen.order.count > settings.rememberedSequences { seen.set.remove(seen.order.removeFirst()) }
        recent[key] = seen
        lock.lock()
        // The resume point of the record's station, and of every requested station (a wildcard
        // such as BK_*) it answers: a reconnection asks each request for what follows.
        if answering[key] == nil { answering[key] = wildcardRequests.filter { $0.matches(stationKey: key) }.map(\.key) }
        for k in [key] + answering[key, default: []] {
            if let last = _last[k], !isAfter(sequence, last) { continue }  // an older record sent late
            _last[k] = sequence
        }
        lock.unlock()
        let volume: MiniSEEDVolume
        do {
            volume = try MiniSEED.read(
                bytes: Data(record), path: "\(server) \(key) record \(version == .v4 ? String(sequence) : String(format: "%06X", sequence))")
        } catch .noData {
            count { $0.emptyRecords += 1 }
            return
        } catch {
            count { $0.undecodableRecords += 1 }
            log("seedlink: \(server): \(error); record dropped")
            return
        }
        deliveredThisSession = true
        lock.lock()
        failures = 0
        setAside = nil
        lock.unlock()
        let t = now()
        for segment in volume.segments {
            count { $0.records += 1 }
            onRecord?(SeedLinkRecord(stationKey: key, sequence: sequence, segment: segment, receivedUptime: t))
        }
    }

    private func garbage(_ reason: String) {
        count { $0.garbage += 1 }
        sessionEnded("garbage from the server: \(reason)")
    }

    /// Closes the session and schedules the next attempt (or gives up after `maximumAttempts`); a
    /// session closed on purpose (`failed` false) is opened again at once.
    private func sessionEnded(_ reason: String, failed: Bool = true) {
        guard !finished else { return }
        generation += 1
        channel?.close(promise: nil)
        channel = nil
        state = .closed
        lock.lock()
        if !deliveredThisSession, failed { failures += 1 }
        if !deliveredThisSession, let points = setAside {
            // The recovery's session ended before a record: the old resume points stand.
            _last = points
        }
        setAside = nil
        _lastFailure = reason
        lock.unlock()
        guard failed else {
            log("seedlink: \(server): \(reason)")
            return connect()
        }
        if let most = settings.maximumAttempts, failures >= most {
            return finish(.unreachable(server: server, attempts: failures, reason: reason))
        }
        let delay = min(settings.firstReconnectDelaySeconds * pow(2, Double(max(failures - 1, 0))), settings.maximumReconnectDelaySeconds)
        log("seedlink: \(server): \(reason); reconnecting in \(String(format: "%g", delay)) s")
        let g = generation
        loop.scheduleTask(in: .milliseconds(Int64(delay * 1000))) {
            if g == self.generation { self.connect() }
        }
    }

    /// Every 0.1 s: reply timeouts while negotiating; keep-alive and stall while streaming.
    private func tick() {
        guard !finished else { return }
        let t = now()
        switch state {
        case .hello, .negotiating:
            if t - lastSend > settings.responseTimeoutSeconds {
                count { $0.stalls += 1 }
                sessionEnded("no answer within \(String(format: "%g", settings.responseTimeoutSeconds)) s while negotiating")
            }
        case .streaming:
            if let renumbered = settings.renumberedAfterSeconds, resumedBySequence, !deliveredThisSession,
                t - streamingSince > renumbered, t - lastByte <= settings.stallSeconds, !address.fetch
            {
                // The server answers but sends nothing of the numbers asked for: a restart that renumbered.
                count { $0.renumberings += 1 }
                let points = lastSequences
                sessionEnded(
                    "no record in \(String(format: "%g", renumbered)) s since asking for the records after the last sequence numbers, though the server answers: the server may have restarted with new sequence numbers; asking for its newest records (the resume points stand should that session end before a record)",
                    failed: false)
                // (After the end of this session, which must not restore them: the next one's HELLO is still to come.)
                lock.lock()
                setAside = points
                _last = [:]
                recent = [:]
                lock.unlock()
            } else if t - lastByte > settings.stallSeconds {
                count { $0.stalls += 1 }
                sessionEnded("nothing received for \(String(format: "%g", settings.stallSeconds)) s (keep-alive unanswered): the server stalled")
            } else if t - lastByte > settings.keepaliveSeconds, !keepaliveSent {
                keepaliveSent = true
                send("INFO ID")
            }
        case .closed, .connecting: break
        }
    }
}

/// Passes a connection's bytes and its end to the client, tagged with the session they belong to.
private final class SeedLinkFrameHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    let client: SeedLinkClient
    let generation: Int
    var failure: (any Error)?

    init(client: SeedLinkClient, generation: Int) {
        self.client = client
        self.generation = generation
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        client.received(unwrapInboundIn(data), generation: generation)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failure = error
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        client.closed(generation: generation, error: failure)
    }
}
