// FlatRunFinder: the parts of a record between its flat runs, found block by block as the record
// is read (Preprocessing.partsBetweenFlatRuns on a whole record).

/// Finds the flat runs of a record read in blocks: stretches of at least `minimumSamples` (and at
/// least 2) samples in which every component holds one value. `parts` are the sample ranges
/// between them, as `Preprocessing.partsBetweenFlatRuns` describes.
public struct FlatRunFinder: Sendable {
    public let minimumSamples: Int
    private var found: [Range<Int>] = []
    private var partStart = 0
    /// First sample of the current run of equal samples (on every component).
    private var runStart = 0
    /// The last sample of each component added so far.
    private var last: [Double]
    /// Samples per component added so far.
    public private(set) var added = 0

    public init(minimumSamples: Int, components: Int) {
        self.minimumSamples = minimumSamples
        last = [Double](repeating: 0, count: components)
    }

    /// Adds the next samples of every component (`block[c]` of component c; equal lengths).
    public mutating func add(_ block: [UnsafeBufferPointer<Double>]) {
        let count = block.first?.count ?? 0
        precondition(block.count == last.count && block.allSatisfy { $0.count == count }, "one block of equal length per component")
        guard count > 0 else { return }
        for j in 0..<count where added + j > 0 {
            let same = block.indices.allSatisfy { c in block[c][j] == (j > 0 ? block[c][j - 1] : last[c]) }
            if !same {
                closeRun(at: added + j)
                runStart = added + j
            }
        }
        for c in block.indices { last[c] = block[c][count - 1] }
        added += count
    }

    /// The parts between the flat runs of the samples added so far (ascending, disjoint): the
    /// whole record when it has none.
    public var parts: [Range<Int>] {
        var finder = self
        finder.closeRun(at: added)
        if finder.partStart < added { finder.found.append(finder.partStart..<added) }
        return finder.found
    }

    /// Ends the run runStart..<end: a flat run when long enough.
    private mutating func closeRun(at end: Int) {
        guard end - runStart >= max(minimumSamples, 2) else { return }
        if runStart > partStart { found.append(partStart..<runStart) }
        partStart = end
    }
}

extension Array where Element == [Double] {
    /// `body` given a buffer pointer to each inner array.
    func withUnsafeBufferPointers<R>(_ body: ([UnsafeBufferPointer<Double>]) throws -> R) rethrows -> R {
        func nest(_ k: Int, _ acc: [UnsafeBufferPointer<Double>]) throws -> R {
            guard k < count else { return try body(acc) }
            return try self[k].withUnsafeBufferPointer { try nest(k + 1, acc + [$0]) }
        }
        return try nest(0, [])
    }
}
