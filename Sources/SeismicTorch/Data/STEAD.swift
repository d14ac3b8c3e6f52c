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

    public var isEarthquake: Bool { category.hasPrefix("earthquake") }
    public var isNoise: Bool { category == "noise" }

    /// The reference's `clean()`: P at least 200 samples in, epicentre within 100 km, median SNR
    /// above 40 dB, S more than 20 samples after P, both pick weights above 0.75.
    public var passesReferenceCleaning: Bool {
        guard let p = pArrivalSample, let s = sArrivalSample, let d = distanceKm, let pw = pWeight, let sw = sWeight,
              !snrDb.isEmpty else { return false }
        let sorted = snrDb.sorted()
        let median = sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        return p >= 200 && d < 100 && median > 40 && s - p > 20 && pw > 0.75 && sw > 0.75
    }
}

/// Reads the catalogue and prepares STEAD windows the way the reference does.
public enum STEAD {
    public static let classNames = ["P-wave", "S-wave", "Noise"]

    /// The catalogue rows of merged.csv.
    public static func catalogue(csv path: String) throws -> [STEADTrace] {
        let table = try CSVTable(contentsOf: path, requiring: ["trace_name", "trace_category"])
        return table.rows.indices.map { r in
            let snr = (table.value(r, "snr_db") ?? "").split(whereSeparator: { "[] ,".contains($0) }).compactMap { Double($0) }
            return STEADTrace(name: table.value(r, "trace_name") ?? "", category: table.value(r, "trace_category") ?? "",
                              startTime: table.value(r, "trace_start_time") ?? "",
                              pArrivalSample: table.double(r, "p_arrival_sample"), sArrivalSample: table.double(r, "s_arrival_sample"),
                              pWeight: table.double(r, "p_weight"), sWeight: table.double(r, "s_weight"),
                              distanceKm: table.double(r, "source_distance_km"), snrDb: snr,
                              station: [table.value(r, "network_code"), table.value(r, "receiver_code")].compactMap { $0 }.joined(separator: "."))
        }
    }

    /// The reference's split: clean earthquakes sorted by start time, the first 80 % for training;
    /// noise before the split time trains and after it tests, each sampled to the earthquakes' count.
    public static func split(_ traces: [STEADTrace], trainFraction: Double = 0.8, seed: UInt64)
        -> (train: [STEADTrace], test: [STEADTrace]) {
        let quakes = traces.filter { $0.isEarthquake && $0.passesReferenceCleaning }.sorted { $0.startTime < $1.startTime }
        let cut = Int((Double(quakes.count) * trainFraction).rounded(.down))
        let trainQuakes = Array(quakes[..<cut]), testQuakes = Array(quakes[cut...])
        let splitTime = testQuakes.first?.startTime ?? (trainQuakes.last?.startTime ?? "")
        let noise = traces.filter(\.isNoise)
        var rng = SeededGenerator(seed: seed)
        func sample(_ pool: [STEADTrace], _ n: Int) -> [STEADTrace] {
            Array(pool.shuffled(using: &rng).prefix(n)).sorted { $0.startTime < $1.startTime }
        }
        let trainNoise = sample(noise.filter { $0.startTime < splitTime }, trainQuakes.count)
        let testNoise = sample(noise.filter { $0.startTime >= splitTime }, testQuakes.count)
        return (trainQuakes + trainNoise, testQuakes + testNoise)
    }

    /// Counts of what a preparation did, for the summary table.
    public struct Summary: Sendable {
        public var tracesRead = 0
        public var windowsPerClass = [0, 0, 0]
        public var skipped: [String: Int] = [:]
    }

    /// Prepares windows for `traces`: detrend → taper 0.05 → high-pass 0.5 Hz on each trace, a P and an
    /// S window per earthquake (peak after the pick, shifted, as `WindowCutter`), two random noise
    /// windows per noise trace, 200 samples resampled to 80 (40 Hz). Traces are read serially from
    /// HDF5 in blocks of `blockSize` and processed in parallel, so memory stays bounded.
    /// `firstIndex` is the position of `traces[0]` in the whole list (for a shard of a
    /// data-parallel preparation): each trace's random draws depend on its global position only,
    /// so shards concatenated equal one process's result.
    public static func prepare(_ traces: [STEADTrace], hdf5 path: String, seed: UInt64, blockSize: Int = 512, firstIndex: Int = 0,
                               progress: (Int, Int) -> Void = { _, _ in }) throws -> (PreparedDataset, Summary) {
        let file = try HDF5File(readingAt: path)
        var values: [Float] = []
        var labels: [Int] = []
        var provenance: [WindowProvenance] = []
        var summary = Summary()
        var start = 0
        while start < traces.count {
            let block = Array(traces[start..<min(start + blockSize, traces.count)])
            var raw: [[Float]?] = []
            for t in block {
                do {
                    let (v, shape) = try file.readFloats("data/\(t.name)")
                    raw.append(shape.count == 2 && shape[1] == 3 && shape[0] >= 200 ? v : nil)
                } catch { raw.append(nil) }
            }
            let results = processBlock(block, raw: raw, seed: seed, firstIndex: firstIndex + start)
            for (i, r) in results.enumerated() {
                guard raw[i] != nil else { summary.skipped["unreadable trace", default: 0] += 1; continue }
                summary.tracesRead += 1
                for reason in r.skips { summary.skipped[reason, default: 0] += 1 }
                for w in r.windows {
                    values += w.values
                    labels.append(w.label)
                    summary.windowsPerClass[w.label] += 1
                    provenance.append(WindowProvenance(source: "\(path):data/\(block[i].name)", station: block[i].station,
                                                       startTime: 0, method: w.method))
                }
            }
            start += block.count
            progress(start, traces.count)
        }
        let metadata = DatasetMetadata(
            classNames: classNames, samplingRateHz: 40, windowSamples: 80, componentOrder: ["E", "N", "Z"],
            preparation: ["source": "STEAD", "chain": "detrend linear, taper 0.05 hann, highpass 0.5 Hz 4 corners",
                          "window": "200 samples at 100 Hz around the peak after the pick, resampled to 80",
                          "units": "counts (response-free: instrument responses are not removed offline)"],
            seed: seed)
        return (PreparedDataset(values: values, itemShape: [80, 3], labels: labels, provenance: provenance, metadata: metadata), summary)
    }

    private struct Window { var values: [Float]; var label: Int; var method: String }

    private static func processBlock(_ block: [STEADTrace], raw: [[Float]?], seed: UInt64, firstIndex: Int) -> [(windows: [Window], skips: [String])] {
        Parallel.map(block.count) { i in
            guard let data = raw[i] else { return ([], []) }
            return prepareTrace(block[i], data: data, seed: seed &+ UInt64(firstIndex + i) &* 0x9E37_79B9)
        }
    }

    private static func prepareTrace(_ t: STEADTrace, data: [Float], seed: UInt64) -> (windows: [Window], skips: [String]) {
        var rng = SeededGenerator(seed: seed)
        let n = data.count / 3
        let comps = (0..<3).map { c in (0..<n).map { Double(data[$0 * 3 + c]) } }
        guard let w = try? Waveform(components: comps, componentCodes: ["E", "N", "Z"], samplingRateHz: 100).preparedLikeReference() else {
            return ([], ["filter design failed"])
        }
        let cutter = WindowCutter()
        var windows: [Window] = [], skips: [String] = []
        if t.isEarthquake, let p = t.pArrivalSample, let s = t.sArrivalSample {
            let composite = w.compositeAmplitude
            for (label, arrival, next) in [(0, p / 100, Optional(s / 100)), (1, s / 100, nil)] {
                if let start = cutter.windowStart(in: w, composite: composite, arrival: arrival, nextArrival: next, using: &rng) {
                    windows.append(Window(values: cutter.cut(w, start: start), label: label, method: label == 0 ? "P:catalogue" : "S:catalogue"))
                } else { skips.append(label == 0 ? "P window outside trace" : "S window outside trace") }
            }
        } else if t.isNoise {
            for _ in 0..<2 {
                let start = Int(rng.next() % UInt64(max(n - cutter.sourceSamples, 1)))
                windows.append(Window(values: cutter.cut(w, start: start), label: 2, method: "noise:random"))
            }
        }
        return (windows, skips)
    }
}
