// MiniSEED: miniSEED 2 files read and written through libmseed — records decoded (Steim-1/2,
// int16/32, float32/64), joined into contiguous segments per channel, gaps and overlaps listed.

import CMiniSEED
import Foundation

/// A contiguous run of samples of one channel, as ObsPy's `Trace` (libmseed's `MSTrace`).
public struct TraceSegment: Sendable, Equatable {
    public var id: SEEDIdentifier
    /// Time of the first sample, seconds since 1970-01-01 UTC (microsecond resolution, as miniSEED 2).
    public var startTime: Double
    public var samplingRateHz: Double
    public var samples: [Double]

    public init(id: SEEDIdentifier, startTime: Double, samplingRateHz: Double, samples: [Double]) {
        self.id = id
        self.startTime = startTime
        self.samplingRateHz = samplingRateHz
        self.samples = samples
    }

}

/// A break between two segments of one channel: `seconds` > 0 is missing data (a gap), < 0 data
/// covered twice (an overlap), as ObsPy's `Stream.get_gaps` reports them; or a change of sampling
/// rate, with or without a gap (where the times join, `get_gaps` lists it as a gap of 0 samples).
public struct TraceGap: Sendable, Equatable, CustomStringConvertible {
    public var id: SEEDIdentifier
    /// When the next sample after the first segment was due.
    public var from: Double
    /// The first sample of the next segment.
    public var to: Double
    /// The sampling rates (Hz) of the segment before and of the segment after.
    public var rateBeforeHz: Double, rateAfterHz: Double
    public var seconds: Double { to - from }

    public init(id: SEEDIdentifier, from: Double, to: Double, rateBeforeHz: Double, rateAfterHz: Double) {
        (self.id, self.from, self.to, self.rateBeforeHz, self.rateAfterHz) = (id, from, to, rateBeforeHz, rateAfterHz)
    }

    /// Whether the rate changes (by more than one part in a million: the tolerance `gaps(in:)`
    /// joins segments by).
    public var isRateChange: Bool { abs(rateAfterHz - rateBeforeHz) > 1e-6 * rateBeforeHz }

    /// "XX.STA..BHZ gap of 2.500 s at …" (when the missing sample was due), "… overlap of 1.000 s
    /// from …" (where the data covered twice begins: the later segment's start), or "XX.STA..BHZ
    /// sampling rate changes from 100 Hz to 50 Hz at …" (", after a gap of 2.500 s" when the times
    /// do not join either).
    public var description: String {
        let breakText = String(format: "%@ of %.3f s", seconds >= 0 ? "gap" : "overlap", abs(seconds))
        guard isRateChange else { return "\(id) \(breakText) \(seconds >= 0 ? "at \(UTCTime.iso8601(from))" : "from \(UTCTime.iso8601(to))")" }
        let joins = abs(seconds) <= 0.5 / rateBeforeHz
        let after =
            seconds >= 0
            ? ", after a gap of \(String(format: "%.3f", seconds)) s" : ", overlapping the earlier segment by \(String(format: "%.3f", -seconds)) s"
        return "\(id) sampling rate changes from \(Self.hertz(rateBeforeHz)) to \(Self.hertz(rateAfterHz)) at \(UTCTime.iso8601(to))"
            + (joins ? "" : after)
    }

    /// What a record assembled across this break gets (`InstrumentRecords`' policy): an overlap
    /// keeps the earlier samples; a gap or a change of rate splits the record.
    public var outcome: String { seconds < 0 && !isRateChange ? "the earlier samples are kept" : "the record is split there" }

    /// "100 Hz", "0.1 Hz", "33.333333 Hz": up to six decimals, trailing zeros dropped.
    static func hertz(_ rate: Double) -> String {
        var text = String(format: "%.6f", rate)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text + " Hz"
    }
}

/// What a miniSEED file holds: its channels' contiguous segments (sorted by SEED id, then time),
/// the gaps and overlaps between them, and what was read.
public struct MiniSEEDVolume: Sendable {
    public var path: String
    public var segments: [TraceSegment]
    public var gaps: [TraceGap]
    /// Data records decoded.
    public var records: Int
    /// Encodings met ("Steim-2", "int32", …).
    public var encodings: Set<String>
    /// Records without samples to use, counted by reason ("ASCII text record", "no sampling rate").
    public var skippedRecords: [String: Int]
    /// Bytes skipped as corrupt (`read(_:skippingCorrupt:)`; empty otherwise): their samples are gaps.
    public var corrupt: [CorruptBytes] = []
}

/// Bytes of a miniSEED file skipped because they do not parse or decode as a record (a record
/// damaged on disk or in transfer, a digitiser's garbage block): the samples they held are missing,
/// and the channel's record is split there like at any gap.
public struct CorruptBytes: Sendable, Equatable, CustomStringConvertible {
    public var path: String
    /// The first byte skipped and how many.
    public var offset: Int, length: Int
    /// Why the first record there was refused (libmseed's words or the check's).
    public var reason: String
    public var description: String { "\(path): bytes \(offset)–\(offset + length - 1) skipped (\(length) bytes): \(reason)" }
}

/// A miniSEED file that cannot be read or written.
public enum MiniSEEDError: Error, CustomStringConvertible, Equatable {
    case cannotOpen(path: String, reason: String)
    /// Not miniSEED 2; `format` is what the file looks like.
    case notMiniSEED(path: String, format: FileFormat)
    /// A record that libmseed cannot decode, starting at byte `offset`.
    case badRecord(path: String, offset: Int, reason: String)
    /// A record that decodes but cannot join its channel's samples (libmseed joins samples of one
    /// type: integers, float32 or float64), starting at byte `offset`: not corrupt, never skipped.
    case cannotJoin(path: String, offset: Int, reason: String)
    case noData(path: String, reason: String)
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let p, let r): return "\(p): cannot open: \(r)"
        case .notMiniSEED(let p, let f): return "\(p): not miniSEED 2: the file \(f.phrase)"
        case .badRecord(let p, let o, let r), .cannotJoin(let p, let o, let r): return "\(p): miniSEED record at byte \(o): \(r)"
        case .noData(let p, let r): return "\(p): no samples: \(r)"
        case .cannotWrite(let p, let r): return "\(p): cannot write miniSEED: \(r)"
        }
    }
}

/// How samples are encoded in written records.
public enum MiniSEEDEncoding: String, Sendable, CaseIterable {
    case steim1 = "Steim-1", steim2 = "Steim-2", int16, int32, float32, float64

    var code: Int8 {
        switch self {
        case .steim1: return Int8(DE_STEIM1)
        case .steim2: return Int8(DE_STEIM2)
        case .int16: return Int8(DE_INT16)
        case .int32: return Int8(DE_INT32)
        case .float32: return Int8(DE_FLOAT32)
        case .float64: return Int8(DE_FLOAT64)
        }
    }

    /// Whether samples must be whole numbers (in the encoding's range) to be written exactly.
    public var isInteger: Bool { ![.float32, .float64].contains(self) }

    static func name(of code: Int8) -> String {
        allCases.first { $0.code == code }?.rawValue ?? "encoding \(code)"
    }
}

public enum MiniSEED {
    /// Reads every data record of the miniSEED 2 file at `path` (any record length, either byte
    /// order, the encodings libmseed decodes: Steim-1/2, int16/32, float32/64) and joins them
    /// into contiguous segments per SEED id — records out of order are placed by time; samples
    /// meeting within half a sample at the same rate are one segment (libmseed's default
    /// tolerances, as ObsPy's `read` + `merge` of contiguous data). Whatever does not join is
    /// another segment, listed in `gaps`. Text (ASCII) records and records without a sampling
    /// rate are skipped and counted. `skippingCorrupt`: a record that does not parse or decode
    /// is skipped and listed in `corrupt` (its samples are a gap; ObsPy warns and skips bytes
    /// that are not a record, and refuses a record that does not decode) instead of refusing the
    /// file.
    /// - Throws: `MiniSEEDError.notMiniSEED` naming the format the file looks like,
    ///   `.badRecord` with the byte offset and the reason (not when skipping), `.noData` when no
    ///   record has samples, `.cannotOpen`.
    public static func read(_ path: String, skippingCorrupt: Bool = false) throws(MiniSEEDError) -> MiniSEEDVolume {
        if InputPaths.isFolder(path) { throw .cannotOpen(path: path, reason: InputPaths.folderReason(expected: "a miniSEED file")) }
        let bytes: Data
        do { bytes = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw .cannotOpen(path: path, reason: FileManager.default.fileExists(atPath: path) ? "\((error as NSError).localizedDescription)" : "no such file")
        }
        return try read(bytes: bytes, path: path, skippingCorrupt: skippingCorrupt)
    }

    /// `read(_:)` on bytes in memory (a file's, or records received over the network); `path`
    /// names them in errors.
    public static func read(bytes: Data, path: String, skippingCorrupt: Bool = false) throws(MiniSEEDError) -> MiniSEEDVolume {
        let format = FileFormat.detect([UInt8](bytes.prefix(FileFormat.headBytes)), fileLength: bytes.count)
        guard format == .miniSEED2 else { throw .notMiniSEED(path: path, format: format) }
        var record: UnsafeMutablePointer<MSRecord>? = nil
        var group: UnsafeMutablePointer<MSTraceGroup>? = mst_initgroup(nil)
        defer {
            msr_free(&record)
            mst_freegroup(&group)
        }
        var encodings = Set<String>()
        // (Data.withUnsafeBytes rethrows untyped errors: the walk's typed error goes through a Result.)
        let (records, skipped, corrupt) = try bytes.withUnsafeBytes { all in
            Result { () throws(MiniSEEDError) in
                try forEachDataRecord(in: all, path: path, skippingCorrupt: skippingCorrupt) { (offset, length, copy, header) throws(MiniSEEDError) in
                    let status = msr_unpack(copy, Int32(length), &record, 1, 0)
                    guard status == MS_NOERROR, let r = record else {
                        throw .badRecord(path: path, offset: offset, reason: String(cString: ms_errorstr(status)))
                    }
                    if let problem = steimIntegrityProblem(r.pointee, record: copy, length: length) {
                        throw .badRecord(path: path, offset: offset, reason: problem)
                    }
                    guard r.pointee.numsamples > 0 else { return false }
                    // Skipping corrupt records, a float record holding NaN or ±inf (garbage decoded
                    // as floats) is one: its samples could not be processed anyway.
                    if skippingCorrupt, let data = r.pointee.datasamples,
                        let bad = firstNonFinite(data, count: Int(r.pointee.numsamples), type: r.pointee.sampletype)
                    {
                        throw .badRecord(path: path, offset: offset, reason: "sample \(bad.index) of the record is \(bad.value.isNaN ? "NaN" : "\(bad.value)")")
                    }
                    encodings.insert(MiniSEEDEncoding.name(of: r.pointee.encoding))
                    guard mst_addmsrtogroup(group, r, 0, -1, -1) != nil else {
                        throw .cannotJoin(
                            path: path, offset: offset,
                            reason: "its samples could not be added to a trace (samples of another type than the channel's before it?)")
                    }
                    return true
                }
            }
        }.get()
        mst_groupheal(group, -1, -1)
        mst_groupsort(group, 0)
        var segments: [TraceSegment] = []
        var trace = group?.pointee.traces
        while let t = trace {
            segments.append(try segment(t.pointee, path: path))
            trace = t.pointee.next
        }
        guard !segments.isEmpty else {
            var reasons = skipped.map { "\($1) × \($0)" }.sorted()
            if let first = corrupt.first { reasons.append("\(corrupt.reduce(0) { $0 + $1.length }) corrupt bytes (at byte \(first.offset): \(first.reason))") }
            throw .noData(
                path: path, reason: reasons.isEmpty ? "the file holds no data records" : "every record was skipped: " + reasons.joined(separator: ", "))
        }
        return MiniSEEDVolume(
            path: path, segments: segments, gaps: gaps(in: segments), records: records, encodings: encodings, skippedRecords: skipped, corrupt: corrupt)
    }

    /// Walks the records of a miniSEED file held in `all` (`path` names it in errors): each
    /// record's length is detected, its header decoded and checked (the samples it claims must fit
    /// in it), and each data record — not text, with samples and a sampling rate — is handed to
    /// `body` with its byte offset, length, a mutable copy of its bytes (libmseed's decoder takes
    /// `char *`) and its decoded header; `body` returns false for a record it skips as without
    /// samples. Zeros after the last record (padding some writers leave) end the walk.
    /// `skippingCorrupt`: a record that does not parse, or that `body` refuses (`.badRecord`), is
    /// skipped instead, a byte at a time until a record is found again — not by the length its
    /// header claims (a damaged header can claim good records after it), nor 128 bytes at a time
    /// as ObsPy's reader does (which loses every record after garbage of another length) — and the
    /// bytes skipped are returned, adjacent ones as one run with the first reason (a run reaching
    /// the trailing zeros takes them in).
    /// - Returns: the number of records, the records skipped by reason, the corrupt bytes skipped.
    /// - Throws: `MiniSEEDError.badRecord` with the byte offset and the reason (not when
    ///   skipping); what `body` throws.
    static func forEachDataRecord(
        in all: UnsafeRawBufferPointer, path: String, skippingCorrupt: Bool = false,
        _ body: (_ offset: Int, _ length: Int, _ copy: UnsafeMutablePointer<CChar>, _ header: MSRecord) throws(MiniSEEDError) -> Bool
    ) throws(MiniSEEDError) -> (records: Int, skipped: [String: Int], corrupt: [CorruptBytes]) {
        seismic_ms_quiet()
        var header: UnsafeMutablePointer<MSRecord>? = nil
        defer { msr_free(&header) }
        var scratch = [CChar](repeating: 0, count: 0)
        var records = 0
        var skipped: [String: Int] = [:]
        var corrupt: [CorruptBytes] = []
        var offset = 0
        let bytes = all.bindMemory(to: CChar.self)
        // Zeros after the last record are padding some writers leave: the walk ends where they begin.
        var end = bytes.count
        while end > 0, bytes[end - 1] == 0 { end -= 1 }
        while offset < end {
            let remaining = bytes.count - offset
            do throws(MiniSEEDError) {
                guard remaining >= 48 else {
                    throw .badRecord(path: path, offset: offset, reason: "\(remaining) bytes left, fewer than a record header (48)")
                }
                let length = Int(ms_detect(bytes.baseAddress! + offset, Int32(clamping: remaining)))
                guard length > 0 else {
                    throw .badRecord(
                        path: path, offset: offset,
                        reason: length == 0 ? "the record length cannot be told (no blockette 1000, no next record)" : "not a miniSEED data record header")
                }
                guard length <= remaining else {
                    throw .badRecord(path: path, offset: offset, reason: "truncated: the record is \(length) bytes, \(remaining) remain")
                }
                if scratch.count < length { scratch = [CChar](repeating: 0, count: length) }
                let handled = try scratch.withUnsafeMutableBufferPointer { (copy) throws(MiniSEEDError) -> Bool? in
                    _ = copy.initialize(from: UnsafeBufferPointer(rebasing: bytes[offset..<(offset + length)]))
                    // The header first: libmseed 2.19 decodes as many samples as the header claims,
                    // reading past the record when they do not fit (found by fuzzing), so the claim
                    // is checked against the record before any sample is decoded.
                    let status = msr_unpack(copy.baseAddress!, Int32(length), &header, 0, 0)
                    guard status == MS_NOERROR, let h = header else {
                        throw .badRecord(path: path, offset: offset, reason: String(cString: ms_errorstr(status)))
                    }
                    if let problem = sampleSpaceProblem(h.pointee, recordLength: length) {
                        throw .badRecord(path: path, offset: offset, reason: problem)
                    }
                    if let inner = innerHeader(copy.baseAddress!, length: length, samplesEnd: samplesEnd(h.pointee)) {
                        throw .badRecord(
                            path: path, offset: offset, reason: "the record claims \(length) bytes, but a record header starts \(inner) bytes in")
                    }
                    if Int32(h.pointee.encoding) == DE_ASCII { return nil }
                    guard h.pointee.samplecnt > 0 else { return false }
                    guard h.pointee.samprate.isFinite, h.pointee.samprate > 0 else {
                        skipped["no sampling rate", default: 0] += 1
                        return true
                    }
                    return try body(offset, length, copy.baseAddress!, h.pointee)
                }
                records += 1
                offset += length
                switch handled {
                case nil: skipped["ASCII text record", default: 0] += 1
                case false?: skipped["record without samples", default: 0] += 1
                case true?: break
                }
            } catch {
                guard skippingCorrupt, case .badRecord(_, _, let reason) = error else { throw error }
                let skip = remaining < 48 ? remaining : 1
                if let last = corrupt.last, last.offset + last.length == offset {
                    corrupt[corrupt.count - 1].length += skip
                } else {
                    corrupt.append(CorruptBytes(path: path, offset: offset, length: skip, reason: reason))
                }
                offset += skip
            }
        }
        // A corrupt run reaching the zeros at the end (a record cut short whose last frames were
        // zeros) takes them too: they were its bytes.
        if let last = corrupt.last, last.offset + last.length == end { corrupt[corrupt.count - 1].length = bytes.count - last.offset }
        return (records, skipped, corrupt)
    }

    /// The offset of a record header inside a record said to be `length` bytes long, at one of the
    /// lengths a record can have (128 · 2ᵏ) below it and at or after `samplesEnd`, where its
    /// samples end at the least; nil when there is none. A damaged blockette 1000 claiming more
    /// than the record's length would otherwise hide the records after it inside the claimed
    /// length (ObsPy's reader loses them so, silently), even when the damaged record still
    /// decodes. A header is libmseed's test (six digits, spaces or NULs, a quality indicator D, R,
    /// Q or M, a space or NUL, hour, minute and second in range) and a length libmseed can tell
    /// (a blockette 1000, or a next header): uncompressed samples or text could pass the first
    /// alone (a helper built an int16 record and a log line that did), and are not searched.
    private static func innerHeader(_ record: UnsafeMutablePointer<CChar>, length: Int, samplesEnd: Int) -> Int? {
        var inner = 128
        while inner + 48 <= length {
            if inner >= samplesEnd, seismic_ms_is_header(record + inner) != 0,
                ms_detect(record + inner, Int32(clamping: length - inner)) > 0
            {
                return inner
            }
            inner *= 2
        }
        return nil
    }

    /// Where a record's samples end at the least: its data offset (48, the fixed header, without
    /// one) plus the bytes its samples take — 1 per character of text, 2, 4 or 8 per sample, a
    /// 64-byte frame per 60 (Steim-1) or 105 (Steim-2) samples at the most.
    private static func samplesEnd(_ r: MSRecord) -> Int {
        let dataOffset = max(48, Int(r.fsdh?.pointee.data_offset ?? 0))
        return dataOffset + (minimumDataBytes(encoding: r.encoding, samples: max(0, Int(r.samplecnt))) ?? 0)
    }

    /// The bytes `samples` samples take in `encoding` at the least (nil for an encoding this
    /// reader does not decode).
    private static func minimumDataBytes(encoding: Int8, samples n: Int) -> Int? {
        switch Int32(encoding) {
        case DE_INT16: 2 * n
        case DE_INT32, DE_FLOAT32: 4 * n
        case DE_FLOAT64: 8 * n
        case DE_STEIM1: (n + 59) / 60 * 64
        case DE_STEIM2: (n + 104) / 105 * 64
        case DE_ASCII: n
        default: nil
        }
    }

    /// Why the samples a record header claims cannot lie in the record (nil when they can): the
    /// data must start after the 48-byte fixed header and its bytes — 1 per character of text,
    /// 2, 4 or 8 per sample, or
    /// for Steim at most 60 (Steim-1) or 105 (Steim-2) samples per 64-byte frame — end within it.
    private static func sampleSpaceProblem(_ r: MSRecord, recordLength: Int) -> String? {
        guard r.samplecnt > 0 else { return nil }
        guard let fixed = r.fsdh else { return "no fixed header" }
        let dataOffset = Int(fixed.pointee.data_offset)
        guard dataOffset >= 48, dataOffset < recordLength else {
            return "data offset \(dataOffset) outside the record of \(recordLength) bytes"
        }
        let room = recordLength - dataOffset
        let n = Int(r.samplecnt)
        // Older encodings (GEOSCOPE, CDSN, SRO, DWWSSN…) are refused rather than trusted.
        guard let needed = minimumDataBytes(encoding: r.encoding, samples: n) else {
            return "encoding \(r.encoding) is not one this reader decodes (Steim-1/2, int16/32, float32/64, text)"
        }
        // (Steim frames are whole: the room counts its whole frames.)
        let fits = needed <= (Int32(r.encoding) == DE_STEIM1 || Int32(r.encoding) == DE_STEIM2 ? room / 64 * 64 : room)
        return fits ? nil : "the header claims \(n) samples in \(MiniSEEDEncoding.name(of: r.encoding)), more than the \(room) data bytes of the record hold"
    }

    /// The gaps and overlaps between consecutive segments of each channel of `segments` (sorted by
    /// id, then time); a segment that continues the previous one (its first sample due within half
    /// a sample, as at midnight between two SDS day files) is neither.
    public static func gaps<Segment: ChannelSegment>(in segments: [Segment]) -> [TraceGap] {
        zip(segments, segments.dropFirst()).compactMap { a, b in
            guard a.id == b.id else { return nil }
            let period = 1 / a.samplingRateHz
            if abs(b.startTime - (a.endTime + period)) <= 0.5 * period, abs(b.samplingRateHz - a.samplingRateHz) <= 1e-6 * a.samplingRateHz { return nil }
            // An overlap is at most the later segment's span, as ObsPy's get_gaps caps it (a segment
            // lying wholly inside the one before is covered twice for its own length only).
            let from = min(a.endTime, b.endTime) + period
            return TraceGap(id: a.id, from: from, to: b.startTime, rateBeforeHz: a.samplingRateHz, rateAfterHz: b.samplingRateHz)
        }
    }

    private static func segment(_ t: MSTrace, path: String) throws(MiniSEEDError) -> TraceSegment {
        var t = t
        let id = SEEDIdentifier(
            network: code(&t.network), station: code(&t.station), location: code(&t.location), channel: code(&t.channel))
        guard let data = t.datasamples else { throw .noData(path: path, reason: "\(id): a trace without samples") }
        guard let samples = doubles(data, count: Int(t.numsamples), type: t.sampletype) else {
            throw .noData(path: path, reason: "\(id): sample type '\(UnicodeScalar(UInt8(bitPattern: t.sampletype)))' is not numeric")
        }
        return TraceSegment(id: id, startTime: Double(t.starttime) / Double(HPTMODULUS), samplingRateHz: t.samprate, samples: samples)
    }

    /// libmseed's Steim integrity check, which it only logs (silenced here; ObsPy warns "Data
    /// integrity check for Steim2 failed"): the last sample a Steim-1 or Steim-2 record decodes to
    /// must equal the reverse integration constant Xn its first frame holds (bytes 8–11 of the data
    /// section, in the byte order libmseed decodes the data in: blockette 1000's when the record has
    /// one, else its header's). A record that fails it decoded into wrong samples — a corrupt forward
    /// constant X0 shifts every one, a corrupt difference every one after it — so it is a bad
    /// record, not data. An Xn of 0 is taken as never written (some recorders leave it so, as the
    /// GT.BDFB records of ObsPy's issue 962), not as a failure. Nil for a record that passes, or of
    /// another encoding.
    static func steimIntegrityProblem(_ r: MSRecord, record: UnsafeRawPointer, length: Int) -> String? {
        let encoding = Int32(r.encoding)
        guard encoding == DE_STEIM1 || encoding == DE_STEIM2, r.numsamples > 0, let data = r.datasamples,
            UInt8(bitPattern: r.sampletype) == UInt8(ascii: "i"), let fixed = r.fsdh
        else { return nil }
        let xnAt = Int(fixed.pointee.data_offset) + 8
        guard xnAt >= 48, xnAt + 4 <= length else { return nil }  // (so the header's 48 bytes are there too)
        let littleEndian: Bool
        if r.Blkt1000 != nil {
            littleEndian = r.byteorder == 0
        } else {
            // The header's order, as libmseed finds it: a year and day valid when read little-endian
            // (its MS_ISVALIDYEARDAY: 1900–2100, 1–366) mean a little-endian header.
            let year = UInt16(littleEndian: record.loadUnaligned(fromByteOffset: 20, as: UInt16.self))
            let day = UInt16(littleEndian: record.loadUnaligned(fromByteOffset: 22, as: UInt16.self))
            littleEndian = (1900...2100).contains(year) && (1...366).contains(day)
        }
        let raw = record.loadUnaligned(fromByteOffset: xnAt, as: UInt32.self)
        let xn = Int32(bitPattern: littleEndian ? UInt32(littleEndian: raw) : UInt32(bigEndian: raw))
        let last = data.assumingMemoryBound(to: Int32.self)[Int(r.numsamples) - 1]
        guard last != xn, xn != 0 else { return nil }
        return "\(MiniSEEDEncoding.name(of: r.encoding)) integrity check failed: the last sample decodes to \(last), the record's reverse "
            + "integration constant Xn is \(xn) (a corrupt record: its samples are wrong)"
    }

    /// The first of `count` float samples libmseed decoded (`type` 'f' float32, 'd' float64) that
    /// is NaN or ±inf, with its index; nil when all are finite or the samples are not floats.
    static func firstNonFinite(_ data: UnsafeMutableRawPointer, count: Int, type: CChar) -> (index: Int, value: Double)? {
        switch UInt8(bitPattern: type) {
        case UInt8(ascii: "f"):
            let p = data.assumingMemoryBound(to: Float.self)
            return (0..<count).first { !p[$0].isFinite }.map { ($0, Double(p[$0])) }
        case UInt8(ascii: "d"):
            let p = data.assumingMemoryBound(to: Double.self)
            return (0..<count).first { !p[$0].isFinite }.map { ($0, p[$0]) }
        default: return nil
        }
    }

    /// `count` samples libmseed decoded (`type` 'i' int32, 'f' float32, 'd' float64) as Double;
    /// nil for another type (text).
    static func doubles(_ data: UnsafeMutableRawPointer, count: Int, type: CChar) -> [Double]? {
        switch UInt8(bitPattern: type) {
        case UInt8(ascii: "i"):
            let p = data.assumingMemoryBound(to: Int32.self)
            return (0..<count).map { Double(p[$0]) }
        case UInt8(ascii: "f"):
            let p = data.assumingMemoryBound(to: Float.self)
            return (0..<count).map { Double(p[$0]) }
        case UInt8(ascii: "d"):
            let p = data.assumingMemoryBound(to: Double.self)
            return (0..<count).map { p[$0] }
        default: return nil
        }
    }

    /// A NUL-terminated code of a libmseed header (char[11]), trimmed.
    static func code<T>(_ field: inout T) -> String {
        withUnsafeBytes(of: &field) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self).trimmingCharacters(in: .whitespaces)
        }
    }

    /// Writes `segments` as miniSEED 2 records of `recordLength` bytes (a power of two, 256…8192;
    /// SeedLink uses 512) in `encoding`, big-endian, data quality D, atomically (a temporary file
    /// renamed over `path`). Integer encodings need whole samples in their range: Steim-1/2 and
    /// int32 take −2³¹…2³¹−1 (Steim differences must fit too), int16 −32768…32767.
    /// - Throws: `MiniSEEDError.cannotWrite` naming the segment and the sample that does not fit,
    ///   a code longer than SEED allows (network 2, station 5, location 2, channel 3), or the
    ///   file's write error.
    public static func write(
        _ segments: [TraceSegment], to path: String, encoding: MiniSEEDEncoding = .steim2, recordLength: Int = 4096
    ) throws(MiniSEEDError) {
        guard (8...13).contains(recordLength.trailingZeroBitCount), recordLength.nonzeroBitCount == 1 else {
            throw .cannotWrite(path: path, reason: "record length \(recordLength) is not a power of two in 256…8192")
        }
        seismic_ms_quiet()
        let out = RecordSink()
        for s in segments {
            try pack(s, encoding: encoding, recordLength: recordLength, into: out, path: path)
        }
        do { try AtomicFile.write(out.data, to: path) } catch { throw .cannotWrite(path: path, reason: "\(error)") }
    }

    private static func pack(_ s: TraceSegment, encoding: MiniSEEDEncoding, recordLength: Int, into sink: RecordSink, path: String) throws(MiniSEEDError) {
        for (field, value, limit) in [("network", s.id.network, 2), ("station", s.id.station, 5), ("location", s.id.location, 2), ("channel", s.id.channel, 3)]
        where value.utf8.count > limit || !value.allSatisfy({ $0.isASCII }) {
            throw .cannotWrite(path: path, reason: "\(s.id): the \(field) code '\(value)' has more than \(limit) ASCII characters")
        }
        guard s.samplingRateHz.isFinite, s.samplingRateHz > 0, s.startTime.isFinite, !s.samples.isEmpty else {
            throw .cannotWrite(path: path, reason: "\(s.id): needs samples, a positive sampling rate and a finite start time")
        }
        let range: ClosedRange<Double> = encoding == .int16 ? -32768...32767 : -2_147_483_648...2_147_483_647
        if encoding.isInteger, let i = s.samples.firstIndex(where: { !range.contains($0) || $0.rounded() != $0 }) {
            throw .cannotWrite(
                path: path,
                reason:
                    "\(s.id): sample \(i) is \(s.samples[i]), not a whole number in \(Int(range.lowerBound))…\(Int(range.upperBound)) (\(encoding.rawValue)); write float32 or float64"
            )
        }
        if !encoding.isInteger, let i = s.samples.firstIndex(where: { !$0.isFinite }) {
            throw .cannotWrite(path: path, reason: "\(s.id): sample \(i) is \(s.samples[i])")
        }
        guard let trace = mst_init(nil) else { throw .cannotWrite(path: path, reason: "out of memory") }
        var t: UnsafeMutablePointer<MSTrace>? = trace
        defer { mst_free(&t) }
        setCode(&trace.pointee.network, s.id.network)
        setCode(&trace.pointee.station, s.id.station)
        setCode(&trace.pointee.location, s.id.location)
        setCode(&trace.pointee.channel, s.id.channel)
        trace.pointee.dataquality = CChar(UInt8(ascii: "D"))
        trace.pointee.starttime = hptime_t((s.startTime * Double(HPTMODULUS)).rounded())
        trace.pointee.samprate = s.samplingRateHz
        let n = s.samples.count
        switch encoding {
        case .float32:
            let p = UnsafeMutablePointer<Float>.allocate(capacity: n)
            for i in 0..<n { p[i] = Float(s.samples[i]) }
            trace.pointee.datasamples = UnsafeMutableRawPointer(p)
            trace.pointee.sampletype = CChar(UInt8(ascii: "f"))
        case .float64:
            let p = UnsafeMutablePointer<Double>.allocate(capacity: n)
            for i in 0..<n { p[i] = s.samples[i] }
            trace.pointee.datasamples = UnsafeMutableRawPointer(p)
            trace.pointee.sampletype = CChar(UInt8(ascii: "d"))
        default:
            let p = UnsafeMutablePointer<Int32>.allocate(capacity: n)
            for i in 0..<n { p[i] = Int32(s.samples[i]) }
            trace.pointee.datasamples = UnsafeMutableRawPointer(p)
            trace.pointee.sampletype = CChar(UInt8(ascii: "i"))
        }
        trace.pointee.numsamples = Int64(n)
        trace.pointee.samplecnt = Int64(n)
        var packed: Int64 = 0
        let status = mst_pack(
            trace,
            { record, length, context in
                Unmanaged<RecordSink>.fromOpaque(context!).takeUnretainedValue().data.append(
                    UnsafeRawPointer(record!).assumingMemoryBound(to: UInt8.self), count: Int(length))
            }, Unmanaged.passUnretained(sink).toOpaque(), Int32(recordLength), encoding.code, 1, &packed, 1, 0, nil)
        guard status >= 0, packed == Int64(n) else {
            throw .cannotWrite(
                path: path,
                reason: "\(s.id): libmseed packed \(packed) of \(n) samples in \(encoding.rawValue)"
                    + (encoding.isInteger ? " (Steim differences must fit in 32 bits)" : ""))
        }
    }

    private static func setCode<T>(_ field: inout T, _ value: String) {
        withUnsafeMutableBytes(of: &field) { raw in
            raw.initializeMemory(as: UInt8.self, repeating: 0)
            for (i, b) in value.utf8.prefix(raw.count - 1).enumerated() { raw[i] = b }
        }
    }
}

/// Where packed records accumulate (libmseed's record handler appends to it).
private final class RecordSink { var data = Data() }
