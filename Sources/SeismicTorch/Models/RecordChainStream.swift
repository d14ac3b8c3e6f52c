// RecordChainStream: a record's chain (detrend → taper → high-pass) run on one part of it block by
// block as windows need its output, so memory holds the span they cover, not the record.

import SeismicIO
import SeismicNN
import SeismicSignal

/// The record steps of a `Preprocessing` on the samples `part` of `record` (each component times its
/// factor first), producing the output in order as far as `advance(to:)` asks and forgetting what
/// `discard(before:)` says is no longer needed. The output is `RecordChain.apply` on the part, bit
/// for bit: the line is fitted in a first pass over the part (`Detrend.LineFit`), the taper's
/// values computed as they are reached (`ObspyHannTaper`) and the causal high-pass carries its
/// state from block to block (`SOSFilter.Stream`).
public struct RecordChainStream {
    public let record: any RecordSamples
    /// The samples of `record` this chain runs on.
    public let part: Range<Int>
    public let factors: [Double]
    private let lines: [Detrend.Line]
    private let taper: ObspyHannTaper
    /// One filter per group of four components (one per SIMD lane).
    private var filters: [SOSFilter.Stream]
    /// Part-relative index of `buffer`'s first sample.
    public private(set) var bufferStart = 0
    /// Output of the chain, samples `bufferStart..<produced` of the part, per component.
    public private(set) var buffer: [[Double]]
    public var produced: Int { bufferStart + buffer[0].count }

    /// Samples read per component at a time: a multiple of 8 (`Detrend.LineFit`).
    public static let blockSamples = 8_192

    /// Fits each component's line in a pass over `part` of `record` (times `factors`), unless
    /// `lines` gives them (fitted so over the same part, by a pass that read it anyway).
    /// - Throws: what `record.read` throws.
    public init(
        record: any RecordSamples, part: Range<Int>, factors: [Double], preprocessing: Preprocessing, highpass: SOSFilter,
        lines: [Detrend.Line]? = nil
    ) throws {
        precondition(factors.count == record.componentCount)
        self.record = record
        self.part = part
        self.factors = factors
        taper = ObspyHannTaper(count: part.count, maxPercentage: preprocessing.taperFraction)
        filters = stride(from: 0, to: record.componentCount, by: 4).map { _ in SOSFilter.Stream(highpass) }
        buffer = [[Double]](repeating: [], count: record.componentCount)
        switch preprocessing.detrend {
        case .linear:
            if let given = lines {
                precondition(given.count == record.componentCount)
                self.lines = given
                return
            }
            // Each component's line in its own pass, the components side by side.
            let fits = Parallel.map(record.componentCount) { c in
                Result { () throws -> Detrend.LineFit in
                    var fit = Detrend.LineFit(count: part.count)
                    var scratch = [Double](repeating: 0, count: Self.blockSamples)
                    var first = 0
                    while first < part.count {
                        let count = min(Self.blockSamples, part.count - first)
                        try scratch.withUnsafeMutableBufferPointer { block in
                            let b = UnsafeMutableBufferPointer(rebasing: block[0..<count])
                            try Self.read(record, component: c, part.lowerBound + first, count: count, factor: factors[c], into: b)
                            fit.add(UnsafeBufferPointer(b), at: first)
                        }
                        first += count
                    }
                    return fit
                }
            }
            self.lines = try fits.map { try $0.get().line }
        }
    }

    /// Samples `start ..< start + count` of `component` of `record` times `factor` into `block`.
    private static func read(
        _ record: any RecordSamples, component: Int, _ start: Int, count: Int, factor: Double, into block: UnsafeMutableBufferPointer<Double>
    ) throws {
        try record.read(component: component, start..<(start + count), into: block)
        for i in 0..<count { block[i] *= factor }
    }

    /// Runs the chain until the output holds the part's samples up to `end` (part-relative, at
    /// most `part.count`).
    /// - Throws: what `record.read` throws.
    public mutating func advance(to end: Int) throws {
        precondition(end <= part.count)
        let comps = record.componentCount
        var lanes = [SIMD4<Double>](repeating: .zero, count: Self.blockSamples)
        for c in 0..<comps { buffer[c].reserveCapacity(buffer[c].count + max(0, end - produced)) }
        while produced < end {
            let first = produced
            let count = min(Self.blockSamples, end - first)
            // Read, detrended and tapered side by side; filtered together, one lane each.
            let tapered = Parallel.map(comps) { c in
                Result { () throws -> [Double] in
                    var block = [Double](repeating: 0, count: count)
                    try block.withUnsafeMutableBufferPointer { b in
                        try Self.read(record, component: c, part.lowerBound + first, count: count, factor: factors[c], into: b)
                        lines[c].subtract(from: b, at: first)
                        taper.apply(to: b, at: first)
                    }
                    return block
                }
            }
            for g in filters.indices {
                let group = (4 * g)..<min(4 * g + 4, comps)
                for c in group {
                    let block = try tapered[c].get()
                    lanes.withUnsafeMutableBytes { raw in
                        let p = raw.bindMemory(to: Double.self).baseAddress!
                        for i in 0..<count { p[i * 4 + c - group.lowerBound] = block[i] }
                    }
                }
                lanes.withUnsafeMutableBufferPointer { filters[g].run(UnsafeMutableBufferPointer(rebasing: $0[0..<count])) }
                lanes.withUnsafeBytes { raw in
                    let p = raw.bindMemory(to: Double.self).baseAddress!
                    for c in group { buffer[c] += (0..<count).lazy.map { p[$0 * 4 + c - group.lowerBound] } }
                }
            }
        }
    }

    /// Forgets the output before part-relative sample `start` (what has been produced of it).
    public mutating func discard(before start: Int) {
        let k = min(start - bufferStart, buffer[0].count)
        guard k > 0 else { return }
        for c in buffer.indices { buffer[c].removeFirst(k) }
        bufferStart += k
    }
}
