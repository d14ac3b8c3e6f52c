// MiniSEEDRecords: the channels a miniSEED file holds, with its sibling files when it holds one
// channel (an SDS archive's NET.STA.LOC.CHA.D.YEAR.DAY), as records per instrument.

import Foundation

public enum MiniSEEDRecords {
    /// Orientation letters whose sibling files are looked for.
    static let orientationLetters: [Character] = ["Z", "N", "E", "1", "2", "3", "X", "Y"]

    static func orientationPosition(in name: [Character]) -> Int? {
        SEEDIdentifier.orientationPosition(inFileName: name, letters: Set(orientationLetters))
    }

    /// `path` with its orientation letter replaced by "?": the same for every file of a set of
    /// siblings (`siblingPaths`); `path` itself when its name has no channel code.
    public static func siblingKey(of path: String) -> String {
        var name = Array((path as NSString).lastPathComponent)
        guard let p = orientationPosition(in: name) else { return path }
        name[p] = "?"
        return ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent(String(name))
    }

    /// Files next to `path` whose names differ from it only in the orientation letter of the
    /// channel code (the last three-character code of two letters and an orientation letter,
    /// between non-alphanumerics: "….HHZ.D.2019.187" → "….HHN.D.2019.187"), those that exist.
    public static func siblingPaths(of path: String) -> [String] {
        let url = URL(fileURLWithPath: path)
        let name = Array(url.lastPathComponent)
        let folder = url.deletingLastPathComponent().path
        guard let p = orientationPosition(in: name) else { return [] }
        return orientationLetters.filter { $0 != name[p] }.compactMap { letter in
            var n = name
            n[p] = letter
            let sibling = (folder as NSString).appendingPathComponent(String(n))
            return FileManager.default.fileExists(atPath: sibling) ? sibling : nil
        }
    }

    /// The records of the miniSEED file at `path` for a model taking `componentOrder`: its
    /// segments — plus those of its siblings (`siblingPaths`) when it holds the channels of one
    /// instrument only and lacks some of them — assembled per instrument
    /// (`InstrumentRecords.assemble`, spans under `minimumSeconds` counted as skipped).
    /// - Returns: the scan and the files read.
    /// - Throws: `MiniSEEDError` for `path` or a sibling that cannot be read.
    public static func read(_ path: String, componentOrder: [String], minimumSeconds: Double) throws(MiniSEEDError) -> (scan: InstrumentScan, files: [String]) {
        var segments = try MiniSEED.read(path).segments
        var files = [path]
        let instruments = Set(segments.map(\.id.instrumentID))
        if instruments.count == 1, Set(segments.map(\.id)).count < componentOrder.count {
            for sibling in siblingPaths(of: path) {
                let more = try MiniSEED.read(sibling).segments.filter { instruments.contains($0.id.instrumentID) }
                guard !more.isEmpty else { continue }
                segments += more
                files.append(sibling)
            }
        }
        return (InstrumentRecords.assemble(segments, componentOrder: componentOrder, minimumSeconds: minimumSeconds), files)
    }
}
