// SpectralShaping: series given a spectrum — zero-phase gains, coloured noise of a stated power
// spectral density, and Boore's stochastic method (noise given a Fourier amplitude spectrum).

import Foundation

/// Frequency-domain shaping of real series through `FFTPlan`: the series' discrete Fourier
/// transform times a real, non-negative gain of frequency, transformed back (zero phase; the
/// series is treated as periodic, as any DFT filter does). Float32 arithmetic inside (KissFFT).
public enum SpectralShaping {
    /// `x` with each DFT coefficient at frequency f (Hz; 0 … Nyquist, mirrored for the negative
    /// frequencies) multiplied by `gain(f)`. `gain` is not called at f = 0; the mean is kept
    /// only when `keepMean` (else removed). Empty input gives empty output.
    public static func apply(
        _ x: [Double], samplingRateHz: Double, keepMean: Bool = false, gain: (Double) -> Double
    ) -> [Double] {
        apply([x], samplingRateHz: samplingRateHz, keepMean: keepMean, gain: gain)[0]
    }

    /// `apply` on several series of one length at once: the gain is evaluated once per frequency
    /// and the transform plans made once.
    public static func apply(
        _ series: [[Double]], samplingRateHz: Double, keepMean: Bool = false, gain: (Double) -> Double
    ) -> [[Double]] {
        guard let n = series.first?.count else { return [] }
        precondition(series.allSatisfy { $0.count == n }, "series differ in length")
        guard n > 1 else { return keepMean ? series : series.map { $0.map { _ in 0 } } }
        let gains = [0] + (1...(n / 2)).map { gain(Double($0) * samplingRateHz / Double(n)) }
        let forward = FFTPlan(count: n), inverse = FFTPlan(count: n, inverse: true)
        return series.map { x in
            var (re, im) = forward.transform(real: x)
            if !keepMean { re[0] = 0; im[0] = 0 }
            for k in 1...(n / 2) {
                let g = gains[k]
                re[k] *= g; im[k] *= g
                if k != n - k { re[n - k] *= g; im[n - k] *= g }
            }
            return inverse.transform(real: re, imaginary: im).real.map { $0 / Double(n) }
        }
    }

    /// Gaussian noise whose one-sided power spectral density is `psd(f)` (units²/Hz): `white`
    /// (independent N(0, 1) samples) shaped by the gain √(psd(f) · fs / 2) — white noise of unit
    /// variance has the one-sided density 2 / fs. The mean is removed. As the spectral method of
    /// Timmer & König (1995) with Gaussian amplitudes. Several series of one length share one
    /// evaluation of `psd`.
    public static func colouredNoise(white: [[Double]], samplingRateHz: Double, psd: (Double) -> Double) -> [[Double]] {
        apply(white, samplingRateHz: samplingRateHz) { f in (max(psd(f), 0) * samplingRateHz / 2).squareRoot() }
    }

    /// `colouredNoise` of one series.
    public static func colouredNoise(white: [Double], samplingRateHz: Double, psd: (Double) -> Double) -> [Double] {
        colouredNoise(white: [white], samplingRateHz: samplingRateHz, psd: psd)[0]
    }

    /// Boore's (2003) stochastic method: `windowed` noise (white noise times an envelope) whose
    /// Fourier amplitude spectrum is set, on average, to `amplitude(f)` (the series' unit × s):
    /// the noise's DFT is scaled to unit mean-square amplitude, multiplied by `amplitude(f)` · fs
    /// (a continuous transform is a DFT times the sampling interval), and transformed back. The
    /// envelope's shape is kept; its scale is set by the target spectrum. All-zero input gives zeros.
    public static func matchingAmplitudeSpectrum(
        _ windowed: [Double], samplingRateHz: Double, amplitude: (Double) -> Double
    ) -> [Double] {
        matchingAmplitudeSpectrum([windowed], samplingRateHz: samplingRateHz, amplitude: amplitude)[0]
    }

    /// `matchingAmplitudeSpectrum` of several series of one length, each normalised by its own
    /// energy; `amplitude` evaluated once per frequency.
    public static func matchingAmplitudeSpectrum(
        _ windowed: [[Double]], samplingRateHz: Double, amplitude: (Double) -> Double
    ) -> [[Double]] {
        // Parseval: Σ|X_k|² = n Σ x², so the DFT's mean-square amplitude is Σ x².
        let scales = windowed.map { x -> Double in
            let energy = x.reduce(0) { $0 + $1 * $1 }
            return energy > 0 ? samplingRateHz / energy.squareRoot() : 0
        }
        let shaped = apply(windowed, samplingRateHz: samplingRateHz) { f in max(amplitude(f), 0) }
        return zip(shaped, scales).map { x, scale in x.map { $0 * scale } }
    }
}
