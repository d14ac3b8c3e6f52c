// Spectrogram images: shape, range, orientation and the resize law.

import Foundation
import SeismicIO
import SeismicTorch
import TestSupport
import Testing

@Suite struct SpectrogramImageTests {
    @Test func bilinearResizeKeepsRampsAndIsIdentityAtSameSize() {
        let rows = 7, cols = 9
        let ramp = (0..<(rows * cols)).map { Double($0 / cols) * 2 + Double($0 % cols) }
        #expect(SpectrogramImage.resizeBilinear(ramp, rows: rows, cols: cols, toRows: rows, toCols: cols) == ramp)
        let up = SpectrogramImage.resizeBilinear(ramp, rows: rows, cols: cols, toRows: 14, toCols: 18)
        // Away from the clamped border a linear ramp stays linear: f(y, x) = 2y + x at the sample point.
        for i in 2..<12 {
            for j in 2..<16 {
                let y = (Double(i) + 0.5) * 0.5 - 0.5, x = (Double(j) + 0.5) * 0.5 - 0.5
                #expect(abs(up[i * 18 + j] - (2 * y + x)) < 1e-9)
            }
        }
    }

    @Test func recordImageHasTheModelsShapeRangeAndLowFrequenciesAtTheBottom() {
        let n = 12_000
        let low = (0..<n).map { sin(2 * Double.pi * 2 * Double($0) / 100) }
        let w = Waveform(components: [low, low, low.map { $0 * 0.5 }], componentCodes: ["HLX", "HLY", "HLZ"], samplingRateHz: 100)
        let x = SpectrogramImage.input(w)
        #expect(x.count == 3 * 100 * 150)
        #expect(x.allSatisfy { $0 >= 0 && $0 <= 255 && $0 == $0.rounded() })
        // A 2 Hz tone is brightest near the bottom rows (0–50 Hz spans the image height).
        let rowMean = { (r: Int) -> Float in (0..<150).reduce(0) { $0 + x[r * 150 + $1] } / 150 }
        #expect(rowMean(97) > rowMean(10) + 50)
    }
}
