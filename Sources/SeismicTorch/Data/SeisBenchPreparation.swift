// SeisBenchPreparation: P / S / Noise windows from any dataset in SeisBench's format, streamed
// chunk by chunk and block by block, written per split.

import Foundation
import SeismicIO
import SeismicNN
import SeismicSignal

/// Where a P or S window is placed around its arrival.
public enum WindowPlacement: String, Sendable, CaseIterable {
    /// The seed's rule (`WindowCutter.windowStart`): centred on the peak of the composite amplitude
    /// within 12 s after the arrival (ending 1 s before a later one), shifted by up to ±0.8 s.
    case peak
    /// Centred on the arrival itself, shifted by up to ±`SeisBenchSettings.arrivalShiftSeconds`:
    /// the window a pick at the window centre is scored on.
    case arrival
}

/// The seed's cleaning rules as options for any SeisBench dataset. Each rule applies only when
/// set, to traces with P or S arrivals; a trace lacking the value a rule reads fails that rule.
public struct SeisBenchCleaning: Sendable, Equatable {
    /// P at least this many samples after the trace's start (the seed: 200).
    public var minimumPSample: Double?
    /// Epicentral distance below this (km; the seed: 100), from `source_distance_km` or `path_ep_distance_km`.
    public var maximumDistanceKm: Double?
    /// Median of `trace_snr_db`'s values above this (dB; the seed: 40).
    public var minimumSNRdB: Double?
    /// S more than this many samples after P (the seed: 20).
    public var minimumSMinusPSamples: Double?
    /// Both `trace_p_weight` and `trace_s_weight` above this (the seed: 0.75).
    public var minimumPickWeight: Double?

    public init() {}

    /// The seed's `clean()` on STEAD: P ≥ 200 samples, distance < 100 km, median SNR > 40 dB,
    /// S − P > 20 samples, pick weights > 0.75.
    public static var reference: SeisBenchCleaning {
        var c = SeisBenchCleaning()
        c.minimumPSample = 200
        c.maximumDistanceKm = 100
        c.minimumSNRdB = 40
        c.minimumSMinusPSamples = 20
        c.minimumPickWeight = 0.75
        return c
    }

    public var isEmpty: Bool { self == SeisBenchCleaning() }

    /// The metadata columns these rules read (any one of the names in each group).
    var columnsNeeded: [[String]] {
        var c: [[String]] = []
        if maximumDistanceKm != nil { c.append(SeisBench.distanceColumns) }
        if minimumSNRdB != nil { c.append(["trace_snr_db"]) }
        if minimumPickWeight != nil { c += [["trace_p_weight"], ["trace_s_weight"]] }
        return c
    }

    /// The first rule `row` fails, as the summary names it; nil when it passes every set rule.
    func failure(_ row: SeisBenchRow) -> String? {
        if let m = minimumPSample {
            guard let p = row.pArrivalSample, p >= m else { return "P before sample \(Self.number(m)) (or none)" }
        }
        if let m = maximumDistanceKm {
            guard let d = row.distanceKm, d >= 0, d < m else { return "epicentral distance not below \(Self.number(m)) km (or none)" }
        }
        if let m = minimumSNRdB {
            let v = row.snrDb.sorted()
            guard !v.isEmpty else { return "no SNR" }
            let median = v.count % 2 == 1 ? v[v.count / 2] : (v[v.count / 2 - 1] + v[v.count / 2]) / 2
            if median <= m { return "median SNR ≤ \(Self.number(m)) dB" }
        }
        if let m = minimumSMinusPSamples {
            guard let p = row.pArrivalSample, let s = row.sArrivalSample, s - p > m else {
                return "S not more than \(Self.number(m)) samples after P (or no P and S)"
            }
        }
        if let m = minimumPickWeight {
            guard let pw = row.pWeight, let sw = row.sWeight, pw > m, sw > m else { return "pick weight ≤ \(Self.number(m)) (or none)" }
        }
        return nil
    }

    private static func number(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v) }
}

/// How `SeisBench.prepare` cuts windows.
public struct SeisBenchSettings: Sendable {
    public var seed: UInt64 = 0
    public var cleaning = SeisBenchCleaning()
    public var placement = WindowPlacement.peak
    /// Largest shift of a window centred on its arrival (`.arrival`), seconds either way.
    public var arrivalShiftSeconds = 0.2
    /// Windows cut per arrival, each with its own random shift (1: the seed's).
    public var windowsPerArrival = 1
    /// Random noise windows per noise trace (the seed cuts 2 per STEAD noise trace).
    public var noiseWindowsPerNoiseTrace = 2
    /// Random noise windows cut before P in each earthquake trace (0: none, the seed's), each ending
    /// at least `noiseMarginSeconds` before P.
    public var noiseWindowsBeforeP = 0
    public var noiseMarginSeconds = 0.5
    /// Share of stations whose traces go to test.h5 when the metadata has no `split` column.
    public var testFraction = 0.2
    /// Traces read per block (read serially, processed in parallel).
    public var blockSize = 256
    public var preprocessing = Preprocessing.reference
    public var windowSamples = 80

    public init() {}
}

/// One metadata row: what the preparation reads from SeisBench's columns.
public struct SeisBenchRow: Sendable, Equatable {
    public var chunk: String
    /// 0-based row in its chunk's metadata.
    public var row: Int
    public var traceName: String
    public var category: String
    public var pArrivalSample: Double?
    public var sArrivalSample: Double?
    /// NET.STA.LOC from `station_network_code`, `station_code`, `station_location_code` ("" when absent).
    public var traceID: String
    /// NET.STA, for the split by station.
    public var station: String
    public var startTime: Double?
    public var split: String?
    /// The trace's rate from `trace_sampling_rate_hz` or 1 / `trace_dt_s`; nil when neither holds one.
    public var samplingRateHz: Double?
    /// Whether the metadata has a rate column: then (as in SeisBench) the data_format's rate does
    /// not stand in for an empty cell.
    public var rateColumnPresent: Bool
    public var componentOrder: String?
    public var distanceKm: Double?
    public var snrDb: [Double]
    public var pWeight: Double?
    public var sWeight: Double?

    /// A noise trace: `trace_category` "noise" (STEAD, INSTANCE's noise set).
    public var isNoise: Bool { category.lowercased() == "noise" }
    /// A trace with a P or S arrival.
    public var hasArrival: Bool { pArrivalSample != nil || sArrivalSample != nil }
}

/// Reads SeisBench datasets and prepares windows the seed's way.
public enum SeisBench {
    public static let classNames = ["P-wave", "S-wave", "Noise"]
    /// Epicentral distance columns, in the order they are looked for.
    public static let distanceColumns = ["source_distance_km", "path_ep_distance_km"]
    /// The splits SeisBench's `split` column names, in the order files are written.
    public static let splitNames = ["train", "dev", "test"]
    /// The part holding rows whose split value is none of `splitNames` (never written).
    public static let unsplit = "(none)"

    /// Whether the prepared dataset at `path` was made by `prepare` (its preparation names a
    /// SeisBench dataset as its source).
    public static func isSeisBenchPreparation(at path: String) -> Bool {
        guard let f = try? HDF5File(readingAt: path), let text = try? f.stringAttribute("preparation", of: "/"),
            let fields = try? JSONDecoder().decode([String: String].self, from: Data(text.utf8))
        else { return false }
        return fields["source"]?.hasPrefix("SeisBench dataset ") ?? false
    }

    /// The rows of one chunk's metadata. P is the earliest of the columns `trace_X_arrival_sample`
    /// whose phase X is "p" or starts with "P" (P, Pg, Pn, P1, PmP: SeisBench's converters name
    /// them by the catalogue's phase hint), S likewise with "s"/"S"; depth phases (pP, sP, pwP)
    /// are not first arrivals and are left out.
    /// - Throws: `CSVError` (no `trace_name` column; unreadable file).
    public static func rows(of dataset: SeisBenchDataset, chunk: String) throws -> [SeisBenchRow] {
        let table = try CSVTable(contentsOf: dataset.metadataPath(chunk), requiring: ["trace_name"])
        func number(_ r: Int, _ names: [String]) -> Double? {
            for n in names { if let v = table.double(r, n), v.isFinite { return v } }
            return nil
        }
        func text(_ r: Int, _ name: String) -> String? {
            guard let v = table.value(r, name)?.trimmingCharacters(in: .whitespaces), !v.isEmpty, v.lowercased() != "nan" else { return nil }
            return v
        }
        func phase(_ column: String) -> String? {
            guard column.hasPrefix("trace_"), column.hasSuffix("_arrival_sample") else { return nil }
            return String(column.dropFirst(6).dropLast(15))
        }
        let pColumns = table.header.filter { c in phase(c).map { $0 == "p" || $0.hasPrefix("P") } ?? false }
        let sColumns = table.header.filter { c in phase(c).map { $0 == "s" || $0.hasPrefix("S") } ?? false }
        func first(_ r: Int, _ columns: [String]) -> Double? { columns.compactMap { c in table.double(r, c).flatMap { $0.isFinite ? $0 : nil } }.min() }
        let rateColumns = table.header.contains("trace_sampling_rate_hz") || table.header.contains("trace_dt_s")
        return table.rows.indices.map { r in
            let net = text(r, "station_network_code") ?? "", sta = text(r, "station_code") ?? "", loc = text(r, "station_location_code") ?? ""
            let snr = (table.value(r, "trace_snr_db") ?? "").split(whereSeparator: { "[] ,;|".contains($0) }).compactMap { Double($0) }
                .filter(\.isFinite)
            let dt = number(r, ["trace_dt_s"]).flatMap { $0 > 0 ? 1 / $0 : nil }
            return SeisBenchRow(
                chunk: chunk, row: r, traceName: table.value(r, "trace_name") ?? "", category: text(r, "trace_category") ?? "",
                pArrivalSample: first(r, pColumns), sArrivalSample: first(r, sColumns),
                traceID: net.isEmpty && sta.isEmpty ? "" : "\(net).\(sta).\(loc)", station: net.isEmpty && sta.isEmpty ? "" : "\(net).\(sta)",
                startTime: text(r, "trace_start_time").flatMap(UTCTime.parse), split: text(r, "split")?.lowercased(),
                samplingRateHz: number(r, ["trace_sampling_rate_hz"]).flatMap { $0 > 0 ? $0 : nil } ?? dt, rateColumnPresent: rateColumns,
                componentOrder: text(r, "trace_component_order"),
                distanceKm: number(r, distanceColumns), snrDb: snr, pWeight: number(r, ["trace_p_weight"]), sWeight: number(r, ["trace_s_weight"]))
        }
    }

    /// Counts of what a preparation did, per split file (the same counts as a STEAD preparation).
    public typealias Summary = STEAD.Summary

    /// One written split: its name ("train", "dev", "test"), windows and counts.
    public struct Part: Sendable {
        public var name: String
        public var dataset: PreparedDataset
        public var summary: Summary
    }

    /// Which split each row goes to: the metadata's `split` column when the dataset has one
    /// (train, dev, test; rows with another value are left out), else by station — a share
    /// `testFraction` of the stations (NET.STA), chosen with `seed`, to "test", the rest to
    /// "train", so no station is in both. Rows without a station are split one by one (seeded).
    /// Returns the split per row (nil: left out) and how the split was made, in words.
    public static func assignSplits(_ rows: [SeisBenchRow], testFraction: Double, seed: UInt64) -> (splits: [String?], method: String) {
        if rows.contains(where: { $0.split != nil }) {
            return (rows.map { r in r.split.flatMap { splitNames.contains($0) ? $0 : nil } }, "the metadata's split column")
        }
        let stations = Array(Set(rows.map(\.station).filter { !$0.isEmpty })).sorted()
        var rng = SeededGenerator(seed: seed ^ 0x5EED_5B17)
        let testCount = Int((Double(stations.count) * testFraction).rounded())
        let test = Set(stations.shuffled(using: &rng).prefix(testCount))
        let splits: [String?] = rows.map { r in
            if r.station.isEmpty { return Double(rng.nextUnitFloat()) < testFraction ? "test" : "train" }
            return test.contains(r.station) ? "test" : "train"
        }
        return (splits, "by station: \(test.count) of \(stations.count) stations held out for test (seed \(seed))")
    }

    /// The samples' unit a dataset's `data_format` states: counts when it says "counts" or
    /// nothing, an acceleration unit when it names one ("m/s2", "mps2", "gal", "g", …).
    /// - Throws: `DatasetError.unusable` for velocity, displacement or another unit: the
    ///   models take acceleration or counts.
    public static func sampleUnit(_ format: SeisBenchDataFormat, path: String) throws -> SampleUnit {
        guard let unit = format.unit?.trimmingCharacters(in: .whitespaces), !unit.isEmpty else { return .counts }
        let spelled = ["mps2": "m/s2", "m/s²": "m/s2"][unit.lowercased()] ?? unit
        if let u = SampleUnit(name: spelled) { return u }
        throw DatasetError.unusable(
            path: path,
            reason: "its waveforms are in \"\(unit)\"\(format.measurement.map { " (\($0))" } ?? ""); the models take counts or acceleration (m/s2, gal, g)")
    }

    /// Prepares windows from the dataset at `dataset`: for each trace (read by `trace_name`,
    /// components in E, N, Z order as `ComponentMapping` chooses them, resampled to the chain's
    /// rate as SeisBench's `sampling_rate` option does when the trace's rate differs), the record
    /// chain (detrend, taper, high-pass), a P and an S window per arrival (`settings.placement`),
    /// noise windows from noise traces and, when asked, before P; 200 samples resampled to 80.
    /// Traces are read in blocks of `settings.blockSize`, so memory holds one block of traces and
    /// the windows cut so far (960 bytes each). Random draws depend on each trace's position in
    /// the dataset only.
    /// - Returns: one part per split that received windows or traces, in the order train, dev, test
    ///   (then `unsplit`, the rows with another split value, to report and never write), and how
    ///   the split was made.
    /// - Throws: `SeisBenchError`, `CSVError`, `HDF5Error`; `DatasetError.unusable` for a unit
    ///   the models cannot take or cleaning rules whose columns the metadata lacks.
    public static func prepare(
        _ dataset: SeisBenchDataset, settings: SeisBenchSettings, progress: (Int, Int) -> Void = { _, _ in }
    ) throws -> (parts: [Part], splitMethod: String) {
        var rows: [SeisBenchRow] = []
        var headers: [[String]] = []
        for c in dataset.chunks {
            rows += try Self.rows(of: dataset, chunk: c)
            headers.append(try CSVTable(contentsOf: dataset.metadataPath(c)).header)
        }
        for group in settings.cleaning.columnsNeeded where !headers.allSatisfy({ h in group.contains(where: h.contains) }) {
            throw DatasetError.unusable(
                path: dataset.path, reason: "a cleaning option reads \(group.joined(separator: " or ")), which its metadata does not have")
        }
        let (splits, method) = assignSplits(rows, testFraction: settings.testFraction, seed: settings.seed)
        var accumulators: [String: Accumulator] = [:]
        var unit: SampleUnit?
        var global = 0
        for chunk in dataset.chunks {
            let waveforms = try SeisBenchWaveforms(path: dataset.waveformsPath(chunk))
            let chunkUnit = try sampleUnit(waveforms.format, path: waveforms.file.path)
            if let unit, unit != chunkUnit {
                throw DatasetError.unusable(path: dataset.path, reason: "its chunks hold different units (\(unit) and \(chunkUnit))")
            }
            unit = chunkUnit
            let indices = rows.indices.filter { rows[$0].chunk == chunk }
            var start = 0
            while start < indices.count {
                let block = Array(indices[start..<min(start + settings.blockSize, indices.count)])
                var raw: [Result<(Waveform, Double), Skip>] = []
                for i in block {
                    raw.append(read(rows[i], from: waveforms, split: splits[i], settings: settings))
                }
                let results = Parallel.map(block.count) { k -> Result<[CutWindow], Skip> in
                    raw[k].flatMap { w, traceRate in
                        cutWindows(
                            rows[block[k]], waveform: w, traceRateHz: traceRate, settings: settings, seed: settings.seed &+ UInt64(global + k) &* 0x9E37_79B9)
                    }
                }
                for (k, i) in block.enumerated() {
                    let name = splits[i] ?? unsplit
                    var acc = accumulators[name] ?? Accumulator()
                    switch results[k] {
                    case .failure(let skip): acc.summary.skipped[skip.reason, default: 0] += 1
                    case .success(let windows):
                        acc.summary.tracesRead += 1
                        for w in windows {
                            if let reason = w.skip { acc.summary.skipped[reason, default: 0] += 1; continue }
                            acc.values += w.values
                            acc.labels.append(w.label)
                            acc.summary.windowsPerClass[w.label] += 1
                            let t0 = rows[i].startTime ?? 0
                            acc.provenance.append(
                                WindowProvenance(
                                    source: "\(dataset.waveformsPath(chunk)):\(rows[i].traceName)", station: rows[i].traceID,
                                    startTime: rows[i].startTime == nil ? 0 : t0 + w.startSeconds, method: w.method))
                        }
                    }
                    accumulators[name] = acc
                }
                start += block.count
                global += block.count
                progress(global, rows.count)
            }
        }
        let metadata = DatasetMetadata(
            input: InputContract(
                classNames: classNames, samplingRateHz: Double(settings.windowSamples) / settings.preprocessing.windowSeconds,
                windowSamples: settings.windowSamples, componentOrder: ["E", "N", "Z"], units: unit ?? .counts, preprocessing: settings.preprocessing),
            preparation: [
                "source": "SeisBench dataset \(dataset.path)", "chain": settings.preprocessing.recordStepsDescription,
                "window":
                    "\(settings.preprocessing.sourceWindowSamples) samples at \(settings.preprocessing.sourceSamplingRateHz) Hz, placed by \(settings.placement.rawValue), resampled to \(settings.windowSamples)",
                "split": method
            ],
            seed: settings.seed)
        var parts: [Part] = []
        // Rows with another split value come last, as a part named `unsplit` that is never written.
        for name in splitNames + [unsplit] {
            guard let acc = accumulators[name] else { continue }
            parts.append(Part(name: name, dataset: acc.dataset(metadata), summary: acc.summary))
        }
        return (parts, method)
    }

    /// Windows and counts gathered for one split.
    private struct Accumulator {
        var values: [Float] = []
        var labels: [Int] = []
        var provenance: [WindowProvenance] = []
        var summary = Summary()
        func dataset(_ metadata: DatasetMetadata) -> PreparedDataset {
            PreparedDataset(values: values, itemShape: [metadata.input.windowSamples, 3], labels: labels, provenance: provenance, metadata: metadata)
        }
    }

    /// Why a trace gave no windows.
    struct Skip: Error { var reason: String }

    /// A cut window, or a window that could not be cut (`skip`).
    struct CutWindow {
        var values: [Float] = []
        var label = 0
        var method = ""
        var startSeconds = 0.0
        var skip: String?
    }

    /// One row's trace as a three-component waveform in E, N, Z order at the chain's rate, with
    /// the trace's own rate (what its arrival samples count at).
    private static func read(_ row: SeisBenchRow, from waveforms: SeisBenchWaveforms, split: String?, settings: SeisBenchSettings)
        -> Result<(Waveform, Double), Skip>
    {
        guard split != nil else { return .failure(Skip(reason: "split \"\(row.split ?? "")\" (not train, dev or test)")) }
        guard row.isNoise || row.hasArrival else { return .failure(Skip(reason: "neither noise nor P or S arrival")) }
        if row.hasArrival, let reason = settings.cleaning.failure(row) { return .failure(Skip(reason: "cleaning: " + reason)) }
        let trace: (waveform: Waveform, rate: Double)
        switch traceWaveform(row, from: waveforms, componentOrder: ["E", "N", "Z"]) {
        case .success(let t): trace = t
        case .failure(let skip): return .failure(skip)
        }
        let rate = trace.rate
        // Resampling to the chain's rate multiplies the samples by chain rate ÷ trace rate: rates
        // below a tenth of it (10 Hz for 100 Hz) are not traces to prepare.
        let target = settings.preprocessing.sourceSamplingRateHz
        guard rate >= target / 10 else { return .failure(Skip(reason: "sampling rate below \(target / 10) Hz")) }
        var comps = trace.waveform.components
        if !settings.preprocessing.cutsWindows(atRateHz: rate) {
            let n = Int((Double(comps[0].count) * target / rate).rounded())
            guard n >= settings.preprocessing.sourceWindowSamples else { return .failure(Skip(reason: "shorter than a window")) }
            let resampler = FourierResampler(from: comps[0].count, to: n)
            comps = comps.map { resampler($0) }
        }
        return .success((Waveform(components: comps, componentCodes: ["E", "N", "Z"], samplingRateHz: target), rate))
    }

    /// One row's trace as a waveform of the components `componentOrder` names (mapped by
    /// `ComponentMapping`), at the trace's own rate — the metadata's rate columns when the dataset
    /// has them, else data_format's (as SeisBench) — starting at `trace_start_time` (0 when
    /// absent), with that rate. Prep and pick evaluation read traces through it alone.
    static func traceWaveform(_ row: SeisBenchRow, from waveforms: SeisBenchWaveforms, componentOrder: [String])
        -> Result<(waveform: Waveform, rate: Double), Skip>
    {
        let components: [[Float]]
        do {
            let name = try SeisBenchTraceName(parsing: row.traceName)
            components = try waveforms.components(of: name, componentOrder: row.componentOrder)
        } catch let e as SeisBenchError {
            if case .badTraceName = e { return .failure(Skip(reason: "trace_name not found or not understood")) }
            return .failure(Skip(reason: "trace missing or of another shape"))
        } catch {
            return .failure(Skip(reason: "trace unreadable"))
        }
        let letters = Array(row.componentOrder ?? waveforms.format.componentOrder ?? "")
        guard let (chosen, _) = try? ComponentMapping.select(available: Set(letters), modelOrder: componentOrder),
            chosen.allSatisfy({ c in letters.firstIndex(of: c).map { $0 < components.count } ?? false })
        else {
            let reason =
                componentOrder == ["E", "N", "Z"] ? "not three components (E, N, Z or 1, 2, Z)" : "not the model's components \(componentOrder.joined())"
            return .failure(Skip(reason: reason))
        }
        guard let rate = row.samplingRateHz ?? (row.rateColumnPresent ? nil : waveforms.format.samplingRateHz) else {
            return .failure(Skip(reason: "no sampling rate"))
        }
        guard rate > 0, rate <= 100_000 else { return .failure(Skip(reason: "sampling rate outside 0–100000 Hz")) }
        let comps = chosen.map { c in components[letters.firstIndex(of: c)!].map(Double.init) }
        guard let w = try? Waveform(validating: comps, componentCodes: componentOrder, samplingRateHz: rate, startTime: row.startTime ?? 0) else {
            return .failure(Skip(reason: "non-finite samples"))
        }
        return .success((w, rate))
    }

    /// The windows of one trace (already at the chain's rate; the row's arrival samples count at `traceRateHz`).
    static func cutWindows(_ row: SeisBenchRow, waveform raw: Waveform, traceRateHz: Double, settings: SeisBenchSettings, seed: UInt64)
        -> Result<[CutWindow], Skip>
    {
        var rng = SeededGenerator(seed: seed)
        let chainRate = settings.preprocessing.sourceSamplingRateHz
        let n = raw.sampleCount
        let cutter = settings.preprocessing.windowCutter(windowSamples: settings.windowSamples)
        let length = cutter.sourceSamples
        guard n >= length else { return .failure(Skip(reason: "shorter than a window")) }
        guard let w = try? settings.preprocessing.prepareRecord(raw) else { return .failure(Skip(reason: "filter design failed")) }
        func random(_ r: ClosedRange<Int>) -> Int { r.lowerBound + Int(rng.next() % UInt64(r.count)) }
        var windows: [CutWindow] = []
        func window(_ start: Int, _ label: Int, _ method: String) -> CutWindow {
            CutWindow(values: cutter.cut(w, start: start), label: label, method: method, startSeconds: Double(start) / chainRate)
        }
        if row.isNoise {
            for _ in 0..<settings.noiseWindowsPerNoiseTrace { windows.append(window(random(0...(n - length)), 2, "noise:random")) }
            return .success(windows)
        }
        let duration = Double(n) / chainRate
        // Arrivals in seconds from the first sample.
        let p = row.pArrivalSample.map { $0 / traceRateHz }
        let s = row.sArrivalSample.map { $0 / traceRateHz }
        for arrival in [p, s].compactMap({ $0 }) where !(arrival >= 0 && arrival < duration) {
            return .failure(Skip(reason: "arrival not a sample of the trace"))
        }
        let composite = settings.placement == .peak ? w.compositeAmplitude : []
        for (label, arrival, next) in [(0, p, s), (1, s, nil)] {
            guard let arrival else { continue }
            for _ in 0..<settings.windowsPerArrival {
                let name = label == 0 ? "P" : "S"
                let start: Int?
                switch settings.placement {
                case .peak:
                    if let next, next - cutter.guardSeconds <= arrival {
                        // The seed searches the peak between P and 1 s before S: nothing to search.
                        windows.append(CutWindow(skip: "\(name): S within 1 s of P, no peak to centre on (--placement arrival centres on the pick)"))
                        continue
                    }
                    start = cutter.windowStart(in: w, composite: composite, arrival: arrival, nextArrival: next, using: &rng)
                case .arrival:
                    let shift = Int((settings.arrivalShiftSeconds * chainRate).rounded())
                    let s0 = Int((arrival * chainRate).rounded()) - length / 2 + random(-shift...shift)
                    start = s0 >= 0 && s0 + length <= n ? s0 : nil
                }
                if let start {
                    windows.append(window(start, label, "\(name):catalogue"))
                } else {
                    windows.append(CutWindow(skip: "\(name) window outside trace"))
                }
            }
        }
        if settings.noiseWindowsBeforeP > 0, let first = [p, s].compactMap({ $0 }).min() {
            let last = Int(((first - settings.noiseMarginSeconds) * chainRate).rounded(.down)) - length
            for _ in 0..<settings.noiseWindowsBeforeP {
                if last >= 0 {
                    windows.append(window(random(0...last), 2, "noise:before-P"))
                } else {
                    windows.append(CutWindow(skip: "no room for a noise window before the first arrival"))
                }
            }
        }
        return .success(windows)
    }
}
