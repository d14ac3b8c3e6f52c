// GaussianSamples: the draws the synthetic records make from a SeededGenerator — uniform, and
// millions of N(0, 1), fast (the generic `Augmentation.gaussian` is not specialised across modules).

import Foundation
import SeismicNN

extension SeededGenerator {
    /// A uniform draw in [a, b) (24-bit resolution, as `nextUnitFloat`).
    mutating func uniform(_ a: Double, _ b: Double) -> Double { a + (b - a) * Double(nextUnitFloat()) }

    /// One N(0, 1) draw.
    mutating func gaussian() -> Double { gaussianSamples(1)[0] }

    /// `count` independent N(0, 1) draws (Box–Muller on 53-bit uniforms, both values of each pair used).
    mutating func gaussianSamples(_ count: Int) -> [Double] {
        var out = [Double](repeating: 0, count: count)
        var i = 0
        while i < count {
            let u1 = (Double(next() >> 11) + 1) * 0x1p-53  // (0, 1]
            let u2 = Double(next() >> 11) * 0x1p-53
            let r = (-2 * log(u1)).squareRoot(), a = 2 * Double.pi * u2
            out[i] = r * cos(a)
            if i + 1 < count { out[i + 1] = r * sin(a) }
            i += 2
        }
        return out
    }
}
