// Peterson's noise models against ObsPy's tables, and the laws of spectral shaping: coloured noise
// has the power spectral density it was asked for, Boore's stochastic method the amplitude spectrum.

import Foundation
import SeismicSignal
import TestSupport
import Testing

/// SplitMix64: a seeded generator for the tests of this target (which does not link SeismicNN).
private struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

private struct PetersonTables: Decodable {
    var periods_s: [Double]
    var low_db: [Double]
    var high_db: [Double]
}

@Suite struct SpectralShapingTests {
    /// ObsPy's tables round the level to 3 decimals (±0.0005 dB) and the period to 6 significant
    /// digits; the model's slope B dB/decade turns a period error ΔT into B·ΔT/(T ln 10) dB.
    @Test func petersonModelsEqualObsPysTables() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("noise_models/peterson_obspy.json")))
        let tables = try JSONDecoder().decode(PetersonTables.self, from: data)
        #expect(tables.periods_s.count == 1001)
        for (model, expected) in [(PetersonNoiseModel.low, tables.low_db), (.high, tables.high_db)] {
            for (t, db) in zip(tables.periods_s, expected) {
                let periodError = 0.5 * pow(10, floor(log10(t)) - 5)
                let slope = 170.0  // the steepest band of either model, dB per decade (NHNM 15.4–20 s: 162.98)
                let bound = 0.0005 + slope * periodError / (t * log(10)) + 1e-9
                let got = model.accelerationPSDdB(periodSeconds: t)
                #expect(abs(got - db) <= bound, "\(model) at \(t) s: \(got) vs ObsPy \(db)")
            }
        }
        // Outside the defined periods the nearer end's value.
        #expect(PetersonNoiseModel.high.accelerationPSDdB(periodSeconds: 0.01) == PetersonNoiseModel.high.accelerationPSDdB(periodSeconds: 0.1))
        #expect(abs(PetersonNoiseModel.accelerationPSD(frequencyHz: 1, fraction: 0) - PetersonNoiseModel.low.accelerationPSD(frequencyHz: 1)) < 1e-25)
    }

    /// The low model is below the high one at every period, and the fraction moves between them.
    @Test func lowIsBelowHighAndFractionsLieBetween() {
        for e in stride(from: -1.0, through: 5.0, by: 0.01) {
            let t = pow(10, e)
            let low = PetersonNoiseModel.low.accelerationPSDdB(periodSeconds: t), high = PetersonNoiseModel.high.accelerationPSDdB(periodSeconds: t)
            #expect(low < high)
            let mid = 10 * log10(PetersonNoiseModel.accelerationPSD(frequencyHz: 1 / t, fraction: 0.5))
            #expect(abs(mid - (low + high) / 2) < 1e-9)
        }
    }

    /// Shaping is circular, so the output's DFT at bin k is the white noise's times the gain: the
    /// periodogram 2|X_k|²/(fs n) has mean psd(f_k) with an exponential distribution (χ² with 2
    /// degrees of freedom). Averaged over M bins its relative standard deviation is 1/√M; each
    /// check allows 5 standard deviations (a 6e-7 chance of failing per check for a true law).
    @Test func colouredNoiseHasTheRequestedDensity() {
        var rng = SplitMix(state: 11)
        let n = 65_536, fs = 100.0
        let white = (0..<n).map { _ in Augmentation.gaussian(using: &rng) }
        for psd in [{ (f: Double) in PetersonNoiseModel.accelerationPSD(frequencyHz: f, fraction: 0.6) + 1e-12 }, { (f: Double) in 1e-6 / (1 + f * f) }] {
            let x = SpectralShaping.colouredNoise(white: white, samplingRateHz: fs, psd: psd)
            let spectrum = FFTPlan(count: n).transform(real: x)
            let ratios = (1..<(n / 2)).map { k -> Double in
                let f = Double(k) * fs / Double(n)
                let p = 2 * (spectrum.real[k] * spectrum.real[k] + spectrum.imaginary[k] * spectrum.imaginary[k]) / (fs * Double(n))
                return p / psd(f)
            }
            let all = ratios.reduce(0, +) / Double(ratios.count)
            #expect(abs(all - 1) < 5 / Double(ratios.count).squareRoot(), "mean periodogram / psd over all bins: \(all)")
            for band in stride(from: 0, to: ratios.count, by: 4096) {
                let bins = ratios[band..<min(band + 4096, ratios.count)]
                let m = bins.reduce(0, +) / Double(bins.count)
                #expect(abs(m - 1) < 5 / Double(bins.count).squareRoot(), "bins \(band)…: \(m)")
            }
        }
    }

    /// The output's DFT divided by the input's is the gain at every bin, and the mean is removed.
    /// KissFFT runs in float32 (ε = 6e-8): forward, inverse and forward again, each adding to a
    /// coefficient an error of about ε √(n log2 n) × the input's RMS (≈ 2e-5 here: n = 3000, RMS
    /// 2.2); 1e-4 of the largest non-zero-frequency coefficient (≈ 5e-3) leaves a margin of ~100.
    @Test func applyMultipliesEachBinByTheGain() {
        var rng = SplitMix(state: 3)
        let n = 3000, fs = 40.0
        let x = (0..<n).map { _ in Augmentation.gaussian(using: &rng) + 2 }
        let gain = { (f: Double) in 1 / (1 + f) }
        let y = SpectralShaping.apply(x, samplingRateHz: fs, gain: gain)
        let plan = FFTPlan(count: n)
        let a = plan.transform(real: x), b = plan.transform(real: y)
        let scale = a.real.indices.dropFirst().map { hypot(a.real[$0], a.imaginary[$0]) }.max()!
        #expect(abs(y.reduce(0, +)) < 1e-4 * scale)
        for k in 1..<n {
            let f = Double(min(k, n - k)) * fs / Double(n)
            #expect(abs(b.real[k] - gain(f) * a.real[k]) < 1e-4 * scale && abs(b.imaginary[k] - gain(f) * a.imaginary[k]) < 1e-4 * scale)
        }
    }

    /// Boore's normalisation: the output's DFT amplitudes, divided by target × fs, have mean square
    /// 1 over the bins — exactly, by Parseval, but for the removed mean's bin (zero here: the input
    /// has its mean removed) and float32 rounding (relative ~1e-6); 1e-3 leaves a wide margin.
    @Test func stochasticMethodMeetsTheTargetAmplitudeSpectrum() {
        var rng = SplitMix(state: 5)
        let n = 4000, fs = 100.0
        var windowed = (0..<n).map { i in exp(-Double(i) / 800) * Augmentation.gaussian(using: &rng) }
        let mean = windowed.reduce(0, +) / Double(n)
        windowed = windowed.map { $0 - mean }
        let target = { (f: Double) in 1e-3 * f * f / (1 + f * f / 4) * exp(-.pi * 0.04 * f) }
        let y = SpectralShaping.matchingAmplitudeSpectrum(windowed, samplingRateHz: fs, amplitude: target)
        let s = FFTPlan(count: n).transform(real: y)
        var sum = 0.0
        for k in 1..<n {
            let f = Double(min(k, n - k)) * fs / Double(n)
            sum += (s.real[k] * s.real[k] + s.imaginary[k] * s.imaginary[k]) / pow(target(f) * fs, 2)
        }
        #expect(abs(sum / Double(n) - 1) < 1e-3, "mean square of |X|/(A fs): \(sum / Double(n))")
        #expect(
            SpectralShaping.matchingAmplitudeSpectrum([Double](repeating: 0, count: 10), samplingRateHz: fs, amplitude: target)
                == [Double](repeating: 0, count: 10))
    }

    @Test func fastLengthsHaveOnlyTwoThreeAndFiveAsFactors() {
        #expect(FFTPlan.fastLength(atLeast: 0) == 1)
        #expect(FFTPlan.fastLength(atLeast: 9001) == 9216)
        #expect(FFTPlan.fastLength(atLeast: 48_000) == 48_000)
        for n in 1...2000 {
            let m = FFTPlan.fastLength(atLeast: n)
            var r = m
            for p in [2, 3, 5] { while r % p == 0 { r /= p } }
            #expect(r == 1 && m >= n)
            // No smaller such length in between.
            for k in n..<m {
                var q = k
                for p in [2, 3, 5] { while q % p == 0 { q /= p } }
                #expect(q != 1)
            }
        }
    }
}
