// PrepBenchmark: read and prepare a folder of 480 s three-component SAC records (records/s).

import Foundation
import SeismicIO
import SeismicNN
import SeismicSignal
import SeismicTorch

enum PrepBenchmark {
    /// Writes `count` synthetic 480 s, 100 Hz records (…HLX/HLY/HLZ…) into `folder` unless present.
    static func makeRecords(in folder: String, count: Int) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var rng = SeededGenerator(seed: 7)
        let sampleCount = 48_000
        for r in 0..<count {
            for comp in ["X", "Y", "Z"] {
                let path = "\(folder)/ST\(String(format: "%02d", r)).HL\(comp).sac"
                if FileManager.default.fileExists(atPath: path) { continue }
                var samples = [Float](repeating: 0, count: sampleCount)
                for i in 0..<sampleCount { samples[i] = (rng.nextUnitFloat() - 0.5) * 0.2 + 0.001 * Float(i % 977) }
                var t = SACTrace(samples: samples, delta: 0.01)
                t.header.channelCode = "HL" + comp
                t.header.station = "ST\(r)"
                try t.write(to: path)
            }
        }
    }

    static func run(quick: Bool) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("seismic-bench-records").path
        let count = quick ? 16 : 200
        try makeRecords(in: folder, count: count)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix("HLX.sac") }.sorted()
            .map { "\(folder)/\($0)" }
        var best = Double.infinity
        for _ in 0..<3 {
            let t0 = Date()
            let chunks = ProcessInfo.processInfo.activeProcessorCount
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let resample = FourierResampler(from: 200, to: 80)
                for i in stride(from: c, to: files.count, by: chunks) {
                    guard let (w, _, _) = try? ThreeComponentRecord.read(files[i]),
                        let prepared = try? Preprocessing.reference.prepareRecord(w)
                    else { continue }
                    // Cut and resample two 200-sample windows as the reference does around P and S.
                    for start in [10_000, 20_000] {
                        _ = prepared.components.map { resample(Array($0[start..<(start + 200)])) }
                    }
                }
            }
            best = min(best, Date().timeIntervalSince(t0))
        }
        let seconds = best
        print(
            String(
                format: "%-16@ %-26@ %14.1f records/s  (%d records of 480 s in %.2f s)",
                "prep" as NSString, "read+prepare 480 s record" as NSString, Double(files.count) / seconds, files.count, seconds))
    }
}
