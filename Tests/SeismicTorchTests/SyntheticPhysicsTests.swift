// The physics of the synthetic records: Brune's source, attenuation, the S/P ratio with distance,
// causal onsets at the stated arrivals, the stochastic method's spectrum, noise between the models.

import Foundation
import SeismicNN
import SeismicSignal
import SeismicTorch
import Testing

@Suite struct SyntheticPhysicsTests {
    private func source(magnitude: Double = 4, distanceKm: Double = 30) -> SyntheticEarthquake {
        SyntheticEarthquake(
            magnitude: magnitude, distanceKm: distanceKm, stressDropMPa: 3, kappa: 0.04, q0: 180, qExponent: 0.45, radiationP: 0.52,
            radiationS: 0.63)
    }

    /// Brune's corner frequency as Boore (2003) writes it in cgs units — fc = 4.906e6 β[km/s]
    /// (Δσ[bar] / M0[dyne·cm])^(1/3) — and its scaling: one magnitude unit lowers it by 10^0.5.
    @Test func cornerFrequencyFollowsBrune() {
        let s = source(magnitude: 3)
        let m0DyneCm = pow(10, 1.5 * 3 + 16.1)
        let boore = 4.906e6 * 3.5 * pow(30 / m0DyneCm, 1.0 / 3)
        #expect(abs(s.cornerFrequencyHz(p: false) / boore - 1) < 1e-3, "\(s.cornerFrequencyHz(p: false)) vs \(boore)")
        #expect(abs(source(magnitude: 4).cornerFrequencyHz(p: false) / s.cornerFrequencyHz(p: false) - pow(10, -0.5)) < 1e-9)
        #expect(abs(s.cornerFrequencyHz(p: true) / s.cornerFrequencyHz(p: false) - 1.5) < 1e-12)
    }

    /// Below the corner the displacement spectrum is flat (acceleration rises as f²); far above it
    /// the acceleration spectrum is flat but for attenuation: removing the path's and the site's
    /// exponentials leaves the ω² source shape exactly.
    @Test func spectrumIsTheOmegaSquaredModelTimesAttenuation() {
        let s = source()
        for p in [true, false] {
            let v = p ? SyntheticEarthquake.vpMs : SyntheticEarthquake.vsMs, fc = s.cornerFrequencyHz(p: p)
            var shapes: [Double] = []
            for f in [0.05, 0.3, 1, 3, 10, 30] {
                let q = s.q0 * pow(f, s.qExponent)
                let attenuation = exp(-Double.pi * f * s.distanceKm * 1000 / (q * v)) * exp(-Double.pi * s.kappa * f)
                let w = 2 * Double.pi * f
                shapes.append(s.accelerationSpectrum(frequencyHz: f, p: p) / attenuation / (w * w / (1 + (f / fc) * (f / fc))))
            }
            #expect(shapes.allSatisfy { abs($0 / shapes[0] - 1) < 1e-9 })
        }
    }

    /// P travels faster, so its path loses less high frequency: the S/P spectral ratio at 10 Hz
    /// falls with distance (by exp(−π f R (1/β − 1/α) / Q)), while at 0.5 Hz it barely moves.
    @Test func sToPRatioFallsWithDistanceAtHighFrequency() {
        func ratio(_ r: Double, _ f: Double) -> Double {
            let s = source(distanceKm: r)
            return s.accelerationSpectrum(frequencyHz: f, p: false) / s.accelerationSpectrum(frequencyHz: f, p: true)
        }
        #expect(ratio(100, 10) < ratio(10, 10))
        #expect(abs(ratio(100, 0.5) / ratio(10, 0.5) - 1) < 0.3)
        let q = 180 * pow(10, 0.45)
        let expected = exp(-Double.pi * 10 * 90_000 * (1 / SyntheticEarthquake.vsMs - 1 / SyntheticEarthquake.vpMs) / q)
        #expect(abs(ratio(100, 10) / ratio(10, 10) / expected - 1) < 1e-9)
    }

    /// A phase is zero before its onset and non-zero from it on: the arrival is where it is stated.
    /// Its three components carry, summed, the target spectrum: the mean square of the summed DFT
    /// power over target × fs, in the band where the target dominates, is near 1 (the stochastic
    /// method's normalisation; the rise applied again and the cut tail move it by a few percent).
    @Test func phaseStartsAtItsOnsetWithTheTargetSpectrum() {
        var rng = SeededGenerator(seed: 4)
        let s = source(magnitude: 4, distanceKm: 20), fs = 100.0, n = 6000, onset = 1234
        let wave = s.phase(
            p: false, onset: onset, count: n, samplingRateHz: fs, projection: [0.6, 0.8, 0], scattered: 0.3, riseSeconds: 0.05,
            codaQ: 200, instrument: .memsAccelerometer, using: &rng)
        for c in 0..<3 {
            #expect(wave[c][..<onset].allSatisfy { $0 == 0 })
        }
        #expect(wave[0][onset + 1] != 0 && wave[2][onset + 1] != 0)
        // The summed power spectrum of the part from the onset on.
        let m = n - onset
        var sum = 0.0, bins = 0
        for c in 0..<3 {
            let spectrum = FFTPlan(count: m).transform(real: Array(wave[c][onset...]))
            for k in 1..<(m / 2) {
                let f = Double(k) * fs / Double(m)
                guard f >= 0.5, f <= 20 else { continue }
                sum +=
                    (spectrum.real[k] * spectrum.real[k] + spectrum.imaginary[k] * spectrum.imaginary[k])
                    / pow(s.accelerationSpectrum(frequencyHz: f, p: false) * fs, 2)
                if c == 0 { bins += 1 }
            }
        }
        let meanSquare = sum / Double(bins)
        #expect(abs(meanSquare - 1) < 0.15, "summed |X|² / (A fs)² over 0.5–20 Hz: \(meanSquare)")
    }

    /// Velocity spectra are acceleration spectra over 2πf (amplitude) and (2πf)² (power).
    @Test func seismometersRecordVelocity() {
        let noise = SyntheticNoise(
            longPeriodFraction: 0.5, shortPeriodFraction: 0.5, selfNoiseDensity: 0, instrument: .broadbandSeismometer, trafficPerHour: 0,
            machineryRunning: false, transientsPerHour: 0,
            spikesPerHour: 0, stepsPerHour: 0)
        for f in [0.1, 1, 10] {
            let a = PetersonNoiseModel.accelerationPSD(frequencyHz: f, fraction: 0.5)
            #expect(abs(noise.ambientPSD(frequencyHz: f) * pow(2 * .pi * f, 2) / a - 1) < 1e-12)
        }
    }

    /// Every drawn site's levels lie between the models and an accelerometer's self-noise in its
    /// range (10–60 µg/√Hz); the record's noise carries the site's PSD: over 0.5–45 Hz, the mean
    /// of periodogram / PSD is 1 within 5 standard deviations (48,000 is a fast length, so the
    /// shaping is exactly circular and each periodogram value is PSD × χ²₂/2; M bins: σ = 1/√M).
    @Test func drawnNoiseLiesBetweenTheModelsAtItsStatedLevel() {
        var rng = SeededGenerator(seed: 9)
        for instrument in SyntheticInstrument.allCases {
            for _ in 0..<20 {
                let noise = SyntheticNoise.draw(instrument: instrument, quiet: true, using: &rng)
                #expect((0...1).contains(noise.longPeriodFraction) && (0...1).contains(noise.shortPeriodFraction))
                #expect(abs(noise.fraction(atFrequencyHz: 0.1) - noise.longPeriodFraction) < 1e-12)
                #expect(abs(noise.fraction(atFrequencyHz: 5) - noise.shortPeriodFraction) < 1e-12)
                if instrument == .memsAccelerometer {
                    #expect((10 * 9.81e-6...60 * 9.81e-6).contains(noise.selfNoiseDensity))
                } else {
                    #expect(noise.selfNoiseDensity == 0)
                }
            }
            let noise = SyntheticNoise.draw(instrument: instrument, quiet: true, using: &rng)
            let fs = 100.0, n = 48_000
            let x = noise.generate(count: n, samplingRateHz: fs, using: &rng)
            for c in 0..<3 {
                let spectrum = FFTPlan(count: n).transform(real: x[c])
                var sum = 0.0, bins = 0
                for k in 1..<(n / 2) {
                    let f = Double(k) * fs / Double(n)
                    guard f >= 0.5, f <= 45 else { continue }
                    let periodogram = 2 * (spectrum.real[k] * spectrum.real[k] + spectrum.imaginary[k] * spectrum.imaginary[k]) / (fs * Double(n))
                    sum += periodogram / noise.ambientPSD(frequencyHz: f)
                    bins += 1
                }
                let mean = sum / Double(bins)
                #expect(abs(mean - 1) < 5 / Double(bins).squareRoot(), "\(instrument) component \(c): periodogram / PSD \(mean) over \(bins) bins")
            }
        }
    }

    /// A synthetic earthquake on a quiet background: quiet before P, loud after; the S wave larger
    /// than the P wave on the horizontals; the horizontals' share of P energy below the vertical's.
    @Test func recordsHaveQuietPreEventNoiseAndStrongerS() {
        var rng = SeededGenerator(seed: 21)
        var sLarger = 0, pVertical = 0
        let trials = 20
        for _ in 0..<trials {
            let r = SyntheticRecord.generate(
                event: true, durationSeconds: 60, magnitude: 4.5, distanceRangeKm: 20...40, instrument: .broadbandSeismometer,
                quietBackground: true, using: &rng)
            let w = r.waveform, fs = w.samplingRateHz
            let p = Int(r.pArrivalSeconds! * fs), s = Int(r.sArrivalSeconds! * fs)
            func rms(_ c: Int, _ range: Range<Int>) -> Double {
                (range.reduce(0) { $0 + w.components[c][$1] * w.components[c][$1] } / Double(range.count)).squareRoot()
            }
            #expect(rms(2, p..<(p + 100)) > 10 * rms(2, (p - 200)..<(p - 10)))
            let horizontalS = rms(0, s..<(s + 200)) + rms(1, s..<(s + 200)), horizontalP = rms(0, p..<min(s, p + 200)) + rms(1, p..<min(s, p + 200))
            if horizontalS > horizontalP { sLarger += 1 }
            if rms(2, p..<min(s, p + 200)) > 0.5 * horizontalP { pVertical += 1 }
        }
        #expect(sLarger >= trials * 3 / 4, "S larger than P on the horizontals in \(sLarger) of \(trials)")
        #expect(pVertical >= trials * 3 / 4, "P mostly vertical in \(pVertical) of \(trials)")
    }
}
