// SegmentRecordSamples: a record whose components are segments of pieces of files (miniSEED
// records, SAC files), read span by span as its windows need them.

import Foundation

/// A record whose components are `PieceSegment`s of one length: `read` reads the pieces a span
/// touches with the component's reader. Each component has its own lock and reader (the last
/// record decoded), so components may be read from different threads; a read opens the files it
/// needs and closes them before it returns, so records waiting their turn (a folder of event
/// files, an archive's spans) hold no descriptors.
public final class SegmentRecordSamples<Segment: PieceSegment>: RecordSamples, @unchecked Sendable {
    public let components: [Segment]
    public let componentCodes: [String]
    public let samplingRateHz: Double
    public let startTime: Double
    /// Per component, each piece's first sample in the component, then the sample after the last.
    private let pieceStarts: [[Int]]
    private let slots: [(lock: NSLock, reader: Segment.Reader)]

    public var componentCount: Int { components.count }
    public var sampleCount: Int { components.first?.sampleCount ?? 0 }

    init(components: [Segment], componentCodes: [String], samplingRateHz: Double, startTime: Double) {
        self.components = components
        self.componentCodes = componentCodes
        self.samplingRateHz = samplingRateHz
        self.startTime = startTime
        pieceStarts = components.map(\.run.starts)
        slots = components.map { _ in (NSLock(), Segment.Reader()) }
    }

    /// - Throws: what the segment's reader throws (`IndexedSegment`, `SACFileSegment`).
    public func read(component: Int, _ range: Range<Int>, into buffer: UnsafeMutableBufferPointer<Double>) throws {
        precondition(range.lowerBound >= 0 && range.upperBound <= sampleCount && buffer.count >= range.count)
        let (lock, reader) = slots[component]
        lock.lock()
        defer {
            reader.closeFiles()
            lock.unlock()
        }
        let segment = components[component]
        try segment.run.forEachPiece(in: range, starts: pieceStarts[component]) { (k, piece, wanted, at) throws in
            try reader.read(
                piece, index: k, samples: wanted, channel: segment.id, into: UnsafeMutableBufferPointer(rebasing: buffer[at..<(at + wanted.count)]))
        }
    }
}
