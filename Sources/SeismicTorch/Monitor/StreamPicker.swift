// StreamPicker: a station's picks made as its classified windows arrive — the threshold trigger
// classify applies to a whole record's probability traces, one window at a time.

import SeismicIO
import SeismicSignal

/// Picks of one station from its windows in time order, the same picks `RecordClassification.picks`
/// gives for the same windows: per class other than the background, a trigger starts at a window
/// whose probability is above the class's threshold and lasts while the probability stays above
/// half of it (SeisBench's `picks_from_annotations`, ObsPy's `trigger_onset`); its pick is at the
/// window of highest probability (the first of equals). A window that does not follow the last
/// one by one stride (±¼) starts a new run, closing open triggers, as classify splits its traces
/// where windows are missing.
public final class StreamPicker {
    /// What one window started or finished.
    public enum Output: Sendable, Equatable {
        /// A trigger switched on: phase and the window centre (UTC s) where it did.
        case on(phase: String, time: Double)
        /// A trigger switched off (or its run ended): the pick it gives.
        case pick(Pick)
    }

    public let traceID: String
    /// The instrument its picks name (`Pick.instrumentID`, "NET.STA.LOC.BI"), empty when not known.
    public var instrumentID = ""
    public let classNames: [String]
    public let backgroundClass: Int
    public let thresholds: PickThresholds
    public let strideSeconds: Double
    private var lastTime: Double?
    private var open: [Int: (start: Double, peak: Double, peakValue: Float, last: Double)] = [:]

    public init(traceID: String, classNames: [String], backgroundClass: Int, thresholds: PickThresholds, strideSeconds: Double) {
        self.traceID = traceID
        self.classNames = classNames
        self.backgroundClass = backgroundClass
        self.thresholds = thresholds
        self.strideSeconds = strideSeconds
    }

    /// Takes the next window: its centre time (UTC s) and class probabilities.
    public func add(time: Double, probabilities: [Float]) -> [Output] {
        var out: [Output] = []
        if let last = lastTime, abs(time - last - strideSeconds) > strideSeconds / 4 { out += close() }
        lastTime = time
        for c in classNames.indices where c != backgroundClass && c < probabilities.count {
            let v = probabilities[c]
            let on = thresholds.threshold(forClass: classNames[c])
            if var t = open[c] {
                if v > on / 2 {
                    t.last = time
                    if v > t.peakValue { (t.peak, t.peakValue) = (time, v) }
                    open[c] = t
                } else {
                    out.append(.pick(pick(c, t)))
                    open[c] = nil
                }
            } else if v > on, on.isFinite {
                open[c] = (time, time, v, time)
                out.append(.on(phase: PickThresholds.phase(ofClass: classNames[c]), time: time))
            }
        }
        return out
    }

    /// Ends the run: the picks of the triggers still on, ending at the last window (as classify
    /// closes a trigger at the end of a trace).
    public func close() -> [Output] {
        let picks = open.keys.sorted().map { Output.pick(pick($0, open[$0]!)) }
        open = [:]
        lastTime = nil
        return picks
    }

    private func pick(_ c: Int, _ t: (start: Double, peak: Double, peakValue: Float, last: Double)) -> Pick {
        Pick(
            traceID: traceID, startTime: t.start, peakTime: t.peak, endTime: t.last, peakValue: t.peakValue,
            phase: PickThresholds.phase(ofClass: classNames[c]),
            instrumentID: instrumentID)
    }
}
