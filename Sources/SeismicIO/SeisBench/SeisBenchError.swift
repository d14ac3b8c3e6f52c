// SeisBenchError: why a SeisBench dataset folder, trace name or waveform could not be read.

import Foundation

/// A SeisBench dataset that cannot be read as SeisBench's `WaveformDataset` reads it.
public enum SeisBenchError: Error, CustomStringConvertible, Equatable {
    /// The folder holds neither metadata.csv + waveforms.hdf5 nor chunks of them.
    case notADataset(path: String, reason: String)
    /// A chunk named in the folder lacks one of its two files.
    case missingChunkFile(path: String, chunk: String, file: String)
    /// A `trace_name` that is not `NAME` or `BUCKET$i,a:b,…`, or that points outside its dataset.
    case badTraceName(name: String, reason: String)
    /// The `data_format` group holds an order or rate this reader cannot use.
    case dataFormat(path: String, reason: String)
    /// A trace whose waveform is missing or of an unexpected shape.
    case badTrace(path: String, trace: String, reason: String)

    public var description: String {
        switch self {
        case .notADataset(let p, let r): return "\(p): not a SeisBench dataset: \(r)"
        case .missingChunkFile(let p, let c, let f): return "\(p): chunk \"\(c)\" has no \(f)"
        case .badTraceName(let n, let r): return "trace_name \"\(n)\": \(r)"
        case .dataFormat(let p, let r): return "\(p): data_format: \(r)"
        case .badTrace(let p, let t, let r): return "\(p): trace \(t): \(r)"
        }
    }
}
