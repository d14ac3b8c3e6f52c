// Classifier+Inputs: the records a list of paths names (folders searched), each classified in turn
// with its own outcome, so one unreadable record never stops the others.

import Foundation
import SeismicIO

/// A record or prepared dataset classified by `Classifier.classify(inputs:scale:each:)`.
public struct ClassifiedInput {
    public var classification: RecordClassification
    /// The record as read (unscaled), for plotting; nil for a prepared dataset.
    public var waveform: Waveform?
    /// For a miniSEED record: the instrument ("NET.STA.LOC.BI") and the gaps and overlaps of its
    /// channels (given with the instrument's first record), where the record was split.
    public var instrumentID: String? = nil
    public var gaps: [TraceGap] = []
}

/// An instrument in a miniSEED file that gives no record, and why.
public struct SkippedInstrument: Error, CustomStringConvertible {
    public var path: String
    public var what: String
    public var reason: String
    public var description: String { "\(path): \(what): \(reason)" }
}

extension Classifier {
    /// The inputs `paths` name, in order: a folder is replaced by the SAC records under it (one
    /// file per triple, `QSIS.recordFiles(in:)`), anything else is kept as given (a SAC file of
    /// any component, or a prepared dataset `.h5`).
    /// - Throws: `Classifier.InputError.noRecords` when nothing is left.
    public static func inputs(expanding paths: [String]) throws -> [String] {
        var files: [String] = []
        for p in paths {
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: p, isDirectory: &isFolder), isFolder.boolValue {
                files += QSIS.recordFiles(in: p)
            } else {
                files.append(p)
            }
        }
        guard !files.isEmpty else { throw InputError.noRecords(paths) }
        return files
    }

    public enum InputError: Error, CustomStringConvertible, Equatable {
        case noRecords([String])
        /// The checkpoint holds a model that does not take time series (SpectrogramCNN).
        case notTimeSeries(checkpoint: String, architecture: String)
        case strideTooLong(stride: Double, window: Double)
        public var description: String {
            switch self {
            case .noRecords(let paths): "no records found in \(paths.joined(separator: ", ")) (SAC triples, or prepared .h5 datasets)"
            case .notTimeSeries(let path, let name): "\(path) is a \(name); classify runs time-series models (EarthquakeCNN)"
            case .strideTooLong(let stride, let window):
                "--stride must be at most the model's window, \(window) s (got \(stride)); longer strides skip samples"
            }
        }
    }

    /// The classifier of the time-series model in the checkpoint at `path`.
    /// - Throws: `Checkpoint.load`'s errors; `InputError.notTimeSeries`; `InputError.strideTooLong`
    ///   when `strideSeconds` exceeds the model's window (windows would skip samples).
    public static func load(checkpoint path: String, strideSeconds: Double) throws -> Classifier {
        let (model, card) = try Checkpoint.load(from: path)
        guard card.architecture.inputShape[0] == 1 else { throw InputError.notTimeSeries(checkpoint: path, architecture: card.architecture.name) }
        guard strideSeconds <= card.windowSeconds else { throw InputError.strideTooLong(stride: strideSeconds, window: card.windowSeconds) }
        return Classifier(model: model, card: card, strideSeconds: strideSeconds, modelName: path)
    }

    /// Classifies each of `inputs` in order — a name ending in `.h5` as a prepared dataset
    /// (`classify(datasetAt:)`), a miniSEED file as the records of its instruments
    /// (`classify(miniSEEDAt:scale:)`, one outcome per record and per instrument skipped), anything
    /// else as a SAC record (`classify(recordAt:scale:)`) — and hands each outcome to `each` as
    /// soon as it is known: a record that fails is reported with its error and the next one goes on.
    /// - Returns: how many outcomes there were and how many failed.
    /// - Throws: only what `each` throws (that stops the run).
    @discardableResult
    public func classify(
        inputs: [String], scale: Double = 1, each: (_ path: String, Result<ClassifiedInput, Error>) throws -> Void
    ) rethrows -> (outcomes: Int, failures: Int) {
        var outcomes = 0, failures = 0
        func report(_ path: String, _ outcome: Result<ClassifiedInput, Error>) throws {
            outcomes += 1
            if case .failure = outcome { failures += 1 }
            try each(path, outcome)
        }
        for path in inputs {
            if !path.hasSuffix(".h5"), FileFormat.detect(path: path) == .miniSEED2 {
                let outcomes: [Result<ClassifiedInput, Error>]
                do { outcomes = try classify(miniSEEDAt: path, scale: scale) } catch { outcomes = [.failure(error)] }
                for outcome in outcomes { try report(path, outcome) }
                continue
            }
            try report(
                path,
                Result<ClassifiedInput, Error> {
                    if path.hasSuffix(".h5") { return ClassifiedInput(classification: try classify(datasetAt: path)) }
                    let (classification, waveform) = try classify(recordAt: path, scale: scale)
                    return ClassifiedInput(classification: classification, waveform: waveform)
                })
        }
        return (outcomes, failures)
    }

    /// The records of the miniSEED file at `path` (with its sibling files when it holds one
    /// channel: `MiniSEEDRecords.read`), each span of an instrument where every component the
    /// model takes has data classified on its own (gaps split records; nothing is invented), its
    /// samples × `scale` (miniSEED does not state units). An instrument lacking a component, or a
    /// span shorter than the window, is a failure outcome naming it and the reason.
    /// - Throws: `MiniSEEDError` when a file cannot be read at all.
    public func classify(miniSEEDAt path: String, scale: Double = 1) throws(MiniSEEDError) -> [Result<ClassifiedInput, Error>] {
        let (scan, _) = try MiniSEEDRecords.read(path, componentOrder: card.componentOrder, minimumSeconds: windowSeconds)
        var outcomes: [Result<ClassifiedInput, Error>] = []
        var gapsGiven = Set<String>()
        for record in scan.records {
            let source = "\(path) \(record.instrumentID)"
            outcomes.append(
                Result {
                    let w = record.waveform
                    try MemoryBudget.current()?.check(
                        neededBytes: estimatedPeakBytes(samples: w.sampleCount, samplingRateHz: w.samplingRateHz), for: "classifying \(source)")
                    let c = try classify(scale == 1 ? w : w.mapComponents { $0.map { $0 * scale } }, source: source)
                    let gaps = gapsGiven.insert(record.instrumentID).inserted ? scan.gaps.filter { $0.id.instrumentID == record.instrumentID } : []
                    return ClassifiedInput(classification: c, waveform: w, instrumentID: record.instrumentID, gaps: gaps)
                })
        }
        for (what, reason) in scan.skipped { outcomes.append(.failure(SkippedInstrument(path: path, what: what, reason: reason))) }
        return outcomes
    }
}
