// SeisBenchDataset: a SeisBench dataset folder — metadata.csv + waveforms.hdf5, or chunks of them.

import Foundation

/// A dataset in SeisBench's format (STEAD, INSTANCE, ETHZ, PNW, TXED, LenDB, … as SeisBench
/// distributes them): a folder with `metadata.csv` (one row per trace) and `waveforms.hdf5`
/// (traces under `data/`, their layout in `data_format`), or a chunked one: `metadataX.csv` +
/// `waveformsX.hdf5` per chunk X, the chunks listed one per line in a file `chunks` or, without
/// it, every X with both files (as SeisBench's `WaveformDataset` finds them).
public struct SeisBenchDataset: Sendable {
    public let path: String
    /// Chunk names in order; [""] for an unchunked dataset.
    public let chunks: [String]

    /// Finds the chunks of the dataset at `path`.
    /// - Throws: `SeisBenchError.notADataset` for a missing folder or one without metadata and
    ///   waveforms; `.missingChunkFile` for a chunk listed in `chunks` without both files.
    public init(path: String) throws(SeisBenchError) {
        self.path = path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw .notADataset(path: path, reason: "no such folder") }
        guard isDir.boolValue else {
            throw .notADataset(path: path, reason: "a file; give the folder that holds metadata.csv and waveforms.hdf5")
        }
        let listed = path + "/chunks"
        if FileManager.default.fileExists(atPath: listed) {
            guard let text = try? String(contentsOfFile: listed, encoding: .utf8) else {
                throw .notADataset(path: path, reason: "its chunks file is not readable UTF-8 text")
            }
            let names = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            if !names.isEmpty {
                for c in names where !Self.isValidChunkName(c) {
                    throw .notADataset(path: path, reason: "its chunks file names \"\(c)\", not a chunk name (letters, digits, _ and -)")
                }
                for c in names {
                    for f in [Self.metadataFile(c), Self.waveformsFile(c)] where !FileManager.default.fileExists(atPath: path + "/" + f) {
                        throw .missingChunkFile(path: path, chunk: c, file: f)
                    }
                }
                chunks = names
                return
            }
            // An empty chunks file: SeisBench finds the chunks from the file names, as without one.
        }
        if FileManager.default.fileExists(atPath: path + "/" + Self.waveformsFile("")) {
            guard FileManager.default.fileExists(atPath: path + "/" + Self.metadataFile("")) else {
                throw .missingChunkFile(path: path, chunk: "", file: Self.metadataFile(""))
            }
            chunks = [""]
            return
        }
        let files = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        func chunkNames(_ prefix: String, _ suffix: String) -> Set<String> {
            Set(
                files.filter { $0.hasPrefix(prefix) && $0.hasSuffix(suffix) && $0.count >= prefix.count + suffix.count }
                    .map { String($0.dropFirst(prefix.count).dropLast(suffix.count)) })
        }
        let found = chunkNames("metadata", ".csv").intersection(chunkNames("waveforms", ".hdf5")).sorted()
        guard !found.isEmpty else {
            throw .notADataset(path: path, reason: "no metadata.csv with waveforms.hdf5 (nor chunks metadataX.csv with waveformsX.hdf5)")
        }
        chunks = found
    }

    /// A chunk name as SeisBench's datasets use them (`_2010`, `nc1987`, `000`): letters, digits,
    /// `_` and `-`, so a name read from a file or a host never leaves the folder.
    public static func isValidChunkName(_ name: String) -> Bool {
        !name.isEmpty && name.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "_" || $0 == "-" }
    }

    /// `metadata.csv`, or `metadataX.csv` for chunk X.
    public static func metadataFile(_ chunk: String) -> String { "metadata\(chunk).csv" }
    /// `waveforms.hdf5`, or `waveformsX.hdf5` for chunk X.
    public static func waveformsFile(_ chunk: String) -> String { "waveforms\(chunk).hdf5" }

    public func metadataPath(_ chunk: String) -> String { path + "/" + Self.metadataFile(chunk) }
    public func waveformsPath(_ chunk: String) -> String { path + "/" + Self.waveformsFile(chunk) }
}

/// One chunk's waveforms file opened for reading traces by `trace_name`. Not for concurrent use
/// (serial libhdf5).
public final class SeisBenchWaveforms {
    public let file: HDF5File
    public let format: SeisBenchDataFormat
    private var shapes: [String: [Int]] = [:]

    /// Opens `path` and reads its `data_format`.
    /// - Throws: `HDF5Error` when it is not HDF5, `SeisBenchError` for a bad `data_format` or no `data` group.
    public init(path: String) throws {
        file = try HDF5File(readingAt: path)
        guard file.exists("data") else { throw SeisBenchError.notADataset(path: path, reason: "no data group in the waveforms file") }
        format = try SeisBenchDataFormat.read(from: file)
    }

    /// The samples of one trace, one array per stored component (`format.componentOrder`).
    /// `componentOrder` overrides the file's for this trace (SeisBench's `trace_component_order`
    /// column) when given; SeisBench has no per-trace dimension order.
    /// - Throws: `SeisBenchError.badTrace` for a missing dataset or a trace of another shape,
    ///   `.badTraceName` for a locator outside its bucket, `HDF5Error` when reading fails.
    public func components(of name: SeisBenchTraceName, componentOrder: String? = nil) throws -> [[Float]] {
        let dataset = "data/" + name.dataset
        let shape: [Int]
        if let s = shapes[dataset] {
            shape = s
        } else {
            guard file.exists(dataset) else { throw SeisBenchError.badTrace(path: file.path, trace: name.description, reason: "no dataset \(dataset)") }
            shape = try file.shape(of: dataset)
            shapes[dataset] = shape
        }
        let block = try name.block(in: shape)
        let values = try file.readFloats(dataset, start: block.start, count: block.count)
        var layout = format
        if let componentOrder { layout.componentOrder = componentOrder }
        try layout.validate(path: file.path)
        return try layout.components(of: values, shape: block.shape, path: file.path, trace: name.description)
    }
}
