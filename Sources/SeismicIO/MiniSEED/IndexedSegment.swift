// IndexedSegment: a channel segment of miniSEED files located record by record, its samples decoded
// when they are read (MiniSEED.index), so a long record or an archive's days need not be held.

import CMiniSEED
import Foundation

/// A miniSEED file whose records are decoded on demand. It holds no descriptor: a reader opens it
/// for a read and closes it after (`MiniSEEDPieceReader`), so an archive of many day files never
/// holds a descriptor per file.
public final class MiniSEEDRecordFile: Sendable {
    public let path: String

    init(path: String) { self.path = path }

    /// A descriptor of the file, read-only; the caller closes it.
    /// - Throws: `MiniSEEDError.cannotOpen`.
    func open() throws(MiniSEEDError) -> Int32 {
        let fd = Foundation.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        return fd
    }

    /// The samples of the record of `length` bytes at byte `offset`, decoded (`count` expected).
    /// - Throws: `MiniSEEDError.badRecord` when it cannot be read or decoded as when it was indexed
    ///   (the file changed), or fails Steim's integrity check (`MiniSEED.steimIntegrityProblem`).
    func samples(offset: Int, length: Int, count: Int, descriptor: Int32) throws(MiniSEEDError) -> [Double] {
        var bytes = [CChar](unsafeUninitializedCapacity: length) { _, n in n = length }
        var got = 0
        while got < length {
            let n = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + got, length - got, off_t(offset + got)) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else {
                throw .badRecord(
                    path: path, offset: offset, reason: n < 0 ? String(cString: strerror(errno)) : "the file ends inside it (changed since it was read?)")
            }
            got += n
        }
        seismic_ms_quiet()
        var record: UnsafeMutablePointer<MSRecord>? = nil
        defer { msr_free(&record) }
        let status = bytes.withUnsafeMutableBufferPointer { msr_unpack($0.baseAddress!, Int32(length), &record, 1, 0) }
        guard status == MS_NOERROR, let r = record, Int(r.pointee.numsamples) == count, let data = r.pointee.datasamples else {
            throw .badRecord(
                path: path, offset: offset,
                reason: status == MS_NOERROR ? "not the record indexed there (changed since it was read?)" : String(cString: ms_errorstr(status)))
        }
        if let problem = bytes.withUnsafeBytes({ MiniSEED.steimIntegrityProblem(r.pointee, record: $0.baseAddress!, length: length) }) {
            throw .badRecord(path: path, offset: offset, reason: problem)
        }
        guard let out = MiniSEED.doubles(data, count: count, type: r.pointee.sampletype) else {
            throw .badRecord(path: path, offset: offset, reason: "sample type '\(UnicodeScalar(UInt8(bitPattern: r.pointee.sampletype)))' is not numeric")
        }
        return out
    }
}

/// A contiguous run of samples of one channel held as the miniSEED records that carry them: the
/// samples are decoded when a `MiniSEEDRecordSamples` reads them.
public struct IndexedSegment: PieceSegment {
    /// Samples `first ..< first + count` of the `recordCount` samples of the record of `length`
    /// bytes at byte `offset` of `file`.
    public struct Piece: SegmentPiece {
        var file: MiniSEEDRecordFile
        var offset: Int, length: Int, recordCount: Int
        public var first: Int, count: Int
    }

    public var id: SEEDIdentifier
    public var startTime: Double
    public var samplingRateHz: Double
    public typealias Reader = MiniSEEDPieceReader
    public var run: SegmentPieces<Piece>
    public typealias Samples = MiniSEEDRecordSamples
    public var sampleCount: Int { run.sampleCount }

    init(id: SEEDIdentifier, startTime: Double, samplingRateHz: Double, pieces: [Piece]) {
        self.id = id
        self.startTime = startTime
        self.samplingRateHz = samplingRateHz
        run = SegmentPieces(pieces)
    }

    /// Appends the samples of one more record.
    mutating func append(_ piece: Piece) { run.append(piece) }

    /// The samples, decoded (for tests and small segments).
    public func decoded() throws(MiniSEEDError) -> [Double] {
        var out: [Double] = []
        out.reserveCapacity(sampleCount)
        for p in run.pieces {
            let fd = try p.file.open()
            defer { close(fd) }
            out += try p.file.samples(offset: p.offset, length: p.length, count: p.recordCount, descriptor: fd)[p.first..<(p.first + p.count)]
        }
        return out
    }
}

/// A record whose components are `IndexedSegment`s: `read` decodes the records a span needs
/// (`MiniSEEDPieceReader`).
public typealias MiniSEEDRecordSamples = SegmentRecordSamples<IndexedSegment>

/// Reads one component's miniSEED records: the last record decoded is kept for the next read; the
/// file a read needs is opened once for that read (`closeFiles` after it).
public final class MiniSEEDPieceReader: PieceReader {
    private var cache: (piece: Int, samples: [Double])?
    private var file = HeldDescriptor()

    public init() {}
    deinit { file.close() }

    public func closeFiles() { file.close() }

    /// - Throws: `MiniSEEDError.cannotOpen` for a file that cannot be opened now, `.badRecord` for
    ///   a record that cannot be decoded now or holds a sample that is not finite (naming the file,
    ///   the record's byte offset and the channel).
    public func read(
        _ piece: IndexedSegment.Piece, index: Int, samples wanted: Range<Int>, channel: SEEDIdentifier, into buffer: UnsafeMutableBufferPointer<Double>
    ) throws {
        let samples = try decoded(piece, index: index)
        for i in wanted {
            let x = samples[i]
            guard x.isFinite else {
                throw MiniSEEDError.badRecord(
                    path: piece.file.path, offset: piece.offset,
                    reason: "\(channel): sample \(i) of the record is \(x); a record to process must have finite samples")
            }
            buffer[i - wanted.lowerBound] = x
        }
    }

    /// The samples of piece `index`: the file it lies in opened when the component moves to it,
    /// the previous one closed.
    private func decoded(_ p: IndexedSegment.Piece, index: Int) throws(MiniSEEDError) -> [Double] {
        if let c = cache, c.piece == index { return c.samples }
        let descriptor = try file.descriptor(for: p.file.path) { () throws(MiniSEEDError) in try p.file.open() }
        let samples = try p.file.samples(offset: p.offset, length: p.length, count: p.recordCount, descriptor: descriptor)
        cache = (index, samples)
        return samples
    }
}

extension MiniSEED {
    /// The segments of the miniSEED file at `path` located record by record, their samples left in
    /// the file (`IndexedSegment`): the same segments as `read` (ids, start times, rates, counts and,
    /// once decoded, samples) when each channel's records come in time order without overlaps, as
    /// archives and recorders write them; nil otherwise (`read` joins such records in memory).
    /// Records join a segment as libmseed joins them: the next sample due within half a sample
    /// period, the rate within 0.01 %.
    /// - Throws: what `read` throws.
    public static func index(_ path: String) throws(MiniSEEDError) -> [IndexedSegment]? {
        if InputPaths.isFolder(path) { throw .cannotOpen(path: path, reason: InputPaths.folderReason(expected: "a miniSEED file")) }
        let bytes: Data
        // Read, not mapped: a file cut short while it is walked must be an error, not a SIGBUS.
        do { bytes = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw .cannotOpen(path: path, reason: FileManager.default.fileExists(atPath: path) ? "\((error as NSError).localizedDescription)" : "no such file")
        }
        let format = FileFormat.detect([UInt8](bytes.prefix(FileFormat.headBytes)), fileLength: bytes.count)
        guard format == .miniSEED2 else { throw .notMiniSEED(path: path, format: format) }
        let file = MiniSEEDRecordFile(path: path)
        /// A channel's current segment, its last record's end (hptime) and rate.
        struct Open { var segment: IndexedSegment; var end: Int64; var rate: Double; var kind: UInt8 }
        var open: [SEEDIdentifier: Open] = [:]
        var names: [SEEDIdentifier: [UInt8]] = [:]
        var done: [IndexedSegment] = []
        var clean = true
        // (Data.withUnsafeBytes rethrows untyped errors: the walk's typed error goes through a Result.)
        let (_, skipped, _) = try bytes.withUnsafeBytes { all in
            Result { () throws(MiniSEEDError) in
                try forEachDataRecord(in: all, path: path) { (offset, length, _, header) throws(MiniSEEDError) in
                    guard clean else { return true }
                    var h = header
                    let id = SEEDIdentifier(network: code(&h.network), station: code(&h.station), location: code(&h.location), channel: code(&h.channel))
                    // libmseed tells channels apart, and sorts them, by their raw codes.
                    let raw = [rawCode(&h.network), rawCode(&h.station), rawCode(&h.location), rawCode(&h.channel)].joined(separator: [95])
                    if let known = names[id], known != Array(raw) {
                        clean = false
                        return true
                    }
                    names[id] = Array(raw)
                    let count = Int(h.samplecnt), rate = h.samprate
                    let piece = IndexedSegment.Piece(file: file, offset: offset, length: length, recordCount: count, first: 0, count: count)
                    // libmseed's msr_endtime and mst_findadjacent, in its integer time.
                    // Spans beyond its integer time (a rate near zero) are left to `read`.
                    func integer(_ x: Double) -> Int64? { abs(x) < 1e18 ? Int64(x) : nil }
                    guard let span = integer((Double(count - 1) / rate * Double(HPTMODULUS)) + 0.5),
                        case (let end, false) = h.starttime.addingReportingOverflow(span)
                    else {
                        clean = false
                        return true
                    }
                    let kind: UInt8 = Int32(h.encoding) == DE_FLOAT32 ? 1 : Int32(h.encoding) == DE_FLOAT64 ? 2 : 0
                    // A leap second in the record changes libmseed's end time: left to `read`.
                    if let fixed = h.fsdh, fixed.pointee.act_flags & 0x30 != 0 {
                        clean = false
                        return true
                    }
                    // (Taken out of the dictionary while it grows: a copy left there would make every
                    // append copy the segment's pieces.)
                    if var current = open.removeValue(forKey: id) {
                        // The sample period of the record, as libmseed's mst_findadjacent takes it.
                        guard let delta = integer(Double(HPTMODULUS) / rate),
                            case (let behind, false) = h.starttime.subtractingReportingOverflow(current.end),
                            case (let gap, false) = behind.subtractingReportingOverflow(delta)
                        else {
                            clean = false
                            return true
                        }
                        let tolerance = Int64(0.5 * Double(delta))
                        if gap < -tolerance {  // an overlap, or records out of time order
                            clean = false
                            return true
                        }
                        if gap <= tolerance, abs(1 - rate / current.rate) < 0.0001 {
                            // libmseed cannot join samples of another type (int, float32, float64):
                            // read refuses the file.
                            guard kind == current.kind else {
                                clean = false
                                return true
                            }
                            current.segment.append(piece)
                            current.end = end
                            open[id] = current
                            return true
                        }
                        done.append(current.segment)
                    }
                    open[id] = Open(
                        segment: IndexedSegment(id: id, startTime: Double(h.starttime) / Double(HPTMODULUS), samplingRateHz: rate, pieces: [piece]), end: end,
                        rate: rate, kind: kind)
                    return true
                }
            }
        }.get()
        guard clean else { return nil }
        done += open.values.map(\.segment)
        guard !mayHeal(done) else { return nil }
        guard !done.isEmpty else {
            let why =
                skipped.isEmpty
                ? "the file holds no data records" : "every record was skipped: " + skipped.map { "\($1) × \($0)" }.sorted().joined(separator: ", ")
            throw .noData(path: path, reason: why)
        }
        // libmseed's order (mst_groupsort): the source name NET_STA_LOC_CHAN as bytes, then time.
        return done.sorted { a, b in
            let (x, y) = (names[a.id]!, names[b.id]!)
            return x != y ? x.lexicographicallyPrecedes(y) : a.startTime < b.startTime
        }
    }
}

/// A NUL-terminated code of a libmseed header (char[11]) as its bytes.
private func rawCode<T>(_ field: inout T) -> [UInt8] { withUnsafeBytes(of: &field) { Array($0.prefix { $0 != 0 }) } }

extension MiniSEED {
    /// Whether libmseed's `mst_groupheal`, which `read` runs, might join two segments of a channel
    /// that the index keeps apart: it takes its time tolerance from the first pair it compares, so
    /// a slower channel's half period can join a faster channel's short gap. Conservatively: a
    /// channel's consecutive segments at rates it deems alike, within half the period of the
    /// slowest channel that has a gap.
    static func mayHeal(_ segments: [IndexedSegment]) -> Bool {
        let channels = Dictionary(grouping: segments, by: \.id).values.filter { $0.count > 1 }
        guard let slowest = channels.flatMap({ $0.map(\.samplingRateHz) }).min() else { return false }
        let tolerance = 0.5 / slowest + 1e-6
        return channels.contains { list in
            let sorted = list.sorted { $0.startTime < $1.startTime }
            return zip(sorted, sorted.dropFirst()).contains { a, b in
                abs(1 - b.samplingRateHz / a.samplingRateHz) < 0.0001 && abs(b.startTime - a.endTime - 1 / a.samplingRateHz) <= tolerance
            }
        }
    }
}
