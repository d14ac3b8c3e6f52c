// Classifier+Inputs: the records a list of paths names (folders searched), each classified in turn
// with its own outcome, so one unreadable record never stops the others.

import Foundation
import SeismicIO

/// A record or prepared dataset classified by `Classifier.classify(inputs:scale:each:)`.
public struct ClassifiedInput {
    public var classification: RecordClassification
    /// The record as read (unscaled), for plotting; nil for a prepared dataset.
    public var waveform: Waveform?
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
    /// (`classify(datasetAt:)`), anything else as a SAC record with samples × `scale`
    /// (`classify(recordAt:scale:)`) — and hands each outcome to `each` as soon as it is known: a
    /// record that fails is reported with its error and the next one goes on.
    /// - Returns: how many inputs failed.
    /// - Throws: only what `each` throws (that stops the run).
    @discardableResult
    public func classify(inputs: [String], scale: Double = 1, each: (_ path: String, Result<ClassifiedInput, Error>) throws -> Void) rethrows -> Int {
        var failures = 0
        for path in inputs {
            let outcome = Result<ClassifiedInput, Error> {
                if path.hasSuffix(".h5") { return ClassifiedInput(classification: try classify(datasetAt: path)) }
                let (classification, waveform) = try classify(recordAt: path, scale: scale)
                return ClassifiedInput(classification: classification, waveform: waveform)
            }
            if case .failure = outcome { failures += 1 }
            try each(path, outcome)
        }
        return failures
    }
}
