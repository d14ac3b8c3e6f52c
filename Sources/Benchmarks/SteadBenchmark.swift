// SteadBenchmark: STEAD preparation throughput (traces/s) and peak memory on a synthetic STEAD file.

import Foundation
import SeismicTorch

enum SteadBenchmark {
    /// Peak resident memory of this process in MiB (Linux ru_maxrss is in KiB).
    static func peakMemoryMiB() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }

    static func run(quick: Bool) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("seismic-bench-stead").path
        let count = quick ? 500 : 4000
        if !FileManager.default.fileExists(atPath: folder + "/merged.csv") {
            try SyntheticCorpus.writeSTEAD(folder: folder, earthquakes: count, noise: count, seed: 3)
        }
        let catalogue = try STEAD.catalogue(csv: folder + "/merged.csv")
        // Every trace (earthquakes and noise), as a full preparation of the file would read them.
        let traces = catalogue.filter { $0.isNoise || $0.isEarthquake }
        let before = peakMemoryMiB()
        let t0 = Date()
        let (data, summary) = try STEAD.prepare(traces, hdf5: folder + "/merged.hdf5", seed: 1)
        let seconds = Date().timeIntervalSince(t0)
        print(
            String(
                format: "%-16@ %-26@ %14.1f traces/s  (%d traces → %d windows in %.2f s; peak memory %.0f MiB, %.0f MiB before)",
                "prep" as NSString, "STEAD traces" as NSString, Double(summary.tracesRead) / seconds, summary.tracesRead, data.count,
                seconds, peakMemoryMiB(), before))
    }
}
