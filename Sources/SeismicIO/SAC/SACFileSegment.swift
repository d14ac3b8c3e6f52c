// SACFileSegment: a channel's samples in SAC files, located by their headers and read when a
// record's windows need them, so a folder of long SAC records need not be held.

import Foundation

/// A contiguous run of one channel's samples held in SAC files (one piece per file; files that
/// continue each other join), their samples left in the files until a `SACSegmentSamples` reads
/// them. Made from a header (`SACTrace.header(contentsOf:)`): nothing but the header is read.
public struct SACFileSegment: PieceSegment {
    /// Samples `first ..< first + count` of the `npts` samples of the SAC file `path`.
    public struct Piece: SegmentPiece {
        var path: String
        var byteOrder: ByteOrder
        var npts: Int
        public var first: Int, count: Int
    }

    public var id: SEEDIdentifier
    public var startTime: Double
    public var samplingRateHz: Double
    public typealias Reader = SACPieceReader
    public var run: SegmentPieces<Piece>
    public typealias Samples = SACSegmentSamples
    public var sampleCount: Int { run.sampleCount }

    /// The samples of the SAC file `path` whose header and byte order are `header` and `byteOrder`,
    /// as channel `id`: from the header's start time (reference time + B, or B alone when the
    /// reference time is not set) at 1 / DELTA (`SACTrace.samplingRateHz`).
    public init(path: String, header: SACHeader, byteOrder: ByteOrder, id: SEEDIdentifier) {
        self.id = id
        startTime = header.startTime ?? Double(header.b ?? 0)
        samplingRateHz = 1 / header.samplingIntervalSeconds
        run = SegmentPieces([Piece(path: path, byteOrder: byteOrder, npts: header.npts, first: 0, count: header.npts)])
    }

    /// The files the samples lie in, in order.
    public var paths: [String] { run.pieces.map(\.path) }
}

/// A record whose components are `SACFileSegment`s: `read` reads the spans asked for from the
/// files with `pread` (`SACPieceReader`).
public typealias SACSegmentSamples = SegmentRecordSamples<SACFileSegment>

/// Reads one component's SAC files: the file a read needs is opened (its size checked against its
/// header) once for that read (`closeFiles` after it).
public final class SACPieceReader: PieceReader {
    private var file = HeldDescriptor()

    public init() {}
    deinit { file.close() }

    public func closeFiles() { file.close() }

    /// - Throws: `SACError.cannotOpen` for a file that cannot be opened now, `.sizeMismatch` for
    ///   one whose size no longer fits its header (changed since it was read), `.cannotRead`;
    ///   `RecordError.nonFiniteSample` for a NaN or ±inf sample, naming the file, the channel and
    ///   the sample's index in the file.
    public func read(
        _ piece: SACFileSegment.Piece, index: Int, samples: Range<Int>, channel: SEEDIdentifier, into buffer: UnsafeMutableBufferPointer<Double>
    ) throws {
        try SACRecordSamples.readSpan(
            descriptor: try file.descriptor(for: piece.path) { () throws(SACError) in try SACRecordSamples.open(piece.path, npts: piece.npts) },
            path: piece.path, npts: piece.npts, byteOrder: piece.byteOrder, samples, channel: channel.channel, into: buffer)
    }
}
