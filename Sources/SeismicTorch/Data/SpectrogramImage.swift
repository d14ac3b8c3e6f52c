// SpectrogramImage: the [3, 100, 150] grey-image input of SpectrogramCNN, built from a record.

import Foundation
import SeismicIO
import SeismicSignal

/// Spectrogram images as the reference made them, written out as equations:
///
/// 1. S_c = spectrogram(component c, fs, nperseg 256, noverlap 128) (scipy's defaults: Tukey 0.25,
///    mean removed per segment, density scaling), shape [129 frequencies, T segments].
/// 2. D = 10·log10(S_c + ε) with ε = 1e-20 (avoids −∞ on silent segments).
/// 3. G = round(255 · (D − min D) / (max D − min D)) as 8-bit grey (0 when max = min), rows flipped
///    so that low frequencies are at the bottom, as a plotted image shows them.
/// 4. The [129, T] image is resized bilinearly (half-pixel centres, as image libraries do) to
///    100 rows × 150 columns and rounded to 8 bits again.
/// 5. Channels are stacked Z, X, Y → [3, 100, 150], values 0…255 as float32.
public enum SpectrogramImage {
    public static let height = 100
    public static let width = 150

    /// Grey image [height × width] of one component.
    public static func image(_ x: [Double], samplingRateHz fs: Double) -> [Float] {
        let s = Spectrogram.compute(x, samplingRateHz: fs, segmentLength: 256, overlap: 128)
        let rows = s.power.count, cols = s.power[0].count
        var db = [Double](repeating: 0, count: rows * cols)
        for f in 0..<rows { for t in 0..<cols { db[(rows - 1 - f) * cols + t] = 10 * log10(s.power[f][t] + 1e-20) } }
        let lo = db.min() ?? 0, hi = db.max() ?? 0
        let grey = db.map { hi > lo ? (255 * ($0 - lo) / (hi - lo)).rounded() : 0 }
        return resizeBilinear(grey, rows: rows, cols: cols, toRows: height, toCols: width).map { Float(min(max($0.rounded(), 0), 255)) }
    }

    /// Bilinear resampling with half-pixel centres: output pixel (i, j) samples the input at
    /// ((i + 0.5)·rows/toRows − 0.5, (j + 0.5)·cols/toCols − 0.5), clamped to the edges.
    public static func resizeBilinear(_ src: [Double], rows: Int, cols: Int, toRows: Int, toCols: Int) -> [Double] {
        var out = [Double](repeating: 0, count: toRows * toCols)
        for i in 0..<toRows {
            let y = min(max((Double(i) + 0.5) * Double(rows) / Double(toRows) - 0.5, 0), Double(rows - 1))
            let y0 = Int(y), y1 = min(y0 + 1, rows - 1), wy = y - Double(y0)
            for j in 0..<toCols {
                let x = min(max((Double(j) + 0.5) * Double(cols) / Double(toCols) - 0.5, 0), Double(cols - 1))
                let x0 = Int(x), x1 = min(x0 + 1, cols - 1), wx = x - Double(x0)
                let top = src[y0 * cols + x0] * (1 - wx) + src[y0 * cols + x1] * wx
                let bottom = src[y1 * cols + x0] * (1 - wx) + src[y1 * cols + x1] * wx
                out[i * toCols + j] = top * (1 - wy) + bottom * wy
            }
        }
        return out
    }

    /// The [3, 100, 150] input of a record whose components are ordered X, Y, Z (channels Z, X, Y).
    public static func input(_ w: Waveform) -> [Float] {
        precondition(w.componentCount == 3, "spectrogram images need three components")
        precondition(w.sampleCount >= 256, "a record needs at least 256 samples for one spectrogram segment")
        return [2, 0, 1].flatMap { image(w.components[$0], samplingRateHz: w.samplingRateHz) }
    }
}
