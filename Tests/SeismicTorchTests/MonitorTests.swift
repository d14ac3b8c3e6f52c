// The live monitor: triggers on earthquakes not noise (UDP over loopback, stdin), a lossy soak.

import Foundation
import SeismicIO
import SeismicNN
import SeismicSignal
import SeismicTorch
import TestSupport
import Testing

/// A small EarthquakeCNN trained on synthetic P / S / noise windows (a few seconds).
nonisolated(unsafe) private let trained: (ConvNet, ModelCard) = {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("monitor-model-\(UUID())").path
    defer { try? FileManager.default.removeItem(atPath: folder) }
    var s = DemoPipeline.Settings()
    s.qsisEvents = 60; s.qsisNoise = 60; s.steadEarthquakes = 600; s.pretrainEpochs = 6; s.finetuneEpochs = 6
    try! DemoPipeline.run(context: JobContext(), folder: folder, settings: s) { _ in }
    return try! Checkpoint.load(from: folder + "/finetune/best.safetensors")
}()

/// A strong synthetic earthquake (or noise) at 125 Hz in m/s² on a MEMS station's ambient and
/// self-noise, and its P onset. The background is quiet (no traffic, transients or gaps): these
/// tests are of the monitor's machinery — a trigger's delay after P, every window classified — not
/// of how well the small model here tells transients from onsets (`seismic evaluate` measures that).
private func stream(event: Bool, seed: UInt64) -> (Waveform, Double?) {
    var rng = SeededGenerator(seed: seed)
    let r = SyntheticRecord.generate(
        event: event, durationSeconds: 90, samplingRateHz: 125, magnitude: 4.8, distanceRangeKm: 10...30, quietBackground: true, using: &rng)
    return (r.waveform, r.pArrivalSeconds)
}

/// Packets of 0.2 s per component, as a Raspberry Shake sends them.
private func packets(_ w: Waveform, start: Double = 1_700_000_000, countsPerUnit: Double = 1) -> [StreamPacket] {
    var out: [StreamPacket] = []
    var i = 0
    while i < w.sampleCount {
        let n = min(25, w.sampleCount - i)
        for (c, code) in ["ENE", "ENN", "ENZ"].enumerated() {
            out.append(
                StreamPacket(
                    channel: code, time: start + Double(i) / 125,
                    samples: w.components[c][i..<(i + n)].map { countsPerUnit == 1 ? $0 : ($0 * countsPerUnit).rounded() }))
        }
        i += n
    }
    return out
}

@Suite(.serialized) struct MonitorTests {
    @Test func triggersOnTheEarthquakeSoonAfterPAndNotOnNoise() throws {
        let (model, card) = trained
        for (event, seed) in [(true, UInt64(3)), (false, UInt64(4))] {
            let (w, p) = stream(event: event, seed: seed)
            let runner = MonitorRunner(model: model, card: card, samplingRateHz: nil, scale: 1)
            let lines = try packets(w).flatMap { try runner.handle($0) }
            #expect(runner.samplingRateHz == 125)
            #expect(lines.count == 88, "\(runner.statistics.summary)")  // the last hop waits for stragglers past the end
            let triggers = lines.filter(\.trigger)
            if event {
                let peak = lines.max { $0.pgaGal < $1.pgaGal }!
                let first = try #require(triggers.first, "no trigger on the earthquake; peak \(peak.pgaGal) gal, probabilities \(peak.probabilities)")
                let delay = first.endTime - (1_700_000_000 + p!)
                #expect(delay >= 0 && delay <= 12, "trigger \(delay) s after P")
                // Debounced: triggers at least --min-gap (10 s) apart.
                for (a, b) in zip(triggers, triggers.dropFirst()) { #expect(b.endTime - a.endTime >= 10) }
            } else {
                #expect(triggers.isEmpty)
            }
        }
    }

    /// A Raspberry Shake 4D sends its geophone EHZ beside its accelerometer ENE/ENN/ENZ. The
    /// geophone's large numbers must never enter the accelerometer's window: the lines are those
    /// of the EN? channels alone (same times, same PGA), with no false trigger; the EHZ packets
    /// are ignored and counted. `instrument` picks another instrument explicitly.
    @Test func aGeophoneBesideTheAccelerometerIsNeverMixedIn() throws {
        let (model, card) = trained
        let (w, _) = stream(event: false, seed: 4)
        let accelerometer = packets(w)
        func run(_ stream: [StreamPacket], instrument: String? = nil) throws -> (MonitorRunner, [MonitorLine]) {
            let runner = MonitorRunner(model: model, card: card, samplingRateHz: nil, scale: 1)
            runner.instrument = instrument
            return (runner, try stream.flatMap { try runner.handle($0) })
        }
        let (_, alone) = try run(accelerometer)
        // EHZ first in every round, with values of 15 m/s² (1,500 gal if it were acceleration).
        var mixed: [StreamPacket] = []
        for (k, p) in accelerometer.enumerated() {
            if k % 3 == 0 { mixed.append(StreamPacket(channel: "EHZ", time: p.time, samples: p.samples.map { _ in 15 })) }
            mixed.append(p)
        }
        let (runner, lines) = try run(mixed)
        #expect(runner.monitoredInstrument == "EN")
        #expect(runner.statistics.otherInstrument == accelerometer.count / 3)
        #expect(lines.count == alone.count && lines.count == 88)
        #expect(zip(lines, alone).allSatisfy { $0.endTime == $1.endTime && $0.pgaGal == $1.pgaGal && $0.probabilities == $1.probabilities })
        #expect(!lines.contains { $0.trigger } && lines.map(\.pgaGal).max()! < 2)
        // Asked for by name (--channels EH?), a complete EH? instrument is used, and EN? ignored.
        let renamed = mixed.filter { $0.channel != "EHZ" }.map { StreamPacket(channel: "EH" + $0.channel.suffix(1), time: $0.time, samples: $0.samples) }
        var both: [StreamPacket] = []
        for (k, p) in renamed.enumerated() {
            both.append(p)
            both.append(StreamPacket(channel: mixed.filter { $0.channel != "EHZ" }[k].channel, time: p.time, samples: p.samples.map { _ in 15 }))
        }
        let (named, namedLines) = try run(both, instrument: "EH")
        #expect(named.monitoredInstrument == "EH" && named.statistics.otherInstrument == renamed.count)
        #expect(zip(namedLines, alone).allSatisfy { $0.endTime == $1.endTime && $0.pgaGal == $1.pgaGal } && namedLines.count == alone.count)
    }

    @Test func udpLoopbackStreamTriggersAndCountsMalformedPackets() throws {
        let (model, card) = trained
        let queue = PacketQueue()
        let (port, stop) = try StreamSources.udp(host: "127.0.0.1", port: 0, into: queue)
        defer { stop() }
        let (w, _) = stream(event: true, seed: 3)
        let gain = 1.0 / 384_500
        let sender = LoopbackSender(port: port)
        let runner = MonitorRunner(model: model, card: card, samplingRateHz: nil, scale: gain)
        var lines: [MonitorLine] = []
        var received = 0
        func drain() throws {
            while let p = queue.pop(timeout: 0).packet { received += 1; lines += try runner.handle(p) }
        }
        var sent = sender.send("not a packet") ? 1 : 0
        let all = packets(w, countsPerUnit: 1 / gain)
        // Paced by what the receiver reports, not by time: after each burst of 50 datagrams, wait
        // until every datagram sent so far is accounted for (read, or dropped and counted by the
        // queue or the kernel). The deadline only ends a test whose receiver is stuck.
        let deadline = Date().addingTimeInterval(120)
        var markers = 0
        for burst in stride(from: 0, to: all.count, by: 50) {
            for p in all[burst..<min(burst + 50, all.count)] {
                if sender.send("{'\(p.channel)', \(String(format: "%.3f", p.time)), " + p.samples.map { String(Int($0)) }.joined(separator: ", ") + "}") {
                    sent += 1
                }
            }
            try drain()
            markers += try sender.markUntilAccounted(queue, sent: &sent, deadline: deadline, drain: drain)
        }
        try drain()
        // Every datagram sent is accounted for exactly once, whatever the machine's load.
        #expect(queue.accounted == sent)
        #expect(received == queue.accepted)
        #expect(queue.malformed >= 1 && queue.malformed <= 1 + markers)
        // Bursts of 50 datagrams (~50 kB) fit any socket buffer, so the event arrives and triggers.
        #expect(lines.contains { $0.trigger })
    }

    /// Bursts of datagrams into a socket buffer far too small for them and a queue nobody empties:
    /// each datagram is accepted, dropped by the full queue, or dropped by the kernel and counted
    /// through its SO_RXQ_OVFL counter — none is lost without a count. (Bursts of 100 stay below
    /// the loopback device's backlog of 1,000, where a loss would happen before the socket and could
    /// not be counted by any receiver.) The kernel reports its count with the next datagram it
    /// delivers, so after each burst a marker is sent until everything is accounted for: the test
    /// waits on that event, not on time.
    @Test func udpBurstsBeyondTheSocketBufferAreCountedDatagramByDatagram() throws {
        let queue = PacketQueue(capacity: 500)
        let (port, stop) = try StreamSources.udp(host: "127.0.0.1", port: 0, receiveBufferBytes: 4096, into: queue)
        defer { stop() }
        let sender = LoopbackSender(port: port)
        var sent = 0
        let deadline = Date().addingTimeInterval(120)  // only ends a stuck receiver
        for burst in 0..<50 {
            for i in 0..<100 where sender.send("{'EHZ', \(1000 + Double(burst * 100 + i) * 0.25), " + String(repeating: "1, ", count: 24) + "1}") {
                sent += 1
            }
            _ = try sender.markUntilAccounted(queue, sent: &sent, deadline: deadline)
        }
        // How many the kernel drops depends on how fast the receiver is scheduled; that each one is
        // counted does not.
        #expect(queue.accounted == sent)
        diagnostic(
            "UDP bursts: \(sent) sent, \(queue.accepted) accepted, \(queue.dropped) dropped by the full queue, "
                + "\(queue.kernelDropped) by the kernel, \(queue.malformed) markers")
    }

    /// Inputs that can wait (stdin, replay) block on a full queue and lose nothing; a live input
    /// that cannot wait (UDP) drops the newest packet and counts it.
    @Test func fullQueueBlocksWaitingProducersAndCountsDrops() {
        let queue = PacketQueue(capacity: 8)
        let total = 500
        Thread {
            for i in 0..<total { queue.push(StreamPacket(channel: "Z", time: Double(i), samples: [Double(i)]), waitForRoom: true) }
            queue.finish()
        }.start()
        var times: [Double] = []
        while true {
            let (p, finished) = queue.pop(timeout: 2)
            if finished { break }
            if let p { times.append(p.time) }
            if times.count % 50 == 0 { Thread.sleep(forTimeInterval: 0.001) }  // a slow consumer
        }
        #expect(times == (0..<total).map(Double.init) && queue.dropped == 0)
        let live = PacketQueue(capacity: 8)
        for i in 0..<20 { live.push(StreamPacket(channel: "Z", time: Double(i), samples: [0])) }
        #expect(live.dropped == 12)
    }

    @Test func stdinLinesInGAreConverted() throws {
        let (model, card) = trained
        let (w, _) = stream(event: true, seed: 5)
        let pipe = Pipe()
        let queue = PacketQueue()
        StreamSources.lines(from: pipe.fileHandleForReading, into: queue)
        var text = "# time,x,y,z in g\n"
        for i in 0..<w.sampleCount {
            text += String(
                format: "%.4f,%.8g,%.8g,%.8g\n", 1000 + Double(i) / 125, w.components[0][i] / 9.81, w.components[1][i] / 9.81, w.components[2][i] / 9.81)
        }
        text += "garbage line\n"
        let writer = pipe.fileHandleForWriting
        let payload = Data(text.utf8)
        Thread {
            writer.write(payload); try? writer.close()
        }.start()
        let runner = MonitorRunner(model: model, card: card, samplingRateHz: nil, scale: AccelerationUnit.g.toMetersPerSecondSquared)
        var lines: [MonitorLine] = []
        while true {
            let (p, finished) = queue.pop(timeout: 2)
            if finished { break }
            guard let p else { continue }
            lines += try runner.handle(p)
        }
        #expect(queue.malformed == 1)
        #expect(abs((runner.samplingRateHz ?? 0) - 125) < 0.01)
        #expect(lines.count >= 85 && lines.contains { $0.trigger })
        #expect(lines.map(\.pgaGal).max()! > 2)
    }

    /// A text line names the instrument, else the station (a stdin stream named by --station).
    @Test func textLinesNameTheInstrumentElseTheStation() {
        var line = MonitorLine(
            time: 1_600_000_000.5, endTime: 1_600_000_001.49, probabilities: [0.25, 0.25, 0.5], classNames: ["P-wave", "S-wave", "Noise"],
            pgaGal: 2.5, trigger: true, bridgedSamples: 3)
        #expect(line.text == "2020-09-13T12:26:40.500Z  P-wave  25.0%  S-wave  25.0%  Noise  50.0%  PGA   2.500 gal (bridged 3)  TRIGGER")
        line.traceID = "BK.BRIB."
        #expect(line.text.hasPrefix("2020-09-13T12:26:40.500Z  BK.BRIB.  P-wave  25.0%"))
        line.instrumentID = "BK.BRIB..HN"
        #expect(line.text.hasPrefix("2020-09-13T12:26:40.500Z  BK.BRIB..HN  P-wave  25.0%"))
    }

    @Test func triggerCommandGetsTheEventAsJSONWithoutAShell() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("trigger; x \(UUID()).json").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        var line = MonitorLine(
            time: 1234.5, endTime: 1235.49, probabilities: [0.7, 0.2, 0.1], classNames: ["P-wave", "S-wave", "Noise"], pgaGal: 3.5,
            trigger: true, bridgedSamples: 0)
        line.traceID = "AM.R1234.00"
        line.instrumentID = "AM.R1234.00.EN"
        // The path holds a space and a semicolon: passed as one argument, never interpreted by a shell.
        let process = try #require(MonitorRunner.runTriggerCommand(["/usr/bin/tee", out], event: line))
        process.waitUntilExit()
        let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        let json = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
        #expect(json["label"] as? String == "P-wave" && json["pga_gal"] as? Double == 3.5 && json["trigger"] as? Bool == true)
        // The window centre in UTC, and the station when the source names one.
        #expect(json["time"] as? String == "1970-01-01T00:20:34.500000Z" && json["trace_id"] as? String == "AM.R1234.00")
        #expect(json["instrument"] as? String == "AM.R1234.00.EN")
    }

    /// Ten minutes at 125 Hz with 1 % of packets lost and neighbours swapped: every hop is either
    /// classified (bridged if needed) or counted as a reset — none disappears.
    @Test func lossyReorderedSoakLosesNoWindowSilently() throws {
        let (model, card) = trained
        var rng = SeededGenerator(seed: 12)
        let n = 600 * 125
        let w = Waveform(
            components: (0..<3).map { _ in (0..<n).map { _ in Double(rng.nextUnitFloat() - 0.5) * 1e-3 } },
            componentCodes: ["ENE", "ENN", "ENZ"], samplingRateHz: 125)
        var all = packets(w)
        for i in stride(from: 1, to: all.count - 1, by: 37) { all.swapAt(i, i + 1) }  // reordering
        let kept = all.filter { _ in rng.nextUnitFloat() >= 0.01 }  // 1 % loss
        let runner = MonitorRunner(model: model, card: card, samplingRateHz: 125, scale: 1)
        var lines: [MonitorLine] = []
        for p in kept { lines += try runner.handle(p) }
        let s = try #require(runner.engine).statistics
        #expect(s.windows == lines.count)
        #expect(s.windows + s.resets >= 590)  // ~598 hops; the last ones wait for the lag
        #expect(s.bridged > 0)
        #expect(!lines.contains { $0.trigger })
    }
}

/// Sends datagrams to a port on 127.0.0.1.
private final class LoopbackSender {
    private let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    private var address = sockaddr_in()

    init(port: UInt16) {
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
    }

    deinit { close(fd) }

    func send(_ text: String) -> Bool {
        text.withCString { s in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, s, strlen(s), 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        } > 0
    }

    /// Until the receiver has accounted for every datagram sent: the kernel reports its drop count
    /// only with the next datagram it delivers, so a malformed marker is sent each round (counted in
    /// `sent`). Returns the markers sent. Waits on that event; the deadline only ends a stuck receiver.
    func markUntilAccounted(_ queue: PacketQueue, sent: inout Int, deadline: Date, drain: () throws -> Void = {}) rethrows -> Int {
        var markers = 0
        while queue.accounted < sent && Date() < deadline {
            try drain()
            if queue.accounted >= sent { break }
            if send("marker") { sent += 1; markers += 1 }
            usleep(1000)
        }
        return markers
    }
}
