// A monitor session as the command runs it: sources parsed from their text, a replayed record
// pumped to its end with every packet accounted for, a stop request honoured.

import Foundation
import SeismicIO
import SeismicNN
import SeismicTorch
import TestSupport
import Testing

@Suite struct MonitorSessionTests {
    @Test func sourcesParseAndAnythingElseIsRefusedWithTheForms() throws {
        #expect(try StreamSource(parsing: "stdin") == .stdin)
        #expect(try StreamSource(parsing: "replay:/data/ST01.HLZ.sac") == .replay(path: "/data/ST01.HLZ.sac"))
        #expect(try StreamSource(parsing: "udp://:8888") == .udp(host: "127.0.0.1", port: 8888))
        #expect(try StreamSource(parsing: "udp://10.0.0.7:0") == .udp(host: "10.0.0.7", port: 0))
        #expect(StreamSource.udp(host: "127.0.0.1", port: 8888).description == "udp://127.0.0.1:8888")
        for bad in ["", "STDIN", "replay:", "file.sac", "udp://host", "udp://1.2.3.4:65536", "udp://1.2.3.4:-1", "udp://a:b:1"] {
            #expect(throws: StreamSourceError.self, "\(bad)") { try StreamSource(parsing: bad) }
        }
        #expect(StreamSourceError.badSource("file.sac").description.contains("udp://HOST:PORT, stdin or replay:FILE (SAC or miniSEED)"))
    }

    /// A 60 s record at 100 Hz replayed as fast as possible: windows of 2 s every second end at
    /// 2 … 60 s (59 lines, 1 s apart), every packet the replay sent reached the runner, and the
    /// summary says so.
    @Test func aReplayedRecordIsClassifiedToItsEndWithEveryPacketAccounted() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("session-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var rng = SeededGenerator(seed: 21)
        let record = SyntheticRecord.generate(event: true, durationSeconds: 60, magnitude: 4.5, distanceRangeKm: 10...20, using: &rng)
        try record.writeSAC(folder: folder, name: "ST01.event", station: "ST01")
        let card = ModelCard.earthquakePretraining()
        var settings = MonitorSettings()
        settings.replaySpeed = 0
        let notes = Locked<[String]>([])
        let session = try MonitorSession(
            model: ConvNet(card.architecture, seed: 0), card: card,
            source: .replay(path: folder + "/ST01.event.HLZ.sac"), settings: settings,
            trigger: nil, log: { note in notes.withLock { $0.append(note) } })
        var lines: [MonitorLine] = []
        try session.run(stop: { false }) { lines.append($0) }
        // writeSAC's default origin time, and the record's begin (B, a SAC float) before it.
        let t0 = 1_577_836_800.0 + Double(Float(-record.originSeconds))
        #expect(lines.count == 59)
        #expect(zip(lines, lines.dropFirst()).allSatisfy { abs($1.endTime - $0.endTime - 1) < 1e-6 })
        #expect(abs((lines.last?.endTime ?? 0) - (t0 + 60 - 0.01)) < 1e-6)
        // 0.25 s packets: 240 per component.
        #expect(session.queue.accepted == 240 * 3 && session.queue.dropped == 0)
        // A replay receives no lines or datagrams: the summary starts with the windows.
        #expect(session.queue.received == 0 && session.summary.hasPrefix("59 windows classified"))
        #expect(notes.current.contains { $0.contains("samples in gal (SAC header") })
        // Times are window centres (first sample + 1 s); the station is the header's.
        #expect(lines.allSatisfy { abs($0.time - ($0.endTime - 0.99)) < 1e-6 && $0.traceID == "SY.ST01." && $0.instrumentID == "SY.ST01..HL" })
    }

    /// A real accelerogram in counts (PhaseNet fixture CI.MLAC, MIT) written as miniSEED with a
    /// broadband instrument beside it, named CI.PASC to use the fixture inventory: the replay
    /// needs --channels to choose, converts counts through the inventory's sensitivity of each
    /// channel, and its lines name the station and instrument; without units it is refused.
    @Test func aMiniSEEDRecordInCountsIsReplayedThroughTheInventory() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("session-mseed-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let r = try RealRecord.load("CI_MLAC_2017042709015422")
        let path = folder + "/pasc.mseed"
        var segments: [TraceSegment] = []
        for (c, code) in r.channels.enumerated() {
            for band in ["HN", "HH"] {
                segments.append(
                    TraceSegment(
                        id: SEEDIdentifier(network: "CI", station: "PASC", location: "", channel: band + code.suffix(1)), startTime: r.startTime,
                        samplingRateHz: 100, samples: r.samples[c]))
            }
        }
        try MiniSEED.write(segments, to: path, encoding: .float32)
        let card = ModelCard.earthquakePretraining()
        var settings = MonitorSettings()
        settings.replaySpeed = 0
        settings.inventory = try Inventory.read(Fixtures.path("stationxml/inventory.xml"))
        func session(_ settings: MonitorSettings) throws -> MonitorSession {
            try MonitorSession(
                model: ConvNet(card.architecture, seed: 0), card: card, source: .replay(path: path), settings: settings, trigger: nil, log: { _ in })
        }
        settings.instrument = "HH"  // a seismometer: the inventory gives M/S, not acceleration
        #expect(throws: RecordUnitError.notAcceleration(path: path, channel: "CI.PASC..HHE", units: "M/S")) { try session(settings) }
        settings.instrument = nil  // the one accelerometer, as --help says
        let monitor = try session(settings)
        var lines: [MonitorLine] = []
        try monitor.run(stop: { false }) { lines.append($0) }
        #expect(lines.count == 89)  // windows ending at 2 … 90 s
        #expect(lines.allSatisfy { $0.traceID == "CI.PASC." && $0.instrumentID == "CI.PASC..HN" })
        #expect(abs(lines[0].time - (r.startTime + 1)) < 1e-6)
        // The record's peak in m/s² is its peak in counts ÷ 213,909 (the 2017 epoch's sensitivity):
        // the monitor's PGA (after the record chain) lies near it.
        var peakCounts = 0.0
        for k in r.samples[0].indices {
            let e = r.samples[0][k], n = r.samples[1][k], z = r.samples[2][k]
            peakCounts = max(peakCounts, (e * e + n * n + z * z).squareRoot())
        }
        let peakGal = peakCounts / 213909 * 100
        let reported = try #require(lines.map(\.pgaGal).max())
        #expect(reported <= peakGal * 1.05 && reported >= peakGal * 0.3, "reported \(reported) gal, record peak \(peakGal) gal")
        settings.inventory = nil
        #expect(throws: AccelerationUnitError.self) { try session(settings) }
        // A model that takes counts (earthquake-real) would read the record as it is, but PGA and
        // triggers are in gal: the refusal says so.
        let (counts, countsCard) = try Checkpoint.load(from: "earthquake-real")
        #expect(countsCard.units == .counts)
        #expect(throws: AccelerationUnitError.missingForPGA(source: path)) {
            try MonitorSession(model: counts, card: countsCard, source: .replay(path: path), settings: settings, trigger: nil, log: { _ in })
        }
        // A file of another format is refused by what it looks like.
        let inventoryPath = Fixtures.path("stationxml/inventory.xml")
        #expect(throws: MonitorError.replayFormat(path: inventoryPath, format: .stationXML)) {
            try StreamSources.replayedRecord(inventoryPath, componentOrder: card.componentOrder, windowSeconds: 2, instrument: nil, units: UnitOptions())
        }
        // Two instruments, neither an accelerometer: the user must choose.
        let velocity = folder + "/velocity.mseed"
        try MiniSEED.write(
            segments.map { s in
                var v = s
                v.id.channel = (s.id.channel.hasPrefix("HN") ? "EH" : "HH") + s.id.channel.suffix(1)
                return v
            }, to: velocity, encoding: .float32)
        settings.units = .mps2
        #expect(throws: MonitorError.replayInstruments(path: velocity, found: ["CI.PASC..EH", "CI.PASC..HH"], skipped: [], wanted: nil)) {
            try MonitorSession(
                model: ConvNet(card.architecture, seed: 0), card: card, source: .replay(path: velocity), settings: settings, trigger: nil, log: { _ in })
        }
    }

    /// Options a source cannot honour are refused, not ignored: a rate other than a replayed
    /// record's, an instrument for stdin lines (which carry no channel codes).
    @Test func optionsTheSourceCannotHonourAreRefused() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("session-opts-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var rng = SeededGenerator(seed: 22)
        try SyntheticRecord.generate(event: false, durationSeconds: 10, using: &rng).writeSAC(folder: folder, name: "n", station: "ST01")
        let card = ModelCard.earthquakePretraining()
        var settings = MonitorSettings()
        settings.samplingRateHz = 50
        settings.replaySpeed = 0
        let path = folder + "/n.HLZ.sac"
        #expect(throws: MonitorError.rateDiffersFromRecord(path: path, given: 50, record: 100)) {
            try MonitorSession(
                model: ConvNet(card.architecture, seed: 0), card: card, source: .replay(path: path), settings: settings,
                trigger: nil, log: { _ in })
        }
        settings.samplingRateHz = nil
        settings.replaySpeed = nil
        settings.instrument = "EH"
        #expect(throws: MonitorError.notAnAccelerometer(instrument: "EH")) {
            try MonitorSession(
                model: ConvNet(card.architecture, seed: 0), card: card, source: .udp(host: "127.0.0.1", port: 0), settings: settings,
                trigger: nil, log: { _ in })
        }
        settings.instrument = "EN"
        #expect(throws: MonitorError.instrumentWithoutChannels(instrument: "EN")) {
            try MonitorSession(
                model: ConvNet(card.architecture, seed: 0), card: card, source: .stdin, settings: settings,
                trigger: nil, log: { _ in })
        }
        // --gain converts UDP counts only; --speed paces a replay only.
        settings.instrument = nil
        settings.gain = 0.01
        for (source, reason) in [
            (StreamSource.stdin, "it converts UDP counts; stdin lines are in --units"),
            (.replay(path: path), "it converts UDP counts; a replayed record is converted by its header's units, --inventory, --units or --sensitivity")
        ] {
            #expect(throws: MonitorError.optionNotForSource(option: "--gain", source: source.description, reason: reason)) {
                try MonitorSession(
                    model: ConvNet(card.architecture, seed: 0), card: card, source: source, settings: settings,
                    trigger: nil, log: { _ in })
            }
        }
        settings.gain = nil
        settings.replaySpeed = 2
        for source in [StreamSource.stdin, .udp(host: "127.0.0.1", port: 0)] {
            #expect(
                throws: MonitorError.optionNotForSource(
                    option: "--speed", source: source.description,
                    reason: "it paces a replay; a live stream comes at its own pace")
            ) {
                try MonitorSession(
                    model: ConvNet(card.architecture, seed: 0), card: card, source: source, settings: settings,
                    trigger: nil, log: { _ in })
            }
        }
    }

    /// A stream that pauses: 5 s of packets, then nothing. Windows of 2 s every second end at 2, 3,
    /// 4 and 5 s; the last waits for stragglers (0.3 s of stream time that never comes) until
    /// the session has seen `pauseSeconds` without a packet, and is then printed while the session
    /// still runs, not at its end. (Wall-clock time only bounds how long the test may take.)
    @Test func theLastWindowBeforeAPauseIsClassifiedWhileTheStreamIsPaused() throws {
        let card = ModelCard.earthquakePretraining()
        var settings = MonitorSettings()
        settings.gain = 1
        settings.samplingRateHz = 100
        let session = try MonitorSession(
            model: ConvNet(card.architecture, seed: 0), card: card, source: .udp(host: "127.0.0.1", port: 0),
            settings: settings, trigger: nil, log: { _ in })
        var rng = SeededGenerator(seed: 23)
        let t0 = 1_700_000_000.0
        for start in stride(from: 0, to: 500, by: 25) {
            for code in ["ENE", "ENN", "ENZ"] {
                session.queue.push(
                    StreamPacket(
                        channel: code, time: t0 + Double(start) / 100,
                        samples: (0..<25).map { _ in Double(rng.nextUnitFloat() - 0.5) * 1e-3 }))
            }
        }
        var lines: [MonitorLine] = [], stopped = false, whileRunning = 0
        let deadline = Date().addingTimeInterval(60)
        try session.run(stop: {
            stopped = lines.count >= 4 || Date() > deadline
            return stopped
        }) { line in
            lines.append(line)
            if !stopped { whileRunning += 1 }
        }
        #expect(lines.map { $0.endTime - t0 }.map { ($0 * 100).rounded() } == [199, 299, 399, 499])
        #expect(whileRunning == 4)
    }

    /// A stop request ends the session before any packet is taken: no line, and the summary
    /// still accounts (nothing classified).
    @Test func aStopRequestEndsTheSession() throws {
        let card = ModelCard.earthquakePretraining()
        var settings = MonitorSettings()
        settings.units = .gal
        let session = try MonitorSession(
            model: ConvNet(card.architecture, seed: 0), card: card, source: .udp(host: "127.0.0.1", port: 0),
            settings: MonitorSettings(), trigger: nil, log: { _ in })
        var lines = 0
        try session.run(stop: { true }) { _ in lines += 1 }
        #expect(lines == 0 && session.summary.hasPrefix("0 windows classified"))
        #expect(session.inputProblem == nil)  // a UDP stream may legitimately send nothing
        // Units UDP counts cannot have are refused before the port is opened.
        let notes = Locked<[String]>([])
        #expect(throws: AccelerationUnitError.notForUDP(given: "gal")) {
            try MonitorSession(
                model: ConvNet(card.architecture, seed: 0), card: card, source: .udp(host: "127.0.0.1", port: 0),
                settings: settings, trigger: nil, log: { note in notes.withLock { $0.append(note) } })
        }
        #expect(notes.current.isEmpty, "\(notes.current)")
    }

    /// Standard input with no usable line — empty, or only refused lines — is a problem the session
    /// reports after its summary (the command then fails); one good line is not.
    @Test(arguments: [("", 0, 0), ("1;2;3;4\n# note\n1,2\n", 3, 2), ("1700000000,0.1,0.2,0.3\n", 1, 0)])
    func standardInputWithNoUsableLineIsReported(text: String, lines: Int, refused: Int) throws {
        let card = ModelCard.earthquakePretraining()
        var settings = MonitorSettings()
        settings.units = .gal
        let pipe = Pipe()
        let session = try MonitorSession(
            model: ConvNet(card.architecture, seed: 0), card: card, source: .stdin, settings: settings,
            trigger: nil, standardInput: pipe.fileHandleForReading, log: { _ in })
        try pipe.fileHandleForWriting.write(contentsOf: Data(text.utf8))
        try pipe.fileHandleForWriting.close()
        try session.run(stop: { false }) { _ in }
        if text.hasPrefix("17") {
            #expect(session.inputProblem == nil)
        } else {
            #expect(session.inputProblem == .nothingReadable(lines: lines, refused: refused))
        }
        #expect(MonitorError.nothingReadable(lines: 0, refused: 0).description == "standard input was empty: no line to monitor")
    }
}
