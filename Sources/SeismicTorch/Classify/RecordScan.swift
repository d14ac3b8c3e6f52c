// RecordScan: one pass over a record read in blocks: its flat runs, its peak, the samples a plot
// of it draws and the line a linear detrend of the whole record removes.

import SeismicIO
import SeismicNN
import SeismicSignal

/// What `Classifier` learns of a record in one pass before it classifies: the parts between its
/// flat runs (`FlatRunFinder`) and the peak |x| (`UnitConversion.peak`) of each component times
/// its factor, and every k-th sample as read (k = ⌊n / 4000⌋, at least 1) for the plot.
struct RecordScan {
    let parts: [Range<Int>]
    let peak: Double
    /// Each component's line (`Detrend.LineFit` of its samples times its factor) over the whole
    /// record when that is one part (no flat run splits it), nil otherwise: the line
    /// `RecordChainStream` fits in a pass of its own, the same bits (the same samples added in
    /// the same groups of eight), so the chain need not read the record again.
    let wholeRecordLines: [Detrend.Line]?
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
        let step = RecordClassification.plotStep(sampleCount: n)
        var plot = [[Double]](repeating: [], count: comps)
        var fits = [Detrend.LineFit](repeating: Detrend.LineFit(count: n), count: comps)
        var first = 0
        while first < n {
            let count = min(Self.blockSamples, n - first)
            // The components read (decoded) side by side; each closure adds to its own line fit.
            let read = fits.withUnsafeMutableBufferPointer { fit in
                Parallel.map(comps) { c in
                    Result { () throws -> (block: [Double], plot: [Double]) in
                        var block = [Double](repeating: 0, count: count)
                        try block.withUnsafeMutableBufferPointer { try record.read(component: c, first..<(first + count), into: $0) }
                        // Samples first + i with (first + i) % step == 0, as read.
                        let plot = stride(from: (step - first % step) % step, to: count, by: step).map { block[$0] }
                        for i in 0..<count { block[i] *= factors[c] }
                        block.withUnsafeBufferPointer { fit[c].add($0, at: first) }
                        return (block, plot)
                    }
                }
            }
            var blocks: [[Double]] = []
            for (c, r) in read.enumerated() {
                let (block, samples) = try r.get()
                plot[c] += samples
                peak = UnitConversion.peak(block, from: peak)
                blocks.append(block)
            }
            blocks.withUnsafeBufferPointers { finder.add($0) }
            first += count
        }
        parts = finder.parts
        wholeRecordLines = parts == [0..<n] ? fits.map(\.line) : nil
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
