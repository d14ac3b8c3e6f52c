// SyntheticRecord: realistic-looking three-component accelerograms with known P and S arrivals.

import Foundation
import SeismicIO
import SeismicNN
import SeismicSignal

/// A synthetic local earthquake (or noise-only) record: coloured background noise, a P phase
/// strongest on the vertical, an S phase 2–4× larger and strongest on the horizontals, and a
/// decaying coda. Arrivals follow a constant-velocity crust (6 and 3.5 km/s). Units m/s².
public struct SyntheticRecord: Sendable {
    public var waveform: Waveform
    /// Seconds after the first sample; nil for noise-only records.
    public var pArrivalSeconds: Double?
    public var sArrivalSeconds: Double?
    public var distanceKm: Double
    public var depthKm: Double
    /// Origin time of the event, seconds after the first sample (SAC B = −origin).
    public var originSeconds: Double = 0

    /// What a synthetic record contains.
    public enum Kind: String, Sendable, CaseIterable {
        case earthquake, activeSource = "active-source", noise
    }

    /// A record of `kind`: earthquakes as `generate(event:)` with a magnitude-dependent amplitude and
    /// coda; active sources as one or a few short high-frequency shots with no S phase; noise as
    /// MEMS self-noise plus band-limited cultural noise, occasional spikes and data gaps.
    public static func generate(
        kind: Kind, durationSeconds: Double = 480, samplingRateHz: Double = 100,
        travelTimes: TravelTimeCalculator = TravelTimeCalculator(),
        using rng: inout SeededGenerator
    ) -> SyntheticRecord {
        func uniform(_ a: Double, _ b: Double) -> Double { a + (b - a) * Double(rng.nextUnitFloat()) }
        switch kind {
        case .earthquake:
            // Records that triggered a MEMS station: moderate local events, mostly above 2 gal.
            return generate(
                event: true, durationSeconds: durationSeconds, samplingRateHz: samplingRateHz,
                travelTimes: travelTimes, magnitude: uniform(3.2, 5.5), using: &rng)
        case .noise:
            var r = generate(
                event: false, durationSeconds: durationSeconds, samplingRateHz: samplingRateHz,
                travelTimes: travelTimes, using: &rng)
            let n = r.waveform.sampleCount, dt = 1 / samplingRateHz
            // Cultural noise: a few band-limited (5–20 Hz) bursts of traffic or machinery.
            for _ in 0..<Int(uniform(1, 5)) {
                let start = Int(uniform(0, Double(n) * 0.9)), length = Int(uniform(2, 30) * samplingRateHz)
                let f = uniform(5, 20), amp = uniform(2e-4, 3e-3)
                for i in start..<min(start + length, n) {
                    let t = Double(i - start) * dt
                    let env = sin(Double.pi * Double(i - start) / Double(length))
                    for c in 0..<3 { r.waveform.components[c][i] += amp * env * sin(2 * .pi * f * t + Double(c)) }
                }
            }
            // Spikes (single-sample glitches) and a data gap (zeros) now and then.
            for _ in 0..<Int(uniform(0, 4)) {
                let i = Int(uniform(0, Double(n - 1)))
                r.waveform.components[Int(uniform(0, 2.99))][i] += uniform(-1, 1) * 0.02
            }
            if uniform(0, 1) < 0.3 {
                let start = Int(uniform(0, Double(n) * 0.9)), length = Int(uniform(0.5, 5) * samplingRateHz)
                for c in 0..<3 { for i in start..<min(start + length, n) { r.waveform.components[c][i] = 0 } }
            }
            return r
        case .activeSource:
            var r = generate(
                event: false, durationSeconds: durationSeconds, samplingRateHz: samplingRateHz,
                travelTimes: travelTimes, using: &rng)
            let n = r.waveform.sampleCount, dt = 1 / samplingRateHz
            let shots = uniform(0, 1) < 0.5 ? 1 : Int(uniform(2, 6))
            let first = uniform(20, durationSeconds * 0.5), spacing = uniform(5, 30)
            let amp = uniform(5e-3, 0.2)
            for k in 0..<shots {
                let t0 = first + Double(k) * spacing
                let start = Int(t0 * samplingRateHz)
                guard start < n else { break }
                let f1 = uniform(15, 35), f2 = uniform(20, 45), decay = uniform(0.1, 0.6)
                for i in start..<min(start + Int(3 * samplingRateHz), n) {
                    let t = Double(i - start) * dt
                    let env = (1 - exp(-t / 0.01)) * exp(-t / decay)
                    for c in 0..<3 {
                        r.waveform.components[c][i] += amp * env * (c == 2 ? 1 : 0.6) * (sin(2 * .pi * f1 * t + Double(c)) + 0.5 * sin(2 * .pi * f2 * t))
                    }
                }
                if k == 0 { r.pArrivalSeconds = t0 }
            }
            return r
        }
    }

    /// Generates one record of `durationSeconds` at `samplingRateHz` (components X, Y, Z).
    public static func generate(
        event: Bool, durationSeconds: Double = 60, samplingRateHz: Double = 100,
        travelTimes: TravelTimeCalculator = TravelTimeCalculator(),
        magnitude: Double? = nil, distanceRangeKm: ClosedRange<Double> = 5...150,
        using rng: inout SeededGenerator
    ) -> SyntheticRecord {
        let n = Int(durationSeconds * samplingRateHz)
        let dt = 1 / samplingRateHz
        func uniform(_ a: Double, _ b: Double) -> Double { a + (b - a) * Double(rng.nextUnitFloat()) }
        func gaussian() -> Double {
            let u1 = max(Double(rng.nextUnitFloat()), 1e-12), u2 = Double(rng.nextUnitFloat())
            return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
        }
        // Background: AR(1)-coloured noise plus a weak microseism, 0.2–2 mgal.
        let noiseLevel = uniform(2e-5, 2e-4)
        var comps = [[Double]](repeating: [Double](repeating: 0, count: n), count: 3)
        for c in 0..<3 {
            var state = 0.0
            let microPhase = uniform(0, 2 * .pi), microFreq = uniform(0.15, 0.3)
            for i in 0..<n {
                state = 0.7 * state + gaussian()
                comps[c][i] = noiseLevel * (0.6 * state + 0.5 * sin(2 * .pi * microFreq * Double(i) * dt + microPhase))
            }
        }
        let distance = uniform(distanceRangeKm.lowerBound, distanceRangeKm.upperBound), depth = uniform(2, 30)
        guard event else {
            return SyntheticRecord(
                waveform: Waveform(components: comps, componentCodes: ["HLX", "HLY", "HLZ"], samplingRateHz: samplingRateHz),
                pArrivalSeconds: nil, sArrivalSeconds: nil, distanceKm: distance, depthKm: depth)
        }
        // Arrivals from ak135 rays, after an origin time early in the record.
        let origin = uniform(5, durationSeconds * 0.2)
        let tP = origin + (travelTimes.firstArrival(distanceKm: distance, depthKm: depth, s: false) ?? distance / 6)
        let tS = origin + (travelTimes.firstArrival(distanceKm: distance, depthKm: depth, s: true) ?? distance / 3.5)
        // Amplitude: from the magnitude when given (log10 PGA[gal] ≈ 0.5 M − 1.5 log10 R + 1), else
        // relative to the noise; S is 2–4× P.
        var pAmplitude = noiseLevel * uniform(15, 300)
        if let m = magnitude {
            let r = (distance * distance + depth * depth).squareRoot()
            pAmplitude = pow(10, 0.5 * m - 1.5 * log10(r) + 1) / 100 / 3
        }
        let sAmplitude = pAmplitude * uniform(2, 4)
        let durationScale = magnitude.map { pow(10, 0.25 * ($0 - 2.5)) } ?? 1
        let azimuth = uniform(0, 2 * .pi)
        // Phase: a sum of damped sinusoids under a rise-and-decay envelope.
        func addPhase(at t0: Double, amplitude: Double, band: (Double, Double), decay: Double, weights: [Double]) {
            let freqs = (0..<4).map { _ in uniform(band.0, band.1) }
            let phases = (0..<4).map { _ in uniform(0, 2 * .pi) }
            let start = Int(t0 * samplingRateHz)
            guard start < n else { return }
            for i in start..<n {
                let t = Double(i - start) * dt
                let envelope = (1 - exp(-t / 0.15)) * exp(-t / decay)
                if envelope < 1e-4 && t > 1 { break }
                var s = 0.0
                for k in 0..<4 { s += sin(2 * .pi * freqs[k] * t + phases[k]) }
                for c in 0..<3 { comps[c][i] += amplitude * envelope * weights[c] * s / 4 * (1 + 0.3 * gaussian()) }
            }
        }
        addPhase(
            at: tP, amplitude: pAmplitude, band: (4, 14), decay: uniform(1.5, 4) * durationScale,
            weights: [0.35 * cos(azimuth), 0.35 * sin(azimuth), 1.0])
        addPhase(
            at: tS, amplitude: sAmplitude, band: (1.5, 7), decay: uniform(3, 8) * durationScale,
            weights: [cos(azimuth + .pi / 2), sin(azimuth + .pi / 2), 0.4])
        return SyntheticRecord(
            waveform: Waveform(components: comps, componentCodes: ["HLX", "HLY", "HLZ"], samplingRateHz: samplingRateHz),
            pArrivalSeconds: tP, sArrivalSeconds: tS, distanceKm: distance, depthKm: depth,
            originSeconds: origin)
    }

    /// Writes the record as three SAC files `<folder>/<name>.HL{X,Y,Z}.sac` in gal (as QSIS
    /// stations deliver them): B = −origin (the trigger), O = 0 (the reference time is the
    /// origin), station and event coordinates, depth, and
    /// the arrivals as picks A (P) and T1 (S) relative to the origin. KSTNM is `station` (at most
    /// 8 characters, SAC's width), KNETWK "SY"; the units are stated as IDEP = IACC (acceleration)
    /// with KUSER0 = "gal", which `monitor --source replay:` reads.
    public func writeSAC(folder: String, name: String, station: String, startTime: Double = 1_577_836_800) throws {
        precondition(!station.isEmpty && station.utf8.count <= 8, "station code '\(station)' does not fit SAC's KSTNM (1…8 bytes)")
        for (c, code) in waveform.componentCodes.enumerated() {
            var t = SACTrace(samples: waveform.components[c].map { Float($0 * 100) }, delta: Float(1 / waveform.samplingRateHz))
            t.header.setReferenceTime(startTime)
            t.header.station = station
            t.header.setDependentVariable(.acceleration)
            t.header.setUnitWord(AccelerationUnit.gal.rawValue)
            t.header.network = "SY"
            t.header.channelCode = code
            // Station at 24.0 N 121.0 E; the event due north at the record's distance.
            t.header.stationLatitude = 24.0
            t.header.stationLongitude = 121.0
            t.header.eventLatitude = Float(24.0 + distanceKm / 110.77)
            t.header.eventLongitude = 121.0
            t.header.eventDepth = Float(depthKm)
            t.header.b = Float(-originSeconds)
            t.header.origin = 0
            t.header.e = Float(-originSeconds + Double(waveform.sampleCount - 1) / waveform.samplingRateHz)
            t.header.firstArrival = pArrivalSeconds.map { Float($0 - originSeconds) }
            t.header.setUserPick(1, sArrivalSeconds.map { Float($0 - originSeconds) })
            try t.write(to: "\(folder)/\(name).\(code).sac")
        }
    }
}
