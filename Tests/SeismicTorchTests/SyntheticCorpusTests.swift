// The synthetic corpus: deterministic, in the layouts the preparations read, and physically plausible.

import Foundation
import SeismicIO
import SeismicNN
import SeismicSignal
import SeismicTorch
import TestSupport
import Testing

@Suite struct SyntheticCorpusTests {
    @Test func sameSeedWritesTheSameFilesInQSISLayout() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("syn-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        for run in ["a", "b"] {
            try SyntheticCorpus.writeQSIS(folder: "\(base)/\(run)", kind: .earthquake, count: 3, stations: 2, durationSeconds: 120, seed: 5)
        }
        let files = QSIS.recordFiles(in: "\(base)/a")
        #expect(files.count == 3)
        #expect(files.allSatisfy { $0.contains("/ST0") && $0.hasSuffix(".HLX.sac") })
        for f in files {
            let other = f.replacingOccurrences(of: "\(base)/a", with: "\(base)/b")
            #expect(FileManager.default.contents(atPath: f) == FileManager.default.contents(atPath: other))
            let (_, traces, _) = try ThreeComponentRecord.read(f)
            let h = traces[0].header
            #expect(h.stationLatitude != nil && h.eventLatitude != nil && h.eventDepth != nil && h.b != nil && h.float("a") != nil)
        }
    }

    /// Shots ring at 15–45 Hz; an earthquake's acceleration spectrum falls off above 1/(πκ) and
    /// with path attenuation: in the 10 s after the first arrival, the share of energy above 15 Hz
    /// is larger for every shot than for the median earthquake.
    @Test func activeSourcesAreHighFrequencyEarthquakesAreNot() {
        var rng = SeededGenerator(seed: 3)
        func highFrequencyShare(_ r: SyntheticRecord) -> Double {
            let start = Int(r.pArrivalSeconds! * 100)
            let z = Array(r.waveform.components[2][start..<min(start + 1000, r.waveform.sampleCount)])
            let s = Spectrogram.compute(z, samplingRateHz: 100, segmentLength: 256, overlap: 128)
            var high = 0.0, total = 0.0
            for (f, row) in zip(s.frequenciesHz, s.power) { let e = row.reduce(0, +); total += e; if f >= 15 { high += e } }
            return high / total
        }
        let shots = (0..<5).map { _ in highFrequencyShare(SyntheticRecord.generate(kind: .activeSource, durationSeconds: 120, using: &rng)) }
        var quakes: [Double] = []
        for _ in 0..<9 {
            let quake = SyntheticRecord.generate(kind: .earthquake, durationSeconds: 120, using: &rng)
            #expect(quake.sArrivalSeconds! > quake.pArrivalSeconds!)
            quakes.append(highFrequencyShare(quake))
        }
        let medianQuake = quakes.sorted()[4]
        #expect(shots.allSatisfy { $0 > medianQuake }, "shots \(shots), earthquakes \(quakes)")
        #expect(SyntheticRecord.generate(kind: .activeSource, durationSeconds: 120, using: &rng).sArrivalSeconds == nil)
    }

    @Test func miniSTEADIsReadByTheSTEADPreparation() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("stead-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try SyntheticCorpus.writeSTEAD(folder: dir, earthquakes: 20, noise: 20, seed: 2)
        let catalogue = try STEAD.catalogue(csv: dir + "/merged.csv")
        #expect(catalogue.count == 40)
        #expect(catalogue.filter(\.isEarthquake).count == 20)
        let (train, test) = STEAD.split(catalogue, seed: 1)
        let (data, summary) = try STEAD.prepare(train + test, hdf5: dir + "/merged.hdf5", seed: 1)
        #expect(summary.tracesRead == train.count + test.count)
        #expect(data.count > 0 && data.values.allSatisfy { $0.isFinite })
    }
}
