// PreparedSACRecord: a three-component SAC record through a model's record chain, written back as
// SAC — `seismic sac prepare`, so what a user inspects is exactly what a model sees.

import Foundation
import SeismicIO

public enum PreparedSACRecord {
    /// Reads the record `path` belongs to (its sibling components found by name), multiplies the
    /// samples by `scale`, runs `preprocessing.prepareRecord` (detrend → Hann taper → causal
    /// high-pass, as ObsPy's), and writes each component into `folder` under its own file name,
    /// its header kept with DEPMIN and DEPMAX of the new samples. Nothing is written when an
    /// output would be one of the inputs, when a prepared sample does not fit float32 (SAC's
    /// sample type) or when every sample of a component rounds to 0 there (a `scale` far off).
    /// - Returns: the paths written.
    /// - Throws: `SACError`/`RecordError` for the record, `OutputPathError`,
    ///   `Butterworth.DesignError`, `PreparedSACRecordError`, the write errors.
    public static func write(recordAt path: String, scale: Double, preprocessing: Preprocessing, into folder: String) throws -> [String] {
        let (w, traces, paths) = try ThreeComponentRecord.read(path)
        let targets = paths.map { (folder as NSString).appendingPathComponent(($0 as NSString).lastPathComponent) }
        for target in targets { try OutputPaths.refuseInputs(target, inputs: paths) }
        let prepared = try preprocessing.prepareRecord(w.mapComponents { $0.map { $0 * scale } })
        for (i, c) in prepared.components.enumerated() {
            if let k = c.firstIndex(where: { !Float($0).isFinite }) {
                throw PreparedSACRecordError(
                    path: paths[i], reason: "prepared sample \(k) is \(c[k]), beyond float32 (check the scale \(scale)); nothing written")
            }
            if c.allSatisfy({ Float($0) == 0 }) && !w.components[i].allSatisfy({ $0 == 0 }) {
                throw PreparedSACRecordError(path: paths[i], reason: "every prepared sample rounds to 0 in float32 (check the scale \(scale)); nothing written")
            }
        }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (i, target) in targets.enumerated() {
            var t = traces[i]
            t.samples = prepared.components[i].map(Float.init)
            t.header.dependentMinimum = t.samples.min()
            t.header.dependentMaximum = t.samples.max()
            try t.write(to: target)
        }
        return targets
    }
}

/// A prepared record that cannot be written as SAC.
public struct PreparedSACRecordError: Error, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "\(path): \(reason)" }
}
