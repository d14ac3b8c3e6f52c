// Taper: window functions (scipy.signal.windows tukey/hann) and the tapers applied to records.

import Foundation

/// Window functions with SciPy's definitions.
public enum WindowFunction {
    /// `scipy.signal.windows.hann(m, sym)`.
    public static func hann(_ m: Int, symmetric: Bool = true) -> [Double] {
        tukey(m, alpha: 1, symmetric: symmetric)
    }

    /// Value `k` of the symmetric Hann window of `m` ≥ 2 points: `hann(m)[k]`, one at a time.
    @inline(__always)
    public static func hannValue(_ k: Int, of m: Int) -> Double { 0.5 - 0.5 * cos(2 * Double.pi * Double(k) / Double(m - 1)) }

    /// `scipy.signal.windows.tukey(m, alpha, sym)`: flat top, cosine tapers of total fraction
    /// `alpha` (0 → rectangle, 1 → Hann).
    public static func tukey(_ m: Int, alpha: Double, symmetric: Bool = true) -> [Double] {
        if m <= 0 { return [] }
        if m == 1 { return [1] }
        if !symmetric { return Array(tukey(m + 1, alpha: alpha, symmetric: true).prefix(m)) }
        if alpha <= 0 { return [Double](repeating: 1, count: m) }
        if alpha >= 1 {
            return (0..<m).map { hannValue($0, of: m) }
        }
        let width = Int((alpha * Double(m - 1) / 2).rounded(.down))
        var w = [Double](repeating: 1, count: m)
        let denom = alpha * Double(m - 1)
        for n in 0...width {
            w[n] = 0.5 * (1 + cos(Double.pi * (-1 + 2 * Double(n) / denom)))
        }
        for n in (m - width - 1)..<m {
            w[n] = 0.5 * (1 + cos(Double.pi * (-2 / alpha + 1 + 2 * Double(n) / denom)))
        }
        return w
    }
}

/// Tapers applied to a whole series.
public enum Taper {
    /// ObsPy `Trace.taper(max_percentage, type='hann', side='both')`: Hann flanks of
    /// `int(maxPercentage * npts)` samples each (at most half the series).
    public static func obspyHann(_ x: [Double], maxPercentage: Double = 0.05) -> [Double] {
        obspyHann(x, sides: obspyHannSides(count: x.count, maxPercentage: maxPercentage))
    }

    /// The Hann window ObsPy builds for a series of `count` samples (compute once per record).
    public static func obspyHannSides(count n: Int, maxPercentage: Double) -> [Double] {
        let wlen = min(Int(maxPercentage * Double(n)), n / 2)
        if wlen == 0 { return [] }
        return WindowFunction.hann(2 * wlen == n ? 2 * wlen : 2 * wlen + 1)
    }

    /// Applies precomputed `sides` (from `obspyHannSides`) to both ends of `x`.
    public static func obspyHann(_ x: [Double], sides: [Double]) -> [Double] {
        var out = x
        obspyHann(&out, sides: sides)
        return out
    }

    /// Applies precomputed `sides` to both ends of `x` in place (the middle is not touched).
    public static func obspyHann(_ x: inout [Double], sides: [Double]) {
        let n = x.count
        let wlen = sides.count / 2
        for i in 0..<wlen {
            x[i] *= sides[i]
            x[n - wlen + i] *= sides[sides.count - wlen + i]
        }
    }

    /// The seed's `taper(A, alpha)`: the series times `tukey(npts, alpha)`.
    public static func tukey(_ x: [Double], alpha: Double) -> [Double] {
        let w = WindowFunction.tukey(x.count, alpha: alpha)
        return zip(x, w).map { $0 * $1 }
    }
}

/// ObsPy's Hann taper of a series of `count` samples applied to it a block at a time, the flanks'
/// values computed as they are needed (a long record needs no table of them): the same products
/// as `Taper.obspyHann(_:sides:)` with `Taper.obspyHannSides(count:maxPercentage:)`.
public struct ObspyHannTaper: Sendable, Equatable {
    public let count: Int
    /// Samples in each flank: `int(maxPercentage · count)`, at most half the series.
    public let flank: Int
    /// Points of the Hann window the flanks come from.
    let points: Int

    public init(count: Int, maxPercentage: Double) {
        self.count = count
        flank = min(Int(maxPercentage * Double(count)), count / 2)
        points = 2 * flank == count ? 2 * flank : 2 * flank + 1
    }

    /// Tapers `block`, the series' samples `offset..<offset + block.count`.
    public func apply(to block: UnsafeMutableBufferPointer<Double>, at offset: Int) {
        guard flank > 0 else { return }
        let end = offset + block.count
        for i in offset..<max(offset, min(end, flank)) { block[i - offset] *= WindowFunction.hannValue(i, of: points) }
        for i in max(offset, count - flank)..<max(end, count - flank) { block[i - offset] *= WindowFunction.hannValue(points - count + i, of: points) }
    }
}
