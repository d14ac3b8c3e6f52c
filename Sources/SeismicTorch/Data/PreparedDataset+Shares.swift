// PreparedDataset+Shares: a preparation run under mpirun, each rank preparing a share, gathered
// into one dataset on rank 0.

import Foundation
import SeismicNN

/// A preparation's counts that add up over the ranks of a job (windows per class, records read):
/// `gatherShares(_:summary:at:collective:)` sums them and writes the totals back.
public protocol SummableCounts {
    /// The counts in a fixed order; setting takes the same number of values.
    var summableCounts: [Double] { get set }
}

extension PreparationSummary: SummableCounts {
    /// Windows per class, then records read.
    public var summableCounts: [Double] {
        get { windowsPerClass.map(Double.init) + [Double(recordsRead)] }
        set {
            windowsPerClass = newValue.dropLast().map { Int($0) }
            recordsRead = Int(newValue.last ?? 0)
        }
    }
}

extension STEAD.Summary: SummableCounts {
    /// Windows per class, then traces read.
    public var summableCounts: [Double] {
        get { windowsPerClass.map(Double.init) + [Double(tracesRead)] }
        set {
            windowsPerClass = newValue.dropLast().map { Int($0) }
            tracesRead = Int(newValue.last ?? 0)
        }
    }
}

extension PreparedDataset {
    /// One rank's preparation joined with the others': alone (`collective` nil) `data` as it is;
    /// under mpirun as `gatherShares(_:at:counts:collective:)`, with `summary`'s counts replaced by
    /// their sums over the ranks. Rank 0 gets the joined dataset, the other ranks nil.
    public static func gatherShares<Summary: SummableCounts>(
        _ data: PreparedDataset, summary: inout Summary, at path: String, collective: Collective?
    ) throws -> PreparedDataset? {
        guard let collective else { return data }
        let (joined, counts) = try gatherShares(data, at: path, counts: summary.summableCounts, collective: collective)
        summary.summableCounts = counts
        return joined
    }

    /// Under mpirun: every rank writes its share `data` next to `path` (`path.part<rank>`), the
    /// per-rank `counts` (windows per class, records read, …) are summed over the ranks (which is
    /// also the barrier), and rank 0 gets the shares joined in rank order and removes the parts;
    /// the other ranks get nil. Every rank gets the summed counts.
    /// A rank whose share cannot be written still takes part in the sum (a rank that left it would
    /// leave the others waiting forever); then every rank throws, and no part is left behind.
    /// - Throws: the folder's or a part's write or read error (`DatasetError` naming the part); on
    ///   the ranks whose own share was written, `DatasetError.cannotWrite` saying how many ranks
    ///   failed.
    public static func gatherShares(
        _ data: PreparedDataset, at path: String, counts: [Double],
        collective: Collective
    ) throws -> (dataset: PreparedDataset?, counts: [Double]) {
        let part = path + ".part\(collective.rank)"
        var failure: Error?
        do {
            // The output folder may not exist yet (prep stead makes it only once there is a result).
            let folder = (path as NSString).deletingLastPathComponent
            if !folder.isEmpty { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
            try data.save(to: part)
        } catch {
            failure = error
        }
        // The counts and, last, the number of ranks that failed: one sum, also the barrier.
        var total = counts + [failure == nil ? 0 : 1]
        total.withUnsafeMutableBufferPointer { collective.sum($0.baseAddress!, count: $0.count) }
        let failed = Int(total.removeLast())
        guard failed == 0 else {
            if failure == nil { try? FileManager.default.removeItem(atPath: part) }
            throw failure ?? DatasetError.cannotWrite(path: path, reason: "\(failed) of \(collective.size) ranks could not write their share")
        }
        guard collective.rank == 0 else { return (nil, total) }
        let joined = concatenate(try (0..<collective.size).map { try load(from: path + ".part\($0)") })
        for r in 0..<collective.size { try? FileManager.default.removeItem(atPath: path + ".part\(r)") }
        return (joined, total)
    }
}
