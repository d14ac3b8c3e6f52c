// LocalSeedLinkServer: a SeedLink 3.1 and 4.0 server on 127.0.0.1 for tests and measures
// (SwiftNIO) — HELLO, SLPROTO, STATION, SELECT, DATA/FETCH with sequence numbers, END/ENDFETCH,
// INFO ID/STREAMS, BYE — serving 512-byte miniSEED records, with the faults a real network
// shows: a cut connection, a stall, garbage bytes, frames sent twice.

import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SeismicIO

/// Serves `frames` (each a 512-byte miniSEED record with its sequence number), in the order given,
/// to SeedLink clients (ObsPy's and libslink's included: CAPABILITIES, plain or extended ERROR
/// replies, INFO CAPABILITIES with multistation), in 3.1, or in 4.0 when `versions` offers it and
/// the client asks (SLPROTO 4.0: "SE" packets with 64-bit sequence numbers, `NET_STA` stations,
/// `LOC_B_S_SS` selectors, ENDFETCH, JSON INFO answers). Unlike ringserver, which starts a bare DATA or
/// FETCH at the next new record, it starts them at the oldest record held (tests need a known
/// start), and it has no TIME command.
public final class LocalSeedLinkServer: Sendable {
    /// One record the server holds: its sequence number, station ("NET_STA"), location and
    /// channel (for SELECT), bytes, and the second (after the server started) from which it is
    /// sent (0: at once).
    public struct Frame: Sendable {
        public var sequence: Int
        public var stationKey: String
        public var location: String, channel: String
        public var record: [UInt8]
        public var releaseSeconds: Double
    }

    /// What goes wrong, in the first `faultSessions` sessions.
    public enum Fault: Sendable, Equatable {
        case none
        /// Closes the connection after sending this many data frames.
        case disconnect(afterFrames: Int)
        /// Stops sending and answering (keep-alives included) after this many data frames.
        case stall(afterFrames: Int)
        /// Sends 520 bytes that are not a frame after this many data frames, then goes on.
        case garbage(afterFrames: Int)
        /// Sends every data frame twice (same sequence number).
        case repeatFrames
    }

    struct State {
        var frames: [Frame] = []
        /// Frames forgotten from the front (`append`'s `keep`): frame k of all is `frames[k - dropped]`.
        var dropped = 0
        var sessions = 0
        var commands: [[String]] = []
        var framesSent = 0
        var maximumFrames = Int.max
    }

    public let port: Int
    let fault: Fault
    /// The protocol versions HELLO offers; whether SLPROTO is refused all the same (a faulty server).
    let versions: Set<SeedLinkVersion>
    let refusesSLPROTO: Bool
    let faultSessions: Int
    let started = ProcessInfo.processInfo.systemUptime
    let state = NIOLockedValueBox(State())
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel

    /// Starts serving on a free port of 127.0.0.1.
    public init(frames: [Frame], fault: Fault = .none, faultSessions: Int = 1, versions: Set<SeedLinkVersion> = [.v3], refusesSLPROTO: Bool = false) throws {
        self.fault = fault
        self.versions = versions
        self.refusesSLPROTO = refusesSLPROTO
        self.faultSessions = faultSessions
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        state.withLockedValue { $0.frames = frames }  // sent in this order
        let box = SeedLinkServerBox()
        channel = try ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { $0.pipeline.addHandler(SeedLinkSessionHandler(server: box)) }
            .bind(host: "127.0.0.1", port: 0).wait()
        port = channel.localAddress?.port ?? 0
        box.server = self
    }

    /// Adds frames (sequence numbers after the ones held), for a stream that grows while served;
    /// beyond `keep` frames the oldest are forgotten, as a server's ring buffer.
    public func append(_ more: [Frame], keep: Int = .max) {
        state.withLockedValue {
            $0.frames += more
            if $0.frames.count > keep {
                $0.dropped += $0.frames.count - keep
                $0.frames.removeFirst($0.frames.count - keep)
            }
        }
    }

    /// The versions a server speaking `version` offers: a 4.0 server speaks 3.1 too, as ringserver
    /// and SeisComP do (the client then chooses 4.0).
    public static func versions(speaking version: SeedLinkVersion) -> Set<SeedLinkVersion> { version == .v4 ? [.v3, .v4] : [.v3] }

    /// The commands each session received, in order (one array per session).
    public var commands: [[String]] { state.withLockedValue { $0.commands } }
    public var sessions: Int { state.withLockedValue { $0.sessions } }
    /// Data frames sent over all sessions.
    public var framesSent: Int { state.withLockedValue { $0.framesSent } }

    public func shutdown() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }

    /// The frames of `segments` as a server holds them: all packed into 512-byte records
    /// (Steim-2 unless told; `MiniSEED.write`), the records interleaved by start time (read from
    /// each record's header), sequence numbers from `firstSequence` on; `release` gives each
    /// record's `releaseSeconds` from its end time (UTC s).
    public static func frames(
        of segments: [TraceSegment], firstSequence: Int = 1, scratch: String, encoding: MiniSEEDEncoding = .steim2,
        release: (Double) -> Double = { _ in 0 }
    ) throws -> [Frame] {
        let path = scratch + "/frames-\(UUID()).mseed"
        try MiniSEED.write(segments, to: path, encoding: encoding, recordLength: 512)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        try? FileManager.default.removeItem(atPath: path)
        var records: [(start: Double, end: Double, frame: Frame)] = []
        var offset = 0
        while offset + 512 <= bytes.count {
            let r = Array(bytes[offset..<(offset + 512)])
            offset += 512
            func text(_ range: Range<Int>) -> String { String(decoding: r[range], as: UTF8.self).trimmingCharacters(in: .whitespaces) }
            func u16(_ at: Int) -> Int { Int(r[at]) << 8 | Int(r[at + 1]) }
            // BTIME: year, day of year, hour, minute, second, unused, 0.0001 s; then samples, rate factor and multiplier.
            var parts = tm()
            parts.tm_year = Int32(u16(20) - 1900)
            parts.tm_mday = 1
            let start =
                Double(timegm(&parts)) + Double(u16(22) - 1) * 86400 + Double(r[24]) * 3600 + Double(r[25]) * 60 + Double(r[26])
                + Double(u16(28)) / 10000
            let factor = Double(Int16(bitPattern: UInt16(u16(32)))), multiplier = Double(Int16(bitPattern: UInt16(u16(34))))
            let rate = (factor > 0 ? factor : -1 / factor) * (multiplier > 0 ? multiplier : -1 / multiplier)
            let end = start + Double(u16(30) - 1) / rate
            records.append(
                (
                    start, end,
                    Frame(
                        sequence: 0, stationKey: "\(text(18..<20))_\(text(8..<13))", location: text(13..<15), channel: text(15..<18), record: r,
                        releaseSeconds: 0)
                ))
        }
        records.sort { ($0.start, $0.frame.stationKey, $0.frame.channel) < ($1.start, $1.frame.stationKey, $1.frame.channel) }
        return records.enumerated().map { k, r in
            var f = r.frame
            f.sequence = firstSequence + k
            f.releaseSeconds = release(r.end)
            return f
        }
    }

    /// An INFO frame carrying `text` (an ASCII log record), "SLINFO *" unless `last`.
    static func infoFrame(_ text: ArraySlice<UInt8>, last: Bool) -> [UInt8] {
        var record = [UInt8](repeating: 0, count: 512)
        record.replaceSubrange(0..<8, with: Array("000000D ".utf8))
        record.replaceSubrange(8..<13, with: Array("INFO ".utf8))
        record.replaceSubrange(15..<18, with: Array("LOG".utf8))
        record.replaceSubrange(18..<20, with: Array("SL".utf8))
        record[20] = 0x07; record[21] = 0xEA  // year 2026, big-endian
        record[30] = UInt8(text.count >> 8); record[31] = UInt8(text.count & 0xFF)
        record[39] = 1  // one blockette
        record[44] = 0; record[45] = 56  // data offset
        record[46] = 0; record[47] = 48  // first blockette
        record[48] = 0x03; record[49] = 0xE8  // blockette 1000
        record[52] = 0; record[53] = 1; record[54] = 9  // ASCII, big-endian, 512 bytes
        record.replaceSubrange(56..<(56 + text.count), with: text)
        return Array((last ? "SLINFO  " : "SLINFO *").utf8) + record
    }

    /// `text` as INFO frames (456 bytes of text each).
    static func infoFrames(_ text: String) -> [UInt8] {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        var i = 0
        repeat {
            let j = min(i + 456, bytes.count)
            out += infoFrame(bytes[i..<j], last: j == bytes.count)
            i = j
        } while i < bytes.count
        return out
    }

    /// The `INFO STREAMS` document of the frames held.
    func streamsDocument() -> String {
        let frames = state.withLockedValue { $0.frames }
        var byStation: [String: Set<String>] = [:]
        for f in frames { byStation[f.stationKey, default: []].insert("\(f.location)|\(f.channel)") }
        var xml = "<?xml version=\"1.0\"?>\n<seedlink software=\"SeismicTorch test server\" organization=\"tests\">\n"
        for key in byStation.keys.sorted() {
            let p = key.split(separator: "_")
            xml += "<station name=\"\(p[1])\" network=\"\(p[0])\" description=\"\">\n"
            for s in byStation[key]!.sorted() {
                let lc = s.split(separator: "|", omittingEmptySubsequences: false)
                xml +=
                    "<stream location=\"\(lc[0])\" seedname=\"\(lc[1])\" type=\"D\" begin_time=\"2026/01/01 00:00:00.0000\" end_time=\"2026/01/01 00:01:00.0000\"/>\n"
            }
            xml += "</station>\n"
        }
        return xml + "</seedlink>\n"
    }
}

final class SeedLinkServerBox: @unchecked Sendable {
    weak var server: LocalSeedLinkServer?
}

/// One client session: commands, then frames from a timer every 5 ms.
private final class SeedLinkSessionHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    let box: SeedLinkServerBox
    var input: [UInt8] = []
    var session = 0
    var current: Int?
    /// Per STATION request (its pattern: `?` and `*` as NSWILDCARD allows): selectors, DATA's start, FETCH.
    var selections: [(station: SeedLinkStation, selectors: [String], from: Int?, fetch: Bool)] = []
    /// Whether the client asked for extended error replies (CAPABILITIES EXTREPLY); the session's protocol.
    var extendedReplies = false
    var version = SeedLinkVersion.v3
    var streaming = false
    var stalled = false
    /// The next frame to send, counted over all frames ever held.
    var nextIndex = 0
    var sentThisSession = 0
    var timer: RepeatedTask?
    var faultDone = false
    /// FETCH: the frame index (over all frames ever held) at which the session ends.
    var fetchUntil = 0

    init(server: SeedLinkServerBox) { box = server }

    var channel: (any Channel)?

    func channelActive(context: ChannelHandlerContext) {
        channel = context.channel
        session =
            box.server?.state.withLockedValue { s in
                s.sessions += 1
                s.commands.append([])
                return s.sessions
            } ?? 0
    }

    func channelInactive(context: ChannelHandlerContext) { timer?.cancel() }

    private var faulty: Bool { guard let server = box.server else { return false }; return session <= server.faultSessions }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let server = box.server else { return }
        input += unwrapInboundIn(data).readableBytesView
        while let end = input.firstIndex(where: { $0 == 13 || $0 == 10 }) {
            let line = String(decoding: input[..<end], as: UTF8.self).trimmingCharacters(in: .whitespaces)
            input.removeFirst(end + 1)
            if line.isEmpty { continue }
            server.state.withLockedValue { $0.commands[session - 1].append(line) }
            // A stalled server hears but never answers.
            if !stalled { answer(line, server: server) }
        }
    }

    private func write(_ bytes: [UInt8]) {
        guard let channel else { return }
        var b = channel.allocator.buffer(capacity: bytes.count)
        b.writeBytes(bytes)
        channel.writeAndFlush(b, promise: nil)
    }

    private func answer(_ line: String, server: LocalSeedLinkServer) {
        let words = line.split(separator: " ").map(String.init)
        let verb = words[0].uppercased()
        switch verb {
        case "HELLO":
            let v4 = server.versions.contains(.v4)
            let offered = SeedLinkVersion.allCases.filter { server.versions.contains($0) }.reversed().map { "SLPROTO:\($0.rawValue)" }
            write(
                Array(
                    "SeedLink v\(v4 ? "4.0" : "3.1") (2026.334 SeismicTorch test server) :: \(offered.joined(separator: " ")) CAP EXTREPLY NSWILDCARD\r\nSeismicTorch tests\r\n"
                        .utf8))
        case "SLPROTO" where words.count == 2:
            guard let v = SeedLinkVersion(rawValue: words[1]), server.versions.contains(v), !server.refusesSLPROTO else {
                return refuse("UNSUPPORTED", "protocol version not supported")
            }
            version = v
            write(Array("OK\r\n".utf8))
        case "USERAGENT" where version == .v4:
            write(Array("OK\r\n".utf8))
        case "STATION" where version == .v4 && words.count == 2:
            let p = words[1].split(separator: "_", maxSplits: 1).map(String.init)
            station(p.count == 2 ? SeedLinkStation(network: p[0], station: p[1]) : nil, server: server)
        case "CAPABILITIES":
            extendedReplies = words.dropFirst().contains { $0.uppercased() == "EXTREPLY" }
            write(Array("OK\r\n".utf8))
        case "STATION" where version == .v3 && words.count == 3:
            station(SeedLinkStation(network: words[2], station: words[1]), server: server)
        case "SELECT" where words.count == 2 && current != nil:
            selections[current!].selectors.append(words[1])
            write(Array("OK\r\n".utf8))
        case "DATA",
            "FETCH" where version == .v3:  // (`where` binds to FETCH: 4.0 has none)
            guard let k = current else { return refuse("UNEXPECTED", "no STATION accepted") }
            // 3.1: hexadecimal; 4.0: decimal, or ALL (from the oldest held, as a bare DATA here).
            selections[k].from = words.count > 1 ? Int(words[1], radix: version == .v4 ? 10 : 16) : nil
            selections[k].fetch = verb == "FETCH"
            write(Array("OK\r\n".utf8))
        case "END",
            "ENDFETCH" where version == .v4:  // (binds to ENDFETCH)
            if verb == "ENDFETCH" { for k in selections.indices { selections[k].fetch = true } }
            // FETCH sends what is held and released now (frames appended later are not waited for).
            let now = ProcessInfo.processInfo.systemUptime - server.started
            fetchUntil = server.state.withLockedValue { s in s.dropped + (s.frames.firstIndex { $0.releaseSeconds > now } ?? s.frames.count) }
            streaming = true
            timer = channel?.eventLoop.scheduleRepeatedTask(initialDelay: .milliseconds(1), delay: .milliseconds(5)) { [self] _ in
                self.pump()
            }
        case "INFO":
            let what = words.count > 1 ? words[1].uppercased() : ""
            let document: String
            switch what {
            case "STREAMS": document = server.streamsDocument()
            case "CAPABILITIES":
                document =
                    "<seedlink software=\"SeismicTorch test server\">"
                    + ["dialup", "multistation", "window-extraction", "info:id", "info:capabilities", "info:streams"].map { "<capability name=\"\($0)\"/>" }
                    .joined()
                    + "</seedlink>"
            default: document = "<seedlink software=\"SeismicTorch test server\"/>"
            }
            if version == .v4 {
                let json = "{\"software\":\"SeismicTorch test server\",\"organization\":\"tests\"}"
                write(SeedLinkV4Packet(format: UInt8(ascii: "J"), subformat: UInt8(ascii: "I"), sequence: nil, stationID: "", payload: Array(json.utf8)).bytes)
            } else {
                write(LocalSeedLinkServer.infoFrames(document))
            }
        case "BYE":
            channel?.close(promise: nil)
        default:
            refuse("UNSUPPORTED", "command not supported by the test server (TIME is not)")
        }
    }

    /// A STATION request (nil: not NET_STA), accepted when a frame held answers it.
    private func station(_ request: SeedLinkStation?, server: LocalSeedLinkServer) {
        if let request, server.state.withLockedValue({ $0.frames.contains { request.matches(stationKey: $0.stationKey) } }) {
            current = selections.count
            selections.append((request, [], nil, false))
            write(Array("OK\r\n".utf8))
        } else {
            current = nil
            refuse("ARGUMENTS", "unknown station")
        }
    }

    /// ERROR, with the reason after a CR when the client asked for extended replies (as ringserver
    /// and libslink do); in 4.0 "ERROR CODE message" on one line.
    private func refuse(_ code: String, _ message: String) {
        if version == .v4 { return write(Array("ERROR \(code) \(message)\r\n".utf8)) }
        write(Array((extendedReplies ? "ERROR\r\(code) \(message)\r\n" : "ERROR\r\n").utf8))
    }

    private static func matches(_ selector: String, location: String, channel: String) -> Bool {
        let base = String(selector.split(separator: ".")[0])
        if base.contains("_") {
            // 4.0: LOC_B_S_SS, `*` and `?` as wildcards.
            let p = base.split(separator: "_", omittingEmptySubsequences: false).map(String.init)
            guard p.count == 4 else { return false }
            return SeedLinkStation(network: p[0].isEmpty ? "" : p[0], station: p[1] + p[2] + p[3]).matches(stationKey: "\(location)_\(channel)")
        }
        let (l, c) = base.count == 5 ? (String(base.prefix(2)), String(base.suffix(3))) : (nil, base)
        func like(_ p: String, _ s: String) -> Bool { p.count == s.count && zip(p, s).allSatisfy { $0 == "?" || $0 == $1 } }
        if let l, !like(l.replacingOccurrences(of: "-", with: " "), location.padding(toLength: 2, withPad: " ", startingAt: 0)) { return false }
        return like(c, channel)
    }

    /// Sends the frames due, with the session's fault.
    private func pump() {
        guard !stalled, let server = box.server else { return }
        let now = ProcessInfo.processInfo.systemUptime - server.started
        let (frames, dropped) = server.state.withLockedValue { ($0.frames, $0.dropped) }
        var fetchDone = true
        // Frames forgotten before they were sent are skipped, as a server's ring buffer loses them.
        nextIndex = max(nextIndex, dropped)
        while nextIndex - dropped < frames.count {
            let f = frames[nextIndex - dropped]
            guard f.releaseSeconds <= now else { fetchDone = false; break }
            nextIndex += 1
            guard let sel = selections.first(where: { $0.station.matches(stationKey: f.stationKey) }) else { continue }
            // DATA n: from record n on (3.1: 24-bit numbers that wrap; 4.0: 64-bit).
            if let from = sel.from {
                if version == .v4 ? f.sequence < from : (f.sequence & 0xFF_FFFF) != from && !SeedLinkPacket.isAfter(f.sequence & 0xFF_FFFF, from) { continue }
            }
            let wanted = sel.selectors.filter { !$0.hasPrefix("!") }, unwanted = sel.selectors.filter { $0.hasPrefix("!") }.map { String($0.dropFirst()) }
            if !wanted.isEmpty, !wanted.contains(where: { Self.matches($0, location: f.location, channel: f.channel) }) { continue }
            if unwanted.contains(where: { Self.matches($0, location: f.location, channel: f.channel) }) { continue }
            if faulty, !faultDone {
                switch server.fault {
                case .disconnect(let n) where sentThisSession >= n:
                    faultDone = true
                    timer?.cancel()
                    channel?.close(promise: nil)
                    return
                case .stall(let n) where sentThisSession >= n:
                    faultDone = true
                    stalled = true
                    timer?.cancel()
                    return
                case .garbage(let n) where sentThisSession >= n:
                    faultDone = true
                    write(Array(repeating: UInt8(ascii: "#"), count: 7) + Array(repeating: 0xFF, count: 513))
                default: break
                }
            }
            let packet =
                version == .v4
                ? SeedLinkV4Packet(format: UInt8(ascii: "2"), subformat: UInt8(ascii: "D"), sequence: f.sequence, stationID: f.stationKey, payload: f.record)
                    .bytes
                : Array(String(format: "SL%06X", f.sequence & 0xFF_FFFF).utf8) + f.record
            write(packet)
            if faulty, server.fault == .repeatFrames { write(packet) }
            sentThisSession += 1
            server.state.withLockedValue { $0.framesSent += 1 }
        }
        // FETCH: END, then close, once everything held at the request has been sent (as ringserver does).
        if selections.contains(where: \.fetch), nextIndex >= fetchUntil || (fetchDone && nextIndex - dropped >= frames.count) {
            timer?.cancel()
            write(Array("END".utf8))
            channel?.close(promise: nil)
        }
    }
}
