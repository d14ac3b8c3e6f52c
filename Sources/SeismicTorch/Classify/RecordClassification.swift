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
public struct RecordClassification: Sendable {
    public var source: String
    public var startTime: Double
    public var windowSeconds: Double
    public var classNames: [String]
    /// Predictions of the windows that carry signal, in time order.
    public var predictions: [WindowPrediction]
    /// Starts (seconds from the first sample) of windows left unclassified because they carry no
    /// signal: peak |x| ≤ `Classifier.silentPeak` after the record chain (a dead or constant
    /// record). Training drops such windows (the seed's `remove_small_amplitude`), so the model has
    /// never seen one and its answer would mean nothing.
    public var silentWindowStarts: [Double]

    public init(
        source: String, startTime: Double, windowSeconds: Double, classNames: [String], predictions: [WindowPrediction],
        silentWindowStarts: [Double] = []
    ) {
        self.source = source
        self.startTime = startTime
        self.windowSeconds = windowSeconds
        self.classNames = classNames
        self.predictions = predictions
        self.silentWindowStarts = silentWindowStarts
    }

    /// The class treated as "nothing happening": a class named Noise, else the last class.
    public var backgroundClass: Int { ModelCard.backgroundClass(of: classNames) }

    /// Whether any window is predicted as something other than the background class.
    public var hasEvent: Bool { predictions.contains { $0.label != backgroundClass } }

    /// Start of the first window predicted as `classIndex`, seconds from the record start.
    public func firstWindow(of classIndex: Int) -> Double? { predictions.first { $0.label == classIndex }?.startSeconds }

    /// Highest probability of each class over the record.
    public var maxProbabilities: [Float] {
        classNames.indices.map { c in predictions.map { $0.probabilities[c] }.max() ?? 0 }
    }
}

extension RecordClassification {
    /// The CSV columns `csvRows` fills, for classes `classNames`.
    public static func csvHeader(classNames: [String]) -> [String] {
        ["record", "window_start_s", "window_start_utc"] + classNames.map { "p_\($0)" } + ["label"]
    }

    /// One row per window in time order: the record, its start (s from the first sample and UTC
    /// ISO 8601 to the millisecond, empty when the record's time is unknown), the class
    /// probabilities (4 decimals) and the label; a window without signal has empty probabilities
    /// and the label `no_signal`.
    public func csvRows() -> [[String]] {
        let rows =
            predictions.map { p in (p.startSeconds, p.probabilities.map { String(format: "%.4f", $0) } + [classNames[p.label]]) }
            + silentWindowStarts.map { s in (s, classNames.map { _ in "" } + ["no_signal"]) }
        return rows.sorted { $0.0 < $1.0 }.map { start, values in
            [source, String(format: "%.2f", start), startTime != 0 ? UTCTime.iso8601(startTime + start, fractionDigits: 3) : ""] + values
        }
    }

    /// The record as a JSON object: source, UTC start, verdict, first window of each class,
    /// highest probabilities, silent window starts and every window.
    public func jsonObject() -> [String: Any] {
        [
            "record": source, "start_time": startTime != 0 ? UTCTime.iso8601(startTime, fractionDigits: 3) : "", "event": hasEvent,
            "first_window_seconds": Dictionary(uniqueKeysWithValues: classNames.enumerated().compactMap { c, n in firstWindow(of: c).map { (n, $0) } }),
            "max_probabilities": Dictionary(uniqueKeysWithValues: zip(classNames, maxProbabilities.map(Double.init))),
            "silent_window_starts_seconds": silentWindowStarts,
            "windows": predictions.map {
                ["start_seconds": $0.startSeconds, "probabilities": $0.probabilities.map(Double.init), "label": classNames[$0.label]]
            }
        ]
    }

    /// The JSON document of a classify run: the model, its classes and the records
    /// (`jsonObject` each), pretty-printed with sorted keys.
    public static func jsonDocument(model: String, classNames: [String], records: [[String: Any]]) throws -> String {
        let d = try JSONSerialization.data(
            withJSONObject: ["model": model, "classes": classNames, "records": records], options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: d, as: UTF8.self)
    }

    /// The record as a short text summary: the verdict, windows without signal, the first window
    /// and highest probability of each class but the background, then up to 50 windows that are
    /// not background (`--format csv` gives every window).
    public func tableLines() -> [String] {
        let bg = backgroundClass
        var lines = ["\(source): \(predictions.count) windows of \(String(format: "%.1f", windowSeconds)) s — \(hasEvent ? "EVENT" : "no event")"]
        if !silentWindowStarts.isEmpty {
            lines.append(
                "  \(silentWindowStarts.count) windows without signal (peak |x| ≤ \(Classifier.silentPeak)) not classified, from \(String(format: "%.2f s", silentWindowStarts[0]))"
            )
        }
        for (c, name) in classNames.enumerated() where c != bg {
            let first = firstWindow(of: c).map { String(format: "%.2f s", $0) } ?? "—"
            lines.append("  first \(name) window: \(first)   max P(\(name)) \(String(format: "%.3f", maxProbabilities[c]))")
        }
        let events = predictions.filter { $0.label != bg }
        guard !events.isEmpty else { return lines }
        func row(_ cells: [String]) -> String { "  " + cells.map { $0.padding(toLength: 12, withPad: " ", startingAt: 0) }.joined() }
        lines.append(row(["start (s)"] + classNames.map { "P(\($0))" } + ["label"]))
        for p in events.prefix(50) {
            lines.append(row([String(format: "%.2f", p.startSeconds)] + p.probabilities.map { String(format: "%.3f", $0) } + [classNames[p.label]]))
        }
        if events.count > 50 { lines.append("  … \(events.count - 50) more (use --format csv for every window)") }
        return lines
    }

    /// The record `waveform` (at most about 4,000 points per component) above the class
    /// probabilities at the window centres.
    public func plot(waveform w: Waveform) -> LinePlot {
        let step = max(1, w.sampleCount / 4000)
        let idx = Array(Swift.stride(from: 0, to: w.sampleCount, by: step))
        let t = idx.map { Double($0) / w.samplingRateHz }
        let centres = predictions.map { $0.startSeconds + windowSeconds / 2 }
        var plot = LinePlot(
            title: (source as NSString).lastPathComponent,
            panels: [
                Panel(
                    title: "Record", xLabel: "Time (s)", yLabel: "Amplitude",
                    series: w.components.enumerated().map { k, c in
                        Series(name: w.componentCodes[k], x: t, y: idx.map { c[$0] }, color: Palette.cycle[k % 6])
                    }),
                Panel(
                    title: "Class probabilities (window centres)", xLabel: "Time (s)", yLabel: "Probability",
                    series: classNames.enumerated().map { c, n in
                        Series(name: n, x: centres, y: predictions.map { Double($0.probabilities[c]) }, color: Palette.cycle[c % 6])
                    })
            ])
        plot.panelWidth = 900
        plot.panelHeight = 180
        return plot
    }

    /// A plot's file name (without .svg) that records with the same file name from different
    /// folders or days do not share: the record's name and its UTC start ("ST01.HLX_20200101T000000.000Z").
    public func plotName(startTime: Double) -> String {
        var name = ((source as NSString).lastPathComponent as NSString).deletingPathExtension
        if startTime > 0 {
            name += "_" + UTCTime.iso8601(startTime, fractionDigits: 3).replacingOccurrences(of: ":", with: "").replacingOccurrences(of: "-", with: "")
        }
        return name
    }
}
