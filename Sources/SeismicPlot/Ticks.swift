// Ticks: readable axis tick values ("nice numbers") and their labels.

import Foundation

/// Tick positions at 1, 2 or 5 × 10ⁿ steps covering a range, with labels that show just enough digits.
public struct Ticks: Equatable, Sendable {
    public let values: [Double]
    public let step: Double

    public init(from lo: Double, to hi: Double, approximately count: Int = 5) {
        var (a, b) = (min(lo, hi), max(lo, hi))
        if !(a.isFinite && b.isFinite) { a = 0; b = 1 }
        if a == b {
            let pad = a == 0 ? 0.5 : abs(a) * 0.1
            a -= pad; b += pad
        }
        let raw = (b - a) / Double(max(count, 1))
        let magnitude = pow(10, floor(log10(raw)))
        let residual = raw / magnitude
        let nice: Double = residual < 1.5 ? 1 : (residual < 3 ? 2 : (residual < 7 ? 5 : 10))
        step = nice * magnitude
        let first = ceil(a / step - 1e-9) * step
        var v: [Double] = []
        var t = first
        while t <= b + step * 1e-9 && v.count < 100 { v.append(abs(t) < step * 1e-9 ? 0 : t); t += step }
        values = v
    }

    /// A label for `v` with as many decimals as the step needs (scientific for tiny/huge values).
    public func label(_ v: Double) -> String {
        if v != 0 && (abs(v) < 1e-3 || abs(v) >= 1e6) { return String(format: "%.1e", v) }
        let decimals = max(0, -Int(floor(log10(step) + 1e-9)))
        return String(format: "%.\(decimals)f", v)
    }
}
