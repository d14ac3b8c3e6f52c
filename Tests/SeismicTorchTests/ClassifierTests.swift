// Classifying records: window placement, the card's preprocessing, probabilities, refusals.

import Foundation
import SeismicIO
import SeismicNN
import SeismicSignal
import SeismicTorch
import TestSupport
import Testing

@Suite struct ClassifierTests {
    private func record(seconds: Double, seed: UInt64) -> Waveform {
        var rng = SeededGenerator(seed: seed)
        return SyntheticRecord.generate(kind: .earthquake, durationSeconds: seconds, using: &rng).waveform
    }

    @Test func slidesWindowsAndMatchesTheModelOnAManuallyPreparedWindow() throws {
        let card = ModelCard.earthquakePretraining()
        let model = ConvNet(card.architecture, seed: 3)
        let w = record(seconds: 60, seed: 1)
        let result = try Classifier(model: model, card: card, strideSeconds: 0.5).classify(w, source: "x")
        #expect(result.predictions.count == Int((60.0 - 2.0) / 0.5) + 1)
        #expect(result.predictions.allSatisfy { abs($0.probabilities.reduce(0, +) - 1) < 1e-5 })
        #expect(result.predictions[3].startSeconds == 1.5)
        // Window 10 by hand: the record chain, 200 samples from 5 s, resampled to 80 (alone, where the
        // classifier resampled it with its neighbours), normalise → int16 → normalise.
        let prepared = try card.preprocessing.prepareRecord(w)
        var cut = [Float](repeating: 0, count: 240)
        SlidingWindowCutter(sourceSamples: 200, targetSamples: 80).cut(prepared.components, first: 500, step: 1, count: 1, into: &cut)
        let chain = WindowBatch(values: cut, count: 1, length: 80, components: 3)
        let x = WindowBatch(values: chain.normalized().quantized().map(Float.init), count: 1, length: 80, components: 3).normalized()
        let p = CrossEntropy.softmax(model.forward(Tensor(shape: [1, 1, 80, 3], storage: x.values), training: false))
        // The same kernels sum each window's products in the same order whatever the batch (rows are
        // independent in the gemm, BatchNorm in evaluation is elementwise): bit-identical.
        #expect(
            result.predictions[10].probabilities == p.storage,
            "window 10: \(maxRelativeError(result.predictions[10].probabilities, p.storage))")
    }

    /// Sliding windows resampled by one matrix product per component: every value within the
    /// stated bound γ_{k+2}·Σ|R_tq·x_q| of the exact map (the matrix and samples in double),
    /// for windows overlapping (hop 50 < 200), touching and apart, and at equal lengths a copy.
    @Test func slidingWindowsAreResampledWithinTheBound() {
        var rng = SeededGenerator(seed: 8)
        let record = (0..<3).map { _ in (0..<9_000).map { _ in Double(rng.nextUnitFloat() * 2 - 1) * 1e-3 } }
        let r = FourierResampler(from: 200, to: 80).matrix()
        let u = 0x1p-24, gamma = Double(202) * u / (1 - Double(202) * u)  // γ_{k+2}: k sums, R and x rounded
        for (first, step, count) in [(0, 50, 150), (13, 200, 20), (7, 317, 9), (8_799, 1, 2)] {
            var out = [Float](repeating: .nan, count: count * 240)
            SlidingWindowCutter(sourceSamples: 200, targetSamples: 80).cut(record, first: first, step: step, count: count, into: &out)
            var worst = 0.0
            for w in 0..<count {
                for c in 0..<3 {
                    for t in 0..<80 {
                        var exact = 0.0, magnitude = 0.0
                        for q in 0..<200 {
                            let term = r[t * 200 + q] * record[c][first + w * step + q]
                            exact += term
                            magnitude += abs(term)
                        }
                        let ratio = abs(Double(out[(w * 80 + t) * 3 + c]) - exact) / (gamma * magnitude)
                        worst = ratio <= worst ? worst : ratio  // a NaN (an output not written) is kept
                    }
                }
            }
            #expect(worst <= 1, "first \(first), step \(step): error \(worst)× the bound")  // false for NaN
        }
        // Long windows go through transforms, window by window: FourierResampler's values.
        var long = [Float](repeating: .nan, count: 2 * 300 * 3)
        SlidingWindowCutter(sourceSamples: 1_000, targetSamples: 300).cut(record, first: 3, step: 500, count: 2, into: &long)
        let resampler = FourierResampler(from: 1_000, to: 300)
        let byWindow = (0..<2).map { w in (0..<3).map { c in resampler(Array(record[c][(3 + w * 500)..<(1_003 + w * 500)])) } }
        #expect(long == (0..<2).flatMap { w in (0..<300).flatMap { t in (0..<3).map { Float(byWindow[w][$0][t]) } } })
        var same = [Float](repeating: .nan, count: 2 * 120)
        SlidingWindowCutter(sourceSamples: 40, targetSamples: 40).cut(record, first: 5, step: 10, count: 2, into: &same)
        #expect(same == (0..<2).flatMap { w in (0..<40).flatMap { t in (0..<3).map { Float(record[$0][5 + w * 10 + t]) } } })
    }

    /// Windows go through the chain a chunk at a time (memory holds one chunk), each chunk in
    /// pieces of 1,024 cut in parallel: any chunk size gives the same windows with predictions and
    /// the same silent windows as one chunk for the whole record, on a record with a flat run (a
    /// zero-filled gap) and 1,761 windows (two pieces); the same probabilities, bit for bit.
    @Test func anyChunkSizeGivesTheSameResult() throws {
        let card = ModelCard.earthquakePretraining()
        let model = ConvNet(card.architecture, seed: 3)
        var w = record(seconds: 90, seed: 5)
        for c in 0..<3 { for i in 2000..<3000 { w.components[c][i] = 0 } }
        var whole = Classifier(model: model, card: card, strideSeconds: 0.05)
        whole.windowsPerChunk = .max
        let reference = try whole.classify(w, source: "x")
        #expect(reference.predictions.count + reference.silentWindowStarts.count == Int((90.0 - 2.0) / 0.05) + 1)
        #expect(reference.silentWindowStarts.count >= 200)
        for chunk in [0, 1, 7, 64, 1_025, 1_500] {
            var c = whole
            c.windowsPerChunk = chunk
            let r = try c.classify(w, source: "x")
            #expect(r.predictions.map(\.startSeconds) == reference.predictions.map(\.startSeconds), "chunk \(chunk)")
            #expect(r.silentWindowStarts == reference.silentWindowStarts, "chunk \(chunk)")
            // The windows a chunk keeps make the model's batch; every layer gives a window the same
            // bits whatever its batch (`Linear.rowIndependentLimit`), so the probabilities are equal.
            let worst = largestProbabilityDifference(r.predictions, reference.predictions)
            #expect(worst == 0, "chunk \(chunk): probabilities differ by \(worst)")
        }
    }

    @Test func refusesShortRecordsAndWrongComponentCounts() {
        let card = ModelCard.earthquakePretraining()
        let c = Classifier(model: ConvNet(card.architecture), card: card)
        #expect(throws: Classifier.ClassifyError.self) { try c.classify(self.record(seconds: 60, seed: 2).slice(0..<150)) }
        let one = Waveform(components: [[Double](repeating: 0, count: 1000)], samplingRateHz: 100)
        #expect { try c.classify(one) } throws: { "\($0)".contains("1 components") }
    }

    /// A constant (or all-zero) record carries nothing: refused, never called an event.
    @Test func aConstantRecordIsRefusedAsWithoutSignal() {
        let card = ModelCard.earthquakePretraining()
        let c = Classifier(model: ConvNet(card.architecture, seed: 3), card: card)
        for level in [0.0, 1234.5] {
            let flat = Waveform(components: Array(repeating: [Double](repeating: level, count: 3000), count: 3), samplingRateHz: 100)
            #expect { try c.classify(flat) } throws: {
                guard case Classifier.ClassifyError.noSignal(let windows, _, _) = $0 else { return false }
                return windows == 57
            }
        }
    }

    /// The memory estimate grows with the windows of the record (their bookkeeping and results,
    /// about 120 bytes a window); the windows and the stretch of the record they cover are held a
    /// chunk at a time; a day at 100 Hz at the default stride comes to about 0.2 GB (measured
    /// 0.20 GB, `classify --help`).
    @Test func memoryEstimateGrowsWithTheRecordAndTheWindows() {
        let card = ModelCard.earthquakePretraining()
        let model = ConvNet(card.architecture)
        let c = Classifier(model: model, card: card, strideSeconds: 0.5)
        let fine = Classifier(model: model, card: card, strideSeconds: 0.1)
        let everySample = Classifier(model: model, card: card, strideSeconds: 0.01)
        #expect(c.estimatedPeakBytes(samples: 2_000_000, samplingRateHz: 100) < c.estimatedPeakBytes(samples: 4_000_000, samplingRateHz: 100))
        #expect(fine.estimatedPeakBytes(samples: 2_000_000, samplingRateHz: 100) < everySample.estimatedPeakBytes(samples: 2_000_000, samplingRateHz: 100))
        // A finer stride never needs less for a day (its windows' results outgrow the shorter span a
        // chunk covers; for short records the span can dominate, so this is a day's law).
        #expect(c.estimatedPeakBytes(samples: 8_640_000, samplingRateHz: 100) <= fine.estimatedPeakBytes(samples: 8_640_000, samplingRateHz: 100))
        let day = Double(c.estimatedPeakBytes(samples: 8_640_000, samplingRateHz: 100))
        #expect(day > 0.2e9 && day < 0.23e9)  // 0.214 GB by the formula
        #expect(c.estimatedPeakBytes(samples: Int.max / 2, samplingRateHz: 1e-9) == Int.max)
    }

    /// `classify(inputs:)` over a folder and two bad paths: every record gets its own outcome in
    /// order, the failures are counted and the good records still classified; a folder without
    /// records is refused naming it.
    @Test func eachInputHasItsOwnOutcome() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("inputs-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try SyntheticCorpus.writeQSIS(folder: folder + "/records", kind: .earthquake, count: 2, stations: 1, durationSeconds: 60, seed: 5)
        try FileManager.default.createDirectory(atPath: folder + "/empty", withIntermediateDirectories: true)
        try Data("not a dataset".utf8).write(to: URL(fileURLWithPath: folder + "/bad.h5"))
        try Data("notes".utf8).write(to: URL(fileURLWithPath: folder + "/records/README.txt"))
        let scan = try Classifier.inputs(expanding: [folder + "/records", folder + "/missing.sac", folder + "/bad.h5"])
        // The two records of station ST00 are one instrument's SAC files (by their headers).
        #expect(scan.inputs.count == 3 && scan.inputs[1...] == [.sacFile(path: folder + "/missing.sac"), .dataset(path: folder + "/bad.h5")])
        guard case .sac(let paths, let id) = scan.inputs[0] else { Issue.record("\(scan.inputs[0])"); return }
        #expect(paths.count == 6 && id == "SY.ST00..HL")
        #expect(scan.skipped.map(\.path) == [folder + "/records/README.txt"] && scan.skipped[0].reason.contains("text"))
        let card = ModelCard.earthquakePretraining()
        let c = Classifier(model: ConvNet(card.architecture, seed: 3), card: card)
        var seen: [(String, Bool)] = []
        let (outcomes, failures) = c.classify(inputs: scan.inputs) { path, outcome in
            if case .success(let r) = outcome { #expect(r.classification.predictions.count > 50 && r.waveform != nil) }
            seen.append((path, (try? outcome.get()) != nil))
        }
        #expect(outcomes == 4 && failures == 2)
        #expect(seen.map(\.1) == [true, true, false, false])
        #expect { try Classifier.inputs(expanding: [folder + "/empty"]) } throws: { "\($0)".contains("no records found in \(folder)/empty") }
        // An empty file named on the command line is said to be empty (not sent to the SAC reader,
        // which looked for its sibling components first).
        try Data().write(to: URL(fileURLWithPath: folder + "/x.mseed"))
        let empty = try Classifier.inputs(expanding: [folder + "/x.mseed", folder + "/records"])
        #expect(empty.failures.map(\.0) == [folder + "/x.mseed"] && empty.failures.first?.1 == "the file is empty (0 bytes)")
    }

    /// `Classifier.load` refuses a stride longer than the window and an image model, naming them.
    @Test func loadingRefusesLongStridesAndImageModels() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("load-\(UUID()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let card = ModelCard.earthquakePretraining()
        try Checkpoint.save(model: ConvNet(card.architecture, seed: 0), card: card, to: path)
        #expect(try Classifier.load(checkpoint: path, strideSeconds: 2).strideSeconds == 2)
        #expect(throws: Classifier.InputError.strideTooLong(stride: 2.5, window: 2)) { try Classifier.load(checkpoint: path, strideSeconds: 2.5) }
        let spectrogram = ModelCard.spectrogramEvents()
        try Checkpoint.save(model: ConvNet(spectrogram.architecture, seed: 0), card: spectrogram, to: path)
        #expect { try Classifier.load(checkpoint: path, strideSeconds: 0.5) } throws: { "\($0)".contains("classify runs time-series models") }
    }

    /// A record whose header states gal is converted to the card's m/s² (the same predictions as
    /// the samples × 0.01); a `scale` given as well is refused; a record stating velocity is
    /// refused for an acceleration model; a model in counts takes the record as it is.
    @Test func recordsStatingTheirUnitsAreConverted() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("units-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try SyntheticCorpus.writeQSIS(folder: folder, kind: .earthquake, count: 1, stations: 1, durationSeconds: 60, seed: 8)
        let path = QSIS.recordFiles(in: folder)[0]
        let card = ModelCard.earthquakePretraining()
        let c = Classifier(model: ConvNet(card.architecture, seed: 4), card: card)
        let converted = try c.classify(recordAt: path).classification
        let w = try ThreeComponentRecord.read(path).waveform
        let direct = try c.classify(w.mapComponents { $0.map { $0 * 0.01 } }, source: path)
        #expect(converted.predictions == direct.predictions)
        #expect { try c.classify(recordAt: path, units: UnitOptions(scale: 0.01)) } throws: { "\($0)".contains("states its samples are in gal") }
        for file in try FileManager.default.contentsOfDirectory(atPath: folder + "/ST00") {
            var t = try SACTrace(contentsOf: folder + "/ST00/" + file)
            t.header.setDependentVariable(.velocity)
            try t.write(to: folder + "/ST00/" + file)
        }
        #expect(throws: AccelerationUnitError.self) { try c.classify(recordAt: path) }
        var counts = card
        counts.units = .counts
        let raw = Classifier(model: c.model, card: counts)
        #expect(
            try raw.classify(recordAt: path, units: UnitOptions(scale: 3)).0.predictions
                == (try raw.classify(w.mapComponents { $0.map { $0 * 3 } }, source: path)).predictions)
        // A scale that takes the samples near float32's range is refused as such, not read as
        // windows without signal (the overflowed ones looked dead); the largest peak allowed is not.
        let peak = w.components.flatMap { $0 }.map(abs).max()!
        for scale in [Classifier.largestPeak / peak * 1.01, Double(Float.greatestFiniteMagnitude) / peak * 4, .greatestFiniteMagnitude] {
            #expect { try raw.classify(recordAt: path, units: UnitOptions(scale: scale)) } throws: { "\($0)".contains("too near float32's range") }
        }
        let largest = try raw.classify(recordAt: path, units: UnitOptions(scale: Classifier.largestPeak / peak * 0.99)).0
        #expect(largest.predictions.allSatisfy { $0.probabilities.allSatisfy(\.isFinite) } && !largest.predictions.isEmpty)
    }

    /// A file named on its own is taken by its content: another format is a failure naming what
    /// it looks like; a folder holding only other files says how many were skipped.
    @Test func filesOfOtherFormatsAreNamed() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("formats-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder + "/notes", withIntermediateDirectories: true)
        try Data([0x50, 0x4B, 0x03, 0x04] + [UInt8](repeating: 0, count: 100)).write(to: URL(fileURLWithPath: folder + "/r.npz"))
        try Data("readme\n".utf8).write(to: URL(fileURLWithPath: folder + "/notes/README.txt"))
        let scan = try Classifier.inputs(expanding: [folder + "/r.npz"])
        #expect(scan.inputs.isEmpty && scan.failures.map(\.reason) == ["not a record: the file looks like NumPy archive (.npz), not miniSEED 2 or SAC"])
        #expect { try Classifier.inputs(expanding: [folder + "/notes"]) } throws: { "\($0)".hasSuffix("; 1 files of other formats skipped") }
    }
}
