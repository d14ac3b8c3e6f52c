// RecordClassification+Picks: a record's class probabilities as traces over time, the picks they
// give (threshold crossing → peak, as SeisBench) and the verdict those thresholds give.

import Foundation
import SeismicIO
import SeismicSignal

/// One class's probability over a stretch of a record where every window carries signal: a value
/// per window, at the windows' centres (UTC), `strideSeconds` apart.
public struct ProbabilityTrace: Sendable, Equatable {
    public var classIndex: Int
    /// The centre of the first window, seconds since 1970-01-01 UTC.
    public var startTime: Double
    public var strideSeconds: Double
    public var values: [Float]

    /// The time of value `k`.
    public func time(at k: Int) -> Double { startTime + Double(k) * strideSeconds }
}

extension RecordClassification {
    /// Each class's probability trace, split where windows without signal interrupt the record
    /// (nothing is invented there): for a record, one trace per class and per run of classified
    /// windows; empty for a dataset's windows (no time axis).
    public func probabilityTraces() -> [ProbabilityTrace] {
        guard let stride = strideSeconds, !predictions.isEmpty else { return [] }
        var runs: [Range<Int>] = []
        var first = 0
        for k in 1..<max(predictions.count, 1) where abs(predictions[k].startSeconds - predictions[k - 1].startSeconds - stride) > stride / 4 {
            runs.append(first..<k)
            first = k
        }
        runs.append(first..<predictions.count)
        return runs.flatMap { run in
            classNames.indices.map { c in
                ProbabilityTrace(
                    classIndex: c, startTime: time(ofWindowStartingAt: predictions[run.lowerBound].startSeconds)!, strideSeconds: stride,
                    values: predictions[run].map { $0.probabilities[c] })
            }
        }
    }

    /// The picks of every class but the background: on each probability trace, each trigger (on
    /// above the class's threshold, off below half of it, as SeisBench's
    /// `WaveformModel.picks_from_annotations`) gives one pick at the window centre of highest
    /// probability, with the trigger's first and last window centres as its start and end.
    /// Time resolution is the stride. Empty for a dataset's windows. In time order.
    public func picks(thresholds: PickThresholds) -> [Pick] {
        let background = backgroundClass
        var picks: [Pick] = []
        for trace in probabilityTraces() where trace.classIndex != background {
            let on = thresholds.threshold(forClass: classNames[trace.classIndex])
            for t in Trigger.onsets(trace.values, on: on, off: on / 2) {
                var peak = t.lowerBound
                for k in t where trace.values[k] > trace.values[peak] { peak = k }
                picks.append(
                    Pick(
                        traceID: traceID, startTime: trace.time(at: t.lowerBound), peakTime: trace.time(at: peak),
                        endTime: trace.time(at: t.upperBound), peakValue: trace.values[peak],
                        phase: PickThresholds.phase(ofClass: classNames[trace.classIndex]), instrumentID: instrumentID))
            }
        }
        return picks.sorted()
    }

    /// The record's verdict under `thresholds`: whether any window gives a class other than the
    /// background a probability above its threshold — for a record, exactly when it has picks
    /// (JSON "event"; a dataset's windows count the same way, though they give no picks).
    public func hasEvent(thresholds: PickThresholds) -> Bool {
        let background = backgroundClass
        return predictions.contains { p in
            classNames.indices.contains { c in c != background && p.probabilities[c] > thresholds.threshold(forClass: classNames[c]) }
        }
    }

    /// The probability traces as miniSEED segments, SeisBench `annotate`'s output in SEED form: the
    /// record's network, station and location, one channel per class named band code for the
    /// trace's rate (`SEEDBandCode.forAnnotation`), "X" (not an instrument code SEED uses, so an
    /// annotation never passes for data), and the class's initial ("EXP"… at 100 Hz; "MXP",
    /// "MXS", "MXN" at the default 0.5 s stride); a class whose initial another class shares gets
    /// its index instead. Nil when the record names no station (a dataset, SAC files whose
    /// headers and names give no SEED id, miniSEED with an empty station code).
    public func annotationSegments() -> [TraceSegment]? {
        let fields = instrumentID.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 4, !fields[1].isEmpty, let stride = strideSeconds else { return nil }
        let initials = classNames.map { $0.uppercased().first ?? "X" }
        let codes = classNames.indices.map { c in initials.filter { $0 == initials[c] }.count == 1 ? String(initials[c]) : String(c % 10) }
        let band = SEEDBandCode.forAnnotation(samplingRateHz: 1 / stride)
        return probabilityTraces().map { t in
            TraceSegment(
                id: SEEDIdentifier(network: fields[0], station: fields[1], location: fields[2], channel: "\(band)X\(codes[t.classIndex])"),
                startTime: t.startTime, samplingRateHz: 1 / stride, samples: t.values.map(Double.init))
        }
    }
}
