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
    ///
    /// A miniSEED file: each contiguous segment of each channel goes through the chain on its own
    /// (the chain works per component) and is written as NET.STA.LOC.CHA.START.sac (START the
    /// compact UTC time of its first sample) with its SEED id and start in the header.
    public static func write(recordAt path: String, scale: Double, preprocessing: Preprocessing, into folder: String) throws -> [String] {
        if FileFormat.detect(path: path) == .miniSEED2 { return try writeSegments(ofMiniSEED: path, scale: scale, preprocessing: preprocessing, into: folder) }
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

extension PreparedSACRecord {
    static func writeSegments(ofMiniSEED path: String, scale: Double, preprocessing: Preprocessing, into folder: String) throws -> [String] {
        let segments = try MiniSEED.read(path).segments
        guard !segments.isEmpty else { throw PreparedSACRecordError(path: path, reason: "the file holds no samples; nothing written") }
        var traces: [(target: String, trace: SACTrace)] = []
        for segment in segments {
            // (Codes from a record's header never name another folder: OutputPaths.fileName.)
            let target = (folder as NSString).appendingPathComponent(OutputPaths.fileName("\(segment.id).\(UTCTime.compact(segment.startTime)).sac"))
            try OutputPaths.refuseInputs(target, inputs: [path])
            let w = Waveform(
                components: [segment.samples.map { $0 * scale }], componentCodes: [segment.id.channel], samplingRateHz: segment.samplingRateHz,
                startTime: segment.startTime)
            let prepared = try preprocessing.prepareRecord(w).components[0]
            let name = "\(segment.id) at \(UTCTime.iso8601(segment.startTime, fractionDigits: 3))"
            if let k = prepared.firstIndex(where: { !Float($0).isFinite }) {
                throw PreparedSACRecordError(
                    path: path, reason: "\(name): prepared sample \(k) is \(prepared[k]), beyond float32 (check the scale \(scale)); nothing written")
            }
            if prepared.allSatisfy({ Float($0) == 0 }) && !segment.samples.allSatisfy({ $0 == 0 }) {
                throw PreparedSACRecordError(
                    path: path, reason: "\(name): every prepared sample rounds to 0 in float32 (check the scale \(scale)); nothing written")
            }
            var t = SACTrace(samples: prepared.map(Float.init), delta: Float(1 / segment.samplingRateHz))
            t.header.setReferenceTime(segment.startTime)
            t.header.network = segment.id.network
            t.header.station = segment.id.station
            t.header.location = segment.id.location
            t.header.channelCode = segment.id.channel
            t.header.dependentMinimum = t.samples.min()
            t.header.dependentMaximum = t.samples.max()
            traces.append((target, t))
        }
        // Every segment checked before the first is written: nothing half done.
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (target, t) in traces { try t.write(to: target) }
        return traces.map(\.target)
    }
}

/// A prepared record that cannot be written as SAC.
public struct PreparedSACRecordError: Error, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "\(path): \(reason)" }
}
