// The physics of the synthetic records: Brune's source, its level in Boore's units, attenuation,
// the S/P ratio with distance, onsets at the stated arrivals, the stochastic method's spectrum,
// noise at its stated PSD, and the mini STEAD the same whatever the thread count.

import Foundation
import SeismicIO
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
        #expect(abs(s.cornerFrequencyHz(.s) / boore - 1) < 1e-3, "\(s.cornerFrequencyHz(.s)) vs \(boore)")
        #expect(abs(source(magnitude: 4).cornerFrequencyHz(.s) / s.cornerFrequencyHz(.s) - pow(10, -0.5)) < 1e-9)
        #expect(abs(s.cornerFrequencyHz(.p) / s.cornerFrequencyHz(.s) - 1.5) < 1e-12)
    }

    /// The spectrum's level and shape against Boore's (2003) formula written independently in his
    /// cgs units: C = Rθφ F / (4π ρ[g/cm³] v[km/s]³ R0[km]) × 10⁻²⁰ with M0 in dyne·cm gives the
    /// displacement spectrum in cm·s at R0 = 1 km; times 1/R[km], the path and site exponentials
    /// and (2πf)², and × 0.01 for metres. (No partition factor: the wave goes onto a unit vector.)
    @Test func spectrumEqualsBooresFormulaInCgsUnits() {
        for r in [10.0, 50.0] {
            let s = source(magnitude: 3.5, distanceKm: r)
            for wave in SyntheticEarthquake.Wave.allCases {
                let vKmS = wave == .p ? 6.0 : 3.5, radiation = wave == .p ? 0.52 : 0.63
                let c = radiation * 2 / (4 * .pi * 2.8 * pow(vKmS, 3) * 1) * 1e-20
                let m0 = pow(10, 1.5 * 3.5 + 16.1), fc = s.cornerFrequencyHz(wave)
                for f in [0.05, 0.3, 1, 3, 10, 30] {
                    let q = 180 * pow(f, 0.45)
                    let displacementCmS = c * m0 / (1 + (f / fc) * (f / fc)) / r * exp(-Double.pi * f * r / (q * vKmS)) * exp(-Double.pi * 0.04 * f)
                    let expected = pow(2 * .pi * f, 2) * displacementCmS * 0.01
                    let got = s.accelerationSpectrum(frequencyHz: f, wave)
                    #expect(abs(got / expected - 1) < 1e-9, "\(wave) at \(f) Hz, \(r) km: \(got) vs \(expected)")
                }
            }
        }
    }

    /// P travels faster, so its path loses less high frequency: from 10 to 100 km the S/P spectral
    /// ratio changes by exp(−π f ΔR (1/β − 1/α) / Q(f)) exactly (the source and spreading terms
    /// cancel) — a fall, steeper at higher frequency.
    @Test func sToPRatioFallsWithDistanceAtHighFrequency() {
        func ratio(_ r: Double, _ f: Double) -> Double {
            let s = source(distanceKm: r)
            return s.accelerationSpectrum(frequencyHz: f, .s) / s.accelerationSpectrum(frequencyHz: f, .p)
        }
        var previous = 1.0
        for f in [0.5, 2, 10, 20] {
            let q = 180 * pow(f, 0.45)
            let expected = exp(-Double.pi * f * 90_000 * (1 / SyntheticEarthquake.vsMs - 1 / SyntheticEarthquake.vpMs) / q)
            let change = ratio(100, f) / ratio(10, f)
            #expect(abs(change / expected - 1) < 1e-9)
            #expect(change < previous)
            previous = change
        }
    }

    /// A wave's first non-zero sample follows its onset sample (whose rise factor is 0), with zeros
    /// before. Its three components carry, summed, the target spectrum: each bin's expected summed
    /// power is (A fs)² (the coherent part on a unit vector plus the scattered parts' shares sum to
    /// 1), its spread at most exponential, so over M bins the mean ratio is within 5/√M of 1, plus
    /// the re-applied rise's loss (< 3 %: it squares the ramp over the first 10 rise times, 0.5 s
    /// here, of a wave several seconds long). The record holds the whole wave (10 min).
    @Test func phaseStartsAtItsOnsetWithTheTargetSpectrum() {
        var rng = SeededGenerator(seed: 4)
        let s = source(magnitude: 4, distanceKm: 20), fs = 100.0, onset = 1234, m = 60_000, n = onset + m
        let wave = s.phase(
            .s, onset: onset, count: n, samplingRateHz: fs, projection: SIMD3(0.6, 0.8, 0), scattered: 0.3, riseSeconds: 0.05, travelSeconds: 5,
            codaQ: 200, instrument: .memsAccelerometer, using: &rng)
        for c in 0..<3 {
            #expect(wave[c][...onset].allSatisfy { $0 == 0 })
        }
        #expect(wave[0][onset + 1] != 0 && wave[2][onset + 1] != 0)
        var sum = 0.0, bins = 0
        for c in 0..<3 {
            let spectrum = FFTPlan(count: m).transform(real: Array(wave[c][onset...]))
            for k in 1..<(m / 2) {
                let f = Double(k) * fs / Double(m)
                guard f >= 0.5, f <= 20 else { continue }
                let target = s.accelerationSpectrum(frequencyHz: f, .s) * fs
                sum += (spectrum.real[k] * spectrum.real[k] + spectrum.imaginary[k] * spectrum.imaginary[k]) / (target * target)
                if c == 0 { bins += 1 }
            }
        }
        let meanRatio = sum / Double(bins)
        #expect(abs(meanRatio - 1) < 5 / Double(bins).squareRoot() + 0.03, "summed |X|² / (A fs)² over 0.5–20 Hz (\(bins) bins): \(meanRatio)")
    }

    /// A record that ends inside a wave cuts it without changing its level: the samples it holds
    /// equal those of a longer record made from the same draws.
    @Test func aShortRecordCutsAWaveWithoutRescalingIt() {
        let s = source(magnitude: 4, distanceKm: 20)
        func wave(_ n: Int) -> [[Double]] {
            var rng = SeededGenerator(seed: 8)
            return s.phase(
                .p, onset: 100, count: n, samplingRateHz: 100, projection: SIMD3(0, 0, 1), scattered: 0.2, riseSeconds: 0.03, travelSeconds: 3,
                codaQ: 150, instrument: .memsAccelerometer, using: &rng)
        }
        let short = wave(400), long = wave(20_000)
        for c in 0..<3 { #expect(short[c] == Array(long[c][..<400])) }
        // Zero rise time and a phase shorter than one sample still give finite motion.
        var rng = SeededGenerator(seed: 1)
        let odd = s.phase(
            .s, onset: 0, count: 50, samplingRateHz: 5, projection: SIMD3(1, 0, 0), scattered: 0.5, riseSeconds: 0, travelSeconds: 0.1,
            codaQ: 100, instrument: .broadbandSeismometer, using: &rng)
        #expect(odd.allSatisfy { $0.allSatisfy(\.isFinite) } && odd[0].contains { $0 != 0 })
    }

    /// Velocity spectra are acceleration spectra over 2πf (amplitude) and (2πf)² (power).
    @Test func seismometersRecordVelocity() {
        let noise = SyntheticNoise(
            longPeriodFraction: 0.5, shortPeriodFraction: 0.5, selfNoiseDensity: 0, instrument: .broadbandSeismometer, trafficPerHour: 0,
            machineryRunning: false, transientsPerHour: 0, spikesPerHour: 0, stepsPerHour: 0)
        for f in [0.1, 1, 10] {
            let a = PetersonNoiseModel.accelerationPSD(frequencyHz: f, fraction: 0.5)
            #expect(abs(noise.ambientPSD(frequencyHz: f) * pow(2 * .pi * f, 2) / a - 1) < 1e-12)
        }
        // The reference RMS is the PSD's integral: white noise of density d over 1–20 Hz gives d √19.
        let white = SyntheticNoise(
            longPeriodFraction: -10, shortPeriodFraction: -10, selfNoiseDensity: 1e-4, instrument: .memsAccelerometer, trafficPerHour: 0,
            machineryRunning: false, transientsPerHour: 0, spikesPerHour: 0, stepsPerHour: 0)
        #expect(abs(white.ambientRMS(fromHz: 1, toHz: 20, nyquistHz: 50) / (1e-4 * 19.0.squareRoot()) - 1) < 1e-6)
    }

    /// Every drawn site's levels lie between the models and an accelerometer's self-noise in its
    /// range (10–40 µg/√Hz); the record's noise carries the site's PSD: over 0.5–45 Hz, the mean
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
                    #expect((10 * 9.81e-6...40 * 9.81e-6).contains(noise.selfNoiseDensity))
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

    /// A synthetic earthquake on a quiet background: quiet before P, loud after; S larger than P
    /// on the horizontals and P mostly vertical. S's spectrum is about (α/β)³ · 0.63/0.52 ≈ 5× P's
    /// below the corners; the radiation draws make the ratio log-normal with σ = 0.5 √2 ≈ 0.71, so
    /// a trial shows S below P with probability about Φ(−ln 5 / 0.71) ≈ 1 %: at least 15 of 20
    /// is a bound such a generator passes but one with S no larger than P would not. P arrives at
    /// sin i ≤ 0.5 here (20–40 km, 2–30 km deep), so the vertical holds ≥ 0.75 of the direct
    /// wave's energy and, with 15–40 % scattered evenly, ≥ 58 % of the whole: above the horizontals'.
    @Test func recordsHaveQuietPreEventNoiseAndStrongerS() {
        var rng = SeededGenerator(seed: 21)
        var sLarger = 0, pVertical = 0
        let trials = 20
        for _ in 0..<trials {
            let r = SyntheticRecord.generate(
                event: true, durationSeconds: 60, magnitude: 4.5, distanceRangeKm: 20...40, instrument: .broadbandSeismometer,
                quietBackground: true, using: &rng)
            let w = r.waveform, fs = w.samplingRateHz
            let p = Int((r.pArrivalSeconds! * fs).rounded()), s = Int((r.sArrivalSeconds! * fs).rounded())
            func rms(_ c: Int, _ range: Range<Int>) -> Double {
                (range.reduce(0) { $0 + w.components[c][$1] * w.components[c][$1] } / Double(range.count)).squareRoot()
            }
            #expect(rms(2, p..<(p + 100)) > 10 * rms(2, (p - 200)..<(p - 10)))
            let horizontalS = rms(0, s..<(s + 200)) + rms(1, s..<(s + 200)), horizontalP = rms(0, p..<min(s, p + 200)) + rms(1, p..<min(s, p + 200))
            if horizontalS > horizontalP { sLarger += 1 }
            let z = rms(2, p..<min(s, p + 200)), e = rms(0, p..<min(s, p + 200)), nn = rms(1, p..<min(s, p + 200))
            if z * z > e * e + nn * nn { pVertical += 1 }
        }
        #expect(sLarger >= 15, "S larger than P on the horizontals in \(sLarger) of \(trials)")
        #expect(pVertical >= 15, "P's vertical energy above the horizontals' in \(pVertical) of \(trials)")
    }

    /// P arrives from below: its first motion goes up and away from the epicentre (or down and
    /// towards it), so the vertical and the horizontal component pointing away from the epicentre
    /// (opposite the back azimuth the header states) move together. The direct wave carries 60–85 %
    /// of the energy coherently, so their correlation over the first 0.5 s of P is positive; the
    /// scattered rest can flip a record now and then, hence "at least 15 of 20".
    @Test func pMovesUpAndAwayFromTheEpicentre() {
        var rng = SeededGenerator(seed: 31)
        var agree = 0
        for _ in 0..<20 {
            let r = SyntheticRecord.generate(
                event: true, durationSeconds: 60, magnitude: 4, distanceRangeKm: 20...60, instrument: .broadbandSeismometer,
                quietBackground: true, using: &rng)
            let w = r.waveform, p = Int((r.pArrivalSeconds! * w.samplingRateHz).rounded())
            let baz = r.backAzimuthDegrees! * .pi / 180
            var product = 0.0
            for i in p..<(p + 50) {
                let away = -sin(baz) * w.components[0][i] - cos(baz) * w.components[1][i]
                product += away * w.components[2][i]
            }
            if product > 0 { agree += 1 }
            // The header's epicentre lies in the back azimuth's direction.
            let e = r.eventCoordinates!
            let g = Geodesic.distance(
                latitude1: SyntheticRecord.stationLatitude, longitude1: SyntheticRecord.stationLongitude, latitude2: e.latitude, longitude2: e.longitude)
            #expect(abs(g.meters / 1000 - r.distanceKm) < 0.001)
            #expect(abs(remainder(g.azimuth - r.backAzimuthDegrees!, 360)) < 0.001)
        }
        #expect(agree >= 15, "vertical and away-from-epicentre motion agree in \(agree) of 20")
    }

    /// The mini STEAD is made in parallel from one generator per trace: one worker and two write
    /// the same catalogue and the same samples.
    @Test func miniSTEADIsTheSameWithOneOrTwoWorkers() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("stead-workers-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        for workers in [1, 2] {
            try Parallel.withWorkers(workers) { try SyntheticCorpus.writeSTEAD(folder: "\(base)/\(workers)", earthquakes: 5, noise: 3, seed: 11) }
        }
        let csv1 = try String(contentsOfFile: base + "/1/merged.csv", encoding: .utf8),
            csv2 = try String(contentsOfFile: base + "/2/merged.csv", encoding: .utf8)
        #expect(csv1 == csv2)
        let a = try HDF5File(readingAt: base + "/1/merged.hdf5"), b = try HDF5File(readingAt: base + "/2/merged.hdf5")
        let table = try CSVTable(contentsOf: base + "/1/merged.csv")
        let names = table.rows.indices.compactMap { table.value($0, "trace_name") }
        #expect(names.count == 8)
        for name in names { #expect(try a.readFloats("data/\(name)").values == b.readFloats("data/\(name)").values) }
    }
}
