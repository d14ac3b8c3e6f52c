// RecordScan: one pass over a record read in blocks: its flat runs, its peak and the samples a
// plot of it draws.

import SeismicIO

/// What `Classifier` learns of a record in one pass before it classifies: the parts between its
/// flat runs (`FlatRunFinder`) and the peak |x| (`UnitConversion.peak`) of each component times
/// its factor, and every k-th sample as read (k = ⌊n / 4000⌋, at least 1) for the plot.
struct RecordScan {
    let parts: [Range<Int>]
    let peak: Double
    /// Every `plotStep`-th sample of each component, as read.
    let plotComponents: [[Double]]
    let plotStep: Int

    /// Samples read per component at a time.
    static let blockSamples = 65_536

    /// - Throws: what `record.read` throws.
    init(_ record: some RecordSamples, factors: [Double], flatRunSamples: Int) throws {
        let comps = record.componentCount, n = record.sampleCount
        var finder = FlatRunFinder(minimumSamples: flatRunSamples, components: comps)
        var peak = 0.0
        let step = max(1, n / 4000)
        var plot = [[Double]](repeating: [], count: comps)
        var blocks = [[Double]](repeating: [Double](repeating: 0, count: Self.blockSamples), count: comps)
        var first = 0
        while first < n {
            let count = min(Self.blockSamples, n - first)
            for c in 0..<comps {
                try blocks[c].withUnsafeMutableBufferPointer { b in
                    try record.read(component: c, first..<(first + count), into: b)
                    // Samples first + i with (first + i) % step == 0, as read.
                    plot[c] += stride(from: (step - first % step) % step, to: count, by: step).map { b[$0] }
                    for i in 0..<count { b[i] *= factors[c] }
                }
                peak = UnitConversion.peak(blocks[c][0..<count], from: peak)
            }
            blocks.withUnsafeBufferPointers { whole in finder.add(whole.map { UnsafeBufferPointer(rebasing: $0[0..<count]) }) }
            first += count
        }
        parts = finder.parts
        self.peak = peak
        plotComponents = plot
        plotStep = step
    }

    /// The plot's samples as a record of their own: `plotComponents` at 1/`plotStep` of `record`'s
    /// rate, from its first sample.
    func plotSamples(of record: some RecordSamples) -> Waveform {
        Waveform(
            components: plotComponents, componentCodes: record.componentCodes, samplingRateHz: record.samplingRateHz / Double(plotStep),
            startTime: record.startTime)
    }
}
