// PickEvaluation: a model's picks on the whole traces of a SeisBench dataset against the
// metadata's (analyst) arrivals — residuals, the share within a tolerance, false picks per hour of
// pre-event noise.

import Foundation
import SeismicIO
import SeismicNN
import SeismicPlot
import SeismicSignal

/// What a model's picks on each whole trace of a SeisBench dataset (one split) say against the
/// metadata's arrivals. Each trace is classified as `seismic classify` classifies a record (windows
/// every `strideSeconds`, picks by `PickThresholds`, times at window centres). For each arrival the
/// residual is that of the nearest pick of its phase (pick − analyst, seconds); a pick is false when
/// its time lies in the pre-event noise: before the first arrival minus the tolerance. Noise time
/// per trace is from the first window centre (half a window in) to that bound.
public struct PickEvaluation: Sendable {
    /// One trace's outcome.
    public struct TraceResult: Sendable {
        public var traceName: String
        public var traceID: String
        /// Nearest P and S pick minus the analyst's (seconds); nil when the trace has no such arrival or no pick of the phase.
        public var residualP: Double?
        public var residualS: Double?
        public var hasP: Bool
        public var hasS: Bool
        public var falsePicks: Int
        public var noiseSeconds: Double

        public init(
            traceName: String, traceID: String, residualP: Double?, residualS: Double?, hasP: Bool, hasS: Bool, falsePicks: Int, noiseSeconds: Double
        ) {
            self.traceName = traceName
            self.traceID = traceID
            self.residualP = residualP
            self.residualS = residualS
            self.hasP = hasP
            self.hasS = hasS
            self.falsePicks = falsePicks
            self.noiseSeconds = noiseSeconds
        }
    }

    public var traces: [TraceResult]
    /// Traces not evaluated, per reason (no arrival, another split, unreadable, too short, …).
    public var skipped: [String: Int]
    public var toleranceSeconds: Double
    public var strideSeconds: Double
    public var thresholds: PickThresholds
    public var split: String?

    public init(
        traces: [TraceResult], skipped: [String: Int], toleranceSeconds: Double, strideSeconds: Double, thresholds: PickThresholds, split: String?
    ) {
        self.traces = traces
        self.skipped = skipped
        self.toleranceSeconds = toleranceSeconds
        self.strideSeconds = strideSeconds
        self.thresholds = thresholds
        self.split = split
    }

    /// Share of the traces with a P (S) arrival whose nearest P (S) pick is within the tolerance.
    public var pWithin: Double { share(\.residualP, \.hasP) }
    public var sWithin: Double { share(\.residualS, \.hasS) }
    public var falsePicks: Int { traces.map(\.falsePicks).reduce(0, +) }
    public var noiseHours: Double { traces.map(\.noiseSeconds).reduce(0, +) / 3600 }
    /// False picks per hour of pre-event noise; nil when the traces hold no such noise.
    public var falsePicksPerHour: Double? { noiseHours > 0 ? Double(falsePicks) / noiseHours : nil }

    private func share(_ residual: KeyPath<TraceResult, Double?>, _ has: KeyPath<TraceResult, Bool>) -> Double {
        let n = traces.filter { $0[keyPath: has] }.count
        guard n > 0 else { return 0 }
        return Double(traces.filter { $0[keyPath: residual].map { abs($0) <= toleranceSeconds } ?? false }.count) / Double(n)
    }

    /// Residual histogram edges: 0.1 s bins from −1 s to 1 s; residuals beyond fall in the end bins.
    public static let histogramEdges = stride(from: -1.0, through: 1.0001, by: 0.1).map { ($0 * 10).rounded() / 10 }

    /// Counts per bin of `histogramEdges`, each bin [edge, next edge) (first and last bins also
    /// hold what lies beyond).
    public func histogram(_ residual: KeyPath<TraceResult, Double?>) -> [Int] {
        let edges = Self.histogramEdges
        var counts = [Int](repeating: 0, count: edges.count - 1)
        for value in traces.compactMap({ $0[keyPath: residual] }) {
            // To the microsecond: pick times carry float32 rounding, so a residual of exactly two
            // strides (−0.2 s) must not fall into the bin below.
            let r = (value * 1e6).rounded() / 1e6
            let k = edges.lastIndex { $0 <= r } ?? 0
            counts[min(k, counts.count - 1)] += 1
        }
        return counts
    }

    /// Classifies every trace of `dataset` in `split` (all when nil) and scores its picks.
    /// - Throws: `DatasetError.incompatible` when the dataset's unit is not the model's, or
    ///   `SeisBenchError`/`CSVError`/`HDF5Error` reading it.
    public static func run(
        classifier: Classifier, dataset: SeisBenchDataset, split: String?, thresholds: PickThresholds, toleranceSeconds: Double = 0.5,
        progress: (Int, Int) -> Void = { _, _ in }
    ) throws -> PickEvaluation {
        var rows: [SeisBenchRow] = []
        for c in dataset.chunks { rows += try SeisBench.rows(of: dataset, chunk: c) }
        var result = PickEvaluation(
            traces: [], skipped: [:], toleranceSeconds: toleranceSeconds, strideSeconds: classifier.strideSeconds, thresholds: thresholds, split: split)
        let order = classifier.card.componentOrder
        var done = 0
        for chunk in dataset.chunks {
            let waveforms = try SeisBenchWaveforms(path: dataset.waveformsPath(chunk))
            let unit = try SeisBench.sampleUnit(waveforms.format, path: waveforms.file.path)
            guard unit == classifier.card.units else {
                throw DatasetError.incompatible(path: dataset.path, reason: "its waveforms are in \(unit); the model takes \(classifier.card.units)")
            }
            for row in rows where row.chunk == chunk {
                defer {
                    done += 1
                    progress(done, rows.count)
                }
                func skip(_ reason: String) { result.skipped[reason, default: 0] += 1 }
                if let split, row.split != split { skip("not in split \(split)"); continue }
                guard row.hasArrival else { skip("no P or S arrival"); continue }
                guard let name = try? SeisBenchTraceName(parsing: row.traceName),
                    let stored = try? waveforms.components(of: name, componentOrder: row.componentOrder)
                else { skip("trace unreadable"); continue }
                let letters = Array(row.componentOrder ?? waveforms.format.componentOrder ?? "")
                guard let (chosen, _) = try? ComponentMapping.select(available: Set(letters), modelOrder: order) else {
                    skip("not the model's components")
                    continue
                }
                guard let rate = row.samplingRateHz ?? (row.rateColumnPresent ? nil : waveforms.format.samplingRateHz), rate > 0 else {
                    skip("no sampling rate")
                    continue
                }
                let comps = chosen.map { c in stored[letters.firstIndex(of: c)!].map(Double.init) }
                let start = row.startTime ?? 0
                guard let waveform = try? Waveform(validating: comps, componentCodes: order, samplingRateHz: rate, startTime: start) else {
                    skip("non-finite samples or start time")
                    continue
                }
                let classification: RecordClassification
                do {
                    classification = try classifier.classify(waveform, source: row.traceName, instrumentID: row.traceID, units: unit.name)
                } catch {
                    skip("not classified (\(error))")
                    continue
                }
                let picks = classification.picks(thresholds: thresholds)
                let p = row.pArrivalSample.map { start + $0 / rate }, s = row.sArrivalSample.map { start + $0 / rate }
                func nearest(_ phase: String, _ t: Double?) -> Double? {
                    guard let t else { return nil }
                    return picks.filter { $0.phase == phase }.map { $0.peakTime - t }.min { abs($0) < abs($1) }
                }
                let first = [p, s].compactMap { $0 }.min()!
                let noiseEnd = first - toleranceSeconds
                let noiseStart = start + classifier.windowSeconds / 2
                result.traces.append(
                    TraceResult(
                        traceName: row.traceName, traceID: row.traceID, residualP: nearest("P", p), residualS: nearest("S", s), hasP: p != nil,
                        hasS: s != nil, falsePicks: picks.filter { $0.peakTime < noiseEnd }.count, noiseSeconds: max(0, noiseEnd - noiseStart)))
            }
        }
        return result
    }

    /// The summary as a table.
    public var table: String {
        func pct(_ v: Double) -> String { String(format: "%.1f %%", v * 100) }
        let withP = traces.filter(\.hasP).count, withS = traces.filter(\.hasS).count
        func median(_ v: [Double]) -> String {
            guard !v.isEmpty else { return "–" }
            let s = v.sorted()
            return String(format: "%+.2f s", s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2)
        }
        var lines = [
            "picks on \(traces.count) traces\(split.map { " (split \($0))" } ?? ""), stride \(String(format: "%g", strideSeconds)) s, tolerance ±\(String(format: "%g", toleranceSeconds)) s",
            "  P within tolerance   \(pct(pWithin)) of \(withP) (median residual \(median(traces.compactMap(\.residualP))), \(withP - traces.compactMap(\.residualP).count) without a P pick)",
            "  S within tolerance   \(pct(sWithin)) of \(withS) (median residual \(median(traces.compactMap(\.residualS))), \(withS - traces.compactMap(\.residualS).count) without an S pick)",
            "  false picks          \(falsePicks) in \(String(format: "%.2f", noiseHours * 60)) min of pre-event noise"
                + (falsePicksPerHour.map { String(format: " (%.1f per hour)", $0) } ?? "")
        ]
        for (reason, n) in skipped.sorted(by: { $0.key < $1.key }) { lines.append("  skipped              \(n) × \(reason)") }
        return lines.joined(separator: "\n")
    }

    /// The summary and every trace's residuals as JSON.
    public var json: [String: Any] {
        func opt(_ v: Double?) -> Any { v.map { $0 as Any } ?? NSNull() }
        return [
            "split": split.map { $0 as Any } ?? NSNull(), "stride_s": strideSeconds, "tolerance_s": toleranceSeconds,
            "thresholds": thresholds.byClass, "traces": traces.count, "p_within": pWithin, "s_within": sWithin, "false_picks": falsePicks,
            "noise_hours": noiseHours, "false_picks_per_hour": opt(falsePicksPerHour), "histogram_edges_s": Self.histogramEdges,
            "p_residual_histogram": histogram(\.residualP), "s_residual_histogram": histogram(\.residualS), "skipped": skipped,
            "per_trace": traces.map {
                [
                    "trace_name": $0.traceName, "trace_id": $0.traceID, "p_residual_s": opt($0.residualP), "s_residual_s": opt($0.residualS),
                    "false_picks": $0.falsePicks
                ]
                    as [String: Any]
            }
        ]
    }

    /// P and S residual histograms as one SVG (counts per 0.1 s bin, as step lines).
    public var residualPlot: String {
        let edges = Self.histogramEdges
        func steps(_ counts: [Int]) -> (x: [Double], y: [Double]) {
            var x: [Double] = [], y: [Double] = []
            for (k, c) in counts.enumerated() {
                x += [edges[k], edges[k + 1]]
                y += [Double(c), Double(c)]
            }
            return (x, y)
        }
        let p = steps(histogram(\.residualP)), s = steps(histogram(\.residualS))
        let band = Band(from: -toleranceSeconds, to: toleranceSeconds, label: "±\(String(format: "%g", toleranceSeconds)) s", color: "#dddddd")
        return LinePlot(
            title: "Pick residuals (model − analyst)",
            panels: [
                Panel(title: "P", xLabel: "residual (s)", yLabel: "traces", series: [Series(name: "P", x: p.x, y: p.y, color: "#1f77b4")], bands: [band]),
                Panel(title: "S", xLabel: "residual (s)", yLabel: "traces", series: [Series(name: "S", x: s.x, y: s.y, color: "#d62728")], bands: [band])
            ], columns: 2
        ).svg()
    }
}
