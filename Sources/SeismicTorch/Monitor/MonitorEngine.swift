// MonitorEngine: live classification of a sample stream — aligned ring buffer, hops, PGA trigger.

import Foundation
import SeismicIO
import SeismicNN
import SeismicSignal

/// One classified hop.
public struct MonitorLine: Sendable {
    /// Time of the window's last sample (seconds since 1970, or stream time).
    public var time: Double
    public var probabilities: [Float]
    public var classNames: [String]
    /// Peak composite acceleration of the window in gal (after the record chain).
    public var pgaGal: Double
    public var trigger: Bool
    /// Samples filled in by interpolation because packets were missing.
    public var bridgedSamples: Int

    public var label: String { classNames[probabilities.indices.max { probabilities[$0] < probabilities[$1] }!] }

    public init(time: Double, probabilities: [Float], classNames: [String], pgaGal: Double, trigger: Bool, bridgedSamples: Int) {
        self.time = time
        self.probabilities = probabilities
        self.classNames = classNames
        self.pgaGal = pgaGal
        self.trigger = trigger
        self.bridgedSamples = bridgedSamples
    }

    public var json: [String: Any] {
        ["time": time, "probabilities": Dictionary(uniqueKeysWithValues: zip(classNames, probabilities.map(Double.init))),
         "label": label, "pga_gal": pgaGal, "trigger": trigger, "bridged_samples": bridgedSamples]
    }

    /// `json` as one compact line of text (sorted keys, slashes not escaped), without a line end.
    public func jsonText() throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
    }
}

/// Settings a monitor cannot run with.
public enum MonitorError: Error, CustomStringConvertible, Equatable {
    /// The window holds too few samples (or too many to buffer) at the stream's sampling rate.
    case windowSamples(windowSeconds: Double, samplingRateHz: Double, samples: Double)
    /// The hop is not positive, or longer than the window (samples between windows never classified).
    case hop(hopSeconds: Double, windowSeconds: Double)

    public var description: String {
        switch self {
        case .windowSamples(let w, let r, let n):
            return "a window of \(w) s at \(r) Hz holds \(n) samples; the monitor needs \(MonitorEngine.sampleRange.lowerBound)…\(MonitorEngine.sampleRange.upperBound)"
        case .hop(let h, let w):
            return "a hop of \(h) s does not fit a window of \(w) s: it must be > 0 and at most the window"
        }
    }
}

/// Counters of what the stream did, for the summary.
public struct MonitorStatistics: Sendable {
    public var windows = 0, triggers = 0, duplicates = 0, late = 0, resets = 0, bridged = 0, malformed = 0
    public init() {}
}

/// The reference's live loop, for real streams: samples of each component land in a ring buffer
/// at their time index (out-of-order, duplicated and late packets are placed, ignored or counted);
/// every hop the last window is prepared as in training (detrend, taper 0.05, high-pass 0.5 Hz,
/// Fourier resampling to the model's window, normalise → int16 → normalise) and classified; a
/// trigger is raised when PGA ≥ `pgaThresholdGal` and P(Noise) ≤ `noiseMaximum`, at most once per
/// `minimumGapSeconds`. Gaps shorter than a window are bridged by linear interpolation and
/// flagged; a window with a component missing entirely resets (is skipped and counted).
public final class MonitorEngine {
    public let model: ConvNet
    public let card: ModelCard
    public let samplingRateHz: Double
    public let windowSamples: Int
    public let hopSamples: Int
    public var pgaThresholdGal = 2.0
    public var noiseMaximum: Float = 0.5
    public var minimumGapSeconds = 10.0
    /// How long to wait for a missing packet before treating it as lost.
    public var lagSeconds = 0.3
    public private(set) var statistics = MonitorStatistics()

    private let components: Int
    private let capacity: Int
    private var values: [[Double]]
    private var tags: [[Int]]
    private var highest: [Int]
    private var origin: Double?
    private var nextWindowEnd: Int
    private var lastTrigger = -Double.infinity
    private let resampler: FourierResampler
    private let highpass: SOSFilter
    private let taperSides: [Double]

    /// Samples a window may hold: enough to detrend and taper, few enough to buffer eight windows.
    public static let sampleRange = 8...10_000_000

    /// - Throws: `MonitorError` when the window at `samplingRateHz` holds fewer than 8 or more
    ///   than 10⁷ samples, or the hop is longer than the window; the high-pass filter's error
    ///   when the card's corner does not fit the rate.
    public init(model: ConvNet, card: ModelCard, samplingRateHz: Double, windowSeconds: Double = 2, hopSeconds: Double = 1) throws {
        let samples = windowSeconds * samplingRateHz
        guard samples.isFinite, samples.rounded() >= Double(Self.sampleRange.lowerBound), samples.rounded() <= Double(Self.sampleRange.upperBound) else {
            throw MonitorError.windowSamples(windowSeconds: windowSeconds, samplingRateHz: samplingRateHz, samples: samples)
        }
        guard hopSeconds > 0, hopSeconds <= windowSeconds else {
            throw MonitorError.hop(hopSeconds: hopSeconds, windowSeconds: windowSeconds)
        }
        self.model = model
        self.card = card
        self.samplingRateHz = samplingRateHz
        windowSamples = Int((windowSeconds * samplingRateHz).rounded())
        hopSamples = max(1, Int((hopSeconds * samplingRateHz).rounded()))
        components = card.architecture.inputShape[2]
        capacity = windowSamples * 8
        values = Array(repeating: Array(repeating: 0, count: capacity), count: components)
        tags = Array(repeating: Array(repeating: -1, count: capacity), count: components)
        highest = Array(repeating: -1, count: components)
        nextWindowEnd = windowSamples
        resampler = FourierResampler(from: windowSamples, to: card.windowSamples)
        highpass = try Butterworth.highpass(order: card.preprocessing.highpassCorners, cornerHz: card.preprocessing.highpassCornerHz,
                                            samplingRateHz: samplingRateHz)
        taperSides = Taper.obspyHannSides(count: windowSamples, maxPercentage: card.preprocessing.taperFraction)
    }

    public func countMalformed() { statistics.malformed += 1 }

    /// Adds samples of `component` starting at `time` (m/s²); returns the hops that completed.
    public func ingest(component: Int, time: Double, samples: [Double]) -> [MonitorLine] {
        precondition((0..<components).contains(component), "component \(component) outside 0..<\(components)")
        if origin == nil { origin = time }
        // A time further than ~250 years at 125 Hz from the first packet's cannot be placed.
        let offset = ((time - origin!) * samplingRateHz).rounded()
        guard offset.isFinite, abs(offset) < 1e12 else {
            statistics.malformed += 1
            return []
        }
        let first = Int(offset)
        let oldest = nextWindowEnd - windowSamples
        for (k, v) in samples.enumerated() {
            let i = first + k
            if i < oldest { statistics.late += 1; continue }
            if i >= oldest + capacity { continue }  // far ahead of the buffer: wait for it to catch up
            let slot = ((i % capacity) + capacity) % capacity
            if tags[component][slot] == i { statistics.duplicates += 1; continue }
            tags[component][slot] = i
            values[component][slot] = v
            highest[component] = max(highest[component], i)
        }
        var out: [MonitorLine] = []
        let lag = Int(lagSeconds * samplingRateHz)
        // A window is ready when every component has reached its end (plus the wait for stragglers).
        while let frontier = highest.min(), frontier >= 0, frontier + 1 - lag >= nextWindowEnd {
            if let line = classifyWindow(endingAt: nextWindowEnd) { out.append(line) }
            nextWindowEnd += hopSamples
        }
        return out
    }

    /// Seconds of stream time at sample index `i`.
    private func time(of i: Int) -> Double { (origin ?? 0) + Double(i) / samplingRateHz }

    private func classifyWindow(endingAt end: Int) -> MonitorLine? {
        let start = end - windowSamples
        var comps = [[Double]](repeating: [], count: components)
        var bridged = 0
        for c in 0..<components {
            var series = [Double](repeating: 0, count: windowSamples)
            var present = [Bool](repeating: false, count: windowSamples)
            for k in 0..<windowSamples {
                let i = start + k
                let slot = ((i % capacity) + capacity) % capacity
                if tags[c][slot] == i { series[k] = values[c][slot]; present[k] = true }
            }
            let have = present.filter { $0 }.count
            if have < 2 {
                statistics.resets += 1
                return nil
            }
            // Bridge holes linearly between the nearest present samples (ends held flat).
            if have < windowSamples {
                var k = 0
                while k < windowSamples {
                    if present[k] { k += 1; continue }
                    let gapStart = k
                    while k < windowSamples && !present[k] { k += 1 }
                    let left = gapStart > 0 ? series[gapStart - 1] : series[k]
                    let right = k < windowSamples ? series[k] : left
                    for j in gapStart..<k {
                        let f = Double(j - gapStart + 1) / Double(k - gapStart + 1)
                        series[j] = left + (right - left) * f
                    }
                    bridged += k - gapStart
                }
            }
            comps[c] = series
        }
        // The record chain on the window, as the reference's loop does every hop.
        let prepared = comps.map { Taper.obspyHann(Detrend.linear($0), sides: taperSides) }
        let filtered = highpass.apply(components: prepared)
        var pga = 0.0
        for k in 0..<windowSamples {
            var s = 0.0
            for c in 0..<components { s += filtered[c][k] * filtered[c][k] }
            pga = max(pga, s.squareRoot())
        }
        let length = card.windowSamples
        var window = [Float](repeating: 0, count: length * components)
        for c in 0..<components {
            let r = resampler(filtered[c])
            for t in 0..<length { window[t * components + c] = Float(r[t]) }
        }
        let batch = WindowBatch(values: window, count: 1, length: length, components: components)
        let x = batch.quantizedNormalized()
        let probs = model.predict(Tensor(shape: [1, 1, length, components], storage: x.values)).storage
        let noise = card.classNames.firstIndex { $0.lowercased() == "noise" } ?? card.classNames.count - 1
        let endTime = time(of: end - 1)
        let pgaGal = pga * 100
        var trigger = pgaGal >= pgaThresholdGal && probs[noise] <= noiseMaximum
        if trigger {
            if endTime - lastTrigger < minimumGapSeconds { trigger = false } else { lastTrigger = endTime }
        }
        statistics.windows += 1
        if trigger { statistics.triggers += 1 }
        if bridged > 0 { statistics.bridged += 1 }
        return MonitorLine(time: endTime, probabilities: probs, classNames: card.classNames, pgaGal: pgaGal, trigger: trigger,
                           bridgedSamples: bridged)
    }
}
