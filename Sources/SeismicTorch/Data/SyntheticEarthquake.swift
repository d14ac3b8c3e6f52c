// SyntheticEarthquake: P and S waves of a local earthquake from a point source — Brune's ω² source
// spectrum, geometric spreading, anelastic attenuation, near-surface κ — made into time series by
// Boore's stochastic method, with a scattered coda.

import Foundation
import SeismicNN
import SeismicSignal

/// A point-source earthquake seen at one station: the Fourier amplitude spectra of its P and S
/// waves (Boore 2003, "Simulation of ground motion using the stochastic method") and the shape of
/// their envelopes. SI units throughout: moment N·m, distance km (as the travel-time tables), the
/// spectra in m/s² · s (acceleration).
///
/// Spectrum of a wave of speed v (P: α, S: β) at hypocentral distance R:
/// `A(f) = C · M0 · (2πf)² / (1 + (f/fc)²) · G(R) · exp(−π f R / (Q(f) v)) · exp(−π κ f)` with
/// `C = Rθφ · V · F / (4π ρ v³)` (radiation Rθφ, partition V = 1/√2 for S, 1 for P, free surface
/// F = 2), Brune's corner frequency `fc = 0.4906 β (Δσ / M0)^(1/3)` (β in m/s, Δσ in Pa; P's
/// corner 1.5× S's, as observed), `G(R)` 1/R to 70 km, flat to 130 km, then R^−0.5 (Boore's
/// trilinear spreading), and `Q(f) = Q0 f^η` for both waves — so P, whose path time is shorter,
/// loses less high frequency: the S/P ratio falls with distance at high frequencies.
public struct SyntheticEarthquake: Sendable {
    public var magnitude: Double
    /// Hypocentral distance, km.
    public var distanceKm: Double
    /// Brune stress drop, MPa.
    public var stressDropMPa: Double
    /// Site attenuation κ0, s.
    public var kappa: Double
    public var q0: Double, qExponent: Double
    /// Radiation factors of this source–station pair (the focal mechanism's average is 0.52 for P
    /// and 0.63 for S; here each is that times a log-normal draw).
    public var radiationP: Double, radiationS: Double

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

    public static let densityKgM3 = 2800.0
    public static let vpMs = 6000.0, vsMs = 3500.0

    /// One draw for a station at `distanceKm` (hypocentral) from a source of `magnitude`: stress
    /// drop log-uniform 1–10 MPa, κ0 log-uniform 0.005–0.06 s (hard rock and boreholes to soil), Q0 U(100, 300) with η U(0.3, 0.7), radiation
    /// factors the average × exp(N(0, 0.5)).
    public static func draw(magnitude: Double, distanceKm: Double, using rng: inout SeededGenerator) -> SyntheticEarthquake {
        func uniform(_ a: Double, _ b: Double) -> Double { a + (b - a) * Double(rng.nextUnitFloat()) }
        return SyntheticEarthquake(
            magnitude: magnitude, distanceKm: distanceKm, stressDropMPa: exp(uniform(log(1), log(10))), kappa: exp(uniform(log(0.005), log(0.06))),
            q0: uniform(100, 300), qExponent: uniform(0.3, 0.7),
            radiationP: 0.52 * exp(0.5 * rng.gaussianSamples(1)[0]), radiationS: 0.63 * exp(0.5 * rng.gaussianSamples(1)[0]))
    }

    /// Seismic moment, N·m (Hanks & Kanamori: log10 M0 = 1.5 Mw + 9.1).
    public var momentNm: Double { pow(10, 1.5 * magnitude + 9.1) }

    /// Corner frequency of S (or P: 1.5× S), Hz.
    public func cornerFrequencyHz(p: Bool) -> Double {
        let s = 0.4906 * Self.vsMs * pow(stressDropMPa * 1e6 / momentNm, 1.0 / 3)
        return p ? 1.5 * s : s
    }

    /// Geometric spreading at `distanceKm` (1/R with R in metres up to 70 km).
    public var spreading: Double {
        let r = distanceKm
        let at70 = 1 / 70_000.0
        if r <= 70 { return 1 / (max(r, 1) * 1000) }
        if r <= 130 { return at70 }
        return at70 * (130 / r).squareRoot()
    }

    /// Fourier amplitude of the acceleration of the P (or S) wave at `frequencyHz`, m/s² · s.
    public func accelerationSpectrum(frequencyHz f: Double, p: Bool) -> Double {
        let v = p ? Self.vpMs : Self.vsMs
        let c = (p ? radiationP : radiationS * 0.5.squareRoot()) * 2 / (4 * .pi * Self.densityKgM3 * v * v * v)
        let fc = cornerFrequencyHz(p: p)
        let w = 2 * Double.pi * f
        let source = c * momentNm * w * w / (1 + (f / fc) * (f / fc))
        let q = q0 * pow(max(f, 0.01), qExponent)
        let path = spreading * exp(-Double.pi * f * distanceKm * 1000 / (q * v))
        return source * path * exp(-Double.pi * kappa * f)
    }

    /// Duration of the direct wave, s: the source's (1/fc) plus the path's (0.05 s per km,
    /// Boore's average for western North America).
    public func directDurationSeconds(p: Bool) -> Double { 1 / cornerFrequencyHz(p: p) + 0.05 * distanceKm }

    /// The envelope of a phase at `t` seconds after its onset: a rise over `riseSeconds`
    /// (1 − e^(−t/rise)), a slow decay over the direct wave, then a single-scattering coda decaying
    /// as (T/t) · e^(−π f0 (t − T) / Qc) (Aki & Chouet 1975; f0 = 3 Hz).
    public static func envelope(at t: Double, riseSeconds: Double, directSeconds: Double, codaQ: Double) -> Double {
        guard t >= 0 else { return 0 }
        let rise = 1 - exp(-t / riseSeconds)
        if t <= directSeconds { return rise * exp(-0.5 * t / directSeconds) }
        let atEnd = (1 - exp(-directSeconds / riseSeconds)) * exp(-0.5)
        return atEnd * (directSeconds / t) * exp(-Double.pi * 3 * (t - directSeconds) / codaQ)
    }

    /// Three components (E, N, Z) of the P (or S) wave in the instrument's quantity, `count`
    /// samples at `samplingRateHz`, starting at sample `onset` (zero before).
    /// Each component is the direct wave projected on it (`projection`, unit length) plus an
    /// independent scattered part carrying `scattered` of the energy (0…1).
    public func phase(
        p: Bool, onset: Int, count n: Int, samplingRateHz fs: Double, projection: [Double], scattered: Double, riseSeconds: Double,
        codaQ: Double, instrument: SyntheticInstrument, using rng: inout SeededGenerator
    ) -> [[Double]] {
        var out = [[Double]](repeating: [Double](repeating: 0, count: n), count: 3)
        guard onset < n, onset >= 0 else { return out }
        let direct = directDurationSeconds(p: p)
        // The phase's span: until the envelope falls below 1e-3 of its peak, or the record ends.
        var length = n - onset
        for i in stride(from: Int(direct * fs), to: n - onset, by: max(1, Int(fs))) {
            if Self.envelope(at: Double(i) / fs, riseSeconds: riseSeconds, directSeconds: direct, codaQ: codaQ) < 1e-3 {
                length = i
                break
            }
        }
        // Made at a length KissFFT transforms fast; the first `length` samples are used.
        let envelope = (0..<FFTPlan.fastLength(atLeast: length)).map {
            Self.envelope(at: Double($0) / fs, riseSeconds: riseSeconds, directSeconds: direct, codaQ: codaQ)
        }
        // One coherent series (the direct wave) and one scattered series per component.
        let windowed = (0..<4).map { _ in zip(envelope, rng.gaussianSamples(envelope.count)).map { $0 * $1 } }
        let shaped = SpectralShaping.matchingAmplitudeSpectrum(windowed, samplingRateHz: fs) { f in
            instrument.fromAcceleration(accelerationSpectrum(frequencyHz: f, p: p), frequencyHz: f, power: false)
        }
        // The shaping is zero-phase and circular, so it blurs the onset: the rise is applied again
        // to keep the onset as abrupt as the envelope's.
        let series = shaped.map { x in
            x.enumerated().map { i, v in
                let t = Double(i) / fs
                return t < 4 * riseSeconds ? v * (1 - exp(-t / riseSeconds)) : v
            }
        }
        let coherent = series[0]
        let share = min(max(scattered, 0), 1)
        for c in 0..<3 {
            let own = series[c + 1]
            for i in 0..<length {
                out[c][onset + i] = (1 - share).squareRoot() * projection[c] * coherent[i] + (share / 3).squareRoot() * own[i]
            }
        }
        return out
    }
}
