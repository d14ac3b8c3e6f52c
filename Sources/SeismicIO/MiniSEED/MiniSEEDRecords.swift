// MiniSEEDRecords: the channels a miniSEED file holds, with its sibling files when it holds one
// channel (an SDS archive's NET.STA.LOC.CHA.D.YEAR.DAY), as records per instrument.

import Foundation

public enum MiniSEEDRecords {
    /// Orientation letters whose sibling files are looked for.
    static let orientationLetters: [Character] = ["Z", "N", "E", "1", "2", "3", "X", "Y"]

    static func orientationPosition(in name: [Character]) -> Int? {
        SEEDIdentifier.orientationPosition(inFileName: name, letters: Set(orientationLetters))
    }

    /// The channel folder an SDS archive keeps `path` in ("…/HHZ.D/…HHZ.D.2019.187": "HHZ.D"),
    /// when the file's folder is named after its channel code; nil otherwise.
    static func sdsChannelFolder(of path: String, name: [Character], at p: Int) -> String? {
        let folder = ((path as NSString).deletingLastPathComponent as NSString).lastPathComponent
        return folder == String(name[(p - 2)...p]) + ".D" ? folder : nil
    }

    /// `path` with its orientation letter replaced by "?" — in the name and, in an SDS archive, in
    /// its channel folder: the same for every file of a set of siblings (`siblingPaths`); `path`
    /// itself when its name has no channel code.
    public static func siblingKey(of path: String) -> String {
        var name = Array((path as NSString).lastPathComponent)
        guard let p = orientationPosition(in: name) else { return path }
        var folder = (path as NSString).deletingLastPathComponent
        if let channelFolder = sdsChannelFolder(of: path, name: name, at: p) {
            folder = ((folder as NSString).deletingLastPathComponent as NSString).appendingPathComponent(String(channelFolder.prefix(2)) + "?.D")
        }
        name[p] = "?"
        return (folder as NSString).appendingPathComponent(String(name))
    }

    /// Files whose names differ from `path`'s only in the orientation letter of the channel code
    /// (the last three-character code of two letters and an orientation letter, between
    /// non-alphanumerics: "….HHZ.D.2019.187" → "….HHN.D.2019.187"), next to it or, in an SDS
    /// archive, in their own channel folder ("HHZ.D/…" → "HHN.D/…"); those that exist.
    public static func siblingPaths(of path: String) -> [String] {
        let url = URL(fileURLWithPath: path)
        let name = Array(url.lastPathComponent)
        let folder = url.deletingLastPathComponent().path
        guard let p = orientationPosition(in: name) else { return [] }
        let channelFolder = sdsChannelFolder(of: path, name: name, at: p)
        return orientationLetters.filter { $0 != name[p] }.compactMap { letter in
            var n = name
            n[p] = letter
            var candidates = [(folder as NSString).appendingPathComponent(String(n))]
            if let channelFolder {
                let other = String(channelFolder.prefix(2)) + String(letter) + ".D"
                candidates.insert(
                    (((folder as NSString).deletingLastPathComponent as NSString).appendingPathComponent(other) as NSString).appendingPathComponent(String(n)),
                    at: 0)
            }
            return candidates.first { FileManager.default.fileExists(atPath: $0) }
        }
    }

    /// The records of the miniSEED file at `path` for a model taking `componentOrder`: its
    /// segments — plus those of its siblings (`siblingPaths`) when it holds the channels of one
    /// instrument only and lacks some of them — assembled per instrument
    /// (`InstrumentRecords.assemble`, spans under `minimumSeconds` counted as skipped).
    /// - Returns: the scan and the files read.
    /// - Throws: `MiniSEEDError` for `path` or a sibling that cannot be read.
    public static func read(_ path: String, componentOrder: [String], minimumSeconds: Double) throws(MiniSEEDError) -> (
        scan: InstrumentScan<Waveform>, files: [String]
    ) {
        try withSiblings(path, componentOrder: componentOrder, minimumSeconds: minimumSeconds) { p throws(MiniSEEDError) in try MiniSEED.read(p).segments }!
    }

    /// `read` with records that do not parse or decode skipped (`MiniSEED.read(_:skippingCorrupt:)`):
    /// their samples are gaps, and the bytes skipped in each file are returned.
    /// - Throws: `MiniSEEDError` for `path` or a sibling that cannot be read at all.
    public static func readSkippingCorrupt(_ path: String, componentOrder: [String], minimumSeconds: Double) throws(MiniSEEDError) -> (
        scan: InstrumentScan<Waveform>, files: [String], corrupt: [CorruptBytes]
    ) {
        var corrupt: [CorruptBytes] = []
        let (scan, files) = try withSiblings(path, componentOrder: componentOrder, minimumSeconds: minimumSeconds) { p throws(MiniSEEDError) in
            let volume = try MiniSEED.read(p, skippingCorrupt: true)
            corrupt += volume.corrupt
            return volume.segments
        }!
        return (scan, files, corrupt)
    }

    /// `read` with the records located, not decoded (`MiniSEED.index`): the same records, their
    /// samples decoded span by span as they are read (`MiniSEEDRecordSamples`). Nil when a file's
    /// records of a channel are out of time order or overlap (`read` takes those).
    /// - Throws: what `read` throws.
    public static func readIndexed(
        _ path: String, componentOrder: [String], minimumSeconds: Double
    ) throws(MiniSEEDError) -> (scan: InstrumentScan<MiniSEEDRecordSamples>, files: [String])? {
        try withSiblings(path, componentOrder: componentOrder, minimumSeconds: minimumSeconds) { p throws(MiniSEEDError) in try MiniSEED.index(p) }
    }

    /// The segments `load` gives for `path` and, as `read` says, its siblings, assembled; nil when
    /// `load` gives nil for one of the files.
    private static func withSiblings<Segment: ChannelSegment>(
        _ path: String, componentOrder: [String], minimumSeconds: Double, load: (String) throws(MiniSEEDError) -> [Segment]?
    ) throws(MiniSEEDError) -> (scan: InstrumentScan<Segment.Samples>, files: [String])? {
        guard var segments = try load(path) else { return nil }
        var files = [path]
        let instruments = Set(segments.map(\.id.instrumentID))
        if instruments.count == 1, Set(segments.map(\.id)).count < componentOrder.count {
            for sibling in siblingPaths(of: path) {
                guard let loaded = try load(sibling) else { return nil }
                let more = loaded.filter { instruments.contains($0.id.instrumentID) }
                guard !more.isEmpty else { continue }
                segments += more
                files.append(sibling)
            }
        }
        return (InstrumentRecords.assemble(segments, componentOrder: componentOrder, minimumSeconds: minimumSeconds), files)
    }
}
