// MonitorRunner: drains the packet queue into the engine — rate discovery, unit conversion, triggers.

import Foundation
import SeismicNN

/// Runs a monitor over a `PacketQueue` until the stream ends or `shouldStop` says so.
public final class MonitorRunner {
    public let model: ConvNet
    public let card: ModelCard
    public var samplingRateHz: Double?
    /// Multiplies every sample into m/s² (counts × gain, g × 9.81, gal × 0.01).
    public var scale: Double
    public var windowSeconds = 2.0, hopSeconds = 1.0
    public var pgaThresholdGal = 2.0, noiseMaximum: Float = 0.5, minimumGapSeconds = 10.0
    public private(set) var engine: MonitorEngine?
    /// Packets skipped because a sample was NaN or ±inf (as sent, or after × `scale`).
    public private(set) var nonFinitePackets = 0
    private var pending: [StreamPacket] = []
    private var lastTime: [String: (time: Double, count: Int)] = [:]

    public init(model: ConvNet, card: ModelCard, samplingRateHz: Double?, scale: Double) {
        self.model = model
        self.card = card
        self.samplingRateHz = samplingRateHz
        self.scale = scale
    }

    /// Feeds one packet; returns completed hops (none while the rate is still being learnt).
    /// A packet with a non-finite sample is skipped and counted in `nonFinitePackets`.
    public func handle(_ p: StreamPacket) throws -> [MonitorLine] {
        guard p.samples.allSatisfy({ ($0 * scale).isFinite }) else {
            nonFinitePackets += 1
            return []
        }
        guard let c = StreamParsing.componentIndex(p.channel), c < card.architecture.inputShape[2] else {
            engine?.countMalformed()
            return []
        }
        if engine == nil {
            if samplingRateHz == nil, let prev = lastTime[p.channel], p.time > prev.time {
                // Samples per second between two packets of one channel; 125 Hz when inconclusive.
                let estimate = Double(prev.count) / (p.time - prev.time)
                samplingRateHz = estimate.isFinite && estimate > 1 && estimate < 10_000 ? (estimate * 1000).rounded() / 1000 : 125
            }
            lastTime[p.channel] = (p.time, p.samples.count)
            pending.append(p)
            guard let rate = samplingRateHz else {
                if pending.count > 64 { samplingRateHz = 125 } else { return [] }
                return try handle(pending.removeLast())
            }
            let e = try MonitorEngine(model: model, card: card, samplingRateHz: rate, windowSeconds: windowSeconds, hopSeconds: hopSeconds)
            e.pgaThresholdGal = pgaThresholdGal
            e.noiseMaximum = noiseMaximum
            e.minimumGapSeconds = minimumGapSeconds
            engine = e
            let buffered = pending
            pending = []
            return try buffered.flatMap { try handle($0) }
        }
        return engine!.ingest(component: c, time: p.time, samples: p.samples.map { $0 * scale })
    }

    /// Runs the program `command[0]` (a path, or a name looked up in PATH) with the arguments
    /// `command[1...]`, each passed as it is (never through a shell), writing the event as JSON to
    /// its standard input; returns without waiting for it. A program that does not read its
    /// standard input (or exits first) is fine: see `writeEvent`.
    /// Returns the started process (nil when it could not start), so a caller can wait for it.
    @discardableResult
    public static func runTriggerCommand(_ command: [String], event: MonitorLine) -> Process? {
        guard let exe = command.first else { return nil }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe.contains("/") ? exe : "/usr/bin/env")
        p.arguments = exe.contains("/") ? Array(command.dropFirst()) : command
        let pipe = Pipe()
        p.standardInput = pipe
        do {
            try p.run()
            try? writeEvent(event, to: pipe.fileHandleForWriting)
            try? pipe.fileHandleForWriting.close()
            return p
        } catch {
            FileHandle.standardError.write(Data("monitor: --on-trigger \(exe) failed: \(error)\n".utf8))
            return nil
        }
    }

    /// Writes `event` as one line of JSON to `handle`. SIGPIPE is ignored (process-wide, once),
    /// so a reader that has gone away makes this throw (EPIPE) instead of killing the monitor.
    public static func writeEvent(_ event: MonitorLine, to handle: FileHandle) throws {
        _ = ignoreBrokenPipe
        try handle.write(contentsOf: Data((try event.jsonText() + "\n").utf8))
    }

    private static let ignoreBrokenPipe: Void = { signal(SIGPIPE, SIG_IGN) }()
}
