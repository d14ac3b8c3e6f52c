// Picks from probability traces: trigger → peak per class, the time convention (window centres,
// UTC), thresholds, gaps where windows carry no signal, annotations as miniSEED, CSV and QuakeML.

import Foundation
import SeismicIO
import SeismicNN
import SeismicSignal
import SeismicTorch
import TestSupport
import Testing

@Suite struct PickingTests {
    /// A record starting at `start` (UTC), 2 s windows every 0.5 s, with P and S probabilities.
    private func record(start: Double = 1_600_000_000, p: [Float], s: [Float], silent: [Double] = []) -> RecordClassification {
        let predictions = p.indices.compactMap { k -> WindowPrediction? in
            let startSeconds = Double(k) * 0.5
            guard !silent.contains(startSeconds) else { return nil }
            return WindowPrediction(startSeconds: startSeconds, probabilities: [p[k], s[k], max(0, 1 - p[k] - s[k])])
        }
        return RecordClassification(
            source: "/data/CI.PASC..HHZ.D.2020.256", instrumentID: "CI.PASC..HH", startTime: start, windowSeconds: 2, strideSeconds: 0.5,
            classNames: ["P-wave", "S-wave", "Noise"], predictions: predictions, silentWindowStarts: silent)
    }

    /// Plot names: a file's name without its extension, an SDS span's archive folder (its source is
    /// "ROOT NET.STA"), then the instrument and the UTC start; never a space.
    @Test func plotNamesHaveNoSpaces() {
        func name(_ source: String, _ instrument: String) -> String {
            RecordClassification(
                source: source, instrumentID: instrument, startTime: 1_577_836_800, windowSeconds: 2, strideSeconds: 0.5,
                classNames: ["P-wave", "S-wave", "Noise"], predictions: []
            ).plotName(startTime: 1_577_836_800)
        }
        #expect(name("/data/ST01.HLX.sac", "") == "ST01.HLX_20200101T000000.000Z")
        #expect(name("/archive/ARC XX.DAY", "XX.DAY..HN") == "ARC_XX.DAY..HN_20200101T000000.000Z")
        #expect(name("/my archives/SDS root XX.DAY", "XX.DAY..HN") == "SDS_root_XX.DAY..HN_20200101T000000.000Z")
        // A relative root ("--sds ."): the folder's own name, never a hidden "._…" file.
        let here = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).lastPathComponent
        #expect(name(". XX.DAY", "XX.DAY..HN") == String("\(here)_XX.DAY..HN_20200101T000000.000Z".map { $0.isWhitespace ? "_" : $0 }))
        // Codes from a SAC header (KSTNM "/../../x") never make a path out of the plot's folder.
        #expect(name("/data/DPZ.sac", "BG./../../x..DP") == "DPZ_BG._.._.._x..DP_20200101T000000.000Z")
    }

    @Test func aTriggerGivesOnePickAtItsPeakWindowCentre() {
        let r = record(p: [0.1, 0.8, 0.95, 0.5, 0.2, 0.1, 0.1, 0.1], s: [0, 0, 0, 0.3, 0.72, 0.9, 0.4, 0.1])
        let picks = r.picks(thresholds: PickThresholds())
        #expect(picks.map(\.phase) == ["P", "S"])
        // Window 2 starts 1 s after the first sample; its centre is 1 s later.
        #expect(
            picks[0]
                == Pick(
                    traceID: "CI.PASC.", startTime: 1_600_000_001.5, peakTime: 1_600_000_002, endTime: 1_600_000_002.5, peakValue: 0.95, phase: "P",
                    instrumentID: "CI.PASC..HH"))
        #expect(picks[1].peakTime == 1_600_000_003.5 && picks[1].startTime == 1_600_000_003 && picks[1].endTime == 1_600_000_004)
        #expect(r.hasEvent(thresholds: PickThresholds()))
        // Thresholds per phase: S at 0.95 is never reached.
        let strict = try! PickThresholds(parsing: "S=0.95", classNames: r.classNames)
        #expect(r.picks(thresholds: strict).map(\.phase) == ["P"])
        // Nothing above any threshold: no picks, no event.
        let quiet = record(p: [0.1, 0.2, 0.1], s: [0.3, 0.1, 0.2])
        #expect(quiet.picks(thresholds: PickThresholds()).isEmpty && !quiet.hasEvent(thresholds: PickThresholds()))
    }

    /// Windows without signal split the traces: a trigger never spans them, and the times after the
    /// gap stay on the record's clock.
    @Test func silentWindowsSplitTheTraces() {
        let r = record(p: [0.9, 0.9, 0, 0.9, 0.1], s: [0, 0, 0, 0, 0], silent: [1.0])
        let traces = r.probabilityTraces()
        #expect(traces.count == 6)  // two runs × three classes
        #expect(traces.filter { $0.classIndex == 0 }.map(\.values) == [[0.9, 0.9], [0.9, 0.1]])
        #expect(traces.filter { $0.classIndex == 0 }.map(\.startTime) == [1_600_000_001, 1_600_000_002.5])
        #expect(r.picks(thresholds: PickThresholds()).map(\.peakTime) == [1_600_000_001, 1_600_000_002.5])
    }

    @Test func thresholdsParse() throws {
        let names = ["P-wave", "S-wave", "Noise"]
        let t = try PickThresholds(parsing: "p=0.6, S-wave=0.5", classNames: names)
        #expect(t.threshold(forClass: "P-wave") == 0.6 && t.threshold(forClass: "S-wave") == 0.5)
        #expect(t.threshold(forClass: "Noise") == PickThresholds.defaultThreshold)
        for bad in ["P", "P=1", "P=0", "P=x", "Q=0.5", "P=0.5,", "=0.4", "P=-0.5", "P=0x1p-2", "P=0.3,P=0.5", "Noise=0.3", "P= "] {
            #expect(throws: PickThresholds.ParseError.self, "\(bad)") { try PickThresholds(parsing: bad, classNames: names) }
        }
    }

    /// A dataset's windows have no time axis: no traces, no picks, no annotations; its verdict
    /// still follows the thresholds.
    @Test func datasetWindowsGiveNoPicks() {
        let r = RecordClassification(
            source: "d.h5", startTime: 0, windowSeconds: 2, strideSeconds: nil, classNames: ["P-wave", "S-wave", "Noise"],
            predictions: [WindowPrediction(startSeconds: 0, probabilities: [0.9, 0.05, 0.05])])
        #expect(r.probabilityTraces().isEmpty && r.picks(thresholds: PickThresholds()).isEmpty && r.annotationSegments() == nil)
        #expect(r.hasEvent(thresholds: PickThresholds()))
        #expect(r.csvRows()[0][3] == "")
    }

    /// Annotations are written as miniSEED and read back: one channel per class, the record's
    /// network, station and location, the window centres' clock, the probabilities (float32).
    @Test func annotationsRoundTripThroughMiniSEED() throws {
        let r = record(p: [0.1, 0.8, 0.95, 0.5], s: [0, 0.1, 0, 0.3])
        let segments = try #require(r.annotationSegments())
        #expect(segments.map(\.id.description) == ["CI.PASC..MXP", "CI.PASC..MXS", "CI.PASC..MXN"])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("annotations-\(UUID()).mseed").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try MiniSEED.write(segments, to: path, encoding: .float32)
        let back = try MiniSEED.read(path).segments
        #expect(back.count == 3)
        for (a, b) in zip(segments.sorted { $0.id < $1.id }, back.sorted { $0.id < $1.id }) {
            #expect(a.id == b.id && a.samplingRateHz == b.samplingRateHz && abs(a.startTime - b.startTime) < 1e-6)
            #expect(a.samples.map(Float.init) == b.samples.map(Float.init))
        }
        #expect(back.first { $0.id.channel == "MXP" }?.startTime == 1_600_000_001)
    }

    /// CSV rows carry SeisBench's columns with UTC times; QuakeML holds one event per record, each
    /// pick with its time, station codes and phase (read back by ObsPy in scripts/check_quakeml.py).
    @Test func picksAsCSVAndQuakeML() throws {
        let pick = Pick(
            traceID: "CI.PASC.", startTime: 1_600_000_001.5, peakTime: 1_600_000_002.25, endTime: 1_600_000_003, peakValue: 0.93, phase: "P",
            instrumentID: "CI.PASC..HN")
        #expect(Pick.csvHeader == ["trace_id", "start_time", "peak_time", "end_time", "peak_value", "phase", "instrument"])
        #expect(
            pick.csvRow == [
                "CI.PASC.", "2020-09-13T12:26:41.500000Z", "2020-09-13T12:26:42.250000Z", "2020-09-13T12:26:43.000000Z", "0.9300", "P", "CI.PASC..HN"
            ])
        let xml = String(decoding: try QuakeML.document(events: [[pick]]), as: UTF8.self)
        for part in [
            "<q:quakeml xmlns=\"http://quakeml.org/xmlns/bed/1.2\" xmlns:q=\"http://quakeml.org/xmlns/quakeml/1.2\">",
            "<value>2020-09-13T12:26:42.250000Z</value>", "networkCode=\"CI\"", "stationCode=\"PASC\"", "locationCode=\"\"", "channelCode=\"HN?\"",
            "<phaseHint>P</phaseHint>", "<evaluationMode>automatic</evaluationMode>"
        ] {
            #expect(xml.contains(part), "\(part) in \(xml)")
        }
        #expect(xml.components(separatedBy: "<event ").count == 2 && xml.components(separatedBy: "<pick ").count == 2)
        #expect(try QuakeML.document(events: [[pick]]) == QuakeML.document(events: [[pick]]))  // the same picks, the same bytes
    }

    /// Two instruments at one station and location (a broadband HH and a strong-motion HN) share a
    /// trace id: their picks get resource identifiers of their own, named by the instrument, and the
    /// same pick given twice (a record named twice) gets a second identifier, not the first again.
    @Test func quakeMLIdentifiersAreUniqueAcrossInstrumentsAndRepeats() throws {
        func pick(_ instrument: String) -> Pick {
            Pick(
                traceID: "BK.TCHL.", startTime: 1_403_670_612, peakTime: 1_403_670_613.35, endTime: 1_403_670_614, peakValue: 0.9, phase: "P",
                instrumentID: instrument)
        }
        let xml = String(
            decoding: try QuakeML.document(events: [[pick("BK.TCHL..HH"), pick("BK.TCHL..HN")], [pick("BK.TCHL..HH")], [pick("")]]),
            as: UTF8.self)
        let ids = xml.components(separatedBy: "<pick publicID=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
        #expect(
            ids == [
                "smi:local/seismictorch/pick/BK.TCHL..HH/P/20140625T043013.350000Z", "smi:local/seismictorch/pick/BK.TCHL..HN/P/20140625T043013.350000Z",
                "smi:local/seismictorch/pick/BK.TCHL..HH/P/20140625T043013.350000Z-2", "smi:local/seismictorch/pick/BK.TCHL./P/20140625T043013.350000Z"
            ], "\(ids)")
        #expect(xml.contains("instrument BK.TCHL..HN"))
        // The waveform ids tell the instruments apart too (channel code: band and instrument code, "?");
        // a pick of an unknown instrument has none.
        #expect(xml.components(separatedBy: "channelCode=\"HH?\"").count == 3 && xml.components(separatedBy: "channelCode=\"HN?\"").count == 2)
        #expect(xml.components(separatedBy: "channelCode=").count == 4)
    }
}

extension PickingTests {
    /// The parts between flat runs agree with a direct check on random records with flat
    /// stretches, for any minimum run, whole or fed to `FlatRunFinder` in random blocks: a sample is left out exactly when it lies in a run of at
    /// least the minimum in which every component holds one value; the parts are the maximal
    /// stretches of the others.
    @Test func partsBetweenFlatRunsMatchADirectCheck() {
        var rng = TestRNG(seed: 4)
        for _ in 0..<200 {
            let n = Int.random(in: 5...120, using: &rng)
            let components = (0..<3).map { _ in
                var c = (0..<n).map { _ in Double(Int.random(in: 0...3, using: &rng)) }
                let from = Int.random(in: 0..<n, using: &rng), to = Int.random(in: from..<n, using: &rng)
                for i in from...to { c[i] = 0 }  // a flat stretch
                return c
            }
            let minimum = Int.random(in: 2...20, using: &rng)
            let record = Waveform(components: components, samplingRateHz: 100)
            // Direct: the maximal runs of samples equal (on every component) to their predecessor.
            var excluded = [Bool](repeating: false, count: n)
            var start = 0
            for i in 1...n where i == n || !components.allSatisfy({ $0[i] == $0[i - 1] }) {
                if i - start >= minimum { for k in start..<i { excluded[k] = true } }
                start = i
            }
            var direct: [Range<Int>] = []
            var k = 0
            while k < n {
                if excluded[k] { k += 1; continue }
                let from = k
                while k < n && !excluded[k] { k += 1 }
                direct.append(from..<k)
            }
            #expect(Preprocessing.partsBetweenFlatRuns(in: record, minimumSamples: minimum) == direct)
            // Fed in random blocks (as classify reads a record), the same parts.
            var finder = FlatRunFinder(minimumSamples: minimum, components: 3)
            var first = 0
            while first < n {
                let end = min(n, first + Int.random(in: 1...9, using: &rng))
                let blocks = components.map { Array($0[first..<end]) }
                blocks[0].withUnsafeBufferPointer { a in
                    blocks[1].withUnsafeBufferPointer { b in blocks[2].withUnsafeBufferPointer { c in finder.add([a, b, c]) } }
                }
                first = end
            }
            #expect(finder.parts == direct, "in blocks")
        }
    }

    /// A record whose first 30 s are zeros (a zero-filled archive stretch) gets no prediction in
    /// or reaching into them — the zeros split the record, so nothing leaks — and so no pick there.
    @Test func zeroFilledStretchesAreNotClassified() throws {
        var rng = SeededGenerator(seed: 3)
        var w = SyntheticRecord.generate(event: true, durationSeconds: 60, using: &rng).waveform
        w = w.mapComponents { c in c.enumerated().map { $0.offset < 3000 ? 0 : $0.element } }
        let card = ModelCard.earthquakePretraining()
        let c = try Classifier(model: ConvNet(card.architecture, seed: 1), card: card, strideSeconds: 0.5).classify(w)
        // Windows starting at 0…29.5 s reach into the zeros (2 s windows, 0.5 s apart): 60 of them;
        // the zeros split the record, so the first window after them starts at 30 s.
        #expect(c.silentWindowStarts == (0...59).map { Double($0) * 0.5 })
        #expect(c.predictions.first?.startSeconds == 30)
    }

    /// The band code follows the annotation rate: S at 10–80 Hz, M above 1 Hz, L up to 1 Hz.
    @Test func annotationBandCodes() {
        #expect(SEEDBandCode.forAnnotation(samplingRateHz: 20) == "S")
        #expect(SEEDBandCode.forAnnotation(samplingRateHz: 2) == "M")
        #expect(SEEDBandCode.forAnnotation(samplingRateHz: 1 / 0.7) == "M")
        #expect(SEEDBandCode.forAnnotation(samplingRateHz: 1) == "L")
        #expect(SEEDBandCode.forAnnotation(samplingRateHz: 0.5) == "L")
        #expect(SEEDBandCode.forAnnotation(samplingRateHz: 0.05) == "V")
    }

    /// A record without a station code gets an empty trace_id (nothing made up from its file
    /// name) and no annotations.
    @Test func aRecordWithoutAStationHasNoTraceID() {
        var r = record(p: [0.9, 0.1], s: [0, 0])
        r.instrumentID = "..00.HH"
        r.source = "/data/nohdr.HHZ.SAC"
        #expect(r.traceID == "" && r.annotationSegments() == nil)
        #expect(r.picks(thresholds: PickThresholds()).map(\.traceID) == [""])
    }
}
