// The float32 rounding-error bounds the numerical tests state next to their assertions.

/// Unit roundoff of float32, u = 2⁻²⁴: every correctly rounded float32 operation has relative error ≤ u.
public let float32UnitRoundoff = 0x1p-24

/// γₙ = n·u/(1 − n·u) for float32. The computed value of a sum of n products (an inner product, a
/// convolution output, a gradient reduction), in any summation order, with or without fused
/// multiply-adds and with or without a wider accumulator, differs from the exact one by at most
/// γₙ·Σ|terms| (Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., §3.1). Two programs
/// that sum the same float32 terms in different orders therefore agree to 2γₙ·Σ|terms|.
public func float32Gamma(_ n: Int) -> Double {
    let nu = Double(n) * float32UnitRoundoff
    precondition(nu < 1, "γₙ needs n·u < 1, n = \(n)")
    return nu / (1 - nu)
}

/// The largest elementwise ratio |observed − expected| / bound and where it happened: ≤ 1 means every
/// element is within its own bound. A NaN difference counts as an infinite ratio; a zero bound allows
/// only equality.
public func worstBoundRatio<F: BinaryFloatingPoint>(_ observed: [F], _ expected: [F], bound: [Double]) -> (ratio: Double, index: Int) {
    precondition(
        observed.count == expected.count && expected.count == bound.count,
        "counts differ: \(observed.count), \(expected.count), \(bound.count) bounds")
    var worst = 0.0, at = -1
    for i in observed.indices {
        let d = abs(Double(observed[i]) - Double(expected[i]))
        let r = d == 0 ? 0 : (d.isNaN ? Double.infinity : d / bound[i])
        if !(r <= worst) { worst = r; at = i }
    }
    return (worst, at)
}
