// RecordClassification: a record's window predictions, their summary, and the forms they are
// written in (CSV rows, a JSON object, a plot) — the same for every front end.

import Foundation
import SeismicIO
import SeismicNN
import SeismicPlot

/// One window's prediction.
public struct WindowPrediction: Sendable, Equatable {
    /// Seconds from the record's first sample to the window's first sample.
    public var startSeconds: Double
    public var probabilities: [Float]
    public var label: Int

    public init(startSeconds: Double, probabilities: [Float], label: Int) {
        self.startSeconds = startSeconds
        self.probabilities = probabilities
        self.label = label
    }

    /// The prediction whose label is the most probable class (ties: the first).
    public init(startSeconds: Double, probabilities: [Float]) {
        self.init(startSeconds: startSeconds, probabilities: probabilities, label: Tensor.argmax(probabilities[...]))
    }
}

/// A record's predictions and their summary.
///
/// Time convention (the same in every output: table, CSV, JSON, picks, annotations, plots and the
/// monitor): a window's prediction belongs to its centre, in UTC — the window's first sample's time
/// plus half the window — as SeisBench places a window classifier's output (GPD's `pred_sample`).
/// A record whose header gives no reference time starts at 1970-01-01T00:00:00Z, as in ObsPy.
public struct RecordClassification: Sendable {
    public var source: String
    /// The instrument the record comes from, "NET.STA.LOC.BI" (`SEEDIdentifier.instrumentID`),
    /// or "" when its files name none (a prepared dataset).
    public var instrumentID: String
    /// Time of the record's first sample, seconds since 1970-01-01 UTC.
    public var startTime: Double
    public var windowSeconds: Double
    /// Seconds between consecutive window starts; nil when the windows are not a time series (the
    /// windows of a prepared dataset: window k is "start" k, and there is no UTC time).
    public var strideSeconds: Double?
    public var classNames: [String]
    /// Predictions of the windows that carry signal, in time order.
    public var predictions: [WindowPrediction]
    /// Starts (seconds from the first sample, in time order) of windows left unclassified because they carry no
    /// signal: peak |x| ≤ `Classifier.silentPeak` after the record chain (a dead or constant
    /// record), or reaching into a run in which every component of the raw record holds one value
    /// (a zero-filled stretch: `Preprocessing.partsBetweenFlatRuns`). Training drops such windows (the seed's `remove_small_amplitude`), so the model has
    /// never seen one and its answer would mean nothing.
    public var silentWindowStarts: [Double]
    /// What the record's samples were and how they reached the model's units
    /// (`UnitConversion.description`); "" for a prepared dataset.
    public var units: String

    public init(
        source: String, instrumentID: String = "", startTime: Double, windowSeconds: Double, strideSeconds: Double?, classNames: [String],
        predictions: [WindowPrediction], silentWindowStarts: [Double] = [], units: String = ""
    ) {
        self.units = units
        self.source = source
        self.instrumentID = instrumentID
        self.startTime = startTime
        self.windowSeconds = windowSeconds
        self.strideSeconds = strideSeconds
        self.classNames = classNames
        self.predictions = predictions
        self.silentWindowStarts = silentWindowStarts
    }

    /// The class treated as "nothing happening": a class named Noise, else the last class.
    public var backgroundClass: Int { ModelCard.backgroundClass(of: classNames) }

    /// Whether the windows form a time series with UTC times (a record, not a dataset).
    public var isTimeSeries: Bool { strideSeconds != nil }

    /// The UTC time (seconds since the epoch) a window starting `startSeconds` after the first
    /// sample is reported at: its centre. Nil for a dataset's windows.
    public func time(ofWindowStartingAt startSeconds: Double) -> Double? {
        isTimeSeries ? startTime + startSeconds + windowSeconds / 2 : nil
    }

    /// SeisBench's `trace_id` for the record's picks: "NET.STA.LOC" from its SEED id, or "" when
    /// the record names no station (a miniSEED record with an empty station code, SAC files whose
    /// headers and names give no SEED id) — nothing is made up from file names.
    public var traceID: String {
        let fields = instrumentID.split(separator: ".", omittingEmptySubsequences: false)
        guard fields.count == 4, !fields[1].isEmpty else { return "" }
        return fields[0...2].joined(separator: ".")
    }

    /// Highest probability of each class over the record.
    public var maxProbabilities: [Float] {
        classNames.indices.map { c in predictions.map { $0.probabilities[c] }.max() ?? 0 }
    }
}

extension RecordClassification {
    /// The CSV columns `csvRows` fills, for classes `classNames`.
    public static func csvHeader(classNames: [String]) -> [String] {
        ["record", "instrument", "window", "time"] + classNames.map { "p_\($0)" } + ["label"]
    }

    /// Every window in time order, classified or not: its index (k for the window starting k
    /// strides after the first sample; a dataset's window index), its time (the centre, UTC ISO
    /// 8601 to the microsecond; empty for a dataset's windows), the class probabilities (4
    /// decimals) and the label; a window without signal has empty probabilities and the label
    /// `no_signal`.
    public func csvRows() -> [[String]] {
        var rows: [[String]] = []
        forEachCSVRow { rows.append($0) }
        return rows
    }

    /// `csvRows` one row at a time, in time order, without holding them all (a long record's
    /// rows take ten times its predictions' memory).
    public func forEachCSVRow(_ body: ([String]) throws -> Void) rethrows {
        func row(_ start: Double, _ values: [String]) -> [String] {
            [source, instrumentID, "\(windowIndex(start))", time(ofWindowStartingAt: start).map { UTCTime.iso8601($0) } ?? ""] + values
        }
        // Both lists are in time order, and no window is in both.
        var p = 0, q = 0
        while p < predictions.count || q < silentWindowStarts.count {
            if q == silentWindowStarts.count || (p < predictions.count && predictions[p].startSeconds < silentWindowStarts[q]) {
                let prediction = predictions[p]
                try body(row(prediction.startSeconds, prediction.probabilities.map(Self.fourDecimals) + [classNames[prediction.label]]))
                p += 1
            } else {
                try body(row(silentWindowStarts[q], classNames.map { _ in "" } + ["no_signal"]))
                q += 1
            }
        }
    }

    /// `x` as String(format: "%.4f", x) writes it. For 0 ≤ x < 10⁹ without the formatter: x·10⁴
    /// is exact in Double (24 + 14 bits), so rounding it half to even is printf's rounding of x.
    public static func fourDecimals(_ x: Float) -> String {
        guard x.sign == .plus, x < 1e9 else { return String(format: "%.4f", x) }
        let n = Int((Double(x) * 10_000).rounded(.toNearestOrEven))
        return "\(n / 10_000)." + UTCTime.zeroPadded(n % 10_000, 4)
    }

    /// The index of the window starting `startSeconds` after the first sample.
    func windowIndex(_ startSeconds: Double) -> Int { Int((startSeconds / (strideSeconds ?? 1)).rounded()) }

    /// The record as a JSON object: source, instrument, first sample's UTC time, window and
    /// stride, the verdict and picks under `thresholds`, highest probabilities, the windows
    /// without signal and every classified window (index, centre time, probabilities, label).
    public func jsonObject(thresholds: PickThresholds) -> [String: Any] {
        var object = jsonHead(thresholds: thresholds)
        object["windows"] = predictions.map(jsonWindow)
        return object
    }

    /// `jsonObject` without its windows (the last key).
    private func jsonHead(thresholds: PickThresholds) -> [String: Any] {
        [
            "record": source, "instrument": instrumentID, "start_time": isTimeSeries ? UTCTime.iso8601(startTime) : NSNull(),
            "window_seconds": windowSeconds, "stride_seconds": strideSeconds ?? NSNull(), "event": hasEvent(thresholds: thresholds),
            "units": units.isEmpty ? NSNull() : units,
            "picks": picks(thresholds: thresholds).map { p -> [String: Any] in
                [
                    "trace_id": p.traceID, "start_time": UTCTime.iso8601(p.startTime), "peak_time": UTCTime.iso8601(p.peakTime),
                    "end_time": UTCTime.iso8601(p.endTime), "peak_value": Double(String(format: "%.4f", p.peakValue))!, "phase": p.phase
                ]
            },
            "max_probabilities": Dictionary(uniqueKeysWithValues: zip(classNames, maxProbabilities.map(Double.init))),
            "silent_windows": silentWindowStarts.map { ["window": windowIndex($0), "time": jsonTime($0)] }
        ]
    }

    private func jsonTime(_ start: Double) -> Any { time(ofWindowStartingAt: start).map { UTCTime.iso8601($0) } ?? NSNull() }

    private func jsonWindow(_ p: WindowPrediction) -> [String: Any] {
        [
            "window": windowIndex(p.startSeconds), "time": jsonTime(p.startSeconds), "probabilities": p.probabilities.map(Double.init),
            "label": classNames[p.label]
        ]
    }

    /// `jsonObject` as JSON text nested `level` levels deep (`PrettyJSON`), handed to `write` in
    /// pieces of at most 1,000 windows, so a long record's text is never held whole.
    public func writeJSON(thresholds: PickThresholds, level: Int, to write: (String) throws -> Void) rethrows {
        var head = PrettyJSON.text(jsonHead(thresholds: thresholds), level: level)
        head.removeLast(1 + PrettyJSON.indent(level).count + 1)  // "\n" + indentation + "}"
        try write(head + ",\n" + PrettyJSON.indent(level + 1) + PrettyJSON.key("windows") + "[\n")
        var piece = ""
        for (i, p) in predictions.enumerated() {
            if i > 0 { piece += ",\n" }
            piece += PrettyJSON.indent(level + 2) + PrettyJSON.text(jsonWindow(p), level: level + 2)
            if i % 1_000 == 999 {
                try write(piece)
                piece = ""
            }
        }
        try write(piece + "\n" + PrettyJSON.indent(level + 1) + "]\n" + PrettyJSON.indent(level) + "}")
    }

    /// This record as record `index` (from 0) of the classify document: its separator ("\n" before
    /// the first, ",\n" before the others) and `writeJSON` at the records' level.
    public func writeJSONRecord(_ index: Int, thresholds: PickThresholds, to write: (String) throws -> Void) rethrows {
        try write((index == 0 ? "\n" : ",\n") + PrettyJSON.indent(2))
        try writeJSON(thresholds: thresholds, level: 2, to: write)
    }

    /// The JSON document of a classify run, up to its records: the model, its classes and the
    /// pick thresholds; then come the records (`writeJSONRecord` each), then `jsonDocumentTail`. Together the layout of `JSONSerialization`
    /// (pretty-printed, sorted keys) of the whole document.
    public static func jsonDocumentHead(model: String, classNames: [String], thresholds: PickThresholds) -> String {
        let background = ModelCard.backgroundClass(of: classNames)
        let pickThresholds = Dictionary(
            uniqueKeysWithValues: classNames.enumerated().filter { $0.offset != background }.map {
                // Through the float's shortest decimal form: 0.7, not 0.699999988079071.
                ($0.element, Double("\(thresholds.threshold(forClass: $0.element))") ?? 0)
            })
        return "{\n" + PrettyJSON.indent(1) + PrettyJSON.key("classes") + PrettyJSON.text(classNames, level: 1) + ",\n" + PrettyJSON.indent(1)
            + PrettyJSON.key("model") + PrettyJSON.quoted(model) + ",\n" + PrettyJSON.indent(1) + PrettyJSON.key("pick_thresholds")
            + PrettyJSON.text(pickThresholds, level: 1) + ",\n" + PrettyJSON.indent(1) + PrettyJSON.key("records") + "["
    }

    /// The end of the JSON document after `records` records: the time convention.
    public static func jsonDocumentTail(records: Int) -> String {
        (records == 0 ? "\n\n" : "\n") + PrettyJSON.indent(1) + "],\n" + PrettyJSON.indent(1) + PrettyJSON.key("time_convention")
            + PrettyJSON.quoted("a window's values are given at its centre (first sample + half the window), UTC ISO 8601") + "\n}"
    }

    /// The record as a short text summary: the instrument and UTC span, the verdict under
    /// `thresholds`, windows without signal, the highest probability of each class but the
    /// background, then the picks (up to 50; `--picks` writes them all).
    public func tableLines(thresholds: PickThresholds) -> [String] {
        let bg = backgroundClass
        let picks = picks(thresholds: thresholds)
        let above = predictions.filter { p in classNames.indices.contains { $0 != bg && p.probabilities[$0] > thresholds.threshold(forClass: classNames[$0]) } }
            .count
        let verdict =
            isTimeSeries
            ? (picks.isEmpty ? "no event" : "EVENT, \(picks.count) pick\(picks.count == 1 ? "" : "s")")
            : "\(above) window\(above == 1 ? "" : "s") above a pick threshold (a dataset's windows have no time: no picks)"
        var head = "\(source)"
        if !instrumentID.isEmpty, !source.hasSuffix(instrumentID) { head += " (\(instrumentID))" }
        head += ": \(predictions.count) windows of \(String(format: "%.1f", windowSeconds)) s"
        if let stride = strideSeconds, let last = (predictions.map(\.startSeconds) + silentWindowStarts).max() {
            head +=
                " every \(String(format: "%g", stride)) s, centres \(UTCTime.iso8601(startTime + windowSeconds / 2, fractionDigits: 3)) to "
                + UTCTime.iso8601(time(ofWindowStartingAt: last)!, fractionDigits: 3)
        }
        var lines = [head + " — " + verdict]
        if !units.isEmpty { lines.append("  samples: \(units)") }
        if !silentWindowStarts.isEmpty {
            lines.append("  \(silentWindowStarts.count) windows without signal (flat, or peak |x| ≤ \(Classifier.silentPeak)) not classified")
        }
        let maxima = maxProbabilities
        lines.append(
            "  max " + classNames.indices.filter { $0 != bg }.map { "P(\(classNames[$0])) \(String(format: "%.3f", maxima[$0]))" }.joined(separator: ", ")
                + " (thresholds "
                + classNames.indices.filter { $0 != bg }.map { "\(String(format: "%g", thresholds.threshold(forClass: classNames[$0])))" }.joined(
                    separator: ", ")
                + ")")
        for p in picks.prefix(50) {
            lines.append(
                "  \(p.phase.padding(toLength: 3, withPad: " ", startingAt: 0)) \(UTCTime.iso8601(p.peakTime, fractionDigits: 3))  p=\(String(format: "%.3f", p.peakValue))  \(p.traceID)"
            )
        }
        if picks.count > 50 { lines.append("  … \(picks.count - 50) more picks (--picks FILE writes them all)") }
        return lines
    }

    /// The record `waveform` (at most about 4,000 points per component) above the class
    /// probabilities at the window centres, both against seconds after the record's first sample
    /// (its UTC time in the axis label), titled with the instrument.
    public func plot(waveform w: Waveform) -> LinePlot {
        let step = Self.plotStep(sampleCount: w.sampleCount)
        let idx = Array(Swift.stride(from: 0, to: w.sampleCount, by: step))
        let t = idx.map { Double($0) / w.samplingRateHz }
        let centres = predictions.map { $0.startSeconds + windowSeconds / 2 }
        var plot = LinePlot(
            title: (source as NSString).lastPathComponent + (instrumentID.isEmpty || source.hasSuffix(instrumentID) ? "" : "  \(instrumentID)"),
            panels: [
                Panel(
                    title: "Record", xLabel: "Seconds after \(UTCTime.iso8601(w.startTime, fractionDigits: 3))", yLabel: "Amplitude",
                    series: w.components.enumerated().map { k, c in
                        Series(name: w.componentCodes[k], x: t, y: idx.map { c[$0] }, color: Palette.cycle[k % 6])
                    }),
                Panel(
                    title: "Class probabilities (at window centres)", xLabel: "Seconds after \(UTCTime.iso8601(w.startTime, fractionDigits: 3))",
                    yLabel: "Probability",
                    series: classNames.enumerated().map { c, n in
                        Series(name: n, x: centres, y: predictions.map { Double($0.probabilities[c]) }, color: Palette.cycle[c % 6])
                    })
            ])
        plot.panelWidth = 900
        plot.panelHeight = 180
        return plot
    }

    /// Every how many samples a plot of a record of `sampleCount` samples draws one (about 4,000
    /// points a trace); `RecordScan` keeps exactly those samples of a streamed record.
    public static func plotStep(sampleCount: Int) -> Int { max(1, sampleCount / 4000) }

    /// A plot's file name (without .svg) that records with the same file name from different
    /// folders or days do not share: the record's name and its UTC start ("ST01.HLX_20200101T000000.000Z").
    /// An SDS span (source "ROOT NET.STA", no file of that name) is named after the archive's
    /// folder ("ARC_XX.DAY..HN_…"); spaces, "/" and control characters become underscores
    /// (`OutputPaths.fileName`: codes from a record's headers never name another folder).
    public func plotName(startTime: Double) -> String {
        var name: String
        if let space = source.lastIndex(of: " "), !FileManager.default.fileExists(atPath: source) {
            name = URL(fileURLWithPath: String(source[..<space])).standardizedFileURL.lastPathComponent  // "." → the folder's name
        } else {
            name = ((source as NSString).lastPathComponent as NSString).deletingPathExtension
        }
        if !instrumentID.isEmpty, !name.contains(instrumentID) { name += "_" + instrumentID }
        if startTime > 0 { name += "_" + UTCTime.compact(startTime) }
        return OutputPaths.fileName(name)
    }
}
