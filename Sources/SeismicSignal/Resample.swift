// Resample: change the number of samples by Fourier interpolation (scipy.signal.resample).

/// Fourier-method resampling, as `scipy.signal.resample(x, num)` on real input: keep the
/// lowest `min(n, num)` frequencies (the unpaired Nyquist bin doubled when downsampling to an
/// even count, halved when upsampling) and transform back, scaled by `num / n`.
public struct FourierResampler {
    public let inputCount: Int
    public let outputCount: Int
    private let forward: FFTPlan
    private let backward: FFTPlan

    public init(from inputCount: Int, to outputCount: Int) {
        precondition(inputCount > 0 && outputCount > 0, "resample \(inputCount) -> \(outputCount)")
        self.inputCount = inputCount
        self.outputCount = outputCount
        forward = FFTPlan(count: inputCount)
        backward = FFTPlan(count: outputCount, inverse: true)
    }

    public func callAsFunction(_ x: [Double]) -> [Double] {
        precondition(x.count == inputCount, "expected \(inputCount) samples, got \(x.count)")
        let (re, im) = forward.transform(real: x)
        let n = inputCount, num = outputCount
        let m = min(n, num)
        let half = m / 2 + 1
        var yr = [Double](repeating: 0, count: num)
        var yi = [Double](repeating: 0, count: num)
        for k in 0..<half { yr[k] = re[k]; yi[k] = im[k] }
        if m % 2 == 0 && num != n {
            let f = num < n ? 2.0 : 0.5
            yr[m / 2] *= f
            yi[m / 2] *= f
        }
        // Hermitian completion for a real result; an even-length output's Nyquist bin is real.
        if num % 2 == 0 { yi[num / 2] = 0 }
        yi[0] = 0
        for k in 1..<((num + 1) / 2) {
            yr[num - k] = yr[k]
            yi[num - k] = -yi[k]
        }
        let (out, _) = backward.transform(real: yr, imaginary: yi)
        let scale = 1.0 / Double(n)
        return out.map { $0 * scale }
    }

    /// One-shot convenience.
    public static func resample(_ x: [Double], to count: Int) -> [Double] {
        FourierResampler(from: x.count, to: count)(x)
    }
}
