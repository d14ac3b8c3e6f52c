// Classifier: class probabilities over time for whole records, with the checkpoint's preprocessing.

import Foundation
import SeismicIO
import SeismicNN
import SeismicSignal

/// Runs a time-series model over records: the record chain of its card (detrend, taper, high-pass),
/// sliding windows of the card's duration every `strideSeconds`, each resampled to the card's
/// window length, the amplitude chain (normalise → int16 → normalise), then the model in batches.
public struct Classifier {
    public let model: ConvNet
    public let card: ModelCard
    public var strideSeconds: Double
    public var batchSize = 4096
    /// How errors name the model: its checkpoint path when known.
    public var modelName: String
    /// The instruments classified in miniSEED files, SDS archives and SAC groups: those whose
    /// channel codes match (classify's `--channels`, e.g. HN?); empty patterns: every instrument.
    public var channels = ChannelPatterns([])

    public init(model: ConvNet, card: ModelCard, strideSeconds: Double = 0.5, modelName: String = "the model") {
        precondition(card.architecture.inputShape[0] == 1, "the classifier runs time-series models ([N, 1, length, components])")
        self.model = model
        self.card = card
        self.strideSeconds = strideSeconds
        self.modelName = modelName
    }

    public var windowSeconds: Double { card.windowSeconds }

    /// Peak memory, in bytes, that `classify` of a record of `samples` per component at
    /// `samplingRateHz` takes besides the record's samples (SAC files and indexed miniSEED or SDS
    /// records are read span by span and hold none of them; a miniSEED file that cannot be indexed
    /// is decoded into memory first):
    /// one chunk of windows (`windowsPerChunk`) in its 5.3 float32 copies (cut, kept, normalised,
    /// quantised, normalised again), three times the record chain's output over the span those
    /// windows cover and the 8,192-sample blocks it reads (float64: the next chunk's is staged
    /// while this one is classified), about 120 bytes of bookkeeping and
    /// result per window of the record, and 50 MB for the program. Measured peak resident memory of
    /// `seismic classify` (table output) on 3 × 100 Hz records in counts at a 0.5 s stride: a day
    /// (8.64 × 10⁶ samples each) from a SAC triple 0.20 GB (this estimate: 0.21 GB), 10⁸ samples
    /// each (2.4 GB in float64) 0.35 GB (0.43 GB).
    public func estimatedPeakBytes(samples: Int, samplingRateHz: Double) -> Int {
        let components = Double(card.architecture.inputShape[2])
        let step = max(1, (strideSeconds * samplingRateHz).rounded())
        let windows = Double(samples) / step
        let chunkWindows = min(windows, Double(max(1, windowsPerChunk)))
        let chunkBytes = chunkWindows * Double(card.windowSamples) * components * 4
        let spanBytes = min(Double(samples), chunkWindows * step + windowSeconds * samplingRateHz + 8_192) * components * 8
        let peak = 50e6 + 5.3 * chunkBytes + 3 * spanBytes + 120 * windows
        return peak < Double(Int.max) ? Int(peak) : Int.max
    }

    /// Windows whose peak |x| is at most this carry no signal and are not classified (the seed's
    /// `remove_small_amplitude` threshold, which training applies too).
    public static let silentPeak = Preprocessing.silentPeak

    /// The largest |x| of a record's samples times their unit factors that is classified: float32's
    /// largest value / 1024, a margin far beyond what the record chain can add (a fitted line
    /// removed, a taper, a high-pass filter's and a resampling's overshoot, each a few times the
    /// peak at most); larger is `ClassifyError.beyondFloat32`. Real records are many orders below it.
    public static let largestPeak = Double(Float.greatestFiniteMagnitude) / 1024

    public enum ClassifyError: Error, CustomStringConvertible {
        case components(found: Int, expected: Int)
        case tooShort(seconds: Double, window: Double)
        /// Every window of the record is silent (see `RecordClassification.silentWindowStarts`).
        case noSignal(windows: Int, peak: Float, units: String)
        /// The record's samples times their unit factors (`--scale`, a sensitivity) pass
        /// `largestPeak`: the record chain (detrend, taper, high-pass, resampling) could take its
        /// windows past float32's range, which the model computes in — infinite, not data.
        case beyondFloat32(peak: Double, units: String)
        public var description: String {
            switch self {
            case .beyondFloat32(let peak, let units):
                return String(
                    format:
                        "the record's samples reach |x| = %g after their unit factors, too near float32's range (3.4e38), which the model computes in: check the scale or sensitivity; samples: %@",
                    peak, units)
            case .noSignal(let n, let peak, let units):
                return
                    "all \(n) windows carry no signal (peak |x| ≤ \(peak) in the model's units after detrend, taper and high-pass): a dead or constant record is not classified"
                    + (units.isEmpty ? "" : " (samples: \(units); a sensitivity too large makes a record look dead)")
            case .components(let f, let e): return "the record has \(f) components, the model takes \(e)"
            case .tooShort(let s, let w): return String(format: "the record lasts %.2f s, shorter than one %.2f s window", s, w)
            }
        }
    }

    /// Predictions for every window of `waveform` (already in the card's units), windows
    /// `strideSeconds` apart (rounded to whole samples at the record's rate) from its first
    /// sample; `instrumentID` ("NET.STA.LOC.BI") names the record in picks and annotations, `units`
    /// says what its samples were (`UnitConversion.description`).
    public func classify(_ waveform: Waveform, source: String = "", instrumentID: String = "", units: String = "") throws -> RecordClassification {
        let none = UnitConversion(factors: [Double](repeating: 1, count: waveform.componentCount), description: units, unitsKnown: false)
        return try classify(samples: waveform, conversion: none, path: source, source: source, instrumentID: instrumentID).classification
    }

    /// Predictions for every window of `record`, its samples brought to the card's units by
    /// `conversion` as they are read (with the ±100 g check of `UnitConversion.converted`, naming
    /// `path`), read span by span: a pass finds the flat runs (and the peak, the plot's samples and,
    /// for a record without flat runs, the detrend's line), then each part between them goes
    /// through the record chain block by block
    /// (`RecordChainStream`) as its windows are cut, so memory holds one chunk of windows and the
    /// span of the record they cover, not the record. Also returns the record's samples at most
    /// about 4,000 per component, every k-th one (k = ⌊n / 4000⌋), at 1/k of its rate: what
    /// `RecordClassification.plot(waveform:)` draws of the whole record.
    func classify(
        samples record: some RecordSamples, conversion: UnitConversion, path: String, source: String, instrumentID: String
    ) throws -> (classification: RecordClassification, plotSamples: Waveform) {
        let comps = card.architecture.inputShape[2]
        let rate = record.samplingRateHz
        let n = record.sampleCount
        guard record.componentCount == comps else { throw ClassifyError.components(found: record.componentCount, expected: comps) }
        let duration = Double(n) / rate
        guard duration >= windowSeconds else { throw ClassifyError.tooShort(seconds: duration, window: windowSeconds) }
        let sourceSamples = Int((windowSeconds * rate).rounded())
        let step = max(1, Int((strideSeconds * rate).rounded()))
        let windowCount = (n - sourceSamples) / step + 1
        // A flat run of a second or more (a zero-filled gap) splits the record: each part goes
        // through the record chain on its own, so the step at the run's edge never rings into the
        // windows beside it, and a window reaching into the run is not classified (no signal).
        // (At most a window long, so a window flat throughout always lies in such a run.)
        let scan = try RecordScan(record, factors: conversion.factors, flatRunSamples: min(Int(rate.rounded()), sourceSamples))
        // (The samples as read are finite, or reading refused them: a peak this large is the factors'.)
        guard scan.peak <= Self.largestPeak else { throw ClassifyError.beyondFloat32(peak: scan.peak, units: conversion.description) }
        if conversion.unitsKnown, let model = card.units.acceleration {
            try conversion.checkPlausible(peak: scan.peak, path: path, model: model)
        }
        let parts = scan.parts.filter { $0.count >= sourceSamples }
        let highpass = try parts.isEmpty ? nil : card.preprocessing.recordHighpass(samplingRateHz: rate)
        // Windows go through cut → resample → signal check → amplitude chain → model a chunk at a
        // time; each part's chain runs as far as the chunk's windows need.
        var predictions: [WindowPrediction] = [], silent: [Double] = []
        let cutter = SlidingWindowCutter(sourceSamples: sourceSamples, targetSamples: card.windowSamples)
        var chains: [Int: RecordChainStream] = [:]
        var p = 0
        /// The windows `chunk` placed (each window's part and start in it; nil for a window reaching
        /// into a flat run) and the chain output they cover, each part's chain advanced so far.
        func stage(_ chunk: Range<Int>) throws -> (placement: [(part: Int, start: Int)?], spans: [Int: (samples: [[Double]], start: Int)]) {
            var placement = [(part: Int, start: Int)?](repeating: nil, count: chunk.count)
            for w in chunk {
                let start = w * step
                while p < parts.count, parts[p].upperBound < start + sourceSamples { p += 1 }
                if p < parts.count, parts[p].lowerBound <= start { placement[w - chunk.lowerBound] = (p, start - parts[p].lowerBound) }
            }
            var needed: [Int: Range<Int>] = [:]
            for case let (part, start)? in placement {
                let r = needed[part] ?? start..<(start + sourceSamples)
                needed[part] = min(r.lowerBound, start)..<max(r.upperBound, start + sourceSamples)
            }
            if let lowest = needed.keys.min() { chains = chains.filter { $0.key >= lowest } }
            for (part, range) in needed {
                if chains[part] == nil {
                    chains[part] = try RecordChainStream(
                        record: record, part: parts[part], factors: conversion.factors, preprocessing: card.preprocessing, highpass: highpass!,
                        lines: parts[part] == 0..<n ? scan.wholeRecordLines : nil)
                }
                chains[part]!.discard(before: range.lowerBound)
                try chains[part]!.advance(to: range.upperBound)
                chains[part]!.discard(before: range.lowerBound)
            }
            return (placement, chains.mapValues { (samples: $0.buffer, start: $0.bufferStart) })
        }
        let startSeconds = { (w: Int) in Double(w * step) / rate }
        /// The staged windows of `chunk` cut, prepared and classified: their predictions and the
        /// starts of the silent ones.
        func classified(
            _ chunk: Range<Int>, _ staged: (placement: [(part: Int, start: Int)?], spans: [Int: (samples: [[Double]], start: Int)])
        ) throws -> (predictions: [WindowPrediction], silent: [Double]) {
            let (windows, kept) = preparedWindows(chunk, placement: staged.placement, spans: staged.spans, cutter: cutter, step: step)
            var predictions: [WindowPrediction] = []
            if !kept.isEmpty {
                let span = String(format: "%.2f–%.2f s", startSeconds(kept.first!), startSeconds(kept.last!))
                let rows = try predict(windows, context: "windows of \(source) starting \(span) after its first sample")
                predictions = zip(kept, rows).map { WindowPrediction(startSeconds: startSeconds($0), probabilities: $1) }
            }
            return (predictions, Self.silent(chunk, kept: kept).map(startSeconds))
        }
        // Chunk after chunk; the next one is staged (read, chain advanced) while this one is classified.
        func chunk(from first: Int) -> Range<Int> { first..<(first + min(max(1, windowsPerChunk), windowCount - first)) }
        var current = chunk(from: 0)
        var staged = try stage(current)
        while true {
            let (now, next) =
                current.upperBound < windowCount
                ? try Parallel.overlapping(
                    { try classified(current, staged) },
                    background: { () throws -> (Range<Int>, _)? in
                        let next = chunk(from: current.upperBound)
                        return (next, try stage(next))
                    })
                : (try classified(current, staged), nil)
            predictions += now.predictions
            silent += now.silent
            guard let (nextChunk, nextStaged) = next else { break }
            (current, staged) = (nextChunk, nextStaged)
        }
        guard !predictions.isEmpty else { throw ClassifyError.noSignal(windows: windowCount, peak: Self.silentPeak, units: conversion.description) }
        let classification = RecordClassification(
            source: source, instrumentID: instrumentID, startTime: record.startTime, windowSeconds: windowSeconds,
            strideSeconds: Double(step) / rate, classNames: card.classNames, predictions: predictions, silentWindowStarts: silent,
            units: conversion.description)
        return (classification, scan.plotSamples(of: record))
    }

    /// Windows classified a chunk at a time by `classify(_:source:instrumentID:units:)`: 16,384
    /// windows of 2 s at 40 Hz and 3 components are 16 MB in float32.
    public var windowsPerChunk = 16_384

    /// The windows `chunk` (`placement[w - chunk.lowerBound]`: window w's part of the record and
    /// start in it, nil for a window reaching into a flat run) cut from the record chain's output
    /// `spans` (of each part, its samples from part-relative `start` on),
    /// resampled (`SlidingWindowCutter`: one matrix product per run of windows in one part), the
    /// silent ones set aside and the rest through the amplitude chain; in parallel pieces of 1,024
    /// windows. Returns the prepared windows and their indices (ascending).
    private func preparedWindows(
        _ chunk: Range<Int>, placement: [(part: Int, start: Int)?], spans: [Int: (samples: [[Double]], start: Int)], cutter: SlidingWindowCutter,
        step: Int
    ) -> (windows: WindowBatch, kept: [Int]) {
        let (length, comps) = (card.windowSamples, card.architecture.inputShape[2])
        let size = length * comps
        let pieceLength = 1_024
        let pieces = Parallel.map((chunk.count + pieceLength - 1) / pieceLength) { p -> (values: [Float], kept: [Int]) in
            let lower = chunk.lowerBound + p * pieceLength
            let piece = lower..<min(lower + pieceLength, chunk.upperBound)
            var values = [Float](repeating: 0, count: piece.count * size)
            values.withUnsafeMutableBufferPointer { out in
                // Runs of consecutive windows in one part, `step` apart there.
                var w = piece.lowerBound
                while w < piece.upperBound {
                    guard let (part, start) = placement[w - chunk.lowerBound] else {
                        w += 1
                        continue
                    }
                    var end = w + 1
                    while end < piece.upperBound, let next = placement[end - chunk.lowerBound], next.part == part { end += 1 }
                    let span = spans[part]!
                    cutter.cut(
                        span.samples, first: start - span.start, step: step, count: end - w,
                        into: out.baseAddress! + (w - piece.lowerBound) * size)
                    w = end
                }
            }
            let batch = WindowBatch(values: values, count: piece.count, length: length, components: comps)
            // (A window reaching into a flat run was not cut: all zeros, it carries no signal.)
            let kept = card.preprocessing.windowsWithSignal(batch)
            return (card.preprocessing.prepareWindows(batch.selecting(kept)).values, kept.map { piece.lowerBound + $0 })
        }
        let kept = pieces.flatMap(\.kept)
        var values = [Float]()
        values.reserveCapacity(kept.count * size)
        for piece in pieces { values += piece.values }
        return (WindowBatch(values: values, count: kept.count, length: length, components: comps), kept)
    }

    /// The windows of `range` not in `kept` (ascending, within `range`), in order.
    private static func silent(_ range: Range<Int>, kept: [Int]) -> [Int] {
        var keptIterator = kept.makeIterator()
        var next = keptIterator.next()
        return range.filter { w in
            guard w == next else { return true }
            next = keptIterator.next()
            return false
        }
    }

    /// Windows cut at `starts` (seconds) through the amplitude chain and the model; the silent ones
    /// set aside. Throws `ClassifyError.noSignal` when all are silent, `ModelOutputError`.
    private func classify(_ windows: WindowBatch, starts: [Double], source: String) throws -> (predictions: [WindowPrediction], silent: [Double]) {
        let kept = card.preprocessing.windowsWithSignal(windows)
        guard !kept.isEmpty else { throw ClassifyError.noSignal(windows: windows.count, peak: Self.silentPeak, units: "") }
        let rows = try predict(card.preprocessing.prepareWindows(windows.selecting(kept)), context: "windows of \(source)")
        return (
            zip(kept, rows).map { WindowPrediction(startSeconds: starts[$0], probabilities: $1) },
            Self.silent(starts.indices, kept: kept).map { starts[$0] }
        )
    }

    /// Predictions for the SAC record `path` belongs to (its sibling components found by name),
    /// its samples brought to the card's units as `units` says (`UnitOptions.conversion`: the units
    /// its header states, else the inventory, `--sensitivity`, `--units` or `--scale`); also returns
    /// the record's samples a plot draws (`classify(samples:…)`: every k-th sample, not the record).
    /// The headers are read and checked first, then the samples span by span from the files
    /// (`ThreeComponentRecord.open`): memory holds a chunk of windows and their results, not the
    /// record (`estimatedPeakBytes` against `MemoryBudget` before the samples are read).
    /// - Throws: `SACError`/`RecordError` for the headers, `InsufficientMemoryError`,
    ///   `AccelerationUnitError` for a header stating other than acceleration, `RecordUnitError`
    ///   for the units asked for, `ClassifyError` for the components or a record shorter than a
    ///   window; then, as the samples are read, `SACError`/`RecordError` for a file cut short or a
    ///   non-finite sample (the first in time, the components read together),
    ///   `RecordUnitError.implausible`, `ClassifyError.beyondFloat32` (samples × factors past
    ///   `largestPeak`), `ClassifyError.noSignal` and `ModelOutputError`.
    public func classify(recordAt path: String, units: UnitOptions = UnitOptions()) throws -> (classification: RecordClassification, plotSamples: Waveform) {
        let (c, plot, _) = try classifyRecord(at: path, units: units)
        return (c, plot)
    }

    /// `classify(recordAt:units:)` with the record's samples per component.
    func classifyRecord(at path: String, units: UnitOptions) throws -> (RecordClassification, Waveform, sampleCount: Int) {
        let record = try ThreeComponentRecord.open(path)
        try MemoryBudget.current()?.check(
            neededBytes: estimatedPeakBytes(samples: record.sampleCount, samplingRateHz: record.samplingRateHz), for: "classifying \(path)")
        let ids = record.paths.compactMap { try? SACTrace.seedIdentifier(path: $0) }
        let stated = try statedUnits(record.headers, path: path)
        let (c, plot) = try classify(
            samples: record, units: units, stated: stated, channels: ids, path: path, source: path, instrumentID: ids.first?.instrumentID ?? "")
        return (c, plot, record.sampleCount)
    }

    /// `record` (as read) brought to the card's units as `units` says (`UnitOptions.conversion`,
    /// then the ±100 g check of `UnitConversion.converted`) as it is read, then classified; `path`
    /// names it in unit errors, `source` and `instrumentID` in the result.
    func classify(
        samples record: some RecordSamples, units: UnitOptions, stated: AccelerationUnit?, channels: [SEEDIdentifier], path: String, source: String,
        instrumentID: String
    ) throws -> (classification: RecordClassification, plotSamples: Waveform) {
        let end = record.startTime + Double(max(record.sampleCount - 1, 0)) / record.samplingRateHz
        let conversion = try units.conversion(
            stated: stated, channels: channels, components: record.componentCount, time: record.startTime, end: end, path: path,
            to: card.units.acceleration)
        return try classify(samples: record, conversion: conversion, path: path, source: source, instrumentID: instrumentID)
    }

    /// The acceleration units SAC `headers` state (`AccelerationUnit.stated`), read only when the
    /// model takes acceleration: for a model in counts the header's units do not matter.
    func statedUnits(_ headers: [SACHeader], path: String) throws -> AccelerationUnit? {
        guard card.units.acceleration != nil else { return nil }
        return try AccelerationUnit.stated(by: headers, path: path)
    }

    /// Predictions for the windows of a prepared dataset (already cut and resampled): the
    /// amplitude chain and the model only. Window k is reported at `startSeconds` k (its index);
    /// windows without signal are listed in `silentWindowStarts` as for records.
    /// - Throws: `InsufficientMemoryError` before reading when the dataset cannot fit in memory;
    ///   `DatasetError` for a file that is not a dataset or whose windows are not the model's
    ///   (shape, rate, components; its classes may differ: they are not used);
    ///   `ClassifyError.noSignal` when no window carries signal; `ModelOutputError`.
    public func classify(datasetAt path: String) throws -> RecordClassification {
        try PreparedDataset.requireMemory(toLoad: path, for: "classifying \(path)")
        let prepared = try PreparedDataset.load(from: path)
        try prepared.checkCompatible(with: card, modelPath: modelName, path: path, use: .inference)
        let windows = prepared.windowDataset().windows
        let (predictions, silent) = try classify(windows, starts: (0..<windows.count).map(Double.init), source: path)
        return RecordClassification(
            source: path, startTime: 0, windowSeconds: windowSeconds, strideSeconds: nil, classNames: card.classNames,
            predictions: predictions, silentWindowStarts: silent)
    }

    /// Class probabilities of windows already through the amplitude chain, `batchSize` at a time:
    /// one row of `card.classNames.count` values per window, in the windows' order.
    /// - Throws: `ModelOutputError` naming `modelName` when an output is not finite.
    public func predict(_ windows: WindowBatch, context: String) throws -> [[Float]] {
        let size = windows.length * windows.components
        let k = card.classNames.count
        var rows: [[Float]] = []
        rows.reserveCapacity(windows.count)
        var first = 0
        while first < windows.count {
            let n = min(batchSize, windows.count - first)
            let x = Tensor(shape: [n, 1, windows.length, windows.components], storage: Array(windows.values[(first * size)..<((first + n) * size)]))
            let probs = model.predict(x)
            try ModelOutputError.check(probs, model: modelName, context: "\(context), windows \(first)…\(first + n - 1)")
            for r in 0..<n { rows.append(Array(probs.storage[(r * k)..<((r + 1) * k)])) }
            first += n
        }
        return rows
    }
}
