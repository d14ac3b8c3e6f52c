// SeedLink: addresses and frames parsed, and the client against a SeedLink server on loopback
// (TestSupport's LocalSeedLinkServer), in protocol 3.1 and 4.0 — normal streaming, a cut
// connection, a stall, garbage, frames sent twice, refused stations, a server restarted with new
// sequence numbers, the choice of version, INFO STREAMS, no server. Waits are for conditions, with
// generous limits, never fixed sleeps: a busy machine only makes them slower.

import Foundation
import SeismicIO
import TestSupport
import Testing

/// Segments of `stations` stations, three channels each, `seconds` of 100 Hz integer samples (a
/// seeded pattern: a sine, a ramp and noise-like values), starting at 2026-11-30T00:00:00Z.
func seedLinkTestSegments(stations: Int, seconds: Int, network: String = "XX") -> [TraceSegment] {
    var state: UInt64 = 12345
    func next() -> Double {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Double(Int64(bitPattern: state >> 1) % 2001 - 1000)
    }
    return (0..<stations).flatMap { s in
        ["HNE", "HNN", "HNZ"].map { code in
            TraceSegment(
                id: SEEDIdentifier(network: network, station: String(format: "S%03d", s), location: "00", channel: code), startTime: 1_795_996_800,
                samplingRateHz: 100, samples: (0..<(seconds * 100)).map { i in (2000 * sin(Double(i) / 7) + next()).rounded() })
        }
    }
}

/// Collects what a client delivers.
final class SeedLinkCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var records: [SeedLinkRecord] = []
    private var ended: SeedLinkError?? = nil
    private(set) var logLines: [String] = []

    func add(_ r: SeedLinkRecord) { lock.lock(); records.append(r); lock.unlock() }
    func end(_ e: SeedLinkError?) { lock.lock(); ended = .some(e); lock.unlock() }
    func note(_ line: String) { lock.lock(); logLines.append(line); lock.unlock() }
    var received: [SeedLinkRecord] { lock.lock(); defer { lock.unlock() }; return records }
    var end: SeedLinkError?? { lock.lock(); defer { lock.unlock() }; return ended }
    var log: [String] { lock.lock(); defer { lock.unlock() }; return logLines }

    /// Waits (at most `limit` s) until `condition` holds; returns whether it did.
    func wait(limit: Double = 60, until condition: () -> Bool) -> Bool {
        let start = Date()
        while !condition() {
            if Date().timeIntervalSince(start) > limit { return false }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return true
    }
}

private func scratch() throws -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("seedlink-\(UUID())").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    return folder
}

/// The samples each channel received, joined in sequence order.
private func joined(_ records: [SeedLinkRecord]) -> [SEEDIdentifier: [Double]] {
    var out: [SEEDIdentifier: [(Double, [Double])]] = [:]
    for r in records { out[r.segment.id, default: []].append((r.segment.startTime, r.segment.samples)) }
    return out.mapValues { $0.sorted { $0.0 < $1.0 }.flatMap(\.1) }
}

@Suite struct SeedLinkAddressTests {
    @Test func parsesStationsSelectorsPortAndFetch() throws {
        #expect(try SeedLinkAddress(parsing: "seedlink://h?streams=TW_A0*:!HNZ").stations[0].selectors == ["!HNZ"])
        #expect(
            SeedLinkStation(network: "T?", station: "A0*").matches(stationKey: "TW_A001")
                && !SeedLinkStation(network: "TW", station: "A0*").matches(stationKey: "TW_B001"))
        let a = try SeedLinkAddress(parsing: "seedlink://example.org:18001?streams=TW_A001:HN?,TW_A002,TW_A001:00BH?.D&fetch")
        #expect(a.host == "example.org" && a.port == 18001 && a.fetch)
        #expect(a.stations == [SeedLinkStation(network: "TW", station: "A001", selectors: ["HN?", "00BH?.D"]), SeedLinkStation(network: "TW", station: "A002")])
        let b = try SeedLinkAddress(parsing: "seedlink://localhost?streams=IU_ANMO")
        #expect(b.port == 18000 && !b.fetch && b.stations.map(\.key) == ["IU_ANMO"])
        #expect(try SeedLinkAddress(parsing: b.description) == b)
        let c = try SeedLinkAddress(parsing: "seedlink://h?streams=IU_ANMO&protocol=3.1")
        let again = try SeedLinkAddress(parsing: c.description)
        #expect(c.version == .v3 && again == c)
        #expect((try SeedLinkAddress(parsing: "seedlink://h?streams=IU_ANMO&protocol=4")).version == .v4)
    }

    @Test func severalSelectorsAndStreamListFiles() throws {
        for text in ["seedlink://h?streams=TW_A1:HN?+HH?", "seedlink://h?streams=TW_A1:HN?%20HH?", "seedlink://h?streams=TW_A1:HN? HH?,TW_A1:HN?"] {
            #expect(try SeedLinkAddress(parsing: text).stations == [SeedLinkStation(network: "TW", station: "A1", selectors: ["HN?", "HH?"])], "\(text)")
        }
        let list = "# stations\nTW A001 HN?\n\n  tw a002\nTW_A001 00HH?.D  !HNZ\nTW A002 HN?\nTW_A003\n"
        let stations = try SeedLinkAddress.stations(streamList: list, path: "streams.txt")
        #expect(
            stations == [
                SeedLinkStation(network: "TW", station: "A001", selectors: ["HN?", "00HH?.D", "!HNZ"]), SeedLinkStation(network: "TW", station: "A002"),
                SeedLinkStation(network: "TW", station: "A003")
            ])
        #expect(try SeedLinkAddress.stations(streamList: list.replacingOccurrences(of: "\n", with: "\r\n"), path: "crlf.txt") == stations)
        let address = try SeedLinkAddress(parsing: "seedlink://h?streams=TW_A002:HN?,TW_A003", requireStreams: false).adding(stations)
        #expect(address.stations.map(\.key) == ["TW_A002", "TW_A003", "TW_A001"] && address.stations[0].selectors.isEmpty)
        #expect(address.stations[1].selectors.isEmpty)
        for (bad, line) in [("TW\n", 1), ("# c\nTW A001 HN\n", 2), ("TW TOOLONG\n", 1), ("T-W A1\n", 1), ("\nTW_A_B\n", 2), ("TW_ HN?\n", 1)] {
            #expect {
                try SeedLinkAddress.stations(streamList: bad, path: "s.txt")
            } throws: { error in
                guard case .badStreamList("s.txt", line, _) = error as? SeedLinkError else { return false }
                return "\(error)".contains("NET_STA (or NET STA) [SELECTOR")
            }
        }
    }

    /// 3.1 selectors as 4.0 writes them (libslink's sl_v3to4selector).
    @Test(arguments: [
        ("HN?", "*_H_N_?"), ("00HNZ", "00_H_N_Z"), ("00BH?.D", "00_B_H_?.D"), ("--HNZ", "_H_N_Z"), ("!HNZ", "!*_H_N_Z"), ("??HN?", "??_H_N_?")
    ])
    func selectorsAreWrittenForVersion4(_ v3: String, _ v4: String) {
        #expect(SeedLinkStation.version4Selector(v3) == v4)
    }

    @Test(arguments: [
        "seedlink://host", "seedlink://host?streams=", "seedlink://:18000?streams=IU_ANMO", "seedlink://host:0?streams=IU_ANMO",
        "seedlink://host:99999?streams=IU_ANMO", "seedlink://host:x?streams=IU_ANMO", "seedlink://host?streams=IUANMO",
        "seedlink://host?streams=IU_ANMO:HN", "seedlink://host?streams=IU_ANMO:HN?Z??", "seedlink://host?streams=IU_TOOLONG",
        "seedlink://host?streams=IU_ANMO&bogus", "udp://host?streams=IU_ANMO", "seedlink://host?streams=IU_ANMO&protocol=5.0",
        "seedlink://host?streams=IU_ANMO:HN?+XYZW"
    ])
    func refusesBadAddressesSayingWhy(_ text: String) {
        #expect {
            try SeedLinkAddress(parsing: text)
        } throws: { error in
            guard case .badAddress(let t, let reason) = error as? SeedLinkError else { return false }
            return t == text && !reason.isEmpty && "\(error)".contains("seedlink://HOST[:PORT]?streams=")
        }
    }
}

@Suite struct SeedLinkPacketTests {
    @Test func parsesDataAndInfoFramesAndRefusesOthers() throws {
        let record = [UInt8](repeating: 7, count: 512)
        #expect(try SeedLinkPacket(frame: ArraySlice(Array("SL00002A".utf8) + record)) == .data(sequence: 42, record: record))
        #expect(try SeedLinkPacket(frame: ArraySlice(Array("SLINFO *".utf8) + record)) == .info(record: record, last: false))
        #expect(try SeedLinkPacket(frame: ArraySlice(Array("SLINFO  ".utf8) + record)) == .info(record: record, last: true))
        #expect(throws: SeedLinkPacketError.badHeader("SL00-02A")) { try SeedLinkPacket(frame: ArraySlice(Array("SL00-02A".utf8) + record)) }
        #expect(throws: SeedLinkPacketError.badHeader("GET / HT")) { try SeedLinkPacket(frame: ArraySlice(Array("GET / HT".utf8) + record)) }
        #expect(throws: SeedLinkPacketError.badHeader("\\xFF\\x00SL0000")) {
            try SeedLinkPacket(frame: ArraySlice([0xFF, 0] + Array("SL0000".utf8) + record))
        }
        #expect(throws: SeedLinkPacketError.wrongLength(519)) { try SeedLinkPacket(frame: ArraySlice(record + [UInt8](repeating: 0, count: 7))) }
    }

    /// Sequence numbers wrap at 2²⁴: the next one is always after, and never before, its predecessor.
    @Test func sequenceNumbersWrapAt24Bits() {
        var rng = SystemRandomNumberGenerator()
        for a in [0, 1, 0x7F_FFFF, 0x80_0000, 0xFF_FFFE, 0xFF_FFFF] + (0..<1000).map({ _ in Int.random(in: 0...0xFF_FFFF, using: &rng) }) {
            let b = SeedLinkPacket.next(after: a)
            #expect((0...0xFF_FFFF).contains(b))
            #expect(SeedLinkPacket.isAfter(b, a) && !SeedLinkPacket.isAfter(a, b) && !SeedLinkPacket.isAfter(a, a))
        }
        #expect(SeedLinkPacket.next(after: 0xFF_FFFF) == 0)
    }

    /// A 4.0 packet written and parsed again is the same packet, whatever its fields; every proper
    /// prefix of it is "incomplete" (nil), never a packet or an error.
    @Test func version4PacketsRoundTrip() throws {
        var rng = SystemRandomNumberGenerator()
        for k in 0..<300 {
            let packet = SeedLinkV4Packet(
                format: Array("23JX".utf8)[k % 4], subformat: Array("DEICTLO".utf8)[k % 7],
                sequence: k % 10 == 0 ? nil : Int.random(in: 0...Int.max, using: &rng),
                stationID: k % 9 == 0 ? "" : "XX_S\(k)", payload: (0..<Int.random(in: 0...600, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            )
            let bytes = packet.bytes
            let parsed = try #require(try SeedLinkV4Packet.parse(ArraySlice(bytes + [0x53, 0x45])))
            #expect(parsed.packet == packet && parsed.length == bytes.count)
            for cut in [0, 1, 2, 16, 17, bytes.count - 1] where cut < bytes.count {
                let partial = try SeedLinkV4Packet.parse(bytes[0..<cut])
                #expect(partial == nil)
            }
        }
    }

    @Test func version4HeadersThatAreNotSeedLinkAreRefused() {
        let ok = SeedLinkV4Packet(format: 50, subformat: 68, sequence: 7, stationID: "XX_A", payload: [1, 2, 3]).bytes
        #expect(throws: SeedLinkPacketError.self) { try SeedLinkV4Packet.parse(ArraySlice(Array("SL000001".utf8) + ok)) }
        var huge = ok
        huge.replaceSubrange(4..<8, with: [0xFF, 0xFF, 0xFF, 0x7F])
        #expect(throws: SeedLinkPacketError.self) { try SeedLinkV4Packet.parse(ArraySlice(huge)) }
        var badID = ok
        badID[17] = 0
        #expect(throws: SeedLinkPacketError.self) { try SeedLinkV4Packet.parse(ArraySlice(badID)) }
        var badSequence = ok
        badSequence[15] = 0x80
        #expect(throws: SeedLinkPacketError.self) { try SeedLinkV4Packet.parse(ArraySlice(badSequence)) }
        #expect("\(SeedLinkPacketError.badHeader("x", version: .v4))".contains("SeedLink 4.0"))
    }

    /// Random bytes after "SE" never trap: each is a packet, incomplete, or refused.
    @Test func fuzzedVersion4PacketsAreParsedOrRefused() {
        var rng = SystemRandomNumberGenerator()
        for k in 0..<3000 {
            var bytes = (0..<Int.random(in: 0...700, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if k % 2 == 0, bytes.count >= 2 { bytes.replaceSubrange(0..<2, with: Array("SE".utf8)) }
            if k % 4 == 0, bytes.count >= 8 { bytes.replaceSubrange(4..<8, with: [UInt8(k % 200), 0, 0, 0]) }
            if case .some(.some(let parsed)) = try? SeedLinkV4Packet.parse(ArraySlice(bytes)) {
                #expect(parsed.length <= bytes.count)
                if parsed.packet.isMiniSEED { _ = try? MiniSEED.read(bytes: Data(parsed.packet.payload), path: "fuzz") }
            }
        }
    }

    /// Random frames (and random record bytes) never trap: each is parsed or refused.
    @Test func fuzzedFramesAreParsedOrRefused() {
        var rng = SystemRandomNumberGenerator()
        for k in 0..<3000 {
            var bytes = (0..<520).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if k % 3 == 0 { bytes.replaceSubrange(0..<2, with: Array("SL".utf8)) }
            if k % 5 == 0 { bytes.replaceSubrange(0..<6, with: Array("SLINFO".utf8)) }
            let packet = try? SeedLinkPacket(frame: ArraySlice(bytes))
            let record = Array(bytes.dropFirst(8))
            _ = SeedLinkPacket.stationKey(ofRecord: record)
            _ = SeedLinkPacket.text(ofRecord: record)
            if case .data? = packet { _ = try? MiniSEED.read(bytes: Data(record), path: "fuzz") }
        }
    }
}

@Suite(.serialized) struct SeedLinkClientTests {
    /// Streams `stations` stations from a server with `fault`; waits until every record arrived;
    /// returns the server, what was received, and the client's statistics.
    private func stream(
        stations: Int = 3, seconds: Int = 40, fault: LocalSeedLinkServer.Fault = .none, settings: SeedLinkSettings = SeedLinkSettings(),
        fetch: Bool = false, streams: String? = nil, version: SeedLinkVersion = .v3
    ) throws -> (server: LocalSeedLinkServer, frames: [LocalSeedLinkServer.Frame], got: SeedLinkCollector, stats: SeedLinkStatistics, sent: [TraceSegment]) {
        let folder = try scratch()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let segments = seedLinkTestSegments(stations: stations, seconds: seconds)
        let frames = try LocalSeedLinkServer.frames(of: segments, firstSequence: 0xFF_FFF0, scratch: folder)
        let server = try LocalSeedLinkServer(frames: frames, fault: fault, versions: LocalSeedLinkServer.versions(speaking: version))
        let names = streams ?? (0..<stations).map { String(format: "XX_S%03d:HN?", $0) }.joined(separator: ",")
        let address = try SeedLinkAddress(parsing: "seedlink://127.0.0.1:\(server.port)?streams=\(names)" + (fetch ? "&fetch" : ""))
        let client = SeedLinkClient(address: address, settings: settings)
        let got = SeedLinkCollector()
        client.start(onRecord: got.add, onEnd: got.end, log: got.note)
        let complete = got.wait { got.received.count >= frames.count || got.end != nil }
        if !fetch { client.stop() }
        _ = got.wait { got.end != nil }
        let stats = client.statistics
        client.stop()
        #expect(complete, "received \(got.received.count) of \(frames.count) records; log: \(got.log)")
        #expect(client.sessionVersion == version)
        return (server, frames, got, stats, segments)
    }

    /// Every record once, samples equal to what was sent, per station in sequence order (the
    /// numbers wrap past FFFFFF on the way).
    private func expectComplete(
        _ r: (server: LocalSeedLinkServer, frames: [LocalSeedLinkServer.Frame], got: SeedLinkCollector, stats: SeedLinkStatistics, sent: [TraceSegment])
    ) {
        #expect(r.got.received.count == r.frames.count)
        #expect(Set(r.got.received.map(\.sequence)).count == r.frames.count, "a record delivered twice")
        let received = joined(r.got.received)
        for s in r.sent { #expect(received[s.id] == s.samples, "\(s.id): samples differ") }
    }

    @Test(arguments: SeedLinkVersion.allCases)
    func fetchDeliversEveryRecordOnceThenEnds(_ version: SeedLinkVersion) throws {
        let r = try stream(fetch: true, version: version)
        expectComplete(r)
        #expect(r.got.end == .some(nil))
        #expect(r.stats.sessions == 1 && r.stats.reconnects == 0 && r.stats.garbage == 0)
        let commands = r.server.commands[0]
        switch version {
        case .v3:
            #expect(
                commands.first == "HELLO" && commands.contains("STATION S001 XX") && commands.contains("SELECT HN?") && commands.contains("FETCH")
                    && commands.last == "END")
        case .v4:
            #expect(
                commands.prefix(2) == ["HELLO", "SLPROTO 4.0"] && commands.contains("STATION XX_S001") && commands.contains("SELECT *_H_N_?")
                    && commands.contains("DATA") && !commands.contains("FETCH") && commands.last == "ENDFETCH", "\(commands)")
            // 64-bit numbers: past FFFFFF they go on, not wrap.
            #expect(r.got.received.map(\.sequence).max() == 0xFF_FFF0 + r.frames.count - 1)
        }
        r.server.shutdown()
    }

    @Test(arguments: SeedLinkVersion.allCases)
    func aCutConnectionResumesAtTheNextSequenceNumber(_ version: SeedLinkVersion) throws {
        var settings = SeedLinkSettings()
        settings.firstReconnectDelaySeconds = 0.05
        let r = try stream(fault: .disconnect(afterFrames: 25), settings: settings, version: version)
        expectComplete(r)
        #expect(r.stats.reconnects >= 1 && r.stats.closedByServer >= 1)
        // The second session asks each station for the record after its last one.
        let second = r.server.commands[1]
        for s in 0..<3 {
            let key = String(format: "XX_S%03d", s)
            // The last received in order (3.1's numbers wrap past FFFFFF; 4.0's do not).
            let last = r.got.received.prefix(25).filter { $0.stationKey == key }.last?.sequence
            guard let last else { continue }
            let expected = version == .v4 ? "DATA \(last + 1)" : String(format: "DATA %06X", SeedLinkPacket.next(after: last))
            #expect(second.contains(expected), "\(second)")
        }
        r.server.shutdown()
    }

    /// A wildcard request (XX_S00*) resumes at the record after the last one of any station it
    /// answered, and a negated selector keeps its channel out.
    @Test func aWildcardRequestResumesWhereItsStationsStopped() throws {
        var settings = SeedLinkSettings()
        settings.firstReconnectDelaySeconds = 0.05
        let folder = try scratch()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let segments = seedLinkTestSegments(stations: 3, seconds: 40)
        let frames = try LocalSeedLinkServer.frames(of: segments, scratch: folder)
        let server = try LocalSeedLinkServer(frames: frames, fault: .disconnect(afterFrames: 20))
        defer { server.shutdown() }
        let client = SeedLinkClient(
            address: try SeedLinkAddress(parsing: "seedlink://127.0.0.1:\(server.port)?streams=XX_S00*:HN?,XX_S00*:!HNZ"), settings: settings)
        let got = SeedLinkCollector()
        client.start(onRecord: got.add, onEnd: got.end, log: got.note)
        let wanted = frames.filter { $0.channel != "HNZ" }.count
        #expect(got.wait { got.received.count >= wanted })
        client.stop()
        #expect(got.received.count == wanted && !got.received.contains { $0.segment.id.channel == "HNZ" })
        let last = try #require(got.received.prefix(20).last?.sequence)
        #expect(server.commands[1].contains(String(format: "DATA %06X", SeedLinkPacket.next(after: last))), "\(server.commands[1])")
        #expect(client.lastSequences["XX_S00*"] == got.received.last?.sequence)
    }

    @Test(arguments: SeedLinkVersion.allCases)
    func aStalledServerIsLeftAndTheStreamResumed(_ version: SeedLinkVersion) throws {
        var settings = SeedLinkSettings()
        settings.keepaliveSeconds = 0.3
        settings.stallSeconds = 0.8
        settings.firstReconnectDelaySeconds = 0.05
        let r = try stream(fault: .stall(afterFrames: 20), settings: settings, version: version)
        expectComplete(r)
        #expect(r.stats.stalls >= 1 && r.stats.reconnects >= 1)
        #expect(r.got.log.contains { $0.contains("stalled") })
        // The keep-alive was asked before the stall was declared.
        #expect(r.server.commands[0].contains("INFO ID"))
        r.server.shutdown()
    }

    @Test(arguments: SeedLinkVersion.allCases)
    func garbageEndsTheSessionAndTheStreamResumes(_ version: SeedLinkVersion) throws {
        var settings = SeedLinkSettings()
        settings.firstReconnectDelaySeconds = 0.05
        let r = try stream(fault: .garbage(afterFrames: 30), settings: settings, version: version)
        expectComplete(r)
        #expect(r.stats.garbage == 1 && r.stats.reconnects >= 1)
        #expect(r.got.log.contains { $0.contains("garbage from the server") && $0.contains("#######") })
        r.server.shutdown()
    }

    @Test(arguments: SeedLinkVersion.allCases)
    func framesSentTwiceAreDeliveredOnce(_ version: SeedLinkVersion) throws {
        let r = try stream(fault: .repeatFrames, fetch: true, version: version)
        expectComplete(r)
        #expect(r.stats.duplicateRecords == r.frames.count)
        r.server.shutdown()
    }

    /// A server restarted with new (lower) sequence numbers holds none of the numbers asked for
    /// and sends nothing; once `renumberedAfterSeconds` pass with the server answering, the client
    /// asks again for its newest records, and gets them.
    @Test(arguments: SeedLinkVersion.allCases)
    func aServerRestartedWithNewSequenceNumbersIsAskedAgain(_ version: SeedLinkVersion) throws {
        let folder = try scratch()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let frames = try LocalSeedLinkServer.frames(of: seedLinkTestSegments(stations: 2, seconds: 20), scratch: folder)
        let server = try LocalSeedLinkServer(frames: frames, versions: LocalSeedLinkServer.versions(speaking: version))
        defer { server.shutdown() }
        var settings = SeedLinkSettings()
        settings.renumberedAfterSeconds = 0.5
        settings.keepaliveSeconds = 0.2
        // Resume points far ahead of what the restarted server numbers.
        let client = SeedLinkClient(
            address: try SeedLinkAddress(parsing: "seedlink://127.0.0.1:\(server.port)?streams=XX_S000,XX_S001"), settings: settings,
            resumeFrom: ["XX_S000": 0x70_0000, "XX_S001": 0x70_0000], numbering: version)
        let got = SeedLinkCollector()
        client.start(onRecord: got.add, onEnd: got.end, log: got.note)
        #expect(got.wait { got.received.count >= frames.count }, "\(got.log)")
        let stats = client.statistics
        client.stop()
        #expect(got.received.count == frames.count && stats.renumberings == 1 && stats.reconnects == 1)
        #expect(got.log.contains { $0.contains("restarted with new sequence numbers") })
        let resume = version == .v4 ? "DATA \(0x70_0001)" : "DATA 700001"
        #expect(server.commands[0].contains(resume) && server.commands[1].filter { $0.hasPrefix("DATA") } == ["DATA", "DATA"], "\(server.commands)")
    }

    /// 4.0 when offered, unless the address asks for 3.1 or the resume points are 3.1 numbers; an
    /// address asking for 4.0 of a 3.1 server is refused; 4.0 resume points cannot serve a 3.1 session.
    @Test func theVersionIsChosenFromWhatTheServerOffers() throws {
        let folder = try scratch()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let frames = try LocalSeedLinkServer.frames(of: seedLinkTestSegments(stations: 1, seconds: 10), scratch: folder)
        func session(_ versions: Set<SeedLinkVersion>, _ parameter: String, resume: [String: Int] = [:], numbering: SeedLinkVersion = .v3)
            throws -> (commands: [String], got: SeedLinkCollector, version: SeedLinkVersion)
        {
            let server = try LocalSeedLinkServer(frames: frames, versions: versions)
            defer { server.shutdown() }
            var settings = SeedLinkSettings()
            settings.maximumAttempts = 1
            let client = SeedLinkClient(
                address: try SeedLinkAddress(parsing: "seedlink://127.0.0.1:\(server.port)?streams=XX_S000&fetch\(parameter)"), settings: settings,
                resumeFrom: resume, numbering: numbering)
            let got = SeedLinkCollector()
            client.start(onRecord: got.add, onEnd: got.end, log: got.note)
            _ = got.wait { got.end != nil }
            client.stop()
            return (server.commands.first ?? [], got, client.sessionVersion)
        }
        let forced = try session([.v3, .v4], "&protocol=3.1")
        #expect(forced.version == .v3 && forced.commands.contains("STATION S000 XX") && forced.got.received.count == frames.count)
        let kept = try session([.v3, .v4], "", resume: ["XX_S000": 0], numbering: .v3)
        #expect(kept.version == .v3 && kept.commands.contains("FETCH 000001"), "\(kept.commands)")
        let upgraded = try session([.v3, .v4], "", resume: ["XX_S000": 0], numbering: .v4)
        #expect(upgraded.version == .v4 && upgraded.commands.contains("DATA 1"), "\(upgraded.commands)")
        let dropped = try session([.v3], "", resume: ["XX_S000": 5], numbering: .v4)
        #expect(dropped.version == .v3 && dropped.commands.contains("FETCH") && dropped.got.log.contains { $0.contains("cannot use") })
        let refused = try session([.v3], "&protocol=4.0")
        guard case .some(.some(.versionNotOffered(_, .v4, _))) = refused.got.end else {
            Issue.record("ended with \(String(describing: refused.got.end))")
            return
        }
        #expect(!refused.commands.contains { $0.hasPrefix("STATION") })
    }

    @Test(arguments: SeedLinkVersion.allCases)
    func aRefusedStationIsLoggedAndTheOthersStream(_ version: SeedLinkVersion) throws {
        let folder = try scratch()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let frames = try LocalSeedLinkServer.frames(of: seedLinkTestSegments(stations: 2, seconds: 20), scratch: folder)
        let server = try LocalSeedLinkServer(frames: frames, versions: LocalSeedLinkServer.versions(speaking: version))
        defer { server.shutdown() }
        let address = try SeedLinkAddress(parsing: "seedlink://127.0.0.1:\(server.port)?streams=XX_S000,XX_NOPE,XX_S001&fetch")
        let client = SeedLinkClient(address: address)
        let got = SeedLinkCollector()
        client.start(onRecord: got.add, onEnd: got.end, log: got.note)
        #expect(got.wait { got.end != nil })
        client.stop()
        #expect(got.received.count == frames.count)
        let refusal = version == .v4 ? "refused XX_NOPE: STATION XX_NOPE answered ERROR ARGUMENTS" : "refused XX_NOPE: STATION NOPE XX answered ERROR"
        #expect(got.log.contains { $0.contains(refusal) }, "\(got.log)")
        #expect(got.log.contains { $0.contains("streaming 2 of 3 stations (SeedLink \(version.rawValue))") })
        #expect(client.refusedStations == ["XX_NOPE"])
    }

    /// A quiet stream (nothing due yet): the keep-alive is answered (3.1 INFO frames, 4.0 JSON
    /// packets), so the session stays, and with no resume point the renumbering check never fires.
    @Test(arguments: SeedLinkVersion.allCases)
    func aQuietServerAnsweringKeepAlivesIsKept(_ version: SeedLinkVersion) throws {
        let folder = try scratch()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let frames = try LocalSeedLinkServer.frames(of: seedLinkTestSegments(stations: 1, seconds: 4), scratch: folder) { _ in 1e6 }
        let server = try LocalSeedLinkServer(frames: frames, versions: LocalSeedLinkServer.versions(speaking: version))
        defer { server.shutdown() }
        var settings = SeedLinkSettings()
        settings.keepaliveSeconds = 0.2
        settings.stallSeconds = 1
        settings.renumberedAfterSeconds = 0.3
        let client = SeedLinkClient(address: try SeedLinkAddress(parsing: "seedlink://127.0.0.1:\(server.port)?streams=XX_S000"), settings: settings)
        let got = SeedLinkCollector()
        client.start(onRecord: got.add, onEnd: got.end, log: got.note)
        #expect(got.wait { client.statistics.infoFrames >= 5 }, "\(client.statistics) \(got.log)")
        let stats = client.statistics
        client.stop()
        #expect(stats.sessions == 1 && stats.reconnects == 0 && stats.stalls == 0 && stats.renumberings == 0 && stats.garbage == 0, "\(stats)")
    }

    /// The renumbering recovery's own session ends before a record: the old resume points stand
    /// and are asked for again, nothing given up.
    @Test func theResumePointsStandWhenTheRecoveryFindsNothing() throws {
        let folder = try scratch()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let frames = try LocalSeedLinkServer.frames(of: seedLinkTestSegments(stations: 1, seconds: 20), scratch: folder)
        // Sessions 1 and 2 close the connection before their first frame (session 1 sends none: it asks ahead).
        let server = try LocalSeedLinkServer(frames: frames, fault: .disconnect(afterFrames: 0), faultSessions: 2)
        defer { server.shutdown() }
        var settings = SeedLinkSettings()
        settings.renumberedAfterSeconds = 0.3
        settings.keepaliveSeconds = 0.1
        settings.firstReconnectDelaySeconds = 0.05
        let client = SeedLinkClient(
            address: try SeedLinkAddress(parsing: "seedlink://127.0.0.1:\(server.port)?streams=XX_S000"), settings: settings, resumeFrom: ["XX_S000": 0x70_0000]
        )
        let got = SeedLinkCollector()
        client.start(onRecord: got.add, onEnd: got.end, log: got.note)
        #expect(got.wait { got.received.count >= frames.count }, "\(got.log)")
        let stats = client.statistics
        client.stop()
        let asked = server.commands.map { $0.filter { $0.hasPrefix("DATA") } }
        #expect(asked.prefix(4) == [["DATA 700001"], ["DATA"], ["DATA 700001"], ["DATA"]], "\(asked)")
        #expect(stats.renumberings == 2 && got.received.count == frames.count)
    }

    /// A server that offers 4.0 and then refuses SLPROTO 4.0 is spoken to in 3.1.
    @Test func aRefusedSLPROTOFallsBackTo31() throws {
        let folder = try scratch()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let frames = try LocalSeedLinkServer.frames(of: seedLinkTestSegments(stations: 1, seconds: 10), scratch: folder)
        let server = try LocalSeedLinkServer(frames: frames, versions: [.v3, .v4], refusesSLPROTO: true)
        defer { server.shutdown() }
        let client = SeedLinkClient(address: try SeedLinkAddress(parsing: "seedlink://127.0.0.1:\(server.port)?streams=XX_S000&fetch"))
        let got = SeedLinkCollector()
        client.start(onRecord: got.add, onEnd: got.end, log: got.note)
        #expect(got.wait { got.end != nil })
        client.stop()
        #expect(got.received.count == frames.count && client.sessionVersion == .v3)
        #expect(server.commands[0].contains("SLPROTO 4.0") && server.commands[0].contains("STATION S000 XX"), "\(server.commands)")
        #expect(got.log.contains { $0.contains("SLPROTO 4.0 answered") && $0.contains("speaking 3.1") })
    }

    @Test func everyStationRefusedEndsWithTheReasons() throws {
        let folder = try scratch()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let server = try LocalSeedLinkServer(frames: try LocalSeedLinkServer.frames(of: seedLinkTestSegments(stations: 1, seconds: 5), scratch: folder))
        defer { server.shutdown() }
        let client = SeedLinkClient(address: try SeedLinkAddress(parsing: "seedlink://127.0.0.1:\(server.port)?streams=YY_A,YY_B"))
        let got = SeedLinkCollector()
        client.start(onRecord: got.add, onEnd: got.end, log: got.note)
        #expect(got.wait { got.end != nil })
        client.stop()
        guard case .some(.some(.everyStationRefused(_, let reasons))) = got.end else { Issue.record("ended with \(String(describing: got.end))"); return }
        #expect(reasons.count == 2)
    }

    @Test func noServerGivesUpAfterTheAttemptsAllowed() throws {
        // A port that was free a moment ago: nothing listens on it.
        let probe = try LocalSeedLinkServer(frames: [])
        let port = probe.port
        probe.shutdown()
        var settings = SeedLinkSettings()
        settings.maximumAttempts = 3
        settings.firstReconnectDelaySeconds = 0.05
        let client = SeedLinkClient(address: try SeedLinkAddress(parsing: "seedlink://127.0.0.1:\(port)?streams=XX_S000"), settings: settings)
        let got = SeedLinkCollector()
        client.start(onRecord: got.add, onEnd: got.end, log: got.note)
        #expect(got.wait { got.end != nil })
        client.stop()
        guard case .some(.some(.unreachable(_, let attempts, let reason))) = got.end else { Issue.record("ended with \(String(describing: got.end))"); return }
        #expect(attempts == 3 && reason.contains("cannot connect"))
        #expect(got.log.filter { $0.contains("reconnecting in") }.count == 2)
    }

    @Test func aServerThatIsNotSeedLinkIsRefused() throws {
        let folder = try scratch()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let http = try LocalHTTPServer(root: folder)
        defer { http.shutdown() }
        var settings = SeedLinkSettings()
        settings.maximumAttempts = 1
        settings.responseTimeoutSeconds = 2
        let client = SeedLinkClient(address: try SeedLinkAddress(parsing: "seedlink://127.0.0.1:\(http.port)?streams=XX_S000"), settings: settings)
        let got = SeedLinkCollector()
        client.start(onRecord: got.add, onEnd: got.end, log: got.note)
        #expect(got.wait { got.end != nil })
        client.stop()
        guard case .some(.some(.unreachable(_, _, let reason))) = got.end else { Issue.record("ended with \(String(describing: got.end))"); return }
        #expect(reason.contains("not a SeedLink server") || reason.contains("closed") || reason.contains("no answer"), "\(reason)")
    }

    @Test func infoStreamsListsWhatTheServerHolds() throws {
        let folder = try scratch()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // Enough stations that the document spans several INFO frames.
        let server = try LocalSeedLinkServer(frames: try LocalSeedLinkServer.frames(of: seedLinkTestSegments(stations: 12, seconds: 2), scratch: folder))
        defer { server.shutdown() }
        let streams = try SeedLinkClient.streams(host: "127.0.0.1", port: server.port)
        #expect(streams.count == 36)
        #expect(streams.first?.seedID == "XX.S000.00.HNE" && streams.first?.type == "D")
        #expect(streams.map(\.seedID) == streams.map(\.seedID).sorted())
    }
}
