// Detrend: remove the least-squares straight line from a series (ObsPy detrend('linear'), the seed's detrend).

/// Least-squares line removal.
public enum Detrend {
    /// `x` minus its least-squares line, as ObsPy `Trace.detrend('linear')` (scipy.signal.detrend).
    /// Computed in centred coordinates, so long records keep full double precision.
    public static func linear(_ x: [Double]) -> [Double] {
        let n = x.count
        guard n > 1 else { return x.map { _ in 0 } }
        let tMean = Double(n - 1) / 2
        // Σx and Σ(i − t̄)·x with eight independent partial sums (vectorises; same in any order to
        // well under 1e-12 relative for records of any length).
        var sx = SIMD8<Double>.zero, sxt = SIMD8<Double>.zero
        let lanes = SIMD8<Double>(0, 1, 2, 3, 4, 5, 6, 7)
        let blocks = n / 8
        x.withUnsafeBufferPointer { p in
            for b in 0..<blocks {
                var v = SIMD8<Double>()
                for k in 0..<8 { v[k] = p[b * 8 + k] }
                sx += v
                sxt += v * (lanes + Double(b * 8) - tMean)
            }
        }
        var sumX = sx.sum(), sumXT = sxt.sum()
        for i in (blocks * 8)..<n { sumX += x[i]; sumXT += x[i] * (Double(i) - tMean) }
        let xMean = sumX / Double(n)
        // Σ(i − t̄)² in closed form: n(n² − 1)/12.
        let stt = Double(n) * (Double(n) * Double(n) - 1) / 12
        let slope = sumXT / stt
        var out = [Double](repeating: 0, count: n)
        let intercept = xMean - slope * tMean
        out.withUnsafeMutableBufferPointer { o in
            x.withUnsafeBufferPointer { p in
                for i in 0..<n { o[i] = p[i] - (intercept + slope * Double(i)) }
            }
        }
        return out
    }

    /// The seed's `detrend(X)`: projection on the basis {linspace(0, 1, N), 1} through the normal
    /// equations, `X - (X Aᵀ (A Aᵀ)⁻¹) A`. Mathematically the same line as `linear`.
    public static func referenceLeastSquares(_ x: [Double]) -> [Double] {
        let n = x.count
        guard n > 1 else { return x.map { _ in 0 } }
        var s00 = 0.0, s01 = 0.0, r0 = 0.0, r1 = 0.0
        for i in 0..<n {
            let t = Double(i) / Double(n - 1)
            s00 += t * t
            s01 += t
            r0 += x[i] * t
            r1 += x[i]
        }
        let s11 = Double(n)
        let det = s00 * s11 - s01 * s01
        let c0 = (r0 * s11 - r1 * s01) / det
        let c1 = (r1 * s00 - r0 * s01) / det
        return (0..<n).map { x[$0] - (c0 * Double($0) / Double(n - 1) + c1) }
    }
}
