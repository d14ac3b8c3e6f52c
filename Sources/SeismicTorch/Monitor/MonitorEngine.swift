// MonitorEngine: live classification of a sample stream — aligned ring buffer, hops, PGA trigger.

import Foundation
import SeismicIO
import SeismicNN
import SeismicSignal

/// One classified hop.
public struct MonitorLine: Sendable {
    /// The window's centre: its first sample's time + half the window (seconds since 1970 UTC, or
    /// stream time), the time convention classify uses (`RecordClassification`).
    public var time: Double
    /// Time of the window's last sample (the newest data the line depends on).
    public var endTime: Double
    public var probabilities: [Float]
    public var classNames: [String]
    /// Peak composite acceleration of the window in gal (after the record chain).
    public var pgaGal: Double
    public var trigger: Bool
    /// Samples filled in by interpolation because packets were missing.
    public var bridgedSamples: Int
    /// The station, "NET.STA.LOC" (as a pick's trace_id), "" when the source names none.
    public var traceID = ""
    /// The instrument, "NET.STA.LOC.BI" (band + instrument code, e.g. "AM.R1234.00.EH"); "" when
    /// the station is unknown.
    public var instrumentID = ""

    public var label: String { classNames[Tensor.argmax(probabilities[...])] }

    public init(time: Double, endTime: Double, probabilities: [Float], classNames: [String], pgaGal: Double, trigger: Bool, bridgedSamples: Int) {
        self.time = time
        self.endTime = endTime
        self.probabilities = probabilities
        self.classNames = classNames
        self.pgaGal = pgaGal
        self.trigger = trigger
        self.bridgedSamples = bridgedSamples
    }

    /// The line as JSON: `time` the window centre in UTC ISO 8601 (microseconds), `trace_id`,
    /// `instrument`, class probabilities, label, PGA, trigger flag, bridged samples.
    public var json: [String: Any] {
        [
            "time": UTCTime.iso8601(time), "trace_id": traceID, "instrument": instrumentID,
            "probabilities": Dictionary(uniqueKeysWithValues: zip(classNames, probabilities.map(Double.init))),
            "label": label, "pga_gal": pgaGal, "trigger": trigger, "bridged_samples": bridgedSamples
        ]
    }

    /// The line as text, without a line end: UTC time (milliseconds), the instrument (else the
    /// station, as --station names a stdin stream), class probabilities, PGA, flags.
    public var text: String {
        let probs = zip(classNames, probabilities).map { String(format: "%@ %5.1f%%", $0 as NSString, $1 * 100) }.joined(separator: "  ")
        let name = instrumentID.isEmpty ? traceID : instrumentID
        return String(
            format: "%@  %@%@  PGA %7.3f gal%@%@", UTCTime.iso8601(time, fractionDigits: 3) as NSString, name.isEmpty ? "" : "\(name)  ",
            probs as NSString, pgaGal, bridgedSamples > 0 ? " (bridged \(bridgedSamples))" : "", trigger ? "  TRIGGER" : "")
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
    /// A window other than the model card's: the model would see a different span of signal
    /// (resampled into its input) than it was trained on.
    case windowDiffersFromCard(windowSeconds: Double, cardWindowSeconds: Double, cardWindowSamples: Int, cardSamplingRateHz: Double)
    /// A replayed record shorter than one window: no window could ever be classified.
    case recordTooShort(path: String, seconds: Double, windowSeconds: Double)
    /// A sampling rate given for a replayed record whose header states another.
    case rateDiffersFromRecord(path: String, given: Double, record: Double)
    /// A replayed miniSEED file without exactly one instrument to play (none with the model's
    /// components, or several and `--channels` not choosing).
    case replayInstruments(path: String, found: [String], skipped: [String], wanted: String?)
    /// A file to replay that is neither miniSEED 2 nor SAC (`format` says what it looks like).
    case replayFormat(path: String, format: FileFormat)
    /// A replayed instrument whose spans have different sampling rates.
    case replayRates(path: String, rates: [Double])
    /// An instrument named for stdin lines, which carry no channel codes.
    case instrumentWithoutChannels(instrument: String)
    /// A UDP source's instrument that is not an accelerometer: its counts × the accelerometer
    /// gain would be no acceleration.
    case notAnAccelerometer(instrument: String)
    /// An option that does nothing for this source (`--gain` for stdin or a replay, `--speed` for
    /// a live stream): refused rather than silently ignored.
    case optionNotForSource(option: String, source: String, reason: String)
    /// Standard input gave no usable line: empty (`lines` 0), or every line refused.
    case nothingReadable(lines: Int, refused: Int)
    /// A SeedLink source given to a single-station session (`NetworkMonitorSession` monitors it).
    case networkSource
    /// A SeedLink session without a way to convert counts (no inventory, no units with a sensitivity).
    case seedLinkUnits
    /// The folder for events' QuakeML cannot be made.
    case eventsFolder(path: String, reason: String)
    /// A --state file that cannot be used: a folder, not text, not writable, or in use by another monitor.
    case stateFile(path: String, reason: String)
    /// A replayed miniSEED file held records that do not parse or decode: played without them
    /// (their samples a gap), reported as a failure at the end, as classify does.
    case corruptRecordsSkipped(path: String, runs: Int, bytes: Int)

    /// Whether the error is about options that do not fit together or with the source (a usage
    /// error, exit status 64), rather than about the data.
    public var isUsageError: Bool {
        switch self {
        case .hop, .windowDiffersFromCard, .rateDiffersFromRecord, .instrumentWithoutChannels, .notAnAccelerometer, .optionNotForSource, .seedLinkUnits:
            return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .windowSamples(let w, let r, let n):
            return
                "a window of \(w) s at \(r) Hz holds \(n) samples; the monitor needs \(MonitorEngine.sampleRange.lowerBound)…\(MonitorEngine.sampleRange.upperBound)"
        case .hop(let h, let w):
            return "a hop of \(h) s does not fit a window of \(w) s: it must be > 0 and at most the window"
        case .windowDiffersFromCard(let w, let cw, let n, let r):
            return "--window \(w) s differs from the model card's window of \(cw) s (\(n) samples at \(r) Hz): "
                + "the model classifies windows of \(cw) s only; leave out --window"
        case .recordTooShort(let path, let s, let w):
            return "\(path): the record lasts \(s) s, shorter than one \(w) s window of the model: no window can be classified"
        case .rateDiffersFromRecord(let path, let given, let record):
            return "--rate \(given) Hz differs from \(path)'s sampling rate of \(record) Hz (as its header says): leave out --rate for a replay"
        case .replayInstruments(let path, let found, let skipped, let wanted):
            if found.isEmpty {
                return "\(path): no instrument\(wanted.map { " \($0)?" } ?? "") with every component the model takes to replay"
                    + (skipped.isEmpty ? "" : " (\(skipped.joined(separator: "; ")))")
            }
            return
                "\(path) holds \(found.count) instruments (\(found.joined(separator: ", "))): choose one with --channels, e.g. --channels \(found[0].split(separator: ".", omittingEmptySubsequences: false).last ?? "")?"
        case .replayFormat(let path, let format):
            return "\(path): not a record to replay: the file \(format.phrase), not miniSEED 2 or SAC"
        case .replayRates(let path, let rates):
            return
                "\(path): the instrument's spans have different sampling rates (\(rates.map { "\($0) Hz" }.joined(separator: ", "))); a replay plays one rate"
        case .notAnAccelerometer(let instrument):
            return "--channels \(instrument)? is not an accelerometer (SEED instrument code N, e.g. EN?): a UDP stream's counts "
                + "× --gain are acceleration only for an accelerometer"
        case .nothingReadable(let lines, let refused):
            return lines == 0
                ? "standard input was empty: no line to monitor"
                : "none of the \(lines) lines on standard input could be used (\(refused) refused; blank and # comment lines are skipped): "
                    + "each line must be a time in seconds since 1970 (UTC) and one number per component, e.g. 1700000000.00,0.01,-0.02,0.98"
        case .optionNotForSource(let option, let source, let reason):
            return "\(option) does not apply to --source \(source): \(reason); leave out \(option)"
        case .networkSource:
            return "a SeedLink source is monitored by a network session (NetworkMonitorSession), not a single-station one"
        case .seedLinkUnits:
            return "SeedLink records are counts: give --inventory station.xml, or --units with --sensitivity (counts per unit)"
        case .eventsFolder(let path, let reason):
            return "--events \(path) cannot be made: \(reason)"
        case .stateFile(let path, let reason):
            return "--state \(path): \(reason)"
        case .corruptRecordsSkipped(let path, let runs, let bytes):
            return "\(path): \(bytes) bytes in \(runs) run\(runs == 1 ? "" : "s") did not decode as miniSEED records and were skipped; "
                + "their samples were played as gaps (the notes above say where)"
        case .instrumentWithoutChannels(let instrument):
            return "--channels \(instrument)? names an instrument, but stdin lines (time,x,y,z) carry no channel codes: leave out --channels"
        }
    }
}

/// Counters of what the stream did, for the summary.
public struct MonitorStatistics: Sendable, Equatable {
    /// Windows classified (lines produced) and triggers raised.
    public var windows = 0, triggers = 0
    /// Samples already held, counted per component (duplicates; `conflicting` of them carried
    /// another value than the one held, which is kept: the first to arrive), samples older than the
    /// buffer (late), hops skipped because a component lacked more than a quarter of the window's
    /// samples (resets), windows classified with interpolated samples (bridged), and packets that
    /// could not be placed (malformed).
    public var duplicates = 0, conflicting = 0, late = 0, resets = 0, bridged = 0, malformed = 0
    /// Gaps longer than the ring buffer (the stream jumped past it: data stopped for longer than
    /// the buffer, or its clock jumped forward) and the hops they skipped without classifying.
    public var gaps = 0, skippedHops = 0
    /// Backward clock jumps: a component sent a full window of samples older than the buffer, so
    /// the engine restarted its timeline there.
    public var clockJumps = 0
    /// Forward clock jumps: a confirmed jump ahead by more than `MonitorEngine.clockJumpSeconds`
    /// (a day), which is a clock set anew rather than a stream gap; its hops are not counted in
    /// `skippedHops` (a first time of 0 before epoch times would be 1.7·10⁹ of them).
    public var forwardClockJumps = 0
    /// Packets far ahead of every component's newest sample (by more than
    /// `MonitorEngine.aheadSeconds`) that the stream did not follow (it came back first): a
    /// mistimed packet, dropped rather than placed seconds away from where its samples belong.
    public var mistimedPackets = 0
    /// Windows skipped because their samples (after the record chain) or the model's outputs
    /// were NaN or ±inf: never classified, never triggered.
    public var nonFiniteWindows = 0
    /// Windows skipped because they carry no signal (peak |x| ≤ `WindowBatch.smallAmplitude` after
    /// the record chain: a dead or constant stream).
    public var silentWindows = 0
    /// Packets skipped because a sample was NaN or ±inf (counted by `MonitorRunner`).
    public var nonFinitePackets = 0
    /// Packets skipped because a sample was beyond ±`MonitorRunner.plausibleAcceleration` m/s²
    /// after × scale (a corrupt count; counted by `MonitorRunner`).
    public var implausiblePackets = 0
    /// Packets of another instrument than the one monitored (counted by `MonitorRunner`).
    public var otherInstrument = 0
    /// Times the stream's sampling rate changed and the engine was re-created (`MonitorRunner`),
    /// and the hops between the old engine's last window and the new one's first (not classified).
    public var rateChanges = 0, rateChangeHops = 0
    /// Times packet times suggested another rate that fresh packets did not confirm (a mistimed
    /// packet): the monitor kept its rate and lost nothing (`MonitorRunner`).
    public var unconfirmedRates = 0
    /// Rates estimated from packet times at which no window fits (a window of fewer than 8
    /// samples, e.g. from packets with corrupt times): logged and ignored, the engine keeps its rate.
    public var unusableRates = 0
    /// Packets held at start-up and dropped (oldest first) because no instrument had every
    /// component the model needs (`MonitorRunner`).
    public var droppedAtStartUp = 0
    public init() {}

    /// The sum of two sets of counters (a runner's engines, one after another).
    public static func + (a: MonitorStatistics, b: MonitorStatistics) -> MonitorStatistics {
        var s = a
        s.windows += b.windows; s.triggers += b.triggers; s.duplicates += b.duplicates; s.conflicting += b.conflicting; s.late += b.late
        s.resets += b.resets; s.bridged += b.bridged; s.malformed += b.malformed; s.gaps += b.gaps
        s.skippedHops += b.skippedHops; s.clockJumps += b.clockJumps; s.forwardClockJumps += b.forwardClockJumps
        s.mistimedPackets += b.mistimedPackets; s.nonFiniteWindows += b.nonFiniteWindows; s.silentWindows += b.silentWindows
        s.nonFinitePackets += b.nonFinitePackets; s.implausiblePackets += b.implausiblePackets; s.otherInstrument += b.otherInstrument;
        s.rateChanges += b.rateChanges
        s.rateChangeHops += b.rateChangeHops; s.unconfirmedRates += b.unconfirmedRates
        s.unusableRates += b.unusableRates; s.droppedAtStartUp += b.droppedAtStartUp
        return s
    }

    /// One line for the end of a session (no line end).
    public var summary: String {
        "\(windows) windows classified, \(triggers) triggers, \(malformed) packets that could not be placed (no component, samples or usable time), "
            + "\(nonFinitePackets) packets with non-finite samples and \(implausiblePackets) beyond ±1000 m/s² skipped, \(nonFiniteWindows) non-finite windows skipped, \(silentWindows) windows without signal skipped, "
            + "\(late) late samples, \(duplicates) duplicate samples (\(conflicting) with another value, the first kept), "
            + "\(bridged) windows bridged, \(resets) resets (a component lacking over a quarter of a window), "
            + "\(gaps) gaps longer than the buffer (\(skippedHops) hops skipped), \(clockJumps) backward clock jumps, \(forwardClockJumps) forward clock jumps of over a day, "
            + "\(mistimedPackets) mistimed packets dropped (far ahead of the stream, not followed), "
            + "\(rateChanges) sampling-rate changes (\(rateChangeHops) hops skipped; \(unconfirmedRates) not confirmed and \(unusableRates) unusable rates ignored), "
            + "\(otherInstrument) packets of other instruments ignored, "
            + "\(droppedAtStartUp) packets dropped at start-up (no instrument with every component the model needs)"
    }
}

/// The reference's live loop, for real streams: samples of each component land in a ring buffer
/// of eight windows at their time index (out-of-order, duplicated and late packets are placed,
/// ignored or counted); every hop the last window is prepared as in training (detrend, taper 0.05,
/// high-pass 0.5 Hz, Fourier resampling to the model's window, normalise → int16 → normalise) and
/// classified; a trigger is raised when PGA ≥ `pgaThresholdGal` and P(Noise) ≤ `noiseMaximum`, at
/// most once per `minimumGapSeconds`.
///
/// Faults, and what the engine does:
/// - A packet starting more than `aheadSeconds` after every component's newest sample is held
///   with the packets of its component that follow it far ahead too (copies are duplicates and
///   decide nothing): once they hold a quarter of a hop of samples, the jump is real and they are
///   placed (a gap or a clock set forward, below); a packet back near the stream before then shows
///   them mistimed, and they are dropped (`mistimedPackets`), never placed seconds away from
///   where their samples belong (a glitch of a few one-sample lines costs nothing).
/// - Packet times that jitter, or a first packet off the stream's grid: the grid the samples are
///   placed on is anchored at the first packet and then moved to the middle of the packets' times
///   (`notePhase`), so samples jittered by up to ±0.3 sample land in their own slots; a packet of
///   several samples that starts within 1.5 samples of where its component's last one ended is
///   placed right after it (UDP packet times jitter by milliseconds, their samples do not).
/// - Holes inside a window are bridged by linear interpolation and flagged; a window in which a
///   component lacks more than a quarter of its samples (or has fewer than 2) is skipped (a reset,
///   counted): never a window made mostly of interpolation.
/// - A gap longer than the buffer (data stopped for more than eight windows, or the clock jumped
///   forward): the windows whose data is complete are classified first, then the hops restart
///   at the window that begins with the packet that came after the gap (no sample after it is
///   lost to the old hop grid); the old grid's hops in between are skipped (`gaps`, `skippedHops`). Classification
///   resumes as soon as a full window of fresh data has arrived on every component, with the
///   times of the stream's clock. A jump of more than a day is a clock set anew
///   (`forwardClockJumps`), its hops not counted as skipped.
/// - A backward clock jump: packets older than the buffer are late (counted); once one component
///   has sent a full window of consecutive late samples, the engine classifies the windows
///   complete before the jump, restarts its timeline at that packet (`clockJumps`; the buffer is
///   emptied and the trigger debounce reset) and classifies again once every component has a
///   full window after it.
/// - Windows whose prepared samples or model outputs are NaN or ±inf are skipped and counted
///   (`nonFiniteWindows`): never a line, never a trigger.
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
    /// A packet starting more than this far (s) after every component's newest sample is held
    /// with those of its component that follow it far ahead, until they hold a quarter of a hop
    /// (the jump is real: all are placed) or a packet comes back near the stream (they were
    /// mistimed: dropped, counted in `mistimedPackets`). Placed at once, a mistimed packet a few seconds ahead would
    /// make the stream's own samples late and restart the timeline.
    public var aheadSeconds = 1.0
    /// A confirmed jump ahead by more than this (s) is a clock set anew, not a gap in the data
    /// (`forwardClockJumps`).
    public static let clockJumpSeconds = 86_400.0
    public private(set) var statistics = MonitorStatistics()

    private let components: Int
    private let capacity: Int
    private var values: [[Double]]
    private var tags: [[Int]]
    private var highest: [Int]
    private var origin: Double?
    private var nextWindowEnd: Int
    /// Stream time of the last trigger (−∞ before any): `minimumGapSeconds` is counted from it. A
    /// runner carries it into the engine that replaces this one at a new rate.
    public var lastTriggerTime = -Double.infinity
    /// Consecutive samples of each component that arrived older than the buffer.
    private var lateRun: [Int]
    /// Per component, the packet held far ahead (see `aheadSeconds`) and the offset (samples from
    /// the origin) a following packet must pass to confirm it.
    private var heldAhead: [(packets: [(time: Double, samples: [Double])], samples: Int, frontierLimit: Double)?]
    /// Samples the packets held far ahead of a component must hold, counting the one that
    /// arrives, before the jump is taken as real: a quarter of a hop (25 at 100 Hz: one Raspberry
    /// Shake packet, or a quarter second of one-sample lines), at least 2.
    private var confirmSamples: Int { max(2, hopSamples / 4) }
    /// Per component, the index after the last packet of several samples placed (see `place`).
    private var continuation: [Int?] = []
    /// Residuals of recent packets' times from the grid, and whether the grid has moved once (see `notePhase`).
    private var phaseResiduals: [Double] = []
    private var phaseSettled = false
    /// The window resampled to the card's length, as classify cuts it.
    private let cutter: WindowCutter
    private let recordChain: RecordChain
    /// The model's prediction of a prepared window (the classifier's, one loop for both).
    private let predictor: Classifier

    /// Samples a window may hold: enough to detrend and taper, few enough to buffer eight windows.
    public static let sampleRange = 8...10_000_000

    /// - Throws: `MonitorError` when the window at `samplingRateHz` holds fewer than 8 or more
    ///   than 10⁷ samples, the hop is longer than the window, or the window is not the card's; the high-pass filter's error
    ///   when the card's corner does not fit the rate.
    /// `windowSeconds` defaults to the card's window (`ModelCard.windowSeconds`).
    /// `bufferSeconds`: the ring buffer's span when longer than eight windows (a channel may
    /// lead the others of its instrument by this much before its lead is taken for a gap).
    public init(
        model: ConvNet, card: ModelCard, samplingRateHz: Double, windowSeconds: Double? = nil, hopSeconds: Double = 1, bufferSeconds: Double = 0
    ) throws {
        let windowSeconds = windowSeconds ?? card.windowSeconds
        let samples = windowSeconds * samplingRateHz
        guard samples.isFinite, samples.rounded() >= Double(Self.sampleRange.lowerBound), samples.rounded() <= Double(Self.sampleRange.upperBound) else {
            throw MonitorError.windowSamples(windowSeconds: windowSeconds, samplingRateHz: samplingRateHz, samples: samples)
        }
        guard hopSeconds > 0, hopSeconds <= windowSeconds else {
            throw MonitorError.hop(hopSeconds: hopSeconds, windowSeconds: windowSeconds)
        }
        // The model classifies windows of its card's span only (`MonitorRunner.windowSeconds`).
        _ = try MonitorRunner.windowSeconds(given: windowSeconds, card: card)
        self.model = model
        self.card = card
        self.samplingRateHz = samplingRateHz
        windowSamples = Int((windowSeconds * samplingRateHz).rounded())
        hopSamples = max(1, Int((hopSeconds * samplingRateHz).rounded()))
        components = card.architecture.inputShape[2]
        capacity = max(windowSamples * 8, Int(min(bufferSeconds, 3600) * samplingRateHz))
        values = Array(repeating: Array(repeating: 0, count: capacity), count: components)
        tags = Array(repeating: Array(repeating: -1, count: capacity), count: components)
        highest = Array(repeating: -1, count: components)
        nextWindowEnd = windowSamples
        lateRun = Array(repeating: 0, count: components)
        heldAhead = Array(repeating: nil, count: components)
        continuation = Array(repeating: nil, count: components)
        cutter = WindowCutter(sourceSamples: windowSamples, targetSamples: card.windowSamples)
        recordChain = try card.preprocessing.recordChain(samplingRateHz: samplingRateHz, count: windowSamples)
        predictor = Classifier(model: model, card: card)
    }

    public func countMalformed() { statistics.malformed += 1 }

    /// Adds samples of `component` starting at `time` (m/s²); returns the hops that completed.
    /// A hop completes when every component has reached its window's end plus `lagSeconds` (the
    /// wait for stragglers); see the type's notes for gaps and clock jumps.
    public func ingest(component: Int, time: Double, samples: [Double]) -> [MonitorLine] {
        precondition((0..<components).contains(component), "component \(component) outside 0..<\(components)")
        guard let frontier = highest.max(), frontier >= 0, !samples.isEmpty else { return place(component: component, time: time, samples: samples) }
        let offset = ((time - origin!) * samplingRateHz).rounded()
        guard offset.isFinite else { return place(component: component, time: time, samples: samples) }
        let aheadSamples = Double(frontier) + 1 + (aheadSeconds * samplingRateHz).rounded()
        if var held = heldAhead[component] {
            // A copy of a held packet (a duplicated datagram) decides nothing.
            if held.packets.contains(where: { $0.time == time }) {
                statistics.duplicates += samples.count
                return []
            }
            // Back near the stream: the held packets were mistimed (dropped).
            guard offset > held.frontierLimit else {
                heldAhead[component] = nil
                statistics.mistimedPackets += held.packets.count
                return place(component: component, time: time, samples: samples)
            }
            // Far ahead too: once the held packets hold `confirmSamples`, the stream has moved on.
            held.packets.append((time, samples))
            held.samples += samples.count
            guard held.samples >= confirmSamples else {
                heldAhead[component] = held
                return []
            }
            heldAhead[component] = nil
            return held.packets.flatMap { place(component: component, time: $0.time, samples: $0.samples) }
        }
        if offset > aheadSamples, offset < 1e15 {
            heldAhead[component] = ([(time, samples)], samples.count, aheadSamples)
            return []
        }
        return place(component: component, time: time, samples: samples)
    }

    /// Places a packet's samples in the buffer (see `ingest`), with no hold.
    private func place(component: Int, time: Double, samples: [Double]) -> [MonitorLine] {
        if origin == nil { origin = time }
        // A time further than ~250,000 years at 125 Hz from the first packet's cannot be placed.
        let exact = (time - origin!) * samplingRateHz
        let offset = exact.rounded()
        guard offset.isFinite, !samples.isEmpty else {
            statistics.malformed += 1
            return []
        }
        if abs(offset) >= 1e15 {
            // Too far from the timeline to place (10¹⁵ samples or more from its origin: a first
            // packet with a wild time, an epoch in microseconds): counted as late; a window of such samples restarts the timeline there.
            lateRun[component] += samples.count
            if lateRun[component] >= windowSamples {
                let done = classifyComplete()
                restartTimeline()
                return done + place(component: component, time: time, samples: samples)
            }
            statistics.late += samples.count
            return []
        }
        // A packet of several samples that starts within 1.5 samples of where its component's
        // last one ended continues it: its time jitters (UDP packet times do by milliseconds),
        // its samples do not, and rounding its time alone would overlap or gap the two.
        var first = Int(offset)
        if samples.count > 1, let next = continuation[component], abs(exact - Double(next)) < 1.5 { first = next }
        let last = first + samples.count - 1
        var out: [MonitorLine] = []
        if first >= nextWindowEnd - windowSamples + capacity {
            // A gap longer than the buffer: finish what is complete, then restart the hops at the
            // window that begins with this packet (in which the packet fits): nothing before the
            // gap ties the hops to their old grid, so no sample after it is lost to a hop boundary.
            out += classifyComplete()
            let target = max(first + windowSamples, last + 1 - capacity + windowSamples)
            if target > nextWindowEnd {
                // The hops of the old grid that end before the new first window.
                let hops = (target - nextWindowEnd + hopSamples - 1) / hopSamples
                if Double(target - nextWindowEnd) > Self.clockJumpSeconds * samplingRateHz {
                    statistics.forwardClockJumps += 1
                } else {
                    statistics.gaps += 1
                    // Saturating: crafted times could make the sum of many jumps overflow.
                    let (sum, overflow) = statistics.skippedHops.addingReportingOverflow(hops)
                    statistics.skippedHops = overflow ? Int.max : sum
                }
                nextWindowEnd = target
            }
        }
        let oldest = nextWindowEnd - windowSamples
        if last < oldest {
            // Entirely older than the buffer: late, or the stream's clock went back.
            lateRun[component] += samples.count
            if lateRun[component] >= windowSamples {
                // The last windows before the jump are complete if every component reached them.
                out += classifyComplete()
                restartTimeline()
                return out + place(component: component, time: time, samples: samples)
            }
            statistics.late += samples.count
            return out
        }
        lateRun[component] = 0
        notePhase(exact - offset)
        continuation[component] = samples.count > 1 ? first + samples.count : nil
        for (k, v) in samples.enumerated() {
            let i = first + k
            if i < oldest { statistics.late += 1; continue }
            if i >= oldest + capacity { continue }  // far ahead of the buffer: wait for it to catch up
            let slot = ((i % capacity) + capacity) % capacity
            if tags[component][slot] == i {
                statistics.duplicates += 1
                if values[component][slot] != v { statistics.conflicting += 1 }
                continue
            }
            tags[component][slot] = i
            values[component][slot] = v
            highest[component] = max(highest[component], i)
        }
        return out + classifyReady(lagSamples: Int(lagSeconds * samplingRateHz))
    }

    /// The end of the stream: places the packets held far ahead (nothing lost; no packet will
    /// follow them), then classifies every hop whose data has arrived on all components, without
    /// waiting for stragglers.
    public func flush() -> [MonitorLine] {
        var out: [MonitorLine] = []
        for c in 0..<components {
            if let held = heldAhead[c] {
                heldAhead[c] = nil
                for p in held.packets { out += place(component: c, time: p.time, samples: p.samples) }
            }
        }
        return out + classifyComplete()
    }

    /// Classifies every hop whose data has arrived on all components, without waiting for
    /// stragglers (before a gap or a clock jump, or when the stream has paused: see
    /// `MonitorSession`). Packets held far ahead stay held.
    public func classifyComplete() -> [MonitorLine] { classifyReady(lagSamples: 0) }

    private func classifyReady(lagSamples lag: Int) -> [MonitorLine] {
        var ready: [DueWindow] = []
        while let frontier = highest.min(), frontier >= 0, frontier + 1 - lag >= nextWindowEnd {
            if let w = prepareWindow(endingAt: nextWindowEnd) { ready.append(w) }
            nextWindowEnd += hopSamples
        }
        if collectsWindows {
            due += ready
            return []
        }
        return classify(ready)
    }

    /// Whether windows that become due are held for `takeDue` (to be classified with other
    /// stations' in one model call) instead of classified at once.
    public var collectsWindows = false
    private var due: [DueWindow] = []

    /// The windows held since the last call (see `collectsWindows`), in time order.
    public func takeDue() -> [DueWindow] {
        defer { due = [] }
        return due
    }

    /// Classifies `windows` (this engine's, in time order) in one model call and completes each.
    public func classify(_ windows: [DueWindow]) -> [MonitorLine] {
        guard !windows.isEmpty else { return [] }
        let probabilities = Self.predict(windows, with: predictor)
        return zip(windows, probabilities).compactMap { complete($0, probabilities: $1) }
    }

    /// The model's probabilities of `windows` in one call (batches of the classifier's size); a
    /// window whose output is not finite gets nil (the others are classified on their own then).
    public static func predict(_ windows: [DueWindow], with classifier: Classifier) -> [[Float]?] {
        guard let first = windows.first else { return [] }
        let card = classifier.card
        let batch = WindowBatch(
            values: windows.flatMap(\.input), count: windows.count, length: card.windowSamples, components: first.input.count / card.windowSamples)
        if let rows = try? classifier.predict(batch, context: "monitor windows") { return rows }
        return windows.map { w in
            try? classifier.predict(WindowBatch(values: w.input, count: 1, length: batch.length, components: batch.components), context: "a monitor window")
                .first
        }
    }

    /// The line of a classified window: the PGA trigger (at most once per `minimumGapSeconds`) and
    /// the counters; nil (counted as non-finite) when the model gave no finite output.
    public func complete(_ w: DueWindow, probabilities: [Float]?) -> MonitorLine? {
        guard let probs = probabilities else {
            statistics.nonFiniteWindows += 1
            return nil
        }
        let noise = card.backgroundClass
        var trigger = w.pgaGal >= pgaThresholdGal && probs[noise] <= noiseMaximum
        if trigger {
            if w.endTime - lastTriggerTime < minimumGapSeconds { trigger = false } else { lastTriggerTime = w.endTime }
        }
        statistics.windows += 1
        if trigger { statistics.triggers += 1 }
        if w.bridgedSamples > 0 { statistics.bridged += 1 }
        return MonitorLine(
            time: w.time, endTime: w.endTime, probabilities: probs, classNames: card.classNames, pgaGal: w.pgaGal, trigger: trigger,
            bridgedSamples: w.bridgedSamples)
    }

    /// Takes the residual (samples, within ±0.5) of a placed packet's first-sample time from the
    /// grid; once `phasePackets` are in, moves the grid by their median when that is 0.05 sample or
    /// more (by all of it the first time, by half of it afterwards, so the batches' noise averages
    /// out: with times jittered by ±0.3 sample the grid stays within about ±0.15 of the stream's).
    /// The grid is first anchored at the first packet's time, jitter and all (or at a first line
    /// off the stream's grid); moved to the middle of the packets' times, samples whose times
    /// jitter by up to ±0.3 sample land in their own slots instead of a neighbour's (a duplicate
    /// and a hole), and the times reported are the stream's. Moving by less than half a sample
    /// leaves every sample already placed where it is.
    private func notePhase(_ residual: Double) {
        phaseResiduals.append(residual)
        guard phaseResiduals.count >= Self.phasePackets else { return }
        phaseResiduals.sort()
        let median = phaseResiduals[(phaseResiduals.count - 1) / 2]
        phaseResiduals.removeAll(keepingCapacity: true)
        let move = phaseSettled ? median / 2 : median
        phaseSettled = true
        if abs(move) >= 0.02, let o = origin { origin = o + move / samplingRateHz }
    }

    /// Packets whose residuals from the grid are pooled before the grid is moved (`notePhase`).
    static let phasePackets = 32

    /// The clock went back: forget the buffer; the next packet starts a new timeline.
    private func restartTimeline() {
        statistics.clockJumps += 1
        origin = nil
        nextWindowEnd = windowSamples
        for c in 0..<components {
            tags[c] = Array(repeating: -1, count: capacity)
            highest[c] = -1
            lateRun[c] = 0
            // Held against the old timeline, which the clock has left.
            statistics.mistimedPackets += heldAhead[c]?.packets.count ?? 0
            continuation[c] = nil
            heldAhead[c] = nil
        }
        lastTriggerTime = -Double.infinity
        phaseResiduals.removeAll()
        phaseSettled = false
    }

    /// Seconds of stream time at sample index `i`.
    private func time(of i: Int) -> Double { (origin ?? 0) + Double(i) / samplingRateHz }

    /// Stream time (s) of the last sample of the next window to classify; nil before any packet.
    public var nextWindowEndTime: Double? { origin == nil ? nil : time(of: nextWindowEnd - 1) }

    /// Cuts and prepares the window ending before sample `end`; nil when it is skipped (a reset,
    /// no signal, not finite: counted).
    private func prepareWindow(endingAt end: Int) -> DueWindow? {
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
            if have < 2 || 4 * (windowSamples - have) > windowSamples {
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
        let filtered = recordChain.apply(comps)
        var pga = 0.0
        for k in 0..<windowSamples {
            var s = 0.0
            for c in 0..<components { s += filtered[c][k] * filtered[c][k] }
            pga = max(pga, s.squareRoot())
        }
        // NaN propagates through max unreliably: check the samples themselves.
        guard pga.isFinite, filtered.allSatisfy({ $0.allSatisfy(\.isFinite) }) else {
            statistics.nonFiniteWindows += 1
            return nil
        }
        let batch = WindowBatch(values: cutter.cut(components: filtered, start: 0), count: 1, length: card.windowSamples, components: components)
        // A window without signal (a dead or constant stream) is never classified, as classify and
        // training set such windows aside.
        guard card.preprocessing.windowsWithSignal(batch).count == 1 else {
            statistics.silentWindows += 1
            return nil
        }
        let x = card.preprocessing.prepareWindows(batch)
        // A prepared window that is not finite is skipped (an output that is not finite: `complete`).
        guard x.values.allSatisfy(\.isFinite) else {
            statistics.nonFiniteWindows += 1
            return nil
        }
        return DueWindow(
            input: x.values, time: time(of: start) + Double(windowSamples) / samplingRateHz / 2, endTime: time(of: end - 1), pgaGal: pga * 100,
            bridgedSamples: bridged)
    }
}
