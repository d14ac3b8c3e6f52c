// STEAD preparation on the STEAD-layout fixture; dataset files (atomic, round trip) and merging.

import Foundation
import SeismicIO
import SeismicTorch
import TestSupport
import Testing

private func temporaryPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("ds-\(UUID())-\(name)").path
}

@Suite struct DatasetTests {
    private let csv = Fixtures.path("stead_mini/merged.csv")
    private let hdf5 = Fixtures.path("stead_mini/merged.hdf5")

    @Test func referenceCleaningKeepsExactlyTheFixturesFiveEarthquakes() throws {
        let traces = try STEAD.catalogue(csv: csv)
        #expect(traces.count == 12)
        let quakes = traces.filter(\.isEarthquake)
        #expect(quakes.count == 8)
        let kept = quakes.filter(\.passesReferenceCleaning)
        #expect(kept.count == 5)
        // The manifest's reasons: trace 3 fails SNR, 5 fails p_weight, 6 fails distance.
        let dropped = Set(quakes.filter { !$0.passesReferenceCleaning }.map(\.name))
        #expect(dropped == Set(quakes.enumerated().filter { [3, 5, 6].contains($0.offset) }.map(\.element.name)))
    }

    @Test func splitIsByTimeAndBalancesNoise() throws {
        let traces = try STEAD.catalogue(csv: csv)
        let (train, test) = STEAD.split(traces, seed: 1)
        let trainQuakes = train.filter(\.isEarthquake), testQuakes = test.filter(\.isEarthquake)
        #expect(trainQuakes.count == 4 && testQuakes.count == 1)
        #expect(trainQuakes.map(\.startTime).max()! < testQuakes.map(\.startTime).min()!)
        #expect(train.filter(\.isNoise).count <= trainQuakes.count)
        #expect(Set(train.map(\.name)).isDisjoint(with: test.map(\.name)))
    }

    @Test func preparesPAndSWindowsAt40Hz() throws {
        let traces = try STEAD.catalogue(csv: csv).filter { ($0.isEarthquake && $0.passesReferenceCleaning) || $0.isNoise }
        let (data, summary) = try STEAD.prepare(traces, hdf5: hdf5, seed: 3)
        #expect(summary.tracesRead == 9)
        #expect(summary.windowsPerClass == [5, 5, 8])
        #expect(data.itemShape == [80, 3])
        #expect(data.metadata.samplingRateHz == 40)
        #expect(data.values.allSatisfy { $0.isFinite })
        // The S window holds more energy than the noise windows of the same record set.
        let energy = { (label: Int) -> Double in
            let idx = data.labels.indices.filter { data.labels[$0] == label }
            return idx.map { i in data.values[(i * 240)..<((i + 1) * 240)].reduce(0.0) { $0 + Double($1 * $1) } }.reduce(0, +) / Double(idx.count)
        }
        #expect(energy(1) > 10 * energy(2))
        // Same seed, same windows.
        let (again, _) = try STEAD.prepare(traces, hdf5: hdf5, seed: 3)
        #expect(again.values == data.values)
    }

    @Test func datasetFileRoundTripsAndWritesAtomically() throws {
        let traces = try STEAD.catalogue(csv: csv)
        let (data, _) = try STEAD.prepare(traces.filter(\.isNoise), hdf5: hdf5, seed: 1)
        // A folder of its own: other tests write atomically into the shared temporary folder at the
        // same time, and their partial files are not this save's.
        let folder = temporaryPath("atomic")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/a.h5"
        try data.save(to: path)
        let back = try PreparedDataset.load(from: path)
        #expect(back.values == data.values && back.labels == data.labels && back.provenance == data.provenance)
        #expect(back.metadata == data.metadata)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["a.h5"])
        #expect(throws: DatasetError.self) { try PreparedDataset.load(from: Fixtures.path("stead_mini/merged.hdf5")) }
        // h5py opens it (when Python with h5py is installed; scripts/check_dataset.py checks the layout).
        let script = URL(fileURLWithPath: Fixtures.root).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/check_dataset.py").path
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["python3", "-c", "import h5py"]
        probe.standardError = FileHandle.nullDevice
        if (try? probe.run()) != nil {
            probe.waitUntilExit()
            if probe.terminationStatus == 0 {
                let check = Process()
                check.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                check.arguments = ["python3", script, path]
                check.standardOutput = FileHandle.nullDevice
                try check.run()
                check.waitUntilExit()
                #expect(check.terminationStatus == 0, "h5py could not read \(path) as a dataset")
            }
        }
    }

    @Test func mergeChecksCompatibilityAndShuffles() throws {
        let traces = try STEAD.catalogue(csv: csv)
        let (a, _) = try STEAD.prepare(traces.filter(\.isNoise), hdf5: hdf5, seed: 1)
        let (b, _) = try STEAD.prepare(traces.filter { $0.isEarthquake && $0.passesReferenceCleaning }, hdf5: hdf5, seed: 1)
        let merged = try PreparedDataset.merge([("a", a), ("b", b)], seed: 9)
        #expect(merged.count == a.count + b.count)
        #expect(merged.labels.sorted() == (a.labels + b.labels).sorted())
        #expect(merged.labels != a.labels + b.labels)
        var other = b
        other.metadata.classNames = ["x", "y", "z"]
        #expect { try PreparedDataset.merge([("a", a), ("c", other)], seed: 1) } throws: { "\($0)".contains("classes") }
        other = b
        other.metadata.samplingRateHz = 100
        #expect { try PreparedDataset.merge([("a", a), ("c", other)], seed: 1) } throws: { "\($0)".contains("sampling rate") }
    }
}
