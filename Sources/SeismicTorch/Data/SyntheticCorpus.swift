// SyntheticCorpus: the built-in data — QSIS-style SAC folders and a mini STEAD file, from a seed.

import Foundation
import SeismicIO
import SeismicNN
import SeismicSignal

/// Writes synthetic data in the layouts the preparations read: QSIS folders of SAC triples (one
/// sub-folder per station) and STEAD's merged.hdf5 + merged.csv. Deterministic from the seed.
public enum SyntheticCorpus {
    public struct Counts: Sendable {
        public var events = 0, activeSources = 0, noise = 0, steadEarthquakes = 0, steadNoise = 0
        public init() {}
    }

    /// Writes `count` records of `kind` under `folder/<station>/` (480 s at 100 Hz in gal).
    public static func writeQSIS(
        folder: String, kind: SyntheticRecord.Kind, count: Int, stations: Int = 4,
        durationSeconds: Double = 480, seed: UInt64
    ) throws {
        let travelTimes = TravelTimeCalculator()
        let errors = ErrorCollector()
        let stream: UInt64 = kind == .earthquake ? 1 : (kind == .activeSource ? 2 : 3)
        DispatchQueue.concurrentPerform(iterations: count) { i in
            var rng = SeededGenerator(seed: (seed &+ UInt64(i) &* 0x9E37_79B9_7F4A_7C15) ^ (stream &* 0xD6E8_FEB8_6659_FD93))
            let record = SyntheticRecord.generate(kind: kind, durationSeconds: durationSeconds, travelTimes: travelTimes, using: &rng)
            let station = String(format: "ST%02d", i % max(stations, 1))
            let dir = "\(folder)/\(station)"
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                let start = 1_577_836_800 + Double(i) * 3600
                try record.writeSAC(
                    folder: dir, name: "\(station).\(kind.rawValue).\(String(format: "%05d", i))", station: station,
                    startTime: start)
            } catch {
                errors.add("\(error)")
            }
        }
        if let first = errors.first { throw RecordError.inconsistent(paths: [folder], reason: "writing synthetic records failed: \(first)") }
    }

    /// Writes a STEAD-layout mini dataset: `earthquakes` 60 s local earthquake traces (Mw U(0.5, 4.5),
    /// 2–105 km as `SyntheticRecord.generate` bounds it by magnitude) and `noise` noise traces of broadband seismometers (ground velocity, as most of
    /// STEAD), band-passed 1–45 Hz as STEAD's are, [6000, 3] float32 E, N, Z in counts (1e9 per
    /// m/s), with STEAD's columns in merged.csv (the SNR measured on the band-passed trace).
    public static func writeSTEAD(folder: String, earthquakes: Int, noise: Int, seed: UInt64) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let columns = [
            "network_code", "receiver_code", "receiver_type", "receiver_latitude", "receiver_longitude",
            "p_arrival_sample", "p_weight", "s_arrival_sample", "s_weight", "source_magnitude",
            "source_depth_km", "source_distance_km", "snr_db", "trace_start_time", "trace_category", "trace_name"
        ]
        var rows: [[String]] = []
        let travelTimes = TravelTimeCalculator()
        let total = earthquakes + noise
        // Earthquakes and noise interleaved in time, so both fall on each side of the split.
        func isQuake(_ i: Int) -> Bool { i % 2 == 0 ? (i / 2 < earthquakes) : (i / 2 >= noise) }
        // Each trace from its own generator (seed and index), made in parallel a block at a time.
        func generator(_ i: Int) -> SeededGenerator { SeededGenerator(seed: (seed &+ UInt64(i) &* 0x9E37_79B9_7F4A_7C15) ^ 0x5EAD) }
        // STEAD's traces are band-passed 1–45 Hz (Mousavi et al. 2019; the design is not published:
        // here 4-pole Butterworth high- and low-pass, causal, as ObsPy's defaults).
        let band = try SOSFilter(
            sections: Butterworth.highpass(cornerHz: 1, samplingRateHz: 100).sections + Butterworth.lowpass(cornerHz: 45, samplingRateHz: 100).sections)
        try AtomicFile.write(to: folder + "/merged.hdf5") { temporary in
            let file = try HDF5File(creatingAt: temporary)
            let countsPerMeterPerSecond = 1e9  // a broadband seismometer and digitiser, ~1e9 counts per m/s
            let block = 256
            for blockStart in stride(from: 0, to: total, by: block) {
                let count = min(block, total - blockStart)
                let made = Parallel.map(count) { k -> SyntheticRecord in
                    let i = blockStart + k
                    var rng = generator(i)
                    let quake = isQuake(i)
                    var record = SyntheticRecord.generate(
                        event: quake, durationSeconds: 60, travelTimes: travelTimes,
                        magnitude: quake ? 0.5 + 4 * Double(rng.nextUnitFloat()) : nil,
                        distanceRangeKm: 2...105, instrument: .broadbandSeismometer, using: &rng)
                    record.waveform.components = band.apply(components: record.waveform.components)
                    return record
                }
                for k in 0..<count { try writeTrace(blockStart + k, made[k]) }
            }
            file.flush()
            func writeTrace(_ i: Int, _ record: SyntheticRecord) throws {
                var rng = generator(total + i)  // the catalogue's pick weights
                let quake = isQuake(i)
                let name = String(format: "SYN.ST%02d_%08d_%@", i % 5, i, quake ? "EV" : "NO")
                var values = [Float](repeating: 0, count: 6000 * 3)
                for t in 0..<min(6000, record.waveform.sampleCount) {
                    for c in 0..<3 { values[t * 3 + c] = Float(record.waveform.components[c][t] * countsPerMeterPerSecond) }
                }
                try file.write("data/\(name)", floats: values, shape: [6000, 3])
                // One trace a minute from 2020-01-01 00:00 UTC, in time order whatever the count.
                let time = UTCTime.iso8601(1_577_836_800 + Double(i) * 60, fractionDigits: 2).replacingOccurrences(of: "T", with: " ")
                    .replacingOccurrences(of: "Z", with: "")
                var row = ["SY", String(format: "ST%02d", i % 5), "HH", "24.0", "121.0"]
                if quake, let p = record.pArrivalSeconds, let s = record.sArrivalSeconds {
                    let w = record.waveform
                    let pi = Int((p * 100).rounded()), si = Int((s * 100).rounded())
                    // STEAD's snr_db: one value per component (E, N, Z), 3 s after S against 3 s
                    // before P; the pick weights grow with it (0.4 at 0 dB, 1 from 30 dB).
                    func rms(_ c: Int, _ r: Range<Int>) -> Double {
                        let rr = max(r.lowerBound, 0)..<min(r.upperBound, w.sampleCount)
                        guard !rr.isEmpty else { return 1e-30 }
                        return (rr.reduce(0.0) { $0 + w.components[c][$1] * w.components[c][$1] } / Double(rr.count)).squareRoot()
                    }
                    let snr = (0..<3).map { c in 20 * log10(max(rms(c, si..<(si + 300)), 1e-30) / max(rms(c, (pi - 300)..<pi), 1e-30)) }
                    func weight() -> Double { min(1, 0.4 + 0.6 * max(0, snr.max()!) / 30) * (0.9 + 0.1 * Double(rng.nextUnitFloat())) }
                    row += [
                        "\(Double(pi))", String(format: "%.2f", weight()), "\(Double(si))", String(format: "%.2f", weight()),
                        String(format: "%.1f", record.magnitude ?? 0), String(format: "%.1f", record.depthKm), String(format: "%.1f", record.distanceKm),
                        String(format: "[%.1f %.1f %.1f]", snr[0], snr[1], snr[2])
                    ]
                    try file.setAttribute("p_arrival_sample", of: "data/\(name)", double: Double(pi))
                    try file.setAttribute("s_arrival_sample", of: "data/\(name)", double: Double(si))
                } else {
                    row += ["", "", "", "", "", "", "", ""]
                }
                row += [time, quake ? "earthquake_local" : "noise", name]
                try file.setAttribute("trace_name", of: "data/\(name)", string: name)
                try file.setAttribute("trace_category", of: "data/\(name)", string: quake ? "earthquake_local" : "noise")
                rows.append(row)
            }
        }
        let csv = CSVTable(header: columns, rows: rows).text
        try AtomicFile.write(csv, to: folder + "/merged.csv")
    }
}

/// Collects error messages from parallel workers.
final class ErrorCollector: @unchecked Sendable {
    private var messages: [String] = []
    private let lock = NSLock()
    func add(_ m: String) { lock.lock(); messages.append(m); lock.unlock() }
    var first: String? { lock.lock(); defer { lock.unlock() }; return messages.first }
}
