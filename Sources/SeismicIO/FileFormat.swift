// FileFormat: what a file holds, told from its first bytes — so a file of the wrong format is
// refused by name ("this is miniSEED 3") rather than with a reader's confused reason.

import Foundation

/// Formats a seismic file may be in, recognised by `FileFormat.detect`.
public enum FileFormat: String, Sendable, CaseIterable {
    case sac = "SAC (binary)"
    case miniSEED2 = "miniSEED 2"
    case miniSEED3 = "miniSEED 3"
    case hdf5 = "HDF5"
    case segy = "SEG-Y"
    case gse2 = "GSE2"
    case stationXML = "StationXML"
    case quakeML = "QuakeML"
    case xml = "XML"
    case npz = "NumPy archive (.npz)"
    case text = "text"
    case unknown = "an unknown format"
    /// A regular file of 0 bytes (a day file an archiver created but never filled, an aborted copy).
    case empty = "an empty file (0 bytes)"
    /// A FIFO, device, socket or folder: never opened (opening a FIFO waits for a writer).
    case notRegularFile = "a FIFO, device or socket, not a regular file"

    /// What a message says of a file of this format: "is empty (0 bytes)" or "looks like X".
    public var phrase: String { self == .empty ? "is empty (0 bytes)" : "looks like \(rawValue)" }

    /// The format of `bytes`, the start of a file (`headBytes`; 4 KiB is enough but for a miniSEED
    /// file whose first record is damaged); `.empty` for a `fileLength` of 0 (no bytes of a
    /// length not known are `.unknown`). miniSEED 2 is recognised by its fixed header (sequence
    /// number of digits or spaces, quality D/R/Q/M, a channel code) and a plausible record start,
    /// or, when nothing else fits, by such a header at a later record boundary (a multiple of 128
    /// bytes: the first record damaged, the reader skips it); SAC by its header version NVHDR = 6
    /// (either byte order) and a file length that fits; the others by their signatures.
    public static func detect(_ bytes: [UInt8], fileLength: Int? = nil) -> FileFormat {
        if bytes.isEmpty, fileLength == 0 { return .empty }
        func ascii(_ range: Range<Int>) -> String? {
            guard range.upperBound <= bytes.count else { return nil }
            return String(bytes: bytes[range], encoding: .ascii)
        }
        if bytes.starts(with: [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]) { return .hdf5 }
        if bytes.count >= 3, bytes[0] == 0x4D, bytes[1] == 0x53, bytes[2] == 3 { return .miniSEED3 }
        if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return .npz }
        if isMiniSEED2(bytes) { return .miniSEED2 }
        if isSAC(bytes) { return .sac }
        let head = String(decoding: bytes.prefix(1024), as: UTF8.self)
        let trimmed = head.drop { $0 == "\u{FEFF}" || $0.isWhitespace }
        if trimmed.hasPrefix("<") {
            if head.contains("FDSNStationXML") { return .stationXML }
            if head.lowercased().contains("quakeml") { return .quakeML }
            return .xml
        }
        if trimmed.hasPrefix("BEGIN GSE2") || trimmed.hasPrefix("WID2") || trimmed.hasPrefix("DATA_TYPE") || head.contains("\nWID2 ") { return .gse2 }
        // SEG-Y: a 3200-byte textual header, usually EBCDIC "C 1 " (0xC3 0x40 0xF1) or ASCII "C 1 ".
        if bytes.count >= 4, (bytes[0] == 0xC3 && bytes[1] == 0x40) || ascii(0..<4) == "C 1 " || ascii(0..<4) == "C01 " {
            if fileLength.map({ $0 >= 3600 }) ?? true { return .segy }
        }
        if isText(bytes) { return .text }
        if hasLaterMiniSEED2Record(bytes, wholeFile: fileLength.map { $0 <= bytes.count } ?? false) { return .miniSEED2 }
        return .unknown
    }

    /// Bytes `detect(path:)` reads: enough to reach the second record of a miniSEED file of
    /// 4096-byte records (and several of 512), whose first record may be damaged.
    public static let headBytes = 65_536

    /// A miniSEED 2 record header at a multiple of 128 bytes past the start (which is no header)
    /// and, so that chance bytes do not pass, another at a multiple of 128 after it — or none
    /// after it when `b` is the whole file (one good record after the damaged one).
    static func hasLaterMiniSEED2Record(_ b: [UInt8], wholeFile: Bool) -> Bool {
        var headers = 0
        for offset in stride(from: 128, to: b.count - 47, by: 128) where isMiniSEED2(Array(b[offset..<(offset + 48)])) {
            headers += 1
            if headers == 2 { return true }
        }
        return headers == 1 && wholeFile
    }

    /// The format of the file at `path` (its first `headBytes`); `.unknown` when it cannot be read.
    public static func detect(path: String) -> FileFormat {
        var info = stat()
        if stat(path, &info) == 0, info.st_mode & S_IFMT != S_IFREG { return .notRegularFile }
        guard let handle = FileHandle(forReadingAtPath: path) else { return .unknown }
        defer { try? handle.close() }
        let bytes = [UInt8]((try? handle.read(upToCount: headBytes)) ?? Data())
        let length = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        return detect(bytes, fileLength: length)
    }

    /// A miniSEED 2 fixed section of data header: 6 sequence digits (or spaces), a quality
    /// indicator D/R/Q/M, a reserved space or NUL, then station/location/channel/network codes
    /// of letters, digits and spaces, and a year/day-of-year within range (either byte order).
    static func isMiniSEED2(_ b: [UInt8]) -> Bool {
        guard b.count >= 48 else { return false }
        let digitOrSpace: (UInt8) -> Bool = { (0x30...0x39).contains($0) || $0 == 0x20 || $0 == 0 }
        guard b[0..<6].allSatisfy(digitOrSpace), [0x44, 0x52, 0x51, 0x4D].contains(b[6]), b[7] == 0x20 || b[7] == 0 else { return false }
        let codeByte: (UInt8) -> Bool = { (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) || $0 == 0x20 || $0 == 0 }
        guard b[8..<20].allSatisfy(codeByte) else { return false }
        let yearBE = Int(b[20]) << 8 | Int(b[21]), yearLE = Int(b[21]) << 8 | Int(b[20])
        let dayBE = Int(b[22]) << 8 | Int(b[23]), dayLE = Int(b[23]) << 8 | Int(b[22])
        return ((1900...2100).contains(yearBE) && (1...366).contains(dayBE)) || ((1900...2100).contains(yearLE) && (1...366).contains(dayLE))
    }

    /// Text: the first 512 bytes are UTF-8 (a character cut at the end allowed) without control
    /// characters other than tab, line feed and carriage return.
    static func isText(_ b: [UInt8]) -> Bool {
        let head = Array(b.prefix(512))
        guard !head.isEmpty, !head.contains(where: { $0 < 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D || $0 == 0x7F }) else { return false }
        for cut in 0...min(3, head.count - 1) where String(validating: head.dropLast(cut), as: UTF8.self) != nil { return true }
        return false
    }

    /// A SAC binary header: NVHDR (word 76) is 6 in one byte order.
    static func isSAC(_ b: [UInt8]) -> Bool {
        guard b.count >= 632 else { return false }
        let w = Array(b[304..<308])
        return w == [6, 0, 0, 0] || w == [0, 0, 0, 6]
    }
}
