// classify reads a record span by span: the record chain runs on each part between flat runs as its
// windows need it (RecordChainStream) and a SAC triple is read from its files (SACRecordSamples).
// The result is the whole-record computation's, whatever the chunk of windows.

import Foundation
import SeismicIO
import SeismicNN
import SeismicSignal
import SeismicTorch
import TestSupport
import Testing

@Suite struct StreamedClassifyTests {
    /// A 120 s synthetic earthquake at 100 Hz in float32 values, with a 3 s zero-filled gap (a flat
    /// run that splits the record), a 0.5 s constant stretch (too short to split) and a flat end.
    private func record() -> Waveform {
        var rng = SeededGenerator(seed: 17)
        var w = SyntheticRecord.generate(kind: .earthquake, durationSeconds: 120, using: &rng).waveform
        for c in 0..<3 {
            for i in 3_000..<3_300 { w.components[c][i] = 0 }
            for i in 5_000..<5_050 { w.components[c][i] = 7 }
            for i in 11_850..<12_000 { w.components[c][i] = 0 }
            w.components[c] = w.components[c].map { Double(Float($0 * 1e4)) }
        }
        return w
    }

    /// The computation classify replaced, on the whole record: the parts between flat runs each
    /// through `Preprocessing.prepareRecord`, every window cut from its part on its own, the silent
    /// ones set aside, the rest through the amplitude chain and the model in one batch.
    private func wholeRecordReference(_ c: Classifier, _ w: Waveform) throws -> (predictions: [WindowPrediction], silent: [Double]) {
        let rate = w.samplingRateHz
        let source = Int((c.windowSeconds * rate).rounded()), step = max(1, Int((c.strideSeconds * rate).rounded()))
        let parts = Preprocessing.partsBetweenFlatRuns(in: w, minimumSamples: min(Int(rate.rounded()), source)).filter { $0.count >= source }
        let prepared = try parts.map { try c.card.preprocessing.prepareRecord(w.slice($0)) }
        let cutter = SlidingWindowCutter(sourceSamples: source, targetSamples: c.card.windowSamples)
        let size = c.card.windowSamples * 3
        var values: [Float] = [], starts: [Double] = [], silent: [Double] = []
        for s in stride(from: 0, through: w.sampleCount - source, by: step) {
            guard let k = parts.firstIndex(where: { $0.lowerBound <= s && s + source <= $0.upperBound }) else {
                silent.append(Double(s) / rate)
                continue
            }
            var cut = [Float](repeating: 0, count: size)
            cutter.cut(prepared[k].components, first: s - parts[k].lowerBound, step: step, count: 1, into: &cut)
            values += cut
            starts.append(Double(s) / rate)
        }
        let batch = WindowBatch(values: values, count: starts.count, length: c.card.windowSamples, components: 3)
        let kept = c.card.preprocessing.windowsWithSignal(batch)
        let keptSet = Set(kept)
        silent += starts.indices.filter { !keptSet.contains($0) }.map { starts[$0] }
        let rows = try c.predict(c.card.preprocessing.prepareWindows(batch.selecting(kept)), context: "reference")
        return (zip(kept, rows).map { WindowPrediction(startSeconds: starts[$0], probabilities: $1) }, silent.sorted())
    }

    /// Writes `w` as a SAC triple T.HN{E,N,Z}.sac in `folder` (big-endian when asked); returns the Z file.
    private func writeTriple(_ w: Waveform, folder: String, byteOrder: ByteOrder = .littleEndian) throws -> String {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (c, letter) in ["E", "N", "Z"].enumerated() {
            var t = SACTrace(samples: w.components[c].map(Float.init), delta: Float(1 / w.samplingRateHz))
            t.header.setReferenceTime(1_600_000_000)
            try t.write(to: "\(folder)/T.HN\(letter).sac", byteOrder: byteOrder)
        }
        return "\(folder)/T.HNZ.sac"
    }

    /// One chunk for the whole record: the streamed chain gives the whole-record result bit for
    /// bit (the same batches reach the model); the record read from its SAC files span by span,
    /// little- or big-endian, gives the same as the record in memory.
    @Test func streamedChainEqualsTheWholeRecordComputation() throws {
        let card = ModelCard.earthquakePretraining()
        var c = Classifier(model: ConvNet(card.architecture, seed: 3), card: card, strideSeconds: 0.1)
        c.windowsPerChunk = .max
        let w = record()
        let reference = try wholeRecordReference(c, w)
        #expect(reference.silent.count > 40 && reference.predictions.count > 1_000)
        let inMemory = try c.classify(w, source: "x")
        #expect(inMemory.predictions == reference.predictions)
        #expect(inMemory.silentWindowStarts == reference.silent)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("streamed-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for order in [ByteOrder.littleEndian, .bigEndian] {
            let path = try writeTriple(w, folder: folder, byteOrder: order)
            // The rate from the header (1 / DELTA in float32) is not exactly 100 Hz: the reference
            // runs on the record as `ThreeComponentRecord.read` reads it.
            let asRead = try ThreeComponentRecord.read(path).waveform
            let readReference = try wholeRecordReference(c, asRead)
            let (fromFiles, plot) = try c.classify(recordAt: path)
            #expect(fromFiles.predictions == readReference.predictions, "\(order)")
            #expect(fromFiles.silentWindowStarts == readReference.silent, "\(order)")
            // The plot's samples: every 3rd (⌊12,000 / 4,000⌋) at a third of the rate.
            #expect(plot.samplingRateHz == asRead.samplingRateHz / 3)
            #expect(plot.components[2] == stride(from: 0, to: 12_000, by: 3).map { asRead.components[2][$0] })
        }
    }

    /// Chunks of any size: the chain of each part advances and forgets in steps of the chunks'
    /// windows, across the flat runs (parts of 30 s, 85.5 s and none at the end); the same windows
    /// and silent windows as the whole-record computation, the same probabilities bit for bit (the
    /// batches the model sees differ: `ClassifierTests.anyChunkSizeGivesTheSameResult`).
    @Test func anyChunkSizeStreamsTheChainToTheSameResult() throws {
        let card = ModelCard.earthquakePretraining()
        var c = Classifier(model: ConvNet(card.architecture, seed: 3), card: card, strideSeconds: 0.25)
        let w = record()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chunks-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = try writeTriple(w, folder: folder)
        let reference = try wholeRecordReference(c, try ThreeComponentRecord.read(path).waveform)
        for chunk in [1, 7, 119, 120, 121, 300] {
            c.windowsPerChunk = chunk
            let r = try c.classify(recordAt: path).0
            #expect(r.predictions.map(\.startSeconds) == reference.predictions.map(\.startSeconds), "chunk \(chunk)")
            #expect(r.silentWindowStarts == reference.silent, "chunk \(chunk)")
            let worst = largestProbabilityDifference(r.predictions, reference.predictions)
            #expect(worst == 0, "chunk \(chunk): probabilities differ by \(worst)")
        }
    }

    /// `RecordChainStream` advanced and discarded in random steps holds, at every step, exactly
    /// the whole part's chain output (`prepareRecord` on the part) from `bufferStart` to `produced`:
    /// parts shorter than a block, across blocks, and with the taper's flanks reached mid-block;
    /// also when given its lines, fitted by a pass reading other blocks (random multiples of 8, as
    /// the record scan's 65,536 differ from the chain's 8,192).
    @Test(arguments: [false, true])
    func chainStreamHoldsTheWholePartsOutput(givenLines: Bool) throws {
        let card = ModelCard.earthquakePretraining()
        let w = record()
        var rng = TestRNG(seed: 44)
        let highpass = try card.preprocessing.recordHighpass(samplingRateHz: 100)
        for part in [0..<3_000, 3_300..<11_850, 100..<300, 0..<12_000] {
            let whole = try card.preprocessing.prepareRecord(w.slice(part)).components
            var lines: [Detrend.Line]?
            if givenLines {
                lines = (0..<3).map { c in
                    var fit = Detrend.LineFit(count: part.count)
                    var first = 0
                    while first < part.count {
                        let count = min(8 * Int.random(in: 1...900, using: &rng), part.count - first)
                        Array(w.components[c][(part.lowerBound + first)..<(part.lowerBound + first + count)]).withUnsafeBufferPointer {
                            fit.add($0, at: first)
                        }
                        first += count
                    }
                    return fit.line
                }
            }
            var stream = try RecordChainStream(
                record: w, part: part, factors: [1, 1, 1], preprocessing: card.preprocessing, highpass: highpass, lines: lines)
            while stream.produced < part.count {
                try stream.advance(to: min(part.count, stream.produced + Int.random(in: 0...RecordChainStream.blockSamples + 100, using: &rng)))
                stream.discard(before: Int.random(in: stream.bufferStart...stream.produced, using: &rng))
                for c in 0..<3 { #expect(stream.buffer[c] == Array(whole[c][stream.bufferStart..<stream.produced]), "part \(part), at \(stream.produced)") }
            }
        }
    }

    /// A record longer than the scan's 65,536-sample blocks, with a flat run across the first
    /// block's end: the same parts and silent windows as the whole-record computation, and the
    /// plot's every-17th sample picked up across the block edge. Without the flat run, the record
    /// is one part whose detrend line the scan fits: the same predictions too.
    @Test(arguments: [true, false])
    func scanAcrossBlocksFindsTheFlatRunsAndPlotSamples(flatRun: Bool) throws {
        let card = ModelCard.earthquakePretraining()
        var c = Classifier(model: ConvNet(card.architecture, seed: 3), card: card, strideSeconds: 1)
        c.windowsPerChunk = .max
        var rng = SeededGenerator(seed: 21)
        var w = SyntheticRecord.generate(kind: .earthquake, durationSeconds: 700, using: &rng).waveform
        for k in 0..<3 {
            if flatRun { for i in 65_300..<65_900 { w.components[k][i] = 0 } }
            w.components[k] = w.components[k].map { Double(Float($0 * 1e4)) }
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scan-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = try writeTriple(w, folder: folder)
        let asRead = try ThreeComponentRecord.read(path).waveform
        let reference = try wholeRecordReference(c, asRead)
        let (r, plot) = try c.classify(recordAt: path)
        #expect(r.predictions == reference.predictions)
        #expect(r.silentWindowStarts == reference.silent && (reference.silent.count >= 5) == flatRun)
        #expect(plot.components[0] == stride(from: 0, to: 70_000, by: 17).map { asRead.components[0][$0] })
    }

    /// A miniSEED file is located record by record and its samples decoded as windows need them:
    /// the same records (split at a gap), windows and predictions as the file decoded whole
    /// (SDS day files across midnight: `MiniSEEDClassifyTests.sdsArchiveAcrossMidnight`).
    @Test func miniSEEDDecodedAsReadEqualsTheFileReadWhole() throws {
        let card = ModelCard.earthquakePretraining()
        var c = Classifier(model: ConvNet(card.architecture, seed: 3), card: card, strideSeconds: 0.25)
        c.windowsPerChunk = .max
        let w = record()
        let t0 = 1_600_000_000.0
        func channel(_ k: Int, _ range: Range<Int>) -> TraceSegment {
            TraceSegment(
                id: SEEDIdentifier("XX.ST.00.HN" + ["E", "N", "Z"][k])!, startTime: t0 + Double(range.lowerBound) / 100, samplingRateHz: 100,
                samples: w.components[k][range].map { $0.rounded() })
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("indexed-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // A 2 s gap at 60 s in every channel: two records.
        let segments = (0..<3).flatMap { [channel($0, 0..<6_000), channel($0, 6_200..<12_000)] }
        try MiniSEED.write(segments, to: folder + "/r.mseed", encoding: .steim2, recordLength: 512)
        let eager = try MiniSEEDRecords.read(folder + "/r.mseed", componentOrder: card.componentOrder, minimumSeconds: 2).scan
        #expect(try MiniSEEDRecords.readIndexed(folder + "/r.mseed", componentOrder: card.componentOrder, minimumSeconds: 2) != nil)
        let outcomes = try c.classify(miniSEEDAt: folder + "/r.mseed").map { try $0.get() }
        #expect(outcomes.count == 2 && eager.records.count == 2)
        for (outcome, record) in zip(outcomes, eager.records) {
            let whole = try c.classify(record.waveform, source: "x")
            #expect(outcome.classification.predictions == whole.predictions && outcome.classification.silentWindowStarts == whole.silentWindowStarts)
            #expect(outcome.classification.startTime == record.waveform.startTime)
        }
    }

    /// SAC files found in a folder are located by their headers and read span by span
    /// (`SACFileSegment`): each channel split over files at its own points (E at 50 s, N at 70 s),
    /// Z starting 1 s later, give one record over the span all three cover, with the predictions of
    /// that span classified in memory, bit for bit; a NaN deep in one file fails that record,
    /// naming the file and the sample's index in it.
    @Test func sacFilesInAFolderAreReadSpanBySpan() throws {
        let card = ModelCard.earthquakePretraining()
        var c = Classifier(model: ConvNet(card.architecture, seed: 3), card: card, strideSeconds: 0.25)
        c.windowsPerChunk = .max
        var w = record()
        let t0 = 1_600_000_000.0
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sacfolder-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let pieces: [(letter: String, ranges: [Range<Int>])] = [
            ("E", [0..<5_000, 5_000..<12_000]), ("N", [0..<7_000, 7_000..<12_000]), ("Z", [100..<12_000])
        ]
        func write() throws {
            for (k, (letter, ranges)) in pieces.enumerated() {
                for (part, range) in ranges.enumerated() {
                    var t = SACTrace(samples: w.components[k][range].map(Float.init), delta: 0.01)
                    t.header.setReferenceTime(t0 + Double(range.lowerBound) / 100)
                    try t.write(to: "\(folder)/XX.ST.00.HN\(letter).\(part).sac", byteOrder: part == 0 ? .littleEndian : .bigEndian)
                }
            }
        }
        try write()
        func outcomes() throws -> [Result<ClassifiedInput, Error>] {
            var all: [Result<ClassifiedInput, Error>] = []
            c.classify(inputs: try Classifier.inputs(expanding: [folder]).inputs) { all.append($1) }
            return all
        }
        let found = try outcomes()
        #expect(found.count == 1)
        let outcome = try #require(try found.first?.get())
        var span = w.slice(100..<12_000)
        span.startTime = t0 + 1
        let inMemory = try c.classify(span, source: "x")
        #expect(outcome.sampleCount == 11_900 && outcome.classification.startTime == t0 + 1)
        // Named by the file of the first component (E) that holds the record's first sample.
        #expect(outcome.classification.source == "\(folder)/XX.ST.00.HNE.0.sac" && outcome.gaps.isEmpty)
        #expect(outcome.classification.predictions == inMemory.predictions)
        #expect(outcome.classification.silentWindowStarts == inMemory.silentWindowStarts)
        #expect(inMemory.predictions.count > 300)

        // A read opens the files it needs and closes them before it returns: records waiting
        // their turn hold no descriptors (a folder of many events must not run out of them).
        func descriptorsOpenInFolder() throws -> Int {
            let fds = try #require(try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd"), "/proc/self/fd lists open descriptors (Linux)")
            return fds.filter { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + $0))?.hasPrefix(folder) == true }.count
        }
        let segments = try FileManager.default.contentsOfDirectory(atPath: folder).sorted().map { name in
            let (header, order) = try SACTrace.header(contentsOf: "\(folder)/\(name)")
            return SACFileSegment(path: "\(folder)/\(name)", header: header, byteOrder: order, id: try SACTrace.seedIdentifier(path: "\(folder)/\(name)"))
        }
        let assembled = try #require(InstrumentRecords.assemble(segments, componentOrder: card.componentOrder).records.first?.samples)
        var buffer = [Double](repeating: 0, count: 11_900)
        for k in 0..<3 {
            try buffer.withUnsafeMutableBufferPointer { try assembled.read(component: k, 0..<11_900, into: $0) }
            #expect(buffer == span.components[k], "component \(k)")
        }
        #expect(try descriptorsOpenInFolder() == 0)

        w.components[1][8_000] = .nan
        try write()
        let failed = try outcomes()
        #expect(failed.count == 1)
        #expect {
            try failed.first?.get()
        } throws: { error in
            guard case RecordError.nonFiniteSample(let file, _, let index, let value) = error else { return false }
            return file == "\(folder)/XX.ST.00.HNN.1.sac" && index == 1_000 && value.isNaN
        }

        // N's second file starting 1 s late: a gap, said with the instrument's first record, which
        // ends there; the second record is named by the file it starts in.
        w.components[1][8_000] = 0
        try write()
        try FileManager.default.removeItem(atPath: "\(folder)/XX.ST.00.HNN.1.sac")
        var late = SACTrace(samples: w.components[1][7_100..<12_000].map(Float.init), delta: 0.01)
        late.header.setReferenceTime(t0 + 71)
        try late.write(to: "\(folder)/XX.ST.00.HNN.1.sac")
        let split = try outcomes().map { try $0.get() }
        #expect(split.count == 2)
        #expect(split.first?.gaps.count == 1 && split.first?.gaps.first?.id.channel == "HNN" && split.last?.gaps.isEmpty == true)
        // (Times near 1.6·10⁹ s round to a few units of t0's ulp, 2.4·10⁻⁷ s.)
        #expect(split.first?.gaps.first.map { abs($0.seconds - 1) <= 4 * t0.ulp } == true)
        #expect(split.last?.classification.source == "\(folder)/XX.ST.00.HNE.1.sac")
    }

    /// Two components of one SAC triple (`*.sac`), or a file and its folder, are one record: read
    /// once, its picks counted once.
    @Test func aTripleNamedTwiceIsReadOnce() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("twice-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var rng = SeededGenerator(seed: 2)
        let z = try writeTriple(SyntheticRecord.generate(kind: .earthquake, durationSeconds: 10, using: &rng).waveform, folder: folder)
        let files = ["E", "N", "Z"].map { "\(folder)/T.HN\($0).sac" }
        #expect(try Classifier.inputs(expanding: files).inputs == [.sacFile(path: files[0])])
        #expect(try Classifier.inputs(expanding: [z, folder + "/", z]).inputs == [.sacFile(path: z)])
        #expect(try Classifier.inputs(expanding: [folder, z]).inputs.count == 1)
    }

    /// A SAC record read span by span fails cleanly: a NaN sample deep in a component names the
    /// file, channel and index; a file cut short after it was opened is an error naming its size now,
    /// not a crash.
    @Test func unreadableSpansAreErrors() throws {
        let card = ModelCard.earthquakePretraining()
        let c = Classifier(model: ConvNet(card.architecture, seed: 3), card: card)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("spans-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var w = record()
        w.components[1][9_999] = .nan
        let path = try writeTriple(w, folder: folder)
        #expect { try c.classify(recordAt: path) } throws: { error in
            guard case RecordError.nonFiniteSample(let file, _, let index, let value) = error else { return false }
            return file == "\(folder)/T.HNN.sac" && index == 9_999 && value.isNaN
        }
        // Opened, then the N file cut to half its samples: reading past its end throws.
        w.components[1][9_999] = 0
        _ = try writeTriple(w, folder: folder)
        let record = try ThreeComponentRecord.open(path)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(folder)/T.HNN.sac"))
        try handle.truncate(atOffset: UInt64(632 + 4 * 6_000))
        try handle.close()
        var buffer = [Double](repeating: 0, count: 100)
        try buffer.withUnsafeMutableBufferPointer { try record.read(component: 1, 5_900..<6_000, into: $0) }
        #expect(buffer[99] == w.components[1][5_999])
        #expect(throws: SACError.sizeMismatch(path: "\(folder)/T.HNN.sac", npts: 12_000, expectedBytes: 48_632, actualBytes: 24_632)) {
            try buffer.withUnsafeMutableBufferPointer { try record.read(component: 1, 5_950..<6_050, into: $0) }
        }
    }
}

@Suite struct ClassifyOutputTests {
    /// Probabilities in CSV: `fourDecimals` is "%.4f", on random floats, exact ties (1/32 → 312.5
    /// ten-thousandths) and the edges the fast path hands back (negative zero, NaN, infinity).
    @Test func fourDecimalsIsPrintfs() {
        var rng = TestRNG(seed: 73)
        var values: [Float] = [0, -0.0, 1, 0.03125, 0.09375, 0.00005, 0.99995, 1e9, 9.99999e8, .nan, .infinity, -.infinity, -0.5, Float.leastNonzeroMagnitude]
        values += (0..<20_000).map { _ in Float.random(in: 0...1, using: &rng) }
        values += (0..<200).map { _ in Float(Int.random(in: 0..<640, using: &rng)) / 32 }
        for x in values { #expect(RecordClassification.fourDecimals(x) == String(format: "%.4f", x), "\(x)") }
    }

    /// The JSON document written a record at a time, windows in pieces, is the text
    /// JSONSerialization makes of the whole document, for two records (one with silent windows and
    /// picks, more than 1,000 windows) and for none.
    @Test func streamedJSONIsTheWholeDocument() throws {
        let card = ModelCard.earthquakePretraining()
        let c = Classifier(model: ConvNet(card.architecture, seed: 3), card: card, strideSeconds: 0.1)
        var rng = SeededGenerator(seed: 9)
        var w = SyntheticRecord.generate(kind: .earthquake, durationSeconds: 150, using: &rng).waveform
        for k in 0..<3 { for i in 3_000..<3_300 { w.components[k][i] = 0 } }
        let records = [try c.classify(w, source: "a/b \"c\"", instrumentID: "XX.ST.00.HN"), try c.classify(w.slice(0..<2_000), source: "short")]
        #expect(records[0].predictions.count > 1_000 && !records[0].silentWindowStarts.isEmpty)
        let thresholds = PickThresholds(byClass: ["P-wave": 0.3, "S-wave": 0.3])
        for chosen in [records, []] {
            var text = RecordClassification.jsonDocumentHead(model: "m.safetensors", classNames: card.classNames, thresholds: thresholds)
            for (i, r) in chosen.enumerated() { r.writeJSONRecord(i, thresholds: thresholds) { text += $0 } }
            text += RecordClassification.jsonDocumentTail(records: chosen.count)
            let document: [String: Any] = [
                "model": "m.safetensors", "classes": card.classNames, "pick_thresholds": ["P-wave": 0.3, "S-wave": 0.3],
                "time_convention": "a window's values are given at its centre (first sample + half the window), UTC ISO 8601",
                "records": chosen.map { $0.jsonObject(thresholds: thresholds) }
            ]
            let reference = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            #expect(text == String(decoding: reference, as: UTF8.self), "\(chosen.count) records")
        }
    }
}

/// The largest difference between the class probabilities of two lists of predictions (NaN:
/// infinite), pairwise in order.
func largestProbabilityDifference(_ a: [WindowPrediction], _ b: [WindowPrediction]) -> Float {
    var worst: Float = 0
    for (p, q) in zip(a, b) {
        for (x, y) in zip(p.probabilities, q.probabilities) { worst = abs(x - y) <= worst ? worst : (abs(x - y).isNaN ? .infinity : abs(x - y)) }
    }
    return worst
}
