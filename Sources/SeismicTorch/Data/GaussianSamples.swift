// GaussianSamples: many N(0, 1) draws from a SeededGenerator, fast (the synthetic records need
// millions; the generic `Augmentation.gaussian` is not specialised across modules).

import Foundation
import SeismicNN

extension SeededGenerator {
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
