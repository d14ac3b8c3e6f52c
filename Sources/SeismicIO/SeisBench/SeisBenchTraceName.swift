// SeisBenchTraceName: where a SeisBench metadata row's waveform lives in waveforms.hdf5.

import Foundation

/// A SeisBench `trace_name`: either the name of a dataset under `data/` holding the whole trace
/// (a `/` in it names sub-groups, as CEED writes them), or `BUCKET$LOCATOR` — a block of the array
/// `data/BUCKET`, e.g. `bucket3$12,:3,:6000` = row 12, components 0..<3, samples 0..<6000 (as
/// SeisBench's `WaveformDataset._parse_location` reads it: spaces ignored, comma-separated indices,
/// each an integer or a `start:stop` range with either end optional; axes not named are whole).
public struct SeisBenchTraceName: Equatable, Sendable, CustomStringConvertible {
    /// One index of the locator: a single position (the axis is dropped) or a range.
    public enum Index: Equatable, Sendable {
        case position(Int)
        case range(start: Int?, stop: Int?)
    }

    /// The dataset's name under `data/` (the bucket for a bucketed trace).
    public var dataset: String
    /// The locator's indices, one per leading axis of the dataset; nil for a whole dataset.
    public var locator: [Index]?
    public let description: String

    /// Parses `text`.
    /// - Throws: `SeisBenchError.badTraceName` for an empty name or an empty group in it, more than
    ///   one `$`, an index that is not an integer or `start:stop` (empty indices, which NumPy reads
    ///   as a new axis, and steps, which SeisBench's writer never writes, are refused).
    public init(parsing text: String) throws(SeisBenchError) {
        description = text
        let parts = text.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { throw .badTraceName(name: text, reason: "more than one \"$\"") }
        guard let head = parts.first, !head.isEmpty else { throw .badTraceName(name: text, reason: "no dataset name before the locator") }
        guard !head.split(separator: "/", omittingEmptySubsequences: false).contains(where: \.isEmpty) else {
            throw .badTraceName(name: text, reason: "an empty group name between slashes")
        }
        dataset = String(head)
        guard parts.count == 2 else {
            locator = nil
            return
        }
        var indices: [Index] = []
        for item in parts[1].filter({ $0 != " " }).split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = item.split(separator: ":", omittingEmptySubsequences: false)
            func integer(_ s: Substring) throws(SeisBenchError) -> Int? {
                let t = s.trimmingCharacters(in: .whitespaces)
                if t.isEmpty { return nil }
                guard let v = Int(t) else { throw .badTraceName(name: text, reason: "\"\(item)\" is not an index (integer or start:stop)") }
                return v
            }
            switch bounds.count {
            case 1:
                guard let v = try integer(bounds[0]) else { throw .badTraceName(name: text, reason: "an empty index (NumPy would add an axis)") }
                indices.append(.position(v))
            case 2: indices.append(.range(start: try integer(bounds[0]), stop: try integer(bounds[1])))
            default: throw .badTraceName(name: text, reason: "\"\(item)\" is not an index (integer or start:stop; steps are not used by SeisBench)")
            }
        }
        locator = indices
    }

    /// The block of a dataset of `shape` this name selects, as hyperslab `start`/`count`, and the
    /// shape of the result (axes with a single position dropped). Negative indices count from
    /// the end and ranges are clipped to the axis, as NumPy's indexing does.
    /// - Throws: `SeisBenchError.badTraceName` for more indices than axes or a position outside its axis.
    public func block(in shape: [Int]) throws(SeisBenchError) -> (start: [Int], count: [Int], shape: [Int]) {
        let indices = locator ?? []
        guard indices.count <= shape.count else {
            throw .badTraceName(name: description, reason: "\(indices.count) indices for data/\(dataset) of shape \(shape)")
        }
        var start: [Int] = [], count: [Int] = [], result: [Int] = []
        for (axis, n) in shape.enumerated() {
            let index = axis < indices.count ? indices[axis] : .range(start: nil, stop: nil)
            switch index {
            case .position(let p):
                let i = p < 0 ? p + n : p
                guard i >= 0, i < n else {
                    throw .badTraceName(name: description, reason: "index \(p) outside axis \(axis) of data/\(dataset) (shape \(shape))")
                }
                start.append(i)
                count.append(1)
            case .range(let a, let b):
                func clip(_ v: Int?, _ fallback: Int) -> Int { v.map { $0 < 0 ? max($0 + n, 0) : min($0, n) } ?? fallback }
                let lo = clip(a, 0), hi = max(clip(b, n), lo)
                start.append(lo)
                count.append(hi - lo)
                result.append(hi - lo)
            }
        }
        return (start, count, result)
    }
}
