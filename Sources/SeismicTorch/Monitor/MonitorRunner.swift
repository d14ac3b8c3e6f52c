// MonitorRunner: drains the packet queue into the engine — rate discovery, unit conversion, triggers.

import Foundation
import SeismicNN

/// Runs a monitor over a stream of packets: picks the instrument, learns the sampling rate,
/// converts units and feeds a `MonitorEngine`.
///
/// Policies:
/// - **Instrument.** Channels are grouped by instrument as SEED does (band + instrument code, the
///   channel code without its orientation letter: ENE/ENN/ENZ are one accelerometer, EHZ a
///   geophone). One instrument is monitored, never a mix: `instrument` when set (e.g. "EN"), else
///   the first that has sent every component the model needs, preferring an accelerometer
///   (instrument code N) while one is seen. Packets of other instruments are ignored and counted
///   (`otherInstrument`).
/// - **Sampling rate.** Given (`samplingRateHz`, e.g. a replayed record's: kept, never re-checked), or estimated from at
///   least 8 packet-to-packet rates spanning `secondsToEstimate` of the instrument's channels (samples of a packet ÷ time to
///   the channel's next packet; their median sets lost, reordered and duplicated packets aside,
///   and the rate is the fit over the pairs near it: see `PacketRates`). It is re-checked on every
///   packet (the fit itself once per 1/64 of the retained pairs: `PacketRates.checkDue`) over the
///   retained pairs (at least 16 pairs spanning `secondsToEstimate`, as at start-up). When the
///   estimate differs from the engine's rate by more than 0.5 % (10 % while packet times are
///   irregular), the pairs are cleared and the packets held (at most
///   `maximumHeld`) until fresh pairs give an estimate of their own: a mistimed packet, which only
///   moves the pairs it belongs to, is then refuted (`unconfirmedRates`; the held packets go to the
///   running engine, nothing is lost); a real change is confirmed (`rateChanges`): the old engine
///   classifies what it completed, a new engine at the new rate takes the held packets, and the
///   hops between the two engines' windows are counted (`rateChangeHops`).
/// - **Non-finite and implausible samples.** A packet with a NaN or ±inf sample (as sent, or after
///   × `scale`), or one beyond ±`plausibleAcceleration`, is skipped and counted
///   (`nonFinitePackets`, `implausiblePackets`); the engine bridges or resets the hole.
public final class MonitorRunner {
    public let model: ConvNet
    public let card: ModelCard
    /// The sampling rate in Hz: given, else nil until estimated; then the engine's.
    public var samplingRateHz: Double?
    /// Multiplies every sample into m/s² (counts × gain, g × 9.81, gal × 0.01).
    public var scale: Double
    /// The window in seconds: the model card's (`ModelCard.windowSeconds`); another value is
    /// refused when the engine starts (see `windowSeconds(given:card:)`).
    public var windowSeconds: Double
    public var hopSeconds = 1.0
    public var pgaThresholdGal = 2.0, noiseMaximum: Float = 0.5, minimumGapSeconds = 10.0
    /// Only accelerometers (SEED instrument code N) are monitored; other instruments' packets are
    /// ignored and counted. Set for sources whose samples are counts × an accelerometer's gain (UDP).
    public var accelerometersOnly = false
    /// Whether `group` (band + instrument code) is an accelerometer: instrument code N.
    public static func isAccelerometer(_ group: String) -> Bool { group.count == 2 && group.last == "N" }
    /// The instrument to monitor (band + instrument code, e.g. "EN"); nil: chosen from the stream.
    public var instrument: String?
    /// Receives notes on what the runner decided (instrument chosen, channels ignored, rate
    /// estimated or changed), one line each without a line end.
    public var log: ((String) -> Void)?
    public private(set) var engine: MonitorEngine?
    /// The instrument being monitored, once chosen.
    public private(set) var monitoredInstrument: String?
    /// Counters of the whole session: every engine's (one per sampling rate) and the runner's own.
    public var statistics: MonitorStatistics {
        (retired + drained).reduce(replaced + (engine?.statistics ?? MonitorStatistics()) + own) { $0 + $1.statistics }
    }
    /// Whether windows are held for `takeDue` instead of classified at once (see
    /// `MonitorEngine.collectsWindows`): a network monitor classifies many stations' together.
    public var collectsWindows = false
    /// The engines' ring buffer span in seconds when longer than eight windows
    /// (`MonitorEngine.init`): a SeedLink station's channels arrive in records of several
    /// seconds each, one channel ahead of another by up to a record.
    public var bufferSeconds = 0.0
    /// Engines replaced at a rate change whose held windows are not yet taken, and those taken
    /// at the last `takeDue` (their counters settle when the windows are completed).
    private var retired: [MonitorEngine] = [], drained: [MonitorEngine] = []

    /// The windows held by the engines (see `collectsWindows`), each with the engine that
    /// completes it (`MonitorEngine.complete`), in time order.
    public func takeDue() -> [(engine: MonitorEngine, window: DueWindow)] {
        replaced = drained.reduce(replaced) { $0 + $1.statistics }
        drained = retired
        retired = []
        return (drained + [engine].compactMap { $0 }).flatMap { e in e.takeDue().map { (e, $0) } }
    }
    /// Packets skipped because a sample was NaN or ±inf (as sent, or after × `scale`).
    public var nonFinitePackets: Int { own.nonFinitePackets }

    /// Packet-to-packet rates the estimate needs at start-up, and how many the re-check uses.
    public static let ratesToStart = 8, ratesToRecheck = 16
    /// Seconds the pairs of an estimate must span, summed over the instrument's channels (2 s of
    /// stream per channel for three): timestamp jitter of ±1 ms then moves it by at most 0.1 %
    /// (see `PacketRates`).
    public static let secondsToEstimate = 6.0
    /// Packets, and samples, held at most while a rate change waits for confirmation (as many as
    /// at start-up: one-sample lines at 5 kHz on three components need 30,000 for 2 s each);
    /// beyond, the decision is made with what the fresh packets give.
    public static let maximumHeld = maximumStartUpPackets, maximumHeldSamples = 8_000_000
    /// The largest acceleration (m/s², after × `scale`) a packet may carry: 100 g, beyond any
    /// recorded ground motion (the strongest are near 4 g); a larger sample is a corrupt count or a
    /// wrong `--gain`, and its packet is skipped and counted (`implausiblePackets`).
    public static let plausibleAcceleration = 1000.0
    /// Relative difference from the engine's rate that counts as a rate change (estimates are
    /// whole hertz when within 1 % of one, so 99 against 100 Hz is one).
    public static let rateTolerance = 0.005
    /// The difference that counts as a rate change while packet times are irregular.
    public static let irregularRateTolerance = 0.1
    /// Packets held at start-up before the runner decides with what it has. When no instrument
    /// has every component the model needs, the oldest held packets are dropped beyond this many
    /// and counted (`droppedAtStartUp`): memory stays bounded on a stream the model cannot use.
    public static let startUpPackets = 256
    /// Packets held at start-up at most while an instrument with every component is being timed
    /// (one-sample lines at 500 Hz: 3,000 packets in 2 s); beyond, the runner starts with the
    /// estimate it has (logged), or 125 Hz.
    public static let maximumStartUpPackets = 65_536
    /// Instruments (band + instrument code) whose packet times are tracked at most; packets of
    /// further instruments are ignored and counted (`otherInstrument`), so memory stays bounded.
    public static let maximumInstruments = 16

    /// A rate given at start (`--rate`, a replayed record's) is kept: packet times are not
    /// re-checked against it, only compared once with it (a warning when they disagree by more
    /// than a change's tolerance: `rateTolerance`, or `irregularRateTolerance` while the times are irregular).
    private let rateGiven: Bool
    /// Whether packet times were found to disagree with the given rate (warned once).
    private var rateQuestioned = false
    /// Whether packet times were found irregular (warned once; see `tolerance`).
    private var timesIrregular = false
    private var own = MonitorStatistics()
    private var replaced = MonitorStatistics()
    private var pending: [StreamPacket] = []
    /// The components and packet counts of each instrument among `pending`, kept as packets are
    /// held or dropped (so start-up costs O(1) per packet, not O(held)).
    private var pendingSeen: [String: (components: Set<Int>, packets: Int)] = [:]
    /// A rate change suggested by packet times and the packets held since, until fresh packets
    /// confirm or refute it.
    private var confirming: (suggested: Double, held: [StreamPacket])?
    /// Samples held (at start-up, or while a rate change waits for confirmation).
    private var heldSamples = 0
    private var rates: [String: PacketRates] = [:]
    /// Channels already named in the log as ignored (the first 16: memory stays bounded whatever
    /// channel codes arrive).
    private var ignoredChannels: Set<String> = []
    private let components: Int

    public init(model: ConvNet, card: ModelCard, samplingRateHz: Double?, scale: Double) {
        self.model = model
        self.card = card
        self.samplingRateHz = samplingRateHz
        rateGiven = samplingRateHz != nil
        self.scale = scale
        components = card.architecture.inputShape[2]
        windowSeconds = card.windowSeconds
    }

    /// The window a monitor of `card` classifies: the card's (`windowSamples` ÷ `samplingRateHz`);
    /// `given`, when set, must be the same (to 1e-9 relative): another span resampled into the
    /// model's input is not what the model was trained on.
    /// - Throws: `MonitorError.windowDiffersFromCard` naming both windows.
    public static func windowSeconds(given: Double?, card: ModelCard) throws -> Double {
        let own = card.windowSeconds
        if let given, !(abs(given - own) <= 1e-9 * own) {
            throw MonitorError.windowDiffersFromCard(
                windowSeconds: given, cardWindowSeconds: own,
                cardWindowSamples: card.windowSamples, cardSamplingRateHz: card.samplingRateHz)
        }
        return own
    }

    /// The statistics' summary, and while no instrument is monitored yet, the packets held or
    /// dropped at start-up and why (no instrument with every component the model needs, which
    /// components each seen instrument sent; or a sampling rate not yet estimated).
    public var summary: String {
        var s = statistics.summary
        guard engine == nil, !pending.isEmpty || own.droppedAtStartUp > 0 else { return s }
        let seen = Self.componentsByInstrument(pending)
        let names = card.componentOrder
        func letter(_ c: Int) -> String { c < names.count ? names[c] : "#\(c)" }
        let held = "\(pending.count) packets held (\(own.droppedAtStartUp) dropped) at start-up"
        if let complete = seen.keys.sorted().first(where: { seen[$0]!.count == components }) {
            s += "; \(held): the sampling rate of \(Self.describe(complete)) was not yet estimated (give --rate)"
        } else {
            let list = seen.keys.sorted().map { g in
                (g.isEmpty ? "columns" : "\(g)?") + " with " + seen[g]!.sorted().map(letter).joined(separator: ", ")
            }
            s +=
                "; \(held): no instrument with the components \((0..<components).map(letter).joined(separator: ", ")) the model needs"
                + " (seen: \(list.isEmpty ? "none" : list.joined(separator: "; ")))"
        }
        return s
    }

    /// The components each instrument of `packets` sent (indices in the model's order).
    private static func componentsByInstrument(_ packets: [StreamPacket]) -> [String: Set<Int>] {
        var seen: [String: Set<Int>] = [:]
        for q in packets {
            if let c = StreamParsing.componentIndex(q.channel) { seen[StreamParsing.instrument(of: q.channel), default: []].insert(c) }
        }
        return seen
    }

    /// Feeds one packet; returns completed hops (none while the instrument and rate are being learnt).
    /// - Throws: `MonitorError` when the window does not fit the sampling rate found at start-up (a
    ///   later rate at which no window fits is logged, counted in `unusableRates` and ignored).
    public func handle(_ p: StreamPacket) throws -> [MonitorLine] {
        guard p.samples.allSatisfy({ ($0 * scale).isFinite }) else {
            own.nonFinitePackets += 1
            return []
        }
        guard p.samples.allSatisfy({ abs($0 * scale) <= Self.plausibleAcceleration }) else {
            own.implausiblePackets += 1
            return []
        }
        guard let c = StreamParsing.componentIndex(p.channel), c < components else {
            own.malformed += 1
            return []
        }
        let group = StreamParsing.instrument(of: p.channel)
        if accelerometersOnly, !Self.isAccelerometer(group) {
            // Counts of a geophone or seismometer × an accelerometer's gain are no acceleration.
            ignore(p.channel, because: "instrument \(group)? is not an accelerometer (SEED instrument code N)")
            return []
        }
        if let wanted = monitoredInstrument ?? instrument.map({ $0.uppercased() }), group != wanted {
            ignore(p.channel, because: "instrument \(group)?, not the monitored \(wanted)?")
            return []
        }
        if rates[group] == nil, rates.count >= Self.maximumInstruments {
            // Memory stays bounded whatever channel codes a stream sends.
            ignore(p.channel, because: "the stream has sent more than \(Self.maximumInstruments) instruments; only the first are considered")
            return []
        }
        rates[group, default: Self.newRates()].add(channel: p.channel, time: p.time, count: p.samples.count)
        guard let engine else { return try startUp(p) }
        if rateGiven, !rateQuestioned, rates[group]?.checkDue() == true,
            let measured = rates[group]?.estimate(minimum: Self.ratesToRecheck, minimumSeconds: Self.secondsToEstimate),
            abs(measured - engine.samplingRateHz) > tolerance(group, warn: false) * engine.samplingRateHz
        {
            // The given rate is kept (it is what the user knows), but never silently.
            rateQuestioned = true
            log?(
                "monitor: warning: packet times of \(Self.describe(group)) say \(measured) Hz, but the sampling rate given is "
                    + "\(engine.samplingRateHz) Hz, which places the samples (expect duplicates, holes or resets): check --rate")
        }
        if confirming != nil { return confirm(p, group: group, engine: engine) }
        if !rateGiven, rates[group]?.checkDue() == true,
            let measured = rates[group]?.estimate(minimum: Self.ratesToRecheck, minimumSeconds: Self.secondsToEstimate),
            abs(measured - engine.samplingRateHz) > tolerance(group) * engine.samplingRateHz
        {
            // Measure afresh before acting: a mistimed packet moves only the pairs it is part of.
            rates[group]?.clearRecent()
            confirming = (measured, [p])
            log?(
                "monitor: packet times of \(Self.describe(group)) suggest \(measured) Hz instead of \(engine.samplingRateHz) Hz; "
                    + "holding packets until fresh ones confirm it")
            return []
        }
        return feed(p, to: engine)
    }

    /// One packet into `engine` (a component the engine knows, × `scale`).
    private func feed(_ p: StreamPacket, to engine: MonitorEngine) -> [MonitorLine] {
        guard let c = StreamParsing.componentIndex(p.channel), c < components else { return [] }
        return engine.ingest(component: c, time: p.time, samples: p.samples.map { $0 * scale })
    }

    /// While a rate change waits for confirmation: holds `p`; once fresh pairs give an estimate
    /// (or `maximumHeld` packets are held), either re-creates the engine at the confirmed rate and
    /// feeds it the held packets, or feeds them to the running engine (nothing lost).
    private func confirm(_ p: StreamPacket, group: String, engine: MonitorEngine) -> [MonitorLine] {
        confirming!.held.append(p)
        heldSamples += p.samples.count
        let full = confirming!.held.count >= Self.maximumHeld || heldSamples >= Self.maximumHeldSamples
        let fresh =
            rates[group]?.checkDue() == true || full
            ? rates[group]?.estimate(minimum: Self.ratesToRecheck, minimumSeconds: Self.secondsToEstimate) : nil
        guard fresh != nil || full else { return [] }
        heldSamples = 0
        let (suggested, held) = confirming!
        confirming = nil
        var out: [MonitorLine] = []
        var target = engine
        if let fresh, abs(fresh - engine.samplingRateHz) > tolerance(group) * engine.samplingRateHz {
            do {
                target = try makeEngine(rate: fresh)  // throws (window unusable at the new rate) before replacing anything
                out += engine.flush()  // what the old rate completed, before its buffer goes
                target.lastTriggerTime = engine.lastTriggerTime  // --min-gap holds across the restart
                own.rateChanges += 1
                // Its windows may still wait for the model (`takeDue`): its counters are added then.
                if collectsWindows { retired.append(engine) } else { replaced = replaced + engine.statistics }
                // The hops from the old engine's next window to the new one's first (its timeline
                // starts at the first held packet), never classified.
                if let resumeFrom = engine.nextWindowEndTime, let start = held.first?.time {
                    let hops = ((start + Double(target.windowSamples - 1) / fresh - resumeFrom) / hopSeconds).rounded()
                    if hops.isFinite, hops > 0 { own.rateChangeHops += Int(min(hops, 1e9)) }
                }
                log?(
                    "monitor: the sampling rate of \(Self.describe(group)) changed from \(engine.samplingRateHz) to \(fresh) Hz "
                        + "(confirmed over \(held.count) fresh packets); restarting the monitor at \(fresh) Hz")
            } catch {
                // Packet times that say a rate no window fits (corrupt times): the stream goes on
                // at the rate it had; never a reason to stop monitoring.
                own.unusableRates += 1
                log?("monitor: packet times of \(Self.describe(group)) suggest \(fresh) Hz, where \(error); keeping \(engine.samplingRateHz) Hz")
            }
        } else {
            own.unconfirmedRates += 1
            log?(
                "monitor: fresh packets of \(Self.describe(group)) say \(fresh.map { "\($0) Hz" } ?? "no rate") (\(suggested) Hz not confirmed); "
                    + "keeping \(engine.samplingRateHz) Hz")
        }
        for q in held { out += feed(q, to: target) }
        return out
    }

    /// The relative rate difference that counts as a change for `group`: `rateTolerance`, or
    /// `irregularRateTolerance` while its packet times are irregular (`PacketRates.irregularFraction`
    /// above its limit: jitter moves the estimate by percents), which is logged once.
    /// (With `warn` false, as for a given rate, which is compared but never changed, it says nothing.)
    private func tolerance(_ group: String, warn: Bool = true) -> Double {
        guard let fraction = rates[group]?.irregularFraction(), fraction > PacketRates.irregularLimit else { return Self.rateTolerance }
        if warn, !timesIrregular {
            timesIrregular = true
            log?(
                "monitor: warning: packet times of \(Self.describe(group)) are irregular (\(Int((fraction * 100).rounded())) % of packet intervals "
                    + "are off the sample grid by more than 20 % of a period): the rate estimate may be off by percents, and rate changes under "
                    + "\(Int(Self.irregularRateTolerance * 100)) % are not followed; give --rate")
        }
        return Self.irregularRateTolerance
    }

    private static func newRates() -> PacketRates { PacketRates(keep: ratesToRecheck, minimumSeconds: secondsToEstimate) }

    /// Counts a packet of another instrument; logs its channel the first time (at most 16 channels).
    private func ignore(_ channel: String, because reason: @autoclosure () -> String) {
        own.otherInstrument += 1
        if ignoredChannels.count < 16, ignoredChannels.insert(channel).inserted {
            log?("monitor: ignoring channel \(channel): \(reason())")
        }
    }

    /// Classifies every hop whose data has arrived, without waiting for stragglers: call at the
    /// end of the stream. Packets held for a rate confirmation go to the running engine first.
    public func flush() -> [MonitorLine] {
        guard let engine else { return [] }
        var out: [MonitorLine] = []
        if let (_, held) = confirming {
            confirming = nil
            for q in held { out += feed(q, to: engine) }
        }
        return out + engine.flush()
    }

    /// Classifies every hop whose data has arrived on all components, without waiting for
    /// stragglers or placing packets held far ahead: call when the stream has paused (the last
    /// window before a pause is then not kept until data resumes).
    public func classifyComplete() -> [MonitorLine] { engine?.classifyComplete() ?? [] }

    /// "instrument EN?" for a SEED instrument; the columns of `time,x,y,z` lines (instrument "").
    private static func describe(_ group: String) -> String { group.isEmpty ? "the x, y, z columns" : "instrument \(group)?" }

    private func makeEngine(rate: Double) throws -> MonitorEngine {
        let e = try MonitorEngine(
            model: model, card: card, samplingRateHz: rate, windowSeconds: windowSeconds, hopSeconds: hopSeconds, bufferSeconds: bufferSeconds)
        e.pgaThresholdGal = pgaThresholdGal
        e.noiseMaximum = noiseMaximum
        e.minimumGapSeconds = minimumGapSeconds
        e.collectsWindows = collectsWindows
        samplingRateHz = rate
        engine = e
        return e
    }

    /// Holds packets until an instrument has every component and a rate; then starts the engine
    /// and feeds it that instrument's held packets.
    private func startUp(_ p: StreamPacket) throws -> [MonitorLine] {
        pending.append(p)
        noteHeld(p)
        let full = pending.count >= Self.maximumStartUpPackets || heldSamples >= Self.maximumHeldSamples
        guard let (group, rate) = chooseInstrument(force: full) else {
            let complete = pendingSeen.values.contains { $0.components.count == components }
            let limit = complete ? Self.maximumStartUpPackets : Self.startUpPackets
            if pending.count > limit {
                // No instrument has every component: keep the newest packets only.
                let excess = pending.count - limit
                pending.removeFirst(excess)
                own.droppedAtStartUp += excess
                pendingSeen = [:]
                heldSamples = 0
                pending.forEach(noteHeld)
            }
            return []
        }
        monitoredInstrument = group
        log?("monitor: monitoring \(Self.describe(group)) at \(rate) Hz")
        if !rateGiven { _ = tolerance(group) }  // irregular times are said at once
        let e = try makeEngine(rate: rate)
        let held = pending
        pending = []
        pendingSeen = [:]
        heldSamples = 0
        var out: [MonitorLine] = []
        for q in held {
            let qGroup = StreamParsing.instrument(of: q.channel)
            guard qGroup == group, let c = StreamParsing.componentIndex(q.channel) else {
                ignore(q.channel, because: "instrument \(qGroup)?, not the monitored \(group)?")
                continue
            }
            out += e.ingest(component: c, time: q.time, samples: q.samples.map { $0 * scale })
        }
        return out
    }

    /// Counts a packet held at start-up: its samples, and its instrument's components and packets.
    private func noteHeld(_ p: StreamPacket) {
        heldSamples += p.samples.count
        guard let c = StreamParsing.componentIndex(p.channel) else { return }
        let g = StreamParsing.instrument(of: p.channel)
        pendingSeen[g, default: ([], 0)].components.insert(c)
        pendingSeen[g, default: ([], 0)].packets += 1
    }

    /// The instrument to monitor and its rate, or nil to wait for more packets. With `force` (too
    /// many packets held) it takes the best candidate with every component and, failing an
    /// estimate, 125 Hz (logged); with none, nil (an instrument missing a component would only
    /// give resets).
    private func chooseInstrument(force: Bool) -> (String, Double)? {
        let seen = pendingSeen
        let isAccelerometer = Self.isAccelerometer
        func rate(_ g: String) -> Double? {
            if let samplingRateHz { return samplingRateHz }
            // Throttled as the re-check is (the fit sorts the retained periods), except when forced.
            guard force || rates[g]?.checkDue() == true else { return nil }
            return rates[g]?.estimate(minimum: Self.ratesToStart, minimumSeconds: Self.secondsToEstimate)
        }
        let ranked = seen.keys.sorted { a, b in
            let x = seen[a]!, y = seen[b]!
            if (x.components.count == components) != (y.components.count == components) { return x.components.count == components }
            if isAccelerometer(a) != isAccelerometer(b) { return isAccelerometer(a) }
            if x.components.count != y.components.count { return x.components.count > y.components.count }
            if x.packets != y.packets { return x.packets > y.packets }
            return a < b
        }
        guard let best = ranked.first else { return nil }
        if force, seen[best]!.components.count == components {
            if let r = rate(best) { return (best, r) }
            if let r = rates[best]?.estimate(minimum: Self.ratesToStart) {
                log?(
                    "monitor: \(pending.count) packets of \(Self.describe(best)) span less than \(Self.secondsToEstimate) s; starting at \(r) Hz from them (give --rate)"
                )
                return (best, r)
            }
            log?("monitor: could not estimate the sampling rate of \(Self.describe(best)) from \(pending.count) packets; assuming 125 Hz (give --rate)")
            return (best, 125)
        }
        // Complete and with a rate; an accelerometer still incomplete is waited for.
        guard seen[best]!.components.count == components, let r = rate(best) else { return nil }
        if !isAccelerometer(best), seen.keys.contains(where: isAccelerometer) { return nil }
        return (best, r)
    }

    /// Runs the program `command[0]` (a path, or a name looked up in PATH) with the arguments
    /// `command[1...]`, each passed as it is (never through a shell), writing the event as JSON to
    /// its standard input; returns without waiting for it (see `TriggerCommand`, which also
    /// counts failures). Returns the started process (nil when it could not be found or started).
    @discardableResult
    public static func runTriggerCommand(_ command: [String], event: MonitorLine) -> Process? {
        guard let exe = command.first else { return nil }
        do {
            return try TriggerCommand(program: exe, arguments: Array(command.dropFirst())).run(event: event)
        } catch {
            FileHandle.standardError.write(Data("monitor: \(error)\n".utf8))
            return nil
        }
    }

    /// Writes `event` as one line of JSON to `handle`. SIGPIPE is ignored (process-wide, once),
    /// so a reader that has gone away makes this throw (EPIPE) instead of killing the monitor.
    public static func writeEvent(_ event: MonitorLine, to handle: FileHandle) throws { try writeLine(try event.jsonText(), to: handle) }

    /// Writes `line` and a line end to `handle`, SIGPIPE ignored as for `writeEvent`.
    public static func writeLine(_ line: String, to handle: FileHandle) throws {
        _ = ignoreBrokenPipe
        try handle.write(contentsOf: Data((line + "\n").utf8))
    }

    private static let ignoreBrokenPipe: Void = { signal(SIGPIPE, SIG_IGN) }()
}
