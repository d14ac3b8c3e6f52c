// SyntheticNoise: the background of a synthetic record — ambient ground noise between Peterson's
// low and high noise models, the instrument's self-noise, cultural noise, transients, spikes, steps.

import Foundation
import SeismicNN
import SeismicSignal

/// How noisy a synthetic site and instrument are, drawn once per record (`draw`); `generate`
/// writes the noise. Ambient noise is Gaussian with an acceleration PSD between Peterson's models
/// (`PetersonNoiseModel.accelerationPSD(fraction:)`), at one level for periods above 2 s (the
/// microseism peak: oceans and storms) and another below 0.5 s (wind and people), log-linearly
/// joined; a MEMS accelerometer adds its white self-noise. On top, what real
/// records show between earthquakes: passing traffic (emergent 2–20 Hz bursts of 5–40 s),
/// machinery (a line at 5–30 Hz with two harmonics), impulsive transients (footsteps, doors:
/// 0.05–0.5 s decaying bursts at 5–40 Hz that start as abruptly as a P wave), single-sample spikes
/// and, for accelerometers, offset steps. Each component is an independent draw.
public struct SyntheticNoise: Sendable {
    /// Where the ambient noise lies between the low (0) and high (1) noise model, in dB, at
    /// periods above 2 s (`longPeriodFraction`) and below 0.5 s (`shortPeriodFraction`).
    public var longPeriodFraction: Double, shortPeriodFraction: Double
    /// The instrument's white self-noise, m/s²/√Hz (0 for a broadband seismometer).
    public var selfNoiseDensity: Double
    public var instrument: SyntheticInstrument
    /// Traffic passes, impulsive transients, spikes and steps per hour; whether machinery runs.
    public var trafficPerHour: Double, machineryRunning: Bool, transientsPerHour: Double
    public var spikesPerHour: Double, stepsPerHour: Double

    public init(
        longPeriodFraction: Double, shortPeriodFraction: Double, selfNoiseDensity: Double, instrument: SyntheticInstrument, trafficPerHour: Double,
        machineryRunning: Bool, transientsPerHour: Double, spikesPerHour: Double, stepsPerHour: Double
    ) {
        self.longPeriodFraction = longPeriodFraction
        self.shortPeriodFraction = shortPeriodFraction
        self.selfNoiseDensity = selfNoiseDensity
        self.instrument = instrument
        self.trafficPerHour = trafficPerHour
        self.machineryRunning = machineryRunning
        self.transientsPerHour = transientsPerHour
        self.spikesPerHour = spikesPerHour
        self.stepsPerHour = stepsPerHour
    }

    /// One site's noise, drawn: the long-period fraction U(0.1, 0.7); the short-period one U(0.2, 0.9)
    /// for a broadband seismometer (permanent stations stand at quieter sites), U(0.4, 1) for a MEMS
    /// accelerometer (in towns and buildings); MEMS self-noise log-uniform in 10–40 µg/√Hz
    /// (around ADXL355-class boards' 22.5 µg/√Hz: 0.07–0.28 gal RMS to 50 Hz, so its peaks, about
    /// 5 RMS over a 480 s record, stay below the 2 gal PGA a MEMS network triggers at); traffic 0–40 passes, transients 0–60 and spikes 0–2 per hour; machinery
    /// running in 30 % of records; steps (accelerometers) 0–2 per hour. `quiet` draws no cultural
    /// noise, transients, spikes or steps (records whose background must be the ambient noise only).
    public static func draw(instrument: SyntheticInstrument, quiet: Bool = false, using rng: inout SeededGenerator) -> SyntheticNoise {
        func uniform(_ a: Double, _ b: Double) -> Double { rng.uniform(a, b) }
        let g = 9.81e-6  // 1 µg in m/s²
        let selfNoise = instrument == .memsAccelerometer ? g * exp(uniform(log(10), log(40))) : 0
        let long = uniform(0.1, 0.7), short = instrument == .memsAccelerometer ? uniform(0.4, 1) : uniform(0.2, 0.9)
        guard !quiet else {
            return SyntheticNoise(
                longPeriodFraction: long, shortPeriodFraction: short, selfNoiseDensity: selfNoise, instrument: instrument, trafficPerHour: 0,
                machineryRunning: false,
                transientsPerHour: 0, spikesPerHour: 0, stepsPerHour: 0)
        }
        return SyntheticNoise(
            longPeriodFraction: long, shortPeriodFraction: short, selfNoiseDensity: selfNoise, instrument: instrument, trafficPerHour: uniform(0, 40),
            machineryRunning: uniform(0, 1) < 0.3, transientsPerHour: uniform(0, 60), spikesPerHour: uniform(0, 2),
            stepsPerHour: instrument == .memsAccelerometer ? uniform(0, 2) : 0)
    }

    /// The ambient noise's one-sided PSD at `frequencyHz` (> 0) in the instrument's quantity:
    /// (m/s²)²/Hz for acceleration (ground noise plus self-noise), (m/s)²/Hz for velocity.
    public func ambientPSD(frequencyHz f: Double) -> Double {
        let ground = PetersonNoiseModel.accelerationPSD(frequencyHz: f, fraction: fraction(atFrequencyHz: f))
        return instrument.fromAcceleration(ground + selfNoiseDensity * selfNoiseDensity, frequencyHz: f, power: true)
    }

    /// The fraction between the models at `frequencyHz`: `longPeriodFraction` up to 0.5 Hz,
    /// `shortPeriodFraction` from 2 Hz, linear in log frequency between.
    public func fraction(atFrequencyHz f: Double) -> Double {
        let x = min(max((log2(f) + 1) / 2, 0), 1)  // 0 at 0.5 Hz, 1 at 2 Hz
        return longPeriodFraction + x * (shortPeriodFraction - longPeriodFraction)
    }

    /// The RMS of the ambient noise between `lowHz` and `highHz` (clipped to the Nyquist
    /// frequency `nyquistHz`): √∫ PSD df, by the trapezoid rule on a logarithmic grid of 200 points.
    public func ambientRMS(fromHz lowHz: Double, toHz highHz: Double, nyquistHz: Double) -> Double {
        let a = lowHz, b = min(highHz, nyquistHz)
        guard a > 0, b > a else { return 0 }
        let steps = 200
        var sum = 0.0, previous = (f: a, p: ambientPSD(frequencyHz: a))
        for k in 1...steps {
            let f = a * pow(b / a, Double(k) / Double(steps)), p = ambientPSD(frequencyHz: f)
            sum += 0.5 * (p + previous.p) * (f - previous.f)
            previous = (f, p)
        }
        return sum.squareRoot()
    }

    /// The band the additions' amplitudes are measured against: 1–20 Hz, where cultural noise
    /// and onsets live (not the full band, which long-period noise dominates on a seismometer).
    public static let referenceBandHz: ClosedRange<Double> = 1...20

    /// Three components of `count` samples at `samplingRateHz`: the ambient noise plus the
    /// cultural noise, transients, spikes and steps this site has (their number by the record's
    /// length, a Poisson draw). Amplitudes of the additions are relative to the ambient noise's
    /// RMS in `referenceBandHz`; their frequencies stay below 0.45 × the sampling rate.
    public func generate(count n: Int, samplingRateHz fs: Double, using rng: inout SeededGenerator) -> [[Double]] {
        func uniform(_ a: Double, _ b: Double) -> Double { rng.uniform(a, b) }
        func poisson(_ mean: Double) -> Int {
            // Knuth's method, for the small means here (a few per record); capped at 1000.
            let limit = exp(-min(mean, 700))
            var k = 0, p = Double(rng.nextUnitFloat())
            while p > limit && k < 1000 { k += 1; p *= Double(rng.nextUnitFloat()) }
            return k
        }
        // Made at a length KissFFT transforms fast (a few samples more), then cut to `count`.
        let padded = FFTPlan.fastLength(atLeast: n)
        let white = (0..<3).map { _ in rng.gaussianSamples(padded) }
        var components = SpectralShaping.colouredNoise(white: white, samplingRateHz: fs) { ambientPSD(frequencyHz: $0) }.map { Array($0.prefix(n)) }
        guard n > 1 else { return components }
        let nyquist = fs / 2, top = 0.45 * fs
        let rms = ambientRMS(fromHz: Self.referenceBandHz.lowerBound, toHz: Self.referenceBandHz.upperBound, nyquistHz: nyquist)
        let hours = Double(n) / fs / 3600
        let dt = 1 / fs
        // Passing traffic: emergent (sin²) 2–20 Hz bursts, strongest on the vertical, the engine's
        // frequency wandering by ±30 % at 0.7 Hz (the phase is the frequency's integral).
        for _ in 0..<poisson(trafficPerHour * hours) where top > 2 {
            let length = Int(uniform(5, 40) * fs), start = Int(uniform(-0.2, 1) * Double(n))
            let f = uniform(2, min(20, top / 1.3)), amplitude = rms * exp(uniform(log(1.5), log(20)))
            let phases = (0..<3).map { _ in uniform(0, 2 * .pi) }
            let span = max(start, 0)..<max(start, min(start + length, n), 0)
            let wander = 0.3 / (2 * Double.pi * 0.7)
            for i in span {
                let x = Double(i - start) / Double(length), env = pow(sin(.pi * x), 2)
                let t = Double(i) * dt
                let phase = 2 * Double.pi * f * (t - wander * cos(2 * .pi * 0.7 * t))
                for c in 0..<3 { components[c][i] += amplitude * env * (c == 2 ? 1 : 0.7) * sin(phase + phases[c]) }
            }
        }
        // Machinery: a line and two harmonics over part of the record.
        if machineryRunning, top > 5 {
            let f = uniform(5, min(30, top)), amplitude = rms * uniform(0.5, 4)
            let start = Int(uniform(0, 0.7) * Double(n)), end = min(n, start + Int(uniform(0.3, 1) * Double(n)))
            let phases = (0..<9).map { _ in uniform(0, 2 * .pi) }
            for i in start..<end {
                let t = Double(i) * dt
                for c in 0..<3 {
                    var s = 0.0
                    for h in 1...3 where Double(h) * f < top { s += sin(2 * .pi * Double(h) * f * t + phases[c * 3 + h - 1]) / Double(h) }
                    components[c][i] += amplitude * s
                }
            }
        }
        // Impulsive transients: an abrupt onset, a decaying ring at 5–40 Hz.
        for _ in 0..<poisson(transientsPerHour * hours) where top > 5 {
            let start = Int(uniform(0, 1) * Double(n)), f = uniform(5, min(40, top)), decay = uniform(0.05, 0.5)
            let amplitude = rms * exp(uniform(log(3), log(30)))
            let weights = (0..<3).map { _ in uniform(0.2, 1) }
            for i in start..<min(n, start + Int(5 * decay * fs) + 1) {
                let t = Double(i - start) * dt
                for c in 0..<3 { components[c][i] += amplitude * weights[c] * exp(-t / decay) * sin(2 * .pi * f * t) }
            }
        }
        // Spikes: one sample on one component, 10–100× the reference RMS.
        for _ in 0..<poisson(spikesPerHour * hours) {
            let i = min(n - 1, Int(uniform(0, 1) * Double(n))), c = min(2, Int(uniform(0, 3)))
            components[c][i] += rms * exp(uniform(log(10), log(100))) * (uniform(0, 1) < 0.5 ? -1 : 1)
        }
        // Offset steps of an accelerometer (a tilt or an electronic jump) on one component.
        for _ in 0..<poisson(stepsPerHour * hours) {
            let at = Int(uniform(0, 1) * Double(n)), c = min(2, Int(uniform(0, 3)))
            let size = rms * exp(uniform(log(5), log(50))) * (uniform(0, 1) < 0.5 ? -1 : 1)
            for i in at..<n { components[c][i] += size }
        }
        return components
    }
}
