// SegmentPieces: a channel's contiguous samples as the pieces of files that hold them, cut and
// joined without reading them (IndexedSegment: miniSEED records; SACFileSegment: SAC files), and
// the protocols a segment of such pieces and its reader follow (SegmentRecordSamples reads them).

/// Where some of a run's samples lie (a miniSEED record, a SAC file): samples `first ..< first +
/// count` of those the piece holds.
public protocol SegmentPiece: Sendable {
    var first: Int { get set }
    var count: Int { get set }
}

/// A contiguous run of one channel's samples, in order, as pieces of the files that hold them:
/// cutting and joining move piece bounds and never read a sample.
public struct SegmentPieces<Piece: SegmentPiece>: Sendable {
    private(set) var pieces: [Piece]
    /// Samples in all pieces.
    private(set) var sampleCount: Int

    init(_ pieces: [Piece]) {
        self.pieces = pieces
        sampleCount = pieces.reduce(0) { $0 + $1.count }
    }

    mutating func append(_ piece: Piece) {
        pieces.append(piece)
        sampleCount += piece.count
    }

    mutating func append(contentsOf next: SegmentPieces) {
        pieces += next.pieces
        sampleCount += next.sampleCount
    }

    /// Samples `first ..< first + count` of the run only.
    func cut(first: Int, count: Int) -> SegmentPieces {
        precondition(first >= 0 && count >= 0 && first + count <= sampleCount)
        var s = self
        s.dropFirst(first)
        s.dropLast(s.sampleCount - count)
        return s
    }

    private mutating func dropFirst(_ k: Int) {
        var left = k
        while left > 0 {
            if pieces[0].count <= left {
                left -= pieces[0].count
                pieces.removeFirst()
            } else {
                pieces[0].first += left
                pieces[0].count -= left
                left = 0
            }
        }
        sampleCount -= k
    }

    private mutating func dropLast(_ k: Int) {
        var left = k
        while left > 0 {
            if pieces[pieces.count - 1].count <= left {
                left -= pieces[pieces.count - 1].count
                pieces.removeLast()
            } else {
                pieces[pieces.count - 1].count -= left
                left = 0
            }
        }
        sampleCount -= k
    }

    /// Each piece's first sample in the run, then the sample after the last (`pieces.count + 1` values).
    var starts: [Int] {
        var starts = [0]
        starts.reserveCapacity(pieces.count + 1)
        for p in pieces { starts.append(starts[starts.count - 1] + p.count) }
        return starts
    }

    /// Calls `body` for each piece `range` (within `0..<sampleCount`) touches, in order, with the
    /// piece, the samples of it wanted (within the piece's own `first ..< first + count`) and
    /// where they go in the range (from 0). `starts` is `self.starts`, computed once by the caller.
    func forEachPiece<E: Error>(
        in range: Range<Int>, starts: [Int], _ body: (_ index: Int, _ piece: Piece, _ samples: Range<Int>, _ at: Int) throws(E) -> Void
    ) throws(E) {
        guard !range.isEmpty else { return }
        // The last piece starting at or before the range.
        var lo = 0, hi = pieces.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if starts[mid] <= range.lowerBound { lo = mid } else { hi = mid - 1 }
        }
        var k = lo, at = range.lowerBound
        while at < range.upperBound {
            let p = pieces[k]
            let from = at - starts[k], to = min(p.count, range.upperBound - starts[k])
            try body(k, p, (p.first + from)..<(p.first + to), at - range.lowerBound)
            at = starts[k] + to
            k += 1
        }
    }
}

/// A channel segment held as pieces of files (`IndexedSegment`, `SACFileSegment`): its records
/// are `SegmentRecordSamples`, which read the pieces with its `Reader`.
public protocol PieceSegment: ChannelSegment {
    associatedtype Reader: PieceReader
    var run: SegmentPieces<Reader.Piece> { get set }
    var startTime: Double { get set }
}

extension PieceSegment {
    public mutating func append(_ next: Self) { run.append(contentsOf: next.run) }

    /// Samples `first ..< first + count` only, the start time moved to the first.
    public func cut(first: Int, count: Int) -> Self {
        var s = self
        s.run = run.cut(first: first, count: count)
        s.startTime = startTime + Double(first) / samplingRateHz
        return s
    }
}

extension PieceSegment where Samples == SegmentRecordSamples<Self> {
    public static func record(
        _ slices: [(segment: Self, first: Int)], count: Int, codes: [String], rate: Double, start: Double
    ) throws(WaveformError) -> SegmentRecordSamples<Self> {
        SegmentRecordSamples(
            components: slices.map { $0.segment.cut(first: $0.first, count: count) }, componentCodes: codes, samplingRateHz: rate, startTime: start)
    }
}

/// How one component's pieces are read, and what is kept between reads (an open file, the last
/// record decoded): one reader per component of a `SegmentRecordSamples`, used under its lock.
public protocol PieceReader: AnyObject {
    associatedtype Piece: SegmentPiece
    init()
    /// Samples `samples` (indices within all the piece's file or record holds) of piece `index` of
    /// channel `channel` into `buffer` (`samples.count` values).
    /// - Throws: when the file cannot be read as it was when the piece was made, or a sample is
    ///   not finite.
    func read(_ piece: Piece, index: Int, samples: Range<Int>, channel: SEEDIdentifier, into buffer: UnsafeMutableBufferPointer<Double>) throws
    /// Closes the file the reader has open, if any (the next read opens it again).
    func closeFiles()
}
