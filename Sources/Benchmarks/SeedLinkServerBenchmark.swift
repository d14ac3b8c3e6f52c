// seismic-bench seedlink-server: a live SeedLink server on 127.0.0.1 for measuring `seismic monitor`
// — N stations of three 100 Hz channels, each record released when its last sample is due in real
// time (scripts/bench_seedlink.sh runs the monitor against it and reads its status lines).

import Foundation
import SeismicIO
import SeismicNN
import TestSupport

enum SeedLinkServerBenchmark {
    static let usage = """
        usage: seismic-bench seedlink-server STATIONS SECONDS
          A SeedLink 3.1 and 4.0 server on 127.0.0.1 (a free port, printed as "port P") serving
          STATIONS stations XX_S000… (HNE/HNN/HNZ at location 00, 100 Hz counts, Steim-2 records of
          2 s released in real time, the last 60 s held) for SECONDS seconds; one line per minute.
          scripts/bench_seedlink.sh runs `seismic monitor` against it.
        """

    /// A standard normal draw (Box-Muller).
    static func normal(_ rng: inout SeededGenerator) -> Double {
        let u = max(Double(rng.nextUnitFloat()), 1e-12), v = Double(rng.nextUnitFloat())
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }

    /// Serves `stations` stations (XX_S000… with channels HNE/HNN/HNZ at location 00) until
    /// `seconds` have passed, `recordSeconds` of data per record (Steim-2; real servers hold 1-10 s
    /// per 512-byte record at 100 Hz), the last 60 s held for clients that connect, in SeedLink 3.1
    /// and 4.0 (clients choose). Prints "port P" then one line per minute (frames sent).
    static func run(stations: Int, seconds: Double, recordSeconds: Double = 2) throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("seedlink-bench-\(UUID())").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let server = try LocalSeedLinkServer(frames: [], versions: [.v3, .v4])
        // Data time t is due at server uptime t − origin.
        let origin = Date().timeIntervalSince1970
        print("port \(server.port)")
        fflush(nil)
        var rng = SeededGenerator(seed: 7)
        var next = origin
        var sequence = 1
        let keep = stations * 3 * Int(60 / recordSeconds)
        let started = Date()
        var lastReport = 0
        while Date().timeIntervalSince(started) < seconds {
            // Prepare the next record's data a second before it is due.
            while next - origin < Date().timeIntervalSince(started) + 1 {
                let n = Int(recordSeconds * 100)
                // Noise of a few hundred counts, and every 60 s an onset-like burst at a third of the stations.
                let segments = (0..<stations).flatMap { s in
                    ["HNE", "HNN", "HNZ"].map { code in
                        TraceSegment(
                            id: SEEDIdentifier(network: "XX", station: String(format: "S%03d", s), location: "00", channel: code), startTime: next,
                            samplingRateHz: 100,
                            samples: (0..<n).map { i in
                                let t = next + Double(i) / 100
                                let burst =
                                    s % 3 == 0 && t.truncatingRemainder(dividingBy: 60) < 8
                                    ? 20_000 * sin(t * 40) * exp(-t.truncatingRemainder(dividingBy: 60) / 2) : 0
                                return (normal(&rng) * 300 + burst).rounded()
                            })
                    }
                }
                let frames = try LocalSeedLinkServer.frames(of: segments, firstSequence: sequence, scratch: scratch) { $0 + 0.01 - origin }
                sequence += frames.count
                server.append(frames, keep: keep)
                next += recordSeconds
            }
            Thread.sleep(forTimeInterval: 0.05)
            let minute = Int(Date().timeIntervalSince(started) / 60)
            if minute > lastReport {
                lastReport = minute
                print("minute \(minute): \(server.framesSent) frames sent")
                fflush(nil)
            }
        }
        server.shutdown()
    }
}
