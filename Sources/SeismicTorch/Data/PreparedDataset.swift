// PreparedDataset: prepared windows (or images) + labels + provenance in one HDF5 file, and merging.

import Foundation
import SeismicIO
import SeismicNN
import SeismicSignal

/// Where one window came from.
public struct WindowProvenance: Sendable, Equatable, Codable {
    public var source: String
    public var station: String
    /// Time of the window's first sample, seconds since 1970 (0 when unknown).
    public var startTime: Double
    /// How the window was placed: "P:header", "S:reference", "noise:sta-lta", …
    public var method: String

    public init(source: String, station: String, startTime: Double, method: String) {
        self.source = source
        self.station = station
        self.startTime = startTime
        self.method = method
    }
}

/// How a dataset was made; stored as attributes of the file. Its windows' contract (`input`:
/// classes, sampling rate, window, component order) is the type a model card holds too.
public struct DatasetMetadata: Sendable, Equatable, Codable, HoldsInputContract {
    public var input: InputContract
    public var preparation: [String: String]
    public var seed: UInt64
    public var toolVersion: String

    public init(
        classNames: [String], samplingRateHz: Double, windowSamples: Int, componentOrder: [String], units: SampleUnit = .metersPerSecondSquared,
        preprocessing: Preprocessing? = nil, preparation: [String: String] = [:], seed: UInt64 = 0,
        toolVersion: String = SeismicTorchVersion.current
    ) {
        input = InputContract(
            classNames: classNames, samplingRateHz: samplingRateHz, windowSamples: windowSamples, componentOrder: componentOrder, units: units,
            preprocessing: preprocessing)
        self.preparation = preparation
        self.seed = seed
        self.toolVersion = toolVersion
    }

    /// Metadata of windows under `input`.
    public init(input: InputContract, preparation: [String: String] = [:], seed: UInt64 = 0, toolVersion: String = SeismicTorchVersion.current) {
        self.input = input
        self.preparation = preparation
        self.seed = seed
        self.toolVersion = toolVersion
    }

    // Encoded flat, as before the contract had a type of its own.
    private enum CodingKeys: String, CodingKey {
        case classNames, samplingRateHz, windowSamples, componentOrder, preparation, seed, toolVersion
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        input = try InputContract(from: decoder)
        preparation = try c.decode([String: String].self, forKey: .preparation)
        seed = try c.decode(UInt64.self, forKey: .seed)
        toolVersion = try c.decode(String.self, forKey: .toolVersion)
    }

    public func encode(to encoder: any Encoder) throws {
        try input.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(preparation, forKey: .preparation)
        try c.encode(seed, forKey: .seed)
        try c.encode(toolVersion, forKey: .toolVersion)
    }
}

public enum SeismicTorchVersion {
    public static let current = "0.1.0"
}

public enum DatasetError: Error, CustomStringConvertible {
    case hdf5(HDF5Error)
    case notADataset(path: String, reason: String)
    /// Datasets that cannot be merged (window shape or input contract differ).
    case incompatible(path: String, reason: String)
    /// A source this preparation or evaluation cannot use (its rate, its units, a column a rule needs).
    case unusable(path: String, reason: String)
    case cannotWrite(path: String, reason: String)
    /// An attribute or dataset shape outside what the file's windows and the code allow.
    case invalidAttribute(path: String, name: String, value: String, expected: String)
    /// A window value that is NaN or infinite (`sample` and `component` for time series [length,
    /// components]; for images `sample` is the flat index within the item and `component` is nil).
    case nonFiniteValue(path: String, window: Int, component: String?, sample: Int, value: Float)
    /// The dataset cannot be used with the model of `model` (a checkpoint path).
    case modelMismatch(path: String, model: String, field: String, dataset: String, expected: String)
    /// A label of `dataset` (window `window`, stored value `value`) that is not a class index:
    /// negative, `classCount` or more, not a whole number, or not finite.
    case invalidLabel(path: String, dataset: String, window: Int, value: String, expected: String)
    /// Nothing usable: the file (or what a rule left of it) holds no windows.
    case noWindows(path: String, reason: String)

    public var description: String {
        switch self {
        case .hdf5(let e): return e.description
        case .notADataset(let p, let r): return "\(p): not a SeismicTorch dataset: \(r)"
        case .incompatible(let p, let r): return "\(p): cannot be merged: \(r)"
        case .unusable(let p, let r): return "\(p): \(r)"
        case .cannotWrite(let p, let r): return "\(p): cannot write: \(r)"
        case .invalidAttribute(let p, let n, let v, let e): return "\(p): '\(n)' is \(v); expected \(e)"
        case .nonFiniteValue(let p, let w, let c, let s, let v):
            return "\(p): window \(w)\(c.map { ", component \($0)" } ?? ""), sample \(s) is \(v); expected finite values"
        case .modelMismatch(let p, let m, let f, let d, let e): return "\(p): \(f) \(d) does not fit the model \(m), which expects \(e)"
        case .invalidLabel(let p, let d, let w, let v, let e): return "\(p): '\(d)' is \(v) at window \(w); expected \(e)"
        case .noWindows(let p, let r): return "\(p): the dataset has no windows: \(r)"
        }
    }
}

/// A prepared dataset: `X` float32 [N, …itemShape] (time series [N, 80, 3], images [N, 3, 100, 150]),
/// `y` int64 [N], per-window provenance and the metadata.
public struct PreparedDataset: Sendable {
    public var values: [Float]
    public var itemShape: [Int]
    public var labels: [Int]
    public var provenance: [WindowProvenance]
    public var metadata: DatasetMetadata

    public init(values: [Float], itemShape: [Int], labels: [Int], provenance: [WindowProvenance], metadata: DatasetMetadata) {
        precondition(values.count == labels.count * itemShape.reduce(1, *), "values do not match \(labels.count) × \(itemShape)")
        precondition(provenance.count == labels.count, "one provenance record per window")
        self.values = values
        self.itemShape = itemShape
        self.labels = labels
        self.provenance = provenance
        self.metadata = metadata
    }

    public var count: Int { labels.count }
    public var itemSize: Int { itemShape.reduce(1, *) }

    /// The windows as a training set: time series [N, length, components] as model input
    /// [N, 1, length, components]; images [N, C, H, W] as they are.
    public func windowDataset() -> WindowDataset {
        if itemShape.count == 2 {
            return WindowDataset(
                windows: WindowBatch(values: values, count: count, length: itemShape[0], components: itemShape[1]),
                labels: labels, classNames: metadata.classNames)
        }
        return WindowDataset(
            windows: WindowBatch(values: values, count: count, length: itemSize, components: 1),
            labels: labels, classNames: metadata.classNames, inputShape: itemShape)
    }

    /// Windows at `indices`, in that order.
    public func selecting(_ indices: [Int]) -> PreparedDataset {
        var v = [Float]()
        v.reserveCapacity(indices.count * itemSize)
        for i in indices { v.append(contentsOf: values[(i * itemSize)..<((i + 1) * itemSize)]) }
        return PreparedDataset(
            values: v, itemShape: itemShape, labels: indices.map { labels[$0] },
            provenance: indices.map { provenance[$0] }, metadata: metadata)
    }

    // MARK: Files

    /// Writes the dataset atomically: a temporary file next to `path`, renamed over it at the end,
    /// so an interrupted run never leaves a complete-looking partial file.
    public func save(to path: String) throws(DatasetError) {
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            try AtomicFile.write(to: path) { temporary in
                let f = try HDF5File(creatingAt: temporary)
                try f.write("X", floats: values, shape: [count] + itemShape)
                try f.write("y", int64s: labels.map(Int64.init), shape: [count])
                try f.write("provenance/source", strings: provenance.map(\.source))
                try f.write("provenance/station", strings: provenance.map(\.station))
                try f.write("provenance/method", strings: provenance.map(\.method))
                try f.write("provenance/start_time", doubles: provenance.map(\.startTime), shape: [count])
                try f.setAttribute("class_names", string: metadata.classNames.joined(separator: ","))
                try f.setAttribute("sampling_rate_hz", double: metadata.samplingRateHz)
                try f.setAttribute("window_samples", double: Double(metadata.windowSamples))
                try f.setAttribute("component_order", string: metadata.componentOrder.joined(separator: ","))
                try f.setAttribute("units", string: metadata.units.name)
                let chain = try encoder.encode(metadata.preprocessing)
                try f.setAttribute("preprocessing", string: String(decoding: chain, as: UTF8.self))
                try f.setAttribute("seed", string: String(metadata.seed))
                try f.setAttribute("tool_version", string: metadata.toolVersion)
                try f.setAttribute("preparation", string: String(decoding: (try? encoder.encode(metadata.preparation)) ?? Data("{}".utf8), as: UTF8.self))
                f.flush()
            }
        } catch let e as HDF5Error {
            throw .hdf5(e)
        } catch let e as AtomicFileError {
            throw .cannotWrite(path: path, reason: e.reason)
        } catch {
            throw .cannotWrite(path: path, reason: "\(error)")
        }
    }

    /// Reads a dataset written by `save(to:)` and validates it: X is [N, …item] with every extent
    /// positive and y is [N]; `class_names` non-empty, unique, each non-empty; labels in
    /// 0..<classes and whole numbers (a float `y` is never truncated); `sampling_rate_hz` finite and in `ModelCard.samplingRateLimits`; `window_samples`
    /// a whole number, equal to the item's samples for time series [N, length, components] (0 or
    /// absent for images); `component_order` one code per component (time series) or channel
    /// (images); provenance one entry per window; every value finite.
    /// Throws `DatasetError` naming the file, attribute or window.
    public static func load(from path: String) throws(DatasetError) -> PreparedDataset {
        func invalid(_ name: String, _ value: Any, _ expected: String) -> DatasetError {
            .invalidAttribute(path: path, name: name, value: "\(value)", expected: expected)
        }
        do {
            let f = try HDF5File(readingAt: path)
            guard f.exists("X"), f.exists("y") else { throw DatasetError.notADataset(path: path, reason: "it has no X and y datasets") }
            let (x, xShape) = try f.readFloats("X")
            let yShape = try f.shape(of: "y")
            guard xShape.first == yShape.first, yShape.count == 1 else {
                throw DatasetError.notADataset(path: path, reason: "X has shape \(xShape) but y has \(yShape)")
            }
            let n = yShape[0]
            let itemShape = Array(xShape.dropFirst())
            guard (2...3).contains(itemShape.count), itemShape.allSatisfy({ $0 > 0 }) else {
                throw invalid("X", "of shape \(xShape)", "[N, length, components] or [N, channels, height, width] with positive extents")
            }
            let itemSize = itemShape.reduce(1, *)  // the file holds n × itemSize floats, so this cannot overflow
            guard x.count == n * itemSize else { throw invalid("X", "\(x.count) values", "\(n) × \(itemShape)") }
            guard let names = try f.stringAttribute("class_names", of: "/")?.split(separator: ",", omittingEmptySubsequences: false).map(String.init),
                !names.isEmpty, names != [""]
            else {
                throw DatasetError.notADataset(path: path, reason: "no class_names attribute")
            }
            if let i = firstInvalidName(names) { throw invalid("class_names", names, "unique, non-empty names (name \(i) is '\(names[i])')") }
            let labels = try readLabels(f, path: path, classCount: names.count)
            guard let rate = try f.doubleAttribute("sampling_rate_hz", of: "/") else {
                throw DatasetError.notADataset(path: path, reason: "no sampling_rate_hz attribute")
            }
            guard rate.isFinite, ModelCard.samplingRateLimits.contains(rate) else {
                throw invalid(
                    "sampling_rate_hz", rate, "a finite rate in \(ModelCard.samplingRateLimits.lowerBound)…\(ModelCard.samplingRateLimits.upperBound) Hz")
            }
            let isTimeSeries = itemShape.count == 2
            let storedWindow = try f.doubleAttribute("window_samples", of: "/")
            let windowSamples: Int
            if isTimeSeries {
                let w = storedWindow ?? Double(itemShape[0])
                guard w == Double(itemShape[0]) else { throw invalid("window_samples", w, "\(itemShape[0]), the samples per window of X \(xShape)") }
                windowSamples = itemShape[0]
            } else {
                let w = storedWindow ?? 0
                guard w == 0 else { throw invalid("window_samples", w, "0 for images [N, channels, height, width]") }
                windowSamples = 0
            }
            let components = try f.stringAttribute("component_order", of: "/")?.split(separator: ",").map(String.init) ?? []
            let componentCount = isTimeSeries ? itemShape[1] : itemShape[0]
            guard components.count == componentCount, firstInvalidName(components) == nil else {
                throw invalid("component_order", components, "\(componentCount) unique component codes for X \(xShape)")
            }
            if let i = x.firstIndex(where: { !$0.isFinite }) {
                let (window, offset) = i.quotientAndRemainder(dividingBy: itemSize)
                throw DatasetError.nonFiniteValue(
                    path: path, window: window, component: isTimeSeries ? components[offset % itemShape[1]] : nil,
                    sample: isTimeSeries ? offset / itemShape[1] : offset, value: x[i])
            }
            var provenance: [WindowProvenance]
            if f.exists("provenance/source") {
                let s = try f.readStrings("provenance/source"), st = try f.readStrings("provenance/station")
                let m = try f.readStrings("provenance/method"), t = try f.readDoubles("provenance/start_time").values
                guard s.count == n, st.count == n, m.count == n, t.count == n else {
                    throw DatasetError.notADataset(path: path, reason: "provenance does not have one entry per window")
                }
                provenance = (0..<n).map { WindowProvenance(source: s[$0], station: st[$0], startTime: t[$0], method: m[$0]) }
            } else {
                provenance = Array(repeating: WindowProvenance(source: path, station: "", startTime: 0, method: "unknown"), count: n)
            }
            let prep =
                try f.stringAttribute("preparation", of: "/").flatMap {
                    try? JSONDecoder().decode([String: String].self, from: Data($0.utf8))
                } ?? [:]
            // Datasets written before units were an attribute said them in the preparation notes
            // ("m/s^2", "counts (response-free: …)"); none of ours was in another unit.
            let unitsWord = try f.stringAttribute("units", of: "/")
            guard let units = SampleUnit(name: unitsWord ?? prep["units"] ?? "m/s^2") ?? (unitsWord == nil ? .metersPerSecondSquared : nil) else {
                throw invalid("units", unitsWord ?? "", SampleUnit.accepted)
            }
            // Datasets written before the chain was an attribute were made by the reference chain
            // (assumed, so not checked against them); a stated chain that cannot run for these
            // windows is refused before anything trains on it.
            var chain = isTimeSeries ? Preprocessing.reference : .spectrogramReference
            if let text = try f.stringAttribute("preprocessing", of: "/") {
                do { chain = try JSONDecoder().decode(Preprocessing.self, from: Data(text.utf8)) } catch {
                    throw invalid("preprocessing", text, "a preprocessing this code runs (\(error))")
                }
                do {
                    try chain.validate(
                        samplingRateHz: rate, windowSeconds: isTimeSeries ? Double(windowSamples) / rate : 0, isTimeSeries: isTimeSeries,
                        input: isTimeSeries ? [1] + itemShape : itemShape)
                } catch {
                    throw invalid("preprocessing", "\(error.field) = \(error.value)", error.expected)
                }
            }
            let metadata = DatasetMetadata(
                classNames: names, samplingRateHz: rate, windowSamples: windowSamples, componentOrder: components, units: units,
                preprocessing: chain, preparation: prep, seed: UInt64(try f.stringAttribute("seed", of: "/") ?? "0") ?? 0,
                toolVersion: try f.stringAttribute("tool_version", of: "/") ?? "unknown")
            return PreparedDataset(
                values: x, itemShape: itemShape, labels: labels,
                provenance: provenance, metadata: metadata)
        } catch let e as HDF5Error {
            throw .hdf5(e)
        } catch let e as DatasetError {
            throw e
        } catch {
            throw .notADataset(path: path, reason: "\(error)")
        }
    }

    /// The labels of dataset `y` of `f`, each a whole number in 0..<`classCount`. Integer datasets are
    /// read exactly; float datasets (h5py writes labels as float64 when given floats) are accepted
    /// only when every value is finite and whole, never truncated. Throws `DatasetError.invalidLabel`
    /// naming the first label that is not.
    private static func readLabels(_ f: HDF5File, path: String, classCount: Int) throws -> [Int] {
        let expected = "label in 0..<\(classCount)"
        switch try f.valueClass(of: "y") {
        case .integer:
            let y = try f.readInt64s("y").values
            if let i = y.firstIndex(where: { $0 < 0 || $0 >= classCount }) {
                throw DatasetError.invalidLabel(path: path, dataset: "y", window: i, value: "\(y[i])", expected: "a " + expected)
            }
            return y.map { Int($0) }
        case .float:
            let y = try f.readDoubles("y").values
            if let i = y.firstIndex(where: { !$0.isFinite || $0.rounded(.towardZero) != $0 }) {
                throw DatasetError.invalidLabel(path: path, dataset: "y", window: i, value: "\(y[i])", expected: "a whole-number " + expected)
            }
            if let i = y.firstIndex(where: { $0 < 0 || $0 >= Double(classCount) }) {
                throw DatasetError.invalidLabel(path: path, dataset: "y", window: i, value: "\(y[i])", expected: "a " + expected)
            }
            return y.map { Int($0) }  // whole and in 0..<classCount: exact
        case .string, .other:
            throw DatasetError.hdf5(.wrongType(path: path, object: "y", expected: "integer or float labels"))
        }
    }

    /// Refuses to run the model of `card` (loaded from `modelPath`) on this dataset (read from
    /// `path`) unless the windows have the model's input shape, sampling rate and component count,
    /// and the fields `use` compares (`InputContract.disagreement(withDataset:use:)`: class names
    /// for evaluation, units unless fine-tuning).
    public func checkCompatible(with card: ModelCard, modelPath: String, path: String, use: ModelUse) throws(DatasetError) {
        func mismatch(_ field: String, _ dataset: Any, _ expected: Any) -> DatasetError {
            .modelMismatch(path: path, model: modelPath, field: field, dataset: "\(dataset)", expected: "\(expected)")
        }
        let input = card.architecture.inputShape
        let expectedItem = card.isTimeSeries ? Array(input.dropFirst()) : input
        guard itemShape == expectedItem else { throw mismatch("window shape", itemShape, expectedItem) }
        if let (field, dataset, model) = card.input.disagreement(withDataset: metadata.input, use: use) {
            throw mismatch(field, dataset, model)
        }
    }

    /// The parts of a sharded preparation joined in order (no shuffling).
    public static func concatenate(_ parts: [PreparedDataset]) -> PreparedDataset {
        precondition(!parts.isEmpty, "nothing to concatenate")
        return PreparedDataset(
            values: parts.flatMap(\.values), itemShape: parts[0].itemShape, labels: parts.flatMap(\.labels),
            provenance: parts.flatMap(\.provenance), metadata: parts[0].metadata)
    }

    /// Concatenates datasets whose window shape and whole input contract agree (rate, window,
    /// component codes, classes, units, preprocessing: `InputContract.difference(from:)`), then
    /// shuffles with `seed` (the reference's merge step).
    public static func merge(_ parts: [(path: String, dataset: PreparedDataset)], seed: UInt64) throws(DatasetError) -> PreparedDataset {
        guard let first = parts.first else { throw .incompatible(path: "-", reason: "nothing to merge") }
        for (path, d) in parts.dropFirst() {
            if d.itemShape != first.dataset.itemShape {
                throw .incompatible(path: path, reason: "windows are \(d.itemShape), \(first.path) has \(first.dataset.itemShape)")
            }
            if let (field, theirs, mine) = d.metadata.input.difference(from: first.dataset.metadata.input) {
                throw .incompatible(path: path, reason: "\(field) \(theirs), \(first.path) has \(mine)")
            }
        }
        var values: [Float] = [], labels: [Int] = [], provenance: [WindowProvenance] = []
        for (_, d) in parts { values += d.values; labels += d.labels; provenance += d.provenance }
        var metadata = first.dataset.metadata
        metadata.seed = seed
        metadata.preparation["merged_from"] = parts.map(\.path).joined(separator: ",")
        let all = PreparedDataset(values: values, itemShape: first.dataset.itemShape, labels: labels, provenance: provenance, metadata: metadata)
        var rng = SeededGenerator(seed: seed)
        return all.selecting(Array(0..<all.count).shuffled(using: &rng))
    }
}
