// FileSummary: what a seismic file holds, as lines of text — `seismic info` and `seismic sac info`.

import Foundation

public enum FileSummary {
    /// A file that is not one of the waveform formats read here.
    public struct NotAWaveformFile: Error, CustomStringConvertible {
        public var path: String
        public var format: FileFormat
        public var description: String { "\(path): the file \(format.phrase), not miniSEED 2 or SAC" }
    }

    /// Lines describing the file at `path`, by its content (`FileFormat`): miniSEED 2 (records,
    /// encodings, each contiguous segment with its SEED id, rate, UTC span and samples, then gaps
    /// and overlaps, then skipped records) or SAC (header values, read without the samples).
    /// - Throws: `MiniSEEDError`, `SACError`, `NotAWaveformFile` naming what the file looks like.
    public static func lines(for path: String) throws -> [String] {
        switch FileFormat.detect(path: path) {
        case .miniSEED2: return try miniSEEDLines(MiniSEED.read(path, skippingCorrupt: true))
        case .sac: return try sacLines(path: path)
        case let format:
            // A folder or a missing file: the SAC reader's message names it.
            if InputPaths.isFolder(path) || !FileManager.default.fileExists(atPath: path) { return try sacLines(path: path) }
            throw NotAWaveformFile(path: path, format: format)
        }
    }

    /// A miniSEED volume in lines: "PATH: miniSEED 2, N records (Steim-2), K segments of C channels",
    /// one line per segment, then the gaps and overlaps and what was skipped (corrupt bytes: each
    /// run with its offset and the reason).
    public static func miniSEEDLines(_ v: MiniSEEDVolume) -> [String] {
        let channels = Set(v.segments.map(\.id)).count
        var lines = [
            "\(v.path): miniSEED 2, \(v.records) records (\(v.encodings.sorted().joined(separator: ", "))), \(v.segments.count) segments of \(channels) channels"
        ]
        for s in v.segments {
            lines.append(
                "  \(s.id)  \(String(format: "%g", s.samplingRateHz)) Hz  \(UTCTime.iso8601(s.startTime)) – \(UTCTime.iso8601(s.endTime))  \(s.samples.count) samples"
            )
        }
        for g in v.gaps { lines.append("  \(g)") }
        for (reason, n) in v.skippedRecords.sorted(by: { $0.key < $1.key }) { lines.append("  skipped \(n) × \(reason)") }
        for c in v.corrupt { lines.append("  skipped bytes \(c.offset)–\(c.offset + c.length - 1) (\(c.length) bytes), corrupt: \(c.reason)") }
        return lines
    }

    /// A SAC file's main header values, read from its 632-byte header only.
    /// - Throws: `SACError`.
    public static func sacLines(path: String) throws -> [String] {
        let (h, byteOrder) = try SACTrace.header(contentsOf: path)
        func f(_ v: Float?) -> String { v.map { String(format: "%g", $0) } ?? "-" }
        let start = h.startTime.map { UTCTime.iso8601($0, fractionDigits: 3) } ?? "-"
        return [
            path,
            "  station \(h.network ?? "-").\(h.station ?? "-")  component \(h.channelCode ?? "-")  \(byteOrder == .littleEndian ? "little" : "big")-endian",
            "  npts \(h.sampleCount)  rate \(String(format: "%g", 1 / h.samplingIntervalSeconds)) Hz  start \(start)  b \(f(h.b))  e \(f(h.e))",
            "  station lat/lon \(f(h.stationLatitude))/\(f(h.stationLongitude))  event lat/lon/depth \(f(h.eventLatitude))/\(f(h.eventLongitude))/\(f(h.eventDepth))",
            "  picks  A \(f(h.firstArrival))  T0 \(f(h.userPick(0)))  T1 \(f(h.userPick(1)))  amplitude \(f(h.dependentMinimum))…\(f(h.dependentMaximum))"
        ]
    }
}
