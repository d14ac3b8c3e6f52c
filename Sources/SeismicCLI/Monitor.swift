// seismic monitor: classify a live accelerometer stream every second and raise triggers.

import ArgumentParser
import Foundation
import SeismicIO
import SeismicTorch

extension AccelerationUnit: ExpressibleByArgument {}

extension Seismic {
    struct Monitor: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Watch live streams — a SeedLink network, a Raspberry Shake, stdin, a replay: picks, events, triggers.",
            discussion: """
                --source seedlink://HOST[:PORT]?streams=NET_STA:SELECTOR,… watches a network: a SeedLink \
                client speaking 4.0 where the server offers it, else 3.1 (&protocol=3.1 or 4.0 chooses; \
                port 18000 by default; selectors [LL]CCC[.T] with ? wildcards, e.g. \
                TW_A001:HN?,TW_A002:HN?; !HNZ excludes; several selectors: TW_A003:HN?+HH?; a station \
                named without a selector: all its streams; --stream-list FILE adds stations from lines \
                NET_STA [SELECTOR …], as slinktool -l; wildcards in NET_STA where the server allows them; &fetch asks FETCH: the \
                server sends what it has from the resume point and closes — on a first connection \
                most servers start at the next new record) resumes each station at its next sequence \
                number after a disconnect, a stall (--keepalive s without a byte: INFO ID; twice that: \
                reconnect) or garbage, waiting 1, 2, 4… up to 30 s between attempts; a server that answers \
                but sends nothing for 5 minutes after a resume (restarted, renumbered) is asked for its \
                newest records instead. A channel ahead of its instrument's others (a server replaying \
                an archive channel by channel) waits for them (up to 10 minutes of data, or 2 minutes of \
                waiting; events close on the newest data time of any station, so a replay that sends \
                stations one after another may split an event in two). SeedLink records \
                are counts: give --inventory station.xml (each channel's sensitivity at the record's \
                time) or --units with --sensitivity (every stream). Every station (NET.STA.LOC) gets its \
                own monitor (its accelerometer first, or --channels), the windows due at all stations \
                are classified in one model call, each station's probabilities are picked as classify \
                picks a record (--thresholds, on above the threshold, off below half), and an event is \
                declared when at least --min-stations stations have picks switching on within \
                --coincidence s. Output: a line per pick and per event (--json: one object per line \
                with type pick, event or event_closed, SEED ids and UTC times; --windows adds every \
                classified window); --on-trigger runs with each event's JSON; --events DIR writes each \
                closed event's picks as QuakeML (event-ID.xml); a status line (stations live, silent, \
                refused, never heard, skipped; latency, reconnects, drops) goes to stderr every \
                --status-every s and on SIGUSR1 (with --json: a JSON object of type status on stdout, and \
                one of type summary at the end); \
                --state FILE keeps each station's last sequence number (written every second; one \
                monitor per file), so a restart resumes there instead of taking the server's backlog \
                again (the windows that span the stop, about one per station, are not classified). --pga, --noise-max and --min-gap set the \
                trigger flag of --windows lines only. --list-streams prints what the server offers \
                (INFO STREAMS; no ?streams= and no --model needed; --json: one object per stream) and exits. A session that never reaches the \
                server fails (exit status 1) when stopped.

                --source udp://HOST:PORT listens for Raspberry Shake UDP packets ({'ENZ', time, counts…}, \
                one per component; counts × --gain → m/s²; udp://:PORT binds 127.0.0.1); stdin reads lines time,x,y,z (one plain decimal number per model component, \
                separated by commas, or by spaces or tabs; other lines are refused whole and counted, the first one described on \
                stderr); replay:FILE plays a record at real time × --speed: a SAC triple, or the channels of \
                one instrument in a miniSEED file (an SDS day file finds its sibling channels; --channels \
                chooses when the file holds several, else its accelerometer; spans are played at their own \
                times, so a gap is a gap to the monitor, which bridges holes of up to a quarter window and \
                counts them; spans shorter than a window are not played, and records that do not decode are played as gaps, both said on stderr; the latter \
                fails the command, exit status 1, after its summary, as classify does). --gain applies to UDP only and --speed to a replay \
                only; either is refused elsewhere. Every --hop (at most the window) the last window is detrended, tapered, \
                high-passed, resampled and classified; a trigger fires when PGA ≥ --pga gal and P(Noise) ≤ --noise-max, at most \
                once per --min-gap s (also across a restart at a new rate). Ctrl-C or SIGTERM classifies what is complete and prints a summary (windows, triggers, drops, packets held \
                when no instrument has the components the model needs, failed trigger programs). After 1 s without a \
                packet, the windows whose data is complete are classified without waiting for stragglers. \
                PGA is the window's largest vector norm of the three components after detrend, taper and \
                high-pass (the model's record chain), in gal: not the raw record's peak, which can differ \
                either way. Times are each window's centre (first sample + half the window), in UTC, as \
                classify gives them; --json lines carry time (ISO 8601), trace_id (NET.STA.LOC: the \
                replayed record's SEED ids, or --station for UDP and stdin) and instrument \
                (NET.STA.LOC + band and instrument code). Each window goes through the record chain on \
                its own, as the reference's live loop does, where classify filters the whole record: \
                the same window's probabilities differ between the two, most where the signal changes \
                (earthquake-real on the 90 s record CI.MLAC: 6 of 89 windows by more than 0.01, up to \
                0.72 at the P arrival and in the record's first windows), so the monitor can miss a pick \
                that classify makes: for picks on a record, use classify. stdin times are seconds \
                since 1970 (UTC); blank lines and lines whose first non-blank character is # are skipped; if no line can be \
                used (or stdin is empty) the command fails after its summary.

                The window is the model card's (its window samples ÷ its sampling rate); --window, \
                when given, must be the same. A replayed record shorter than one window is refused.

                On a trigger, --on-trigger PROGRAM runs PROGRAM (a path or a name in PATH, checked at \
                start) with the event as one line of JSON on its stdin, never through a shell; runs that \
                cannot start or exit non-zero are logged and counted. At the end, programs still running \
                are waited for at most 10 s, then killed with their children (counted). Give its arguments with \
                --on-trigger-arg, once per argument, exactly as the program should receive them:
                  --on-trigger notify-send --on-trigger-arg 'Earthquake!' --on-trigger-arg "PGA above 2 gal"

                --gain default: 1/384,500 m/s² per count (Raspberry Shake 4D accelerometer channels EN*).

                Units, never guessed: UDP packets are counts (× --gain; --units is refused). A replayed \
                record's units come from its SAC header (IDEP = IACC with the unit, gal, m/s2 or g, in \
                KUSER0, as `seismic synth` writes; --units must agree with it); else from --inventory \
                station.xml (each channel's InstrumentSensitivity), --units with --sensitivity (counts per \
                that unit), or --units alone — one of them is required (miniSEED never states units), \
                also for a model that takes counts (earthquake-real): PGA and triggers are in gal. \
                stdin lines are in --units, else in the model card's units.

                Instrument: channels are grouped as SEED does, by band + instrument code (ENE, ENN, ENZ \
                are one accelerometer; EHZ is a geophone). One instrument is monitored, never a mix: \
                --channels EN? names it; else the first with every component the model needs, \
                preferring an accelerometer (instrument code N). Other channels are ignored and counted. \
                UDP counts × --gain are acceleration only for an accelerometer: a UDP stream's other \
                instruments (a Shake's geophone EH?) are never monitored, and --channels must name one \
                with code N.

                Sampling rate: --rate (kept; packet times that say another rate are warned about once), or the \
                replayed record's (another --rate is refused), or \
                estimated from packet times: each packet gives a period (the time to its channel's \
                next packet ÷ its samples); their median sets lost, reordered and duplicated packets \
                aside, and the rate is the samples ÷ seconds of the packets near it, over at least 2 s \
                per component (the monitor starts once it has them); packet times must be within ±10 % \
                of a sample period of their grid (±1 ms at 100 Hz), else give --rate: times more \
                irregular than that are said once, the estimate is taken as the nominal rate within 5 % \
                of it (100, 200, 50, 40, 31.25 Hz…), and rate changes under 10 % are not followed. It is re-checked \
                as packets arrive. \
                When it differs by more than 0.5 %, packets are held until fresh ones measure the rate \
                again: a burst of mistimed packets is refuted (the held packets are classified, \
                nothing is lost); a real change is reported and counted, and the monitor restarts at \
                the new rate with the held packets (the hops between are counted; samples sent at the \
                new rate before the change was noticed were placed at the old one).

                Sample grid: the first packet anchors it; it then moves to the middle of the packets' \
                times (every 32 packets), so samples whose times jitter by up to ±30 % of a period land \
                in their own slots and the times printed are the stream's.

                Gaps: holes inside a window are bridged by interpolation (flagged); a window in which \
                a component lacks more than a quarter of its samples is skipped (a reset). A packet more \
                than 1 s ahead of the stream waits for the next packet of its component: if that one \
                is back near the stream, the first was mistimed and is dropped (counted); if it is \
                ahead too, both are placed. After a gap longer than the buffer (8 windows) or a \
                forward clock jump (counted as such when over a day), classification resumes once a \
                full window of fresh data has arrived; after a backward clock jump, once a component \
                has sent one window of samples older than the buffer, the windows complete before it \
                are classified and the timeline restarts there. \
                Packets with NaN or ±inf samples or samples beyond ±1000 m/s² (100 g: a corrupt count \
                or a wrong --gain), and windows whose samples or model outputs are not finite, are \
                skipped. The summary counts each kind; duplicate and late counts are samples per \
                component (a duplicated line counts once per component), bridged counts are windows.

                Examples:
                  seismic monitor --model best.safetensors --source udp://127.0.0.1:8888 --station AM.R1234.00 --json
                  seismic monitor --model best.safetensors --source replay:CI.PASC..HNZ.D.2019.187 --inventory CI.xml --speed 0
                  seismic monitor --model earthquake-real --source 'seedlink://localhost?streams=TW_A001:HN?,TW_A002:HN?,TW_A003:HN?' \
                    --inventory TW.xml --min-stations 3 --events events/ --json
                """)

        @Option(help: "Checkpoint of a time-series model, or a built-in model's name (seismic models); required except with --list-streams.")
        var model: String?
        @Option(
            help: "seedlink://HOST[:PORT]?streams=NET_STA:SELECTOR,…, udp://HOST:PORT, stdin, or replay:FILE (SAC or miniSEED).",
            transform: { try StreamSource(parsing: $0) })
        var source: StreamSource
        @Flag(help: "Print the streams a SeedLink server offers (INFO STREAMS) and exit.") var listStreams = false
        @Option(help: "SeedLink: file of streams, a line per station: NET_STA [SELECTOR …] (slinktool -l; NET STA too); with or instead of ?streams=.")
        var streamList: String?
        @Option(parsing: .unconditional, help: "SeedLink: stations whose picks must switch on within --coincidence s to declare an event (default 3).")
        var minStations: Int?
        @Option(parsing: .unconditional, help: "SeedLink: seconds within which --min-stations picks make an event (default 10).") var coincidence: Double?
        @Option(
            parsing: .unconditional,
            help: "SeedLink: pick thresholds per class, e.g. P=0.6,S=0.5 (as classify's; others 0.7).")
        var thresholds: String?
        @Option(help: "SeedLink: folder for each closed event's picks as QuakeML (event-ID.xml).") var events: String?
        @Option(parsing: .unconditional, help: "SeedLink: seconds between status lines on stderr, JSON on stdout with --json (also on SIGUSR1).")
        var statusEvery: Double?
        @Option(help: "SeedLink: file of each station's last sequence number: a restart resumes there (as slinktool -x does, in its own format).") var state:
            String?
        @Option(parsing: .unconditional, help: "SeedLink: seconds without a byte before a keep-alive (INFO ID); twice: reconnect (default 30).")
        var keepalive: Double?
        @Flag(help: "SeedLink: also print every classified window of every station.") var windows = false
        @Option(parsing: .unconditional, help: "Counts → m/s² for UDP sources (default: 1/384,500, a Raspberry Shake's EN?).") var gain: Double?
        @Option(help: "Units of stdin, replay and (with --sensitivity) SeedLink samples (default: the record's, for stdin the model card's).")
        var units: AccelerationUnit?
        @Option(parsing: .unconditional, help: "Counts per --units unit, for a replayed record or SeedLink streams in counts.") var sensitivity: Double?
        @Option(help: "StationXML inventory converting a replayed record or SeedLink streams in counts (each channel's InstrumentSensitivity).")
        var inventory: String?
        @Option(help: "Station of a UDP or stdin stream, NET.STA or NET.STA.LOC, named in every line (a replay names its own).")
        var station: String?
        @Option(
            parsing: .unconditional,
            help: "Sampling rate in Hz, kept (a warning if packet times disagree); default: the record's, or estimated from packet times and re-checked.")
        var rate: Double?
        @Option(help: "Instrument to monitor, band + instrument code: EN? (default: chosen from the stream).") var channels: String?
        @Option(parsing: .unconditional, help: "Window length in seconds (default: the model card's; another value is refused).") var window: Double?
        @Option(parsing: .unconditional, help: "Seconds between classifications; at most the window.") var hop: Double = 1
        @Option(parsing: .unconditional, help: "PGA threshold in gal (PGA: the window's peak vector norm after the record chain).") var pga: Double = 2.0
        @Option(parsing: .unconditional, help: "Largest P(Noise) that still triggers.") var noiseMax: Double = 0.5
        @Option(parsing: .unconditional, help: "Seconds between two triggers.") var minGap: Double = 10
        @Option(parsing: .unconditional, help: "Replay speed factor (default 1: real time; 0: as fast as possible).") var speed: Double?
        @Option(help: "Program to run on a trigger (event JSON on its stdin; no shell).") var onTrigger: String?
        @Option(help: "One argument of the --on-trigger program (repeat for each, in order).") var onTriggerArg: [String] = []
        @Flag(help: "One JSON object per line instead of text.") var json = false

        func validate() throws {
            if model == nil, !listStreams {
                throw ValidationError("Missing expected argument '--model <model>': a checkpoint or a built-in model's name (seismic models)")
            }
            try checkOption("min-stations", minStations.map(Double.init), .atLeast(1), .atMost(10_000))
            try checkOption("coincidence", coincidence, .atLeast(0), .atMost(3600))
            try checkOption("status-every", statusEvery, .atLeast(0.1))
            try checkOption("keepalive", keepalive, .atLeast(0.1), .atMost(3600))
            let isSeedLink: Bool = { if case .seedlink = source { return true } else { return false } }()
            if !isSeedLink {
                let given = [
                    (listStreams, "--list-streams"), (minStations != nil, "--min-stations"), (coincidence != nil, "--coincidence"),
                    (thresholds != nil, "--thresholds"), (events != nil, "--events"), (statusEvery != nil, "--status-every"),
                    (keepalive != nil, "--keepalive"), (windows, "--windows"), (state != nil, "--state"), (streamList != nil, "--stream-list")
                ].filter(\.0).map(\.1)
                if let first = given.first { throw ValidationError("\(first) applies to --source seedlink://… only: leave it out for \(source)") }
            } else {
                let reasons = [
                    (gain != nil, "--gain", "counts are converted per channel by --inventory, or --units with --sensitivity"),
                    (station != nil, "--station", "its records name their stations (SEED ids)"),
                    (rate != nil, "--rate", "its records state their sampling rates"),
                    (speed != nil, "--speed", "a live stream comes at its own pace")
                ].filter(\.0)
                if let (_, option, reason) = reasons.first { throw ValidationError("\(option) does not apply to a SeedLink source: \(reason)") }
                if case .seedlink(let address) = source, !listStreams {
                    if address.stations.isEmpty, streamList == nil {
                        throw ValidationError("--source \(address.host): \(SeedLinkAddress.noStreams), or give --stream-list FILE")
                    }
                    if inventory == nil, units == nil || sensitivity == nil {
                        throw ValidationError(
                            "SeedLink records are counts: give --inventory station.xml, or --units with --sensitivity (counts per unit)"
                                + (units != nil ? "; --units alone would take counts for \(units!.rawValue)" : ""))
                    }
                    if streamList == nil { try Self.checkMinimumStations(minStations, address) }
                }
            }
            try checkOption("gain", gain, .above(0))
            try checkOption("rate", rate, .atLeast(1), .atMost(100_000))
            try checkOption("window", window, .atLeast(0.1), .atMost(3600))
            // Without --window, the card's window bounds the hop once the model is loaded.
            try checkOption("hop", hop, .above(0), .atMost(window ?? 3600))
            try checkOption("pga", pga, .atLeast(0))
            try checkOption("noise-max", noiseMax, .atLeast(0), .atMost(1))
            try checkOption("min-gap", minGap, .atLeast(0))
            try checkOption("speed", speed, .atLeast(0))
            try checkOption("sensitivity", sensitivity, .above(0))
            if sensitivity != nil, units == nil { throw ValidationError("--sensitivity needs --units: the unit it converts counts to (e.g. --units m/s2)") }
            if inventory != nil, units != nil || sensitivity != nil {
                throw ValidationError("--inventory gives each channel's sensitivity and unit: drop --units and --sensitivity")
            }
            if let station, StationSelector(station) == nil { throw ValidationError("--station must be NET.STA or NET.STA.LOC (got '\(station)')") }
            if let channels, Self.instrument(channels) == nil {
                throw ValidationError("--channels must be a band and an instrument code followed by ?, e.g. EN? (got '\(channels)')")
            }
            if !onTriggerArg.isEmpty && onTrigger == nil { throw ValidationError("--on-trigger-arg needs --on-trigger PROGRAM") }
            try refuseWritingOverData(state, writing: "the stations' sequence numbers")
            if let program = onTrigger, onTriggerArg.isEmpty, program.contains(" "), !FileManager.default.isExecutableFile(atPath: program) {
                let words = program.split(separator: " ")
                throw ValidationError(
                    "--on-trigger takes the program alone, without a shell; give each argument with --on-trigger-arg, e.g. "
                        + "--on-trigger \(words[0]) " + words.dropFirst().map { "--on-trigger-arg '\($0)'" }.joined(separator: " "))
            }
        }

        /// --min-stations more than the stations asked for (none with a wildcard) can never declare an event.
        static func checkMinimumStations(_ minStations: Int?, _ address: SeedLinkAddress) throws {
            let named = address.stations.filter { !($0.network + $0.station).contains(where: { $0 == "*" || $0 == "?" }) }
            if let n = minStations, named.count == address.stations.count, n > named.count {
                throw ValidationError("--min-stations \(n) is more than the \(named.count) stations asked for: no event could ever be declared")
            }
        }

        /// "EN?" or "EN" → "EN": two letters or digits; nil otherwise.
        /// The reader of stdout has gone (a pipe closed): the session stops in order (state written), once.
        static func stdoutClosed() {
            guard !Seismic.context.stop.isRequested else { return }
            note("monitor: stdout is closed (its reader has gone); stopping")
            Seismic.context.stop.request()
        }

        /// One note on stderr.
        static func note(_ text: String) { writeStandardError(text + "\n") }

        static func instrument(_ pattern: String) -> String? {
            var p = pattern.uppercased()
            if p.hasSuffix("?") { p.removeLast() }
            guard p.count == 2, p.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else { return nil }
            return p
        }

        func run() throws {
            if case .seedlink(let address) = source { return try runSeedLink(address) }
            guard let model else { return }  // (validate requires it)
            Seismic.prepareEngine()
            let (net, card) = try Checkpoint.load(from: model)
            let trigger = try onTrigger.map { try TriggerCommand(program: $0, arguments: onTriggerArg) }
            var settings = MonitorSettings()
            settings.gain = gain
            settings.units = units
            settings.sensitivity = sensitivity
            settings.inventory = try inventory.map { try Inventory.read($0) }
            settings.station = station.flatMap(StationSelector.init).map { "\($0.network).\($0.station).\($0.location ?? "")" }
            settings.samplingRateHz = rate
            settings.instrument = channels.flatMap(Self.instrument)
            settings.windowSeconds = window
            settings.hopSeconds = hop
            settings.pgaThresholdGal = pga
            settings.noiseMaximum = noiseMax
            settings.minimumGapSeconds = minGap
            settings.replaySpeed = speed
            let session: MonitorSession
            do {
                session = try MonitorSession(model: net, card: card, source: source, settings: settings, trigger: trigger, log: Self.note)
            } catch let error as MonitorError where error.isUsageError {
                throw ValidationError(error.description)  // options that do not fit together: exit status 64
            } catch let error as AccelerationUnitError where error.isUsageError {
                throw ValidationError(error.description)  // units refused, or missing where an option must give them: exit status 64
            }
            installStopHandler()
            signal(SIGPIPE, SIG_IGN)
            try session.run(stop: { Seismic.context.stop.isRequested }) { line in
                if !printLine(try json ? line.jsonText() : line.text) { Self.stdoutClosed() }
            }
            Self.note("monitor: " + session.summary)
            if let problem = session.inputProblem { throw problem }
        }
        /// --source seedlink://…: the streams on offer (--list-streams), or a network session.
        func runSeedLink(_ given: SeedLinkAddress) throws {
            var address = given
            if let streamList, !listStreams {
                let text: String
                do { text = try String(contentsOfFile: streamList, encoding: .utf8) } catch {
                    throw ValidationError("--stream-list \(streamList): \((error as NSError).localizedFailureReason ?? error.localizedDescription)")
                }
                do { address = address.adding(try SeedLinkAddress.stations(streamList: text, path: streamList)) } catch {
                    throw ValidationError("--stream-list \(error)")
                }
                if address.stations.isEmpty { throw ValidationError("--stream-list \(streamList) names no station (a line per station: NET_STA [SELECTOR …])") }
                try Self.checkMinimumStations(minStations, address)
            }
            var link = SeedLinkSettings()
            if let keepalive {
                link.keepaliveSeconds = keepalive
                link.stallSeconds = 2 * keepalive
            }
            if listStreams {
                for s in try SeedLinkClient.streams(host: address.host, port: address.port, settings: link) {
                    if json {
                        let object = ["seed_id": s.seedID, "type": s.type, "begin_time": s.beginTime, "end_time": s.endTime]
                        print(
                            String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
                        )
                    } else {
                        print("\(s.seedID)  \(s.type)  \(s.beginTime) – \(s.endTime)")
                    }
                }
                return
            }
            guard let model else { return }  // (validate requires it)
            Seismic.prepareEngine()
            let (net, card) = try Checkpoint.load(from: model)
            var settings = NetworkMonitorSettings()
            settings.hopSeconds = hop
            settings.minimumStations = minStations ?? settings.minimumStations
            settings.coincidenceSeconds = coincidence ?? settings.coincidenceSeconds
            settings.instrument = channels.flatMap(Self.instrument)
            settings.pgaThresholdGal = pga
            settings.noiseMaximum = noiseMax
            settings.minimumGapSeconds = minGap
            do { settings.thresholds = try thresholds.map { try PickThresholds(parsing: $0, classNames: card.classNames) } ?? PickThresholds() } catch {
                throw ValidationError("--thresholds: \(error)")
            }
            if let window { _ = try MonitorRunner.windowSeconds(given: window, card: card) }
            try checkOutputFolder(events, option: "--events")
            let trigger = try onTrigger.map { try TriggerCommand(program: $0, arguments: onTriggerArg) }
            let units = UnitOptions(units: units, sensitivity: sensitivity, inventory: try inventory.map { try Inventory.read($0) })
            let session = try NetworkMonitorSession(
                model: net, card: card, address: address, settings: settings, units: units, seedLink: link, trigger: trigger, eventsFolder: events,
                stateFile: state, log: Self.note)
            installStopHandler()
            signal(SIGPIPE, SIG_IGN)  // a closed stdout or stderr is an error to handle, not a silent death without the state written
            signal(SIGUSR1) { _ in Seismic.context.status.request() }  // kill -USR1 PID: a status line
            let status = Seismic.context.status
            // With --json the status is a JSON object (type status) among the output lines.
            let report: ((NetworkStatus) -> Void)? =
                json
                ? { s in if !printLine(s.json) { Self.stdoutClosed() } } : nil
            try session.run(
                stop: { Seismic.context.stop.isRequested }, statusSeconds: statusEvery, statusRequested: { status.take() }, reportStatus: report
            ) { o in
                if case .window = o, !windows { return }
                if !printLine(json ? try NetworkMonitorSession.json(o) : NetworkMonitorSession.text(o)) { Self.stdoutClosed() }
            }
            Self.note(session.summary)
            if json { printLine(session.statusReport.json(type: "summary")) }
        }
    }
}
