// Resample: change the number of samples by Fourier interpolation (scipy.signal.resample).

import Foundation

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
        let (yr, yi) = outputSpectrum(re, im)
        let (out, _) = backward.transform(real: yr, imaginary: yi)
        let scale = 1.0 / Double(inputCount)
        return out.map { $0 * scale }
    }

    /// The output's spectrum (`outputCount` bins) from the input's (`inputCount` bins): the lowest
    /// `min(n, num)` frequencies kept, the unpaired Nyquist bin doubled when downsampling to an
    /// even count or halved when upsampling, and the Hermitian completion for a real result (an
    /// even-length output's Nyquist bin real).
    private func outputSpectrum(_ re: [Double], _ im: [Double]) -> (re: [Double], im: [Double]) {
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
        if num % 2 == 0 { yi[num / 2] = 0 }
        yi[0] = 0
        for k in 1..<max(1, (num + 1) / 2) {
            yr[num - k] = yr[k]
            yi[num - k] = -yi[k]
        }
        return (yr, yi)
    }

    /// The resampling as the linear map it is: [outputCount, inputCount] row-major, row t holding
    /// the weights of output t, so y = R·x is `callAsFunction(x)` up to rounding. Built in double
    /// precision from exact DFTs of the unit vectors (angles reduced in integers) through the same
    /// frequency bins as `callAsFunction` (`outputSpectrum`); for many short series of one length
    /// (the sliding windows of a record) one matrix product does them all.
    public func matrix() -> [Double] {
        let n = inputCount, num = outputCount
        let (cosN, sinN) = Self.unitCircle(n), (cosM, sinM) = Self.unitCircle(num)
        var r = [Double](repeating: 0, count: num * n)
        for j in 0..<n {
            // Spectrum of the unit vector e_j: X_k = exp(−2πi·jk/n).
            let xr = (0..<n).map { cosN[(j * $0) % n] }, xi = (0..<n).map { -sinN[(j * $0) % n] }
            let (yr, yi) = outputSpectrum(xr, xi)
            // Back: y_t = Re Σ_k Y_k exp(2πi·kt/num) / n.
            for t in 0..<num {
                var sum = 0.0
                for k in 0..<num { sum += yr[k] * cosM[(k * t) % num] - yi[k] * sinM[(k * t) % num] }
                r[t * n + j] = sum / Double(n)
            }
        }
        return r
    }

    /// cos and sin of 2π·q/count for q in 0..<count.
    private static func unitCircle(_ count: Int) -> (cos: [Double], sin: [Double]) {
        let angles = (0..<count).map { 2 * Double.pi * Double($0) / Double(count) }
        return (angles.map { Foundation.cos($0) }, angles.map { Foundation.sin($0) })
    }

    /// One-shot convenience.
    public static func resample(_ x: [Double], to count: Int) -> [Double] {
        FourierResampler(from: x.count, to: count)(x)
    }
}
