// Detrend: remove the least-squares straight line from a series (ObsPy detrend('linear'), the seed's detrend).

/// Least-squares line removal.
public enum Detrend {
    /// `x` minus its least-squares line, as ObsPy `Trace.detrend('linear')` (scipy.signal.detrend).
    /// Computed in centred coordinates, so long records keep full double precision.
    public static func linear(_ x: [Double]) -> [Double] {
        let n = x.count
        guard n > 1 else { return x.map { _ in 0 } }
        let tMean = Double(n - 1) / 2
        var xMean = 0.0
        for v in x { xMean += v }
        xMean /= Double(n)
        var sxy = 0.0
        var stt = 0.0
        for i in 0..<n {
            let t = Double(i) - tMean
            sxy += t * (x[i] - xMean)
            stt += t * t
        }
        let slope = sxy / stt
        var out = [Double](repeating: 0, count: n)
        for i in 0..<n { out[i] = x[i] - (xMean + slope * (Double(i) - tMean)) }
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
