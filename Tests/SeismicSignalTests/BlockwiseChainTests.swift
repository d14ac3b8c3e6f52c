// The record steps fed a block at a time (Detrend.LineFit, ObspyHannTaper, SOSFilter.Stream): the
// same bits as each step on the whole series, however the series is cut into blocks.

import SeismicSignal
import TestSupport
import Testing

/// Random block lengths adding up to `n`: multiples of 8 but the last when `byEight`.
private func blockLengths(_ n: Int, byEight: Bool, _ rng: inout TestRNG) -> [Int] {
    var lengths: [Int] = []
    var left = n
    while left > 0 {
        var k = Int.random(in: 1...max(1, min(left, 3_000)), using: &rng)
        if byEight { k = min(left, max(8, k / 8 * 8)) }
        lengths.append(k)
        left -= k
    }
    return lengths
}

@Suite struct BlockwiseChainTests {
    /// The line fitted block by block is the line `Detrend.linear` removes, bit for bit, for
    /// lengths around the groups of eight, with an offset and a trend far above the noise.
    @Test func lineFitInBlocksEqualsTheWholeSeriesDetrend() {
        var rng = TestRNG(seed: 41)
        for n in [0, 1, 2, 7, 8, 9, 63, 64, 65, 8_191, 20_001] {
            let x = (0..<n).map { 1e5 + 3.5 * Double($0) + Double.random(in: -50...50, using: &rng) }
            var fit = Detrend.LineFit(count: n)
            var offset = 0
            for k in blockLengths(n, byEight: true, &rng) {
                x.withUnsafeBufferPointer { fit.add(UnsafeBufferPointer(rebasing: $0[offset..<(offset + k)]), at: offset) }
                offset += k
            }
            var residuals = x
            let line = fit.line
            offset = 0
            for k in blockLengths(n, byEight: false, &rng) {
                residuals.withUnsafeMutableBufferPointer { line.subtract(from: UnsafeMutableBufferPointer(rebasing: $0[offset..<(offset + k)]), at: offset) }
                offset += k
            }
            #expect(residuals == Detrend.linear(x), "\(n) samples")
        }
    }

    /// The taper's values computed as blocks reach them are ObsPy's table (`obspyHannSides`):
    /// the same products for short series (no flank, flanks meeting in the middle) and long ones.
    @Test func taperInBlocksEqualsTheTable() {
        var rng = TestRNG(seed: 42)
        for (n, fraction) in [(1, 0.05), (19, 0.05), (20, 0.05), (21, 0.5), (40, 0.5), (1_001, 0.05), (30_000, 0.05), (30_000, 0.0)] {
            let x = (0..<n).map { _ in Double.random(in: -1...1, using: &rng) }
            let taper = ObspyHannTaper(count: n, maxPercentage: fraction)
            var blocked = x
            var offset = 0
            for k in blockLengths(n, byEight: false, &rng) {
                blocked.withUnsafeMutableBufferPointer { taper.apply(to: UnsafeMutableBufferPointer(rebasing: $0[offset..<(offset + k)]), at: offset) }
                offset += k
            }
            #expect(blocked == Taper.obspyHann(x, sides: Taper.obspyHannSides(count: n, maxPercentage: fraction)), "\(n) samples, \(fraction)")
        }
    }

    /// Blocks of any length through `SOSFilter.Stream` give the scalar filter's bits.
    @Test func filterStreamInBlocksEqualsTheScalarFilter() throws {
        var rng = TestRNG(seed: 43)
        for order in [3, 4] {
            let f = try Butterworth.highpass(order: order, cornerHz: 0.5, samplingRateHz: 100)
            let n = 25_000
            let series = (0..<3).map { _ in (0..<n).map { _ in Double.random(in: -1...1, using: &rng) } }
            var stream = SOSFilter.Stream(f)
            var out = series.map { _ in [Double]() }
            var offset = 0
            for k in blockLengths(n, byEight: false, &rng) {
                var lanes = (0..<k).map { i in SIMD4<Double>(series[0][offset + i], series[1][offset + i], series[2][offset + i], 0) }
                lanes.withUnsafeMutableBufferPointer { stream.run($0) }
                for c in 0..<3 { out[c] += lanes.map { $0[c] } }
                offset += k
            }
            #expect(out == series.map(f.apply), "order \(order)")
        }
    }
}
