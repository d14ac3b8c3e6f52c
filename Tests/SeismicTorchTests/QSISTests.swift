// QSIS preparation on synthetic SAC triples written like the reference's station folders.

import Foundation
import SeismicIO
import SeismicNN
import SeismicSignal
import SeismicTorch
import TestSupport
import Testing

private func makeFolder(events: Int, noise: Int, shortRecords: Int, seed: UInt64) throws -> (String, [SyntheticRecord]) {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("qsis-\(UUID())").path
    try FileManager.default.createDirectory(atPath: folder + "/ST01", withIntermediateDirectories: true)
    var rng = SeededGenerator(seed: seed)
    var records: [SyntheticRecord] = []
    for i in 0..<(events + noise + shortRecords) {
        let r = SyntheticRecord.generate(event: i < events || i >= events + noise, durationSeconds: i >= events + noise ? 300 : 480, using: &rng)
        try r.writeSAC(folder: folder + "/ST01", name: String(format: "R%03d", i), station: "ST01")
        records.append(r)
    }
    return (folder, records)
}

@Suite struct QSISTests {
    @Test func eventRecordsGivePAndSWindowsNearTheArrivals() throws {
        let (folder, records) = try makeFolder(events: 6, noise: 0, shortRecords: 1, seed: 4)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for method in ArrivalMethod.allCases {
            var settings = QSISSettings()
            settings.arrivals = method
            settings.minimumPGAGal = 0
            let (data, summary) = QSIS.prepare(folder: folder, event: true, settings: settings)
            #expect(summary.recordsRead == 7)
            #expect(summary.skipped["shorter than the minimum length (--min-samples)"] == 1, "\(method): \(summary.skipped)")
            #expect(summary.windowsPerClass[0] == 6 && summary.windowsPerClass[1] == 6, "\(method): \(summary.windowsPerClass) \(summary.skipped)")
            #expect(data.itemShape == [80, 3] && data.metadata.samplingRateHz == 40)
            // Each P window starts within 12 s + 1 s of the synthetic P onset (peak search, ±0.8 s shift).
            for (k, prov) in data.provenance.enumerated() where data.labels[k] == 0 {
                let index = Int(prov.source.split(separator: "R").last!.prefix(3))!
                let start = prov.startTime - (1_577_836_800 - records[index].originSeconds)
                let p = records[index].pArrivalSeconds!
                if method != .reference {
                    #expect(start >= p - 2 && start <= p + 13, "\(method): P window at \(start) s, onset \(p) s")
                }
            }
        }
    }

    @Test func peakAccelerationFilterDropsWeakRecords() throws {
        let (folder, records) = try makeFolder(events: 8, noise: 0, shortRecords: 0, seed: 9)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // PGA as the reference computes it: composite of the gal records after × 0.01, × 100.
        let strong = records.filter { ($0.waveform.compositeAmplitude.max() ?? 0) * 100 >= 2.0 }.count
        var settings = QSISSettings()
        settings.arrivals = .header
        let (_, summary) = QSIS.prepare(folder: folder, event: true, settings: settings)
        #expect(summary.skipped["peak acceleration below the threshold", default: 0] == 8 - strong)
    }

    @Test func noiseRecordsGiveTriggeredAndRandomWindows() throws {
        let (folder, _) = try makeFolder(events: 0, noise: 4, shortRecords: 0, seed: 2)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var settings = QSISSettings()
        settings.windowsPerNoiseRecord = 3
        let (data, summary) = QSIS.prepare(folder: folder, event: false, settings: settings)
        #expect(summary.windowsPerClass == [0, 0, 12])
        #expect(data.labels.allSatisfy { $0 == 2 })
        #expect(data.provenance.filter { $0.method == "noise:random" }.count >= 8)
        let again = QSIS.prepare(folder: folder, event: false, settings: settings).0
        #expect(again.values == data.values)
    }
}

extension QSISTests {
    /// Records with standard headers — the reference time at the first sample (B = 0) and the
    /// origin in O — give P windows at the P onset under `--arrivals model` (before O was read, they
    /// landed the origin offset later: the synthetic origins lie 5 to 96 s into the 480 s records,
    /// beyond the −2…+13 s the check allows, so reading O wrongly fails it); a record without O
    /// is skipped with that reason, never given windows from a guessed origin.
    @Test func modelArrivalsFollowTheOriginInHeaderO() throws {
        let (folder, records) = try makeFolder(events: 4, noise: 0, shortRecords: 0, seed: 21)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let files = try FileManager.default.contentsOfDirectory(atPath: folder + "/ST01").filter { $0.hasSuffix(".sac") }.sorted()
        for name in files {
            let path = folder + "/ST01/" + name
            var t = try SACTrace(contentsOf: path)
            let first = try #require(t.header.startTime)
            let b = Double(try #require(t.header.b))
            t.header.setReferenceTime(first)
            t.header.b = 0
            t.header.e = t.header.e.map { $0 - Float(b) }
            t.header.origin = name.hasPrefix("R003") ? nil : Float(-b)  // R003 loses its origin
            t.header.firstArrival = t.header.firstArrival.map { $0 - Float(b) }
            t.header.setUserPick(1, t.header.userPick(1).map { $0 - Float(b) })
            try t.write(to: path)
        }
        var settings = QSISSettings()
        settings.minimumPGAGal = 0
        let (data, summary) = QSIS.prepare(folder: folder, event: true, settings: settings)
        #expect(summary.skipped["header lacks O (origin time)"] == 1, "\(summary.skipped)")
        // Every record with O gives a P window, unless its S follows P within the cutter's 1 s guard.
        let withPWindow = records.indices.filter { $0 != 3 && records[$0].sArrivalSeconds! - records[$0].pArrivalSeconds! > 1 }.count
        #expect(summary.windowsPerClass[0] == withPWindow, "\(summary.windowsPerClass) \(summary.skipped)")
        for (k, prov) in data.provenance.enumerated() where data.labels[k] == 0 {
            let index = Int(prov.source.split(separator: "R").last!.prefix(3))!
            let start = prov.startTime - (1_577_836_800 - records[index].originSeconds)  // seconds after the first sample
            let p = records[index].pArrivalSeconds!
            #expect(start >= p - 2 && start <= p + 13, "P window at \(start) s, onset \(p) s")
        }
    }
}

extension QSISTests {
    /// Preparation finds records by content and channel code — any band and instrument (BH?,
    /// HH1/HH2/HHZ), not only the reference's HLX names — and counts what it skips by what it is.
    /// Units are the record's: stated ones are converted; unstated ones take `unitsWhenUnstated`
    /// or are skipped (never guessed); a counts dataset has no PGA filter.
    @Test func recordsOfAnyChannelCodeAndTheirUnits() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("qsis-units-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder + "/ST01", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var rng = SeededGenerator(seed: 8)
        for (i, codes) in [["BHE", "BHN", "BHZ"], ["HH1", "HH2", "HHZ"], ["HLX", "HLY", "HLZ"]].enumerated() {
            var r = SyntheticRecord.generate(event: true, durationSeconds: 480, using: &rng)
            r.waveform.componentCodes = codes
            try r.writeSAC(folder: folder + "/ST01", name: "R00\(i)", station: "ST01")
        }
        try MiniSEED.write(
            [
                TraceSegment(
                    id: SEEDIdentifier(network: "XX", station: "A", location: "", channel: "HHZ"), startTime: 0, samplingRateHz: 100, samples: [1, 2, 3])
            ],
            to: folder + "/ST01/day.mseed")
        try Data("notes".utf8).write(to: URL(fileURLWithPath: folder + "/ST01/README.txt"))
        #expect(QSIS.recordFiles(in: folder).count == 4)  // three SAC triples and the miniSEED file

        var settings = QSISSettings()
        settings.minimumPGAGal = 0
        let (stated, summary) = QSIS.prepare(folder: folder, event: true, settings: settings)
        #expect(summary.recordsRead == 4 && summary.windowsPerClass[0] == 3, "\(summary.skipped)")
        // The miniSEED file holds one channel of three samples: no record, said why.
        #expect(summary.skipped["miniSEED instrument lacking a component or aligned spans"] == 1, "\(summary.skipped)")
        #expect(summary.skipped.keys.contains { $0.contains("looks like text") })
        #expect(stated.metadata.units == .metersPerSecondSquared)

        // The same records without stated units: skipped, unless --units says gal (the same windows).
        for name in try FileManager.default.contentsOfDirectory(atPath: folder + "/ST01") where name.hasSuffix(".sac") {
            var t = try SACTrace(contentsOf: folder + "/ST01/" + name)
            t.header.setDependentVariable(nil)
            t.header.setUnitWord(nil)
            try t.write(to: folder + "/ST01/" + name)
        }
        let (_, unstated) = QSIS.prepare(folder: folder, event: true, settings: settings)
        #expect(unstated.skipped["units not stated (give --units)"] == 3 && unstated.windowsPerClass == [0, 0, 0])
        settings.unitsWhenUnstated = .acceleration(.gal)
        let (given, _) = QSIS.prepare(folder: folder, event: true, settings: settings)
        #expect(given.values == stated.values && given.labels == stated.labels)
        // Counts: the samples as recorded (gal numbers here), the dataset in counts, no PGA filter.
        settings.unitsWhenUnstated = .counts
        settings.minimumPGAGal = 1e9
        let (counts, countsSummary) = QSIS.prepare(folder: folder, event: true, settings: settings)
        #expect(counts.metadata.units == .counts && countsSummary.windowsPerClass[0] == 3, "\(countsSummary.skipped)")
    }
}

extension QSISTests {
    /// Real records in counts (PhaseNet fixture, MIT) as miniSEED: a file of three channels, SDS
    /// day files of one record (read once, with their siblings), and a file with a seismometer and
    /// an accelerometer (two records). Noise and folder preparation take them in --units, giving
    /// the windows the same samples give as a SAC triple; event preparation skips them (no picks),
    /// and without --units they are skipped as units not stated.
    @Test func miniSEEDRecordsArePrepared() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("qsis-mseed-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        for sub in ["one", "sac", "many/2017/CI/MLAC/HNE.D", "many/2017/CI/MLAC/HNN.D", "many/2017/CI/MLAC/HNZ.D"] {
            try FileManager.default.createDirectory(atPath: "\(root)/\(sub)", withIntermediateDirectories: true)
        }
        let r = try RealRecord.load("BK_BRIB_2008092115164635")
        try MiniSEED.write(r.segments(), to: root + "/one/brib.mseed", encoding: .float32)
        for (c, code) in r.channels.enumerated() {
            var t = SACTrace(samples: r.samples[c].map(Float.init), delta: 0.01)
            t.header.setReferenceTime(r.startTime)
            t.header.network = "BK"
            t.header.station = "BRIB"
            t.header.channelCode = code
            try t.write(to: "\(root)/sac/BK.BRIB..\(code).sac")
        }
        var settings = QSISSettings()
        settings.minimumSamples = 9000
        settings.windowsPerNoiseRecord = 3
        settings.unitsWhenUnstated = .counts
        let (fromMiniSEED, summary) = QSIS.prepare(folder: root + "/one", event: false, settings: settings)
        let (fromSAC, _) = QSIS.prepare(folder: root + "/sac", event: false, settings: settings)
        #expect(summary.recordsRead == 1 && fromMiniSEED.count == 3, "\(summary.skipped)")
        #expect(fromMiniSEED.values == fromSAC.values && fromMiniSEED.provenance.map(\.station) == ["BRIB", "BRIB", "BRIB"])

        let mlac = try RealRecord.load("CI_MLAC_2017042709015422")
        let day = 117  // 2017-04-27
        for segment in mlac.segments() {
            try MiniSEED.write(
                [segment], to: "\(root)/many/2017/CI/MLAC/\(segment.id.channel).D/CI.MLAC..\(segment.id.channel).D.2017.\(day)", encoding: .float32)
        }
        try MiniSEED.write(r.segments() + r.segments(rename: { "HN" + $0.suffix(1) }), to: root + "/many/brib-two.mseed", encoding: .float32)
        let (many, manySummary) = QSIS.prepare(folder: root + "/many", event: false, settings: settings)
        #expect(manySummary.recordsRead == 3 && many.count == 9, "\(manySummary.skipped)")  // MLAC once, BRIB HH and HN
        let (events, eventSummary) = QSIS.prepare(folder: root + "/many", event: true, settings: settings)
        #expect(events.count == 0 && eventSummary.skipped[QSIS.PrepSkip.noPicks.description] == 3)
        settings.unitsWhenUnstated = nil
        let (_, unstated) = QSIS.prepare(folder: root + "/many", event: false, settings: settings)
        #expect(unstated.skipped["units not stated (give --units)"] == 3)
        // An acceleration unit for a seismometer's counts (BRIB's HH) is refused; its HN and MLAC's HN are taken.
        settings.unitsWhenUnstated = .acceleration(.mps2)
        let (accelerations, accelerationSummary) = QSIS.prepare(folder: root + "/many", event: false, settings: settings)
        #expect(accelerations.count == 6 && accelerationSummary.skipped["units that do not fit the dataset's"] == 1, "\(accelerationSummary.skipped)")
    }

    /// A FIFO in a scanned folder is skipped without being opened (opening one waits for a writer
    /// for ever): preparation's and classify's folder scans both finish and say what it is.
    @Test func fifosInScannedFoldersAreNeverOpened() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("qsis-fifo-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(mkfifo(folder + "/ST01.HLZ.sac", 0o600) == 0)
        let scan = QSIS.recordScan(in: folder)
        #expect(scan.files.isEmpty && scan.skipped.count == 1 && scan.skipped[0].reason.contains("FIFO"))
        let records = RecordFolder.scan(folder)
        #expect(records.inputs.isEmpty && records.skipped.count == 1 && records.skipped[0].reason.contains("FIFO"))
        #expect(FileFormat.detect(path: folder + "/ST01.HLZ.sac") == .notRegularFile)
    }
}

extension QSISTests {
    /// A record whose S follows P by less than the 1 s guard has no P window, and the summary says
    /// why (not "outside the record").
    @Test func aCloseEventSaysWhyItHasNoPWindow() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("qsis-close-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder + "/ST01", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var seed: UInt64 = 0
        var close: SyntheticRecord?
        while close == nil, seed < 200 {
            var rng = SeededGenerator(seed: seed)
            let r = SyntheticRecord.generate(event: true, durationSeconds: 480, magnitude: 4, distanceRangeKm: 1...3, using: &rng)
            if r.sArrivalSeconds! - r.pArrivalSeconds! < 0.8 { close = r }
            seed += 1
        }
        let record = try #require(close)
        try record.writeSAC(folder: folder + "/ST01", name: "close", station: "ST01")
        let (_, summary) = QSIS.prepare(folder: folder, event: true, settings: QSISSettings())
        #expect(summary.skipped["no P window: S − P shorter than the 1 s guard before S"] == 1, "\(summary.skipped)")
        #expect(summary.skipped.keys.allSatisfy { !$0.contains("P window outside") })
    }
}
