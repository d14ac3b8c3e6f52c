// SyntheticRecord: realistic-looking three-component accelerograms with known P and S arrivals.

import Foundation
import SeismicIO
import SeismicNN
import SeismicSignal

/// A synthetic local earthquake (or noise-only) record on a MEMS accelerometer (m/s²) or a
/// broadband seismometer (m/s): `SyntheticNoise` behind the P and S waves of a point source
/// (`SyntheticEarthquake`), arrivals from ak135. `docs/DATA.md` gives the physics and its sources.
public struct SyntheticRecord: Sendable {
    public var waveform: Waveform
    /// Seconds after the first sample; nil for noise-only records.
    public var pArrivalSeconds: Double?
    public var sArrivalSeconds: Double?
    public var distanceKm: Double
    public var depthKm: Double
    /// Origin time of the event, seconds after the first sample (SAC B = −origin).
    public var originSeconds: Double = 0
    /// Moment magnitude of the event (nil for noise-only records and shots).
    public var magnitude: Double?
    /// Direction from the station to the epicentre, degrees clockwise from north (nil without an event).
    public var backAzimuthDegrees: Double?
    /// What the record is recorded on (its samples' quantity).
    public var instrument: SyntheticInstrument = .memsAccelerometer

    /// What a synthetic record contains.
    public enum Kind: String, Sendable, CaseIterable {
        case earthquake, activeSource = "active-source", noise
    }

    /// A MEMS record of `kind`: earthquakes as `generate(event:)` with Mw U(3.2, 5.5); active
    /// sources as one or a few short high-frequency shots with no S phase; noise as the background
    /// `generate(event: false)` writes, with a data gap in 30 % of the records.
    public static func generate(
        kind: Kind, durationSeconds: Double = 480, samplingRateHz: Double = 100,
        travelTimes: TravelTimeCalculator = TravelTimeCalculator(),
        using rng: inout SeededGenerator
    ) -> SyntheticRecord {
        func uniform(_ a: Double, _ b: Double) -> Double { rng.uniform(a, b) }
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
            // A data gap (zeros, as a gap filled by the digitiser) in 30 % of the records.
            let n = r.waveform.sampleCount
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

    /// Generates one record of `durationSeconds` at `samplingRateHz` on `instrument` (components
    /// E/X, N/Y, Z; m/s² for an accelerometer, m/s for a seismometer), as `docs/DATA.md` describes:
    /// the background is `SyntheticNoise` (ambient noise between Peterson's models, self-noise,
    /// cultural noise and transients; `quietBackground` leaves only the ambient and self-noise);
    /// an event adds the P and S waves of `SyntheticEarthquake` with ak135 arrivals after an origin
    /// time early in the record. `magnitude` nil draws Mw U(3.5, 5). The epicentral distance is
    /// drawn from `distanceRangeKm`, no farther than where such a station still records the event:
    /// for an accelerometer, first within log10 R ≤ (0.5 M + 1 − log10 3) / 1.5 (an empirical
    /// 3 gal law), then redrawn closer until the event's own peak acceleration reaches
    /// `triggerPeakAcceleration` (records that trigger a MEMS station); for a seismometer within
    /// 10^(0.4 M + 1.1) km (where a network still picks it: 20 km at M 0.5, 126 km at M 2.5).
    /// Depth U(2, 30) km.
    public static func generate(
        event: Bool, durationSeconds: Double = 60, samplingRateHz: Double = 100,
        travelTimes: TravelTimeCalculator = TravelTimeCalculator(),
        magnitude: Double? = nil, distanceRangeKm: ClosedRange<Double> = 5...150,
        instrument: SyntheticInstrument = .memsAccelerometer, quietBackground: Bool = false,
        using rng: inout SeededGenerator
    ) -> SyntheticRecord {
        let n = Int(durationSeconds * samplingRateHz)
        func uniform(_ a: Double, _ b: Double) -> Double { rng.uniform(a, b) }
        let noise = SyntheticNoise.draw(instrument: instrument, quiet: quietBackground, using: &rng)
        var comps = noise.generate(count: n, samplingRateHz: samplingRateHz, using: &rng)
        let codes = ["E", "N", "Z"].map { instrument.channelPrefix + (instrument.recordsVelocity ? $0 : ["E": "X", "N": "Y", "Z": "Z"][$0]!) }
        let m = magnitude ?? uniform(3.5, 5)
        var upper = distanceRangeKm.upperBound
        switch instrument {
        case .memsAccelerometer: upper = min(upper, pow(10, (0.5 * m + 1 - log10(3)) / 1.5))
        case .broadbandSeismometer: upper = min(upper, pow(10, 0.4 * m + 1.1))
        }
        var distance = uniform(distanceRangeKm.lowerBound, max(distanceRangeKm.lowerBound, upper)), depth = uniform(2, 30)
        guard event else {
            return SyntheticRecord(
                waveform: Waveform(components: comps, componentCodes: codes, samplingRateHz: samplingRateHz),
                pArrivalSeconds: nil, sArrivalSeconds: nil, distanceKm: distance, depthKm: depth, instrument: instrument)
        }
        let origin = uniform(5, durationSeconds * 0.2)
        var attempt = 0
        while true {
            let quake = earthquake(
                magnitude: m, distanceKm: distance, depthKm: depth, originSeconds: origin, count: n, samplingRateHz: samplingRateHz,
                travelTimes: travelTimes, instrument: instrument, using: &rng)
            attempt += 1
            // A MEMS station records what triggers it: an event whose own peak stays below 3 gal
            // is moved closer (up to 8 draws; the last is kept).
            let peak = quake.motion.map { c in c.reduce(0) { max($0, abs($1)) } }.max() ?? 0
            if instrument == .memsAccelerometer, peak < Self.triggerPeakAcceleration, attempt < 8, distance > distanceRangeKm.lowerBound {
                distance = uniform(distanceRangeKm.lowerBound, distance)
                depth = uniform(2, 30)
                continue
            }
            for c in 0..<3 { for i in 0..<n { comps[c][i] += quake.motion[c][i] } }
            return SyntheticRecord(
                waveform: Waveform(components: comps, componentCodes: codes, samplingRateHz: samplingRateHz),
                pArrivalSeconds: quake.pArrival, sArrivalSeconds: quake.sArrival, distanceKm: distance, depthKm: depth,
                originSeconds: origin, magnitude: m, backAzimuthDegrees: quake.backAzimuthDegrees, instrument: instrument)
        }
    }

    /// The peak acceleration a MEMS station triggers at, m/s² (3 gal): `generate` moves events
    /// closer until their own motion reaches it.
    public static let triggerPeakAcceleration = 0.03

    /// The P and S waves of one earthquake at `distanceKm` (epicentral) and `depthKm`, starting
    /// `originSeconds` into a record of `count` samples: three components of motion (no noise),
    /// the arrivals on the sample grid (seconds after the first sample) and the back azimuth.
    static func earthquake(
        magnitude m: Double, distanceKm distance: Double, depthKm depth: Double, originSeconds origin: Double, count n: Int,
        samplingRateHz: Double, travelTimes: TravelTimeCalculator, instrument: SyntheticInstrument, using rng: inout SeededGenerator
    ) -> (motion: [[Double]], pArrival: Double, sArrival: Double, backAzimuthDegrees: Double) {
        func uniform(_ a: Double, _ b: Double) -> Double { rng.uniform(a, b) }
        let travelP = travelTimes.firstArrival(distanceKm: distance, depthKm: depth, s: false) ?? distance / 6
        let travelS = travelTimes.firstArrival(distanceKm: distance, depthKm: depth, s: true) ?? distance / 3.5
        // Arrivals on the sample grid: the labels name the first sample of each wave.
        let onsetP = Int(((origin + travelP) * samplingRateHz).rounded()), onsetS = Int(((origin + travelS) * samplingRateHz).rounded())
        let hypocentral = (distance * distance + depth * depth).squareRoot()
        let source = SyntheticEarthquake.draw(magnitude: m, distanceKm: hypocentral, using: &rng)
        // Ray geometry at the surface: steep incidence (slow near-surface rock bends rays up), the
        // back azimuth random. P moves along the upgoing ray: up and away from the epicentre (or
        // down and towards it); S splits into SH (transverse) and SV (perpendicular to its ray), its
        // incidence smaller by β/α (Snell's law).
        let backAzimuth = uniform(0, 2 * .pi)
        let sinP = min(0.7, 0.5 * distance / hypocentral), cosP = (1 - sinP * sinP).squareRoot()
        let away = SIMD3(-sin(backAzimuth), -cos(backAzimuth), 0), transverse = SIMD3(cos(backAzimuth), -sin(backAzimuth), 0)
        let vertical = SIMD3<Double>(0, 0, 1)
        let pProjection = sinP * away + cosP * vertical
        let psi = uniform(0, .pi / 2), sinS = SyntheticEarthquake.vsMs / SyntheticEarthquake.vpMs * sinP, cosS = (1 - sinS * sinS).squareRoot()
        let sProjection = cos(psi) * transverse + sin(psi) * (cosS * away - sinS * vertical)
        let rise = uniform(0.01, 0.08) + 0.001 * distance, codaQ = uniform(100, 400)
        var motion = [[Double]](repeating: [Double](repeating: 0, count: n), count: 3)
        for (wave, onset, travel, projection, riseSeconds) in [
            (SyntheticEarthquake.Wave.p, onsetP, travelP, pProjection, rise), (.s, onsetS, travelS, sProjection, 2 * rise)
        ] {
            let part = source.phase(
                wave, onset: onset, count: n, samplingRateHz: samplingRateHz, projection: projection, scattered: uniform(0.15, 0.4),
                riseSeconds: riseSeconds, travelSeconds: travel, codaQ: codaQ, instrument: instrument, using: &rng)
            for c in 0..<3 { for i in 0..<n { motion[c][i] += part[c][i] } }
        }
        return (motion, Double(onsetP) / samplingRateHz, Double(onsetS) / samplingRateHz, backAzimuth * 180 / .pi)
    }

    /// The station every synthetic record is made at (degrees).
    public static let stationLatitude = 24.0, stationLongitude = 121.0

    /// The epicentre: `distanceKm` from the station in the direction `backAzimuthDegrees` (the P
    /// wave's first upward motion points horizontally the other way), on the WGS84 ellipsoid
    /// (Vincenty's distance and azimuth to it agree to ~1 m and 0.001°); nil without an earthquake.
    public var eventCoordinates: (latitude: Double, longitude: Double)? {
        guard magnitude != nil, let baz = backAzimuthDegrees else { return nil }
        let rad = Double.pi / 180
        // A flat-earth step, corrected in length and bearing against Vincenty's inverse solution.
        var scale = 1.0, bearing = baz, latitude = Self.stationLatitude, longitude = Self.stationLongitude
        for _ in 0..<6 {
            latitude = Self.stationLatitude + scale * distanceKm * cos(bearing * rad) / 110.6
            longitude = Self.stationLongitude + scale * distanceKm * sin(bearing * rad) / (111.3 * cos(Self.stationLatitude * rad))
            let got = Geodesic.distance(latitude1: Self.stationLatitude, longitude1: Self.stationLongitude, latitude2: latitude, longitude2: longitude)
            guard got.meters > 0 else { break }
            scale *= distanceKm * 1000 / got.meters
            bearing += remainder(baz - got.azimuth, 360)
        }
        return (latitude, longitude)
    }

    /// Writes the record as three SAC files `<folder>/<name>.<channel>.sac` with the station's
    /// coordinates and each component's orientation (CMPAZ, CMPINC). An earthquake's also carry
    /// B = −origin (the trigger), O = 0 (the reference time is the origin), the epicentre at the
    /// record's back azimuth, depth and magnitude (MAG), and the arrivals as picks A (P) and T1 (S)
    /// relative to the origin (labelled KA = "P", KT1 = "S"; IZTYPE = IO); noise and shots no event
    /// (B = 0; a shot's time as A). KSTNM is `station` (at
    /// most 8 characters, SAC's width), KNETWK "SY". An accelerometer's record is in gal (as QSIS
    /// stations deliver them: IDEP = IACC with KUSER0 = "gal", which `monitor --source replay:`
    /// reads); a seismometer's in nm/s (IDEP = IVEL, SAC's velocity unit).
    public func writeSAC(folder: String, name: String, station: String, startTime: Double = 1_577_836_800) throws {
        precondition(!station.isEmpty && station.utf8.count <= 8, "station code '\(station)' does not fit SAC's KSTNM (1…8 bytes)")
        for (c, code) in waveform.componentCodes.enumerated() {
            let scale = instrument.recordsVelocity ? 1e9 : 100
            var t = SACTrace(samples: waveform.components[c].map { Float($0 * scale) }, delta: Float(1 / waveform.samplingRateHz))
            t.header.setReferenceTime(startTime)
            t.header.station = station
            if instrument.recordsVelocity {
                t.header.setDependentVariable(.velocity)
            } else {
                t.header.setDependentVariable(.acceleration)
                t.header.setUnitWord(AccelerationUnit.gal.rawValue)
            }
            t.header.network = "SY"
            t.header.channelCode = code
            // Orientation: X/E east, Y/N north (horizontal), Z up.
            let vertical = code.hasSuffix("Z")
            t.header.setFloat("cmpaz", vertical ? 0 : (code.hasSuffix("X") || code.hasSuffix("E") ? 90 : 0))
            t.header.setFloat("cmpinc", vertical ? 0 : 90)
            t.header.stationLatitude = Float(Self.stationLatitude)
            t.header.stationLongitude = Float(Self.stationLongitude)
            if let magnitude, let event = eventCoordinates {
                // An earthquake: where it was, when (O = 0: the reference time is the origin), how large.
                t.header.eventLatitude = Float(event.latitude)
                t.header.eventLongitude = Float(event.longitude)
                t.header.eventDepth = Float(depthKm)
                t.header.setFloat("mag", Float(magnitude))
                t.header.b = Float(-originSeconds)
                t.header.origin = 0
                t.header.firstArrival = pArrivalSeconds.map { Float($0 - originSeconds) }
                t.header.setUserPick(1, sArrivalSeconds.map { Float($0 - originSeconds) })
                t.header.setString("ka", "P")
                t.header.setString("kt1", "S")
                t.header.setInt("iztype", 11)  // IO: the reference time is the origin
            } else {
                // Noise, or a shot (A: its arrival): no event, the reference time is the first sample.
                t.header.b = 0
                t.header.firstArrival = pArrivalSeconds.map { Float($0) }
            }
            t.header.e = Float(Double(t.header.b ?? 0) + Double(waveform.sampleCount - 1) / waveform.samplingRateHz)
            try t.write(to: "\(folder)/\(name).\(code).sac")
        }
    }
}
