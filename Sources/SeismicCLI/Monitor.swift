// seismic monitor: classify a live accelerometer stream every second and raise triggers.

import ArgumentParser
import Foundation
import SeismicTorch

extension StreamUnits: ExpressibleByArgument {}

extension Seismic {
    struct Monitor: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Watch a live accelerometer stream: class probabilities and PGA every hop, triggers.",
            discussion: """
                --source udp://HOST:PORT listens for Raspberry Shake UDP packets ({'ENZ', time, counts…}, \
                one per component; counts × --gain → m/s²; binds 127.0.0.1 unless you name another \
                address); stdin reads lines time,x,y,z; replay:FILE plays a SAC triple at real time × \
                --speed. Every --hop the last --window is detrended, tapered, high-passed, resampled \
                and classified; a trigger fires when PGA ≥ --pga gal and P(Noise) ≤ --noise-max, at most \
                once per --min-gap s. Ctrl-C prints a summary (windows, triggers, drops).

                On a trigger, --on-trigger PROGRAM runs PROGRAM (a path or a name in PATH) with the event \
                as one line of JSON on its stdin, never through a shell. Give its arguments with \
                --on-trigger-arg, once per argument, exactly as the program should receive them:
                  --on-trigger notify-send --on-trigger-arg 'Earthquake!' --on-trigger-arg "PGA above 2 gal"

                --gain default: 1/384,500 m/s² per count (Raspberry Shake 4D accelerometer channels EN*).

                Units, never guessed: UDP packets are counts (× --gain; --units is refused). A replayed \
                record's units come from its SAC header (IDEP = IACC with the unit, gal, m/s2 or g, in \
                KUSER0, as `seismic synth` writes); --units must agree with it, and is required when the \
                header states none. stdin lines are in --units, else in the model card's units.

                Example: seismic monitor --model best.safetensors --source udp://127.0.0.1:8888 --json
                """)

        @Option(help: "Checkpoint of a time-series model.") var model: String
        @Option(help: "udp://HOST:PORT, stdin, or replay:FILE.sac") var source: String
        @Option(parsing: .unconditional, help: "Counts → m/s² for UDP sources.") var gain: Double = 1.0 / 384_500
        @Option(help: "Units of stdin and replay samples (default: the record's, for stdin the model card's).") var units: StreamUnits?
        @Option(parsing: .unconditional, help: "Sampling rate in Hz when the stream carries none (else estimated).") var rate: Double?
        @Option(parsing: .unconditional, help: "Window length in seconds.") var window: Double = 2
        @Option(parsing: .unconditional, help: "Seconds between classifications.") var hop: Double = 1
        @Option(parsing: .unconditional, help: "PGA threshold in gal.") var pga: Double = 2.0
        @Option(parsing: .unconditional, help: "Largest P(Noise) that still triggers.") var noiseMax: Double = 0.5
        @Option(parsing: .unconditional, help: "Seconds between two triggers.") var minGap: Double = 10
        @Option(parsing: .unconditional, help: "Replay speed factor (0: as fast as possible).") var speed: Double = 1
        @Option(help: "Program to run on a trigger (event JSON on its stdin; no shell).") var onTrigger: String?
        @Option(help: "One argument of the --on-trigger program (repeat for each, in order).") var onTriggerArg: [String] = []
        @Flag(help: "One JSON object per line instead of text.") var json = false

        func validate() throws {
            try checkOption("gain", gain, .above(0))
            try checkOption("rate", rate, .atLeast(1), .atMost(100_000))
            try checkOption("window", window, .atLeast(0.1), .atMost(3600))
            try checkOption("hop", hop, .above(0), .atMost(window))
            try checkOption("pga", pga, .atLeast(0))
            try checkOption("noise-max", noiseMax, .atLeast(0), .atMost(1))
            try checkOption("min-gap", minGap, .atLeast(0))
            try checkOption("speed", speed, .atLeast(0))
            if !onTriggerArg.isEmpty && onTrigger == nil { throw ValidationError("--on-trigger-arg needs --on-trigger PROGRAM") }
            if let program = onTrigger, onTriggerArg.isEmpty, program.contains(" "), !FileManager.default.isExecutableFile(atPath: program) {
                let words = program.split(separator: " ")
                throw ValidationError("--on-trigger takes the program alone, without a shell; give each argument with --on-trigger-arg, e.g. "
                    + "--on-trigger \(words[0]) " + words.dropFirst().map { "--on-trigger-arg '\($0)'" }.joined(separator: " "))
            }
        }

        func run() throws {
            Seismic.prepareEngine()
            let (net, card) = try Checkpoint.load(from: model)
            let queue = PacketQueue()
            var scale = gain
            var knownRate = rate
            var unitSource = StreamUnits.Source.stdin
            var stopUDP: (@Sendable () -> Void)?
            if source.hasPrefix("udp://") {
                let hostPort = source.dropFirst(6).split(separator: ":")
                guard hostPort.count == 2, let port = UInt16(hostPort[1]) else { throw StreamSourceError.badAddress(source) }
                let (bound, stop) = try StreamSources.udp(host: hostPort[0].isEmpty ? "127.0.0.1" : String(hostPort[0]), port: port, into: queue)
                stopUDP = stop
                unitSource = .udp
                FileHandle.standardError.write(Data("monitor: listening on udp://\(hostPort[0]):\(bound)\n".utf8))
            } else if source == "stdin" {
                StreamSources.lines(from: .standardInput, into: queue)
            } else if source.hasPrefix("replay:") {
                let path = String(source.dropFirst(7))
                let (recordRate, stated) = try StreamSources.replay(path, speed: speed, into: queue)
                knownRate = recordRate
                unitSource = .record(path: path, stated: stated)
            } else {
                throw ValidationError("--source must be udp://HOST:PORT, stdin or replay:FILE")
            }
            if let (u, from) = try StreamUnits.resolve(given: units, source: unitSource, card: card) {
                scale = u.toMetersPerSecondSquared
                FileHandle.standardError.write(Data("monitor: samples in \(u.rawValue), from \(from)\n".utf8))
            }
            let runner = MonitorRunner(model: net, card: card, samplingRateHz: knownRate, scale: scale)
            runner.windowSeconds = window
            runner.hopSeconds = hop
            runner.pgaThresholdGal = pga
            runner.noiseMaximum = Float(noiseMax)
            runner.minimumGapSeconds = minGap
            installStopHandler()
            let command = onTrigger.map { [$0] + onTriggerArg } ?? []
            var triggerCommands: [Process] = []
            while !StopRequest.isRequested {
                let (packet, finished) = queue.pop(timeout: 0.2)
                if finished { break }
                guard let packet else { continue }
                for line in try runner.handle(packet) {
                    if json {
                        print(try line.jsonText())
                    } else {
                        let probs = zip(card.classNames, line.probabilities).map { String(format: "%@ %5.1f%%", $0 as NSString, $1 * 100) }.joined(separator: "  ")
                        print(String(format: "%@  %@  PGA %7.3f gal%@%@", ISO8601.format(line.time) as NSString, probs as NSString, line.pgaGal,
                                     line.bridgedSamples > 0 ? " (bridged \(line.bridgedSamples))" : "", line.trigger ? "  TRIGGER" : ""))
                    }
                    fflush(nil)
                    if line.trigger && !command.isEmpty, let p = MonitorRunner.runTriggerCommand(command, event: line) {
                        triggerCommands.append(p)
                        triggerCommands.removeAll { !$0.isRunning }
                    }
                }
            }
            stopUDP?()
            let s = runner.engine?.statistics ?? MonitorStatistics()
            FileHandle.standardError.write(Data(("monitor: \(s.windows) windows classified, \(s.triggers) triggers, \(queue.dropped) packets dropped (queue full), \(queue.kernelDropped) dropped by the system (socket buffer full), "
                + "\(queue.malformed + s.malformed) malformed, \(runner.nonFinitePackets) with non-finite samples skipped, \(s.late) late samples, \(s.duplicates) duplicates, \(s.bridged) windows bridged, \(s.resets) resets\n").utf8))
            // The session ends when the trigger commands it started have finished.
            let running = triggerCommands.filter(\.isRunning)
            if !running.isEmpty {
                FileHandle.standardError.write(Data("monitor: waiting for \(running.count) --on-trigger command(s) to finish\n".utf8))
                running.forEach { $0.waitUntilExit() }
            }
        }
    }
}
