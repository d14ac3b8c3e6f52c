// Tests of detrend, taper, Butterworth, resampling and spectrogram against ObsPy/SciPy (fixtures/signal/rjob).

import Foundation
import SeismicIO
import SeismicSignal
import TestSupport
import Testing

private let rjob = "signal/rjob"

/// Rows of a [rows, n] fixture as Double series.
private func rows(_ name: String) throws -> [[Double]] {
    let a = try Fixtures.npy(rjob, name)
    let v = a.doubles
    let n = a.shape.last!
    return stride(from: 0, to: v.count, by: n).map { Array(v[$0..<($0 + n)]) }
}

/// 1e-5 relative to the series' largest magnitude, a constant with its reasoning: our detrend, taper,
/// filter and window are float64; the references are ObsPy/SciPy results from the example stream's
/// float32 samples, stored as float32, so each is u·|value| from its exact value plus whatever float32
/// steps ObsPy took (measured: 0.45u of the maximum beyond u·|value| for detrend, taper and highpass).
/// Resampling and the spectrogram go through KissFFT in float32, whose error in the 2-norm is at most
/// log₂n·η with η ≈ u + γ₄(√2 + u) ≈ 6.7u (Higham §24.1): 8·6.7u ≈ 3.2e-6 for n = 256, twice that
/// (6.4e-6) for a power |X|². Measured worst
/// 1.9e-7 (Sxx), 1.7e-7 (resample), 7e-8 (detrend, taper, highpass): 1e-5 is the FFT's worst case
/// rounded up, not a number tuned to pass.
private func expectClose(_ got: [[Double]], _ want: [[Double]], _ what: String, tolerance: Double = 1e-5) {
    #expect(got.count == want.count, "\(what): \(got.count) rows vs \(want.count)")
    for (r, (g, w)) in zip(got, want).enumerated() {
        let (err, at) = maxRelativeError(g, w)
        #expect(err <= tolerance, "\(what) row \(r): relative error \(err) at \(at): \(g[max(at, 0)]) vs \(w[max(at, 0)])")
    }
}

@Suite struct SignalChainTests {
    @Test func linearDetrendMatchesObsPy() throws {
        expectClose(try rows("raw").map(Detrend.linear), try rows("obspy_detrended"), "detrend")
    }

    @Test func referenceDetrendMatchesSeed() throws {
        expectClose(try rows("raw").map(Detrend.referenceLeastSquares), try rows("seed_detrend"), "seed detrend")
    }

    @Test func tukeyMatchesSciPy() throws {
        let want = try Fixtures.npy(rjob, "tukey_200_a005")
        expectClose([WindowFunction.tukey(want.count, alpha: 0.05)], [want.doubles], "tukey")
    }

    @Test func hannTaperMatchesObsPy() throws {
        expectClose(
            try rows("obspy_detrended").map { Taper.obspyHann($0, maxPercentage: 0.05) },
            try rows("obspy_tapered"), "taper")
    }

    @Test func highpassMatchesObsPy() throws {
        let f = try Butterworth.highpass(order: 4, cornerHz: 0.5, samplingRateHz: 100)
        expectClose(try rows("obspy_tapered").map(f.apply), try rows("obspy_highpassed"), "highpass")
        // The SIMD path filters all components at once and must agree with the scalar one exactly.
        let tapered = try rows("obspy_tapered")
        #expect(f.apply(components: tapered) == tapered.map(f.apply))
    }

    /// The SIMD path runs long series in blocks with the sections' states carried over: the same
    /// bits as the scalar filter, for lengths around and across block boundaries, five series (two
    /// groups of lanes), and odd and even numbers of sections.
    @Test func blockedSIMDFilterEqualsTheScalarOneBitForBit() throws {
        var rng = TestRNG(seed: 3)
        for order in [3, 4, 6] {
            let f = try Butterworth.highpass(order: order, cornerHz: 0.5, samplingRateHz: 100)
            for n in [1, 8_191, 8_192, 8_193, 20_000] {
                let series = (0..<5).map { _ in (0..<n).map { _ in Double.random(in: -1...1, using: &rng) } }
                #expect(f.apply(components: series) == series.map(f.apply), "order \(order), \(n) samples")
            }
        }
    }

    @Test func wholeChainFromRawSAC() throws {
        let (w, _, _) = try ThreeComponentRecord.read(Fixtures.path("sac/BW.RJOB..EHZ.sac"))
        // The steps composed here; the model card's chain that runs them is checked against the
        // same reference in SeismicTorchTests (PreprocessingChainTests).
        let sides = Taper.obspyHannSides(count: w.sampleCount, maxPercentage: 0.05)
        let tapered = w.components.map { Taper.obspyHann(Detrend.linear($0), sides: sides) }
        let prepared = try Butterworth.highpass(order: 4, cornerHz: 0.5, samplingRateHz: w.samplingRateHz).apply(components: tapered)
        expectClose(prepared, try rows("obspy_highpassed"), "detrend→taper→highpass")
    }

    @Test func fourierResampleMatchesSciPy() throws {
        let window = try rows("window_200")
        let want = try rows("resampled_80")
        expectClose(window.map { FourierResampler.resample($0, to: want[0].count) }, want, "resample")
    }

    /// The resampling's matrix, in double precision, applied to the windows gives SciPy's results
    /// to the float32 storage of the fixture: within 2u of each value's scale (u = 2⁻²⁴ rounding
    /// the reference, double arithmetic far below it).
    @Test func resamplingMatrixMatchesSciPy() throws {
        let window = try rows("window_200")
        let want = try rows("resampled_80")
        let (n, num) = (window[0].count, want[0].count)
        let r = FourierResampler(from: n, to: num).matrix()
        let got = window.map { x in (0..<num).map { t in (0..<n).reduce(0.0) { $0 + r[t * n + $1] * x[$1] } } }
        expectClose(got, want, "resampling matrix", tolerance: 2 * 0x1p-24)
        // Other lengths: the matrix agrees with the FFT path (KissFFT in float32, its bound above).
        for (from, to) in [(200, 80), (80, 200), (101, 40), (7, 7), (9, 4), (4, 9)] {
            let x = (0..<from).map { Double(($0 * 37) % 11) - 5 }
            let m = FourierResampler(from: from, to: to).matrix()
            let direct = (0..<to).map { t in (0..<from).reduce(0.0) { $0 + m[t * from + $1] * x[$1] } }
            expectClose([direct], [FourierResampler.resample(x, to: to)], "matrix \(from) → \(to)")
        }
    }

    @Test func resampleIsIdentityAtSameLengthAndKeepsLowTones() {
        for n in [7, 64, 81, 200] {
            let x = (0..<n).map { Double($0 % 5) - 2 }
            let y = FourierResampler.resample(x, to: n)
            #expect(maxRelativeError(y, x).error < 1e-5)
        }
        // A tone well below both Nyquist frequencies survives resampling unchanged.
        let n = 300, m = 120
        let tone = (0..<n).map { sin(2 * Double.pi * 3 * Double($0) / Double(n)) }
        let down = FourierResampler.resample(tone, to: m)
        let want = (0..<m).map { sin(2 * Double.pi * 3 * Double($0) / Double(m)) }
        #expect(maxRelativeError(down, want).error < 1e-5)
        let up = FourierResampler.resample(down, to: n)
        #expect(maxRelativeError(up, tone).error < 1e-5)
    }

    @Test func spectrogramMatchesSciPy() throws {
        let z = try rows("raw")[2]
        let s = Spectrogram.compute(z, samplingRateHz: 100, segmentLength: 256, overlap: 128)
        expectClose([s.frequenciesHz], [try Fixtures.npy(rjob, "spectrogram_f").doubles], "f")
        expectClose([s.timesSeconds], [try Fixtures.npy(rjob, "spectrogram_t").doubles], "t")
        // One [f, t] array, judged relative to its largest value like every other fixture array
        // (KissFFT is single precision; the reference is float64 stored as float32).
        expectClose([s.power.flatMap { $0 }], [try rows("spectrogram_z").flatMap { $0 }], "Sxx")
    }

    @Test func designRefusesCornerAboveNyquist() {
        #expect(throws: Butterworth.DesignError.cornerAboveNyquist(cornerHz: 60, nyquistHz: 50)) {
            try Butterworth.highpass(cornerHz: 60, samplingRateHz: 100)
        }
    }

    @Test func highpassRemovesConstantAndLowpassKeepsIt() throws {
        let ones = [Double](repeating: 1, count: 4000)
        let hp = try Butterworth.highpass(cornerHz: 0.5, samplingRateHz: 100).apply(ones)
        #expect(abs(hp.last!) < 1e-6)
        let lp = try Butterworth.lowpass(cornerHz: 5, samplingRateHz: 100).apply(ones)
        #expect(abs(lp.last! - 1) < 1e-9)
    }
}
