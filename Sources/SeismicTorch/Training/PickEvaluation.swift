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
/// its time lies in the pre-event noise: before the first arrival minus the tolerance (noise time
/// from the first window centre, half a window in, to that bound), or anywhere in a noise trace
/// (`trace_category` noise; its noise time runs between the first and last window centres).
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
        /// Picks from the first arrival on (minus the tolerance) that are not the one pick scored
        /// for an arrival: a repeated P or S in the coda, a P near S. Not in the false-pick rate,
        /// which is of noise; they lower `pickPrecision`.
        public var extraPicks: Int
        /// All picks of the trace.
        public var picks: Int

        public init(
            traceName: String, traceID: String, residualP: Double?, residualS: Double?, hasP: Bool, hasS: Bool, falsePicks: Int, noiseSeconds: Double,
            extraPicks: Int = 0, picks: Int = 0
        ) {
            self.traceName = traceName
            self.traceID = traceID
            self.residualP = residualP
            self.residualS = residualS
            self.hasP = hasP
            self.hasS = hasS
            self.falsePicks = falsePicks
            self.noiseSeconds = noiseSeconds
            self.extraPicks = extraPicks
            self.picks = picks
        }
    }

    public var traces: [TraceResult]
    /// Traces not evaluated, per reason (no arrival, another split, unreadable, too short, …).
    public var skipped: [String: Int]
    public var toleranceSeconds: Double
    public var strideSeconds: Double
    public var thresholds: PickThresholds
    public var split: String?
    /// The model's classes (for the thresholds in the JSON).
    public var classNames: [String] = []
    /// The split column's values in the dataset (empty without the column).
    public var splitValues: Set<String> = []

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
    public var extraPicks: Int { traces.map(\.extraPicks).reduce(0, +) }
    /// Picks that score an arrival (one per arrival at most, within the tolerance) over all picks:
    /// a model that picks everything everywhere gets its hits but a low precision.
    public var pickPrecision: Double? {
        let all = traces.map(\.picks).reduce(0, +)
        guard all > 0 else { return nil }
        let hits =
            traces.filter { $0.residualP.map { abs($0) <= toleranceSeconds } ?? false }.count
            + traces.filter { $0.residualS.map { abs($0) <= toleranceSeconds } ?? false }.count
        return Double(hits) / Double(all)
    }
    public var noiseHours: Double { traces.map(\.noiseSeconds).reduce(0, +) / 3600 }
    /// False picks per hour of pre-event noise; nil when the traces hold no such noise.
    public var falsePicksPerHour: Double? { noiseHours > 0 ? Double(falsePicks) / noiseHours : nil }

    private func share(_ residual: KeyPath<TraceResult, Double?>, _ has: KeyPath<TraceResult, Bool>) -> Double {
        let n = traces.filter { $0[keyPath: has] }.count
        guard n > 0 else { return 0 }
        return Double(traces.filter { $0[keyPath: residual].map { abs($0) <= toleranceSeconds } ?? false }.count) / Double(n)
    }

    /// Residual histogram edges: 0.1 s bins over ±max(1 s, 2 × the tolerance); residuals beyond
    /// fall in the end bins.
    public var histogramEdges: [Double] {
        let span = max(1.0, (2 * toleranceSeconds * 10).rounded(.up) / 10)
        return stride(from: -span, through: span + 1e-9, by: 0.1).map { ($0 * 10).rounded() / 10 }
    }

    /// Counts per bin of `histogramEdges`, each bin [edge, next edge) (first and last bins also
    /// hold what lies beyond).
    public func histogram(_ residual: KeyPath<TraceResult, Double?>) -> [Int] {
        let edges = histogramEdges
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

    /// What `run(checkpoint:…)` refuses before or after classifying.
    public enum RunError: Error, CustomStringConvertible {
        /// The model classifies spectrogram images, which give no picks.
        case spectrogramModel(checkpoint: String)
        /// Pick thresholds that do not parse for the model's classes.
        case thresholds(PickThresholds.ParseError)
        /// No trace with an arrival (or noise trace) was evaluated: `splitValues` are those the
        /// metadata has (empty: no split column), `skipped` why each trace was left out.
        case noTraces(path: String, split: String?, splitValues: Set<String>, skipped: [String: Int])

        public var description: String {
            switch self {
            case .spectrogramModel(let checkpoint): return "picks are evaluated for time-series models; \(checkpoint) is a spectrogram model"
            case .thresholds(let e): return "pick thresholds: \(e)"
            case .noTraces(let path, let split, let values, let skipped):
                var hint = ""
                if split != nil {
                    hint =
                        values.isEmpty
                        ? " (the metadata has no split column: evaluate split all)"
                        : " (its split values: \(values.sorted().joined(separator: ", ")); or all)"
                }
                return "\(path): no trace with an arrival\(split.map { " in split \($0)" } ?? "") was evaluated\(hint); \(STEAD.Summary.report(skipped))"
            }
        }
    }

    /// `run(classifier:…)` from names, as `seismic evaluate --seisbench` runs it: loads
    /// `checkpoint` (a path or a built-in model's name), parses `thresholds` ("P=0.6,S=0.5"; nil:
    /// the defaults), opens the SeisBench dataset at `datasetPath` and classifies its traces
    /// `strideSeconds` apart.
    /// - Throws: `CheckpointError` loading the model; `RunError` for a spectrogram model, thresholds
    ///   that do not parse, or when no trace was evaluated; what `run(classifier:…)` throws.
    public static func run(
        checkpoint: String, datasetPath: String, split: String?, thresholds: String?, strideSeconds: Double, toleranceSeconds: Double = 0.5,
        progress: (Int, Int) -> Void = { _, _ in }
    ) throws -> PickEvaluation {
        let (net, card) = try Checkpoint.load(from: checkpoint)
        guard card.architecture.inputShape[0] == 1 else { throw RunError.spectrogramModel(checkpoint: checkpoint) }
        var pickThresholds = PickThresholds()
        if let thresholds {
            do throws(PickThresholds.ParseError) {
                pickThresholds = try PickThresholds(parsing: thresholds, classNames: card.classNames)
            } catch {
                throw RunError.thresholds(error)
            }
        }
        let dataset = try SeisBenchDataset(path: datasetPath)
        let classifier = Classifier(model: net, card: card, strideSeconds: strideSeconds, modelName: checkpoint)
        let result = try run(
            classifier: classifier, dataset: dataset, split: split, thresholds: pickThresholds, toleranceSeconds: toleranceSeconds, progress: progress)
        guard !result.traces.isEmpty else {
            throw RunError.noTraces(path: datasetPath, split: split, splitValues: result.splitValues, skipped: result.skipped)
        }
        return result
    }

    /// Classifies every trace of `dataset` in `split` (all when nil) and scores its picks.
    /// - Throws: `DatasetError.unusable` when the dataset's unit is not the model's, or
    ///   `SeisBenchError`/`CSVError`/`HDF5Error` reading it.
    public static func run(
        classifier: Classifier, dataset: SeisBenchDataset, split: String?, thresholds: PickThresholds, toleranceSeconds: Double = 0.5,
        progress: (Int, Int) -> Void = { _, _ in }
    ) throws -> PickEvaluation {
        var rows: [SeisBenchRow] = []
        for c in dataset.chunks { rows += try SeisBench.rows(of: dataset, chunk: c) }
        var result = PickEvaluation(
            traces: [], skipped: [:], toleranceSeconds: toleranceSeconds, strideSeconds: classifier.strideSeconds, thresholds: thresholds, split: split)
        result.splitValues = Set(rows.compactMap(\.split))
        result.classNames = classifier.card.classNames
        let order = classifier.card.componentOrder
        var done = 0
        for chunk in dataset.chunks {
            let waveforms = try SeisBenchWaveforms(path: dataset.waveformsPath(chunk))
            let unit = try SeisBench.sampleUnit(waveforms.format, path: waveforms.file.path)
            guard unit == classifier.card.units else {
                throw DatasetError.unusable(path: dataset.path, reason: "its waveforms are in \(unit); the model takes \(classifier.card.units)")
            }
            for row in rows where row.chunk == chunk {
                defer {
                    done += 1
                    progress(done, rows.count)
                }
                func skip(_ reason: String) { result.skipped[reason, default: 0] += 1 }
                if let split, row.split != split { skip("not in split \(split)"); continue }
                guard row.hasArrival || row.isNoise else { skip("neither noise nor a P or S arrival"); continue }
                let waveform: Waveform
                switch SeisBench.traceWaveform(row, from: waveforms, componentOrder: order) {
                case .success(let t): waveform = t.waveform
                case .failure(let s):
                    skip(s.reason)
                    continue
                }
                let start = waveform.startTime, rate = waveform.samplingRateHz
                let classification: RecordClassification
                do {
                    classification = try classifier.classify(waveform, source: row.traceName, instrumentID: row.traceID, units: unit.name)
                } catch {
                    skip("not classified (\(error))")
                    continue
                }
                let picks = classification.picks(thresholds: thresholds)
                if !row.hasArrival {
                    // A noise trace: every pick is false; noise time between the first and last window centres.
                    result.traces.append(
                        TraceResult(
                            traceName: row.traceName, traceID: row.traceID, residualP: nil, residualS: nil, hasP: false, hasS: false,
                            falsePicks: picks.count, noiseSeconds: max(0, waveform.durationSeconds - classifier.windowSeconds), picks: picks.count))
                    continue
                }
                let p = row.pArrivalSample.map { start + $0 / rate }, s = row.sArrivalSample.map { start + $0 / rate }
                func nearest(_ phase: String, _ t: Double?) -> Double? {
                    guard let t else { return nil }
                    return picks.filter { $0.phase == phase }.map { $0.peakTime - t }.min { abs($0) < abs($1) }
                }
                let first = [p, s].compactMap { $0 }.min()!
                let noiseEnd = first - toleranceSeconds
                let noiseStart = start + classifier.windowSeconds / 2
                let residualP = nearest("P", p), residualS = nearest("S", s)
                let falsePicks = picks.filter { $0.peakTime < noiseEnd }.count
                // One pick per arrival is scored (the nearest of its phase, when within the
                // tolerance); every other pick from the first arrival on is extra.
                let scored = [residualP, residualS].filter { $0.map { abs($0) <= toleranceSeconds } ?? false }.count
                result.traces.append(
                    TraceResult(
                        traceName: row.traceName, traceID: row.traceID, residualP: residualP, residualS: residualS, hasP: p != nil,
                        hasS: s != nil, falsePicks: falsePicks, noiseSeconds: max(0, noiseEnd - noiseStart),
                        extraPicks: picks.count - falsePicks - scored, picks: picks.count))
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
            "picks on \(traces.count) traces\(split.map { " (split \($0))" } ?? "")\(noiseTraces > 0 ? ", \(noiseTraces) of them noise traces" : ""), stride \(String(format: "%g", strideSeconds)) s, tolerance ±\(String(format: "%g", toleranceSeconds)) s",
            "  P within tolerance   \(pct(pWithin)) of \(withP) (median residual \(median(traces.compactMap(\.residualP))), \(withP - traces.compactMap(\.residualP).count) without a P pick)",
            "  S within tolerance   \(pct(sWithin)) of \(withS) (median residual \(median(traces.compactMap(\.residualS))), \(withS - traces.compactMap(\.residualS).count) without an S pick)",
            "  false picks          \(falsePicks) in \(String(format: "%.2f", noiseHours * 60)) min of \(noiseTraces > 0 ? "noise (before the first arrivals and in noise traces)" : "pre-event noise")"
                + (falsePicksPerHour.map { String(format: " (%.1f per hour)", $0) } ?? ""),
            "  extra picks          \(extraPicks) after the first arrivals besides the one scored per arrival (repeated or misplaced)"
                + (pickPrecision.map { String(format: "; pick precision %.1f %%", $0 * 100) } ?? "")
        ]
        for (reason, n) in skipped.sorted(by: { $0.key < $1.key }) { lines.append("  skipped              \(n) × \(reason)") }
        return lines.joined(separator: "\n")
    }

    /// Traces of `trace_category` noise (no arrival) among `traces`.
    public var noiseTraces: Int { traces.filter { !$0.hasP && !$0.hasS }.count }

    /// The summary and every trace's residuals as JSON (times to the microsecond; thresholds of
    /// every picked class, given or default).
    public var json: [String: Any] {
        func opt(_ v: Double?) -> Any { v.map { ($0 * 1e6).rounded() / 1e6 as Any } ?? NSNull() }
        var picked: [String: Double] = [:]
        // Each threshold as its float's shortest decimal: 0.7, not 0.699999988.
        for c in classNames where c.lowercased() != "noise" { picked[c] = Double("\(thresholds.threshold(forClass: c))") ?? 0 }
        return [
            "split": split.map { $0 as Any } ?? NSNull(), "stride_s": strideSeconds, "tolerance_s": toleranceSeconds,
            "thresholds": picked, "traces": traces.count, "noise_traces": noiseTraces, "p_within": pWithin, "s_within": sWithin, "false_picks": falsePicks,
            "extra_picks": extraPicks, "pick_precision": opt(pickPrecision), "noise_hours": noiseHours, "false_picks_per_hour": opt(falsePicksPerHour),
            "histogram_edges_s": histogramEdges,
            "p_residual_histogram": histogram(\.residualP), "s_residual_histogram": histogram(\.residualS), "skipped": skipped,
            "per_trace": traces.map {
                [
                    "trace_name": $0.traceName, "trace_id": $0.traceID, "p_residual_s": opt($0.residualP), "s_residual_s": opt($0.residualS),
                    "false_picks": $0.falsePicks, "extra_picks": $0.extraPicks
                ]
                    as [String: Any]
            }
        ]
    }

    /// P and S residual histograms as one SVG (counts per 0.1 s bin, as step lines).
    public var residualPlot: String {
        let edges = histogramEdges
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
            title: String(
                format: "Pick residuals (model − analyst): P within ±%g s %.1f %%, S %.1f %%; a record without a pick of the phase is a miss",
                toleranceSeconds, pWithin * 100, sWithin * 100),
            panels: [
                Panel(title: "P", xLabel: "residual (s)", yLabel: "traces", series: [Series(name: "P", x: p.x, y: p.y, color: "#1f77b4")], bands: [band]),
                Panel(title: "S", xLabel: "residual (s)", yLabel: "traces", series: [Series(name: "S", x: s.x, y: s.y, color: "#d62728")], bands: [band])
            ], columns: 2
        ).svg()
    }
}
