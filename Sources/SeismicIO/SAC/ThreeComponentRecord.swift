// ThreeComponentRecord: find a SAC file's sibling components and read them as one Waveform.

import Foundation

/// Why a three-component set could not be assembled.
public enum RecordError: Error, CustomStringConvertible, Equatable {
    case noComponentCode(path: String)
    /// The file named does not exist (before any sibling is looked for).
    case fileNotFound(path: String)
    case missingComponent(path: String, expected: String)
    case inconsistent(paths: [String], reason: String)
    /// The component file `path` (channel `component`) holds a NaN or ±inf at sample `index`.
    case nonFiniteSample(path: String, component: String, index: Int, value: Double)
    /// The component file `path` has a start time (reference time + B) that is not finite.
    case nonFiniteStart(path: String, b: Float)

    public var description: String {
        switch self {
        case .noComponentCode(let p):
            return "\(p): no component code (…HLX…, …EHZ…) found in the file name, so its siblings cannot be named"
        case .fileNotFound(let p): return "\(p): no such file"
        case .missingComponent(let p, let e): return "\(p): sibling component file not found: \(e)"
        case .inconsistent(let ps, let r): return "\(ps.joined(separator: ", ")): \(r)"
        case .nonFiniteSample(let p, let c, let i, let v):
            return "\(p): component \(c): sample \(i) is \(v); a record to process must have finite samples"
        case .nonFiniteStart(let p, let b):
            return "\(p): B = \(b); the start time (reference time + B) must be a finite time within the years 1000…9999 (SAC's NZYEAR range)"
        }
    }
}

/// A record delivered as one SAC file per component, named alike except for the component letter
/// (the reference's `…HLX…` → `…HLY…`, `…HLZ…`; also E/N/Z).
public enum ThreeComponentRecord {
    /// Component letter families, in the order the components are stacked: east-like, north-like,
    /// vertical — the rule `ComponentMapping` states for every record (SeisBench's flexible
    /// horizontals: 1 is north-like and 2 east-like in Z12; 2 north-like and 3 east-like in Z23),
    /// so a triple of SAC files feeds the model as the same channels in miniSEED do.
    public static let families: [[Character]] = [["X", "Y", "Z"], ["E", "N", "Z"], ["2", "1", "Z"], ["3", "2", "Z"]]

    /// Paths of the three components of the record that `path` belongs to, in family order.
    /// The component code is the last three-character band/instrument/component code in the file
    /// name (two letters and a component letter, delimited by non-alphanumerics).
    public static func siblingPaths(
        of path: String,
        fileExists: (String) -> Bool = {
            FileManager.default.fileExists(atPath: $0)
        }
    ) throws(RecordError) -> [String] {
        let url = URL(fileURLWithPath: path)
        let name = Array(url.lastPathComponent)
        let dir = url.deletingLastPathComponent().path
        let position = SEEDIdentifier.orientationPosition(inFileName: name, letters: Set(families.joined()))
        guard fileExists(path) else { throw .fileNotFound(path: path) }
        guard let p = position else { throw .noComponentCode(path: path) }
        let letter = name[p]
        let candidates = families.filter { $0.contains(letter) }
        func pathFor(_ c: Character) -> String {
            var n = name
            n[p] = c
            return (dir as NSString).appendingPathComponent(String(n))
        }
        // Prefer the family whose siblings all exist (Z belongs to every family).
        for family in candidates where family.allSatisfy({ fileExists(pathFor($0)) }) {
            return family.map(pathFor)
        }
        // Name what is missing of the family most of whose files exist; when several tie (a Z file
        // alone could be of X/Y/Z, E/N/Z or 1/2/Z), the missing files of each, so the message never
        // names one family as if it were known.
        let found = candidates.map { $0.filter { fileExists(pathFor($0)) }.count }
        let best = candidates.indices.filter { found[$0] == found.max()! }
        let missing = best.map { candidates[$0].map(pathFor).filter { !fileExists($0) } }
        let text = missing.enumerated().map { i, paths in
            (i == 0 ? paths : paths.map { ($0 as NSString).lastPathComponent }).joined(separator: " and ")
        }.joined(separator: ", or ")
        throw .missingComponent(path: path, expected: text)
    }

    /// Reads the three components of the record `path` belongs to and checks that they agree in
    /// length, sampling interval and start time (to half a sample), that each start time is finite
    /// and that every sample is finite. Throws `SACError` for a file that cannot be read and
    /// `RecordError` for a set that cannot form one record (a non-finite sample names the file, its
    /// channel code and the sample index).
    public static func read(_ path: String) throws -> (waveform: Waveform, traces: [SACTrace], paths: [String]) {
        if InputPaths.isFolder(path) { throw SACError.cannotOpen(path: path, reason: InputPaths.folderReason(expected: "a SAC file")) }
        let paths = try siblingPaths(of: path)
        let traces = try paths.map { p throws(SACError) in try SACTrace(contentsOf: p) }
        let (codes, start) = try agreement(traces.map(\.header), paths: paths)
        do {
            let waveform = try Waveform(
                validating: traces.map { $0.samples.map(Double.init) }, componentCodes: codes,
                samplingRateHz: traces[0].samplingRateHz, startTime: start)
            return (waveform, traces, paths)
        } catch .nonFiniteSample(let code, let index, let value) {
            let file = codes.firstIndex(of: code).map { paths[$0] } ?? path
            throw RecordError.nonFiniteSample(path: file, component: code, index: index, value: value)
        } catch {
            throw RecordError.inconsistent(paths: paths, reason: error.description)
        }
    }

    /// The record `path` belongs to, its headers read and checked as `read` checks them and its
    /// samples left in the files, read span by span as they are needed (a non-finite sample is
    /// refused when it is read). Throws `SACError` for a file that cannot be read and
    /// `RecordError` for a set that cannot form one record.
    public static func open(_ path: String) throws -> SACRecordSamples {
        if InputPaths.isFolder(path) { throw SACError.cannotOpen(path: path, reason: InputPaths.folderReason(expected: "a SAC file")) }
        let paths = try siblingPaths(of: path)
        let heads = try paths.map { p throws(SACError) in try SACTrace.header(contentsOf: p) }
        let (codes, start) = try agreement(heads.map(\.header), paths: paths)
        return try SACRecordSamples(
            paths: paths, headers: heads.map(\.header), byteOrders: heads.map(\.byteOrder), componentCodes: codes,
            samplingRateHz: 1 / heads[0].header.samplingIntervalSeconds, startTime: start)
    }

    /// Checks that the components' `headers` (of the files `paths`) agree in length, sampling
    /// interval and start time (to half a sample) and that each start time is finite; returns the
    /// channel codes (the header's, else the file name) and the start time.
    private static func agreement(_ headers: [SACHeader], paths: [String]) throws(RecordError) -> (codes: [String], start: Double) {
        let counts = headers.map(\.npts)
        guard Set(counts).count == 1 else {
            throw RecordError.inconsistent(paths: paths, reason: "components differ in length: \(counts)")
        }
        let deltas = headers.map(\.delta)
        guard deltas.allSatisfy({ abs($0 - deltas[0]) <= 1e-6 * deltas[0] }) else {
            throw RecordError.inconsistent(paths: paths, reason: "components differ in sampling interval: \(deltas)")
        }
        let starts = headers.map { $0.startTime ?? Double($0.b ?? 0) }
        // −30,610,224,000 s is 1000-01-01, 253,402,300,800 s is 10000-01-01 (UTC).
        if let bad = starts.firstIndex(where: { !$0.isFinite || $0 < -30_610_224_000 || $0 >= 253_402_300_800 }) {
            throw RecordError.nonFiniteStart(path: paths[bad], b: headers[bad].b ?? .nan)
        }
        guard starts.allSatisfy({ abs($0 - starts[0]) <= 0.5 * Double(deltas[0]) }) else {
            throw RecordError.inconsistent(paths: paths, reason: "components start at different times: \(starts)")
        }
        let codes = zip(headers, paths).map { h, p in h.channelCode ?? URL(fileURLWithPath: p).lastPathComponent }
        return (codes, starts[0])
    }
}
