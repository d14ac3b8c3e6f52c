// Classify on real records (Tests/Fixtures/real/phasenet, MIT) written as miniSEED the ways data
// centres and archives hold them: one file with three channels, an SDS day file per channel,
// Z/1/2 orientations, a gap; and the same samples as SAC giving the same answers.

import Foundation
import SeismicIO
import SeismicNN
import SeismicTorch
import TestSupport
import Testing

/// A real record of a fixture set: [samples, 3] counts at 100 Hz, columns in `channels` order
/// (real/phasenet: the whole 90 s; real/phasenet-picks: 45 s from sample `firstSample`).
struct RealRecord {
    var name: String
    var channels: [String]
    var samples: [[Double]]
    var pickP: Int
    var pickS: Int
    var firstSample = 0

    /// "BK_BRIB_2008092115164635" → network BK, station BRIB, start 2008-09-21T15:16:46.35Z (the
    /// file name's nominal time, as the fixture's README says).
    var network: String { String(name.split(separator: "_")[0]) }
    var station: String { String(name.split(separator: "_")[1]) }
    var startTime: Double {
        let t = Array(name.split(separator: "_")[2])
        var parts = tm()
        parts.tm_year = Int32(String(t[0..<4]))! - 1900
        parts.tm_mon = Int32(String(t[4..<6]))! - 1
        parts.tm_mday = Int32(String(t[6..<8]))!
        parts.tm_hour = Int32(String(t[8..<10]))!
        parts.tm_min = Int32(String(t[10..<12]))!
        parts.tm_sec = Int32(String(t[12..<14]))!
        return Double(timegm(&parts)) + Double(String(t[14..<16]))! / 100 + Double(firstSample) / 100
    }

    /// The names in `set`'s records.csv.
    static func names(set: String = "phasenet") throws -> [String] {
        try String(contentsOfFile: Fixtures.path("real/\(set)/records.csv"), encoding: .utf8).split(whereSeparator: \.isNewline).dropFirst().map {
            String($0.split(separator: ",")[0])
        }
    }

    static func load(_ name: String, set: String = "phasenet") throws -> RealRecord {
        let table = try String(contentsOfFile: Fixtures.path("real/\(set)/records.csv"), encoding: .utf8)
        let row = try #require(table.split(whereSeparator: \.isNewline).map { $0.split(separator: ",").map(String.init) }.first { $0[0] == name })
        let a = try NPYArray(contentsOf: Fixtures.path("real/\(set)/\(name).npy"))
        let n = a.shape[0]
        let values = a.doubles
        let channels = row[3].split(separator: "_").map(String.init)
        return RealRecord(
            name: name, channels: channels, samples: (0..<3).map { c in (0..<n).map { values[$0 * 3 + c] } }, pickP: Int(row[1])!, pickS: Int(row[2])!,
            firstSample: row.count > 4 ? Int(row[4])! : 0)
    }

    /// Segments of the record's channels (a one-component record has one), renamed by `rename`.
    func segments(location: String = "", rename: (String) -> String = { $0 }) -> [TraceSegment] {
        channels.enumerated().map { c, code in
            TraceSegment(
                id: SEEDIdentifier(network: network, station: station, location: location, channel: rename(code)), startTime: startTime,
                samplingRateHz: 100, samples: samples[c])
        }
    }
}

private func temporaryFolder() throws -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mseed-classify-\(UUID())").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    return folder
}

@Suite struct MiniSEEDClassifyTests {
    private let card = ModelCard.earthquakePretraining()
    private var classifier: Classifier { Classifier(model: ConvNet(card.architecture, seed: 6), card: card) }

    private func outcomes(_ paths: [String]) -> [(String, Result<ClassifiedInput, Error>)] {
        var all: [(String, Result<ClassifiedInput, Error>)] = []
        guard let scan = try? Classifier.inputs(expanding: paths) else { return [] }
        classifier.classify(inputs: scan.inputs) { all.append(($0, $1)) }
        return all
    }

    /// One file holding HHE, HHN, HHZ of BK.BRIB: one record, its samples those of the fixture
    /// (float32 written exactly) in the model's E, N, Z order, its windows every 0.5 s over 90 s,
    /// named by file and instrument, starting at the record's UTC time.
    @Test func aThreeChannelFileIsOneRecord() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let r = try RealRecord.load("BK_BRIB_2008092115164635")
        let path = folder + "/brib.mseed"
        try MiniSEED.write(r.segments().reversed(), to: path, encoding: .float32)
        let all = outcomes([path])
        #expect(all.count == 1)
        let input = try all[0].1.get()
        #expect(input.instrumentID == "BK.BRIB..HH" && input.gaps.isEmpty)
        #expect(input.waveform?.componentCodes == ["HHE", "HHN", "HHZ"])
        #expect(input.waveform?.components == r.samples.map(plotted) && input.sampleCount == r.samples[0].count)
        #expect(input.classification.source == path && input.classification.instrumentID == "BK.BRIB..HH")
        #expect(abs(input.classification.startTime - r.startTime) < 1e-6)
        #expect(input.classification.predictions.count == Int((90.0 - 2) / 0.5) + 1)
    }

    /// The same samples as a SAC triple and as miniSEED give the same predictions.
    @Test func miniSEEDAndSACGiveTheSameAnswers() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let r = try RealRecord.load("CI_MLAC_2017042709015422")
        try MiniSEED.write(r.segments(), to: folder + "/mlac.mseed", encoding: .float32)
        for (c, code) in r.channels.enumerated() {
            var t = SACTrace(samples: r.samples[c].map(Float.init), delta: 0.01)
            t.header.setReferenceTime(r.startTime)
            t.header.channelCode = code
            try t.write(to: folder + "/CI.MLAC..\(code).sac")
        }
        let fromSAC = try outcomes([folder + "/CI.MLAC..HNZ.sac"])[0].1.get().classification
        let fromMiniSEED = try outcomes([folder + "/mlac.mseed"])[0].1.get().classification
        #expect(fromSAC.predictions == fromMiniSEED.predictions)
    }

    /// Writes the real record `name` into `folder` as float32 miniSEED of 512-byte records:
    /// whole.mseed; broken.mseed, whose record 20 (in the middle of the first channel) has its
    /// header overwritten; without.mseed, the file without that record. Returns the record's index.
    func writeWithACorruptRecord(_ name: String, in folder: String) throws -> Int {
        let r = try RealRecord.load(name)
        try MiniSEED.write(r.segments(), to: folder + "/whole.mseed", encoding: .float32, recordLength: 512)
        let whole = try Data(contentsOf: URL(fileURLWithPath: folder + "/whole.mseed"))
        let bad = 20
        var broken = whole
        broken.replaceSubrange((bad * 512)..<(bad * 512 + 48), with: [UInt8](repeating: 0x41, count: 48))
        try broken.write(to: URL(fileURLWithPath: folder + "/broken.mseed"))
        try (whole.prefix(bad * 512) + whole.suffix(from: (bad + 1) * 512)).write(to: URL(fileURLWithPath: folder + "/without.mseed"))
        return bad
    }

    /// A record whose header is overwritten in the middle of a file: the file is classified with
    /// that record's samples missing — the same records and predictions as the file without the
    /// record (its channel has a gap, which splits the instrument's record) — and the bytes skipped
    /// are one failure outcome naming the file, the byte range and the reason.
    @Test func corruptRecordsAreSkippedAndSaid() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let bad = try writeWithACorruptRecord("BK_BRIB_2008092115164635", in: folder)
        let got = outcomes([folder + "/broken.mseed"]).map(\.1)
        let expected = try outcomes([folder + "/without.mseed"]).map { try $0.1.get() }
        #expect(expected.count == 2 && got.count == 3)
        for (g, e) in zip(got, expected) {
            let input = try g.get()
            #expect(input.classification.predictions == e.classification.predictions && input.classification.startTime == e.classification.startTime)
            #expect(input.gaps == e.gaps)
        }
        #expect { try got.last?.get() } throws: { error in
            guard let skipped = error as? CorruptRecordsSkipped else { return false }
            return skipped.corrupt.map { [$0.path, "\($0.offset)", "\($0.length)"] } == [[folder + "/broken.mseed", "\(bad * 512)", "512"]]
                && "\(error)".contains("\(folder)/broken.mseed: bytes \(bad * 512)–\(bad * 512 + 511) skipped (512 bytes): ")
        }
    }

    /// A monitor replay skips a corrupt record as classify does: the spans are those of the file
    /// without the record (the gap is a gap to the monitor), and the notes name the bytes skipped.
    @Test func aReplaySkipsCorruptRecordsAndSaysSo() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let bad = try writeWithACorruptRecord("CI_MLAC_2017042709015422", in: folder)
        func replayed(_ name: String) throws -> StreamSources.ReplayedRecord {
            try StreamSources.replayedRecord(
                folder + "/" + name, componentOrder: card.componentOrder, windowSeconds: 2, instrument: nil,
                units: UnitOptions(units: .mps2, sensitivity: 1024))
        }
        let got = try replayed("broken.mseed")
        let expected = try replayed("without.mseed")
        #expect(got.spans.count == expected.spans.count && got.spans.count >= 2)
        #expect(zip(got.spans, expected.spans).allSatisfy { $0.components == $1.components && $0.startTime == $1.startTime })
        #expect(got.corrupt.map { [$0.offset, $0.length] } == [[bad * 512, 512]] && expected.corrupt.isEmpty)
        #expect(got.notes.contains { $0.hasPrefix("bytes \(bad * 512)–\(bad * 512 + 511) (512) skipped, their samples played as a gap: ") })
        #expect(!expected.notes.contains { $0.contains("skipped") })
        // The session plays the rest and reports the lost bytes as a failure at the end (exit status 1), as classify does.
        var settings = MonitorSettings()
        settings.replaySpeed = 0
        settings.units = .mps2
        settings.sensitivity = 1024
        let session = try MonitorSession(
            model: ConvNet(card.architecture, seed: 0), card: card, source: .replay(path: folder + "/broken.mseed"), settings: settings, trigger: nil,
            log: { _ in })
        var lines = 0
        try session.run(stop: { false }) { _ in lines += 1 }
        #expect(lines > 0 && session.inputProblem == .corruptRecordsSkipped(path: folder + "/broken.mseed", runs: 1, bytes: 512))
    }

    /// An SDS archive's day files, one channel each (NET.STA.LOC.CHA.D.YEAR.DAY): naming one finds
    /// its siblings; Z/1/2 channels feed N from 1 and E from 2 (the orientation rule).
    @Test func sdsDayFilesAndZ12Channels() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let r = try RealRecord.load("BK_SAO_2016111609193067")
        let renamed = r.segments(location: "00") { $0.replacingOccurrences(of: "E", with: "2").replacingOccurrences(of: "N", with: "1") }
        for s in renamed { try MiniSEED.write([s], to: folder + "/\(s.id).D.2016.321", encoding: .float32) }
        let all = outcomes([folder + "/BK.SAO.00.BHZ.D.2016.321"])
        #expect(all.count == 1)
        let input = try all[0].1.get()
        #expect(input.waveform?.componentCodes == ["BH2", "BH1", "BHZ"])
        #expect(input.waveform?.components == r.samples.map(plotted))  // E, N, Z columns of the fixture
        // The same channels as a SAC triple (siblings by name) feed the model the same way, and a
        // monitor replay sends each channel as the component it feeds.
        for s in renamed {
            var t = SACTrace(samples: s.samples.map(Float.init), delta: 0.01)
            t.header.setReferenceTime(s.startTime)
            t.header.channelCode = s.id.channel
            try t.write(to: folder + "/\(s.id).sac")
        }
        let (sac, w) = try classifier.classify(recordAt: folder + "/BK.SAO.00.BH1.sac")
        #expect(w.componentCodes == ["BH2", "BH1", "BHZ"] && sac.predictions == input.classification.predictions)
        // (as an accelerometer, HN1/HN2/HNZ: --units would be refused for a seismometer's counts)
        for s in renamed {
            var a = s
            a.id.channel = "HN" + s.id.channel.suffix(1)
            try MiniSEED.write([a], to: folder + "/\(a.id).D.2016.321", encoding: .float32)
            var t = SACTrace(samples: s.samples.map(Float.init), delta: 0.01)
            t.header.setReferenceTime(s.startTime)
            t.header.channelCode = a.id.channel
            try t.write(to: folder + "/\(a.id).sac")
        }
        for path in [folder + "/BK.SAO.00.HN1.sac", folder + "/BK.SAO.00.HNZ.D.2016.321"] {
            let replayed = try StreamSources.replayedRecord(
                path, componentOrder: card.componentOrder, windowSeconds: 2, instrument: nil, units: UnitOptions(units: .mps2, sensitivity: 65536))
            let expected = r.samples.map { $0.map { $0 / 65536 } }  // a power of two: exact
            #expect(replayed.spans[0].componentCodes == ["HNE", "HNN", "HNZ"] && replayed.spans[0].components == expected, "\(path)")
        }
    }

    /// A one-component record is a failure naming the instrument and what it lacks; a gap of 5 s
    /// in one channel splits the record in two, with the gap reported once.
    @Test func missingComponentsAndGaps() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let single = try RealRecord.load("NC_BBG_2007102001425167")
        try MiniSEED.write([single.segments()[0]], to: folder + "/bbg.mseed", encoding: .float32)
        let refused = outcomes([folder + "/bbg.mseed"])
        #expect(refused.count == 1)
        #expect {
            try refused[0].1.get()
        } throws: { "\($0)" == "\(folder)/bbg.mseed: NC.BBG..EH: components Z only; the model needs three (the nearest set, ZNE, lacks E, N)" }

        let r = try RealRecord.load("NC_BSR_2016060814045294")
        var segments = r.segments()
        let z = segments.removeLast()
        let cut = 4000
        segments.append(TraceSegment(id: z.id, startTime: z.startTime, samplingRateHz: 100, samples: Array(z.samples[..<cut])))
        segments.append(
            TraceSegment(id: z.id, startTime: z.startTime + Double(cut + 500) / 100, samplingRateHz: 100, samples: Array(z.samples[(cut + 500)...])))
        try MiniSEED.write(segments, to: folder + "/bsr.mseed", encoding: .float32)
        let split = outcomes([folder + "/bsr.mseed"])
        let records = try split.map { try $0.1.get() }
        #expect(records.count == 2)
        #expect(records[0].gaps.count == 1 && abs(records[0].gaps[0].seconds - 5) < 1e-6 && records[1].gaps.isEmpty)
        #expect(records.map(\.sampleCount) == [cut, 9001 - cut - 500])
        #expect(abs(records[1].classification.startTime - (r.startTime + 45)) < 1e-6)
    }

    /// A real record with 15 s zero-filled on every channel (a gap as ObsPy's merge(fill_value=0)
    /// writes it): the zeros split the record — the windows before and after are exactly those of
    /// the parts classified alone (the edge's step never rings into them), and every window
    /// reaching into the zeros is set aside as carrying no signal.
    @Test func zeroFilledStretchesSplitTheRecord() throws {
        let r = try RealRecord.load("BK_BRIB_2008092115164635")
        let gap = 3000..<4500
        try #require(r.samples.allSatisfy { $0[gap.lowerBound - 1] != 0 && $0[gap.upperBound] != 0 })
        var filled = r.samples
        for c in filled.indices { for i in gap { filled[c][i] = 0 } }
        let w = Waveform(components: filled, componentCodes: r.channels, samplingRateHz: 100, startTime: r.startTime)
        #expect(Preprocessing.partsBetweenFlatRuns(in: w, minimumSamples: 100) == [0..<3000, 4500..<9001])
        #expect(Preprocessing.partsBetweenFlatRuns(in: w, minimumSamples: 2000) == [0..<9001])  // shorter than asked: kept
        let whole = try classifier.classify(w, instrumentID: "BK.BRIB..HH")
        let before = try classifier.classify(w.slice(0..<3000))
        let after = try classifier.classify(w.slice(4500..<9001))
        // By absolute window start (ms): the whole record's windows outside the gap are the parts'.
        func byTime(_ c: RecordClassification) -> [Int: [Float]] {
            Dictionary(uniqueKeysWithValues: c.predictions.map { (Int(((c.startTime + $0.startSeconds) * 1000).rounded()), $0.probabilities) })
        }
        let parts = byTime(before).merging(byTime(after)) { a, _ in a }
        // The model runs the windows in batches of another composition, which changes float32
        // summation order: each probability agrees to a few ulps of the logits carried through
        // softmax, far under 1e-5.
        let whole_ = byTime(whole)
        #expect(Set(whole_.keys) == Set(parts.keys))
        let worst = parts.map { key, p in zip(p, whole_[key] ?? []).map { abs($0 - $1) }.max() ?? 1 }.max() ?? 1
        #expect(worst < 1e-5, "largest difference \(worst)")
        let reaching = whole.silentWindowStarts.map { Int(($0 * 100).rounded()) }
        #expect(reaching == Array(stride(from: 2850, through: 4450, by: 50)))  // every window overlapping 3000..<4500
    }

    /// A station file with a seismometer (HH?) and an accelerometer (HN?): `channels` chooses the
    /// instrument classified; a pattern choosing none is one failure naming what was found.
    @Test func channelPatternsChooseTheInstrument() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let r = try RealRecord.load("CI_MLAC_2017042709015422")
        let both = r.segments() + r.segments(rename: { "HH" + $0.suffix(1) })
        try MiniSEED.write(both, to: folder + "/mlac.mseed", encoding: .float32)
        var chooser = classifier
        #expect(try chooser.classify(miniSEEDAt: folder + "/mlac.mseed").map { try $0.get().instrumentID } == ["CI.MLAC..HH", "CI.MLAC..HN"])
        chooser.channels = ChannelPatterns(["HN?"])
        #expect(try chooser.classify(miniSEEDAt: folder + "/mlac.mseed").map { try $0.get().instrumentID } == ["CI.MLAC..HN"])
        // Files of an instrument not chosen give no outcome (a folder of HH and HN files is no
        // failure); no input holding a chosen instrument is one failure.
        try MiniSEED.write(r.segments(rename: { "HH" + $0.suffix(1) }), to: folder + "/hh.mseed", encoding: .float32)
        for (c, code) in r.channels.enumerated() {
            var t = SACTrace(samples: r.samples[c].map(Float.init), delta: 0.01)
            t.header.setReferenceTime(r.startTime)
            t.header.channelCode = "HH" + code.suffix(1)
            try t.write(to: folder + "/CI.MLAC..HH\(code.suffix(1)).sac")
        }
        var seen: [String] = []
        let hn = chooser.classify(inputs: [
            .miniSEED(path: folder + "/hh.mseed"), .sacFile(path: folder + "/CI.MLAC..HHZ.sac"), .miniSEED(path: folder + "/mlac.mseed")
        ]) {
            seen.append((try? $1.get().instrumentID) ?? "failed: \($0)")
        }
        #expect(hn == (1, 0) && seen == ["CI.MLAC..HN"])
        chooser.channels = ChannelPatterns(["BH?", "LH*"])
        var failures: [String] = []
        let none = chooser.classify(inputs: [.miniSEED(path: folder + "/mlac.mseed")]) { path, outcome in
            if case .failure(let error) = outcome { failures.append("\(path): \(error)") }
        }
        #expect(none == (1, 1))
        #expect(
            failures == [
                "--channels BH?,LH*: no instrument of the inputs has channels matching BH?,LH* for every component the model takes "
                    + "(a pattern chooses all of an instrument's components, e.g. HH?, not HHZ alone; seismic info FILE lists a file's channels)"
            ])
    }
}

extension MiniSEEDClassifyTests {
    /// A record written into an SDS archive across midnight (each channel in its CHA.D folder, a
    /// day file per day): `--sds` reads the span from both days and joins each channel, giving the
    /// predictions of the record in one file; a folder scan of the archive finds each day's
    /// channels in their own folders (one record per day); a station or span without data fails
    /// with where it looked.
    @Test func sdsArchiveAcrossMidnight() throws {
        let root = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let r = try RealRecord.load("BK_BRIB_2008092115164635")
        let midnight = 1_222_041_600.0  // 2008-09-22T00:00:00Z, day 266
        let start = midnight - 45  // the record's 90 s straddle midnight
        for (c, code) in r.channels.enumerated() {
            let id = SEEDIdentifier(network: "BK", station: "BRIB", location: "", channel: code)
            for (day, range) in [(265, 0..<4500), (266, 4500..<9001)] {
                let folder = "\(root)/2008/BK/BRIB/\(code).D"
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                let segment = TraceSegment(id: id, startTime: start + Double(range.lowerBound) / 100, samplingRateHz: 100, samples: Array(r.samples[c][range]))
                try MiniSEED.write([segment], to: "\(folder)/BK.BRIB..\(code).D.2008.\(day)", encoding: .float32)
            }
        }
        let whole = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: whole) }
        let segments = r.channels.enumerated().map { c, code in
            TraceSegment(
                id: SEEDIdentifier(network: "BK", station: "BRIB", location: "", channel: code), startTime: start, samplingRateHz: 100, samples: r.samples[c])
        }
        try MiniSEED.write(segments, to: whole + "/brib.mseed", encoding: .float32)
        let expected = try outcomes([whole + "/brib.mseed"])[0].1.get().classification

        let station = try #require(StationSelector("BK.BRIB"))
        let fromArchive = try classifier.classify(sds: SDSArchive(root: root), station: station, start: start - 10, end: start + 100)
        #expect(fromArchive.count == 1)
        let joined = try fromArchive[0].get()
        #expect(joined.sampleCount == 9001 && joined.classification.startTime == start)
        #expect(joined.gaps.isEmpty)  // day files that continue each other: no gap to report
        #expect(joined.classification.predictions == expected.predictions)
        #expect(joined.classification.source == "\(root) BK.BRIB")
        // A span inside the record: cut to it (sample times within the span).
        let cut = try classifier.classify(sds: SDSArchive(root: root), station: station, start: start + 10, end: start + 20)
        #expect(try cut[0].get().sampleCount == 1001)

        // The folder scan: each day's three channel folders give one record.
        let scanned = outcomes([root])
        #expect(scanned.count == 2 && scanned.allSatisfy { (try? $0.1.get()) != nil }, "\(scanned.map { "\($0.1)" })")

        #expect {
            try classifier.classify(sds: SDSArchive(root: root), station: #require(StationSelector("BK.NONE")), start: start, end: start + 10)
        } throws: { "\($0)".contains("no day files of BK.NONE") }
        // --channels: a pattern that matches no channel folder reads nothing, and says which
        // folders were there ("HH" is no pattern for HHZ).
        for patterns in [["BH?"], ["HH"]] {
            #expect {
                try classifier.classify(sds: SDSArchive(root: root, channels: patterns), station: station, start: start, end: start + 10)
            } throws: {
                "\($0)".contains("no day files of BK.BRIB")
                    && "\($0)".contains(": --channels \(patterns[0]) chooses none of its channel folders HHE.D, HHN.D, HHZ.D (")
            }
        }
        // A pattern that chose a folder without day files in the span is not told it chose none.
        try FileManager.default.createDirectory(atPath: "\(root)/2008/BK/BRIB/BHZ.D", withIntermediateDirectories: true)
        #expect {
            try classifier.classify(sds: SDSArchive(root: root, channels: ["BH?"]), station: station, start: start, end: start + 10)
        } throws: { "\($0)".contains("no day files of BK.BRIB") && !"\($0)".contains("chooses none") && "\($0)".contains("(looked for ") }
        try FileManager.default.removeItem(atPath: "\(root)/2008/BK/BRIB/BHZ.D")
        #expect(try classifier.classify(sds: SDSArchive(root: root, channels: ["H*"]), station: station, start: start, end: start + 10).count == 1)
        // A day file that cannot be read is a failure of its own; the rest is still used.
        try Data("broken".utf8).write(to: URL(fileURLWithPath: "\(root)/2008/BK/BRIB/HHZ.D/BK.BRIB..HHZ.D.2008.264"))
        let withBroken = try classifier.classify(sds: SDSArchive(root: root), station: station, start: start - 10, end: start + 100)
        #expect(withBroken.count == 2 && withBroken.filter { (try? $0.get()) != nil }.count == 1, "\(withBroken)")
        // A record of a day file overwritten: the day is read whole with that record skipped (a
        // gap in HHE, which splits the record in two) and the bytes skipped said.
        let day266 = "\(root)/2008/BK/BRIB/HHE.D/BK.BRIB..HHE.D.2008.266"
        var damaged = try Data(contentsOf: URL(fileURLWithPath: day266))
        let length = damaged.count / 5  // 4,501 float32 samples in 4,096-byte records: 5 of them
        #expect(damaged.count == 5 * 4_096, "\(damaged.count) bytes")
        damaged.replaceSubrange((2 * length)..<(2 * length + 48), with: [UInt8](repeating: 0x41, count: 48))
        try damaged.write(to: URL(fileURLWithPath: day266))
        let withCorrupt = try classifier.classify(sds: SDSArchive(root: root), station: station, start: start - 10, end: start + 100)
        #expect(withCorrupt.count == 4 && withCorrupt.filter { (try? $0.get()) != nil }.count == 2, "\(withCorrupt)")
        #expect((try? withCorrupt[1].get())?.gaps.map(\.id.channel) == ["HHE"])
        #expect { try withCorrupt[3].get() } throws: { "\($0)".contains("\(day266): bytes 8192–12287 skipped (4096 bytes): ") }
        #expect {
            try classifier.classify(sds: SDSArchive(root: root), station: station, start: start + 200, end: start + 300)
        } throws: { "\($0)".contains("hold no samples") }
    }
}

extension MiniSEEDClassifyTests {
    /// Day files are looked for from the day before the start (a day file's last record may run
    /// past midnight) to the day of the end, across a year boundary (day 366 of 2020, then day 1);
    /// channel patterns match as the shell's.
    @Test func sdsDayFilesAcrossAYearBoundary() throws {
        let root = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        for (year, day) in [(2020, 365), (2020, 366), (2021, 1), (2021, 2)] {
            let folder = "\(root)/\(year)/XX/ST/HHZ.D"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try Data().write(to: URL(fileURLWithPath: "\(folder)/XX.ST.00.HHZ.D.\(year).\(String(format: "%03d", day))"))
        }
        let newYear = 1_609_459_200.0  // 2021-01-01T00:00:00Z
        let files = SDSArchive(root: root).files(for: try #require(StationSelector("XX.ST")), start: newYear + 60, end: newYear + 120)
        #expect(files.map { String($0.suffix(8)) } == ["2020.366", "2021.001"])
        #expect(SDSArchive(root: root).files(for: try #require(StationSelector("XX.ST.10")), start: newYear, end: newYear + 1).isEmpty)
        let archive = SDSArchive(root: root, channels: ["HH?", "B*Z"])
        #expect(archive.reads(channel: "HHZ") && archive.reads(channel: "BHZ") && archive.reads(channel: "BLZ"))
        #expect(!archive.reads(channel: "HNZ") && !archive.reads(channel: "HH") && !archive.reads(channel: "BHN"))
    }
}

/// What a plot draws of a record read span by span: every k-th sample, k = ⌊n / 4000⌋ (at least 1).
private func plotted(_ x: [Double]) -> [Double] { stride(from: 0, to: x.count, by: max(1, x.count / 4000)).map { x[$0] } }
