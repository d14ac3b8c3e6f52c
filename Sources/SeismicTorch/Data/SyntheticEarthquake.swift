// SyntheticEarthquake: P and S waves of a local earthquake from a point source — Brune's ω² source
// spectrum, geometric spreading, anelastic attenuation, near-surface κ — made into time series by
// Boore's stochastic method, with a scattered coda.

import Foundation
import SeismicNN
import SeismicSignal

/// A point-source earthquake seen at one station: the Fourier amplitude spectra of its P and S
/// waves (Boore 2003, "Simulation of ground motion using the stochastic method") and the shape of
/// their envelopes. SI units but for the distance, in km as the travel-time tables give it: moment
/// N·m, density kg/m³, speeds m/s, the spectra in m/s² · s (acceleration).
///
/// Spectrum of a wave of speed v (P: α, S: β) at hypocentral distance R:
/// `A(f) = C · M0 · (2πf)² / (1 + (f/fc)²) · G(R) · exp(−π f R / (Q(f) v)) · exp(−π κ f)` with
/// `C = Rθφ · F / (4π ρ v³)` (radiation Rθφ, free surface F = 2; no partition factor: the whole
/// wave is projected onto a unit polarisation vector, where Boore's V = 1/√2 puts S on one
/// horizontal component), Brune's corner frequency `fc = 0.4906 β (Δσ / M0)^(1/3)` (β in m/s, Δσ
/// in Pa; P's corner 1.5× S's, as observed), `G(R)` 1/R to 70 km, flat to 130 km, then R^−0.5
/// (the trilinear form of Atkinson & Boore 1995), and `Q(f) = Q0 f^η` for both waves (a
/// simplification: observed Qp is often lower) — so P, whose path time is shorter, loses less high
/// frequency: the S/P ratio falls with distance at high frequencies.
public struct SyntheticEarthquake: Sendable {
    /// A body wave.
    public enum Wave: Sendable, CaseIterable { case p, s }

    /// Moment magnitude Mw.
    public var magnitude: Double
    /// Hypocentral distance, km.
    public var distanceKm: Double
    /// Brune stress drop, MPa.
    public var stressDropMPa: Double
    /// Site attenuation κ0, s.
    public var kappa: Double
    /// Quality factor at 1 Hz and its frequency exponent: Q(f) = q0 · f^qExponent.
    public var q0: Double, qExponent: Double
    /// Radiation factors of this source–station pair (the focal mechanism's average is 0.52 for P
    /// and 0.63 for S; here each is that times a log-normal draw).
    public var radiationP: Double, radiationS: Double

    /// Every parameter as stated on its property.
    public init(
        magnitude: Double, distanceKm: Double, stressDropMPa: Double, kappa: Double, q0: Double, qExponent: Double, radiationP: Double,
        radiationS: Double
    ) {
        self.magnitude = magnitude
        self.distanceKm = distanceKm
        self.stressDropMPa = stressDropMPa
        self.kappa = kappa
        self.q0 = q0
        self.qExponent = qExponent
        self.radiationP = radiationP
        self.radiationS = radiationS
    }

    /// Crustal density at the source, kg/m³.
    public static let densityKgM3 = 2800.0
    /// P and S speeds at the source, m/s.
    public static let vpMs = 6000.0, vsMs = 3500.0
    /// The frequency the coda's decay is stated at, Hz (Qc is the coda Q there).
    public static let codaFrequencyHz = 3.0

    /// One draw for a station at `distanceKm` (hypocentral) from a source of `magnitude`: stress
    /// drop log-uniform 1–10 MPa, κ0 log-uniform 0.005–0.06 s (hard rock and boreholes to soil),
    /// Q0 U(100, 300) with η U(0.3, 0.7), radiation factors the average × exp(N(0, 0.5)).
    public static func draw(magnitude: Double, distanceKm: Double, using rng: inout SeededGenerator) -> SyntheticEarthquake {
        SyntheticEarthquake(
            magnitude: magnitude, distanceKm: distanceKm, stressDropMPa: exp(rng.uniform(log(1), log(10))),
            kappa: exp(rng.uniform(log(0.005), log(0.06))), q0: rng.uniform(100, 300), qExponent: rng.uniform(0.3, 0.7),
            radiationP: 0.52 * exp(0.5 * rng.gaussian()), radiationS: 0.63 * exp(0.5 * rng.gaussian()))
    }

    /// Seismic moment, N·m (Hanks & Kanamori: log10 M0 = 1.5 Mw + 9.1).
    public var momentNm: Double { pow(10, 1.5 * magnitude + 9.1) }

    /// The wave's speed, m/s.
    public static func speed(_ wave: Wave) -> Double { wave == .p ? vpMs : vsMs }

    /// Corner frequency of S (P: 1.5× S's), Hz.
    public func cornerFrequencyHz(_ wave: Wave) -> Double {
        let s = 0.4906 * Self.vsMs * pow(stressDropMPa * 1e6 / momentNm, 1.0 / 3)
        return wave == .p ? 1.5 * s : s
    }

    /// Geometric spreading at `distanceKm`, 1/m (1/R with R in metres up to 70 km).
    public var spreading: Double {
        let r = distanceKm
        let at70 = 1 / 70_000.0
        if r <= 70 { return 1 / (max(r, 1) * 1000) }
        if r <= 130 { return at70 }
        return at70 * (130 / r).squareRoot()
    }

    /// Fourier amplitude of the wave's acceleration at `frequencyHz`, m/s² · s.
    public func accelerationSpectrum(frequencyHz f: Double, _ wave: Wave) -> Double {
        let v = Self.speed(wave)
        let c = (wave == .p ? radiationP : radiationS) * 2 / (4 * .pi * Self.densityKgM3 * v * v * v)
        let fc = cornerFrequencyHz(wave)
        let w = 2 * Double.pi * f
        let source = c * momentNm * w * w / (1 + (f / fc) * (f / fc))
        let q = q0 * pow(max(f, 0.01), qExponent)
        let path = spreading * exp(-Double.pi * f * distanceKm * 1000 / (q * v))
        return source * path * exp(-Double.pi * kappa * f)
    }

    /// Duration of the direct wave, s: the source's (1/fc) plus the path's (0.05 s per km, a
    /// common choice of the stochastic method for local distances).
    public func directDurationSeconds(_ wave: Wave) -> Double { 1 / cornerFrequencyHz(wave) + 0.05 * distanceKm }

    /// The envelope of a wave `t` seconds after its onset, which comes `travelSeconds` after the
    /// origin: a rise over `riseSeconds` (1 − e^(−t/rise)) and a slow decay over the direct wave
    /// (T = `directSeconds`), then a single-scattering coda decaying with lapse time (since the
    /// origin) as (t_T / t_l) · e^(−π f0 (t − T) / Qc) (Aki & Chouet 1975; f0 = `codaFrequencyHz`),
    /// continuous at T. `riseSeconds` below 1 ms counts as 1 ms.
    public static func envelope(at t: Double, riseSeconds: Double, directSeconds: Double, travelSeconds: Double, codaQ: Double) -> Double {
        guard t >= 0 else { return 0 }
        let rise = max(riseSeconds, 0.001)
        if t <= directSeconds { return (1 - exp(-t / rise)) * exp(-0.5 * t / directSeconds) }
        let atEnd = (1 - exp(-directSeconds / rise)) * exp(-0.5)
        let lapse = (travelSeconds + directSeconds) / (travelSeconds + t)
        return atEnd * lapse * exp(-Double.pi * codaFrequencyHz * (t - directSeconds) / codaQ)
    }

    /// The longest a wave's envelope is followed, s: beyond it the coda is below 1e-3 of the
    /// direct wave or the record has long ended.
    public static let longestPhaseSeconds = 600.0

    /// Three components (E, N, Z) of the wave in the instrument's quantity, `count` samples at
    /// `samplingRateHz`, starting at sample `onset` (zero before; nothing when `onset` is outside
    /// the record). The wave is made over its own span (until its envelope falls below 1e-3, at
    /// most `longestPhaseSeconds`), whatever part of it the record holds, so a record that ends
    /// early cuts the wave without changing its level. Each component is the direct wave projected
    /// on it (`projection`, normalised to unit length; zero gives no direct wave) plus an
    /// independent scattered part carrying `scattered` of the energy (0…1). `travelSeconds` is the
    /// onset's time after the origin (the coda decays with lapse time).
    public func phase(
        _ wave: Wave, onset: Int, count n: Int, samplingRateHz fs: Double, projection: SIMD3<Double>, scattered: Double, riseSeconds: Double,
        travelSeconds: Double, codaQ: Double, instrument: SyntheticInstrument, using rng: inout SeededGenerator
    ) -> [[Double]] {
        var out = [[Double]](repeating: [Double](repeating: 0, count: n), count: 3)
        guard onset < n, onset >= 0, fs > 0 else { return out }
        let direct = directDurationSeconds(wave), rise = max(riseSeconds, 0.001)
        func envelope(_ i: Int) -> Double {
            Self.envelope(at: Double(i) / fs, riseSeconds: rise, directSeconds: direct, travelSeconds: travelSeconds, codaQ: codaQ)
        }
        // The wave's span: from the end of the direct wave on, until the envelope falls below 1e-3.
        let longest = max(2, Int(Self.longestPhaseSeconds * fs))
        var length = longest
        for i in stride(from: max(1, Int(direct * fs)), to: longest, by: max(1, Int(fs))) where envelope(i) < 1e-3 {
            length = i
            break
        }
        // Made at a length KissFFT transforms fast; the first `length` samples are used.
        let shape = (0..<FFTPlan.fastLength(atLeast: length)).map(envelope)
        // One coherent series (the direct wave) and one scattered series per component.
        let windowed = (0..<4).map { _ in zip(shape, rng.gaussianSamples(shape.count)).map { $0 * $1 } }
        let shaped = SpectralShaping.matchingAmplitudeSpectrum(windowed, samplingRateHz: fs) { f in
            instrument.fromAcceleration(accelerationSpectrum(frequencyHz: f, wave), frequencyHz: f, power: false)
        }
        // The shaping is zero-phase and circular, so it blurs the onset: the rise is applied again
        // (to 10 rise times, where it is within 5e-5 of 1) to keep the onset as abrupt as the envelope's.
        let ramp = min(length, Int(10 * rise * fs) + 1)
        let norm = (projection * projection).sum().squareRoot()
        let unit = norm > 0 ? projection / norm : .zero
        let share = min(max(scattered, 0), 1)
        let coherentWeight = (1 - share).squareRoot(), scatteredWeight = (share / 3).squareRoot()
        for c in 0..<3 {
            for i in 0..<min(length, n - onset) {
                let onsetFactor = i < ramp ? 1 - exp(-Double(i) / fs / rise) : 1
                out[c][onset + i] = onsetFactor * (coherentWeight * unit[c] * shaped[0][i] + scatteredWeight * shaped[c + 1][i])
            }
        }
        return out
    }
}
