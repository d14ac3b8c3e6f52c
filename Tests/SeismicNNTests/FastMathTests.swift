// FastMath against the C library, over the whole useful range.

import Foundation
import SeismicNN
import Testing

@Suite struct FastMathTests {
    @Test func erfIsWithin5e7OfTheCLibrary() {
        var worst: Double = 0
        for i in -80_000...80_000 {
            let x = Float(i) * 1e-4
            worst = max(worst, abs(Double(FastMath.erf(x)) - Foundation.erf(Double(x))))
        }
        #expect(worst < 5e-7)
        #expect(FastMath.erf(50) == 1 && FastMath.erf(-50) == -1)
    }

    @Test func expIsWithin3e7Relative() {
        var worst: Double = 0
        for i in -8_700...8_800 {
            let x = Float(i) * 1e-2
            let want = Foundation.exp(Double(x))
            worst = max(worst, abs(Double(FastMath.exp(x)) - want) / want)
        }
        #expect(worst < 3e-7)
    }
}
