// StreamSources: live inputs for the monitor — UDP (Raspberry Shake), stdin lines, SAC replay —
// each on its own thread, feeding a bounded queue so a slow model never blocks the receiver.

import Foundation
import SeismicIO

/// A bounded multi-producer queue of packets. A full queue drops the newest packet and counts it
/// (a live UDP stream cannot wait), or makes a producer that can wait (stdin, replay) block until
/// there is room, so those inputs lose nothing.
public final class PacketQueue: @unchecked Sendable {
    private var items: [StreamPacket] = []
    private var head = 0
    private let lock = NSCondition()
    public let capacity: Int
    /// Packets taken into the queue.
    public private(set) var accepted = 0
    /// Packets refused because the queue was full.
    public private(set) var dropped = 0
    public private(set) var malformed = 0
    /// Datagrams or lines the source received, whatever became of them (one line gives a packet
    /// per component), and lines skipped as blank or comments.
    public private(set) var received = 0, skippedLines = 0
    /// Datagrams the operating system dropped before the receiver read them (its socket buffer was
    /// full), as the kernel reports them (Linux SO_RXQ_OVFL; 0 where it cannot be observed).
    public private(set) var kernelDropped = 0
    private var finished = false

    public init(capacity: Int = 20_000) { self.capacity = capacity }

    public func push(_ p: StreamPacket, waitForRoom: Bool = false) {
        lock.lock()
        while waitForRoom && items.count - head >= capacity && !finished { lock.wait() }
        if items.count - head >= capacity { dropped += 1 } else { items.append(p); accepted += 1 }
        lock.broadcast()
        lock.unlock()
    }

    public func countMalformed() { lock.lock(); malformed += 1; lock.unlock() }

    /// Counts a datagram or line received (`skipped`: a blank or comment line).
    public func countReceived(skipped: Bool = false) {
        lock.lock()
        received += 1
        if skipped { skippedLines += 1 }
        lock.unlock()
    }

    /// Records the kernel's running count of dropped datagrams.
    func setKernelDropped(_ count: Int) { lock.lock(); kernelDropped = max(kernelDropped, count); lock.unlock() }

    /// Every packet that reached the receiver, however it ended: accepted, dropped by the queue or
    /// by the kernel, or malformed.
    public var accounted: Int { lock.lock(); defer { lock.unlock() }; return accepted + dropped + malformed + kernelDropped }

    /// Marks the end of the stream (replay done, stdin closed).
    public func finish() { lock.lock(); finished = true; lock.broadcast(); lock.unlock() }

    /// The next packet, waiting up to `timeout` seconds; nil on timeout or when finished and empty.
    public func pop(timeout: Double) -> (packet: StreamPacket?, finished: Bool) {
        lock.lock()
        defer { lock.unlock() }
        let deadline = Date().addingTimeInterval(timeout)
        while head >= items.count && !finished {
            if !lock.wait(until: deadline) { break }
        }
        guard head < items.count else { return (nil, finished) }
        let p = items[head]
        head += 1
        if head > 4096 && head * 2 > items.count { items.removeFirst(head); head = 0 }
        lock.broadcast()  // a producer may be waiting for room
        return (p, false)
    }
}

public enum StreamSourceError: Error, CustomStringConvertible {
    case badAddress(String), socket(String)
    /// A `--source` that is none of the three forms.
    case badSource(String)
    /// A `seedlink://` source that does not parse.
    case badSeedLink(SeedLinkError)
    public var description: String {
        switch self {
        case .badSource(let s):
            return
                "--source '\(s)' is not a source: give seedlink://HOST[:PORT]?streams=NET_STA:SELECTOR,…, udp://HOST:PORT, stdin or replay:FILE (SAC or miniSEED)"
        case .badSeedLink(let e): return "\(e)"
        case .badAddress(let a): return "cannot listen on \(a): give udp://HOST:PORT with HOST an IPv4 address (udp://:PORT: 127.0.0.1) and PORT 0…65535"
        case .socket(let r): return "UDP socket: \(r)"
        }
    }
}

public enum StreamSources {
    /// Listens on `host:port` (UDP) and pushes every parsed datagram; malformed ones are counted, and
    /// so are datagrams the kernel dropped because the socket's buffer (`receiveBufferBytes`, capped
    /// by net.core.rmem_max) was full. Datagrams lost before they reach the socket (a sender's or an
    /// interface's queue) cannot be seen by the receiver and are not counted.
    /// Returns the bound port (useful with port 0) and a function that stops the listener.
    public static func udp(
        host: String, port: UInt16, receiveBufferBytes: Int32 = 8 << 20,
        into queue: PacketQueue
    ) throws -> (port: UInt16, stop: @Sendable () -> Void) {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw StreamSourceError.socket(String(cString: strerror(errno))) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &addr.sin_addr) == 1 else { close(fd); throw StreamSourceError.badAddress("\(host):\(port)") }
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { close(fd); throw StreamSourceError.socket("bind \(host):\(port): \(String(cString: strerror(errno)))") }
        var actual = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        // A receive timeout lets the thread notice a stop request.
        var tv = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        // A large receive buffer rides out bursts while the model runs (the kernel caps it at
        // net.core.rmem_max), and the kernel's drop counter comes with every datagram, so a loss
        // the receiver could not prevent is still counted.
        var bufferBytes = receiveBufferBytes
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufferBytes, socklen_t(MemoryLayout<Int32>.size))
        #if os(Linux)
            var on: Int32 = 1
            setsockopt(fd, SOL_SOCKET, Self.receiveQueueOverflow, &on, socklen_t(MemoryLayout<Int32>.size))
        #endif
        let stopFlag = StopFlag()
        let thread = Thread {
            var buffer = [UInt8](repeating: 0, count: 65_536)
            var control = [UInt64](repeating: 0, count: 8)
            while !stopFlag.isSet {
                let (n, kernelDrops) = Self.receive(fd, into: &buffer, control: &control)
                if let kernelDrops { queue.setKernelDropped(kernelDrops) }
                if n <= 0 { continue }
                queue.countReceived()
                if let p = StreamParsing.shakePacket(String(decoding: buffer[0..<n], as: UTF8.self)) { queue.push(p) } else { queue.countMalformed() }
            }
            close(fd)
        }
        thread.start()
        return (UInt16(bigEndian: actual.sin_port), { stopFlag.set() })
    }

    /// Linux's SO_RXQ_OVFL (asm-generic/socket.h), which the C module does not export.
    static let receiveQueueOverflow: Int32 = 40

    /// One datagram into `buffer`: its length (≤ 0 when none arrived) and the kernel's running count
    /// of datagrams dropped on this socket, when it sent one (a control message of type SO_RXQ_OVFL).
    private static func receive(_ fd: Int32, into buffer: inout [UInt8], control: inout [UInt64]) -> (Int, Int?) {
        buffer.withUnsafeMutableBytes { data in
            control.withUnsafeMutableBytes { ctl in
                var iov = iovec(iov_base: data.baseAddress, iov_len: data.count)
                return withUnsafeMutablePointer(to: &iov) { iovp in
                    var msg = msghdr()
                    msg.msg_iov = iovp
                    msg.msg_iovlen = 1
                    msg.msg_control = ctl.baseAddress
                    msg.msg_controllen = ctl.count
                    let n = recvmsg(fd, &msg, 0)
                    guard n > 0 else { return (n, nil) }
                    // Control messages: {size_t length; int level; int type; data…}, each padded to 8 bytes.
                    let headerBytes = MemoryLayout<Int>.size + 2 * MemoryLayout<Int32>.size
                    var offset = 0
                    while offset + headerBytes + 4 <= Int(msg.msg_controllen) {
                        let length = ctl.load(fromByteOffset: offset, as: Int.self)
                        let level = ctl.load(fromByteOffset: offset + MemoryLayout<Int>.size, as: Int32.self)
                        let type = ctl.load(fromByteOffset: offset + MemoryLayout<Int>.size + 4, as: Int32.self)
                        guard length >= headerBytes else { break }
                        if level == SOL_SOCKET && type == receiveQueueOverflow {
                            return (n, Int(ctl.load(fromByteOffset: offset + headerBytes, as: UInt32.self)))
                        }
                        offset += (length + 7) & ~7
                    }
                    return (n, nil)
                }
            }
        }
    }

    /// Reads `time,x,y,z` lines from `handle` until it closes; each line becomes one sample per
    /// component (`components` values after the time: the model's component count). Lines end
    /// with "\n", "\r\n" or "\r"; blank lines and lines whose first non-blank character is "#" are skipped; a line
    /// that does not parse (`StreamParsing.csvLine`: another number of fields, a field that is not
    /// a decimal number), or is longer than `maximumLineBytes` (not buffered beyond that), is
    /// counted as malformed and none of its values is used; the first such line is described to
    /// `log` (its number, fields and a prefix of its text), so a stream in another format is seen
    /// at once rather than only in the summary's counts.
    public static func lines(
        from handle: FileHandle, components: Int = 3, maximumLineBytes: Int = 65_536, into queue: PacketQueue,
        log: (@Sendable (String) -> Void)? = nil
    ) {
        let thread = Thread {
            var splitter = LineSplitter(maximumLineBytes: maximumLineBytes)
            var number = 0, described = false
            func refuse(_ reason: @autoclosure () -> String) {
                queue.countMalformed()
                if !described, let log {
                    described = true
                    log("monitor: line \(number) refused (further refused lines are only counted): \(reason())")
                }
            }
            func deliver(_ pieces: [LineSplitter.Piece]) {
                for piece in pieces {
                    number += 1
                    let blank: Bool
                    if case .line(let bytes) = piece {
                        let first = bytes.first { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }
                        blank = first == nil || first == UInt8(ascii: "#")
                    } else {
                        blank = false
                    }
                    queue.countReceived(skipped: blank)
                    if blank { continue }
                    guard case .line(let bytes) = piece else { refuse("longer than \(maximumLineBytes) bytes"); continue }
                    let line = String(decoding: bytes, as: UTF8.self)
                    guard let (t, v) = StreamParsing.csvLine(line, components: components) else {
                        let fields = StreamParsing.fields(line)
                        let shown = line.count > 80 ? String(line.prefix(80)) + "…" : line
                        let what: String
                        if fields.count != 1 + components {
                            what = "has \(fields.count) field\(fields.count == 1 ? "" : "s"); expected \(1 + components)"
                        } else if let bad = fields.indices.first(where: {
                            StreamParsing.number(fields[$0]) == nil || ($0 == 0 && !(StreamParsing.number(fields[0])!.isFinite))
                        }) {
                            what = "field \(bad + 1) ('\(fields[bad].prefix(40))') is not \(bad == 0 ? "a finite" : "a plain") decimal number"
                        } else {
                            what = "does not parse"
                        }
                        refuse(
                            "'\(shown)' \(what): a line is a time in seconds since 1970 (UTC) and one plain decimal number per component "
                                + "(1e-3 and nan are numbers; hex is not), separated by commas, or by spaces or tabs")
                        continue
                    }
                    for (c, value) in v.enumerated() {
                        queue.push(StreamPacket(channel: ["X", "Y", "Z"][safe: c] ?? "C\(c)", time: t, samples: [value]), waitForRoom: true)
                    }
                }
            }
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                deliver(splitter.take(chunk))
            }
            deliver(splitter.finish())
            queue.finish()
        }
        thread.start()
    }

    /// A record a replay reads, before it is played: its samples in m/s², where its units came
    /// from, and its station.
    public struct ReplayedRecord: Sendable {
        /// The record's spans where every component has data, in time order (one for SAC).
        public var spans: [Waveform]
        public var units: UnitConversion
        /// "NET.STA.LOC" from the record's SEED ids (SAC header or file name, miniSEED); "" when none.
        public var stationID: String
        /// What was read but is not played (short spans, instruments without a record, corrupt records).
        public var notes: [String] = []
        /// Bytes of the miniSEED files that did not parse or decode as records, skipped: their samples are gaps.
        public var corrupt: [CorruptBytes] = []
    }

    /// Reads the record at `path` for a replay: a SAC triple (siblings found by name) or the
    /// records of one instrument in a miniSEED file (`MiniSEEDRecords.readSkippingCorrupt`: a day file finds its
    /// sibling channels; records that do not parse or decode are skipped, listed in `corrupt` and said in `notes`), its spans in time order — `instrument` (band + instrument code, e.g.
    /// "HN") chooses when the file holds several, else its one accelerometer (instrument code N). Its samples are converted to m/s² as `units` says
    /// (`UnitOptions.conversion`: the SAC header's units first, then the inventory,
    /// `--sensitivity`, `--units`).
    /// Spans shorter than `windowSeconds` are not played (`notes` says so). Packets carry the
    /// channel's band and instrument code with the letter of the model component it feeds (E, N, Z).
    /// - Throws: the record's read error; `MonitorError.recordTooShort` (no span as long as
    ///   `windowSeconds`), `.replayInstruments` (no instrument with the model's components, or
    ///   several and none chosen); `AccelerationUnitError` (the header's units unusable, or the
    ///   units unknown: the monitor's PGA and triggers need acceleration even when the model, `modelUnits`
    ///   `.counts`, would take the samples as read), `RecordUnitError`.
    public static func replayedRecord(
        _ path: String, componentOrder: [String], windowSeconds: Double, instrument: String?, units: UnitOptions,
        modelUnits: SampleUnit = .metersPerSecondSquared
    ) throws -> ReplayedRecord {
        var spans: [Waveform] = []
        var channels: [SEEDIdentifier] = []
        var stated: AccelerationUnit? = nil
        var notes: [String] = []
        var corrupt: [CorruptBytes] = []
        if FileFormat.detect(path: path) == .miniSEED2 {
            // A record that does not parse or decode is skipped, as classify skips it: its samples are a gap the monitor sees.
            let scan: InstrumentScan<Waveform>
            (scan, _, corrupt) = try MiniSEEDRecords.readSkippingCorrupt(path, componentOrder: componentOrder, minimumSeconds: 0)
            for run in corrupt.prefix(5) {
                notes.append(
                    "\(run.path == path ? "" : run.path + ": ")bytes \(run.offset)–\(run.offset + run.length - 1) (\(run.length)) skipped, their samples played as a gap: \(run.reason)"
                )
            }
            if corrupt.count > 5 { notes.append("and \(corrupt.count - 5) more runs of corrupt bytes skipped") }
            let wanted = instrument.map { $0.uppercased() }
            var records = scan.records.filter { wanted == nil || $0.channels[0].bandInstrument == wanted }
            // Several instruments and none named: the accelerometer (instrument code N) when there is one, as for live streams.
            if wanted == nil, Set(records.map(\.instrumentID)).count > 1 {
                let accelerometers = records.filter { MonitorRunner.isAccelerometer($0.channels[0].bandInstrument) }
                if Set(accelerometers.map(\.instrumentID)).count == 1 { records = accelerometers }
            }
            let instruments = Set(records.map(\.instrumentID)).sorted()
            guard instruments.count == 1 else {
                throw MonitorError.replayInstruments(
                    path: path, found: instruments, skipped: scan.skipped.map { "\($0.what): \($0.reason)" }, wanted: wanted)
            }
            let notPlayed = Set(scan.records.map(\.instrumentID)).subtracting(instruments).sorted()
            if !notPlayed.isEmpty { notes.append("not played: \(notPlayed.joined(separator: ", ")) (one instrument is monitored; --channels chooses)") }
            channels = records[0].channels
            // Spans shorter than a window give no window: said, not played (a live stream's short stretches are bridged instead).
            let all = records.map(\.waveform).sorted { $0.startTime < $1.startTime }
            spans = all.filter { $0.durationSeconds >= windowSeconds }
            let short = all.count - spans.count
            if short > 0 { notes.append("\(short) span\(short == 1 ? "" : "s") of \(instruments[0]) shorter than the \(windowSeconds) s window not played") }
            guard let longest = all.map(\.durationSeconds).max(), longest >= windowSeconds else {
                throw MonitorError.recordTooShort(path: path, seconds: all.map(\.durationSeconds).max() ?? 0, windowSeconds: windowSeconds)
            }
            notes += scan.skipped.map { "\($0.what): \($0.reason)" }
        } else {
            let format = FileFormat.detect(path: path)
            guard [.sac, .unknown].contains(format) else { throw MonitorError.replayFormat(path: path, format: format) }
            let (w, traces, paths) = try ThreeComponentRecord.read(path)
            guard w.durationSeconds >= windowSeconds else {
                throw MonitorError.recordTooShort(path: path, seconds: w.durationSeconds, windowSeconds: windowSeconds)
            }
            spans = [w]
            channels = paths.compactMap { try? SACTrace.seedIdentifier(path: $0) }
            stated = try AccelerationUnit.stated(by: traces, path: path)
        }
        let first = spans[0]
        let conversion = try units.conversion(
            stated: stated, channels: channels, components: first.componentCount, time: first.startTime, end: spans.last?.endTime, path: path,
            to: .mps2)
        guard conversion.unitsKnown else {
            // A model in counts would take the record as read (its windows are normalised), but PGA and the trigger are in gal.
            if modelUnits == .counts { throw AccelerationUnitError.missingForPGA(source: path) }
            throw AccelerationUnitError.missing(
                source: path,
                hint:
                    "its header does not state them (SAC IDEP = IACC with the unit in KUSER0; miniSEED never does): give --units, --units with --sensitivity for counts, or --inventory"
            )
        }
        guard spans.allSatisfy({ abs($0.samplingRateHz - first.samplingRateHz) <= 1e-6 * first.samplingRateHz }) else {
            throw MonitorError.replayRates(path: path, rates: Array(Set(spans.map(\.samplingRateHz))).sorted())
        }
        // Packets are named by the model component each feeds (band + instrument code, then E, N or
        // Z): the monitor finds a channel's component from its last letter, and a Z/1/2 or Z/2/3
        // instrument's channels were already mapped (`ComponentMapping`).
        let letters = componentOrder.map { ["Z", "N", "E"][$0.last.flatMap(ComponentMapping.kind(of:)) ?? 0] }
        let converted = try spans.map { span throws(RecordUnitError) in
            var w = try conversion.converted(span, path: path, model: .mps2)
            if w.componentCodes.count == letters.count { w.componentCodes = zip(w.componentCodes, letters).map { String($0.dropLast()) + $1 } }
            return w
        }
        return ReplayedRecord(spans: converted, units: conversion, stationID: channels.first.map(\.stationID) ?? "", notes: notes, corrupt: corrupt)
    }

    /// Plays `spans` (in time order, samples in m/s²) as packets of `packetSeconds` per component,
    /// at real time × `speed` (speed 0: as fast as possible), each span at its own times (a gap
    /// between spans stays a gap: the monitor sees no samples there).
    public static func replay(_ spans: [Waveform], speed: Double, packetSeconds: Double = 0.25, into queue: PacketQueue) {
        let thread = Thread {
            let t0 = Date()
            let origin = spans.first?.startTime ?? 0
            for w in spans {
                let per = max(1, Int(min(Double(w.sampleCount), (packetSeconds * w.samplingRateHz).rounded(.down))))
                var i = 0
                while i < w.sampleCount {
                    let n = min(per, w.sampleCount - i)
                    let at = w.startTime - origin + Double(i) / w.samplingRateHz
                    if speed > 0 {
                        let wait = at / speed - Date().timeIntervalSince(t0)
                        if wait > 0 { Thread.sleep(forTimeInterval: wait) }
                    }
                    for (c, code) in w.componentCodes.enumerated() {
                        queue.push(
                            StreamPacket(channel: code, time: w.startTime + Double(i) / w.samplingRateHz, samples: Array(w.components[c][i..<(i + n)])),
                            waitForRoom: true)
                    }
                    i += n
                }
            }
            queue.finish()
        }
        thread.start()
    }
}

final class StopFlag: @unchecked Sendable {
    private var value = false
    private let lock = NSLock()
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    func set() { lock.lock(); value = true; lock.unlock() }
}
