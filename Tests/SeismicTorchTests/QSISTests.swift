// QSIS preparation on synthetic SAC triples written like the reference's station folders.

import Foundation
import SeismicIO
import SeismicNN
import SeismicSignal
import SeismicTorch
import TestSupport
import Testing

private func makeFolder(events: Int, noise: Int, shortRecords: Int, seed: UInt64) throws -> (String, [SyntheticRecord]) {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("qsis-\(UUID())").path
    try FileManager.default.createDirectory(atPath: folder + "/ST01", withIntermediateDirectories: true)
    var rng = SeededGenerator(seed: seed)
    var records: [SyntheticRecord] = []
    for i in 0..<(events + noise + shortRecords) {
        let r = SyntheticRecord.generate(event: i < events || i >= events + noise, durationSeconds: i >= events + noise ? 300 : 480, using: &rng)
        try r.writeSAC(folder: folder + "/ST01", name: String(format: "R%03d", i), station: "ST01")
        records.append(r)
    }
    return (folder, records)
}

@Suite struct QSISTests {
    @Test func eventRecordsGivePAndSWindowsNearTheArrivals() throws {
        let (folder, records) = try makeFolder(events: 6, noise: 0, shortRecords: 1, seed: 4)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for method in ArrivalMethod.allCases {
            var settings = QSISSettings()
            settings.arrivals = method
            settings.minimumPGAGal = 0
            let (data, summary) = QSIS.prepare(folder: folder, event: true, settings: settings)
            #expect(summary.recordsRead == 7)
            #expect(summary.skipped["shorter than the minimum length"] == 1, "\(method): \(summary.skipped)")
            #expect(summary.windowsPerClass[0] == 6 && summary.windowsPerClass[1] == 6, "\(method): \(summary.windowsPerClass) \(summary.skipped)")
            #expect(data.itemShape == [80, 3] && data.metadata.samplingRateHz == 40)
            // Each P window starts within 12 s + 1 s of the synthetic P onset (peak search, ±0.8 s shift).
            for (k, prov) in data.provenance.enumerated() where data.labels[k] == 0 {
                let index = Int(prov.source.split(separator: "R").last!.prefix(3))!
                let start = prov.startTime - (1_577_836_800 - records[index].originSeconds)
                let p = records[index].pArrivalSeconds!
                if method != .reference {
                    #expect(start >= p - 2 && start <= p + 13, "\(method): P window at \(start) s, onset \(p) s")
                }
            }
        }
    }

    @Test func peakAccelerationFilterDropsWeakRecords() throws {
        let (folder, records) = try makeFolder(events: 8, noise: 0, shortRecords: 0, seed: 9)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // PGA as the reference computes it: composite of the gal records after × 0.01, × 100.
        let strong = records.filter { ($0.waveform.compositeAmplitude.max() ?? 0) * 100 >= 2.0 }.count
        var settings = QSISSettings()
        settings.arrivals = .header
        let (_, summary) = QSIS.prepare(folder: folder, event: true, settings: settings)
        #expect(summary.skipped["peak acceleration below the threshold", default: 0] == 8 - strong)
    }

    @Test func noiseRecordsGiveTriggeredAndRandomWindows() throws {
        let (folder, _) = try makeFolder(events: 0, noise: 4, shortRecords: 0, seed: 2)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var settings = QSISSettings()
        settings.windowsPerNoiseRecord = 3
        let (data, summary) = QSIS.prepare(folder: folder, event: false, settings: settings)
        #expect(summary.windowsPerClass == [0, 0, 12])
        #expect(data.labels.allSatisfy { $0 == 2 })
        #expect(data.provenance.filter { $0.method == "noise:random" }.count >= 8)
        let again = QSIS.prepare(folder: folder, event: false, settings: settings).0
        #expect(again.values == data.values)
    }
}

extension QSISTests {
    /// Records with standard headers — the reference time at the first sample (B = 0) and the
    /// origin in O — give P windows at the P onset under `--arrivals model` (before O was read, they
    /// landed the origin offset later); a record without O is skipped with that reason, never
    /// given windows from a guessed origin.
    @Test func modelArrivalsFollowTheOriginInHeaderO() throws {
        let (folder, records) = try makeFolder(events: 4, noise: 0, shortRecords: 0, seed: 21)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let files = try FileManager.default.contentsOfDirectory(atPath: folder + "/ST01").filter { $0.hasSuffix(".sac") }.sorted()
        for name in files {
            let path = folder + "/ST01/" + name
            var t = try SACTrace(contentsOf: path)
            let first = try #require(t.header.startTime)
            let b = Double(try #require(t.header.b))
            t.header.setReferenceTime(first)
            t.header.b = 0
            t.header.e = t.header.e.map { $0 - Float(b) }
            t.header.origin = name.hasPrefix("R003") ? nil : Float(-b)  // R003 loses its origin
            t.header.firstArrival = t.header.firstArrival.map { $0 - Float(b) }
            t.header.setUserPick(1, t.header.userPick(1).map { $0 - Float(b) })
            try t.write(to: path)
        }
        var settings = QSISSettings()
        settings.minimumPGAGal = 0
        let (data, summary) = QSIS.prepare(folder: folder, event: true, settings: settings)
        #expect(summary.skipped["header lacks O (origin time)"] == 1, "\(summary.skipped)")
        #expect(summary.windowsPerClass[0] == 3, "\(summary.windowsPerClass) \(summary.skipped)")
        for (k, prov) in data.provenance.enumerated() where data.labels[k] == 0 {
            let index = Int(prov.source.split(separator: "R").last!.prefix(3))!
            let start = prov.startTime - (1_577_836_800 - records[index].originSeconds)  // seconds after the first sample
            let p = records[index].pArrivalSeconds!
            #expect(start >= p - 2 && start <= p + 13, "P window at \(start) s, onset \(p) s")
        }
    }
}
