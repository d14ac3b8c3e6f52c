// STEAD: the reference's data_reader and test_train_split on merged.hdf5 + merged.csv, streamed.

import Foundation
import SeismicIO
import SeismicNN
import SeismicSignal

/// One row of merged.csv that the preparation needs.
public struct STEADTrace: Sendable, Equatable {
    public var name: String
    public var category: String
    public var startTime: String
    public var pArrivalSample: Double?
    public var sArrivalSample: Double?
    public var pWeight: Double?
    public var sWeight: Double?
    public var distanceKm: Double?
    public var snrDb: [Double]
    public var station: String

    /// `startTime` ("2005-08-01 14:00:00.00", UTC; "T" may separate date and time, the fraction is
    /// optional) as seconds since 1970; nil when it is not a valid date and time of that form.
    public var startTimeSeconds: Double? { Self.secondsSince1970(startTime) }

    public var isEarthquake: Bool { category.hasPrefix("earthquake") }
    public var isNoise: Bool { category == "noise" }

    /// The reference's `clean()`: P at least 200 samples in, epicentre within 100 km, median SNR
    /// above 40 dB, S more than 20 samples after P, both pick weights above 0.75 (and, added here,
    /// every one of these values present and finite, and the distance not negative).
    public var passesReferenceCleaning: Bool { cleaningFailure == nil }

    /// The first cleaning rule this row fails, as the summary names it; nil when it passes.
    public var cleaningFailure: String? {
        guard let p = pArrivalSample, let s = sArrivalSample, let d = distanceKm, let pw = pWeight, let sw = sWeight,
            !snrDb.isEmpty
        else { return "missing arrival, pick weight, distance or SNR" }
        guard ([p, s, d, pw, sw] + snrDb).allSatisfy(\.isFinite) else { return "non-finite arrival, pick weight, distance or SNR" }
        if d < 0 { return "negative epicentral distance" }
        let sorted = snrDb.sorted()
        let median = sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        if p < 200 { return "P arrival before sample 200" }
        if d >= 100 { return "epicentral distance ≥ 100 km" }
        if median <= 40 { return "median SNR ≤ 40 dB" }
        if s - p <= 20 { return "S not more than 20 samples after P" }
        if pw <= 0.75 || sw <= 0.75 { return "pick weight ≤ 0.75" }
        return nil
    }
}

extension STEADTrace {
    /// "YYYY-MM-DD hh:mm:ss[.fraction]" (or "T" between date and time) as UTC seconds since 1970,
    /// nil unless every field is in range (month 1–12, the month's days, hour 0–23, minute 0–59,
    /// second 0–60 for a leap second).
    static func secondsSince1970(_ text: String) -> Double? {
        let chars = Array(text.utf8)
        guard chars.count >= 19, chars[4] == UInt8(ascii: "-"), chars[7] == UInt8(ascii: "-"),
            chars[10] == UInt8(ascii: " ") || chars[10] == UInt8(ascii: "T"),
            chars[13] == UInt8(ascii: ":"), chars[16] == UInt8(ascii: ":")
        else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var v = 0
            for c in chars[range] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) else { return nil }
                v = v * 10 + Int(c - UInt8(ascii: "0"))
            }
            return v
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19)
        else { return nil }
        var fraction = 0.0
        if chars.count > 19 {
            guard chars[19] == UInt8(ascii: "."), chars.count > 20, chars.count <= 29, number(20..<chars.count) != nil,
                let f = Double("0" + String(decoding: chars[19...], as: UTF8.self))
            else { return nil }
            fraction = f
        }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let monthDays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard (1...12).contains(month), (1...monthDays[month - 1]).contains(day), hour < 24, minute < 60, second <= 60 else { return nil }
        // Days from 1970-01-01 to the date (proleptic Gregorian; years 0000–9999 cannot overflow).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return Double(days * 86_400 + hour * 3600 + minute * 60 + second) + fraction
    }
}

/// Reads the catalogue and prepares STEAD windows the way the reference does.
public enum STEAD {
    public static let classNames = ["P-wave", "S-wave", "Noise"]
    /// The sampling rate of every STEAD trace (Hz).
    public static let samplingRateHz = 100.0
    /// Catalogue rows dropped before cleaning (any category), as `usableRows` counts them.
    public static let unparsableStartTime = "unparsable trace_start_time"
    public static let duplicateTraceName = "duplicate trace_name"
    /// The merged.csv columns the preparation reads (network_code and receiver_code, for the
    /// station in the provenance, are optional).
    public static let requiredColumns = [
        "trace_name", "trace_category", "trace_start_time", "p_arrival_sample", "s_arrival_sample",
        "p_weight", "s_weight", "source_distance_km", "snr_db"
    ]

    /// The catalogue rows of merged.csv. Throws `CSVError.missingColumns` naming every one of
    /// `requiredColumns` the header lacks.
    public static func catalogue(csv path: String) throws -> [STEADTrace] {
        let table = try CSVTable(contentsOf: path, requiring: requiredColumns)
        return table.rows.indices.map { r in
            let snr = (table.value(r, "snr_db") ?? "").split(whereSeparator: { "[] ,".contains($0) }).compactMap { Double($0) }
            return STEADTrace(
                name: table.value(r, "trace_name") ?? "", category: table.value(r, "trace_category") ?? "",
                startTime: table.value(r, "trace_start_time") ?? "",
                pArrivalSample: table.double(r, "p_arrival_sample"), sArrivalSample: table.double(r, "s_arrival_sample"),
                pWeight: table.double(r, "p_weight"), sWeight: table.double(r, "s_weight"),
                distanceKm: table.double(r, "source_distance_km"), snrDb: snr,
                station: [table.value(r, "network_code"), table.value(r, "receiver_code")].compactMap { $0 }.joined(separator: "."))
        }
    }

    /// The rows of `traces` the split can place, in catalogue order, and the others counted per rule:
    /// a row whose `trace_start_time` does not parse (`unparsableStartTime`: its place in time is
    /// unknown, so it could land on either side of the split) and every row after the first with the
    /// same `trace_name` (`duplicateTraceName`: one trace must never be in both train and test).
    public static func usableRows(_ traces: [STEADTrace]) -> (rows: [STEADTrace], dropped: [String: Int]) {
        var rows: [STEADTrace] = [], dropped: [String: Int] = [:], seen = Set<String>()
        for t in traces {
            if t.startTimeSeconds == nil { dropped[unparsableStartTime, default: 0] += 1; continue }
            if !seen.insert(t.name).inserted { dropped[duplicateTraceName, default: 0] += 1; continue }
            rows.append(t)
        }
        return (rows, dropped)
    }

    /// The reference's split of `usableRows(traces)`: clean earthquakes sorted by start time, the first
    /// 80 % for training; noise before the split time trains and after it tests, each sampled to the
    /// earthquakes' count. No trace name is in both parts.
    public static func split(_ traces: [STEADTrace], trainFraction: Double = 0.8, seed: UInt64)
        -> (train: [STEADTrace], test: [STEADTrace])
    {
        // usableRows keeps only rows whose start time parses.
        let timed = usableRows(traces).rows.map { (trace: $0, time: $0.startTimeSeconds ?? 0) }
        let quakes = timed.filter { $0.trace.isEarthquake && $0.trace.passesReferenceCleaning }.sorted { $0.time < $1.time }
        let cut = Int((Double(quakes.count) * trainFraction).rounded(.down))
        let trainQuakes = Array(quakes[..<cut]), testQuakes = Array(quakes[cut...])
        let splitTime = testQuakes.first?.time ?? (trainQuakes.last?.time ?? -.infinity)
        let noise = timed.filter(\.trace.isNoise)
        var rng = SeededGenerator(seed: seed)
        func sample(_ pool: [(trace: STEADTrace, time: Double)], _ n: Int) -> [STEADTrace] {
            Array(pool.shuffled(using: &rng).prefix(n)).sorted { $0.time < $1.time }.map(\.trace)
        }
        let trainNoise = sample(noise.filter { $0.time < splitTime }, trainQuakes.count)
        let testNoise = sample(noise.filter { $0.time >= splitTime }, testQuakes.count)
        return (trainQuakes.map(\.trace) + trainNoise, testQuakes.map(\.trace) + testNoise)
    }

    /// Catalogue rows dropped by `usableRows` (any category) and the remaining earthquakes that fail
    /// the reference's cleaning, counted per rule (`cleaningFailure`).
    public static func cleaningCounts(_ traces: [STEADTrace]) -> [String: Int] {
        var (rows, counts) = usableRows(traces)
        rows.removeAll { !$0.isEarthquake }
        for t in rows { if let r = t.cleaningFailure { counts[r, default: 0] += 1 } }
        return counts
    }

    /// Refuses an empty preparation: throws `DatasetError.noWindows` naming `path` with the count of
    /// every rule that dropped `catalogue`'s earthquakes (cleaning) or `summary`'s traces and windows.
    public static func requireWindows(_ data: PreparedDataset, path: String, catalogue: [STEADTrace], summary: Summary) throws(DatasetError) {
        guard data.count == 0 else { return }
        let dropped = cleaningCounts(catalogue).merging(summary.skipped, uniquingKeysWith: +)
        throw .noWindows(path: path, reason: "no window was cut; dropped: \(Summary.report(dropped)) (nothing written)")
    }

    /// Counts of what a preparation did, for the summary table.
    public struct Summary: Sendable {
        public var tracesRead = 0
        public var windowsPerClass = [0, 0, 0]
        /// Traces or windows not used, per rule: "trace missing from the HDF5 file", "unreadable trace
        /// (not float [≥ 200, 3])", "trace with non-finite samples", "arrival not a sample of the trace",
        /// "earthquake without P and S arrivals", "category neither earthquake nor noise",
        /// "P window outside trace", "S window outside trace", "filter design failed".
        public var skipped: [String: Int] = [:]

        public init() {}

        public var windows: Int { windowsPerClass.reduce(0, +) }

        /// The per-rule counts in one line, "2 × trace missing from the HDF5 file, 1 × …" ("nothing skipped" when none).
        public static func report(_ counts: [String: Int]) -> String {
            counts.isEmpty ? "nothing skipped" : counts.sorted { $0.key < $1.key }.map { "\($0.value) × \($0.key)" }.joined(separator: ", ")
        }
    }

    /// Prepares windows for `traces`: detrend → taper 0.05 → high-pass 0.5 Hz on each trace, a P and an
    /// S window per earthquake (peak after the pick, shifted, as `WindowCutter`), two random noise
    /// windows per noise trace, 200 samples resampled to 80 (40 Hz). Traces are read serially from
    /// HDF5 in blocks of `blockSize` and processed in parallel, so memory stays bounded.
    /// `firstIndex` is the position of `traces[0]` in the whole list (for a shard of a
    /// data-parallel preparation): each trace's random draws depend on its global position only,
    /// so shards concatenated equal one process's result.
    /// `preprocessing` gives the record steps and the window cut, `windowSamples` the samples of
    /// a prepared window (the reference's by default).
    public static func prepare(
        _ traces: [STEADTrace], hdf5 path: String, seed: UInt64, blockSize: Int = 512, firstIndex: Int = 0,
        preprocessing: Preprocessing = .reference, windowSamples: Int = 80,
        progress: (Int, Int) -> Void = { _, _ in }
    ) throws -> (PreparedDataset, Summary) {
        guard preprocessing.cutsWindows(atRateHz: samplingRateHz) else {
            throw DatasetError.unusable(
                path: path, reason: "STEAD traces are sampled at \(samplingRateHz) Hz; the chain cuts windows at \(preprocessing.sourceSamplingRateHz) Hz")
        }
        let file = try HDF5File(readingAt: path)
        var values: [Float] = []
        var labels: [Int] = []
        var provenance: [WindowProvenance] = []
        var summary = Summary()
        var start = 0
        while start < traces.count {
            let block = Array(traces[start..<min(start + blockSize, traces.count)])
            var raw: [[Float]?] = []
            var unread: [String?] = []
            for t in block {
                let name = "data/\(t.name)"
                guard !t.name.isEmpty, file.exists(name) else { raw.append(nil); unread.append("trace missing from the HDF5 file"); continue }
                if let (v, shape) = try? file.readFloats(name), shape.count == 2, shape[1] == 3, shape[0] >= 200 {
                    let finite = v.allSatisfy(\.isFinite)
                    raw.append(finite ? v : nil)
                    unread.append(finite ? nil : "trace with non-finite samples")
                } else {
                    raw.append(nil)
                    unread.append("unreadable trace (not float [≥ 200, 3])")
                }
            }
            let results = processBlock(
                block, raw: raw, seed: seed, firstIndex: firstIndex + start, preprocessing: preprocessing, windowSamples: windowSamples)
            for (i, r) in results.enumerated() {
                if let reason = unread[i] { summary.skipped[reason, default: 0] += 1; continue }
                summary.tracesRead += 1
                for reason in r.skips { summary.skipped[reason, default: 0] += 1 }
                for w in r.windows {
                    values += w.values
                    labels.append(w.label)
                    summary.windowsPerClass[w.label] += 1
                    // The window's first sample in UTC: the trace's start (usable rows parse) + its offset.
                    let traceStart = block[i].startTimeSeconds ?? 0
                    provenance.append(
                        WindowProvenance(
                            source: "\(path):data/\(block[i].name)", station: block[i].station,
                            startTime: traceStart + Double(w.startSample) / samplingRateHz, method: w.method))
                }
            }
            start += block.count
            progress(start, traces.count)
        }
        let metadata = DatasetMetadata(
            input: InputContract(
                classNames: classNames, samplingRateHz: Double(windowSamples) / preprocessing.windowSeconds, windowSamples: windowSamples,
                componentOrder: ["E", "N", "Z"], units: .counts, preprocessing: preprocessing),
            preparation: [
                "source": "STEAD", "chain": preprocessing.recordStepsDescription,
                "window": "\(preprocessing.sourceWindowSamples) samples at \(samplingRateHz) Hz around the peak after the pick, resampled to \(windowSamples)",
                "response": "not removed (offline): the samples are counts"
            ],
            seed: seed)
        return (
            PreparedDataset(values: values, itemShape: [windowSamples, 3], labels: labels, provenance: provenance, metadata: metadata), summary
        )
    }

    /// A cut window: its values, label, how it was placed, and its first sample in the trace.
    private struct Window { var values: [Float]; var label: Int; var method: String; var startSample: Int }

    private static func processBlock(
        _ block: [STEADTrace], raw: [[Float]?], seed: UInt64, firstIndex: Int, preprocessing: Preprocessing, windowSamples: Int
    ) -> [(windows: [Window], skips: [String])] {
        Parallel.map(block.count) { i in
            guard let data = raw[i] else { return ([], []) }
            let cutter = preprocessing.windowCutter(windowSamples: windowSamples)
            return prepareTrace(block[i], data: data, seed: seed &+ UInt64(firstIndex + i) &* 0x9E37_79B9, preprocessing: preprocessing, cutter: cutter)
        }
    }

    private static func prepareTrace(
        _ t: STEADTrace, data: [Float], seed: UInt64, preprocessing: Preprocessing, cutter: WindowCutter
    ) -> (windows: [Window], skips: [String]) {
        var rng = SeededGenerator(seed: seed)
        let n = data.count / 3
        let comps = (0..<3).map { c in (0..<n).map { Double(data[$0 * 3 + c]) } }
        guard let w = try? preprocessing.prepareRecord(Waveform(components: comps, componentCodes: ["E", "N", "Z"], samplingRateHz: samplingRateHz)) else {
            return ([], ["filter design failed"])
        }
        var windows: [Window] = [], skips: [String] = []
        if t.isEarthquake {
            // An arrival must be a sample of this trace; otherwise neither window is cut (the P
            // window's search ends before S, so a bogus S would move it too).
            guard let p = t.pArrivalSample, let s = t.sArrivalSample else { return ([], ["earthquake without P and S arrivals"]) }
            guard [p, s].allSatisfy({ $0.isFinite && $0 >= 0 && $0 < Double(n) }) else { return ([], ["arrival not a sample of the trace"]) }
            let composite = w.compositeAmplitude
            let rate = samplingRateHz
            for (label, arrival, next) in [(0, p / rate, Optional(s / rate)), (1, s / rate, nil)] {
                if let start = cutter.windowStart(in: w, composite: composite, arrival: arrival, nextArrival: next, using: &rng) {
                    windows.append(
                        Window(
                            values: cutter.cut(w, start: start), label: label, method: label == 0 ? "P:catalogue" : "S:catalogue",
                            startSample: start))
                } else {
                    skips.append(label == 0 ? "P window outside trace" : "S window outside trace")
                }
            }
        } else if t.isNoise {
            for _ in 0..<2 {
                let start = Int(rng.next() % UInt64(max(n - cutter.sourceSamples, 1)))
                windows.append(Window(values: cutter.cut(w, start: start), label: 2, method: "noise:random", startSample: start))
            }
        } else {
            skips.append("category neither earthquake nor noise")
        }
        return (windows, skips)
    }
}
