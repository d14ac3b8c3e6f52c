// RecordFolder: what a folder of seismic files holds — SAC files grouped by the instrument their
// headers name, miniSEED files (one per set of sibling day files), prepared datasets — and every
// file it could not use, with the reason.

import Foundation

/// One input a scan found.
public enum RecordInput: Sendable, Equatable {
    /// SAC files of one instrument ("NET.STA.LOC.BI" from their headers, else their names).
    case sac(paths: [String], instrumentID: String)
    /// A SAC file named on its own: its record's other components are found by name
    /// (`ThreeComponentRecord`).
    case sacFile(path: String)
    /// A miniSEED file (its sibling day files are read with it).
    case miniSEED(path: String)
    /// A prepared dataset (.h5).
    case dataset(path: String)
    /// A station's data from `start` to `end` (seconds since 1970-01-01 UTC) in the SDS archive
    /// at `root`, of the channels `channels` selects (patterns such as "HH?"; empty: all).
    case sds(root: String, station: StationSelector, channels: [String], start: Double, end: Double)

    /// A path naming the input in messages (the first file of a SAC group).
    public var path: String {
        switch self {
        case .sac(let paths, _): return paths[0]
        case .miniSEED(let p), .dataset(let p), .sacFile(let p): return p
        case .sds(let root, let station, _, _, _): return "\(root) \(station)"
        }
    }
}

/// What `RecordFolder.scan` found and set aside.
public struct FolderScan: Sendable {
    public var inputs: [RecordInput] = []
    /// Files that are not records, each with what it looks like.
    public var skipped: [(path: String, reason: String)] = []
    /// Records that cannot be read (a SAC header naming no channel, …), each with the reason.
    public var failures: [(path: String, reason: String)] = []

    public init() {}

    /// This scan followed by `other`.
    public mutating func append(_ other: FolderScan) {
        inputs += other.inputs
        skipped += other.skipped
        failures += other.failures
    }
}

public enum RecordFolder {
    /// The paths of everything but folders under `folder`, recursively, sorted; hidden files and
    /// folders (names starting with ".") left out. Nil when `folder` cannot be listed.
    public static func files(in folder: String) -> [String]? {
        guard let e = FileManager.default.enumerator(atPath: folder) else { return nil }
        var files: [String] = []
        while let rel = e.nextObject() as? String {
            if rel.split(separator: "/").contains(where: { $0.hasPrefix(".") }) { continue }
            let path = (folder as NSString).appendingPathComponent(rel)
            if !InputPaths.isFolder(path) { files.append(path) }
        }
        return files.sorted()
    }

    /// Every file under `folder` (recursively, sorted; hidden files and folders ignored), told
    /// apart by content (`FileFormat`): SAC files grouped by instrument — the SEED id from the
    /// header (KNETWK, KSTNM, KHOLE, KCMPNM; `SACTrace.seedIdentifier`) — miniSEED files, one per
    /// set of files that differ only in the channel's orientation letter (SDS day files), and
    /// `.h5` datasets; anything else is skipped with what it looks like.
    public static func scan(_ folder: String) -> FolderScan {
        var scan = FolderScan()
        guard let files = files(in: folder) else {
            scan.failures.append((folder, "cannot be listed"))
            return scan
        }
        var sacGroups: [String: [String]] = [:]
        var miniSEEDSets = Set<String>()
        for path in files {
            switch FileFormat.detect(path: path) {
            case .sac:
                do {
                    let id = try SACTrace.seedIdentifier(path: path)
                    sacGroups[id.instrumentID, default: []].append(path)
                } catch {
                    scan.failures.append((path, "\(error)"))
                }
            case .miniSEED2:
                // One input per set of sibling files: the name with its orientation letter wildcarded.
                if miniSEEDSets.insert(MiniSEEDRecords.siblingKey(of: path)).inserted { scan.inputs.append(.miniSEED(path: path)) }
            case .hdf5 where path.hasSuffix(".h5"):
                scan.inputs.append(.dataset(path: path))
            case let format:
                scan.skipped.append((path, "not a record: the file \(format.phrase)"))
            }
        }
        for (id, paths) in sacGroups { scan.inputs.append(.sac(paths: paths, instrumentID: id)) }
        scan.inputs.sort { $0.path < $1.path }
        return scan
    }
}

extension SACTrace {
    /// The SEED id of the SAC file at `path`: network, station, location and channel from its
    /// header (KNETWK, KSTNM, KHOLE, KCMPNM; undefined fields empty), or — when the header names
    /// no station or channel — from the file name's dot-separated fields "NET.STA.LOC.CHA…" (as
    /// ObsPy and SDS name files).
    /// - Throws: `SACError` for a header that cannot be read; `RecordError.noComponentCode` when
    ///   neither names a channel.
    public static func seedIdentifier(path: String) throws -> SEEDIdentifier {
        let (h, _) = try header(contentsOf: path)
        if let station = h.station, let channel = h.channelCode, !station.isEmpty, channel.count == 3 {
            return SEEDIdentifier(network: h.network ?? "", station: station, location: h.location ?? "", channel: channel)
        }
        let fields = (path as NSString).lastPathComponent.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        if fields.count >= 4, fields[3].count == 3, !fields[1].isEmpty {
            return SEEDIdentifier(network: fields[0], station: fields[1], location: fields[2], channel: fields[3])
        }
        throw RecordError.noComponentCode(path: path)
    }
}
